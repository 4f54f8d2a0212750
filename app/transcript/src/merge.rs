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
    for c in author.unwrap_or("").chars().flat_map(char::to_lowercase) {
        h.write(c.encode_utf8(&mut [0; 4]).as_bytes());
    }
    h.write(&[0]);
    for (i, word) in text.split_whitespace().enumerate() {
        if i > 0 {
            h.write(b" ");
        }
        h.write(word.as_bytes());
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
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
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
