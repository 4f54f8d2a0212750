//! The transcript formats Debrief reads, and detection of which one a file is.
//!
//! Line formats implement [`LineFormat`]: one decoded line in, one [`Parsed`]
//! out. Document formats (JSON exports, and the CSV and text exports whose
//! records span lines) are read whole by a [`DocumentReader`] that emits
//! entries. The Slack export (a zip, a channel folder or one day's file) and
//! export archives (a zip or tar of other exports) are read in [`crate::read`].

pub mod common;
pub mod csv;
pub mod discord;
pub mod google_chat;
pub mod hexchat;
pub mod html;
pub mod irc_bracket;
pub mod irssi;
pub mod json;
pub mod limnoria;
pub mod matrix;
pub mod mattermost;
pub mod meetbot;
pub mod mirc;
pub mod plain;
pub mod slack_export;
pub mod slack_paste;
pub mod teams;
pub mod textual;
pub mod weechat;
pub mod znc;
pub mod zulip;

use chrono::NaiveDate;

use crate::{Entry, Problem};

/// Where a document format (a JSON export read whole) sends what it reads:
/// each message as an [`Entry`], or a [`Problem`] naming what could not be read.
pub type Emit<'a> = &'a mut dyn FnMut(Result<Entry, Problem>);

/// What one line of a line format is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Parsed {
    /// A message (or join, topic, ...) starting on this line.
    Entry(Entry),
    /// More text of the message before (a multi-line message).
    Continuation(String),
    /// Prose outside any message (a report's title, its summary, a section
    /// after the log): a [`crate::LineKind::Narrative`] line of its own, at
    /// the time of the message before it or, before any, of the first.
    Note(String),
    /// A day marker ("--- Day changed Wed Mar 04 2026"): bare times that
    /// follow fall on this date.
    Day(NaiveDate),
    /// Nothing to keep (a blank line, a banner without a date, a CSV header).
    Skip,
    /// Not a line of this format; the reason names what was expected.
    Invalid(String),
    /// An earlier line, held back to see what follows it, turns out not to
    /// be readable now that this one is read (a time alone on its line
    /// followed by another timed line): its problem, then this line's own
    /// result. Nothing read is let go in silence.
    Unread {
        line: u64,
        reason: String,
        then: Box<Parsed>,
    },
}

/// A format read one line at a time. Parsers may keep state between lines
/// (a CSV record spanning lines, the Slack copy-paste author header).
pub trait LineFormat {
    /// Reads line `number` (1-based), already decoded and stripped of its line
    /// ending and of IRC formatting codes.
    fn parse(&mut self, number: u64, line: &str) -> Parsed;

    /// At the end of the input: whatever is still open (an unterminated CSV
    /// quote, a Slack header with no text after it).
    fn finish(&mut self) -> Option<Parsed> {
        None
    }
}

/// Every format this version reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    Irssi,
    Weechat,
    Znc,
    Hexchat,
    Mirc,
    Textual,
    Limnoria,
    Meetbot,
    IrcBracket,
    SlackExport,
    SlackPaste,
    Plain,
    Csv,
    DiscordJson,
    DiscordCsv,
    DiscordTxt,
    MatrixJson,
    MatrixText,
    GoogleChat,
    Mattermost,
    Teams,
    Zulip,
    /// A zip or tar (optionally gzipped) of exports: each file is detected
    /// and read in its own format, each channel its own transcript.
    Archive,
}

/// Reads one whole document of a document format; `label` names it in problems.
pub type DocumentReader = fn(&[u8], &str, Emit<'_>);

impl Format {
    /// In order of detection preference: specific formats before the generic
    /// ones that would also match their lines.
    pub const ALL: [Format; 23] = [
        Format::SlackExport,
        Format::DiscordJson,
        Format::MatrixJson,
        Format::GoogleChat,
        Format::Mattermost,
        Format::Teams,
        Format::Zulip,
        Format::DiscordCsv,
        Format::DiscordTxt,
        Format::MatrixText,
        Format::Csv,
        Format::Weechat,
        Format::Meetbot,
        Format::Limnoria,
        Format::Znc,
        Format::Irssi,
        Format::Hexchat,
        Format::Textual,
        Format::Mirc,
        Format::IrcBracket,
        Format::SlackPaste,
        Format::Plain,
        Format::Archive,
    ];

    /// The word used on the command line, in forms and in the database.
    pub fn code(self) -> &'static str {
        match self {
            Format::Irssi => "irssi",
            Format::Weechat => "weechat",
            Format::Znc => "znc",
            Format::Hexchat => "hexchat",
            Format::Mirc => "mirc",
            Format::Textual => "textual",
            Format::Limnoria => "limnoria",
            Format::Meetbot => "meetbot",
            Format::IrcBracket => "irc",
            Format::SlackExport => "slack-export",
            Format::SlackPaste => "slack-paste",
            Format::Plain => "plain",
            Format::Csv => "csv",
            Format::DiscordJson => "discord-json",
            Format::DiscordCsv => "discord-csv",
            Format::DiscordTxt => "discord-txt",
            Format::MatrixJson => "matrix-json",
            Format::MatrixText => "matrix-text",
            Format::GoogleChat => "google-chat",
            Format::Mattermost => "mattermost",
            Format::Teams => "teams",
            Format::Zulip => "zulip",
            Format::Archive => "archive",
        }
    }

    pub fn parse(code: &str) -> Option<Format> {
        let code = code.trim().to_ascii_lowercase();
        Self::ALL.into_iter().find(|f| f.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Format::Irssi => "irssi log",
            Format::Weechat => "WeeChat log",
            Format::Znc => "ZNC log module",
            Format::Hexchat => "HexChat / XChat log",
            Format::Mirc => "mIRC log",
            Format::Textual => "Textual log",
            Format::Limnoria => "Limnoria / Supybot ChannelLogger",
            Format::Meetbot => "MeetBot / Meetingology log",
            Format::IrcBracket => "IRC, \"[HH:MM] <nick> text\"",
            Format::SlackExport => "Slack export (zip, channel folder or day file)",
            Format::SlackPaste => "Slack, copied and pasted",
            Format::Plain => "Plain text with times",
            Format::Csv => "CSV (timestamp, channel, author, text)",
            Format::DiscordJson => "Discord (DiscordChatExporter JSON)",
            Format::DiscordCsv => "Discord (DiscordChatExporter CSV)",
            Format::DiscordTxt => "Discord (DiscordChatExporter text)",
            Format::MatrixJson => "Matrix / Element export (JSON)",
            Format::MatrixText => "Matrix / Element export (plain text)",
            Format::GoogleChat => "Google Chat (Takeout messages.json)",
            Format::Mattermost => "Mattermost bulk export (JSONL)",
            Format::Teams => "Microsoft Teams (messages JSON)",
            Format::Zulip => "Zulip export (messages JSON)",
            Format::Archive => "Export archive (zip or tar of exports)",
        }
    }

    /// One line that shows what the format looks like (for `--list-formats`).
    pub fn example(self) -> &'static str {
        match self {
            Format::Irssi => "14:32 <@sam> checkout p99 is up",
            Format::Weechat => "2026-03-04 14:32:05\t@sam\tcheckout p99 is up",
            Format::Znc => "[14:32:05] <sam> checkout p99 is up",
            Format::Hexchat => "Mar 04 14:32:05 <sam>\tcheckout p99 is up",
            Format::Mirc => "[14:32] <sam> checkout p99 is up (with \"Session Start:\" lines)",
            Format::Textual => "[2026-03-04T14:32:05+0100] <sam> checkout p99 is up",
            Format::Limnoria => "2026-03-04T14:32:05  <sam> checkout p99 is up",
            Format::Meetbot => "14:32:05 <sam> #action check the load balancer",
            Format::IrcBracket => "[14:32] <sam> checkout p99 is up",
            Format::SlackExport => "channels.json, users.json, general/2026-03-04.json",
            Format::SlackPaste => "Sam Lee  2:32 PM / checkout p99 is up",
            Format::Plain => "14:32 sam: checkout p99 is up",
            Format::Csv => "timestamp,channel,author,text",
            Format::DiscordJson => {
                "{\"guild\": …, \"channel\": …, \"messages\": [{\"timestamp\": …}]}"
            }
            Format::DiscordCsv => "AuthorID,Author,Date,Content,Attachments,Reactions",
            Format::DiscordTxt => "[3/4/2026 2:32 PM] sam / checkout p99 is up",
            Format::MatrixJson => {
                "{\"room_name\": …, \"messages\": [{\"type\": \"m.room.message\"}]}"
            }
            Format::MatrixText => "Wed, Mar 4, 2026, 2:32:05 PM - Sam Lee: checkout p99 is up",
            Format::GoogleChat => "{\"messages\": [{\"creator\": …, \"created_date\": …}]}",
            Format::Mattermost => {
                "{\"type\":\"version\",\"version\":1} then {\"type\":\"post\",\"post\":{…}} lines"
            }
            Format::Teams => {
                "[{\"createdDateTime\": …, \"from\": …, \"body\": {\"contentType\": \"html\"}}]"
            }
            Format::Zulip => {
                "{\"zerver_message\": [{\"sender\": …, \"date_sent\": …}]} with realm.json"
            }
            Format::Archive => "export.zip or export.tar.gz holding several channels' exports",
        }
    }

    /// Whether the format is read line by line.
    pub fn is_line_based(self) -> bool {
        self.document_reader().is_none() && self != Format::Archive
    }

    /// The reader of a document format (a Slack export's single day file for
    /// the Slack export); `None` for line formats and archives.
    pub fn document_reader(self) -> Option<DocumentReader> {
        Some(match self {
            Format::SlackExport => slack_export::read_day,
            Format::DiscordJson => discord::read_json,
            Format::DiscordCsv => discord::read_csv,
            Format::DiscordTxt => discord::read_txt,
            Format::MatrixJson => matrix::read_json,
            Format::MatrixText => matrix::read_text,
            Format::GoogleChat => google_chat::read,
            Format::Mattermost => mattermost::read,
            Format::Teams => teams::read,
            Format::Zulip => zulip::read,
            _ => return None,
        })
    }

    /// How sure content alone makes a document format (see each `sniff`).
    fn sniff(self, head: &str) -> Option<f32> {
        Some(match self {
            Format::SlackExport => slack_export::sniff(head),
            Format::DiscordJson => discord::sniff_json(head),
            Format::DiscordCsv => discord::sniff_csv(head),
            Format::DiscordTxt => discord::sniff_txt(head),
            Format::MatrixJson => matrix::sniff_json(head),
            Format::MatrixText => matrix::sniff_text(head),
            Format::GoogleChat => google_chat::sniff(head),
            Format::Mattermost => mattermost::sniff(head),
            Format::Teams => teams::sniff(head),
            Format::Zulip => zulip::sniff(head),
            _ => return None,
        })
    }

    /// A fresh parser for a line format; `None` for the others.
    pub fn line_parser(self) -> Option<Box<dyn LineFormat>> {
        Some(match self {
            Format::Irssi => Box::new(irssi::Irssi::default()),
            Format::Weechat => Box::new(weechat::Weechat::default()),
            Format::Znc => Box::new(znc::Znc::default()),
            Format::Hexchat => Box::new(hexchat::Hexchat::default()),
            Format::Mirc => Box::new(mirc::Mirc::default()),
            Format::Textual => Box::new(textual::Textual::default()),
            Format::Limnoria => Box::new(limnoria::Limnoria::default()),
            Format::Meetbot => Box::new(meetbot::Meetbot::default()),
            Format::IrcBracket => Box::new(irc_bracket::IrcBracket::default()),
            Format::SlackPaste => Box::new(slack_paste::SlackPaste::default()),
            Format::Plain => Box::new(plain::Plain::default()),
            Format::Csv => Box::new(csv::Csv::default()),
            _ => return None,
        })
    }
}

/// A format and how sure detection is of it (0 to 1).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Detected {
    pub format: Format,
    pub confidence: f32,
}

/// How many non-blank lines detection looks at.
pub const SAMPLE_LINES: usize = 200;

/// How much of a file detection reads.
pub const HEAD_BYTES: u64 = 64 * 1024;

/// Below this confidence a file is reported as not recognised, with the
/// best guesses, rather than read as the best of them.
pub const RECOGNISED: f32 = 0.5;

/// Whether detection recognised the file (its best guess is sure enough).
pub fn recognised(ranked: &[Detected]) -> bool {
    ranked.first().is_some_and(|d| d.confidence >= RECOGNISED)
}

/// Ranks the formats for a file on disk (a folder is an unzipped Slack
/// export), reading only its first [`HEAD_BYTES`] (and, for a zip, its list
/// of files: a Slack export, or an archive of other exports).
pub fn detect_path(
    path: &std::path::Path,
    file_name: Option<&str>,
) -> std::io::Result<Vec<Detected>> {
    use std::io::Read;
    if path.is_dir() {
        return Ok(vec![Detected {
            format: Format::SlackExport,
            confidence: 1.0,
        }]);
    }
    let mut head = Vec::with_capacity(HEAD_BYTES as usize);
    std::fs::File::open(path)?
        .take(HEAD_BYTES)
        .read_to_end(&mut head)?;
    if head.starts_with(ZIP_MAGIC) {
        // A zip whose file list cannot be read is left to the Slack reader,
        // which says what is wrong with it.
        let slack = crate::read::archive_names(path)
            .map_or(true, |names| slack_export::is_slack_export(&names));
        return Ok(vec![Detected {
            format: if slack {
                Format::SlackExport
            } else {
                Format::Archive
            },
            confidence: 1.0,
        }]);
    }
    Ok(detect(&head, file_name))
}

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";

/// Whether `head` starts like a tar archive, gzipped or not.
pub fn is_tar_head(head: &[u8]) -> bool {
    head.starts_with(&[0x1f, 0x8b]) || head.get(257..262) == Some(b"ustar")
}

/// Ranks the formats for a file from its first bytes and its name, best first.
/// `head` is the start of the file (a few KB are plenty). A zip is taken for
/// a Slack export (its list of files, which [`detect_path`] reads, tells it
/// from an archive of other exports).
pub fn detect(head: &[u8], file_name: Option<&str>) -> Vec<Detected> {
    let name = file_name.unwrap_or("").to_ascii_lowercase();
    let sure = |format| {
        vec![Detected {
            format,
            confidence: 1.0,
        }]
    };
    if head.starts_with(ZIP_MAGIC) {
        return sure(Format::SlackExport);
    }
    if is_tar_head(head) {
        return sure(Format::Archive);
    }
    let text = String::from_utf8_lossy(head);
    let text = text.trim_start_matches('\u{feff}');
    let mut ranked: Vec<Detected> = Format::ALL
        .into_iter()
        .filter_map(|format| {
            format
                .sniff(text)
                .map(|confidence| Detected { format, confidence })
        })
        .filter(|d| d.confidence > 0.0)
        .collect();
    let best_document = ranked.iter().map(|d| d.confidence).fold(0.0, f32::max);
    // A head cut mid-line: drop the partial last line.
    let complete = match text.rfind('\n') {
        Some(end) if head.len() >= 4096 => &text[..end],
        _ => text,
    };
    let sample: Vec<&str> = complete
        .lines()
        .map(|l| l.trim_start_matches('\u{feff}').trim_end_matches('\r'))
        .filter(|l| !l.trim().is_empty())
        .take(SAMPLE_LINES)
        .collect();
    let scores: Vec<(Format, Score)> = Format::ALL
        .into_iter()
        .filter(|f| f.is_line_based())
        .map(|format| (format, score(format, &sample, &name)))
        .collect();
    // Plain text reads the lines of most formats too, and the lines it does
    // not read do not count against it: a format that reads at least as many
    // lines as plain text reads with times, and no more than one line in
    // four it cannot, is the file's format and ranks above plain text. (A
    // report's prose around a log in that format is more than that.)
    let plain_read = scores
        .iter()
        .find(|(f, _)| *f == Format::Plain)
        .map_or(0, |(_, s)| s.read);
    let above_plain = scores
        .iter()
        .filter(|(f, s)| {
            *f != Format::Plain && s.read > 0 && s.read >= plain_read && s.unread * 4 <= s.read
        })
        .map(|(_, s)| s.confidence)
        .fold(None, |best: Option<f32>, c| {
            Some(best.map_or(c, |b| b.max(c)))
        });
    ranked.extend(
        scores
            .into_iter()
            .map(|(format, score)| {
                let mut confidence = score.confidence;
                if format == Format::Plain
                    && let Some(specific) = above_plain
                {
                    confidence = confidence.min(specific * 0.99);
                }
                // An export's own layout, when recognised, ranks above the
                // generic formats that read its lines too (a Discord CSV is
                // also a CSV with author and date columns).
                if best_document >= 0.8 {
                    confidence = confidence.min(best_document * 0.9);
                }
                Detected { format, confidence }
            })
            .filter(|d| d.confidence > 0.0),
    );
    if ranked.is_empty() && name.ends_with(".json") {
        ranked.push(Detected {
            format: Format::SlackExport,
            confidence: 0.3,
        });
    }
    // Stable: equal scores keep the preference order of `Format::ALL`.
    ranked.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
    ranked
}

/// How many lines with a time plain text needs before the prose around them
/// stops counting against it (see [`score`]).
const PLAIN_TIMED_LINES: usize = 3;

/// What reading the sample in a line format found.
#[derive(Clone, Copy, Debug, Default)]
struct Score {
    confidence: f32,
    /// Lines read as the format's (messages, day markers).
    read: usize,
    /// Lines the format could not read.
    unread: usize,
}

/// How sure the sample makes a line format: the share of its lines the
/// format reads, lowered for the generic formats and raised by a file name
/// that says the format.
fn score(format: Format, sample: &[&str], name: &str) -> Score {
    let Some(mut parser) = format.line_parser() else {
        return Score::default();
    };
    if sample.is_empty() {
        return Score::default();
    }
    let mut recognised = 0usize;
    let mut unread = 0usize;
    let mut looks_timed = 0usize;
    for (i, line) in sample.iter().enumerate() {
        let stripped = crate::text::strip_formatting(line);
        if format == Format::Plain && plain::looks_timed(&stripped) {
            looks_timed += 1;
        }
        let mut parsed = parser.parse(i as u64 + 1, &stripped);
        if let Parsed::Unread { then, .. } = parsed {
            unread += 1;
            parsed = *then;
        }
        match parsed {
            Parsed::Entry(_) | Parsed::Day(_) => recognised += 1,
            // A Slack paste's text lines continue a message only after a
            // "Sam Lee  2:32 PM" header: they are lines of the format.
            Parsed::Continuation(_) if format == Format::SlackPaste => recognised += 1,
            Parsed::Invalid(_) => unread += 1,
            Parsed::Skip | Parsed::Continuation(_) | Parsed::Note(_) | Parsed::Unread { .. } => {}
        }
    }
    // Plain text with times is what a report pasted whole is: its title,
    // summary and lessons around the timeline do not count against it, only
    // lines that look timed and are not read. Prose with a time or two in it
    // is not a log: below a few lines read, all lines count.
    let mut confidence = if format == Format::Plain && recognised >= PLAIN_TIMED_LINES {
        recognised as f32 / looks_timed.max(recognised) as f32
    } else {
        recognised as f32 / sample.len() as f32
    };
    // Generic formats read the lines of specific ones too: they rank below a
    // specific format that reads as much.
    confidence *= match format {
        Format::IrcBracket => 0.97,
        Format::SlackPaste => 0.95,
        Format::Plain => 0.9,
        _ => 1.0,
    };
    // mIRC, ZNC and MeetBot message lines are those of a generic layout
    // ("[HH:MM] <nick>", irssi's "HH:MM <nick>"): without a line only they
    // write, they rank below it.
    if !has_signature(format, sample, name) {
        confidence *= 0.96;
    }
    let hinted = match format {
        Format::Csv => name.ends_with(".csv"),
        Format::Weechat => name.ends_with(".weechatlog"),
        _ => false,
    };
    if hinted {
        confidence = (confidence + 0.2).min(1.0);
    }
    Score {
        confidence,
        read: recognised,
        unread,
    }
}

/// Whether the sample has a line only `format` writes, for the formats whose
/// other lines a generic format reads as well (always true for the others).
fn has_signature(format: Format, sample: &[&str], name: &str) -> bool {
    let any = |marks: &[&str]| sample.iter().any(|l| marks.iter().any(|m| l.contains(m)));
    match format {
        Format::Mirc => any(&["Session Start:", "Session Time:", "Session Ident:"]),
        Format::Znc => any(&["] *** Joins: ", "] *** Parts: ", "] *** Quits: "]),
        Format::Meetbot => {
            name.ends_with(".log.txt")
                || sample.iter().any(|l| {
                    l.as_bytes()
                        .windows(b"#startmeeting".len())
                        .any(|w| w.eq_ignore_ascii_case(b"#startmeeting"))
                        || l.contains("> Meeting started ")
                })
        }
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for f in Format::ALL {
            assert_eq!(Format::parse(f.code()), Some(f));
        }
        assert_eq!(Format::parse("IRSSI"), Some(Format::Irssi));
        assert_eq!(Format::parse("Teams"), Some(Format::Teams));
        assert_eq!(Format::parse("skype"), None);
    }

    #[test]
    fn zips_and_json_are_slack_exports() {
        assert_eq!(
            detect(b"PK\x03\x04rest", Some("export.zip"))[0].format,
            Format::SlackExport
        );
        assert_eq!(
            detect(b"[\n {\"type\": \"message\", \"ts\": \"1\"}]", None)[0].format,
            Format::SlackExport
        );
    }
}
