//! One rule for the format a file is read in and whether it can be
//! imported, so that the import page and `debrief import` give one answer
//! for the same file.
//!
//! - A format the person chose is used as it is.
//! - Otherwise the file is read as detection's best guess when detection
//!   recognises it ([`crate::formats::recognised`]) or when the best guess
//!   reads it cleanly ([`Summary::read_cleanly`]: an ordinary paste that
//!   detection is unsure of, yet every line of which reads).
//! - Otherwise it is not recognised: the person chooses its format.
//!
//! A file of which no line reads cannot be imported either way, and
//! [`nothing_read`] words that refusal for both, naming the first problem
//! that explains it.

use std::fmt;
use std::path::Path;

use crate::Problem;
use crate::formats::{Detected, Format, detect_path, recognised};
use crate::read::{Options, read_path};
use crate::summary::Summary;

/// Detection's best guesses for a file it does not recognise, and, when
/// the best guess read no line of it, why (a UTF-16 file, an image, ...).
#[derive(Clone, Debug, PartialEq)]
pub struct Unrecognised {
    pub guesses: Vec<Detected>,
    pub nothing_read: Option<String>,
}

impl fmt::Display for Unrecognised {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not recognised as a chat log or export Debrief reads")?;
        let guesses: Vec<String> = self
            .guesses
            .iter()
            .take(3)
            .map(|d| format!("{} {:.0}%", d.format.label(), d.confidence * 100.0))
            .collect();
        if !guesses.is_empty() {
            write!(f, " (best guesses: {})", guesses.join(", "))?;
        }
        if let Some(why) = &self.nothing_read {
            write!(f, ". {}", why.trim_end_matches('.'))?;
        }
        Ok(())
    }
}

/// Whether a file may be read as detection's best guess without the person
/// choosing: detection is sure, or the best guess read it cleanly.
pub fn accepted(ranked: &[Detected], best_guess_read: &Summary) -> bool {
    recognised(ranked) || best_guess_read.read_cleanly()
}

/// The format to read the file at `path` in (see the module's rule).
/// `options` are the reading settings (zone, date, file name); its format is
/// ignored. The outer error is the file not being readable at all.
pub fn choose_format(
    path: &Path,
    options: &Options,
    chosen: Option<Format>,
) -> std::io::Result<Result<Format, Unrecognised>> {
    if let Some(format) = chosen {
        return Ok(Ok(format));
    }
    let ranked = detect_path(path, options.file_name.as_deref())?;
    // No guess at all (an image, UTF-16 text): read as plain text, which
    // says what the file is.
    let best = ranked.first().map_or(Format::Plain, |d| d.format);
    if recognised(&ranked) {
        return Ok(Ok(best));
    }
    let mut summary = Summary::default();
    let reading = Options {
        format: best,
        ..options.clone()
    };
    let label = options.file_name.as_deref().unwrap_or("the file");
    // A file the best guess cannot read at all (UTF-16 text, say) is one
    // the person must see why for, not a failure of the server.
    if let Err(e) = read_path(path, &reading, &mut summary) {
        return Ok(Err(Unrecognised {
            guesses: ranked,
            nothing_read: Some(format!(
                "{label} could not be read ({e}); nothing was imported."
            )),
        }));
    }
    Ok(if accepted(&ranked, &summary) {
        Ok(best)
    } else {
        Err(Unrecognised {
            guesses: ranked,
            nothing_read: (summary.lines == 0)
                .then(|| nothing_read(label, best, &summary.problems)),
        })
    })
}

/// The refusal for a file of which no line could be read as `format`,
/// naming the problem that explains it best: the first about a time that
/// did not read, else the first of all (a title line of prose is seldom
/// why a whole file failed).
pub fn nothing_read<'a>(
    label: &str,
    format: Format,
    problems: impl IntoIterator<Item = &'a Problem>,
) -> String {
    let problems: Vec<&Problem> = problems.into_iter().collect();
    let telling = problems
        .iter()
        .find(|p| p.reason.contains("looks like a time") || p.reason.contains("time of day"))
        .or_else(|| problems.first());
    let why = telling
        .map(|p| match p.line {
            0 => format!(" The first problem: {}.", p.reason),
            n => format!(" The first problem, line {n}: {}.", p.reason),
        })
        .unwrap_or_default();
    format!(
        "No line of {label} could be read as {}; nothing was imported.{why} Check the format, or choose another.",
        format.label()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(name: &str) -> Options {
        Options {
            format: Format::Plain,
            zone: chrono_tz::UTC,
            date: chrono::NaiveDate::from_ymd_opt(2026, 3, 4),
            file_name: Some(name.to_string()),
        }
    }

    fn file(text: &str) -> tempfile::NamedTempFile {
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), text).unwrap();
        f
    }

    #[test]
    fn a_chosen_format_is_used_as_it_is() {
        let f = file("Dear team,\nthe review is on Thursday.\n");
        let chosen = choose_format(f.path(), &options("agenda.txt"), Some(Format::Plain)).unwrap();
        assert_eq!(chosen, Ok(Format::Plain));
    }

    #[test]
    fn a_letter_is_not_recognised_and_names_its_guesses() {
        let f = file("Dear team,\nthe review is on Thursday.\nThanks, Sam\n");
        let refused = choose_format(f.path(), &options("agenda.txt"), None)
            .unwrap()
            .unwrap_err();
        assert!(
            refused
                .to_string()
                .starts_with("not recognised as a chat log"),
            "{refused}"
        );
    }

    #[test]
    fn an_incident_report_with_prose_is_read_as_plain_text() {
        let f = file(
            "Checkout outage\n\nThe cache was flushed at the wrong time.\n\nTimeline\n- 10:02 sam: p99 climbing\n- 10:04: alert fired\n- ~10:10 kim: paged the database on-call\n- 10:30 latency normal\n\nWhat we learned\nWarm the cache first.\n",
        );
        assert_eq!(
            choose_format(f.path(), &options("report.txt"), None).unwrap(),
            Ok(Format::Plain)
        );
    }

    #[test]
    fn nothing_read_names_the_time_that_failed_before_a_line_of_prose() {
        let problems = [
            Problem::new(1, "no time at the start of the line"),
            Problem::new(
                4,
                "`25:61 restarted` looks like a time but 25:61 is not a time of day",
            ),
        ];
        let message = nothing_read("ops.txt", Format::Plain, &problems);
        assert!(message.contains("line 4: `25:61 restarted`"), "{message}");
        assert!(
            message.starts_with("No line of ops.txt could be read as"),
            "{message}"
        );
    }
}
