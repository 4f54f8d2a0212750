//! The incidents a report covers, with what the report needs of each: one
//! query for the incidents (filtered in SQL), one for their services, in one
//! read transaction.

use std::collections::HashMap;

use super::sqlite_bulk::{Rows, Value};
use super::{Db, DbError, from_epoch};
use crate::domain::incident::{Cynefin, Severity, Status};
use crate::domain::moments::{KeyMoment, KeyMoments, Moment};
use crate::domain::report::{ReportFilter, ReportIncident};

impl Db {
    /// Every incident `filter` selects, oldest first. Read through SQLite's
    /// C interface ([`Rows`]): sqlx's per-row cost would dominate here.
    pub async fn report_incidents(
        &self,
        filter: &ReportFilter,
    ) -> Result<Vec<ReportIncident>, DbError> {
        let moment_columns: Vec<String> = KeyMoment::ALL
            .iter()
            .map(|m| format!("i.{0}_at, i.{0}_estimated", m.code()))
            .collect();
        let mut sql = format!(
            "SELECT i.id, i.number, i.title, i.severity, i.status, i.started_at, \
             i.cynefin_first, i.cynefin_hindsight, i.cynefin_first_note, i.cynefin_hindsight_note, {} \
             FROM incidents i WHERE 1 = 1",
            moment_columns.join(", ")
        );
        let mut params: Vec<Value<'_>> = Vec::new();
        if let Some(from) = filter.from {
            let start = from.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
            sql.push_str(" AND i.started_at >= ?");
            params.push(Value::Int(start.timestamp()));
        }
        if let Some(to) = filter.to.and_then(|d| d.succ_opt()) {
            let end = to.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
            sql.push_str(" AND i.started_at < ?");
            params.push(Value::Int(end.timestamp()));
        }
        if let Some(severity) = filter.severity {
            sql.push_str(" AND i.severity = ?");
            params.push(Value::Text(severity.code()));
        }
        if let Some(status) = filter.status {
            sql.push_str(" AND i.status = ?");
            params.push(Value::Text(status.code()));
        }
        if let Some(domain) = filter.cynefin {
            sql.push_str(" AND (i.cynefin_first = ? OR i.cynefin_hindsight = ?)");
            params.push(Value::Text(domain.code()));
            params.push(Value::Text(domain.code()));
        }
        if let Some(service) = &filter.service {
            sql.push_str(
                " AND EXISTS (SELECT 1 FROM incident_services s WHERE s.incident_id = i.id AND s.service = ?)",
            );
            params.push(Value::Text(service));
        }
        sql.push_str(" ORDER BY i.started_at, i.number");

        // One read transaction: the incidents and their services agree.
        let mut tx = self.pool.begin().await?;
        let mut handle = tx.lock_handle().await?;
        let mut services: HashMap<String, Vec<String>> = HashMap::new();
        {
            let mut rows = Rows::query(
                &mut handle,
                "SELECT incident_id, service FROM incident_services ORDER BY incident_id, position",
                &[],
            )?;
            while let Some(row) = rows.next()? {
                let service = row.text(1)?.to_string();
                match services.get_mut(row.text(0)?) {
                    Some(list) => list.push(service),
                    None => {
                        services.insert(row.text(0)?.to_string(), vec![service]);
                    }
                }
            }
        }
        let mut out = Vec::new();
        {
            let mut rows = Rows::query(&mut handle, &sql, &params)?;
            while let Some(row) = rows.next()? {
                let code = |i: usize, what: &str| -> Result<String, DbError> {
                    Ok(row.text(i)?.to_string()).and_then(|v| {
                        if v.is_empty() {
                            Err(bad(what, &v))
                        } else {
                            Ok(v)
                        }
                    })
                };
                let severity = code(3, "severity")?;
                let status = code(4, "status")?;
                let cynefin = |i: usize| -> Result<Option<Cynefin>, DbError> {
                    row.opt_text(i)?
                        .map(|c| Cynefin::parse(c).ok_or_else(|| bad("cynefin", c)))
                        .transpose()
                };
                let mut moments = KeyMoments::default();
                for (k, moment) in KeyMoment::ALL.iter().enumerate() {
                    let at = 10 + 2 * k;
                    moments.set(
                        *moment,
                        row.opt_int(at).map(|t| Moment {
                            at: from_epoch(t),
                            estimated: row.int(at + 1) != 0,
                        }),
                    );
                }
                out.push(ReportIncident {
                    number: row.int(1),
                    title: row.text(2)?.to_string(),
                    severity: Severity::parse(&severity)
                        .ok_or_else(|| bad("severity", &severity))?,
                    status: Status::parse(&status).ok_or_else(|| bad("status", &status))?,
                    services: services.remove(row.text(0)?).unwrap_or_default(),
                    started_at: from_epoch(row.int(5)),
                    moments,
                    first: cynefin(6)?,
                    hindsight: cynefin(7)?,
                    first_note: row.text(8)?.to_string(),
                    hindsight_note: row.text(9)?.to_string(),
                });
            }
        }
        drop(handle);
        tx.commit().await?;
        Ok(out)
    }
}

fn bad(column: &str, value: &str) -> DbError {
    DbError::Sqlx(sqlx::Error::Decode(
        format!("incidents.{column} holds {value:?}").into(),
    ))
}

impl Db {
    /// The report over the incidents `filter` selects, with their
    /// countermeasures, and those incidents: what the page, the exports and
    /// `debrief report` all show.
    pub async fn report(
        &self,
        filter: &ReportFilter,
    ) -> Result<(crate::domain::report::Report, Vec<ReportIncident>), DbError> {
        use crate::domain::report::{build, countermeasure_figures};
        let incidents = self.report_incidents(filter).await?;
        let countermeasures = self.report_countermeasures().await?;
        let mut report = build(filter, &incidents);
        report.countermeasures = Some(countermeasure_figures(
            &incidents,
            &countermeasures,
            chrono::Utc::now().date_naive(),
        ));
        Ok((report, incidents))
    }
}
