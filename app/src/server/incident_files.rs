//! Files about one incident, behind the sign-in guard like every page:
//! `GET /incidents/N/review.ics`, the review meeting's calendar invitation;
//! `/incidents/N/postmortem.md` and `/incidents/N/postmortem.html`, the
//! post-mortem as Markdown and as one standalone HTML page;
//! `/incidents/N/export.json|md|html`, the whole incident (the JSON is the
//! archive `POST /incidents/restore` reads back, for editors).

use crate::routes;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Extension, Multipart, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::incident_path::IncidentInPath;
use super::links::LinkBase;
use crate::db::Db;
use crate::domain::incident::{Incident, IncidentNumber};
use crate::domain::markdown::render_markdown_for_export;
use crate::domain::postmortem::{Postmortem, standalone_html};
use crate::domain::review::{Invitation, ics};
use crate::error::AppError;

pub fn routes<S: Clone + Send + Sync + 'static>(db: Db) -> Router<S> {
    Router::new()
        .route(routes::REVIEW_ICS, get(review_ics))
        .route(routes::POSTMORTEM_MD, get(postmortem_md))
        .route(routes::POSTMORTEM_HTML, get(postmortem_html))
        .route(routes::EXPORT_JSON, get(export_json))
        .route(routes::EXPORT_MD, get(export_md))
        .route(routes::EXPORT_HTML, get(export_html))
        .route(
            routes::RESTORE,
            post(restore).layer(DefaultBodyLimit::max(RESTORE_MAX_BYTES)),
        )
        .with_state(db)
}

/// The incident a path names, or why not.
async fn incident_of(db: &Db, n: IncidentNumber) -> Result<(IncidentNumber, Incident), AppError> {
    match db.incident(n).await? {
        Some(i) => Ok((n, i)),
        None => Err(AppError::NotFound {
            what: format!("Incident {n}"),
        }),
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

/// The saved post-mortem and a line saying what it is, or why not.
async fn postmortem_of(
    db: &Db,
    number: IncidentNumber,
) -> Result<(IncidentNumber, Incident, Postmortem, String), AppError> {
    let (n, incident) = incident_of(db, number).await?;
    let Some(mut doc) = db.postmortem(n).await? else {
        return Err(AppError::Missing {
            message: format!(
                "Incident #{} has no post-mortem yet: write and save one first.",
                n.0
            ),
        });
    };
    // Its Countermeasures list as the backlog holds it now.
    let live = db.live_countermeasures(n).await?;
    doc.body = crate::domain::postmortem::with_live_countermeasures(&doc.body, &live);
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

async fn postmortem_md(
    State(db): State<Db>,
    IncidentInPath(number): IncidentInPath,
) -> Result<Response, AppError> {
    let (n, _, doc, about) = postmortem_of(&db, number).await?;
    Ok(download(
        "text/markdown; charset=utf-8",
        format!("postmortem-{}.md", n.0),
        format!("<!-- {} -->\n\n{}", about.replace("--", "- -"), doc.body),
    ))
}

/// Markdown rendered for a downloaded page (images as links), off the
/// request threads, or why not.
async fn exported_html(what: &str, markdown: String) -> Result<String, AppError> {
    super::render_pool::render(move || render_markdown_for_export(&markdown))
        .await
        .map_err(|refused| refused.into_error(what))
}

async fn postmortem_html(
    State(db): State<Db>,
    IncidentInPath(number): IncidentInPath,
) -> Result<Response, AppError> {
    let (n, incident, doc, about) = postmortem_of(&db, number).await?;
    let body = exported_html("post-mortem", doc.body).await?;
    Ok(download(
        "text/html; charset=utf-8",
        format!("postmortem-{}.html", n.0),
        standalone_html(
            &format!("Post-mortem: #{} {}", n.0, incident.content.title),
            &about,
            &body,
        ),
    ))
}

/// The largest archive the restore upload takes: well above a real
/// incident's (a day-long chat of 50,000 lines makes about 20 MB); a larger
/// one is restored with the command line, on the server.
pub const RESTORE_MAX_BYTES: usize = 32 * 1024 * 1024;

/// Restores that run at once: each holds its upload and its rows in memory
/// (a few times the upload's size) until it is written.
pub const RESTORES_AT_ONCE: usize = 2;

static RESTORES: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(RESTORES_AT_ONCE);

async fn archive_of(
    db: &Db,
    number: IncidentNumber,
) -> Result<(IncidentNumber, serde_json::Value), AppError> {
    let (n, _) = incident_of(db, number).await?;
    let archive = db.export_incident(n).await?;
    Ok((n, archive))
}

async fn export_json(
    State(db): State<Db>,
    IncidentInPath(number): IncidentInPath,
) -> Result<Response, AppError> {
    let (n, archive) = archive_of(&db, number).await?;
    Ok(download(
        "application/json",
        format!("incident-{}.json", n.0),
        crate::domain::archive::to_json(&archive),
    ))
}

async fn export_md(
    State(db): State<Db>,
    IncidentInPath(number): IncidentInPath,
) -> Result<Response, AppError> {
    let (n, archive) = archive_of(&db, number).await?;
    Ok(download(
        "text/markdown; charset=utf-8",
        format!("incident-{}.md", n.0),
        crate::domain::archive::to_markdown(&archive),
    ))
}

async fn export_html(
    State(db): State<Db>,
    IncidentInPath(number): IncidentInPath,
) -> Result<Response, AppError> {
    let (n, archive) = archive_of(&db, number).await?;
    let markdown = crate::domain::archive::to_markdown(&archive);
    let body = exported_html("export", markdown).await?;
    Ok(download(
        "text/html; charset=utf-8",
        format!("incident-{}.html", n.0),
        standalone_html(
            &format!("Incident #{}", n.0),
            "The whole incident, exported from Debrief. Times are UTC.",
            &body,
        ),
    ))
}

/// Restores an uploaded archive as a new incident. A browser is sent to
/// it; a script gets `{"number", "renumbered_from", "rows"}`.
async fn restore(
    State(db): State<Db>,
    Extension(user): Extension<super::session::CurrentUser>,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Response {
    let html = super::headers::accepts_html(&headers);
    let refuse = |error: AppError| {
        super::answer::refuse(
            error,
            html,
            super::answer::Back::Page {
                title: "Nothing was restored",
                href: "/incidents/restore",
                label: "Back to the restore page",
            },
        )
    };
    // Taken before the upload is read, so a busy server reads no more.
    let Ok(_permit) = RESTORES.try_acquire() else {
        return refuse(AppError::Busy {
            message: format!(
                "{RESTORES_AT_ONCE} restores are running already; nothing was restored. Try again in a minute."
            ),
            retry_after: 60,
        });
    };
    let unreadable = |e| {
        super::answer::unreadable_upload(e, || {
            format!(
                "The archive is larger than {} MB, the most the upload takes (a real incident's archive is far smaller). Restore it with `debrief restore-incident FILE` on the server instead.",
                RESTORE_MAX_BYTES / 1024 / 1024
            )
        })
    };
    let mut bytes = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) if field.name() == Some("file") => match field.bytes().await {
                Ok(b) => bytes = Some(b),
                Err(e) => return refuse(unreadable(e)),
            },
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(e) => return refuse(unreadable(e)),
        }
    }
    let Some(bytes) = bytes else {
        return refuse(AppError::invalid_field(
            "file",
            "Choose an archive file (incident-N.json) to restore.",
        ));
    };
    // Reading is work for a processor, not for the async workers; the
    // upload's bytes are let go once the rows are read.
    let read = tokio::task::spawn_blocking(move || crate::domain::archive::read(&bytes)).await;
    let archive = match read {
        Ok(Ok(archive)) => archive,
        Ok(Err(message)) => return refuse(AppError::invalid_field("file", message)),
        Err(e) => {
            return refuse(AppError::internal(format!(
                "restore: reading the archive failed: {e}"
            )));
        }
    };
    let actor = crate::domain::audit::Actor {
        name: user.0.label(),
        user_id: Some(user.0.id.clone()),
    };
    match crate::flows::restore::restore(&db, archive, &actor).await {
        Ok(done) if html => (
            StatusCode::SEE_OTHER,
            [(header::LOCATION, format!("/incidents/{}", done.number))],
        )
            .into_response(),
        Ok(done) => axum::Json(serde_json::json!({
            "number": done.number,
            "renumbered_from": done.renumbered_from,
            "rows": done.rows,
        }))
        .into_response(),
        // A refusal (400), a full disk, or something logged with a reference.
        Err(e) => refuse(AppError::from(e)),
    }
}

async fn review_ics(
    State(db): State<Db>,
    LinkBase(base): LinkBase,
    IncidentInPath(number): IncidentInPath,
) -> Result<Response, AppError> {
    let (n, incident) = incident_of(&db, number).await?;
    let review = db.review_meeting(n).await?;
    let Some(start) = review.scheduled_at else {
        return Err(AppError::Missing {
            message: format!(
                "The review of incident #{} is not scheduled yet: set its time on the incident page first.",
                n.0
            ),
        });
    };
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
    Ok(download(
        "text/calendar; charset=utf-8",
        format!("review-{}.ics", n.0),
        body,
    ))
}
