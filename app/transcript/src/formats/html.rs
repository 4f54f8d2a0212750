//! HTML as the plain text a reader of the chat saw: the bodies of Matrix
//! messages (`formatted_body`), Teams messages and Zulip's rendered content.
//! A small hand-written reader, not a browser: it never fails, and anything
//! it does not know (a tag, a stray `<`, an unknown entity) is dropped or
//! kept as text.

use super::matrix::localpart;

/// Chat HTML as plain text: tags dropped, entities decoded, whitespace
/// collapsed (kept inside `<pre>`), `<br>` and block elements as line breaks,
/// list items as `- `, links as `label (url)` (`@name` for Matrix user
/// pills), images and emoji as their `alt`, Teams' `<at>Sam Lee</at>`
/// mentions as `@Sam Lee`.
pub fn to_text(html: &str) -> String {
    let mut out = Html::default();
    let b = html.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'<' => {
                if html[i..].starts_with("<!--") {
                    i = match html[i + 4..].find("-->") {
                        Some(end) => i + 4 + end + 3,
                        None => b.len(),
                    };
                    continue;
                }
                let tag_end = html[i + 1..].find('>');
                let name_ok = b
                    .get(i + 1)
                    .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'/');
                match tag_end {
                    Some(len) if name_ok => {
                        out.tag(&html[i + 1..i + 1 + len]);
                        i += len + 2;
                    }
                    _ => {
                        out.text("<");
                        i += 1;
                    }
                }
            }
            b'&' => {
                let (decoded, used) = entity(&html[i..]);
                out.text(&decoded);
                i += used;
            }
            c if c.is_ascii_whitespace() => {
                if out.pre > 0 {
                    if c != b'\r' {
                        out.out.push(c as char);
                    }
                } else {
                    out.space = true;
                }
                i += 1;
            }
            _ => {
                let next = html[i..]
                    .find(['<', '&', ' ', '\t', '\n', '\r', '\x0c'])
                    .map_or(b.len(), |n| i + n);
                out.text(&html[i..next]);
                i = next;
            }
        }
    }
    out.finish()
}

/// The character an entity at the start of `s` stands for, and how many
/// bytes it took (`&` alone when it is not an entity).
pub fn entity(s: &str) -> (String, usize) {
    let end = s.as_bytes().iter().take(12).position(|&c| c == b';');
    let Some(end) = end else {
        return ("&".to_string(), 1);
    };
    let name = &s[1..end];
    let decoded = match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        "nbsp" => Some(' '),
        _ => {
            let number =
                if let Some(hex) = name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")) {
                    u32::from_str_radix(hex, 16).ok()
                } else if let Some(dec) = name.strip_prefix('#') {
                    dec.parse::<u32>().ok()
                } else {
                    None
                };
            number.and_then(char::from_u32).filter(|c| *c != '\0')
        }
    };
    match decoded {
        Some(c) => (c.to_string(), end + 1),
        None => ("&".to_string(), 1),
    }
}

#[derive(Default)]
struct Html {
    out: String,
    /// Whitespace seen since the last text.
    space: bool,
    pre: usize,
    /// Open links: where their label starts in `out`, and their target.
    links: Vec<(usize, Option<String>)>,
    /// Open lists: the next number of an ordered one, `None` for bullets.
    lists: Vec<Option<u64>>,
    /// Open mentions (`<at>`): where their name starts in `out`.
    mentions: Vec<usize>,
}

impl Html {
    fn text(&mut self, s: &str) {
        if s.is_empty() {
            return;
        }
        if self.space && !self.out.is_empty() && !self.out.ends_with(['\n', ' ']) {
            self.out.push(' ');
        }
        self.space = false;
        self.out.push_str(s);
    }

    fn trim_end_spaces(&mut self) {
        let kept = self.out.trim_end_matches(' ').len();
        self.out.truncate(kept);
    }

    fn block(&mut self) {
        self.trim_end_spaces();
        if !self.out.is_empty() && !self.out.ends_with('\n') {
            self.out.push('\n');
        }
        self.space = false;
    }

    fn tag(&mut self, inner: &str) {
        let closing = inner.starts_with('/');
        let inner = inner.trim_start_matches('/');
        let name_end = inner
            .find(|c: char| !c.is_ascii_alphanumeric() && c != '-')
            .unwrap_or(inner.len());
        let name = inner[..name_end].to_ascii_lowercase();
        match name.as_str() {
            "br" => {
                self.trim_end_spaces();
                self.out.push('\n');
                self.space = false;
            }
            "p" | "div" | "blockquote" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "table"
            | "tr" | "hr" | "details" | "summary" => self.block(),
            "ul" | "ol" => {
                self.block();
                if closing {
                    self.lists.pop();
                } else if self.lists.len() < 64 {
                    let start = attribute(inner, "start")
                        .and_then(|s| s.trim().parse::<u64>().ok())
                        .unwrap_or(1);
                    self.lists.push((name == "ol").then_some(start));
                }
            }
            "li" => {
                self.block();
                if !closing {
                    match self.lists.last_mut() {
                        Some(Some(n)) => {
                            self.out.push_str(&format!("{n}. "));
                            *n = n.saturating_add(1);
                        }
                        _ => self.out.push_str("- "),
                    }
                }
            }
            "pre" => {
                self.block();
                if closing {
                    self.pre = self.pre.saturating_sub(1);
                } else {
                    self.pre += 1;
                }
            }
            "td" | "th" if !closing => self.space = true,
            "img" | "emoji" if !closing => {
                if let Some(alt) = attribute(inner, "alt") {
                    self.text(&alt);
                }
            }
            "at" if !closing => {
                if self.space && !self.out.is_empty() && !self.out.ends_with(['\n', ' ']) {
                    self.out.push(' ');
                }
                self.space = false;
                if self.mentions.len() < 64 {
                    self.mentions.push(self.out.len());
                }
            }
            "at" => {
                if let Some(start) = self.mentions.pop()
                    && self.out.is_char_boundary(start)
                    && !self.out[start..].starts_with('@')
                {
                    self.out.insert(start, '@');
                }
            }
            "a" if !closing => {
                if self.space && !self.out.is_empty() && !self.out.ends_with(['\n', ' ']) {
                    self.out.push(' ');
                }
                self.space = false;
                self.links.push((self.out.len(), attribute(inner, "href")));
            }
            "a" => {
                let Some((start, href)) = self.links.pop() else {
                    return;
                };
                let start = start.min(self.out.len());
                if !self.out.is_char_boundary(start) {
                    return;
                }
                let label = self.out[start..].trim().to_string();
                self.out.truncate(start);
                let shown = link(&label, href.as_deref());
                self.out.push_str(&shown);
            }
            _ => {}
        }
    }

    fn finish(mut self) -> String {
        self.trim_end_spaces();
        let lines: Vec<&str> = self.out.lines().map(str::trim_end).collect();
        lines.join("\n").trim().to_string()
    }
}

/// A link as text: `@name` for a user pill, the label of a room pill, the
/// URL when the label is the URL, else `label (url)`.
fn link(label: &str, href: Option<&str>) -> String {
    let Some(href) = href.map(str::trim).filter(|h| !h.is_empty()) else {
        return label.to_string();
    };
    let target = href
        .strip_prefix("https://matrix.to/#/")
        .map(percent_decode);
    if let Some(target) = &target {
        if target.starts_with('@') {
            return if label.is_empty() {
                format!("@{}", localpart(target))
            } else if label.starts_with('@') {
                label.to_string()
            } else {
                format!("@{label}")
            };
        }
        if (target.starts_with('#') || target.starts_with('!')) && !target.contains('/') {
            return if label.is_empty() {
                target.clone()
            } else {
                label.to_string()
            };
        }
    }
    if label.is_empty() || label == href || href.strip_prefix("mailto:") == Some(label) {
        if label.is_empty() {
            href.to_string()
        } else {
            label.to_string()
        }
    } else {
        format!("{label} ({href})")
    }
}

/// `%40sam%3Aexample.org` as `@sam:example.org` (invalid escapes kept).
fn percent_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_string();
    }
    let b = s.as_bytes();
    let mut bytes = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let Some(hex) = s.get(i + 1..i + 3)
            && let Ok(v) = u8::from_str_radix(hex, 16)
        {
            bytes.push(v);
            i += 3;
            continue;
        }
        bytes.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The value of attribute `name` in a tag's inside (`a href="x"`), decoded.
pub fn attribute(inner: &str, name: &str) -> Option<String> {
    let lower = inner.to_ascii_lowercase();
    let mut from = 0;
    while let Some(found) = lower[from..].find(name) {
        let at = from + found;
        from = at + name.len();
        let before_ok = at > 0 && lower.as_bytes()[at - 1].is_ascii_whitespace();
        let rest = lower[at + name.len()..].trim_start();
        if !before_ok || !rest.starts_with('=') {
            continue;
        }
        // Offsets in `lower` are offsets in `inner` (ASCII lowercasing).
        let value_at = inner.len() - rest.len() + 1;
        let value = inner[value_at..].trim_start();
        let raw = match value.chars().next() {
            Some(q @ ('"' | '\'')) => {
                let body = &value[1..];
                &body[..body.find(q).unwrap_or(body.len())]
            }
            _ => value
                .split(|c: char| c.is_ascii_whitespace() || c == '/')
                .next()
                .unwrap_or(""),
        };
        let mut decoded = String::with_capacity(raw.len());
        let mut j = 0;
        while j < raw.len() {
            if raw.as_bytes()[j] == b'&' {
                let (c, used) = entity(&raw[j..]);
                decoded.push_str(&c);
                j += used;
            } else {
                let next = raw[j..].find('&').map_or(raw.len(), |n| j + n);
                decoded.push_str(&raw[j..next]);
                j = next;
            }
        }
        return Some(decoded);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::to_text;

    #[test]
    fn matrix_html() {
        assert_eq!(
            to_text(
                "<a href=\"https://matrix.to/#/@kim:example.org\">Kim</a>: see <a href=\"https://x.io/a?b=1&amp;c=2\">the doc</a> and <a href=\"https://x.io\">https://x.io</a>"
            ),
            "@Kim: see the doc (https://x.io/a?b=1&c=2) and https://x.io"
        );
        assert_eq!(
            to_text("<p>one\n  two</p>\n<ul>\n<li>a</li>\n<li>b &lt;3</li>\n</ul>\n"),
            "one two\n- a\n- b <3"
        );
        assert_eq!(to_text("a<br>b<br/><br />c"), "a\nb\n\nc");
        assert_eq!(
            to_text("<p>plan:</p>\n<ol start=\"3\">\n<li>drain</li>\n<li>restart</li>\n</ol>"),
            "plan:\n3. drain\n4. restart"
        );
        assert_eq!(
            to_text("<pre><code>x  = 1\ny = 2\n</code></pre>after"),
            "x  = 1\ny = 2\nafter"
        );
        assert_eq!(
            to_text("1 < 2 &amp;&amp; 3 > 2 &bogus; &#x1F600; &#65;"),
            "1 < 2 && 3 > 2 &bogus; \u{1F600} A"
        );
        assert_eq!(
            to_text(
                "<a href=\"https://matrix.to/#/%40sam%3Aexample.org\"></a> hi <img alt=\":blob:\" src=\"mxc://x\">"
            ),
            "@sam hi :blob:"
        );
        assert_eq!(
            to_text("<a href=\"https://matrix.to/#/#ops:example.org\">#ops:example.org</a>"),
            "#ops:example.org"
        );
        assert_eq!(to_text("<!-- c -->x<"), "x<");
        assert_eq!(to_text("<a href='mailto:a@b.io'>a@b.io</a>"), "a@b.io");
    }

    #[test]
    fn teams_html() {
        assert_eq!(
            to_text(
                "<div><div><at id=\"0\">Sam Lee</at>&nbsp;can you look at the p99?</div></div>"
            ),
            "@Sam Lee can you look at the p99?"
        );
        assert_eq!(
            to_text(
                "<p>rolled back <emoji id=\"1f44d\" alt=\"\u{1F44D}\" title=\"Thumbs up\"></emoji></p><p>watching</p>"
            ),
            "rolled back \u{1F44D}\nwatching"
        );
        assert_eq!(to_text("<at>@Kim</at> ok"), "@Kim ok");
        assert_eq!(to_text("</at><at><at>x"), "x");
    }
}
