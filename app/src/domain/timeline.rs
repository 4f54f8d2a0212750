//! The timeline of an incident: what happened, when, in what order, and who
//! saw it; and the rule by which an event marks one of the incident's key
//! moments. Plain Rust.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::incident::closed_set;
use super::incident_form::FieldError;
use super::moments::{KeyMoment, KeyMoments, Moment, OutOfOrder};

/// Field length limits for events, enforced on the server and shown in forms.
pub mod limits {
    /// Characters in an event's actor.
    pub const ACTOR: usize = 200;
    /// Bytes of Markdown in an event's text.
    pub const BODY: usize = 20_000;
    /// Characters in an evidence link.
    pub const EVIDENCE: usize = 2_000;
    /// Live events one incident may hold.
    pub const EVENTS_PER_INCIDENT: i64 = 50_000;
}

closed_set!(
    /// What sort of thing an event records.
    EventKind {
        Observation => ("observation", "Observation"),
        Action => ("action", "Action"),
        Decision => ("decision", "Decision"),
        Communication => ("communication", "Communication"),
        Alert => ("alert", "Alert"),
        Change => ("change", "Change / deploy"),
        Other => ("other", "Other"),
    }
);

impl EventKind {
    /// Reads a kind as typed in quick entry: its code, or a short alias.
    pub fn parse_word(word: &str) -> Option<EventKind> {
        let word = word.trim().to_lowercase();
        EventKind::parse(&word).or(match word.as_str() {
            "obs" | "saw" | "noticed" => Some(EventKind::Observation),
            "act" | "did" => Some(EventKind::Action),
            "decided" | "decide" => Some(EventKind::Decision),
            "comm" | "comms" | "said" | "told" | "msg" => Some(EventKind::Communication),
            "page" | "paged" | "alarm" => Some(EventKind::Alert),
            "deploy" | "deployed" | "config" | "rollback" => Some(EventKind::Change),
            _ => None,
        })
    }
}

/// The words quick entry accepts after `!`, first the one shown in help.
pub const MARK_WORDS: &[(&str, KeyMoment)] = &[
    ("impact", KeyMoment::ImpactStarted),
    ("impact_started", KeyMoment::ImpactStarted),
    ("detected", KeyMoment::Detected),
    ("detect", KeyMoment::Detected),
    ("notified", KeyMoment::Notified),
    ("notify", KeyMoment::Notified),
    ("responded", KeyMoment::Responded),
    ("respond", KeyMoment::Responded),
    ("diagnosed", KeyMoment::Diagnosed),
    ("diagnose", KeyMoment::Diagnosed),
    ("repaired", KeyMoment::Repaired),
    ("repair", KeyMoment::Repaired),
    ("restored", KeyMoment::Repaired),
    ("resolved", KeyMoment::Resolved),
    ("resolve", KeyMoment::Resolved),
];

/// The mark word shown for each moment in help and messages.
pub fn mark_word(moment: KeyMoment) -> &'static str {
    MARK_WORDS
        .iter()
        .find(|(_, m)| *m == moment)
        .map(|(w, _)| *w)
        .unwrap_or("")
}

/// Where an event came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Provenance {
    /// Typed by a person, on the incident page.
    Typed,
    /// Promoted from a line of an imported transcript.
    Imported { transcript: String, line: u32 },
}

impl Provenance {
    pub fn describe(&self, by: &str) -> String {
        match self {
            Provenance::Typed if by.is_empty() => "typed by hand".into(),
            Provenance::Typed => format!("typed by {by}"),
            Provenance::Imported { transcript, line } => {
                format!("imported from {transcript}, line {line}")
            }
        }
    }
}

/// What a person writes about an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventContent {
    pub at: DateTime<Utc>,
    pub kind: EventKind,
    /// A person or a system, as free text.
    pub actor: String,
    pub body_markdown: String,
    /// A graph, log search or ticket; empty when none.
    pub evidence_url: String,
}

/// One event as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEvent {
    pub id: String,
    /// Creation order within the incident; breaks ties between events at the
    /// same second, so their order never changes between reads.
    pub seq: i64,
    pub content: EventContent,
    pub provenance: Provenance,
    pub key_moment: Option<KeyMoment>,
    pub version: i64,
    pub deleted: bool,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A timeline event, as the phase bar draws it: a tick at its time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventTick {
    pub at: DateTime<Utc>,
    /// True when the event marks a key moment (drawn taller).
    pub marks_moment: bool,
}

/// Puts events in timeline order: by time, then by the order they were added.
pub fn sort_events(events: &mut [TimelineEvent]) {
    events.sort_by_key(|e| (e.content.at, e.seq));
}

/// The event form as typed: every field a raw string, so a refused or
/// conflicting edit can be shown back exactly as it was written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EventForm {
    /// `YYYY-MM-DD HH:MM:SS` in the incident's zone, or with an offset.
    pub at: String,
    pub kind: String,
    pub actor: String,
    pub body: String,
    pub evidence_url: String,
}

/// Checks the fields that do not depend on a time zone; the time is read by
/// the caller (it needs the incident's zone). Reports every problem at once.
pub fn check_event_fields(
    form: &EventForm,
) -> Result<(EventKind, String, String), Vec<FieldError>> {
    let mut errors = Vec::new();
    let kind = EventKind::parse(&form.kind);
    if kind.is_none() {
        errors.push(FieldError::new(
            "kind",
            format!("Choose what sort of event this is: {}.", EventKind::codes()),
        ));
    }
    let actor = form.actor.trim().to_string();
    if actor.chars().count() > limits::ACTOR {
        errors.push(FieldError::new(
            "actor",
            format!(
                "The actor is at most {} characters; name the person or system.",
                limits::ACTOR
            ),
        ));
    }
    if form.body.trim().is_empty() {
        errors.push(FieldError::new(
            "body",
            "Say what happened, what was seen or what was decided.",
        ));
    } else if form.body.len() > limits::BODY {
        errors.push(FieldError::new(
            "body",
            format!(
                "An event's text is at most {} KB of Markdown; this is {} KB. Attach long logs as evidence links instead.",
                limits::BODY / 1000,
                form.body.len().div_ceil(1000)
            ),
        ));
    }
    if let Err(message) = check_evidence_url(&form.evidence_url) {
        errors.push(FieldError::new("evidence_url", message));
    }
    match (kind, errors.is_empty()) {
        (Some(kind), true) => Ok((kind, actor, form.evidence_url.trim().to_string())),
        _ => Err(errors),
    }
}

/// An evidence link must be empty or an http(s) URL: other schemes
/// (`javascript:`, `data:`, `file:`) are refused, never rendered.
pub fn check_evidence_url(url: &str) -> Result<(), String> {
    let url = url.trim();
    if url.is_empty() {
        return Ok(());
    }
    if url.chars().count() > limits::EVIDENCE {
        return Err(format!(
            "The evidence link is at most {} characters.",
            limits::EVIDENCE
        ));
    }
    let lower = url.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    match rest {
        Some(rest) if !rest.is_empty() && !rest.starts_with('/') => {}
        _ => {
            return Err(
                "The evidence link must start with https:// or http:// (a graph, log search or ticket)."
                    .into(),
            );
        }
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("The evidence link must not contain spaces.".into());
    }
    Ok(())
}

/// Why marking an event as a key moment needs a person's decision first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum MarkQuestion {
    /// Another event marks this moment already.
    HeldByEvent { event_id: String },
    /// The incident has this moment at another time, typed on its form.
    TypedOnIncident { at: DateTime<Utc> },
}

/// Why a mark cannot be made at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MarkRefusal {
    /// Someone must choose which one wins.
    Ask(MarkQuestion),
    /// The event's time would put the key moments out of order.
    OutOfOrder(OutOfOrder),
}

/// What marking leads to: the incident's new key moments and which moment,
/// if any, the event stops marking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkPlan {
    pub moments: KeyMoments,
    /// The moment the event marked before, cleared from the incident.
    pub released: Option<KeyMoment>,
    /// The event that marked `moment` before and no longer does.
    pub displaced: Option<String>,
}

/// Plans marking the event `event_id` at `at` as `moment` (or clearing its
/// mark when `moment` is `None`).
///
/// - `current`: the incident's key moments now.
/// - `held_by`: the live event marking `moment` now, if any.
/// - `event_marks`: the moment the event marks now, if any.
/// - `replace`: the person has seen the question and chose this event.
///
/// Nothing changes silently: a moment held by another event, or typed on the
/// incident at a different time, is a question unless `replace` is set.
pub fn plan_mark(
    current: &KeyMoments,
    held_by: Option<&str>,
    event_id: &str,
    event_marks: Option<KeyMoment>,
    at: DateTime<Utc>,
    moment: Option<KeyMoment>,
    replace: bool,
) -> Result<MarkPlan, MarkRefusal> {
    let mut moments = *current;
    let released = event_marks.filter(|m| Some(*m) != moment);
    if let Some(old) = released {
        moments.set(old, None);
    }
    let mut displaced = None;
    if let Some(moment) = moment {
        match held_by {
            Some(holder) if holder != event_id => {
                if !replace {
                    return Err(MarkRefusal::Ask(MarkQuestion::HeldByEvent {
                        event_id: holder.to_string(),
                    }));
                }
                displaced = Some(holder.to_string());
            }
            Some(_) => {}
            None => {
                if let Some(typed) = current.get(moment)
                    && typed.at != at
                    && !replace
                {
                    return Err(MarkRefusal::Ask(MarkQuestion::TypedOnIncident {
                        at: typed.at,
                    }));
                }
            }
        }
        moments.set(
            moment,
            Some(Moment {
                at,
                estimated: false,
            }),
        );
        moments.check_order().map_err(MarkRefusal::OutOfOrder)?;
    }
    Ok(MarkPlan {
        moments,
        released,
        displaced,
    })
}

/// The moments after a marked event's time changes: the moment follows the
/// event. Refused when that puts the moments out of order.
pub fn follow_marked_event(
    current: &KeyMoments,
    mark: Option<KeyMoment>,
    at: DateTime<Utc>,
) -> Result<KeyMoments, OutOfOrder> {
    let mut moments = *current;
    if let Some(mark) = mark {
        let estimated = false;
        moments.set(mark, Some(Moment { at, estimated }));
        moments.check_order()?;
    }
    Ok(moments)
}

/// One line describing an event, for history labels and questions:
/// "14:32:05Z alert: checkout latency above 2 s".
pub fn event_label(content: &EventContent) -> String {
    let mut text: String = content
        .body_markdown
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if text.chars().count() > 60 {
        text = text.chars().take(59).collect::<String>() + "…";
    }
    format!(
        "{} {}: {text}",
        content.at.format("%Y-%m-%d %H:%M:%SZ"),
        content.kind.code()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 4, h, m, s).unwrap()
    }

    fn event(id: &str, seq: i64, at: DateTime<Utc>) -> TimelineEvent {
        TimelineEvent {
            id: id.into(),
            seq,
            content: EventContent {
                at,
                kind: EventKind::Observation,
                actor: String::new(),
                body_markdown: id.into(),
                evidence_url: String::new(),
            },
            provenance: Provenance::Typed,
            key_moment: None,
            version: 1,
            deleted: false,
            created_by: String::new(),
            created_at: at,
            updated_at: at,
        }
    }

    #[test]
    fn same_second_events_keep_the_order_they_were_added() {
        let mut events = vec![
            event("c", 3, t(10, 0, 5)),
            event("later", 1, t(10, 0, 6)),
            event("a", 1, t(10, 0, 5)),
            event("b", 2, t(10, 0, 5)),
            event("first", 9, t(9, 59, 0)),
        ];
        sort_events(&mut events);
        let ids: Vec<String> = events.iter().map(|e| e.id.clone()).collect();
        assert_eq!(ids, ["first", "a", "b", "c", "later"]);
        // Sorting again (for example after a reload in another order) gives the same.
        events.reverse();
        sort_events(&mut events);
        let again: Vec<String> = events.iter().map(|e| e.id.clone()).collect();
        assert_eq!(again, ids);
    }

    #[test]
    fn kinds_read_codes_and_aliases() {
        assert_eq!(EventKind::parse_word("Alert"), Some(EventKind::Alert));
        assert_eq!(EventKind::parse_word("deploy"), Some(EventKind::Change));
        assert_eq!(
            EventKind::parse_word("comms"),
            Some(EventKind::Communication)
        );
        assert_eq!(EventKind::parse_word("checkout"), None);
    }

    #[test]
    fn event_fields_report_every_problem() {
        let form = EventForm {
            at: "2026-03-04 10:00".into(),
            kind: "rumour".into(),
            actor: "x".repeat(limits::ACTOR + 1),
            body: "  ".into(),
            evidence_url: "javascript:alert(1)".into(),
        };
        let errors = check_event_fields(&form).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["kind", "actor", "body", "evidence_url"]);
        assert!(errors[0].message.contains("observation"));
        let ok = EventForm {
            kind: "alert".into(),
            actor: " PagerDuty ".into(),
            body: "checkout p99 above 2 s".into(),
            evidence_url: " https://grafana.example/d/1 ".into(),
            ..form
        };
        assert_eq!(
            check_event_fields(&ok).unwrap(),
            (
                EventKind::Alert,
                "PagerDuty".to_string(),
                "https://grafana.example/d/1".to_string()
            )
        );
    }

    #[test]
    fn evidence_links_must_be_web_links() {
        assert!(check_evidence_url("").is_ok());
        assert!(check_evidence_url("https://logs.example/search?q=a").is_ok());
        for bad in [
            "data:text/html,x",
            "JAVASCRIPT:alert(1)",
            "ftp://x",
            "https://",
            "https:///x",
            "https://a b",
        ] {
            assert!(check_evidence_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn marking_a_free_moment_sets_it() {
        let current = KeyMoments::default().with(KeyMoment::ImpactStarted, t(10, 0, 0));
        let plan = plan_mark(
            &current,
            None,
            "e1",
            None,
            t(10, 5, 0),
            Some(KeyMoment::Detected),
            false,
        )
        .unwrap();
        assert_eq!(plan.moments.at(KeyMoment::Detected), Some(t(10, 5, 0)));
        assert_eq!(plan.displaced, None);
    }

    #[test]
    fn marking_a_moment_held_by_another_event_asks_which_wins() {
        let current = KeyMoments::default().with(KeyMoment::Detected, t(10, 5, 0));
        let refused = plan_mark(
            &current,
            Some("e1"),
            "e2",
            None,
            t(10, 7, 0),
            Some(KeyMoment::Detected),
            false,
        )
        .unwrap_err();
        assert_eq!(
            refused,
            MarkRefusal::Ask(MarkQuestion::HeldByEvent {
                event_id: "e1".into()
            })
        );
        // Once the person chose this event, it wins and the other is displaced.
        let plan = plan_mark(
            &current,
            Some("e1"),
            "e2",
            None,
            t(10, 7, 0),
            Some(KeyMoment::Detected),
            true,
        )
        .unwrap();
        assert_eq!(plan.moments.at(KeyMoment::Detected), Some(t(10, 7, 0)));
        assert_eq!(plan.displaced.as_deref(), Some("e1"));
    }

    #[test]
    fn a_moment_typed_at_another_time_is_a_question_too() {
        let current = KeyMoments::default().with(KeyMoment::Repaired, t(11, 0, 0));
        let refused = plan_mark(
            &current,
            None,
            "e1",
            None,
            t(11, 2, 0),
            Some(KeyMoment::Repaired),
            false,
        )
        .unwrap_err();
        assert_eq!(
            refused,
            MarkRefusal::Ask(MarkQuestion::TypedOnIncident { at: t(11, 0, 0) })
        );
        // The same time needs no question: the event just takes the mark.
        assert!(
            plan_mark(
                &current,
                None,
                "e1",
                None,
                t(11, 0, 0),
                Some(KeyMoment::Repaired),
                false
            )
            .is_ok()
        );
    }

    #[test]
    fn moving_an_events_mark_releases_the_old_moment() {
        let current = KeyMoments::default()
            .with(KeyMoment::Detected, t(10, 5, 0))
            .with(KeyMoment::ImpactStarted, t(10, 0, 0));
        let plan = plan_mark(
            &current,
            None,
            "e1",
            Some(KeyMoment::Detected),
            t(10, 5, 0),
            Some(KeyMoment::Notified),
            false,
        )
        .unwrap();
        assert_eq!(plan.released, Some(KeyMoment::Detected));
        assert_eq!(plan.moments.at(KeyMoment::Detected), None);
        assert_eq!(plan.moments.at(KeyMoment::Notified), Some(t(10, 5, 0)));
        // Clearing the mark clears the moment.
        let cleared = plan_mark(
            &current,
            None,
            "e1",
            Some(KeyMoment::Detected),
            t(10, 5, 0),
            None,
            false,
        )
        .unwrap();
        assert_eq!(cleared.moments.at(KeyMoment::Detected), None);
        assert_eq!(cleared.released, Some(KeyMoment::Detected));
    }

    #[test]
    fn a_mark_that_breaks_the_order_is_refused_naming_both() {
        let current = KeyMoments::default().with(KeyMoment::Repaired, t(11, 0, 0));
        let refused = plan_mark(
            &current,
            None,
            "e1",
            None,
            t(11, 30, 0),
            Some(KeyMoment::Diagnosed),
            false,
        )
        .unwrap_err();
        assert_eq!(
            refused,
            MarkRefusal::OutOfOrder(OutOfOrder {
                later: KeyMoment::Repaired,
                earlier: KeyMoment::Diagnosed
            })
        );
    }

    #[test]
    fn a_marked_events_moment_follows_its_time() {
        let current = KeyMoments::default()
            .with(KeyMoment::ImpactStarted, t(10, 0, 0))
            .with(KeyMoment::Detected, t(10, 5, 0));
        let moved = follow_marked_event(&current, Some(KeyMoment::Detected), t(10, 9, 0)).unwrap();
        assert_eq!(moved.at(KeyMoment::Detected), Some(t(10, 9, 0)));
        assert!(follow_marked_event(&current, Some(KeyMoment::Detected), t(9, 0, 0)).is_err());
        assert_eq!(
            follow_marked_event(&current, None, t(9, 0, 0)).unwrap(),
            current
        );
    }

    #[test]
    fn labels_are_short_and_single_line() {
        let mut e = event("x", 1, t(10, 0, 5));
        e.content.body_markdown = "line one\nline two ".repeat(10);
        let label = event_label(&e.content);
        assert!(label.starts_with("2026-03-04 10:00:05Z observation: line one line two"));
        assert!(label.ends_with('…'));
        assert!(!label.contains('\n'));
    }
}
