//! The post-mortem document of an incident: its states, its limits, and the
//! structured template a new one starts from, filled with what the incident
//! already holds (summary, key moments, the timeline, countermeasures).
//!
//! The template asks the questions a blameless review asks: contributing
//! factors (never a person, and no single root cause demanded), what
//! surprised us, what went well, what was hard, where we got lucky, and what
//! responders knew and expected at each key moment.

use chrono::{DateTime, Utc};
#[cfg(feature = "ssr")]
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::countermeasure::CmStatus;
use super::incident::closed_set;
use super::moments::KeyMoment;
#[cfg(feature = "ssr")]
use super::{duration_text::human_duration, moments::KeyMoments, zone::format_in_zone};

/// The longest document accepted, in characters (about 60 printed pages).
pub const BODY_MAX: usize = 200_000;

closed_set!(
    /// Where the document stands: a draft anyone with edit rights changes, or
    /// published (read-only until someone reopens it).
    DocStatus {
        Draft => ("draft", "Draft"),
        Published => ("published", "Published"),
    }
);

/// The document as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Postmortem {
    pub body: String,
    pub status: DocStatus,
    /// Increments on every save, publication and reopening; a save based on
    /// an older version is refused.
    pub version: i64,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
    pub published_at: Option<DateTime<Utc>>,
}

/// One saved version, as the history lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionEntry {
    pub version: i64,
    pub status: DocStatus,
    /// "saved", "published" or "reopened".
    pub action: String,
    pub saved_at: DateTime<Utc>,
    pub saved_by: String,
    pub chars: usize,
}

/// Checks a body before it is stored: line endings become `\n`, and a body
/// over [`BODY_MAX`] characters is refused with its size.
pub fn check_body(body: &str) -> Result<String, String> {
    let body = body.replace("\r\n", "\n");
    let n = body.chars().count();
    if n > BODY_MAX {
        return Err(format!(
            "The post-mortem is {n} characters; the limit is {BODY_MAX}. Move long material (logs, transcripts) into the timeline or an attachment and link to it."
        ));
    }
    Ok(body)
}

/// A countermeasure as the template lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateCountermeasure {
    pub code: String,
    pub title: String,
    pub status: CmStatus,
    pub owner: String,
}

/// A timeline event as the template lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateEvent {
    pub at: DateTime<Utc>,
    pub actor: String,
    /// The event's text, first line only.
    pub text: String,
    pub key_moment: Option<KeyMoment>,
}

/// What the template is filled from.
#[cfg(feature = "ssr")]
#[derive(Debug, Clone)]
pub struct TemplateInput<'a> {
    pub title: &'a str,
    pub summary_markdown: &'a str,
    pub moments: &'a KeyMoments,
    pub zone: Tz,
    pub events: &'a [TemplateEvent],
    pub countermeasures: &'a [TemplateCountermeasure],
}

/// The starting document: every section, with what the incident already
/// holds written in and questions where people fill in the rest.
#[cfg(feature = "ssr")]
pub fn template(input: &TemplateInput) -> String {
    let mut out = String::new();
    let mut push = |s: &str| {
        out.push_str(s);
        out.push('\n');
    };
    push(&format!("# Post-mortem: {}", one_line(input.title)));
    push("");
    push("## Summary");
    push("");
    let summary = input.summary_markdown.trim();
    if summary.is_empty() {
        push("_What happened, in two or three sentences a newcomer would follow._");
    } else {
        push(summary);
    }
    push("");
    push("## Impact");
    push("");
    push("_Who was affected, how, and for how long._");
    if let (Some(start), Some(end)) = (
        input.moments.at(KeyMoment::ImpactStarted),
        input.moments.at(KeyMoment::Repaired),
    ) {
        push("");
        push(&format!(
            "Users were affected for {} (from impact to repair).",
            human_duration((end - start).num_seconds())
        ));
    }
    push("");
    push("## Key moments");
    push("");
    push(
        "For each moment: what did responders know then, and what did they expect to happen next?",
    );
    push("");
    for moment in KeyMoment::ALL {
        let when = input
            .moments
            .get(moment)
            .map(|m| {
                let at = format_in_zone(m.at, input.zone);
                if m.estimated {
                    format!("{at} (estimated)")
                } else {
                    at
                }
            })
            .unwrap_or_else(|| "not recorded".to_string());
        push(&format!("- **{}**: {when}", moment.label()));
        push("  - What we knew: _…_");
        push("  - What we expected: _…_");
    }
    push("");
    push("## Timeline");
    push("");
    if input.events.is_empty() {
        push(
            "_No timeline events yet: add them on the incident page, or import the chat transcripts._",
        );
    } else {
        for event in input.events {
            let mark = event
                .key_moment
                .map(|m| format!(" **[{}]**", m.label()))
                .unwrap_or_default();
            let actor = if event.actor.trim().is_empty() {
                String::new()
            } else {
                format!(" {}:", one_line(&event.actor))
            };
            push(&format!(
                "- {}{mark}{actor} {}",
                format_in_zone(event.at, input.zone),
                one_line(&event.text)
            ));
        }
    }
    push("");
    push("## Contributing factors");
    push("");
    push(
        "_The conditions that made this possible: systems, tools, pressures, information. Several usually combine, so there is no need to single one out; a person is never a factor._",
    );
    push("");
    push("## What surprised us");
    push("");
    push("_Where did the system behave differently from what people expected?_");
    push("");
    push("## What went well");
    push("");
    push("## What was hard");
    push("");
    push("_What made the work harder than it needed to be?_");
    push("");
    push("## Where we got lucky");
    push("");
    push("## Countermeasures");
    push("");
    for line in countermeasure_lines(input.countermeasures) {
        push(&line);
    }
    out
}

/// The Countermeasures section's list, as the backlog holds it now.
#[cfg(feature = "ssr")]
pub fn countermeasure_lines(countermeasures: &[TemplateCountermeasure]) -> Vec<String> {
    if countermeasures.is_empty() {
        return vec![NONE_FILED.to_string()];
    }
    countermeasures
        .iter()
        .map(|cm| {
            let owner = if cm.owner.trim().is_empty() {
                "no owner yet".to_string()
            } else {
                one_line(&cm.owner)
            };
            format!(
                "- {} {} ({}, {owner})",
                cm.code,
                one_line(&cm.title),
                cm.status.label()
            )
        })
        .collect()
}

#[cfg(feature = "ssr")]
const NONE_FILED: &str =
    "_None filed yet: file them from the incident page, so they are tracked on the backlog._";

/// The document with its Countermeasures section showing the backlog as it
/// is now. The list written in when the draft began goes stale as soon as a
/// countermeasure is filed or moves, so wherever the document is read (its
/// page, the handout, the downloads) the lines the template wrote there
/// (`- CM-n …`, or "None filed yet") are replaced by the live list, at the
/// place of the first. Anything else the authors wrote in the section stays;
/// a section whose list they removed stays without one.
#[cfg(feature = "ssr")]
pub fn with_live_countermeasures(body: &str, countermeasures: &[TemplateCountermeasure]) -> String {
    let mut out = String::with_capacity(body.len() + 64 * countermeasures.len());
    let mut in_section = false;
    let mut listed = false;
    for line in body.split_inclusive('\n') {
        let text = line.trim_end_matches(['\n', '\r']);
        let trimmed = text.trim();
        if trimmed.starts_with("# ") || trimmed.starts_with("## ") {
            in_section = trimmed[trimmed.find(' ').unwrap_or(0)..]
                .trim()
                .eq_ignore_ascii_case("countermeasures")
                && trimmed.starts_with("## ");
        }
        let generated = in_section
            && (trimmed.starts_with("_None filed yet")
                || trimmed.strip_prefix("- CM-").is_some_and(|rest| {
                    rest.split(' ')
                        .next()
                        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
                }));
        if !generated {
            out.push_str(line);
            continue;
        }
        if !listed {
            listed = true;
            for live in countermeasure_lines(countermeasures) {
                out.push_str(&live);
                out.push('\n');
            }
        }
    }
    out
}

/// The Content-Security-Policy a standalone file carries itself: opened
/// from disk it has no server to send one, and it needs nothing beyond its
/// inline styles (images in it are links, see
/// `markdown::render_markdown_for_export`).
pub const STANDALONE_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

/// The document as one standalone HTML file (styles inline, nothing to
/// fetch), for mail or an archive. `body_html` is already sanitized.
#[cfg(feature = "ssr")]
pub fn standalone_html(title: &str, about: &str, body_html: &str) -> String {
    use super::html_text::escape_text;
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{STANDALONE_POLICY}\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<style>\n\
         body {{ font-family: system-ui, sans-serif; line-height: 1.5; color: #1d2430; max-width: 48rem; margin: 2rem auto; padding: 0 1rem; }}\n\
         h1, h2, h3 {{ line-height: 1.25; }} h2 {{ border-bottom: 1px solid #d5dae1; padding-bottom: 0.25rem; }}\n\
         table {{ border-collapse: collapse; }} th, td {{ border: 1px solid #d5dae1; padding: 0.25rem 0.5rem; text-align: left; }}\n\
         blockquote {{ border-left: 3px solid #d5dae1; margin-left: 0; padding-left: 1rem; color: #5b6573; }}\n\
         pre, code {{ background: #f4f6f8; }} pre {{ padding: 0.5rem; overflow-x: auto; }}\n\
         .about {{ color: #5b6573; font-size: 0.9rem; }}\n\
         </style>\n</head>\n<body>\n<p class=\"about\">{about}</p>\n<main>\n{body_html}\n</main>\n</body>\n</html>\n",
        title = escape_text(title),
        about = escape_text(about),
    )
}

/// The first line of `text`, trimmed (a list item must stay one line).
#[cfg(feature = "ssr")]
fn one_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("")
        .to_string()
}

/// The section headings of a document ("## Impact" gives "Impact"), in
/// order: what a handout or a check for missing sections reads.
pub fn headings(body: &str) -> Vec<String> {
    let mut fenced = false;
    body.lines()
        .filter_map(|line| {
            let t = line.trim_start();
            if t.starts_with("```") || t.starts_with("~~~") {
                fenced = !fenced;
                return None;
            }
            if fenced {
                return None;
            }
            let hashes = t.chars().take_while(|c| *c == '#').count();
            (hashes > 0 && hashes <= 6 && t[hashes..].starts_with(' '))
                .then(|| t[hashes..].trim().to_string())
        })
        .collect()
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use crate::domain::blameless::{check, default_rules};
    use chrono::TimeZone;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 4, h, m, 0).unwrap()
    }

    fn input<'a>(
        moments: &'a KeyMoments,
        events: &'a [TemplateEvent],
        cms: &'a [TemplateCountermeasure],
    ) -> TemplateInput<'a> {
        TemplateInput {
            title: "Checkout errors\nafter deploy",
            summary_markdown: "Payments failed for EU customers.",
            moments,
            zone: chrono_tz::Europe::Berlin,
            events,
            countermeasures: cms,
        }
    }

    #[test]
    fn the_template_has_every_section_and_what_the_incident_holds() {
        let moments = KeyMoments::default()
            .with(KeyMoment::ImpactStarted, at(14, 0))
            .with(KeyMoment::Repaired, at(15, 30));
        let events = [TemplateEvent {
            at: at(14, 5),
            actor: "alerting".into(),
            text: "Error rate above 5%\nsecond line".into(),
            key_moment: Some(KeyMoment::Detected),
        }];
        let cms = [TemplateCountermeasure {
            code: "CM-3".into(),
            title: "Alert on payment errors per region".into(),
            status: CmStatus::Proposed,
            owner: String::new(),
        }];
        let body = template(&input(&moments, &events, &cms));
        assert_eq!(
            headings(&body),
            [
                "Post-mortem: Checkout errors",
                "Summary",
                "Impact",
                "Key moments",
                "Timeline",
                "Contributing factors",
                "What surprised us",
                "What went well",
                "What was hard",
                "Where we got lucky",
                "Countermeasures",
            ]
        );
        assert!(body.contains("Payments failed for EU customers."));
        assert!(
            body.contains("Users were affected for 1 h 30 min"),
            "{body}"
        );
        assert!(body.contains("- **Impact started**: 2026-03-04 15:00:00 CET"));
        assert!(body.contains("- **Notified**: not recorded"));
        assert!(
            body.contains(
                "- 2026-03-04 15:05:00 CET **[Detected]** alerting: Error rate above 5%\n"
            )
        );
        assert!(!body.contains("second line"));
        assert!(
            body.contains("- CM-3 Alert on payment errors per region (Proposed, no owner yet)")
        );
    }

    #[test]
    fn an_empty_incident_gets_prompts_and_the_template_itself_is_blameless() {
        let moments = KeyMoments::default();
        let body = template(&input(&moments, &[], &[]));
        assert!(body.contains("No timeline events yet"));
        assert!(body.contains("None filed yet"));
        assert!(!body.contains("Users were affected for"));
        assert_eq!(check(&body, &default_rules()), vec![]);
    }

    fn cm(code: &str, title: &str, status: CmStatus) -> TemplateCountermeasure {
        TemplateCountermeasure {
            code: code.into(),
            title: title.into(),
            status,
            owner: "Platform team".into(),
        }
    }

    #[test]
    fn the_countermeasures_section_shows_the_backlog_as_it_is_now() {
        let moments = KeyMoments::default();
        let at_first_save = template(&input(&moments, &[], &[]));
        let now = [
            cm("CM-1", "Alert on queue depth", CmStatus::Done),
            cm("CM-2", "Runbook for failover", CmStatus::Proposed),
        ];
        let shown = with_live_countermeasures(&at_first_save, &now);
        assert!(!shown.contains("None filed yet"), "{shown}");
        assert!(shown.ends_with(
            "## Countermeasures\n\n- CM-1 Alert on queue depth (Done, Platform team)\n- CM-2 Runbook for failover (Proposed, Platform team)\n"
        ), "{shown}");
        // A stale list is replaced in place; the authors' own words stay.
        let edited = "## Summary\n\n- CM-9 is mentioned here, outside the section\n\n## Countermeasures\n\nWe agreed on these:\n\n- CM-1 Alert on queue depth (Proposed, no owner yet)\n- CM-7 Removed since (Proposed, no owner yet)\n\nMore to come after the review.\n\n## Appendix\n\n- CM-1 stays as written here\n";
        let shown = with_live_countermeasures(edited, &now);
        assert_eq!(
            shown,
            "## Summary\n\n- CM-9 is mentioned here, outside the section\n\n## Countermeasures\n\nWe agreed on these:\n\n- CM-1 Alert on queue depth (Done, Platform team)\n- CM-2 Runbook for failover (Proposed, Platform team)\n\nMore to come after the review.\n\n## Appendix\n\n- CM-1 stays as written here\n"
        );
        // Nothing filed any more: the prompt comes back.
        assert!(
            with_live_countermeasures(edited, &[])
                .contains("We agreed on these:\n\n_None filed yet")
        );
        // A section whose list was taken out stays as its authors left it.
        let prose = "## Countermeasures\n\nSee the backlog.\n";
        assert_eq!(with_live_countermeasures(prose, &now), prose);
    }

    #[test]
    fn bodies_over_the_limit_are_refused_with_their_size() {
        assert_eq!(check_body("a\r\nb").unwrap(), "a\nb");
        let long = "é".repeat(BODY_MAX + 1);
        let err = check_body(&long).unwrap_err();
        assert!(
            err.contains(&format!("{} characters", BODY_MAX + 1)),
            "{err}"
        );
        assert!(check_body(&"é".repeat(BODY_MAX)).is_ok());
    }

    #[test]
    fn the_standalone_page_escapes_what_it_adds() {
        let page = standalone_html("#3 <b>db</b>", "Published", "<p>ok</p>");
        assert!(page.starts_with("<!DOCTYPE html>"));
        // Opened from disk it has no server's policy, so it carries its own,
        // before anything that could fetch.
        let policy = format!(
            "<head>\n<meta charset=\"utf-8\">\n<meta http-equiv=\"Content-Security-Policy\" content=\"{STANDALONE_POLICY}\">"
        );
        assert!(page.contains(&policy), "{page}");
        assert!(STANDALONE_POLICY.starts_with("default-src 'none';"));
        assert!(page.contains("<title>#3 &lt;b&gt;db&lt;/b&gt;</title>"));
        assert!(page.contains("<main>\n<p>ok</p>\n</main>"));
        assert!(!page.contains("<script"));
    }

    #[test]
    fn headings_skip_fenced_code() {
        let body = "# One\ntext\n```\n# not a heading\n```\n## Two\n#hashtag\n";
        assert_eq!(headings(body), ["One", "Two"]);
    }
}
