//! Importing chat transcripts into an incident, as one workflow: each file
//! is read on a blocking thread (the `transcript` crate's reader pushing
//! into a sink here), its lines fingerprinted against what the incident
//! already shows and given their suggestions there, and sent in batches to
//! the task that holds the import's one transaction ([`ImportWriter`]),
//! which stores them. Any failure (a file that cannot be read, one in which
//! nothing could be read, a full disk) rolls back the whole import.
//!
//! The server function (`api::transcripts::import_transcripts`) and the
//! command line (`debrief import`) both run [`import`].

use std::collections::HashMap;
use std::path::PathBuf;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use transcript::formats::Format;
use transcript::merge::fingerprint;
use transcript::summary::Summary;
use transcript::{Line, Problem};

use crate::db::{Db, DbError, ImportInto, ImportWriter, ImportedTranscript, NewLine, Origin};
use crate::domain::audit::Actor;
use crate::domain::incident::IncidentNumber;
use crate::domain::refusal::Refusal;

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

/// What an import did.
#[derive(Debug, Clone)]
pub struct ImportOutcome {
    pub number: IncidentNumber,
    pub transcripts: Vec<ImportedTranscript>,
    /// What was read from each source, in order: the preview's summary,
    /// worked out while importing.
    pub summaries: Vec<Summary>,
}

/// The zone and first date to read an import's transcripts with: those
/// given (blank counts as not given), else the incident's (its zone; the day
/// of its earliest key moment, or of its creation, in that zone). A refusal
/// names its field (`zone`, `date`) and says why. The import page and
/// `debrief import` both read their settings here.
pub fn reading_settings(
    incident: Option<&crate::domain::incident::Incident>,
    zone: Option<&str>,
    date: Option<&str>,
) -> Result<(Tz, Option<NaiveDate>), (&'static str, String)> {
    fn given(text: Option<&str>) -> Option<&str> {
        text.map(str::trim).filter(|t| !t.is_empty())
    }
    let zone = match (given(zone), incident) {
        (Some(z), _) => crate::domain::zone::parse_zone(z).map_err(|m| ("zone", m))?,
        (None, Some(i)) => crate::domain::zone::parse_zone(&i.content.time_zone).unwrap_or(Tz::UTC),
        (None, None) => Tz::UTC,
    };
    let date = match (given(date), incident) {
        (Some(d), _) => Some(
            NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .map_err(|_| format!("\"{d}\" is not a date; write it as YYYY-MM-DD"))
                .and_then(crate::domain::moments::check_year)
                .map_err(|m| ("date", m))?,
        ),
        (None, Some(i)) => Some(
            i.content
                .moments
                .earliest()
                .unwrap_or(i.created_at)
                .with_timezone(&zone)
                .date_naive(),
        ),
        (None, None) => None,
    };
    Ok((zone, date))
}

/// Imports `sources` into an incident in one transaction: either every
/// line of every file is stored, or (on any failure) nothing is. Lines
/// already in the incident's review (same instant, kind, author and text)
/// are stored as duplicates of the line shown.
pub async fn import(
    db: &Db,
    into: ImportInto,
    sources: Vec<ImportSource>,
    actor: &Actor,
    now: DateTime<Utc>,
    progress: Option<Progress>,
) -> Result<ImportOutcome, DbError> {
    let mut writer = db.begin_import(into, actor, now).await?;
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
    let (known, next_id) = writer.known_lines().await?;
    seen.extend(known);
    let mut dedupe = Some(Dedupe { seen, next_id });
    for source in sources {
        let state = dedupe.take().expect("given back by the reader before");
        let (summary, state) = import_one(&mut writer, &source, state, progress.as_ref()).await?;
        summaries.push(summary);
        dedupe = Some(state);
    }
    let number = writer.number();
    let transcripts = writer.finish().await?;
    Ok(ImportOutcome {
        number,
        transcripts,
        summaries,
    })
}

/// Reads one source into the import: its lines and problems go to the
/// transcript of their channel (the source's, unless a line names its own).
async fn import_one(
    writer: &mut ImportWriter,
    source: &ImportSource,
    dedupe: Dedupe,
    progress: Option<&Progress>,
) -> Result<(Summary, Dedupe), DbError> {
    let first_of_source = writer.next_source();
    let label = source.file_name.clone();
    let origin = Origin {
        file_name: &source.file_name,
        format: source.format,
        zone: source.zone,
    };
    let (mut from, handle) = spawn_reader(source.clone(), dedupe);
    let mut problems: Vec<(usize, Problem)> = Vec::new();
    while let Some(batch) = from.recv().await {
        // The transcript of each line of the batch, in order.
        let mut targets: Vec<usize> = Vec::with_capacity(batch.len());
        for item in &batch {
            match item {
                Read::Line(stored) => {
                    let channel = stored.line.channel.as_deref().unwrap_or(&source.channel);
                    targets.push(
                        writer
                            .transcript_for(first_of_source, channel, &origin)
                            .await?,
                    );
                }
                Read::Problem(problem, channel) => {
                    let channel = channel.as_deref().unwrap_or(&source.channel);
                    let t = writer
                        .transcript_for(first_of_source, channel, &origin)
                        .await?;
                    problems.push((t, problem.clone()));
                }
                Read::Progress(bytes) => {
                    if let Some(p) = progress {
                        p(&label, *bytes);
                    }
                }
            }
        }
        let stored = batch.iter().filter_map(|item| match item {
            Read::Line(stored) => Some(stored.as_ref()),
            _ => None,
        });
        let lines: Vec<(usize, &NewLine)> = targets.into_iter().zip(stored).collect();
        writer.store_lines(&lines).await?;
    }
    let (summary, dedupe) = match handle.await {
        Ok(Ok(read)) => read,
        Ok(Err(e)) => {
            return Err(DbError::Refused(Refusal::TranscriptUnreadable {
                label,
                reason: e.to_string(),
            }));
        }
        Err(e) => {
            return Err(DbError::Refused(Refusal::TranscriptReadFailed {
                label,
                reason: e.to_string(),
            }));
        }
    };
    if writer.lines_since(first_of_source) == 0 {
        return Err(DbError::Refused(Refusal::NothingRead(
            transcript::choose::nothing_read(
                &label,
                source.format,
                problems.iter().map(|(_, p)| p),
            ),
        )));
    }
    writer.store_problems(&problems).await?;
    Ok((summary, dedupe))
}

/// Progress of a running import: bytes of the current file read, and its size.
pub type Progress = std::sync::Arc<dyn Fn(&str, u64) + Send + Sync>;

enum Read {
    /// A line to store, worked out whole on the reading thread (fingerprint,
    /// suggestion, id, and the line it repeats) so that the thread holding
    /// the transaction only stores it.
    Line(Box<NewLine>),
    /// A line that could not be read, and the channel it was in (if the
    /// source names channels).
    Problem(Problem, Option<String>),
    Progress(u64),
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
        self.push(Read::Line(Box::new(NewLine {
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
