//! Mattermost's bulk export (`mmctl export create`, the `import.jsonl` inside
//! its zip; the same format bulk import reads): one JSON object per line, each
//! with a `type`: `version` first, then `team`, `channel`, `user`, `post`,
//! `direct_channel`, `direct_post` and others.
//!
//! # Entries
//!
//! - Posts (`post`) belong to a team channel: [`Entry::channel`] is `#` and
//!   the channel's `name` (its URL name, unique within the team, as `~name`
//!   links use it). Direct and group messages (`direct_post`) have the
//!   people of the conversation, display names sorted: `@Alex Kim, @Sam Lee`.
//! - A post's `replies` are entries of their own. [`Entry::thread`] is the
//!   root post's `create_at` (epoch milliseconds, the post's key within its
//!   channel), on the root when it has replies and on every reply. The post
//!   holding the replies is the root ([`Entry::thread_root`]), whatever the
//!   replies' times: a reply imported with an earlier `create_at` stays a
//!   reply.
//! - [`Entry::line`] is the 1-based JSONL line of the post; replies carry
//!   the line of their root.
//! - [`Entry::stamp`]: `create_at` (epoch milliseconds) is an instant. The
//!   file is not in time order: entries are emitted channel by channel (in
//!   the order channels first appear), each sorted by time (stable).
//! - Authors: the `username` resolved through the file's `user` lines (in
//!   any position) to the name people saw: the nickname, else first and last
//!   name, else the username. Integrations (`props.from_webhook` or
//!   `props.from_bot`) are [`LineKind::Bot`], named by
//!   `props.override_username` when set.
//! - System posts (`type` `system_*`): joins and additions, a guest's too
//!   ([`LineKind::Join`]), leaves and removals ([`LineKind::Part`]) of the
//!   channel or the team, and older servers' `system_join_leave` and
//!   `system_add_remove` by what their message says: presence lines, which
//!   the review hides unless asked. Header, purpose and name changes
//!   ([`LineKind::Topic`]); the rest [`LineKind::System`]. The author is the
//!   user who did it. `/me` posts (`type` `me`) are [`LineKind::Action`].
//! - Text: the Markdown as written (Mattermost shows `@sam` and `~channel`
//!   as typed). An edited post (`edit_at` after 0) ends with ` (edited)`.
//!   Files follow as `[file: name]` lines (the name from the attachment's
//!   `path`); integration attachments (`props.attachments`) as their
//!   pretext, title, text and fields, or their fallback.
//!
//! # Problems
//!
//! A line that is not a JSON object, a post without `create_at` or without
//! its channel: a problem on that line naming what was expected; the rest of
//! the file is read.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use crate::formats::{Emit, json};
use crate::limits::{MAX_HELD_BYTES, heap};
use crate::{Entry, LineKind, Problem, Stamp};

/// A user's name kept in the map, besides its strings.
const USER_BYTES: u64 = 64;

/// The kinds of line a bulk export holds.
const LINE_TYPES: [&str; 11] = [
    "version",
    "team",
    "channel",
    "user",
    "post",
    "direct_channel",
    "direct_post",
    "emoji",
    "scheme",
    "role",
    "bot",
];

/// How sure it is that `head` starts a Mattermost bulk export.
pub fn sniff(head: &str) -> f32 {
    let mut lines = head
        .trim_start_matches('\u{feff}')
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take(20)
        .peekable();
    let mut typed = 0;
    let mut seen = 0;
    let mut first_is_version = false;
    while let Some(line) = lines.next() {
        let last = lines.peek().is_none();
        let kind = serde_json::from_str::<Value>(line)
            .ok()
            .and_then(|v| v.get("type")?.as_str().map(str::to_string));
        match kind {
            Some(kind) if LINE_TYPES.contains(&kind.as_str()) => {
                if seen == 0 && kind == "version" {
                    first_is_version = true;
                }
                typed += 1;
            }
            // The head may end inside a line.
            None if last && seen > 0 => break,
            _ => {}
        }
        seen += 1;
    }
    if seen == 0 {
        return 0.0;
    }
    let share = typed as f32 / seen as f32;
    if first_is_version && share >= 0.9 {
        1.0
    } else if typed >= 2 && share >= 0.9 {
        0.85
    } else {
        0.0
    }
}

/// One post or reply, read.
struct Post {
    line: u64,
    at: DateTime<Utc>,
    kind: LineKind,
    /// A username (resolved at the end) or an integration's own name.
    author: Option<Author>,
    text: String,
    thread: Option<String>,
    /// Whether it holds the thread's replies: the thread's root.
    root: bool,
}

enum Author {
    User(String),
    Named(String),
}

impl Post {
    /// The memory it holds, about.
    fn held(&self) -> u64 {
        let author = match &self.author {
            Some(Author::User(s) | Author::Named(s)) => heap(s.len()),
            None => 0,
        };
        std::mem::size_of::<Post>() as u64
            + author
            + heap(self.text.len())
            + self.thread.as_ref().map_or(0, |t| heap(t.len()))
    }
}

/// A channel as the file names it, before usernames are resolved.
#[derive(Clone, PartialEq, Eq, Hash)]
enum ChannelKey {
    Team(String),
    Direct(Vec<String>),
}

/// Reads a whole bulk export. `label` names the file in problems.
pub fn read(bytes: &[u8], label: &str, emit: Emit<'_>) {
    let mut users: HashMap<String, String> = HashMap::new();
    let mut order: Vec<ChannelKey> = Vec::new();
    let mut channels: HashMap<ChannelKey, Vec<Post>> = HashMap::new();
    // Posts wait to be sorted: what they (and names) hold is counted.
    let mut held = 0u64;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    for (index, raw) in bytes.split(|b| *b == b'\n').enumerate() {
        let number = index as u64 + 1;
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if raw.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        // The line's parsed JSON and what is held so far share the budget.
        let value = match json::parse_value(raw, MAX_HELD_BYTES.saturating_sub(held)) {
            Ok(value) => value,
            Err(json::Unparsed::TooBig) => {
                return emit(Err(Problem::new(0, json::too_big(label, MAX_HELD_BYTES))));
            }
            Err(json::Unparsed::Invalid(e)) => {
                emit(Err(Problem::new(
                    number,
                    format!(
                        "{label}: line {number} is not a JSON object ({}, column {})",
                        short_error(&e),
                        e.column()
                    ),
                )));
                continue;
            }
        };
        let Some(object) = value.as_object() else {
            emit(Err(Problem::new(
                number,
                format!(
                    "{label}: line {number} is {}, not a JSON object with a \"type\"",
                    json::short(&value)
                ),
            )));
            continue;
        };
        let kind = json::str_of(object, "type").unwrap_or("");
        let body = object.get(kind).and_then(Value::as_object);
        match (kind, body) {
            ("user", Some(user)) => {
                if let Some(username) = json::str_of(user, "username") {
                    let name = display_name(user, username);
                    held += USER_BYTES + heap(username.len()) + heap(name.len());
                    users.insert(username.to_string(), name);
                }
            }
            ("post" | "direct_post", Some(post)) => match read_post(kind, post, number, label) {
                Ok((key, posts)) => {
                    if !channels.contains_key(&key) {
                        order.push(key.clone());
                    }
                    held += posts.iter().map(Post::held).sum::<u64>();
                    channels.entry(key).or_default().extend(posts);
                }
                Err(problem) => emit(Err(problem)),
            },
            ("post" | "direct_post", None) => emit(Err(Problem::new(
                number,
                format!("{label}: line {number} has type \"{kind}\" but no \"{kind}\" object"),
            ))),
            _ => {}
        }
    }
    let name = |username: &str| {
        users
            .get(username)
            .cloned()
            .unwrap_or_else(|| username.to_string())
    };
    for key in order {
        let Some(mut posts) = channels.remove(&key) else {
            continue;
        };
        posts.sort_by_key(|p| p.at);
        let channel = match &key {
            ChannelKey::Team(name) => format!("#{name}"),
            ChannelKey::Direct(members) => {
                let mut names: Vec<String> = members.iter().map(|m| name(m)).collect();
                names.sort();
                names.dedup();
                names
                    .iter()
                    .map(|n| format!("@{n}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        };
        for post in posts {
            let author = post.author.map(|a| match a {
                Author::User(username) => name(&username),
                Author::Named(named) => named,
            });
            emit(Ok(Entry {
                line: post.line,
                stamp: Stamp::Exact(post.at),
                kind: post.kind,
                author,
                text: post.text,
                thread: post.thread,
                thread_root: post.root,
                channel: Some(channel.clone()),
                approximate: false,
            }));
        }
    }
}

fn short_error(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

/// The name people saw: nickname, else first and last name, else username.
fn display_name(user: &Map<String, Value>, username: &str) -> String {
    if let Some(nickname) = json::str_of(user, "nickname") {
        return nickname.trim().to_string();
    }
    let full = [
        json::str_of(user, "first_name"),
        json::str_of(user, "last_name"),
    ]
    .into_iter()
    .flatten()
    .map(str::trim)
    .collect::<Vec<_>>()
    .join(" ");
    if full.is_empty() {
        username.to_string()
    } else {
        full
    }
}

fn read_post(
    kind: &str,
    post: &Map<String, Value>,
    line: u64,
    label: &str,
) -> Result<(ChannelKey, Vec<Post>), Problem> {
    let key = if kind == "direct_post" {
        let members: Vec<String> = post
            .get("channel_members")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect();
        if members.is_empty() {
            return Err(Problem::new(
                line,
                format!("{label}: line {line}: a direct post needs \"channel_members\""),
            ));
        }
        ChannelKey::Direct(members)
    } else {
        let Some(channel) = json::str_of(post, "channel") else {
            return Err(Problem::new(
                line,
                format!("{label}: line {line}: a post needs its \"channel\""),
            ));
        };
        ChannelKey::Team(channel.to_string())
    };
    let at = created(post).ok_or_else(|| {
        Problem::new(
            line,
            format!("{label}: line {line}: a post needs \"create_at\" (epoch milliseconds)"),
        )
    })?;
    let replies: Vec<&Map<String, Value>> = post
        .get("replies")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .collect();
    let thread = (!replies.is_empty()).then(|| at.timestamp_millis().to_string());
    let mut root = one_post(post, at, line, thread.clone());
    root.root = thread.is_some();
    let mut posts = vec![root];
    for reply in replies {
        // A reply without a time sorts right after its root.
        let reply_at = created(reply).unwrap_or(at);
        posts.push(one_post(reply, reply_at, line, thread.clone()));
    }
    Ok((key, posts))
}

fn created(post: &Map<String, Value>) -> Option<DateTime<Utc>> {
    let ms = post.get("create_at").and_then(json::number)?;
    if !(0.0..1e15).contains(&ms) {
        return None;
    }
    DateTime::from_timestamp_millis(ms as i64)
}

fn one_post(
    post: &Map<String, Value>,
    at: DateTime<Utc>,
    line: u64,
    thread: Option<String>,
) -> Post {
    let props = post.get("props").and_then(Value::as_object);
    let flag = |key: &str| {
        props
            .and_then(|p| p.get(key))
            .is_some_and(|v| v.as_bool() == Some(true) || v.as_str() == Some("true"))
    };
    let user = json::str_of(post, "user").map(str::to_string);
    let post_type = json::str_of(post, "type").unwrap_or("");
    let bot = flag("from_webhook") || flag("from_bot");
    let message = json::str_of(post, "message").unwrap_or("").trim();
    let kind = match post_type {
        "" if bot => LineKind::Bot,
        "" => LineKind::Message,
        "me" => LineKind::Action,
        "system_header_change" | "system_purpose_change" | "system_displayname_change" => {
            LineKind::Topic
        }
        _ => presence(post_type, message).unwrap_or(if bot {
            LineKind::Bot
        } else {
            LineKind::System
        }),
    };
    let author = match props.and_then(|p| json::str_of(p, "override_username")) {
        Some(name) if bot => Some(Author::Named(name.to_string())),
        _ => user.map(Author::User),
    };
    let mut text = message.to_string();
    if kind == LineKind::Action {
        text = text.strip_prefix("/me ").unwrap_or(&text).to_string();
    }
    if text.is_empty() && kind != LineKind::Message && kind != LineKind::Bot {
        text = post_type.trim_start_matches("system_").replace('_', " ");
    }
    let edited = post
        .get("edit_at")
        .and_then(json::number)
        .is_some_and(|e| e > 0.0);
    if edited {
        text.push_str(" (edited)");
    }
    for extra in integration_lines(props).into_iter().chain(files(post)) {
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str(&extra);
    }
    Post {
        line,
        at,
        kind,
        author,
        text,
        thread,
        root: false,
    }
}

/// The presence kind of a system post: someone coming into the channel or
/// team (joining, added, a guest joining or added) or going out of it
/// (leaving, removed). The combined types older servers wrote
/// (`system_join_leave`, `system_add_remove`) say which in their message.
fn presence(post_type: &str, message: &str) -> Option<LineKind> {
    match post_type {
        "system_join_channel"
        | "system_guest_join_channel"
        | "system_join_team"
        | "system_add_to_channel"
        | "system_add_guest_to_chan"
        | "system_add_to_team" => Some(LineKind::Join),
        "system_leave_channel"
        | "system_leave_team"
        | "system_remove_from_channel"
        | "system_remove_from_team" => Some(LineKind::Part),
        "system_join_leave" | "system_add_remove" => {
            let lower = message.to_lowercase();
            Some(if lower.contains(" left ") || lower.contains(" removed ") {
                LineKind::Part
            } else {
                LineKind::Join
            })
        }
        _ => None,
    }
}

/// An integration's attachments (`props.attachments`) as lines.
fn integration_lines(props: Option<&Map<String, Value>>) -> Vec<String> {
    let mut lines = Vec::new();
    let attachments = props
        .and_then(|p| p.get("attachments"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object);
    for a in attachments {
        let before = lines.len();
        for key in ["pretext", "title", "text"] {
            if let Some(s) = json::str_of(a, key) {
                lines.push(s.trim().to_string());
            }
        }
        lines.extend(json::attachment_fields(a));
        if lines.len() == before
            && let Some(fallback) = json::str_of(a, "fallback")
        {
            lines.push(fallback.trim().to_string());
        }
    }
    lines
}

/// A post's files as `[file: name]` lines.
fn files(post: &Map<String, Value>) -> Vec<String> {
    post.get("attachments")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .filter_map(|a| json::str_of(a, "path"))
        .map(|path| {
            let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
            format!("[file: {name}]")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniff_wants_typed_lines() {
        assert_eq!(
            sniff(
                "{\"type\":\"version\",\"version\":1}\n{\"type\":\"team\",\"team\":{}}\n{\"type\":\"po"
            ),
            1.0
        );
        assert_eq!(
            sniff("{\"type\":\"user\",\"user\":{}}\n{\"type\":\"post\",\"post\":{}}\n"),
            0.85
        );
        assert_eq!(sniff("{\"type\":\"message\",\"ts\":\"1\"}\n"), 0.0);
        assert_eq!(sniff("[{\"type\": \"version\"}]"), 0.0);
        assert_eq!(sniff(""), 0.0);
    }

    #[test]
    fn display_names() {
        let user = |v: Value| v.as_object().unwrap().clone();
        assert_eq!(
            display_name(
                &user(serde_json::json!({"nickname": "Sam", "first_name": "Samira"})),
                "sam"
            ),
            "Sam"
        );
        assert_eq!(
            display_name(
                &user(serde_json::json!({"first_name": "Kim", "last_name": "Park"})),
                "kim"
            ),
            "Kim Park"
        );
        assert_eq!(
            display_name(&user(serde_json::json!({"nickname": ""})), "alex"),
            "alex"
        );
    }
}
