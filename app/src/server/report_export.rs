//! `GET /report/incidents.csv` and `.json`: the report's incidents for a
//! spreadsheet or a script, filtered by the same query as the page. Behind
//! the sign-in guard like every page.

use crate::error::AppError;
use crate::routes;
use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures::{StreamExt, stream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::db::Db;
use crate::domain::report::{PAGE_LIST_LIMIT, ReportFilter, ReportIncident};
use crate::domain::report_export;
use crate::flows::report::{ReportCache, ReportSelection};

pub fn routes<S: Clone + Send + Sync + 'static>(db: Db, reports: ReportCache) -> Router<S> {
    Router::new()
        .route(routes::REPORT_CSV, get(csv))
        .route(routes::REPORT_JSON, get(json))
        .with_state((db, reports))
}

fn filter(params: &HashMap<String, String>) -> ReportFilter {
    ReportFilter::from_params(|k| params.get(k).cloned())
}

fn failed(e: crate::db::DbError) -> Response {
    AppError::internal(format!("report export: {e}")).into_response()
}

/// Incidents written per chunk of an export body.
const ROWS_PER_CHUNK: usize = 500;

/// Exports written at once. Each holds only the chunk being written, but a
/// slow reader keeps its slot: further exports wait, then are answered busy.
const CONCURRENT_EXPORTS: usize = 8;

/// How long an export waits for a slot before it is answered busy.
const EXPORT_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

static SLOTS: std::sync::LazyLock<Arc<Semaphore>> =
    std::sync::LazyLock::new(|| Arc::new(Semaphore::new(CONCURRENT_EXPORTS)));

async fn slot() -> Result<OwnedSemaphorePermit, Response> {
    match tokio::time::timeout(EXPORT_WAIT, SLOTS.clone().acquire_owned()).await {
        Ok(Ok(permit)) => Ok(permit),
        _ => Err(AppError::Busy {
            message: "Other exports are being written right now; nothing was exported. Try again in a few seconds.".into(),
            retry_after: 10,
        }
        .into_response()),
    }
}

/// An export body written a chunk at a time from the selection: `head`,
/// then `rows(slice, first)` per chunk, then `tail`. The slot is held until
/// the last byte is sent (or the client goes away).
fn streamed(
    selection: ReportSelection,
    head: String,
    rows: fn(&[&ReportIncident], bool) -> String,
    tail: &'static str,
    slot: OwnedSemaphorePermit,
) -> Body {
    let total = selection.len();
    let chunks =
        stream::iter(std::iter::once(None).chain((0..total.div_ceil(ROWS_PER_CHUNK)).map(Some)))
            .map(move |chunk| match chunk {
                None => head.clone(),
                Some(c) => {
                    let range = c * ROWS_PER_CHUNK..((c + 1) * ROWS_PER_CHUNK).min(total);
                    rows(&selection.slice(range), c == 0)
                }
            })
            .chain(stream::once(async move {
                drop(slot);
                tail.to_string()
            }))
            .map(|text| Ok::<_, std::convert::Infallible>(Bytes::from(text)));
    Body::from_stream(chunks)
}

fn csv_rows(slice: &[&ReportIncident], _first: bool) -> String {
    report_export::csv_rows(slice)
}

fn json_rows(slice: &[&ReportIncident], first: bool) -> String {
    report_export::json_rows(slice, first)
}

async fn csv(
    State((db, reports)): State<(Db, ReportCache)>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let slot = match slot().await {
        Ok(slot) => slot,
        Err(busy) => return busy,
    };
    match crate::flows::report::selection(&db, &reports, &filter(&params)).await {
        Ok(selection) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"debrief-incidents.csv\"",
                ),
            ],
            // A byte order mark: spreadsheets then read the file as UTF-8.
            streamed(
                selection,
                format!("\u{feff}{}", report_export::csv_header()),
                csv_rows,
                "",
                slot,
            ),
        )
            .into_response(),
        Err(e) => failed(e),
    }
}

async fn json(
    State((db, reports)): State<(Db, ReportCache)>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let slot = match slot().await {
        Ok(slot) => slot,
        Err(busy) => return busy,
    };
    match crate::flows::report::report(&db, &reports, &filter(&params)).await {
        Ok((report, selection)) => (
            [
                (header::CONTENT_TYPE, "application/json"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"debrief-report.json\"",
                ),
            ],
            streamed(
                selection,
                report_export::json_head(&report.for_page(PAGE_LIST_LIMIT)),
                json_rows,
                report_export::JSON_TAIL,
                slot,
            ),
        )
            .into_response(),
        Err(e) => failed(e),
    }
}
