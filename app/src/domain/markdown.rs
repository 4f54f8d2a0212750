//! Markdown to safe HTML: pulldown-cmark renders, then ammonia sanitizes, so raw
//! HTML, event handlers and `javascript:` links in user text can never execute.

use pulldown_cmark::{Options, Parser, html};

/// Renders Markdown written by a user into HTML that is safe to embed.
pub fn render_markdown(markdown: &str) -> String {
    // Task lists and footnotes stay off: the sanitizer would strip the checkbox
    // (losing whether an item is done) and break footnote links. Written as
    // text, "[x] done" keeps its meaning.
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let mut unsafe_html = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut unsafe_html, Parser::new_ext(markdown, options));
    sanitize_html(&unsafe_html)
}

fn sanitize_html(html: &str) -> String {
    ammonia::Builder::default()
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean(html)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_ordinary_markdown() {
        let html = render_markdown(
            "# Impact\n\n**Checkout** was slow for *20 min*.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
        );
        assert!(html.contains("<h1>Impact</h1>"), "{html}");
        assert!(html.contains("<strong>Checkout</strong>"), "{html}");
        assert!(html.contains("<table>"), "{html}");
    }

    #[test]
    fn script_tags_are_removed() {
        let html = render_markdown("before <script>alert(1)</script> after");
        assert!(!html.to_lowercase().contains("<script"), "{html}");
        assert!(!html.contains("alert(1)"), "{html}");
        assert!(html.contains("before") && html.contains("after"));
    }

    #[test]
    fn event_handler_attributes_are_removed() {
        for input in [
            "<img src=x onerror=alert(1)>",
            "<a href=\"https://example.org\" onclick=\"alert(1)\">x</a>",
            "<div onmouseover='alert(1)'>hover</div>",
            "<svg onload=alert(1)>",
        ] {
            let html = render_markdown(input);
            assert!(
                !html.to_lowercase().contains("onerror"),
                "{input} -> {html}"
            );
            assert!(
                !html.to_lowercase().contains("onclick"),
                "{input} -> {html}"
            );
            assert!(
                !html.to_lowercase().contains("onmouseover"),
                "{input} -> {html}"
            );
            assert!(!html.to_lowercase().contains("onload"), "{input} -> {html}");
        }
    }

    #[test]
    fn javascript_urls_are_removed() {
        for input in [
            "[click](javascript:alert(1))",
            "<a href=\"javascript:alert(1)\">x</a>",
            "<a href=\"JaVaScRiPt:alert(1)\">x</a>",
            "[x](  javascript:alert(1))",
            "<a href=\"data:text/html,<script>alert(1)</script>\">x</a>",
            "![img](javascript:alert(1))",
        ] {
            let html = render_markdown(input).to_lowercase();
            assert!(!html.contains("javascript:"), "{input} -> {html}");
            assert!(!html.contains("data:text/html"), "{input} -> {html}");
        }
    }

    #[test]
    fn safe_links_keep_their_target_and_gain_rel() {
        let html = render_markdown("[dashboard](https://grafana.example.org/d/abc)");
        assert!(
            html.contains("href=\"https://grafana.example.org/d/abc\""),
            "{html}"
        );
        assert!(
            html.contains("rel=\"noopener noreferrer nofollow\""),
            "{html}"
        );
    }

    #[test]
    fn task_list_state_survives_as_text() {
        let html = render_markdown("- [x] rolled back\n- [ ] postmortem scheduled\n");
        assert!(html.contains("[x] rolled back"), "{html}");
        assert!(html.contains("[ ] postmortem scheduled"), "{html}");
    }

    #[test]
    fn style_and_iframe_are_removed() {
        let html = render_markdown(
            "<style>body{display:none}</style><iframe src=\"https://evil.example\"></iframe>ok",
        );
        assert!(!html.contains("<style"), "{html}");
        assert!(!html.contains("<iframe"), "{html}");
        assert!(html.contains("ok"));
    }
}
