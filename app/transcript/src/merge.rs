//! Several transcripts into one chronological review: ordered by instant, then
//! transcript, then line number (never by file order), with the same message
//! seen twice kept once and all its sources listed.

use crate::{Line, LineKind};

/// A stable 64-bit fingerprint of what makes two lines the same message: the
/// instant (to the second), the kind, the author (IRC nicks are
/// case-insensitive) and the text with its whitespace collapsed. Stored with
/// each line, so it must not change between versions (FNV-1a, not `Hash`).
pub fn fingerprint(at_seconds: i64, kind: LineKind, author: Option<&str>, text: &str) -> u64 {
    let mut h = Fnv::default();
    h.write(&at_seconds.to_le_bytes());
    h.write(kind.code().as_bytes());
    h.write(&[0]);
    let author = author.unwrap_or("");
    if author.is_ascii() {
        for b in author.bytes() {
            h.byte(b.to_ascii_lowercase());
        }
    } else {
        for c in author.chars().flat_map(char::to_lowercase) {
            h.write(c.encode_utf8(&mut [0; 4]).as_bytes());
        }
    }
    h.write(&[0]);
    if text.is_ascii() {
        // The same bytes as the words joined by one space, below, without
        // splitting: imports fingerprint every line.
        let mut space = false;
        let mut started = false;
        for b in text.bytes() {
            if matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ') {
                space = started;
            } else {
                if space {
                    h.byte(b' ');
                    space = false;
                }
                h.byte(b);
                started = true;
            }
        }
    } else {
        for (i, word) in text.split_whitespace().enumerate() {
            if i > 0 {
                h.write(b" ");
            }
            h.write(word.as_bytes());
        }
    }
    h.0
}

/// The fingerprint of a read line.
pub fn line_fingerprint(line: &Line) -> u64 {
    fingerprint(
        line.at.timestamp(),
        line.kind,
        line.author.as_deref(),
        &line.text,
    )
}

struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.byte(*b);
        }
    }
    fn byte(&mut self, b: u8) {
        self.0 ^= u64::from(b);
        self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
    }
}

/// Where a line was read: which transcript (by its position) and which line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Source {
    pub transcript: usize,
    pub line: u64,
}

/// One line of the review and every place it was read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Merged {
    pub line: Line,
    /// The first source is the one shown; the others are duplicates of it.
    pub sources: Vec<Source>,
}

/// Merges transcripts (each a list of lines in file order) into the review.
pub fn merge(transcripts: Vec<Vec<Line>>) -> Vec<Merged> {
    let mut all: Vec<(Source, Line)> = transcripts
        .into_iter()
        .enumerate()
        .flat_map(|(t, lines)| {
            lines.into_iter().map(move |line| {
                (
                    Source {
                        transcript: t,
                        line: line.line,
                    },
                    line,
                )
            })
        })
        .collect();
    all.sort_by(|a, b| a.1.at.cmp(&b.1.at).then(a.0.cmp(&b.0)));
    let mut out: Vec<Merged> = Vec::new();
    let mut seen: std::collections::HashMap<u64, usize> = std::collections::HashMap::new();
    for (source, line) in all {
        let fp = line_fingerprint(&line);
        match seen.get(&fp) {
            Some(&i) => out[i].sources.push(source),
            None => {
                seen.insert(fp, out.len());
                out.push(Merged {
                    line,
                    sources: vec![source],
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The definition the fast paths must agree with: the author lower-cased,
    /// the text's words joined by one space.
    fn reference(at: i64, kind: LineKind, author: &str, text: &str) -> u64 {
        let mut h = Fnv::default();
        h.write(&at.to_le_bytes());
        h.write(kind.code().as_bytes());
        h.write(&[0]);
        h.write(author.to_lowercase().as_bytes());
        h.write(&[0]);
        h.write(
            text.split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .as_bytes(),
        );
        h.0
    }

    #[test]
    fn ascii_lines_fingerprint_as_their_definition_says() {
        let texts = [
            "",
            "   ",
            "x",
            "checkout p99 is up",
            "  leading and trailing  ",
            "tabs\tand\r\nnew lines\x0bform\x0cfeed",
            "café crème, non-ASCII",
            "no\u{a0}break space",
        ];
        for author in ["", "Sam", "SAM_oncall", "Zoë"] {
            for text in texts {
                assert_eq!(
                    fingerprint(1_772_634_725, LineKind::Message, Some(author), text),
                    reference(1_772_634_725, LineKind::Message, author, text),
                    "{author:?} {text:?}"
                );
            }
        }
        assert_eq!(
            fingerprint(0, LineKind::Action, Some("sam"), "rolled  back"),
            fingerprint(0, LineKind::Action, Some("Sam"), " rolled back ")
        );
    }
}
