//! Suggestions, not automation: lines that look like an alert firing or
//! recovering, a page, a deploy or rollback, a diagnosis, a declaration or a
//! logged action are offered to the commander as candidate timeline events
//! (and key moments). Nothing here adds anything; a person accepts or dismisses.
//!
//! The rules are data ([`RULES`]); the first rule that matches a line wins, and
//! each suggestion names its rule so the commander can see why it was offered.
//!
//! What is read: the line's own message, not what was joined to it (the
//! lines without a time that a plain paste or a Slack copy adds after it,
//! which may be prose about something else), and of that only the first
//! paragraph (up to a blank line). Narrative lines, joins, parts, quits and
//! nick changes get no suggestion: they say nothing that happened at their
//! time.
//!
//! A moment says something happened, so a phrase only counts when it is said
//! as a fact. Text is cut into clauses (at a line break, a dash `—` or `–`,
//! and `.`, `,`, `;`, `:`, `!` or `?` not followed by a letter, a digit, `/`
//! or `=`: not inside "v2.31", "14:32" or a URL), and a phrase does not
//! count when its clause is a question (ends with `?`) or has, before the
//! phrase, a word of negation (`not`, `no`, `never`, `nobody`, `cannot`, any
//! `…n't`) or of intent (`will`, `…'ll`, `shall`, `should`, `could`, `would`,
//! `might`, `let's`, `if`, `unless`, `before`, `going to`, `about to`, `want
//! to`, `plan to`, `prefer to`, `need to`), or an alternative not taken
//! (`rather than`, `instead of`): "I won't rollback", "should we
//! revert?", "I'd prefer to revert for now", "before we roll back, check the
//! pool" offer nothing, while "rolled back, won't deploy again today" offers
//! the rollback.

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
        description: "a page, an escalation or a notification: paged, page sent, notified, status page updated",
        pattern: Pattern::Phrase(&[
            "paged",
            "paging",
            "page sent",
            "pagerduty",
            "escalated to",
            "escalating to",
            "opsgenie",
            "notified",
            "notifying",
            "status page updated",
            "status page update",
            "updated the status page",
            "updated status page",
        ]),
        kinds: &[],
        event_kind: "communication",
        moment: Some("notified"),
    },
    // Before the changes: a diagnosis names its cause, often a change
    // ("caused by the 412 deploy", "the cause is the rollback of the pool").
    Rule {
        id: "diagnosed",
        description: "a diagnosis: found it, root cause, the cause is, caused by, the problem is, culprit, identified",
        pattern: Pattern::Phrase(&[
            "found it",
            "found the problem",
            "found the issue",
            "found the cause",
            "root cause",
            "the cause is",
            "the cause was",
            "caused by",
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

/// The rule a line matches, if any: read in its own message (see the
/// module's docs).
pub fn suggest(line: &Line) -> Option<&'static Rule> {
    suggest_for(line.kind, own_text(&line.text, line.continued))
}

/// The rule a line of `kind` with `text` matches, if any, read in the text's
/// first paragraph. Narrative (a report's summary, its lessons) has no time
/// of its own to offer an event at.
pub fn suggest_for(kind: LineKind, text: &str) -> Option<&'static Rule> {
    if kind.is_presence() || kind == LineKind::Nick || kind == LineKind::Narrative {
        return None;
    }
    let found = matcher().matching_rules(first_paragraph(text));
    RULES.iter().enumerate().find_map(|(i, rule)| {
        (found & (1 << i) != 0 && (rule.kinds.is_empty() || rule.kinds.contains(&kind)))
            .then_some(rule)
    })
}

/// A line's text without the lines joined to it (`continued` of them). Only
/// line formats join lines, and the message such a line starts is its own
/// line of text: what it wrote ends at the first line break.
fn own_text(text: &str, continued: u32) -> &str {
    if continued == 0 {
        text
    } else {
        text.split('\n').next().unwrap_or(text)
    }
}

/// `text` up to its first blank line after some text.
fn first_paragraph(text: &str) -> &str {
    let mut at = 0;
    let mut started = false;
    for line in text.split_inclusive('\n') {
        if line.trim().is_empty() {
            if started {
                return &text[..at];
            }
        } else {
            started = true;
        }
        at += line.len();
    }
    text
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
        // Cut into clauses only once a phrase is found (most lines have none).
        let mut clauses: Option<Clauses> = None;
        let mut stated = |at: usize| clauses.get_or_insert_with(|| Clauses::of(text)).stated(at);
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
                    if word == *upper && stated(i) {
                        found |= 1 << rule;
                    }
                }
            }
            if alnum && !previous_alnum && b.is_ascii() {
                for (rule, phrase) in &self.phrases[b.to_ascii_lowercase() as usize] {
                    if found & (1 << rule) == 0 && phrase_at(text, i, phrase) && stated(i) {
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

/// A text cut into clauses, each with what tells whether a phrase in it is
/// said as a fact (see the module's docs).
struct Clauses(Vec<Clause>);

struct Clause {
    /// Where it ends: the byte after its boundary, or the end of the text.
    end: usize,
    /// Where its first word of negation or intent starts.
    cue: Option<usize>,
    /// Whether it ends with `?`.
    question: bool,
}

/// Words of negation or intent, lower case, with `'` for either apostrophe.
const CUES: &[&str] = &[
    "not", "no", "never", "nobody", "cannot", "will", "shall", "should", "could", "would", "might",
    "let's", "lets", "if", "unless", "before", "dont", "wont", "cant", "didnt", "doesnt", "isnt",
    "shouldnt", "wouldnt", "couldnt", "havent", "hasnt", "rather", "instead",
];

/// Words that are a cue when `to` follows them ("going to roll back").
const CUES_BEFORE_TO: &[&str] = &[
    "going", "about", "want", "wants", "plan", "planning", "prefer", "need", "needs",
];

impl Clauses {
    fn of(text: &str) -> Self {
        let mut clauses = Vec::new();
        let mut clause = Clause {
            end: 0,
            cue: None,
            question: false,
        };
        // The word being read (lower case, `'` for `’`), where it started,
        // and the word before it in the clause.
        let mut word = String::new();
        let mut word_start = 0;
        let mut previous = String::new();
        let mut chars = text.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if c.is_alphanumeric() || c == '\'' || c == '\u{2019}' {
                if word.is_empty() {
                    word_start = i;
                }
                word.push(if c == '\u{2019}' {
                    '\''
                } else {
                    c.to_ascii_lowercase()
                });
                continue;
            }
            if !word.is_empty() {
                let finished = std::mem::take(&mut word);
                if clause.cue.is_none() && is_cue(&finished, &previous) {
                    clause.cue = Some(word_start);
                }
                previous = finished;
            }
            let next = chars.peek().map(|&(_, n)| n);
            let boundary = match c {
                '\n' | '\u{2014}' | '\u{2013}' => true,
                // Not inside "v2.31", "14:32", "1,000", "https://", "?from=".
                '.' | ',' | ';' | ':' | '!' | '?' => {
                    next.is_none_or(|n| !n.is_alphanumeric() && n != '/' && n != '=')
                }
                _ => false,
            };
            if boundary {
                clause.end = i + c.len_utf8();
                clause.question = c == '?';
                clauses.push(std::mem::replace(
                    &mut clause,
                    Clause {
                        end: 0,
                        cue: None,
                        question: false,
                    },
                ));
                previous.clear();
            }
        }
        if !word.is_empty() && clause.cue.is_none() && is_cue(&word, &previous) {
            clause.cue = Some(word_start);
        }
        clause.end = text.len();
        clauses.push(clause);
        Clauses(clauses)
    }

    /// Whether a phrase starting at byte `at` is said as a fact.
    fn stated(&self, at: usize) -> bool {
        let i = self.0.partition_point(|c| c.end <= at);
        self.0
            .get(i)
            .is_none_or(|c| !c.question && c.cue.is_none_or(|cue| cue >= at))
    }
}

/// Whether `word`, after `previous` in its clause, is a word of negation or
/// intent. Of a two-word cue ("going to") it is the `to` that is found, and
/// the cue taken to start there: no phrase starts between the two words.
fn is_cue(word: &str, previous: &str) -> bool {
    let word = word.trim_matches('\'');
    CUES.contains(&word)
        || word.ends_with("n't")
        || word.ends_with("'ll")
        || (word == "to" && CUES_BEFORE_TO.contains(&previous))
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

    /// The moment offered for a line of `kind` with `text`.
    fn moment(kind: LineKind, text: &str) -> Option<&'static str> {
        suggest_for(kind, text).and_then(|r| r.moment)
    }

    #[test]
    fn moments_offered_for_what_happened() {
        use LineKind::{Bot, Message};
        let positives = [
            (Bot, "[FIRING:1] HighLatency checkout", "detected"),
            (Bot, "PROBLEM: checkout p99 > 2s", "detected"),
            (Message, "paged the database on-call", "notified"),
            (Message, "page sent to kim", "notified"),
            (Message, "Status page updated: investigating", "notified"),
            (
                Message,
                "(until 20:07) Status page updated twice",
                "notified",
            ),
            (Message, "updated the status page", "notified"),
            (Message, "notified support and sales", "notified"),
            (Message, "ack", "responded"),
            (Message, "I\u{2019}m on it", "responded"),
            (Message, "looking into it", "responded"),
            (Message, "the cause is the pool size", "diagnosed"),
            (Message, "errors caused by the cert rotation", "diagnosed"),
            (Message, "root cause: disk full", "diagnosed"),
            (Message, "found the problem: pool at 5", "diagnosed"),
            (Message, "found it", "diagnosed"),
            // A diagnosis naming a change is a diagnosis, not the change.
            (Message, "caused by the rollback of 411", "diagnosed"),
            (Message, "rolled back to 411", "repaired"),
            (Message, "reverted 412", "repaired"),
            (Bot, "RECOVERY: checkout p99 OK", "repaired"),
            // A negation in a later clause leaves the earlier one alone,
            // and one in an earlier clause the later.
            (Message, "rolled back, won't deploy again today", "repaired"),
            (Message, "rolled back instead of fixing forward", "repaired"),
            (Message, "don't deploy, we rolled back", "repaired"),
            (
                Message,
                "should we roll back? yes, rolling back now",
                "repaired",
            ),
            (Message, "all clear", "resolved"),
            (Message, "we\u{2019}re back, error rate normal", "resolved"),
            (Message, "db connections back to normal", "resolved"),
            // Punctuation inside a word, a version or a time is no clause.
            (Message, "v2.31.4 rolled back at 14:32", "repaired"),
        ];
        for (kind, text, want) in positives {
            assert_eq!(moment(kind, text), Some(want), "{text}");
        }
    }

    #[test]
    fn no_moment_for_what_did_not_happen() {
        use LineKind::{Bot, Message};
        // Each with the same line said as a fact, which is offered one.
        let negatives = [
            // Negation before the phrase, in its clause.
            (Message, "I won't rollback", "I rollback"),
            (Message, "I won\u{2019}t rollback", "I rollback"),
            (Message, "we will not roll back yet", "we roll back"),
            (Message, "don't revert 412", "revert 412"),
            (Message, "do not roll back", "roll back"),
            (Message, "we shouldn't roll back", "we roll back"),
            (Message, "not going to revert, fixing forward", "revert"),
            (Message, "let's not revert yet", "revert yet"),
            (
                Message,
                "Disk alarms on queue-2, nobody paged",
                "Disk alarms, paged",
            ),
            (Message, "no root cause yet", "root cause"),
            (Message, "we're not back to normal", "we're back to normal"),
            (Message, "never acked", "acked"),
            // Intent: a proposal, a preference, a plan, a condition.
            (Message, "should we roll back", "we roll back"),
            (Message, "could we revert 412", "we revert 412"),
            (Message, "I'd prefer to revert for now", "revert for now"),
            // An alternative not taken.
            (
                Message,
                "chose to rebuild the index rather than roll back the schema",
                "roll back the schema",
            ),
            (
                Message,
                "fixed forward instead of rolling back",
                "rolling back",
            ),
            (
                Message,
                "before we roll back, check the pool",
                "we roll back",
            ),
            (Message, "we should have paged sooner", "we paged sooner"),
            (Message, "going to roll back 412", "roll back 412"),
            (Message, "I\u{2019}ll roll back 412", "rolled back 412"),
            (
                Message,
                "if the cause is the pool we can raise it",
                "the cause is the pool",
            ),
            // Questions.
            (Message, "rolled back?", "rolled back"),
            (
                Message,
                "is the root cause the cert?",
                "root cause: the cert",
            ),
            (Message, "are you on it?", "on it"),
            (Message, "all clear?", "all clear"),
            (Bot, "is checkout DOWN?", "checkout DOWN"),
        ];
        for (kind, text, fact) in negatives {
            assert_eq!(moment(kind, text), None, "{text}");
            assert!(moment(kind, fact).is_some(), "{fact}");
        }
        // A rule tried first but not said as a fact leaves the line to the
        // others.
        assert_eq!(
            id(LineKind::Message, "nobody paged yet, rolled back 412"),
            Some("rollback")
        );
    }

    #[test]
    fn only_the_lines_own_first_paragraph_is_read() {
        let at = chrono::DateTime::UNIX_EPOCH;
        let line = |kind, text: &str, continued| {
            let mut line = Line::new(7, at, kind, Some("sam"), text);
            line.continued = continued;
            suggest(&line).map(|r| r.id)
        };
        // Prose joined after the message is not its text.
        assert_eq!(
            line(
                LineKind::Message,
                "purging the session cache\nThe rollback took 44 minutes",
                1
            ),
            None
        );
        assert_eq!(
            line(
                LineKind::Message,
                "rollback complete\nthe cache was purged after",
                1
            ),
            Some("rollback")
        );
        // A message of several paragraphs is read up to the first blank line.
        assert_eq!(
            line(LineKind::Message, "notes so far:\n\nwe rolled back", 0),
            None
        );
        assert_eq!(
            line(LineKind::Bot, "\nDeploy finished\nRevert \"bump pool\"", 0),
            Some("rollback")
        );
        assert_eq!(line(LineKind::Narrative, "we rolled back", 0), None);
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
