//! No input makes a reader panic: every fixture, read in every format, cut
//! at every length and mutated by a fixed, seeded set of edits, gives lines
//! and problems, never a crash. A deterministic, bounded cousin of the fuzz
//! targets in `fuzz/` (which need libFuzzer and run from `scripts/fuzz`): it
//! runs in the test suite on the stable toolchain, so a parser change that
//! panics on a cut or garbled export fails CI.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use transcript::formats::{Format, detect};
use transcript::read::{Options, read_text};
use transcript::{Line, Problem};

/// Edits per fixture, each read in every format.
const MUTATIONS: u64 = 200;

/// Fixtures are cut at every length up to this many bytes.
const CUT_EVERY_BYTE: usize = 512;

fn fixtures() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().flatten().collect();
        entries.sort_by_key(|e| e.path());
        for entry in entries {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(
        &std::path::PathBuf::from(
            std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
        )
        .join("tests/fixtures"),
        &mut out,
    );
    out
}

/// The formats read from bytes (an archive needs a file on disk; its files
/// are read by these same readers).
fn formats() -> impl Iterator<Item = Format> {
    Format::ALL.into_iter().filter(|f| *f != Format::Archive)
}

fn read(format: Format, bytes: &[u8]) -> Vec<Result<Line, Problem>> {
    let options = Options {
        format,
        zone: chrono_tz::Europe::Berlin,
        date: NaiveDate::from_ymd_opt(2026, 3, 4),
        file_name: Some("fuzz.log".into()),
    };
    let mut out = Vec::new();
    // Reading memory fails only on input refused as a whole (UTF-16).
    if let Err(e) = read_text(bytes, &options, &mut out) {
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidData, "{e}");
    }
    out
}

/// Detects `bytes` and reads them in every format; a panic fails the test
/// naming the fixture, the format and the edit.
fn survive(fixture: &Path, edit: &str, bytes: &[u8]) {
    let name = fixture.file_name().and_then(|n| n.to_str());
    if catch_unwind(AssertUnwindSafe(|| detect(bytes, name))).is_err() {
        panic!("detecting {} panicked after {edit}", fixture.display());
    }
    for format in formats() {
        if catch_unwind(AssertUnwindSafe(|| read(format, bytes))).is_err() {
            panic!(
                "{} read as {} panicked after {edit}",
                fixture.display(),
                format.code()
            );
        }
    }
}

/// A small deterministic generator (xorshift64*): the same edits every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Bytes that matter to the formats' syntax, and multi-byte text.
const TOKENS: &[&[u8]] = &[
    b"\"",
    b"{",
    b"}",
    b"[",
    b"]",
    b",",
    b":",
    b"\n",
    b"\r\n",
    b"\t",
    b"<",
    b">",
    b"&amp;",
    b"\\",
    b"\\u00",
    b"null",
    b"-1",
    b"1e999",
    b"99999999999999999999",
    b"\xff\xfe",
    b"\xe2\x80\xaf",
    "\u{1F525}".as_bytes(),
    b"<@",
    b"<#",
    b"[part ",
    b"AM",
    b"PM",
    b"0",
    b"\0",
];

fn mutate(rng: &mut Rng, source: &[u8]) -> (String, Vec<u8>) {
    let mut bytes = source.to_vec();
    let at = rng.below(bytes.len() + 1);
    let edit = match rng.below(5) {
        0 => {
            let token = TOKENS[rng.below(TOKENS.len())];
            bytes.splice(at..at, token.iter().copied());
            format!(
                "inserting {:?} at byte {at}",
                String::from_utf8_lossy(token)
            )
        }
        1 => {
            let end = (at + 1 + rng.below(64)).min(bytes.len());
            bytes.drain(at.min(end)..end);
            format!("deleting bytes {at}..{end}")
        }
        2 => {
            if let Some(b) = bytes.get_mut(at) {
                *b ^= 1 << rng.below(8);
            }
            format!("flipping a bit at byte {at}")
        }
        3 => {
            let end = (at + 1 + rng.below(256)).min(bytes.len());
            let copy = bytes[at.min(end)..end].to_vec();
            bytes.splice(at.min(end)..at.min(end), copy);
            format!("repeating bytes {at}..{end}")
        }
        _ => {
            let digit = b'0' + rng.below(10) as u8;
            if let Some(pos) = bytes[at.min(bytes.len())..]
                .iter()
                .position(u8::is_ascii_digit)
            {
                bytes[at + pos] = digit;
            }
            format!(
                "changing the first digit from byte {at} to {}",
                digit as char
            )
        }
    };
    (edit, bytes)
}

#[test]
fn every_reader_survives_every_cut_of_every_fixture() {
    for fixture in fixtures() {
        let bytes = std::fs::read(&fixture).unwrap();
        // Every length up to CUT_EVERY_BYTE, then every 61st: the cuts land
        // inside strings, numbers, escapes and multi-byte characters.
        let cuts =
            (0..bytes.len().min(CUT_EVERY_BYTE)).chain((CUT_EVERY_BYTE..bytes.len()).step_by(61));
        for cut in cuts {
            survive(&fixture, &format!("cutting at byte {cut}"), &bytes[..cut]);
        }
    }
}

#[test]
fn every_reader_survives_garbled_fixtures() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for fixture in fixtures() {
        let bytes = std::fs::read(&fixture).unwrap();
        for _ in 0..MUTATIONS {
            let (edit, garbled) = mutate(&mut rng, &bytes);
            survive(&fixture, &edit, &garbled);
        }
    }
}

#[test]
fn garbling_actually_changes_the_input() {
    // The edits above would prove nothing if they left the bytes as they were.
    let mut rng = Rng(1);
    let source = b"[2026-03-04 14:32] <sam> checkout p99 is 2.4s";
    let changed = (0..100)
        .filter(|_| mutate(&mut rng, source).1 != source)
        .count();
    assert!(
        changed > 80,
        "only {changed} of 100 edits changed the input"
    );
}
