//! What reading one upload may take (`transcript::limits`): an archive over
//! its limits is refused naming the limit, whatever its shape (a small zip of
//! huge files, one that understates its sizes, a million files, a long list
//! of files, a tar header of megabytes), and a JSON document whose parsed
//! tree would be too large is a problem naming the limit. Exports within the
//! limits are read as before, a Zulip export whose realm comes last included.

mod support;

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

use support::fixture;
use transcript::formats::{Format, detect_path};
use transcript::limits::MAX_ARCHIVE_ENTRIES;
use transcript::read::{Options, archive_names, read_path};
use transcript::{Line, Problem};
use zip::write::SimpleFileOptions;

fn options(path: &Path, format: Format) -> Options {
    Options {
        format,
        zone: chrono_tz::UTC,
        date: chrono::NaiveDate::from_ymd_opt(2026, 3, 4),
        file_name: path.file_name().map(|n| n.to_string_lossy().into_owned()),
    }
}

type Read = (Vec<Line>, Vec<Problem>);

fn read(path: &Path, format: Format) -> std::io::Result<Read> {
    let mut out: Vec<Result<Line, Problem>> = Vec::new();
    read_path(path, &options(path, format), &mut out)?;
    let (lines, problems): (Vec<_>, Vec<_>) = out.into_iter().partition(Result::is_ok);
    Ok((
        lines.into_iter().map(Result::unwrap).collect(),
        problems.into_iter().map(|p| p.unwrap_err()).collect(),
    ))
}

/// The refusal of reading `path` as `format`.
fn refusal(path: &Path, format: Format) -> String {
    match read(path, format) {
        Ok((lines, problems)) => panic!(
            "{} was read: {} lines, problems {problems:?}",
            path.display(),
            lines.len()
        ),
        Err(e) => e.to_string(),
    }
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Writes `head`, then `unit` again and again, `size` bytes in all.
fn write_repeated(out: &mut impl Write, head: &[u8], unit: &[u8], size: u64) {
    out.write_all(head).unwrap();
    let block = unit.repeat((1 << 20) / unit.len());
    let mut left = size - head.len() as u64;
    while left > 0 {
        let n = left.min(block.len() as u64) as usize;
        out.write_all(&block[..n]).unwrap();
        left -= n as u64;
    }
}

/// A zip of `files` Zulip message files of `each` bytes (the start of one,
/// then blanks, which JSON allows): the first is deflated, the others are
/// copies of its compressed bytes.
fn zulip_bomb(files: usize, each: u64) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let deflated =
        SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("export/messages-000001.json", deflated)
        .unwrap();
    write_repeated(&mut zip, b"{\"zerver_message\":[", b" ", each);
    for i in 2..=files {
        zip.deep_copy_file(
            "export/messages-000001.json",
            &format!("export/messages-{i:06}.json"),
        )
        .unwrap();
    }
    zip.finish().unwrap().into_inner()
}

const INFLATED: &str = "its files come to more than 1024 MB uncompressed, the most Debrief reads from one archive; import the incident's channels and days in smaller archives";

/// The shape of the finding: 24 message files of 250 MB in a zip of a few
/// MB, which used to be held in memory until the archive's end (6.3 GB).
#[test]
fn a_small_zip_of_huge_message_files_is_refused_naming_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let bomb = zulip_bomb(24, 250 << 20);
    assert!(bomb.len() < 8 << 20, "a zip of {} bytes", bomb.len());
    let path = write(dir.path(), "export.zip", &bomb);
    assert_eq!(detect_path(&path, None).unwrap()[0].format, Format::Archive);
    assert_eq!(refusal(&path, Format::Archive), INFLATED);
}

/// Sets every file's uncompressed size in a zip's list of files to `size`.
fn understate(zip: &mut [u8], size: u32) {
    let end = zip.len() - 22;
    assert_eq!(&zip[end..end + 4], b"PK\x05\x06", "no comment, no zip64");
    let count = u16::from_le_bytes([zip[end + 10], zip[end + 11]]) as usize;
    let mut at = u32::from_le_bytes(zip[end + 16..end + 20].try_into().unwrap()) as usize;
    for _ in 0..count {
        assert_eq!(&zip[at..at + 4], b"PK\x01\x02");
        zip[at + 24..at + 28].copy_from_slice(&size.to_le_bytes());
        let length = |i: usize| u16::from_le_bytes([zip[at + i], zip[at + i + 1]]) as usize;
        at += 46 + length(28) + length(30) + length(32);
    }
}

/// A zip whose list says its files are small is counted as it inflates.
#[test]
fn a_zip_that_understates_its_sizes_is_refused_once_it_inflates_past_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let mut bomb = zulip_bomb(5, 250 << 20);
    understate(&mut bomb, 1000);
    let path = write(dir.path(), "export.zip", &bomb);
    assert_eq!(refusal(&path, Format::Archive), INFLATED);
}

#[test]
fn a_zip_of_more_files_than_the_limit_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for i in 0..=MAX_ARCHIVE_ENTRIES {
        zip.start_file(format!("{i}.log"), stored).unwrap();
    }
    let path = write(dir.path(), "many.zip", &zip.finish().unwrap().into_inner());
    let expected = "it holds more than 100000 files, the most Debrief reads from one archive; import the incident's channels and days in smaller archives";
    assert_eq!(refusal(&path, Format::Archive), expected);
    // Taken for a Slack export (its list cannot be read), it is refused too.
    assert_eq!(
        detect_path(&path, None).unwrap()[0].format,
        Format::SlackExport
    );
    assert_eq!(refusal(&path, Format::SlackExport), expected);
    assert_eq!(archive_names(&path).unwrap_err().to_string(), expected);
}

/// 520 files with names of 65,000 bytes: 34 MB of list, read whole by the
/// zip reader before any file.
#[test]
fn a_zip_whose_list_of_files_is_too_long_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for i in 0..520 {
        zip.start_file(format!("{i:05}{}.log", "x".repeat(65_000)), stored)
            .unwrap();
    }
    let path = write(dir.path(), "long.zip", &zip.finish().unwrap().into_inner());
    assert_eq!(
        refusal(&path, Format::Archive),
        "its list of files takes more than 32 MB, the most Debrief reads for one archive; import the incident's channels and days in smaller archives"
    );
}

fn tar_gz(
    path: &Path,
    build: impl FnOnce(&mut tar::Builder<flate2::write::GzEncoder<std::fs::File>>),
) {
    let gz = flate2::write::GzEncoder::new(
        std::fs::File::create(path).unwrap(),
        flate2::Compression::fast(),
    );
    let mut tar = tar::Builder::new(gz);
    build(&mut tar);
    tar.into_inner().unwrap().finish().unwrap();
}

fn tar_header(size: u64) -> tar::Header {
    let mut header = tar::Header::new_gnu();
    header.set_size(size);
    header.set_mode(0o644);
    header.set_cksum();
    header
}

/// The tar reader reads a long name whole: 2 MB of it is refused before.
#[test]
fn a_tar_header_over_the_limit_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("logs.tar.gz");
    tar_gz(&path, |tar| {
        let name = format!("{}.log", "x".repeat(2 << 20));
        let body = b"[14:32] <sam> hi\n";
        tar.append_data(&mut tar_header(body.len() as u64), name, &body[..])
            .unwrap();
    });
    assert_eq!(
        refusal(&path, Format::Archive),
        "a header in it (a long file name or extended attributes) takes more than 1024 KB, the most Debrief reads; pack the export again with plain file names"
    );
}

/// A tar's one file of 1 GB: its first 256 MB are read (and skipped, too
/// large), the rest inflated until the archive's limit.
#[test]
fn a_tar_that_inflates_past_the_limit_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("logs.tar.gz");
    tar_gz(&path, |tar| {
        let size = (1 << 30) + 1;
        let body = std::io::Read::take(std::io::repeat(b'x'), size);
        tar.append_data(&mut tar_header(size), "big.log", body)
            .unwrap();
    });
    assert_eq!(refusal(&path, Format::Archive), INFLATED);
}

#[test]
fn a_tar_of_more_entries_than_the_limit_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("many.tar.gz");
    tar_gz(&path, |tar| {
        for i in 0..=MAX_ARCHIVE_ENTRIES {
            let mut header = tar_header(0);
            header.set_entry_type(tar::EntryType::Directory);
            header.set_cksum();
            tar.append_data(&mut header, format!("d{i}/"), std::io::empty())
                .unwrap();
        }
    });
    assert!(refusal(&path, Format::Archive).starts_with("it holds more than 100000 files"),);
}

/// Many tiny values take some 700 bytes each once parsed: 8 MB of them
/// would take over 700 MB.
#[test]
fn a_json_export_whose_parsed_tree_is_too_large_is_a_problem_naming_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = Vec::new();
    write_repeated(
        &mut bytes,
        br#"{"guild":{"id":"1","name":"g"},"channel":{"id":"1","name":"ops"},"messages":["#,
        b"{\"a\":1},",
        8 << 20,
    );
    bytes.extend_from_slice(b"{}]}");
    let path = write(dir.path(), "ops.json", &bytes);
    let (lines, problems) = read(&path, Format::DiscordJson).unwrap();
    assert!(lines.is_empty());
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(
        problems[0].reason,
        "ops.json: reading it whole would take more than 512 MB of memory, the most Debrief gives one file; export it in parts (fewer days or channels in each file)"
    );
}

/// Message files before `realm.json` are read again once it is known,
/// rather than held: their names are resolved as before.
#[test]
fn a_zulip_export_zip_with_its_realm_last_resolves_names() {
    let dir = tempfile::tempdir().unwrap();
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, from) in [
        (
            "export/messages-000001.json",
            "zulip/export/messages-000001.json",
        ),
        ("export/attachment.json", "zulip/malformed.json"),
        ("export/realm.json", "zulip/export/realm.json"),
    ] {
        zip.start_file(name, SimpleFileOptions::default()).unwrap();
        zip.write_all(&std::fs::read(fixture(from)).unwrap())
            .unwrap();
    }
    let path = write(
        dir.path(),
        "export.zip",
        &zip.finish().unwrap().into_inner(),
    );
    let (lines, problems) = read(&path, Format::Archive).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(lines.len(), 7);
    let authors: Vec<&str> = lines.iter().filter_map(|l| l.author.as_deref()).collect();
    assert!(authors.contains(&"Sam Lee") && authors.contains(&"Kim Park"));
    assert!(
        !authors.iter().any(|a| a.starts_with("user ")),
        "{authors:?}"
    );
}
