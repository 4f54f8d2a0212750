//! Escaping text for HTML, for the few places where text is written into a
//! page by hand rather than through Leptos's own escaping.

/// Escapes `&`, `<`, `>` and `"`: the result is safe as element text and as a
/// double-quoted attribute value, and browsers show it as the original text.
pub fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape_text;

    #[test]
    fn markup_becomes_text() {
        assert_eq!(
            escape_text(r#"</title><a href="x">Q&A</a>"#),
            "&lt;/title&gt;&lt;a href=&quot;x&quot;&gt;Q&amp;A&lt;/a&gt;"
        );
        assert_eq!(escape_text("plain · text"), "plain · text");
    }
}
