//! Restoring an incident from its archive (the restore page's upload, and
//! `debrief restore-incident FILE`): the archive, already read into typed
//! rows (`domain::archive::read`), becomes a new incident of this database.
//!
//! The steps, in order:
//! 1. the archive is checked whole (`domain::archive::check`); one without
//!    an incident is refused;
//! 2. an incident this database holds already (same id) is refused;
//! 3. the incident keeps its number when free, else takes the next one;
//! 4. the rows are written table by table, parents before children: the
//!    incident and its services, the timeline, transcripts, their lines
//!    (repeats marked once every line is in, then indexed for search) and
//!    problems, the lines of events, countermeasures and their links, the
//!    post-mortem and its versions, the review, meeting notes, history.
//!    Integer keys (transcripts, lines, notes, history rows) are kept when
//!    free and given anew when not, with every reference following. A
//!    countermeasure this database already tracks is linked, not copied;
//!    history is kept as text, marked as restored and credited to no
//!    account here;
//! 5. what was written is read back as the pages read it (a row Debrief
//!    cannot read is refused), and the restore itself goes in the audit log.
//!
//! Everything from step 2 to the commit is one write transaction
//! ([`Restore`]): anything refused changes nothing.

use std::collections::HashMap;

use chrono::Utc;

use crate::db::{Db, DbError, Restore};
use crate::domain::archive::{Archive, Count, Key, Name, Tables, restored_name};
use crate::domain::audit::{Actor, FieldChange};
use crate::domain::incident::IncidentNumber;
use crate::domain::refusal::Refusal;

/// What was restored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restored {
    pub number: i64,
    /// The number the archive gave it, when that one was taken.
    pub renumbered_from: Option<i64>,
    /// Rows written.
    pub rows: usize,
}

/// Writes `archive` into `db` as a new incident, in one transaction (see
/// the module documentation). Refused, changing nothing, when the archive
/// does not hold together, the incident is already here or a row does not
/// fit or cannot be read back.
pub async fn restore(db: &Db, archive: Archive, actor: &Actor) -> Result<Restored, DbError> {
    crate::domain::archive::check(&archive)
        .map_err(|e| DbError::Refused(Refusal::ArchiveInvalid(e)))?;
    let now = Utc::now();
    let Tables {
        incidents,
        incident_services,
        timeline_events,
        transcripts,
        mut transcript_lines,
        transcript_problems,
        event_lines,
        countermeasures,
        countermeasure_incidents,
        postmortems,
        postmortem_versions,
        reviews,
        meeting_notes,
        audit_log,
    } = archive.tables;
    let Some(mut incident) = incidents.into_iter().next() else {
        return Err(DbError::Refused(Refusal::ArchiveEmpty));
    };
    let id = incident.id.0.clone();
    let mut restore = db.begin_restore().await?;
    if restore.has_id("incidents", &id).await? {
        return Err(DbError::Refused(Refusal::AlreadyRestored));
    }
    let old_number = incident.number.0;
    let number = if !restore.number_taken("incidents", old_number).await? {
        old_number
    } else {
        restore.next_number("incidents").await?
    };
    incident.number = Key(number);
    restore.insert("incidents", incident.cells()).await?;
    for row in &incident_services {
        restore.insert("incident_services", row.cells()).await?;
    }
    for row in &timeline_events {
        restore.insert("timeline_events", row.cells()).await?;
    }
    // Integer keys: kept when free, else new, with every reference
    // following.
    let mut transcript_keys: HashMap<i64, i64> = HashMap::new();
    for mut row in transcripts {
        let old = row.id.map(|k| k.0);
        row.id = restore.free_key("transcripts", row.id).await?;
        let new = restore.insert_keyed("transcripts", row.cells()).await?;
        if let Some(old) = old {
            transcript_keys.insert(old, new);
        }
    }
    let mut line_keys: HashMap<i64, i64> = HashMap::new();
    let mut pending_duplicates: Vec<(i64, i64)> = Vec::new();
    for row in &mut transcript_lines {
        let old = row.id.map(|k| k.0);
        row.id = restore.free_key("transcript_lines", row.id).await?;
        row.transcript_id = remap(&transcript_keys, row.transcript_id);
        row.incident_no = Count(number);
        // Duplicates point at earlier lines; set once all are in.
        let duplicate_of = row.duplicate_of.take();
        let new = restore
            .insert_keyed("transcript_lines", row.cells())
            .await?;
        if let Some(old) = old {
            line_keys.insert(old, new);
            if let Some(of) = duplicate_of {
                pending_duplicates.push((new, of.0));
            }
        }
    }
    drop(transcript_lines);
    for (line, of) in pending_duplicates {
        let of = line_keys.get(&of).copied().unwrap_or(of);
        restore.set_duplicate(line, of).await?;
    }
    for key in transcript_keys.values() {
        restore.index_lines(*key).await?;
    }
    for mut row in transcript_problems {
        row.transcript_id = remap(&transcript_keys, row.transcript_id);
        restore.insert("transcript_problems", row.cells()).await?;
    }
    for mut row in event_lines {
        row.line_id = remap(&line_keys, row.line_id);
        restore.insert("event_lines", row.cells()).await?;
    }
    // A lesson this database already tracks is linked, not copied; its
    // history stays as this database has it.
    let mut linked_only: Vec<String> = Vec::new();
    let mut measure_numbers: Vec<i64> = Vec::new();
    for mut row in countermeasures {
        if let Some(n) = restore.countermeasure_number(row.id.as_str()).await? {
            measure_numbers.push(n);
            linked_only.push(row.id.0);
            continue;
        }
        if restore
            .number_taken("countermeasures", row.number.0)
            .await?
        {
            row.number = Key(restore.next_number("countermeasures").await?);
        }
        row.source_line_id = row.source_line_id.map(|l| remap(&line_keys, l));
        // Merged into one this database does not hold: not merged here.
        if let Some(into) = &row.merged_into
            && !restore.has_id("countermeasures", into.as_str()).await?
        {
            row.merged_into = None;
        }
        restore.insert("countermeasures", row.cells()).await?;
        measure_numbers.push(row.number.0);
    }
    for row in &countermeasure_incidents {
        restore
            .insert("countermeasure_incidents", row.cells())
            .await?;
    }
    for row in &postmortems {
        restore.insert("postmortems", row.cells()).await?;
    }
    for row in &postmortem_versions {
        restore.insert("postmortem_versions", row.cells()).await?;
    }
    for row in &reviews {
        restore.insert("reviews", row.cells()).await?;
    }
    for mut row in meeting_notes {
        row.id = restore.free_key("meeting_notes", row.id).await?;
        restore.insert_keyed("meeting_notes", row.cells()).await?;
    }
    // History keeps its words, credited to no account of this deployment
    // and marked as restored.
    for mut row in audit_log {
        if row.object_kind.as_str() == "countermeasure" && linked_only.contains(&row.object_id.0) {
            continue;
        }
        row.id = restore.free_key("audit_log", row.id).await?;
        row.actor_name = Name::new(restored_name(row.actor_name.as_str()));
        restore.insert_keyed("audit_log", row.cells()).await?;
    }
    restore.catch_up_sequences().await?;
    read_back(&mut restore, &id, IncidentNumber(number), &measure_numbers).await?;
    // The restore itself is in the audit log, not in the incident's
    // history (which stays as it was exported).
    let written = restore.written();
    restore
        .record_restored(
            actor,
            &id,
            &format!("#{number} {}", incident.title.as_str()),
            &[FieldChange {
                field: "rows".into(),
                before: String::new(),
                after: written.to_string(),
            }],
            now,
        )
        .await?;
    restore.commit().await?;
    Ok(Restored {
        number,
        renumbered_from: (number != old_number).then_some(old_number),
        rows: written,
    })
}

/// A key the archive gave, as this database now has it (kept, unless it
/// was taken and given anew).
fn remap(keys: &HashMap<i64, i64>, key: Key) -> Key {
    Key(keys.get(&key.0).copied().unwrap_or(key.0))
}

/// Reads the restored incident back as the pages read it, inside the
/// restore's transaction: a row Debrief cannot read is refused here, before
/// anyone's page would fail on it.
async fn read_back(
    restore: &mut Restore,
    id: &str,
    number: IncidentNumber,
    countermeasures: &[i64],
) -> Result<(), DbError> {
    restore
        .read_back(id, number, countermeasures)
        .await
        .map_err(|e| match e {
            DbError::Sqlx(sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_))
            | DbError::NotFound(_) => DbError::Refused(Refusal::RestoreUnreadable {
                reason: e.to_string(),
            }),
            other => other,
        })
}
