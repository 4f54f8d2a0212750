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

/// The rule a line of `kind` with `text` matches, if any. Narrative (a
/// report's summary, its lessons) has no time of its own to offer an event
/// at.
pub fn suggest_for(kind: LineKind, text: &str) -> Option<&'static Rule> {
    if kind.is_presence() || kind == LineKind::Nick || kind == LineKind::Narrative {
        return None;
    }
    let found = matcher().matching_rules(text);
    RULES.iter().enumerate().find_map(|(i, rule)| {
        (found & (1 << i) != 0 && (rule.kinds.is_empty() || rule.kinds.contains(&kind)))
            .then_some(rule)
    })
}

/// The rule with this id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

/// [`RULES`] arranged for one pass over a line: imports run this on every
/// line, so a line is not scanned once per phrase. Phrases are compared
/// without case (they are ASCII), and those with an apostrophe also match
/// the typographic one.
struct Matcher {
    /// Phrases by their first byte (lower case): (rule, phrase).
    phrases: Vec<Vec<(usize, String)>>,
    /// Words in capitals: (rule, word).
    upper: Vec<(usize, &'static str)>,
    /// Prefixes of the whole text: (rule, prefix).
    prefixes: Vec<(usize, &'static str)>,
}

fn matcher() -> &'static Matcher {
    static MATCHER: std::sync::OnceLock<Matcher> = std::sync::OnceLock::new();
    MATCHER.get_or_init(|| {
        assert!(RULES.len() <= 64, "rules are tracked in a 64-bit set");
        let mut m = Matcher {
            phrases: vec![Vec::new(); 128],
            upper: Vec::new(),
            prefixes: Vec::new(),
        };
        for (i, rule) in RULES.iter().enumerate() {
            match rule.pattern {
                Pattern::UpperWord(words) => m.upper.extend(words.iter().map(|w| (i, *w))),
                Pattern::Prefix(prefixes) => m.prefixes.extend(prefixes.iter().map(|p| (i, *p))),
                Pattern::Phrase(phrases) => {
                    for phrase in phrases {
                        let lower = phrase.to_ascii_lowercase();
                        let Some(&first) = lower.as_bytes().first().filter(|b| b.is_ascii()) else {
                            continue;
                        };
                        if lower.contains('\'') {
                            m.phrases[first as usize].push((i, lower.replace('\'', "\u{2019}")));
                        }
                        m.phrases[first as usize].push((i, lower));
                    }
                }
            }
        }
        m
    })
}

impl Matcher {
    /// The rules whose pattern `text` matches, as a bit set by rule index.
    /// One pass: ASCII bytes are looked at directly, other characters decoded.
    fn matching_rules(&self, text: &str) -> u64 {
        let bytes = text.as_bytes();
        let mut found = 0u64;
        // Whether the character before was alphanumeric (any script), and
        // ASCII alphanumeric (capitals words are runs of those).
        let (mut previous_alnum, mut previous_ascii_alnum) = (false, false);
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            let (alnum, ascii_alnum, width) = if b.is_ascii() {
                let a = b.is_ascii_alphanumeric();
                (a, a, 1)
            } else {
                let c = text[i..].chars().next().unwrap_or(' ');
                (c.is_alphanumeric(), false, c.len_utf8())
            };
            if ascii_alnum && !previous_ascii_alnum && b.is_ascii_uppercase() {
                let end = i + bytes[i..]
                    .iter()
                    .take_while(|b| b.is_ascii_alphanumeric())
                    .count();
                let word = &text[i..end];
                for (rule, upper) in &self.upper {
                    if word == *upper {
                        found |= 1 << rule;
                    }
                }
            }
            if alnum && !previous_alnum && b.is_ascii() {
                for (rule, phrase) in &self.phrases[b.to_ascii_lowercase() as usize] {
                    if found & (1 << rule) == 0 && phrase_at(text, i, phrase) {
                        found |= 1 << rule;
                    }
                }
            }
            (previous_alnum, previous_ascii_alnum) = (alnum, ascii_alnum);
            i += width;
        }
        let start = text.trim_start().as_bytes();
        for (rule, prefix) in &self.prefixes {
            if start.len() >= prefix.len()
                && start[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
            {
                found |= 1 << rule;
            }
        }
        found
    }
}

/// Whether `phrase` (lower case) is in `text` at byte `at`, any case, ending
/// at a word boundary.
fn phrase_at(text: &str, at: usize, phrase: &str) -> bool {
    let bytes = &text.as_bytes()[at..];
    bytes.len() >= phrase.len()
        && bytes[..phrase.len()].eq_ignore_ascii_case(phrase.as_bytes())
        && text
            .get(at + phrase.len()..)
            .is_some_and(|rest| rest.chars().next().is_none_or(|c| !c.is_alphanumeric()))
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
        assert_eq!(
            id(LineKind::Message, "ROOT CAUSE: the pool"),
            Some("diagnosed")
        );
        assert_eq!(
            id(LineKind::Message, "I\u{2019}m on it"),
            Some("responding")
        );
        assert_eq!(id(LineKind::Message, "café reverted"), Some("rollback"));
        // The first rule that matches wins, whatever the order in the text.
        assert_eq!(
            id(LineKind::Message, "deploying the fix, we're back"),
            Some("deploy")
        );
        // A rule limited to some kinds leaves the others to later rules.
        assert_eq!(
            id(LineKind::Bot, "investigating, all clear soon"),
            Some("declared-resolved")
        );
        assert_eq!(id(LineKind::Message, "unresolved question"), None);
    }

    #[test]
    fn presence_lines_get_no_suggestion() {
        assert_eq!(id(LineKind::Quit, "sam has quit (PROBLEM)"), None);
        assert_eq!(id(LineKind::Narrative, "we rolled back too late"), None);
        assert!(id(LineKind::Message, "we rolled back too late").is_some());
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
