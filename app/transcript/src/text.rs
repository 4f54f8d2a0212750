//! Bytes to text lines: encodings, line endings and IRC formatting codes.

use std::io::BufRead;

/// Reads `input` line by line without holding more than one line: CRLF and LF
/// endings, a UTF-8 byte-order mark on the first line, and each line decoded on
/// its own (UTF-8, else cp1252, the usual encoding of older IRC clients). A
/// file that starts with a UTF-16 byte-order mark is refused.
pub struct Lines<R> {
    input: R,
    buf: Vec<u8>,
    number: u64,
    bytes: u64,
}

impl<R: BufRead> Lines<R> {
    pub fn new(input: R) -> Self {
        Lines {
            input,
            buf: Vec::with_capacity(256),
            number: 0,
            bytes: 0,
        }
    }

    /// Bytes read so far (for progress).
    pub fn bytes_read(&self) -> u64 {
        self.bytes
    }

    /// The next line as (1-based number, text), or `None` at the end.
    pub fn next_line(&mut self) -> std::io::Result<Option<(u64, String)>> {
        self.buf.clear();
        let n = self.input.read_until(b'\n', &mut self.buf)?;
        if n == 0 {
            return Ok(None);
        }
        self.bytes += n as u64;
        self.number += 1;
        let mut bytes = &self.buf[..];
        if bytes.last() == Some(&b'\n') {
            bytes = &bytes[..bytes.len() - 1];
        }
        if bytes.last() == Some(&b'\r') {
            bytes = &bytes[..bytes.len() - 1];
        }
        if self.number == 1 && bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
            bytes = &bytes[3..];
        }
        // UTF-16 would be read as text with a NUL between letters: refused
        // with what to do, rather than stored as nonsense.
        if self.number == 1
            && (bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]))
        {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "the file is UTF-16 text; save it as UTF-8 and upload it again",
            ));
        }
        Ok(Some((self.number, decode_line(bytes))))
    }
}

/// One line's bytes as text: UTF-8 when valid, else cp1252 (Latin-1 with the
/// Windows punctuation in 0x80–0x9F).
pub fn decode_line(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_string(),
        Err(_) => bytes.iter().map(|&b| cp1252(b)).collect(),
    }
}

fn cp1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž',
        '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}',
        'ž', 'Ÿ',
    ];
    match b {
        0x80..=0x9F => HIGH[(b - 0x80) as usize],
        _ => b as char,
    }
}

/// Removes mIRC formatting: colour codes (`\x03` with up to two foreground and
/// two background digits, `\x04` with hex colours), bold, italic, underline,
/// strike-through, monospace, reverse and reset. Other control characters
/// except tab are dropped too; they never carry meaning in a transcript.
pub fn strip_formatting(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(|c| c.is_control() && c != '\t') {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\x03' => {
                take_digits(&mut chars, 2, |c| c.is_ascii_digit());
                if chars.peek() == Some(&',') {
                    let mut ahead = chars.clone();
                    ahead.next();
                    if ahead.peek().is_some_and(|c| c.is_ascii_digit()) {
                        chars.next();
                        take_digits(&mut chars, 2, |c| c.is_ascii_digit());
                    }
                }
            }
            '\x04' => {
                take_digits(&mut chars, 6, |c| c.is_ascii_hexdigit());
                if chars.peek() == Some(&',') {
                    let mut ahead = chars.clone();
                    ahead.next();
                    if ahead.peek().is_some_and(|c| c.is_ascii_hexdigit()) {
                        chars.next();
                        take_digits(&mut chars, 6, |c| c.is_ascii_hexdigit());
                    }
                }
            }
            '\t' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

fn take_digits(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    max: usize,
    accept: impl Fn(&char) -> bool,
) {
    for _ in 0..max {
        if chars.peek().is_some_and(&accept) {
            chars.next();
        } else {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_is_refused_saying_what_to_do() {
        for bom in [&[0xFF, 0xFE][..], &[0xFE, 0xFF][..]] {
            let mut bytes = bom.to_vec();
            bytes.extend("14:32 hi\n".encode_utf16().flat_map(u16::to_le_bytes));
            let e = Lines::new(&bytes[..]).next_line().unwrap_err();
            assert_eq!(e.kind(), std::io::ErrorKind::InvalidData);
            assert!(e.to_string().contains("save it as UTF-8"), "{e}");
        }
    }

    fn all_lines(bytes: &[u8]) -> Vec<(u64, String)> {
        let mut lines = Lines::new(bytes);
        let mut out = Vec::new();
        while let Some(l) = lines.next_line().unwrap() {
            out.push(l);
        }
        out
    }

    #[test]
    fn reads_crlf_lf_and_a_bom() {
        let lines = all_lines(b"\xEF\xBB\xBFfirst\r\nsecond\nthird");
        assert_eq!(
            lines,
            vec![
                (1, "first".to_string()),
                (2, "second".to_string()),
                (3, "third".to_string())
            ]
        );
    }

    #[test]
    fn decodes_each_line_on_its_own() {
        let lines = all_lines("caf\u{e9} ok\nna\u{ef}ve\n".as_bytes());
        assert_eq!(lines[0].1, "café ok");
        // A cp1252 line inside a UTF-8 file: é is 0xE9, the euro sign 0x80.
        let lines = all_lines(b"utf8: caf\xC3\xA9\nlatin: caf\xE9 \x80 5\n");
        assert_eq!(lines[0].1, "utf8: café");
        assert_eq!(lines[1].1, "latin: café € 5");
    }

    #[test]
    fn strips_mirc_colours_and_styles() {
        assert_eq!(strip_formatting("\x0304,01red\x03 plain"), "red plain");
        assert_eq!(
            strip_formatting("\x02bold\x02 \x1Ditalic\x1D \x1Funder\x1F\x0F"),
            "bold italic under"
        );
        assert_eq!(strip_formatting("\x0312blue, 5 apples"), "blue, 5 apples");
        assert_eq!(strip_formatting("\x033,text"), ",text");
        assert_eq!(strip_formatting("\x04FF0000hex\x16rev"), "hexrev");
        assert_eq!(strip_formatting("tab\tkept"), "tab\tkept");
        assert!(matches!(
            strip_formatting("plain"),
            std::borrow::Cow::Borrowed(_)
        ));
    }
}
