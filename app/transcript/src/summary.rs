//! What the preview shows before anything is stored: counts, time range,
//! participants, and every line that could not be read.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::read::Sink;
use crate::{Line, LineKind, Problem};

/// How many problems and flagged lines the summary lists; the rest are counted.
pub const LISTED: usize = 1000;

/// How many of the first lines read the summary keeps, as a sample of what
/// the reader made of the file.
pub const SAMPLE: usize = 5;

/// A running summary of a transcript, filled as a [`Sink`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Summary {
    pub lines: u64,
    pub by_kind: BTreeMap<LineKind, u64>,
    pub first: Option<DateTime<Utc>>,
    pub last: Option<DateTime<Utc>>,
    /// Authors and how many lines each wrote.
    pub participants: BTreeMap<String, u64>,
    /// Channels named by the lines themselves (a Slack export, a CSV column).
    pub channels: BTreeMap<String, u64>,
    pub problems: Vec<Problem>,
    pub problem_count: u64,
    /// Lines whose time the reader should check: (line, reason).
    pub flagged: Vec<(u64, String)>,
    pub flagged_count: u64,
    pub bytes: u64,
    /// The first [`SAMPLE`] lines read, as read.
    pub sample: Vec<Line>,
}

impl Summary {
    /// Adds a line (what [`Sink::line`] does), for sinks that wrap a summary.
    pub fn add(&mut self, line: &Line) {
        self.lines += 1;
        if self.sample.len() < SAMPLE {
            self.sample.push(line.clone());
        }
        *self.by_kind.entry(line.kind).or_default() += 1;
        self.first = Some(self.first.map_or(line.at, |f| f.min(line.at)));
        self.last = Some(self.last.map_or(line.at, |l| l.max(line.at)));
        if let Some(author) = &line.author
            && (self.participants.contains_key(author) || self.participants.len() < 10_000)
        {
            *self.participants.entry(author.clone()).or_default() += 1;
        }
        if let Some(channel) = &line.channel {
            *self.channels.entry(channel.clone()).or_default() += 1;
        }
        if let Some(flag) = &line.flag {
            self.flagged_count += 1;
            if self.flagged.len() < LISTED {
                self.flagged.push((line.line, flag.describe()));
            }
        }
    }

    pub fn add_problem(&mut self, problem: Problem) {
        self.problem_count += 1;
        if self.problems.len() < LISTED {
            self.problems.push(problem);
        }
    }

    /// Whether the file read cleanly: several lines, and hardly any that
    /// could not be read. A file that reads like this in a format is in that
    /// format, however unsure detection was from its first bytes.
    pub fn read_cleanly(&self) -> bool {
        self.lines >= 3 && self.problem_count * 10 <= self.lines
    }

    /// Participants, most active first.
    pub fn participants_by_activity(&self) -> Vec<(&str, u64)> {
        let mut list: Vec<(&str, u64)> = self
            .participants
            .iter()
            .map(|(a, n)| (a.as_str(), *n))
            .collect();
        list.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        list
    }
}

impl Sink for Summary {
    fn line(&mut self, line: Line) {
        self.add(&line);
    }
    fn problem(&mut self, problem: Problem) {
        self.add_problem(problem);
    }
    fn progress(&mut self, bytes: u64) {
        self.bytes = bytes;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::Format;
    use crate::read::{Options, read_text};

    #[test]
    fn summarises_a_transcript() {
        let text = "[14:32] <sam> alert fired\n[14:33] <kim> looking\nnot a line\n[14:35] <sam> rolled back\n";
        let mut summary = Summary::default();
        let options = Options {
            format: Format::IrcBracket,
            zone: chrono_tz::UTC,
            date: chrono::NaiveDate::from_ymd_opt(2026, 3, 4),
            file_name: None,
        };
        read_text(text.as_bytes(), &options, &mut summary).unwrap();
        assert_eq!(summary.lines, 3);
        assert_eq!(
            summary
                .sample
                .iter()
                .map(|l| (l.author.as_deref(), l.text.as_str()))
                .collect::<Vec<_>>(),
            [
                (Some("sam"), "alert fired"),
                (Some("kim"), "looking"),
                (Some("sam"), "rolled back")
            ]
        );
        assert_eq!(
            summary.participants_by_activity(),
            vec![("sam", 2), ("kim", 1)]
        );
        assert_eq!(
            summary.first.unwrap().to_rfc3339(),
            "2026-03-04T14:32:00+00:00"
        );
        assert_eq!(
            summary.last.unwrap().to_rfc3339(),
            "2026-03-04T14:35:00+00:00"
        );
        assert_eq!(summary.problem_count, 1);
        assert_eq!(summary.problems[0].line, 3);
        assert_eq!(summary.bytes, text.len() as u64);
    }
}
