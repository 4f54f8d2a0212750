//! Zulip exports: the server's organization export (`realm.json` with
//! `messages-000001.json`, `messages-000002.json`, ... in a tarball, written
//! by `manage.py export` and the "Export organization" page), and messages as
//! the API returns them (`GET /api/v1/messages`, saved by export scripts and
//! zulip-archive).
//!
//! # The organization export
//!
//! A messages file holds `zerver_message` rows: `sender` (a user id),
//! `recipient` (a recipient id), `subject` (the topic), `content` (Markdown),
//! `date_sent` (epoch seconds, a float; `pub_date` in exports before Zulip
//! 3.0) and `last_edit_time`. Names come from `realm.json`
//! ([`read_realm`]): `zerver_userprofile` (and the cross-realm bots),
//! `zerver_stream`, `zerver_recipient` (type 1 a person, 2 a stream, 3 a group
//! of people) and `zerver_subscription` (who is in a group conversation). In
//! an archive `realm.json` is read first wherever it is (see
//! [`crate::read`]); a messages file read without it shows ids (`user 12`,
//! `#recipient 7 > topic`).
//!
//! # The API shape
//!
//! `{"result": "success", "messages": [...]}` or a bare array, each message
//! with `sender_full_name`, `sender_email`, `timestamp` (epoch seconds),
//! `subject`, `display_recipient` (the stream's name, or the people of a
//! private conversation), `type` (`stream` or `private`), `content`
//! (Markdown, or HTML when fetched with `apply_markdown`; `content_type`
//! says which, else content starting with `<` is taken for HTML) and
//! `last_edit_timestamp`.
//!
//! # Entries
//!
//! - [`Entry::channel`]: `#stream > topic` for stream messages (each topic a
//!   channel of its own, as Zulip shows them); private conversations
//!   `@Alex Kim, @Sam Lee` (everyone in it, names sorted). No
//!   [`Entry::thread`]: topics are the channels already.
//! - [`Entry::line`]: the message's 1-based position in its file's message
//!   array (JSON is not line-oriented).
//! - [`Entry::stamp`]: always an instant ([`Stamp::Exact`]). Entries are
//!   emitted in time order (a stable sort; Zulip writes them by id).
//! - Kinds: messages of Zulip's Notification Bot (topic moves, new streams)
//!   are [`LineKind::System`] without an author; other bots (a realm user
//!   with `is_bot`, an API sender whose address is a `-bot@` one) are
//!   [`LineKind::Bot`]; `/me does x` is an [`LineKind::Action`]; the rest
//!   [`LineKind::Message`].
//! - Text: Zulip Markdown as a reader saw it: `@**Sam Lee**` (also
//!   `@**Sam Lee|12**`, silent `@_**Sam**`, groups `@*sre*`) as `@Sam Lee`,
//!   `#**stream>topic**` as `#stream > topic`, `[label](url)` as
//!   `label (url)`, uploads (`/user_uploads/...`) as `[file: name (url)]`,
//!   code fences dropped around their code, the rest (emphasis, `:emoji:`)
//!   as written. HTML content goes through [`super::html::to_text`]. An
//!   edited message ends with ` (edited)`.
//!
//! # Problems
//!
//! Invalid JSON: one problem with serde_json's line and column. A file that
//! is neither shape: one problem on line 0. A message that is not an object
//! or has no time: skipped, with a problem on its position naming the field.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use crate::formats::{Emit, html, json};
use crate::{Entry, LineKind, Problem, Stamp};

/// Names of an organization, from its `realm.json`.
#[derive(Clone, Debug, Default)]
pub struct Realm {
    users: HashMap<i64, User>,
    recipients: HashMap<i64, Recipient>,
}

#[derive(Clone, Debug)]
struct User {
    name: String,
    bot: bool,
    notification_bot: bool,
}

#[derive(Clone, Debug)]
enum Recipient {
    Stream(String),
    /// A person's own recipient (a private message to them).
    Person(i64),
    /// A group conversation, with the ids of its people.
    Group(Vec<i64>),
}

/// The email of Zulip's own bot that writes system notices.
const NOTIFICATION_BOT: &str = "notification-bot@zulip.com";

/// Reads `realm.json`; `Err` says why it is not one.
pub fn read_realm(bytes: &[u8]) -> Result<Realm, String> {
    let root = json::parse(bytes, "realm.json").map_err(|p| p.reason)?;
    let Some(root) = root.as_object() else {
        return Err("realm.json is not a JSON object".into());
    };
    let Some(profiles) = root.get("zerver_userprofile").and_then(Value::as_array) else {
        return Err("realm.json has no \"zerver_userprofile\" list of users".into());
    };
    let mut realm = Realm::default();
    let bots = root
        .get("zerver_userprofile_crossrealm")
        .and_then(Value::as_array);
    let mirrors = root
        .get("zerver_userprofile_mirrordummy")
        .and_then(Value::as_array);
    let all = profiles
        .iter()
        .chain(bots.into_iter().flatten())
        .chain(mirrors.into_iter().flatten());
    for user in all.filter_map(Value::as_object) {
        let Some(id) = user.get("id").and_then(Value::as_i64) else {
            continue;
        };
        let email = json::str_of(user, "email").or_else(|| json::str_of(user, "delivery_email"));
        let name = json::str_of(user, "full_name")
            .or(email)
            .map_or_else(|| format!("user {id}"), str::to_string);
        let notification_bot = email.is_some_and(|e| e.eq_ignore_ascii_case(NOTIFICATION_BOT));
        let bot = notification_bot
            || user.get("is_bot").and_then(Value::as_bool) == Some(true)
            || user.get("bot_type").is_some_and(|t| !t.is_null())
            || email.is_some_and(is_bot_email);
        realm.users.insert(
            id,
            User {
                name,
                bot,
                notification_bot,
            },
        );
    }
    let streams: HashMap<i64, &str> = array(root, "zerver_stream")
        .filter_map(|s| Some((s.get("id")?.as_i64()?, json::str_of(s, "name")?)))
        .collect();
    let mut groups: HashMap<i64, Vec<i64>> = HashMap::new();
    for sub in array(root, "zerver_subscription") {
        if let (Some(user), Some(recipient)) = (
            sub.get("user_profile").and_then(Value::as_i64),
            sub.get("recipient").and_then(Value::as_i64),
        ) {
            groups.entry(recipient).or_default().push(user);
        }
    }
    for r in array(root, "zerver_recipient") {
        let (Some(id), Some(kind), Some(type_id)) = (
            r.get("id").and_then(Value::as_i64),
            r.get("type").and_then(Value::as_i64),
            r.get("type_id").and_then(Value::as_i64),
        ) else {
            continue;
        };
        let recipient = match kind {
            1 => Recipient::Person(type_id),
            2 => Recipient::Stream(
                streams
                    .get(&type_id)
                    .map_or_else(|| format!("stream {type_id}"), |s| s.to_string()),
            ),
            3 => Recipient::Group(groups.remove(&id).unwrap_or_default()),
            _ => continue,
        };
        realm.recipients.insert(id, recipient);
    }
    Ok(realm)
}

fn array<'a>(m: &'a Map<String, Value>, key: &str) -> impl Iterator<Item = &'a Map<String, Value>> {
    m.get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
}

fn is_bot_email(email: &str) -> bool {
    let local = email.split('@').next().unwrap_or("").to_ascii_lowercase();
    local.ends_with("-bot") || local.ends_with("_bot") || local == "notification-bot"
}

/// Whether `head` starts `realm.json` of an organization export.
pub fn is_realm(head: &str) -> bool {
    (head.contains("\"zerver_userprofile\"") || head.contains("\"zerver_realm\""))
        && !is_export_messages(head)
}

/// Whether an archived file is one of the organization export's files that
/// hold no messages (uploads, avatars, emoji, statistics): skipped quietly.
pub fn is_side_file(name: &str) -> bool {
    let base = name.rsplit('/').next().unwrap_or(name);
    matches!(
        base,
        "attachment.json" | "analytics.json" | "migration_status.json" | "stats.json"
    ) || (base == "records.json"
        && ["avatars/", "uploads/", "emoji/", "realm_icons/"]
            .iter()
            .any(|dir| name.contains(dir)))
}

/// Whether `head` starts a messages file of an organization export.
pub fn is_export_messages(head: &str) -> bool {
    head.contains("\"zerver_message\"")
}

/// How sure it is that `head` starts a Zulip messages file or API dump.
pub fn sniff(head: &str) -> f32 {
    if is_export_messages(head) {
        return 1.0;
    }
    let t = head.trim_start_matches('\u{feff}').trim_start();
    if !t.starts_with(['{', '[']) {
        return 0.0;
    }
    let has = |k: &str| t.contains(&format!("\"{k}\""));
    let api = [
        "sender_full_name",
        "display_recipient",
        "sender_email",
        "subject",
    ]
    .iter()
    .filter(|k| has(k))
    .count();
    match api {
        4 => 1.0,
        3 => 0.9,
        2 if has("sender_full_name") => 0.6,
        _ => 0.0,
    }
}

/// Reads either shape, picked from content (a messages file of an export
/// read alone shows ids for names).
pub fn read(bytes: &[u8], label: &str, emit: Emit<'_>) {
    let root = match json::parse(bytes, label) {
        Ok(root) => root,
        Err(problem) => return emit(Err(problem)),
    };
    if root.get("zerver_message").is_some() {
        export_messages(&root, label, None, emit);
    } else {
        api_messages(&root, label, emit);
    }
}

/// A messages file of the organization export, names resolved through
/// `realm` (`None`: ids shown as `user 12`, `#recipient 7 > topic`).
pub fn read_export_messages(bytes: &[u8], label: &str, realm: Option<&Realm>, emit: Emit<'_>) {
    match json::parse(bytes, label) {
        Ok(root) => export_messages(&root, label, realm, emit),
        Err(problem) => emit(Err(problem)),
    }
}

/// One message, read.
struct Message {
    pos: u64,
    at: DateTime<Utc>,
    kind: LineKind,
    author: Option<String>,
    text: String,
    channel: String,
}

fn emit_sorted(mut messages: Vec<Message>, emit: Emit<'_>) {
    messages.sort_by_key(|m| m.at);
    for m in messages {
        emit(Ok(Entry {
            line: m.pos,
            stamp: Stamp::Exact(m.at),
            kind: m.kind,
            author: m.author,
            text: m.text,
            thread: None,
            thread_root: false,
            channel: Some(m.channel),
            approximate: false,
        }));
    }
}

fn export_messages(root: &Value, label: &str, realm: Option<&Realm>, emit: Emit<'_>) {
    let Some(items) = root.get("zerver_message").and_then(Value::as_array) else {
        return emit(Err(Problem::new(
            0,
            format!("{label}: expected a \"zerver_message\" list (a Zulip export's messages file)"),
        )));
    };
    let empty = Realm::default();
    let realm = realm.unwrap_or(&empty);
    let mut messages = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let pos = index as u64 + 1;
        match export_message(item, pos, label, realm) {
            Ok(m) => messages.push(m),
            Err(problem) => emit(Err(problem)),
        }
    }
    emit_sorted(messages, emit);
}

fn export_message(item: &Value, pos: u64, label: &str, realm: &Realm) -> Result<Message, Problem> {
    let Some(m) = item.as_object() else {
        return Err(Problem::new(
            pos,
            format!("{label}: message {pos} is not a JSON object"),
        ));
    };
    let at = m
        .get("date_sent")
        .or_else(|| m.get("pub_date"))
        .and_then(epoch)
        .ok_or_else(|| {
            Problem::new(
                pos,
                format!(
                    "{label}: message {pos} has no readable \"date_sent\" (epoch seconds), skipped"
                ),
            )
        })?;
    let sender_id = m.get("sender").and_then(Value::as_i64);
    let sender = sender_id.and_then(|id| realm.users.get(&id));
    let name = |id: i64| {
        realm
            .users
            .get(&id)
            .map_or_else(|| format!("user {id}"), |u| u.name.clone())
    };
    let topic = json::str_of(m, "subject").unwrap_or("(no topic)");
    let recipient_id = m.get("recipient").and_then(Value::as_i64);
    let channel = match recipient_id.and_then(|r| realm.recipients.get(&r)) {
        Some(Recipient::Stream(stream)) => format!("#{stream} > {topic}"),
        Some(Recipient::Person(to)) => people(
            sender_id
                .into_iter()
                .chain([*to])
                .map(name)
                .collect::<Vec<_>>(),
        ),
        Some(Recipient::Group(members)) => people(members.iter().copied().map(name).collect()),
        None => match recipient_id {
            Some(r) => format!("#recipient {r} > {topic}"),
            None => format!("#(no recipient) > {topic}"),
        },
    };
    let author = sender_id.map(name);
    let content = json::str_of(m, "content").unwrap_or("");
    let edited = m.get("last_edit_time").is_some_and(|t| !t.is_null());
    let (kind, author) = match sender {
        Some(u) if u.notification_bot => (LineKind::System, None),
        Some(u) if u.bot => (LineKind::Bot, author),
        _ => (LineKind::Message, author),
    };
    let (kind, text) = body(kind, &markdown_to_text(content), edited);
    Ok(Message {
        pos,
        at,
        kind,
        author,
        text,
        channel,
    })
}

/// `@Alex Kim, @Sam Lee`: the people of a private conversation, sorted.
fn people(mut names: Vec<String>) -> String {
    names.sort();
    names.dedup();
    if names.is_empty() {
        return "@(private)".into();
    }
    names
        .iter()
        .map(|n| format!("@{n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `/me` and the edit mark.
fn body(kind: LineKind, text: &str, edited: bool) -> (LineKind, String) {
    let (kind, text) = match text.strip_prefix("/me ") {
        Some(rest) if kind == LineKind::Message => (LineKind::Action, rest),
        _ => (kind, text),
    };
    let mut text = text.trim().to_string();
    if edited {
        text.push_str(" (edited)");
    }
    (kind, text)
}

fn epoch(v: &Value) -> Option<DateTime<Utc>> {
    let seconds = json::number(v)?;
    let whole = seconds.floor();
    if !(-1e11..1e11).contains(&whole) {
        return None;
    }
    let nanos = ((seconds - whole) * 1e9).round().min(999_999_999.0) as u32;
    DateTime::from_timestamp(whole as i64, nanos)
}

fn api_messages(root: &Value, label: &str, emit: Emit<'_>) {
    let items = match root {
        Value::Array(items) => Some(items),
        Value::Object(o) => o.get("messages").and_then(Value::as_array),
        _ => None,
    };
    let Some(items) = items else {
        return emit(Err(Problem::new(
            0,
            format!(
                "{label}: expected Zulip messages (a \"messages\" list from the API, or an export's \"zerver_message\")"
            ),
        )));
    };
    let mut messages = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let pos = index as u64 + 1;
        match api_message(item, pos, label) {
            Ok(m) => messages.push(m),
            Err(problem) => emit(Err(problem)),
        }
    }
    emit_sorted(messages, emit);
}

fn api_message(item: &Value, pos: u64, label: &str) -> Result<Message, Problem> {
    let Some(m) = item.as_object() else {
        return Err(Problem::new(
            pos,
            format!("{label}: message {pos} is not a JSON object"),
        ));
    };
    let at = m.get("timestamp").and_then(epoch).ok_or_else(|| {
        Problem::new(
            pos,
            format!(
                "{label}: message {pos} has no readable \"timestamp\" (epoch seconds), skipped"
            ),
        )
    })?;
    let email = json::str_of(m, "sender_email");
    let author = json::str_of(m, "sender_full_name")
        .or(email)
        .map(str::to_string);
    let topic = json::str_of(m, "subject").unwrap_or("(no topic)");
    let channel = match m.get("display_recipient") {
        Some(Value::String(stream)) => format!("#{stream} > {topic}"),
        Some(Value::Array(people_list)) => people(
            people_list
                .iter()
                .filter_map(Value::as_object)
                .filter_map(|p| json::str_of(p, "full_name").or_else(|| json::str_of(p, "email")))
                .map(str::to_string)
                .collect(),
        ),
        _ => match m.get("stream_id").and_then(Value::as_i64) {
            Some(id) => format!("#stream {id} > {topic}"),
            None => format!("#(unknown stream) > {topic}"),
        },
    };
    let content = json::str_of(m, "content").unwrap_or("");
    let is_html = match json::str_of(m, "content_type") {
        Some(t) => t.contains("html"),
        None => content.trim_start().starts_with('<'),
    };
    let text = if is_html {
        html::to_text(content)
    } else {
        markdown_to_text(content)
    };
    let edited = m.get("last_edit_timestamp").is_some_and(|t| !t.is_null());
    let notification = email.is_some_and(|e| e.eq_ignore_ascii_case(NOTIFICATION_BOT))
        || author.as_deref() == Some("Notification Bot");
    let (kind, author) = if notification {
        (LineKind::System, None)
    } else if email.is_some_and(is_bot_email) {
        (LineKind::Bot, author)
    } else {
        (LineKind::Message, author)
    };
    let (kind, text) = body(kind, &text, edited);
    Ok(Message {
        pos,
        at,
        kind,
        author,
        text,
        channel,
    })
}

/// Zulip Markdown as the text a reader saw (see the module documentation).
pub fn markdown_to_text(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    for (i, line) in markdown.lines().enumerate() {
        let fence = line.trim_start();
        if fence.starts_with("```") || fence.starts_with("~~~") {
            continue;
        }
        if i > 0 && !out.is_empty() {
            out.push('\n');
        }
        inline(line, &mut out);
    }
    out.trim_end().to_string()
}

fn inline(line: &str, out: &mut String) {
    let mut rest = line;
    while let Some(at) = rest.find(['@', '#', '[']) {
        out.push_str(&rest[..at]);
        let here = &rest[at..];
        if let Some((text, used)) = mention(here).or_else(|| link(here)) {
            out.push_str(&text);
            rest = &here[used..];
        } else {
            // One character on: '@', '#' and '[' are one byte each.
            out.push_str(&here[..1]);
            rest = &here[1..];
        }
    }
    out.push_str(rest);
}

/// `@**Sam Lee**`, `@**Sam Lee|12**`, `@_**Sam**`, `@*sre*`, `#**ops>db**`.
fn mention(s: &str) -> Option<(String, usize)> {
    let (sigil, body) = (s.get(..1)?, s.get(1..)?);
    let (silent, body) = match body.strip_prefix('_') {
        Some(b) => (1, b),
        None => (0, body),
    };
    let (marks, body) = if let Some(b) = body.strip_prefix("**") {
        ("**", b)
    } else if sigil == "@" && silent == 0 {
        ("*", body.strip_prefix('*')?)
    } else {
        return None;
    };
    let end = body.find(marks)?;
    let name = &body[..end];
    if name.trim().is_empty() || name.contains('\n') {
        return None;
    }
    let used = 1 + silent + marks.len() + end + marks.len();
    let text = if sigil == "@" {
        let shown = name.split('|').next().unwrap_or(name);
        format!("@{shown}")
    } else {
        let target = name.split('@').next().unwrap_or(name);
        match target.split_once('>') {
            Some((stream, topic)) => format!("#{stream} > {topic}"),
            None => format!("#{target}"),
        }
    };
    Some((text, used))
}

/// `[label](url)`: `label (url)`, or `[file: label (url)]` for an upload.
fn link(s: &str) -> Option<(String, usize)> {
    let body = s.strip_prefix('[')?;
    let close = body.find(']')?;
    let label = &body[..close];
    let after = body.get(close + 1..)?.strip_prefix('(')?;
    let end = after.find(')')?;
    let url = after[..end].trim();
    if url.is_empty() || url.contains(char::is_whitespace) {
        return None;
    }
    let used = 1 + close + 2 + end + 1;
    let text = if url.starts_with("/user_uploads/") || url.contains("/user_uploads/") {
        let name = if label.is_empty() {
            url.rsplit('/').next().unwrap_or(url)
        } else {
            label
        };
        format!("[file: {name} ({url})]")
    } else if label.is_empty() || label == url {
        url.to_string()
    } else {
        format!("{label} ({url})")
    };
    Some((text, used))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_streams_links_and_uploads() {
        assert_eq!(
            markdown_to_text("@**Sam Lee** and @_**Kim Park|12** see #**ops>checkout latency**"),
            "@Sam Lee and @Kim Park see #ops > checkout latency"
        );
        assert_eq!(
            markdown_to_text("@*sre-oncall* in #**ops**"),
            "@sre-oncall in #ops"
        );
        assert_eq!(
            markdown_to_text(
                "[runbook](https://wiki.example.com/rb) and [pool.log](/user_uploads/2/ab/pool.log)"
            ),
            "runbook (https://wiki.example.com/rb) and [file: pool.log (/user_uploads/2/ab/pool.log)]"
        );
        assert_eq!(
            markdown_to_text("#**ops>db@4711** was moved"),
            "#ops > db was moved"
        );
    }

    #[test]
    fn code_fences_keep_their_code_and_odd_markup_stays_text() {
        assert_eq!(
            markdown_to_text("p99 now:\n```text\n2.4 s\n```\nbetter"),
            "p99 now:\n2.4 s\nbetter"
        );
        assert_eq!(
            markdown_to_text("a@b.io #5 [x] @** **"),
            "a@b.io #5 [x] @** **"
        );
        assert_eq!(markdown_to_text("@"), "@");
        assert_eq!(markdown_to_text("[a](b c)"), "[a](b c)");
        assert_eq!(markdown_to_text(":tada: **done**"), ":tada: **done**");
    }

    #[test]
    fn epoch_seconds_with_fractions() {
        let at = epoch(&serde_json::json!(1772634725.25)).unwrap();
        assert_eq!(at.to_rfc3339(), "2026-03-04T14:32:05.250+00:00");
        assert!(epoch(&serde_json::json!(1e300)).is_none());
        assert!(epoch(&serde_json::json!("soon")).is_none());
    }

    #[test]
    fn sniffing() {
        assert_eq!(sniff("{\"zerver_message\": ["), 1.0);
        assert!(
            sniff(
                "{\"result\":\"success\",\"messages\":[{\"sender_full_name\":\"Sam\",\"sender_email\":\"s@x\",\"display_recipient\":\"ops\",\"subject\":\"db\""
            ) >= 0.9
        );
        assert_eq!(sniff("{\"messages\": [{\"creator\": {}}]}"), 0.0);
        assert!(is_realm("{\"zerver_realm\": [], \"zerver_userprofile\": ["));
        assert!(!is_realm("{\"zerver_message\": [], \"zerver_userprofile\""));
    }
}
