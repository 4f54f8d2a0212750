//! The bad-input corpus: well over a hundred malformed, oversized, hostile or
//! out-of-range inputs across uploads, forms and API calls, each sent to the
//! real server with the answer it must get (the status and words that say
//! what is wrong), and each refusal checked to have changed nothing.
//!
//! All cases run against one server (limits lowered by its flags where a
//! limit has one) and every failure is listed at the end, not just the first.

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
            &["Incident 99"],
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
            &["Incident 99"],
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
            400,
            &["That is not a line of the review."],
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

#[tokio::test]
async fn every_bad_input_gets_a_clear_answer_and_changes_nothing() {
    let server = Server::start_with_args(&["--transcript-max-mb", "1", "--attachment-max-mb", "1"]);
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
    let admin = server.as_user("admin").await;
    let viewer = server.as_user("viewer").await;
    let anonymous = server.anonymous();

    let cases = cases();
    assert!(cases.len() >= 100, "the corpus holds {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let client: &Client = match case.who {
            Who::Editor => &server,
            Who::Admin => &admin,
            Who::Viewer => &viewer,
            Who::Anonymous => &anonymous,
        };
        let before = state(&server.db_path).await;
        let (status, body) = send(client, &case.req, &event, &archive).await;
        let shown: String = body.chars().take(400).collect();
        if status != case.status {
            failures.push(format!(
                "{}: answered {status}, not {}: {shown}",
                case.id, case.status
            ));
            continue;
        }
        if let Some(missing) = case.says.iter().find(|s| !body.contains(s.as_str())) {
            failures.push(format!(
                "{}: the answer lacks {missing:?}: {shown}",
                case.id
            ));
            continue;
        }
        if status >= 400 && state(&server.db_path).await != before {
            failures.push(format!("{}: refused, yet the database changed", case.id));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    // After all of it, the database is intact.
    assert_eq!(common::integrity_check(&server.db_path).await, "ok");
}
