//! Microsoft Teams messages, in the two shapes teams get them out in:
//!
//! - **Microsoft Graph `chatMessage` lists**, as admins export a channel or
//!   chat (Graph's list-messages and export APIs, eDiscovery and PowerShell
//!   tools): a top-level array, or an object with the array in `value` (a
//!   Graph page) or `messages`. Keys are read without regard to case
//!   (`createdDateTime` and PowerShell's `CreatedDateTime` alike). Replies are
//!   separate messages with a `replyToId`, or nested in their root's
//!   `replies` (Graph's `$expand=replies`).
//! - **The personal data export** (`messages.json` from Microsoft's privacy
//!   export): `conversations`, each with a `displayName` and a `MessageList`
//!   of messages with `originalarrivaltime`, `messagetype`, `displayName` (the
//!   sender) and `content`.
//!
//! # Entries
//!
//! - [`Entry::line`]: the message's 1-based position in the file (document
//!   order; nested replies counted after their root).
//! - [`Entry::stamp`]: `createdDateTime` / `originalarrivaltime` carry a
//!   zone (`Z` or an offset): always an instant. Entries are emitted in time
//!   order within each conversation (a stable sort).
//! - [`Entry::channel`]: the personal export's conversation name (else its
//!   id). Graph messages name their channel only by id: `None`, the
//!   transcript's own channel.
//! - [`Entry::thread`]: the root message's id, on a root that has replies
//!   (marked [`Entry::thread_root`], whatever its time) and on each reply
//!   (`replyToId`, a nested reply, or a chat reply quoting the message
//!   through a `messageReference` attachment).
//! - Kinds: a person's message ([`LineKind::Message`]); an application's
//!   ([`LineKind::Bot`], named by the app); system events
//!   (`systemEventMessage`, the personal export's `ThreadActivity/*` and
//!   `Event/Call`) as a readable sentence: members added or joining
//!   ([`LineKind::Join`]), removed or leaving ([`LineKind::Part`]), a chat or
//!   channel renamed or a topic set ([`LineKind::Topic`]), calls, pins and
//!   the rest ([`LineKind::System`]). A deleted message is a
//!   [`LineKind::System`] line "This message was deleted." by its author.
//! - Text: HTML bodies through [`super::html::to_text`] (`<at>` mentions as
//!   `@Sam Lee`, emoji as their character); file attachments follow as
//!   `[file: name (url)]` lines, cards as their text. An edited message
//!   (`lastEditedDateTime`, the export's `edittime`) ends with ` (edited)`.
//!
//! # Problems
//!
//! Invalid JSON: one problem with serde_json's line and column. A file of
//! neither shape: one problem on line 0. A message that is not an object or
//! has no readable time: skipped, with a problem on its position.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use crate::formats::{Emit, html, json};
use crate::{Entry, LineKind, Problem, Stamp};

/// How sure it is that `head` starts a Teams export.
pub fn sniff(head: &str) -> f32 {
    let t = head.trim_start_matches('\u{feff}').trim_start();
    if !t.starts_with(['{', '[']) {
        return 0.0;
    }
    let lower = t.to_ascii_lowercase();
    let has = |k: &str| lower.contains(&format!("\"{k}\""));
    if has("messagelist") || has("originalarrivaltime") {
        return if has("messagetype") || has("conversations") {
            1.0
        } else {
            0.85
        };
    }
    if !has("createddatetime") {
        return 0.0;
    }
    let signs = ["messagetype", "body", "contenttype", "replytoid", "from"]
        .iter()
        .filter(|k| has(k))
        .count();
    match signs {
        4.. => 1.0,
        3 => 0.9,
        2 => 0.6,
        _ => 0.2,
    }
}

/// One message, read, before threads are settled.
struct Message {
    pos: u64,
    id: Option<String>,
    /// What it replies to: `replyToId`, the nesting root, a quoted message.
    parent: Option<String>,
    at: DateTime<Utc>,
    kind: LineKind,
    author: Option<String>,
    text: String,
}

/// Reads a whole Teams export. `label` names the file in problems.
pub fn read(bytes: &[u8], label: &str, emit: Emit<'_>) {
    let root = match json::parse(bytes, label) {
        Ok(root) => root,
        Err(problem) => return emit(Err(problem)),
    };
    if let Some(conversations) = root
        .as_object()
        .and_then(|o| json::get_ci(o, "conversations"))
        .and_then(Value::as_array)
    {
        return personal_export(conversations, label, emit);
    }
    let items = match &root {
        Value::Array(items) => Some(items),
        Value::Object(o) => json::get_ci(o, "value")
            .or_else(|| json::get_ci(o, "messages"))
            .and_then(Value::as_array),
        _ => None,
    };
    let Some(items) = items else {
        return emit(Err(Problem::new(
            0,
            format!(
                "{label}: expected Teams messages (an array of chatMessage objects, a Graph page with \"value\", or the personal export's \"conversations\")"
            ),
        )));
    };
    let mut pos = 0;
    let mut messages = Vec::new();
    for item in items {
        graph_message(item, None, &mut pos, label, &mut messages, emit);
    }
    emit_conversation(messages, None, emit);
}

fn graph_message(
    item: &Value,
    nested_in: Option<&str>,
    pos: &mut u64,
    label: &str,
    out: &mut Vec<Message>,
    emit: Emit<'_>,
) {
    *pos += 1;
    let here = *pos;
    let Some(m) = item.as_object() else {
        return emit(Err(Problem::new(
            here,
            format!("{label}: message {here} is not a JSON object"),
        )));
    };
    let Some(at) = json::str_ci(m, "createdDateTime").and_then(instant) else {
        return emit(Err(Problem::new(
            here,
            format!(
                "{label}: message {here} has no readable \"createdDateTime\" (such as 2026-03-04T14:32:05.123Z), skipped"
            ),
        )));
    };
    let id = json::get_ci(m, "id").and_then(id_string);
    let from = json::obj_ci(m, "from");
    let user = from
        .and_then(|f| json::obj_ci(f, "user"))
        .and_then(|u| json::str_ci(u, "displayName"));
    let app = from
        .and_then(|f| json::obj_ci(f, "application"))
        .and_then(|a| json::str_ci(a, "displayName"));
    let attachments: Vec<&Map<String, Value>> = json::get_ci(m, "attachments")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .collect();
    let quoted = attachments
        .iter()
        .find(|a| json::str_ci(a, "contentType") == Some("messageReference"))
        .and_then(|a| json::get_ci(a, "id").and_then(id_string));
    let parent = json::get_ci(m, "replyToId")
        .and_then(id_string)
        .or_else(|| nested_in.map(str::to_string))
        .or(quoted);
    let message_type = json::str_ci(m, "messageType").unwrap_or("message");
    let event = json::obj_ci(m, "eventDetail");
    let deleted = json::get_ci(m, "deletedDateTime").is_some_and(|d| !d.is_null());
    let (kind, author, text) = if deleted {
        (
            LineKind::System,
            user.or(app),
            "This message was deleted.".to_string(),
        )
    } else if event.is_some() || message_type.eq_ignore_ascii_case("systemEventMessage") {
        let (kind, text) = event.map_or((LineKind::System, "System event".to_string()), |e| {
            graph_event(e)
        });
        let initiator = event
            .and_then(|e| json::obj_ci(e, "initiator"))
            .and_then(|i| json::obj_ci(i, "user"))
            .and_then(|u| json::str_ci(u, "displayName"));
        (kind, initiator.or(user), text)
    } else {
        let body = json::obj_ci(m, "body");
        let content = body.and_then(|b| json::str_ci(b, "content")).unwrap_or("");
        let is_html = body
            .and_then(|b| json::str_ci(b, "contentType"))
            .is_none_or(|t| t.eq_ignore_ascii_case("html"));
        let mut text = if is_html {
            html::to_text(content)
        } else {
            content.trim().to_string()
        };
        if json::get_ci(m, "lastEditedDateTime").is_some_and(|d| !d.is_null()) {
            text.push_str(" (edited)");
        }
        for line in attachments.iter().filter_map(|a| attachment_line(a)) {
            if !text.is_empty() {
                text.push('\n');
            }
            text.push_str(&line);
        }
        match (user, app) {
            (None, Some(app)) => (LineKind::Bot, Some(app), text),
            _ => (LineKind::Message, user, text),
        }
    };
    out.push(Message {
        pos: here,
        id: id.clone(),
        parent,
        at,
        kind,
        author: author.map(str::to_string),
        text,
    });
    let replies = json::get_ci(m, "replies").and_then(Value::as_array);
    for reply in replies.into_iter().flatten() {
        graph_message(reply, id.as_deref(), pos, label, out, emit);
    }
}

/// A message id as a string (Graph writes strings; some tools numbers).
fn id_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn instant(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// A file or card attachment as a line of text (quoted messages and others
/// give none).
fn attachment_line(a: &Map<String, Value>) -> Option<String> {
    let content_type = json::str_ci(a, "contentType").unwrap_or("");
    let name = json::str_ci(a, "name");
    let url = json::str_ci(a, "contentUrl");
    if content_type.eq_ignore_ascii_case("reference") || content_type.starts_with("image/") {
        return Some(match (name, url) {
            (Some(name), Some(url)) => format!("[file: {} ({})]", name.trim(), url.trim()),
            (Some(name), None) => format!("[file: {}]", name.trim()),
            (None, Some(url)) => format!("[file: {}]", url.trim()),
            (None, None) => return None,
        });
    }
    if content_type.contains("card") {
        let card = json::get_ci(a, "content")?;
        let parsed;
        let card = match card {
            Value::String(s) => {
                parsed = json::parse_value(s.as_bytes(), MAX_CARD_BYTES).ok()?;
                &parsed
            }
            other => other,
        };
        let mut texts = Vec::new();
        card_texts(card, &mut texts, 0);
        return (!texts.is_empty()).then(|| texts.join("\n"));
    }
    None
}

/// The memory a card written as a JSON string may take once parsed (cards
/// are a few KB; a larger one is left out).
const MAX_CARD_BYTES: u64 = 16 * 1024 * 1024;

/// The `text` and `title` strings of an adaptive or hero card, in order.
fn card_texts(v: &Value, out: &mut Vec<String>, depth: usize) {
    if depth > 32 || out.len() > 64 {
        return;
    }
    match v {
        Value::Object(o) => {
            for (k, v) in o {
                match v {
                    Value::String(s) if (k == "text" || k == "title") && !s.trim().is_empty() => {
                        out.push(s.trim().to_string())
                    }
                    _ => card_texts(v, out, depth + 1),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| card_texts(i, out, depth + 1)),
        _ => {}
    }
}

/// A Graph event as a kind and a sentence.
fn graph_event(e: &Map<String, Value>) -> (LineKind, String) {
    let odata = json::str_ci(e, "@odata.type").unwrap_or("");
    let name = odata
        .trim_start_matches("#microsoft.graph.")
        .trim_end_matches("EventMessageDetail");
    let members: Vec<&str> = json::get_ci(e, "members")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .filter_map(|m| json::str_ci(m, "displayName"))
        .collect();
    let who = if members.is_empty() {
        "a member".to_string()
    } else {
        members.join(", ")
    };
    match name {
        "membersAdded" => (LineKind::Join, format!("added {who}")),
        "membersJoined" => (LineKind::Join, format!("{who} joined")),
        "membersDeleted" => (LineKind::Part, format!("removed {who}")),
        "membersLeft" => (LineKind::Part, format!("{who} left")),
        "channelRenamed" | "chatRenamed" | "teamRenamed" => {
            let new_name = json::str_ci(e, "channelDisplayName")
                .or_else(|| json::str_ci(e, "chatDisplayName"))
                .or_else(|| json::str_ci(e, "teamDisplayName"))
                .unwrap_or("?");
            (LineKind::Topic, format!("renamed it to {new_name}"))
        }
        "callEnded" => {
            let duration = json::str_ci(e, "callDuration")
                .and_then(iso_seconds)
                .and_then(human_seconds);
            (
                LineKind::System,
                match duration {
                    Some(d) => format!("Call ended after {d}"),
                    None => "Call ended".to_string(),
                },
            )
        }
        "" => (LineKind::System, "System event".to_string()),
        other => (LineKind::System, sentence_of(other)),
    }
}

/// `messagePinned` → "Message pinned".
fn sentence_of(camel: &str) -> String {
    let mut out = String::with_capacity(camel.len() + 4);
    for (i, c) in camel.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push(' ');
            out.push(c.to_ascii_lowercase());
        } else if i == 0 {
            out.push(c.to_ascii_uppercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// An ISO 8601 duration (`PT1H2M3S`) in seconds.
fn iso_seconds(s: &str) -> Option<f64> {
    let rest = s.trim().strip_prefix("PT")?;
    let mut total = 0.0;
    let mut number = String::new();
    for c in rest.chars() {
        match c {
            '0'..='9' | '.' => number.push(c),
            'H' | 'M' | 'S' => {
                let value: f64 = number.parse().ok()?;
                number.clear();
                total += value
                    * match c {
                        'H' => 3600.0,
                        'M' => 60.0,
                        _ => 1.0,
                    };
            }
            _ => return None,
        }
    }
    (number.is_empty() && total.is_finite()).then_some(total)
}

/// Seconds as "1 h 2 min 3 s" (`None` for none).
fn human_seconds(seconds: f64) -> Option<String> {
    if !(1.0..1e9).contains(&seconds) {
        return None;
    }
    let total = seconds.round() as u64;
    let parts: Vec<String> = [
        (total / 3600, "h"),
        (total / 60 % 60, "min"),
        (total % 60, "s"),
    ]
    .into_iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, unit)| format!("{n} {unit}"))
    .collect();
    Some(parts.join(" "))
}

fn personal_export(conversations: &[Value], label: &str, emit: Emit<'_>) {
    let mut pos = 0u64;
    for conversation in conversations.iter().filter_map(Value::as_object) {
        let channel = json::str_ci(conversation, "displayName")
            .or_else(|| json::str_ci(conversation, "id"))
            .map(|s| s.trim().to_string());
        let list = json::get_ci(conversation, "MessageList").and_then(Value::as_array);
        let items: Vec<&Value> = list.into_iter().flatten().collect();
        // Senders by id, for the members events name.
        let names: HashMap<&str, &str> = items
            .iter()
            .filter_map(|i| i.as_object())
            .filter_map(|m| Some((json::str_ci(m, "from")?, json::str_ci(m, "displayName")?)))
            .collect();
        let mut messages = Vec::with_capacity(items.len());
        for item in items {
            pos += 1;
            match personal_message(item, pos, label, &names) {
                Ok(Some(m)) => messages.push(m),
                Ok(None) => {}
                Err(problem) => emit(Err(problem)),
            }
        }
        emit_conversation(messages, channel, emit);
    }
}

fn personal_message(
    item: &Value,
    pos: u64,
    label: &str,
    names: &HashMap<&str, &str>,
) -> Result<Option<Message>, Problem> {
    let Some(m) = item.as_object() else {
        return Err(Problem::new(
            pos,
            format!("{label}: message {pos} is not a JSON object"),
        ));
    };
    let Some(at) = json::str_ci(m, "originalarrivaltime").and_then(instant) else {
        return Err(Problem::new(
            pos,
            format!(
                "{label}: message {pos} has no readable \"originalarrivaltime\" (such as 2026-03-04T14:32:05.123Z), skipped"
            ),
        ));
    };
    let message_type = json::str_ci(m, "messagetype").unwrap_or("Text");
    let content = json::str_ci(m, "content").unwrap_or("");
    let author = json::str_ci(m, "displayName")
        .or_else(|| json::str_ci(m, "from").and_then(|f| names.get(f).copied()))
        .map(str::to_string);
    let properties = json::obj_ci(m, "properties");
    let prop = |k: &str| {
        properties
            .and_then(|p| json::get_ci(p, k))
            .is_some_and(|v| !v.is_null() && v.as_str() != Some(""))
    };
    let name_of = |id: &str| {
        names
            .get(id.trim())
            .copied()
            .unwrap_or("a member")
            .to_string()
    };
    let (kind, text) = if prop("deletetime") {
        (LineKind::System, "This message was deleted.".to_string())
    } else if let Some(activity) = message_type.strip_prefix("ThreadActivity/") {
        let target = xml_value(content, "target").map(|t| name_of(&t));
        match activity {
            "AddMember" => (
                LineKind::Join,
                format!("added {}", target.as_deref().unwrap_or("a member")),
            ),
            "DeleteMember" => (
                LineKind::Part,
                format!("removed {}", target.as_deref().unwrap_or("a member")),
            ),
            "TopicUpdate" => (
                LineKind::Topic,
                format!(
                    "set the topic to {}",
                    xml_value(content, "value").unwrap_or_default()
                ),
            ),
            other => (LineKind::System, sentence_of(other)),
        }
    } else if message_type.starts_with("Event/Call") {
        let duration = xml_value(content, "duration")
            .and_then(|d| d.trim().parse::<f64>().ok())
            .and_then(human_seconds);
        let ended = content.contains("type=\"ended\"");
        let text = match (ended, duration) {
            (true, Some(d)) => format!("Call ended after {d}"),
            (true, _) => "Call ended".to_string(),
            (false, _) => "Call started".to_string(),
        };
        (LineKind::System, text)
    } else if message_type.starts_with("Text") {
        (LineKind::Message, content.trim().to_string())
    } else {
        (LineKind::Message, html::to_text(content))
    };
    let mut text = text;
    if kind == LineKind::Message && prop("edittime") {
        text.push_str(" (edited)");
    }
    if kind == LineKind::Message && text.is_empty() {
        return Ok(None);
    }
    Ok(Some(Message {
        pos,
        id: json::get_ci(m, "id").and_then(id_string),
        parent: None,
        at,
        kind,
        author,
        text,
    }))
}

/// The text of the first `<name>…</name>` element in `xml`, decoded.
fn xml_value(xml: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</{name}>"))?;
    Some(html::to_text(&xml[start..start + end]))
}

/// Settles threads (each message's thread is the top of its reply chain; a
/// message with replies carries its own id) and emits in time order.
fn emit_conversation(mut messages: Vec<Message>, channel: Option<String>, emit: Emit<'_>) {
    let parents: HashMap<&str, &str> = messages
        .iter()
        .filter_map(|m| Some((m.id.as_deref()?, m.parent.as_deref()?)))
        .collect();
    let root_of = |start: &str| {
        let mut current = start;
        // Bounded: a cycle of references ends the walk.
        for _ in 0..64 {
            match parents.get(current) {
                Some(next) if *next != current => current = next,
                _ => break,
            }
        }
        current.to_string()
    };
    let threads: Vec<Option<String>> = messages
        .iter()
        .map(|m| m.parent.as_deref().map(root_of))
        .collect();
    let has_replies: std::collections::HashSet<&str> =
        threads.iter().flatten().map(String::as_str).collect();
    let threads: Vec<Option<String>> = messages
        .iter()
        .zip(&threads)
        .map(|(m, t)| {
            t.clone().or_else(|| {
                m.id.as_deref()
                    .filter(|id| has_replies.contains(id))
                    .map(str::to_string)
            })
        })
        .collect();
    let mut order: Vec<usize> = (0..messages.len()).collect();
    order.sort_by_key(|&i| messages[i].at);
    let mut taken: Vec<Option<Message>> = messages.drain(..).map(Some).collect();
    for i in order {
        let Some(m) = taken[i].take() else { continue };
        emit(Ok(Entry {
            line: m.pos,
            stamp: Stamp::Exact(m.at),
            kind: m.kind,
            author: m.author,
            text: m.text,
            thread_root: m.parent.is_none() && threads[i].is_some(),
            thread: threads[i].clone(),
            channel: channel.clone(),
            approximate: false,
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_event_names() {
        assert_eq!(iso_seconds("PT1H2M3S"), Some(3723.0));
        assert_eq!(iso_seconds("PT12M30.5S"), Some(750.5));
        assert_eq!(iso_seconds("P1D"), None);
        assert_eq!(iso_seconds("PT5X"), None);
        assert_eq!(iso_seconds("PT5"), None);
        assert_eq!(human_seconds(3723.0).as_deref(), Some("1 h 2 min 3 s"));
        assert_eq!(human_seconds(750.0).as_deref(), Some("12 min 30 s"));
        assert_eq!(human_seconds(0.0), None);
        assert_eq!(sentence_of("messagePinned"), "Message pinned");
    }

    #[test]
    fn xml_values_of_the_personal_export() {
        let xml = "<addmember><eventtime>1</eventtime><target>8:orgid:a&amp;b</target></addmember>";
        assert_eq!(xml_value(xml, "target").as_deref(), Some("8:orgid:a&b"));
        assert_eq!(xml_value(xml, "value"), None);
        assert_eq!(xml_value("<value>unclosed", "value"), None);
    }

    #[test]
    fn sniffing() {
        assert_eq!(
            sniff(
                "{\"@odata.context\":\"x\",\"value\":[{\"id\":\"1\",\"replyToId\":null,\"messageType\":\"message\",\"createdDateTime\":\"2026-03-04T14:32:05Z\",\"from\":{},\"body\":{\"contentType\":\"html\""
            ),
            1.0
        );
        assert_eq!(
            sniff(
                "{\"userId\":\"8:x\",\"conversations\":[{\"MessageList\":[{\"originalarrivaltime\":\"2026"
            ),
            1.0
        );
        assert_eq!(sniff("{\"messages\":[{\"timestamp\":\"2026\"}]}"), 0.0);
        assert_eq!(sniff("14:32 <sam> createdDateTime"), 0.0);
    }
}
