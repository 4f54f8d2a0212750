//! DiscordChatExporter (Tyrrrz/DiscordChatExporter, "DCE") exports of one
//! Discord channel: JSON ([`read_json`]), CSV ([`read_csv`]) and plain text
//! ([`read_txt`]). The HTML export is not read.
//!
//! An export split into parts (`name [part 2].json`) is a set of files each
//! read alone; every part names the same channel, so their entries carry the
//! same [`Entry::channel`].
//!
//! # Common rules
//!
//! - **Authors**: the name people saw. JSON: the author's `nickname` (the
//!   server nickname or global display name DCE resolved), else `name`. CSV
//!   and TXT write the account's "full name": `name` for accounts on Discord's
//!   current username system, `name#1234` for the old one. The discriminator
//!   (`#1234`, and the `#0` older DCE versions wrote for new accounts) is
//!   dropped: Discord showed the name in the conversation, not the
//!   discriminator, and the JSON export of the same channel then reads with
//!   the same names. `#0000` is the discriminator of webhooks (alerting
//!   integrations): such an author is read as a [`LineKind::Bot`]. Current
//!   DCE versions write webhooks and bots without a discriminator and CSV and
//!   TXT do not flag them: there they read as people's messages (JSON has
//!   `isBot`).
//! - **Markup**: DCE renders mentions itself (`@Kim Park`, `#incident-412`,
//!   `@sre-oncall`) unless exported with `--markdown false`; what it left
//!   raw is rendered here: `<@id>`/`<@!id>` → `@name` (JSON: the message's
//!   `mentions`, else any author or mention of the file with that id; CSV:
//!   the `AuthorID` column; else `@id`), `<#id>` → `#name` when the id is the
//!   exported channel (else `#id`), `<@&id>` → `@role` (JSON: roles listed on
//!   authors and mentions; else `@id`), `<:name:id>`/`<a:name:id>` →
//!   `:name:`, `</command:id>` → `/command`, `<t:1772634725:R>` →
//!   `2026-03-04 14:32 UTC`, `<https://...>` → the URL. Markdown (`**bold**`)
//!   is kept as written.
//! - **Extra lines**, each on a line of its own after the text, in the order
//!   DCE's TXT writes them: a forwarded message (`[forwarded] its text`),
//!   attachments (`[file: name (url)]`, the name from the URL in CSV and
//!   TXT), embeds (JSON: title, description, then `field: value` lines, link
//!   previews of a URL in a person's own text left out; TXT: the embed's lines
//!   as DCE wrote them), stickers (`[sticker: name]`; TXT: `[sticker: url]`).
//!   Reactions are not kept.
//! - **Edits**: a JSON message with a `timestampEdited` is marked ` (edited)`
//!   after its text (before the extra lines); CSV and TXT do not record
//!   edits. A bot's answer to a slash command (JSON `interaction`) starts
//!   with a line `[Kim Park used /rollback]`.
//! - **System messages**: DCE writes its own English text for them ("Pinned
//!   a message.", "Joined the server.", "Started a call that lasted 12
//!   minutes.", "Changed the channel name: x", ...). JSON has the message
//!   `type`; CSV and TXT have only that text, so a message whose whole text is
//!   one of DCE's sentences (and has no attachment) takes its kind: joins →
//!   [`LineKind::Join`], leaving a group → [`LineKind::Part`], channel name
//!   changes → [`LineKind::Topic`], the rest (pins, calls, icon changes,
//!   threads started, members added or removed) → [`LineKind::System`]. The
//!   author stays the person who did it.
//!
//! # Times
//!
//! A time with an offset (`2026-03-04T14:32:05.123+01:00`, `...Z`, `... UTC`)
//! is a [`Stamp::Exact`] instant. JSON always has one; so has the CSV of
//! current DCE versions (`2026-03-04T14:32:05.1230000+01:00`, .NET's "o"
//! format). Older CSV files and all TXT files write the time in a locale
//! without its zone (even with `--utc`, which the file does not record): a
//! [`Stamp::Local`] read later in the zone the user chooses. Accepted forms:
//!
//! | form                      | example                  | source                                   |
//! |---------------------------|--------------------------|------------------------------------------|
//! | `YYYY-MM-DD[T ]HH:MM[:SS]`| `2026-03-04 14:32`       | custom formats, sv-SE, ISO 8601 without offset |
//! | `DD-Mon-YY hh:mm tt`      | `04-Mar-26 02:32 PM`     | DCE's default until early 2023           |
//! | `M/D/YYYY h:mm tt`        | `3/4/2026 2:32 PM`       | DCE's default since (`MM/dd/yyyy h:mm tt`, then the en-US locale) |
//! | `YYYY/M/D H:mm`           | `2026/03/04 14:32`       | ja-JP, zh-CN                             |
//! | `D.M.YYYY H:mm`           | `04.03.2026 14:32`       | de-DE, ru-RU, ...                        |
//!
//! Slashed dates are read month first (`M/D/YYYY`, DCE's en-US default): a
//! day-first locale such as en-GB (`04/03/2026 14:32`) reads as 3 April, and
//! a day above 12 in the second place is not a date. Years may have two
//! digits (20YY); seconds are optional; `AM`/`PM` (any case, after a space,
//! no-break space or the narrow no-break space newer .NET versions write)
//! make the hour a 12-hour one.
//!
//! # Lines, order, threads
//!
//! - JSON: [`Entry::line`] is the message's 1-based position in the file's
//!   `messages` array (JSON is not line-oriented). Entries are emitted in time
//!   order (a stable sort by instant; DCE writes them in order already).
//!   Replies (`type` `Reply`) carry a thread: the id of the message at the top
//!   of their reply chain (the referenced message, its own reference when it
//!   is itself a reply in the file, and so on); a message a reply refers to
//!   carries its own id and is the thread's root ([`Entry::thread_root`]),
//!   whatever its time. A reply to a message not in the file (an earlier
//!   part, a deleted message) carries the referenced id. Forwards (`reference`
//!   of type `Forward`), pins and thread announcements also have references
//!   but are not replies. [`Entry::channel`] is `#` + `channel.name`.
//! - CSV: the line where the record starts (quoted fields span lines); file
//!   order; no thread, no channel (the CSV does not name it). The header is
//!   matched by name, case-insensitively: `Author`, `Date` and `Content` are
//!   required, `AuthorID` and `Attachments` read when present (older versions
//!   wrote `Author,Date,Content,Attachments`). `Attachments` holds URLs
//!   separated by commas.
//! - TXT: the line of the `[date] author` line that starts the message; file
//!   order; no thread. The channel is the last part of the header's
//!   `Channel: Category / name` with `#` before it. A message runs until the
//!   next `[date] author` line that follows a blank line (or the `Exported N
//!   message(s)` footer); its text ends at the first section (`{Attachments}`,
//!   `{Embed}`, `{Stickers}`, `{Reactions}`, `{Forwarded Message}`) that
//!   follows a blank line. Blank lines inside the text are kept; those at its
//!   ends are dropped. ` (pinned)` after the author is dropped.
//!
//! # Problems
//!
//! Every problem names the file (`label`). JSON: invalid JSON is one problem
//! on serde_json's line (line and column in the reason); a file that is not
//! an object with a `messages` array is one problem on line 0; a message that
//! is not an object or has no readable `timestamp` is skipped with a problem
//! on its position. CSV: a header without the required columns (the rest is
//! skipped), a record with another number of fields than the header, a date
//! that is not one of the forms above, a quoted field never closed. TXT: text
//! before the first message, a `[date] author` line whose date cannot be read
//! (the message is skipped). Files larger than [`MAX_BYTES`] are refused.
//! JSON problems are emitted before the file's entries (the entries are
//! sorted first); CSV and TXT emit everything in file order.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};
use serde_json::Value;

use crate::formats::{Emit, json};
use crate::text::Lines;
use crate::{Entry, LineKind, Problem, Stamp};

/// A file larger than this is refused rather than read whole.
pub const MAX_BYTES: usize = 256 * 1024 * 1024;

/// What the CSV header of current DCE versions is.
const CSV_HEADER: [&str; 6] = [
    "authorid",
    "author",
    "date",
    "content",
    "attachments",
    "reactions",
];

const DATE_FORMS: &str = "ISO 8601 such as 2026-03-04T14:32:05.123+01:00, \"3/4/2026 2:32 PM\", \"04-Mar-26 02:32 PM\", \"2026-03-04 14:32\" or \"04.03.2026 14:32\"";

fn too_large(bytes: &[u8], label: &str, emit: Emit<'_>) -> bool {
    if bytes.len() > MAX_BYTES {
        emit(Err(Problem::new(
            0,
            format!(
                "{label}: larger than {} MB, not read (export the channel in parts with --partition)",
                MAX_BYTES >> 20
            ),
        )));
        return true;
    }
    false
}

// ---------------------------------------------------------------------------
// JSON

/// Reads a DCE JSON export (one channel, or one part of it). `label` names
/// the file in problems.
pub fn read_json(bytes: &[u8], label: &str, emit: Emit<'_>) {
    if too_large(bytes, label, emit) {
        return;
    }
    let root = match json::parse(bytes, label) {
        Ok(root) => root,
        Err(problem) => {
            emit(Err(problem));
            return;
        }
    };
    let Some(messages) = root.get("messages").and_then(Value::as_array) else {
        emit(Err(Problem::new(
            0,
            format!(
                "{label}: expected a DiscordChatExporter JSON export (an object with \"guild\", \"channel\" and a \"messages\" array)"
            ),
        )));
        return;
    };
    let channel = root.get("channel");
    let channel_name = channel
        .and_then(|c| str_field(c, "name"))
        .map(str::trim)
        .filter(|n| !n.is_empty());
    let mut names = Names::default();
    if let (Some(id), Some(name)) = (channel.and_then(|c| str_field(c, "id")), channel_name) {
        names
            .channels
            .insert(id.to_string(), name.trim_start_matches('#').to_string());
    }
    let channel_name = channel_name.map(hash_name);

    // Pass 1: every name the file gives for an id.
    for message in messages {
        let users = message
            .get("author")
            .into_iter()
            .chain(array(message, "mentions"))
            .chain(message.get("interaction").and_then(|i| i.get("user")));
        for user in users {
            if let (Some(id), Some(name)) = (str_field(user, "id"), user_display(user)) {
                names.users.entry(id.to_string()).or_insert(name);
            }
            for role in array(user, "roles") {
                if let (Some(id), Some(name)) = (str_field(role, "id"), str_field(role, "name")) {
                    names
                        .roles
                        .entry(id.to_string())
                        .or_insert_with(|| name.to_string());
                }
            }
        }
    }

    // Pass 2: the entries.
    let mut read = Vec::with_capacity(messages.len());
    for (index, item) in messages.iter().enumerate() {
        let position = index as u64 + 1;
        match json_message(item, position, &names) {
            Ok(mut message) => {
                message.entry.channel = channel_name.clone();
                read.push(message);
            }
            Err(reason) => emit(Err(Problem::new(position, format!("{label}: {reason}")))),
        }
    }

    // Threads: replies carry the top of their chain; referenced messages their own id.
    let parent_of: HashMap<&str, &str> = read
        .iter()
        .filter_map(|m| Some((m.id.as_deref()?, m.reply_to.as_deref()?)))
        .collect();
    let referenced: HashSet<&str> = parent_of.values().copied().collect();
    let mut roots: HashMap<String, String> = HashMap::new();
    let mut threads = Vec::with_capacity(read.len());
    for m in &read {
        threads.push(match (&m.reply_to, &m.id) {
            (Some(to), _) => Some(chain_root(to, &parent_of, &mut roots)),
            (None, Some(id)) if referenced.contains(id.as_str()) => Some(id.clone()),
            _ => None,
        });
    }
    for (m, thread) in read.iter_mut().zip(threads) {
        m.entry.thread_root = m.reply_to.is_none() && thread.is_some();
        m.entry.thread = thread;
    }

    if read.iter().all(|m| m.at.is_some()) {
        read.sort_by_key(|m| m.at);
    }
    for m in read {
        emit(Ok(m.entry));
    }
}

/// The top of the reply chain above `start` (memoised in `roots`; safe
/// against cycles).
fn chain_root(
    start: &str,
    parent_of: &HashMap<&str, &str>,
    roots: &mut HashMap<String, String>,
) -> String {
    let mut path: Vec<&str> = Vec::new();
    let mut seen: HashSet<&str> = HashSet::new();
    let mut current = start;
    let root = loop {
        if let Some(root) = roots.get(current) {
            break root.clone();
        }
        if !seen.insert(current) {
            // A cycle: its first message stands for the chain.
            break start.to_string();
        }
        path.push(current);
        match parent_of.get(current) {
            Some(parent) => current = parent,
            None => break current.to_string(),
        }
    };
    for id in path {
        roots.insert(id.to_string(), root.clone());
    }
    root
}

/// One JSON message, read.
struct JsonMessage {
    id: Option<String>,
    reply_to: Option<String>,
    at: Option<DateTime<Utc>>,
    entry: Entry,
}

fn json_message(item: &Value, position: u64, names: &Names) -> Result<JsonMessage, String> {
    if !item.is_object() {
        return Err(format!(
            "message {position} of \"messages\" is not a JSON object"
        ));
    }
    let id = str_field(item, "id").map(str::to_string);
    let which = match &id {
        Some(id) => format!("message {position} (id {id})"),
        None => format!("message {position}"),
    };
    let stamp = match item.get("timestamp") {
        None | Some(Value::Null) => {
            return Err(format!(
                "{which} has no \"timestamp\" (expected {DATE_FORMS})"
            ));
        }
        Some(Value::String(s)) => parse_date(s).ok_or_else(|| {
            format!(
                "{which} has a \"timestamp\" that is not a date: \"{}\" (expected {DATE_FORMS})",
                shorten(s)
            )
        })?,
        Some(other) => {
            return Err(format!(
                "{which} has a \"timestamp\" that is not a string: {} (expected {DATE_FORMS})",
                shorten(&other.to_string())
            ));
        }
    };
    let at = match stamp {
        Stamp::Exact(at) => Some(at),
        Stamp::Local { .. } | Stamp::Zoned { .. } => None,
    };
    let author = item.get("author");
    let author_id = author.and_then(|a| str_field(a, "id"));
    let is_bot = author
        .and_then(|a| a.get("isBot"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let mentions: Vec<(String, String)> = array(item, "mentions")
        .filter_map(|m| Some((str_field(m, "id")?.to_string(), user_display(m)?)))
        .collect();
    let first_mention = mentions.first();
    let message_type = str_field(item, "type").unwrap_or("Default");
    let kind = match message_type {
        "Default" | "Reply" => {
            if is_bot {
                LineKind::Bot
            } else {
                LineKind::Message
            }
        }
        "GuildMemberJoin" => LineKind::Join,
        "RecipientRemove"
            if author_id.is_some() && author_id == first_mention.map(|(id, _)| id.as_str()) =>
        {
            LineKind::Part
        }
        "ChannelNameChange" => LineKind::Topic,
        "RecipientAdd"
        | "RecipientRemove"
        | "Call"
        | "ChannelIconChange"
        | "ChannelPinnedMessage"
        | "ThreadCreated" => LineKind::System,
        // Types DCE does not name (written as numbers): command responses
        // from bots, automod notices from the system.
        _ => {
            if is_bot {
                LineKind::Bot
            } else {
                LineKind::System
            }
        }
    };
    let content = str_field(item, "content").unwrap_or("");
    let mut body = render(content, names, &mentions);
    if body.trim().is_empty() {
        let name = first_mention.map(|(_, name)| name.as_str());
        body = match message_type {
            "RecipientAdd" => match name {
                Some(name) => format!("Added {name} to the group."),
                None => "Added a recipient.".to_string(),
            },
            "RecipientRemove" => match name {
                Some(_) if kind == LineKind::Part => "Left the group.".to_string(),
                Some(name) => format!("Removed {name} from the group."),
                None => "Removed a recipient.".to_string(),
            },
            "Call" => {
                let ended = str_field(item, "callEndedTimestamp").and_then(parse_date);
                let minutes = match (stamp, ended) {
                    (Stamp::Exact(start), Some(Stamp::Exact(end))) => {
                        ((end - start).num_seconds().max(0) + 30) / 60
                    }
                    _ => 0,
                };
                format!("Started a call that lasted {minutes} minutes.")
            }
            "ChannelNameChange" => "Changed the channel name.".to_string(),
            "ChannelIconChange" => "Changed the channel icon.".to_string(),
            "ChannelPinnedMessage" => "Pinned a message.".to_string(),
            "ThreadCreated" => "Started a thread.".to_string(),
            "GuildMemberJoin" => "Joined the server.".to_string(),
            _ => body,
        };
    }

    let mut extra = Vec::new();
    if let Some(forwarded) = item.get("forwardedMessage").filter(|f| f.is_object()) {
        let text = render(
            str_field(forwarded, "content").unwrap_or(""),
            names,
            &mentions,
        );
        extra.push(
            format!("[forwarded] {}", text.trim())
                .trim_end()
                .to_string(),
        );
        json_extras(forwarded, "", names, &mentions, is_bot, &mut extra);
    }
    json_extras(item, content, names, &mentions, is_bot, &mut extra);

    let mut head = String::new();
    if let Some(interaction) = item.get("interaction")
        && let Some(command) = str_field(interaction, "name")
    {
        match interaction.get("user").and_then(user_display) {
            Some(user) => head.push_str(&format!("[{user} used /{command}]")),
            None => head.push_str(&format!("[/{command}]")),
        }
    }
    let edited = item
        .get("timestampEdited")
        .is_some_and(|e| e.as_str().is_some_and(|s| !s.trim().is_empty()));
    let text = assemble(&head, &body, edited, &extra);

    let reply_to = if message_type == "Reply" {
        item.get("reference")
            .and_then(|r| str_field(r, "messageId"))
            .map(str::to_string)
    } else {
        None
    };
    Ok(JsonMessage {
        id,
        reply_to,
        at,
        entry: Entry {
            line: position,
            stamp,
            kind,
            author: author.and_then(user_display),
            text,
            thread: None,
            thread_root: false,
            channel: None,
            approximate: false,
        },
    })
}

/// Attachments, embeds and stickers of a message (or a forwarded one), as lines.
fn json_extras(
    item: &Value,
    content: &str,
    names: &Names,
    mentions: &[(String, String)],
    is_bot: bool,
    out: &mut Vec<String>,
) {
    for attachment in array(item, "attachments") {
        out.push(file_line(
            str_field(attachment, "fileName"),
            str_field(attachment, "url"),
        ));
    }
    for embed in array(item, "embeds") {
        let url = str_field(embed, "url").map(str::trim).unwrap_or("");
        if !is_bot && !url.is_empty() && content.contains(url) {
            // A link preview of a URL the person wrote.
            continue;
        }
        let mut lines = Vec::new();
        for field in ["title", "description"] {
            if let Some(s) = str_field(embed, field) {
                lines.push(render(s, names, mentions));
            }
        }
        for field in array(embed, "fields") {
            let name = str_field(field, "name").map(|s| render(s, names, mentions));
            let value = str_field(field, "value").map(|s| render(s, names, mentions));
            lines.push(match (name, value) {
                (Some(n), Some(v)) if !n.trim().is_empty() && !v.trim().is_empty() => {
                    format!("{}: {}", n.trim(), v.trim())
                }
                (Some(s), _) | (None, Some(s)) => s,
                (None, None) => String::new(),
            });
        }
        out.extend(
            lines
                .into_iter()
                .map(|l| l.trim().to_string())
                .filter(|l| !l.is_empty()),
        );
    }
    for sticker in array(item, "stickers") {
        match str_field(sticker, "name")
            .map(str::trim)
            .filter(|n| !n.is_empty())
        {
            Some(name) => out.push(format!("[sticker: {name}]")),
            None => out.push("[sticker]".to_string()),
        }
    }
}

/// The name people saw: `nickname`, else `name`.
fn user_display(user: &Value) -> Option<String> {
    ["nickname", "name"]
        .iter()
        .filter_map(|f| str_field(user, f))
        .map(str::trim)
        .find(|s| !s.is_empty())
        .map(str::to_string)
}

fn str_field<'a>(value: &'a Value, field: &str) -> Option<&'a str> {
    value.get(field).and_then(Value::as_str)
}

fn array<'a>(value: &'a Value, field: &str) -> impl Iterator<Item = &'a Value> {
    value
        .get(field)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

/// `#name` (a name that has its `#` already keeps it).
fn hash_name(name: &str) -> String {
    if name.starts_with('#') {
        name.to_string()
    } else {
        format!("#{name}")
    }
}

/// At most 80 characters of `s`, for problems.
fn shorten(s: &str) -> String {
    match s.char_indices().nth(80) {
        Some((at, _)) => format!("{}...", &s[..at]),
        None => s.to_string(),
    }
}

/// How sure it is that `head` starts a DCE JSON export: an object with
/// `"guild"` and `"channel"`, then `"messages"` (Slack's exports are arrays).
pub fn sniff_json(head: &str) -> f32 {
    let t = head.trim_start_matches('\u{feff}').trim_start();
    if !t.starts_with('{') {
        return 0.0;
    }
    let has = |key: &str| t.contains(&format!("\"{key}\""));
    if !(has("guild") && has("channel")) {
        return 0.0;
    }
    let mut score: f32 = 0.6;
    if has("messages") {
        score += 0.25;
    }
    if has("exportedAt") || has("dateRange") {
        score += 0.1;
    }
    if t.get(1..)
        .map(str::trim_start)
        .is_some_and(|rest| rest.starts_with("\"guild\""))
    {
        score += 0.05;
    }
    score.min(1.0)
}

// ---------------------------------------------------------------------------
// CSV

/// Authors whose names raw mentions (`<@id>`) are shown with, from a CSV's
/// rows (beyond them, a mention shows its id).
const MAX_CSV_AUTHORS: usize = 100_000;

/// The columns of a DCE CSV, from its header.
struct Columns {
    count: usize,
    author: usize,
    date: usize,
    content: usize,
    author_id: Option<usize>,
    attachments: Option<usize>,
}

impl Columns {
    fn of(header: &Record, label: &str) -> Result<Columns, Problem> {
        let names: Vec<String> = header
            .fields
            .iter()
            .map(|f| f.trim().to_ascii_lowercase())
            .collect();
        let find = |name: &str| names.iter().position(|n| n == name);
        let (Some(author), Some(date), Some(content)) =
            (find("author"), find("date"), find("content"))
        else {
            let missing: Vec<&str> = ["Author", "Date", "Content"]
                .into_iter()
                .filter(|n| find(&n.to_ascii_lowercase()).is_none())
                .collect();
            return Err(Problem::new(
                header.line,
                format!(
                    "{label}: the header has no {} column; a DiscordChatExporter CSV starts with AuthorID,Author,Date,Content,Attachments,Reactions",
                    missing.join(", ")
                ),
            ));
        };
        Ok(Columns {
            count: names.len(),
            author,
            date,
            content,
            author_id: find("authorid"),
            attachments: find("attachments"),
        })
    }
}

/// Reads a DCE CSV export. `label` names the file in problems.
///
/// Two passes over the records, so that none is held: the first reads the
/// header and the authors' ids (for raw mentions), the second the messages.
pub fn read_csv(bytes: &[u8], label: &str, emit: Emit<'_>) {
    if too_large(bytes, label, emit) {
        return;
    }
    let mut header: Option<Result<Columns, Problem>> = None;
    let mut ids = Names::default();
    let unclosed = csv_records(bytes, label, &mut |record| match &header {
        None => header = Some(Columns::of(&record, label)),
        Some(Ok(columns)) => {
            if let (Some(id), Some(name)) = (
                columns.author_id.and_then(|c| record.fields.get(c)),
                record.fields.get(columns.author),
            ) {
                let (name, _) = strip_discriminator(name.trim());
                if !id.trim().is_empty() && !name.is_empty() && ids.users.len() < MAX_CSV_AUTHORS {
                    ids.users
                        .entry(id.trim().to_string())
                        .or_insert_with(|| name.to_string());
                }
            }
        }
        Some(Err(_)) => {}
    });
    let columns = match header {
        None => return emit_all(unclosed, emit),
        Some(Err(problem)) => {
            emit(Err(problem));
            return emit_all(unclosed, emit);
        }
        Some(Ok(columns)) => columns,
    };
    let mut first = true;
    csv_records(bytes, label, &mut |record| {
        if std::mem::take(&mut first) {
            return;
        }
        if record.fields.len() != columns.count {
            emit(Err(Problem::new(
                record.line,
                format!(
                    "{label}: expected {} fields as in the header, found {}",
                    columns.count,
                    record.fields.len()
                ),
            )));
            return;
        }
        let field = |i: usize| record.fields.get(i).map_or("", |f| f.trim());
        let Some(stamp) = parse_date(field(columns.date)) else {
            emit(Err(Problem::new(
                record.line,
                format!(
                    "{label}: \"{}\" is not a date (expected {DATE_FORMS})",
                    shorten(field(columns.date))
                ),
            )));
            return;
        };
        let (name, webhook) = strip_discriminator(field(columns.author));
        let body = render(
            record.fields.get(columns.content).map_or("", |c| c),
            &ids,
            &[],
        );
        let files: Vec<String> = columns
            .attachments
            .map(field)
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(|url| file_line(None, Some(url)))
            .collect();
        let kind = guess_kind(&body, files.is_empty(), webhook);
        emit(Ok(Entry {
            line: record.line,
            stamp,
            kind,
            author: (!name.is_empty()).then(|| name.to_string()),
            text: assemble("", body.trim_end(), false, &files),
            thread: None,
            thread_root: false,
            channel: None,
            approximate: false,
        }));
    });
    emit_all(unclosed, emit);
}

fn emit_all(problems: Option<Problem>, emit: Emit<'_>) {
    if let Some(problem) = problems {
        emit(Err(problem));
    }
}

/// One CSV record and the line it starts on.
struct Record {
    line: u64,
    fields: Vec<String>,
}

/// The records of an RFC 4180 file, each handed to `each` (quoted fields
/// may hold `,`, `""` and line breaks; blank lines between records are
/// skipped); returns the problem of a quoted field never closed (the record
/// is dropped).
fn csv_records(bytes: &[u8], label: &str, each: &mut dyn FnMut(Record)) -> Option<Problem> {
    let mut lines = Lines::new(bytes);
    let mut fields: Vec<String> = Vec::new();
    let mut in_quotes = false;
    let mut start = 0;
    while let Ok(Some((number, line))) = lines.next_line() {
        if in_quotes {
            if let Some(last) = fields.last_mut() {
                last.push('\n');
            }
        } else {
            if line.trim().is_empty() {
                continue;
            }
            start = number;
            fields = vec![String::new()];
        }
        let mut rest = line.as_str();
        loop {
            if in_quotes {
                match rest.find('"') {
                    None => {
                        push_to_last(&mut fields, rest);
                        break;
                    }
                    Some(at) => {
                        push_to_last(&mut fields, &rest[..at]);
                        rest = &rest[at + 1..];
                        if let Some(after) = rest.strip_prefix('"') {
                            push_to_last(&mut fields, "\"");
                            rest = after;
                        } else {
                            in_quotes = false;
                        }
                    }
                }
            } else {
                match rest.find([',', '"']) {
                    None => {
                        push_to_last(&mut fields, rest);
                        break;
                    }
                    Some(at) => {
                        push_to_last(&mut fields, &rest[..at]);
                        let quote = rest[at..].starts_with('"');
                        rest = &rest[at + 1..];
                        if !quote {
                            fields.push(String::new());
                        } else if fields.last().is_none_or(|f| f.trim().is_empty()) {
                            if let Some(last) = fields.last_mut() {
                                last.clear();
                            }
                            in_quotes = true;
                        } else {
                            // A quote inside an unquoted field: kept as written.
                            push_to_last(&mut fields, "\"");
                        }
                    }
                }
            }
        }
        if !in_quotes {
            each(Record {
                line: start,
                fields: std::mem::take(&mut fields),
            });
        }
    }
    in_quotes.then(|| {
        Problem::new(
            start,
            format!(
                "{label}: the record starting on line {start} has a quoted field that is never closed (a \" is missing)"
            ),
        )
    })
}

fn push_to_last(fields: &mut [String], s: &str) {
    if let Some(last) = fields.last_mut() {
        last.push_str(s);
    }
}

/// How sure it is that `head` starts a DCE CSV export: its header line.
pub fn sniff_csv(head: &str) -> f32 {
    let t = head.trim_start_matches('\u{feff}');
    let first = t.lines().next().unwrap_or("");
    let names: Vec<String> = first
        .split(',')
        .map(|f| f.trim().trim_matches('"').trim().to_ascii_lowercase())
        .collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    if names == CSV_HEADER {
        1.0
    } else if names == ["author", "date", "content", "attachments"]
        || names == ["authorid", "author", "date", "content", "attachments"]
    {
        0.9
    } else if names.contains(&"authorid")
        && names.contains(&"author")
        && names.contains(&"date")
        && names.contains(&"content")
    {
        0.8
    } else {
        0.0
    }
}

// ---------------------------------------------------------------------------
// TXT

/// The sections DCE's TXT writes after a message's text.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    Content,
    Forwarded,
    Attachments,
    Embed,
    Stickers,
    Reactions,
}

fn section(line: &str) -> Option<Section> {
    Some(match line.trim() {
        "{Attachments}" => Section::Attachments,
        "{Embed}" | "{Embeds}" => Section::Embed,
        "{Stickers}" => Section::Stickers,
        "{Reactions}" => Section::Reactions,
        "{Forwarded Message}" => Section::Forwarded,
        _ => return None,
    })
}

/// A TXT message being read.
struct TxtMessage {
    line: u64,
    stamp: Stamp,
    author: String,
    webhook: bool,
    section: Section,
    content: Vec<String>,
    forwarded: Vec<String>,
    files: Vec<String>,
    /// Each `{Embed}` section's lines.
    embeds: Vec<Vec<String>>,
    stickers: Vec<String>,
}

impl TxtMessage {
    fn push(&mut self, line: String) {
        match self.section {
            Section::Content => self.content.push(line),
            Section::Forwarded => self.forwarded.push(line),
            Section::Embed => {
                if let Some(embed) = self.embeds.last_mut() {
                    embed.push(line);
                }
            }
            Section::Attachments => {
                let url = line.trim();
                if !url.is_empty() {
                    self.files.push(file_line(None, Some(url)));
                }
            }
            Section::Stickers => {
                let url = line.trim();
                if !url.is_empty() {
                    self.stickers.push(format!("[sticker: {url}]"));
                }
            }
            Section::Reactions => {}
        }
    }

    fn entry(self, channel: Option<&String>) -> Entry {
        let body = render(
            &trim_blank_lines(&self.content).join("\n"),
            &Names::default(),
            &[],
        );
        let mut extra = Vec::new();
        let forwarded = trim_blank_lines(&self.forwarded);
        if !forwarded.is_empty() {
            let text = render(&forwarded.join("\n"), &Names::default(), &[]);
            extra.push(format!("[forwarded] {text}"));
        }
        extra.extend(self.files);
        for embed in &self.embeds {
            let lines = trim_blank_lines(embed);
            if !lines.is_empty() {
                extra.push(render(&lines.join("\n"), &Names::default(), &[]));
            }
        }
        extra.extend(self.stickers);
        let plain = extra.is_empty();
        Entry {
            line: self.line,
            stamp: self.stamp,
            kind: guess_kind(&body, plain, self.webhook),
            author: (!self.author.is_empty()).then_some(self.author),
            text: assemble("", &body, false, &extra),
            thread: None,
            thread_root: false,
            channel: channel.cloned(),
            approximate: false,
        }
    }
}

fn trim_blank_lines(lines: &[String]) -> &[String] {
    let start = lines
        .iter()
        .position(|l| !l.trim().is_empty())
        .unwrap_or(lines.len());
    let end = lines
        .iter()
        .rposition(|l| !l.trim().is_empty())
        .map_or(start, |i| i + 1);
    lines.get(start..end).unwrap_or(&[])
}

/// A line of `=` (DCE writes 62).
fn is_rule(line: &str) -> bool {
    let t = line.trim();
    t.len() >= 10 && t.bytes().all(|b| b == b'=')
}

/// What a `[date] author` line is: `None` when it is not one, `Some(Err)`
/// when it is one whose date cannot be read.
fn txt_header(line: &str) -> Option<Result<(Stamp, &str, bool), &str>> {
    let rest = line.strip_prefix('[')?;
    let (date, author) = rest.split_once("] ")?;
    let author = author.trim();
    let author = author.strip_suffix(" (pinned)").unwrap_or(author).trim();
    if date.is_empty() || date.len() > 64 || author.is_empty() {
        return None;
    }
    match parse_date(date) {
        Some(stamp) => {
            let (name, webhook) = strip_discriminator(author);
            Some(Ok((stamp, name, webhook)))
        }
        None if looks_like_date(date) => Some(Err(date)),
        None => None,
    }
}

/// A digit, a date separator and a digit, and a `:` somewhere.
fn looks_like_date(s: &str) -> bool {
    s.contains(':')
        && s.as_bytes().windows(3).any(|w| {
            w[0].is_ascii_digit() && matches!(w[1], b'/' | b'-' | b'.') && w[2].is_ascii_digit()
        })
}

/// Reads a DCE plain-text (TXT) export. `label` names the file in problems.
pub fn read_txt(bytes: &[u8], label: &str, emit: Emit<'_>) {
    if too_large(bytes, label, emit) {
        return;
    }
    // Line by line, one line looked ahead (the footer), none held.
    let mut reader = Lines::new(bytes);
    let mut lines = std::iter::from_fn(move || reader.next_line().ok().flatten()).peekable();
    while lines.next_if(|(_, l)| l.trim().is_empty()).is_some() {}

    // The header block between two rules.
    let mut channel = None;
    if lines.next_if(|(_, l)| is_rule(l)).is_some() {
        for (_, line) in lines.by_ref() {
            if is_rule(&line) {
                break;
            }
            if let Some(value) = line.strip_prefix("Channel:") {
                let name = value.rsplit(" / ").next().unwrap_or("").trim();
                if !name.is_empty() {
                    channel = Some(hash_name(name));
                }
            }
        }
    }

    let mut current: Option<TxtMessage> = None;
    // Lines to drop until the next message (after a problem).
    let mut skipping = false;
    let mut after_blank = true;
    while let Some((number, line)) = lines.next() {
        let line = line.as_str();
        let blank = line.trim().is_empty();
        if after_blank && !blank {
            let footer = is_rule(line)
                && lines
                    .peek()
                    .is_some_and(|(_, next)| next.trim_start().starts_with("Exported "));
            if footer {
                break;
            }
            match txt_header(line) {
                Some(Ok((stamp, author, webhook))) => {
                    if let Some(done) = current.take() {
                        emit(Ok(done.entry(channel.as_ref())));
                    }
                    current = Some(TxtMessage {
                        line: number,
                        stamp,
                        author: author.to_string(),
                        webhook,
                        section: Section::Content,
                        content: Vec::new(),
                        forwarded: Vec::new(),
                        files: Vec::new(),
                        embeds: Vec::new(),
                        stickers: Vec::new(),
                    });
                    skipping = false;
                    after_blank = false;
                    continue;
                }
                Some(Err(date)) => {
                    if let Some(done) = current.take() {
                        emit(Ok(done.entry(channel.as_ref())));
                    }
                    emit(Err(Problem::new(
                        number,
                        format!(
                            "{label}: \"{}\" is not a date (expected a message line \"[date] author\" with {DATE_FORMS})",
                            shorten(date)
                        ),
                    )));
                    skipping = true;
                    after_blank = false;
                    continue;
                }
                None => {}
            }
            if let (Some(message), Some(next)) = (current.as_mut(), section(line)) {
                message.section = next;
                if next == Section::Embed {
                    message.embeds.push(Vec::new());
                }
                after_blank = false;
                continue;
            }
        }
        after_blank = blank;
        match current.as_mut() {
            Some(message) => message.push(line.to_string()),
            None if blank || skipping => {}
            None => {
                emit(Err(Problem::new(
                    number,
                    format!(
                        "{label}: text before the first message (expected a line \"[date] author\" such as \"[3/4/2026 2:32 PM] sam\")"
                    ),
                )));
                skipping = true;
            }
        }
    }
    if let Some(done) = current.take() {
        emit(Ok(done.entry(channel.as_ref())));
    }
}

/// How sure it is that `head` starts a DCE TXT export: a rule, `Guild:` and
/// `Channel:` lines, another rule, then `[date] author` lines.
pub fn sniff_txt(head: &str) -> f32 {
    let t = head.trim_start_matches('\u{feff}');
    let mut lines = t
        .lines()
        .map(|l| l.trim_end_matches('\r'))
        .skip_while(|l| l.trim().is_empty());
    if !lines.next().is_some_and(is_rule) {
        return 0.0;
    }
    let block: Vec<&str> = lines.by_ref().take_while(|l| !is_rule(l)).take(8).collect();
    let guild = block.iter().any(|l| l.starts_with("Guild: "));
    let channel = block.iter().any(|l| l.starts_with("Channel: "));
    if !(guild && channel) {
        return 0.0;
    }
    let message = lines
        .take(400)
        .any(|l| matches!(txt_header(l), Some(Ok(_))));
    if message { 1.0 } else { 0.85 }
}

// ---------------------------------------------------------------------------
// Shared pieces

/// Names for raw markup ids.
#[derive(Default)]
struct Names {
    users: HashMap<String, String>,
    channels: HashMap<String, String>,
    roles: HashMap<String, String>,
}

/// The text of an entry: `head` and `body` on the first lines, ` (edited)`
/// after the body, then each extra line.
fn assemble(head: &str, body: &str, edited: bool, extra: &[String]) -> String {
    let mut text = String::with_capacity(head.len() + body.len() + 16);
    text.push_str(head);
    if !body.is_empty() {
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str(body);
    }
    if edited {
        text.push_str(if text.is_empty() {
            "(edited)"
        } else {
            " (edited)"
        });
    }
    for line in extra {
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str(line);
    }
    text
}

/// `[file: name (url)]`; the name is the URL's last path segment when not given.
fn file_line(name: Option<&str>, url: Option<&str>) -> String {
    let url = url.map(str::trim).filter(|u| !u.is_empty());
    let name = name
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .or_else(|| {
            let path = url?.split(['?', '#']).next().unwrap_or("");
            let last = path.rsplit(['/', '\\']).next().unwrap_or("");
            (!last.is_empty()).then(|| last.to_string())
        });
    match (name, url) {
        (Some(name), Some(url)) if name != url => format!("[file: {name} ({url})]"),
        (Some(shown), _) => format!("[file: {shown}]"),
        (None, Some(url)) => format!("[file: {url}]"),
        (None, None) => "[file]".to_string(),
    }
}

/// `name#1234` and `name#0` without the discriminator; whether it was `#0000`
/// (a webhook).
fn strip_discriminator(full: &str) -> (&str, bool) {
    match full.rsplit_once('#') {
        Some((name, d))
            if !name.trim().is_empty()
                && (d == "0" || (d.len() == 4 && d.bytes().all(|b| b.is_ascii_digit()))) =>
        {
            (name.trim_end(), d == "0000")
        }
        _ => (full, false),
    }
}

/// The kind of a CSV or TXT message from its text: DCE's own sentences for
/// system messages (only when the message has nothing but that text), else a
/// webhook's bot line, else a person's message.
fn guess_kind(text: &str, plain: bool, webhook: bool) -> LineKind {
    let t = text.trim();
    if plain {
        let between =
            |a: &str, b: &str| t.len() > a.len() + b.len() && t.starts_with(a) && t.ends_with(b);
        match t {
            "Joined the server." => return LineKind::Join,
            "Left the group." => return LineKind::Part,
            "Changed the channel name." => return LineKind::Topic,
            "Pinned a message."
            | "Changed the channel icon."
            | "Started a thread."
            | "Added a recipient."
            | "Removed a recipient." => return LineKind::System,
            _ => {}
        }
        if t.starts_with("Changed the channel name: ") {
            return LineKind::Topic;
        }
        let minutes = t
            .strip_prefix("Started a call that lasted ")
            .and_then(|r| r.strip_suffix(" minutes."))
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit() || b == b','));
        if minutes || between("Added ", " to the group.") || between("Removed ", " from the group.")
        {
            return LineKind::System;
        }
    }
    if webhook {
        LineKind::Bot
    } else {
        LineKind::Message
    }
}

/// Discord's raw markup as plain text (see the module doc). `local` are the
/// message's own mentions (id, name), looked up before `names`.
fn render(s: &str, names: &Names, local: &[(String, String)]) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        if let Some(close) = after.find(['>', '<', '\n'])
            && after.as_bytes().get(close) == Some(&b'>')
            && let Some(text) = markup(&after[..close], names, local)
        {
            out.push_str(&text);
            rest = &after[close + 1..];
            continue;
        }
        out.push('<');
        rest = after;
    }
    out.push_str(rest);
    out
}

fn is_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit())
}

/// The inside of `<...>` as text, or `None` when it is not Discord markup.
fn markup(inner: &str, names: &Names, local: &[(String, String)]) -> Option<String> {
    if inner.is_empty() || inner.len() > 200 {
        return None;
    }
    if let Some(id) = inner.strip_prefix("@&") {
        return is_id(id).then(|| format!("@{}", names.roles.get(id).map_or(id, String::as_str)));
    }
    if let Some(id) = inner.strip_prefix('@') {
        let id = id.strip_prefix('!').unwrap_or(id);
        if !is_id(id) {
            return None;
        }
        let name = local
            .iter()
            .find(|(i, _)| i == id)
            .map(|(_, n)| n.as_str())
            .or_else(|| names.users.get(id).map(String::as_str))
            .unwrap_or(id);
        return Some(format!("@{name}"));
    }
    if let Some(id) = inner.strip_prefix('#') {
        return is_id(id)
            .then(|| format!("#{}", names.channels.get(id).map_or(id, String::as_str)));
    }
    if let Some(rest) = inner.strip_prefix("t:") {
        let (seconds, style) = rest.split_once(':').unwrap_or((rest, ""));
        if style.len() > 1 || !style.bytes().all(|b| b.is_ascii_alphabetic()) {
            return None;
        }
        let seconds = seconds.strip_prefix('-').unwrap_or(seconds);
        if !is_id(seconds) {
            return None;
        }
        let value: i64 = rest.split(':').next()?.parse().ok()?;
        let at = DateTime::from_timestamp(value, 0)?;
        return Some(at.format("%Y-%m-%d %H:%M UTC").to_string());
    }
    if let Some(rest) = inner.strip_prefix('/') {
        let (command, id) = rest.rsplit_once(':')?;
        return (is_id(id) && !command.trim().is_empty()).then(|| format!("/{command}"));
    }
    let emoji = inner.strip_prefix("a:").or_else(|| inner.strip_prefix(':'));
    if let Some(body) = emoji {
        let (name, id) = body.rsplit_once(':')?;
        let valid = !name.is_empty()
            && name.len() <= 64
            && name.chars().all(|c| c.is_alphanumeric() || c == '_');
        return (valid && is_id(id)).then(|| format!(":{name}:"));
    }
    if (inner.starts_with("https://") || inner.starts_with("http://"))
        && !inner.contains(char::is_whitespace)
    {
        return Some(inner.to_string());
    }
    None
}

// ---------------------------------------------------------------------------
// Dates

/// A date as DCE writes it (see the module doc): an instant when it has an
/// offset, else a wall-clock time.
fn parse_date(s: &str) -> Option<Stamp> {
    let s = s.trim();
    if s.len() > 64 {
        return None;
    }
    iso(s).or_else(|| locale(s))
}

/// `YYYY-MM-DD[T ]HH:MM[:SS[.fff]]` with an optional `Z`, `±HH:MM`,
/// `±HHMM`, `±HH`, ` UTC` or ` GMT`.
fn iso(s: &str) -> Option<Stamp> {
    let b = s.as_bytes();
    let date = ymd(b.get(..10)?, b'-')?;
    if !matches!(b.get(10), Some(b'T' | b't' | b' ')) {
        return None;
    }
    let rest = s.get(11..)?;
    let (time, used) = clock(rest.as_bytes())?;
    let zone = rest.get(used..)?;
    let local = date.and_time(time);
    match offset(zone)? {
        None => Some(Stamp::Local {
            date: Some(date),
            time,
        }),
        Some(seconds) => {
            let at = FixedOffset::east_opt(seconds)?
                .from_local_datetime(&local)
                .single()?;
            Some(Stamp::Exact(at.with_timezone(&Utc)))
        }
    }
}

/// `YYYY-MM-DD` (with `sep`).
fn ymd(b: &[u8], sep: u8) -> Option<NaiveDate> {
    if b.len() != 10 || b.get(4) != Some(&sep) || b.get(7) != Some(&sep) {
        return None;
    }
    let year = digits(b.get(0..4)?)?;
    let month = digits(b.get(5..7)?)?;
    let day = digits(b.get(8..10)?)?;
    NaiveDate::from_ymd_opt(year as i32, month, day)
}

/// All ASCII digits (at most 9) as a number.
fn digits(b: &[u8]) -> Option<u32> {
    if b.is_empty() || b.len() > 9 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0')))
}

/// `H:MM`, `HH:MM:SS`, `HH:MM:SS.fffffff` at the start of `b`: the time and
/// the bytes used.
fn clock(b: &[u8]) -> Option<(NaiveTime, usize)> {
    let hour_len = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if !(1..=2).contains(&hour_len) || b.get(hour_len) != Some(&b':') {
        return None;
    }
    let hour = digits(b.get(..hour_len)?)?;
    let minute = digits(b.get(hour_len + 1..hour_len + 3)?)?;
    let mut used = hour_len + 3;
    let mut second = 0;
    let mut nanos = 0;
    if b.get(used) == Some(&b':') {
        second = digits(b.get(used + 1..used + 3)?)?;
        used += 3;
        if matches!(b.get(used), Some(b'.' | b',')) {
            let count = b
                .get(used + 1..)?
                .iter()
                .take_while(|c| c.is_ascii_digit())
                .count();
            if count == 0 {
                return None;
            }
            let mut scale = 100_000_000;
            for d in b.get(used + 1..used + 1 + count.min(9))? {
                nanos += u32::from(d - b'0') * scale;
                scale /= 10;
            }
            used += 1 + count;
        }
    }
    if b.get(used).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    Some((
        NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)?,
        used,
    ))
}

/// What follows an ISO time: nothing (`Some(None)`), a zone (its offset in
/// seconds), or something else (`None`).
fn offset(zone: &str) -> Option<Option<i32>> {
    let trimmed = zone.trim_start();
    if trimmed.is_empty() {
        return zone.is_empty().then_some(None);
    }
    if matches!(trimmed, "Z" | "z" | "UTC" | "GMT") {
        return Some(Some(0));
    }
    if trimmed.len() != zone.len() {
        return None;
    }
    let b = zone.as_bytes();
    let sign = match b.first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let rest = b.get(1..)?;
    let (hours, minutes) = match rest.len() {
        2 => (digits(rest)?, 0),
        4 => (digits(rest.get(..2)?)?, digits(rest.get(2..)?)?),
        5 if rest.get(2) == Some(&b':') => (digits(rest.get(..2)?)?, digits(rest.get(3..)?)?),
        _ => return None,
    };
    if hours > 14 || minutes > 59 {
        return None;
    }
    Some(Some(sign * (hours * 3600 + minutes * 60) as i32))
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// A locale date and time (see the module doc) as a wall-clock time.
fn locale(s: &str) -> Option<Stamp> {
    let s: String = s
        .chars()
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .collect();
    let (date, time) = s.trim().split_once(' ')?;
    let date = locale_date(date)?;
    let time = time.trim();
    let lower = time.to_ascii_lowercase();
    let (clock_part, pm) = if let Some(t) = lower.strip_suffix("am") {
        (t.trim_end(), Some(false))
    } else if let Some(t) = lower.strip_suffix("pm") {
        (t.trim_end(), Some(true))
    } else {
        (lower.as_str(), None)
    };
    let (mut time, used) = clock(clock_part.as_bytes())?;
    if used != clock_part.len() {
        return None;
    }
    if let Some(pm) = pm {
        let hour = chrono::Timelike::hour(&time);
        if !(1..=12).contains(&hour) {
            return None;
        }
        let hour24 = match (hour, pm) {
            (12, false) => 0,
            (12, true) => 12,
            (h, false) => h,
            (h, true) => h + 12,
        };
        time = chrono::Timelike::with_hour(&time, hour24)?;
    }
    Some(Stamp::Local {
        date: Some(date),
        time,
    })
}

/// `04-Mar-26`, `3/4/2026` (month first), `2026/03/04`, `04.03.2026`,
/// `2026-03-04`.
fn locale_date(s: &str) -> Option<NaiveDate> {
    let sep = s.chars().find(|c| matches!(c, '/' | '.' | '-'))?;
    let parts: Vec<&str> = s.trim_end_matches('.').split(sep).collect();
    let [a, b, c] = parts.as_slice() else {
        return None;
    };
    let year = |y: &str| -> Option<i32> {
        let n = digits(y.as_bytes())?;
        match y.len() {
            2 => Some(2000 + n as i32),
            4 => Some(n as i32),
            _ => None,
        }
    };
    let small = |n: &str| -> Option<u32> { (n.len() <= 2).then(|| digits(n.as_bytes()))? };
    let (y, m, d) = if a.len() == 4 {
        (year(a)?, small(b)?, small(c)?)
    } else {
        match sep {
            '/' => (year(c)?, small(a)?, small(b)?),
            '.' => (year(c)?, small(b)?, small(a)?),
            _ => {
                let lower = b.to_ascii_lowercase();
                let month = MONTHS.iter().position(|m| lower == *m)? as u32 + 1;
                (year(c)?, month, small(a)?)
            }
        }
    };
    NaiveDate::from_ymd_opt(y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> Option<Stamp> {
        Some(Stamp::Local {
            date: NaiveDate::from_ymd_opt(y, mo, d),
            time: NaiveTime::from_hms_opt(h, mi, s).unwrap(),
        })
    }

    fn exact(rfc3339: &str) -> Option<Stamp> {
        Some(Stamp::Exact(
            DateTime::parse_from_rfc3339(rfc3339)
                .unwrap()
                .with_timezone(&Utc),
        ))
    }

    #[test]
    fn iso_dates() {
        assert_eq!(
            parse_date("2026-03-04T14:32:05.123+01:00"),
            exact("2026-03-04T13:32:05.123Z")
        );
        assert_eq!(
            parse_date("2026-03-04T14:32:05.1230000+01:00"),
            exact("2026-03-04T13:32:05.123Z")
        );
        assert_eq!(
            parse_date("2026-03-04T14:32:05.123456789123-05:00"),
            exact("2026-03-04T19:32:05.123456789Z")
        );
        assert_eq!(
            parse_date("2026-03-04T14:32:05+0530"),
            exact("2026-03-04T09:02:05Z")
        );
        assert_eq!(
            parse_date("2026-03-04 14:32:05Z"),
            exact("2026-03-04T14:32:05Z")
        );
        assert_eq!(
            parse_date("2026-03-04 14:32 UTC"),
            exact("2026-03-04T14:32:00Z")
        );
        assert_eq!(parse_date("2026-03-04 14:32"), local(2026, 3, 4, 14, 32, 0));
        assert_eq!(
            parse_date("2026-03-04T14:32:05"),
            local(2026, 3, 4, 14, 32, 5)
        );
        for bad in [
            "2026-03-04",
            "2026-02-30 14:32",
            "2026-03-04 25:00",
            "2026-03-04 14:32+1:00",
            "2026-03-04 14:32 CET",
            "2026-03-04T14:32:05.+01:00",
            "2026-03-04 14:321",
            "",
            "é",
            "2026-03-04 14:32 +99:00",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn locale_dates() {
        assert_eq!(parse_date("3/4/2026 2:32 PM"), local(2026, 3, 4, 14, 32, 0));
        assert_eq!(
            parse_date("03/04/2026 12:05 am"),
            local(2026, 3, 4, 0, 5, 0)
        );
        assert_eq!(
            parse_date("3/4/2026 12:05:09 PM"),
            local(2026, 3, 4, 12, 5, 9)
        );
        // .NET 8 with ICU: a narrow no-break space before PM.
        assert_eq!(
            parse_date("3/4/2026 2:32\u{202f}PM"),
            local(2026, 3, 4, 14, 32, 0)
        );
        assert_eq!(
            parse_date("04-Mar-26 02:32 PM"),
            local(2026, 3, 4, 14, 32, 0)
        );
        assert_eq!(
            parse_date("04-mar-2026 02:32 AM"),
            local(2026, 3, 4, 2, 32, 0)
        );
        assert_eq!(parse_date("04.03.2026 14:32"), local(2026, 3, 4, 14, 32, 0));
        assert_eq!(parse_date("2026/03/04 14:32"), local(2026, 3, 4, 14, 32, 0));
        assert_eq!(parse_date("3/4/26 14:32"), local(2026, 3, 4, 14, 32, 0));
        // Month first: 04/03 is 3 April, and 13/03 is no date.
        assert_eq!(parse_date("04/03/2026 14:32"), local(2026, 4, 3, 14, 32, 0));
        for bad in [
            "13/03/2026 14:32",
            "3/4/2026 13:32 PM",
            "3/4/2026 0:32 AM",
            "3/4/2026",
            "3/4/2026 2:32 XM",
            "04-Foo-26 02:32 PM",
            "3/4/226 2:32 PM",
            "3-4 2:32",
            "3/4/2026 2:32 PM extra",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn markup_rendering() {
        let mut names = Names::default();
        names.users.insert("3001".into(), "Kim Park".into());
        names.channels.insert("9001".into(), "incident-412".into());
        names.roles.insert("5001".into(), "sre-oncall".into());
        let local = [("3002".to_string(), "Lee".to_string())];
        let r = |s: &str| render(s, &names, &local);
        assert_eq!(r("<@3001> <@!3002> <@3999>"), "@Kim Park @Lee @3999");
        assert_eq!(r("<#9001> <#9002>"), "#incident-412 #9002");
        assert_eq!(r("<@&5001> <@&5002>"), "@sre-oncall @5002");
        assert_eq!(r("<:eyes_purple:1234> <a:spin:55>"), ":eyes_purple: :spin:");
        assert_eq!(r("</checkout status:77>"), "/checkout status");
        assert_eq!(
            r("<t:1772634725:R> <t:1772634725>"),
            "2026-03-04 14:32 UTC 2026-03-04 14:32 UTC"
        );
        assert_eq!(
            r("<https://status.example.com>"),
            "https://status.example.com"
        );
        // Not markup: kept as written.
        assert_eq!(r("p99 < 2s and > 1s"), "p99 < 2s and > 1s");
        assert_eq!(
            r("<@sam> <#ops> <> <t:abc> <:x:> <b>"),
            "<@sam> <#ops> <> <t:abc> <:x:> <b>"
        );
        assert_eq!(r("<<@3001>>"), "<@Kim Park>");
        assert_eq!(r("é<@3001"), "é<@3001");
        assert_eq!(r("<t:99999999999999999:R>"), "<t:99999999999999999:R>");
    }

    #[test]
    fn discriminators_and_kinds() {
        assert_eq!(strip_discriminator("kim#4821"), ("kim", false));
        assert_eq!(strip_discriminator("sam#0"), ("sam", false));
        assert_eq!(strip_discriminator("PagerDuty#0000"), ("PagerDuty", true));
        assert_eq!(strip_discriminator("C#dev#1234"), ("C#dev", false));
        assert_eq!(strip_discriminator("C#"), ("C#", false));
        assert_eq!(strip_discriminator("#1234"), ("#1234", false));
        assert_eq!(strip_discriminator("team#12"), ("team#12", false));
        assert_eq!(
            guess_kind("Pinned a message.", true, false),
            LineKind::System
        );
        assert_eq!(
            guess_kind("Pinned a message.", false, false),
            LineKind::Message
        );
        assert_eq!(
            guess_kind("Joined the server.", true, false),
            LineKind::Join
        );
        assert_eq!(
            guess_kind("Started a call that lasted 1,200 minutes.", true, false),
            LineKind::System
        );
        assert_eq!(
            guess_kind("Changed the channel name: inc-412", true, false),
            LineKind::Topic
        );
        assert_eq!(
            guess_kind("Added  to the group.", true, false),
            LineKind::Message
        );
        assert_eq!(guess_kind("alert", true, true), LineKind::Bot);
    }

    #[test]
    fn files() {
        assert_eq!(
            file_line(None, Some("https://cdn.example.com/a/p99.png?ex=1")),
            "[file: p99.png (https://cdn.example.com/a/p99.png?ex=1)]"
        );
        assert_eq!(
            file_line(Some("graph.png"), Some("export_Files/graph-1A2B.png")),
            "[file: graph.png (export_Files/graph-1A2B.png)]"
        );
        assert_eq!(file_line(None, Some("/")), "[file: /]");
        assert_eq!(file_line(Some("x.log"), None), "[file: x.log]");
        assert_eq!(file_line(None, None), "[file]");
    }

    #[test]
    fn csv_records_span_lines() {
        let mut records = Vec::new();
        let unclosed = csv_records(
            b"\xEF\xBB\xBF\"a\",\"b\"\r\n\r\n\"x, \"\"y\"\"\r\nz\",w\"q\r\n\"open",
            "t.csv",
            &mut |record| records.push(record),
        );
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].fields, ["a", "b"]);
        assert_eq!(records[1].line, 3);
        assert_eq!(records[1].fields, ["x, \"y\"\nz", "w\"q"]);
        assert_eq!(unclosed.map(|p| p.line), Some(5));
    }
}
