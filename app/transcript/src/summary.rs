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
    /// Messages that lines without a time continue: (the message's line, how
    /// many lines continue it).
    pub continued: Vec<(u64, u32)>,
    /// Lines joined to the message before them, in all.
    pub continuations: u64,
    /// Lines whose time is written as an estimate (`~14:30`, `around 14:30`).
    pub approximate: u64,
    /// Zones the lines' own text named after their times, as
    /// [`crate::NamedZone::describe`] writes them, and how many lines each.
    pub zones: BTreeMap<String, u64>,
    pub bytes: u64,
    /// The first [`SAMPLE`] lines read, as read.
    pub sample: Vec<Line>,
    /// The last line read (kept when the summary is the sink itself, as for
    /// the preview, by moving the line in: no copy of every line), and the
    /// first [`SAMPLE`] whose time is flagged: with the first lines, what a
    /// commander checks to see at once whether the reading is right.
    pub last_line: Option<Line>,
    pub flagged_sample: Vec<Line>,
}

impl Summary {
    /// Adds a line (what [`Sink::line`] does), for sinks that wrap a summary.
    pub fn add(&mut self, line: &Line) {
        self.lines += 1;
        if self.sample.len() < SAMPLE {
            self.sample.push(line.clone());
        }
        if line.flag.is_some() && self.flagged_sample.len() < SAMPLE {
            self.flagged_sample.push(line.clone());
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
        if line.continued > 0 {
            self.continuations += u64::from(line.continued);
            if self.continued.len() < LISTED {
                self.continued.push((line.line, line.continued));
            }
        }
        if line.approximate {
            self.approximate += 1;
        }
        if let Some(zone) = &line.zone {
            *self.zones.entry(zone.describe()).or_default() += 1;
        }
    }

    /// For the preview: "times read as PST (UTC−08:00) from the text", when
    /// lines named their zone.
    pub fn zones_read(&self) -> Option<String> {
        let names: Vec<&str> = self.zones.keys().map(String::as_str).collect();
        match names.as_slice() {
            [] => None,
            [one] => Some(format!("times read as {one} from the text")),
            [first @ .., last] => Some(format!(
                "times read as {} and {last} from the text",
                first.join(", ")
            )),
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
        let sampled = self.sample.len() < SAMPLE;
        self.add(&line);
        if !sampled {
            self.last_line = Some(line);
        }
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

    /// `[HH:MM] <nick>` lines, in UTC, on 2026-03-04.
    fn irc_on_march_4() -> Options {
        Options {
            format: Format::IrcBracket,
            zone: chrono_tz::UTC,
            date: chrono::NaiveDate::from_ymd_opt(2026, 3, 4),
            file_name: None,
        }
    }

    #[test]
    fn summarises_a_transcript() {
        let text = "[14:32] <sam> alert fired\n[14:33] <kim> looking\nnot a line\n[14:35] <sam> rolled back\n";
        let mut summary = Summary::default();
        let options = irc_on_march_4();
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

    #[test]
    fn keeps_the_first_lines_the_last_and_the_flagged_ones_as_a_sample() {
        let mut text = String::new();
        for m in 0..20 {
            text.push_str(&format!("[14:{m:02}] <sam> step {m}\n"));
        }
        // One typo among them: 13:05 between 14:xx lines.
        text = text.replace("[14:10] <sam> step 10", "[13:05] <sam> step 10");
        let mut summary = Summary::default();
        let options = irc_on_march_4();
        read_text(text.as_bytes(), &options, &mut summary).unwrap();
        assert_eq!(summary.sample.len(), SAMPLE);
        assert_eq!(
            summary.last_line.as_ref().map(|l| l.text.as_str()),
            Some("step 19")
        );
        let flagged: Vec<&str> = summary
            .flagged_sample
            .iter()
            .map(|l| l.text.as_str())
            .collect();
        assert_eq!(flagged, ["step 10"]);
    }
}
