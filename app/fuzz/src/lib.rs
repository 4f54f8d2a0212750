//! What the fuzz targets do: feed arbitrary bytes to the code that reads what
//! users type, through the same functions the server calls, and check the
//! promises each makes beyond "does not panic". A panic or a failed check is a
//! finding; turn its input into a regression test where the code lives.

use app::domain::{blameless, markdown, postmortem, quick_entry, search};
use chrono::{DateTime, TimeZone, Utc};

/// A line of quick entry, read in a zone and against a reference instant that
/// the first three bytes pick, as the timeline's quick-entry field does.
pub fn quick_entry(data: &[u8]) {
    let [zone, days, hours, rest @ ..] = data else {
        return;
    };
    let zone = chrono_tz::TZ_VARIANTS[*zone as usize % chrono_tz::TZ_VARIANTS.len()];
    // Between 1970 and about 2040, on any hour: daylight-saving edges included.
    let reference: DateTime<Utc> = Utc
        .timestamp_opt(
            i64::from(*days) * 97 * 86_400 + i64::from(*hours) * 3_599,
            0,
        )
        .unwrap();
    let line = String::from_utf8_lossy(rest);
    if let Ok(entry) = quick_entry::parse_quick_entry(&line, reference, zone) {
        assert!(
            entry.body.chars().count() <= quick_entry::MAX_LINE,
            "an accepted line keeps within the limit"
        );
    }
}

/// User Markdown to HTML, then the post-mortem's exports of it: whatever the
/// input, no script, event handler or `javascript:` link comes out.
pub fn markdown(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let html = markdown::render_markdown(&text);
    assert_inert(&html);
    let _ = postmortem::headings(&text);
    if let Ok(body) = postmortem::check_body(&text) {
        let page = postmortem::standalone_html(&text, &text, &markdown::render_markdown(&body));
        assert_inert(&page.replace("<style>", "").replace("</style>", ""));
    }
}

/// No tag of `html` runs anything: no script or frame, no event handler,
/// no `javascript:` link or source. (Text may say all of these; it is
/// escaped, so its `<` never starts a tag.)
fn assert_inert(html: &str) {
    for tag in html.split('<').skip(1) {
        let tag = tag.split('>').next().unwrap_or("").to_ascii_lowercase();
        assert!(
            !(tag.starts_with("script") || tag.starts_with("iframe")),
            "<{tag}> in {html}"
        );
        for attribute in tag.split_whitespace().skip(1) {
            let (name, value) = attribute.split_once('=').unwrap_or((attribute, ""));
            assert!(!name.starts_with("on"), "handler in <{tag}>");
            assert!(
                !((name == "href" || name == "src")
                    && value.trim_matches('"').starts_with("javascript:")),
                "javascript: in <{tag}>"
            );
        }
    }
}

/// The blameless language check, with the default rules and with rules
/// parsed from the input (what an admin may type): the editor's pieces
/// always put the text back together.
pub fn blameless(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut rule_sets = vec![blameless::default_rules()];
    if let Some((rules, _)) = text.split_once("\n---\n")
        && let Ok(parsed) = blameless::parse_rules(rules)
    {
        rule_sets.push(parsed);
    }
    for rules in &rule_sets {
        let findings = blameless::check(&text, rules);
        for f in &findings {
            assert!(f.start <= f.end && f.end <= text.len());
            let _ = blameless::line_of(&text, f.start);
        }
        let pieces = blameless::segments(&text, &findings);
        assert_eq!(pieces.iter().map(|(p, _)| *p).collect::<String>(), text);
    }
}

/// A search box's text turned into FTS5 queries: every term is quoted and
/// holds no quote (no operator gets through), and a snippet is escaped
/// before it is shown.
pub fn search_query(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let terms = search::terms(&text);
    assert!(terms.len() <= search::MAX_TERMS);
    // Lower-casing may add combining marks ("İ" gives "i̇"); what matters is
    // that no term can close its quotes.
    for t in &terms {
        assert!(!t.is_empty() && !t.contains('"'), "{t:?}");
    }
    for query in [
        search::all_terms(&terms),
        search::any_term(&terms),
        search::phrase(&terms),
    ]
    .into_iter()
    .flatten()
    {
        assert_eq!(query.matches('"').count() % 2, 0, "{query}");
    }
    let html = search::highlight(&text);
    let stripped = html.replace("<mark>", "").replace("</mark>", "");
    assert!(!stripped.contains('<') && !stripped.contains('>'), "{html}");
    let _ = search::candidate_terms(&text);
}
