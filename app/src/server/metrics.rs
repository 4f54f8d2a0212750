//! `GET /metrics`: the report's figures for Prometheus, behind the bearer
//! token an administrator sets under Administration → Metrics. Off (404)
//! until a token is set; a missing or wrong token gets 401.

use crate::error::AppError;
use crate::routes;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::db::{Db, token_digest};
use crate::domain::metrics_export::exposition;
use crate::flows::report::ReportCache;

pub fn routes<S: Clone + Send + Sync + 'static>(db: Db, reports: ReportCache) -> Router<S> {
    Router::new()
        .route(routes::METRICS, get(metrics))
        .with_state((db, reports))
}

/// Scrapers try again at their next interval; 503 tells them to.
fn unavailable(e: crate::db::DbError) -> Response {
    tracing::error!("metrics: {e}");
    AppError::Busy {
        message: "The figures could not be read from the database; try again.".into(),
        retry_after: 15,
    }
    .into_response()
}

async fn metrics(State((db, reports)): State<(Db, ReportCache)>, headers: HeaderMap) -> Response {
    let settings = match db.metrics_settings().await {
        Ok(s) => s,
        Err(e) => return unavailable(e),
    };
    let Some(digest) = settings.token_sha256 else {
        return AppError::Missing {
            message: "The metrics endpoint is off. An administrator turns it on by setting a token under Administration → Metrics.".into(),
        }
        .into_response();
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    if given.map(token_digest).as_deref() != Some(digest.as_str()) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer realm=\"debrief\"")],
            "A valid bearer token is needed: send the header Authorization: Bearer followed by the token an administrator set.",
        )
            .into_response();
    }
    let snapshot = match crate::flows::report::snapshot(&db, &reports).await {
        Ok(s) => s,
        Err(e) => return unavailable(e),
    };
    let incidents = &snapshot.incidents;
    let now = chrono::Utc::now();
    let countermeasures = crate::domain::report::countermeasure_figures(
        incidents,
        &snapshot.countermeasures,
        now.date_naive(),
    );
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        exposition(incidents, &countermeasures, &settings.windows, now),
    )
        .into_response()
}
