//! Known XSS payloads in every free-text field a person can fill (titles,
//! services, commanders, Markdown summaries, display names) come back inert:
//! escaped where they are text, stripped where Markdown renders HTML. The
//! browser-side check that none executes is `end2end/tests/xss.spec.ts`.

use crate::common;

use common::{Server, with};

const PAYLOADS: &str = include_str!("../fixtures/xss_payloads.txt");

fn payloads() -> Vec<&'static str> {
    PAYLOADS.lines().filter(|l| !l.trim().is_empty()).collect()
}

/// A payload that could change the document if it reached it unescaped.
fn is_markup(payload: &str) -> bool {
    payload.contains('<') || payload.contains('"')
}

/// The tags the sanitized Markdown may contain.
const ALLOWED_TAGS: &[&str] = &[
    "p",
    "a",
    "strong",
    "em",
    "code",
    "pre",
    "ul",
    "ol",
    "li",
    "img",
    "blockquote",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "br",
    "hr",
    "del",
];

/// Every start tag in `html`: its name and its raw attribute text.
fn start_tags(html: &str) -> Vec<(String, String)> {
    let mut tags = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        rest = &rest[start + 1..];
        if rest.starts_with('/') || rest.starts_with('!') {
            continue;
        }
        let end = rest.find('>').unwrap_or(rest.len());
        let inside = &rest[..end];
        let name: String = inside
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        tags.push((name.to_lowercase(), inside[name.len()..].to_string()));
        rest = &rest[end..];
    }
    tags
}

fn assert_inert_markdown(rendered: &str) {
    for (name, attributes) in start_tags(rendered) {
        assert!(
            ALLOWED_TAGS.contains(&name.as_str()),
            "<{name}{attributes}>"
        );
        let lower = attributes.to_lowercase();
        for word in lower.split(|c: char| c.is_whitespace() || c == '/') {
            assert!(!word.starts_with("on"), "handler in <{name}{attributes}>");
            for bad in ["javascript:", "data:", "vbscript:"] {
                assert!(!word.contains(bad), "{bad} in <{name}{attributes}>");
            }
        }
    }
}

#[tokio::test]
async fn payloads_in_every_text_field_render_inert() {
    let payloads = payloads();
    assert!(payloads.len() >= 30, "the corpus has {}", payloads.len());
    let server = Server::start();
    let admin = server.as_user("admin").await;
    let summary = payloads.join("\n\n");
    for (i, payload) in payloads.iter().enumerate() {
        let form = common::incident_form(payload, "blip", payload);
        let form = with(form, "form[commander]", payload);
        let form = with(form, "form[summary]", &summary);
        let res = server.post("/api/incidents/create", &form).await;
        assert_eq!(
            res.status(),
            200,
            "{payload}: {}",
            res.text().await.unwrap()
        );
        let login = format!("xss{i}");
        let res = admin
            .post(
                "/api/admin/create_user",
                &[
                    ("form[login]", login.as_str()),
                    ("form[display_name]", payload),
                    ("form[role]", "viewer"),
                    ("form[password]", "a long enough passphrase"),
                    ("form[password_confirm]", "a long enough passphrase"),
                ],
            )
            .await;
        assert_eq!(
            res.status(),
            200,
            "{payload}: {}",
            res.text().await.unwrap()
        );
    }

    let mut pages = vec![
        admin.page("/incidents").await,
        admin.page("/incidents?page=2").await,
        admin.page("/admin/users").await,
        admin.page("/admin/audit").await,
    ];
    for n in 1..=payloads.len() {
        let detail = server.page(&format!("/incidents/{n}")).await;
        let rendered = detail
            .split("class=\"markdown\">")
            .nth(1)
            .expect("a rendered summary");
        let rendered = &rendered[..rendered.find("</section>").unwrap()];
        assert_inert_markdown(rendered);
        pages.push(detail);
        pages.push(server.page(&format!("/incidents/{n}/edit")).await);
    }
    for page in &pages {
        for payload in payloads.iter().filter(|p| is_markup(p)) {
            for (at, _) in page.match_indices(payload) {
                let context =
                    &page[at.saturating_sub(120)..(at + payload.len() + 40).min(page.len())];
                // Text may hold a quote; markup may never reach the page, and
                // a quote may never reach an attribute (inside a tag).
                let before = &page[..at];
                let inside_tag = before.rfind('<') > before.rfind('>');
                assert!(
                    !payload.contains('<') && !inside_tag,
                    "{payload:?} reached a page unescaped: {context}"
                );
            }
        }
    }
    // Inert, not dropped: the title is there as text.
    let first = server.page("/incidents/1").await;
    assert!(
        first.contains("<h1>#1 &lt;script&gt;alert(1)&lt;/script&gt;</h1>"),
        "{first}"
    );
    let people = admin.page("/admin/users").await;
    assert!(people.contains("&lt;svg onload=alert(1)&gt;"));
}
