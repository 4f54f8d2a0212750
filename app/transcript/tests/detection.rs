//! Detection from content: a sample of every format, old and new layouts,
//! is detected as itself; a text that is none of them is reported as not
//! recognised with the best guesses; archives of several exports become one
//! transcript per channel.

use std::io::Write;
use std::path::{Path, PathBuf};

use transcript::formats::{Format, detect, detect_path, recognised};
use transcript::read::{Options, read_path};
use transcript::{Line, Problem};

fn fixture(path: &str) -> PathBuf {
    std::path::PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
    )
    .join("tests/fixtures")
    .join(path)
}

/// Detection without the file's name: content alone.
fn detected(path: &str) -> (Format, f32) {
    let bytes = std::fs::read(fixture(path)).unwrap();
    let head = &bytes[..bytes.len().min(64 * 1024)];
    let ranked = detect(head, None);
    assert!(recognised(&ranked), "{path}: {ranked:?}");
    (ranked[0].format, ranked[0].confidence)
}

#[test]
fn every_format_is_detected_from_content_alone() {
    let table = [
        ("irc/irssi-#ops.log", Format::Irssi),
        ("irc/irc.libera.#ops.weechatlog", Format::Weechat),
        ("irc/znc_2026-03-04.log", Format::Znc),
        ("irc/hexchat-#ops.log", Format::Hexchat),
        ("irc/mirc-#ops.log", Format::Mirc),
        ("irc/textual-ops.txt", Format::Textual),
        ("irc/limnoria-#ops.log", Format::Limnoria),
        ("irc/irc-#ops.log", Format::IrcBracket),
        ("slack/ops/2026-03-04.json", Format::SlackExport),
        ("text/slack-paste.txt", Format::SlackPaste),
        ("text/plain.txt", Format::Plain),
        ("text/chat.csv", Format::Csv),
        ("discord/incident-412.json", Format::DiscordJson),
        ("discord/incident-412 [part 2].json", Format::DiscordJson),
        ("discord/incident-412.csv", Format::DiscordCsv),
        ("discord/incident-412-2022.csv", Format::DiscordCsv),
        ("discord/incident-412.txt", Format::DiscordTxt),
        ("discord/incident-412-2022.txt", Format::DiscordTxt),
        ("matrix/element-export.json", Format::MatrixJson),
        ("matrix/element-export.txt", Format::MatrixText),
        ("matrix/element-export-2022.txt", Format::MatrixText),
        ("matrix/element-export-2021.txt", Format::MatrixText),
        (
            "google_chat/Groups/Incident checkout/messages.json",
            Format::GoogleChat,
        ),
        ("mattermost/incident-4711.jsonl", Format::Mattermost),
        ("teams/channel-messages.json", Format::Teams),
        ("teams/powershell-export.json", Format::Teams),
        ("teams/messages.json", Format::Teams),
        ("zulip/export/messages-000001.json", Format::Zulip),
        ("zulip/api-messages.json", Format::Zulip),
    ];
    let mut wrong = Vec::new();
    for (path, expected) in table {
        let (format, confidence) = detected(path);
        if format != expected {
            wrong.push(format!(
                "{path}: {format:?} ({confidence:.2}), not {expected:?}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn a_text_that_is_no_format_is_not_recognised_and_says_its_best_guesses() {
    let text = "Dear team,\nthe retrospective is on Thursday.\nPlease bring your notes.\n\
                Agenda: timeline, what surprised us, what went well.\n";
    let ranked = detect(text.as_bytes(), None);
    assert!(!recognised(&ranked), "{ranked:?}");
    assert!(ranked.iter().all(|d| d.confidence < 0.5));
    // JSON of another shape is not taken for a chat export either.
    let ranked = detect(br#"{"name": "debrief", "version": "1.0.0"}"#, None);
    assert!(!recognised(&ranked), "{ranked:?}");
}

fn read_all(path: &Path, format: Format) -> (Vec<Line>, Vec<Problem>) {
    let options = Options {
        format,
        zone: chrono_tz::Europe::Paris,
        date: chrono::NaiveDate::from_ymd_opt(2026, 3, 4),
        file_name: path.file_name().map(|n| n.to_string_lossy().into_owned()),
    };
    let mut out: Vec<Result<Line, Problem>> = Vec::new();
    read_path(path, &options, &mut out).unwrap();
    let (lines, problems): (Vec<_>, Vec<_>) = out.into_iter().partition(Result::is_ok);
    (
        lines.into_iter().map(Result::unwrap).collect(),
        problems.into_iter().map(|p| p.unwrap_err()).collect(),
    )
}

/// Files of several exports, as an archive would hold them.
fn archive_members() -> Vec<(String, Vec<u8>)> {
    [
        ("discord/incident-412.json", "discord/incident-412.json"),
        ("element/element-export.json", "matrix/element-export.json"),
        (
            "Takeout/Google Chat/Groups/Incident checkout/messages.json",
            "google_chat/Groups/Incident checkout/messages.json",
        ),
        ("irc/#db_20260304.log", "irc/irc-#ops.log"),
    ]
    .into_iter()
    .map(|(name, from)| (name.to_string(), std::fs::read(fixture(from)).unwrap()))
    .chain([(
        "notes/README.txt".to_string(),
        b"Dear team,\nthe review is on Thursday.\n".to_vec(),
    )])
    .collect()
}

/// Writes `members` (name, bytes) into a gzipped tar at `path`, in order.
fn write_tar_gz(path: &Path, members: impl IntoIterator<Item = (String, Vec<u8>)>) {
    let gz = flate2::write::GzEncoder::new(
        std::fs::File::create(path).unwrap(),
        flate2::Compression::fast(),
    );
    let mut tar = tar::Builder::new(gz);
    for (name, bytes) in members {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append_data(&mut header, name, &bytes[..]).unwrap();
    }
    tar.into_inner().unwrap().finish().unwrap();
}

fn check_archive(path: &Path) {
    let ranked = detect_path(path, None).unwrap();
    assert_eq!(ranked[0].format, Format::Archive, "{ranked:?}");
    let (lines, problems) = read_all(path, Format::Archive);
    let mut channels: Vec<String> = lines.iter().filter_map(|l| l.channel.clone()).collect();
    channels.sort();
    channels.dedup();
    assert_eq!(lines.iter().filter(|l| l.channel.is_none()).count(), 0);
    for expected in ["#db", "Incident checkout"] {
        assert!(
            channels.iter().any(|c| c == expected),
            "{expected} in {channels:?}"
        );
    }
    assert!(
        channels.len() >= 4,
        "one channel per export at least: {channels:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.reason.starts_with("notes/README.txt: not")
                && p.reason.ends_with("skipped")),
        "{problems:?}"
    );
}

#[test]
fn a_zip_of_several_exports_reads_each_in_its_own_format() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("exports.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    for (name, bytes) in archive_members() {
        zip.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(&bytes).unwrap();
    }
    zip.finish().unwrap();
    check_archive(&path);
}

#[test]
fn a_gzipped_tar_of_several_exports_reads_each_in_its_own_format() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("exports.tar.gz");
    write_tar_gz(&path, archive_members());
    check_archive(&path);
}

/// A Zulip organization export as its tarball holds it: messages files that
/// name users and streams by id, `realm.json` after them, and files without
/// messages.
#[test]
fn a_zulip_export_tarball_resolves_names_through_its_realm_wherever_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("zulip-export-sre.tar.gz");
    let members = [
        (
            "zulip-export-sre/messages-000001.json",
            std::fs::read(fixture("zulip/export/messages-000001.json")).unwrap(),
        ),
        (
            "zulip-export-sre/avatars/records.json",
            b"[{\"path\": \"2/abc.png\"}]".to_vec(),
        ),
        (
            "zulip-export-sre/attachment.json",
            b"{\"zerver_attachment\": []}".to_vec(),
        ),
        (
            "zulip-export-sre/realm.json",
            std::fs::read(fixture("zulip/export/realm.json")).unwrap(),
        ),
    ];
    write_tar_gz(
        &path,
        members.map(|(name, bytes)| (name.to_string(), bytes)),
    );

    assert_eq!(detect_path(&path, None).unwrap()[0].format, Format::Archive);
    let (lines, problems) = read_all(&path, Format::Archive);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(lines.len(), 7);
    let mut channels: Vec<&str> = lines.iter().filter_map(|l| l.channel.as_deref()).collect();
    channels.sort();
    channels.dedup();
    assert_eq!(
        channels,
        [
            "#ops > checkout latency",
            "#ops > follow-ups",
            "@Grafana, @Kim Park, @Sam Lee",
            "@Kim Park, @Sam Lee"
        ]
    );
    let authors: Vec<&str> = lines.iter().filter_map(|l| l.author.as_deref()).collect();
    assert!(authors.contains(&"Sam Lee") && authors.contains(&"Kim Park"));
    assert!(
        !authors.iter().any(|a| a.starts_with("user ")),
        "{authors:?}"
    );
}

/// Reports pasted whole: a title, a summary and lessons around a timeline.
/// Their prose does not count against plain text, only lines that look timed
/// and are not read.
#[test]
fn reports_of_prose_and_timed_lines_are_plain_text() {
    for name in [
        "access-revoked.txt",
        "checkout-ranges.txt",
        "deploy-sync.txt",
        "logins-irc.txt",
        "queue-backlog.txt",
        "retry-storm.txt",
        "router-flap.txt",
        "runbook-history.txt",
    ] {
        let (format, confidence) = detected(&format!("reports/{name}"));
        assert_eq!(format, Format::Plain, "{name} ({confidence:.2})");
    }
    // A chat log pasted between paragraphs: plain text reads its lines too,
    // and keeps the paragraphs as narrative.
    for log in [
        "[14:32] <sam> checkout p99 is up\n[14:33] <kim> looking\n[14:35] <sam> rolling back\n",
        "14:32 <@sam> checkout p99 is up\n14:33 <kim> looking\n14:35 <@sam> rolling back\n",
    ] {
        let report = format!(
            "Checkout incident, 4 March\n\nWe paged the database team after the alert.\n\
             The chat, from my client:\n{log}\nWhat we learned\n\
             The pool size needs an alert.\nAnd the runbook a page on it.\n"
        );
        let ranked = detect(report.as_bytes(), None);
        assert!(recognised(&ranked), "{ranked:?}");
        assert_eq!(ranked[0].format, Format::Plain, "{report}\n{ranked:?}");
    }
}

#[test]
fn prose_with_a_time_or_two_is_not_a_log() {
    let text = "Dear team,\n14:00 on Thursday is the retrospective.\nPlease bring your notes.\n\
                Agenda: timeline, what surprised us, what went well.\nRoom 2.\n";
    let ranked = detect(text.as_bytes(), None);
    assert!(!recognised(&ranked), "{ranked:?}");
}

/// The specific formats keep their files when a line or two of prose comes
/// with them: they read at least as many lines as plain text reads with
/// times, and hardly any they cannot.
#[test]
fn a_log_with_a_title_line_is_still_its_own_format() {
    for (path, format) in [
        ("irc/irc-#ops.log", Format::IrcBracket),
        ("irc/irssi-#ops.log", Format::Irssi),
        ("irc/hexchat-#ops.log", Format::Hexchat),
        ("text/slack-paste.txt", Format::SlackPaste),
    ] {
        let log = std::fs::read(fixture(path)).unwrap();
        let titled = [b"The #ops log of incident 412\n".as_slice(), &log].concat();
        for text in [log, titled] {
            let ranked = detect(&text, None);
            assert_eq!(ranked[0].format, format, "{path}: {ranked:?}");
        }
    }
}
