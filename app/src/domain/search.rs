//! Search: what a query asks for, how it becomes full-text queries (every
//! word, and the exact phrase that ranks first), how snippets are made safe
//! to show, what makes a term distinctive for "related incidents", and the
//! same calendar week in earlier years.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use super::incident::closed_set;

closed_set!(
    /// What a search result is.
    SearchKind {
        Incident => ("incident", "Incident"),
        Event => ("event", "Timeline event"),
        Line => ("line", "Transcript line"),
        Postmortem => ("postmortem", "Post-mortem"),
        Countermeasure => ("countermeasure", "Countermeasure"),
    }
);

/// Longest query read, in characters; words past it are ignored.
pub const QUERY_MAX: usize = 200;
/// Most words a query uses.
pub const MAX_TERMS: usize = 12;
/// Results one search shows.
pub const RESULT_LIMIT: usize = 50;

/// A search as the address gives it (`q`, `kind`, `from`, `to`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SearchQuery {
    pub text: String,
    pub kind: Option<SearchKind>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

impl SearchQuery {
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> Self {
        let value = |k: &str| {
            get(k)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        SearchQuery {
            text: value("q")
                .map(|q| q.chars().take(QUERY_MAX).collect())
                .unwrap_or_default(),
            kind: value("kind").and_then(|k| SearchKind::parse(&k)),
            from: value("from").and_then(|d| d.parse().ok()),
            to: value("to").and_then(|d| d.parse().ok()),
        }
    }
}

/// The words of a query, lower-cased, in order, without repeats: letters
/// and digits (any script); everything else separates words.
pub fn terms(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for word in text
        .chars()
        .take(QUERY_MAX)
        .collect::<String>()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let word = word.to_lowercase();
        if !out.contains(&word) {
            out.push(word);
        }
        if out.len() == MAX_TERMS {
            break;
        }
    }
    out
}

/// An FTS5 query matching documents holding every term (each quoted, so
/// no word is read as an operator). `None` for no terms.
pub fn all_terms(terms: &[String]) -> Option<String> {
    (!terms.is_empty()).then(|| {
        terms
            .iter()
            .map(|t| format!("\"{t}\""))
            .collect::<Vec<_>>()
            .join(" ")
    })
}

/// An FTS5 query matching documents holding any of the terms.
pub fn any_term(terms: &[String]) -> Option<String> {
    (!terms.is_empty()).then(|| {
        terms
            .iter()
            .map(|t| format!("\"{t}\""))
            .collect::<Vec<_>>()
            .join(" OR ")
    })
}

/// An FTS5 query matching the terms as one phrase, in order.
pub fn phrase(terms: &[String]) -> Option<String> {
    (!terms.is_empty()).then(|| format!("\"{}\"", terms.join(" ")))
}

/// One term as a PostgreSQL `tsquery` operand: single-quoted, so no word is
/// read as an operator (quotes and backslashes doubled, though [`terms`]
/// never keeps them). The text is meant for `to_tsquery('simple', …)`,
/// which folds each operand as `to_tsvector('simple', …)` folded the
/// documents.
fn ts_operand(term: &str) -> String {
    let mut out = String::with_capacity(term.len() + 2);
    out.push('\'');
    for c in term.chars() {
        match c {
            '\'' => out.push_str("''"),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

fn ts_joined(terms: &[String], operator: &str) -> Option<String> {
    (!terms.is_empty()).then(|| {
        terms
            .iter()
            .map(|t| ts_operand(t))
            .collect::<Vec<_>>()
            .join(operator)
    })
}

/// [`all_terms`] for PostgreSQL: a `tsquery` text matching documents holding
/// every term (`'a' & 'b'`). `None` for no terms.
pub fn ts_all_terms(terms: &[String]) -> Option<String> {
    ts_joined(terms, " & ")
}

/// [`any_term`] for PostgreSQL: `'a' | 'b'`.
pub fn ts_any_term(terms: &[String]) -> Option<String> {
    ts_joined(terms, " | ")
}

/// [`phrase`] for PostgreSQL: the terms next to each other, in order
/// (`'a' <-> 'b'`).
pub fn ts_phrase(terms: &[String]) -> Option<String> {
    ts_joined(terms, " <-> ")
}

/// Marks FTS5's `snippet()` is asked to put around matches: control
/// characters that never occur in stored text, so the snippet can be
/// escaped as a whole and the marks turned into `<mark>` afterwards.
pub const MARK_START: char = '\u{1}';
pub const MARK_END: char = '\u{2}';

/// A snippet as safe HTML: the text escaped, the matches in `<mark>`.
pub fn highlight(snippet: &str) -> String {
    let mut out = String::with_capacity(snippet.len() + 16);
    for c in snippet.chars() {
        match c {
            MARK_START => out.push_str("<mark>"),
            MARK_END => out.push_str("</mark>"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' => {}
            c => out.push(c),
        }
    }
    out
}

/// Words too common in incident write-ups to say what one is about.
const COMMON: &[&str] = &[
    "about",
    "after",
    "again",
    "alert",
    "also",
    "been",
    "before",
    "being",
    "could",
    "customers",
    "down",
    "during",
    "error",
    "errors",
    "from",
    "have",
    "incident",
    "into",
    "issue",
    "more",
    "none",
    "only",
    "other",
    "over",
    "service",
    "some",
    "than",
    "that",
    "their",
    "them",
    "then",
    "there",
    "these",
    "they",
    "this",
    "time",
    "users",
    "were",
    "what",
    "when",
    "which",
    "while",
    "with",
    "would",
    "your",
];

/// Words of `text` that may say what an incident is about: four letters or
/// more, not common, not numbers; in order, without repeats. The database
/// then keeps those that few documents share.
pub fn candidate_terms(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for word in text.split(|c: char| !c.is_alphanumeric()) {
        let word = word.to_lowercase();
        if word.chars().count() >= 4
            && !word.chars().all(|c| c.is_ascii_digit())
            && !COMMON.contains(&word.as_str())
            && !out.contains(&word)
        {
            out.push(word);
        }
    }
    out
}

/// The same ISO week as `today` in each of the `years` years before, as
/// (year, Monday, Sunday). A year without a week 53 gives its week 52.
pub fn same_week_in_past_years(today: NaiveDate, years: i32) -> Vec<(i32, NaiveDate, NaiveDate)> {
    let week = today.iso_week().week();
    (1..=years)
        .filter_map(|back| {
            let year = today.iso_week().year() - back;
            let monday = NaiveDate::from_isoywd_opt(year, week, Weekday::Mon)
                .or_else(|| NaiveDate::from_isoywd_opt(year, week - 1, Weekday::Mon))?;
            Some((year, monday, monday + Duration::days(6)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn queries_are_words_quoted_so_nothing_is_an_operator() {
        let words = terms("Checkout  latency NEAR(\"deploy\") OR checkout* -x");
        assert_eq!(
            words,
            t(&["checkout", "latency", "near", "deploy", "or", "x"])
        );
        assert_eq!(
            all_terms(&t(&["db", "or"])).unwrap(),
            "\"db\" \"or\"",
            "OR is a word here, not an operator"
        );
        assert_eq!(phrase(&t(&["cache", "ttl"])).unwrap(), "\"cache ttl\"");
        assert_eq!(any_term(&t(&["a", "b"])).unwrap(), "\"a\" OR \"b\"");
        assert_eq!(all_terms(&[]), None);
        assert_eq!(terms("¿Qué pasó? Größe"), t(&["qué", "pasó", "größe"]));
        assert_eq!(terms(&"w ".repeat(300)).len(), 1);
        assert_eq!(
            terms("a b c d e f g h i j k l m n o").len(),
            MAX_TERMS,
            "long queries keep their first words"
        );
    }

    #[test]
    fn postgres_queries_match_the_fts5_ones() {
        let words = terms("Checkout  latency NEAR(\"deploy\") OR checkout* -x");
        assert_eq!(
            ts_all_terms(&words).unwrap(),
            "'checkout' & 'latency' & 'near' & 'deploy' & 'or' & 'x'",
            "every word quoted: none is an operator"
        );
        assert_eq!(
            ts_phrase(&t(&["cache", "ttl", "expired"])).unwrap(),
            "'cache' <-> 'ttl' <-> 'expired'"
        );
        assert_eq!(ts_phrase(&t(&["cache"])).unwrap(), "'cache'");
        assert_eq!(ts_any_term(&t(&["a", "b"])).unwrap(), "'a' | 'b'");
        assert_eq!(ts_all_terms(&[]), None);
        assert_eq!(ts_any_term(&[]), None);
        assert_eq!(ts_phrase(&[]), None);
        assert_eq!(
            ts_all_terms(&terms("¿Qué pasó? Größe")).unwrap(),
            "'qué' & 'pasó' & 'größe'"
        );
        assert_eq!(
            ts_all_terms(&t(&["o'brien", "a\\b"])).unwrap(),
            "'o''brien' & 'a\\\\b'",
            "quotes and backslashes cannot end the operand"
        );
    }

    #[test]
    fn snippets_are_escaped_and_keep_their_marks() {
        let snippet = format!("<script>x</script> the {MARK_START}cache{MARK_END} & \"ttl\"");
        assert_eq!(
            highlight(&snippet),
            "&lt;script&gt;x&lt;/script&gt; the <mark>cache</mark> &amp; &quot;ttl&quot;"
        );
    }

    #[test]
    fn candidate_terms_skip_short_common_and_numeric_words() {
        assert_eq!(
            candidate_terms(
                "Checkout errors after the Redis failover in eu-west 2026; redis again"
            ),
            t(&["checkout", "redis", "failover", "west"])
        );
    }

    #[test]
    fn the_same_week_in_earlier_years() {
        // Thursday 2026-12-03 is in ISO week 49.
        let weeks = same_week_in_past_years(NaiveDate::from_ymd_opt(2026, 12, 3).unwrap(), 2);
        assert_eq!(
            weeks,
            vec![
                (
                    2025,
                    NaiveDate::from_ymd_opt(2025, 12, 1).unwrap(),
                    NaiveDate::from_ymd_opt(2025, 12, 7).unwrap()
                ),
                (
                    2024,
                    NaiveDate::from_ymd_opt(2024, 12, 2).unwrap(),
                    NaiveDate::from_ymd_opt(2024, 12, 8).unwrap()
                ),
            ]
        );
        // 2026 has 53 ISO weeks; 2025 has 52, so week 53 maps to week 52.
        let late = same_week_in_past_years(NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(), 1);
        assert_eq!(late[0].1, NaiveDate::from_ymd_opt(2025, 12, 22).unwrap());
    }
}
