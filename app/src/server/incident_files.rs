//! Files about one incident, behind the sign-in guard like every page:
//! `GET /incidents/N/review.ics`, the review meeting's calendar invitation;
//! `/incidents/N/postmortem.md` and `/incidents/N/postmortem.html`, the
//! post-mortem as Markdown and as one standalone HTML page.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::countermeasure_export::link_base;
use crate::db::Db;
use crate::domain::incident::{Incident, IncidentNumber};
use crate::domain::markdown::render_markdown;
use crate::domain::postmortem::{Postmortem, standalone_html};
use crate::domain::review::{Invitation, ics};

pub fn routes<S: Clone + Send + Sync + 'static>(db: Db) -> Router<S> {
    Router::new()
        .route("/incidents/{number}/review.ics", get(review_ics))
        .route("/incidents/{number}/postmortem.md", get(postmortem_md))
        .route("/incidents/{number}/postmortem.html", get(postmortem_html))
        .with_state(db)
}

fn refusal(status: StatusCode, message: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        message,
    )
        .into_response()
}

fn failed(e: crate::db::DbError) -> Response {
    tracing::error!("incident file: {e}");
    refusal(
        StatusCode::INTERNAL_SERVER_ERROR,
        "The incident could not be read. Try again.".into(),
    )
}

/// The incident a path names, or the response that says why not.
async fn incident_of(db: &Db, number: &str) -> Result<(IncidentNumber, Incident), Response> {
    let not_found = || {
        refusal(
            StatusCode::NOT_FOUND,
            format!("There is no incident {number}."),
        )
    };
    let n = number
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .map(IncidentNumber)
        .ok_or_else(not_found)?;
    match db.incident(n).await {
        Ok(Some(i)) => Ok((n, i)),
        Ok(None) => Err(not_found()),
        Err(e) => Err(failed(e)),
    }
}

fn download(content_type: &str, file_name: String, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// The saved post-mortem and a line saying what it is, or the refusal.
async fn postmortem_of(
    db: &Db,
    number: &str,
) -> Result<(IncidentNumber, Incident, Postmortem, String), Response> {
    let (n, incident) = incident_of(db, number).await?;
    let Some(doc) = db.postmortem(n).await.map_err(failed)? else {
        return Err(refusal(
            StatusCode::NOT_FOUND,
            format!(
                "Incident #{} has no post-mortem yet: write and save one first.",
                n.0
            ),
        ));
    };
    let about = format!(
        "Post-mortem of incident #{} \"{}\", version {} ({}), saved by {} at {}. Exported from Debrief.",
        n.0,
        incident.content.title,
        doc.version,
        doc.status.label().to_lowercase(),
        doc.updated_by,
        doc.updated_at.to_rfc3339(),
    );
    Ok((n, incident, doc, about))
}

async fn postmortem_md(State(db): State<Db>, Path(number): Path<String>) -> Response {
    match postmortem_of(&db, &number).await {
        Ok((n, _, doc, about)) => download(
            "text/markdown; charset=utf-8",
            format!("postmortem-{}.md", n.0),
            format!("<!-- {} -->\n\n{}", about.replace("--", "- -"), doc.body),
        ),
        Err(response) => response,
    }
}

async fn postmortem_html(State(db): State<Db>, Path(number): Path<String>) -> Response {
    match postmortem_of(&db, &number).await {
        Ok((n, incident, doc, about)) => download(
            "text/html; charset=utf-8",
            format!("postmortem-{}.html", n.0),
            standalone_html(
                &format!("Post-mortem: #{} {}", n.0, incident.content.title),
                &about,
                &render_markdown(&doc.body),
            ),
        ),
        Err(response) => response,
    }
}

async fn review_ics(
    State(db): State<Db>,
    headers: HeaderMap,
    Path(number): Path<String>,
) -> Response {
    let (n, incident) = match incident_of(&db, &number).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let review = match db.review_meeting(n).await {
        Ok(r) => r,
        Err(e) => return failed(e),
    };
    let Some(start) = review.scheduled_at else {
        return refusal(
            StatusCode::NOT_FOUND,
            format!(
                "The review of incident #{} is not scheduled yet: set its time on the incident page first.",
                n.0
            ),
        );
    };
    let base = link_base(&headers);
    let facilitator = match incident.content.facilitator.trim() {
        "" => String::new(),
        name => format!("\nFacilitator: {name}"),
    };
    let description = format!(
        "A blameless review of incident #{n}: what happened, what people knew and expected at each moment, and what we change.\nRead the handout before we meet: {base}/incidents/{n}/handout{facilitator}",
        n = n.0
    );
    let summary = format!("Post-incident review: #{} {}", n.0, incident.content.title);
    let uid = format!("review-{}-{}", n.0, incident.created_at.timestamp());
    let body = ics(&Invitation {
        uid: &uid,
        start,
        minutes: review.minutes,
        summary: &summary,
        description: &description,
        location: &review.location,
        sequence: review.version,
        stamp: chrono::Utc::now(),
        attendees: &review.attendees,
    });
    download(
        "text/calendar; charset=utf-8",
        format!("review-{}.ics", n.0),
        body,
    )
}
