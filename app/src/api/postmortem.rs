//! Server functions for the post-mortem document: read it (or the template a
//! new one starts from), save a draft, publish or reopen, preview while
//! typing, and read an older version. Thin: the template and limits live in
//! `domain::postmortem`, the language check in `domain::blameless`.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::incidents::ShownTime;
use crate::domain::blameless::{Finding, Rule};
use crate::domain::incident::IncidentNumber;
use crate::domain::postmortem::{DocStatus, VersionEntry};
use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PostmortemView {
    pub number: i64,
    pub incident_title: String,
    /// False until the first save: `body` is then the starting template.
    pub exists: bool,
    pub body: String,
    pub status: DocStatus,
    /// The version the next save is based on (0 before the first).
    pub version: i64,
    /// `body` rendered and sanitized.
    pub body_html: String,
    /// The language check's findings in `body`, with the rules in force.
    pub findings: Vec<Finding>,
    /// Rules an administrator added to the defaults (the browser holds the
    /// defaults itself and checks with both while the author types).
    pub added_rules: Vec<Rule>,
    /// Who saved last, and when.
    pub updated: Option<(String, ShownTime)>,
    pub versions: Vec<(VersionEntry, ShownTime)>,
    /// When an older version was asked for: its number (`body` and
    /// `body_html` are then that version's).
    pub showing_version: Option<i64>,
    pub can_edit: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PostmortemPreview {
    pub html: String,
}

#[cfg(feature = "ssr")]
async fn starting_template(
    db: &crate::db::Db,
    number: crate::domain::incident::IncidentNumber,
    incident: &crate::domain::incident::Incident,
) -> Result<String, AppError> {
    use crate::domain::postmortem::{TemplateEvent, TemplateInput, template};
    let zone =
        crate::domain::zone::parse_zone(&incident.content.time_zone).unwrap_or(chrono_tz::Tz::UTC);
    let events: Vec<TemplateEvent> = db
        .timeline(number)
        .await?
        .into_iter()
        .filter(|e| !e.deleted)
        .map(|e| TemplateEvent {
            at: e.content.at,
            actor: e.content.actor,
            text: e.content.body_markdown,
            key_moment: e.key_moment,
        })
        .collect();
    let countermeasures = db.live_countermeasures(number).await?;
    Ok(template(&TemplateInput {
        title: &incident.content.title,
        summary_markdown: &incident.content.summary_markdown,
        moments: &incident.content.moments,
        zone,
        events: &events,
        countermeasures: &countermeasures,
    }))
}

/// `markdown` rendered off the request threads (a post-mortem may be
/// 200,000 characters long), or the sentence saying why not.
#[cfg(feature = "ssr")]
async fn rendered(what: &str, markdown: String) -> Result<String, AppError> {
    crate::server::render_pool::render(move || crate::domain::markdown::render_markdown(&markdown))
        .await
        .map_err(|refused| refused.into_error(what))
}

#[server(prefix = "/api", endpoint = "postmortem/get")]
pub async fn get_postmortem(
    number: IncidentNumber,
    #[server(default)] version: Option<i64>,
) -> Result<PostmortemView, AppError> {
    crate::server::context::serve("postmortem/get", async {
        use super::incidents::shape::shown;
        let n = number;
        let db = crate::server::context::db()?;
        let not_found = || AppError::NotFound {
            what: format!("Incident {}", n.0),
        };
        let incident = db.incident(n).await?.ok_or_else(not_found)?;
        let zone = super::viewer::viewer_zone();
        let current = db.postmortem(n).await?;
        let (mut body, status, base) = match &current {
            Some(p) => (p.body.clone(), p.status, p.version),
            None => (
                starting_template(&db, n, &incident).await?,
                DocStatus::Draft,
                0,
            ),
        };
        if let Some(v) = version {
            body = db
                .postmortem_version_body(n, v)
                .await?
                .ok_or_else(|| AppError::NotFound {
                    what: format!("Version {v} of the post-mortem of #{}", n.0),
                })?;
        }
        use crate::domain::postmortem::with_live_countermeasures;
        let added_rules = db.added_language_rules().await?;
        let mut rules = crate::domain::blameless::default_rules();
        rules.extend(added_rules.iter().cloned());
        Ok(PostmortemView {
            number: n.0,
            incident_title: incident.content.title,
            exists: current.is_some(),
            // The saved text, with its Countermeasures list as the backlog
            // holds it now (an earlier version is shown as it was).
            body_html: rendered(
                "post-mortem",
                match version {
                    Some(_) => body.clone(),
                    None => with_live_countermeasures(&body, &db.live_countermeasures(n).await?),
                },
            )
            .await?,
            findings: crate::domain::blameless::check(&body, &rules),
            added_rules,
            updated: current
                .as_ref()
                .map(|p| (p.updated_by.clone(), shown(p.updated_at, zone))),
            versions: db
                .postmortem_versions(n)
                .await?
                .into_iter()
                .map(|v| {
                    let at = shown(v.saved_at, zone);
                    (v, at)
                })
                .collect(),
            body,
            status,
            version: base,
            showing_version: version,
            can_edit: crate::server::context::current_user()?
                .role
                .allows(crate::domain::account::Role::Editor),
        })
    })
    .await
}

/// Saves the draft and sends the browser back to the document. With
/// `publish` "yes" (the "Save and publish" button), publishes what was just
/// saved: the text in the editor, never an older saved one.
#[server(prefix = "/api", endpoint = "postmortem/save")]
pub async fn save_postmortem(
    number: IncidentNumber,
    version: String,
    body: String,
    #[server(default)] publish: Option<String>,
) -> Result<i64, AppError> {
    crate::server::context::serve("postmortem/save", async {
        let n = number;
        let base = super::incidents::version_field(&version)?;
        let checked = crate::domain::postmortem::check_body(&body)
            .map_err(|message| AppError::invalid_field("body", message).with_echo(&body))?;
        let db = crate::server::context::db()?;
        let actor = crate::server::context::actor()?;
        let publish = publish.as_deref() == Some("yes");
        // Publishing text already saved as this version adds no new one.
        let unchanged = publish
            && db
                .postmortem(n)
                .await?
                .is_some_and(|p| p.version == base && p.body == checked);
        let mut version = base;
        if !unchanged {
            let saved = db
                .save_postmortem(n, base, &checked, &actor, chrono::Utc::now())
                .await;
            version = saved
                .map_err(|e| super::incidents::write_refusal(e, "post-mortem", Some(&body)))?;
        }
        if publish {
            let published = db
                .set_postmortem_status(n, version, DocStatus::Published, &actor, chrono::Utc::now())
                .await;
            version = published
                .map_err(|e| super::incidents::write_refusal(e, "post-mortem", Some(&body)))?;
        }
        leptos_axum::redirect(&format!("/incidents/{}/postmortem", n.0));
        Ok(version)
    })
    .await
}

/// Publishes the document (`status` "published") or reopens it ("draft").
#[server(prefix = "/api", endpoint = "postmortem/status")]
pub async fn set_postmortem_status(
    number: IncidentNumber,
    version: String,
    status: String,
) -> Result<i64, AppError> {
    crate::server::context::serve("postmortem/status", async {
        let n = number;
        let base = super::incidents::version_field(&version)?;
        let status = DocStatus::parse(&status).ok_or_else(|| {
            AppError::invalid_field(
                "status",
                format!(
                    "Unknown status \"{status}\"; use one of {}.",
                    DocStatus::codes()
                ),
            )
        })?;
        let saved = crate::server::context::db()?
            .set_postmortem_status(
                n,
                base,
                status,
                &crate::server::context::actor()?,
                chrono::Utc::now(),
            )
            .await;
        let new_version =
            saved.map_err(|e| super::incidents::write_refusal::<String>(e, "post-mortem", None))?;
        leptos_axum::redirect(&format!("/incidents/{}/postmortem", n.0));
        Ok(new_version)
    })
    .await
}

/// The Markdown as it will read, rendered and sanitized (the live preview).
#[server(prefix = "/api", endpoint = "postmortem/preview")]
pub async fn preview_postmortem(body: String) -> Result<PostmortemPreview, AppError> {
    crate::server::context::serve("postmortem/preview", async {
        let checked = crate::domain::postmortem::check_body(&body)
            .map_err(|message| AppError::invalid_field("body", message))?;
        Ok(PostmortemPreview {
            html: rendered("preview", checked).await?,
        })
    })
    .await
}
