//! Markdown to safe HTML: pulldown-cmark renders, then ammonia sanitizes, so raw
//! HTML, event handlers and `javascript:` links in user text can never execute.
//!
//! Between the two, `Bounded` keeps the nesting shallow and the raw HTML
//! balanced. The sanitizer's HTML parser does work proportional to the depth
//! of open elements on every tag, so deep nesting made the cost quadratic
//! (16,000 `>` or 32,000 `<div>` took seconds, a 200,000-character list
//! minutes). With at most [`MAX_NESTING`] levels the render is linear in the
//! input.

use std::collections::HashSet;
use std::sync::LazyLock;

use pulldown_cmark::{CowStr, Event, LinkType, Options, Parser, Tag, TagEnd, html};

/// The deepest the rendered elements nest. Markdown nested deeper is
/// flattened into its parent (its text kept); a raw HTML tag that would open
/// deeper is shown as text. Real documents stay far below this.
pub const MAX_NESTING: usize = 32;

/// What becomes of images.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Images {
    /// Shown, as on the app's own pages (whose Content-Security-Policy
    /// decides what may load).
    Show,
    /// Turned into links to them: a downloaded file opened from disk has no
    /// Content-Security-Policy, and a remote image would tell its server who
    /// read the document and when.
    AsLinks,
}

/// Renders Markdown written by a user into HTML that is safe to embed.
pub fn render_markdown(markdown: &str) -> String {
    render(markdown, Images::Show)
}

/// Renders Markdown for a file people download (`postmortem.html`,
/// `export.html`): as [`render_markdown`], but every image becomes a link to
/// it, so opening the file fetches nothing.
pub fn render_markdown_for_export(markdown: &str) -> String {
    render(markdown, Images::AsLinks)
}

fn render(markdown: &str, images: Images) -> String {
    // Task lists and footnotes stay off: the sanitizer would strip the checkbox
    // (losing whether an item is done) and break footnote links. Written as
    // text, "[x] done" keeps its meaning.
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let events = Bounded::new(images).run(Parser::new_ext(markdown, options));
    let mut unsafe_html = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut unsafe_html, events.into_iter());
    sanitize_html(&unsafe_html, images)
}

fn sanitize_html(html: &str, images: Images) -> String {
    let mut builder = ammonia::Builder::default();
    builder
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .link_rel(Some("noopener noreferrer nofollow"));
    if images == Images::AsLinks {
        // `Bounded` already turned every image into a link; this makes sure.
        builder.rm_tags(["img"]);
    }
    builder.clean(html).to_string()
}

/// The tags the sanitizer keeps. Raw HTML with any other tag loses the tag
/// (not its text) here already, so the sanitizer's parser never meets the
/// ones that change how it reads what follows (`<svg>`, `<template>`,
/// `<select>`, `<plaintext>`…).
static KEPT_TAGS: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| ammonia::Builder::default().clone_tags());

/// Kept tags without content or end tag.
const VOID_TAGS: [&str; 6] = ["area", "br", "col", "hr", "img", "wbr"];

/// Elements whose content the HTML parser reads as text up to their end tag.
/// None is kept; the content of the first two is dropped (as the sanitizer
/// does), of the others shown as text.
const RAW_TEXT_TAGS: [&str; 9] = [
    "script", "style", "iframe", "noembed", "noframes", "noscript", "textarea", "title", "xmp",
];

/// One open Markdown container (paragraph, list, quote, emphasis…).
struct Container<'a> {
    /// False when it was nested too deeply and left out (its text stays).
    kept: bool,
    /// How many HTML elements it opened.
    levels: usize,
    /// Left out, it still separates its text from what follows.
    block: bool,
    /// An image turned into a link: its address, shown when it has no
    /// description, and where its start is in the output.
    image_link: Option<(CowStr<'a>, usize)>,
}

/// Rewrites pulldown-cmark's events so that the HTML they make nests at
/// most [`MAX_NESTING`] deep and every raw tag it opens is closed inside the
/// Markdown container it was opened in.
struct Bounded<'a> {
    images: Images,
    out: Vec<Event<'a>>,
    containers: Vec<Container<'a>>,
    /// Raw HTML elements open, innermost last: name, how many containers
    /// were open when it was, and the levels it counts.
    raw: Vec<(String, usize, usize)>,
    /// Levels open: kept containers' plus raw elements.
    depth: usize,
    /// Consecutive raw HTML not yet read (a tag may span lines).
    pending: String,
    /// Inside a shown image: the renderer writes its description into an
    /// attribute as text, so everything passes unchanged.
    image_nesting: usize,
    /// Inside a raw-text element (`<script>`…) whose end tag has not come:
    /// the HTML parser would read everything up to it as its text.
    raw_text: Option<&'static str>,
}

impl<'a> Bounded<'a> {
    fn new(images: Images) -> Self {
        Bounded {
            images,
            out: Vec::new(),
            containers: Vec::new(),
            raw: Vec::new(),
            depth: 0,
            pending: String::new(),
            image_nesting: 0,
            raw_text: None,
        }
    }

    fn run(mut self, events: impl Iterator<Item = Event<'a>>) -> Vec<Event<'a>> {
        for event in events {
            if self.image_nesting > 0 {
                match &event {
                    Event::Start(_) => self.image_nesting += 1,
                    Event::End(_) => self.image_nesting -= 1,
                    _ => {}
                }
                self.out.push(event);
                continue;
            }
            if let Event::Html(text) | Event::InlineHtml(text) = &event {
                self.pending.push_str(text);
                continue;
            }
            self.flush_raw();
            match event {
                // An HTML block makes no element of its own, and a `<div>`
                // opened in one may close in a later one.
                Event::Start(Tag::HtmlBlock) | Event::End(TagEnd::HtmlBlock) => {
                    self.out.push(event)
                }
                Event::Text(text) | Event::Code(text) if self.raw_text.is_some() => {
                    if self.raw_text.is_some_and(shows_raw_text) {
                        self.out.push(Event::Text(text));
                    }
                }
                Event::Start(tag) => self.start(tag),
                Event::End(end) => self.end(end),
                other => self.out.push(other),
            }
        }
        self.flush_raw();
        self.close_raw_from(0);
        self.out
    }

    fn start(&mut self, tag: Tag<'a>) {
        let tag = match (tag, self.images) {
            (
                Tag::Image {
                    dest_url, title, ..
                },
                Images::AsLinks,
            ) => {
                let link = Tag::Link {
                    link_type: LinkType::Inline,
                    dest_url: dest_url.clone(),
                    title,
                    id: CowStr::Borrowed(""),
                };
                return self.open(link, Some(dest_url));
            }
            (tag, _) => tag,
        };
        self.open(tag, None);
    }

    fn open(&mut self, tag: Tag<'a>, image_address: Option<CowStr<'a>>) {
        let (levels, room) = shape(&tag);
        let parent_kept = self.containers.last().is_none_or(|c| c.kept);
        let kept = parent_kept && self.depth + room <= MAX_NESTING;
        let block = !matches!(
            tag,
            Tag::Emphasis
                | Tag::Strong
                | Tag::Strikethrough
                | Tag::Superscript
                | Tag::Subscript
                | Tag::Link { .. }
                | Tag::Image { .. }
        );
        if kept && matches!(tag, Tag::Image { .. }) {
            self.image_nesting = 1;
            self.out.push(Event::Start(tag));
            return;
        }
        let image_link = image_address.map(|a| (a, self.out.len()));
        if kept {
            self.depth += levels;
            self.out.push(Event::Start(tag));
        }
        self.containers.push(Container {
            kept,
            levels,
            block,
            image_link,
        });
    }

    fn end(&mut self, end: TagEnd) {
        self.close_raw_from(self.containers.len());
        let Some(container) = self.containers.pop() else {
            // Unbalanced events do not come from pulldown-cmark; pass on.
            self.out.push(Event::End(end));
            return;
        };
        if !container.kept {
            if container.block && !matches!(self.out.last(), Some(Event::SoftBreak)) {
                self.out.push(Event::SoftBreak);
            }
            return;
        }
        self.depth -= container.levels;
        match container.image_link {
            Some((address, start)) => {
                if self.out.len() == start + 1 {
                    // No description: the address is the link's text.
                    self.out.push(Event::Text(address));
                }
                self.out.push(Event::End(TagEnd::Link));
            }
            None => self.out.push(Event::End(end)),
        }
    }

    /// Closes the raw elements opened while `count` or more containers were
    /// open, so that none outlives the container it was opened in.
    fn close_raw_from(&mut self, count: usize) {
        let mut closing = String::new();
        while self.raw.last().is_some_and(|(_, at, _)| *at >= count) {
            let (name, _, levels) = self.raw.pop().expect("checked above");
            self.depth -= levels;
            closing.push_str(&format!("</{name}>"));
        }
        if !closing.is_empty() {
            self.out.push(Event::Html(closing.into()));
        }
    }

    /// Reads the pending raw HTML and writes it again, tag by tag, in a form
    /// with no surprises for the parser: known tags only, attributes quoted,
    /// end tags only for elements open here, and a stray `<` as text.
    fn flush_raw(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let raw = std::mem::take(&mut self.pending);
        let mut out = String::with_capacity(raw.len());
        let mut i = 0;
        if let Some(name) = self.raw_text {
            i = self.raw_text_from(&raw, 0, name, &mut out);
        }
        while let Some(found) = raw[i..].find('<') {
            out.push_str(&raw[i..i + found]);
            i += found;
            let rest = &raw[i..];
            let after = rest.as_bytes().get(1).copied().unwrap_or(b' ');
            let second = rest.as_bytes().get(2).copied().unwrap_or(b' ');
            let consumed = if rest.starts_with("<!--") {
                // A comment: the sanitizer drops it anyway.
                comment_len(rest)
            } else if after == b'/' && second.is_ascii_alphabetic() {
                scan_tag(rest, 2).map(|tag| {
                    self.raw_end(&tag.name, &mut out);
                    tag.len
                })
            } else if after.is_ascii_alphabetic() {
                scan_tag(rest, 1).map(|tag| self.raw_start(&tag, &raw[i..], &mut out))
            } else if matches!(after, b'!' | b'?' | b'/') {
                // A doctype, `<![CDATA[`, `<?…>` or `</>`: nothing to keep.
                rest.find('>').map(|end| end + 1)
            } else {
                out.push_str("&lt;");
                Some(1)
            };
            match consumed {
                Some(n) => i += n,
                None => {
                    // Runs to the end unfinished: what follows is text.
                    out.push_str(&escape(rest));
                    i = raw.len();
                }
            }
        }
        out.push_str(&raw[i..]);
        if !out.is_empty() {
            self.out.push(Event::Html(out.into()));
        }
    }

    /// Writes a raw start tag, or what stands for it; returns how much of
    /// `source` (which starts at the tag) it used.
    fn raw_start(&mut self, tag: &ScannedTag, source: &str, out: &mut String) -> usize {
        let name = tag.name.as_str();
        if let Some(raw_text) = RAW_TEXT_TAGS.iter().find(|t| **t == name) {
            return self.raw_text_from(source, tag.len, raw_text, out);
        }
        if !KEPT_TAGS.contains(name) {
            return tag.len;
        }
        if name == "img" && self.images == Images::AsLinks {
            self.image_as_link(tag, out);
        } else if VOID_TAGS.contains(&name) {
            out.push_str(&tag.canonical());
        } else if self.depth + raw_levels(name) <= MAX_NESTING {
            self.depth += raw_levels(name);
            self.raw
                .push((tag.name.clone(), self.containers.len(), raw_levels(name)));
            out.push_str(&tag.canonical());
        } else {
            out.push_str(&escape(&source[..tag.len]));
        }
        tag.len
    }

    /// Writes the text of raw-text element `name` found in `s` from `from`
    /// (dropped for `<script>` and `<style>`, as the sanitizer does; shown as
    /// text for the others), and returns where its end tag ends, or the end
    /// of `s`, the element then staying open.
    fn raw_text_from(
        &mut self,
        s: &str,
        from: usize,
        name: &'static str,
        out: &mut String,
    ) -> usize {
        let (content, used, closed) = raw_text_content(s, from, name);
        if shows_raw_text(name) {
            out.push_str(&escape(content));
        }
        self.raw_text = (!closed).then_some(name);
        used
    }

    /// A raw end tag closes the element it names, and any opened inside it,
    /// if that element was opened in the current container; otherwise it
    /// would close Markdown's own elements, so it is left out.
    fn raw_end(&mut self, name: &str, out: &mut String) {
        let here = self.containers.len();
        let Some(at) = self
            .raw
            .iter()
            .rposition(|(n, c, _)| n == name && *c == here)
        else {
            return;
        };
        for (open, _, levels) in self.raw.drain(at..).rev() {
            self.depth -= levels;
            out.push_str(&format!("</{open}>"));
        }
    }

    fn image_as_link(&self, tag: &ScannedTag, out: &mut String) {
        let attribute = |name: &str| {
            tag.attributes
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
                .unwrap_or("")
        };
        let (src, alt) = (attribute("src"), attribute("alt"));
        let text = if alt.trim().is_empty() { src } else { alt };
        if self.depth < MAX_NESTING {
            out.push_str(&format!(
                "<a href=\"{}\">{}</a>",
                src.replace('"', "&quot;"),
                text.replace('<', "&lt;")
            ));
        } else {
            out.push_str(&text.replace('<', "&lt;"));
        }
    }
}

/// The HTML levels a container opens, and the levels it needs for itself
/// and its required children (a list its items, a table its cells).
fn shape(tag: &Tag) -> (usize, usize) {
    match tag {
        // Written as an attribute, or not at all.
        Tag::Image { .. } | Tag::HtmlBlock | Tag::MetadataBlock(_) => (0, 0),
        // <table> and <tbody>, then a <thead><tr> or <tr>, then a cell.
        Tag::Table(_) => (2, 5),
        Tag::TableHead => (2, 3),
        Tag::TableRow => (1, 2),
        // <pre><code>.
        Tag::CodeBlock(_) => (2, 2),
        Tag::List(_) | Tag::DefinitionList => (1, 2),
        _ => (1, 1),
    }
}

/// The levels a raw element counts: the HTML parser adds a `<tbody>` to a
/// table and a `<tr>` around a cell written without them.
fn raw_levels(name: &str) -> usize {
    match name {
        "table" | "td" | "th" => 2,
        _ => 1,
    }
}

/// A start or end tag read from raw HTML.
struct ScannedTag {
    /// Lower case.
    name: String,
    /// Names lower case; values as written (character references included).
    attributes: Vec<(String, String)>,
    /// Bytes from `<` to `>`, both included.
    len: usize,
}

impl ScannedTag {
    /// The start tag written plainly: every value double-quoted, attributes
    /// with odd names left out (the sanitizer keeps only known ones).
    fn canonical(&self) -> String {
        let mut tag = format!("<{}", self.name);
        for (name, value) in &self.attributes {
            let plain = name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b':' | b'.'));
            if plain && !name.is_empty() {
                tag.push_str(&format!(" {name}=\"{}\"", value.replace('"', "&quot;")));
            }
        }
        tag.push('>');
        tag
    }
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c')
}

/// Reads a tag as the HTML tokenizer does, from its name (at `name_start`)
/// to the `>` outside quotes; `None` when the text ends first.
fn scan_tag(s: &str, name_start: usize) -> Option<ScannedTag> {
    let b = s.as_bytes();
    let skip_space = |mut i: usize| {
        while i < b.len() && is_space(b[i]) {
            i += 1;
        }
        i
    };
    let mut i = name_start;
    while i < b.len() && !is_space(b[i]) && b[i] != b'/' && b[i] != b'>' {
        i += 1;
    }
    let name = s[name_start..i].to_ascii_lowercase();
    let mut attributes = Vec::new();
    loop {
        i = skip_space(i);
        match b.get(i)? {
            b'>' => {
                return Some(ScannedTag {
                    name,
                    attributes,
                    len: i + 1,
                });
            }
            b'/' => i += 1,
            _ => {
                let start = i;
                // A first `=` belongs to the name.
                i += 1;
                while i < b.len() && !is_space(b[i]) && !matches!(b[i], b'/' | b'>' | b'=') {
                    i += 1;
                }
                let attribute = s[start..i].to_ascii_lowercase();
                i = skip_space(i);
                let mut value = "";
                if b.get(i) == Some(&b'=') {
                    i = skip_space(i + 1);
                    match *b.get(i)? {
                        quote @ (b'"' | b'\'') => {
                            let end = i + 1 + s[i + 1..].find(quote as char)?;
                            value = &s[i + 1..end];
                            i = end + 1;
                        }
                        b'>' => {}
                        _ => {
                            let start = i;
                            while i < b.len() && !is_space(b[i]) && b[i] != b'>' {
                                i += 1;
                            }
                            value = &s[start..i];
                        }
                    }
                }
                attributes.push((attribute, value.to_string()));
            }
        }
    }
}

/// The length of the comment `s` starts with, `None` if it never ends.
fn comment_len(s: &str) -> Option<usize> {
    let body = &s[4..];
    if body.starts_with('>') {
        return Some(5);
    }
    if body.starts_with("->") {
        return Some(6);
    }
    // The first `--` followed by `>` or `!>` ends it; one pass, so that many
    // comments cost no more than one.
    let mut at = 0;
    while let Some(found) = body[at..].find("--") {
        let dashes = at + found;
        let after = &body[dashes + 2..];
        if after.starts_with('>') {
            return Some(4 + dashes + 3);
        }
        if after.starts_with("!>") {
            return Some(4 + dashes + 4);
        }
        at = dashes + 1;
    }
    None
}

fn shows_raw_text(name: &str) -> bool {
    name != "script" && name != "style"
}

/// The text inside a raw-text element from `from`, how much of `s` the
/// element takes with its end tag (all of it when the end tag is missing),
/// and whether the end tag was found.
fn raw_text_content<'s>(s: &'s str, from: usize, name: &str) -> (&'s str, usize, bool) {
    let mut at = from;
    while let Some(found) = s[at..].find("</") {
        let start = at + found;
        let after = start + 2 + name.len();
        let named = s
            .get(start + 2..after)
            .is_some_and(|n| n.eq_ignore_ascii_case(name));
        let ends = s
            .as_bytes()
            .get(after)
            .is_some_and(|b| is_space(*b) || matches!(b, b'/' | b'>'));
        if named && ends {
            let used = scan_tag(&s[start..], 2).map_or(s.len(), |t| start + t.len);
            return (&s[from..start], used, true);
        }
        at = start + 2;
    }
    (&s[from..], s.len(), false)
}

fn escape(text: &str) -> String {
    super::html_text::escape_text(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The deepest the elements of sanitized output nest (its tags are
    /// well formed: every value double-quoted, every element closed).
    fn nesting(html: &str) -> usize {
        let b = html.as_bytes();
        let (mut depth, mut deepest, mut i) = (0usize, 0usize, 0usize);
        while i < b.len() {
            if b[i] != b'<' {
                i += 1;
                continue;
            }
            let closing = b.get(i + 1) == Some(&b'/');
            let start = i + 1 + usize::from(closing);
            let mut j = start;
            let mut quoted = false;
            while j < b.len() && (quoted || b[j] != b'>') {
                if b[j] == b'"' {
                    quoted = !quoted;
                }
                j += 1;
            }
            let name: String = html[start..j]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            if closing {
                depth = depth.saturating_sub(1);
            } else if !VOID_TAGS.contains(&name.as_str()) {
                depth += 1;
                deepest = deepest.max(depth);
            }
            i = j + 1;
        }
        deepest
    }

    fn count(haystack: &str, needle: &str) -> usize {
        haystack.matches(needle).count()
    }

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
    fn ordinary_nesting_and_raw_html_render_as_before() {
        let md = "> quoted\n>\n> - one\n>   - two\n>     > deeper `code`\n\n\
                  <details>\n<summary>Logs</summary>\n\n```\nerror: <b>x</b>\n```\n\n</details>\n\n\
                  Text with <kbd>Ctrl</kbd>+<kbd>C</kbd>, a <span title=\"a > b\">span</span> and H<sub>2</sub>O.\n";
        let html = render_markdown(md);
        assert!(
            html.contains("<blockquote>\n<p>quoted</p>\n<ul>\n<li>one\n<ul>\n<li>two\n<blockquote>\n<p>deeper <code>code</code></p>"),
            "{html}"
        );
        // A <details> opened in one HTML block and closed in another still
        // wraps the Markdown between them.
        assert!(
            html.contains("<details>\n<summary>Logs</summary>\n<pre><code>error: &lt;b&gt;x&lt;/b&gt;\n</code></pre>\n</details>"),
            "{html}"
        );
        assert!(
            html.contains("<kbd>Ctrl</kbd>+<kbd>C</kbd>, a <span title=\"a &gt; b\">span</span> and H<sub>2</sub>O."),
            "{html}"
        );
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

    #[test]
    fn deeply_nested_quotes_are_flattened_past_the_limit() {
        let html = render_markdown(&format!("{}deep text", ">".repeat(16_000)));
        assert!(count(&html, "<blockquote>") <= MAX_NESTING, "{html}");
        assert!(count(&html, "<blockquote>") >= MAX_NESTING - 1);
        assert!(nesting(&html) <= MAX_NESTING);
        assert!(html.contains("deep text"));
    }

    #[test]
    fn deeply_nested_raw_html_is_shown_as_text_past_the_limit() {
        let html = render_markdown(&format!("{}inside", "<div>".repeat(32_000)));
        assert!(nesting(&html) <= MAX_NESTING, "nesting {}", nesting(&html));
        assert!(count(&html, "<div>") <= MAX_NESTING);
        assert!(count(&html, "&lt;div&gt;") >= 32_000 - MAX_NESTING);
        assert!(html.contains("inside"));
    }

    #[test]
    fn deeply_nested_lists_and_emphasis_are_flattened() {
        let mut indented = String::new();
        for level in 0..500 {
            indented.push_str(&format!("{}- item {level}\n", "  ".repeat(level)));
        }
        for input in [
            format!("{}x\n", "- ".repeat(10_000)),
            indented,
            format!("{}a{}", "*".repeat(5_000), "*".repeat(5_000)),
            "<table><tr><td>".repeat(3_000),
            format!("{}x", "> - ".repeat(3_000)),
        ] {
            let html = render_markdown(&input);
            assert!(nesting(&html) <= MAX_NESTING, "nesting {}", nesting(&html));
        }
        let html = render_markdown(&format!("{}last", "- ".repeat(10_000)));
        assert!(html.contains("last"), "{html}");
    }

    #[test]
    fn unclosed_formatting_tags_do_not_multiply_down_the_document() {
        // The HTML parser reopens unclosed <b>s in every later paragraph;
        // before the fix 2,000 of them in 2,000 paragraphs made millions of
        // elements. Now each raw tag is closed where it was opened.
        let mut input = String::new();
        for i in 0..2_000 {
            input.push_str(&format!("<b title=\"{i}\">"));
        }
        input.push_str("\n\n");
        input.push_str(&"x\n\n".repeat(2_000));
        let html = render_markdown(&input);
        assert!(html.len() <= 10 * input.len(), "{} bytes", html.len());
        assert!(
            count(&html, "<b ") <= MAX_NESTING,
            "{}",
            count(&html, "<b ")
        );
        assert!(nesting(&html) <= MAX_NESTING);
    }

    #[test]
    fn output_stays_proportional_and_shallow_for_generated_nestings() {
        // Deterministic pseudo-random mixes of everything that nests.
        let pieces = [
            ">",
            "> ",
            "- ",
            "1. ",
            "  ",
            "* ",
            "<div>",
            "</div>",
            "<b>",
            "</b>",
            "<i title=\"q\">",
            "<table><tr><td>",
            "</td></tr></table>",
            "<ul><li>",
            "<p>",
            "</p>",
            "*",
            "**",
            "~~",
            "[",
            "](u)",
            "`",
            "\n",
            "\n\n",
            "x",
            "<details>",
            "<blockquote>",
            "<!-- c -->",
            "<a href=\"https://e.x\">",
            "</a>",
            "<span>",
            "|a|b|\n|-|-|\n",
            "<img src=\"https://e.x/i.png\">",
            "![alt](https://e.x/i.png)",
            "<",
            "<svg><path>",
            "<script>",
            "</script>",
        ];
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..20 {
            let mut input = String::new();
            while input.len() < 10_000 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let piece = pieces[(state % pieces.len() as u64) as usize];
                let times = 1 + (state >> 32) % 50;
                for _ in 0..times {
                    input.push_str(piece);
                }
            }
            for html in [render_markdown(&input), render_markdown_for_export(&input)] {
                assert!(
                    nesting(&html) <= MAX_NESTING,
                    "nesting {} for {input:?}",
                    nesting(&html)
                );
                assert!(
                    html.len() <= 30 * input.len(),
                    "{} bytes from {}",
                    html.len(),
                    input.len()
                );
            }
        }
    }

    #[test]
    fn a_raw_end_tag_cannot_close_markdown_elements() {
        let html = render_markdown("> quoted </blockquote></p> still quoted\n\nafter");
        assert!(
            html.contains("<blockquote>\n<p>quoted  still quoted</p>\n</blockquote>"),
            "{html}"
        );
    }

    #[test]
    fn unfinished_tags_and_stray_brackets_show_as_text() {
        let html = render_markdown("a < b\n\n<div title=\"unfinished\n\nnext *para*");
        assert!(html.contains("a &lt; b"), "{html}");
        assert!(html.contains("&lt;div title=\"unfinished"), "{html}");
        assert!(html.contains("<em>para</em>"), "{html}");
    }

    #[test]
    fn comments_are_dropped_where_html_ends_them() {
        let html = render_markdown("<p>a<!-- note -->b<!-->c<!--->d<!-- x --!>e<!-- <b> -->f</p>");
        assert_eq!(html, "<p>abcdef</p>");
        let html = render_markdown("<div>kept<!-- never closed <b>\n\nnext");
        assert!(
            html.contains("kept&lt;!-- never closed &lt;b&gt;"),
            "{html}"
        );
    }

    #[test]
    fn exports_turn_images_into_links() {
        let md = "![the graph](https://grafana.example.org/g.png) and \
                  <img src=\"https://tracker.example/p.gif\" alt=\"pixel\"> and \
                  <IMG SRC=//cdn.example/x.png> and ![](http://plain.example/a.png)";
        let html = render_markdown_for_export(md);
        assert!(!html.contains("<img"), "{html}");
        assert!(
            html.contains("<a href=\"https://grafana.example.org/g.png\" rel=\"noopener noreferrer nofollow\">the graph</a>"),
            "{html}"
        );
        assert!(
            html.contains("<a href=\"https://tracker.example/p.gif\" rel=\"noopener noreferrer nofollow\">pixel</a>"),
            "{html}"
        );
        assert!(html.contains(">//cdn.example/x.png</a>"), "{html}");
        assert!(html.contains(">http://plain.example/a.png</a>"), "{html}");
        // On the app's own pages images stay images.
        let page = render_markdown(md);
        assert_eq!(count(&page, "<img "), 4, "{page}");
    }
}
