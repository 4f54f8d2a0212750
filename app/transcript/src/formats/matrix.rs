//! Element's (Matrix) "Export chat": the JSON export and the plain-text export.
//!
//! # JSON ([`read_json`], [`sniff_json`])
//!
//! Element writes `{"room_name", "room_creator", "topic", "export_date",
//! "exported_by", "messages": [...]}`, each message a Matrix event as the
//! client-server API gives it (`type`, `sender`, `origin_server_ts` in epoch
//! milliseconds, `event_id`, `content`, `unsigned`). A bare JSON array of
//! events, or an object with a `chunk` array (the `/messages` API), is read
//! the same way.
//!
//! - [`Entry::line`] is the event's 1-based position in the `messages` array
//!   (an edited message keeps its original's position). Events are emitted in
//!   order of `origin_server_ts`, sorted stably (Element writes them in order).
//! - [`Entry::stamp`] is always [`Stamp::Exact`] (`origin_server_ts`).
//! - [`Entry::channel`] is `#<room_name>` when the export names its room.
//! - Names: the `displayname` of the sender's latest `m.room.member` event
//!   before the message; before the user's first member event in the export,
//!   the `displayname` in that event's `unsigned.prev_content` (the name they
//!   already had); else the localpart of the user id (`sam` for
//!   `@sam:example.org`).
//! - Messages (`m.room.message`): `m.text` → message, `m.emote` → action,
//!   `m.notice` → notice; `m.image`/`m.file`/`m.video`/`m.audio` →
//!   `[file: name (mxc://...)]` (a caption, when `filename` and `body`
//!   differ, on the line before); `m.sticker` → `[sticker: body]`. The text
//!   is `formatted_body` rendered to plain text when `format` is
//!   `org.matrix.custom.html` (links as `label (url)`, user pills as
//!   `@name`, `<br>` and blocks as line breaks, `<mx-reply>` removed), else
//!   `body`, whose reply fallback (the leading `> ` lines and the blank line
//!   after them) is removed on replies.
//! - Edits (`rel_type: m.replace`, or a full edit event in
//!   `unsigned.m.relations.m.replace`): the latest edit by the original's
//!   sender replaces the original's text (`m.new_content`, else the edit's
//!   body without its leading `* `), marked ` (edited)`; the edit event is not
//!   an entry of its own. Edits by someone else are ignored (as the spec
//!   says). An edit whose original is not in the export is an entry at its
//!   own place, with its new text, marked ` (edited)`.
//! - Deletions: an event with `unsigned.redacted_because`, or the target of
//!   an `m.room.redaction` in the export, is a system line
//!   `(message deleted)` by its sender; the redaction event itself is then not
//!   an entry. A redaction whose target is not in the export is a system line
//!   `(message deleted)` by the one who redacted.
//! - Threads: [`Entry::thread`] is the thread root's event id
//!   (`rel_type: m.thread`), on the root too (marked
//!   [`Entry::thread_root`], whatever its time). A reply (`m.in_reply_to`)
//!   outside a thread joins the thread of the message it answers when that
//!   one is in a thread or a reply chain, else starts one keyed by the
//!   answered event's id (set on that event too, its root, when it is in the
//!   export).
//!   So a chain of replies is one thread, keyed by its first message.
//! - State events, as Element words them: `m.room.member` joins → join
//!   (`Sam Lee joined the room`); leaving → part (`Sam Lee left the room`);
//!   a kick or a ban of a member → part of the removed member (`Kim removed
//!   Sam: reason`, `Kim banned Sam`), as the IRC formats do; display-name
//!   changes → nick, by the old name (`Kim changed their display name to Kim
//!   Park`); invites, unbans, withdrawn or rejected invites, avatar changes →
//!   system. `m.room.topic` and `m.room.name` → topic; `m.room.create`,
//!   pins, calls, encryption and other state → system; an `m.room.encrypted`
//!   event (not decrypted at export) → system `(unable to decrypt message)`.
//!   Reactions, receipts and other events with nothing to read are skipped.
//!
//! Problems: invalid JSON is one problem with serde_json's line (and line
//! and column in the reason). An event that is not an object, or has no
//! `type` or no integer `origin_server_ts`, is skipped with a problem at its
//! position.
//!
//! # Plain text ([`read_text`], [`sniff_text`])
//!
//! Element writes one line per event, `<date and time> - <text>`, where the
//! text is what the timeline shows; a multi-line message continues on the
//! following lines. Element has used several date layouts over the years;
//! all of these are read (the day name is optional and not checked):
//!
//! | Element | Example |
//! |---|---|
//! | since 2023, `en-US` (`Intl`, 12-hour; U+202F or a space before `PM`) | `Wed, Mar 4, 2026, 2:32:05 PM` |
//! | since 2023, 24-hour | `Wed, Mar 4, 2026, 14:32:05` |
//! | since 2023, `en-GB` and similar | `Wed, 4 Mar 2026, 14:32:05`, `Wed, 4 Mar 2026, 2:32:05 pm` |
//! | 2022 (`formatFullDate`) | `Wed, Mar 4 2026 14:32:05`, `Wed, Mar 4 2026 2:32:05PM` |
//! | 2021 (`toLocaleString`) | `3/4/2026, 2:32:05 PM`, `04/03/2026, 14:32:05`, `4.3.2026, 14:32:05`, `2026-03-04 14:32:05` |
//!
//! Month names are English (full or abbreviated); `at` between date and time
//! is accepted; 12-hour times take `AM`/`PM` in any case, with or without a
//! space or `a.m.`/`p.m.`. Numeric dates must have seconds (as Element
//! writes them). `d/m/yyyy` against `m/d/yyyy` is decided for the whole file:
//! day first when a first number above 12 appears and no second one does,
//! or when the numbers are zero-padded (`04/03/2026`, which `en-US` never
//! writes); month first otherwise. Dots and dashes (`4.3.2026`, `4-3-2026`)
//! are day first; `2026/03/04` and `2026-03-04` are year first.
//!
//! The export has no zone: every [`Entry::stamp`] is [`Stamp::Local`] with
//! its date. [`Entry::line`] is the 1-based line the message starts on.
//!
//! After the time and ` - `:
//! - `Name: text` → message (`Name: Message deleted` and `Name: Message
//!   deleted by Other` → system `(message deleted)`; a text ending with
//!   ` (Media omitted)`, ` (File Attached)`, ` (Media omitted - file size
//!   limit exceeded)` or ` (Error fetching file)` is an attachment,
//!   `[file: name]`; a reply keeps Element's `<@user:server "quote"> text`).
//! - `* Name text` → action (the name is the longest name seen elsewhere in
//!   the file that the line starts with, else the first word).
//! - The sentences of the JSON section above (`joined the room`, `left the
//!   room`, `changed their display name to`, `changed the topic to`,
//!   `changed the room name to`, `removed`, `banned`, `invited`, ...) →
//!   the same kinds and authors; `Name sent an image.` → message
//!   `[file: image]`, `Name sent a sticker.` → message `[sticker]`; any other
//!   line → system, by a name seen elsewhere in the file when it starts with
//!   one. A `Name: ` before a sentence's verb makes the line a message
//!   (`Sam: I joined the room`).
//!
//! Lines before the first message: blank lines and headers (`Exported from
//! <room> by <user> at <date>`, or the HTML export's `This is the start of
//! export of <room>. Exported by <user> at <date>.`) are skipped; a header's
//! room gives [`Entry::channel`] `#<room>`. Any other line there, and a line
//! whose date or time is impossible (`Feb 30`, `13:00 PM`), is a problem; the
//! lines after an unreadable message line are skipped with it.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde_json::{Map, Value};

use crate::formats::common::{digits, is_weekday, meridiem, month_word};
use crate::formats::{Emit, html, json};
use crate::{Entry, LineKind, Problem, Stamp};

/// Reads Element's JSON export, whole. `label` names the file in problems.
pub fn read_json(bytes: &[u8], label: &str, emit: Emit<'_>) {
    let document = match json::parse(bytes, label) {
        Ok(document) => document,
        Err(problem) => {
            emit(Err(problem));
            return;
        }
    };
    let (items, channel) = match &document {
        Value::Array(items) => (items, None),
        Value::Object(top) => {
            let items = top
                .get("messages")
                .or_else(|| top.get("chunk"))
                .and_then(Value::as_array);
            let Some(items) = items else {
                emit(Err(Problem::new(
                    0,
                    format!(
                        "{label}: expected a JSON object with a \"messages\" array (Element's export)"
                    ),
                )));
                return;
            };
            let channel = top
                .get("room_name")
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(|n| {
                    if n.starts_with('#') {
                        n.to_string()
                    } else {
                        format!("#{n}")
                    }
                });
            (items, channel)
        }
        _ => {
            emit(Err(Problem::new(
                0,
                format!(
                    "{label}: expected a JSON object with a \"messages\" array (Element's export)"
                ),
            )));
            return;
        }
    };
    let mut events = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let pos = index as u64 + 1;
        match event(item, pos, label) {
            Ok(ev) => events.push(ev),
            Err(problem) => emit(Err(problem)),
        }
    }
    // Stable: events with the same time keep the export's order.
    events.sort_by_key(|e| e.ts);
    Room::new(&events).emit(&events, channel.as_deref(), emit);
}

/// How sure it is that `head` starts an Element JSON export (or an array of
/// Matrix events).
pub fn sniff_json(head: &str) -> f32 {
    let t = head.trim_start_matches('\u{feff}').trim_start();
    if !t.starts_with('{') && !t.starts_with('[') {
        return 0.0;
    }
    let has = |s: &str| t.contains(s);
    let events = has("\"origin_server_ts\"");
    let export = has("\"room_name\"") && (has("\"exported_by\"") || has("\"room_creator\""));
    if !events && !export {
        return 0.0;
    }
    let mut score: f32 = 0.0;
    if events {
        score += 0.45;
    }
    if export {
        score += 0.3;
    }
    if has("\"event_id\"") {
        score += 0.1;
    }
    if has("\"m.room.") {
        score += 0.2;
    }
    if has("\"sender\"") && has("\"@") {
        score += 0.1;
    }
    score.min(1.0)
}

/// One event of the export, checked.
struct Ev<'a> {
    /// 1-based position in the `messages` array.
    pos: u64,
    ts: i64,
    at: DateTime<Utc>,
    kind: &'a str,
    sender: Option<&'a str>,
    id: Option<&'a str>,
    object: &'a Map<String, Value>,
    content: Option<&'a Map<String, Value>>,
}

fn event<'a>(item: &'a Value, pos: u64, label: &str) -> Result<Ev<'a>, Problem> {
    let Some(object) = item.as_object() else {
        return Err(Problem::new(
            pos,
            format!("{label}: message {pos} is not a JSON object (expected a Matrix event)"),
        ));
    };
    let Some(kind) = json::str_of(object, "type") else {
        return Err(Problem::new(
            pos,
            format!(
                "{label}: message {pos} has no \"type\" (expected a Matrix event type like \"m.room.message\")"
            ),
        ));
    };
    let ts = match object.get("origin_server_ts") {
        Some(Value::Number(n)) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.is_finite() && f.fract() == 0.0 && f.abs() < 9.0e15)
                .map(|f| f as i64)
        }),
        _ => None,
    };
    let at = ts.and_then(DateTime::from_timestamp_millis);
    let (Some(ts), Some(at)) = (ts, at) else {
        return Err(Problem::new(
            pos,
            format!(
                "{label}: message {pos} has no \"origin_server_ts\" in epoch milliseconds (found {})",
                object
                    .get("origin_server_ts")
                    .map_or_else(|| "nothing".to_string(), short_json)
            ),
        ));
    };
    Ok(Ev {
        pos,
        ts,
        at,
        kind,
        sender: json::str_of(object, "sender"),
        id: json::str_of(object, "event_id"),
        object,
        content: object.get("content").and_then(Value::as_object),
    })
}

/// A JSON value for a problem, cut short.
fn short_json(v: &Value) -> String {
    let s = v.to_string();
    match s.char_indices().nth(40) {
        Some((at, _)) => format!("{}...", &s[..at]),
        None => s,
    }
}

fn opt_str<'a>(m: Option<&'a Map<String, Value>>, key: &str) -> Option<&'a str> {
    m.and_then(|m| json::str_of(m, key))
}

fn opt_obj<'a>(m: Option<&'a Map<String, Value>>, key: &str) -> Option<&'a Map<String, Value>> {
    m.and_then(|m| m.get(key)).and_then(Value::as_object)
}

/// `sam` for `@sam:example.org`.
pub(crate) fn localpart(mxid: &str) -> &str {
    let bare = mxid.strip_prefix('@').unwrap_or(mxid);
    match bare.split_once(':') {
        Some((local, _)) if !local.is_empty() => local,
        _ if !bare.is_empty() => bare,
        _ => mxid,
    }
}

/// What `m.relates_to` says.
#[derive(Default)]
struct Relation<'a> {
    rel_type: Option<&'a str>,
    event_id: Option<&'a str>,
    reply_to: Option<&'a str>,
}

fn relation(content: Option<&Map<String, Value>>) -> Relation<'_> {
    let Some(rel) = opt_obj(content, "m.relates_to") else {
        return Relation::default();
    };
    Relation {
        rel_type: json::str_of(rel, "rel_type"),
        event_id: json::str_of(rel, "event_id"),
        reply_to: rel
            .get("m.in_reply_to")
            .and_then(Value::as_object)
            .and_then(|r| json::str_of(r, "event_id")),
    }
}

fn is_redacted(object: &Map<String, Value>) -> bool {
    object
        .get("unsigned")
        .and_then(|u| u.get("redacted_because"))
        .is_some_and(|r| !r.is_null())
}

/// An edit to apply: its time, its order and its new content (`m.new_content`,
/// or the edit's own content whose body starts with `* `).
#[derive(Clone, Copy)]
struct Edit<'a> {
    key: (i64, usize),
    content: Option<&'a Map<String, Value>>,
    fallback: bool,
}

fn edit_of<'a>(content: Option<&'a Map<String, Value>>, key: (i64, usize)) -> Edit<'a> {
    match opt_obj(content, "m.new_content") {
        Some(new) => Edit {
            key,
            content: Some(new),
            fallback: false,
        },
        None => Edit {
            key,
            content,
            fallback: true,
        },
    }
}

/// What was worked out about the room before emitting.
struct Room<'a> {
    /// Indices (in time order) of events that are not entries of their own.
    consumed: HashSet<usize>,
    /// The latest edit of each edited event id.
    edits: HashMap<&'a str, Edit<'a>>,
    /// Event ids deleted by a redaction in the export.
    redacted: HashSet<&'a str>,
    /// Thread keys by event id.
    threads: HashMap<&'a str, String>,
    /// Ids that start a thread (a thread root, or a message answered by a reply).
    roots: HashSet<&'a str>,
    /// Names users had before their first member event in the export.
    first_names: HashMap<&'a str, &'a str>,
    first_membership: HashMap<&'a str, &'a str>,
}

impl<'a> Room<'a> {
    fn new(events: &'a [Ev<'a>]) -> Self {
        let mut room = Room {
            consumed: HashSet::new(),
            edits: HashMap::new(),
            redacted: HashSet::new(),
            threads: HashMap::new(),
            roots: HashSet::new(),
            first_names: HashMap::new(),
            first_membership: HashMap::new(),
        };
        let by_id: HashMap<&str, usize> = events
            .iter()
            .enumerate()
            .filter_map(|(i, e)| e.id.map(|id| (id, i)))
            .collect();
        for (i, ev) in events.iter().enumerate() {
            let rel = relation(ev.content);
            // Edits.
            if rel.rel_type == Some("m.replace")
                && let Some(target) = rel.event_id
                && let Some(&original) = by_id.get(target)
            {
                room.consumed.insert(i);
                if events.get(original).and_then(|o| o.sender) == ev.sender {
                    consider(&mut room.edits, target, edit_of(ev.content, (ev.ts, i)));
                }
            }
            // A server-side aggregated edit carried by the original.
            if let (Some(id), Some(edit)) = (
                ev.id,
                ev.object
                    .get("unsigned")
                    .and_then(|u| u.get("m.relations"))
                    .and_then(|r| r.get("m.replace"))
                    .and_then(Value::as_object),
            ) && edit.get("content").is_some()
            {
                let sender = json::str_of(edit, "sender");
                if sender.is_none() || sender == ev.sender {
                    let ts = edit
                        .get("origin_server_ts")
                        .and_then(Value::as_i64)
                        .unwrap_or(ev.ts);
                    let content = edit.get("content").and_then(Value::as_object);
                    consider(&mut room.edits, id, edit_of(content, (ts, usize::MAX)));
                }
            }
            // Redactions.
            if ev.kind == "m.room.redaction" {
                let target =
                    json::str_of(ev.object, "redacts").or_else(|| opt_str(ev.content, "redacts"));
                if let Some(target) = target
                    && by_id.contains_key(target)
                {
                    room.redacted.insert(target);
                    room.consumed.insert(i);
                }
            }
            // Threads and replies.
            if let Some(id) = ev.id {
                if rel.rel_type == Some("m.thread")
                    && let Some(root) = rel.event_id
                {
                    room.threads.insert(id, root.to_string());
                    room.roots.insert(root);
                } else if let Some(answered) = rel.reply_to {
                    match room.threads.get(answered).cloned() {
                        Some(key) => {
                            room.threads.insert(id, key);
                        }
                        None => {
                            room.threads.insert(id, answered.to_string());
                            room.roots.insert(answered);
                        }
                    }
                }
                let aggregated_thread = ev
                    .object
                    .get("unsigned")
                    .and_then(|u| u.get("m.relations"))
                    .and_then(|r| r.get("m.thread"))
                    .is_some();
                if aggregated_thread {
                    room.roots.insert(id);
                }
            }
            // Names users had before the export's first member event about them.
            if ev.kind == "m.room.member"
                && let Some(target) = json::str_of(ev.object, "state_key").or(ev.sender)
                && !room.first_membership.contains_key(target)
            {
                let prev = prev_content(ev.object);
                let prev_membership = opt_str(prev, "membership").unwrap_or("leave");
                room.first_membership.insert(target, prev_membership);
                if prev_membership == "join"
                    && let Some(name) = opt_str(prev, "displayname")
                {
                    room.first_names.insert(target, name);
                }
            }
        }
        room
    }

    fn thread(&self, ev: &Ev<'_>) -> Option<String> {
        let id = ev.id?;
        self.threads
            .get(id)
            .cloned()
            .or_else(|| self.roots.contains(id).then(|| id.to_string()))
    }

    fn emit(&self, events: &[Ev<'_>], channel: Option<&str>, emit: Emit<'_>) {
        let mut people = People {
            names: self
                .first_names
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            membership: self
                .first_membership
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        };
        for (i, ev) in events.iter().enumerate() {
            if self.consumed.contains(&i) {
                continue;
            }
            let read = if ev.kind == "m.room.member" {
                member(ev, &mut people)
            } else {
                self.other(ev, &people)
            };
            let Some((kind, author, text)) = read else {
                continue;
            };
            let thread = match kind {
                LineKind::Message
                | LineKind::Action
                | LineKind::Notice
                | LineKind::Bot
                | LineKind::System => self.thread(ev),
                _ => None,
            };
            emit(Ok(Entry {
                line: ev.pos,
                stamp: Stamp::Exact(ev.at),
                kind,
                author,
                text,
                thread_root: thread.is_some() && thread.as_deref() == ev.id,
                thread,
                channel: channel.map(str::to_string),
                approximate: false,
            }));
        }
    }

    /// Any event but a member event.
    fn other(&self, ev: &Ev<'_>, people: &People) -> Option<(LineKind, Option<String>, String)> {
        let name = ev.sender.map(|s| people.name(s));
        let who = name.clone().unwrap_or_else(|| "Someone".to_string());
        let redacted = is_redacted(ev.object) || ev.id.is_some_and(|id| self.redacted.contains(id));
        let deleted = (
            LineKind::System,
            name.clone(),
            "(message deleted)".to_string(),
        );
        if redacted {
            return Some(deleted);
        }
        let content = ev.content;
        match ev.kind {
            "m.room.message" | "m.sticker" => {
                let rel = relation(content);
                let edit = ev.id.and_then(|id| self.edits.get(id));
                let (kind, mut text) = match edit {
                    Some(edit) => {
                        let (kind, text) = message(ev.kind, edit.content, false, edit.fallback);
                        (kind, with_edited(text))
                    }
                    None if rel.rel_type == Some("m.replace") => {
                        // An edit whose original is not in the export.
                        let edit = edit_of(content, (ev.ts, 0));
                        let (kind, text) = message(ev.kind, edit.content, false, edit.fallback);
                        (kind, with_edited(text))
                    }
                    None => message(ev.kind, content, rel.reply_to.is_some(), false),
                };
                if text.is_empty() && kind == LineKind::Message && content.is_none_or(Map::is_empty)
                {
                    text = "(message deleted)".to_string();
                    return Some((LineKind::System, name, text));
                }
                Some((kind, name, text))
            }
            "m.room.redaction" => Some(deleted),
            "m.room.topic" => {
                let topic = opt_str(content, "topic")
                    .map(str::trim)
                    .filter(|t| !t.is_empty());
                let text = match topic {
                    Some(topic) => format!("{who} changed the topic to \"{topic}\"."),
                    None => format!("{who} removed the topic."),
                };
                Some((LineKind::Topic, name, text))
            }
            "m.room.name" => {
                let new = opt_str(content, "name")
                    .map(str::trim)
                    .filter(|t| !t.is_empty());
                let old = opt_str(prev_content(ev.object), "name");
                let text = match (new, old) {
                    (Some(new), Some(old)) if old != new => {
                        format!("{who} changed the room name from {old} to {new}.")
                    }
                    (Some(new), _) => format!("{who} changed the room name to {new}."),
                    (None, _) => format!("{who} removed the room name."),
                };
                Some((LineKind::Topic, name, text))
            }
            "m.room.create" => Some((LineKind::System, name, format!("{who} created the room."))),
            "m.room.encrypted" => Some((
                LineKind::System,
                name,
                "(unable to decrypt message)".to_string(),
            )),
            "m.room.encryption" => Some((
                LineKind::System,
                name,
                format!("{who} enabled end-to-end encryption."),
            )),
            "m.room.pinned_events" => Some((
                LineKind::System,
                name,
                format!("{who} changed the pinned messages for the room."),
            )),
            "m.room.avatar" => Some((
                LineKind::System,
                name,
                format!("{who} changed the room avatar."),
            )),
            "m.room.canonical_alias" => {
                let text = match opt_str(content, "alias") {
                    Some(alias) => format!("{who} set the main address for this room to {alias}."),
                    None => format!("{who} removed the main address for this room."),
                };
                Some((LineKind::System, name, text))
            }
            "m.call.invite" => Some((LineKind::System, name, format!("{who} placed a call."))),
            "m.call.hangup" => Some((LineKind::System, name, format!("{who} ended the call."))),
            "m.reaction" | "m.receipt" | "m.typing" | "m.room.server_acl" => None,
            other => {
                if ev.object.get("state_key").is_some_and(Value::is_string) {
                    Some((
                        LineKind::System,
                        name,
                        format!("{who} changed the room settings ({other})."),
                    ))
                } else {
                    // Another kind of message (a poll, a location): its body.
                    let body = opt_str(content, "body")?;
                    Some((LineKind::Message, name, body.trim().to_string()))
                }
            }
        }
    }
}

/// Keeps `edit` for `target` when it is the latest seen.
fn consider<'a>(edits: &mut HashMap<&'a str, Edit<'a>>, target: &'a str, edit: Edit<'a>) {
    if edits.get(target).is_none_or(|old| old.key < edit.key) {
        edits.insert(target, edit);
    }
}

fn with_edited(mut text: String) -> String {
    text.push_str(if text.is_empty() {
        "(edited)"
    } else {
        " (edited)"
    });
    text
}

/// `unsigned.prev_content` (or the older top-level `prev_content`).
fn prev_content(object: &Map<String, Value>) -> Option<&Map<String, Value>> {
    object
        .get("unsigned")
        .and_then(|u| u.get("prev_content"))
        .or_else(|| object.get("prev_content"))
        .and_then(Value::as_object)
}

/// Display names and memberships as the export goes.
struct People {
    names: HashMap<String, String>,
    membership: HashMap<String, String>,
}

impl People {
    fn name(&self, mxid: &str) -> String {
        self.names
            .get(mxid)
            .cloned()
            .unwrap_or_else(|| localpart(mxid).to_string())
    }
}

/// An `m.room.member` event, in Element's words; updates the names.
fn member(ev: &Ev<'_>, people: &mut People) -> Option<(LineKind, Option<String>, String)> {
    let target = json::str_of(ev.object, "state_key").or(ev.sender)?;
    let content = ev.content;
    let prev = prev_content(ev.object);
    let membership = opt_str(content, "membership").unwrap_or("");
    let prev_membership = opt_str(prev, "membership")
        .map(str::to_string)
        .or_else(|| people.membership.get(target).cloned())
        .unwrap_or_else(|| "leave".to_string());
    let known = people.names.get(target).cloned();
    let before = opt_str(prev, "displayname")
        .filter(|_| prev_membership == "join")
        .map(str::to_string)
        .unwrap_or_else(|| people.name(target));
    let new_name = opt_str(content, "displayname")
        .map(str::trim)
        .filter(|n| !n.is_empty());
    let actor = ev.sender.unwrap_or(target);
    let actor_name = people.name(actor);
    let by_other = actor != target;
    let reason = opt_str(content, "reason")
        .map(|r| format!(": {}", r.trim()))
        .unwrap_or_default();
    let read = match membership {
        "join" if prev_membership == "join" => {
            let old = opt_str(prev, "displayname").or(known.as_deref());
            match (old, new_name) {
                (Some(old), Some(new)) if old != new => (
                    LineKind::Nick,
                    Some(old.to_string()),
                    format!("{old} changed their display name to {new}"),
                ),
                (None, Some(new)) if new != before => (
                    LineKind::Nick,
                    Some(before.clone()),
                    format!("{before} set their display name to {new}"),
                ),
                (Some(old), None) => (
                    LineKind::Nick,
                    Some(old.to_string()),
                    format!("{old} removed their display name ({old})"),
                ),
                _ => {
                    let avatar = opt_str(content, "avatar_url");
                    let old_avatar = opt_str(prev, "avatar_url");
                    let text = match (old_avatar, avatar) {
                        (None, Some(_)) => format!("{before} set a profile picture"),
                        (Some(_), None) => format!("{before} removed their profile picture"),
                        (Some(a), Some(b)) if a != b => {
                            format!("{before} changed their profile picture")
                        }
                        _ => format!("{before} made no change"),
                    };
                    (LineKind::System, Some(before.clone()), text)
                }
            }
        }
        "join" => {
            let name = new_name.map_or_else(|| before.clone(), str::to_string);
            (
                LineKind::Join,
                Some(name.clone()),
                format!("{name} joined the room"),
            )
        }
        "leave" if !by_other => {
            if prev_membership == "invite" {
                (
                    LineKind::System,
                    Some(before.clone()),
                    format!("{before} rejected the invitation"),
                )
            } else {
                (
                    LineKind::Part,
                    Some(before.clone()),
                    format!("{before} left the room{reason}"),
                )
            }
        }
        "leave" => match prev_membership.as_str() {
            "ban" => (
                LineKind::System,
                Some(actor_name.clone()),
                format!("{actor_name} unbanned {before}"),
            ),
            "invite" => (
                LineKind::System,
                Some(actor_name.clone()),
                format!("{actor_name} withdrew {before}'s invitation{reason}"),
            ),
            "join" => (
                LineKind::Part,
                Some(before.clone()),
                format!("{actor_name} removed {before}{reason}"),
            ),
            _ => (
                LineKind::System,
                Some(actor_name.clone()),
                format!("{actor_name} removed {before}{reason}"),
            ),
        },
        "ban" => {
            let kind = if prev_membership == "join" {
                LineKind::Part
            } else {
                LineKind::System
            };
            let author = if kind == LineKind::Part {
                before.clone()
            } else {
                actor_name.clone()
            };
            (
                kind,
                Some(author),
                format!("{actor_name} banned {before}{reason}"),
            )
        }
        "invite" => {
            let name = new_name.map_or_else(|| before.clone(), str::to_string);
            (
                LineKind::System,
                Some(actor_name.clone()),
                format!("{actor_name} invited {name}"),
            )
        }
        "knock" => (
            LineKind::System,
            Some(before.clone()),
            format!("{before} asked to join the room{reason}"),
        ),
        other => (
            LineKind::System,
            Some(before.clone()),
            format!(
                "{before}: membership {}",
                if other.is_empty() { "unknown" } else { other }
            ),
        ),
    };
    if matches!(membership, "join" | "invite")
        && let Some(name) = new_name
    {
        people.names.insert(target.to_string(), name.to_string());
    }
    if !membership.is_empty() {
        people
            .membership
            .insert(target.to_string(), membership.to_string());
    }
    Some(read)
}

/// A message's kind and text. `reply`: the body may carry a reply fallback.
/// `fallback`: the content is an edit's own, its body starting with `* `.
fn message(
    event_type: &str,
    content: Option<&Map<String, Value>>,
    reply: bool,
    fallback: bool,
) -> (LineKind, String) {
    let msgtype = opt_str(content, "msgtype").unwrap_or("m.text");
    let body = content
        .and_then(|c| c.get("body"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let body = if fallback {
        body.trim_start().strip_prefix("* ").unwrap_or(body)
    } else {
        body
    };
    if event_type == "m.sticker" {
        return (LineKind::Message, format!("[sticker: {}]", body.trim()));
    }
    let kind = match msgtype {
        "m.emote" => LineKind::Action,
        "m.notice" => LineKind::Notice,
        "m.server_notice" => LineKind::System,
        _ => LineKind::Message,
    };
    if matches!(msgtype, "m.image" | "m.file" | "m.video" | "m.audio") {
        let url = opt_str(content, "url").or_else(|| opt_str(opt_obj(content, "file"), "url"));
        let filename = opt_str(content, "filename").map(str::trim);
        let body = body.trim();
        let name = filename.filter(|f| !f.is_empty()).unwrap_or(body);
        let mut text = String::new();
        if filename.is_some_and(|f| f != body) && !body.is_empty() {
            text.push_str(body);
            text.push('\n');
        }
        let name = if name.is_empty() { "attachment" } else { name };
        match url {
            Some(url) => text.push_str(&format!("[file: {name} ({url})]")),
            None => text.push_str(&format!("[file: {name}]")),
        }
        return (kind, text);
    }
    let html = (opt_str(content, "format") == Some("org.matrix.custom.html"))
        .then(|| opt_str(content, "formatted_body"))
        .flatten();
    let text = match html {
        Some(html) => {
            let html = if fallback {
                html.trim_start().strip_prefix("* ").unwrap_or(html)
            } else {
                html
            };
            let text = html_to_text(html);
            if text.is_empty() {
                plain_body(body, reply)
            } else {
                text
            }
        }
        None => plain_body(body, reply),
    };
    (kind, text)
}

fn plain_body(body: &str, reply: bool) -> String {
    let body = if reply {
        strip_reply_fallback(body)
    } else {
        body
    };
    body.replace("\r\n", "\n").trim().to_string()
}

/// `body` without the reply fallback the spec describes: leading lines
/// starting with `>`, then a blank line. Unchanged when there is none.
pub(crate) fn strip_reply_fallback(body: &str) -> &str {
    if !body.starts_with('>') {
        return body;
    }
    let mut rest = body;
    while rest.starts_with('>') {
        match rest.find('\n') {
            Some(end) => rest = &rest[end + 1..],
            None => return body,
        }
    }
    let rest = rest.strip_prefix('\r').unwrap_or(rest);
    match rest.strip_prefix('\n') {
        Some(after) => after,
        None => body,
    }
}

/// Matrix's HTML subset as plain text ([`html::to_text`]), without the
/// `<mx-reply>` quote of the message replied to.
pub(crate) fn html_to_text(html: &str) -> String {
    html::to_text(&strip_mx_reply(html))
}

/// `html` without `<mx-reply>...</mx-reply>`.
fn strip_mx_reply(html: &str) -> std::borrow::Cow<'_, str> {
    let lower = html.to_ascii_lowercase();
    if let Some(start) = lower.find("<mx-reply>")
        && let Some(end) = lower[start..].find("</mx-reply>")
    {
        // ASCII lowercasing keeps byte offsets, and both ends sit on `<`/`>`.
        let end = start + end + "</mx-reply>".len();
        let mut kept = String::with_capacity(html.len());
        kept.push_str(&html[..start]);
        kept.push_str(&html[end..]);
        return std::borrow::Cow::Owned(kept);
    }
    std::borrow::Cow::Borrowed(html)
}

// ---------------------------------------------------------------------------
// Plain text
// ---------------------------------------------------------------------------

/// The longest date and time part read before ` - `.
const MAX_STAMP_BYTES: usize = 64;

/// How many names of the file are remembered for actions and system lines.
const MAX_NAMES: usize = 10_000;

/// The most words a remembered name is looked for with.
const MAX_NAME_WORDS: usize = 8;

/// Reads Element's plain-text export, whole. `label` names the file in problems.
pub fn read_text(bytes: &[u8], label: &str, emit: Emit<'_>) {
    let mut lines = crate::text::Lines::new(bytes);
    // First pass: the file's date order and the names it uses.
    let mut evidence = Evidence::default();
    let mut names: HashSet<String> = HashSet::new();
    while let Ok(Some((_, line))) = lines.next_line() {
        let Some((stamp, rest)) = split_stamp(&line) else {
            continue;
        };
        evidence.add(stamp);
        if names.len() < MAX_NAMES
            && let Some(name) = name_in(rest)
        {
            names.insert(name.to_string());
        }
    }
    let order = evidence.order();

    let mut channel: Option<String> = None;
    let mut open: Option<Entry> = None;
    let mut started = false;
    let mut skipping = false;
    let mut lines = crate::text::Lines::new(bytes);
    while let Ok(Some((number, line))) = lines.next_line() {
        match parse_line(&line, order) {
            TextLine::Message(date, time, rest) => {
                finish(open.take(), emit);
                started = true;
                skipping = false;
                let rest = rest.trim_end();
                if rest.is_empty() {
                    emit(Err(Problem::new(
                        number,
                        format!("{label}: no text after the date and time"),
                    )));
                    skipping = true;
                    continue;
                }
                let (kind, author, text) = classify(rest, &names);
                open = Some(Entry {
                    line: number,
                    stamp: Stamp::Local {
                        date: Some(date),
                        time,
                    },
                    kind,
                    author,
                    text,
                    thread: None,
                    thread_root: false,
                    channel: channel.clone(),
                    approximate: false,
                });
            }
            TextLine::Invalid(reason) => {
                finish(open.take(), emit);
                started = true;
                skipping = true;
                emit(Err(Problem::new(number, format!("{label}: {reason}"))));
            }
            TextLine::Other => {
                if skipping {
                    continue;
                }
                if let Some(entry) = open.as_mut() {
                    entry.text.push('\n');
                    entry.text.push_str(line.trim_end());
                } else if line.trim().is_empty() {
                    continue;
                } else if !started && let Some(header) = header_room(&line) {
                    if let Some(room) = header {
                        channel = Some(if room.starts_with('#') {
                            room.to_string()
                        } else {
                            format!("#{room}")
                        });
                    }
                } else {
                    emit(Err(Problem::new(
                        number,
                        format!(
                            "{label}: not a message line: expected a date and time, \" - \" and the text, like \"Wed, Mar 4, 2026, 2:32:05 PM - Sam Lee: checkout p99 is up\""
                        ),
                    )));
                }
            }
        }
    }
    finish(open.take(), emit);
}

/// How sure it is that `head` starts an Element plain-text export.
pub fn sniff_text(head: &str) -> f32 {
    let mut stamps = 0usize;
    let mut named = 0usize;
    let mut total = 0usize;
    let mut evidence = Evidence::default();
    let lines: Vec<&str> = head
        .lines()
        .map(|l| l.trim_start_matches('\u{feff}'))
        .filter(|l| !l.trim().is_empty())
        .take(200)
        .collect();
    for line in &lines {
        if let Some((stamp, _)) = split_stamp(line) {
            evidence.add(stamp);
        }
    }
    let order = evidence.order();
    for line in &lines {
        if stamps == 0 && header_room(line).is_some() {
            continue;
        }
        total += 1;
        if let TextLine::Message(..) = parse_line(line, order) {
            stamps += 1;
            let words = split_stamp(line).map(|(stamp, _)| tokens(stamp));
            if words.is_some_and(|w| w.iter().any(|t| month_word(t).is_some() || is_weekday(t))) {
                named += 1;
            }
        }
    }
    if stamps == 0 || (stamps < 2 && total > 2) {
        return 0.0;
    }
    let ratio = stamps as f32 / total.max(1) as f32;
    let mut score = (0.55 + 0.5 * ratio).min(1.0);
    if named * 2 < stamps {
        // Numeric dates only: other chat exports write similar lines.
        score *= 0.85;
    }
    score
}

/// What one line of the plain-text export is.
enum TextLine<'a> {
    Message(NaiveDate, NaiveTime, &'a str),
    /// A date and time that cannot be: the reason.
    Invalid(String),
    /// Not a message line (a continuation, a header).
    Other,
}

/// The date-and-time part before the first ` - `, and what follows.
/// (A line ending in ` -` has an empty text.)
fn split_stamp(line: &str) -> Option<(&str, &str)> {
    let at = line
        .find(" - ")
        .or_else(|| line.strip_suffix(" -").map(str::len))?;
    if at == 0 || at > MAX_STAMP_BYTES {
        return None;
    }
    let stamp = &line[..at];
    if !stamp.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return None;
    }
    Some((stamp, line.get(at + 3..).unwrap_or("")))
}

fn parse_line(line: &str, order: DateOrder) -> TextLine<'_> {
    let Some((stamp, rest)) = split_stamp(line) else {
        return TextLine::Other;
    };
    match parse_stamp(stamp, order) {
        Parsed::Stamp(date, time) => TextLine::Message(date, time, rest),
        Parsed::Invalid(why) => TextLine::Invalid(format!("\"{stamp}\" {why}")),
        Parsed::No => TextLine::Other,
    }
}

/// `d/m/yyyy` or `m/d/yyyy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DateOrder {
    MonthFirst,
    DayFirst,
}

/// What the file's slash dates say about their order.
#[derive(Default)]
struct Evidence {
    first_over_12: bool,
    second_over_12: bool,
    padded: bool,
}

impl Evidence {
    fn add(&mut self, stamp: &str) {
        let tokens = tokens(stamp);
        let first = match tokens.first() {
            Some(t) if is_weekday(t) => tokens.get(1),
            other => other,
        };
        let Some(first) = first else {
            return;
        };
        let parts: Vec<&str> = first.split('/').collect();
        if let [a, b, y] = parts[..]
            && y.len() == 4
            && (1..=2).contains(&a.len())
            && (1..=2).contains(&b.len())
            && let (Ok(a), Ok(b)) = (a.parse::<u32>(), b.parse::<u32>())
        {
            self.first_over_12 |= a > 12;
            self.second_over_12 |= b > 12;
            self.padded |= parts[0].starts_with('0') || parts[1].starts_with('0');
        }
    }

    fn order(&self) -> DateOrder {
        if self.second_over_12 && !self.first_over_12 {
            DateOrder::MonthFirst
        } else if self.first_over_12 || self.padded {
            DateOrder::DayFirst
        } else {
            DateOrder::MonthFirst
        }
    }
}

enum Parsed {
    Stamp(NaiveDate, NaiveTime),
    Invalid(String),
    No,
}

fn tokens(s: &str) -> Vec<&str> {
    s.split(|c: char| c.is_whitespace() || c == ',')
        .filter(|t| !t.is_empty())
        .collect()
}

/// `14:32:05`, `2:32`, `2:32:05PM`: hours, minutes, seconds (if any) and an
/// attached meridiem.
fn time_token(t: &str) -> Option<(u32, u32, Option<u32>, Option<bool>)> {
    let split = t
        .find(|c: char| !c.is_ascii_digit() && c != ':')
        .unwrap_or(t.len());
    let (clock, suffix) = t.split_at(split);
    let ampm = if suffix.is_empty() {
        None
    } else {
        Some(meridiem(suffix)?)
    };
    let mut parts = clock.split(':');
    let h = digits(parts.next()?, 1, 2)?;
    let m = digits(parts.next()?, 2, 2)?;
    let s = match parts.next() {
        Some(s) => Some(digits(s, 2, 2)?),
        None => None,
    };
    if parts.next().is_some() {
        return None;
    }
    Some((h, m, s, ampm))
}

/// A date of the text export's layouts ([`read_text`] lists them).
fn parse_stamp(stamp: &str, order: DateOrder) -> Parsed {
    let tokens = tokens(stamp);
    let mut t = &tokens[..];
    if t.first().is_some_and(|w| is_weekday(w)) {
        t = &t[1..];
    }
    let mut numeric = false;
    let (y, m, d, rest) = match t {
        [a, b, c, rest @ ..] if month_word(a).is_some() && digits(b, 1, 2).is_some() => {
            let Some(y) = digits(c, 4, 4) else {
                return Parsed::No;
            };
            (
                y,
                month_word(a).unwrap_or(0),
                digits(b, 1, 2).unwrap_or(0),
                rest,
            )
        }
        [a, b, c, rest @ ..] if digits(a, 1, 2).is_some() && month_word(b).is_some() => {
            let Some(y) = digits(c, 4, 4) else {
                return Parsed::No;
            };
            (
                y,
                month_word(b).unwrap_or(0),
                digits(a, 1, 2).unwrap_or(0),
                rest,
            )
        }
        [a, rest @ ..] => {
            let Some((y, m, d)) = numeric_date(a, order) else {
                return Parsed::No;
            };
            numeric = true;
            (y, m, d, rest)
        }
        [] => return Parsed::No,
    };
    let rest = match rest {
        [at, rest @ ..] if at.eq_ignore_ascii_case("at") => rest,
        _ => rest,
    };
    let (time, rest) = match rest {
        [time, rest @ ..] => (time, rest),
        [] => return Parsed::No,
    };
    let Some((h, min, sec, attached)) = time_token(time) else {
        return Parsed::No;
    };
    let (ampm, rest) = match (attached, rest) {
        (Some(pm), rest) => (Some(pm), rest),
        (None, [word, rest @ ..]) if meridiem(word).is_some() => (meridiem(word), rest),
        (None, rest) => (None, rest),
    };
    if !rest.is_empty() || (numeric && sec.is_none()) {
        return Parsed::No;
    }
    let Some(date) = NaiveDate::from_ymd_opt(y as i32, m, d) else {
        return Parsed::Invalid(format!(
            "is not a date: there is no day {d} in month {m} of {y}"
        ));
    };
    match clock(h, min, sec.unwrap_or(0), ampm) {
        Some(time) => Parsed::Stamp(date, time),
        None => Parsed::Invalid("is not a time of day".to_string()),
    }
}

/// A time from a 24-hour clock, or a 12-hour one with its meridiem.
fn clock(h: u32, m: u32, s: u32, pm: Option<bool>) -> Option<NaiveTime> {
    let h = match pm {
        None => h,
        Some(_) if !(1..=12).contains(&h) => return None,
        Some(false) => h % 12,
        Some(true) => h % 12 + 12,
    };
    NaiveTime::from_hms_opt(h, m, s)
}

/// `3/4/2026`, `04.03.2026`, `2026-03-04`: (year, month, day).
fn numeric_date(t: &str, order: DateOrder) -> Option<(u32, u32, u32)> {
    let sep = t.find(['/', '.', '-'])?;
    let sep_char = t[sep..].chars().next()?;
    let parts: Vec<&str> = t.split(sep_char).collect();
    let [a, b, c] = parts[..] else {
        return None;
    };
    if let Some(y) = digits(a, 4, 4) {
        if sep_char == '.' {
            return None;
        }
        return Some((y, digits(b, 1, 2)?, digits(c, 1, 2)?));
    }
    let (a, b, y) = (digits(a, 1, 2)?, digits(b, 1, 2)?, digits(c, 4, 4)?);
    Some(match (sep_char, order) {
        ('/', DateOrder::MonthFirst) => (y, a, b),
        _ => (y, b, a),
    })
}

/// The name before `: ` or before a known sentence, for the names list.
fn name_in(rest: &str) -> Option<&str> {
    if rest.starts_with("* ") {
        return None;
    }
    if let Some((_, name, _)) = sentence(rest) {
        return Some(name).filter(|n| !n.is_empty());
    }
    let (name, _) = rest.split_once(": ")?;
    (!name.is_empty() && name.len() <= 100).then_some(name)
}

/// What a sentence line is about.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Says {
    Join,
    Part,
    Nick,
    Topic,
    /// A kick or ban: the removed member's part.
    Removed,
    Image,
    Sticker,
    System,
}

/// Element's sentences, most specific first.
const SENTENCES: &[(&str, Says)] = &[
    (" joined the room", Says::Join),
    (" left the room", Says::Part),
    (" changed their display name to ", Says::Nick),
    (" set their display name to ", Says::Nick),
    (" removed their display name", Says::Nick),
    (" changed their profile picture", Says::System),
    (" set a profile picture", Says::System),
    (" removed their profile picture", Says::System),
    (" made no change", Says::System),
    (" changed the topic to ", Says::Topic),
    (" removed the topic", Says::Topic),
    (" changed the room name", Says::Topic),
    (" removed the room name", Says::Topic),
    (" rejected the invitation", Says::System),
    (" withdrew ", Says::System),
    (" unbanned ", Says::System),
    (" invited ", Says::System),
    (" set the main address", Says::System),
    (" removed the main address", Says::System),
    (" banned ", Says::Removed),
    (" kicked ", Says::Removed),
    (" removed ", Says::Removed),
    (" sent an image.", Says::Image),
    (" sent a sticker.", Says::Sticker),
    (" created and configured the room", Says::System),
    (" created this room", Says::System),
    (" created the room", Says::System),
    (" asked to join the room", Says::System),
];

/// The sentence `rest` is, the name before it, and what follows it.
fn sentence(rest: &str) -> Option<(Says, &str, &str)> {
    let colon = rest.find(": ");
    let mut best: Option<(usize, usize)> = None;
    for (index, (phrase, says)) in SENTENCES.iter().enumerate() {
        let Some(at) = rest.find(phrase) else {
            continue;
        };
        if at == 0 || colon.is_some_and(|c| c < at) {
            continue;
        }
        let after = &rest[at + phrase.len()..];
        let whole = match says {
            Says::Join => after.is_empty() || after == ".",
            Says::Part => after.is_empty() || after == "." || after.starts_with(": "),
            Says::Image | Says::Sticker => after.is_empty() || after.starts_with(" ("),
            _ => true,
        };
        if whole && best.is_none_or(|(b_at, b_index)| (at, index) < (b_at, b_index)) {
            best = Some((at, index));
        }
    }
    let (at, index) = best?;
    let (phrase, says) = SENTENCES.get(index)?;
    Some((*says, &rest[..at], &rest[at + phrase.len()..]))
}

/// What Element appends to an attachment's line.
const MEDIA_NOTES: &[&str] = &[
    " (Media omitted)",
    " (Media omitted - file size limit exceeded)",
    " (File Attached)",
    " (Error fetching file)",
];

/// The kind, author and text of what follows the time.
fn classify(rest: &str, names: &HashSet<String>) -> (LineKind, Option<String>, String) {
    if let Some(action) = rest.strip_prefix("* ") {
        let (name, text) = match known_name(action, names) {
            Some(name) => (name, action[name.len()..].trim_start()),
            None => match action.split_once(' ') {
                Some((name, text)) => (name, text),
                None => (action, ""),
            },
        };
        return (LineKind::Action, Some(name.to_string()), text.to_string());
    }
    if let Some((says, name, after)) = sentence(rest) {
        let name = name.to_string();
        return match says {
            Says::Join => (LineKind::Join, Some(name), rest.to_string()),
            Says::Part => (LineKind::Part, Some(name), rest.to_string()),
            Says::Nick => (LineKind::Nick, Some(name), rest.to_string()),
            Says::Topic => (LineKind::Topic, Some(name), rest.to_string()),
            Says::Removed => {
                let removed = after.split(": ").next().unwrap_or(after).trim();
                let author = if removed.is_empty() {
                    name
                } else {
                    removed.to_string()
                };
                (LineKind::Part, Some(author), rest.to_string())
            }
            Says::Image => (LineKind::Message, Some(name), "[file: image]".to_string()),
            Says::Sticker => (LineKind::Message, Some(name), "[sticker]".to_string()),
            Says::System => (LineKind::System, Some(name), rest.to_string()),
        };
    }
    if let Some((name, text)) = rest.split_once(": ")
        && !name.is_empty()
    {
        if text == "Message deleted" || text.starts_with("Message deleted by ") {
            return (
                LineKind::System,
                Some(name.to_string()),
                "(message deleted)".to_string(),
            );
        }
        return (LineKind::Message, Some(name.to_string()), text.to_string());
    }
    let author = known_name(rest, names).map(str::to_string);
    (LineKind::System, author, rest.to_string())
}

/// The longest name of `names` (of at most [`MAX_NAME_WORDS`] words) that
/// `s` starts with, followed by a space or the end.
fn known_name<'s>(s: &'s str, names: &HashSet<String>) -> Option<&'s str> {
    let ends = s
        .match_indices(' ')
        .map(|(at, _)| at)
        .take(MAX_NAME_WORDS)
        .chain(std::iter::once(s.len()))
        .collect::<Vec<_>>();
    ends.into_iter()
        .rev()
        .map(|end| &s[..end])
        .find(|prefix| !prefix.is_empty() && names.contains(*prefix))
}

fn finish(entry: Option<Entry>, emit: Emit<'_>) {
    if let Some(entry) = entry {
        emit(Ok(finish_entry(entry)));
    }
}

/// The entry once all its lines are read: trailing blank lines dropped, an
/// attachment's note turned into `[file: name]`.
fn finish_entry(mut entry: Entry) -> Entry {
    let kept = entry.text.trim_end().len();
    entry.text.truncate(kept);
    if entry.kind == LineKind::Message
        && let Some(name) = MEDIA_NOTES
            .iter()
            .find_map(|note| entry.text.strip_suffix(note))
    {
        entry.text = format!("[file: {name}]");
    }
    entry
}

/// For a header line (before the first message): `Some(room)` when it names
/// the room, `Some(None)` for a header without one; `None` if not a header.
fn header_room(line: &str) -> Option<Option<&str>> {
    let line = line.trim().trim_start_matches('\u{feff}');
    if let Some(rest) = line.strip_prefix("This is the start of export of ") {
        let room = rest.split(". Exported by ").next().unwrap_or(rest);
        return Some(Some(room.trim().trim_end_matches('.')).filter(|r| !r.is_empty()));
    }
    if let Some(rest) = line.strip_prefix("Exported from ") {
        let room = match rest.rfind(" by ") {
            Some(at) => &rest[..at],
            None => rest.split(" at ").next().unwrap_or(rest),
        };
        return Some(Some(room.trim()).filter(|r| !r.is_empty()));
    }
    if line.starts_with("Exported ") || line.starts_with("Export of ") {
        return Some(None);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn t(h: u32, m: u32, s: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, s).unwrap()
    }

    fn stamp(s: &str, order: DateOrder) -> Option<(NaiveDate, NaiveTime)> {
        match parse_stamp(s, order) {
            Parsed::Stamp(date, time) => Some((date, time)),
            _ => None,
        }
    }

    #[test]
    fn element_date_layouts() {
        let want = Some((d(2026, 3, 4), t(14, 32, 5)));
        let m = DateOrder::MonthFirst;
        for s in [
            "Wed, Mar 4, 2026, 2:32:05 PM",
            "Wed, Mar 4, 2026, 2:32:05\u{202f}PM",
            "Wed, Mar 4, 2026, 2:32:05\u{a0}pm",
            "Wed, Mar 4, 2026, 14:32:05",
            "Wed, 4 Mar 2026, 14:32:05",
            "Wed, 4 Mar 2026, 2:32:05 p.m.",
            "Wed, Mar 4 2026 14:32:05",
            "Wed, Mar 4 2026 2:32:05PM",
            "Thu, Mar 4 2026, 14:32:05",
            "Wednesday, March 4, 2026 at 2:32:05 PM",
            "3/4/2026, 2:32:05 PM",
            "4.3.2026, 14:32:05",
            "2026-03-04 14:32:05",
            "2026/03/04 14:32:05",
        ] {
            assert_eq!(stamp(s, m), want, "{s}");
        }
        assert_eq!(stamp("04/03/2026, 14:32:05", DateOrder::DayFirst), want);
        assert_eq!(
            stamp("Wed, Mar 4, 2026, 12:05:00 AM", m),
            Some((d(2026, 3, 4), t(0, 5, 0)))
        );
        assert_eq!(
            stamp("Wed, Mar 4, 2026, 12:05:00 PM", m),
            Some((d(2026, 3, 4), t(12, 5, 0)))
        );
        // Not stamps at all.
        for s in [
            "14:32",
            "3/4/26, 2:32 PM",
            "04/03/2026, 14:32",
            "Sam Lee",
            "Wed Mar",
        ] {
            assert!(matches!(parse_stamp(s, m), Parsed::No), "{s}");
        }
        // Stamps that cannot be.
        for s in [
            "Wed, Feb 30, 2026, 2:32:05 PM",
            "Wed, Mar 4, 2026, 13:32:05 PM",
            "Wed, Mar 4 2026 24:00:00",
        ] {
            assert!(matches!(parse_stamp(s, m), Parsed::Invalid(_)), "{s}");
        }
    }

    #[test]
    fn slash_order_comes_from_the_whole_file() {
        let order = |stamps: &[&str]| {
            let mut e = Evidence::default();
            for s in stamps {
                e.add(s);
            }
            e.order()
        };
        assert_eq!(order(&["3/4/2026, 2:32:05 PM"]), DateOrder::MonthFirst);
        assert_eq!(
            order(&["3/4/2026, 14:32:05", "13/4/2026, 14:32:05"]),
            DateOrder::DayFirst
        );
        assert_eq!(order(&["04/03/2026, 14:32:05"]), DateOrder::DayFirst);
        assert_eq!(
            order(&["03/04/2026, 14:32:05", "03/14/2026, 14:32:05"]),
            DateOrder::MonthFirst
        );
    }

    #[test]
    fn html_rendering_drops_the_reply_quote() {
        assert_eq!(
            html_to_text("<mx-reply><blockquote>old</blockquote></mx-reply>new <b>text</b>"),
            "new text"
        );
    }

    #[test]
    fn reply_fallbacks() {
        assert_eq!(
            strip_reply_fallback("> <@sam:example.org> up\n> two\n\nlooking"),
            "looking"
        );
        assert_eq!(
            strip_reply_fallback("> quote without a blank line\nx"),
            "> quote without a blank line\nx"
        );
        assert_eq!(strip_reply_fallback("plain"), "plain");
        assert_eq!(strip_reply_fallback(">"), ">");
    }

    #[test]
    fn sentences() {
        let names: HashSet<String> = ["Sam Lee", "Sam", "Kim"].map(String::from).into();
        let c = |s: &str| classify(s, &names);
        assert_eq!(
            c("Sam Lee joined the room"),
            (
                LineKind::Join,
                Some("Sam Lee".into()),
                "Sam Lee joined the room".into()
            )
        );
        assert_eq!(c("Sam: I joined the room").0, LineKind::Message);
        assert_eq!(
            c("Sam Lee left the room: shift over"),
            (
                LineKind::Part,
                Some("Sam Lee".into()),
                "Sam Lee left the room: shift over".into()
            )
        );
        assert_eq!(
            c("Kim removed Dana Ray: wrong room").1,
            Some("Dana Ray".to_string())
        );
        assert_eq!(c("Kim removed the topic.").0, LineKind::Topic);
        assert_eq!(
            c("* Sam Lee is rolling back"),
            (
                LineKind::Action,
                Some("Sam Lee".into()),
                "is rolling back".into()
            )
        );
        assert_eq!(
            c("* dana waves"),
            (LineKind::Action, Some("dana".into()), "waves".into())
        );
        assert_eq!(
            c("Sam Lee pinned a message."),
            (
                LineKind::System,
                Some("Sam Lee".into()),
                "Sam Lee pinned a message.".into()
            )
        );
        assert_eq!(c("Kim: Message deleted").2, "(message deleted)");
    }

    #[test]
    fn localparts() {
        assert_eq!(localpart("@sam:example.org"), "sam");
        assert_eq!(localpart("sam"), "sam");
        assert_eq!(localpart("@:x"), ":x");
        assert_eq!(localpart(""), "");
    }
}
