//! An incident's history: every change, who made it and what it changed.

use leptos::prelude::*;

use super::incidents::ShownTime;
use crate::domain::audit::AuditEntry;
use crate::domain::incident::IncidentNumber;
use crate::error::AppError;

/// Audit entries paired with their time in the viewer's zone.
#[cfg(feature = "ssr")]
pub(crate) fn with_shown_times(
    entries: Vec<AuditEntry>,
    zone: chrono_tz::Tz,
) -> Vec<(AuditEntry, ShownTime)> {
    entries
        .into_iter()
        .map(|e| {
            let shown = super::incidents::shape::shown(e.at, zone);
            (e, shown)
        })
        .collect()
}

#[server(prefix = "/api", endpoint = "incidents/history")]
pub async fn incident_history(
    number: IncidentNumber,
) -> Result<Vec<(AuditEntry, ShownTime)>, AppError> {
    crate::server::context::serve("incidents/history", async {
        let n = number;
        let zone = super::viewer::viewer_zone();
        let entries = crate::server::context::db()?.incident_history(n).await?;
        Ok(with_shown_times(entries, zone))
    })
    .await
}
