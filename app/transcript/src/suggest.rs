//! Suggestions, not automation: lines that look like an alert firing or
//! recovering, a page, a deploy or rollback, a diagnosis, a declaration or a
//! logged action are offered to the commander as candidate timeline events
//! (and key moments). Nothing here adds anything; a person accepts or dismisses.
//!
//! The rules are data ([`RULES`]); the first rule that matches a line wins, and
//! each suggestion names its rule so the commander can see why it was offered.

use crate::{Line, LineKind};

/// How a rule looks at a line's text.
#[derive(Clone, Copy, Debug)]
pub enum Pattern {
    /// One of these words, in capitals as alerting tools write them
    /// ("PROBLEM", "FIRING"), as a whole word.
    UpperWord(&'static [&'static str]),
    /// One of these phrases, any case, at word boundaries.
    Phrase(&'static [&'static str]),
    /// The text starts with one of these (any case).
    Prefix(&'static [&'static str]),
}

/// A suggestion rule.
#[derive(Clone, Copy, Debug)]
pub struct Rule {
    /// Stable id, stored with the suggestion.
    pub id: &'static str,
    /// What the rule looks for, in words (shown with each suggestion).
    pub description: &'static str,
    pub pattern: Pattern,
    /// Only lines of these kinds (empty: any kind but joins, parts and quits).
    pub kinds: &'static [LineKind],
    /// The timeline event kind offered (the app's event-kind code).
    pub event_kind: &'static str,
    /// The key moment offered, if any (the app's moment code).
    pub moment: Option<&'static str>,
}

/// The rules, in the order they are tried.
pub const RULES: &[Rule] = &[
    Rule {
        id: "alert-recovered",
        description: "an alert recovering: RECOVERY, RESOLVED or OK from a monitoring tool",
        pattern: Pattern::UpperWord(&["RECOVERY", "RESOLVED", "RECOVERED"]),
        kinds: &[],
        event_kind: "alert",
        moment: Some("repaired"),
    },
    Rule {
        id: "alert-firing",
        description: "an alert firing: PROBLEM, FIRING, CRITICAL or ALERT from a monitoring tool",
        pattern: Pattern::UpperWord(&["PROBLEM", "FIRING", "CRITICAL", "ALERT", "DOWN"]),
        kinds: &[],
        event_kind: "alert",
        moment: Some("detected"),
    },
    Rule {
        id: "page",
        description: "a page or an escalation",
        pattern: Pattern::Phrase(&[
            "paged",
            "paging",
            "page sent",
            "pagerduty",
            "escalated to",
            "escalating to",
            "opsgenie",
        ]),
        kinds: &[],
        event_kind: "communication",
        moment: Some("notified"),
    },
    Rule {
        id: "rollback",
        description: "a rollback or revert",
        pattern: Pattern::Phrase(&[
            "rollback",
            "rolled back",
            "rolling back",
            "roll back",
            "reverted",
            "reverting",
            "revert",
        ]),
        kinds: &[],
        event_kind: "change",
        moment: Some("repaired"),
    },
    Rule {
        id: "deploy",
        description: "a deploy",
        pattern: Pattern::Phrase(&[
            "deploying",
            "deployed",
            "deploy of",
            "rolling out",
            "rolled out",
            "shipped",
        ]),
        kinds: &[],
        event_kind: "change",
        moment: None,
    },
    Rule {
        id: "diagnosed",
        description: "a diagnosis: found it, root cause, the problem is, culprit, identified",
        pattern: Pattern::Phrase(&[
            "found it",
            "root cause",
            "the problem is",
            "the issue is",
            "culprit",
            "identified",
        ]),
        kinds: &[],
        event_kind: "observation",
        moment: Some("diagnosed"),
    },
    Rule {
        id: "responding",
        description: "someone starting to respond: ack, on it, looking into it, investigating",
        pattern: Pattern::Phrase(&[
            "ack",
            "acked",
            "acknowledged",
            "i'm on it",
            "im on it",
            "on it",
            "looking into it",
            "investigating",
        ]),
        kinds: &[LineKind::Message, LineKind::Action],
        event_kind: "action",
        moment: Some("responded"),
    },
    Rule {
        id: "declared-resolved",
        description: "a declaration: we're back, resolved, all clear",
        pattern: Pattern::Phrase(&[
            "we're back",
            "we are back",
            "all clear",
            "resolved",
            "back to normal",
            "fully recovered",
        ]),
        kinds: &[],
        event_kind: "communication",
        moment: Some("resolved"),
    },
    Rule {
        id: "logged-action",
        description: "an action logged for the record: !log ...",
        pattern: Pattern::Prefix(&["!log "]),
        kinds: &[],
        event_kind: "action",
        moment: None,
    },
];

/// The rule a line matches, if any.
pub fn suggest(line: &Line) -> Option<&'static Rule> {
    suggest_for(line.kind, &line.text)
}

/// The rule a line of `kind` with `text` matches, if any.
pub fn suggest_for(kind: LineKind, text: &str) -> Option<&'static Rule> {
    if kind.is_presence() || kind == LineKind::Nick {
        return None;
    }
    // Lower-cased (and its word starts found) once per line, not once per
    // rule: imports run this on every line.
    let mut lower: Option<Lowered> = None;
    RULES.iter().find(|rule| {
        (rule.kinds.is_empty() || rule.kinds.contains(&kind))
            && matches(rule.pattern, text, &mut lower)
    })
}

/// The rule with this id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

/// A line in lower case, and where its words start.
struct Lowered {
    text: String,
    word_starts: Vec<usize>,
}

impl Lowered {
    fn of(text: &str) -> Self {
        let text = normalise(text);
        let mut word_starts = Vec::new();
        let mut previous_alnum = false;
        for (i, c) in text.char_indices() {
            let alnum = c.is_alphanumeric();
            if alnum && !previous_alnum {
                word_starts.push(i);
            }
            previous_alnum = alnum;
        }
        Lowered { text, word_starts }
    }

    /// Whether `phrase` occurs starting and ending at word boundaries.
    fn has_phrase(&self, phrase: &str) -> bool {
        self.word_starts.iter().any(|&i| {
            self.text.as_bytes()[i..].starts_with(phrase.as_bytes())
                && self.text[i + phrase.len()..]
                    .chars()
                    .next()
                    .is_none_or(|c| !c.is_alphanumeric())
        })
    }
}

fn matches(pattern: Pattern, text: &str, lower: &mut Option<Lowered>) -> bool {
    match pattern {
        Pattern::UpperWord(words) => text
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| words.contains(&w)),
        Pattern::Phrase(phrases) => {
            let lower = lower.get_or_insert_with(|| Lowered::of(text));
            phrases.iter().any(|p| lower.has_phrase(p))
        }
        Pattern::Prefix(prefixes) => {
            let lower = lower.get_or_insert_with(|| Lowered::of(text));
            prefixes
                .iter()
                .any(|p| lower.text.trim_start().starts_with(p))
        }
    }
}

/// Lower case with typographic apostrophes made plain.
fn normalise(text: &str) -> String {
    text.to_lowercase().replace('\u{2019}', "'")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(kind: LineKind, text: &str) -> Option<&'static str> {
        suggest_for(kind, text).map(|r| r.id)
    }

    #[test]
    fn alerts_firing_and_recovering() {
        assert_eq!(
            id(LineKind::Bot, "PROBLEM: checkout p99 > 2s"),
            Some("alert-firing")
        );
        assert_eq!(
            id(LineKind::Bot, "[FIRING:1] HighLatency checkout"),
            Some("alert-firing")
        );
        assert_eq!(
            id(LineKind::Bot, "RECOVERY: checkout p99 OK"),
            Some("alert-recovered")
        );
        assert_eq!(
            id(LineKind::Bot, "[RESOLVED] HighLatency checkout"),
            Some("alert-recovered")
        );
        // Lower-case "problem" in conversation is not an alert.
        assert_eq!(id(LineKind::Message, "no problem, thanks"), None);
    }

    #[test]
    fn pages_deploys_rollbacks_and_declarations() {
        assert_eq!(
            id(LineKind::Message, "paged the database on-call"),
            Some("page")
        );
        assert_eq!(
            id(LineKind::Message, "deploying 412 to canary"),
            Some("deploy")
        );
        assert_eq!(
            id(LineKind::Message, "rolled back to 411"),
            Some("rollback")
        );
        assert_eq!(
            id(LineKind::Message, "we\u{2019}re back, error rate normal"),
            Some("declared-resolved")
        );
        assert_eq!(
            id(LineKind::Message, "all clear"),
            Some("declared-resolved")
        );
        assert_eq!(
            id(LineKind::Message, "!log restarted checkout-7"),
            Some("logged-action")
        );
    }

    #[test]
    fn diagnoses_and_responses() {
        assert_eq!(
            id(LineKind::Message, "found it: the pool size was 5"),
            Some("diagnosed")
        );
        assert_eq!(
            id(LineKind::Message, "root cause looks like the cert"),
            Some("diagnosed")
        );
        assert_eq!(id(LineKind::Message, "ack, looking"), Some("responding"));
        // Words inside other words do not count.
        assert_eq!(id(LineKind::Message, "the backpack is heavy"), None);
        assert_eq!(id(LineKind::Message, "unresolved question"), None);
    }

    #[test]
    fn presence_lines_get_no_suggestion() {
        assert_eq!(id(LineKind::Quit, "sam has quit (PROBLEM)"), None);
    }

    #[test]
    fn every_rule_has_a_unique_id_and_known_codes() {
        let kinds = [
            "observation",
            "action",
            "decision",
            "communication",
            "alert",
            "change",
            "other",
        ];
        let moments = [
            "impact_started",
            "detected",
            "notified",
            "responded",
            "diagnosed",
            "repaired",
            "resolved",
        ];
        for (i, r) in RULES.iter().enumerate() {
            assert!(RULES[i + 1..].iter().all(|o| o.id != r.id), "{}", r.id);
            assert!(kinds.contains(&r.event_kind), "{}", r.id);
            assert!(r.moment.is_none_or(|m| moments.contains(&m)), "{}", r.id);
            assert_eq!(rule(r.id).map(|x| x.id), Some(r.id));
        }
    }
}
