//! What every fuzz target does: read the input in one format through the same
//! path an upload takes (decoding, the format's reader, the clock that turns
//! stamps into instants), and detect it. A panic anywhere is a finding.

use chrono::NaiveDate;
use transcript::formats::{Format, detect};
use transcript::read::{Options, read_text};

/// Reads `data` as the format whose code is `code` (see `Format::code`).
pub fn read_as(code: &str, data: &[u8]) {
    let format = Format::parse(code).expect("a format code this version knows");
    let options = Options {
        format,
        zone: chrono_tz::Europe::Berlin,
        date: NaiveDate::from_ymd_opt(2026, 3, 4),
        file_name: Some("fuzz.log".into()),
    };
    let mut out = Vec::new();
    // Reading memory fails only on input refused as a whole (UTF-16).
    if let Err(e) = read_text(data, &options, &mut out) {
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidData, "{e}");
    }
}

/// Ranks the formats for `data`, as an upload's preview does.
pub fn detect_all(data: &[u8]) {
    detect(data, Some("fuzz.json"));
}

/// Reads `data` in the line format its first byte picks, on the rest.
pub fn read_line_format(data: &[u8]) {
    let line_formats: Vec<Format> = Format::ALL
        .into_iter()
        .filter(|f| f.is_line_based())
        .collect();
    if let Some((&first, rest)) = data.split_first() {
        read_as(
            line_formats[first as usize % line_formats.len()].code(),
            rest,
        );
    }
}

/// Reads `data` as one messages file of a Zulip organization export, with
/// names from the realm of the test fixtures (the path archives take).
pub fn read_zulip_export(data: &[u8]) {
    use std::sync::OnceLock;
    static REALM: OnceLock<transcript::formats::zulip::Realm> = OnceLock::new();
    let realm = REALM.get_or_init(|| {
        transcript::formats::zulip::read_realm(include_bytes!(
            "../../tests/fixtures/zulip/export/realm.json"
        ))
        .expect("the fixture realm reads")
    });
    transcript::formats::zulip::read_export_messages(data, "fuzz", Some(realm), &mut |_| {});
    let _ = transcript::formats::zulip::read_realm(data);
}

/// A file's name, as an upload or an archive gives it (its first line), and
/// its content (the rest): detection, the date and the channel read from the
/// name.
pub fn file_name(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (name, body) = text.split_once('\n').unwrap_or((&text, ""));
    let _ = transcript::clock::date_from_file_name(name);
    let _ = transcript::read::channel_from_file_name(name);
    detect(body.as_bytes(), Some(name));
}
