//! `debrief import`: chat transcripts into an incident from the shell, with the
//! same preview the browser shows and a progress line on standard error.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use app::db::{Db, ImportInto};
use app::domain::audit::Actor;
use app::domain::incident::{Incident, IncidentNumber};
use app::flows::transcript_import::{self, ImportSource};
use chrono_tz::Tz;
use transcript::formats::Format;
use transcript::summary::Summary;

use crate::ImportArgs;

pub async fn run(database_url: &str, args: &ImportArgs) -> Result<(), String> {
    if args.list_formats {
        for f in Format::ALL {
            println!(
                "{:<13} {}\n              e.g. {}",
                f.code(),
                f.label(),
                f.example()
            );
        }
        return Ok(());
    }
    if args.files.is_empty() {
        return Err("name one or more transcript files (\"-\" reads standard input)".into());
    }
    let chosen = match &args.format {
        Some(code) => Some(Format::parse(code).ok_or_else(|| {
            format!("\"{code}\" is not a format Debrief reads; `debrief import --list-formats` names them")
        })?),
        None => None,
    };
    let db = Db::open(database_url).await.map_err(|e| e.to_string())?;
    let outcome = import(&db, args, chosen).await;
    db.close().await;
    outcome
}

async fn import(db: &Db, args: &ImportArgs, chosen: Option<Format>) -> Result<(), String> {
    let actor = Actor::command_line("import");
    let incident: Option<Incident> = match args.incident {
        Some(n) => Some(
            db.incident(IncidentNumber(n))
                .await
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("there is no incident {n}"))?,
        ),
        None => None,
    };
    let (zone, date) = transcript_import::reading_settings(
        incident.as_ref(),
        args.zone.as_deref(),
        args.date.as_deref(),
    )
    .map_err(|(field, message)| format!("--{field}: {message}"))?;
    // Standard input is copied to a file first: detection reads its head
    // before the whole of it is read.
    let mut stdin_copies = Vec::new();
    let mut sources = Vec::new();
    for path in &args.files {
        let (path, name) = if path.as_os_str() == "-" {
            let copy = tempfile_for_stdin()?;
            let p = copy.0.clone();
            stdin_copies.push(copy);
            (p, String::from("standard input"))
        } else {
            if !path.exists() {
                return Err(format!("{} does not exist", path.display()));
            }
            (path.clone(), path.display().to_string())
        };
        // The same rule as the import page's (transcript::choose).
        let reading = transcript::Options {
            format: Format::Plain,
            zone,
            date,
            file_name: Some(name.clone()),
        };
        let format = transcript::choose::choose_format(&path, &reading, chosen)
            .map_err(|e| format!("cannot read {name}: {e}"))?
            .map_err(|unrecognised| {
                format!(
                    "{name}: {unrecognised}; choose its format with --format (`debrief import --list-formats` names them)"
                )
            })?;
        if chosen.is_none() {
            println!("{name}: {} (detected)", format.label());
        }
        sources.push(ImportSource {
            channel: args
                .channel
                .clone()
                .unwrap_or_else(|| transcript::read::channel_from_file_name(&name)),
            path,
            file_name: name,
            format,
            zone,
            date,
        });
    }
    if args.dry_run {
        // The import's own refusal, said by the dry run too: a file of
        // which no line reads fails both, with the same sentence.
        let mut refusal = None;
        for source in &sources {
            let summary = summarise(source)?;
            print_summary(source, &summary);
            if summary.lines == 0 && refusal.is_none() {
                refusal = Some(transcript::choose::nothing_read(
                    &source.file_name,
                    source.format,
                    &summary.problems,
                ));
            }
        }
        println!("Dry run: nothing was stored.");
        return refusal.map_or(Ok(()), Err);
    }
    // One pass over the files: the summary is worked out while importing, and
    // a new incident is created in the import's transaction.
    let into = match (args.incident, &args.new_incident) {
        (Some(n), _) => ImportInto::Incident(IncidentNumber(n)),
        (None, Some(title)) => ImportInto::NewIncident(Box::new(new_incident(title, zone)?)),
        (None, None) => {
            return Err("name the incident with --incident, or --new-incident TITLE".into());
        }
    };
    let progress: transcript_import::Progress = std::sync::Arc::new(progress_printer(&sources));
    let outcome = transcript_import::import(
        db,
        into,
        sources.clone(),
        &actor,
        chrono::Utc::now(),
        Some(progress),
    )
    .await;
    clear_progress();
    let outcome = outcome.map_err(|e| e.to_string())?;
    for (source, summary) in sources.iter().zip(&outcome.summaries) {
        print_summary(source, summary);
    }
    let number = outcome.number.0;
    if let (None, Some(title)) = (args.incident, &args.new_incident) {
        println!("Created incident {number}: {}", title.trim());
    }
    for t in &outcome.transcripts {
        println!(
            "Imported {} into incident {number}: {} lines ({} already seen in other transcripts), {} not read.",
            t.channel, t.lines, t.duplicates, t.problems
        );
    }
    Ok(())
}

/// The incident `--new-incident TITLE` creates.
fn new_incident(title: &str, zone: Tz) -> Result<app::domain::incident::IncidentContent, String> {
    use app::domain::incident::{CynefinPair, IncidentContent, Severity, Status};
    let title = title.trim();
    if title.is_empty() || title.chars().count() > 200 {
        return Err("the new incident's title must be 1 to 200 characters".into());
    }
    let content = IncidentContent {
        title: title.to_string(),
        severity: Severity::Degradation,
        status: Status::Investigating,
        services: Vec::new(),
        commander: String::new(),
        facilitator: String::new(),
        detection_method: None,
        time_zone: zone.name().to_string(),
        summary_markdown: String::new(),
        moments: Default::default(),
        cynefin: CynefinPair::default(),
    };
    Ok(content)
}

/// A copy of standard input in a temporary file, removed when dropped.
struct StdinCopy(PathBuf);

impl Drop for StdinCopy {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn tempfile_for_stdin() -> Result<StdinCopy, String> {
    let path = std::env::temp_dir().join(format!("debrief-stdin-{}", uuid_like()));
    let mut file =
        std::fs::File::create(&path).map_err(|e| format!("cannot buffer standard input: {e}"))?;
    std::io::copy(&mut std::io::stdin().lock(), &mut file)
        .map_err(|e| format!("cannot read standard input: {e}"))?;
    Ok(StdinCopy(path))
}

fn uuid_like() -> String {
    format!(
        "{}-{}",
        std::process::id(),
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
    )
}

struct Progressing<'a> {
    summary: Summary,
    total: u64,
    name: &'a str,
}

impl transcript::Sink for Progressing<'_> {
    fn line(&mut self, line: transcript::Line) {
        self.summary.add(&line);
    }
    fn problem(&mut self, problem: transcript::Problem) {
        self.summary.add_problem(problem);
    }
    fn progress(&mut self, bytes: u64) {
        self.summary.bytes = bytes;
        show_progress("Reading", self.name, bytes, self.total);
    }
}

fn summarise(source: &ImportSource) -> Result<Summary, String> {
    let total = std::fs::metadata(&source.path)
        .map(|m| m.len())
        .unwrap_or(0);
    let mut sink = Progressing {
        summary: Summary::default(),
        total,
        name: &source.file_name,
    };
    let options = transcript::Options {
        format: source.format,
        zone: source.zone,
        date: source.date,
        file_name: Some(source.file_name.clone()),
    };
    let read = transcript::read_path(&source.path, &options, &mut sink);
    clear_progress();
    read.map_err(|e| format!("cannot read {}: {e}", source.file_name))?;
    Ok(sink.summary)
}

/// Ends the progress line on standard error.
fn clear_progress() {
    if std::io::stderr().is_terminal() {
        eprint!("\r\x1b[K");
    } else {
        eprintln!();
    }
}

fn print_summary(source: &ImportSource, s: &Summary) {
    println!(
        "{} ({}), channel {}",
        source.file_name,
        source.format.label(),
        source.channel
    );
    println!("  lines: {}", s.lines);
    if let (Some(first), Some(last)) = (s.first, s.last) {
        println!(
            "  from {} to {}",
            app::domain::zone::format_in_zone(first, source.zone),
            app::domain::zone::format_in_zone(last, source.zone)
        );
    }
    let people = s.participants_by_activity();
    let shown: Vec<String> = people
        .iter()
        .take(10)
        .map(|(a, n)| format!("{a} ({n})"))
        .collect();
    println!(
        "  participants ({}): {}{}",
        people.len(),
        shown.join(", "),
        if people.len() > 10 { ", …" } else { "" }
    );
    if !s.channels.is_empty() {
        let channels: Vec<String> = s
            .channels
            .iter()
            .map(|(c, n)| format!("{c} ({n})"))
            .collect();
        println!("  channels: {}", channels.join(", "));
    }
    if s.problem_count > 0 {
        println!("  {} lines could not be read:", s.problem_count);
        for p in s.problems.iter().take(50) {
            println!("    {p}");
        }
        if s.problem_count > 50 {
            println!("    … and {} more", s.problem_count - 50);
        }
    }
    if s.flagged_count > 0 {
        println!("  {} lines have a time to check:", s.flagged_count);
        for (line, why) in s.flagged.iter().take(20) {
            println!("    line {line}: {why}");
        }
    }
}

fn progress_printer(sources: &[ImportSource]) -> impl Fn(&str, u64) + Send + Sync + 'static {
    let sizes: Vec<(String, u64)> = sources
        .iter()
        .map(|s| {
            (
                s.file_name.clone(),
                std::fs::metadata(&s.path).map(|m| m.len()).unwrap_or(0),
            )
        })
        .collect();
    move |name: &str, bytes: u64| {
        let total = sizes.iter().find(|(n, _)| n == name).map_or(0, |(_, s)| *s);
        show_progress("Importing", name, bytes, total);
    }
}

fn show_progress(what: &str, name: &str, bytes: u64, total: u64) {
    if total == 0 {
        return;
    }
    let percent = (bytes as f64 / total as f64 * 100.0).min(100.0);
    let width = 30;
    let filled = (percent / 100.0 * width as f64) as usize;
    let mut err = std::io::stderr().lock();
    let _ = write!(
        err,
        "\r{what} {name} [{}{}] {percent:>3.0}% ({:.1} of {:.1} MB)",
        "#".repeat(filled),
        " ".repeat(width - filled),
        bytes as f64 / 1_048_576.0,
        total as f64 / 1_048_576.0
    );
    let _ = err.flush();
}
