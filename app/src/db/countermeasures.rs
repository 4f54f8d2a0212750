//! Countermeasures: create, update (versioned), move on the board, link
//! more incidents, read, list and history; and the statements of a merge
//! ([`CountermeasureMerge`]; the workflow is `flows::countermeasure_merge`).
//! Every write is audited in its own transaction.

use chrono::{DateTime, NaiveDate, Utc};

use super::audit::{Change, record};
use super::statement::Conn;
use super::webhooks::enqueue;
use super::{Db, DbError, DbRow, Tx, sql, stored_time, stored_value, to_epoch};
use crate::domain::audit::{Actor, AuditEntry, FieldChange};
use crate::domain::countermeasure::{
    BacklogFilter, CmStatus, Countermeasure, CountermeasureContent, Kind, LinkedIncident, Priority,
    changes, check_move, incident_change, limits, union_incidents,
};
use crate::domain::refusal::Refusal;
use crate::domain::webhook::Event;

/// Binds the content columns, in the order both statements name them.
macro_rules! bind_content {
    ($query:expr, $content:expr) => {{
        let content: &CountermeasureContent = $content;
        $query
            .bind(&content.title)
            .bind(&content.description)
            .bind(content.kind.code())
            .bind(content.priority.code())
            .bind(&content.owner)
            .bind(content.due.map(|d| d.to_string()))
            .bind(content.status.code())
            .bind(&content.wont_do_reason)
            .bind(&content.ticket_url)
            .bind(content.source_event.as_deref())
            .bind(content.source_line)
    }};
}

/// Open and overdue countermeasures of one incident.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CountermeasureCounts {
    pub open: i64,
    pub overdue: i64,
}

/// One merge's transaction, opened by [`Db::begin_countermeasure_merge`]:
/// it reads the two countermeasures, marks one merged into the other,
/// relinks the survivor's incidents, records history and, on
/// [`CountermeasureMerge::commit`], commits. Dropped before that, it rolls
/// everything back.
pub struct CountermeasureMerge {
    tx: Tx,
    actor: Actor,
    now: DateTime<Utc>,
}

impl Db {
    /// Starts a merge: opens its write transaction.
    pub async fn begin_countermeasure_merge(
        &self,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<CountermeasureMerge, DbError> {
        Ok(CountermeasureMerge {
            tx: self.write().await?,
            actor: actor.clone(),
            now,
        })
    }
}

impl CountermeasureMerge {
    /// The countermeasure to merge, as any edit reads it: missing is not
    /// found, merged already is refused, and one no longer at
    /// `base_version` is a conflict.
    pub async fn merged(
        &mut self,
        number: i64,
        base_version: i64,
    ) -> Result<Countermeasure, DbError> {
        editable_in(&mut self.tx, number, base_version).await
    }

    /// The countermeasure to merge into, with its incidents; `None` when
    /// there is none by that number.
    pub async fn target(&mut self, number: i64) -> Result<Option<Countermeasure>, DbError> {
        match countermeasure_in(&mut self.tx, number).await {
            Err(DbError::NotFound(_)) => Ok(None),
            other => other.map(Some),
        }
    }

    /// Marks `from` as merged into `into` (read-only from now on) and bumps
    /// its version.
    pub async fn mark_merged(
        &mut self,
        from: &Countermeasure,
        into: &Countermeasure,
    ) -> Result<(), DbError> {
        sql(
            "UPDATE countermeasures SET merged_into = $1, version = version + 1, updated_at = $2 \
             WHERE id = $3",
        )
        .bind(&into.id)
        .bind(to_epoch(self.now))
        .bind(&from.id)
        .execute(&mut self.tx)
        .await?;
        Ok(())
    }

    /// Links `cm` to exactly the incidents `numbers` (an unknown one is
    /// refused by number) and bumps its version; returns the new version
    /// and the incidents' ids, in the order of `numbers`.
    pub async fn relink(
        &mut self,
        cm: &Countermeasure,
        numbers: &[i64],
    ) -> Result<(i64, Vec<String>), DbError> {
        relink(&mut self.tx, cm, numbers, self.now).await
    }

    /// Records `action` with `changes` in the history of `cm`, starting
    /// from the incident `incident_id` (if any).
    pub async fn audit(
        &mut self,
        action: &str,
        cm: &Countermeasure,
        changes: &[FieldChange],
        incident_id: Option<&String>,
    ) -> Result<(), DbError> {
        audit(
            &mut self.tx,
            &self.actor,
            action,
            &cm.id,
            cm.number,
            &cm.content.title,
            changes,
            incident_id,
            self.now,
        )
        .await
    }

    /// Commits the merge.
    pub async fn commit(self) -> Result<(), DbError> {
        self.tx.commit().await
    }
}

impl Db {
    /// Files a new countermeasure; returns its number.
    pub async fn create_countermeasure(
        &self,
        content: &CountermeasureContent,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<i64, DbError> {
        let mut tx = self.write().await?;
        let number: i64 = sql("SELECT COALESCE(MAX(number), 0) + 1 FROM countermeasures")
            .scalar(&mut tx)
            .await?;
        let id = uuid::Uuid::new_v4().to_string();
        let incident_ids = incident_ids(&mut tx, &content.incidents).await?;
        check_source(&mut tx, content, &incident_ids).await?;
        let insert = sql(
            "INSERT INTO countermeasures (id, number, version, title, description_markdown, kind, \
             priority, owner, due_on, status, wont_do_reason, ticket_url, source_event_id, \
             source_line_id, created_by, created_at, updated_at, completed_at) \
             VALUES ($1, $2, 1, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
        )
        .bind(&id)
        .bind(number);
        bind_content!(insert, content)
            .bind(&actor.name)
            .bind(to_epoch(now))
            .bind(to_epoch(now))
            .bind((content.status == CmStatus::Done).then(|| to_epoch(now)))
            .execute(&mut tx)
            .await?;
        link_incidents(&mut tx, &id, &incident_ids).await?;
        enqueue(&mut tx, Event::Created, number, content, None, now).await?;
        audit(
            &mut tx,
            actor,
            "created",
            &id,
            number,
            &content.title,
            &changes(None, content),
            incident_ids.first(),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(number)
    }

    /// Replaces a countermeasure's content if it is still at `base_version`;
    /// returns the new version. A stale write changes nothing.
    pub async fn update_countermeasure(
        &self,
        number: i64,
        base_version: i64,
        content: &CountermeasureContent,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<i64, DbError> {
        let mut tx = self.write().await?;
        let before = editable_in(&mut tx, number, base_version).await?;
        let incident_ids = incident_ids(&mut tx, &content.incidents).await?;
        check_source(&mut tx, content, &incident_ids).await?;
        let completed_at = completed_at(&before, content.status, now);
        let update = sql(
            "UPDATE countermeasures SET version = version + 1, title = $1, description_markdown = $2, \
             kind = $3, priority = $4, owner = $5, due_on = $6, status = $7, wont_do_reason = $8, \
             ticket_url = $9, source_event_id = $10, source_line_id = $11, updated_at = $12, completed_at = $13 \
             WHERE id = $14",
        );
        bind_content!(update, content)
            .bind(to_epoch(now))
            .bind(completed_at)
            .bind(&before.id)
            .execute(&mut tx)
            .await?;
        sql("DELETE FROM countermeasure_incidents WHERE countermeasure_id = $1")
            .bind(&before.id)
            .execute(&mut tx)
            .await?;
        link_incidents(&mut tx, &before.id, &incident_ids).await?;
        if before.content.status != content.status {
            let previous = Some(before.content.status);
            enqueue(
                &mut tx,
                Event::StatusChanged,
                number,
                content,
                previous,
                now,
            )
            .await?;
        }
        audit(
            &mut tx,
            actor,
            "updated",
            &before.id,
            number,
            &content.title,
            &changes(Some(&before.content), content),
            incident_ids.first(),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(base_version + 1)
    }

    /// Moves a countermeasure to another column of the board (with the
    /// reason "won't do" needs). Versioned like any edit.
    pub async fn move_countermeasure(
        &self,
        number: i64,
        base_version: i64,
        to: CmStatus,
        reason: &str,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<i64, DbError> {
        let mut tx = self.write().await?;
        let before = editable_in(&mut tx, number, base_version).await?;
        let reason = if to == CmStatus::WontDo {
            Some(reason.trim())
                .filter(|r| !r.is_empty())
                .unwrap_or(&before.content.wont_do_reason)
        } else {
            ""
        };
        check_move(to, reason, &before.content.owner)
            .map_err(|e| DbError::Refused(Refusal::CannotMove(e)))?;
        let after = CountermeasureContent {
            status: to,
            wont_do_reason: reason.to_string(),
            ..before.content.clone()
        };
        let completed_at = completed_at(&before, to, now);
        sql(
            "UPDATE countermeasures SET version = version + 1, status = $1, wont_do_reason = $2, \
             updated_at = $3, completed_at = $4 WHERE id = $5",
        )
        .bind(to.code())
        .bind(reason)
        .bind(to_epoch(now))
        .bind(completed_at)
        .bind(&before.id)
        .execute(&mut tx)
        .await?;
        if before.content.status != to {
            let previous = Some(before.content.status);
            enqueue(&mut tx, Event::StatusChanged, number, &after, previous, now).await?;
        }
        // The key's order: what SQLite's primary-key index gave unasked.
        let first_incident: Option<String> = sql(
            "SELECT incident_id FROM countermeasure_incidents WHERE countermeasure_id = $1 \
             ORDER BY incident_id LIMIT 1",
        )
        .bind(&before.id)
        .scalar_optional(&mut tx)
        .await?;
        audit(
            &mut tx,
            actor,
            "moved",
            &before.id,
            number,
            &after.title,
            &changes(Some(&before.content), &after),
            first_incident.as_ref(),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(base_version + 1)
    }

    /// Links more incidents to an open lesson ("seen in 3 incidents")
    /// instead of filing a new one. Returns the new version; linking only
    /// incidents it already has is refused, so nothing happens twice.
    pub async fn link_countermeasure(
        &self,
        number: i64,
        numbers: &[i64],
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<i64, DbError> {
        let mut tx = self.write().await?;
        let cm = countermeasure_in(&mut tx, number).await?;
        not_merged(&cm)?;
        let incidents = union_incidents(&cm.content.incidents, numbers);
        if incidents.len() > limits::INCIDENTS {
            return Err(DbError::Refused(Refusal::TooManyIncidents {
                limit: limits::INCIDENTS,
            }));
        }
        if incidents == cm.content.incidents {
            return Err(DbError::Refused(Refusal::AlreadyLinked {
                number: cm.number,
            }));
        }
        // An unknown incident is refused here, by number.
        let (new_version, ids) = relink(&mut tx, &cm, &incidents, now).await?;
        audit(
            &mut tx,
            actor,
            "linked",
            &cm.id,
            number,
            &cm.content.title,
            &Vec::from_iter(incident_change(&cm.content.incidents, &incidents)),
            ids.first(),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(new_version)
    }

    /// The history of a countermeasure and of every one merged into it (and
    /// into those, and so on), oldest first.
    pub async fn countermeasure_history(&self, number: i64) -> Result<Vec<AuditEntry>, DbError> {
        let rows = sql("WITH RECURSIVE family (id) AS ( \
                 SELECT id FROM countermeasures WHERE number = $1 \
                 UNION SELECT c.id FROM countermeasures c JOIN family f ON c.merged_into = f.id) \
             SELECT a.* FROM audit_log a WHERE a.object_kind = 'countermeasure' \
             AND a.object_id IN (SELECT id FROM family) ORDER BY a.id")
        .bind(number)
        .fetch_all(self)
        .await?;
        rows.iter().map(super::audit::entry_from_row).collect()
    }

    /// The countermeasures merged straight into this one, as (number, title).
    pub async fn merged_into_this(&self, number: i64) -> Result<Vec<(i64, String)>, DbError> {
        let rows = sql(
            "SELECT c.number, c.title FROM countermeasures c JOIN countermeasures t \
             ON c.merged_into = t.id WHERE t.number = $1 ORDER BY c.number",
        )
        .bind(number)
        .fetch_all(self)
        .await?;
        rows.iter()
            .map(|r| Ok((r.col("number")?, r.col("title")?)))
            .collect()
    }

    pub async fn countermeasure(&self, number: i64) -> Result<Option<Countermeasure>, DbError> {
        let row = sql(SELECT_ONE).bind(number).fetch_optional(self).await?;
        let Some(row) = row else { return Ok(None) };
        let mut cm = from_row(&row)?;
        let incidents = linked(self, &cm.id).await?;
        set_linked(&mut cm, incidents);
        Ok(Some(cm))
    }

    /// The countermeasures `filter` selects (never merged ones), most urgent
    /// first: by status column, then due date (none last), then number.
    pub async fn list_countermeasures(
        &self,
        filter: &BacklogFilter,
        today: NaiveDate,
    ) -> Result<Vec<Countermeasure>, DbError> {
        let mut q = sql(
            "SELECT c.*, m.number AS merged_number FROM countermeasures c \
             LEFT JOIN countermeasures m ON m.id = c.merged_into WHERE c.merged_into IS NULL",
        );
        if let Some(owner) = &filter.owner {
            q.push(" AND c.owner = ").push_bind(owner.clone());
        }
        if let Some(kind) = filter.kind {
            q.push(" AND c.kind = ").push_bind(kind.code());
        }
        if let Some(status) = filter.status {
            q.push(" AND c.status = ").push_bind(status.code());
        }
        if let Some(number) = filter.incident {
            q.push(
                " AND EXISTS (SELECT 1 FROM countermeasure_incidents ci JOIN incidents i \
                 ON i.id = ci.incident_id WHERE ci.countermeasure_id = c.id AND i.number = ",
            )
            .push_bind(number)
            .push(")");
        }
        if let Some(service) = &filter.service {
            q.push(
                " AND EXISTS (SELECT 1 FROM countermeasure_incidents ci JOIN incident_services s \
                 ON s.incident_id = ci.incident_id WHERE ci.countermeasure_id = c.id AND s.service = ",
            )
            .push_bind(service.clone())
            .push(")");
        }
        if filter.overdue {
            q.push(" AND c.status IN ('proposed', 'accepted', 'in_progress') AND c.due_on < ")
                .push_bind(today.to_string());
        }
        q.push(
            " ORDER BY CASE c.status WHEN 'proposed' THEN 1 WHEN 'accepted' THEN 2 \
             WHEN 'in_progress' THEN 3 WHEN 'done' THEN 4 ELSE 5 END, \
             c.due_on IS NULL, c.due_on, c.number",
        );
        let rows = q.fetch_all(self).await?;
        let mut out: Vec<Countermeasure> = rows.iter().map(from_row).collect::<Result<_, _>>()?;
        // Every listed item's incidents in one query, not one per item.
        let mut by_id: std::collections::HashMap<String, Vec<LinkedIncident>> =
            std::collections::HashMap::new();
        if !out.is_empty() {
            let mut links = sql(
                "SELECT ci.countermeasure_id, i.number, i.title FROM countermeasure_incidents ci \
                 JOIN incidents i ON i.id = ci.incident_id WHERE ci.countermeasure_id IN (",
            );
            for (n, cm) in out.iter().enumerate() {
                if n > 0 {
                    links.push(", ");
                }
                links.push_bind(cm.id.clone());
            }
            links.push(") ORDER BY i.number");
            for r in links.fetch_all(self).await? {
                by_id
                    .entry(r.col("countermeasure_id")?)
                    .or_default()
                    .push(LinkedIncident {
                        number: r.col("number")?,
                        title: r.col("title")?,
                    });
            }
        }
        for cm in &mut out {
            let incidents = by_id.remove(&cm.id).unwrap_or_default();
            set_linked(cm, incidents);
        }
        Ok(out)
    }

    /// Everyone named as an owner (not merged), sorted, for the filter.
    pub async fn countermeasure_owners(&self) -> Result<Vec<String>, DbError> {
        Ok(sql(
            "SELECT DISTINCT owner FROM countermeasures WHERE merged_into IS NULL AND owner <> '' \
             ORDER BY owner",
        )
        .scalars(self)
        .await?)
    }

    /// Open countermeasures (not merged) as (number, title): what a new one
    /// is compared with.
    pub async fn open_countermeasure_titles(&self) -> Result<Vec<(i64, String)>, DbError> {
        let rows = sql(
            "SELECT number, title FROM countermeasures WHERE merged_into IS NULL \
             AND status IN ('proposed', 'accepted', 'in_progress') ORDER BY number",
        )
        .fetch_all(self)
        .await?;
        rows.iter()
            .map(|r| Ok((r.col("number")?, r.col("title")?)))
            .collect()
    }

    /// Open and overdue counts of these incidents (ids), for the list's page.
    pub async fn countermeasure_counts(
        &self,
        incident_ids: &[String],
        today: NaiveDate,
    ) -> Result<std::collections::HashMap<String, CountermeasureCounts>, DbError> {
        if incident_ids.is_empty() {
            return Ok(Default::default());
        }
        let mut q = sql("SELECT ci.incident_id, COUNT(*) AS open, CAST(SUM(CASE WHEN c.due_on < ");
        q.push_bind(today.to_string()).push(
            " THEN 1 ELSE 0 END) AS BIGINT) AS overdue \
             FROM countermeasure_incidents ci JOIN countermeasures c ON c.id = ci.countermeasure_id \
             WHERE c.merged_into IS NULL AND c.status IN ('proposed', 'accepted', 'in_progress') \
             AND ci.incident_id IN (",
        );
        for (n, id) in incident_ids.iter().enumerate() {
            if n > 0 {
                q.push(", ");
            }
            q.push_bind(id.clone());
        }
        q.push(") GROUP BY ci.incident_id");
        let rows = q.fetch_all(self).await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.col("incident_id")?,
                    CountermeasureCounts {
                        open: r.col("open")?,
                        overdue: r.col("overdue")?,
                    },
                ))
            })
            .collect()
    }
}

/// Every countermeasure (not merged) with its linked incident numbers, for
/// the report (read in the report's snapshot transaction `tx`).
pub(super) async fn report_countermeasures(
    tx: &mut Tx,
) -> Result<Vec<crate::domain::report::ReportCountermeasure>, DbError> {
    use crate::domain::report::ReportCountermeasure;
    let rows = sql(
        "SELECT c.id, c.kind, c.status, c.due_on, i.number FROM countermeasures c \
         JOIN countermeasure_incidents ci ON ci.countermeasure_id = c.id \
         JOIN incidents i ON i.id = ci.incident_id \
         WHERE c.merged_into IS NULL ORDER BY c.id, i.number",
    )
    .fetch_all(tx)
    .await?;
    let bad = |column: &str, value: &str| stored_value("countermeasures", column, value);
    let mut out: Vec<(String, ReportCountermeasure)> = Vec::new();
    for r in &rows {
        let id: String = r.col("id")?;
        let number: i64 = r.col("number")?;
        if let Some((last, cm)) = out.last_mut()
            && *last == id
        {
            cm.incidents.push(number);
            continue;
        }
        let kind: String = r.col("kind")?;
        let status: String = r.col("status")?;
        let due: Option<String> = r.col("due_on")?;
        out.push((
            id,
            ReportCountermeasure {
                kind: Kind::parse(&kind).ok_or_else(|| bad("kind", &kind))?,
                status: CmStatus::parse(&status).ok_or_else(|| bad("status", &status))?,
                due: due.and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()),
                incidents: vec![number],
            },
        ));
    }
    Ok(out.into_iter().map(|(_, cm)| cm).collect())
}

impl Db {
    /// The incident's countermeasures as the post-mortem lists them, as the
    /// backlog holds them now.
    pub async fn live_countermeasures(
        &self,
        number: crate::domain::incident::IncidentNumber,
    ) -> Result<Vec<crate::domain::postmortem::TemplateCountermeasure>, DbError> {
        let filter = crate::domain::countermeasure::BacklogFilter {
            incident: Some(number.0),
            ..Default::default()
        };
        Ok(self
            .list_countermeasures(&filter, chrono::Utc::now().date_naive())
            .await?
            .into_iter()
            .map(|c| crate::domain::postmortem::TemplateCountermeasure {
                code: c.code(),
                title: c.content.title,
                status: c.content.status,
                owner: c.content.owner,
            })
            .collect())
    }

    /// The Cynefin readings of these incidents, for export labels.
    pub async fn incident_tags(
        &self,
        numbers: &[i64],
    ) -> Result<Vec<crate::domain::countermeasure_export::IncidentTags>, DbError> {
        use crate::domain::incident::Cynefin;
        if numbers.is_empty() {
            return Ok(Vec::new());
        }
        let mut q =
            sql("SELECT number, cynefin_first, cynefin_hindsight FROM incidents WHERE number IN (");
        for (i, n) in numbers.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.push_bind(*n);
        }
        q.push(") ORDER BY number");
        let mut out = Vec::with_capacity(numbers.len());
        for row in q.fetch_all(self).await? {
            let read = |c: &str| -> Result<Option<Cynefin>, DbError> {
                Ok(row
                    .col::<Option<String>>(c)?
                    .and_then(|v| Cynefin::parse(&v)))
            };
            out.push(crate::domain::countermeasure_export::IncidentTags {
                number: row.col("number")?,
                first: read("cynefin_first")?,
                hindsight: read("cynefin_hindsight")?,
            });
        }
        Ok(out)
    }
}

const SELECT_ONE: &str = "SELECT c.*, m.number AS merged_number FROM countermeasures c \
     LEFT JOIN countermeasures m ON m.id = c.merged_into WHERE c.number = $1";

/// The countermeasure a write changes: refused when it was merged into
/// another, or when it is no longer at `base_version`.
async fn editable_in(
    tx: &mut Tx,
    number: i64,
    base_version: i64,
) -> Result<Countermeasure, DbError> {
    let cm = countermeasure_in(tx, number).await?;
    not_merged(&cm)?;
    if cm.version != base_version {
        return Err(DbError::Conflict {
            current: cm.version,
        });
    }
    Ok(cm)
}

/// Replaces the incidents `cm` is linked to with `numbers` (an unknown
/// one is refused by number) and bumps its version; returns the new version
/// and the incidents' ids, in the order of `numbers`.
async fn relink(
    tx: &mut Tx,
    cm: &Countermeasure,
    numbers: &[i64],
    now: DateTime<Utc>,
) -> Result<(i64, Vec<String>), DbError> {
    let ids = incident_ids(tx, numbers).await?;
    sql("DELETE FROM countermeasure_incidents WHERE countermeasure_id = $1")
        .bind(&cm.id)
        .execute(&mut *tx)
        .await?;
    link_incidents(tx, &cm.id, &ids).await?;
    sql("UPDATE countermeasures SET version = version + 1, updated_at = $1 WHERE id = $2")
        .bind(to_epoch(now))
        .bind(&cm.id)
        .execute(tx)
        .await?;
    Ok((cm.version + 1, ids))
}

/// A merged countermeasure is read-only: changes go to the one it became.
fn not_merged(cm: &Countermeasure) -> Result<(), DbError> {
    match cm.merged_into {
        Some(into) => Err(DbError::Refused(Refusal::Merged {
            number: cm.number,
            into,
        })),
        None => Ok(()),
    }
}

/// When it reached done: kept while it stays done, now when it gets there,
/// cleared when it leaves.
fn completed_at(before: &Countermeasure, to: CmStatus, now: DateTime<Utc>) -> Option<i64> {
    match (before.content.status, to) {
        (CmStatus::Done, CmStatus::Done) => before.completed_at.map(to_epoch),
        (_, CmStatus::Done) => Some(to_epoch(now)),
        _ => None,
    }
}

pub(super) async fn countermeasure_in(tx: &mut Tx, number: i64) -> Result<Countermeasure, DbError> {
    let row = sql(SELECT_ONE)
        .bind(number)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(DbError::NotFound(
            crate::domain::missing::Missing::Countermeasure(number),
        ))?;
    let mut cm = from_row(&row)?;
    let incidents = linked(tx, &cm.id).await?;
    set_linked(&mut cm, incidents);
    Ok(cm)
}

fn set_linked(cm: &mut Countermeasure, incidents: Vec<LinkedIncident>) {
    cm.content.incidents = incidents.iter().map(|i| i.number).collect();
    cm.incidents = incidents;
}

/// The incidents' ids, in order; an unknown number is refused by name.
async fn incident_ids(tx: &mut Tx, numbers: &[i64]) -> Result<Vec<String>, DbError> {
    let mut ids = Vec::with_capacity(numbers.len());
    for n in numbers {
        let id: Option<String> = sql("SELECT id FROM incidents WHERE number = $1")
            .bind(*n)
            .scalar_optional(&mut *tx)
            .await?;
        ids.push(id.ok_or(DbError::Refused(Refusal::NoSuchIncident { number: *n }))?);
    }
    Ok(ids)
}

/// The prompting event or line must belong to one of the linked incidents.
async fn check_source(
    tx: &mut Tx,
    content: &CountermeasureContent,
    incident_ids: &[String],
) -> Result<(), DbError> {
    if let Some(event) = &content.source_event {
        let incident: Option<String> = sql("SELECT incident_id FROM timeline_events WHERE id = $1")
            .bind(event)
            .scalar_optional(&mut *tx)
            .await?;
        if !incident.is_some_and(|i| incident_ids.contains(&i)) {
            return Err(DbError::Refused(Refusal::SourceEventUnlinked));
        }
    }
    if let Some(line) = content.source_line {
        let incident: Option<String> = sql(
            "SELECT i.id FROM transcript_lines l JOIN incidents i ON i.number = l.incident_no \
             WHERE l.id = $1",
        )
        .bind(line)
        .scalar_optional(&mut *tx)
        .await?;
        if !incident.is_some_and(|i| incident_ids.contains(&i)) {
            return Err(DbError::Refused(Refusal::SourceLineUnlinked));
        }
    }
    Ok(())
}

async fn link_incidents(tx: &mut Tx, id: &str, incident_ids: &[String]) -> Result<(), DbError> {
    for incident in incident_ids {
        sql(
            "INSERT INTO countermeasure_incidents (countermeasure_id, incident_id) VALUES ($1, $2)",
        )
        .bind(id)
        .bind(incident)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn audit(
    tx: &mut Tx,
    actor: &Actor,
    action: &str,
    id: &str,
    number: i64,
    title: &str,
    changes: &[FieldChange],
    incident_id: Option<&String>,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    record(
        tx,
        actor,
        Change {
            action,
            object_kind: "countermeasure",
            object_id: id,
            object_label: &format!("CM-{number} {title}"),
            changes,
            incident_id: incident_id.map(String::as_str),
        },
        now,
    )
    .await
}

/// The incidents countermeasure `id` is linked to, by number; `on` is the
/// pool or a transaction.
async fn linked(on: impl Into<Conn<'_>>, id: &str) -> Result<Vec<LinkedIncident>, DbError> {
    let rows = sql(
        "SELECT i.number, i.title FROM countermeasure_incidents ci JOIN incidents i \
         ON i.id = ci.incident_id WHERE ci.countermeasure_id = $1 ORDER BY i.number",
    )
    .bind(id.to_string())
    .fetch_all(on)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(LinkedIncident {
                number: r.col("number")?,
                title: r.col("title")?,
            })
        })
        .collect()
}

fn from_row(row: &impl DbRow) -> Result<Countermeasure, DbError> {
    let code = |column: &str| -> Result<String, DbError> { Ok(row.col(column)?) };
    let bad = |column: &str, value: &str| stored_value("countermeasures", column, value);
    let kind = code("kind")?;
    let priority = code("priority")?;
    let status = code("status")?;
    let due: Option<String> = row.col("due_on")?;
    Ok(Countermeasure {
        id: row.col("id")?,
        number: row.col("number")?,
        version: row.col("version")?,
        content: CountermeasureContent {
            title: row.col("title")?,
            description: row.col("description_markdown")?,
            kind: Kind::parse(&kind).ok_or_else(|| bad("kind", &kind))?,
            priority: Priority::parse(&priority).ok_or_else(|| bad("priority", &priority))?,
            owner: row.col("owner")?,
            due: due.and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()),
            status: CmStatus::parse(&status).ok_or_else(|| bad("status", &status))?,
            wont_do_reason: row.col("wont_do_reason")?,
            ticket_url: row.col("ticket_url")?,
            incidents: Vec::new(),
            source_event: row.col("source_event_id")?,
            source_line: row.col("source_line_id")?,
        },
        incidents: Vec::new(),
        merged_into: row.col("merged_number")?,
        created_by: row.col("created_by")?,
        created_at: stored_time(row, "countermeasures", "created_at")?.unwrap_or_default(),
        updated_at: stored_time(row, "countermeasures", "updated_at")?.unwrap_or_default(),
        completed_at: stored_time(row, "countermeasures", "completed_at")?,
    })
}
