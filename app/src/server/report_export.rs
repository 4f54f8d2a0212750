//! `GET /report/incidents.csv` and `.json`: the report's incidents for a
//! spreadsheet or a script, filtered by the same query as the page. Behind
//! the sign-in guard like every page.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::db::Db;
use crate::domain::report::{PAGE_LIST_LIMIT, ReportFilter};
use crate::domain::report_export;

pub fn routes<S: Clone + Send + Sync + 'static>(db: Db) -> Router<S> {
    Router::new()
        .route("/report/incidents.csv", get(csv))
        .route("/report/incidents.json", get(json))
        .with_state(db)
}

fn filter(params: &HashMap<String, String>) -> ReportFilter {
    ReportFilter::from_params(|k| params.get(k).cloned())
}

fn failed(e: crate::db::DbError) -> Response {
    tracing::error!("report export: {e}");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "The report could not be read from the database; nothing was exported. Try again.",
    )
        .into_response()
}

async fn csv(State(db): State<Db>, Query(params): Query<HashMap<String, String>>) -> Response {
    match db.report_selection(&filter(&params)).await {
        Ok(selection) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"debrief-incidents.csv\"",
                ),
            ],
            // A byte order mark: spreadsheets then read the file as UTF-8.
            format!("\u{feff}{}", report_export::csv(&selection.incidents())),
        )
            .into_response(),
        Err(e) => failed(e),
    }
}

async fn json(State(db): State<Db>, Query(params): Query<HashMap<String, String>>) -> Response {
    match db.report(&filter(&params)).await {
        Ok((report, selection)) => (
            [
                (header::CONTENT_TYPE, "application/json"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"debrief-report.json\"",
                ),
            ],
            report_export::json(&report.for_page(PAGE_LIST_LIMIT), &selection.incidents()),
        )
            .into_response(),
        Err(e) => failed(e),
    }
}
