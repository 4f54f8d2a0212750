//! Attachments: screenshots and graphs attached to incidents and timeline
//! events.
//!
//! Everything about an attachment that can be decided without the web or the
//! database lives here: which file types are accepted (decided by the bytes,
//! never by the name), the name offered on download, the `Content-Disposition`
//! header it is served with, and the message shown when a file is too large.

use serde::{Deserialize, Serialize};

/// The kinds of file that may be attached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttachmentType {
    Png,
    Jpeg,
    Webp,
    Svg,
    Pdf,
}

impl AttachmentType {
    /// Every accepted type, in the order they are listed to people.
    pub const ALL: [AttachmentType; 5] = [
        AttachmentType::Png,
        AttachmentType::Jpeg,
        AttachmentType::Webp,
        AttachmentType::Svg,
        AttachmentType::Pdf,
    ];

    /// The stable code stored in the database: `png`, `jpeg`, `webp`, `svg`, `pdf`.
    pub fn code(self) -> &'static str {
        match self {
            AttachmentType::Png => "png",
            AttachmentType::Jpeg => "jpeg",
            AttachmentType::Webp => "webp",
            AttachmentType::Svg => "svg",
            AttachmentType::Pdf => "pdf",
        }
    }

    /// The type with this [`code`](Self::code), if there is one.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.code() == code)
    }

    /// The MIME type the file is served with.
    pub fn mime(self) -> &'static str {
        match self {
            AttachmentType::Png => "image/png",
            AttachmentType::Jpeg => "image/jpeg",
            AttachmentType::Webp => "image/webp",
            AttachmentType::Svg => "image/svg+xml",
            AttachmentType::Pdf => "application/pdf",
        }
    }

    /// A short description for people, e.g. "PNG image".
    pub fn label(self) -> &'static str {
        match self {
            AttachmentType::Png => "PNG image",
            AttachmentType::Jpeg => "JPEG image",
            AttachmentType::Webp => "WebP image",
            AttachmentType::Svg => "SVG drawing",
            AttachmentType::Pdf => "PDF document",
        }
    }

    /// The file-name extension, without the dot: `png`, `jpg`, `webp`, `svg`, `pdf`.
    pub fn extension(self) -> &'static str {
        match self {
            AttachmentType::Png => "png",
            AttachmentType::Jpeg => "jpg",
            AttachmentType::Webp => "webp",
            AttachmentType::Svg => "svg",
            AttachmentType::Pdf => "pdf",
        }
    }

    /// Every extension a file of this type may already carry (the first is
    /// [`extension`](Self::extension)); a JPEG may end in `.jpg` or `.jpeg`.
    fn known_extensions(self) -> &'static [&'static str] {
        match self {
            AttachmentType::Jpeg => &["jpg", "jpeg"],
            AttachmentType::Png => &["png"],
            AttachmentType::Webp => &["webp"],
            AttachmentType::Svg => &["svg"],
            AttachmentType::Pdf => &["pdf"],
        }
    }

    /// True when the page may show the file as an `<img>` thumbnail: the raster
    /// images and SVG (scripts in an SVG never run inside `<img>`). False for PDF.
    pub fn shown_inline(self) -> bool {
        !matches!(self, AttachmentType::Pdf)
    }

    /// True when the file itself may be served `inline`, to be opened in the
    /// browser: only PNG, JPEG and WebP. SVG and PDF are always served as
    /// downloads, because an SVG opened directly is a document that can run
    /// script.
    pub fn served_inline(self) -> bool {
        matches!(
            self,
            AttachmentType::Png | AttachmentType::Jpeg | AttachmentType::Webp
        )
    }
}

/// The accepted types, as listed in messages.
const ACCEPTED: &str = "PNG, JPEG, WebP, SVG or PDF";

/// Decides the type of an attachment from its content, never from its name.
///
/// Recognised by their signatures at the very start of the file:
/// PNG (`89 50 4E 47 0D 0A 1A 0A`), JPEG (`FF D8 FF`), WebP (`RIFF????WEBP`)
/// and PDF (`%PDF-`, required at offset 0).
///
/// An SVG must be valid UTF-8 (a byte-order mark is allowed) whose first
/// element is `<svg`, followed by whitespace, `>` or `/`. Before it there may
/// be whitespace, processing instructions such as the `<?xml ...?>`
/// declaration, comments, and a `<!DOCTYPE svg ...>`.
///
/// An SVG containing `<script>` or `on...=` event handlers is still accepted,
/// on purpose: an attachment's SVG is only ever shown through `<img>`, where
/// scripts do not run, and is always served as a download (see
/// [`AttachmentType::served_inline`]), so it is never opened as a document on
/// our origin. Refusing such files would only turn away graphs exported by
/// tools that add interactivity.
///
/// Anything else is refused with a message that says what the content looks
/// like, when that can be told, and which types are accepted.
pub fn sniff(bytes: &[u8]) -> Result<AttachmentType, String> {
    if bytes.is_empty() {
        return Err(format!(
            "This file is empty; attach a screenshot or graph as a {ACCEPTED} file."
        ));
    }
    if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        return Ok(AttachmentType::Png);
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Ok(AttachmentType::Jpeg);
    }
    if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
        return Ok(AttachmentType::Webp);
    }
    if bytes.starts_with(b"%PDF-") {
        return Ok(AttachmentType::Pdf);
    }

    let text = std::str::from_utf8(bytes)
        .ok()
        .map(|text| text.strip_prefix('\u{FEFF}').unwrap_or(text));
    if let Some(text) = text
        && is_svg(text)
    {
        return Ok(AttachmentType::Svg);
    }

    if bytes.starts_with(b"GIF8") {
        return Err(
            "This file is a GIF image, and GIF is not accepted; convert it to PNG \
             (most image editors and screenshot tools can) and attach it again."
                .to_string(),
        );
    }
    let looks_like = if bytes.starts_with(b"PK\x03\x04") {
        "a ZIP archive"
    } else {
        match text {
            Some(text) if looks_like_html(text) => "an HTML page",
            Some(text) if skip_prolog(text).starts_with('<') => "XML that is not an SVG drawing",
            Some(text) if is_plain_text(text) => "plain text",
            _ => "unknown binary data",
        }
    };
    Err(format!(
        "This file is not a {ACCEPTED} (its content looks like {looks_like}); \
         attach screenshots and graphs in one of those formats."
    ))
}

/// True when `text` (already without a byte-order mark) is an SVG document.
fn is_svg(text: &str) -> bool {
    let mut rest = skip_prolog(text);
    if let Some(after) = rest.strip_prefix("<!DOCTYPE") {
        let name = after.trim_start();
        let is_svg_doctype = after.starts_with(char::is_whitespace)
            && name.strip_prefix("svg").is_some_and(|tail| {
                tail.starts_with(|c: char| c.is_whitespace() || c == '>' || c == '[')
            });
        if !is_svg_doctype {
            return false;
        }
        match doctype_end(after) {
            Some(end) => rest = skip_prolog(&after[end..]),
            None => return false,
        }
    }
    rest.strip_prefix("<svg")
        .is_some_and(|tail| tail.starts_with(|c: char| c.is_whitespace() || c == '>' || c == '/'))
}

/// Skips leading whitespace, processing instructions (`<?...?>`, which
/// includes the XML declaration) and comments (`<!--...-->`).
/// An unterminated one leaves nothing.
fn skip_prolog(text: &str) -> &str {
    let mut rest = text;
    loop {
        rest = rest.trim_start();
        let (open, close) = if rest.starts_with("<?") {
            ("<?", "?>")
        } else if rest.starts_with("<!--") {
            ("<!--", "-->")
        } else {
            return rest;
        };
        match rest[open.len()..].find(close) {
            Some(at) => rest = &rest[open.len() + at + close.len()..],
            None => return "",
        }
    }
}

/// The byte offset just past the `>` that closes a doctype, given the text
/// after `<!DOCTYPE`. Quoted identifiers and an internal `[...]` subset may
/// contain `>`.
fn doctype_end(after_keyword: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    let mut in_subset = false;
    for (at, c) in after_keyword.char_indices() {
        match (quote, c) {
            (Some(q), _) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[') => in_subset = true,
            (None, ']') => in_subset = false,
            (None, '>') if !in_subset => return Some(at + 1),
            _ => {}
        }
    }
    None
}

/// True when the first kilobyte mentions `<!doctype html` or `<html`,
/// in any case.
fn looks_like_html(text: &str) -> bool {
    let head = &text.as_bytes()[..text.len().min(1024)];
    let head = head.to_ascii_lowercase();
    let contains = |needle: &[u8]| head.windows(needle.len()).any(|w| w == needle);
    contains(b"<!doctype html") || contains(b"<html")
}

/// True when `text` has no control characters other than tabs, line breaks
/// and form feeds.
fn is_plain_text(text: &str) -> bool {
    text.chars()
        .all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r' | '\x0C'))
}

/// The longest name [`safe_file_name`] returns, in characters.
const MAX_NAME_CHARS: usize = 120;

/// The name an attachment is shown with and offered for download under,
/// made from the name it was uploaded with.
///
/// Keeps only the last path component (splitting on both `/` and `\`), drops
/// control and invisible format characters (a right-to-left override would
/// make `x\u{202E}gnp.exe` show as `xexe.png`), `"` and `;`, collapses runs of whitespace to one space,
/// drops leading dots (no hidden files, no `..`), drops trailing dots and
/// spaces (also those just before the extension), and caps the name at 120
/// characters while keeping its extension.
///
/// The name always ends with the extension of the type found by [`sniff`].
/// A name with another extension keeps it and gets the right one appended,
/// so nothing is hidden: `graph.exe` holding a PNG becomes `graph.exe.png`.
/// A JPEG may keep `.jpeg` as well as `.jpg`; the case of an existing
/// extension is kept. A name with nothing left becomes `attachment.<ext>`.
pub fn safe_file_name(name: &str, kind: AttachmentType) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let kept: String = last
        .chars()
        .filter(|c| !super::names::is_invisible(*c) && !matches!(c, '"' | ';' | '\\'))
        .collect();
    let collapsed = kept.split_whitespace().collect::<Vec<_>>().join(" ");
    let cleaned = collapsed
        .trim_start_matches(|c: char| c == '.' || c.is_whitespace())
        .trim_end_matches(|c: char| c == '.' || c.is_whitespace());

    // Split into the part that may be shortened and the extension kept whole.
    let existing = kind.known_extensions().iter().find_map(|ext| {
        let dot_ext_len = ext.len() + 1;
        let split = cleaned.len().checked_sub(dot_ext_len)?;
        let suffix = cleaned.get(split..)?;
        (suffix.starts_with('.') && suffix[1..].eq_ignore_ascii_case(ext))
            .then(|| (&cleaned[..split], suffix.to_string()))
    });
    let (stem, extension) = existing.unwrap_or_else(|| (cleaned, format!(".{}", kind.extension())));

    let room = MAX_NAME_CHARS - extension.chars().count();
    let stem: String = stem.chars().take(room).collect();
    let stem = stem.trim_end_matches(|c: char| c == '.' || c.is_whitespace());
    if stem.is_empty() {
        return format!("attachment.{}", kind.extension());
    }
    format!("{stem}{extension}")
}

/// The `Content-Disposition` header value for serving an attachment, e.g.
/// `attachment; filename="r_sum_.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf`.
///
/// `inline` for the types that may be opened in the browser
/// ([`AttachmentType::served_inline`]), `attachment` (a download) for the
/// rest. Following RFC 6266 and RFC 5987, `filename` is an ASCII fallback
/// (non-ASCII characters, quotes, backslashes and control characters become
/// `_`) and `filename*` carries the UTF-8 name with every byte that is not an
/// RFC 5987 attr-char percent-encoded. Pass a name from [`safe_file_name`].
pub fn content_disposition(kind: AttachmentType, file_name: &str) -> String {
    let disposition = if kind.served_inline() {
        "inline"
    } else {
        "attachment"
    };
    let fallback: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii() && !c.is_ascii_control() && c != '"' && c != '\\' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded = percent_encode_rfc5987(file_name);
    format!("{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

/// Percent-encodes every byte of the UTF-8 text that is not an RFC 5987
/// attr-char (letters, digits and `!#$&+-.^_`|~`), with upper-case hex.
fn percent_encode_rfc5987(text: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(text.len());
    for &byte in text.as_bytes() {
        let is_attr_char = byte.is_ascii_alphanumeric()
            || matches!(
                byte,
                b'!' | b'#' | b'$' | b'&' | b'+' | b'-' | b'.' | b'^' | b'_' | b'`' | b'|' | b'~'
            );
        if is_attr_char {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0x0F)]));
        }
    }
    out
}

/// The largest attachment accepted unless configured otherwise: 20 MB.
pub const DEFAULT_MAX_BYTES: u64 = 20 * 1024 * 1024;

/// The message shown when a file is larger than `max_bytes`, with the limit
/// in MB (or in KB when under 1 MB).
pub fn too_large_message(max_bytes: u64) -> String {
    format!(
        "Each attachment may be at most {}; this one is larger. Shrink or crop the image, \
         or link to it from the event's evidence link instead.",
        size_text(max_bytes)
    )
}

/// A size for people: `20 MB`, `1.5 MB`, `512 KB`, `100 bytes`.
fn size_text(bytes: u64) -> String {
    const KB: u64 = 1024;
    const MB: u64 = 1024 * 1024;
    let (unit_size, unit) = if bytes >= MB {
        (MB, "MB")
    } else if bytes >= KB {
        (KB, "KB")
    } else {
        return format!("{bytes} bytes");
    };
    if bytes.is_multiple_of(unit_size) {
        format!("{} {unit}", bytes / unit_size)
    } else {
        format!("{:.1} {unit}", bytes as f64 / unit_size as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = &[
        0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H', b'D', b'R',
    ];
    const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F', 0];

    fn webp() -> Vec<u8> {
        let mut bytes = b"RIFF".to_vec();
        bytes.extend_from_slice(&26u32.to_le_bytes());
        bytes.extend_from_slice(b"WEBPVP8 ");
        bytes.extend_from_slice(&[0; 8]);
        bytes
    }

    #[test]
    fn codes_round_trip_and_describe_each_type() {
        for kind in AttachmentType::ALL {
            assert_eq!(AttachmentType::parse(kind.code()), Some(kind));
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.code()));
            assert_eq!(serde_json::from_str::<AttachmentType>(&json).unwrap(), kind);
        }
        assert_eq!(AttachmentType::parse("gif"), None);
        assert_eq!(AttachmentType::parse("PNG"), None);
        assert_eq!(AttachmentType::Svg.mime(), "image/svg+xml");
        assert_eq!(AttachmentType::Pdf.label(), "PDF document");
        assert_eq!(AttachmentType::Jpeg.extension(), "jpg");
    }

    #[test]
    fn only_raster_images_are_served_inline_and_only_pdf_has_no_thumbnail() {
        use AttachmentType::*;
        assert!(Png.served_inline() && Jpeg.served_inline() && Webp.served_inline());
        assert!(!Svg.served_inline() && !Pdf.served_inline());
        assert!(Png.shown_inline() && Jpeg.shown_inline() && Webp.shown_inline());
        assert!(Svg.shown_inline());
        assert!(!Pdf.shown_inline());
    }

    #[test]
    fn each_type_is_sniffed_from_its_header() {
        assert_eq!(sniff(PNG), Ok(AttachmentType::Png));
        assert_eq!(sniff(JPEG), Ok(AttachmentType::Jpeg));
        assert_eq!(sniff(&webp()), Ok(AttachmentType::Webp));
        assert_eq!(
            sniff(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n"),
            Ok(AttachmentType::Pdf)
        );
        assert_eq!(
            sniff(br#"<svg xmlns="http://www.w3.org/2000/svg"/>"#),
            Ok(AttachmentType::Svg)
        );
        assert_eq!(sniff(b"<svg>\n</svg>"), Ok(AttachmentType::Svg));
        assert_eq!(sniff(b"<svg/>"), Ok(AttachmentType::Svg));
    }

    #[test]
    fn the_type_comes_from_the_content_whatever_the_name() {
        // A PNG uploaded as `report.pdf` is a PNG, and is named so.
        assert_eq!(sniff(PNG), Ok(AttachmentType::Png));
        assert_eq!(
            safe_file_name("report.pdf", sniff(PNG).unwrap()),
            "report.pdf.png"
        );
    }

    #[test]
    fn signatures_must_be_complete_and_at_the_start() {
        assert!(sniff(&PNG[..7]).is_err());
        assert!(sniff(&[0xFF, 0xD8]).is_err());
        assert!(sniff(b"RIFF\0\0\0\0WAVEfmt ").is_err());
        assert!(sniff(b"RIFF\0\0\0\0WEB").is_err());
        assert!(sniff(b"junk %PDF-1.4").is_err());
        assert!(sniff(b" %PDF-1.4").is_err());
    }

    #[test]
    fn svg_may_start_with_a_declaration_comments_and_a_doctype() {
        let svg = concat!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n",
            "<!-- Generated by Grafana -->\n",
            "<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" ",
            "\"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd\">\n",
            "<!-- chart -->\n",
            "<svg\n  width=\"10\" height=\"10\"></svg>\n",
        );
        assert_eq!(sniff(svg.as_bytes()), Ok(AttachmentType::Svg));

        let with_subset = "<!DOCTYPE svg [ <!ENTITY ns \"http://x/>\"> ]><svg/>";
        assert_eq!(sniff(with_subset.as_bytes()), Ok(AttachmentType::Svg));
    }

    #[test]
    fn svg_may_start_with_a_byte_order_mark() {
        let mut bytes = vec![0xEF, 0xBB, 0xBF];
        bytes.extend_from_slice(b"  \r\n<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>");
        assert_eq!(sniff(&bytes), Ok(AttachmentType::Svg));
    }

    #[test]
    fn svg_with_script_is_accepted_because_it_is_never_opened_as_a_page() {
        let svg = r#"<svg onload="alert(1)"><script>alert(2)</script></svg>"#;
        assert_eq!(sniff(svg.as_bytes()), Ok(AttachmentType::Svg));
        assert!(!AttachmentType::Svg.served_inline());
    }

    #[test]
    fn almost_svg_is_refused() {
        for text in [
            "<svgfoo/>",
            "<!-- unterminated <svg/>",
            "<?xml version=\"1.0\"<svg/>",
            "<!DOCTYPE html><svg/>",
            "<!DOCTYPE svgx><svg/>",
            "<g><svg/></g>",
            "text then <svg/>",
            "<SVG/>",
        ] {
            assert!(sniff(text.as_bytes()).is_err(), "{text}");
        }
        let mut not_utf8 = b"<svg>".to_vec();
        not_utf8.push(0xFF);
        assert!(sniff(&not_utf8).is_err());
    }

    #[test]
    fn html_is_refused_naming_html() {
        for page in [
            "<!DOCTYPE html>\n<html><body><svg/></body></html>",
            "<!-- saved --><HTML lang=\"en\">",
            "\u{FEFF}<!doctype HTML>",
        ] {
            let message = sniff(page.as_bytes()).unwrap_err();
            assert!(message.contains("HTML"), "{message}");
            assert!(message.contains("PNG, JPEG, WebP, SVG or PDF"), "{message}");
        }
    }

    #[test]
    fn gif_is_refused_naming_gif_and_suggesting_png() {
        let message = sniff(b"GIF89a\x01\x00\x01\x00\x80\x00\x00").unwrap_err();
        assert!(message.contains("GIF"), "{message}");
        assert!(message.contains("PNG"), "{message}");
    }

    #[test]
    fn empty_is_refused() {
        let message = sniff(b"").unwrap_err();
        assert!(message.contains("empty"), "{message}");
    }

    #[test]
    fn other_content_is_refused_saying_what_it_looks_like() {
        let zip = sniff(b"PK\x03\x04\x14\x00\x06\x00").unwrap_err();
        assert!(zip.contains("a ZIP archive"), "{zip}");

        let text =
            sniff("latency p99 went from 80ms to 4s\nsee graph — sorry\n".as_bytes()).unwrap_err();
        assert!(text.contains("plain text"), "{text}");

        let xml = sniff(b"<?xml version=\"1.0\"?><rss/>").unwrap_err();
        assert!(xml.contains("XML that is not an SVG"), "{xml}");

        let binary = sniff(&[0x7F, b'E', b'L', b'F', 2, 1, 1, 0, 0xFF]).unwrap_err();
        assert!(binary.contains("unknown binary data"), "{binary}");
        let zeros = sniff(&[0; 16]).unwrap_err();
        assert!(zeros.contains("unknown binary data"), "{zeros}");
    }

    #[test]
    fn safe_file_name_keeps_only_the_last_path_component() {
        use AttachmentType::*;
        assert_eq!(safe_file_name("../../etc/passwd", Png), "passwd.png");
        assert_eq!(
            safe_file_name(r"C:\Users\sam\Desktop\p99 latency.PNG", Png),
            "p99 latency.PNG"
        );
        assert_eq!(safe_file_name("a/b\\c/graph.svg", Svg), "graph.svg");
        assert_eq!(safe_file_name("dir/", Png), "attachment.png");
    }

    #[test]
    fn safe_file_name_drops_unsafe_characters_and_tidies_whitespace() {
        use AttachmentType::*;
        assert_eq!(
            safe_file_name("my \"graph\"; name=x.png", Png),
            "my graph name=x.png"
        );
        assert_eq!(
            safe_file_name("line\r\nbreak\t\u{7}.pdf", Pdf),
            "linebreak.pdf"
        );
        assert_eq!(
            safe_file_name("  lots   of \t space  .png ", Png),
            "lots of space.png"
        );
        assert_eq!(safe_file_name("...hidden.png", Png), "hidden.png");
        assert_eq!(safe_file_name("graph.", Png), "graph.png");
    }

    #[test]
    fn safe_file_name_drops_bidirectional_and_zero_width_characters() {
        use AttachmentType::*;
        // Shown as "invoiceexe.pdf" with the override, the name was a PDF
        // called "invoice" + reversed "fdp.exe"; stored, it reads as it is.
        assert_eq!(
            safe_file_name("invoice\u{202E}fdp.exe.pdf", Pdf),
            "invoicefdp.exe.pdf"
        );
        assert_eq!(
            safe_file_name("\u{FEFF}gra\u{200B}ph\u{2066}\u{200F}.png\u{2069}", Png),
            "graph.png"
        );
        assert_eq!(safe_file_name("\u{202E}\u{200B}", Webp), "attachment.webp");
    }

    #[test]
    fn safe_file_name_appends_the_sniffed_extension_and_hides_nothing() {
        use AttachmentType::*;
        assert_eq!(safe_file_name("graph.exe", Png), "graph.exe.png");
        assert_eq!(safe_file_name("graph", Webp), "graph.webp");
        assert_eq!(safe_file_name("photo.jpeg", Jpeg), "photo.jpeg");
        assert_eq!(safe_file_name("photo.JPG", Jpeg), "photo.JPG");
        assert_eq!(safe_file_name("photo.png", Jpeg), "photo.png.jpg");
        assert_eq!(safe_file_name("xpng", Png), "xpng.png");
    }

    #[test]
    fn safe_file_name_gives_a_default_when_nothing_is_left() {
        use AttachmentType::*;
        assert_eq!(safe_file_name("", Png), "attachment.png");
        assert_eq!(safe_file_name("   ", Jpeg), "attachment.jpg");
        assert_eq!(safe_file_name("..", Pdf), "attachment.pdf");
        assert_eq!(safe_file_name("\"\";;", Svg), "attachment.svg");
    }

    #[test]
    fn safe_file_name_caps_long_names_keeping_the_extension() {
        use AttachmentType::*;
        let long = format!("{}.png", "a".repeat(300));
        let safe = safe_file_name(&long, Png);
        assert_eq!(safe.chars().count(), 120);
        assert!(safe.ends_with("aaa.png"), "{safe}");

        // Counted in characters, never cut inside one.
        let long = "é".repeat(200);
        let safe = safe_file_name(&long, Jpeg);
        assert_eq!(safe.chars().count(), 120);
        assert!(safe.ends_with("é.jpg"), "{safe}");

        let long = format!("{}.jpeg", "b".repeat(200));
        let safe = safe_file_name(&long, Jpeg);
        assert_eq!(safe.chars().count(), 120);
        assert!(safe.ends_with("b.jpeg"), "{safe}");

        let exact = format!("{}.png", "c".repeat(116));
        assert_eq!(safe_file_name(&exact, Png), exact);
    }

    #[test]
    fn safe_file_name_keeps_unicode() {
        use AttachmentType::*;
        assert_eq!(safe_file_name("résumé.pdf", Pdf), "résumé.pdf");
        assert_eq!(safe_file_name("グラフ 2024.png", Png), "グラフ 2024.png");
    }

    #[test]
    fn content_disposition_is_inline_only_for_raster_images() {
        use AttachmentType::*;
        assert_eq!(
            content_disposition(Png, "graph.png"),
            "inline; filename=\"graph.png\"; filename*=UTF-8''graph.png"
        );
        assert!(content_disposition(Jpeg, "a.jpg").starts_with("inline;"));
        assert!(content_disposition(Webp, "a.webp").starts_with("inline;"));
        assert!(content_disposition(Svg, "a.svg").starts_with("attachment;"));
        assert!(content_disposition(Pdf, "a.pdf").starts_with("attachment;"));
    }

    #[test]
    fn content_disposition_encodes_the_utf8_name_and_gives_an_ascii_fallback() {
        let header = content_disposition(AttachmentType::Pdf, "résumé final.pdf");
        assert_eq!(
            header,
            "attachment; filename=\"r_sum_ final.pdf\"; \
             filename*=UTF-8''r%C3%A9sum%C3%A9%20final.pdf"
        );
        assert!(header.is_ascii());

        let header = content_disposition(AttachmentType::Png, "グラフ.png");
        assert!(header.is_ascii());
        assert!(header.contains("filename=\"___.png\""), "{header}");

        // Characters outside attr-char are encoded even when ASCII.
        let header = content_disposition(AttachmentType::Png, "a'b(c)%*,=~!.png");
        assert!(
            header.ends_with("UTF-8''a%27b%28c%29%25%2A%2C%3D~!.png"),
            "{header}"
        );

        // Even an unsanitised name cannot break out of the quoted fallback.
        let header = content_disposition(AttachmentType::Png, "x\"\\\r\n.png");
        assert!(header.contains("filename=\"x____.png\""), "{header}");
    }

    #[test]
    fn too_large_message_names_the_limit() {
        assert_eq!(
            too_large_message(DEFAULT_MAX_BYTES),
            "Each attachment may be at most 20 MB; this one is larger. Shrink or crop the \
             image, or link to it from the event's evidence link instead."
        );
        assert!(too_large_message(512 * 1024).contains("at most 512 KB;"));
        assert!(too_large_message(3 * 512 * 1024).contains("at most 1.5 MB;"));
        assert!(too_large_message(100).contains("at most 100 bytes;"));
    }
}
