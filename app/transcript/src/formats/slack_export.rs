//! The Slack export: a zip (the whole workspace, or one channel's folder), the
//! same unzipped on disk, or one day's JSON file.
//!
//! A workspace export holds `users.json`, `channels.json` (and `groups.json`,
//! `mpims.json` for private channels and group DMs) and one folder per channel
//! of per-day files, `general/2026-03-04.json`, each a JSON array of messages.
//! A zip or folder without the metadata files is read too: names then come
//! from the messages' own `user_profile`, else the user id is shown.
//!
//! Each channel is read whole (all its days), sorted by `ts` (message ids, so
//! sub-second order is kept; a `ts` seen twice in a channel is kept once),
//! numbered 1..n (Slack has no line numbers: [`Entry::line`] is the message's
//! place in its channel) and emitted before the next channel; channels come in
//! order of name. [`Entry::channel`] is the channel's folder name (`None` for
//! a lone day file, whose channel the caller knows).
//!
//! Messages:
//! - Authors: `users.json` (`profile.display_name`, then `real_name`, then
//!   `name`), else the message's `user_profile`, else a profile seen on another
//!   message of the export, else the user id. Bots: the name the message
//!   was posted as (`username`, which an integration may set per message),
//!   then its `bot_profile.name`, then the integration's name from elsewhere
//!   in the export (another message's `bot_profile` with the same `bot_id`,
//!   else the label of the link in the `bot_add` line "added an integration
//!   to this channel: <https://…/services/B0123|github>"), then the user's
//!   name, then `bot_id`.
//! - Markup: `<@U1>` → `@name`, `<#C1|ops>` → `#ops`, `<https://x|label>` →
//!   `label (https://x)`, `<https://x>` → `https://x`, `<!here>` → `@here`,
//!   `<!subteam^S1|@team>` → `@team`, `&amp; &lt; &gt;` → `& < >`.
//! - Kinds: `bot_message` or a `bot_id` → bot; `me_message` → action;
//!   `channel_join`/`group_join` → join; `channel_leave`/`group_leave` → part;
//!   `channel_topic`/`channel_purpose` (and `group_*`) → topic;
//!   `thread_broadcast` and `file_share` → message; any other subtype → system.
//! - Attachments add, on lines of their own after the text, their summary
//!   (the `fallback`, else `pretext` and `title`), then their `text` unless
//!   the summary holds it (a GitHub push's commit messages), then their
//!   `fields` (`title: value`), except link previews (`from_url` or
//!   `original_url`) on people's messages. Like all a message holds, they
//!   count against [`MAX_HELD_BYTES`]. Files add `[file: title (name)]`. An
//!   edited message keeps its current text, marked ` (edited)` after the
//!   text (before attachments and files), as Slack shows it.
//! - Threads: [`Entry::thread`] is the parent's `ts`, on the replies and on
//!   the parent itself, which is [`Entry::thread_root`] (its `ts` is the
//!   `thread_ts`) whatever the replies' times. A reply whose parent is not in
//!   the channel's files (older than the export, or a lone day file) starts
//!   with `(reply to a thread started YYYY-MM-DD HH:MM UTC) `.
//!
//! Problems name the file (its path in the zip or folder): invalid JSON
//! carries serde_json's line in [`Problem::line`] and line and column in the
//! reason; a message without a usable `ts` (or not an object) is skipped with
//! a problem on line 0 giving its index in the file's array. A zip that cannot
//! be opened is an error; a file in it that cannot be read is a problem.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{Read, Seek};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use crate::formats::json;
use crate::limits::{self, Budget, MAX_HELD_BYTES, heap};
use crate::{Entry, LineKind, Problem, Stamp};

/// A file of the export larger than this (uncompressed) is refused, so that a
/// zip bomb cannot take the server's memory.
pub const MAX_FILE_BYTES: u64 = limits::MAX_DOCUMENT_BYTES;

/// Users (and integrations) whose names are kept from messages' own
/// profiles (beyond them, a message without a profile of its own shows its
/// user's or bot's id).
const MAX_PROFILES: usize = 100_000;

/// How deep [`read_dir`] looks for day files (an export in a folder of its own).
const MAX_DEPTH: usize = 3;

type Emit<'a> = &'a mut dyn FnMut(Result<Entry, Problem>);

/// Reads one day's JSON file of a channel. `label` names the file in problems.
pub fn read_day(bytes: &[u8], label: &str, emit: &mut dyn FnMut(Result<Entry, Problem>)) {
    let mut names = Names::default();
    let mut messages = Vec::new();
    if !parse_day(bytes, label, &mut names, &mut messages, &mut 0, emit) {
        return emit(Err(Problem::new(0, json::too_big(label, MAX_HELD_BYTES))));
    }
    emit_channel(messages, None, &names, emit);
}

/// Reads a Slack export zip: a workspace export, a zip of one channel's folder,
/// or a zip of day files. A zip over the limits of [`crate::limits`] is
/// refused.
pub fn read_zip<R: Read + Seek>(
    zip: R,
    emit: &mut dyn FnMut(Result<Entry, Problem>),
) -> std::io::Result<()> {
    let budget = Budget::default();
    let archive = limits::open_zip(zip, &budget)?;
    read_archive(archive, &budget, emit)
}

/// Reads a Slack export zip already opened within the limits; its files count
/// against `budget`.
pub(crate) fn read_archive<R: Read + Seek>(
    mut archive: zip::ZipArchive<R>,
    budget: &Budget,
    emit: Emit<'_>,
) -> std::io::Result<()> {
    let mut files = Vec::with_capacity(archive.len());
    for i in 0..archive.len() {
        let name = archive
            .name_for_index(i)
            .unwrap_or_default()
            .replace('\\', "/");
        files.push(name);
    }
    let mut load = |i: usize| -> std::io::Result<Vec<u8>> {
        let file = archive.by_index(i).map_err(|e| budget.error(e.into()))?;
        limits::read_file(file, budget)
    };
    read_files(&files, None, &mut load, emit)
}

/// Reads an unzipped export, a channel's folder (its name is the channel), a
/// zip, or one day's file from disk.
pub fn read_dir(path: &Path, emit: &mut dyn FnMut(Result<Entry, Problem>)) -> std::io::Result<()> {
    if path.is_file() {
        let mut file = std::fs::File::open(path)?;
        let mut magic = [0u8; 4];
        let is_zip = file.read(&mut magic)? == 4 && &magic == b"PK\x03\x04";
        if is_zip {
            return read_zip(std::fs::File::open(path)?, emit);
        }
        let bytes = limits::read_whole(std::fs::File::open(path)?)?;
        let label = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        read_day(&bytes, &label, emit);
        return Ok(());
    }
    let mut found = Vec::new();
    walk(path, "", 0, &mut found)?;
    found.sort();
    let (files, paths): (Vec<String>, Vec<PathBuf>) = found.into_iter().unzip();
    let own_name = path
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()));
    let mut load = |i: usize| limits::read_whole(std::fs::File::open(&paths[i])?);
    read_files(&files, own_name.as_deref(), &mut load, emit)
}

fn walk(
    dir: &Path,
    prefix: &str,
    depth: usize,
    out: &mut Vec<(String, PathBuf)>,
) -> std::io::Result<()> {
    for item in std::fs::read_dir(dir)? {
        let item = item?;
        let name = item.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || name == "__MACOSX" {
            continue;
        }
        let relative = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        let kind = item.file_type()?;
        if kind.is_dir() {
            if depth < MAX_DEPTH {
                walk(&item.path(), &relative, depth + 1, out)?;
            }
        } else if relative.ends_with(".json") {
            out.push((relative, item.path()));
        }
    }
    Ok(())
}

/// The files of an export (paths with `/`), loaded by index. An error is an
/// archive's refusal ([`limits::is_refusal`]); anything else that goes wrong
/// is a problem.
fn read_files(
    files: &[String],
    own_name: Option<&str>,
    load: &mut dyn FnMut(usize) -> std::io::Result<Vec<u8>>,
    emit: Emit<'_>,
) -> std::io::Result<()> {
    let mut names = Names::default();
    let mut metadata = |base: &str, emit: Emit<'_>| -> std::io::Result<Vec<Value>> {
        let Some(i) = shallowest(files, base) else {
            return Ok(Vec::new());
        };
        let bytes = match load(i) {
            Ok(bytes) => bytes,
            Err(e) if limits::is_refusal(&e) => return Err(e),
            Err(e) => {
                emit(Err(Problem::new(
                    0,
                    format!("{}: could not be read: {e}", files[i]),
                )));
                return Ok(Vec::new());
            }
        };
        match json_array(&bytes, &files[i]) {
            Ok(items) => Ok(items),
            Err(problem) => {
                emit(Err(problem));
                Ok(Vec::new())
            }
        }
    };
    for users in ["users.json", "org_users.json"] {
        for user in metadata(users, emit)? {
            if let (Some(id), Some(name)) = (str_field(&user, "id"), user_name(&user)) {
                names.users.entry(id.to_string()).or_insert(name);
            }
        }
    }
    for channels in ["channels.json", "groups.json", "mpims.json"] {
        for channel in metadata(channels, emit)? {
            if let (Some(id), Some(name)) = (str_field(&channel, "id"), str_field(&channel, "name"))
            {
                names.channels.insert(id.to_string(), name.to_string());
            }
        }
    }
    // Day files, by folder: (channel, folder) -> files.
    let mut channels: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
    for (i, file) in files.iter().enumerate() {
        if file.starts_with("__MACOSX/") {
            continue;
        }
        let (folder, base) = file.rsplit_once('/').unwrap_or(("", file));
        if !is_day_file(base) {
            continue;
        }
        let channel = match folder.rsplit('/').next() {
            Some(last) if !last.is_empty() => last.to_string(),
            _ => own_name.unwrap_or("").to_string(),
        };
        channels
            .entry((channel, folder.to_string()))
            .or_default()
            .push(i);
    }
    for ((channel, folder), mut days) in channels {
        days.sort_by(|a, b| files[*a].cmp(&files[*b]));
        // A channel's days are sorted together: what they hold is counted.
        let mut messages = Vec::new();
        let mut held = 0;
        let mut within = true;
        for i in days {
            match load(i) {
                Ok(bytes) => {
                    within = parse_day(
                        &bytes,
                        &files[i],
                        &mut names,
                        &mut messages,
                        &mut held,
                        emit,
                    );
                }
                Err(e) if limits::is_refusal(&e) => return Err(e),
                Err(e) => emit(Err(Problem::new(
                    0,
                    format!("{}: could not be read: {e}", files[i]),
                ))),
            }
            if !within {
                break;
            }
        }
        if !within {
            let folder = if folder.is_empty() {
                "the export's day files"
            } else {
                &folder
            };
            emit(Err(Problem::new(
                0,
                format!(
                    "{folder}: its messages would take more than {} MB of memory, the most Debrief holds for one channel; the channel was not read (export fewer days of it)",
                    MAX_HELD_BYTES >> 20
                ),
            )));
            continue;
        }
        let channel = (!channel.is_empty()).then_some(channel.as_str());
        emit_channel(messages, channel, &names, emit);
    }
    Ok(())
}

/// The file named `base` nearest the top of the export.
fn shallowest(files: &[String], base: &str) -> Option<usize> {
    files
        .iter()
        .enumerate()
        .filter(|(_, f)| {
            !f.starts_with("__MACOSX/") && (f.as_str() == base || f.ends_with(&format!("/{base}")))
        })
        .min_by_key(|(_, f)| (f.matches('/').count(), f.len()))
        .map(|(i, _)| i)
}

/// Whether an archive holding these files is a Slack export: Slack's
/// metadata files, or day files (`general/2026-03-04.json`).
pub fn is_slack_export(files: &[String]) -> bool {
    files.iter().any(|f| {
        let base = f.rsplit('/').next().unwrap_or(f);
        !f.starts_with("__MACOSX/")
            && (matches!(
                base,
                "channels.json" | "users.json" | "groups.json" | "mpims.json" | "dms.json"
            ) || is_day_file(base))
    })
}

/// How sure it is that a file starting with `head` is one day of a Slack
/// export: a JSON array of objects, with Slack's `"ts"` keys.
pub fn sniff(head: &str) -> f32 {
    let trimmed = head.trim_start();
    let Some(rest) = trimmed.strip_prefix('[') else {
        return 0.0;
    };
    let rest = rest.trim_start();
    if rest.is_empty() {
        0.5
    } else if !rest.starts_with('{') {
        0.0
    } else if rest.contains("\"ts\"") {
        0.95
    } else {
        0.4
    }
}

/// `2026-03-04.json`.
fn is_day_file(base: &str) -> bool {
    let b = base.as_bytes();
    b.len() == 15
        && base.ends_with(".json")
        && b[4] == b'-'
        && b[7] == b'-'
        && [0, 1, 2, 3, 5, 6, 8, 9]
            .iter()
            .all(|&i| b[i].is_ascii_digit())
}

/// Names from users.json, channels.json and the messages' own profiles.
#[derive(Default)]
struct Names {
    users: HashMap<String, String>,
    /// From messages' `user_profile`, for users not in users.json.
    profiles: HashMap<String, String>,
    /// Integrations' names by bot id, from any message's `bot_profile`, else
    /// from the line that added (or removed) the integration.
    bots: HashMap<String, String>,
    channels: HashMap<String, String>,
}

impl Names {
    fn user(&self, id: &str) -> Option<&str> {
        self.users
            .get(id)
            .or_else(|| self.profiles.get(id))
            .map(String::as_str)
    }
}

/// One message, read but not yet rendered (names may come from later files).
struct Message {
    /// `ts` as (seconds, nanoseconds): the order within the channel.
    key: (i64, u32),
    /// Order of reading, for equal keys.
    order: usize,
    at: DateTime<Utc>,
    kind: LineKind,
    user: Option<String>,
    /// The name in the message's own `user_profile`.
    profile: Option<String>,
    /// `username`, `bot_profile.name`.
    bot_name: Option<String>,
    bot_id: Option<String>,
    text: String,
    attachments: Vec<String>,
    files: Vec<String>,
    thread: Option<(String, (i64, u32))>,
    edited: bool,
}

impl Message {
    /// The memory it holds, about.
    fn held(&self) -> u64 {
        let text = |s: &String| heap(s.len());
        std::mem::size_of::<Message>() as u64
            + [&self.user, &self.profile, &self.bot_name, &self.bot_id]
                .into_iter()
                .flatten()
                .chain(self.attachments.iter())
                .chain(self.files.iter())
                .chain(self.thread.as_ref().map(|(raw, _)| raw))
                .map(text)
                .sum::<u64>()
            + heap(self.text.len())
            + 24 * (self.attachments.capacity() + self.files.capacity()) as u64
    }
}

/// Parses a JSON array, or says why not (naming `label` and the JSON line).
fn json_array(bytes: &[u8], label: &str) -> Result<Vec<Value>, Problem> {
    match json::parse(bytes, label)? {
        Value::Array(items) => Ok(items),
        _ => Err(Problem::new(0, format!("{label}: expected a JSON array"))),
    }
}

/// Reads one day's file into `out`, adding what its messages hold to
/// `held`; false (and the rest unread) once that, with the file's parsed
/// JSON, would be over [`MAX_HELD_BYTES`].
fn parse_day(
    bytes: &[u8],
    label: &str,
    names: &mut Names,
    out: &mut Vec<Message>,
    held: &mut u64,
    emit: Emit<'_>,
) -> bool {
    // The day's parsed JSON and the messages held so far share the budget.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let items = match json::parse_value(bytes, MAX_HELD_BYTES.saturating_sub(*held)) {
        Ok(Value::Array(items)) => items,
        Ok(_) => {
            emit(Err(Problem::new(
                0,
                format!("{label}: expected a JSON array"),
            )));
            return true;
        }
        Err(json::Unparsed::TooBig) => return false,
        Err(json::Unparsed::Invalid(e)) => {
            emit(Err(json::invalid(&e, label)));
            return true;
        }
    };
    for (index, item) in items.iter().enumerate() {
        let nth = index + 1;
        let Some(object) = item.as_object() else {
            emit(Err(Problem::new(
                0,
                format!(
                    "{label}: the message at index {index} (number {nth}) is not a JSON object"
                ),
            )));
            continue;
        };
        let Some(raw_ts) = object.get("ts").and_then(ts_string) else {
            emit(Err(Problem::new(
                0,
                format!("{label}: the message at index {index} (number {nth}) has no \"ts\""),
            )));
            continue;
        };
        let Some((key, at)) = parse_ts(&raw_ts) else {
            emit(Err(Problem::new(
                0,
                format!(
                    "{label}: the message at index {index} (number {nth}) has a \"ts\" that is not a Slack timestamp: {raw_ts}"
                ),
            )));
            continue;
        };
        let message = message(object, key, at, out.len(), names);
        *held += message.held();
        out.push(message);
        if *held > MAX_HELD_BYTES {
            return false;
        }
    }
    true
}

fn message(
    object: &Map<String, Value>,
    key: (i64, u32),
    at: DateTime<Utc>,
    order: usize,
    names: &mut Names,
) -> Message {
    let get = |field: &str| {
        object
            .get(field)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    let user = get("user").map(str::to_string);
    let profile = object.get("user_profile").and_then(user_name);
    if let (Some(user), Some(profile)) = (&user, &profile)
        && (names.profiles.len() < MAX_PROFILES || names.profiles.contains_key(user))
    {
        names.profiles.insert(user.clone(), profile.clone());
    }
    let bot_id = get("bot_id").map(str::to_string);
    let subtype = get("subtype");
    let profile_name = object
        .get("bot_profile")
        .and_then(|p| p.get("name"))
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty());
    // What names an integration, for its messages that do not name it.
    let learned = match (subtype, &bot_id, profile_name) {
        (_, Some(bot), Some(name)) => Some((bot.clone(), name.to_string(), true)),
        (Some("bot_add" | "bot_remove" | "bot_enable" | "bot_disable"), _, _) => {
            integration_link(get("bot_link").or(get("text")).unwrap_or(""))
                .and_then(|(id, name)| Some((bot_id.clone().or(id)?, name, false)))
        }
        _ => None,
    };
    if let Some((bot, name, from_profile)) = learned
        && (names.bots.len() < MAX_PROFILES || names.bots.contains_key(&bot))
    {
        // A profile is the integration's own name; an added-integration
        // line only its link's label.
        if from_profile {
            names.bots.insert(bot, name);
        } else {
            names.bots.entry(bot).or_insert(name);
        }
    }
    let kind = match subtype {
        Some("bot_message") => LineKind::Bot,
        Some("me_message") => LineKind::Action,
        Some("channel_join" | "group_join") => LineKind::Join,
        Some("channel_leave" | "group_leave") => LineKind::Part,
        Some("channel_topic" | "group_topic" | "channel_purpose" | "group_purpose") => {
            LineKind::Topic
        }
        None | Some("thread_broadcast" | "reply_broadcast" | "file_share") => {
            if bot_id.is_some() {
                LineKind::Bot
            } else {
                LineKind::Message
            }
        }
        Some(_) => LineKind::System,
    };
    let bot_name = get("username").or(profile_name).map(str::to_string);
    let mut attachments = Vec::new();
    if let Some(list) = object.get("attachments").and_then(Value::as_array) {
        for attachment in list {
            let preview =
                attachment.get("from_url").is_some() || attachment.get("original_url").is_some();
            if preview && kind != LineKind::Bot {
                continue;
            }
            let field = |f: &str| {
                attachment
                    .get(f)
                    .and_then(Value::as_str)
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
            };
            // Its summary: the fallback (Slack's plain-text stand-in for the
            // attachment), else its pretext and title. Then what a summary
            // leaves out: its text (a push's commit messages) and fields.
            let mut lines: Vec<&str> = match field("fallback") {
                Some(fallback) => vec![fallback],
                None => ["pretext", "title"]
                    .iter()
                    .filter_map(|f| field(f))
                    .collect(),
            };
            if let Some(text) = field("text")
                && !lines.iter().any(|line| line.contains(text))
            {
                lines.push(text);
            }
            let fields = attachment
                .as_object()
                .map(json::attachment_fields)
                .unwrap_or_default();
            let text = lines
                .into_iter()
                .map(str::to_string)
                .chain(fields)
                .collect::<Vec<_>>()
                .join("\n");
            if !text.is_empty() {
                attachments.push(text);
            }
        }
    }
    let mut files = Vec::new();
    let file_list = object
        .get("files")
        .and_then(Value::as_array)
        .map(|v| v.iter().collect::<Vec<_>>());
    for file in file_list.unwrap_or_else(|| object.get("file").into_iter().collect()) {
        let field = |f: &str| {
            file.get(f)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
        };
        files.push(match (field("title"), field("name")) {
            (Some(title), Some(name)) if title != name => format!("[file: {title} ({name})]"),
            (Some(shown), _) | (None, Some(shown)) => format!("[file: {shown}]"),
            (None, None) => "[file]".to_string(),
        });
    }
    let thread = object
        .get("thread_ts")
        .and_then(ts_string)
        .and_then(|raw| parse_ts(&raw).map(|(key, _)| (raw, key)));
    Message {
        key,
        order,
        at,
        kind,
        user,
        profile,
        bot_name,
        bot_id,
        text: get("text").unwrap_or("").to_string(),
        attachments,
        files,
        thread,
        edited: object.get("edited").is_some_and(|e| !e.is_null()),
    }
}

/// A user's name from a users.json entry or a `user_profile`:
/// `display_name`, then `real_name`, then `name`.
fn user_name(user: &Value) -> Option<String> {
    fn nonempty(v: Option<&Value>) -> Option<&str> {
        v.and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }
    let profile = user.get("profile");
    nonempty(profile.and_then(|p| p.get("display_name")))
        .or_else(|| nonempty(user.get("display_name")))
        .or_else(|| nonempty(user.get("real_name")))
        .or_else(|| nonempty(profile.and_then(|p| p.get("real_name"))))
        .or_else(|| nonempty(user.get("name")))
        .map(str::to_string)
}

/// The integration a `bot_add` line names, from its link
/// (`<https://acme.slack.com/services/B0123|github>`, the last in the text):
/// the bot id in the link's path, when it has one, and the label.
fn integration_link(text: &str) -> Option<(Option<String>, String)> {
    let open = text.rfind('<')?;
    let inner = &text[open + 1..open + 1 + text[open + 1..].find('>')?];
    let (target, label) = inner.split_once('|')?;
    let label = label.trim();
    if label.is_empty() {
        return None;
    }
    let id = target
        .split_once("/services/")
        .map(|(_, rest)| rest.split(['/', '?']).next().unwrap_or(rest))
        .filter(|id| !id.is_empty())
        .map(str::to_string);
    let mut name = String::with_capacity(label.len());
    unescape(label, &mut name);
    Some((id, name))
}

fn str_field<'a>(value: &'a Value, field: &str) -> Option<&'a str> {
    value
        .get(field)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

fn ts_string(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `1772634725.000200` as (seconds, nanoseconds) and an instant.
fn parse_ts(ts: &str) -> Option<((i64, u32), DateTime<Utc>)> {
    let (whole, fraction) = ts.trim().split_once('.').unwrap_or((ts.trim(), ""));
    if whole.is_empty()
        || whole.len() > 12
        || fraction.len() > 9
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !fraction.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let seconds: i64 = whole.parse().ok()?;
    let mut nanos = 0u32;
    let mut scale = 100_000_000u32;
    for d in fraction.bytes() {
        nanos += u32::from(d - b'0') * scale;
        scale /= 10;
    }
    let at = DateTime::from_timestamp(seconds, nanos)?;
    Some(((seconds, nanos), at))
}

/// Sorts a channel's messages by `ts`, numbers them and emits them.
fn emit_channel(mut messages: Vec<Message>, channel: Option<&str>, names: &Names, emit: Emit<'_>) {
    messages.sort_by_key(|m| (m.key, m.order));
    messages.dedup_by_key(|m| m.key);
    let known: HashSet<(i64, u32)> = messages.iter().map(|m| m.key).collect();
    for (i, m) in messages.into_iter().enumerate() {
        let user_name = |id: &str| -> String {
            names
                .users
                .get(id)
                .or(m.profile.as_ref())
                .or_else(|| names.profiles.get(id))
                .map_or_else(|| id.to_string(), String::clone)
        };
        let author = if m.kind == LineKind::Bot {
            m.bot_name
                .clone()
                .or_else(|| names.bots.get(m.bot_id.as_deref()?).cloned())
                .or_else(|| m.user.as_deref().map(user_name))
                .or_else(|| m.bot_id.clone())
        } else {
            m.user
                .as_deref()
                .map(user_name)
                .or_else(|| m.bot_name.clone())
        };
        let mut text = String::with_capacity(m.text.len() + 16);
        if let Some((_, parent)) = &m.thread
            && *parent != m.key
            && !known.contains(parent)
            && let Some(started) = DateTime::from_timestamp(parent.0, parent.1)
        {
            text.push_str(&format!(
                "(reply to a thread started {} UTC) ",
                started.format("%Y-%m-%d %H:%M")
            ));
        }
        let body = render_to_string(&m.text, names);
        text.push_str(&body);
        if m.edited {
            text.push_str(if text.is_empty() {
                "(edited)"
            } else {
                " (edited)"
            });
        }
        for attachment in &m.attachments {
            let rendered = render_to_string(attachment, names);
            if rendered == body {
                continue;
            }
            if !text.is_empty() {
                text.push('\n');
            }
            text.push_str(&rendered);
        }
        for file in &m.files {
            if !text.is_empty() {
                text.push('\n');
            }
            text.push_str(file);
        }
        emit(Ok(Entry {
            line: i as u64 + 1,
            stamp: Stamp::Exact(m.at),
            kind: m.kind,
            author,
            text,
            thread_root: m
                .thread
                .as_ref()
                .is_some_and(|(_, parent)| *parent == m.key),
            thread: m.thread.map(|(raw, _)| raw),
            channel: channel.map(str::to_string),
            approximate: false,
        }));
    }
}

fn render_to_string(s: &str, names: &Names) -> String {
    let mut out = String::with_capacity(s.len());
    render(s, names, &mut out);
    out
}

/// Slack's markup (`<@U1>`, `<#C1|ops>`, `<url|label>`, `<!here>`, `&amp;`)
/// as plain text, appended to `out`.
fn render(s: &str, names: &Names, out: &mut String) {
    let bytes = s.as_bytes();
    let mut i = 0;
    let mut copied = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'<' => {
                if let Some(len) = s[i + 1..].find(['>', '<', '\n'])
                    && bytes[i + 1 + len] == b'>'
                    && len > 0
                    && !bytes[i + 1].is_ascii_whitespace()
                {
                    out.push_str(&s[copied..i]);
                    reference(&s[i + 1..i + 1 + len], names, out);
                    i += len + 2;
                    copied = i;
                    continue;
                }
            }
            b'&' => {
                if let Some((entity, c)) = [("&amp;", '&'), ("&lt;", '<'), ("&gt;", '>')]
                    .into_iter()
                    .find(|(e, _)| s[i..].starts_with(e))
                {
                    out.push_str(&s[copied..i]);
                    out.push(c);
                    i += entity.len();
                    copied = i;
                    continue;
                }
            }
            _ => {}
        }
        i += 1;
    }
    out.push_str(&s[copied..]);
}

/// The inside of `<...>`.
fn reference(inner: &str, names: &Names, out: &mut String) {
    let (target, label) = match inner.split_once('|') {
        Some((target, label)) => (target, Some(label).filter(|l| !l.is_empty())),
        None => (inner, None),
    };
    if let Some(id) = target.strip_prefix('@') {
        out.push('@');
        match (names.user(id), label) {
            (Some(name), _) => out.push_str(name),
            (None, Some(label)) => unescape(label.trim_start_matches('@'), out),
            (None, None) => out.push_str(id),
        }
    } else if let Some(id) = target.strip_prefix('#') {
        out.push('#');
        match (label, names.channels.get(id)) {
            (Some(label), _) => unescape(label.trim_start_matches('#'), out),
            (None, Some(name)) => out.push_str(name),
            (None, None) => out.push_str(id),
        }
    } else if let Some(command) = target.strip_prefix('!') {
        match command {
            "here" | "channel" | "everyone" => {
                out.push('@');
                out.push_str(command);
            }
            _ => match label {
                Some(label) => {
                    if command.starts_with("subteam^") && !label.starts_with('@') {
                        out.push('@');
                    }
                    unescape(label, out);
                }
                None => match command.strip_prefix("subteam^") {
                    Some(id) => {
                        out.push('@');
                        out.push_str(id);
                    }
                    None => unescape(command, out),
                },
            },
        }
    } else {
        let mut url = String::with_capacity(target.len());
        unescape(target, &mut url);
        match label {
            None => out.push_str(&url),
            Some(label) => {
                let mut shown = String::with_capacity(label.len());
                unescape(label, &mut shown);
                if shown == url || url.strip_prefix("mailto:") == Some(shown.as_str()) {
                    out.push_str(&shown);
                } else {
                    out.push_str(&shown);
                    out.push_str(" (");
                    out.push_str(&url);
                    out.push(')');
                }
            }
        }
    }
}

/// `&amp; &lt; &gt;` decoded, appended to `out`.
fn unescape(s: &str, out: &mut String) {
    if !s.contains('&') {
        out.push_str(s);
        return;
    }
    out.push_str(
        &s.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&"),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Names {
        let mut n = Names::default();
        n.users.insert("U1".into(), "sam".into());
        n.channels.insert("C1".into(), "ops".into());
        n
    }

    #[test]
    fn markup() {
        let n = names();
        let r = |s: &str| render_to_string(s, &n);
        assert_eq!(r("<@U1> <@U9> <@U9|kim>"), "@sam @U9 @kim");
        assert_eq!(r("<#C1> <#C2|db> <#C3>"), "#ops #db #C3");
        assert_eq!(
            r("<https://x.io/a?b=1&amp;c=2|the doc> <https://x.io>"),
            "the doc (https://x.io/a?b=1&c=2) https://x.io"
        );
        assert_eq!(r("<mailto:a@b.io|a@b.io>"), "a@b.io");
        assert_eq!(
            r("<!here> <!channel|channel> <!everyone>"),
            "@here @channel @everyone"
        );
        assert_eq!(r("<!subteam^S1|@sre> <!subteam^S2>"), "@sre @S2");
        assert_eq!(r("a &lt;b&gt; &amp;amp; <3 &foo;"), "a <b> &amp; <3 &foo;");
        assert_eq!(r("x < y > z"), "x < y > z");
        assert_eq!(r("<>"), "<>");
    }

    #[test]
    fn the_integration_an_added_integration_line_names() {
        assert_eq!(
            integration_link(
                "added an integration to this channel: <https://acme.slack.com/services/B0123|github &amp; ci>"
            ),
            Some((Some("B0123".to_string()), "github & ci".to_string()))
        );
        assert_eq!(
            integration_link("<https://acme.slack.com/apps/A01|PagerDuty>"),
            Some((None, "PagerDuty".to_string()))
        );
        assert_eq!(
            integration_link("<https://acme.slack.com/services/B0123|>"),
            None
        );
        assert_eq!(integration_link("added an integration"), None);
    }

    #[test]
    fn timestamps() {
        let (key, at) = parse_ts("1772634725.000200").unwrap();
        assert_eq!(key, (1_772_634_725, 200_000));
        assert_eq!(at.timestamp_micros(), 1_772_634_725_000_200);
        assert!(parse_ts("abc").is_none());
        assert!(parse_ts("").is_none());
    }

    /// A channel's days share one budget with the day being parsed: a
    /// channel that already holds nearly all of it stops at its next day.
    #[test]
    fn a_channel_over_the_memory_limit_stops_reading() {
        let day = br#"[{"ts":"1772634725.000100","user":"U1","text":"hi"},{"ts":"1772634726.000100","user":"U1","text":"there"}]"#;
        let mut names = names();
        let mut problems = Vec::new();
        let (mut out, mut held) = (Vec::new(), 0);
        assert!(parse_day(
            day,
            "ops/2026-03-04.json",
            &mut names,
            &mut out,
            &mut held,
            &mut |e| problems.push(e)
        ));
        assert_eq!(out.len(), 2);
        assert!(held >= 2 * std::mem::size_of::<Message>() as u64, "{held}");
        let (mut out, mut held) = (Vec::new(), MAX_HELD_BYTES - 100);
        assert!(!parse_day(
            day,
            "ops/2026-03-05.json",
            &mut names,
            &mut out,
            &mut held,
            &mut |e| problems.push(e)
        ));
        assert!(out.is_empty());
        assert!(problems.is_empty(), "the caller says why");
    }
}
