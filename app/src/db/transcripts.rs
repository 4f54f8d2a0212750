//! Transcripts: importing chat logs into an incident (streamed, in one
//! transaction), the chronological review across all of them, and promoting
//! lines into timeline events.

use std::collections::HashMap;
use std::path::PathBuf;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use sqlx::QueryBuilder;
use transcript::formats::Format;
use transcript::merge::fingerprint;
use transcript::summary::Summary;
use transcript::{Line, LineKind, Problem};

use super::audit::{Change, record};
use super::incidents::{create_incident_in, incident_in};
use super::sqlite_bulk::Inserter;
use super::timeline::{NewEvent, add_event_in};
use super::{Db, DbError, DbRow, On, Tx, from_epoch, on_pool, on_tx, to_epoch};
use crate::domain::audit::{Actor, FieldChange};
use crate::domain::incident::{IncidentContent, IncidentNumber};

/// Longest line stored, in bytes; a longer one is reported as a problem.
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// Rows stored at a time: a batch runs on an async worker thread without
/// yielding, so it is kept to a few milliseconds.
const INSERT_BATCH: usize = 2000;

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

/// The incident an import goes into.
#[derive(Debug, Clone)]
pub enum ImportInto {
    Incident(IncidentNumber),
    /// A new incident, created in the import's transaction: a failed import
    /// leaves no empty incident behind.
    NewIncident(Box<IncidentContent>),
}

/// What an import did.
#[derive(Debug, Clone)]
pub struct ImportOutcome {
    pub number: IncidentNumber,
    pub transcripts: Vec<ImportedTranscript>,
    /// What was read from each source, in order: the preview's summary,
    /// worked out while importing.
    pub summaries: Vec<Summary>,
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

/// Progress of a running import: bytes of the current file read, and its size.
pub type Progress = std::sync::Arc<dyn Fn(&str, u64) + Send + Sync>;

enum Read {
    /// A line to store, worked out whole on the reading thread (fingerprint,
    /// suggestion, id, and the line it repeats) so that the thread holding
    /// the transaction only stores it.
    Line(Box<Stored>),
    /// A line that could not be read, and the channel it was in (if the
    /// source names channels).
    Problem(Problem, Option<String>),
    Progress(u64),
}

struct Stored {
    line: Line,
    id: i64,
    fingerprint: i64,
    duplicate_of: Option<i64>,
    suggestion: Option<&'static str>,
}

/// Fingerprints are already hashes: a map keyed by them need not hash again.
#[derive(Default)]
struct AsIs(u64);

impl std::hash::Hasher for AsIs {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_i64(&mut self, v: i64) {
        self.0 = v as u64;
    }
}

type Fingerprints = HashMap<i64, i64, std::hash::BuildHasherDefault<AsIs>>;

/// What lines an import has given out so far: the next line id, and the
/// first line of each fingerprint (in the incident before, or in this import).
struct Dedupe {
    seen: Fingerprints,
    next_id: i64,
}

struct BatchSink {
    summary: Summary,
    dedupe: Dedupe,
    batch: Vec<Read>,
    to: tokio::sync::mpsc::Sender<Vec<Read>>,
}

impl BatchSink {
    fn send(&mut self) {
        if !self.batch.is_empty() {
            let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(INSERT_BATCH));
            // The receiver stops listening only when the import failed.
            let _ = self.to.blocking_send(batch);
        }
    }
    fn push(&mut self, item: Read) {
        self.batch.push(item);
        if self.batch.len() >= INSERT_BATCH {
            self.send();
        }
    }
}

impl transcript::Sink for BatchSink {
    fn line(&mut self, line: Line) {
        self.summary.add(&line);
        if line.text.len() > MAX_LINE_BYTES {
            let problem = Problem::new(
                line.line,
                format!(
                    "the message is longer than {} KB; it was not stored",
                    MAX_LINE_BYTES / 1024
                ),
            );
            self.push(Read::Problem(problem, line.channel));
            return;
        }
        let fingerprint = fingerprint(
            line.at.timestamp(),
            line.kind,
            line.author.as_deref(),
            &line.text,
        ) as i64;
        let id = self.dedupe.next_id;
        self.dedupe.next_id += 1;
        let duplicate_of = match self.dedupe.seen.entry(fingerprint) {
            std::collections::hash_map::Entry::Occupied(first) => Some(*first.get()),
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(id);
                None
            }
        };
        // A repeated message keeps the suggestion of the line shown.
        let suggestion = if duplicate_of.is_none() {
            transcript::suggest::suggest(&line).map(|r| r.id)
        } else {
            None
        };
        self.push(Read::Line(Box::new(Stored {
            line,
            id,
            fingerprint,
            duplicate_of,
            suggestion,
        })));
    }
    fn problem(&mut self, problem: Problem) {
        self.summary.add_problem(problem.clone());
        self.push(Read::Problem(problem, None));
    }
    fn progress(&mut self, bytes: u64) {
        self.summary.bytes = bytes;
        self.push(Read::Progress(bytes));
    }
}

type Reader = tokio::task::JoinHandle<std::io::Result<(Summary, Dedupe)>>;

/// Reads `source` on a blocking thread, sending what it reads in batches;
/// gives back the summary and the dedupe state when done.
fn spawn_reader(
    source: ImportSource,
    dedupe: Dedupe,
) -> (tokio::sync::mpsc::Receiver<Vec<Read>>, Reader) {
    let (to, from) = tokio::sync::mpsc::channel(4);
    let handle = tokio::task::spawn_blocking(move || {
        let options = transcript::Options {
            format: source.format,
            zone: source.zone,
            date: source.date,
            file_name: Some(source.file_name.clone()),
        };
        let mut sink = BatchSink {
            summary: Summary::default(),
            dedupe,
            batch: Vec::with_capacity(INSERT_BATCH),
            to,
        };
        transcript::read_path(&source.path, &options, &mut sink)?;
        sink.send();
        Ok((sink.summary, sink.dedupe))
    });
    (from, handle)
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

impl Db {
    /// Imports `sources` into an incident in one transaction: either every
    /// line of every file is stored, or (on any failure) nothing is. Lines
    /// already in the incident's review (same instant, kind, author and text)
    /// are stored as duplicates of the line shown.
    pub async fn import_transcripts(
        &self,
        into: ImportInto,
        sources: Vec<ImportSource>,
        actor: &Actor,
        now: DateTime<Utc>,
        progress: Option<Progress>,
    ) -> Result<ImportOutcome, DbError> {
        let mut tx = self.write().await?;
        let number = match into {
            ImportInto::Incident(number) => number,
            ImportInto::NewIncident(content) => {
                create_incident_in(&mut tx, &content, actor, now).await?
            }
        };
        let (incident_id, _) = incident_in(&mut tx, number).await?;
        let mut summaries = Vec::with_capacity(sources.len());
        // Lines run at about 80 bytes: sized once, not grown a million times.
        let bytes: u64 = sources
            .iter()
            .filter_map(|s| std::fs::metadata(&s.path).ok())
            .map(|m| m.len())
            .sum();
        let mut seen = Fingerprints::with_capacity_and_hasher(
            usize::try_from(bytes / 80).unwrap_or(0).min(4_000_000),
            Default::default(),
        );
        let known: Vec<(i64, i64)> = on_tx!(&mut tx, |c| {
            sqlx::query_as(
            "SELECT fingerprint, id FROM transcript_lines WHERE incident_no = $1 AND duplicate_of IS NULL",
        )
        .bind(number.0)
        .fetch_all(&mut *c)
        .await
        })?;
        seen.extend(known);
        let (mut next_no, next_id): (i64, i64) = on_tx!(&mut tx, |c| sqlx::query_as(
            "SELECT (SELECT COALESCE(MAX(no), 0) + 1 FROM transcripts WHERE incident_id = $1), \
                    (SELECT COALESCE(MAX(id), 0) + 1 FROM transcript_lines)",
        )
        .bind(&incident_id)
        .fetch_one(&mut *c)
        .await)?;
        let mut dedupe = Some(Dedupe { seen, next_id });
        let mut open: Vec<Open> = Vec::new();
        for source in sources {
            let first_of_source = open.len();
            let label = source.file_name.clone();
            let state = dedupe.take().expect("given back by the reader before");
            let (mut from, handle) = spawn_reader(source.clone(), state);
            let mut problems: Vec<(usize, Problem)> = Vec::new();
            // The transcript each line of a batch goes to.
            let mut targets: Vec<usize> = Vec::with_capacity(INSERT_BATCH);
            while let Some(batch) = from.recv().await {
                targets.clear();
                for item in &batch {
                    match item {
                        Read::Line(stored) => {
                            let line = &stored.line;
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
                            let at = line.at.timestamp();
                            let o = &mut open[t];
                            o.lines += 1;
                            if stored.duplicate_of.is_some() {
                                o.duplicates += 1;
                            }
                            o.first = Some(o.first.map_or(at, |f| f.min(at)));
                            o.last = Some(o.last.map_or(at, |l| l.max(at)));
                            targets.push(t);
                        }
                        Read::Problem(problem, channel) => {
                            let channel = channel.as_deref().unwrap_or(&source.channel);
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
                            open[t].problems += 1;
                            problems.push((t, problem.clone()));
                        }
                        Read::Progress(bytes) => {
                            if let Some(p) = &progress {
                                p(&label, *bytes);
                            }
                        }
                    }
                }
                insert_lines(&mut tx, number, &open, &batch, &targets).await?;
            }
            match handle.await {
                Ok(Ok((summary, state))) => {
                    summaries.push(summary);
                    dedupe = Some(state);
                }
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
                return Err(DbError::Refused {
                    field: "file",
                    message: transcript::choose::nothing_read(
                        &label,
                        source.format,
                        problems.iter().map(|(_, p)| p),
                    ),
                });
            }
            for chunk in problems.chunks(300) {
                on_tx!(&mut tx, |c| {
                    let mut q = QueryBuilder::new(
                        "INSERT INTO transcript_problems (transcript_id, line_no, reason) ",
                    );
                    q.push_values(chunk, |mut b, (t, p)| {
                        b.push_bind(open[*t].key)
                            .push_bind(p.line as i64)
                            .push_bind(&p.reason);
                    });
                    q.build().execute(&mut *c).await.map(|_| ())
                })?;
            }
        }
        let mut imported = Vec::new();
        // Small imports are searchable at once; large ones are indexed by
        // the server right after the commit (see `index_pending_transcripts`).
        let index_now =
            open.iter().map(|o| o.lines).sum::<u64>() <= super::search::INDEX_IN_IMPORT_LINES;
        for o in &open {
            if index_now {
                super::search::index_transcript_lines(&mut tx, o.key).await?;
            } else {
                on_tx!(&mut tx, |c| sqlx::query(
                    "UPDATE transcripts SET search_indexed = FALSE WHERE id = $1"
                )
                .bind(o.key)
                .execute(&mut *c)
                .await
                .map(|_| ()))?;
            }
            on_tx!(&mut tx, |c| {
                sqlx::query(
                "UPDATE transcripts SET line_count = $1, duplicate_count = $2, problem_count = $3, first_at = $4, last_at = $5 WHERE id = $6",
            )
            .bind(o.lines as i64)
            .bind(o.duplicates as i64)
            .bind(o.problems as i64)
            .bind(o.first)
            .bind(o.last)
            .bind(o.key)
            .execute(&mut *c)
            .await
            .map(|_| ())
            })?;
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
        Ok(ImportOutcome {
            number,
            transcripts: imported,
            summaries,
        })
    }

    /// The transcripts of incident `number`, in import order.
    pub async fn transcripts(
        &self,
        number: IncidentNumber,
    ) -> Result<Vec<TranscriptRecord>, DbError> {
        on_pool!(self.pool, |p| {
            let rows = sqlx::query(
                "SELECT t.* FROM transcripts t JOIN incidents i ON t.incident_id = i.id \
                 WHERE i.number = $1 ORDER BY t.no",
            )
            .bind(number.0)
            .fetch_all(p)
            .await?;
            rows.iter().map(transcript_record).collect()
        })
    }

    /// Lines of a transcript that could not be read, in line order (at most `limit`).
    pub async fn transcript_problems(
        &self,
        transcript_key: i64,
        limit: i64,
    ) -> Result<Vec<(i64, String)>, DbError> {
        Ok(on_pool!(self.pool, |p| {
            sqlx::query_as(
            "SELECT line_no, reason FROM transcript_problems WHERE transcript_id = $1 ORDER BY line_no LIMIT $2",
        )
        .bind(transcript_key)
        .bind(limit)
        .fetch_all(p)
        .await
        })?)
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
        on_pool!(self.pool, |p| {
            let exists: bool =
                sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM incidents WHERE number = $1)")
                    .bind(number.0)
                    .fetch_one(p)
                    .await?;
            if !exists {
                return Err(DbError::NotFound);
            }
            let mut count = QueryBuilder::new(
                "SELECT COUNT(*) FROM transcript_lines l JOIN transcripts t ON l.transcript_id = t.id",
            );
            review_where(&mut count, number, filter);
            let total: i64 = count.build_query_scalar().fetch_one(p).await?;
            let mut q = QueryBuilder::new(select);
            review_where(&mut q, number, filter);
            q.push(" ORDER BY l.at, l.transcript_id, l.line_no LIMIT ")
                .push_bind(limit)
                .push(" OFFSET ")
                .push_bind(offset);
            let rows = q.build().fetch_all(p).await?;
            let lines = rows
                .iter()
                .map(review_line)
                .collect::<Result<Vec<_>, _>>()?;
            Ok((lines, total))
        })
    }

    /// Channels and authors of an incident's review, for its filters.
    pub async fn review_facets(
        &self,
        number: IncidentNumber,
    ) -> Result<(Vec<String>, Vec<String>), DbError> {
        on_pool!(self.pool, |p| {
            let channels: Vec<String> = sqlx::query_scalar(
                "SELECT DISTINCT t.channel FROM transcripts t JOIN incidents i ON t.incident_id = i.id \
                 WHERE i.number = $1 ORDER BY t.channel",
            )
            .bind(number.0)
            .fetch_all(p)
            .await?;
            let authors: Vec<String> = sqlx::query_scalar(
                "SELECT DISTINCT author FROM transcript_lines \
                 WHERE incident_no = $1 AND author != '' AND duplicate_of IS NULL ORDER BY author LIMIT 500",
            )
            .bind(number.0)
            .fetch_all(p)
            .await?;
            Ok((channels, authors))
        })
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
        on_pool!(self.pool, |p| {
            let mut q = QueryBuilder::new(select);
            q.push(" WHERE l.incident_no = ")
                .push_bind(number.0)
                .push(" AND l.id IN (");
            let mut sep = q.separated(", ");
            for id in ids {
                sep.push_bind(*id);
            }
            q.push(") ORDER BY l.at, l.transcript_id, l.line_no");
            let rows = q.build().fetch_all(p).await?;
            rows.iter().map(review_line).collect()
        })
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
            let found: bool = on_tx!(&mut tx, |c| {
                sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM transcript_lines WHERE id = $1 AND incident_no = $2)",
            )
            .bind(id)
            .bind(number.0)
            .fetch_one(&mut *c)
            .await
            })?;
            if !found {
                return Err(DbError::Refused {
                    field: "lines",
                    message: "One of the chosen lines is not in this incident's transcripts; nothing was added.".into(),
                });
            }
        }
        let event_id = add_event_in(&mut tx, number, new, actor, now).await?;
        for id in line_ids {
            on_tx!(&mut tx, |c| {
                sqlx::query(
                    "INSERT INTO event_lines (event_id, line_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                )
                .bind(&event_id)
                .bind(id)
                .execute(&mut *c)
                .await?;
                sqlx::query(
                    "UPDATE transcript_lines SET suggestion_state = 'accepted' \
                     WHERE id = $1 AND suggestion IS NOT NULL AND suggestion_state IS NULL",
                )
                .bind(id)
                .execute(&mut *c)
                .await
                .map(|_| ())
            })?;
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
        let done = on_tx!(&mut tx, |c| sqlx::query(
            "UPDATE transcript_lines SET suggestion_state = 'dismissed' \
             WHERE id = $1 AND incident_no = $2 AND suggestion IS NOT NULL",
        )
        .bind(line_id)
        .bind(number.0)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
        if done == 0 {
            return Err(DbError::NotFound);
        }
        tx.commit().await?;
        Ok(())
    }
}

#[allow(clippy::too_many_arguments)]
async fn transcript_for(
    tx: &mut Tx,
    open: &mut Vec<Open>,
    first_of_source: usize,
    channel: &str,
    source: &ImportSource,
    incident_id: &str,
    next_no: &mut i64,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<usize, DbError> {
    // A channel named in the form, by a file or by a Slack export: what is
    // stored is what shows (no bidirectional overrides, no zero widths).
    let channel = crate::domain::names::visible_name(channel);
    let channel = channel.as_str();
    if let Some(i) = open[first_of_source..]
        .iter()
        .position(|o| o.channel == channel)
    {
        return Ok(first_of_source + i);
    }
    let file_name = crate::domain::names::visible_name(&source.file_name);
    let id = uuid::Uuid::new_v4().to_string();
    let no = *next_no;
    *next_no += 1;
    let key: i64 = on_tx!(tx, |c| {
        sqlx::query_scalar(
        "INSERT INTO transcripts (uuid, incident_id, no, channel, format, file_name, zone, line_count, \
         duplicate_count, problem_count, imported_by, imported_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 0, 0, 0, $8, $9) \
         RETURNING id",
    )
    .bind(&id)
    .bind(incident_id)
    .bind(no)
    .bind(channel)
    .bind(source.format.code())
    .bind(&file_name)
    .bind(source.zone.name())
    .bind(&actor.name)
    .bind(to_epoch(now))
    .fetch_one(&mut *c)
    .await
    })?;
    open.push(Open {
        key,
        id,
        channel: channel.to_string(),
        file_name,
        format: source.format,
        lines: 0,
        duplicates: 0,
        problems: 0,
        first: None,
        last: None,
    });
    Ok(open.len() - 1)
}

/// The lines of a batch, in order.
fn lines_of(batch: &[Read]) -> impl Iterator<Item = &Stored> {
    batch.iter().filter_map(|item| match item {
        Read::Line(stored) => Some(stored.as_ref()),
        _ => None,
    })
}

/// Stores the lines of a batch (`targets`: the transcript of each line, in
/// order), in the import's transaction.
async fn insert_lines(
    tx: &mut Tx,
    number: IncidentNumber,
    open: &[Open],
    batch: &[Read],
    targets: &[usize],
) -> Result<(), DbError> {
    if targets.is_empty() {
        return Ok(());
    }
    match tx {
        On::Sqlite(tx) => insert_lines_sqlite(tx, number, open, batch, targets).await,
        On::Postgres(tx) => insert_lines_postgres(tx, number, open, batch, targets).await,
    }
}

/// SQLite: through one prepared statement on the transaction's connection
/// (see [`super::sqlite_bulk`] for why not sqlx).
async fn insert_lines_sqlite(
    tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
    number: IncidentNumber,
    open: &[Open],
    batch: &[Read],
    targets: &[usize],
) -> Result<(), DbError> {
    // What the rows borrow must outlive the inserter.
    let flags: Vec<Option<String>> = lines_of(batch)
        .map(|stored| stored.line.time_note())
        .collect();
    let mut handle = tx.lock_handle().await?;
    let mut insert = Inserter::prepare(
        &mut handle,
        "INSERT INTO transcript_lines (id, incident_no, transcript_id, line_no, at, kind, \
         author, text, thread, thread_root, flag, fingerprint, duplicate_of, suggestion)",
        14,
    )?;
    for ((stored, &t), flag) in lines_of(batch).zip(targets).zip(&flags) {
        let line = &stored.line;
        insert.row([
            stored.id.into(),
            number.0.into(),
            open[t].key.into(),
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

/// PostgreSQL: one statement per batch (at most [`INSERT_BATCH`] rows), each
/// column bound as one array and turned back into rows by `UNNEST`.
async fn insert_lines_postgres(
    tx: &mut sqlx::Transaction<'static, sqlx::Postgres>,
    number: IncidentNumber,
    open: &[Open],
    batch: &[Read],
    targets: &[usize],
) -> Result<(), DbError> {
    let n = targets.len();
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
    for (stored, &t) in lines_of(batch).zip(targets) {
        let line = &stored.line;
        ids.push(stored.id);
        transcript_ids.push(open[t].key);
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
fn review_where<'a, DB>(q: &mut QueryBuilder<'a, DB>, number: IncidentNumber, filter: &ReviewFilter)
where
    DB: sqlx::Database,
    i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
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
