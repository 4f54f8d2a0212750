//! The blameless language check: finds wording in a write-up that assigns
//! blame to a person or reasons from hindsight ("human error", "should
//! have", "failed to", "obviously") and offers a question that asks about
//! context instead ("what made this action make sense at the time?").
//!
//! It advises and never blocks: the author decides. Plain Rust with no web
//! types, so the server and the browser (while the author types) run the
//! same check.
//!
//! The rules are data: [`DEFAULT_RULES`], and more an administrator adds in
//! the text form [`parse_rules`] reads, one rule a line:
//!
//! ```text
//! # phrase | why it is flagged | what to ask instead
//! sloppy | Judges the person, not the situation. | What made the careful way hard here?
//! ```
//!
//! A phrase is words matched whole, without regard to case or apostrophes
//! ("why didn't" also finds "Why didnt"). A word ending in `*` matches any
//! word it begins ("careless*": carelessly, carelessness). The word
//! `<someone's>` matches any possessive ("Sam's", "the on-call's").
//!
//! Evidence is never flagged: quoted chat lines (`[14:02] <sam> …`,
//! `14:02 sam: …`), Markdown block quotes (`> …`), text in double quotes,
//! code spans and fenced code blocks. Responders' own words, as they were,
//! are what a review learns from.

use serde::{Deserialize, Serialize};

/// One rule: a phrase, why it is flagged, and the question to ask instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    pub phrase: String,
    pub why: String,
    pub ask: String,
}

/// A place in a text where a rule matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Byte offsets of the matched words in the checked text.
    pub start: usize,
    pub end: usize,
    /// The words as written.
    pub text: String,
    pub why: String,
    pub ask: String,
}

const PERSON: &str =
    "Names a person as the cause. People's actions make sense in their context; look for it.";
const PERSON_ASK: &str = "What made this action make sense at the time?";
const HINDSIGHT: &str = "Reasons from hindsight: what we know now was not known then.";
const HINDSIGHT_ASK: &str = "What did they know, and what did they expect, at that moment?";
const JUDGEMENT: &str = "Judges the person, not the situation they were in.";
const JUDGEMENT_ASK: &str = "What about the situation made the careful way hard?";
const OBVIOUS: &str = "Obvious only afterwards; it hides what made it hard to see.";
const OBVIOUS_ASK: &str = "What made this hard to see at the time?";
const COUNTERFACTUAL: &str = "Asks about what did not happen instead of what did.";
const COUNTERFACTUAL_ASK: &str = "What did they see that made the step they took seem right?";
const FAILED: &str = "Frames an action as a failure of the person.";
const FAILED_ASK: &str = "What got in the way of doing it?";
const ROOT: &str = "A single root cause hides the other conditions that came together.";
const ROOT_ASK: &str = "Which contributing factors came together here?";
const MISSED: &str = "Calls an omission a personal lapse.";
const MISSED_ASK: &str = "What made it easy to miss?";

/// The rules every Debrief checks with: (phrase, why, ask instead).
pub const DEFAULT_RULES: &[(&str, &str, &str)] = &[
    ("human error", PERSON, PERSON_ASK),
    ("user error", PERSON, PERSON_ASK),
    ("operator error", PERSON, PERSON_ASK),
    ("<someone's> fault", PERSON, PERSON_ASK),
    ("<someone's> mistake", PERSON, PERSON_ASK),
    ("<someone's> error", PERSON, PERSON_ASK),
    ("at fault", PERSON, PERSON_ASK),
    ("to blame", PERSON, PERSON_ASK),
    ("blame", PERSON, PERSON_ASK),
    ("blamed", PERSON, PERSON_ASK),
    ("blaming", PERSON, PERSON_ASK),
    ("made a mistake", PERSON, PERSON_ASK),
    ("screwed up", JUDGEMENT, JUDGEMENT_ASK),
    ("messed up", JUDGEMENT, JUDGEMENT_ASK),
    ("dropped the ball", JUDGEMENT, JUDGEMENT_ASK),
    ("careless*", JUDGEMENT, JUDGEMENT_ASK),
    ("negligen*", JUDGEMENT, JUDGEMENT_ASK),
    ("reckless*", JUDGEMENT, JUDGEMENT_ASK),
    ("sloppy", JUDGEMENT, JUDGEMENT_ASK),
    ("lazy", JUDGEMENT, JUDGEMENT_ASK),
    ("incompeten*", JUDGEMENT, JUDGEMENT_ASK),
    ("inexcusable", JUDGEMENT, JUDGEMENT_ASK),
    ("no excuse", JUDGEMENT, JUDGEMENT_ASK),
    ("should have", HINDSIGHT, HINDSIGHT_ASK),
    ("should've", HINDSIGHT, HINDSIGHT_ASK),
    ("should not have", HINDSIGHT, HINDSIGHT_ASK),
    ("shouldn't have", HINDSIGHT, HINDSIGHT_ASK),
    ("should have known", HINDSIGHT, HINDSIGHT_ASK),
    ("ought to have", HINDSIGHT, HINDSIGHT_ASK),
    ("obviously", OBVIOUS, OBVIOUS_ASK),
    ("clearly", OBVIOUS, OBVIOUS_ASK),
    ("simply", OBVIOUS, OBVIOUS_ASK),
    ("of course", OBVIOUS, OBVIOUS_ASK),
    ("why didn't", COUNTERFACTUAL, COUNTERFACTUAL_ASK),
    ("why did nobody", COUNTERFACTUAL, COUNTERFACTUAL_ASK),
    ("why did no one", COUNTERFACTUAL, COUNTERFACTUAL_ASK),
    ("why wasn't", COUNTERFACTUAL, COUNTERFACTUAL_ASK),
    ("failed to", FAILED, FAILED_ASK),
    ("did not follow", FAILED, FAILED_ASK),
    ("didn't follow", FAILED, FAILED_ASK),
    ("forgot to", MISSED, MISSED_ASK),
    ("didn't bother", MISSED, MISSED_ASK),
    ("not paying attention", MISSED, MISSED_ASK),
    ("wasn't paying attention", MISSED, MISSED_ASK),
    ("root cause", ROOT, ROOT_ASK),
];

/// [`DEFAULT_RULES`] as rules.
pub fn default_rules() -> Vec<Rule> {
    DEFAULT_RULES
        .iter()
        .map(|(phrase, why, ask)| Rule {
            phrase: phrase.to_string(),
            why: why.to_string(),
            ask: ask.to_string(),
        })
        .collect()
}

/// Longest phrase, reason or question an added rule may have, in characters.
pub const RULE_FIELD_MAX: usize = 300;
/// Most rules an administrator may add.
pub const MAX_ADDED_RULES: usize = 200;

/// Reads added rules, one a line: `phrase | why | ask instead`. Blank lines
/// and lines starting with `#` are skipped. A bad line is refused by number.
pub fn parse_rules(text: &str) -> Result<Vec<Rule>, String> {
    let mut rules = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let parts: Vec<&str> = line.split('|').map(str::trim).collect();
        let [phrase, why, ask] = parts[..] else {
            return Err(format!(
                "Line {}: write three parts separated by |: the phrase, why it is flagged, and what to ask instead.",
                n + 1
            ));
        };
        if phrase.is_empty() || why.is_empty() || ask.is_empty() {
            return Err(format!(
                "Line {}: the phrase, the reason and the question must each say something.",
                n + 1
            ));
        }
        if [phrase, why, ask]
            .iter()
            .any(|p| p.chars().count() > RULE_FIELD_MAX)
        {
            return Err(format!(
                "Line {}: each part is at most {RULE_FIELD_MAX} characters.",
                n + 1
            ));
        }
        if words(phrase).is_empty() {
            return Err(format!("Line {}: the phrase has no words to match.", n + 1));
        }
        rules.push(Rule {
            phrase: phrase.to_string(),
            why: why.to_string(),
            ask: ask.to_string(),
        });
    }
    if rules.len() > MAX_ADDED_RULES {
        return Err(format!(
            "At most {MAX_ADDED_RULES} rules can be added; this has {}.",
            rules.len()
        ));
    }
    Ok(rules)
}

/// A word of the checked text: where it is, its matching form (lower case,
/// no apostrophes) and whether it was possessive ("Sam's").
struct Word {
    start: usize,
    end: usize,
    key: String,
    possessive: bool,
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '\'' || c == '’'
}

fn words(text: &str) -> Vec<Word> {
    let mut out = Vec::new();
    let mut start = None;
    let mut push = |s: usize, e: usize| {
        let raw = text[s..e].trim_matches(|c| c == '\'' || c == '’');
        if raw.is_empty() {
            return;
        }
        let lower = raw.to_lowercase().replace('’', "'");
        out.push(Word {
            start: s,
            end: e,
            possessive: lower.ends_with("'s"),
            key: lower.replace('\'', ""),
        });
    };
    for (i, c) in text.char_indices() {
        match (is_word_char(c), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                push(s, i);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        push(s, text.len());
    }
    out
}

/// One word of a rule's phrase.
enum Pattern {
    Exact(String),
    Prefix(String),
    Possessive,
}

fn pattern(phrase: &str) -> Vec<Pattern> {
    phrase
        .split_whitespace()
        .map(|w| {
            if w.eq_ignore_ascii_case("<someone's>") {
                return Pattern::Possessive;
            }
            let key = w.to_lowercase().replace(['\'', '’'], "");
            match key.strip_suffix('*') {
                Some(prefix) => Pattern::Prefix(prefix.to_string()),
                None => Pattern::Exact(key),
            }
        })
        .collect()
}

fn matches(p: &Pattern, w: &Word) -> bool {
    match p {
        Pattern::Exact(k) => w.key == *k,
        Pattern::Prefix(k) => w.key.starts_with(k.as_str()),
        Pattern::Possessive => w.possessive,
    }
}

/// The byte ranges that are evidence, not the author's words: quoted chat
/// lines, block quotes, fenced code, code spans and double-quoted text.
fn evidence(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut offset = 0;
    let mut fenced = false;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let fence = trimmed.starts_with("```") || trimmed.starts_with("~~~");
        if fenced || fence || trimmed.starts_with('>') || is_chat_line(trimmed) {
            out.push((offset, offset + line.len()));
        }
        if fence {
            fenced = !fenced;
        }
        offset += line.len();
    }
    for (open, close) in [('"', '"'), ('“', '”'), ('`', '`')] {
        let mut from = None;
        for (i, c) in text.char_indices() {
            match from {
                None if c == open => from = Some(i),
                Some(s) if c == close => {
                    out.push((s, i + c.len_utf8()));
                    from = None;
                }
                // A quote never runs past the end of its paragraph.
                Some(_) if c == '\n' && text[i + 1..].starts_with('\n') => from = None,
                _ => {}
            }
        }
    }
    out
}

/// A line as chat transcripts write them: a time, then a nick in angle
/// brackets or followed by a colon ("[14:02] <sam> …", "14:02 sam: …").
fn is_chat_line(line: &str) -> bool {
    let rest = line.trim_start_matches('[');
    let time_len = rest
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_digit() || *c == ':'))
        .map_or(rest.len(), |(i, _)| i);
    let time = &rest[..time_len];
    if !(time.len() >= 4 && time.contains(':') && time.starts_with(|c: char| c.is_ascii_digit())) {
        return false;
    }
    let after = rest[time_len..].trim_start_matches(']').trim_start();
    if after.starts_with('<') {
        return after.contains('>');
    }
    let nick_len = after
        .char_indices()
        .find(|(_, c)| !(c.is_alphanumeric() || matches!(c, '_' | '-' | '.')))
        .map_or(after.len(), |(i, _)| i);
    nick_len > 0 && after[nick_len..].starts_with(':')
}

/// Every place in `text` where a rule matches, in order, outside evidence.
/// Where matches overlap, the first and longest is kept ("should have
/// known" rather than "should have" as well).
pub fn check(text: &str, rules: &[Rule]) -> Vec<Finding> {
    let words = words(text);
    let quoted = evidence(text);
    let in_evidence = |at: usize| quoted.iter().any(|&(s, e)| at >= s && at < e);
    let mut found: Vec<Finding> = Vec::new();
    for rule in rules {
        let pattern = pattern(&rule.phrase);
        if pattern.is_empty() || pattern.len() > words.len() {
            continue;
        }
        for i in 0..=words.len() - pattern.len() {
            let run = &words[i..i + pattern.len()];
            let whole = run.iter().zip(&pattern).all(|(w, p)| matches(p, w))
                // The words of a phrase stand next to each other.
                && run
                    .windows(2)
                    .all(|pair| text[pair[0].end..pair[1].start].trim().is_empty());
            if !whole || in_evidence(run[0].start) {
                continue;
            }
            let (start, end) = (run[0].start, run[run.len() - 1].end);
            found.push(Finding {
                start,
                end,
                text: text[start..end].to_string(),
                why: rule.why.clone(),
                ask: rule.ask.clone(),
            });
        }
    }
    found.sort_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
    let mut kept: Vec<Finding> = Vec::new();
    for f in found {
        if kept.last().is_none_or(|last| f.start >= last.end) {
            kept.push(f);
        }
    }
    kept
}

/// The line (from 1) a byte offset of `text` falls on.
pub fn line_of(text: &str, at: usize) -> usize {
    text.as_bytes()[..at.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// `text` cut into consecutive pieces, each with the finding it belongs to
/// (by index into `findings`, which are in order and do not overlap): what
/// an editor draws to underline the findings in place.
pub fn segments<'a>(text: &'a str, findings: &[Finding]) -> Vec<(&'a str, Option<usize>)> {
    let mut out = Vec::with_capacity(findings.len() * 2 + 1);
    let mut at = 0;
    for (i, f) in findings.iter().enumerate() {
        let (start, end) = (f.start.min(text.len()), f.end.min(text.len()));
        if start < at || !text.is_char_boundary(start) || !text.is_char_boundary(end) {
            continue;
        }
        if start > at {
            out.push((&text[at..start], None));
        }
        out.push((&text[start..end], Some(i)));
        at = end;
    }
    if at < text.len() {
        out.push((&text[at..], None));
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn segments_cover_the_text_and_mark_each_finding_once() {
        let text = "Intro.\nThe operator was careless, obviously.\nEnd";
        let findings = check(text, &default_rules());
        assert_eq!(findings.len(), 2, "{findings:?}");
        let pieces = segments(text, &findings);
        assert_eq!(pieces.iter().map(|(t, _)| *t).collect::<String>(), text);
        let marked: Vec<(&str, usize)> = pieces
            .iter()
            .filter_map(|(t, f)| f.map(|f| (*t, f)))
            .collect();
        assert_eq!(marked, [("careless", 0), ("obviously", 1)]);
        assert_eq!(line_of(text, findings[0].start), 2);
        assert_eq!(line_of(text, 0), 1);
        assert_eq!(segments("", &[]), []);
    }

    use super::*;

    /// The matched words of each finding.
    fn flagged(text: &str) -> Vec<String> {
        check(text, &default_rules())
            .into_iter()
            .map(|f| f.text)
            .collect()
    }

    #[test]
    fn wording_that_blames_or_reasons_from_hindsight_is_flagged() {
        let cases: &[(&str, &str)] = &[
            ("The outage was caused by human error.", "human error"),
            ("It was HUMAN ERROR during the deploy.", "HUMAN ERROR"),
            ("Classic user error on the admin page.", "user error"),
            ("An operator error took the primary down.", "operator error"),
            ("It was Sam's fault that the cache emptied.", "Sam's fault"),
            ("This was the on-call’s mistake.", "call’s mistake"),
            ("Nobody is at fault here, but still.", "at fault"),
            ("Who is to blame for the rollback?", "to blame"),
            ("We should not blame the tooling alone.", "blame"),
            ("The new hire was blamed at first.", "blamed"),
            ("Blaming the vendor helped nobody.", "Blaming"),
            ("Robin made a mistake in the config.", "made a mistake"),
            ("The team screwed up the migration.", "screwed up"),
            ("Someone messed up the DNS record.", "messed up"),
            ("On-call dropped the ball overnight.", "dropped the ball"),
            ("A careless change to the firewall.", "careless"),
            ("The step was done carelessly.", "carelessly"),
            ("This was negligence, plain and simple.", "negligence"),
            ("A reckless deploy on a Friday.", "reckless"),
            ("Sloppy review of the pull request.", "Sloppy"),
            ("The checks were lazy.", "lazy"),
            ("An incompetent handover.", "incompetent"),
            ("Leaving it unmonitored was inexcusable.", "inexcusable"),
            ("There is no excuse for skipping tests.", "no excuse"),
            ("They should have checked the graph.", "should have"),
            ("Alex should've paged the database team.", "should've"),
            ("We should not have restarted the pool.", "should not have"),
            ("They shouldn't have merged it.", "shouldn't have"),
            (
                "The responder should have known better.",
                "should have known",
            ),
            ("The team ought to have rolled back.", "ought to have"),
            ("The bad config was obviously wrong.", "obviously"),
            ("The alert clearly showed the problem.", "clearly"),
            ("They could simply have rolled back.", "simply"),
            ("Of course the disk was full.", "Of course"),
            ("Why didn't anyone look at the queue?", "Why didn't"),
            ("why didnt the pager fire", "why didnt"),
            ("Why did nobody notice the spike?", "Why did nobody"),
            ("Why did no one escalate?", "Why did no one"),
            ("Why wasn't the runbook used?", "Why wasn't"),
            ("The engineer failed to notice the alert.", "failed to"),
            ("The team did not follow the runbook.", "did not follow"),
            ("They didn't follow the change process.", "didn't follow"),
            ("Sam forgot to drain the node.", "forgot to"),
            ("Nobody didn't bother to check.", "didn't bother"),
            (
                "The responder was not paying attention.",
                "not paying attention",
            ),
            ("The root cause was a typo.", "root cause"),
        ];
        for (sentence, words) in cases {
            assert_eq!(
                flagged(sentence),
                vec![words.to_string()],
                "{sentence:?} should flag {words:?}"
            );
        }
    }

    #[test]
    fn neutral_wording_and_quoted_evidence_are_not_flagged() {
        let cases: &[&str] = &[
            "The deploy at 14:02 changed the pool size from 50 to 5.",
            "Alerting fired 40 minutes after latency began to climb.",
            "The database failed over to the replica at 14:10.",
            "The request failed with a timeout.",
            "Nothing in the dashboard showed the queue depth.",
            "What did the responder know at 14:05, and what did they expect?",
            "The runbook did not mention the second region.",
            "This is a blameless review of the checkout outage.",
            "The service is fault-tolerant by design, except for the cache.",
            "It could have been worse: the payments path stayed up.",
            "The fix was simple once the cause was understood.",
            "It was not obvious from the graphs which host was affected.",
            "We just restarted the pods at 14:20.",
            "The clear signal came from a customer report.",
            "Contributing factors: a small pool, a retry storm and a stale cache.",
            "The team followed the runbook, which was out of date.",
            "The error rate rose to 12% within five minutes.",
            "Should the alert thresholds change? The team will decide.",
            "[14:02] <sam> I think it was human error on my side",
            "14:05 robin: we should have a rollback ready",
            "> Obviously the cache was cold, said the first message.",
            "The first message read \"why didn't the failover kick in?\" at 14:07.",
            "The log line `failed to connect: pool exhausted` repeated.",
            "```\nERROR: failed to allocate, careless retry\n```",
            "Responders saw “root cause: config” in the ticket.",
            "Sam's laptop was on battery saver.",
            "A faulty disk in rack 4 started the chain.",
        ];
        for sentence in cases {
            assert_eq!(flagged(sentence), Vec::<String>::new(), "{sentence:?}");
        }
    }

    #[test]
    fn findings_carry_their_place_reason_and_question() {
        let text = "Plainly, the team should have known. Later: human error.";
        let found = check(text, &default_rules());
        assert_eq!(found.len(), 2);
        assert_eq!(&text[found[0].start..found[0].end], "should have known");
        assert_eq!(found[0].ask, HINDSIGHT_ASK);
        assert_eq!(found[1].text, "human error");
        assert_eq!(
            found[1].ask,
            "What made this action make sense at the time?"
        );
    }

    #[test]
    fn a_quote_is_evidence_only_up_to_its_end() {
        // The quote closes, and the author's own words after it count.
        let text = "The chat said \"failed to connect\", and obviously nobody checked.";
        assert_eq!(flagged(text), vec!["obviously".to_string()]);
        // An unclosed quote ends with its paragraph.
        let text = "He wrote \"never mind\n\nThe team simply restarted it.";
        assert_eq!(flagged(text), vec!["simply".to_string()]);
    }

    #[test]
    fn added_rules_are_read_line_by_line_and_extend_the_check() {
        let added = parse_rules(
            "# team rules\n\ncowboy* | Judges the person. | What made a quick change seem safe?\n",
        )
        .unwrap();
        assert_eq!(added.len(), 1);
        let mut rules = default_rules();
        rules.extend(added);
        let found = check("A cowboy deploy on Friday.", &rules);
        assert_eq!(found[0].text, "cowboy");
        assert_eq!(found[0].ask, "What made a quick change seem safe?");

        let err = parse_rules("ok | why | ask\nonly a phrase").unwrap_err();
        assert!(err.starts_with("Line 2:"), "{err}");
        let err = parse_rules("x |  | ask").unwrap_err();
        assert!(err.contains("each say something"), "{err}");
        let long = format!("{} | why | ask", "a".repeat(RULE_FIELD_MAX + 1));
        assert!(parse_rules(&long).unwrap_err().contains("at most 300"));
        assert!(
            parse_rules("-- | why | ask")
                .unwrap_err()
                .contains("no words")
        );
    }
}
