//! Pieces several formats share: clock times, IRC nicks and IRC event lines.

use chrono::{NaiveDate, NaiveTime};

use crate::{Entry, LineKind, Stamp};

/// A nick without its channel-mode prefix (`@op`, `+voice`, `%halfop`, `~owner`, `&admin`).
pub fn bare_nick(nick: &str) -> &str {
    let nick = nick.trim();
    nick.trim_start_matches(['@', '+', '%', '~', '&', ' '])
}

/// `<nick> text` (also `< nick>`, `<@nick>`): the nick and the text.
pub fn angle_message(s: &str) -> Option<(&str, &str)> {
    let rest = s.strip_prefix('<')?;
    let (nick, text) = rest.split_once('>')?;
    let nick = bare_nick(nick);
    if nick.is_empty() || nick.contains(' ') {
        return None;
    }
    Some((nick, text.strip_prefix(' ').unwrap_or(text)))
}

/// A stamp as one of the IRC formats writes it: the date when the line has
/// one, and the wall-clock time.
pub fn stamp(date: Option<NaiveDate>, time: NaiveTime) -> Stamp {
    Stamp::Local { date, time }
}

/// `s` without the ASCII `prefix`, compared case-insensitively.
pub fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let n = prefix.len();
    if s.len() >= n && s.as_bytes()[..n].eq_ignore_ascii_case(prefix.as_bytes()) {
        // The bytes before `n` matched ASCII, so `n` is a character boundary.
        Some(&s[n..])
    } else {
        None
    }
}

fn starts_with_ci(s: &str, prefix: &str) -> bool {
    strip_prefix_ci(s, prefix).is_some()
}

fn digit(b: &[u8], i: usize) -> Option<u32> {
    b.get(i)
        .filter(|c| c.is_ascii_digit())
        .map(|c| u32::from(c - b'0'))
}

/// `H:MM`, `HH:MM` or `HH:MM:SS` at the start of `s` and not followed by a
/// digit: the time, and how many bytes it took.
pub fn time_at(s: &str) -> Option<(NaiveTime, usize)> {
    let b = s.as_bytes();
    let (h, mut i) = match (digit(b, 0), digit(b, 1)) {
        (Some(a), Some(c)) => (a * 10 + c, 2),
        (Some(a), None) => (a, 1),
        _ => return None,
    };
    if b.get(i) != Some(&b':') {
        return None;
    }
    let m = digit(b, i + 1)? * 10 + digit(b, i + 2)?;
    i += 3;
    let mut sec = 0;
    if b.get(i) == Some(&b':') {
        sec = digit(b, i + 1)? * 10 + digit(b, i + 2)?;
        i += 3;
    }
    if b.get(i).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    Some((NaiveTime::from_hms_opt(h, m, sec)?, i))
}

/// `YYYY-MM-DD` at the start of `s`.
pub fn date_at(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let n = |from: usize, to: usize| -> Option<u32> {
        (from..to).try_fold(0u32, |acc, i| Some(acc * 10 + digit(b, i)?))
    };
    NaiveDate::from_ymd_opt(n(0, 4)? as i32, n(5, 7)?, n(8, 10)?)
}

/// `YYYY-MM-DD` then `T` or a space then a time ([`time_at`]) at the start of
/// `s`: the date, the time, and how many bytes they took.
pub fn date_time_at(s: &str) -> Option<(NaiveDate, NaiveTime, usize)> {
    let date = date_at(s)?;
    if !matches!(s.as_bytes().get(10), Some(b'T' | b' ')) {
        return None;
    }
    let (time, used) = time_at(&s[11..])?;
    Some((date, time, 11 + used))
}

/// A time in brackets at the start of a line, as ZNC, mIRC and most IRC
/// clients write it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bracketed<'a> {
    pub date: Option<NaiveDate>,
    pub time: NaiveTime,
    /// Whether the time has seconds.
    pub seconds: bool,
    /// What follows the closing bracket and one space.
    pub rest: &'a str,
}

/// `[HH:MM] `, `[HH:MM:SS] ` or `[YYYY-MM-DD HH:MM[:SS]] ` (`T` between date
/// and time accepted) at the start of `line`.
pub fn bracketed(line: &str) -> Option<Bracketed<'_>> {
    let inner = line.strip_prefix('[')?;
    let (date, time, used) = match date_time_at(inner) {
        Some((date, time, used)) => (Some(date), time, used),
        None => {
            let (time, used) = time_at(inner)?;
            (None, time, used)
        }
    };
    let rest = inner[used..].strip_prefix("] ")?;
    let time_len = if date.is_some() { used - 11 } else { used };
    Some(Bracketed {
        date,
        time,
        seconds: time_len >= 7,
        rest,
    })
}

/// The number of a month written as a (case-insensitive) English name or its
/// three-letter abbreviation.
pub fn month_number(s: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    if s.len() < 3 || !s.is_ascii() {
        return None;
    }
    let i = MONTHS
        .iter()
        .position(|m| s.as_bytes()[..3].eq_ignore_ascii_case(m.as_bytes()))?;
    Some(i as u32 + 1)
}

/// A date written the way C's `ctime` and the IRC clients' markers write it:
/// `Wed Mar 04 14:00:00 2026`, `Wed Mar  4 14:00:00 2026`, `Wed Mar 04 2026`
/// (the day name is optional and not checked; a time, if any, is ignored).
pub fn ctime_date(s: &str) -> Option<NaiveDate> {
    let mut words = s.split_ascii_whitespace().peekable();
    let mut month = None;
    if let Some(first) = words.next() {
        month = month_number(first).filter(|_| first.len() <= 9);
        if month.is_none() && !first.bytes().all(|b| b.is_ascii_alphabetic()) {
            return None;
        }
    }
    let month = match month {
        Some(m) => m,
        None => words.next().and_then(month_number)?,
    };
    let day = words.next()?;
    if day.is_empty() || day.len() > 2 || !day.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let day: u32 = day.parse().ok()?;
    if words.peek().is_some_and(|w| w.contains(':')) {
        words.next();
    }
    let year = words.next()?;
    if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    NaiveDate::from_ymd_opt(year.parse().ok()?, month, day)
}

/// Whether `s` can be an IRC nick (after its mode prefix is dropped): letters,
/// digits and `-[]\`_^{|}.`, not starting with `-`, at most 64 bytes. Bridged
/// nicks with letters beyond ASCII are accepted.
pub fn is_nick(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && !s.starts_with('-')
        && s.chars()
            .all(|c| c.is_alphanumeric() || "-[]\\`_^{|}.".contains(c))
}

/// `-nick- text`, `-nick(~user@host)- text` (irssi), `-nick:#chan- text` and
/// `-nick/#chan- text`: a notice's sender and text.
pub fn dash_notice(s: &str) -> Option<(&str, &str)> {
    let inner = s.strip_prefix('-')?;
    let (head, text) = match inner.find("- ") {
        Some(end) => (&inner[..end], &inner[end + 2..]),
        None => (inner.strip_suffix('-')?, ""),
    };
    let nick = head.split(['(', ':', '/', '!']).next().unwrap_or("");
    is_nick(nick).then_some((nick, text))
}

/// `nick text`: an action's (`/me`) author and text.
pub fn action(s: &str) -> Option<(&str, &str)> {
    let s = s.trim_start();
    let (nick, text) = match s.find([' ', '\t']) {
        Some(end) => (&s[..end], s[end + 1..].trim_start()),
        None => (s, ""),
    };
    let nick = bare_nick(nick);
    is_nick(nick).then_some((nick, text))
}

/// Lines a client writes about itself or the channel, with no nick first.
const CLIENT_LINES: &[&str] = &[
    "now talking",
    "you are now talking",
    "you have joined",
    "you have left",
    "you have been",
    "you're inviting",
    "channel ",
    "users on ",
    "disconnected",
    "connected",
    "connecting to ",
    "looking up ",
    "cannot join",
    "received a ctcp",
    "ping reply",
    "notify",
    "nickname already in use",
    "retrieving ",
    "attempting ",
    "no topic is set",
    "mode is ",
    "mode/",
    "mode ",
    "servermode/",
    "netsplit",
    "netjoin",
];

/// What a verb after a nick says happened: (the verb, its kind).
const VERBS: &[(&str, LineKind)] = &[
    ("has joined", LineKind::Join),
    ("joined the channel", LineKind::Join),
    ("joined #", LineKind::Join),
    ("has left", LineKind::Part),
    ("has parted", LineKind::Part),
    ("left the channel", LineKind::Part),
    ("left #", LineKind::Part),
    ("parted #", LineKind::Part),
    ("was kicked", LineKind::Part),
    ("has quit", LineKind::Quit),
    ("quit (", LineKind::Quit),
    ("quit:", LineKind::Quit),
    ("quit irc", LineKind::Quit),
    ("left irc", LineKind::Quit),
    ("is now known as ", LineKind::Nick),
    ("changed nick to ", LineKind::Nick),
    ("changed their nick to ", LineKind::Nick),
    ("has changed nick to ", LineKind::Nick),
    ("changed the topic", LineKind::Topic),
    ("has changed the topic", LineKind::Topic),
    ("has changed topic", LineKind::Topic),
    ("changes topic", LineKind::Topic),
    ("changed topic", LineKind::Topic),
    ("sets topic", LineKind::Topic),
    ("set the topic", LineKind::Topic),
    ("has set topic", LineKind::Topic),
    ("has set the topic", LineKind::Topic),
    ("has unset topic", LineKind::Topic),
    ("unset the topic", LineKind::Topic),
    ("sets mode", LineKind::System),
    ("set mode", LineKind::System),
    ("gives channel", LineKind::System),
    ("gives voice", LineKind::System),
    ("removes channel", LineKind::System),
    ("removes voice", LineKind::System),
    ("sets ban", LineKind::System),
    ("removes ban", LineKind::System),
    ("sets exempt", LineKind::System),
    ("removes exempt", LineKind::System),
    ("sets invite", LineKind::System),
    ("removes invite", LineKind::System),
    ("sets channel", LineKind::System),
    ("removes user limit", LineKind::System),
];

/// An IRC event written as prose, as the clients log it after their event
/// marker (`-!-`, `***`, `-->`, `*`, ...) or on its own (Textual):
///
/// - `Joins: sam (~sam@host)`, `Parts: ...`, `Quits: ...` (ZNC, mIRC);
/// - `sam [~sam@host] has joined #ops`, `sam (~sam@host) has left #ops`,
///   `sam <sam!~sam@host> has quit IRC (...)`, `sam (~sam@host) Quit (...)`,
///   `sam joined the channel`, `sam left IRC (...)`: joins, parts, quits;
/// - `sam is now known as kim`, `sam changed nick to kim`: nick changes;
/// - `sam changed the topic of #ops to: ...`, `sam changes topic to '...'`,
///   `Topic for #ops: ...`, `Topic is '...'`, `Set by sam on ...`: topics;
/// - `kim was kicked from #ops by sam`, `sam has kicked kim (...)`: a kick is
///   the kicked nick's part;
/// - `sam sets mode: +o kim`, `mode/#ops [+o kim] by sam`, `Now talking on
///   #ops`, `Channel #ops created on ...`: system lines.
///
/// Returns the kind and the nick the event is about (`None` for lines about
/// the channel or the client), or `None` when `text` does not read as an
/// event (an action, say).
pub fn irc_prose(text: &str) -> Option<(LineKind, Option<&str>)> {
    let text = text.trim();
    for (word, kind) in [
        ("joins:", LineKind::Join),
        ("parts:", LineKind::Part),
        ("quits:", LineKind::Quit),
    ] {
        if let Some(rest) = strip_prefix_ci(text, word) {
            let nick = bare_nick(rest.split_whitespace().next()?);
            return is_nick(nick).then_some((kind, Some(nick)));
        }
    }
    let topic_line = strip_prefix_ci(text, "topic")
        .is_some_and(|after| after.is_empty() || after.starts_with([' ', ':', '(']));
    if topic_line || starts_with_ci(text, "set by ") {
        return Some((LineKind::Topic, None));
    }
    if starts_with_ci(text, "you are now known as ") {
        return Some((LineKind::Nick, None));
    }
    if CLIENT_LINES.iter().any(|p| starts_with_ci(text, p)) {
        return Some((LineKind::System, None));
    }
    let end = text.find([' ', '\t'])?;
    let nick = bare_nick(&text[..end]);
    if !is_nick(nick) {
        return None;
    }
    let mut rest = text[end..].trim_start();
    // The user and host after the nick: (~sam@host), [~sam@host], <sam!~sam@host>.
    if let Some(open) = rest.chars().next()
        && let Some(close) = match open {
            '(' => Some(')'),
            '[' => Some(']'),
            '<' => Some('>'),
            _ => None,
        }
        && let Some(end) = rest.find(close)
        && rest[..end].contains('@')
    {
        rest = rest[end + 1..].trim_start();
    }
    // "sam has kicked kim (...)", "sam kicked kim from the channel.": the
    // kicked nick's part.
    for (verb, needs_from) in [("has kicked ", false), ("kicked ", true)] {
        if let Some(after) = strip_prefix_ci(rest, verb) {
            let mut words = after.split_whitespace();
            let kicked = bare_nick(words.next().unwrap_or(""));
            if is_nick(kicked) && (!needs_from || words.next() == Some("from")) {
                return Some((LineKind::Part, Some(kicked)));
            }
        }
    }
    if let Some(&(_, kind)) = VERBS.iter().find(|(verb, _)| starts_with_ci(rest, verb)) {
        return Some((kind, Some(nick)));
    }
    // mIRC's quit: "sam (~sam@host) Quit" with no reason.
    if rest.eq_ignore_ascii_case("quit") || rest.eq_ignore_ascii_case("has quit") {
        return Some((LineKind::Quit, Some(nick)));
    }
    None
}

/// The entry for what follows a lone `*` (mIRC, HexChat, most IRC logs): an
/// event written as prose ([`irc_prose`]), else an action (`* sam waves`).
/// `None` when it is neither (no nick first).
pub fn star_entry(number: u64, stamp: Stamp, body: &str) -> Option<Entry> {
    if let Some((kind, nick)) = irc_prose(body) {
        return Some(Entry::new(number, stamp, kind, nick, body.trim()));
    }
    let (nick, text) = action(body)?;
    Some(Entry::new(
        number,
        stamp,
        LineKind::Action,
        Some(nick),
        text.trim_end(),
    ))
}

/// The entry for an event line after an explicit event marker (`-!-`, `***`,
/// `--`): its kind from [`irc_prose`], else `fallback` (with no author).
pub fn event_entry(number: u64, stamp: Stamp, body: &str, fallback: LineKind) -> Entry {
    let body = body.trim();
    let (kind, nick) = irc_prose(body).unwrap_or((fallback, None));
    Entry::new(number, stamp, kind, nick, body)
}

/// The entry for `<nick> text`, when `s` is one.
pub fn message_entry(number: u64, stamp: Stamp, s: &str) -> Option<Entry> {
    let (nick, text) = angle_message(s)?;
    Some(Entry::new(
        number,
        stamp,
        LineKind::Message,
        Some(nick),
        text,
    ))
}

/// The entry for `-nick- text`, when `s` is one.
pub fn notice_entry(number: u64, stamp: Stamp, s: &str) -> Option<Entry> {
    let (nick, text) = dash_notice(s)?;
    Some(Entry::new(
        number,
        stamp,
        LineKind::Notice,
        Some(nick),
        text,
    ))
}

const WEEKDAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// An English day name, full or abbreviated (`Wed`, `Wed.`, `Wednesday`).
pub fn is_weekday(word: &str) -> bool {
    name_index(&WEEKDAYS, word).is_some()
}

/// An English month name, full or abbreviated (`Mar`, `Sept.`, `March`).
pub fn month_word(word: &str) -> Option<u32> {
    name_index(&MONTHS, word).map(|i| i as u32 + 1)
}

/// Which of `names` (lower case) `word` is, whole or its first three letters
/// or more, in any case, with or without a final dot. Without allocating:
/// the plain reader asks this of a word of most lines.
fn name_index(names: &[&str], word: &str) -> Option<usize> {
    let w = word.trim_end_matches('.').as_bytes();
    if w.len() < 3 {
        return None;
    }
    names.iter().position(|name| {
        name.len() >= w.len() && name.as_bytes()[..w.len()].eq_ignore_ascii_case(w)
    })
}

/// A number written with `min` to `max` ASCII digits.
pub fn digits(s: &str, min: usize, max: usize) -> Option<u32> {
    if s.len() < min || s.len() > max || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// `AM`, `pm`, `a.m.`: whether it is after noon.
pub fn meridiem(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "am" | "a.m." | "a.m" => Some(false),
        "pm" | "p.m." | "p.m" => Some(true),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nicks_and_messages() {
        assert_eq!(bare_nick("@sam"), "sam");
        assert_eq!(bare_nick(" +sam"), "sam");
        assert_eq!(
            angle_message("<@sam> hello there"),
            Some(("sam", "hello there"))
        );
        assert_eq!(angle_message("< sam> hi"), Some(("sam", "hi")));
        assert_eq!(angle_message("<sam lee> hi"), None);
        assert_eq!(angle_message("sam> hi"), None);
    }

    #[test]
    fn times_dates_and_brackets() {
        let t = |h, m, s| NaiveTime::from_hms_opt(h, m, s).unwrap();
        assert_eq!(time_at("14:32 rest"), Some((t(14, 32, 0), 5)));
        assert_eq!(time_at("9:05:07"), Some((t(9, 5, 7), 7)));
        assert_eq!(time_at("14:32:5"), None);
        assert_eq!(time_at("14:321"), None);
        assert_eq!(time_at("24:00"), None);
        assert_eq!(date_at("2026-03-04T"), NaiveDate::from_ymd_opt(2026, 3, 4));
        assert_eq!(date_at("2026-02-30"), None);
        assert_eq!(date_at("2026/03/04"), None);
        let day = NaiveDate::from_ymd_opt(2026, 3, 4);
        assert_eq!(
            bracketed("[14:32] <sam> hi"),
            Some(Bracketed {
                date: None,
                time: t(14, 32, 0),
                seconds: false,
                rest: "<sam> hi"
            })
        );
        assert_eq!(
            bracketed("[2026-03-04 14:32:05] x"),
            Some(Bracketed {
                date: day,
                time: t(14, 32, 5),
                seconds: true,
                rest: "x"
            })
        );
        assert_eq!(bracketed("[14:32]<sam> hi"), None);
        assert_eq!(bracketed("[14:32 ] x"), None);
        assert_eq!(ctime_date("Wed Mar 04 14:00:00 2026"), day);
        assert_eq!(ctime_date("Wed Mar  4 14:00:00 2026"), day);
        assert_eq!(ctime_date("Wed Mar 04 2026"), day);
        assert_eq!(ctime_date("Mar 4 2026"), day);
        assert_eq!(ctime_date("Wed Foo 04 2026"), None);
        assert_eq!(ctime_date("Wed Mar 04"), None);
        assert_eq!(ctime_date("Wed Feb 30 2026"), None);
    }

    #[test]
    fn nicks_notices_and_actions() {
        assert!(is_nick("sam_oncall"));
        assert!(is_nick("[ops]bot|away"));
        assert!(is_nick("zoë"));
        assert!(!is_nick("sam lee"));
        assert!(!is_nick("-sam"));
        assert!(!is_nick("Irssi:"));
        assert!(!is_nick(""));
        assert_eq!(dash_notice("-sam- hi there"), Some(("sam", "hi there")));
        assert_eq!(dash_notice("-sam(~sam@host)- hi"), Some(("sam", "hi")));
        assert_eq!(dash_notice("-sam:#ops- hi"), Some(("sam", "hi")));
        assert_eq!(dash_notice("-ops-bot- hi"), Some(("ops-bot", "hi")));
        assert_eq!(dash_notice("-!- sam has joined"), None);
        assert_eq!(dash_notice("- sam"), None);
        assert_eq!(action("sam waves at kim"), Some(("sam", "waves at kim")));
        assert_eq!(action("@sam waves"), Some(("sam", "waves")));
        assert_eq!(action("#ops waves"), None);
    }

    #[test]
    fn prose_events() {
        use LineKind::*;
        type Event<'a> = Option<(LineKind, Option<&'a str>)>;
        let cases: &[(&str, Event)] = &[
            ("Joins: sam (~sam@host)", Some((Join, Some("sam")))),
            (
                "Quits: lee (~lee@host) (Ping timeout)",
                Some((Quit, Some("lee"))),
            ),
            ("sam [~sam@host] has joined #ops", Some((Join, Some("sam")))),
            (
                "sam <sam!~sam@host> has left #ops (bye)",
                Some((Part, Some("sam"))),
            ),
            (
                "sam (~sam@host) joined the channel",
                Some((Join, Some("sam"))),
            ),
            (
                "sam (~sam@host) Quit (Ping timeout)",
                Some((Quit, Some("sam"))),
            ),
            ("sam (~sam@host) Quit", Some((Quit, Some("sam")))),
            ("sam (~sam@host) left IRC (bye)", Some((Quit, Some("sam")))),
            ("sam is now known as kim", Some((Nick, Some("sam")))),
            ("sam changed nick to kim", Some((Nick, Some("sam")))),
            ("You are now known as kim", Some((Nick, None))),
            (
                "sam changed the topic of #ops to: x",
                Some((Topic, Some("sam"))),
            ),
            ("sam changes topic to 'x'", Some((Topic, Some("sam")))),
            ("Topic for #ops: x", Some((Topic, None))),
            ("Topic is 'x'", Some((Topic, None))),
            ("Set by kim on Tue Mar 03", Some((Topic, None))),
            (
                "kim was kicked from #ops by sam [flood]",
                Some((Part, Some("kim"))),
            ),
            ("sam has kicked kim (flood)", Some((Part, Some("kim")))),
            (
                "sam kicked kim from the channel. (flood)",
                Some((Part, Some("kim"))),
            ),
            ("sam sets mode: +o kim", Some((System, Some("sam")))),
            ("mode/#ops [+o kim] by sam", Some((System, None))),
            ("Now talking on #ops", Some((System, None))),
            ("Channel #ops: 5 nicks", Some((System, None))),
            // Actions and other prose are not events.
            ("sam waves", None),
            ("sam kicked the tyres", None),
            ("sam topics are hard", None),
            ("Topical cream", None),
            ("Irssi: Join to #ops was synced", None),
        ];
        for (text, expected) in cases {
            assert_eq!(irc_prose(text), *expected, "{text}");
        }
    }
}
