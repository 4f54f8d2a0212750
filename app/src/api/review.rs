//! Server functions for the review meeting: read it with its due date,
//! schedule it, mark the handout as sent, and (admins) set how soon reviews
//! are due. Thin: the rules live in `domain::review`.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::incidents::ShownTime;
use crate::domain::incident::IncidentNumber;
use crate::domain::review::{Review, ReviewForm, ReviewPolicy, ReviewStatus};
use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewView {
    pub number: i64,
    pub review: Review,
    pub status: ReviewStatus,
    /// The form as it edits the review, times in the incident's zone.
    pub form: ReviewForm,
    pub zone: String,
    pub scheduled: Option<ShownTime>,
    pub handout_sent: Option<ShownTime>,
    /// Days past the due date (0 when not overdue).
    pub days_late: i64,
    pub facilitator: String,
    pub can_edit: bool,
}

#[server(prefix = "/api", endpoint = "review/get")]
pub async fn get_review(number: IncidentNumber) -> Result<ReviewView, AppError> {
    crate::server::context::serve("review/get", async {
        use super::incidents::shape::shown;
        use crate::domain::zone::{format_for_input, parse_zone};
        let n = number;
        let db = crate::server::context::db()?;
        let incident = db.incident(n).await?.ok_or_else(|| AppError::NotFound {
            what: format!("Incident {}", n.0),
        })?;
        let review = db.review_meeting(n).await?;
        let published = db
            .postmortem(n)
            .await?
            .is_some_and(|p| p.status == crate::domain::postmortem::DocStatus::Published);
        let now = chrono::Utc::now();
        let status = ReviewStatus::of(
            &db.review_policy().await?,
            incident.content.severity,
            &incident.content.moments,
            review.scheduled_at,
            published,
            now,
        );
        let incident_zone = parse_zone(&incident.content.time_zone).unwrap_or(chrono_tz::Tz::UTC);
        let viewer = super::viewer::viewer_zone();
        Ok(ReviewView {
            number: n.0,
            form: ReviewForm {
                scheduled_at: review
                    .scheduled_at
                    .map(|at| format_for_input(at, incident_zone))
                    .unwrap_or_default(),
                minutes: review.minutes.to_string(),
                location: review.location.clone(),
                attendees: review.attendees.join("\n"),
            },
            zone: incident.content.time_zone.clone(),
            scheduled: review.scheduled_at.map(|at| shown(at, viewer)),
            handout_sent: review.handout_sent_at.map(|at| shown(at, viewer)),
            days_late: status.days_late(now.date_naive()),
            facilitator: incident.content.facilitator,
            status,
            review,
            can_edit: crate::server::context::current_user()?
                .role
                .allows(crate::domain::account::Role::Editor),
        })
    })
    .await
}

/// Schedules the review and sends the browser back to the incident.
#[server(prefix = "/api", endpoint = "review/save")]
pub async fn save_review(
    number: IncidentNumber,
    version: String,
    form: ReviewForm,
) -> Result<i64, AppError> {
    crate::server::context::serve("review/save", async {
        let n = number;
        let base = super::incidents::version_field(&version)?;
        let db = crate::server::context::db()?;
        let incident = db.incident(n).await?.ok_or_else(|| AppError::NotFound {
            what: format!("Incident {}", n.0),
        })?;
        let zone = crate::domain::zone::parse_zone(&incident.content.time_zone)
            .unwrap_or(chrono_tz::Tz::UTC);
        let schedule = crate::domain::review::validate_review(&form, zone)
            .map_err(|errors| AppError::invalid(errors).with_echo(&form))?;
        let version = db
            .save_review(
                n,
                base,
                &schedule,
                &crate::server::context::actor()?,
                chrono::Utc::now(),
            )
            .await
            .map_err(|e| super::incidents::write_refusal(e, "review", Some(&form)))?;
        leptos_axum::redirect(&format!("/incidents/{}#review", n.0));
        Ok(version)
    })
    .await
}

/// Marks the handout as sent (`sent` "yes") or not sent ("no").
#[server(prefix = "/api", endpoint = "review/handout")]
pub async fn mark_handout(
    number: IncidentNumber,
    version: String,
    sent: String,
) -> Result<i64, AppError> {
    crate::server::context::serve("review/handout", async {
        let n = number;
        let base = super::incidents::version_field(&version)?;
        let sent = match sent.trim() {
            "yes" => true,
            "no" => false,
            _ => return Err(AppError::invalid_field("sent", "Say yes or no.")),
        };
        let version = crate::server::context::db()?
            .mark_handout_sent(
                n,
                base,
                sent,
                &crate::server::context::actor()?,
                chrono::Utc::now(),
            )
            .await
            .map_err(|e| super::incidents::write_refusal::<ReviewForm>(e, "review", None))?;
        leptos_axum::redirect(&format!("/incidents/{}#review", n.0));
        Ok(version)
    })
    .await
}

#[server(prefix = "/api", endpoint = "admin/review_policy")]
pub async fn get_review_policy() -> Result<ReviewPolicy, AppError> {
    crate::server::context::serve("admin/review_policy", async {
        Ok(crate::server::context::db()?.review_policy().await?)
    })
    .await
}

/// Sets the working days from resolution to review, per severity.
#[server(prefix = "/api", endpoint = "admin/save_review_policy")]
pub async fn save_review_policy(
    outage: String,
    degradation: String,
    blip: String,
) -> Result<(), AppError> {
    crate::server::context::serve("admin/save_review_policy", async {
        let text = format!("outage={outage}, degradation={degradation}, blip={blip}");
        let policy = ReviewPolicy::parse(&text).map_err(|m| AppError::invalid_field("days", m))?;
        crate::server::context::db()?
            .set_review_policy(
                &policy,
                &crate::server::context::actor()?,
                chrono::Utc::now(),
            )
            .await?;
        leptos_axum::redirect("/admin/reviews");
        Ok(())
    })
    .await
}
