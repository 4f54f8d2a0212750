//! Server functions for incidents: list, read, create, edit.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::incident::Incident;
use crate::domain::incident::IncidentNumber;
use crate::domain::incident_form::IncidentForm;
use crate::domain::incident_list::{IncidentPage, IncidentQuery};
use crate::domain::moments::KeyMoment;
use crate::domain::phases::PhaseBreakdown;
use crate::error::AppError;

/// A time as shown to the viewer, with the exact instant for `<time datetime>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShownTime {
    /// "2026-03-04 14:32:05 CET", in the viewer's zone.
    pub text: String,
    /// RFC 3339, UTC.
    pub iso: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentListView {
    pub page: IncidentPage,
    /// The start time of each row, in the viewer's zone.
    pub started: Vec<Option<ShownTime>>,
    /// Services named on any incident, for the filter.
    pub services: Vec<String>,
    pub viewer_zone: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MomentRow {
    pub moment: KeyMoment,
    pub shown: Option<ShownTime>,
    pub estimated: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentDetailView {
    pub incident: Incident,
    pub moments: Vec<MomentRow>,
    pub breakdown: PhaseBreakdown,
    /// The summary, rendered and sanitized (`incident.content.summary_markdown`
    /// is left empty: the page needs only this).
    pub summary_html: String,
    pub viewer_zone: String,
    pub updated: ShownTime,
    /// The timeline's events, as the phase bar draws them.
    pub ticks: Vec<crate::domain::timeline::EventTick>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentEditView {
    pub number: i64,
    pub version: i64,
    pub form: IncidentForm,
}

#[cfg(feature = "ssr")]
pub(crate) mod shape {
    use super::*;
    use crate::domain::zone::{format_for_input, format_in_zone, parse_zone};
    use chrono::{DateTime, Utc};
    use chrono_tz::Tz;

    pub fn shown(at: DateTime<Utc>, zone: Tz) -> ShownTime {
        ShownTime {
            text: format_in_zone(at, zone),
            iso: at.to_rfc3339(),
        }
    }

    /// The form that edits an incident, its times written in the incident's zone.
    pub fn form_of(incident: &Incident) -> IncidentForm {
        let c = &incident.content;
        let zone = parse_zone(&c.time_zone).unwrap_or(Tz::UTC);
        let mut form = IncidentForm {
            title: c.title.clone(),
            severity: c.severity.code().into(),
            status: c.status.code().into(),
            services: c.services.join(", "),
            commander: c.commander.clone(),
            facilitator: c.facilitator.clone(),
            detection_method: c
                .detection_method
                .map(|d| d.code().to_string())
                .unwrap_or_default(),
            time_zone: c.time_zone.clone(),
            summary: c.summary_markdown.clone(),
            cynefin_first: c
                .cynefin
                .first
                .map(|d| d.code().to_string())
                .unwrap_or_default(),
            cynefin_first_note: c.cynefin.first_note.clone(),
            cynefin_hindsight: c
                .cynefin
                .hindsight
                .map(|d| d.code().to_string())
                .unwrap_or_default(),
            cynefin_hindsight_note: c.cynefin.hindsight_note.clone(),
            ..IncidentForm::default()
        };
        for moment in KeyMoment::ALL {
            if let Some(m) = c.moments.get(moment) {
                let input = form.moment_mut(moment);
                input.at = format_for_input(m.at, zone);
                input.estimated = m.estimated.then(|| "on".to_string());
            }
        }
        form
    }
}

/// The `version` field a versioned form carries.
#[cfg(feature = "ssr")]
pub(crate) fn version_field(version: &str) -> Result<i64, AppError> {
    version.trim().parse().map_err(|_| {
        AppError::invalid_field(
            "version",
            "The form is missing the version it was based on; reload the page and try again.",
        )
    })
}

/// A refused write to something of incident `number` (`what`: "review"),
/// as the person is told; a conflict or refusal keeps what they typed
/// (`echo`) so the form shows it again.
#[cfg(feature = "ssr")]
pub(crate) fn write_refusal<T: Serialize>(
    error: crate::db::DbError,
    what: &str,
    echo: Option<&T>,
) -> AppError {
    let keep = |e: AppError| match echo {
        Some(typed) => e.with_echo(typed),
        None => e,
    };
    match error {
        crate::db::DbError::Conflict { current } => keep(AppError::conflict(what, current)),
        missing @ crate::db::DbError::NotFound(_) => AppError::from(missing),
        other => keep(AppError::from(other)),
    }
}

#[cfg(feature = "ssr")]
async fn load(n: IncidentNumber) -> Result<Incident, AppError> {
    crate::server::context::db()?
        .incident(n)
        .await?
        .ok_or_else(|| AppError::NotFound {
            what: format!("Incident {n}"),
        })
}

#[server(prefix = "/api", endpoint = "incidents/list")]
pub async fn list_incidents(query: IncidentQuery) -> Result<IncidentListView, AppError> {
    crate::server::context::serve("incidents/list", async {
        let db = crate::server::context::db()?;
        let zone = super::viewer::viewer_zone();
        let page = db.list_incidents(&query).await?;
        let started = page
            .rows
            .iter()
            .map(|r| r.started_at.map(|at| shape::shown(at, zone)))
            .collect();
        Ok(IncidentListView {
            page,
            started,
            services: db.known_services().await?,
            viewer_zone: zone.name().into(),
        })
    })
    .await
}

#[server(prefix = "/api", endpoint = "incidents/get")]
pub async fn get_incident(number: IncidentNumber) -> Result<IncidentDetailView, AppError> {
    crate::server::context::serve("incidents/get", async {
        let mut incident = load(number).await?;
        let zone = super::viewer::viewer_zone();
        let ticks = crate::server::context::db()?
            .event_ticks(incident.number)
            .await?
            .into_iter()
            .map(|(at, marks_moment)| crate::domain::timeline::EventTick { at, marks_moment })
            .collect();
        // The page needs only the rendered summary; the source stays on the server.
        let summary_markdown = std::mem::take(&mut incident.content.summary_markdown);
        let c = &incident.content;
        let moments = KeyMoment::ALL
            .into_iter()
            .map(|moment| MomentRow {
                moment,
                shown: c.moments.at(moment).map(|at| shape::shown(at, zone)),
                estimated: c.moments.get(moment).is_some_and(|m| m.estimated),
            })
            .collect();
        Ok(IncidentDetailView {
            breakdown: PhaseBreakdown::derive(&c.moments),
            summary_html: crate::domain::markdown::render_markdown(&summary_markdown),
            moments,
            viewer_zone: zone.name().into(),
            updated: shape::shown(incident.updated_at, zone),
            ticks,
            incident,
        })
    })
    .await
}

/// The starting values of the "new incident" form.
#[server(prefix = "/api", endpoint = "incidents/new_form")]
pub async fn new_incident_form() -> Result<IncidentForm, AppError> {
    crate::server::context::serve("incidents/new_form", async {
        Ok(IncidentForm {
            status: "investigating".into(),
            time_zone: super::viewer::viewer_zone().name().into(),
            ..IncidentForm::default()
        })
    })
    .await
}

#[server(prefix = "/api", endpoint = "incidents/edit_form")]
pub async fn edit_incident_form(number: IncidentNumber) -> Result<IncidentEditView, AppError> {
    crate::server::context::serve("incidents/edit_form", async {
        let incident = load(number).await?;
        Ok(IncidentEditView {
            number: incident.number.0,
            version: incident.version,
            form: shape::form_of(&incident),
        })
    })
    .await
}

/// Creates an incident and sends the browser to its page.
#[server(prefix = "/api", endpoint = "incidents/create")]
pub async fn create_incident(form: IncidentForm) -> Result<i64, AppError> {
    crate::server::context::serve("incidents/create", async {
        let content = crate::domain::validation::validate_incident(&form)
            .map_err(|errors| AppError::invalid(errors).with_echo(&form))?;
        let number = crate::server::context::db()?
            .create_incident(
                &content,
                &crate::server::context::actor()?,
                chrono::Utc::now(),
            )
            .await
            .map_err(|e| AppError::from(e).with_echo(&form))?;
        leptos_axum::redirect(&format!("/incidents/{}", number.0));
        Ok(number.0)
    })
    .await
}

/// Saves an edit made from `version`; refuses it if someone saved since.
#[server(prefix = "/api", endpoint = "incidents/update")]
pub async fn update_incident(
    number: IncidentNumber,
    version: String,
    form: IncidentForm,
) -> Result<i64, AppError> {
    crate::server::context::serve("incidents/update", async {
        let n = number;
        let base: i64 = version.trim().parse().map_err(|_| {
            AppError::invalid_field(
                "version",
                "The form is missing the version it was based on; reload the page and edit again.",
            )
        })?;
        let content = crate::domain::validation::validate_incident(&form)
            .map_err(|errors| AppError::invalid(errors).with_echo(&form))?;
        let saved = crate::server::context::db()?
            .update_incident(
                n,
                base,
                &content,
                &crate::server::context::actor()?,
                chrono::Utc::now(),
            )
            .await;
        let new_version = match saved {
            Ok(v) => v,
            Err(crate::db::DbError::Conflict { current }) => {
                return Err(AppError::conflict("incident", current).with_echo(&form));
            }
            Err(missing @ crate::db::DbError::NotFound(_)) => return Err(missing.into()),
            Err(other) => return Err(AppError::from(other).with_echo(&form)),
        };
        leptos_axum::redirect(&format!("/incidents/{}", n.0));
        Ok(new_version)
    })
    .await
}
