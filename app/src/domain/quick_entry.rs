//! Quick entry: one typed line becomes one timeline event.
//!
//! ```text
//! 14:32 alert: checkout p99 above 2 s
//! 14:35:10 @sam !detected saw the alert and opened the dashboard
//! 2026-03-05 00:10 deploy: rolled back release 412 !repaired
//! ```
//!
//! The line starts with a time (`HH:MM` or `HH:MM:SS`), optionally after a
//! date (`YYYY-MM-DD`). Without a date the day is the one that puts the time
//! nearest to a reference instant (the last event typed, else the incident's
//! start), so typing past midnight rolls over to the next day and a change made
//! the evening before lands on the day before. Times are read in the
//! incident's zone. Then, in any order: `kind:` (alert:, action:, deploy:, …),
//! `@actor` (one word) and `!moment` (a key moment to mark). The rest is the
//! event's text.

use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::moments::KeyMoment;
use super::timeline::{EventKind, MARK_WORDS, mark_word};

/// A line of quick entry, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuickEntry {
    pub at: DateTime<Utc>,
    pub kind: EventKind,
    pub actor: String,
    pub body: String,
    pub mark: Option<KeyMoment>,
}

fn mark_list() -> String {
    KeyMoment::ALL
        .iter()
        .map(|m| format!("!{}", mark_word(*m)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Most characters one quick-entry line may hold.
pub const MAX_LINE: usize = 20_000;

/// Reads one line of quick entry; the message of an error says what to fix.
pub fn parse_quick_entry(
    line: &str,
    reference: DateTime<Utc>,
    zone: Tz,
) -> Result<QuickEntry, String> {
    let line = line.trim();
    if line.is_empty() {
        return Err(
            "Type a line such as \"14:32 alert: checkout latency above 2 s\": the time first, then what happened."
                .into(),
        );
    }
    if line.chars().count() > MAX_LINE {
        return Err(format!(
            "A quick-entry line is at most {MAX_LINE} characters; add long text by editing the event."
        ));
    }
    let mut words = line.split_whitespace().peekable();
    let first = words.next().unwrap_or_default();
    let date = match NaiveDate::parse_from_str(first, "%Y-%m-%d") {
        Ok(date) => Some(date),
        Err(_) if looks_like_date(first) => {
            return Err(format!(
                "\"{first}\" is not a date; write it as YYYY-MM-DD, or leave it out to use the incident's day."
            ));
        }
        Err(_) => None,
    };
    let time_word = if date.is_some() {
        words.next().unwrap_or_default()
    } else {
        first
    };
    let time = parse_time_of_day(time_word, zone)?;
    let at = match date {
        Some(date) => local_instant(date, time, zone)?,
        None => nearest_instant(time, reference, zone)?,
    };
    super::moments::check_year(at.with_timezone(&zone).date_naive())?;

    let mut kind = None;
    let mut actor = String::new();
    let mut mark: Option<(KeyMoment, &str)> = None;
    let mut body_words = Vec::new();
    for word in words {
        if let Some(name) = word.strip_prefix('!')
            && !name.is_empty()
        {
            let name = name.trim_end_matches([',', '.', ';']);
            let moment = MARK_WORDS
                .iter()
                .find(|(w, _)| w.eq_ignore_ascii_case(name))
                .map(|(_, m)| *m)
                .ok_or_else(|| {
                    format!(
                        "\"{word}\" is not a key moment; mark one of {}.",
                        mark_list()
                    )
                })?;
            if let Some((_, previous)) = mark
                && !previous.eq_ignore_ascii_case(word)
            {
                return Err(format!(
                    "One line marks at most one key moment; this one has {previous} and {word}."
                ));
            }
            mark = Some((moment, word));
            continue;
        }
        if body_words.is_empty() {
            if let Some(name) = word.strip_prefix('@')
                && actor.is_empty()
                && !name.is_empty()
            {
                actor = name.to_string();
                continue;
            }
            if let Some(name) = word.strip_suffix(':')
                && kind.is_none()
                && let Some(k) = EventKind::parse_word(name)
            {
                kind = Some(k);
                continue;
            }
        }
        body_words.push(word);
    }
    if body_words.is_empty() {
        return Err(format!(
            "Say what happened after the time, for example \"{time_word} alert: checkout latency above 2 s\"."
        ));
    }
    Ok(QuickEntry {
        at,
        kind: kind.unwrap_or(EventKind::Observation),
        actor,
        body: body_words.join(" "),
        mark: mark.map(|(m, _)| m),
    })
}

fn looks_like_date(word: &str) -> bool {
    word.len() >= 8
        && word.chars().filter(|c| *c == '-').count() == 2
        && word.chars().all(|c| c.is_ascii_digit() || c == '-')
}

fn parse_time_of_day(word: &str, zone: Tz) -> Result<NaiveTime, String> {
    let parts: Vec<&str> = word.split(':').collect();
    let numeric = parts
        .iter()
        .all(|p| !p.is_empty() && p.len() <= 2 && p.chars().all(|c| c.is_ascii_digit()));
    if !(2..=3).contains(&parts.len()) || !numeric || parts[1].len() != 2 {
        return Err(format!(
            "Start the line with the time, such as 14:32 or 14:32:05 (the date and the zone, {zone}, come from the incident); \"{word}\" is not a time."
        ));
    }
    let number = |i: usize| parts.get(i).map_or(Ok(0), |p| p.parse::<u32>());
    let (h, m, s) = (
        number(0).unwrap_or(99),
        number(1).unwrap_or(99),
        number(2).unwrap_or(99),
    );
    NaiveTime::from_hms_opt(h, m, s).ok_or_else(|| {
        format!(
            "\"{word}\" is not a time of day: hours run from 00 to 23, minutes and seconds from 00 to 59."
        )
    })
}

fn local_instant(date: NaiveDate, time: NaiveTime, zone: Tz) -> Result<DateTime<Utc>, String> {
    let naive = date.and_time(time);
    match zone.from_local_datetime(&naive) {
        LocalResult::Single(t) => Ok(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(a, b) => Err(format!(
            "{naive} happens twice in {zone} (clocks went back); add the event with the edit form and give the offset: {} or {}.",
            a.format("%Y-%m-%dT%H:%M:%S%:z"),
            b.format("%Y-%m-%dT%H:%M:%S%:z"),
        )),
        LocalResult::None => Err(format!(
            "{naive} does not exist in {zone} (clocks went forward over it); check the time."
        )),
    }
}

/// The instant at wall-clock `time` on the day before, of, or after the
/// reference's local day, whichever is nearest to the reference.
fn nearest_instant(
    time: NaiveTime,
    reference: DateTime<Utc>,
    zone: Tz,
) -> Result<DateTime<Utc>, String> {
    let day = reference.with_timezone(&zone).date_naive();
    let mut best: Option<(i64, NaiveDate)> = None;
    for offset in [-1, 0, 1] {
        // A reference at the edge of the calendar (a record restored from
        // elsewhere) has no day beyond it.
        let Some(date) = day.checked_add_signed(Duration::days(offset)) else {
            continue;
        };
        // Distance measured on the wall clock, so a DST change never picks a
        // different day than a person would.
        let candidate = date.and_time(time);
        let reference_local = reference.with_timezone(&zone).naive_local();
        let distance = (candidate - reference_local).num_seconds().abs();
        // On a tie (exactly 12 hours), the later day: timelines move forward.
        if best.is_none_or(|(d, _)| distance <= d) {
            best = Some((distance, date));
        }
    }
    let (_, date) = best.expect("the reference's own day is always a candidate");
    local_instant(date, time, zone)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reference_at_the_edge_of_the_calendar_is_refused_not_a_crash() {
        let edge = DateTime::<Utc>::MAX_UTC;
        let e = parse_quick_entry("14:32 checked the pool", edge, chrono_tz::UTC).unwrap_err();
        assert!(e.contains("outside the years"), "{e}");
        let e = parse_quick_entry(
            "0202-03-04 14:32 checked the pool",
            Utc::now(),
            chrono_tz::UTC,
        )
        .unwrap_err();
        assert!(e.contains("outside the years"), "{e}");
    }

    fn paris() -> Tz {
        "Europe/Paris".parse().unwrap()
    }

    /// 2026-03-04 14:00 in Paris (13:00 UTC).
    fn start() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 4, 13, 0, 0).unwrap()
    }

    fn utc(d: u32, h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, d, h, m, s).unwrap()
    }

    #[test]
    fn the_example_line_reads_in_the_incidents_zone_and_day() {
        let e = parse_quick_entry("14:32 detected alert on checkout latency", start(), paris())
            .unwrap();
        assert_eq!(e.at, utc(4, 13, 32, 0));
        assert_eq!(e.kind, EventKind::Observation);
        assert_eq!(e.body, "detected alert on checkout latency");
        assert_eq!(e.mark, None);
        assert_eq!(e.actor, "");
    }

    #[test]
    fn seconds_kind_actor_and_mark_are_read_in_any_order() {
        let e = parse_quick_entry(
            "14:35:10 !Detected @sam alert: p99 above 2 s on checkout",
            start(),
            paris(),
        )
        .unwrap();
        assert_eq!(e.at, utc(4, 13, 35, 10));
        assert_eq!(e.kind, EventKind::Alert);
        assert_eq!(e.actor, "sam");
        assert_eq!(e.mark, Some(KeyMoment::Detected));
        assert_eq!(e.body, "p99 above 2 s on checkout");
        // A mark may also close the line; a colon word inside the text stays text.
        let e = parse_quick_entry(
            "15:10 cause: the pool was too small !diagnosed",
            start(),
            paris(),
        )
        .unwrap();
        assert_eq!(e.mark, Some(KeyMoment::Diagnosed));
        assert_eq!(e.body, "cause: the pool was too small");
        assert_eq!(e.kind, EventKind::Observation);
    }

    #[test]
    fn times_after_midnight_roll_over_to_the_next_day() {
        // Typing through the night: the reference is the last event, 23:50.
        let late = Utc.with_ymd_and_hms(2026, 3, 4, 22, 50, 0).unwrap();
        let e = parse_quick_entry("00:10 still degraded", late, paris()).unwrap();
        assert_eq!(e.at, utc(4, 23, 10, 0), "00:10 Paris on the 5th");
        // Early in the day, a time in the evening belongs to the day before:
        // the change that set things up.
        let early = Utc.with_ymd_and_hms(2026, 3, 4, 0, 30, 0).unwrap();
        let e = parse_quick_entry("22:00 deploy: release 412", early, paris()).unwrap();
        assert_eq!(e.at, utc(3, 21, 0, 0));
        assert_eq!(e.kind, EventKind::Change);
        // A time before the incident's start on the same day stays on that day.
        let e = parse_quick_entry("09:15 config change merged", start(), paris()).unwrap();
        assert_eq!(e.at, utc(4, 8, 15, 0));
    }

    #[test]
    fn an_explicit_date_wins() {
        let e = parse_quick_entry("2026-03-06 08:00 follow-up call", start(), paris()).unwrap();
        assert_eq!(e.at, utc(6, 7, 0, 0));
        let err = parse_quick_entry("2026-13-06 08:00 x", start(), paris()).unwrap_err();
        assert!(err.contains("YYYY-MM-DD"), "{err}");
    }

    #[test]
    fn bad_lines_say_what_to_fix() {
        let cases = [
            ("", "the time first"),
            ("checkout is slow", "Start the line with the time"),
            ("25:10 x", "hours run from 00 to 23"),
            ("14:61 x", "minutes and seconds"),
            ("14:3 x", "is not a time"),
            ("14:32", "Say what happened"),
            ("14:32 @sam !detected", "Say what happened"),
            ("14:32 !fixed it", "!impact, !detected, !notified"),
            ("14:32 !detected !notified both", "at most one key moment"),
        ];
        for (line, expected) in cases {
            let err = parse_quick_entry(line, start(), paris()).unwrap_err();
            assert!(err.contains(expected), "{line:?}: {err}");
        }
        let err = parse_quick_entry("x", start(), paris()).unwrap_err();
        assert!(err.contains("Europe/Paris"), "{err}");
    }

    #[test]
    fn wall_clock_times_that_do_not_exist_or_repeat_are_refused() {
        // Paris skips 02:00–03:00 on 2026-03-29 and repeats it on 2026-10-25.
        let spring = Utc.with_ymd_and_hms(2026, 3, 29, 0, 30, 0).unwrap();
        let err = parse_quick_entry("02:30 x", spring, paris()).unwrap_err();
        assert!(err.contains("does not exist"), "{err}");
        let autumn = Utc.with_ymd_and_hms(2026, 10, 25, 0, 0, 0).unwrap();
        let err = parse_quick_entry("02:30 x", autumn, paris()).unwrap_err();
        assert!(err.contains("+02:00") && err.contains("+01:00"), "{err}");
    }

    #[test]
    fn every_moment_has_a_mark_word() {
        for m in KeyMoment::ALL {
            let line = format!("14:00 !{} text", mark_word(m));
            assert_eq!(
                parse_quick_entry(&line, start(), paris()).unwrap().mark,
                Some(m)
            );
        }
    }
}
