//! The incidents a report covers, with what the report needs of each: one
//! query for the incidents (filtered in SQL), one for their services.

use std::collections::HashMap;

use sqlx::{QueryBuilder, Row, Sqlite};

use super::incidents::{moments_from_row, parse_code, parse_optional_code};
use super::{Db, DbError, from_epoch};
use crate::domain::incident::{Cynefin, Severity, Status};
use crate::domain::moments::KeyMoment;
use crate::domain::report::{ReportFilter, ReportIncident};

impl Db {
    /// Every incident `filter` selects, oldest first.
    pub async fn report_incidents(
        &self,
        filter: &ReportFilter,
    ) -> Result<Vec<ReportIncident>, DbError> {
        let mut q = QueryBuilder::<Sqlite>::new(
            "SELECT i.id, i.number, i.title, i.severity, i.status, i.started_at, \
             i.cynefin_first, i.cynefin_hindsight, i.cynefin_first_note, i.cynefin_hindsight_note, ",
        );
        let moment_columns: Vec<String> = KeyMoment::ALL
            .iter()
            .map(|m| format!("i.{0}_at, i.{0}_estimated", m.code()))
            .collect();
        q.push(moment_columns.join(", "))
            .push(" FROM incidents i WHERE 1 = 1");
        if let Some(from) = filter.from {
            let start = from.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
            q.push(" AND i.started_at >= ").push_bind(start.timestamp());
        }
        if let Some(to) = filter.to.and_then(|d| d.succ_opt()) {
            let end = to.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
            q.push(" AND i.started_at < ").push_bind(end.timestamp());
        }
        if let Some(severity) = filter.severity {
            q.push(" AND i.severity = ").push_bind(severity.code());
        }
        if let Some(status) = filter.status {
            q.push(" AND i.status = ").push_bind(status.code());
        }
        if let Some(domain) = filter.cynefin {
            q.push(" AND (i.cynefin_first = ")
                .push_bind(domain.code())
                .push(" OR i.cynefin_hindsight = ")
                .push_bind(domain.code())
                .push(")");
        }
        if let Some(service) = &filter.service {
            q.push(
                " AND EXISTS (SELECT 1 FROM incident_services s WHERE s.incident_id = i.id AND s.service = ",
            )
            .push_bind(service.clone())
            .push(")");
        }
        q.push(" ORDER BY i.started_at, i.number");
        let rows = q.build().fetch_all(&self.pool).await?;

        let mut services: HashMap<String, Vec<String>> = HashMap::new();
        let all = sqlx::query(
            "SELECT incident_id, service FROM incident_services ORDER BY incident_id, position",
        )
        .fetch_all(&self.pool)
        .await?;
        for row in all {
            services
                .entry(row.try_get("incident_id")?)
                .or_default()
                .push(row.try_get("service")?);
        }

        rows.iter()
            .map(|row| {
                let id: String = row.try_get("id")?;
                Ok(ReportIncident {
                    number: row.try_get("number")?,
                    title: row.try_get("title")?,
                    severity: parse_code(row, "severity", Severity::parse)?,
                    status: parse_code(row, "status", Status::parse)?,
                    services: services.remove(&id).unwrap_or_default(),
                    started_at: from_epoch(row.try_get("started_at")?),
                    moments: moments_from_row(row)?,
                    first: parse_optional_code(row, "cynefin_first", Cynefin::parse)?,
                    hindsight: parse_optional_code(row, "cynefin_hindsight", Cynefin::parse)?,
                    first_note: row.try_get("cynefin_first_note")?,
                    hindsight_note: row.try_get("cynefin_hindsight_note")?,
                })
            })
            .collect()
    }
}

impl Db {
    /// The report over the incidents `filter` selects, and those incidents:
    /// what the page, the exports and `debrief report` all show.
    pub async fn report(
        &self,
        filter: &ReportFilter,
    ) -> Result<(crate::domain::report::Report, Vec<ReportIncident>), DbError> {
        let incidents = self.report_incidents(filter).await?;
        Ok((crate::domain::report::build(filter, &incidents), incidents))
    }
}
