//! An incident's history: every change, who made it and what it changed.

use leptos::prelude::*;

use super::AppError;
use super::incidents::ShownTime;
use crate::domain::audit::AuditEntry;

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
pub async fn incident_history(number: String) -> Result<Vec<(AuditEntry, ShownTime)>, AppError> {
    super::context::serve("incidents/history", async {
        let n = super::incidents::parse_number(&number)?;
        let zone = super::viewer::viewer_zone();
        let entries = super::context::db()?.incident_history(n).await?;
        Ok(with_shown_times(entries, zone))
    })
    .await
}
