//! The bad-input corpus: well over a hundred malformed, oversized, hostile or
//! out-of-range inputs across uploads, forms and API calls, each sent to the
//! real server with the answer it must get (the status and words that say
//! what is wrong), and each refusal checked to have changed nothing.
//!
//! Each case is a test of its own (one failure hides none of the others;
//! `cargo test bad_input::timeline::` runs one feature), and the cases of a
//! feature share one server, taking turns.

use crate::common;

use std::io::Write;

use common::{Client, Server, incident_form};
use serde_json::Value;

/// Who sends a request.
#[derive(Clone, Copy, Debug)]
enum Who {
    Editor,
    Admin,
    Viewer,
    Anonymous,
}

/// What is sent.
enum Req {
    /// A form post (as a script sends it) to a server function or route.
    Form(String, Vec<(String, String)>),
    /// A raw body with a content type.
    Raw(String, &'static str, Vec<u8>),
    Get(String),
    /// A multipart post of files (field `file`) to a route.
    Files(String, Vec<(String, Vec<u8>)>),
    /// A file staged for incident #1, then previewed (false) or imported
    /// (true) with extra fields.
    Transcript(String, Vec<u8>, bool, Vec<(String, String)>),
    /// Incident #1's export, changed, uploaded for restore.
    Restore(fn(&mut Value)),
}

struct Case {
    id: &'static str,
    who: Who,
    req: Req,
    status: u16,
    /// Words the answer must hold.
    says: Vec<String>,
}

fn case(id: &'static str, req: Req, status: u16, says: &[&str]) -> Case {
    Case {
        id,
        who: Who::Editor,
        req,
        status,
        says: says.iter().map(|s| s.to_string()).collect(),
    }
}

fn as_who(mut c: Case, who: Who) -> Case {
    c.who = who;
    c
}

fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn form(path: &str, pairs: &[(&str, &str)]) -> Req {
    Req::Form(path.into(), fields(pairs))
}

/// The valid incident form with some fields replaced.
fn incident(path: &str, changes: &[(&str, &str)]) -> Req {
    let mut pairs = fields(&incident_form("Checkout latency", "outage", "checkout"));
    for (k, v) in changes {
        pairs.retain(|(key, _)| key != k);
        pairs.push((k.to_string(), v.to_string()));
    }
    Req::Form(path.into(), pairs)
}

fn create(changes: &[(&str, &str)]) -> Req {
    incident("/api/incidents/create", changes)
}

fn update(changes: &[(&str, &str)]) -> Req {
    let mut all = vec![("number", "1"), ("version", "1")];
    all.extend_from_slice(changes);
    incident("/api/incidents/update", &all)
}

/// A countermeasure form with some fields replaced.
fn measure(changes: &[(&str, &str)]) -> Req {
    let mut pairs = fields(&[
        ("form[title]", "Alert on checkout p99 sooner"),
        (
            "form[description]",
            "What responders knew: the alert fired late.",
        ),
        ("form[kind]", "detect_sooner"),
        ("form[priority]", "high"),
        ("form[owner]", "Robin"),
        ("form[due]", ""),
        ("form[status]", "proposed"),
        ("form[incidents]", "1"),
        ("confirm_new", "yes"),
    ]);
    for (k, v) in changes {
        pairs.retain(|(key, _)| key != k);
        pairs.push((k.to_string(), v.to_string()));
    }
    Req::Form("/api/countermeasures/create".into(), pairs)
}

/// An event edit of the seeded event, with some fields replaced.
fn event_edit(changes: &[(&str, &str)]) -> Req {
    let mut pairs = fields(&[
        ("number", "1"),
        ("id", "{event}"),
        ("version", "1"),
        ("form[at]", "2026-03-04 14:20:30"),
        ("form[kind]", "action"),
        ("form[actor]", "Ana"),
        ("form[body]", "restarted the cache nodes"),
        ("form[evidence_url]", ""),
    ]);
    for (k, v) in changes {
        pairs.retain(|(key, _)| key != k);
        pairs.push((k.to_string(), v.to_string()));
    }
    Req::Form("/api/timeline/update".into(), pairs)
}

fn quick(line: &str) -> Req {
    form(
        "/api/timeline/quick_add",
        &[("number", "1"), ("line", line)],
    )
}

fn review(changes: &[(&str, &str)]) -> Req {
    let mut all = fields(&[("number", "1"), ("version", "0")]);
    for (k, v) in changes {
        all.retain(|(key, _)| key != k);
        all.push((k.to_string(), v.to_string()));
    }
    Req::Form("/api/review/save".into(), all)
}

fn preview(name: &str, bytes: &[u8], extra: &[(&str, &str)]) -> Req {
    Req::Transcript(name.into(), bytes.to_vec(), false, fields(extra))
}

fn import(name: &str, bytes: &[u8], extra: &[(&str, &str)]) -> Req {
    Req::Transcript(name.into(), bytes.to_vec(), true, fields(extra))
}

fn files(path: &str, list: &[(&str, &[u8])]) -> Req {
    Req::Files(
        path.into(),
        list.iter()
            .map(|(n, b)| (n.to_string(), b.to_vec()))
            .collect(),
    )
}

fn admin_form(path: &str, pairs: &[(&str, &str)]) -> Req {
    form(path, pairs)
}

/// An account to create, with a good password.
fn new_user(login: &str, display_name: &str, role: &str) -> Req {
    form(
        "/api/admin/create_user",
        &[
            ("form[login]", login),
            ("form[display_name]", display_name),
            ("form[role]", role),
            ("form[password]", common::PASSWORD),
            ("form[password_confirm]", common::PASSWORD),
        ],
    )
}

fn long(n: usize) -> String {
    "x".repeat(n)
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\0\0\0\0IEND\xaeB`\x82";
const OPS: &str = "[14:04] <alertbot> PROBLEM: checkout p99 above 2s\n[14:05] <sam> looking at the dashboard now\n";

/// A zip holding one entry.
fn zip_of(name: &str, bytes: &[u8]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    writer.start_file(name, options).unwrap();
    writer.write_all(bytes).unwrap();
    writer.finish().unwrap().into_inner()
}

/// A zip whose one entry inflates to 300 MB of zeros (about 300 KB).
fn zip_bomb() -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    writer.start_file("big.log", options).unwrap();
    let block = vec![0u8; 1 << 20];
    for _ in 0..300 {
        writer.write_all(&block).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

/// A gzipped tar holding one log, cut in the middle.
fn cut_tar_gz() -> Vec<u8> {
    let mut tar = tar::Builder::new(Vec::new());
    let body = OPS.repeat(2_000);
    let mut header = tar::Header::new_gnu();
    header.set_size(body.len() as u64);
    header.set_mode(0o644);
    header.set_cksum();
    tar.append_data(&mut header, "ops.log", body.as_bytes())
        .unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&tar.into_inner().unwrap()).unwrap();
    let whole = gz.finish().unwrap();
    whole[..whole.len() / 2].to_vec()
}

fn set_new_incident_id(archive: &mut Value) {
    let new_id = "00000000-0000-4000-8000-00000000abcd";
    let old = archive["tables"]["incidents"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let text = serde_json::to_string(archive)
        .unwrap()
        .replace(&old, new_id);
    *archive = serde_json::from_str(&text).unwrap();
    // Events get new ids too (ids are unique across incidents).
    if let Some(events) = archive["tables"]["timeline_events"].as_array_mut() {
        for (i, e) in events.iter_mut().enumerate() {
            let id = format!("00000000-0000-4000-8000-0000000e{i:04}");
            e["id"] = Value::from(id);
        }
    }
    archive["tables"]["event_lines"] = Value::Array(vec![]);
}

fn cases() -> Vec<Case> {
    use Who::*;
    let t201 = long(201);
    let t101 = long(101);
    let e201: String = "é".repeat(201);
    let services21: String = (0..21)
        .map(|i| format!("s{i}"))
        .collect::<Vec<_>>()
        .join(",");
    let s65 = "s".repeat(65);
    let summary = long(100_001);
    let note = long(2_001);
    let big_body = long(3 * 1024 * 1024);
    let line_20k = format!("14:32 {}", long(20_000));
    let actor = format!("14:32 @{} saw it", "a".repeat(201));
    let body_bytes = format!("14:32 {}", "é".repeat(10_001));
    let evidence = format!("https://e.x/{}", long(1_990));
    let ticket = format!("https://{}", long(493));
    let incidents51: String = (1..=51)
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let pm_long = long(200_001);
    let attendees51: String = (0..51)
        .map(|i| format!("Person {i}"))
        .collect::<Vec<_>>()
        .join("\n");
    let location = long(501);
    let channel81 = format!("#{}", long(80));
    let rules201: String = (0..201).map(|i| format!("word{i} | why | ask\n")).collect();
    let rule_part = format!("{} | why | ask", "a".repeat(301));
    let login65 = "a".repeat(65);
    let url501 = format!("https://h.example/{}", "a".repeat(490));
    let secret201 = "s".repeat(201);
    let pw1025 = "p".repeat(1025);
    let huge_line = format!("14:32 sam: {}\n", long(70_000));
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(
            "14:32 sam: first\r\n"
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        )
        .collect();
    let name300 = format!("{}.log", "n".repeat(300));
    let mut latin1 = b"14:32 sam: caf".to_vec();
    latin1.extend_from_slice(b"\xe9 \x80 5\n");

    vec![
        // ---- The incident form ----
        case(
            "INC-01 empty title",
            create(&[("form[title]", "   ")]),
            400,
            &["Give the incident a title"],
        ),
        case(
            "INC-02 title too long",
            create(&[("form[title]", &t201)]),
            400,
            &["The title is 201 characters; the limit is 200."],
        ),
        case(
            "INC-03 title limit counts characters",
            create(&[("form[title]", &e201)]),
            400,
            &["201 characters; the limit is 200"],
        ),
        case(
            "INC-04 no severity",
            create(&[("form[severity]", "")]),
            400,
            &["Choose a severity (blip, degradation, outage)."],
        ),
        case(
            "INC-05 unknown severity",
            create(&[("form[severity]", "catastrophic")]),
            400,
            &["is not a severity; choose one of: blip, degradation, outage."],
        ),
        case(
            "INC-06 severity is case-sensitive",
            create(&[("form[severity]", "Outage")]),
            400,
            &["is not a severity"],
        ),
        case(
            "INC-07 no status",
            create(&[("form[status]", "")]),
            400,
            &["Choose a status"],
        ),
        case(
            "INC-08 unknown status",
            create(&[("form[status]", "closed")]),
            400,
            &["is not a status; choose one of"],
        ),
        case(
            "INC-09 unknown detection method",
            create(&[("form[detection_method]", "pager")]),
            400,
            &["is not a detection method"],
        ),
        case(
            "INC-10 service name too long",
            create(&[("form[services]", &s65)]),
            400,
            &["is longer than 64 characters."],
        ),
        case(
            "INC-11 too many services",
            create(&[("form[services]", &services21)]),
            400,
            &["21 services listed; the limit is 20."],
        ),
        case(
            "INC-12 control character in a service",
            create(&[("form[services]", "check\u{7}out")]),
            400,
            &["Service names cannot contain control characters."],
        ),
        case(
            "INC-12b line break in the title",
            create(&[("form[title]", "Checkout\nlatency\u{0}")]),
            400,
            &["The title is one line: remove the line breaks and control characters."],
        ),
        case(
            "INC-13 commander too long",
            create(&[("form[commander]", &t101)]),
            400,
            &["The incident commander is 101 characters; the limit is 100."],
        ),
        case(
            "INC-14 facilitator too long",
            create(&[("form[facilitator]", &t101)]),
            400,
            &["The review facilitator is 101 characters; the limit is 100."],
        ),
        case(
            "INC-15 summary too large",
            create(&[("form[summary]", &summary)]),
            400,
            &["The summary is 100001 bytes; the limit is 100000 bytes"],
        ),
        case(
            "INC-16 request over the body limit",
            create(&[("form[summary]", &big_body)]),
            413,
            &["The request is too large: the limit is 2 MB."],
        ),
        case(
            "INC-17 unknown first Cynefin reading",
            create(&[("form[cynefin_first]", "simple")]),
            400,
            &["is not a first-reading Cynefin domain"],
        ),
        case(
            "INC-18 unknown hindsight Cynefin reading",
            create(&[("form[cynefin_hindsight]", "obvious")]),
            400,
            &["is not a hindsight Cynefin domain"],
        ),
        case(
            "INC-19 Cynefin note too long",
            create(&[("form[cynefin_first_note]", &note)]),
            400,
            &["The note is 2001 characters; the limit is 2000."],
        ),
        case(
            "INC-20 unknown time zone",
            create(&[("form[time_zone]", "Mars/Olympus")]),
            400,
            &["is not a known IANA time zone"],
        ),
        case(
            "INC-21 unreadable time",
            create(&[("form[impact_started][at]", "ten past two")]),
            400,
            &["is not a time Debrief can read; write it as YYYY-MM-DD HH:MM"],
        ),
        case(
            "INC-22 impossible date",
            create(&[("form[detected][at]", "2026-02-30 14:06")]),
            400,
            &["is not a time Debrief can read"],
        ),
        case(
            "INC-23 hour out of range",
            create(&[("form[detected][at]", "2026-03-04 25:06")]),
            400,
            &["is not a time Debrief can read"],
        ),
        case(
            "INC-24 month out of range",
            create(&[("form[detected][at]", "2026-13-04 14:06")]),
            400,
            &["is not a time Debrief can read"],
        ),
        case(
            "INC-25 offset out of range",
            create(&[("form[detected][at]", "2026-03-04T14:06:00+25:00")]),
            400,
            &["is not a time Debrief can read"],
        ),
        case(
            "INC-26 time in a DST gap",
            create(&[("form[repaired][at]", "2026-03-29 02:30")]),
            400,
            &["does not exist in Europe/Paris (clocks went forward over it)"],
        ),
        case(
            "INC-27 time repeated by DST",
            create(&[("form[repaired][at]", "2026-10-25 02:30")]),
            400,
            &["happens twice in Europe/Paris (clocks went back)"],
        ),
        case(
            "INC-28 moments out of order",
            create(&[("form[detected][at]", "2026-03-04 13:59")]),
            400,
            &["key moments must be in order"],
        ),
        case(
            "INC-29 estimate without a time",
            create(&[("form[resolved][estimated]", "on")]),
            400,
            &["is marked as an estimate but has no time"],
        ),
        case(
            "INC-30 every error at once",
            create(&[
                ("form[title]", ""),
                ("form[severity]", "x"),
                ("form[time_zone]", "Nowhere/None"),
            ]),
            400,
            &[
                "\"field\":\"title\"",
                "\"field\":\"severity\"",
                "\"field\":\"time_zone\"",
            ],
        ),
        case(
            "INC-31 year typed as 0202",
            create(&[("form[impact_started][at]", "0202-03-04 14:00")]),
            400,
            &["outside the years Debrief accepts (1970 to 2199)"],
        ),
        case(
            "INC-32 year far in the future",
            create(&[("form[impact_started][at]", "+262142-12-31 10:00")]),
            400,
            &["Impact started"],
        ),
        case(
            "INC-33 year 20266",
            create(&[("form[repaired][at]", "20266-03-04 15:35")]),
            400,
            &["Repaired"],
        ),
        case(
            "INC-34 the same field twice",
            Req::Raw(
                "/api/incidents/create".into(),
                "application/x-www-form-urlencoded",
                b"form[title]=a&form[title]=b".to_vec(),
            ),
            400,
            &["Transport"],
        ),
        case(
            "INC-35 invalid UTF-8 in the body",
            Req::Raw(
                "/api/incidents/create".into(),
                "application/x-www-form-urlencoded",
                b"form[title]=\xff\xfe".to_vec(),
            ),
            400,
            &["Transport"],
        ),
        case(
            "INC-36 update of a non-number",
            update(&[("number", "abc")]),
            404,
            &["NotFound", "abc"],
        ),
        case(
            "INC-37 update of incident 0",
            update(&[("number", "0")]),
            404,
            &["NotFound"],
        ),
        case(
            "INC-38 update of an overflowing number",
            update(&[("number", "99999999999999999999")]),
            404,
            &["NotFound"],
        ),
        case(
            "INC-39 update of a missing incident",
            update(&[("number", "99")]),
            404,
            &["Incident #99"],
        ),
        case(
            "INC-40 update without a version",
            update(&[("version", "")]),
            400,
            &["The form is missing the version it was based on"],
        ),
        case(
            "INC-41 update with a non-number version",
            update(&[("version", "abc")]),
            400,
            &["The form is missing the version it was based on"],
        ),
        case(
            "INC-42 update of a stale version",
            update(&[("version", "7")]),
            409,
            &["\"Conflict\":{\"what\":\"incident\",\"current_version\":1"],
        ),
        case(
            "INC-43 get of a non-number",
            form("/api/incidents/get", &[("number", "abc")]),
            404,
            &["NotFound"],
        ),
        case(
            "INC-44 list page that is not a number",
            form(
                "/api/incidents/list",
                &[
                    ("query[sort]", "start"),
                    ("query[descending]", "true"),
                    ("query[page]", "-1"),
                ],
            ),
            400,
            &["Transport"],
        ),
        // ---- Timeline and quick entry ----
        case("TL-01 empty line", quick(""), 400, &["Type a line such as"]),
        case(
            "TL-02 blank line",
            quick("    "),
            400,
            &["Type a line such as"],
        ),
        case(
            "TL-03 line too long",
            quick(&line_20k),
            400,
            &["A quick-entry line is at most 20000 characters"],
        ),
        case(
            "TL-04 no time",
            quick("around two the alert fired"),
            400,
            &["Start the line with the time, such as 14:32"],
        ),
        case(
            "TL-05 hour 25",
            quick("25:00 alert fired"),
            400,
            &["is not a time of day: hours run from 00 to 23"],
        ),
        case(
            "TL-06 minute 60",
            quick("14:60 alert fired"),
            400,
            &["is not a time of day"],
        ),
        case(
            "TL-07 one-digit minute",
            quick("14:5 alert fired"),
            400,
            &["Start the line with the time"],
        ),
        case(
            "TL-08 impossible date",
            quick("2026-02-30 14:00 alert fired"),
            400,
            &["is not a date; write it as YYYY-MM-DD"],
        ),
        case(
            "TL-09 time only",
            quick("14:32"),
            400,
            &["Say what happened after the time"],
        ),
        case(
            "TL-10 only a mark",
            quick("14:32 alert: !detected"),
            400,
            &["Say what happened after the time"],
        ),
        case(
            "TL-11 unknown key moment",
            quick("14:32 !bogus alert fired"),
            400,
            &["is not a key moment; mark one of"],
        ),
        case(
            "TL-12 two marks",
            quick("14:32 !detected !repaired alert"),
            400,
            &["One line marks at most one key moment"],
        ),
        case(
            "TL-13 time in a DST gap",
            quick("2026-03-29 02:30 clocks"),
            400,
            &["does not exist in Europe/Paris"],
        ),
        case(
            "TL-14 time repeated by DST",
            quick("2026-10-25 02:30 clocks"),
            400,
            &["happens twice in Europe/Paris"],
        ),
        case(
            "TL-15 actor too long",
            quick(&actor),
            400,
            &["The actor is at most 200 characters"],
        ),
        case(
            "TL-16 text over 20 KB",
            quick(&body_bytes),
            400,
            &["An event's text is at most 20 KB of Markdown"],
        ),
        case(
            "TL-17 date out of range",
            quick("2300-01-01 10:00 far future"),
            400,
            &["outside the years Debrief accepts"],
        ),
        case(
            "TL-18 incident that is not a number",
            form(
                "/api/timeline/quick_add",
                &[("number", "abc"), ("line", "14:32 x")],
            ),
            404,
            &["NotFound"],
        ),
        case(
            "TL-19 missing incident",
            form(
                "/api/timeline/quick_add",
                &[("number", "99"), ("line", "14:32 x")],
            ),
            404,
            &["Incident #99"],
        ),
        case(
            "TL-20 edit with an unreadable time",
            event_edit(&[("form[at]", "yesterday-ish")]),
            400,
            &["\"field\":\"at\"", "is not a time Debrief can read"],
        ),
        case(
            "TL-21 edit with an unknown kind",
            event_edit(&[("form[kind]", "bogus")]),
            400,
            &["Choose what sort of event this is"],
        ),
        case(
            "TL-22 edit with no text",
            event_edit(&[("form[body]", "   ")]),
            400,
            &["Say what happened, what was seen or what was decided."],
        ),
        case(
            "TL-23 edit with text over 20 KB",
            event_edit(&[("form[body]", &long(20_001))]),
            400,
            &["An event's text is at most 20 KB of Markdown"],
        ),
        case(
            "TL-24 edit with a long actor",
            event_edit(&[("form[actor]", &long(201))]),
            400,
            &["The actor is at most 200 characters"],
        ),
        case(
            "TL-25 javascript: evidence link",
            event_edit(&[("form[evidence_url]", "javascript:alert(1)")]),
            400,
            &["The evidence link must start with https:// or http://"],
        ),
        case(
            "TL-26 JAVASCRIPT: evidence link with spaces",
            event_edit(&[("form[evidence_url]", "  JAVASCRIPT:alert(1)")]),
            400,
            &["The evidence link must start with https://"],
        ),
        case(
            "TL-27 data: evidence link",
            event_edit(&[(
                "form[evidence_url]",
                "data:text/html,<script>alert(1)</script>",
            )]),
            400,
            &["The evidence link must start with https://"],
        ),
        case(
            "TL-28 evidence link without a host",
            event_edit(&[("form[evidence_url]", "https://")]),
            400,
            &["The evidence link must start with https://"],
        ),
        case(
            "TL-29 evidence link to a path",
            event_edit(&[("form[evidence_url]", "https:///etc/passwd")]),
            400,
            &["The evidence link must start with https://"],
        ),
        case(
            "TL-30 evidence link with a space",
            event_edit(&[("form[evidence_url]", "https://grafana.example/d x")]),
            400,
            &["The evidence link must not contain spaces."],
        ),
        case(
            "TL-31 evidence link too long",
            event_edit(&[("form[evidence_url]", &evidence)]),
            400,
            &["The evidence link is at most 2000 characters."],
        ),
        case(
            "TL-32 edit of a missing event",
            event_edit(&[("id", "00000000-0000-0000-0000-000000000000")]),
            404,
            &["That event"],
        ),
        case(
            "TL-33 edit without a version",
            event_edit(&[("version", "abc")]),
            400,
            &["The form is missing the version it was based on"],
        ),
        case(
            "TL-34 edit of a stale version",
            event_edit(&[("version", "5")]),
            409,
            &["\"Conflict\":{\"what\":\"event\""],
        ),
        case(
            "TL-35 mark with an unknown moment",
            form(
                "/api/timeline/mark",
                &[
                    ("number", "1"),
                    ("id", "{event}"),
                    ("version", "1"),
                    ("moment", "bogus"),
                ],
            ),
            400,
            &["is not a key moment."],
        ),
        case(
            "TL-36 delete of a missing event",
            form(
                "/api/timeline/delete",
                &[
                    ("number", "1"),
                    ("id", "00000000-0000-0000-0000-000000000000"),
                    ("version", "1"),
                ],
            ),
            404,
            &["That event"],
        ),
        case(
            "TL-37 edit of an id that is not an event id",
            event_edit(&[("id", "abc")]),
            404,
            &[r#"{"NotFound":{"what":"That event"}}"#],
        ),
        case(
            "TL-38 delete of an id that is not an event id",
            form(
                "/api/timeline/delete",
                &[("number", "1"), ("id", "424242"), ("version", "1")],
            ),
            404,
            &[r#"{"NotFound":{"what":"That event"}}"#],
        ),
        case(
            "TL-39 restore of an id that is not an event id",
            form(
                "/api/timeline/restore",
                &[("number", "1"), ("id", "{event}x")],
            ),
            404,
            &[r#"{"NotFound":{"what":"That event"}}"#],
        ),
        case(
            "TL-40 mark of an id that is not an event id",
            form(
                "/api/timeline/mark",
                &[
                    ("number", "1"),
                    ("id", "'; DELETE FROM timeline_events; --"),
                    ("version", "1"),
                    ("moment", "detected"),
                ],
            ),
            404,
            &[r#"{"NotFound":{"what":"That event"}}"#],
        ),
        // ---- Countermeasures ----
        case(
            "CM-01 no title",
            measure(&[("form[title]", "")]),
            400,
            &["Give it a title that says what will change"],
        ),
        case(
            "CM-02 title too long",
            measure(&[("form[title]", &t201)]),
            400,
            &["The title is 201 characters; the limit is 200."],
        ),
        case(
            "CM-03 description too long",
            measure(&[("form[description]", &long(20_001))]),
            400,
            &["The description is 20001 characters; the limit is 20000."],
        ),
        case(
            "CM-04 no kind",
            measure(&[("form[kind]", "")]),
            400,
            &["Choose one of: prevent_recurrence"],
        ),
        case(
            "CM-05 unknown kind",
            measure(&[("form[kind]", "bogus")]),
            400,
            &["is not one of: prevent_recurrence"],
        ),
        case(
            "CM-06 unknown priority",
            measure(&[("form[priority]", "critical")]),
            400,
            &["is not one of: urgent, high, medium, low."],
        ),
        case(
            "CM-07 unknown status",
            measure(&[("form[status]", "closed")]),
            400,
            &["is not one of: proposed, accepted"],
        ),
        case(
            "CM-08 owner too long",
            measure(&[("form[owner]", &t101)]),
            400,
            &["The owner is 101 characters; the limit is 100."],
        ),
        case(
            "CM-09 accepted without an owner",
            measure(&[("form[status]", "accepted"), ("form[owner]", "")]),
            400,
            &["Name an owner"],
        ),
        case(
            "CM-10 impossible due date",
            measure(&[("form[due]", "2026-02-30")]),
            400,
            &["is not a date like 2026-03-31."],
        ),
        case(
            "CM-11 due date in another format",
            measure(&[("form[due]", "31/03/2026")]),
            400,
            &["is not a date like 2026-03-31."],
        ),
        case(
            "CM-12 due date in year 1",
            measure(&[("form[due]", "0001-01-01")]),
            400,
            &["outside the years Debrief accepts"],
        ),
        case(
            "CM-13 won't do without a reason",
            measure(&[("form[status]", "wont_do")]),
            400,
            &["Say why it won't be done"],
        ),
        case(
            "CM-14 reason too long",
            measure(&[("form[status]", "wont_do"), ("form[wont_do_reason]", &note)]),
            400,
            &["The reason is 2001 characters; the limit is 2000."],
        ),
        case(
            "CM-15 javascript: ticket link",
            measure(&[("form[ticket_url]", "javascript:alert(1)")]),
            400,
            &["The ticket link must start with https:// or http://."],
        ),
        case(
            "CM-16 ticket link too long",
            measure(&[("form[ticket_url]", &ticket)]),
            400,
            &["The ticket link is 501 characters; the limit is 500."],
        ),
        case(
            "CM-17 no incident linked",
            measure(&[("form[incidents]", "")]),
            400,
            &["Link at least one incident, by number."],
        ),
        case(
            "CM-18 incident that is not a number",
            measure(&[("form[incidents]", "abc")]),
            400,
            &["is not an incident number like 12."],
        ),
        case(
            "CM-19 incident number overflowing",
            measure(&[("form[incidents]", "99999999999999999999")]),
            400,
            &["is not an incident number like 12."],
        ),
        case(
            "CM-20 missing incident",
            measure(&[("form[incidents]", "9")]),
            400,
            &["There is no incident #9."],
        ),
        case(
            "CM-21 too many incidents",
            measure(&[("form[incidents]", &incidents51)]),
            400,
            &["At most 50 incidents."],
        ),
        case(
            "CM-22 source line that is not an id",
            measure(&[("form[source_line]", "abc")]),
            400,
            &["The transcript line is not a line id."],
        ),
        case(
            "CM-23 source line elsewhere",
            measure(&[("form[source_line]", "999999")]),
            400,
            &["The transcript line that prompted this is not in a linked incident."],
        ),
        case(
            "CM-24 source event elsewhere",
            measure(&[("form[source_event]", "nope")]),
            400,
            &["The timeline event that prompted this is not in a linked incident."],
        ),
        case(
            "CM-25 get of a non-number",
            form("/api/countermeasures/get", &[("number", "abc")]),
            400,
            &["Transport"],
        ),
        case(
            "CM-26 get of a missing one",
            form("/api/countermeasures/get", &[("number", "999")]),
            404,
            &["Countermeasure CM-999"],
        ),
        as_who(
            case(
                "CM-27 limits set by an editor",
                form(
                    "/api/countermeasures/wip_limits",
                    &[("wip_accepted", "1"), ("wip_in_progress", "")],
                ),
                403,
                &["it needs the Administrator role"],
            ),
            Editor,
        ),
        as_who(
            case(
                "CM-28 limit of zero",
                form(
                    "/api/countermeasures/wip_limits",
                    &[("wip_accepted", "0"), ("wip_in_progress", "")],
                ),
                400,
                &["is not a limit: write a whole number from 1 to 1000"],
            ),
            Admin,
        ),
        case(
            "CM-29 move with a reason over 2000 characters",
            form(
                "/api/countermeasures/move",
                &[
                    ("number", "1"),
                    ("version", "1"),
                    ("to", "wont_do"),
                    ("reason", &note),
                ],
            ),
            400,
            &["The reason is 2001 characters; the limit is 2000."],
        ),
        // ---- Post-mortem and meeting ----
        case(
            "PM-01 post-mortem too long",
            form(
                "/api/postmortem/save",
                &[("number", "1"), ("version", "0"), ("body", &pm_long)],
            ),
            400,
            &["The post-mortem is 200001 characters; the limit is 200000."],
        ),
        case(
            "PM-02 save without a version",
            form(
                "/api/postmortem/save",
                &[("number", "1"), ("version", ""), ("body", "x")],
            ),
            400,
            &["The form is missing the version it was based on"],
        ),
        case(
            "PM-03 save of a stale version",
            form(
                "/api/postmortem/save",
                &[("number", "1"), ("version", "5"), ("body", "x")],
            ),
            409,
            &["\"Conflict\":{\"what\":\"post-mortem\",\"current_version\":0"],
        ),
        case(
            "PM-04 save for a non-number",
            form(
                "/api/postmortem/save",
                &[("number", "abc"), ("version", "0"), ("body", "x")],
            ),
            404,
            &["NotFound"],
        ),
        case(
            "PM-05 save for a missing incident",
            form(
                "/api/postmortem/save",
                &[("number", "99"), ("version", "0"), ("body", "x")],
            ),
            404,
            &["\"what\":\"Incident #99\""],
        ),
        case(
            "PM-06 publish before any save",
            form(
                "/api/postmortem/status",
                &[("number", "1"), ("version", "0"), ("status", "published")],
            ),
            400,
            &["There is no post-mortem to publish yet: save a draft first."],
        ),
        case(
            "PM-07 preview too long",
            form(
                "/api/postmortem/preview",
                &[("number", "1"), ("body", &pm_long)],
            ),
            400,
            &["The post-mortem is 200001 characters"],
        ),
        case(
            "PM-08 version that is not a number",
            form(
                "/api/postmortem/get",
                &[("number", "1"), ("version", "abc")],
            ),
            400,
            &["Transport"],
        ),
        case(
            "PM-09 Markdown file before a save",
            Req::Get("/incidents/1/postmortem.md".into()),
            404,
            &["has no post-mortem yet"],
        ),
        case(
            "MT-01 note with no meeting running",
            form(
                "/api/meeting/note",
                &[
                    ("number", "1"),
                    ("event", "{event}"),
                    ("kind", "note"),
                    ("body", "x"),
                ],
            ),
            400,
            &["No meeting is running for this incident: start it first."],
        ),
        case(
            "MT-02 note on an id that is not an event id",
            form(
                "/api/meeting/note",
                &[
                    ("number", "1"),
                    ("event", "no-such-event"),
                    ("kind", "note"),
                    ("body", "x"),
                ],
            ),
            404,
            &[r#"{"NotFound":{"what":"That event"}}"#],
        ),
        // ---- Review scheduling ----
        case(
            "RV-01 unreadable review time",
            review(&[("form[scheduled_at]", "next tuesday")]),
            400,
            &["The review time:", "is not a time Debrief can read"],
        ),
        case(
            "RV-02 review time in a DST gap",
            review(&[("form[scheduled_at]", "2026-03-29 02:30")]),
            400,
            &["does not exist in Europe/Paris"],
        ),
        case(
            "RV-03 review far in the future",
            review(&[
                ("form[scheduled_at]", "+262142-12-31 23:00"),
                ("form[minutes]", "480"),
            ]),
            400,
            &["The review time:"],
        ),
        case(
            "RV-04 review too short",
            review(&[("form[minutes]", "10")]),
            400,
            &["The length is in minutes, from 15 to 480."],
        ),
        case(
            "RV-05 review length overflowing",
            review(&[("form[minutes]", "99999999999")]),
            400,
            &["The length is in minutes, from 15 to 480."],
        ),
        case(
            "RV-06 place too long",
            review(&[("form[location]", &location)]),
            400,
            &["The place is at most 500 characters."],
        ),
        case(
            "RV-07 too many attendees",
            review(&[("form[attendees]", &attendees51)]),
            400,
            &["51 attendees; at most 50 can be listed."],
        ),
        case(
            "RV-08 attendee name too long",
            review(&[("form[attendees]", &long(201))]),
            400,
            &["is longer than 200 characters."],
        ),
        case(
            "RV-09 review of a stale version",
            review(&[("version", "3"), ("form[minutes]", "30")]),
            409,
            &["\"Conflict\":{\"what\":\"review\""],
        ),
        case(
            "RV-10 handout sent maybe",
            form(
                "/api/review/handout",
                &[("number", "1"), ("version", "0"), ("sent", "maybe")],
            ),
            400,
            &["Say yes or no."],
        ),
        case(
            "RV-11 calendar file of an unscheduled review",
            Req::Get("/incidents/1/review.ics".into()),
            404,
            &["is not scheduled yet"],
        ),
        as_who(
            case(
                "RV-12 review policy of zero days",
                form(
                    "/api/admin/save_review_policy",
                    &[("outage", "0"), ("degradation", "5"), ("blip", "5")],
                ),
                400,
                &["the days must be a whole number from 1 to 60."],
            ),
            Admin,
        ),
        case(
            "RV-13 review policy set by an editor",
            form(
                "/api/admin/save_review_policy",
                &[("outage", "3"), ("degradation", "5"), ("blip", "5")],
            ),
            403,
            &["it needs the Administrator role"],
        ),
        // ---- Search ----
        case(
            "SR-01 unknown kind",
            form(
                "/api/search",
                &[("query[text]", "x"), ("query[kind]", "bogus")],
            ),
            400,
            &["Transport"],
        ),
        case(
            "SR-02 impossible from date",
            form(
                "/api/search",
                &[("query[text]", "x"), ("query[from]", "2026-13-45")],
            ),
            400,
            &["Transport"],
        ),
        case(
            "SR-03 related for a non-number",
            form("/api/search/related", &[("number", "abc")]),
            404,
            &["NotFound"],
        ),
        case(
            "SR-04 related for a missing incident",
            form("/api/search/related", &[("number", "99")]),
            404,
            &["\"what\":\"Incident #99\""],
        ),
        // ---- Transcripts ----
        case(
            "TR-01 empty upload",
            files("/incidents/1/transcripts", &[("empty.log", b"")]),
            400,
            &["Choose one or more transcript files"],
        ),
        case(
            "TR-02 upload over the limit",
            files(
                "/incidents/1/transcripts",
                &[("big.log", &vec![b'x'; 1024 * 1024 + 10])],
            ),
            413,
            &["The upload is larger than the limit of 1 MB, so nothing was kept."],
        ),
        case(
            "TR-03 upload over the limit in two files",
            files(
                "/incidents/1/transcripts",
                &[
                    ("a.log", &vec![b'x'; 600_000]),
                    ("b.log", &vec![b'x'; 600_000]),
                ],
            ),
            413,
            &["limit of 1 MB"],
        ),
        case(
            "TR-04 upload to a non-number",
            files("/incidents/abc/transcripts", &[("ops.log", OPS.as_bytes())]),
            404,
            &["Incident \"abc\" was not found"],
        ),
        case(
            "TR-05 upload to a missing incident",
            files("/incidents/99/transcripts", &[("ops.log", OPS.as_bytes())]),
            404,
            &["Incident 99 was not found"],
        ),
        as_who(
            case(
                "TR-06 upload by a viewer",
                files("/incidents/1/transcripts", &[("ops.log", OPS.as_bytes())]),
                403,
                &["it needs the Editor role"],
            ),
            Viewer,
        ),
        as_who(
            case(
                "TR-07 upload signed out",
                files("/incidents/1/transcripts", &[("ops.log", OPS.as_bytes())]),
                401,
                &["SignInRequired"],
            ),
            Anonymous,
        ),
        case(
            "TR-08 preview of a made-up token",
            form(
                "/api/transcripts/preview",
                &[("number", "1"), ("staged", "../../../../etc")],
            ),
            404,
            &["That upload"],
        ),
        case(
            "TR-09 preview of an unknown token",
            form(
                "/api/transcripts/preview",
                &[
                    ("number", "1"),
                    ("staged", "00000000-0000-0000-0000-000000000000"),
                ],
            ),
            404,
            &["That upload"],
        ),
        case(
            "TR-10 preview in an unknown zone",
            preview("ops.log", OPS.as_bytes(), &[("zone", "Mars/Olympus")]),
            400,
            &["\"field\":\"zone\"", "is not a known IANA time zone"],
        ),
        case(
            "TR-11 preview on an impossible date",
            preview("ops.log", OPS.as_bytes(), &[("date", "2026-02-30")]),
            400,
            &["is not a date; write it as YYYY-MM-DD"],
        ),
        case(
            "TR-12 preview on a date out of range",
            preview("ops.log", OPS.as_bytes(), &[("date", "1066-10-14")]),
            400,
            &["outside the years Debrief accepts"],
        ),
        case(
            "TR-13 preview in an unknown format",
            preview("ops.log", OPS.as_bytes(), &[("formats[0]", "skype")]),
            400,
            &["is not a format Debrief reads"],
        ),
        case(
            "TR-14 channel name too long",
            preview("ops.log", OPS.as_bytes(), &[("channels[0]", &channel81)]),
            400,
            &["A channel name is at most 80 characters."],
        ),
        case(
            "TR-15 no line readable as the format",
            import(
                "notes.log",
                b"no times here\nnor here\n",
                &[("formats[0]", "irssi")],
            ),
            400,
            &[
                "No line of notes.log could be read as",
                "The first problem, line 1:",
            ],
        ),
        case(
            "TR-16 a letter, not a transcript",
            import(
                "agenda.txt",
                b"Dear team,\nthe review is on Thursday.\n",
                &[],
            ),
            400,
            &[
                "agenda.txt is not recognised as a chat log",
                "choose its format",
            ],
        ),
        case(
            "TR-16b a letter read as plain text, chosen by hand",
            import(
                "agenda.txt",
                b"Dear team,\nthe review is on Thursday.\n",
                &[("formats[0]", "plain")],
            ),
            400,
            &[
                "No line of agenda.txt could be read",
                "this text has no time",
            ],
        ),
        case(
            "TR-17 only blank lines",
            import("blank.log", b"\n\n\n", &[]),
            400,
            &["blank.log is not recognised as a chat log"],
        ),
        case(
            "TR-18 a PNG uploaded as a transcript",
            import("image.png", PNG, &[]),
            400,
            &["No line of image.png could be read as"],
        ),
        case(
            "TR-19 Latin-1 text is decoded",
            import("ops.log", &latin1, &[("channels[0]", "#latin")]),
            200,
            &["1"],
        ),
        case(
            "TR-20 a line over 64 KB",
            import("long.log", huge_line.as_bytes(), &[]),
            400,
            &["the message is longer than 64 KB"],
        ),
        case(
            "TR-21 CSV without a timestamp column",
            import(
                "notes.csv",
                b"this is not a CSV with a timestamp column\n",
                &[("formats[0]", "csv")],
            ),
            400,
            &["the header has no"],
        ),
        case(
            "TR-22 CSV with an unclosed quote",
            import(
                "x.csv",
                b"timestamp,author,text\n2026-03-04T14:32:00Z,sam,\"unterminated\n",
                &[("formats[0]", "csv")],
            ),
            400,
            &["has a quoted field that is never closed"],
        ),
        case(
            "TR-23 CSV with a bad timestamp",
            import(
                "x.csv",
                b"timestamp,author,text\nnot-a-time,sam,hi\n",
                &[("formats[0]", "csv")],
            ),
            400,
            &["is not a timestamp"],
        ),
        case(
            "TR-24 preview of a cut-off zip",
            preview("export.zip", b"PK\x03\x04 not really a zip", &[]),
            400,
            &["export.zip could not be read", "nothing was imported."],
        ),
        case(
            "TR-25 import of a cut-off zip",
            import("export.zip", b"PK\x03\x04 not really a zip", &[]),
            400,
            &["export.zip could not be read", "nothing was imported."],
        ),
        case(
            "TR-26 zip bomb",
            import("bomb.zip", &zip_bomb(), &[]),
            400,
            &["larger than 256 MB"],
        ),
        case(
            "TR-27 cut-off tar.gz",
            import("logs.tar.gz", &cut_tar_gz(), &[]),
            400,
            &["logs.tar.gz"],
        ),
        case(
            "TR-28 text read as an archive",
            preview("ops.log", OPS.as_bytes(), &[("formats[0]", "archive")]),
            400,
            &["ops.log could not be read"],
        ),
        case(
            "TR-29 file name cut inside a character",
            import("2026-03-€.log", b"14:32 sam: hi\n", &[]),
            200,
            &["1"],
        ),
        case(
            "TR-30 archive entry named inside a character",
            import(
                "names.zip",
                &zip_of("2026-03-€.log", b"14:32 sam: hi there\n"),
                &[],
            ),
            200,
            &["1"],
        ),
        case(
            "TR-31 promote without lines",
            form(
                "/api/transcripts/promote",
                &[("number", "1"), ("kind", "observation")],
            ),
            400,
            &["Choose one or more lines of the review first."],
        ),
        case(
            "TR-32 promote a line elsewhere",
            form(
                "/api/transcripts/promote",
                &[
                    ("number", "1"),
                    ("kind", "observation"),
                    ("lines[0]", "999999"),
                ],
            ),
            400,
            &["Those lines are not in this incident's transcripts."],
        ),
        case(
            "TR-33 dismiss a non-line",
            form(
                "/api/transcripts/dismiss",
                &[("number", "1"), ("line", "abc")],
            ),
            404,
            &[r#"{"NotFound":{"what":"That transcript line"}}"#],
        ),
        case(
            "TR-34 dismiss a missing suggestion",
            form(
                "/api/transcripts/dismiss",
                &[("number", "1"), ("line", "999999")],
            ),
            404,
            &["That suggestion"],
        ),
        case(
            "TR-35 review page number overflowing",
            Req::Get("/incidents/1/review?page=9223372036854775807".into()),
            200,
            &["lines"],
        ),
        case(
            "TR-36 UTF-16 text",
            import("ops.log", &utf16, &[]),
            400,
            &["the file is UTF-16 text; save it as UTF-8"],
        ),
        case(
            "TR-37 file name over 255 characters",
            files("/incidents/1/transcripts", &[(&name300, OPS.as_bytes())]),
            400,
            &["A file name is at most 255 characters"],
        ),
        case(
            "TR-38 promote a line id that is not one",
            form(
                "/api/transcripts/promote",
                &[
                    ("number", "1"),
                    ("kind", "observation"),
                    ("lines[0]", "abc"),
                ],
            ),
            404,
            &[r#"{"NotFound":{"what":"That transcript line"}}"#],
        ),
        // ---- Attachments ----
        case(
            "AT-01 an empty multipart body",
            files("/incidents/1/attachments", &[]),
            400,
            &["The upload could not be read"],
        ),
        case(
            "AT-02 empty file",
            files("/incidents/1/attachments", &[("x.png", b"")]),
            400,
            &["Choose a file to attach"],
        ),
        case(
            "AT-03 GIF",
            files(
                "/incidents/1/attachments",
                &[("x.gif", b"GIF89a\x01\0\x01\0\0\0\0;")],
            ),
            400,
            &["GIF is not accepted"],
        ),
        case(
            "AT-04 HTML named .png",
            files(
                "/incidents/1/attachments",
                &[(
                    "x.png",
                    b"<!DOCTYPE html><html><script>alert(1)</script></html>",
                )],
            ),
            400,
            &["looks like an HTML page"],
        ),
        case(
            "AT-05 zip named .png",
            files(
                "/incidents/1/attachments",
                &[("x.png", b"PK\x03\x04\x14\0\0\0")],
            ),
            400,
            &["looks like a ZIP archive"],
        ),
        case(
            "AT-06 plain text",
            files("/incidents/1/attachments", &[("x.png", b"hello there")]),
            400,
            &["looks like plain text"],
        ),
        case(
            "AT-07 XML that is not SVG",
            files(
                "/incidents/1/attachments",
                &[("x.svg", b"<?xml version=\"1.0\"?><note/>")],
            ),
            400,
            &["looks like XML that is not an SVG drawing"],
        ),
        case(
            "AT-08 unknown binary",
            files(
                "/incidents/1/attachments",
                &[("x.bin", &(0u8..32).collect::<Vec<_>>())],
            ),
            400,
            &["looks like unknown binary data"],
        ),
        case(
            "AT-09 attachment over the limit",
            files(
                "/incidents/1/attachments",
                &[("big.png", &[PNG, &vec![0u8; 1024 * 1024]].concat())],
            ),
            413,
            &["Each attachment may be at most 1 MB"],
        ),
        case(
            "AT-10 attachment to a non-number",
            files("/incidents/abc/attachments", &[("x.png", PNG)]),
            404,
            &["Incident \"abc\" was not found"],
        ),
        case(
            "AT-11 attachment to a missing incident",
            files("/incidents/99/attachments", &[("x.png", PNG)]),
            404,
            &["Incident #99 was not found."],
        ),
        as_who(
            case(
                "AT-12 attachment by a viewer",
                files("/incidents/1/attachments", &[("x.png", PNG)]),
                403,
                &["it needs the Editor role"],
            ),
            Viewer,
        ),
        case(
            "AT-13 download of a path that climbs out (refused before any route)",
            Req::Get("/attachments/..%2F..%2Fetc%2Fpasswd".into()),
            400,
            &["not one Debrief serves", "%-encodes a separator"],
        ),
        case(
            "AT-14 download of a made-up id",
            Req::Get("/attachments/00000000-0000-4000-8000-000000000000".into()),
            404,
            &["No such attachment."],
        ),
        case(
            "AT-15 removal of an id that is not an attachment id",
            form(
                "/api/attachments/delete",
                &[("number", "1"), ("id", "../attachments")],
            ),
            404,
            &[r#"{"NotFound":{"what":"That attachment"}}"#],
        ),
        // ---- Restore ----
        case(
            "RS-01 restore of an empty multipart body",
            files("/incidents/restore", &[]),
            400,
            &["The upload could not be read"],
        ),
        case(
            "RS-02 restore of a non-JSON file",
            files("/incidents/restore", &[("incident-1.json", b"{ not json")]),
            400,
            &["The file is not JSON:"],
        ),
        case(
            "RS-03 restore of an empty file",
            files("/incidents/restore", &[("incident-1.json", b"")]),
            400,
            &["The file is not JSON: EOF while parsing"],
        ),
        case(
            "RS-04 restore of a list",
            files("/incidents/restore", &[("incident-1.json", b"[1,2]")]),
            400,
            &["(expected a JSON object)"],
        ),
        case(
            "RS-05 restore of another format",
            Req::Restore(|a| a["format"] = Value::from("other")),
            400,
            &["is not a Debrief incident archive"],
        ),
        case(
            "RS-06 restore of a newer version",
            Req::Restore(|a| a["version"] = Value::from(2)),
            400,
            &["The archive is version 2, written by a newer Debrief"],
        ),
        case(
            "RS-07 restore with a text version",
            Req::Restore(|a| a["version"] = Value::from("1")),
            400,
            &["The archive has no version this Debrief knows."],
        ),
        case(
            "RS-08 restore without tables",
            Req::Restore(|a| {
                a.as_object_mut().unwrap().remove("tables");
            }),
            400,
            &["The archive has no \"tables\"."],
        ),
        case(
            "RS-09 restore of an unknown table",
            Req::Restore(|a| a["tables"]["users"] = Value::Array(vec![])),
            400,
            &["The archive holds a table \"users\""],
        ),
        case(
            "RS-10 restore with incidents not a list",
            Req::Restore(|a| a["tables"]["incidents"] = serde_json::json!({})),
            400,
            &["is not a list of rows."],
        ),
        case(
            "RS-11 restore with a row that is not an object",
            Req::Restore(|a| a["tables"]["incidents"] = serde_json::json!([1])),
            400,
            &["Row 1 of \"incidents\" is not an object."],
        ),
        case(
            "RS-12 restore of no incident",
            Req::Restore(|a| a["tables"]["incidents"] = serde_json::json!([])),
            400,
            &["An archive holds exactly one incident; this one holds 0."],
        ),
        case(
            "RS-13 restore of an unknown column",
            Req::Restore(|a| {
                set_new_incident_id(a);
                a["tables"]["incidents"][0]["secret_column"] = Value::from(1);
            }),
            400,
            &["secret_column"],
        ),
        case(
            "RS-14 restore of the same incident again",
            Req::Restore(|_| {}),
            400,
            &["This database already holds that incident"],
        ),
        case(
            "RS-15 restore of an unknown severity",
            Req::Restore(|a| {
                set_new_incident_id(a);
                a["tables"]["incidents"][0]["severity"] = Value::from("catastrophic");
            }),
            400,
            &[
                "Row 1 of \"incidents\", column \"severity\": unknown value `catastrophic`",
                "Nothing was restored.",
            ],
        ),
        case(
            "RS-16 restore of a javascript: evidence link",
            Req::Restore(|a| {
                set_new_incident_id(a);
                a["tables"]["timeline_events"][0]["evidence_url"] =
                    Value::from("javascript:alert(1)");
            }),
            400,
            &["The evidence link must start with https://"],
        ),
        case(
            "RS-17 restore of a 10,000-character title",
            Req::Restore(|a| {
                set_new_incident_id(a);
                a["tables"]["incidents"][0]["title"] = Value::from("t".repeat(10_000));
            }),
            400,
            &["Row 1 of \"incidents\", column \"title\" holds 10000 characters, more than the 200"],
        ),
        case(
            "RS-18 restore of an unknown zone",
            Req::Restore(|a| {
                set_new_incident_id(a);
                a["tables"]["incidents"][0]["time_zone"] = Value::from("Mars/Olympus");
            }),
            400,
            &["is not a known IANA time zone"],
        ),
        case(
            "RS-19 restore writing into another incident",
            Req::Restore(|a| {
                let old = a["tables"]["incidents"][0]["id"].clone();
                set_new_incident_id(a);
                a["tables"]["timeline_events"][0]["incident_id"] = old;
            }),
            400,
            &["belongs to another incident"],
        ),
        case(
            "RS-20 restore with a time in year 3000",
            Req::Restore(|a| {
                set_new_incident_id(a);
                a["tables"]["timeline_events"][0]["at"] = Value::from(32_503_680_000_i64);
            }),
            400,
            &["outside the years Debrief accepts"],
        ),
        as_who(
            case(
                "RS-21 restore by a viewer",
                Req::Restore(set_new_incident_id),
                403,
                &["it needs the Editor role"],
            ),
            Viewer,
        ),
        // ---- Sign-in and accounts ----
        as_who(
            case(
                "AU-01 wrong password",
                form(
                    "/api/auth/login",
                    &[
                        ("login", "editor"),
                        ("password", "wrong password!"),
                        ("next", "/"),
                    ],
                ),
                401,
                &["SignInFailed"],
            ),
            Anonymous,
        ),
        as_who(
            case(
                "AU-02 unknown login",
                form(
                    "/api/auth/login",
                    &[
                        ("login", "nobody"),
                        ("password", "anything at all"),
                        ("next", "/"),
                    ],
                ),
                401,
                &["SignInFailed"],
            ),
            Anonymous,
        ),
        as_who(
            case(
                "AU-03 empty login",
                form(
                    "/api/auth/login",
                    &[("login", ""), ("password", ""), ("next", "/")],
                ),
                401,
                &["SignInFailed"],
            ),
            Anonymous,
        ),
        as_who(
            case(
                "AU-04 setup after setup",
                form(
                    "/api/auth/setup",
                    &[
                        ("form[login]", "mallory"),
                        ("form[display_name]", "M"),
                        ("form[password]", "correct horse battery staple"),
                        ("form[password_confirm]", "correct horse battery staple"),
                    ],
                ),
                403,
                &["Debrief is already set up."],
            ),
            Anonymous,
        ),
        case(
            "AU-05 change password, wrong current one",
            form(
                "/api/account/change_password",
                &[
                    ("current", "wrong"),
                    ("password", "a brand new passphrase"),
                    ("password_confirm", "a brand new passphrase"),
                ],
            ),
            400,
            &["That is not your current password; nothing was changed."],
        ),
        case(
            "AU-06 change to a short password",
            form(
                "/api/account/change_password",
                &[
                    ("current", common::PASSWORD),
                    ("password", "short"),
                    ("password_confirm", "short"),
                ],
            ),
            400,
            &["Use at least 10 characters"],
        ),
        case(
            "AU-07 change to a password with the login",
            form(
                "/api/account/change_password",
                &[
                    ("current", common::PASSWORD),
                    ("password", "my editor password"),
                    ("password_confirm", "my editor password"),
                ],
            ),
            400,
            &["The password cannot contain the login name."],
        ),
        case(
            "AU-08 change to one repeated character",
            form(
                "/api/account/change_password",
                &[
                    ("current", common::PASSWORD),
                    ("password", "aaaaaaaaaaaa"),
                    ("password_confirm", "aaaaaaaaaaaa"),
                ],
            ),
            400,
            &["The password cannot be one character repeated."],
        ),
        case(
            "AU-09 change to a password over 1024 bytes",
            form(
                "/api/account/change_password",
                &[
                    ("current", common::PASSWORD),
                    ("password", &pw1025),
                    ("password_confirm", &pw1025),
                ],
            ),
            400,
            &["Use at most 1024 bytes."],
        ),
        case(
            "AU-10 passwords that differ",
            form(
                "/api/account/change_password",
                &[
                    ("current", common::PASSWORD),
                    ("password", "a brand new passphrase"),
                    ("password_confirm", "another passphrase"),
                ],
            ),
            400,
            &["The two passwords differ"],
        ),
        case(
            "AU-11 unknown viewer zone",
            form("/api/viewer/set_zone", &[("zone", "Not/AZone")]),
            400,
            &["is not a known IANA time zone"],
        ),
        case(
            "AU-12 empty viewer zone",
            form("/api/viewer/set_zone", &[("zone", "")]),
            400,
            &["enter a time zone"],
        ),
        as_who(
            case(
                "AU-13 create signed out",
                create(&[]),
                401,
                &["SignInRequired"],
            ),
            Anonymous,
        ),
        as_who(
            case(
                "AU-14 create by a viewer",
                create(&[]),
                403,
                &["Your role (Viewer) does not allow this; it needs the Editor role."],
            ),
            Viewer,
        ),
        // ---- Administration ----
        case(
            "AD-01 account created by an editor",
            new_user("ana", "Ana", "viewer"),
            403,
            &["it needs the Administrator role"],
        ),
        as_who(
            case(
                "AD-02 login too short",
                new_user("a", "Ana", "viewer"),
                400,
                &["A login name has 2 to 64 characters; this one has 1."],
            ),
            Admin,
        ),
        as_who(
            case(
                "AD-03 login too long",
                new_user(&login65, "Ana", "viewer"),
                400,
                &["this one has 65."],
            ),
            Admin,
        ),
        as_who(
            case(
                "AD-04 login with markup",
                new_user("<script>", "Ana", "viewer"),
                400,
                &["is not allowed."],
            ),
            Admin,
        ),
        as_who(
            case(
                "AD-05 login taken",
                new_user("Editor", "Ana", "viewer"),
                400,
                &["That login name is taken; choose another."],
            ),
            Admin,
        ),
        as_who(
            case(
                "AD-06 display name with a control character",
                new_user("ana", "Ana\u{7}", "viewer"),
                400,
                &["A display name cannot contain control characters."],
            ),
            Admin,
        ),
        as_who(
            case(
                "AD-07 unknown role",
                new_user("ana", "Ana", "owner"),
                400,
                &["Choose a role: viewer, editor, admin."],
            ),
            Admin,
        ),
        as_who(
            case(
                "AD-08 webhook to ftp",
                admin_form(
                    "/api/admin/add_webhook",
                    &[
                        ("url", "ftp://x"),
                        ("secret", "0123456789abcdef0123456789abcdef01234567"),
                    ],
                ),
                400,
                &["The URL must start with https://"],
            ),
            Admin,
        ),
        as_who(
            case(
                "AD-09 webhook to javascript:",
                admin_form(
                    "/api/admin/add_webhook",
                    &[
                        ("url", "javascript:alert(1)"),
                        ("secret", "0123456789abcdef0123456789abcdef01234567"),
                    ],
                ),
                400,
                &["The URL must start with https://"],
            ),
            Admin,
        ),
        as_who(
            case(
                "AD-10 webhook without a host",
                admin_form(
                    "/api/admin/add_webhook",
                    &[
                        ("url", "https://"),
                        ("secret", "0123456789abcdef0123456789abcdef01234567"),
                    ],
                ),
                400,
                &["The URL needs a host"],
            ),
            Admin,
        ),
        as_who(
            case(
                "AD-11 webhook URL too long",
                admin_form(
                    "/api/admin/add_webhook",
                    &[
                        ("url", &url501),
                        ("secret", "0123456789abcdef0123456789abcdef01234567"),
                    ],
                ),
                400,
                &["The URL is longer than 500 characters."],
            ),
            Admin,
        ),
        as_who(
            case(
                "AD-12 webhook secret too short",
                admin_form(
                    "/api/admin/add_webhook",
                    &[("url", "https://hooks.example/d"), ("secret", "short")],
                ),
                400,
                &["The secret has 5 characters; use at least 32"],
            ),
            Admin,
        ),
        as_who(
            case(
                "AD-13 webhook secret too long",
                admin_form(
                    "/api/admin/add_webhook",
                    &[("url", "https://hooks.example/d"), ("secret", &secret201)],
                ),
                400,
                &["The secret is longer than 200 characters."],
            ),
            Admin,
        ),
        as_who(
            case(
                "AD-14 language rule in two parts",
                admin_form(
                    "/api/admin/save_language_rules",
                    &[("rules", "only two | parts")],
                ),
                400,
                &["Line 1: write three parts separated by"],
            ),
            Admin,
        ),
        as_who(
            case(
                "AD-15 language rule with an empty part",
                admin_form(
                    "/api/admin/save_language_rules",
                    &[("rules", " | why | ask")],
                ),
                400,
                &["Line 1: the phrase, the reason and the question must each say something."],
            ),
            Admin,
        ),
        as_who(
            case(
                "AD-16 language rule part too long",
                admin_form("/api/admin/save_language_rules", &[("rules", &rule_part)]),
                400,
                &["Line 1: each part is at most 300 characters."],
            ),
            Admin,
        ),
        as_who(
            case(
                "AD-17 language rule with no words",
                admin_form(
                    "/api/admin/save_language_rules",
                    &[("rules", "!!! | why | ask")],
                ),
                400,
                &["Line 1: the phrase has no words to match."],
            ),
            Admin,
        ),
        as_who(
            case(
                "AD-18 too many language rules",
                admin_form("/api/admin/save_language_rules", &[("rules", &rules201)]),
                400,
                &["At most 200 rules can be added; this has 201."],
            ),
            Admin,
        ),
        case(
            "AD-19 language rules by an editor",
            form(
                "/api/admin/save_language_rules",
                &[("rules", "blame | why | ask")],
            ),
            403,
            &["it needs the Administrator role"],
        ),
        as_who(
            case(
                "AD-20 metrics window not a number",
                admin_form(
                    "/api/admin/save_metrics",
                    &[("windows", "abc"), ("token", "")],
                ),
                400,
                &["is not a number of days"],
            ),
            Admin,
        ),
        as_who(
            case(
                "AD-21 metrics window of zero days",
                admin_form(
                    "/api/admin/save_metrics",
                    &[("windows", "0"), ("token", "")],
                ),
                400,
                &["a window is 1 to 3650 days."],
            ),
            Admin,
        ),
        as_who(
            case(
                "AD-22 too many metrics windows",
                admin_form(
                    "/api/admin/save_metrics",
                    &[("windows", "1,2,3,4,5,6,7"), ("token", "")],
                ),
                400,
                &["At most 6 windows."],
            ),
            Admin,
        ),
        as_who(
            case(
                "AD-23 metrics token too short",
                admin_form(
                    "/api/admin/save_metrics",
                    &[("windows", "30"), ("token", "short")],
                ),
                400,
                &["The token has 5 characters; use at least 32"],
            ),
            Admin,
        ),
        as_who(
            case(
                "AD-24 metrics while off",
                Req::Get("/metrics".into()),
                404,
                &["The metrics endpoint is off."],
            ),
            Anonymous,
        ),
        as_who(
            case(
                "AD-25 retry of a missing webhook delivery",
                form("/api/admin/retry_delivery", &[("id", "424242")]),
                404,
                &["That delivery"],
            ),
            Admin,
        ),
        as_who(
            case(
                "AD-26 update of an id that is not an account id",
                form(
                    "/api/admin/update_user",
                    &[
                        ("id", "abc"),
                        ("version", "1"),
                        ("display_name", "Ana"),
                        ("role", "admin"),
                        ("active", "on"),
                    ],
                ),
                404,
                &[r#"{"NotFound":{"what":"That account"}}"#],
            ),
            Admin,
        ),
        as_who(
            case(
                "AD-27 password reset of an id that is not an account id",
                form(
                    "/api/admin/reset_password",
                    &[
                        ("id", "1"),
                        ("password", common::PASSWORD),
                        ("password_confirm", common::PASSWORD),
                    ],
                ),
                404,
                &[r#"{"NotFound":{"what":"That account"}}"#],
            ),
            Admin,
        ),
        as_who(
            case(
                "AD-28 webhook switched by an id that is not a webhook id",
                form(
                    "/api/admin/set_webhook_active",
                    &[("id", "none"), ("active", "no")],
                ),
                404,
                &[r#"{"NotFound":{"what":"That webhook"}}"#],
            ),
            Admin,
        ),
        as_who(
            case(
                "AD-29 retry of an id that is not a delivery id",
                form("/api/admin/retry_delivery", &[("id", "abc")]),
                404,
                &[r#"{"NotFound":{"what":"That delivery"}}"#],
            ),
            Admin,
        ),
        // ---- Addresses ----
        case(
            "PQ-01 incident page of a non-number",
            Req::Get("/incidents/abc".into()),
            404,
            &["was not found"],
        ),
        case(
            "PQ-02 incident page of 0",
            Req::Get("/incidents/0".into()),
            404,
            &["was not found"],
        ),
        case(
            "PQ-03 incident page of an overflowing number",
            Req::Get("/incidents/99999999999999999999".into()),
            404,
            &["was not found"],
        ),
        case(
            "PQ-04 incident page of the largest number",
            Req::Get("/incidents/9223372036854775807".into()),
            404,
            &["Incident #9223372036854775807 was not found."],
        ),
        case(
            "PQ-05 edit page of a non-number",
            Req::Get("/incidents/abc/edit".into()),
            404,
            &["was not found"],
        ),
        case(
            "PQ-06 export of a non-number",
            Req::Get("/incidents/abc/export.json".into()),
            404,
            &["Incident \"abc\" was not found"],
        ),
        case(
            "PQ-07 export of incident 0",
            Req::Get("/incidents/0/export.md".into()),
            404,
            &["Incident \"0\" was not found"],
        ),
        case(
            "PQ-08 export of a missing incident",
            Req::Get("/incidents/42/postmortem.html".into()),
            404,
            &["Incident #42 was not found"],
        ),
        case(
            "PQ-09 calendar of a non-number",
            Req::Get("/incidents/abc/review.ics".into()),
            404,
            &["Incident \"abc\" was not found"],
        ),
        case(
            "PQ-10 live meeting of a non-number",
            Req::Get("/incidents/abc/meeting/live".into()),
            404,
            &["Incident \"abc\" was not found"],
        ),
        case(
            "PQ-11 import page of a made-up token",
            Req::Get("/incidents/1/import?staged=../../etc".into()),
            404,
            &["That upload"],
        ),
        case(
            "PQ-12 countermeasure page of a non-number",
            Req::Get("/countermeasures/abc".into()),
            404,
            &["Countermeasure abc was not found"],
        ),
        case(
            "PQ-13 a write endpoint through GET",
            Req::Get("/api/incidents/create".into()),
            405,
            &["Changes are made with POST only."],
        ),
        case(
            "PQ-14 an endpoint that does not exist",
            form("/api/incidents/drop_all", &[]),
            404,
            &["The endpoint /api/incidents/drop_all"],
        ),
        case(
            "PQ-15 post-mortem version that does not exist",
            Req::Get("/incidents/1/postmortem?version=99".into()),
            404,
            &["Version 99 of the post-mortem"],
        ),
    ]
}

/// Everything a refused request must leave as it was.
async fn state(db: &std::path::Path) -> String {
    let mut out = common::dump(db).await;
    for table in [
        "transcripts",
        "transcript_lines",
        "transcript_problems",
        "attachments",
        "webhook_endpoints",
    ] {
        let n = common::query_i64(db, &format!("SELECT COUNT(*) FROM {table}")).await;
        out.push_str(&format!("{table}: {n} rows\n"));
    }
    out
}

async fn stage(client: &Client, name: &str, bytes: Vec<u8>) -> Result<String, String> {
    let res = client
        .post_files("/incidents/1/transcripts", vec![(name, bytes)])
        .await;
    let status = res.status();
    let body = res.text().await.unwrap();
    if status == 201 {
        Ok(body)
    } else {
        Err(format!("staging answered {status}: {body}"))
    }
}

async fn send(client: &Client, req: &Req, event: &str, archive: &Value) -> (u16, String) {
    let res = match req {
        Req::Form(path, pairs) => {
            let pairs: Vec<(String, String)> = pairs
                .iter()
                .map(|(k, v)| (k.clone(), v.replace("{event}", event)))
                .collect();
            client.http.post(client.url(path)).form(&pairs).send().await
        }
        Req::Raw(path, content_type, body) => {
            client
                .http
                .post(client.url(path))
                .header("content-type", *content_type)
                .body(body.clone())
                .send()
                .await
        }
        Req::Get(path) => client.http.get(client.url(path)).send().await,
        Req::Files(path, list) => {
            let list: Vec<(&str, Vec<u8>)> =
                list.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
            Ok(client.post_files(path, list).await)
        }
        Req::Transcript(name, bytes, import, extra) => {
            let token = match stage(client, name, bytes.clone()).await {
                Ok(token) => token,
                Err(e) => return (0, e),
            };
            let mut pairs = fields(&[("number", "1"), ("staged", &token)]);
            pairs.extend(extra.iter().cloned());
            let path = if *import {
                "/api/transcripts/import"
            } else {
                "/api/transcripts/preview"
            };
            client.http.post(client.url(path)).form(&pairs).send().await
        }
        Req::Restore(change) => {
            let mut changed = archive.clone();
            change(&mut changed);
            let form = reqwest::multipart::Form::new().part(
                "file",
                reqwest::multipart::Part::bytes(serde_json::to_vec(&changed).unwrap())
                    .file_name("incident-1.json"),
            );
            client
                .http
                .post(client.url("/incidents/restore"))
                .multipart(form)
                .send()
                .await
        }
    }
    .expect("the server answers");
    let status = res.status().as_u16();
    (status, res.text().await.unwrap())
}

/// The corpus, built once for every test of the run.
fn corpus() -> &'static [Case] {
    static CORPUS: std::sync::OnceLock<Vec<Case>> = std::sync::OnceLock::new();
    CORPUS.get_or_init(cases)
}

/// What a feature's tests share: one server (limits lowered by its flags
/// where a limit has one) with incident #1, an event on it and CM-1, the
/// sessions of each role, and a turn, since each test compares the whole
/// database before and after its own request.
struct Fixture {
    server: Server,
    admin: String,
    viewer: String,
    event: String,
    archive: Value,
    turn: tokio::sync::Mutex<()>,
    /// Held until this process ends; then the watcher stops the server.
    _watcher: std::process::ChildStdin,
}

/// The features, as the prefixes of their cases' ids.
const FEATURES: [&str; 13] = [
    "INC", "TL", "CM", "PM", "TR", "AT", "AU", "RV", "SR", "MT", "AD", "RS", "PQ",
];

async fn fixture(feature: &str) -> &'static Fixture {
    static FIXTURES: [tokio::sync::OnceCell<Fixture>; 13] =
        [const { tokio::sync::OnceCell::const_new() }; 13];
    let i = FEATURES
        .iter()
        .position(|f| *f == feature)
        .unwrap_or_else(|| panic!("no feature {feature} in FEATURES"));
    FIXTURES[i].get_or_init(start_fixture).await
}

async fn start_fixture() -> Fixture {
    let server = Server::start_with_args(&["--transcript-max-mb", "1", "--attachment-max-mb", "1"]);
    // A server held in a static is never dropped: a watcher stops it, and
    // removes its folder, when this process ends and the pipe closes.
    let watcher = std::process::Command::new("sh")
        .args([
            "-c",
            "cat > /dev/null; kill \"$0\" 2>/dev/null; sleep 1; rm -rf \"$1\"",
        ])
        .arg(server.pid().to_string())
        .arg(server.dir.path())
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("spawn the watcher")
        .stdin
        .take()
        .unwrap();
    let res = server
        .post(
            "/api/incidents/create",
            &incident_form("Checkout latency", "outage", "checkout"),
        )
        .await;
    assert_eq!(res.status(), 200);
    let res = server
        .post(
            "/api/timeline/quick_add",
            &[
                ("number", "1"),
                ("line", "14:20 action: restarted the cache"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let event: String = serde_json::from_str(&res.text().await.unwrap()).unwrap();
    let Req::Form(path, pairs) = measure(&[]) else {
        unreachable!()
    };
    let res = server
        .http
        .post(server.url(&path))
        .form(&pairs)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "CM-1 filed");
    let archive: Value = server
        .get("/incidents/1/export.json")
        .await
        .json()
        .await
        .unwrap();
    let cookie = |client: Client| client.cookie.expect("signed in");
    Fixture {
        admin: cookie(server.as_user("admin").await),
        viewer: cookie(server.as_user("viewer").await),
        event,
        archive,
        turn: tokio::sync::Mutex::new(()),
        _watcher: watcher,
        server,
    }
}

/// Sends case `id` to its feature's server: the answer must have the
/// case's status and words, and a refusal must leave the database as it
/// was (and intact).
async fn check(id: &str) {
    let case = corpus()
        .iter()
        .find(|c| c.id.split(' ').next() == Some(id))
        .unwrap_or_else(|| panic!("no case {id} in the corpus"));
    let fixture = fixture(id.split('-').next().unwrap_or_default()).await;
    let _turn = fixture.turn.lock().await;
    let base = &fixture.server.base;
    // Clients of this test's own runtime (a client's pooled connections
    // belong to the runtime that opened them).
    let client = match case.who {
        Who::Editor => Client::new(base, fixture.server.cookie.clone()),
        Who::Admin => Client::new(base, Some(fixture.admin.clone())),
        Who::Viewer => Client::new(base, Some(fixture.viewer.clone())),
        Who::Anonymous => Client::new(base, None),
    };
    let db = &fixture.server.db_path;
    let before = state(db).await;
    let (status, body) = send(&client, &case.req, &fixture.event, &fixture.archive).await;
    let shown: String = body.chars().take(400).collect();
    assert_eq!(
        status, case.status,
        "{}: answered {status}, not {}: {shown}",
        case.id, case.status
    );
    if let Some(missing) = case.says.iter().find(|s| !body.contains(s.as_str())) {
        panic!("{}: the answer lacks {missing:?}: {shown}", case.id);
    }
    if status >= 400 {
        assert!(
            state(db).await == before,
            "{}: refused, yet the database changed",
            case.id
        );
    }
    assert_eq!(common::integrity_check(db).await, "ok", "{}", case.id);
}

/// One named test per case, `cargo test bad_input::timeline::tl_18` to run
/// one alone; [`TESTED`] lists their ids, to check that none is missing.
macro_rules! bad_inputs {
    ($($name:ident = $id:literal),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $name() {
                check($id).await
            }
        )*
        pub const TESTED: &[&str] = &[$($id),*];
    };
}

#[test]
fn every_case_has_its_own_test_and_every_feature_its_server() {
    let mut tested: Vec<&str> = [
        incidents::TESTED,
        timeline::TESTED,
        countermeasures::TESTED,
        postmortem::TESTED,
        transcripts::TESTED,
        attachments::TESTED,
        sign_in::TESTED,
        review::TESTED,
        search::TESTED,
        meeting::TESTED,
        admin::TESTED,
        restore::TESTED,
        addresses::TESTED,
    ]
    .concat();
    tested.sort_unstable();
    let mut ids: Vec<&str> = corpus()
        .iter()
        .map(|c| c.id.split(' ').next().unwrap_or_default())
        .collect();
    ids.sort_unstable();
    let untested: Vec<_> = ids.iter().filter(|id| !tested.contains(id)).collect();
    let caseless: Vec<_> = tested.iter().filter(|id| !ids.contains(id)).collect();
    assert!(
        untested.is_empty() && caseless.is_empty() && tested.len() == ids.len(),
        "cases without a test: {untested:?}; tests without a case: {caseless:?}"
    );
    assert!(ids.len() >= 100, "the corpus holds {} cases", ids.len());
    for id in ids {
        let feature = id.split('-').next().unwrap_or_default();
        assert!(
            FEATURES.contains(&feature),
            "{id}: add {feature} to FEATURES"
        );
    }
}

mod incidents {
    use super::check;
    bad_inputs! {
        inc_01_empty_title = "INC-01",
        inc_02_title_too_long = "INC-02",
        inc_03_title_limit_counts_characters = "INC-03",
        inc_04_no_severity = "INC-04",
        inc_05_unknown_severity = "INC-05",
        inc_06_severity_is_case_sensitive = "INC-06",
        inc_07_no_status = "INC-07",
        inc_08_unknown_status = "INC-08",
        inc_09_unknown_detection_method = "INC-09",
        inc_10_service_name_too_long = "INC-10",
        inc_11_too_many_services = "INC-11",
        inc_12_control_character_in_a_service = "INC-12",
        inc_12b_line_break_in_the_title = "INC-12b",
        inc_13_commander_too_long = "INC-13",
        inc_14_facilitator_too_long = "INC-14",
        inc_15_summary_too_large = "INC-15",
        inc_16_request_over_the_body_limit = "INC-16",
        inc_17_unknown_first_cynefin_reading = "INC-17",
        inc_18_unknown_hindsight_cynefin_reading = "INC-18",
        inc_19_cynefin_note_too_long = "INC-19",
        inc_20_unknown_time_zone = "INC-20",
        inc_21_unreadable_time = "INC-21",
        inc_22_impossible_date = "INC-22",
        inc_23_hour_out_of_range = "INC-23",
        inc_24_month_out_of_range = "INC-24",
        inc_25_offset_out_of_range = "INC-25",
        inc_26_time_in_a_dst_gap = "INC-26",
        inc_27_time_repeated_by_dst = "INC-27",
        inc_28_moments_out_of_order = "INC-28",
        inc_29_estimate_without_a_time = "INC-29",
        inc_30_every_error_at_once = "INC-30",
        inc_31_year_typed_as_0202 = "INC-31",
        inc_32_year_far_in_the_future = "INC-32",
        inc_33_year_20266 = "INC-33",
        inc_34_the_same_field_twice = "INC-34",
        inc_35_invalid_utf_8_in_the_body = "INC-35",
        inc_36_update_of_a_non_number = "INC-36",
        inc_37_update_of_incident_0 = "INC-37",
        inc_38_update_of_an_overflowing_number = "INC-38",
        inc_39_update_of_a_missing_incident = "INC-39",
        inc_40_update_without_a_version = "INC-40",
        inc_41_update_with_a_non_number_version = "INC-41",
        inc_42_update_of_a_stale_version = "INC-42",
        inc_43_get_of_a_non_number = "INC-43",
        inc_44_list_page_that_is_not_a_number = "INC-44",
    }
}

mod timeline {
    use super::check;
    bad_inputs! {
        tl_01_empty_line = "TL-01",
        tl_02_blank_line = "TL-02",
        tl_03_line_too_long = "TL-03",
        tl_04_no_time = "TL-04",
        tl_05_hour_25 = "TL-05",
        tl_06_minute_60 = "TL-06",
        tl_07_one_digit_minute = "TL-07",
        tl_08_impossible_date = "TL-08",
        tl_09_time_only = "TL-09",
        tl_10_only_a_mark = "TL-10",
        tl_11_unknown_key_moment = "TL-11",
        tl_12_two_marks = "TL-12",
        tl_13_time_in_a_dst_gap = "TL-13",
        tl_14_time_repeated_by_dst = "TL-14",
        tl_15_actor_too_long = "TL-15",
        tl_16_text_over_20_kb = "TL-16",
        tl_17_date_out_of_range = "TL-17",
        tl_18_incident_that_is_not_a_number = "TL-18",
        tl_19_missing_incident = "TL-19",
        tl_20_edit_with_an_unreadable_time = "TL-20",
        tl_21_edit_with_an_unknown_kind = "TL-21",
        tl_22_edit_with_no_text = "TL-22",
        tl_23_edit_with_text_over_20_kb = "TL-23",
        tl_24_edit_with_a_long_actor = "TL-24",
        tl_25_javascript_evidence_link = "TL-25",
        tl_26_javascript_evidence_link_with_spaces = "TL-26",
        tl_27_data_evidence_link = "TL-27",
        tl_28_evidence_link_without_a_host = "TL-28",
        tl_29_evidence_link_to_a_path = "TL-29",
        tl_30_evidence_link_with_a_space = "TL-30",
        tl_31_evidence_link_too_long = "TL-31",
        tl_32_edit_of_a_missing_event = "TL-32",
        tl_33_edit_without_a_version = "TL-33",
        tl_34_edit_of_a_stale_version = "TL-34",
        tl_35_mark_with_an_unknown_moment = "TL-35",
        tl_36_delete_of_a_missing_event = "TL-36",
        tl_37_edit_of_an_id_that_is_not_an_event_id = "TL-37",
        tl_38_delete_of_an_id_that_is_not_an_event_id = "TL-38",
        tl_39_restore_of_an_id_that_is_not_an_event_id = "TL-39",
        tl_40_mark_of_an_id_that_is_not_an_event_id = "TL-40",
    }
}

mod countermeasures {
    use super::check;
    bad_inputs! {
        cm_01_no_title = "CM-01",
        cm_02_title_too_long = "CM-02",
        cm_03_description_too_long = "CM-03",
        cm_04_no_kind = "CM-04",
        cm_05_unknown_kind = "CM-05",
        cm_06_unknown_priority = "CM-06",
        cm_07_unknown_status = "CM-07",
        cm_08_owner_too_long = "CM-08",
        cm_09_accepted_without_an_owner = "CM-09",
        cm_10_impossible_due_date = "CM-10",
        cm_11_due_date_in_another_format = "CM-11",
        cm_12_due_date_in_year_1 = "CM-12",
        cm_13_won_t_do_without_a_reason = "CM-13",
        cm_14_reason_too_long = "CM-14",
        cm_15_javascript_ticket_link = "CM-15",
        cm_16_ticket_link_too_long = "CM-16",
        cm_17_no_incident_linked = "CM-17",
        cm_18_incident_that_is_not_a_number = "CM-18",
        cm_19_incident_number_overflowing = "CM-19",
        cm_20_missing_incident = "CM-20",
        cm_21_too_many_incidents = "CM-21",
        cm_22_source_line_that_is_not_an_id = "CM-22",
        cm_23_source_line_elsewhere = "CM-23",
        cm_24_source_event_elsewhere = "CM-24",
        cm_25_get_of_a_non_number = "CM-25",
        cm_26_get_of_a_missing_one = "CM-26",
        cm_27_limits_set_by_an_editor = "CM-27",
        cm_28_limit_of_zero = "CM-28",
        cm_29_move_with_a_reason_over_2000_characters = "CM-29",
    }
}

mod postmortem {
    use super::check;
    bad_inputs! {
        pm_01_post_mortem_too_long = "PM-01",
        pm_02_save_without_a_version = "PM-02",
        pm_03_save_of_a_stale_version = "PM-03",
        pm_04_save_for_a_non_number = "PM-04",
        pm_05_save_for_a_missing_incident = "PM-05",
        pm_06_publish_before_any_save = "PM-06",
        pm_07_preview_too_long = "PM-07",
        pm_08_version_that_is_not_a_number = "PM-08",
        pm_09_markdown_file_before_a_save = "PM-09",
    }
}

mod meeting {
    use super::check;
    bad_inputs! {
        mt_01_note_with_no_meeting_running = "MT-01",
        mt_02_note_on_an_id_that_is_not_an_event_id = "MT-02",
    }
}

mod review {
    use super::check;
    bad_inputs! {
        rv_01_unreadable_review_time = "RV-01",
        rv_02_review_time_in_a_dst_gap = "RV-02",
        rv_03_review_far_in_the_future = "RV-03",
        rv_04_review_too_short = "RV-04",
        rv_05_review_length_overflowing = "RV-05",
        rv_06_place_too_long = "RV-06",
        rv_07_too_many_attendees = "RV-07",
        rv_08_attendee_name_too_long = "RV-08",
        rv_09_review_of_a_stale_version = "RV-09",
        rv_10_handout_sent_maybe = "RV-10",
        rv_11_calendar_file_of_an_unscheduled_review = "RV-11",
        rv_12_review_policy_of_zero_days = "RV-12",
        rv_13_review_policy_set_by_an_editor = "RV-13",
    }
}

mod search {
    use super::check;
    bad_inputs! {
        sr_01_unknown_kind = "SR-01",
        sr_02_impossible_from_date = "SR-02",
        sr_03_related_for_a_non_number = "SR-03",
        sr_04_related_for_a_missing_incident = "SR-04",
    }
}

mod transcripts {
    use super::check;
    bad_inputs! {
        tr_01_empty_upload = "TR-01",
        tr_02_upload_over_the_limit = "TR-02",
        tr_03_upload_over_the_limit_in_two_files = "TR-03",
        tr_04_upload_to_a_non_number = "TR-04",
        tr_05_upload_to_a_missing_incident = "TR-05",
        tr_06_upload_by_a_viewer = "TR-06",
        tr_07_upload_signed_out = "TR-07",
        tr_08_preview_of_a_made_up_token = "TR-08",
        tr_09_preview_of_an_unknown_token = "TR-09",
        tr_10_preview_in_an_unknown_zone = "TR-10",
        tr_11_preview_on_an_impossible_date = "TR-11",
        tr_12_preview_on_a_date_out_of_range = "TR-12",
        tr_13_preview_in_an_unknown_format = "TR-13",
        tr_14_channel_name_too_long = "TR-14",
        tr_15_no_line_readable_as_the_format = "TR-15",
        tr_16_a_letter_not_a_transcript = "TR-16",
        tr_16b_a_letter_read_as_plain_text_chosen_by_hand = "TR-16b",
        tr_17_only_blank_lines = "TR-17",
        tr_18_a_png_uploaded_as_a_transcript = "TR-18",
        tr_19_latin_1_text_is_decoded = "TR-19",
        tr_20_a_line_over_64_kb = "TR-20",
        tr_21_csv_without_a_timestamp_column = "TR-21",
        tr_22_csv_with_an_unclosed_quote = "TR-22",
        tr_23_csv_with_a_bad_timestamp = "TR-23",
        tr_24_preview_of_a_cut_off_zip = "TR-24",
        tr_25_import_of_a_cut_off_zip = "TR-25",
        tr_26_zip_bomb = "TR-26",
        tr_27_cut_off_tar_gz = "TR-27",
        tr_28_text_read_as_an_archive = "TR-28",
        tr_29_file_name_cut_inside_a_character = "TR-29",
        tr_30_archive_entry_named_inside_a_character = "TR-30",
        tr_31_promote_without_lines = "TR-31",
        tr_32_promote_a_line_elsewhere = "TR-32",
        tr_33_dismiss_a_non_line = "TR-33",
        tr_34_dismiss_a_missing_suggestion = "TR-34",
        tr_35_review_page_number_overflowing = "TR-35",
        tr_36_utf_16_text = "TR-36",
        tr_37_file_name_over_255_characters = "TR-37",
        tr_38_promote_a_line_id_that_is_not_one = "TR-38",
    }
}

mod attachments {
    use super::check;
    bad_inputs! {
        at_01_an_empty_multipart_body = "AT-01",
        at_02_empty_file = "AT-02",
        at_03_gif = "AT-03",
        at_04_html_named_png = "AT-04",
        at_05_zip_named_png = "AT-05",
        at_06_plain_text = "AT-06",
        at_07_xml_that_is_not_svg = "AT-07",
        at_08_unknown_binary = "AT-08",
        at_09_attachment_over_the_limit = "AT-09",
        at_10_attachment_to_a_non_number = "AT-10",
        at_11_attachment_to_a_missing_incident = "AT-11",
        at_12_attachment_by_a_viewer = "AT-12",
        at_13_download_of_a_path_that_climbs_out_refused_before_any_rout = "AT-13",
        at_14_download_of_a_made_up_id = "AT-14",
        at_15_removal_of_an_id_that_is_not_an_attachment_id = "AT-15",
    }
}

mod restore {
    use super::check;
    bad_inputs! {
        rs_01_restore_of_an_empty_multipart_body = "RS-01",
        rs_02_restore_of_a_non_json_file = "RS-02",
        rs_03_restore_of_an_empty_file = "RS-03",
        rs_04_restore_of_a_list = "RS-04",
        rs_05_restore_of_another_format = "RS-05",
        rs_06_restore_of_a_newer_version = "RS-06",
        rs_07_restore_with_a_text_version = "RS-07",
        rs_08_restore_without_tables = "RS-08",
        rs_09_restore_of_an_unknown_table = "RS-09",
        rs_10_restore_with_incidents_not_a_list = "RS-10",
        rs_11_restore_with_a_row_that_is_not_an_object = "RS-11",
        rs_12_restore_of_no_incident = "RS-12",
        rs_13_restore_of_an_unknown_column = "RS-13",
        rs_14_restore_of_the_same_incident_again = "RS-14",
        rs_15_restore_of_an_unknown_severity = "RS-15",
        rs_16_restore_of_a_javascript_evidence_link = "RS-16",
        rs_17_restore_of_a_10_000_character_title = "RS-17",
        rs_18_restore_of_an_unknown_zone = "RS-18",
        rs_19_restore_writing_into_another_incident = "RS-19",
        rs_20_restore_with_a_time_in_year_3000 = "RS-20",
        rs_21_restore_by_a_viewer = "RS-21",
    }
}

mod sign_in {
    use super::check;
    bad_inputs! {
        au_01_wrong_password = "AU-01",
        au_02_unknown_login = "AU-02",
        au_03_empty_login = "AU-03",
        au_04_setup_after_setup = "AU-04",
        au_05_change_password_wrong_current_one = "AU-05",
        au_06_change_to_a_short_password = "AU-06",
        au_07_change_to_a_password_with_the_login = "AU-07",
        au_08_change_to_one_repeated_character = "AU-08",
        au_09_change_to_a_password_over_1024_bytes = "AU-09",
        au_10_passwords_that_differ = "AU-10",
        au_11_unknown_viewer_zone = "AU-11",
        au_12_empty_viewer_zone = "AU-12",
        au_13_create_signed_out = "AU-13",
        au_14_create_by_a_viewer = "AU-14",
    }
}

mod admin {
    use super::check;
    bad_inputs! {
        ad_01_account_created_by_an_editor = "AD-01",
        ad_02_login_too_short = "AD-02",
        ad_03_login_too_long = "AD-03",
        ad_04_login_with_markup = "AD-04",
        ad_05_login_taken = "AD-05",
        ad_06_display_name_with_a_control_character = "AD-06",
        ad_07_unknown_role = "AD-07",
        ad_08_webhook_to_ftp = "AD-08",
        ad_09_webhook_to_javascript = "AD-09",
        ad_10_webhook_without_a_host = "AD-10",
        ad_11_webhook_url_too_long = "AD-11",
        ad_12_webhook_secret_too_short = "AD-12",
        ad_13_webhook_secret_too_long = "AD-13",
        ad_14_language_rule_in_two_parts = "AD-14",
        ad_15_language_rule_with_an_empty_part = "AD-15",
        ad_16_language_rule_part_too_long = "AD-16",
        ad_17_language_rule_with_no_words = "AD-17",
        ad_18_too_many_language_rules = "AD-18",
        ad_19_language_rules_by_an_editor = "AD-19",
        ad_20_metrics_window_not_a_number = "AD-20",
        ad_21_metrics_window_of_zero_days = "AD-21",
        ad_22_too_many_metrics_windows = "AD-22",
        ad_23_metrics_token_too_short = "AD-23",
        ad_24_metrics_while_off = "AD-24",
        ad_25_retry_of_a_missing_webhook_delivery = "AD-25",
        ad_26_update_of_an_id_that_is_not_an_account_id = "AD-26",
        ad_27_password_reset_of_an_id_that_is_not_an_account_id = "AD-27",
        ad_28_webhook_switched_by_an_id_that_is_not_a_webhook_id = "AD-28",
        ad_29_retry_of_an_id_that_is_not_a_delivery_id = "AD-29",
    }
}

mod addresses {
    use super::check;
    bad_inputs! {
        pq_01_incident_page_of_a_non_number = "PQ-01",
        pq_02_incident_page_of_0 = "PQ-02",
        pq_03_incident_page_of_an_overflowing_number = "PQ-03",
        pq_04_incident_page_of_the_largest_number = "PQ-04",
        pq_05_edit_page_of_a_non_number = "PQ-05",
        pq_06_export_of_a_non_number = "PQ-06",
        pq_07_export_of_incident_0 = "PQ-07",
        pq_08_export_of_a_missing_incident = "PQ-08",
        pq_09_calendar_of_a_non_number = "PQ-09",
        pq_10_live_meeting_of_a_non_number = "PQ-10",
        pq_11_import_page_of_a_made_up_token = "PQ-11",
        pq_12_countermeasure_page_of_a_non_number = "PQ-12",
        pq_13_a_write_endpoint_through_get = "PQ-13",
        pq_14_an_endpoint_that_does_not_exist = "PQ-14",
        pq_15_post_mortem_version_that_does_not_exist = "PQ-15",
    }
}
