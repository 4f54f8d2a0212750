//! Server functions for an incident's timeline: read (with filters), quick
//! entry, edit, delete, restore, and marking key moments.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::incidents::ShownTime;
use crate::domain::ids::{AttachmentId, EventId};
use crate::domain::incident::IncidentNumber;
use crate::domain::moments::KeyMoment;
use crate::domain::query_text::query_value;
use crate::domain::timeline::{EventForm, EventKind};
use crate::error::AppError;

/// The timeline's filters, as they arrive from the query string.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TimelineFilter {
    /// An [`EventKind`] code, or empty for every kind.
    pub kind: String,
    /// Exact actor, or empty for everyone.
    pub actor: String,
    /// "1" to show only events that mark a key moment.
    pub moments: String,
}

impl TimelineFilter {
    pub fn moments_only(&self) -> bool {
        !self.moments.is_empty() && self.moments != "0"
    }

    pub fn is_active(&self) -> bool {
        !self.kind.is_empty() || !self.actor.is_empty() || self.moments_only()
    }

    /// The query string that keeps these filters ("" when none).
    pub fn query(&self) -> String {
        let mut parts = Vec::new();
        if !self.kind.is_empty() {
            parts.push(format!("kind={}", query_value(&self.kind)));
        }
        if !self.actor.is_empty() {
            parts.push(format!("actor={}", query_value(&self.actor)));
        }
        if self.moments_only() {
            parts.push("moments=1".to_string());
        }
        parts.join("&")
    }
}

/// "?k=v&…" from query parameters, values percent-encoded ("" for none).
pub fn query_string(params: &[(&str, String)]) -> String {
    let pairs: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{k}={}", query_value(v)))
        .collect();
    if pairs.is_empty() {
        String::new()
    } else {
        format!("?{}", pairs.join("&"))
    }
}

/// One event as the timeline shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventRow {
    pub id: String,
    pub version: i64,
    pub shown: ShownTime,
    pub kind: EventKind,
    pub actor: String,
    /// Rendered and sanitized Markdown.
    pub body_html: String,
    pub evidence_url: String,
    /// "typed by Ana Lima (ana)", "imported from #ops, line 42".
    pub provenance: String,
    pub key_moment: Option<KeyMoment>,
    pub attachments: Vec<AttachmentRow>,
}

/// An attached file, as the page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttachmentRow {
    pub id: String,
    pub url: String,
    pub file_name: String,
    /// "PNG image, 120 KB".
    pub label: String,
    /// Shown as a thumbnail (`<img>`); otherwise a link.
    pub image: bool,
}

/// The event being edited, as its form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventEdit {
    pub id: String,
    pub version: i64,
    pub form: EventForm,
    pub key_moment: Option<KeyMoment>,
    /// The zone the form's time is written in.
    pub zone: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineView {
    pub number: i64,
    /// Live events matching the filter, in order.
    pub rows: Vec<EventRow>,
    /// Live events in all.
    pub total: usize,
    pub deleted: Vec<EventRow>,
    /// Every actor named, for the filter.
    pub actors: Vec<String>,
    pub editing: Option<EventEdit>,
    /// Files attached to the incident itself.
    pub attachments: Vec<AttachmentRow>,
    /// Largest attachment the server accepts, for the form's hint.
    pub attachment_max_bytes: u64,
    pub viewer_zone: String,
    /// The zone quick entry reads times in.
    pub incident_zone: String,
}

#[cfg(feature = "ssr")]
mod shape {
    use super::*;
    use crate::domain::timeline::TimelineEvent;
    use chrono_tz::Tz;

    pub fn row(e: &TimelineEvent, zone: Tz) -> EventRow {
        EventRow {
            id: e.id.clone(),
            version: e.version,
            shown: super::super::incidents::shape::shown(e.content.at, zone),
            kind: e.content.kind,
            actor: e.content.actor.clone(),
            body_html: crate::domain::markdown::render_markdown(&e.content.body_markdown),
            evidence_url: e.content.evidence_url.clone(),
            provenance: e.provenance.describe(&e.created_by),
            key_moment: e.key_moment,
            attachments: Vec::new(),
        }
    }

    pub fn attachment(a: &crate::db::AttachmentRecord) -> AttachmentRow {
        use crate::domain::attachment::AttachmentType;
        let kind = AttachmentType::parse(&a.kind);
        let size = if a.size >= 1024 * 1024 {
            format!("{:.1} MB", a.size as f64 / (1024.0 * 1024.0))
        } else {
            format!("{} KB", (a.size + 1023) / 1024)
        };
        AttachmentRow {
            id: a.id.clone(),
            url: crate::routes::at(crate::routes::ATTACHMENT, &a.id),
            file_name: a.file_name.clone(),
            label: format!("{}, {size}", kind.map(|k| k.label()).unwrap_or("file")),
            image: kind.is_some_and(|k| k.shown_inline()),
        }
    }

    pub fn form(e: &TimelineEvent, zone: Tz) -> EventForm {
        EventForm {
            at: crate::domain::zone::format_for_input(e.content.at, zone),
            kind: e.content.kind.code().into(),
            actor: e.content.actor.clone(),
            body: e.content.body_markdown.clone(),
            evidence_url: e.content.evidence_url.clone(),
        }
    }
}

/// The incident a request names (for the transcript functions).
#[cfg(feature = "ssr")]
pub(crate) async fn incident_of(
    db: &crate::db::Db,
    number: crate::domain::incident::IncidentNumber,
) -> Result<
    (
        crate::domain::incident::IncidentNumber,
        crate::domain::incident::Incident,
    ),
    AppError,
> {
    support::incident(db, number).await
}

/// What the person is told when adding or marking an event is refused.
#[cfg(feature = "ssr")]
pub(crate) async fn refusal_of(
    db: &crate::db::Db,
    n: crate::domain::incident::IncidentNumber,
    err: crate::db::DbError,
) -> AppError {
    support::refusal(db, n, err).await
}

#[cfg(feature = "ssr")]
mod support {
    use super::*;
    use crate::db::{Db, DbError};
    use crate::domain::incident::{Incident, IncidentNumber};
    use crate::domain::timeline::MarkQuestion;
    use chrono_tz::Tz;

    pub async fn incident(
        db: &Db,
        n: IncidentNumber,
    ) -> Result<(IncidentNumber, Incident), AppError> {
        let incident = db.incident(n).await?.ok_or_else(|| AppError::NotFound {
            what: format!("Incident {n}"),
        })?;
        Ok((n, incident))
    }

    pub fn zone_of(incident: &Incident) -> Tz {
        crate::domain::zone::parse_zone(&incident.content.time_zone).unwrap_or(Tz::UTC)
    }

    pub fn version(text: &str) -> Result<i64, AppError> {
        text.trim().parse().map_err(|_| {
            AppError::invalid_field(
                "version",
                "The form is missing the version it was based on; reload the page and try again.",
            )
        })
    }

    /// Turns "the moment is already set" into a question a person can answer.
    pub async fn choose(
        db: &Db,
        n: IncidentNumber,
        moment: KeyMoment,
        question: MarkQuestion,
    ) -> AppError {
        let zone = super::super::viewer::viewer_zone();
        let label = moment.label();
        let message = match question {
            MarkQuestion::HeldByEvent { event_id } => {
                let holder = db.event(n, &event_id).await.ok().flatten();
                match holder {
                    Some(h) => format!(
                        "\"{label}\" is already marked on the event at {} (\"{}\"). Which event marks it?",
                        crate::domain::zone::format_in_zone(h.content.at, zone),
                        crate::domain::timeline::event_label(&h.content)
                            .split_once(": ")
                            .map(|(_, text)| text.to_string())
                            .unwrap_or_default(),
                    ),
                    None => format!(
                        "\"{label}\" is already marked on another event. Which event marks it?"
                    ),
                }
            }
            MarkQuestion::TypedOnIncident { at } => format!(
                "\"{label}\" is set to {} on the incident. Which time is right?",
                crate::domain::zone::format_in_zone(at, zone)
            ),
        };
        AppError::Choose {
            moment,
            message,
            echo: None,
        }
    }

    /// Maps a database refusal to what the person is told.
    pub async fn refusal(db: &Db, n: IncidentNumber, err: DbError) -> AppError {
        match err {
            DbError::Ask { moment, question } => choose(db, n, moment, question).await,
            other => AppError::from(other),
        }
    }

    /// Where a plain HTML form goes back to: the incident page, keeping the
    /// timeline's filters, at `anchor`. With JavaScript the page updates in place.
    pub fn back_to_incident(n: IncidentNumber, anchor: &str) {
        if !crate::server::context::from_html_form() {
            return;
        }
        let prefix = format!("/incidents/{}", n.0);
        let query = crate::server::context::referer_query(&prefix)
            .map(|q| {
                q.split('&')
                    .filter(|kv| {
                        let key = kv.split('=').next().unwrap_or("");
                        matches!(key, "kind" | "actor" | "moments")
                    })
                    .collect::<Vec<_>>()
                    .join("&")
            })
            .unwrap_or_default();
        // After quick entry, the field takes the focus again on the new page.
        let focus = if anchor == "quick-entry" {
            "focus=entry"
        } else {
            ""
        };
        let query = [query.as_str(), focus]
            .into_iter()
            .filter(|q| !q.is_empty())
            .collect::<Vec<_>>()
            .join("&");
        let query = if query.is_empty() {
            String::new()
        } else {
            format!("?{query}")
        };
        leptos_axum::redirect(&format!("{prefix}{query}#{anchor}"));
    }
}

#[server(prefix = "/api", endpoint = "timeline/get")]
pub async fn get_timeline(
    number: IncidentNumber,
    filter: TimelineFilter,
    edit: Option<String>,
) -> Result<TimelineView, AppError> {
    crate::server::context::serve("timeline/get", async {
        let db = crate::server::context::db()?;
        let (n, incident) = support::incident(&db, number).await?;
        let zone = super::viewer::viewer_zone();
        let events = db.timeline(n).await?;
        let mut by_event: std::collections::HashMap<String, Vec<AttachmentRow>> =
            Default::default();
        let mut incident_files = Vec::new();
        for a in db.attachments(n).await? {
            match &a.event_id {
                Some(event) => by_event
                    .entry(event.clone())
                    .or_default()
                    .push(shape::attachment(&a)),
                None => incident_files.push(shape::attachment(&a)),
            }
        }
        let kind = EventKind::parse(&filter.kind);
        let mut actors: Vec<String> = events
            .iter()
            .filter(|e| !e.deleted && !e.content.actor.is_empty())
            .map(|e| e.content.actor.clone())
            .collect();
        actors.sort_by_key(|a| a.to_lowercase());
        actors.dedup();
        let mut total = 0;
        let mut rows = Vec::new();
        let mut deleted = Vec::new();
        for e in &events {
            if e.deleted {
                deleted.push(shape::row(e, zone));
                continue;
            }
            total += 1;
            let shown = kind.is_none_or(|k| e.content.kind == k)
                && (filter.actor.is_empty() || e.content.actor == filter.actor)
                && (!filter.moments_only() || e.key_moment.is_some());
            if shown {
                let mut row = shape::row(e, zone);
                row.attachments = by_event.remove(&e.id).unwrap_or_default();
                rows.push(row);
            }
        }
        let incident_zone = support::zone_of(&incident);
        let editing = edit
            .filter(|id| !id.is_empty())
            .and_then(|id| events.iter().find(|e| e.id == id && !e.deleted))
            .map(|e| EventEdit {
                id: e.id.clone(),
                version: e.version,
                form: shape::form(e, incident_zone),
                key_moment: e.key_moment,
                zone: incident_zone.name().into(),
            });
        Ok(TimelineView {
            number: n.0,
            rows,
            total,
            deleted,
            actors,
            editing,
            attachments: incident_files,
            attachment_max_bytes: use_context::<crate::server::attachments::AttachmentStore>()
                .map(|s| s.max_bytes)
                .unwrap_or(crate::domain::attachment::DEFAULT_MAX_BYTES),
            viewer_zone: zone.name().into(),
            incident_zone: incident_zone.name().into(),
        })
    })
    .await
}

/// What quick entry sent: kept in errors so the line is never lost.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuickLine {
    pub line: String,
}

/// Adds one event from a quick-entry line ("14:32 alert: checkout slow").
/// `choice` answers the question a `!moment` mark may raise: "replace" moves
/// the moment to this event, "unmarked" adds the event without the mark.
#[server(prefix = "/api", endpoint = "timeline/quick_add")]
pub async fn quick_add(
    number: IncidentNumber,
    line: String,
    choice: Option<String>,
) -> Result<String, AppError> {
    crate::server::context::serve("timeline/quick_add", async {
        let echo = QuickLine { line: line.clone() };
        let db = crate::server::context::db()?;
        let (n, incident) = support::incident(&db, number).await?;
        let zone = support::zone_of(&incident);
        let reference = match db.last_added_event_time(n).await? {
            Some(at) => at,
            None => incident
                .content
                .moments
                .earliest()
                .unwrap_or(incident.created_at),
        };
        let entry = crate::domain::quick_entry::parse_quick_entry(&line, reference, zone)
            .map_err(|message| AppError::invalid_field("line", message).with_echo(&echo))?;
        let choice = choice.unwrap_or_default();
        let new = crate::db::NewEvent {
            content: crate::domain::timeline::EventContent {
                at: entry.at,
                kind: entry.kind,
                actor: entry.actor,
                body_markdown: entry.body,
                evidence_url: String::new(),
            },
            provenance: crate::domain::timeline::Provenance::Typed,
            mark: entry.mark.filter(|_| choice != "unmarked"),
            replace: choice == "replace",
        };
        crate::domain::timeline::check_event_fields(&EventForm {
            at: String::new(),
            kind: new.content.kind.code().into(),
            actor: new.content.actor.clone(),
            body: new.content.body_markdown.clone(),
            evidence_url: String::new(),
        })
        .map_err(|errors| {
            let message = errors
                .into_iter()
                .map(|e| e.message)
                .collect::<Vec<_>>()
                .join(" ");
            AppError::invalid_field("line", message).with_echo(&echo)
        })?;
        let id = match db
            .add_event(
                n,
                &new,
                &crate::server::context::actor()?,
                chrono::Utc::now(),
            )
            .await
        {
            Ok(id) => id,
            Err(err) => return Err(support::refusal(&db, n, err).await.with_echo(&echo)),
        };
        support::back_to_incident(n, "quick-entry");
        Ok(id)
    })
    .await
}

/// Saves an edited event; a stale edit is refused with the current text.
#[server(prefix = "/api", endpoint = "timeline/update")]
pub async fn update_event(
    number: IncidentNumber,
    id: EventId,
    version: String,
    form: EventForm,
) -> Result<i64, AppError> {
    crate::server::context::serve("timeline/update", async {
        let db = crate::server::context::db()?;
        let (n, incident) = support::incident(&db, number).await?;
        let base = support::version(&version).map_err(|e| e.with_echo(&form))?;
        let zone = support::zone_of(&incident);
        let mut errors = Vec::new();
        let at = crate::domain::zone::parse_time_in_zone(&form.at, zone)
            .map_err(|m| errors.push(crate::domain::incident_form::FieldError::new("at", m)))
            .ok();
        let fields = crate::domain::timeline::check_event_fields(&form)
            .map_err(|mut e| errors.append(&mut e))
            .ok();
        let (Some(at), Some((kind, actor, evidence_url)), true) = (at, fields, errors.is_empty())
        else {
            return Err(AppError::invalid(errors).with_echo(&form));
        };
        let content = crate::domain::timeline::EventContent {
            at,
            kind,
            actor,
            body_markdown: form.body.clone(),
            evidence_url,
        };
        let saved = db
            .update_event(
                n,
                id.as_str(),
                base,
                &content,
                &crate::server::context::actor()?,
                chrono::Utc::now(),
            )
            .await;
        match saved {
            Ok(v) => {
                support::back_to_incident(n, &format!("event-{id}"));
                Ok(v)
            }
            Err(crate::db::DbError::Conflict { current }) => {
                let now = db.event(n, id.as_str()).await?;
                let mut error = AppError::conflict("event", current).with_echo(&form);
                if let Some(now) = now {
                    error = error.with_current(&shape::form(&now, zone));
                }
                Err(error)
            }
            Err(err) => Err(support::refusal(&db, n, err).await.with_echo(&form)),
        }
    })
    .await
}

/// Deletes an event; it stays restorable from the deleted events.
#[server(prefix = "/api", endpoint = "timeline/delete")]
pub async fn delete_event(
    number: IncidentNumber,
    id: EventId,
    version: String,
) -> Result<(), AppError> {
    crate::server::context::serve("timeline/delete", async {
        let db = crate::server::context::db()?;
        let (n, _) = support::incident(&db, number).await?;
        let base = support::version(&version)?;
        match db
            .delete_event(
                n,
                id.as_str(),
                base,
                &crate::server::context::actor()?,
                chrono::Utc::now(),
            )
            .await
        {
            Ok(()) => {
                support::back_to_incident(n, "timeline");
                Ok(())
            }
            Err(crate::db::DbError::Conflict { current }) => {
                Err(AppError::conflict("event", current))
            }
            Err(err) => Err(support::refusal(&db, n, err).await),
        }
    })
    .await
}

/// Restores a deleted event; says so when its key moment could not come back.
#[server(prefix = "/api", endpoint = "timeline/restore")]
pub async fn restore_event(
    number: IncidentNumber,
    id: EventId,
) -> Result<Option<String>, AppError> {
    crate::server::context::serve("timeline/restore", async {
        let db = crate::server::context::db()?;
        let (n, _) = support::incident(&db, number).await?;
        let dropped = db
            .restore_event(n, id.as_str(), &crate::server::context::actor()?, chrono::Utc::now())
            .await
            .map_err(AppError::from)?;
        support::back_to_incident(n, &format!("event-{id}"));
        Ok(dropped.map(|m| {
            format!(
                "The event is back, without its \"{}\" mark: that moment was set elsewhere meanwhile.",
                m.label()
            )
        }))
    })
    .await
}

/// Marks an event as a key moment (`moment` a moment code, or empty to clear
/// its mark). `replace` = "1" after the person chose this event over the
/// one that marks the moment now.
#[server(prefix = "/api", endpoint = "timeline/mark")]
pub async fn mark_event(
    number: IncidentNumber,
    id: EventId,
    version: String,
    moment: String,
    replace: Option<String>,
) -> Result<(), AppError> {
    crate::server::context::serve("timeline/mark", async {
        let db = crate::server::context::db()?;
        let (n, _) = support::incident(&db, number).await?;
        let base = support::version(&version)?;
        let wanted = match moment.trim() {
            "" => None,
            code => Some(KeyMoment::parse(code).ok_or_else(|| {
                AppError::invalid_field("moment", format!("\"{code}\" is not a key moment."))
            })?),
        };
        let replace = replace.is_some_and(|r| !r.is_empty() && r != "0");
        match db
            .mark_event(
                n,
                id.as_str(),
                base,
                wanted,
                replace,
                &crate::server::context::actor()?,
                chrono::Utc::now(),
            )
            .await
        {
            Ok(()) => {
                support::back_to_incident(n, &format!("event-{id}"));
                Ok(())
            }
            Err(crate::db::DbError::Conflict { current }) => {
                Err(AppError::conflict("event", current))
            }
            Err(err) => Err(support::refusal(&db, n, err).await),
        }
    })
    .await
}

/// Removes an attachment from the incident (the history keeps its record).
#[server(prefix = "/api", endpoint = "attachments/delete")]
pub async fn delete_attachment(number: IncidentNumber, id: AttachmentId) -> Result<(), AppError> {
    crate::server::context::serve("attachments/delete", async {
        let db = crate::server::context::db()?;
        let (n, _) = support::incident(&db, number).await?;
        db.delete_attachment(
            n,
            id.as_str(),
            &crate::server::context::actor()?,
            chrono::Utc::now(),
        )
        .await?;
        support::back_to_incident(n, "attachments");
        Ok(())
    })
    .await
}
