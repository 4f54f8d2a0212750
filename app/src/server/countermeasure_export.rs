//! `GET /countermeasures/export/jira.csv` and `/github.json`: the backlog
//! (with the page's filters) for Jira's CSV importer and GitHub's issue API.
//! Behind the sign-in guard like every page.

use crate::error::AppError;
use crate::routes;
use std::collections::HashMap;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::links::LinkBase;
use crate::db::Db;
use crate::domain::countermeasure::{BacklogFilter, Countermeasure};
use crate::domain::countermeasure_export::{IncidentTags, github_json, jira_csv};

pub fn routes<S: Clone + Send + Sync + 'static>(db: Db) -> Router<S> {
    Router::new()
        .route(routes::JIRA_CSV, get(jira))
        .route(routes::GITHUB_JSON, get(github))
        .with_state(db)
}

async fn load(
    db: &Db,
    params: &HashMap<String, String>,
) -> Result<(Vec<Countermeasure>, Vec<IncidentTags>), Response> {
    let filter = BacklogFilter::from_params(|k| params.get(k).cloned());
    let today = chrono::Utc::now().date_naive();
    let failed = |e: crate::db::DbError| {
        AppError::internal(format!("countermeasure export: {e}")).into_response()
    };
    let items = db
        .list_countermeasures(&filter, today)
        .await
        .map_err(failed)?;
    let mut numbers: Vec<i64> = items
        .iter()
        .flat_map(|i| i.incidents.iter().map(|x| x.number))
        .collect();
    numbers.sort_unstable();
    numbers.dedup();
    let tags = db.incident_tags(&numbers).await.map_err(failed)?;
    Ok((items, tags))
}

/// The export as a download, or the refusal.
fn download(
    loaded: Result<(Vec<Countermeasure>, Vec<IncidentTags>), Response>,
    content_type: &'static str,
    disposition: &'static str,
    render: impl FnOnce(&[Countermeasure], &[IncidentTags]) -> String,
) -> Response {
    match loaded {
        Ok((items, tags)) => (
            [
                (header::CONTENT_TYPE, content_type),
                (header::CONTENT_DISPOSITION, disposition),
            ],
            render(&items, &tags),
        )
            .into_response(),
        Err(response) => response,
    }
}

async fn jira(
    State(db): State<Db>,
    LinkBase(base): LinkBase,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    download(
        load(&db, &params).await,
        "text/csv; charset=utf-8",
        "attachment; filename=\"debrief-countermeasures-jira.csv\"",
        |items, tags| jira_csv(items, tags, &base),
    )
}

async fn github(
    State(db): State<Db>,
    LinkBase(base): LinkBase,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    download(
        load(&db, &params).await,
        "application/json",
        "attachment; filename=\"debrief-countermeasures-github.json\"",
        |items, tags| github_json(items, tags, &base),
    )
}
