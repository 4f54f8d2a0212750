//! The incident archive: what `debrief export --format json` writes and
//! `debrief restore-incident` (or the upload in the app) reads back. Its
//! shape is the database's: one array of rows per table, each row an object
//! of column to value, so nothing is lost on the way. This module checks an
//! archive before anything is written, and renders one as Markdown (the
//! `md` export, and the HTML one through the Markdown renderer).

use std::fmt::Write;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

/// The `format` field of every archive.
pub const ARCHIVE_FORMAT: &str = "debrief-incident";
/// The `version` field; an archive from a newer version is refused.
pub const ARCHIVE_VERSION: i64 = 1;

/// Every table an archive holds, in the order rows are written back.
pub const TABLES: &[&str] = &[
    "incidents",
    "incident_services",
    "timeline_events",
    "transcripts",
    "transcript_lines",
    "transcript_problems",
    "event_lines",
    "countermeasures",
    "countermeasure_incidents",
    "postmortems",
    "postmortem_versions",
    "reviews",
    "meeting_notes",
    "audit_log",
];

/// An archive as the file holds it (indented JSON).
pub fn to_json(archive: &Value) -> String {
    serde_json::to_string_pretty(archive).unwrap_or_default()
}

/// A file's bytes as JSON, or why not (with the line and column).
pub fn parse(bytes: &[u8]) -> Result<Value, String> {
    serde_json::from_slice(bytes).map_err(|e| {
        format!("The file is not JSON: {e}. Restore the .json file an export wrote, unchanged.")
    })
}

/// The archive's tables, when it is one this version can restore; else why
/// not, in words.
pub fn check(archive: &Value) -> Result<&Map<String, Value>, String> {
    let object = archive
        .as_object()
        .ok_or("The file is not a Debrief incident archive (expected a JSON object).")?;
    if object.get("format").and_then(Value::as_str) != Some(ARCHIVE_FORMAT) {
        return Err(format!(
            "The file is not a Debrief incident archive (its \"format\" is not \"{ARCHIVE_FORMAT}\")."
        ));
    }
    match object.get("version").and_then(Value::as_i64) {
        Some(ARCHIVE_VERSION) => {}
        Some(v) if v > ARCHIVE_VERSION => {
            return Err(format!(
                "The archive is version {v}, written by a newer Debrief; this one reads version {ARCHIVE_VERSION}. Upgrade Debrief to restore it."
            ));
        }
        _ => return Err("The archive has no version this Debrief knows.".into()),
    }
    let tables = object
        .get("tables")
        .and_then(Value::as_object)
        .ok_or("The archive has no \"tables\".")?;
    for (name, rows) in tables {
        if !TABLES.contains(&name.as_str()) {
            return Err(format!(
                "The archive holds a table \"{name}\" this Debrief does not know."
            ));
        }
        let rows = rows
            .as_array()
            .ok_or_else(|| format!("The archive's \"{name}\" is not a list of rows."))?;
        if let Some(i) = rows.iter().position(|r| !r.is_object()) {
            return Err(format!("Row {} of \"{name}\" is not an object.", i + 1));
        }
    }
    let incidents = tables
        .get("incidents")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    if incidents != 1 {
        return Err(format!(
            "An archive holds exactly one incident; this one holds {incidents}."
        ));
    }
    check_belonging(archive)?;
    check_fields(archive)?;
    Ok(tables)
}

/// The rows of `table`, numbered from 1 (as messages name them).
fn numbered<'a>(
    archive: &'a Value,
    table: &str,
) -> impl Iterator<Item = (usize, &'a Map<String, Value>)> {
    rows(archive, table).enumerate().map(|(i, r)| (i + 1, r))
}

/// Every row belongs to the archive's one incident: a row that points at
/// another incident, or at a transcript, line, event or countermeasure the
/// archive does not hold, would write into records that are not restored.
fn check_belonging(archive: &Value) -> Result<(), String> {
    let (_, incident) = numbered(archive, "incidents").next().ok_or("no incident")?;
    let id = text(incident, "id");
    if id.is_empty() {
        return Err("The archive's incident has no id.".into());
    }
    let ids = |table: &str| -> Vec<Value> {
        numbered(archive, table)
            .filter_map(|(_, r)| r.get("id").cloned())
            .collect()
    };
    let foreign = |table: &str, n: usize, what: &str| {
        Err(format!(
            "Row {n} of \"{table}\" belongs to {what} the archive does not hold; an archive holds one incident and everything of it. Nothing was restored."
        ))
    };
    for table in TABLES.iter().copied().filter(|t| {
        !matches!(
            *t,
            "incidents"
                | "transcript_lines"
                | "transcript_problems"
                | "event_lines"
                | "countermeasures"
        )
    }) {
        for (n, row) in numbered(archive, table) {
            if text(row, "incident_id") != id {
                return foreign(table, n, "another incident");
            }
        }
    }
    let (transcripts, lines, events, measures) = (
        ids("transcripts"),
        ids("transcript_lines"),
        ids("timeline_events"),
        ids("countermeasures"),
    );
    let refers = |table: &str, column: &str, to: &[Value], what: &str| {
        for (n, row) in numbered(archive, table) {
            if !row.get(column).is_some_and(|v| to.contains(v)) {
                return foreign(table, n, what);
            }
        }
        Ok(())
    };
    refers(
        "transcript_lines",
        "transcript_id",
        &transcripts,
        "a transcript",
    )?;
    refers(
        "transcript_problems",
        "transcript_id",
        &transcripts,
        "a transcript",
    )?;
    refers("event_lines", "event_id", &events, "an event")?;
    refers("event_lines", "line_id", &lines, "a transcript line")?;
    refers(
        "countermeasure_incidents",
        "countermeasure_id",
        &measures,
        "a countermeasure",
    )
}

/// The fields a form would refuse are refused here too: the incident's
/// title and zone, links that are rendered (only http and https), times
/// within the accepted years, and no text beyond what any field holds.
fn check_fields(archive: &Value) -> Result<(), String> {
    use super::incident_form::limits;
    let (_, incident) = numbered(archive, "incidents").next().ok_or("no incident")?;
    let title = text(incident, "title").trim();
    if title.is_empty() || title.chars().count() > limits::TITLE {
        return Err(format!(
            "The archive's incident title must be 1 to {} characters. Nothing was restored.",
            limits::TITLE
        ));
    }
    let zone = text(incident, "time_zone");
    if !zone.is_empty() {
        super::zone::parse_zone(zone)
            .map_err(|e| format!("The archive's incident time zone: {e}. Nothing was restored."))?;
    }
    for (n, row) in numbered(archive, "timeline_events") {
        super::timeline::check_evidence_url(text(row, "evidence_url"))
            .map_err(|e| format!("Row {n} of \"timeline_events\": {e} Nothing was restored."))?;
    }
    for (n, row) in numbered(archive, "countermeasures") {
        let url = text(row, "ticket_url").trim().to_ascii_lowercase();
        if !(url.is_empty() || url.starts_with("https://") || url.starts_with("http://")) {
            return Err(format!(
                "Row {n} of \"countermeasures\": the ticket link must start with https:// or http://. Nothing was restored."
            ));
        }
    }
    for table in TABLES {
        for (n, row) in numbered(archive, table) {
            for (column, value) in row {
                if let Some(text) = value.as_str()
                    && text.len() > MAX_CELL_BYTES
                {
                    return Err(format!(
                        "Row {n} of \"{table}\": \"{column}\" holds {} bytes, more than any field of Debrief holds ({MAX_CELL_BYTES}). Nothing was restored.",
                        text.len()
                    ));
                }
                let is_time = column == "at" || column.ends_with("_at");
                if let (true, Some(seconds)) = (is_time, value.as_i64()) {
                    let year_ok = DateTime::<Utc>::from_timestamp(seconds, 0)
                        .is_some_and(|t| super::moments::check_year(t.date_naive()).is_ok());
                    if !year_ok {
                        return Err(format!(
                            "Row {n} of \"{table}\": \"{column}\" is a time outside the years Debrief accepts ({} to {}). Nothing was restored.",
                            super::moments::YEARS.start(),
                            super::moments::YEARS.end()
                        ));
                    }
                }
            }
        }
    }
    Ok(())
}

/// The most bytes one text cell of an archive may hold: the largest field
/// (a post-mortem, 200,000 characters of up to 4 bytes).
const MAX_CELL_BYTES: usize = 800_000;

fn rows<'a>(archive: &'a Value, table: &str) -> impl Iterator<Item = &'a Map<String, Value>> {
    archive["tables"][table]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
}

fn text<'a>(row: &'a Map<String, Value>, column: &str) -> &'a str {
    row.get(column).and_then(Value::as_str).unwrap_or("")
}

fn time(row: &Map<String, Value>, column: &str) -> Option<String> {
    let at = row.get(column).and_then(Value::as_i64)?;
    DateTime::<Utc>::from_timestamp(at, 0).map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
}

/// Text from the archive as a Markdown paragraph that cannot start a
/// heading or a list by accident.
fn inline(text: &str) -> String {
    text.replace('\n', " ")
}

/// The whole incident as one Markdown document: the record, key moments,
/// the timeline, every transcript line, countermeasures, the post-mortem,
/// the review and the history. Times are UTC.
pub fn to_markdown(archive: &Value) -> String {
    let mut out = String::new();
    let Some(incident) = rows(archive, "incidents").next() else {
        return out;
    };
    let number = incident.get("number").and_then(Value::as_i64).unwrap_or(0);
    let _ = writeln!(out, "# #{number} {}\n", inline(text(incident, "title")));
    let services: Vec<&str> = rows(archive, "incident_services")
        .map(|r| text(r, "service"))
        .collect();
    for (label, value) in [
        ("Severity", text(incident, "severity").to_string()),
        ("Status", text(incident, "status").to_string()),
        ("Affected services", services.join(", ")),
        (
            "Incident commander",
            text(incident, "commander").to_string(),
        ),
        (
            "Review facilitator",
            text(incident, "facilitator").to_string(),
        ),
        (
            "Cynefin, first reading",
            text(incident, "cynefin_first").to_string(),
        ),
        (
            "Cynefin, in hindsight",
            text(incident, "cynefin_hindsight").to_string(),
        ),
    ] {
        let value = if value.is_empty() {
            "not recorded".to_string()
        } else {
            value
        };
        let _ = writeln!(out, "- **{label}**: {}", inline(&value));
    }
    let _ = writeln!(
        out,
        "\n## Summary\n\n{}\n",
        text(incident, "summary_markdown")
    );
    let _ = writeln!(out, "## Key moments\n");
    for moment in crate::domain::moments::KeyMoment::ALL {
        let at = time(incident, &format!("{}_at", moment.code()))
            .unwrap_or_else(|| "not recorded".into());
        let _ = writeln!(out, "- **{}**: {at}", moment.label());
    }
    let _ = writeln!(out, "\n## Timeline\n");
    let mut events: Vec<&Map<String, Value>> = rows(archive, "timeline_events")
        .filter(|e| e.get("deleted_at").is_none_or(Value::is_null))
        .collect();
    events.sort_by_key(|e| {
        (
            e.get("at").and_then(Value::as_i64),
            e.get("seq").and_then(Value::as_i64),
        )
    });
    for e in &events {
        let mark = match text(e, "key_moment") {
            "" => String::new(),
            m => format!(" **[{m}]**"),
        };
        let _ = writeln!(
            out,
            "- {}{mark} {} ({}): {}",
            time(e, "at").unwrap_or_default(),
            inline(text(e, "actor")),
            text(e, "kind"),
            inline(text(e, "body_markdown"))
        );
    }
    for t in rows(archive, "transcripts") {
        let key = t.get("id").and_then(Value::as_i64);
        let _ = writeln!(
            out,
            "\n## Transcript: {} ({})\n",
            inline(text(t, "channel")),
            inline(text(t, "file_name"))
        );
        let _ = writeln!(out, "```text");
        for line in rows(archive, "transcript_lines")
            .filter(|l| l.get("transcript_id").and_then(Value::as_i64) == key)
        {
            let _ = writeln!(
                out,
                "{} <{}> {}",
                time(line, "at").unwrap_or_default(),
                text(line, "author"),
                text(line, "text").replace("```", "'''")
            );
        }
        let _ = writeln!(out, "```");
    }
    let _ = writeln!(out, "\n## Countermeasures\n");
    for c in rows(archive, "countermeasures") {
        let _ = writeln!(
            out,
            "- CM-{} {} ({}, {}, owner: {})",
            c.get("number").and_then(Value::as_i64).unwrap_or(0),
            inline(text(c, "title")),
            text(c, "status"),
            text(c, "kind"),
            match text(c, "owner") {
                "" => "none yet",
                o => o,
            }
        );
    }
    if let Some(p) = rows(archive, "postmortems").next() {
        let _ = writeln!(
            out,
            "\n## Post-mortem ({})\n\n{}\n",
            text(p, "status"),
            text(p, "body")
        );
    }
    if let Some(r) = rows(archive, "reviews").next() {
        let _ = writeln!(
            out,
            "\n## Review meeting\n\n- **When**: {}\n- **Where**: {}\n- **Attendees**: {}",
            time(r, "scheduled_at").unwrap_or_else(|| "not scheduled".into()),
            inline(text(r, "location")),
            inline(&text(r, "attendees").replace('\n', "; "))
        );
    }
    let _ = writeln!(out, "\n## History\n");
    for h in rows(archive, "audit_log") {
        let _ = writeln!(
            out,
            "- {} {}: {} {}",
            time(h, "at").unwrap_or_default(),
            inline(text(h, "actor_name")),
            text(h, "action"),
            inline(text(h, "object_label"))
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn archive(tables: Value) -> Value {
        json!({ "format": ARCHIVE_FORMAT, "version": ARCHIVE_VERSION, "tables": tables })
    }

    #[test]
    fn rows_of_another_incident_or_unsafe_fields_are_refused() {
        let ok = json!({
            "incidents": [{ "id": "x", "title": "Checkout latency", "time_zone": "UTC", "started_at": 1772632800 }],
            "timeline_events": [{ "id": "e", "incident_id": "x", "evidence_url": "https://grafana.example/d" }],
            "transcripts": [{ "id": 4, "incident_id": "x" }],
            "transcript_lines": [{ "id": 9, "transcript_id": 4 }],
        });
        assert!(check(&archive(ok.clone())).is_ok());
        let refused = |change: &dyn Fn(&mut Value), says: &str| {
            let mut tables = ok.clone();
            change(&mut tables);
            let e = check(&archive(tables)).unwrap_err();
            assert!(e.contains(says), "{says}: {e}");
        };
        refused(
            &|t| t["timeline_events"][0]["incident_id"] = json!("y"),
            "belongs to another incident",
        );
        refused(
            &|t| t["transcript_lines"][0]["transcript_id"] = json!(5),
            "belongs to a transcript",
        );
        refused(
            &|t| t["timeline_events"][0]["evidence_url"] = json!("javascript:alert(1)"),
            "https://",
        );
        refused(&|t| t["incidents"][0]["title"] = json!(""), "title");
        refused(
            &|t| t["incidents"][0]["time_zone"] = json!("Mars/Olympus"),
            "IANA",
        );
        refused(
            &|t| t["incidents"][0]["started_at"] = json!(-99_999_999_999_i64),
            "outside the years",
        );
        refused(
            &|t| t["incidents"][0]["title"] = json!("t".repeat(201)),
            "1 to 200",
        );
    }

    #[test]
    fn only_a_well_formed_archive_of_one_incident_passes() {
        assert!(
            check(&archive(
                json!({ "incidents": [{ "id": "x", "title": "Checkout latency" }] })
            ))
            .is_ok()
        );
        assert!(
            check(&json!([]))
                .unwrap_err()
                .contains("not a Debrief incident archive")
        );
        assert!(
            check(&json!({ "format": "zip" }))
                .unwrap_err()
                .contains("\"format\"")
        );
        let newer = json!({ "format": ARCHIVE_FORMAT, "version": 9, "tables": {} });
        assert!(check(&newer).unwrap_err().contains("newer Debrief"));
        assert!(
            check(&archive(json!({ "users": [] })))
                .unwrap_err()
                .contains("table \"users\"")
        );
        assert!(
            check(&archive(json!({ "incidents": [1] })))
                .unwrap_err()
                .contains("Row 1")
        );
        assert!(
            check(&archive(json!({ "incidents": [] })))
                .unwrap_err()
                .contains("holds 0")
        );
    }

    #[test]
    fn markdown_holds_every_part() {
        let a = archive(json!({
            "incidents": [{ "number": 7, "title": "Queue backlog", "severity": "outage",
                "status": "resolved", "summary_markdown": "Consumers stalled.", "detected_at": 1772618700 }],
            "incident_services": [{ "service": "queue" }],
            "timeline_events": [{ "at": 1772618700, "seq": 1, "actor": "kim", "kind": "alert",
                "body_markdown": "depth above 10k", "key_moment": "detected", "deleted_at": null }],
            "transcripts": [{ "id": 1, "channel": "#ops", "file_name": "ops.log" }],
            "transcript_lines": [{ "transcript_id": 1, "at": 1772618760, "author": "sam", "text": "on it" }],
            "countermeasures": [{ "number": 2, "title": "Alert on depth", "status": "proposed", "kind": "detect_sooner", "owner": "" }],
            "postmortems": [{ "status": "draft", "body": "## Contributing factors" }],
            "audit_log": [{ "at": 1772618800, "actor_name": "Kim", "action": "created", "object_label": "#7 Queue backlog" }]
        }));
        let md = to_markdown(&a);
        for part in [
            "# #7 Queue backlog",
            "- **Affected services**: queue",
            "Consumers stalled.",
            "- **Detected**: 2026-03-04 10:05:00 UTC",
            "**[detected]** kim (alert): depth above 10k",
            "## Transcript: #ops (ops.log)",
            "2026-03-04 10:06:00 UTC <sam> on it",
            "- CM-2 Alert on depth (proposed, detect_sooner, owner: none yet)",
            "## Post-mortem (draft)",
            "Kim: created #7 Queue backlog",
        ] {
            assert!(md.contains(part), "{part:?} missing from:\n{md}");
        }
    }
}
