//! Incidents: create, update (versioned), read and list.

use chrono::{DateTime, Utc};

use super::audit::{Change, record};
use super::statement::{Bind, Conn, Sql, Value};
use super::{Db, DbError, DbRow, Tx, sql, stored_time, to_epoch};
use crate::domain::audit::{Actor, incident_changes};
use crate::domain::incident::{
    Cynefin, CynefinPair, DetectionMethod, Incident, IncidentContent, IncidentNumber, Severity,
    Status,
};
use crate::domain::incident_list::{
    IncidentPage, IncidentQuery, IncidentSummary, PAGE_SIZE, SortKey, page_count,
};
use crate::domain::missing::Missing;
use crate::domain::moments::{KeyMoment, KeyMoments, Moment};
use crate::domain::review::ReviewStatus;

/// Columns of `incidents` written from [`IncidentContent`], in bind order.
const CONTENT_COLUMNS: &[&str] = &[
    "title",
    "severity",
    "status",
    "commander",
    "facilitator",
    "detection_method",
    "time_zone",
    "summary_markdown",
    "impact_started_at",
    "impact_started_estimated",
    "detected_at",
    "detected_estimated",
    "notified_at",
    "notified_estimated",
    "responded_at",
    "responded_estimated",
    "diagnosed_at",
    "diagnosed_estimated",
    "repaired_at",
    "repaired_estimated",
    "resolved_at",
    "resolved_estimated",
    "cynefin_first",
    "cynefin_first_note",
    "cynefin_hindsight",
    "cynefin_hindsight_note",
    "started_at",
];

/// Binds the values for [`CONTENT_COLUMNS`], in order, for either backend.
/// The values of [`CONTENT_COLUMNS`], in their order.
fn content_values(c: &IncidentContent, created_at: DateTime<Utc>) -> Vec<Value<'_>> {
    let mut values = vec![
        c.title.as_str().value(),
        c.severity.code().value(),
        c.status.code().value(),
        c.commander.as_str().value(),
        c.facilitator.as_str().value(),
        c.detection_method.map(|d| d.code()).value(),
        c.time_zone.as_str().value(),
        c.summary_markdown.as_str().value(),
    ];
    for moment in KeyMoment::ALL {
        let m = c.moments.get(moment);
        values.push(m.map(|m| to_epoch(m.at)).value());
        values.push(m.is_some_and(|m| m.estimated).value());
    }
    values.extend([
        c.cynefin.first.map(|d| d.code()).value(),
        c.cynefin.first_note.as_str().value(),
        c.cynefin.hindsight.map(|d| d.code()).value(),
        c.cynefin.hindsight_note.as_str().value(),
        to_epoch(c.moments.earliest().unwrap_or(created_at)).value(),
    ]);
    values
}

/// One row of the incident list as read, before the counts and review
/// status are joined in.
struct Listed {
    id: String,
    number: i64,
    title: String,
    severity: Severity,
    status: Status,
    commander: String,
    moments: KeyMoments,
    review_at: Option<DateTime<Utc>>,
    postmortem_status: Option<String>,
}

fn listed_from_row(row: &impl DbRow) -> Result<Listed, DbError> {
    Ok(Listed {
        id: row.col("id")?,
        number: row.col("number")?,
        title: row.col("title")?,
        severity: parse_code(row, "severity", Severity::parse)?,
        status: parse_code(row, "status", Status::parse)?,
        commander: row.col("commander")?,
        moments: moments_from_row(row)?,
        review_at: stored_time(row, "reviews", "review_at")?,
        postmortem_status: row.col("postmortem_status")?,
    })
}

impl Db {
    /// Stores a new incident and returns its number.
    pub async fn create_incident(
        &self,
        content: &IncidentContent,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<IncidentNumber, DbError> {
        let mut tx = self.write().await?;
        let number = create_incident_in(&mut tx, content, actor, now).await?;
        tx.commit().await?;
        Ok(number)
    }

    /// Creates many incidents in one transaction (`debrief seed`); returns
    /// how many.
    pub async fn create_incidents(
        &self,
        contents: &[IncidentContent],
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<usize, DbError> {
        let mut tx = self.write().await?;
        for content in contents {
            create_incident_in(&mut tx, content, actor, now).await?;
        }
        tx.commit().await?;
        Ok(contents.len())
    }

    /// Replaces an incident's content if it is still at `base_version`; returns
    /// the new version. A stale write changes nothing and reports the current
    /// version.
    pub async fn update_incident(
        &self,
        number: IncidentNumber,
        base_version: i64,
        content: &IncidentContent,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<i64, DbError> {
        let mut tx = self.write().await?;
        let (id, before) = incident_in(&mut tx, number).await?;
        if before.version != base_version {
            return Err(DbError::Conflict {
                current: before.version,
            });
        }
        let new_version = write_content(&mut tx, &id, &before, content, now).await?;
        super::timeline::unmark_moved_moments(
            &mut tx,
            &id,
            &before.content.moments,
            content,
            actor,
            now,
        )
        .await?;
        record_incident_change(
            &mut tx,
            actor,
            "updated",
            &id,
            number,
            Some(&before.content),
            content,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(new_version)
    }

    /// One incident with everything it holds, or `None`.
    pub async fn incident(&self, number: IncidentNumber) -> Result<Option<Incident>, DbError> {
        Ok(read_incident(self.into(), number)
            .await?
            .map(|(_, incident)| incident))
    }

    /// One page of incidents matching the query, and how many match in all.
    pub async fn list_incidents(&self, query: &IncidentQuery) -> Result<IncidentPage, DbError> {
        let mut count = sql("SELECT COUNT(*) FROM incidents i");
        push_filters(&mut count, query);
        let total: i64 = count.scalar(self).await?;
        // A page past the end shows the last page rather than nothing.
        let query = &IncidentQuery {
            page: query.page.clamp(1, page_count(total as u64)),
            ..query.clone()
        };

        let moment_columns: Vec<String> = KeyMoment::ALL
            .iter()
            .map(|m| format!("i.{0}_at, i.{0}_estimated", m.code()))
            .collect();
        let dir = if query.descending { "DESC" } else { "ASC" };
        let key = match query.sort {
            SortKey::Start => "i.started_at".to_string(),
            SortKey::Severity => "CASE i.severity WHEN 'blip' THEN 1 WHEN 'degradation' THEN 2 ELSE 3 END".to_string(),
            SortKey::Status => "CASE i.status WHEN 'investigating' THEN 1 WHEN 'resolved' THEN 2 WHEN 'in_review' THEN 3 ELSE 4 END".to_string(),
        };
        let listed: Vec<Listed> = {
            let mut select = sql(
                "SELECT i.id, i.number, i.title, i.severity, i.status, i.commander, i.started_at, ",
            );
            select.push(moment_columns.join(", ")).push(
                ", r.scheduled_at AS review_at, p.status AS postmortem_status FROM incidents i \
                 LEFT JOIN reviews r ON r.incident_id = i.id \
                 LEFT JOIN postmortems p ON p.incident_id = i.id",
            );
            push_filters(&mut select, query);
            select.push(format!(
                " ORDER BY {key} {dir}, i.started_at {dir}, i.number {dir} LIMIT "
            ));
            select
                .push_bind(i64::from(PAGE_SIZE))
                .push(" OFFSET ")
                .push_bind(query.offset() as i64);
            let rows = select.fetch_all(self).await?;
            rows.iter()
                .map(listed_from_row)
                .collect::<Result<_, DbError>>()?
        };

        let ids: Vec<String> = listed.iter().map(|r| r.id.clone()).collect();
        let mut services = self.services_of(&ids).await?;
        let counts = self
            .countermeasure_counts(&ids, Utc::now().date_naive())
            .await?;
        let policy = self.review_policy().await?;
        let now = Utc::now();
        let mut out = Vec::with_capacity(listed.len());
        for row in listed {
            let breakdown = crate::domain::phases::PhaseBreakdown::derive(&row.moments);
            let review = ReviewStatus::of(
                &policy,
                row.severity,
                &row.moments,
                row.review_at,
                row.postmortem_status.as_deref() == Some("published"),
                now,
            );
            let id = &row.id;
            out.push(IncidentSummary {
                number: IncidentNumber(row.number),
                title: row.title,
                severity: row.severity,
                status: row.status,
                services: services.remove(id).unwrap_or_default(),
                commander: row.commander,
                started_at: row.moments.earliest(),
                impact_seconds: breakdown.impact_seconds,
                open_countermeasures: counts.get(id).map_or(0, |c| c.open),
                overdue_countermeasures: counts.get(id).map_or(0, |c| c.overdue),
                review,
            });
        }
        Ok(IncidentPage {
            page: query.page,
            rows: out,
            total: total as u64,
        })
    }

    /// Every service named on any incident, for the list's filter.
    pub async fn known_services(&self) -> Result<Vec<String>, DbError> {
        Ok(
            sql("SELECT DISTINCT service FROM incident_services ORDER BY service")
                .scalars(self)
                .await?,
        )
    }

    async fn services_of(
        &self,
        ids: &[String],
    ) -> Result<std::collections::HashMap<String, Vec<String>>, DbError> {
        let mut map: std::collections::HashMap<String, Vec<String>> =
            std::collections::HashMap::new();
        if ids.is_empty() {
            return Ok(map);
        }
        let mut q =
            sql("SELECT incident_id, service FROM incident_services WHERE incident_id IN (");
        q.push_list(ids.iter().map(|id| id.value()))
            .push(") ORDER BY incident_id, position");
        let pairs: Vec<(String, String)> = q.records(self).await?;
        for (incident_id, service) in pairs {
            map.entry(incident_id).or_default().push(service);
        }
        Ok(map)
    }
}

/// Creates an incident inside `tx` (see [`Db::create_incident`]).
pub(super) async fn create_incident_in(
    tx: &mut Tx,
    content: &IncidentContent,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<IncidentNumber, DbError> {
    let id = uuid::Uuid::new_v4().to_string();
    let number: i64 = sql("SELECT COALESCE(MAX(number), 0) + 1 FROM incidents")
        .scalar(&mut *tx)
        .await?;
    let mut insert = sql("INSERT INTO incidents (id, number, version, created_at, updated_at, ");
    insert.push(CONTENT_COLUMNS.join(", ")).push(") VALUES (");
    insert
        .push_list(
            [
                id.as_str().value(),
                number.value(),
                1_i64.value(),
                to_epoch(now).value(),
                to_epoch(now).value(),
            ]
            .into_iter()
            .chain(content_values(content, now)),
        )
        .push(")");
    insert.execute(&mut *tx).await?;
    replace_services(tx, &id, &content.services).await?;
    let number = IncidentNumber(number);
    record_incident_change(tx, actor, "created", &id, number, None, content, now).await?;
    Ok(number)
}

/// The incident with this number and its id, read inside a transaction.
pub(super) async fn incident_in(
    tx: &mut Tx,
    number: IncidentNumber,
) -> Result<(String, Incident), DbError> {
    read_incident(tx.into(), number)
        .await?
        .ok_or(DbError::NotFound(Missing::Incident(number)))
}

/// The id of the incident with this number, inside a transaction.
pub(super) async fn incident_id(tx: &mut Tx, number: IncidentNumber) -> Result<String, DbError> {
    sql("SELECT id FROM incidents WHERE number = $1")
        .bind(number.0)
        .scalar_optional(tx)
        .await?
        .ok_or(DbError::NotFound(Missing::Incident(number)))
}

/// The incident with this number and its id, or `None`.
async fn read_incident(
    mut on: Conn<'_>,
    number: IncidentNumber,
) -> Result<Option<(String, Incident)>, DbError> {
    let Some(row) = sql("SELECT * FROM incidents WHERE number = $1")
        .bind(number.0)
        .fetch_optional(&mut on)
        .await?
    else {
        return Ok(None);
    };
    let id: String = row.col("id")?;
    let services: Vec<String> =
        sql("SELECT service FROM incident_services WHERE incident_id = $1 ORDER BY position")
            .bind(&id)
            .scalars(on)
            .await?;
    let incident = incident_from_row(&row, services)?;
    Ok(Some((id, incident)))
}

/// Replaces the content of `before` (read in this transaction) and bumps its
/// version; returns the new version.
pub(super) async fn write_content(
    tx: &mut Tx,
    id: &str,
    before: &Incident,
    content: &IncidentContent,
    now: DateTime<Utc>,
) -> Result<i64, DbError> {
    let version = before.version;
    let mut update = sql("UPDATE incidents SET (version, updated_at, ");
    update.push(CONTENT_COLUMNS.join(", ")).push(") = (");
    update
        .push_list(
            [(version + 1).value(), to_epoch(now).value()]
                .into_iter()
                .chain(content_values(content, before.created_at)),
        )
        .push(") WHERE id = ")
        .push_bind(id)
        .push(" AND version = ")
        .push_bind(version);
    let changed = update.execute(&mut *tx).await?;
    if changed != 1 {
        return Err(DbError::Conflict { current: version });
    }
    replace_services(tx, id, &content.services).await?;
    Ok(version + 1)
}

/// Sets an incident's key moments as a consequence of a timeline change
/// (a mark, or a marked event moved or deleted), with its history row.
pub(super) async fn set_moments(
    tx: &mut Tx,
    id: &str,
    before: &Incident,
    moments: &KeyMoments,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    if before.content.moments == *moments {
        return Ok(());
    }
    let mut content = before.content.clone();
    content.moments = *moments;
    // Marking the "resolved" moment moves an incident still being
    // investigated on to Resolved; its history says so.
    content.status = content.status.after_moments(moments);
    write_content(tx, id, before, &content, now).await?;
    record_incident_change(
        tx,
        actor,
        "updated",
        id,
        before.number,
        Some(&before.content),
        &content,
        now,
    )
    .await
}

/// Moves the incident's status on to `to` as a consequence of other work
/// (publishing its post-mortem), with its history row; never back.
pub(super) async fn advance_status(
    tx: &mut Tx,
    number: IncidentNumber,
    to: crate::domain::incident::Status,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    let (id, before) = incident_in(tx, number).await?;
    let status = before.content.status.moved_on(to);
    if status == before.content.status {
        return Ok(());
    }
    let mut content = before.content.clone();
    content.status = status;
    write_content(tx, &id, &before, &content, now).await?;
    record_incident_change(
        tx,
        actor,
        "updated",
        &id,
        number,
        Some(&before.content),
        &content,
        now,
    )
    .await
}

/// Writes the audit row for a created or edited incident; an edit that
/// changed nothing leaves no row.
#[allow(clippy::too_many_arguments)]
async fn record_incident_change(
    tx: &mut Tx,
    actor: &Actor,
    action: &str,
    id: &str,
    number: IncidentNumber,
    before: Option<&IncidentContent>,
    after: &IncidentContent,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    let changes = incident_changes(before, after);
    if before.is_some() && changes.is_empty() {
        return Ok(());
    }
    record(
        tx,
        actor,
        Change {
            action,
            object_kind: "incident",
            object_id: id,
            object_label: &format!("{number} {}", after.title),
            changes: &changes,
            incident_id: Some(id),
        },
        now,
    )
    .await
}

fn push_filters<'q>(q: &mut Sql<'q>, query: &'q IncidentQuery) {
    q.push(" WHERE 1 = 1");
    if let Some(status) = query.status {
        q.push(" AND i.status = ").push_bind(status.code());
    }
    if let Some(severity) = query.severity {
        q.push(" AND i.severity = ").push_bind(severity.code());
    }
    if let Some(service) = &query.service {
        q.push(" AND EXISTS (SELECT 1 FROM incident_services s WHERE s.incident_id = i.id AND s.service = ")
            .push_bind(service)
            .push(")");
    }
}

async fn replace_services(tx: &mut Tx, id: &str, services: &[String]) -> Result<(), DbError> {
    sql("DELETE FROM incident_services WHERE incident_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    for (position, service) in services.iter().enumerate() {
        sql("INSERT INTO incident_services (incident_id, position, service) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(position as i64)
            .bind(service)
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

fn parse_code<T>(
    row: &impl DbRow,
    column: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<T, DbError> {
    let code: String = row.col(column)?;
    parse(&code).ok_or_else(|| {
        DbError::Sqlx(sqlx::Error::Decode(
            format!("unknown {column} code {code:?}").into(),
        ))
    })
}

fn parse_optional_code<T>(
    row: &impl DbRow,
    column: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<Option<T>, DbError> {
    let code: Option<String> = row.col(column)?;
    code.map(|c| {
        parse(&c).ok_or_else(|| {
            DbError::Sqlx(sqlx::Error::Decode(
                format!("unknown {column} code {c:?}").into(),
            ))
        })
    })
    .transpose()
}

fn moments_from_row(row: &impl DbRow) -> Result<KeyMoments, DbError> {
    let mut moments = KeyMoments::default();
    for moment in KeyMoment::ALL {
        let at = stored_time(row, "incidents", &format!("{}_at", moment.code()))?;
        let estimated: bool = row.col(&format!("{}_estimated", moment.code()))?;
        moments.set(moment, at.map(|at| Moment { at, estimated }));
    }
    Ok(moments)
}

fn incident_from_row(row: &impl DbRow, services: Vec<String>) -> Result<Incident, DbError> {
    Ok(Incident {
        number: IncidentNumber(row.col("number")?),
        version: row.col("version")?,
        created_at: stored_time(row, "incidents", "created_at")?.unwrap_or_default(),
        updated_at: stored_time(row, "incidents", "updated_at")?.unwrap_or_default(),
        content: IncidentContent {
            title: row.col("title")?,
            severity: parse_code(row, "severity", Severity::parse)?,
            status: parse_code(row, "status", Status::parse)?,
            services,
            commander: row.col("commander")?,
            facilitator: row.col("facilitator")?,
            detection_method: parse_optional_code(row, "detection_method", DetectionMethod::parse)?,
            time_zone: row.col("time_zone")?,
            summary_markdown: row.col("summary_markdown")?,
            moments: moments_from_row(row)?,
            cynefin: CynefinPair {
                first: parse_optional_code(row, "cynefin_first", Cynefin::parse)?,
                first_note: row.col("cynefin_first_note")?,
                hindsight: parse_optional_code(row, "cynefin_hindsight", Cynefin::parse)?,
                hindsight_note: row.col("cynefin_hindsight_note")?,
            },
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    async fn db() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path().join("t.db").to_str().unwrap())
            .await
            .unwrap();
        (dir, db)
    }

    fn actor() -> Actor {
        Actor {
            user_id: None,
            name: "Sam (sam)".into(),
        }
    }

    fn t(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 4, h, m, 0).unwrap()
    }

    fn content(title: &str, severity: Severity, services: &[&str]) -> IncidentContent {
        IncidentContent {
            title: title.into(),
            severity,
            status: Status::Investigating,
            services: services.iter().map(|s| s.to_string()).collect(),
            commander: "sam".into(),
            facilitator: String::new(),
            detection_method: Some(DetectionMethod::AutomatedAlert),
            time_zone: "Europe/Paris".into(),
            summary_markdown: "What we knew".into(),
            moments: KeyMoments::default().with(KeyMoment::ImpactStarted, t(10, 0)),
            cynefin: CynefinPair {
                first: Some(Cynefin::Complicated),
                hindsight: Some(Cynefin::Complex),
                ..Default::default()
            },
        }
    }

    #[tokio::test]
    async fn create_then_read_returns_every_field() {
        let (_dir, db) = db().await;
        let mut c = content("Cache stampede", Severity::Outage, &["checkout", "cache"]);
        c.moments.set(
            KeyMoment::Diagnosed,
            Some(Moment {
                at: t(11, 0),
                estimated: true,
            }),
        );
        let n = db.create_incident(&c, &actor(), t(12, 0)).await.unwrap();
        assert_eq!(n, IncidentNumber(1));
        let got = db.incident(n).await.unwrap().unwrap();
        assert_eq!(got.content, c);
        assert_eq!(got.version, 1);
        assert_eq!(got.created_at, t(12, 0));
        assert_eq!(db.incident(IncidentNumber(2)).await.unwrap(), None);
    }

    #[tokio::test]
    async fn stale_updates_are_refused_and_change_nothing() {
        let (_dir, db) = db().await;
        let n = db
            .create_incident(&content("A", Severity::Blip, &["api"]), &actor(), t(12, 0))
            .await
            .unwrap();
        let edited = content("A, renamed", Severity::Blip, &["web"]);
        assert_eq!(
            db.update_incident(n, 1, &edited, &actor(), t(12, 5))
                .await
                .unwrap(),
            2
        );
        let stale = content("A, stale", Severity::Outage, &["dns"]);
        let err = db
            .update_incident(n, 1, &stale, &actor(), t(12, 6))
            .await
            .unwrap_err();
        assert!(matches!(err, DbError::Conflict { current: 2 }));
        let got = db.incident(n).await.unwrap().unwrap();
        assert_eq!(got.content, edited);
        assert_eq!(got.updated_at, t(12, 5));
        // History: the creation and the one accepted edit, nothing of the stale one.
        let history = db.incident_history(n).await.unwrap();
        let actions: Vec<_> = history.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["created", "updated"]);
        assert_eq!(history[1].actor_name, "Sam (sam)");
        assert_eq!(history[1].object_label, "#1 A, renamed");
        let fields: Vec<_> = history[1]
            .changes
            .iter()
            .map(|c| c.field.as_str())
            .collect();
        assert_eq!(fields, ["Title", "Services"]);
        assert_eq!(history[1].changes[1].before, "api");
        // Saving the same content again leaves no history row.
        db.update_incident(n, 2, &edited, &actor(), t(12, 7))
            .await
            .unwrap();
        assert_eq!(db.incident_history(n).await.unwrap().len(), 2);
        assert!(matches!(
            db.update_incident(IncidentNumber(9), 1, &edited, &actor(), t(13, 0))
                .await,
            Err(DbError::NotFound(_))
        ));
    }

    #[tokio::test]
    async fn list_filters_sorts_and_counts() {
        let (_dir, db) = db().await;
        for (i, (sev, svc)) in [
            (Severity::Blip, "api"),
            (Severity::Outage, "web"),
            (Severity::Degradation, "api"),
        ]
        .into_iter()
        .enumerate()
        {
            let mut c = content(&format!("incident {i}"), sev, &[svc]);
            c.moments = KeyMoments::default().with(KeyMoment::ImpactStarted, t(10 + i as u32, 0));
            db.create_incident(&c, &actor(), t(20, 0)).await.unwrap();
        }
        let all = db
            .list_incidents(&IncidentQuery {
                descending: true,
                page: 1,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(all.total, 3);
        assert_eq!(
            all.rows.iter().map(|r| r.number.0).collect::<Vec<_>>(),
            vec![3, 2, 1]
        );
        let api = db
            .list_incidents(&IncidentQuery {
                service: Some("api".into()),
                descending: false,
                page: 1,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(
            api.rows.iter().map(|r| r.number.0).collect::<Vec<_>>(),
            vec![1, 3]
        );
        assert_eq!(api.rows[0].services, vec!["api"]);
        let by_severity = db
            .list_incidents(&IncidentQuery {
                sort: SortKey::Severity,
                descending: true,
                page: 1,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(
            by_severity
                .rows
                .iter()
                .map(|r| r.severity)
                .collect::<Vec<_>>(),
            vec![Severity::Outage, Severity::Degradation, Severity::Blip]
        );
        let outages = db
            .list_incidents(&IncidentQuery {
                severity: Some(Severity::Outage),
                page: 1,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(outages.total, 1);
        assert_eq!(db.known_services().await.unwrap(), vec!["api", "web"]);
    }

    #[tokio::test]
    async fn pages_hold_at_most_a_page_of_rows() {
        let (_dir, db) = db().await;
        for i in 0..(PAGE_SIZE + 3) {
            db.create_incident(
                &content(&format!("i{i}"), Severity::Blip, &[]),
                &actor(),
                t(10, 0),
            )
            .await
            .unwrap();
        }
        let page2 = db
            .list_incidents(&IncidentQuery {
                page: 2,
                descending: true,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(page2.total, u64::from(PAGE_SIZE + 3));
        assert_eq!(page2.rows.len(), 3);
        let past_end = db
            .list_incidents(&IncidentQuery {
                page: 9,
                descending: true,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(
            (past_end.page, past_end.rows.len()),
            (2, 3),
            "past the end shows the last page"
        );
    }
}
