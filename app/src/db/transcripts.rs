//! Transcripts: importing chat logs into an incident (streamed, in one
//! transaction), the chronological review across all of them, and promoting
//! lines into timeline events.

use std::collections::HashMap;
use std::path::PathBuf;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite, Transaction};
use transcript::formats::Format;
use transcript::merge::fingerprint;
use transcript::{Line, LineKind, Problem};

use super::audit::{Change, record};
use super::incidents::incident_in;
use super::timeline::{NewEvent, add_event_in};
use super::{Db, DbError, from_epoch, to_epoch};
use crate::domain::audit::{Actor, FieldChange};
use crate::domain::incident::IncidentNumber;

/// Longest line stored, in bytes; a longer one is reported as a problem.
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// Rows per INSERT statement (14 values each, under SQLite's 32,766).
const INSERT_BATCH: usize = 2000;

/// Page cache for an import's connection, in KiB (SQLite's default is 2 MB):
/// a large import otherwise spills index pages to the WAL again and again.
const IMPORT_CACHE_KIB: i64 = 128 * 1024;

/// One file to import, and how to read it.
#[derive(Debug, Clone)]
pub struct ImportSource {
    pub path: PathBuf,
    /// The name the file had (for its date, and shown with the transcript).
    pub file_name: String,
    pub format: Format,
    pub zone: Tz,
    pub date: Option<NaiveDate>,
    /// The channel its lines belong to, unless a line names its own.
    pub channel: String,
}

/// What an import stored, per transcript (channel).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedTranscript {
    pub id: String,
    pub channel: String,
    pub lines: u64,
    pub duplicates: u64,
    pub problems: u64,
}

/// A transcript of an incident, as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TranscriptRecord {
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
    pub flag: Option<String>,
    /// Other places the same message was read: (channel, line).
    pub also_in: Vec<(String, i64)>,
    pub suggestion: Option<String>,
    pub suggestion_state: Option<String>,
    /// Live timeline events made from this line.
    pub events: Vec<String>,
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
}

/// Progress of a running import: bytes of the current file read, and its size.
pub type Progress = std::sync::Arc<dyn Fn(&str, u64) + Send + Sync>;

enum Read {
    /// A line, its fingerprint and its suggestion rule, worked out on the
    /// reading thread so the thread that stores lines only stores them.
    Line(Line, i64, Option<&'static str>),
    Problem(Problem),
    Progress(u64),
}

struct BatchSink {
    batch: Vec<Read>,
    to: tokio::sync::mpsc::Sender<Vec<Read>>,
}

impl BatchSink {
    fn send(&mut self) {
        if !self.batch.is_empty() {
            let batch = std::mem::take(&mut self.batch);
            // The receiver stops listening only when the import failed.
            let _ = self.to.blocking_send(batch);
        }
    }
    fn push(&mut self, item: Read) {
        self.batch.push(item);
        if self.batch.len() >= 2048 {
            self.send();
        }
    }
}

impl transcript::Sink for BatchSink {
    fn line(&mut self, line: Line) {
        let fp = fingerprint(
            line.at.timestamp(),
            line.kind,
            line.author.as_deref(),
            &line.text,
        ) as i64;
        let suggestion = transcript::suggest::suggest(&line).map(|r| r.id);
        self.push(Read::Line(line, fp, suggestion));
    }
    fn problem(&mut self, problem: Problem) {
        self.push(Read::Problem(problem));
    }
    fn progress(&mut self, bytes: u64) {
        self.push(Read::Progress(bytes));
    }
}

/// Reads `source` on a blocking thread, sending what it reads in batches.
fn spawn_reader(
    source: ImportSource,
) -> (
    tokio::sync::mpsc::Receiver<Vec<Read>>,
    tokio::task::JoinHandle<std::io::Result<()>>,
) {
    let (to, from) = tokio::sync::mpsc::channel(4);
    let handle = tokio::task::spawn_blocking(move || {
        let options = transcript::Options {
            format: source.format,
            zone: source.zone,
            date: source.date,
            file_name: Some(source.file_name.clone()),
        };
        let mut sink = BatchSink {
            batch: Vec::with_capacity(2048),
            to,
        };
        transcript::read_path(&source.path, &options, &mut sink)?;
        sink.send();
        Ok(())
    });
    (from, handle)
}

/// The transcripts one import creates, by channel.
struct Open {
    id: String,
    no: i64,
    channel: String,
    file_name: String,
    format: Format,
    lines: u64,
    duplicates: u64,
    problems: u64,
    first: Option<i64>,
    last: Option<i64>,
}

struct Row13 {
    id: i64,
    transcript: usize,
    line_no: i64,
    at: i64,
    kind: &'static str,
    author: String,
    text: String,
    thread: Option<String>,
    flag: Option<String>,
    fingerprint: i64,
    duplicate_of: Option<i64>,
    suggestion: Option<&'static str>,
}

impl Db {
    /// Imports `sources` into incident `number` in one transaction: either
    /// every line of every file is stored, or (on any failure) nothing is.
    /// Lines already in the incident's review (same instant, kind, author and
    /// text) are stored as duplicates of the line shown.
    pub async fn import_transcripts(
        &self,
        number: IncidentNumber,
        sources: Vec<ImportSource>,
        actor: &Actor,
        now: DateTime<Utc>,
        progress: Option<Progress>,
    ) -> Result<Vec<ImportedTranscript>, DbError> {
        let mut tx = self.write().await?;
        sqlx::query(&format!("PRAGMA cache_size = -{IMPORT_CACHE_KIB}"))
            .execute(&mut *tx)
            .await?;
        let (incident_id, _) = incident_in(&mut tx, number).await?;
        let mut seen: HashMap<i64, i64> = HashMap::new();
        let known: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT fingerprint, id FROM transcript_lines WHERE incident_id = ? AND duplicate_of IS NULL",
        )
        .bind(&incident_id)
        .fetch_all(&mut *tx)
        .await?;
        seen.extend(known);
        let (mut next_no, mut next_id): (i64, i64) = sqlx::query_as(
            "SELECT (SELECT COALESCE(MAX(no), 0) + 1 FROM transcripts WHERE incident_id = ?), \
                    (SELECT COALESCE(MAX(id), 0) + 1 FROM transcript_lines)",
        )
        .bind(&incident_id)
        .fetch_one(&mut *tx)
        .await?;
        let mut open: Vec<Open> = Vec::new();
        for source in sources {
            let first_of_source = open.len();
            let label = source.file_name.clone();
            let (mut from, handle) = spawn_reader(source.clone());
            let mut rows: Vec<Row13> = Vec::with_capacity(INSERT_BATCH);
            let mut problems: Vec<(usize, Problem)> = Vec::new();
            while let Some(batch) = from.recv().await {
                for item in batch {
                    match item {
                        Read::Line(line, fp, suggestion) => {
                            let channel = line.channel.as_deref().unwrap_or(&source.channel);
                            let t = transcript_for(
                                &mut tx,
                                &mut open,
                                first_of_source,
                                channel,
                                &source,
                                &incident_id,
                                &mut next_no,
                                actor,
                                now,
                            )
                            .await?;
                            if line.text.len() > MAX_LINE_BYTES {
                                open[t].problems += 1;
                                problems.push((
                                    t,
                                    Problem::new(
                                        line.line,
                                        format!(
                                            "the message is longer than {} KB; it was not stored",
                                            MAX_LINE_BYTES / 1024
                                        ),
                                    ),
                                ));
                                continue;
                            }
                            let at = line.at.timestamp();
                            let id = next_id;
                            next_id += 1;
                            let duplicate_of = match seen.get(&fp) {
                                Some(&first) => Some(first),
                                None => {
                                    seen.insert(fp, id);
                                    None
                                }
                            };
                            let o = &mut open[t];
                            o.lines += 1;
                            if duplicate_of.is_some() {
                                o.duplicates += 1;
                            }
                            o.first = Some(o.first.map_or(at, |f| f.min(at)));
                            o.last = Some(o.last.map_or(at, |l| l.max(at)));
                            let suggestion = suggestion.filter(|_| duplicate_of.is_none());
                            rows.push(Row13 {
                                id,
                                transcript: t,
                                line_no: line.line as i64,
                                at,
                                kind: line.kind.code(),
                                author: line.author.unwrap_or_default(),
                                text: line.text,
                                thread: line.thread,
                                flag: line.flag.map(|f| f.describe()),
                                fingerprint: fp,
                                duplicate_of,
                                suggestion,
                            });
                            if rows.len() >= INSERT_BATCH {
                                insert_rows(&mut tx, &incident_id, &open, &mut rows).await?;
                            }
                        }
                        Read::Problem(problem) => {
                            let t = transcript_for(
                                &mut tx,
                                &mut open,
                                first_of_source,
                                &source.channel,
                                &source,
                                &incident_id,
                                &mut next_no,
                                actor,
                                now,
                            )
                            .await?;
                            open[t].problems += 1;
                            problems.push((t, problem));
                        }
                        Read::Progress(bytes) => {
                            if let Some(p) = &progress {
                                p(&label, bytes);
                            }
                        }
                    }
                }
            }
            insert_rows(&mut tx, &incident_id, &open, &mut rows).await?;
            match handle.await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => {
                    return Err(DbError::Refused {
                        field: "file",
                        message: format!("{label} could not be read ({e}); nothing was imported."),
                    });
                }
                Err(e) => {
                    return Err(DbError::Refused {
                        field: "file",
                        message: format!("reading {label} failed ({e}); nothing was imported."),
                    });
                }
            }
            let stored: u64 = open[first_of_source..].iter().map(|o| o.lines).sum();
            if stored == 0 {
                let why = problems
                    .first()
                    .map(|(_, p)| format!(" The first problem: {p}."))
                    .unwrap_or_default();
                return Err(DbError::Refused {
                    field: "file",
                    message: format!(
                        "No line of {label} could be read as {}; nothing was imported.{why} Check the format, or choose another.",
                        source.format.label()
                    ),
                });
            }
            for chunk in problems.chunks(300) {
                let mut q = QueryBuilder::<Sqlite>::new(
                    "INSERT INTO transcript_problems (transcript_id, line_no, reason) ",
                );
                q.push_values(chunk, |mut b, (t, p)| {
                    b.push_bind(&open[*t].id)
                        .push_bind(p.line as i64)
                        .push_bind(&p.reason);
                });
                q.build().execute(&mut *tx).await?;
            }
        }
        let mut imported = Vec::new();
        for o in &open {
            sqlx::query(
                "UPDATE transcripts SET line_count = ?, duplicate_count = ?, problem_count = ?, first_at = ?, last_at = ? WHERE id = ?",
            )
            .bind(o.lines as i64)
            .bind(o.duplicates as i64)
            .bind(o.problems as i64)
            .bind(o.first)
            .bind(o.last)
            .bind(&o.id)
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
                &mut tx,
                actor,
                Change {
                    action: "transcript_imported",
                    object_kind: "transcript",
                    object_id: &o.id,
                    object_label: &label,
                    changes: &changes,
                    incident_id: Some(&incident_id),
                },
                now,
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
        tx.commit().await?;
        Ok(imported)
    }

    /// The transcripts of incident `number`, in import order.
    pub async fn transcripts(
        &self,
        number: IncidentNumber,
    ) -> Result<Vec<TranscriptRecord>, DbError> {
        let rows = sqlx::query(
            "SELECT t.* FROM transcripts t JOIN incidents i ON t.incident_id = i.id \
             WHERE i.number = ? ORDER BY t.no",
        )
        .bind(number.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(TranscriptRecord {
                    id: row.try_get("id")?,
                    no: row.try_get("no")?,
                    channel: row.try_get("channel")?,
                    format: row.try_get("format")?,
                    file_name: row.try_get("file_name")?,
                    zone: row.try_get("zone")?,
                    line_count: row.try_get("line_count")?,
                    duplicate_count: row.try_get("duplicate_count")?,
                    problem_count: row.try_get("problem_count")?,
                    imported_by: row.try_get("imported_by")?,
                    imported_at: from_epoch(row.try_get("imported_at")?),
                })
            })
            .collect()
    }

    /// Lines of a transcript that could not be read, in line order (at most `limit`).
    pub async fn transcript_problems(
        &self,
        transcript_id: &str,
        limit: i64,
    ) -> Result<Vec<(i64, String)>, DbError> {
        Ok(sqlx::query_as(
            "SELECT line_no, reason FROM transcript_problems WHERE transcript_id = ? ORDER BY line_no LIMIT ?",
        )
        .bind(transcript_id)
        .bind(limit)
        .fetch_all(&self.pool)
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
        let incident_id: Option<String> =
            sqlx::query_scalar("SELECT id FROM incidents WHERE number = ?")
                .bind(number.0)
                .fetch_optional(&self.pool)
                .await?;
        let incident_id = incident_id.ok_or(DbError::NotFound)?;
        let where_clause = |q: &mut QueryBuilder<'_, Sqlite>| {
            q.push(" WHERE l.incident_id = ")
                .push_bind(incident_id.clone())
                .push(" AND l.duplicate_of IS NULL");
            if let Some(channel) = &filter.channel {
                q.push(" AND t.channel = ").push_bind(channel.clone());
            }
            if let Some(author) = &filter.author {
                q.push(" AND l.author = ").push_bind(author.clone());
            }
            if let Some(kind) = filter.kind {
                q.push(" AND l.kind = ").push_bind(kind.code());
            } else if !filter.presence {
                q.push(" AND l.kind NOT IN ('join', 'part', 'quit')");
            }
            if let Some(text) = &filter.text {
                q.push(" AND l.text LIKE ")
                    .push_bind(format!("%{}%", like_escape(text)))
                    .push(" ESCAPE '\\'");
            }
            if filter.suggested {
                q.push(" AND l.suggestion IS NOT NULL AND l.suggestion_state IS NULL");
            }
        };
        let mut count = QueryBuilder::<Sqlite>::new(
            "SELECT COUNT(*) FROM transcript_lines l JOIN transcripts t ON l.transcript_id = t.id",
        );
        where_clause(&mut count);
        let total: i64 = count.build_query_scalar().fetch_one(&self.pool).await?;
        let mut q = QueryBuilder::<Sqlite>::new(
            "SELECT l.*, t.channel, \
               (SELECT group_concat(t2.channel || char(31) || d.line_no, char(30)) FROM transcript_lines d \
                  JOIN transcripts t2 ON d.transcript_id = t2.id WHERE d.duplicate_of = l.id) AS also, \
               (SELECT group_concat(e.id, char(30)) FROM event_lines el JOIN timeline_events e ON e.id = el.event_id \
                  WHERE el.line_id = l.id AND e.deleted_at IS NULL) AS events \
             FROM transcript_lines l JOIN transcripts t ON l.transcript_id = t.id",
        );
        where_clause(&mut q);
        q.push(" ORDER BY l.at, l.transcript_no, l.line_no LIMIT ")
            .push_bind(limit)
            .push(" OFFSET ")
            .push_bind(offset);
        let rows = q.build().fetch_all(&self.pool).await?;
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
        let channels: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT t.channel FROM transcripts t JOIN incidents i ON t.incident_id = i.id \
             WHERE i.number = ? ORDER BY t.channel",
        )
        .bind(number.0)
        .fetch_all(&self.pool)
        .await?;
        let authors: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT l.author FROM transcript_lines l JOIN incidents i ON l.incident_id = i.id \
             WHERE i.number = ? AND l.author != '' AND l.duplicate_of IS NULL ORDER BY l.author LIMIT 500",
        )
        .bind(number.0)
        .fetch_all(&self.pool)
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
        let mut q = QueryBuilder::<Sqlite>::new(
            "SELECT l.*, t.channel, NULL AS also, \
               (SELECT group_concat(e.id, char(30)) FROM event_lines el JOIN timeline_events e ON e.id = el.event_id \
                  WHERE el.line_id = l.id AND e.deleted_at IS NULL) AS events \
             FROM transcript_lines l JOIN transcripts t ON l.transcript_id = t.id \
             JOIN incidents i ON l.incident_id = i.id WHERE i.number = ",
        );
        q.push_bind(number.0).push(" AND l.id IN (");
        let mut sep = q.separated(", ");
        for id in ids {
            sep.push_bind(*id);
        }
        q.push(") ORDER BY l.at, l.transcript_no, l.line_no");
        let rows = q.build().fetch_all(&self.pool).await?;
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
        let (incident_id, _) = incident_in(&mut tx, number).await?;
        for id in line_ids {
            let found: Option<i64> = sqlx::query_scalar(
                "SELECT 1 FROM transcript_lines WHERE id = ? AND incident_id = ?",
            )
            .bind(id)
            .bind(&incident_id)
            .fetch_optional(&mut *tx)
            .await?;
            if found.is_none() {
                return Err(DbError::Refused {
                    field: "lines",
                    message: "One of the chosen lines is not in this incident's transcripts; nothing was added.".into(),
                });
            }
        }
        let event_id = add_event_in(&mut tx, number, new, actor, now).await?;
        for id in line_ids {
            sqlx::query("INSERT OR IGNORE INTO event_lines (event_id, line_id) VALUES (?, ?)")
                .bind(&event_id)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "UPDATE transcript_lines SET suggestion_state = 'accepted' \
                 WHERE id = ? AND suggestion IS NOT NULL AND suggestion_state IS NULL",
            )
            .bind(id)
            .execute(&mut *tx)
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
        let (incident_id, _) = incident_in(&mut tx, number).await?;
        let done = sqlx::query(
            "UPDATE transcript_lines SET suggestion_state = 'dismissed' \
             WHERE id = ? AND incident_id = ? AND suggestion IS NOT NULL",
        )
        .bind(line_id)
        .bind(&incident_id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(DbError::NotFound);
        }
        tx.commit().await?;
        Ok(())
    }
}

#[allow(clippy::too_many_arguments)]
async fn transcript_for(
    tx: &mut Transaction<'static, Sqlite>,
    open: &mut Vec<Open>,
    first_of_source: usize,
    channel: &str,
    source: &ImportSource,
    incident_id: &str,
    next_no: &mut i64,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<usize, DbError> {
    if let Some(i) = open[first_of_source..]
        .iter()
        .position(|o| o.channel == channel)
    {
        return Ok(first_of_source + i);
    }
    let id = uuid::Uuid::new_v4().to_string();
    let no = *next_no;
    *next_no += 1;
    sqlx::query(
        "INSERT INTO transcripts (id, incident_id, no, channel, format, file_name, zone, line_count, \
         duplicate_count, problem_count, imported_by, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0, 0, ?, ?)",
    )
    .bind(&id)
    .bind(incident_id)
    .bind(no)
    .bind(channel)
    .bind(source.format.code())
    .bind(&source.file_name)
    .bind(source.zone.name())
    .bind(&actor.name)
    .bind(to_epoch(now))
    .execute(&mut **tx)
    .await?;
    open.push(Open {
        id,
        no,
        channel: channel.to_string(),
        file_name: source.file_name.clone(),
        format: source.format,

        lines: 0,
        duplicates: 0,
        problems: 0,
        first: None,
        last: None,
    });
    Ok(open.len() - 1)
}

async fn insert_rows(
    tx: &mut Transaction<'static, Sqlite>,
    incident_id: &str,
    open: &[Open],
    rows: &mut Vec<Row13>,
) -> Result<(), DbError> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut q = QueryBuilder::<Sqlite>::new(
        "INSERT INTO transcript_lines (id, incident_id, transcript_id, transcript_no, line_no, at, kind, \
         author, text, thread, flag, fingerprint, duplicate_of, suggestion) ",
    );
    q.push_values(rows.drain(..), |mut b, r| {
        let t = &open[r.transcript];
        b.push_bind(r.id)
            .push_bind(incident_id)
            .push_bind(t.id.as_str())
            .push_bind(t.no)
            .push_bind(r.line_no)
            .push_bind(r.at)
            .push_bind(r.kind)
            .push_bind(r.author)
            .push_bind(r.text)
            .push_bind(r.thread)
            .push_bind(r.flag)
            .push_bind(r.fingerprint)
            .push_bind(r.duplicate_of)
            .push_bind(r.suggestion);
    });
    q.build().execute(&mut **tx).await?;
    Ok(())
}

fn review_line(row: &SqliteRow) -> Result<ReviewLine, DbError> {
    let kind: String = row.try_get("kind")?;
    let also: Option<String> = row.try_get("also")?;
    let events: Option<String> = row.try_get("events")?;
    Ok(ReviewLine {
        id: row.try_get("id")?,
        transcript_no: row.try_get("transcript_no")?,
        channel: row.try_get("channel")?,
        line_no: row.try_get("line_no")?,
        at: from_epoch(row.try_get("at")?),
        kind: LineKind::parse(&kind).unwrap_or(LineKind::System),
        author: row.try_get("author")?,
        text: row.try_get("text")?,
        thread: row.try_get("thread")?,
        flag: row.try_get("flag")?,
        also_in: also
            .map(|a| {
                a.split('\u{1e}')
                    .filter_map(|s| s.split_once('\u{1f}'))
                    .map(|(c, l)| (c.to_string(), l.parse().unwrap_or(0)))
                    .collect()
            })
            .unwrap_or_default(),
        suggestion: row.try_get("suggestion")?,
        suggestion_state: row.try_get("suggestion_state")?,
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
