//! Reading a whole transcript: lines to entries to resolved [`Line`]s, streamed
//! into a [`Sink`] so that a file of any size is read in bounded memory.
//!
//! Lines are given to the sink a window at a time (all of a transcript, up to
//! [`ORDER_WINDOW_LINES`] lines): which lines are out of time order is only
//! known from the lines around them ([`clock::flag_disorder`]).

use std::io::{BufRead, Read, Seek};

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use crate::clock::{self, Clock, DaySource, InOrder, date_from_file_name};
use crate::formats::{Format, Parsed, slack_export, zulip};
use crate::limits::{self, Budget, is_refusal};
use crate::text::{Lines, strip_formatting};
use crate::{Entry, Line, LineKind, Problem, Stamp};

/// How to read one transcript.
#[derive(Clone, Debug)]
pub struct Options {
    pub format: Format,
    /// The zone wall-clock times are read in.
    pub zone: Tz,
    /// The day of the first bare time when neither the file name nor a marker
    /// in the log gives one.
    pub date: Option<NaiveDate>,
    /// The file's name, for its date and (Slack) its channel folder.
    pub file_name: Option<String>,
}

/// Where read lines go: the preview's summary, the database, a test's vector.
pub trait Sink {
    fn line(&mut self, line: Line);
    fn problem(&mut self, problem: Problem);
    /// Bytes of the input read so far; called now and then.
    fn progress(&mut self, _bytes: u64) {}
}

impl Sink for Vec<Result<Line, Problem>> {
    fn line(&mut self, line: Line) {
        self.push(Ok(line));
    }
    fn problem(&mut self, problem: Problem) {
        self.push(Err(problem));
    }
}

/// How often (in lines) progress is reported.
const PROGRESS_EVERY: u64 = 16_384;

/// An IRC message longer than this is likely to have been split by the client;
/// the next message from the same author at the same time is its rest.
const SPLIT_MESSAGE_BYTES: usize = 350;

/// The most lines held for finding those out of time order: a transcript
/// longer than this is checked a window at a time, each window against the
/// run in order of the windows before.
pub const ORDER_WINDOW_LINES: usize = 10_000;

/// The most text held for finding lines out of time order (see
/// [`ORDER_WINDOW_LINES`]).
pub const ORDER_WINDOW_BYTES: usize = 16 * 1024 * 1024;

/// Reads a transcript of a line format from `input` (and a Slack day file,
/// which is one JSON document). Returns where the dates came from.
pub fn read_text<R: BufRead>(
    input: R,
    options: &Options,
    sink: &mut dyn Sink,
) -> std::io::Result<Option<DaySource>> {
    let mut clock = clock_for(options);
    let Some(mut parser) = options.format.line_parser() else {
        // A document format: read whole (capped), then its entries.
        let Some(reader) = options.format.document_reader() else {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!(
                    "{} is read from a file, not a stream",
                    options.format.label()
                ),
            ));
        };
        let bytes = limits::read_whole(input)?;
        let label = options
            .file_name
            .as_deref()
            .unwrap_or("the file")
            .to_string();
        read_channels(options, sink, |emit| {
            reader(&bytes, &label, emit);
            Ok(())
        })?;
        return Ok(clock.day_source());
    };
    let mut lines = Lines::new(input);
    let mut joiner = Joiner::default();
    while let Some((number, raw)) = lines.next_line()? {
        let text = strip_formatting(&raw);
        let parsed = parser.parse(number, &text);
        joiner.handle(number, parsed, &mut clock, sink);
        if number % PROGRESS_EVERY == 0 {
            sink.progress(lines.bytes_read());
        }
    }
    if let Some(parsed) = parser.finish() {
        joiner.handle(0, parsed, &mut clock, sink);
    }
    joiner.finish(sink);
    sink.progress(lines.bytes_read());
    Ok(clock.day_source())
}

/// Reads a Slack export from a zip (the whole workspace, or one channel's
/// folder). Each line carries its channel.
pub fn read_export<R: Read + Seek>(
    zip: R,
    options: &Options,
    sink: &mut dyn Sink,
) -> std::io::Result<()> {
    read_channels(options, sink, |emit| slack_export::read_zip(zip, emit))
}

/// Reads a transcript from disk, whatever its shape: a folder (an unzipped
/// Slack export), a zip (a Slack export), or a text file of a line format.
/// Returns where bare times got their dates.
pub fn read_path(
    path: &std::path::Path,
    options: &Options,
    sink: &mut dyn Sink,
) -> std::io::Result<Option<DaySource>> {
    if path.is_dir() {
        read_export_dir(path, options, sink)?;
        return Ok(Some(DaySource::Lines));
    }
    let file = std::fs::File::open(path)?;
    if options.format == Format::Archive {
        read_archive(path, options, sink)?;
        return Ok(Some(DaySource::Lines));
    }
    if options.format == Format::SlackExport && is_zip(path) {
        read_export(std::io::BufReader::new(file), options, sink)?;
        return Ok(Some(DaySource::Lines));
    }
    read_text(
        std::io::BufReader::with_capacity(256 * 1024, file),
        options,
        sink,
    )
}

/// Whether the file starts like a zip archive.
pub fn is_zip(path: &std::path::Path) -> bool {
    let mut head = [0u8; 4];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok()
        && head == *b"PK\x03\x04"
}

/// Reads a Slack export unzipped on disk: the workspace folder, or one
/// channel's folder.
pub fn read_export_dir(
    dir: &std::path::Path,
    options: &Options,
    sink: &mut dyn Sink,
) -> std::io::Result<()> {
    read_channels(options, sink, |emit| slack_export::read_dir(dir, emit))
}

type Emit<'a> = &'a mut dyn FnMut(Result<Entry, Problem>);

fn read_channels(
    options: &Options,
    sink: &mut dyn Sink,
    read: impl FnOnce(Emit<'_>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let mut clock = clock_for(options);
    let mut joiner = Joiner::default();
    // Channels come one after the other, each in time order: a new channel
    // starts a new clock, so that its first lines are not flagged as going
    // back in time from the end of the channel before.
    let mut channel: Option<Option<String>> = None;
    read(&mut |item| match item {
        Ok(entry) => {
            if channel.as_ref() != Some(&entry.channel) {
                joiner.finish(sink);
                clock = clock_for(options);
                channel = Some(entry.channel.clone());
            }
            joiner.flush(sink);
            joiner.entry(entry, &mut clock, sink)
        }
        Err(problem) => joiner.problem(problem, sink),
    })?;
    joiner.finish(sink);
    Ok(())
}

/// The largest file read whole (a document, or a file inside an archive).
pub use crate::limits::MAX_DOCUMENT_BYTES;

/// The files in a zip, as paths with `/`. A zip over the limits on its list
/// of files is refused (see [`crate::limits`]).
pub fn archive_names(path: &std::path::Path) -> std::io::Result<Vec<String>> {
    let file = std::io::BufReader::new(std::fs::File::open(path)?);
    let archive = limits::list_zip(file, &Budget::default())?;
    Ok(names_of(&archive))
}

fn names_of<R: Read + Seek>(archive: &zip::ZipArchive<R>) -> Vec<String> {
    archive.file_names().map(|n| n.replace('\\', "/")).collect()
}

/// Reads an archive of exports: a zip, or a tar (gzipped or not). A Slack
/// export zip is read as one. Otherwise each file is detected and read in
/// its own format; its lines belong to the channel the file names, else to
/// one named after the file (Google Chat's `Groups/<space>/messages.json`:
/// the space). A file no format reads is skipped with a problem naming it.
///
/// Files are read one at a time, within the limits of [`crate::limits`]: an
/// archive over them is refused (an error naming the limit), a file over
/// [`MAX_DOCUMENT_BYTES`] is skipped with a problem.
pub fn read_archive(
    path: &std::path::Path,
    options: &Options,
    sink: &mut dyn Sink,
) -> std::io::Result<()> {
    if is_zip(path) {
        let budget = Budget::default();
        let file = std::io::BufReader::new(std::fs::File::open(path)?);
        let mut archive = limits::open_zip(file, &budget)?;
        if slack_export::is_slack_export(&names_of(&archive)) {
            return read_channels(options, sink, |emit| {
                slack_export::read_archive(archive, &budget, emit)
            });
        }
        let mut files = ArchiveFiles::new(options, sink);
        for i in 0..archive.len() {
            let entry = archive.by_index(i).map_err(|e| budget.error(e.into()))?;
            if entry.is_dir() {
                continue;
            }
            let name = entry.name().replace('\\', "/");
            let bytes = refused(limits::read_file(entry, &budget))?;
            files.file(i, &name, bytes);
        }
        // Read again, now that the realm is known (or known to be missing).
        let again = Budget::default();
        for (i, name) in files.take_deferred() {
            let entry = archive.by_index(i).map_err(|e| again.error(e.into()))?;
            let bytes = refused(limits::read_file(entry, &again))?;
            files.deferred(&name, bytes);
        }
        return Ok(());
    }
    let mut head = [0u8; 2];
    let gzipped = std::fs::File::open(path)?.read(&mut head)? == 2 && head == [0x1f, 0x8b];
    let open = || -> std::io::Result<Box<dyn Read>> {
        let file = std::io::BufReader::new(std::fs::File::open(path)?);
        Ok(if gzipped {
            Box::new(flate2::read::GzDecoder::new(file))
        } else {
            Box::new(file)
        })
    };
    let mut files = ArchiveFiles::new(options, sink);
    read_tar(&open, None, &mut |ordinal, name, bytes| {
        files.file(ordinal, name, bytes)
    })?;
    let deferred: Vec<usize> = files.take_deferred().into_iter().map(|(i, _)| i).collect();
    if !deferred.is_empty() {
        // A tar is read again from its start, for the files wanted only.
        read_tar(&open, Some(&deferred), &mut |_, name, bytes| {
            files.deferred(name, bytes)
        })?;
    }
    Ok(())
}

/// A file's bytes, or the error of reading it; `Err` when the archive's
/// limits refuse the whole archive.
fn refused(bytes: std::io::Result<Vec<u8>>) -> std::io::Result<std::io::Result<Vec<u8>>> {
    match bytes {
        Err(e) if is_refusal(&e) => Err(e),
        bytes => Ok(bytes),
    }
}

/// What is done with each file of an archive: its place, name and bytes.
type EachFile<'a> = &'a mut dyn FnMut(usize, &str, std::io::Result<Vec<u8>>);

/// One pass over a tar: each file (or each of `wanted`, in order), numbered
/// in order.
fn read_tar(
    open: &dyn Fn() -> std::io::Result<Box<dyn Read>>,
    wanted: Option<&[usize]>,
    each: EachFile<'_>,
) -> std::io::Result<()> {
    let budget = Budget::default();
    let mut archive = tar::Archive::new(budget.reader(open()?));
    let mut entries = archive.entries().map_err(|e| budget.error(e))?;
    let mut ordinal = 0;
    loop {
        // What the tar reader reads to find the next file is headers.
        budget.header_begins();
        let next = entries.next();
        budget.header_ends();
        let Some(entry) = next else {
            break;
        };
        let mut entry = entry.map_err(|e| budget.error(e))?;
        budget.entry()?;
        if entry.header().entry_type().is_file() {
            if wanted.is_none_or(|w| w.binary_search(&ordinal).is_ok()) {
                let name = entry
                    .path()
                    .map_err(|e| budget.error(e))?
                    .to_string_lossy()
                    .replace('\\', "/");
                let bytes = refused(limits::read_file(&mut entry, &budget))?;
                each(ordinal, &name, bytes);
            }
            if wanted.is_some_and(|w| w.last() <= Some(&ordinal)) {
                break;
            }
            ordinal += 1;
        }
        // The rest of a file over the size read whole: inflated, not kept.
        std::io::copy(&mut entry, &mut std::io::sink()).map_err(|e| budget.error(e))?;
    }
    Ok(())
}

/// The files of an archive, one at a time, in archive order. Most are read
/// as they come. A Zulip export's message files name users and streams by id,
/// resolved through its `realm.json`, which may come anywhere in the archive:
/// message files seen before it are read again once the archive has been
/// through (so that none is held meanwhile).
struct ArchiveFiles<'a> {
    options: &'a Options,
    sink: &'a mut dyn Sink,
    realm: Option<zulip::Realm>,
    /// Message files met before the realm: (place in the archive, name).
    deferred: Vec<(usize, String)>,
}

impl<'a> ArchiveFiles<'a> {
    fn new(options: &'a Options, sink: &'a mut dyn Sink) -> Self {
        ArchiveFiles {
            options,
            sink,
            realm: None,
            deferred: Vec::new(),
        }
    }

    /// File `place` of the archive (its index, or its number in a tar).
    fn file(&mut self, place: usize, name: &str, bytes: std::io::Result<Vec<u8>>) {
        if zulip::is_side_file(name) {
            return;
        }
        let head = match &bytes {
            Ok(bytes) => String::from_utf8_lossy(
                &bytes[..bytes.len().min(crate::formats::HEAD_BYTES as usize)],
            )
            .into_owned(),
            Err(_) => String::new(),
        };
        if zulip::is_realm(&head)
            && let Ok(bytes) = &bytes
        {
            match zulip::read_realm(bytes) {
                Ok(realm) => self.realm = Some(realm),
                Err(reason) => self.sink.problem(Problem::new(
                    0,
                    format!("{name}: {reason}; user and stream names are shown as ids"),
                )),
            }
            return;
        }
        if zulip::is_export_messages(&head)
            && let Ok(bytes) = &bytes
        {
            if self.realm.is_some() {
                self.zulip_messages(name, bytes);
            } else {
                self.deferred.push((place, name.to_string()));
            }
            return;
        }
        read_archived(name, bytes, self.options, self.sink);
    }

    /// The message files to read again, in archive order.
    fn take_deferred(&mut self) -> Vec<(usize, String)> {
        std::mem::take(&mut self.deferred)
    }

    /// A message file read again: with the realm's names, else ids.
    fn deferred(&mut self, name: &str, bytes: std::io::Result<Vec<u8>>) {
        match bytes {
            Ok(bytes) => self.zulip_messages(name, &bytes),
            Err(e) => self
                .sink
                .problem(Problem::new(0, format!("{name}: could not be read ({e})"))),
        }
    }

    fn zulip_messages(&mut self, name: &str, bytes: &[u8]) {
        let mut named = Named {
            sink: self.sink,
            channel: "zulip",
            file: name,
        };
        let realm = self.realm.as_ref();
        let result = read_channels(self.options, &mut named, |emit| {
            zulip::read_export_messages(bytes, name, realm, emit);
            Ok(())
        });
        if let Err(e) = result {
            named
                .sink
                .problem(Problem::new(0, format!("{name}: could not be read ({e})")));
        }
    }
}

/// One file of an archive.
fn read_archived(
    name: &str,
    bytes: std::io::Result<Vec<u8>>,
    options: &Options,
    sink: &mut dyn Sink,
) {
    let base = name.rsplit('/').next().unwrap_or(name);
    if name.starts_with("__MACOSX/") || base.starts_with('.') || base.is_empty() {
        return;
    }
    let bytes = match bytes {
        Ok(bytes) => bytes,
        Err(e) => {
            sink.problem(Problem::new(0, format!("{name}: could not be read ({e})")));
            return;
        }
    };
    let head = &bytes[..bytes.len().min(crate::formats::HEAD_BYTES as usize)];
    let ranked = crate::formats::detect(head, Some(base));
    let format = match ranked.first() {
        Some(best) if crate::formats::recognised(&ranked) && best.format != Format::Archive => {
            best.format
        }
        _ => {
            let guesses: Vec<String> = ranked
                .iter()
                .take(3)
                .map(|d| format!("{} {:.0}%", d.format.label(), d.confidence * 100.0))
                .collect();
            sink.problem(Problem::new(
                0,
                if guesses.is_empty() {
                    format!("{name}: not a chat export Debrief reads; skipped")
                } else {
                    format!(
                        "{name}: not recognised as a chat export (best guesses: {}); skipped",
                        guesses.join(", ")
                    )
                },
            ));
            return;
        }
    };
    let channel = archived_channel(name);
    let file_options = Options {
        format,
        file_name: Some(base.to_string()),
        ..options.clone()
    };
    let mut named = Named {
        sink,
        channel: &channel,
        file: name,
    };
    if let Err(e) = read_text(&bytes[..], &file_options, &mut named) {
        named
            .sink
            .problem(Problem::new(0, format!("{name}: could not be read ({e})")));
    }
}

/// The channel of an archived file's lines when the file names none.
fn archived_channel(name: &str) -> String {
    let parts: Vec<&str> = name.split('/').filter(|p| !p.is_empty()).collect();
    match parts.as_slice() {
        [.., folder, "messages.json"] => (*folder).to_string(),
        _ => channel_from_file_name(name),
    }
}

/// Gives lines without a channel the archived file's, and names the file in
/// its problems.
struct Named<'a> {
    sink: &'a mut dyn Sink,
    channel: &'a str,
    file: &'a str,
}

impl Sink for Named<'_> {
    fn line(&mut self, mut line: Line) {
        if line.channel.is_none() {
            line.channel = Some(self.channel.to_string());
        }
        self.sink.line(line);
    }
    fn problem(&mut self, problem: Problem) {
        let reason = if problem.reason.contains(self.file) {
            problem.reason
        } else {
            format!("{}: {}", self.file, problem.reason)
        };
        self.sink.problem(Problem::new(problem.line, reason));
    }
}

fn clock_for(options: &Options) -> Clock {
    let from_name = options.file_name.as_deref().and_then(date_from_file_name);
    Clock::new(options.zone, from_name, options.date)
}

/// Holds the last message back until the next line shows whether it goes on
/// (continuation lines, an IRC message the client split in two), makes notes
/// into narrative lines, and hands lines and problems on through [`Ordered`].
#[derive(Default)]
struct Joiner {
    pending: Option<Line>,
    /// Bytes of the pending message's last piece (a split may have three).
    last_piece: usize,
    /// The last line that could not be read, when no message or note has
    /// started since: the lines that continue it are not joined to the
    /// message before it, but reported.
    unread: Option<u64>,
    ordered: Ordered,
}

impl Joiner {
    fn handle(&mut self, number: u64, parsed: Parsed, clock: &mut Clock, sink: &mut dyn Sink) {
        match parsed {
            Parsed::Entry(entry) => self.entry(entry, clock, sink),
            Parsed::Continuation(more) => match (&mut self.pending, self.unread) {
                (_, Some(unread)) => self.problem(
                    Problem::new(
                        number,
                        format!("this line continues line {unread}, which could not be read"),
                    ),
                    sink,
                ),
                (Some(line), None) => {
                    line.text.push('\n');
                    line.text.push_str(&more);
                    line.continued += 1;
                }
                (None, None) => self.problem(
                    Problem::new(
                        number,
                        "this line has no time, and there is no message before it that it could continue",
                    ),
                    sink,
                ),
            },
            Parsed::Note(text) => {
                self.flush(sink);
                self.unread = None;
                self.pending = Some(Line::new(
                    number,
                    // Before any time, a placeholder: see `Ordered`.
                    self.ordered.last_at.unwrap_or(DateTime::UNIX_EPOCH),
                    LineKind::Narrative,
                    None,
                    text,
                ));
            }
            Parsed::Day(date) => {
                self.flush(sink);
                clock.set_day(date);
            }
            Parsed::Skip => {}
            Parsed::Invalid(reason) => {
                self.unread = Some(number);
                self.problem(Problem::new(number, reason), sink);
            }
            Parsed::Unread { line, reason, then } => {
                // The held line came after the pending message: nothing
                // after it continues that message.
                self.flush(sink);
                self.problem(Problem::new(line, reason), sink);
                self.handle(number, *then, clock, sink);
            }
        }
    }

    fn entry(&mut self, entry: Entry, clock: &mut Clock, sink: &mut dyn Sink) {
        let (at, flag) = match clock.resolve(entry.stamp) {
            Ok(resolved) => resolved,
            Err(reason) => {
                self.flush(sink);
                self.unread = Some(entry.line);
                self.problem(Problem::new(entry.line, reason), sink);
                return;
            }
        };
        self.unread = None;
        if let Some(prev) = &mut self.pending
            && prev.kind == LineKind::Message
            && entry.kind == LineKind::Message
            && prev.at == at
            && prev.author == entry.author
            && prev.channel == entry.channel
            && flag.is_none()
            && self.last_piece >= SPLIT_MESSAGE_BYTES
            && !prev.text.contains('\n')
        {
            prev.text.push_str(&entry.text);
            self.last_piece = entry.text.len();
            return;
        }
        self.last_piece = entry.text.len();
        self.flush(sink);
        let zone = match entry.stamp {
            Stamp::Zoned { zone, .. } => Some(zone),
            _ => None,
        };
        self.pending = Some(Line {
            line: entry.line,
            at,
            kind: entry.kind,
            author: entry.author,
            text: entry.text,
            thread: entry.thread,
            thread_root: entry.thread_root,
            channel: entry.channel,
            flag,
            approximate: entry.approximate,
            zone,
            continued: 0,
        });
    }

    fn problem(&mut self, problem: Problem, sink: &mut dyn Sink) {
        self.ordered.problem(problem, sink);
    }

    fn flush(&mut self, sink: &mut dyn Sink) {
        if let Some(line) = self.pending.take() {
            self.ordered.line(line, sink);
        }
    }

    /// At the end of a transcript (or of one channel of it): everything held
    /// to the sink.
    fn finish(&mut self, sink: &mut dyn Sink) {
        self.flush(sink);
        self.ordered.give_out(sink);
        self.ordered = Ordered::default();
    }
}

/// Lines held until those out of time order among them are known
/// ([`clock::flag_disorder`]): a transcript's, up to a window of
/// [`ORDER_WINDOW_LINES`] lines or [`ORDER_WINDOW_BYTES`] of text. Problems
/// are held with them, to be given out in the order they were read.
///
/// Narrative lines take the time of the line before them; before any line
/// with a time they wait here for the first, and take its time. If none comes
/// (in the window), they are problems: text with no time to place it at.
#[derive(Default)]
struct Ordered {
    lines: Vec<Line>,
    /// Each problem held, after how many of the lines held.
    problems: Vec<(usize, Problem)>,
    bytes: usize,
    /// The time of the last line with one (not narrative).
    last_at: Option<DateTime<Utc>>,
    /// The last line of the run in order in the windows given out.
    before: Option<InOrder>,
}

impl Ordered {
    fn line(&mut self, line: Line, sink: &mut dyn Sink) {
        if line.kind != LineKind::Narrative {
            if self.last_at.is_none() {
                for note in &mut self.lines {
                    note.at = line.at;
                }
            }
            self.last_at = Some(line.at);
        }
        self.bytes += line.text.len();
        self.lines.push(line);
        self.check(sink);
    }

    fn problem(&mut self, problem: Problem, sink: &mut dyn Sink) {
        self.problems.push((self.lines.len(), problem));
        self.check(sink);
    }

    fn check(&mut self, sink: &mut dyn Sink) {
        if self.lines.len() + self.problems.len() >= ORDER_WINDOW_LINES
            || self.bytes >= ORDER_WINDOW_BYTES
        {
            self.give_out(sink);
        }
    }

    /// Flags the lines out of order, and gives out everything held.
    fn give_out(&mut self, sink: &mut dyn Sink) {
        self.before = clock::flag_disorder(&mut self.lines, self.before);
        let undated = self.last_at.is_none();
        let mut lines = std::mem::take(&mut self.lines).into_iter();
        let mut given = 0;
        let out = |line: Line, sink: &mut dyn Sink| {
            if undated {
                sink.problem(Problem::new(line.line, NO_TIME));
            } else {
                sink.line(line);
            }
        };
        for (after, problem) in std::mem::take(&mut self.problems) {
            for line in lines.by_ref().take(after - given) {
                out(line, sink);
            }
            given = after;
            sink.problem(problem);
        }
        for line in lines {
            out(line, sink);
        }
        self.bytes = 0;
    }
}

/// Why narrative is not kept when no line gives it a time.
const NO_TIME: &str =
    "this text has no time, and no line with a time comes before it or soon after";

/// A channel name from a log file's name: "#ops_20260304.log" → "#ops",
/// "irc.libera.#sre.weechatlog" → "#sre", "general/2026-03-04.json" →
/// "general", "incident-chat.txt" → "incident-chat". Falls back to "transcript".
pub fn channel_from_file_name(name: &str) -> String {
    let parts: Vec<&str> = name.split(['/', '\\']).filter(|p| !p.is_empty()).collect();
    let base = parts.last().copied().unwrap_or("");
    // A Slack day file is named for its date; its folder names the channel.
    if clock::date_from_file_name(base).is_some()
        && base.trim_end_matches(".json").len() == 10
        && parts.len() >= 2
    {
        return parts[parts.len() - 2].to_string();
    }
    let mut stem = base;
    // Drop extensions (".log", ".log.txt", ".weechatlog").
    while let Some((before, ext)) = stem.rsplit_once('.') {
        if !before.is_empty() && ext.len() <= 10 && ext.chars().all(|c| c.is_ascii_alphabetic()) {
            stem = before;
        } else {
            break;
        }
    }
    if let Some(i) = stem.rfind('#') {
        stem = &stem[i..];
    }
    // Cut at the first run of four or more digits (a date).
    let bytes = stem.as_bytes();
    let mut cut = stem.len();
    let mut run = 0;
    for (i, b) in bytes.iter().enumerate() {
        if b.is_ascii_digit() {
            run += 1;
            if run == 4 {
                cut = i + 1 - 4;
                break;
            }
        } else {
            run = 0;
        }
    }
    let channel = stem[..cut].trim_end_matches(['_', '-', '.', ' ']);
    if channel.is_empty() {
        "transcript".into()
    } else {
        channel.to_string()
    }
}

/// Reads a whole transcript held in memory (tests, small pastes).
pub fn read_str(text: &str, options: &Options) -> Vec<Result<Line, Problem>> {
    let mut out = Vec::new();
    read_text(text.as_bytes(), options, &mut out).expect("reading memory does not fail");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn options(format: Format) -> Options {
        Options {
            format,
            zone: chrono_tz::UTC,
            date: NaiveDate::from_ymd_opt(2026, 3, 4),
            file_name: None,
        }
    }

    #[test]
    fn continuation_lines_join_the_message_before() {
        let out = read_str(
            "14:32 sam: first line\n  second line\n14:33 kim: next\n",
            &options(Format::Plain),
        );
        let lines: Vec<Line> = out.into_iter().map(Result::unwrap).collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].text, "first line\n  second line");
        assert_eq!(lines[0].at, utc("2026-03-04T14:32:00Z"));
        assert_eq!(lines[1].author.as_deref(), Some("kim"));
    }

    #[test]
    fn a_long_irc_message_split_in_two_is_kept_together() {
        let long = "x".repeat(400);
        let text = format!(
            "[14:32] <sam> {long}\n[14:32] <sam>  and the rest\n[14:32] <sam> a new message\n"
        );
        let lines: Vec<Line> = read_str(&text, &options(Format::IrcBracket))
            .into_iter()
            .map(Result::unwrap)
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].text, format!("{long} and the rest"));
        assert_eq!(lines[1].text, "a new message");
    }

    #[test]
    fn channels_from_file_names() {
        assert_eq!(channel_from_file_name("#ops_20260304.log"), "#ops");
        assert_eq!(channel_from_file_name("irc.libera.#sre.weechatlog"), "#sre");
        assert_eq!(
            channel_from_file_name("export/general/2026-03-04.json"),
            "general"
        );
        assert_eq!(channel_from_file_name("incident-chat.txt"), "incident-chat");
        assert_eq!(
            channel_from_file_name("ops.2026-03-04-14.32.log.txt"),
            "ops"
        );
        assert_eq!(channel_from_file_name("2026-03-04.log"), "transcript");
        assert_eq!(channel_from_file_name(""), "transcript");
    }

    #[test]
    fn a_time_without_a_date_is_a_problem_on_its_line() {
        let mut opts = options(Format::Plain);
        opts.date = None;
        let out = read_str("14:32 sam: hello\n", &opts);
        let problem = out[0].clone().unwrap_err();
        assert_eq!(problem.line, 1);
        assert!(problem.reason.contains("no date"), "{}", problem.reason);
    }
}
