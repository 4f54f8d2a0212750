//! Server functions for transcripts: preview a staged upload, import it, read
//! the chronological review, promote lines into timeline events, and dismiss
//! suggestions. Uploads arrive through `server::staging` (multipart).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::ids::TranscriptLineId;
use crate::domain::incident::IncidentNumber;
use crate::error::AppError;

/// A format as the import form offers it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FormatChoice {
    pub code: String,
    pub label: String,
}

/// What reading one staged file found, before anything is stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FilePreview {
    pub index: usize,
    pub name: String,
    /// "1.2 MB".
    pub size: String,
    /// The format it is read as (detected, or chosen).
    pub format: String,
    pub format_label: String,
    /// Detection's confidence in the format, 0–100; `None` when chosen by hand.
    pub confidence: Option<u32>,
    /// Whether detection recognised the file (or a person chose its format):
    /// when not, the format shown is only the best guess.
    pub recognised: bool,
    /// Other formats detection considered, with their confidence.
    pub alternatives: Vec<(String, String, u32)>,
    pub channel: String,
    pub lines: u64,
    /// The first lines as read, the last, and the first lines whose time is
    /// flagged (time as the viewer reads it, author, text cut at 200
    /// characters), so the person sees at once what a format makes of it.
    pub sample: Vec<SampleLine>,
    /// "times read as PST (UTC−08:00) from the text", when lines named their zone.
    pub zones_read: Option<String>,
    /// Lines whose time is written as an estimate (`~14:30`, `around 14:30`).
    pub approximate: u64,
    /// Lines without a time joined to the message above them.
    pub continuations: u64,
    /// (kind label, count).
    pub kinds: Vec<(String, u64)>,
    pub first: Option<String>,
    pub last: Option<String>,
    /// Most active first, at most 30: (name, lines).
    pub participants: Vec<(String, u64)>,
    pub participant_count: usize,
    /// Channels named inside the file (a Slack export, a CSV column).
    pub channels: Vec<(String, u64)>,
    /// (line, reason), the first 200.
    pub problems: Vec<(u64, String)>,
    pub problem_count: u64,
    /// Lines whose time needs checking: (line, why), the first 200.
    pub flagged: Vec<(u64, String)>,
    pub flagged_count: u64,
    /// Where bare times got their date: "the lines", "the file name", ...
    pub dates_from: String,
}

/// The lines a preview shows as read: the first ones, the last, and the
/// first ones whose time is flagged, each once, in file order.
#[cfg(feature = "ssr")]
fn sample_lines(
    summary: &transcript::summary::Summary,
    shown: &dyn Fn(chrono::DateTime<chrono::Utc>) -> String,
) -> Vec<SampleLine> {
    let mut lines: Vec<&transcript::Line> = summary
        .sample
        .iter()
        .chain(summary.last_line.as_ref())
        .chain(summary.flagged_sample.iter())
        .collect();
    lines.sort_by_key(|l| l.line);
    lines.dedup_by_key(|l| l.line);
    lines
        .into_iter()
        .map(|l| SampleLine {
            line: l.line,
            time: shown(l.at),
            author: l.author.clone().unwrap_or_default(),
            text: l.text.chars().take(200).collect(),
            note: l.time_note().unwrap_or_default(),
        })
        .collect()
}

/// One line of a preview's sample.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SampleLine {
    /// The line's number in the file.
    pub line: u64,
    pub time: String,
    pub author: String,
    pub text: String,
    /// What to check about it: its time is an estimate, or out of order.
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportPreview {
    pub number: i64,
    pub title: String,
    pub staged: String,
    pub files: Vec<FilePreview>,
    /// The zone wall-clock times are read in.
    pub zone: String,
    /// The date bare times start on, unless the file says.
    pub date: String,
    pub formats: Vec<FormatChoice>,
    /// Every file has at least one line to import.
    pub ready: bool,
}

/// The review's filters and page, as they arrive from the query string.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReviewQuery {
    pub channel: String,
    pub author: String,
    pub kind: String,
    pub text: String,
    /// "1": show joins, parts and quits.
    pub presence: String,
    /// "1": only lines with a pending suggestion.
    pub suggested: String,
    /// One thread only (its key in the source).
    pub thread: String,
    /// 1-based.
    pub page: String,
}

impl ReviewQuery {
    /// The query string that keeps these filters (without the page).
    pub fn query(&self) -> String {
        let mut parts = Vec::new();
        for (key, value) in [
            ("channel", &self.channel),
            ("author", &self.author),
            ("kind", &self.kind),
            ("text", &self.text),
            ("presence", &self.presence),
            ("suggested", &self.suggested),
            ("thread", &self.thread),
        ] {
            if !value.is_empty() {
                parts.push(format!(
                    "{key}={}",
                    crate::domain::query_text::query_value(value)
                ));
            }
        }
        parts.join("&")
    }
}

/// A suggestion on a line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SuggestionRow {
    pub rule: String,
    pub why: String,
    pub event_kind: String,
    pub event_kind_label: String,
    pub moment: Option<String>,
    pub moment_label: Option<String>,
}

/// One line of the review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewRow {
    pub id: i64,
    /// "14:32:05", in the viewer's zone; the date is shown when it changes.
    pub time: String,
    pub date: String,
    pub iso: String,
    pub channel: String,
    pub line_no: i64,
    pub kind: String,
    pub kind_label: String,
    pub author: String,
    pub text: String,
    pub thread: Option<String>,
    /// When the line replies in a thread: the thread's first line.
    pub reply_to: Option<ThreadLink>,
    /// When the line starts a thread: how many replies it has.
    pub replies: i64,
    pub flag: Option<String>,
    /// "#ops line 12" for each other place the same message was read.
    pub also_in: Vec<String>,
    pub suggestion: Option<SuggestionRow>,
    /// Live timeline events made from this line.
    pub events: Vec<String>,
}

/// The first line of a thread, as a reply links to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThreadLink {
    pub id: i64,
    pub author: String,
    /// "14:32", in the viewer's zone.
    pub time: String,
}

/// A transcript of the incident, as the review lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TranscriptRow {
    pub channel: String,
    pub file_name: String,
    pub format: String,
    pub lines: i64,
    pub duplicates: i64,
    pub problems: i64,
    /// The first lines that could not be read: (line, reason).
    pub problem_lines: Vec<(i64, String)>,
    pub imported: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewView {
    pub number: i64,
    pub title: String,
    pub transcripts: Vec<TranscriptRow>,
    pub rows: Vec<ReviewRow>,
    /// Lines matching the filters, in all.
    pub total: i64,
    pub page: i64,
    pub pages: i64,
    pub channels: Vec<String>,
    pub authors: Vec<String>,
    /// (code, label) of every line kind.
    pub kinds: Vec<(String, String)>,
    /// (code, label) of timeline event kinds, for promoting.
    pub event_kinds: Vec<(String, String)>,
    /// (code, label) of key moments, for marking.
    pub moments: Vec<(String, String)>,
    pub viewer_zone: String,
    /// Durations of the incident's phases, as the incident page shows them:
    /// (phase, duration text).
    pub durations: Vec<(String, String)>,
    /// Whether the caller may change the timeline (promote, accept, import,
    /// file countermeasures): a viewer is not offered what would be refused.
    pub can_edit: bool,
}

/// Lines per page of the review.
pub const REVIEW_PAGE: i64 = 500;

#[cfg(feature = "ssr")]
pub(crate) mod shape {
    use super::*;
    use crate::server::staging::StagedFile;
    use chrono::NaiveDate;
    use chrono_tz::Tz;
    use transcript::clock::DaySource;
    use transcript::formats::{Format, detect_path};
    use transcript::summary::Summary;

    pub fn formats() -> Vec<FormatChoice> {
        Format::ALL
            .into_iter()
            .map(|f| FormatChoice {
                code: f.code().into(),
                label: f.label().into(),
            })
            .collect()
    }

    pub fn size(bytes: u64) -> String {
        if bytes >= 1024 * 1024 {
            format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
        } else {
            format!("{} KB", bytes.div_ceil(1024))
        }
    }

    /// Reads a staged file for the preview: detects its format (unless one
    /// is chosen) and summarises it. Blocking: call on a blocking thread.
    /// How every file of an upload is read, and the zone the preview shows times in.
    #[derive(Clone, Copy)]
    pub struct Reading {
        pub zone: Tz,
        pub date: Option<NaiveDate>,
        pub viewer: Tz,
    }

    pub fn preview_file(
        index: usize,
        path: &std::path::Path,
        staged: &StagedFile,
        chosen: Option<Format>,
        channel: Option<String>,
        reading: Reading,
    ) -> std::io::Result<FilePreview> {
        let Reading { zone, date, viewer } = reading;
        let name = (!staged.pasted).then_some(staged.name.as_str());
        let ranked = detect_path(path, name)?;
        let format = chosen
            .or_else(|| ranked.first().map(|d| d.format))
            .unwrap_or(Format::Plain);
        let options = transcript::Options {
            format,
            zone,
            date,
            file_name: name.map(str::to_string),
        };
        let mut summary = Summary::default();
        let days = transcript::read_path(path, &options, &mut summary)?;
        let shown =
            |at: chrono::DateTime<chrono::Utc>| crate::domain::zone::format_in_zone(at, viewer);
        Ok(FilePreview {
            index,
            name: staged.name.clone(),
            size: size(staged.size),
            format: format.code().into(),
            format_label: format.label().into(),
            recognised: chosen.is_some() || transcript::choose::accepted(&ranked, &summary),
            confidence: if chosen.is_some() {
                None
            } else {
                ranked
                    .first()
                    .map(|d| (d.confidence * 100.0).round() as u32)
            },
            alternatives: ranked
                .iter()
                .skip(1)
                .take(3)
                .map(|d| {
                    (
                        d.format.code().to_string(),
                        d.format.label().to_string(),
                        (d.confidence * 100.0).round() as u32,
                    )
                })
                .collect(),
            channel: channel
                .filter(|c| !c.trim().is_empty())
                .unwrap_or_else(|| staged.default_channel()),
            lines: summary.lines,
            sample: sample_lines(&summary, &shown),
            zones_read: summary.zones_read(),
            approximate: summary.approximate,
            continuations: summary.continuations,
            kinds: summary
                .by_kind
                .iter()
                .map(|(k, n)| (k.label().to_string(), *n))
                .collect(),
            first: summary.first.map(shown),
            last: summary.last.map(shown),
            participant_count: summary.participants.len(),
            participants: summary
                .participants_by_activity()
                .into_iter()
                .take(30)
                .map(|(a, n)| (a.to_string(), n))
                .collect(),
            channels: summary
                .channels
                .iter()
                .map(|(c, n)| (c.clone(), *n))
                .collect(),
            problems: summary
                .problems
                .iter()
                .take(200)
                .map(|p| (p.line, p.reason.clone()))
                .collect(),
            problem_count: summary.problem_count,
            flagged: summary.flagged.iter().take(200).cloned().collect(),
            flagged_count: summary.flagged_count,
            dates_from: match days {
                Some(DaySource::Lines) => "the lines themselves",
                Some(DaySource::Marker) => "day markers in the log",
                Some(DaySource::FileName) => "the file name",
                Some(DaySource::Given) => "the date given below",
                None => "nowhere (no line was read)",
            }
            .into(),
        })
    }

    pub fn suggestion(rule_id: &str) -> Option<SuggestionRow> {
        use crate::domain::moments::KeyMoment;
        use crate::domain::timeline::EventKind;
        let rule = transcript::suggest::rule(rule_id)?;
        Some(SuggestionRow {
            rule: rule.id.into(),
            why: rule.description.into(),
            event_kind: rule.event_kind.into(),
            event_kind_label: EventKind::parse(rule.event_kind)
                .map(|k| k.label().to_string())
                .unwrap_or_default(),
            moment: rule.moment.map(str::to_string),
            moment_label: rule
                .moment
                .and_then(KeyMoment::parse)
                .map(|m| m.label().to_string()),
        })
    }
}

#[cfg(feature = "ssr")]
mod support {
    use super::*;
    use crate::domain::incident::IncidentNumber;
    use crate::server::staging::{Manifest, Staging};
    use chrono::NaiveDate;
    use chrono_tz::Tz;
    use std::path::PathBuf;
    use transcript::formats::Format;

    pub fn staging() -> Result<Staging, AppError> {
        use_context::<Staging>()
            .ok_or_else(|| crate::server::context::request_gone("the staging folder"))
    }

    /// The staged upload, if the caller staged it for this incident.
    pub fn staged(n: IncidentNumber, token: &str) -> Result<(PathBuf, Manifest), AppError> {
        let user = crate::server::context::current_user()?;
        staging()?
            .load(token.trim(), n.0, &user.id)
            .ok_or_else(|| AppError::NotFound {
                what: "That upload (it may have been imported already, or it expired after a day)"
                    .into(),
            })
    }

    /// The staged upload and the settings to read it with.
    pub fn staged_upload(
        n: IncidentNumber,
        incident: &crate::domain::incident::Incident,
        token: &str,
        formats: Option<Vec<String>>,
        channels: Option<Vec<String>>,
        zone: Option<String>,
        date: Option<String>,
    ) -> Result<(PathBuf, Manifest, Settings), AppError> {
        let (folder, manifest) = staged(n, token)?;
        let s = settings(
            manifest.files.len(),
            formats,
            channels,
            zone,
            date,
            incident,
        )?;
        Ok((folder, manifest, s))
    }

    /// The reading settings from the form: per-file formats and channels,
    /// the zone and the first date.
    pub struct Settings {
        pub formats: Vec<Option<Format>>,
        pub channels: Vec<Option<String>>,
        pub zone: Tz,
        pub date: Option<NaiveDate>,
    }

    pub fn settings(
        files: usize,
        formats: Option<Vec<String>>,
        channels: Option<Vec<String>>,
        zone: Option<String>,
        date: Option<String>,
        incident: &crate::domain::incident::Incident,
    ) -> Result<Settings, AppError> {
        let (zone, date) = crate::flows::transcript_import::reading_settings(
            Some(incident),
            zone.as_deref(),
            date.as_deref(),
        )
        .map_err(|(field, message)| AppError::invalid_field(field, message))?;
        let mut format_list = Vec::with_capacity(files);
        let formats = formats.unwrap_or_default();
        for i in 0..files {
            let code = formats.get(i).map(|s| s.trim()).unwrap_or("");
            if code.is_empty() || code == "auto" {
                format_list.push(None);
            } else {
                let f = Format::parse(code).ok_or_else(|| {
                    AppError::invalid_field(
                        "format",
                        format!("\"{code}\" is not a format Debrief reads"),
                    )
                })?;
                format_list.push(Some(f));
            }
        }
        let channels = channels.unwrap_or_default();
        let mut channel_list = Vec::with_capacity(files);
        for i in 0..files {
            let c = channels
                .get(i)
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty());
            if let Some(c) = &c
                && c.chars().count() > 80
            {
                return Err(AppError::invalid_field(
                    "channel",
                    "A channel name is at most 80 characters.",
                ));
            }
            channel_list.push(c);
        }
        Ok(Settings {
            formats: format_list,
            channels: channel_list,
            zone,
            date,
        })
    }
}

/// Reads a staged upload and says what importing it would store. Nothing is stored.
#[server(prefix = "/api", endpoint = "transcripts/preview")]
pub async fn preview_import(
    number: IncidentNumber,
    staged: String,
    formats: Option<Vec<String>>,
    channels: Option<Vec<String>>,
    zone: Option<String>,
    date: Option<String>,
) -> Result<ImportPreview, AppError> {
    crate::server::context::serve("transcripts/preview", async {
        let db = crate::server::context::db()?;
        let (n, incident) = super::timeline::incident_of(&db, number).await?;
        let (folder, manifest, s) =
            support::staged_upload(n, &incident, &staged, formats, channels, zone, date)?;
        let viewer = super::viewer::viewer_zone();
        let (zone, date) = (s.zone, s.date);
        let files = manifest.files.clone();
        let previews = tokio::task::spawn_blocking(move || {
            files
                .iter()
                .enumerate()
                .map(|(i, f)| {
                    shape::preview_file(
                        i,
                        &folder.join(&f.stored),
                        f,
                        s.formats[i],
                        s.channels[i].clone(),
                        shape::Reading { zone, date, viewer },
                    )
                    .map_err(|e| (f.name.clone(), e))
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .await
        .map_err(AppError::internal)?
        // As the import says it: a file that cannot be read (a cut-off zip,
        // a tar that is not one) is the file's fault, not the server's.
        .map_err(|(name, e)| {
            AppError::invalid_field(
                "file",
                format!("{name} could not be read ({e}); nothing was imported."),
            )
        })?;
        Ok(ImportPreview {
            number: n.0,
            title: incident.content.title.clone(),
            staged: staged.trim().to_string(),
            ready: previews.iter().all(|p| p.lines > 0 && p.recognised),
            files: previews,
            zone: zone.name().to_string(),
            date: date.map(|d| d.to_string()).unwrap_or_default(),
            formats: shape::formats(),
        })
    })
    .await
}

/// Imports a staged upload in one transaction, then removes it from staging.
#[server(prefix = "/api", endpoint = "transcripts/import")]
pub async fn import_transcripts(
    number: IncidentNumber,
    staged: String,
    formats: Option<Vec<String>>,
    channels: Option<Vec<String>>,
    zone: Option<String>,
    date: Option<String>,
) -> Result<u64, AppError> {
    crate::server::context::serve("transcripts/import", async {
        let db = crate::server::context::db()?;
        let (n, incident) = super::timeline::incident_of(&db, number).await?;
        let (folder, manifest, s) =
            support::staged_upload(n, &incident, &staged, formats, channels, zone, date)?;
        let mut sources = Vec::new();
        for (i, f) in manifest.files.iter().enumerate() {
            let path = folder.join(&f.stored);
            let name = (!f.pasted).then_some(f.name.as_str());
            // The same rule as the preview's and `debrief import`'s.
            let reading = transcript::Options {
                format: transcript::formats::Format::Plain,
                zone: s.zone,
                date: s.date,
                file_name: name.map(str::to_string),
            };
            let format = transcript::choose::choose_format(&path, &reading, s.formats[i])
                .map_err(AppError::internal)?
                .map_err(|unrecognised| {
                    AppError::invalid_field(
                        "formats",
                        format!(
                            "{} is {unrecognised}: choose its format and read it again, or leave it out.",
                            f.name
                        ),
                    )
                })?;
            sources.push(crate::flows::transcript_import::ImportSource {
                path,
                file_name: f.name.clone(),
                format,
                zone: s.zone,
                date: s.date,
                channel: s.channels[i].clone().unwrap_or_else(|| f.default_channel()),
            });
        }
        let imported = crate::flows::transcript_import::import(
            &db,
            crate::db::ImportInto::Incident(n),
            sources,
            &crate::server::context::actor()?,
            chrono::Utc::now(),
            None,
        )
        .await?;
        support::staging()?.remove(staged.trim());
        if crate::server::context::from_html_form() {
            leptos_axum::redirect(&format!("/incidents/{}/review", n.0));
        }
        Ok(imported.transcripts.iter().map(|t| t.lines).sum())
    })
    .await
}

/// `text` cut to at most `max` bytes, at a character boundary.
#[cfg(feature = "ssr")]
fn truncate_bytes(mut text: String, max: usize) -> String {
    if text.len() > max {
        let mut end = max;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}

/// The chronological review of every transcript of an incident.
#[server(prefix = "/api", endpoint = "transcripts/review")]
pub async fn get_review(
    number: IncidentNumber,
    query: ReviewQuery,
) -> Result<ReviewView, AppError> {
    crate::server::context::serve("transcripts/review", async {
        use crate::domain::moments::KeyMoment;
        use crate::domain::timeline::EventKind;
        use transcript::LineKind;
        let db = crate::server::context::db()?;
        let (n, incident) = super::timeline::incident_of(&db, number).await?;
        let zone = super::viewer::viewer_zone();
        let filter = crate::db::ReviewFilter {
            channel: Some(query.channel.clone()).filter(|c| !c.is_empty()),
            author: Some(query.author.clone()).filter(|a| !a.is_empty()),
            kind: LineKind::parse(&query.kind),
            text: Some(query.text.trim().to_string()).filter(|t| !t.is_empty()),
            presence: query.presence == "1",
            suggested: query.suggested == "1",
            thread: Some(query.thread.clone()).filter(|t| !t.is_empty()),
        };
        // A page past the last shows no lines; a huge number must not
        // overflow the offset (a million pages is 500 million lines).
        let page = query.page.parse::<i64>().unwrap_or(1).clamp(1, 1_000_000);
        let (lines, total) = db
            .review(n, &filter, (page - 1) * REVIEW_PAGE, REVIEW_PAGE)
            .await?;
        let (channels, authors) = db.review_facets(n).await?;
        let mut transcripts = Vec::new();
        for t in db.transcripts(n).await? {
            let problem_lines = if t.problem_count > 0 {
                db.transcript_problems(t.key, 20).await?
            } else {
                Vec::new()
            };
            transcripts.push(TranscriptRow {
                channel: t.channel,
                file_name: t.file_name,
                format: transcript::formats::Format::parse(&t.format)
                    .map(|f| f.label().to_string())
                    .unwrap_or(t.format),
                lines: t.line_count,
                duplicates: t.duplicate_count,
                problems: t.problem_count,
                problem_lines,
                imported: format!(
                    "{} by {}",
                    crate::domain::zone::format_in_zone(t.imported_at, zone),
                    t.imported_by
                ),
            });
        }
        let rows = lines
            .into_iter()
            .map(|l| {
                let local = l.at.with_timezone(&zone);
                ReviewRow {
                    id: l.id,
                    time: local.format("%H:%M:%S").to_string(),
                    date: local.format("%Y-%m-%d %Z").to_string(),
                    iso: l.at.to_rfc3339(),
                    channel: l.channel,
                    line_no: l.line_no,
                    kind: l.kind.code().into(),
                    kind_label: l.kind.label().into(),
                    author: l.author,
                    text: l.text,
                    thread: l.thread,
                    reply_to: l.thread_start.filter(|s| s.id != l.id).map(|s| ThreadLink {
                        id: s.id,
                        author: s.author,
                        time: s.at.with_timezone(&zone).format("%H:%M").to_string(),
                    }),
                    replies: l.thread_replies,
                    flag: l.flag,
                    also_in: l
                        .also_in
                        .iter()
                        .map(|(c, line)| format!("{c} line {line}"))
                        .collect(),
                    suggestion: l
                        .suggestion
                        .as_deref()
                        .filter(|_| l.suggestion_state.is_none())
                        .and_then(shape::suggestion),
                    events: l.events,
                }
            })
            .collect();
        let breakdown = crate::domain::phases::PhaseBreakdown::derive(&incident.content.moments);
        let phases = crate::domain::phases::Phase::ALL
            .iter()
            .map(|p| {
                let shown = breakdown
                    .phase_seconds(*p)
                    .map(crate::domain::duration_text::human_duration)
                    .unwrap_or_else(|| "missing".into());
                (p.metric_label().to_string(), shown)
            })
            .collect();
        Ok(ReviewView {
            number: n.0,
            title: incident.content.title.clone(),
            transcripts,
            rows,
            total,
            page,
            pages: ((total + REVIEW_PAGE - 1) / REVIEW_PAGE).max(1),
            channels,
            authors,
            kinds: LineKind::ALL
                .iter()
                .map(|k| (k.code().to_string(), k.label().to_string()))
                .collect(),
            event_kinds: EventKind::ALL
                .iter()
                .map(|k| (k.code().to_string(), k.label().to_string()))
                .collect(),
            moments: KeyMoment::ALL
                .iter()
                .map(|m| (m.code().to_string(), m.label().to_string()))
                .collect(),
            viewer_zone: zone.name().to_string(),
            durations: phases,
            can_edit: crate::server::context::current_user()?
                .role
                .allows(crate::domain::account::Role::Editor),
        })
    })
    .await
}

/// Makes a timeline event from one or more lines of the review (the first
/// line gives its time, author and provenance), optionally marking a key
/// moment. `choice` answers a question about a moment already set:
/// "replace" or "unmarked".
#[server(prefix = "/api", endpoint = "transcripts/promote")]
pub async fn promote_lines(
    number: IncidentNumber,
    // None chosen is a refusal the page says ("Choose one or more lines"),
    // not a form the browser cannot even send.
    #[server(default)] lines: Vec<TranscriptLineId>,
    kind: String,
    mark: Option<String>,
    choice: Option<String>,
    /// `suggestion` when sent by a line's Accept button: the page then asks
    /// any question beside that line rather than at the top.
    from: Option<String>,
) -> Result<String, AppError> {
    // What was sent, carried by a refusal so that the page can ask its
    // question again (with or without JavaScript) with the same lines.
    let submitted = PromoteLines {
        number,
        lines: lines.clone(),
        kind: kind.clone(),
        mark: mark.clone(),
        choice: None,
        from: from.clone(),
    };
    crate::server::context::serve("transcripts/promote", async {
        promote(number, lines, kind, mark, choice)
            .await
            .map_err(|e| e.with_echo(&submitted))
    })
    .await
}

#[cfg(feature = "ssr")]
async fn promote(
    number: IncidentNumber,
    lines: Vec<TranscriptLineId>,
    kind: String,
    mark: Option<String>,
    choice: Option<String>,
) -> Result<String, AppError> {
    {
        use crate::domain::moments::KeyMoment;
        use crate::domain::timeline::{EventContent, EventKind, Provenance};
        let db = crate::server::context::db()?;
        let (n, _) = super::timeline::incident_of(&db, number).await?;
        let ids: Vec<i64> = lines.iter().map(|l| l.get()).collect();
        if ids.is_empty() {
            return Err(AppError::invalid_field(
                "lines",
                "Choose one or more lines of the review first.",
            ));
        }
        if ids.len() > 100 {
            return Err(AppError::invalid_field(
                "lines",
                "An event can be made from at most 100 lines; choose fewer.",
            ));
        }
        let chosen = db.review_lines(n, &ids).await?;
        let Some(first) = chosen.first() else {
            return Err(AppError::invalid_field(
                "lines",
                "Those lines are not in this incident's transcripts.",
            ));
        };
        let kind = EventKind::parse(&kind).unwrap_or(EventKind::Observation);
        let mark = match mark.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
            Some(code) => Some(KeyMoment::parse(code).ok_or_else(|| {
                AppError::invalid_field("mark", format!("\"{code}\" is not a key moment"))
            })?),
            None => None,
        };
        let body = if chosen.len() == 1 {
            first.text.clone()
        } else {
            chosen
                .iter()
                .map(|l| {
                    if l.author.is_empty() {
                        format!("> {}", l.text)
                    } else {
                        format!("> **{}**: {}", l.author, l.text)
                    }
                })
                .collect::<Vec<_>>()
                .join("\n>\n")
        };
        let body = truncate_bytes(body, crate::domain::timeline::limits::BODY);
        let choice = choice.unwrap_or_default();
        let new = crate::db::NewEvent {
            content: EventContent {
                at: first.at,
                kind,
                actor: first
                    .author
                    .chars()
                    .take(crate::domain::timeline::limits::ACTOR)
                    .collect(),
                body_markdown: body,
                evidence_url: String::new(),
            },
            provenance: Provenance::Imported {
                transcript: first.channel.clone(),
                line: u32::try_from(first.line_no).unwrap_or(u32::MAX),
            },
            mark: mark.filter(|_| choice != "unmarked"),
            replace: choice == "replace",
        };
        let id = match db
            .promote_lines(
                n,
                &ids,
                &new,
                &crate::server::context::actor()?,
                chrono::Utc::now(),
            )
            .await
        {
            Ok(id) => id,
            Err(err) => return Err(super::timeline::refusal_of(&db, n, err).await),
        };
        back_to_review(n, &format!("line-{}", first.id));
        Ok(id)
    }
}

/// Dismisses the suggestion on a line.
#[server(prefix = "/api", endpoint = "transcripts/dismiss")]
pub async fn dismiss_suggestion(
    number: IncidentNumber,
    line: TranscriptLineId,
) -> Result<(), AppError> {
    crate::server::context::serve("transcripts/dismiss", async {
        let db = crate::server::context::db()?;
        let (n, _) = super::timeline::incident_of(&db, number).await?;
        let id = line.get();
        db.dismiss_suggestion(n, id).await?;
        back_to_review(n, &format!("line-{id}"));
        Ok(())
    })
    .await
}

/// After a plain HTML form: back to the review page it came from (keeping its
/// filters and page), at `anchor`.
#[cfg(feature = "ssr")]
fn back_to_review(n: crate::domain::incident::IncidentNumber, anchor: &str) {
    if !crate::server::context::from_html_form() {
        return;
    }
    let prefix = format!("/incidents/{}/review", n.0);
    let query = crate::server::context::referer_query(&prefix)
        .filter(|q| !q.is_empty())
        .map(|q| format!("?{q}"))
        .unwrap_or_default();
    leptos_axum::redirect(&format!("{prefix}{query}#{anchor}"));
}
