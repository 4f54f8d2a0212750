//! Transcripts: the statements of an import ([`ImportWriter`]; the
//! workflow that reads the files is `flows::transcript_import`), the
//! chronological review across all of them, and promoting lines into
//! timeline events.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use transcript::formats::Format;
use transcript::{Line, LineKind, Problem};

use super::audit::{Change, record};
use super::incidents::{create_incident_in, incident_in};
use super::sqlite_bulk::Inserter;
use super::statement::Sql;
use super::timeline::{NewEvent, add_event_in};
use super::{Db, DbError, DbRow, On, Tx, from_epoch, sql, to_epoch};
use crate::domain::audit::{Actor, FieldChange};
use crate::domain::incident::{IncidentContent, IncidentNumber};
use crate::domain::refusal::Refusal;

/// The incident an import goes into.
#[derive(Debug, Clone)]
pub enum ImportInto {
    Incident(IncidentNumber),
    /// A new incident, created in the import's transaction: a failed import
    /// leaves no empty incident behind.
    NewIncident(Box<IncidentContent>),
}

/// What an import stored, per transcript (channel).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedTranscript {
    /// The transcript's public identity (a UUID).
    pub id: String,
    pub channel: String,
    pub lines: u64,
    pub duplicates: u64,
    pub problems: u64,
}

/// A transcript of an incident, as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TranscriptRecord {
    /// Its key in the database.
    pub key: i64,
    /// Its public identity (a UUID).
    pub id: String,
    pub no: i64,
    pub channel: String,
    pub format: String,
    pub file_name: String,
    pub zone: String,
    pub line_count: i64,
    pub duplicate_count: i64,
    pub problem_count: i64,
    pub imported_by: String,
    pub imported_at: DateTime<Utc>,
}

/// One line of the review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewLine {
    pub id: i64,
    pub transcript_no: i64,
    pub channel: String,
    pub line_no: i64,
    pub at: DateTime<Utc>,
    pub kind: LineKind,
    pub author: String,
    pub text: String,
    pub thread: Option<String>,
    /// When the line is in a thread: the line it starts from (the root its
    /// source names, else its earliest shown line).
    pub thread_start: Option<ThreadStart>,
    /// When the line starts a thread: how many replies it has.
    pub thread_replies: i64,
    pub flag: Option<String>,
    /// Other places the same message was read: (channel, line).
    pub also_in: Vec<(String, i64)>,
    pub suggestion: Option<String>,
    pub suggestion_state: Option<String>,
    /// Live timeline events made from this line.
    pub events: Vec<String>,
}

/// The line a thread starts with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadStart {
    pub id: i64,
    pub author: String,
    pub at: DateTime<Utc>,
}

/// What the review shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReviewFilter {
    /// One channel, or all.
    pub channel: Option<String>,
    pub author: Option<String>,
    pub kind: Option<LineKind>,
    /// Text contained (any case).
    pub text: Option<String>,
    /// Show joins, parts and quits.
    pub presence: bool,
    /// Only lines with a pending suggestion.
    pub suggested: bool,
    /// One thread (its key in the source): its first line and its replies.
    pub thread: Option<String>,
}

/// A line as an import stores it: read, fingerprinted, numbered and
/// checked against the lines before it on the reading thread, so that the
/// task holding the transaction only stores it.
pub struct NewLine {
    pub line: Line,
    pub id: i64,
    pub fingerprint: i64,
    /// The line it repeats (in the incident before, or earlier in this import).
    pub duplicate_of: Option<i64>,
    pub suggestion: Option<&'static str>,
}

/// The transcripts one import creates, by channel.
struct Open {
    key: i64,
    id: String,
    channel: String,
    file_name: String,
    format: Format,
    lines: u64,
    duplicates: u64,
    problems: u64,
    first: Option<i64>,
    last: Option<i64>,
}

/// One import's transaction, opened by [`Db::begin_import`]: it opens a
/// transcript per channel, stores lines and problems as the reader sends
/// them, and on [`ImportWriter::finish`] stores the counts, the audit rows
/// and commits. Dropped before that, it rolls everything back.
pub struct ImportWriter {
    tx: Tx,
    number: IncidentNumber,
    incident_id: String,
    next_no: i64,
    open: Vec<Open>,
    actor: Actor,
    now: DateTime<Utc>,
}

/// Where a transcript's lines came from.
pub struct Origin<'a> {
    pub file_name: &'a str,
    pub format: Format,
    pub zone: Tz,
}

impl Db {
    /// Starts an import into an incident (a new one is created in the same
    /// transaction, so a failed import leaves no empty incident behind).
    pub async fn begin_import(
        &self,
        into: ImportInto,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<ImportWriter, DbError> {
        let mut tx = self.write().await?;
        let number = match into {
            ImportInto::Incident(number) => number,
            ImportInto::NewIncident(content) => {
                create_incident_in(&mut tx, &content, actor, now).await?
            }
        };
        let (incident_id, _) = incident_in(&mut tx, number).await?;
        let next_no: i64 =
            sql("SELECT COALESCE(MAX(no), 0) + 1 FROM transcripts WHERE incident_id = $1")
                .bind(&incident_id)
                .scalar(&mut tx)
                .await?;
        Ok(ImportWriter {
            tx,
            number,
            incident_id,
            next_no,
            open: Vec::new(),
            actor: actor.clone(),
            now,
        })
    }
}

impl ImportWriter {
    pub fn number(&self) -> IncidentNumber {
        self.number
    }

    /// The lines the incident shows already, as (fingerprint, id), and the
    /// id the next stored line takes.
    pub async fn known_lines(&mut self) -> Result<(Vec<(i64, i64)>, i64), DbError> {
        let known: Vec<(i64, i64)> = sql(
            "SELECT fingerprint, id FROM transcript_lines WHERE incident_no = $1 AND duplicate_of IS NULL",
        )
        .bind(self.number.0)
        .records(&mut self.tx)
        .await?;
        let next_id: i64 = sql("SELECT COALESCE(MAX(id), 0) + 1 FROM transcript_lines")
            .scalar(&mut self.tx)
            .await?;
        Ok((known, next_id))
    }

    /// Where the transcripts of the next source start (see
    /// [`ImportWriter::transcript_for`]).
    pub fn next_source(&self) -> usize {
        self.open.len()
    }

    /// The transcript of `channel` among those opened since `first_of_source`,
    /// opened now if there is none yet.
    pub async fn transcript_for(
        &mut self,
        first_of_source: usize,
        channel: &str,
        origin: &Origin<'_>,
    ) -> Result<usize, DbError> {
        // A channel named in the form, by a file or by a Slack export: what is
        // stored is what shows (no bidirectional overrides, no zero widths).
        let channel = crate::domain::names::visible_name(channel);
        let channel = channel.as_str();
        if let Some(i) = self.open[first_of_source..]
            .iter()
            .position(|o| o.channel == channel)
        {
            return Ok(first_of_source + i);
        }
        let file_name = crate::domain::names::visible_name(origin.file_name);
        let id = uuid::Uuid::new_v4().to_string();
        let no = self.next_no;
        self.next_no += 1;
        let key: i64 = sql(
            "INSERT INTO transcripts (uuid, incident_id, no, channel, format, file_name, zone, line_count, \
             duplicate_count, problem_count, imported_by, imported_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 0, 0, 0, $8, $9) \
             RETURNING id",
        )
        .bind(&id)
        .bind(&self.incident_id)
        .bind(no)
        .bind(channel)
        .bind(origin.format.code())
        .bind(&file_name)
        .bind(origin.zone.name())
        .bind(&self.actor.name)
        .bind(to_epoch(self.now))
        .scalar(&mut self.tx)
        .await?;
        self.open.push(Open {
            key,
            id,
            channel: channel.to_string(),
            file_name,
            format: origin.format,
            lines: 0,
            duplicates: 0,
            problems: 0,
            first: None,
            last: None,
        });
        Ok(self.open.len() - 1)
    }

    /// Stores a batch of lines, each with its transcript (from
    /// [`ImportWriter::transcript_for`]), and counts them there.
    pub async fn store_lines(&mut self, lines: &[(usize, &NewLine)]) -> Result<(), DbError> {
        if lines.is_empty() {
            return Ok(());
        }
        for (t, stored) in lines {
            let at = stored.line.at.timestamp();
            let o = &mut self.open[*t];
            o.lines += 1;
            if stored.duplicate_of.is_some() {
                o.duplicates += 1;
            }
            o.first = Some(o.first.map_or(at, |f| f.min(at)));
            o.last = Some(o.last.map_or(at, |l| l.max(at)));
        }
        match &mut self.tx {
            On::Sqlite(tx) => insert_lines_sqlite(tx, self.number, &self.open, lines).await,
            On::Postgres(tx) => insert_lines_postgres(tx, self.number, &self.open, lines).await,
        }
    }

    /// Lines stored in the transcripts opened since `first_of_source`.
    pub fn lines_since(&self, first_of_source: usize) -> u64 {
        self.open[first_of_source..].iter().map(|o| o.lines).sum()
    }

    /// Stores the lines that could not be read, each with its transcript.
    pub async fn store_problems(&mut self, problems: &[(usize, Problem)]) -> Result<(), DbError> {
        for (t, _) in problems {
            self.open[*t].problems += 1;
        }
        for chunk in problems.chunks(300) {
            let mut q = sql("INSERT INTO transcript_problems (transcript_id, line_no, reason) ");
            q.push("VALUES ");
            for (i, (t, p)) in chunk.iter().enumerate() {
                if i > 0 {
                    q.push(", ");
                }
                q.push("(")
                    .push_bind(self.open[*t].key)
                    .push(", ")
                    .push_bind(p.line as i64)
                    .push(", ")
                    .push_bind(&p.reason)
                    .push(")");
            }
            q.execute(&mut self.tx).await?;
        }
        Ok(())
    }

    /// Stores each transcript's counts and an audit row, makes small
    /// imports searchable at once (large ones are indexed by the server
    /// right after the commit, see `index_pending_transcripts`), and commits.
    pub async fn finish(mut self) -> Result<Vec<ImportedTranscript>, DbError> {
        let tx = &mut self.tx;
        let mut imported = Vec::new();
        let index_now =
            self.open.iter().map(|o| o.lines).sum::<u64>() <= super::search::INDEX_IN_IMPORT_LINES;
        for o in &self.open {
            if index_now {
                super::search::index_transcript_lines(tx, o.key).await?;
            } else {
                sql("UPDATE transcripts SET search_indexed = FALSE WHERE id = $1")
                    .bind(o.key)
                    .execute(&mut *tx)
                    .await?;
            }
            sql(
                "UPDATE transcripts SET line_count = $1, duplicate_count = $2, problem_count = $3, first_at = $4, last_at = $5 WHERE id = $6",
            )
            .bind(o.lines as i64)
            .bind(o.duplicates as i64)
            .bind(o.problems as i64)
            .bind(o.first)
            .bind(o.last)
            .bind(o.key)
            .execute(&mut *tx)
            .await?;
            let label = format!("#{} ({})", o.channel.trim_start_matches('#'), o.file_name);
            let changes = [
                FieldChange {
                    field: "format".into(),
                    before: String::new(),
                    after: o.format.label().into(),
                },
                FieldChange {
                    field: "lines".into(),
                    before: String::new(),
                    after: format!(
                        "{} lines ({} already seen), {} not read",
                        o.lines, o.duplicates, o.problems
                    ),
                },
            ];
            record(
                tx,
                &self.actor,
                Change {
                    action: "transcript_imported",
                    object_kind: "transcript",
                    object_id: &o.id,
                    object_label: &label,
                    changes: &changes,
                    incident_id: Some(&self.incident_id),
                },
                self.now,
            )
            .await?;
            imported.push(ImportedTranscript {
                id: o.id.clone(),
                channel: o.channel.clone(),
                lines: o.lines,
                duplicates: o.duplicates,
                problems: o.problems,
            });
        }
        self.tx.commit().await?;
        Ok(imported)
    }
}

impl Db {
    /// The transcripts of incident `number`, in import order.
    pub async fn transcripts(
        &self,
        number: IncidentNumber,
    ) -> Result<Vec<TranscriptRecord>, DbError> {
        let rows = sql(
            "SELECT t.* FROM transcripts t JOIN incidents i ON t.incident_id = i.id \
             WHERE i.number = $1 ORDER BY t.no",
        )
        .bind(number.0)
        .fetch_all(self)
        .await?;
        rows.iter().map(transcript_record).collect()
    }

    /// Lines of a transcript that could not be read, in line order (at most `limit`).
    pub async fn transcript_problems(
        &self,
        transcript_key: i64,
        limit: i64,
    ) -> Result<Vec<(i64, String)>, DbError> {
        Ok(sql(
            "SELECT line_no, reason FROM transcript_problems WHERE transcript_id = $1 ORDER BY line_no LIMIT $2",
        )
        .bind(transcript_key)
        .bind(limit)
        .records(self)
        .await?)
    }

    /// One page of the review of incident `number`: lines shown in order
    /// (instant, transcript, line), filtered; and how many match in all.
    pub async fn review(
        &self,
        number: IncidentNumber,
        filter: &ReviewFilter,
        offset: i64,
        limit: i64,
    ) -> Result<(Vec<ReviewLine>, i64), DbError> {
        let select = REVIEW_SELECT;
        let exists: bool = sql("SELECT EXISTS (SELECT 1 FROM incidents WHERE number = $1)")
            .bind(number.0)
            .scalar(self)
            .await?;
        if !exists {
            return Err(DbError::NotFound(
                crate::domain::missing::Missing::Incident(number),
            ));
        }
        let mut count = sql(
            "SELECT COUNT(*) FROM transcript_lines l JOIN transcripts t ON l.transcript_id = t.id",
        );
        review_where(&mut count, number, filter);
        let total: i64 = count.scalar(self).await?;
        let mut q = sql(select);
        review_where(&mut q, number, filter);
        q.push(" ORDER BY l.at, l.transcript_id, l.line_no LIMIT ")
            .push_bind(limit)
            .push(" OFFSET ")
            .push_bind(offset);
        let rows = q.fetch_all(self).await?;
        let lines = rows
            .iter()
            .map(review_line)
            .collect::<Result<Vec<_>, _>>()?;
        Ok((lines, total))
    }

    /// Channels and authors of an incident's review, for its filters.
    pub async fn review_facets(
        &self,
        number: IncidentNumber,
    ) -> Result<(Vec<String>, Vec<String>), DbError> {
        let channels: Vec<String> = sql(
            "SELECT DISTINCT t.channel FROM transcripts t JOIN incidents i ON t.incident_id = i.id \
             WHERE i.number = $1 ORDER BY t.channel",
        )
        .bind(number.0)
        .scalars(self)
        .await?;
        let authors: Vec<String> = sql(
            "SELECT DISTINCT author FROM transcript_lines \
             WHERE incident_no = $1 AND author != '' AND duplicate_of IS NULL ORDER BY author LIMIT 500",
        )
        .bind(number.0)
        .scalars(self)
        .await?;
        Ok((channels, authors))
    }

    /// Lines of incident `number` by id, in review order (for promoting a selection).
    pub async fn review_lines(
        &self,
        number: IncidentNumber,
        ids: &[i64],
    ) -> Result<Vec<ReviewLine>, DbError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let select = REVIEW_SELECT;
        let mut q = sql(select);
        q.push(" WHERE l.incident_no = ")
            .push_bind(number.0)
            .push(" AND l.id IN (");
        for (i, id) in ids.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.push_bind(*id);
        }
        q.push(") ORDER BY l.at, l.transcript_id, l.line_no");
        let rows = q.fetch_all(self).await?;
        rows.iter().map(review_line).collect()
    }

    /// Makes a timeline event from transcript lines (and marks its key moment,
    /// when asked), linking the lines to it; accepting a suggestion records
    /// that too. One transaction.
    pub async fn promote_lines(
        &self,
        number: IncidentNumber,
        line_ids: &[i64],
        new: &NewEvent,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<String, DbError> {
        let mut tx = self.write().await?;
        incident_in(&mut tx, number).await?;
        for id in line_ids {
            let found: bool = sql(
                "SELECT EXISTS (SELECT 1 FROM transcript_lines WHERE id = $1 AND incident_no = $2)",
            )
            .bind(id)
            .bind(number.0)
            .scalar(&mut tx)
            .await?;
            if !found {
                return Err(DbError::Refused(Refusal::LineNotInIncident));
            }
        }
        let event_id = add_event_in(&mut tx, number, new, actor, now).await?;
        for id in line_ids {
            sql(
                "INSERT INTO event_lines (event_id, line_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            )
            .bind(&event_id)
            .bind(id)
            .execute(&mut tx)
            .await?;
            sql("UPDATE transcript_lines SET suggestion_state = 'accepted' \
                 WHERE id = $1 AND suggestion IS NOT NULL AND suggestion_state IS NULL")
            .bind(id)
            .execute(&mut tx)
            .await?;
        }
        tx.commit().await?;
        Ok(event_id)
    }

    /// Dismisses the suggestion on a line (it stays in the review).
    pub async fn dismiss_suggestion(
        &self,
        number: IncidentNumber,
        line_id: i64,
    ) -> Result<(), DbError> {
        let mut tx = self.write().await?;
        incident_in(&mut tx, number).await?;
        let done = sql(
            "UPDATE transcript_lines SET suggestion_state = 'dismissed' \
             WHERE id = $1 AND incident_no = $2 AND suggestion IS NOT NULL",
        )
        .bind(line_id)
        .bind(number.0)
        .execute(&mut tx)
        .await?;
        if done == 0 {
            return Err(DbError::NotFound(
                crate::domain::missing::Missing::Suggestion,
            ));
        }
        tx.commit().await?;
        Ok(())
    }
}

/// SQLite: through one prepared statement on the transaction's connection
/// (see [`super::sqlite_bulk`] for why not sqlx).
async fn insert_lines_sqlite(
    tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
    number: IncidentNumber,
    open: &[Open],
    lines: &[(usize, &NewLine)],
) -> Result<(), DbError> {
    // What the rows borrow must outlive the inserter.
    let flags: Vec<Option<String>> = lines
        .iter()
        .map(|(_, stored)| stored.line.time_note())
        .collect();
    let mut handle = tx.lock_handle().await?;
    let mut insert = Inserter::prepare(
        &mut handle,
        "INSERT INTO transcript_lines (id, incident_no, transcript_id, line_no, at, kind, \
         author, text, thread, thread_root, flag, fingerprint, duplicate_of, suggestion)",
        14,
    )?;
    for ((t, stored), flag) in lines.iter().zip(&flags) {
        let line = &stored.line;
        insert.row([
            stored.id.into(),
            number.0.into(),
            open[*t].key.into(),
            (line.line as i64).into(),
            line.at.timestamp().into(),
            line.kind.code().into(),
            line.author.as_deref().unwrap_or("").into(),
            line.text.as_str().into(),
            line.thread.as_deref().into(),
            i64::from(line.thread_root).into(),
            flag.as_deref().into(),
            stored.fingerprint.into(),
            stored.duplicate_of.into(),
            stored.suggestion.into(),
        ])?;
    }
    insert.finish()
}

/// PostgreSQL: one statement per batch (a few thousand rows), each
/// column bound as one array and turned back into rows by `UNNEST`.
async fn insert_lines_postgres(
    tx: &mut sqlx::Transaction<'static, sqlx::Postgres>,
    number: IncidentNumber,
    open: &[Open],
    lines: &[(usize, &NewLine)],
) -> Result<(), DbError> {
    let n = lines.len();
    let mut ids = Vec::with_capacity(n);
    let mut transcript_ids = Vec::with_capacity(n);
    let mut line_nos = Vec::with_capacity(n);
    let mut ats = Vec::with_capacity(n);
    let mut kinds = Vec::with_capacity(n);
    let mut authors = Vec::with_capacity(n);
    let mut texts = Vec::with_capacity(n);
    let mut threads = Vec::with_capacity(n);
    let mut roots = Vec::with_capacity(n);
    let mut flags = Vec::with_capacity(n);
    let mut fingerprints = Vec::with_capacity(n);
    let mut duplicates = Vec::with_capacity(n);
    let mut suggestions = Vec::with_capacity(n);
    for (t, stored) in lines {
        let line = &stored.line;
        ids.push(stored.id);
        transcript_ids.push(open[*t].key);
        line_nos.push(line.line as i64);
        ats.push(line.at.timestamp());
        kinds.push(line.kind.code());
        authors.push(line.author.as_deref().unwrap_or(""));
        texts.push(line.text.as_str());
        threads.push(line.thread.as_deref());
        roots.push(line.thread_root);
        flags.push(line.time_note());
        fingerprints.push(stored.fingerprint);
        duplicates.push(stored.duplicate_of);
        suggestions.push(stored.suggestion);
    }
    let incident_nos = vec![number.0; ids.len()];
    sqlx::query(
        "INSERT INTO transcript_lines (id, incident_no, transcript_id, line_no, at, kind, \
         author, text, thread, thread_root, flag, fingerprint, duplicate_of, suggestion) \
         SELECT * FROM UNNEST($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], \
         $6::text[], $7::text[], $8::text[], $9::text[], $10::boolean[], $11::text[], $12::bigint[], \
         $13::bigint[], $14::text[])",
    )
    .bind(ids)
    .bind(incident_nos)
    .bind(transcript_ids)
    .bind(line_nos)
    .bind(ats)
    .bind(kinds)
    .bind(authors)
    .bind(texts)
    .bind(threads)
    .bind(roots)
    .bind(flags)
    .bind(fingerprints)
    .bind(duplicates)
    .bind(suggestions)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn transcript_record(row: &impl DbRow) -> Result<TranscriptRecord, DbError> {
    Ok(TranscriptRecord {
        key: row.col("id")?,
        id: row.col("uuid")?,
        no: row.col("no")?,
        channel: row.col("channel")?,
        format: row.col("format")?,
        file_name: row.col("file_name")?,
        zone: row.col("zone")?,
        line_count: row.col("line_count")?,
        duplicate_count: row.col("duplicate_count")?,
        problem_count: row.col("problem_count")?,
        imported_by: row.col("imported_by")?,
        imported_at: from_epoch(row.col("imported_at")?),
    })
}

/// The review's WHERE clause for incident `number` and `filter`.
fn review_where(q: &mut Sql<'_>, number: IncidentNumber, filter: &ReviewFilter) {
    q.push(" WHERE l.incident_no = ")
        .push_bind(number.0)
        .push(" AND l.duplicate_of IS NULL");
    if let Some(channel) = &filter.channel {
        q.push(" AND t.channel = ").push_bind(channel.clone());
    }
    if let Some(author) = &filter.author {
        q.push(" AND l.author = ").push_bind(author.clone());
    }
    if let Some(kind) = filter.kind {
        q.push(" AND l.kind = ").push_bind(kind.code().to_string());
    } else if !filter.presence {
        q.push(" AND l.kind NOT IN ('join', 'part', 'quit')");
    }
    if let Some(text) = &filter.text {
        // Any case: SQLite's LIKE ignores ASCII case, PostgreSQL's does not.
        q.push(" AND lower(l.text) LIKE lower(")
            .push_bind(format!("%{}%", like_escape(text)))
            .push(") ESCAPE '\\'");
    }
    if filter.suggested {
        q.push(" AND l.suggestion IS NOT NULL AND l.suggestion_state IS NULL");
    }
    if let Some(thread) = &filter.thread {
        q.push(" AND l.thread = ").push_bind(thread.clone());
    }
}

/// A line of the review with its transcript's channel and number, the other
/// places the same message was read, the thread it is in (the line its
/// source marks as the root, or failing that its first shown line, packed
/// "id␟at␟author", and how many lines it has besides that one),
/// and the live events made from it. Add a WHERE clause. The separators
/// (unit ␟ and record ␞) are written into the literals; `string_agg … ORDER
/// BY` is in both PostgreSQL and SQLite (3.44+).
const REVIEW_SELECT: &str = "SELECT l.*, t.channel, t.no AS transcript_no, \
       (SELECT string_agg(t2.channel || '\u{1f}' || d.line_no, '\u{1e}' ORDER BY d.id) FROM transcript_lines d \
          JOIN transcripts t2 ON d.transcript_id = t2.id WHERE d.duplicate_of = l.id) AS also, \
       (SELECT string_agg(e.id, '\u{1e}' ORDER BY el.event_id) FROM event_lines el JOIN timeline_events e ON e.id = el.event_id \
          WHERE el.line_id = l.id AND e.deleted_at IS NULL) AS events, \
       CASE WHEN l.thread IS NULL THEN NULL ELSE \
         (SELECT p.id || '\u{1f}' || p.at || '\u{1f}' || p.author FROM transcript_lines p \
            JOIN transcripts pt ON p.transcript_id = pt.id \
            WHERE p.incident_no = l.incident_no AND p.thread = l.thread AND p.duplicate_of IS NULL \
              AND pt.channel = t.channel \
            ORDER BY p.thread_root DESC, p.at, p.transcript_id, p.line_no LIMIT 1) END AS thread_start, \
       CASE WHEN l.thread IS NULL THEN 0 ELSE \
         (SELECT COUNT(*) - 1 FROM transcript_lines p JOIN transcripts pt ON p.transcript_id = pt.id \
            WHERE p.incident_no = l.incident_no AND p.thread = l.thread AND p.duplicate_of IS NULL \
              AND pt.channel = t.channel) END AS thread_size \
     FROM transcript_lines l JOIN transcripts t ON l.transcript_id = t.id";

fn review_line(row: &impl DbRow) -> Result<ReviewLine, DbError> {
    let kind: String = row.col("kind")?;
    let also: Option<String> = row.col("also")?;
    let events: Option<String> = row.col("events")?;
    let id: i64 = row.col("id")?;
    let thread_start = row
        .col::<Option<String>>("thread_start")?
        .and_then(|packed| {
            let mut parts = packed.splitn(3, '\u{1f}');
            Some(ThreadStart {
                id: parts.next()?.parse().ok()?,
                at: from_epoch(parts.next()?.parse().ok()?),
                author: parts.next()?.to_string(),
            })
        });
    Ok(ReviewLine {
        id,
        transcript_no: row.col("transcript_no")?,
        channel: row.col("channel")?,
        line_no: row.col("line_no")?,
        at: from_epoch(row.col("at")?),
        kind: LineKind::parse(&kind).unwrap_or(LineKind::System),
        author: row.col("author")?,
        text: row.col("text")?,
        thread: row.col("thread")?,
        thread_replies: if thread_start.as_ref().is_some_and(|s| s.id == id) {
            row.col("thread_size")?
        } else {
            0
        },
        thread_start,
        flag: row.col("flag")?,
        also_in: also
            .map(|a| {
                a.split('\u{1e}')
                    .filter_map(|s| s.split_once('\u{1f}'))
                    .map(|(c, l)| (c.to_string(), l.parse().unwrap_or(0)))
                    .collect()
            })
            .unwrap_or_default(),
        suggestion: row.col("suggestion")?,
        suggestion_state: row.col("suggestion_state")?,
        events: events
            .map(|e| e.split('\u{1e}').map(str::to_string).collect())
            .unwrap_or_default(),
    })
}

/// Escapes `%`, `_` and `\` for a LIKE pattern with `ESCAPE '\'`.
fn like_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
