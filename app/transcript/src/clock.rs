//! Times as a transcript writes them, turned into instants.
//!
//! Sources with instants keep them. Wall-clock times are read in the
//! transcript's IANA zone, or at the fixed offset of a zone the line names
//! after the time (`14:02 PST`, `08:00Z`; see [`NamedZone`]). A time without a
//! date takes the current day, which comes from a day marker in the log, else
//! the file name, else the date the user gave; a time more than twelve hours
//! "earlier" than the line before is the next day (midnight rollover).
//! Wall-clock times that do not exist (clocks went forward) or happen twice
//! (clocks went back) are resolved and flagged.
//!
//! Lines out of time order are kept where they say and flagged: they are often
//! typos, and moving them silently would hide that. Which lines are out of
//! order is a question about the whole log, not about a line and the one
//! before it: a summary line at the top (`21:37 old code restored`) before a
//! chat log from 20:50 is one line out of order, not fifteen. [`flag_disorder`]
//! flags the fewest lines that explain the disorder, those outside the longest
//! run of lines in time order, each naming the line of the run it breaks with;
//! a step back within [`BACKWARDS_TOLERANCE`] is clock skew, not flagged. The
//! reader runs it over the lines it has read ([`crate::read`]).

use chrono::{
    DateTime, Duration, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone,
    Utc,
};
use chrono_tz::Tz;

use crate::{Line, LineKind, Stamp};

/// How far out of order a line may be before it is flagged (clock skew between
/// clients, a bouncer replaying its buffer within the same minute).
pub const BACKWARDS_TOLERANCE: Duration = Duration::minutes(2);

/// Something about a line's time the reader should check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Flag {
    /// The time is earlier than line `line` before it (at `previous`) by more
    /// than the tolerance, and that line is in order with the rest of the log.
    WentBack { previous: DateTime<Utc>, line: u64 },
    /// The time is later than line `line` after it (at `next`) by more than
    /// the tolerance, and that line is in order with the rest of the log (a
    /// summary line above the log it sums up, a typo in the hour).
    Ahead { next: DateTime<Utc>, line: u64 },
    /// The wall-clock time does not exist in the zone (clocks went forward);
    /// it was read with the offset from before the change.
    DstGap { zone: Tz },
    /// The wall-clock time happens twice in the zone (clocks went back); `second`
    /// says which occurrence the order of the log pointed to.
    DstRepeat { zone: Tz, second: bool },
}

impl Flag {
    /// A sentence for the preview and the review.
    pub fn describe(&self) -> String {
        match self {
            Flag::WentBack { previous, line } => format!(
                "time goes back from {} UTC on line {line}; check it for a typo",
                previous.format("%Y-%m-%d %H:%M:%S")
            ),
            Flag::Ahead { next, line } => format!(
                "time is later than {} UTC on line {line}, after it; check it for a typo",
                next.format("%Y-%m-%d %H:%M:%S")
            ),
            Flag::DstGap { zone } => format!(
                "this wall-clock time does not exist in {zone} (clocks went forward); read with the offset from before the change"
            ),
            Flag::DstRepeat { zone, second } => format!(
                "this wall-clock time happens twice in {zone} (clocks went back); read as the {} one, from the order of the log",
                if *second { "second" } else { "first" }
            ),
        }
    }

    /// A short stable code, stored with the line.
    pub fn code(&self) -> &'static str {
        match self {
            Flag::WentBack { .. } => "went_back",
            Flag::Ahead { .. } => "ahead",
            Flag::DstGap { .. } => "dst_gap",
            Flag::DstRepeat { .. } => "dst_repeat",
        }
    }
}

/// A zone named after a time (`14:02 PST`, `08:00Z`, `03:50 UTC`), read at a
/// fixed offset from UTC: an abbreviation names a zone's standard or its
/// summer time, so the line itself says which (PST is UTC−08:00, PDT
/// UTC−07:00, whatever the date).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NamedZone {
    /// The abbreviation, as [`NamedZone::parse`]'s table spells it (`Z` is `UTC`).
    pub name: &'static str,
    pub offset: FixedOffset,
}

/// The abbreviations read, and their offsets in minutes east of UTC. Some
/// abbreviations name several zones; the table takes one: IST is India
/// (not Ireland or Israel), CST is North American Central (not China), BST
/// is British Summer Time, AST is Atlantic, GST is Gulf Standard Time (not
/// South Georgia).
const ZONES: &[(&str, i32)] = &[
    ("UTC", 0),
    ("GMT", 0),
    ("WET", 0),
    ("WEST", 60),
    ("BST", 60),
    ("CET", 60),
    ("WAT", 60),
    ("CAT", 120),
    ("SAST", 120),
    ("CEST", 120),
    ("EET", 120),
    ("EEST", 180),
    ("MSK", 180),
    ("EAT", 180),
    ("GST", 240),
    ("PKT", 300),
    ("ICT", 420),
    ("WIB", 420),
    ("PHT", 480),
    ("IST", 330),
    ("SGT", 480),
    ("HKT", 480),
    ("AWST", 480),
    ("JST", 540),
    ("KST", 540),
    ("ACST", 570),
    ("ACDT", 630),
    ("AEST", 600),
    ("AEDT", 660),
    ("NZST", 720),
    ("NZDT", 780),
    ("HST", -600),
    ("AKST", -540),
    ("AKDT", -480),
    ("PST", -480),
    ("PDT", -420),
    ("MST", -420),
    ("MDT", -360),
    ("CST", -360),
    ("CDT", -300),
    ("EST", -300),
    ("EDT", -240),
    ("AST", -240),
    ("ADT", -180),
    ("BRT", -180),
    ("ART", -180),
    ("NST", -210),
    ("NDT", -150),
];

impl NamedZone {
    /// The zone an abbreviation names (capitals only, so that the English
    /// words "est" or "Ast" are not zones); `Z` is UTC.
    pub fn parse(word: &str) -> Option<NamedZone> {
        let word = if word == "Z" { "UTC" } else { word };
        let &(name, minutes) = ZONES.iter().find(|(name, _)| *name == word)?;
        Some(NamedZone {
            name,
            offset: FixedOffset::east_opt(minutes * 60)?,
        })
    }

    /// "PST (UTC−08:00)", "UTC".
    pub fn describe(&self) -> String {
        let seconds = self.offset.local_minus_utc();
        if self.name == "UTC" {
            return "UTC".into();
        }
        let sign = if seconds < 0 { '−' } else { '+' };
        let minutes = seconds.abs() / 60;
        format!(
            "{} (UTC{sign}{:02}:{:02})",
            self.name,
            minutes / 60,
            minutes % 60
        )
    }

    /// The instant of a wall-clock time in this zone.
    pub fn instant(&self, naive: NaiveDateTime) -> DateTime<Utc> {
        Utc.from_utc_datetime(&(naive - self.offset))
    }
}

/// Where the current day came from, for the preview.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DaySource {
    /// The lines carry their dates, or are instants.
    Lines,
    /// A day marker in the log ("--- Day changed", "Session Start:").
    Marker,
    FileName,
    /// The date the user gave (or the incident's start date).
    Given,
}

/// Turns stamps into instants, one line after another, in file order.
#[derive(Clone, Debug)]
pub struct Clock {
    zone: Tz,
    day: Option<NaiveDate>,
    day_source: Option<DaySource>,
    /// The last wall-clock time read without a date, for rollover.
    last_time: Option<NaiveTime>,
    last: Option<DateTime<Utc>>,
}

impl Clock {
    /// A clock reading wall-clock times in `zone`. `file_name_date` wins over
    /// `given` as the first day; markers in the log win over both.
    pub fn new(zone: Tz, file_name_date: Option<NaiveDate>, given: Option<NaiveDate>) -> Self {
        let (day, day_source) = match (file_name_date, given) {
            (Some(d), _) => (Some(d), Some(DaySource::FileName)),
            (None, Some(d)) => (Some(d), Some(DaySource::Given)),
            (None, None) => (None, None),
        };
        Clock {
            zone,
            day,
            day_source,
            last_time: None,
            last: None,
        }
    }

    pub fn zone(&self) -> Tz {
        self.zone
    }

    pub fn day_source(&self) -> Option<DaySource> {
        self.day_source
    }

    /// A day marker: lines without dates fall on `date` from now on.
    pub fn set_day(&mut self, date: NaiveDate) {
        self.day = Some(date);
        self.day_source = Some(DaySource::Marker);
        self.last_time = None;
    }

    /// The instant of `stamp`, and a flag when the reader should check it
    /// (a DST gap or repeat; lines out of order are [`flag_disorder`]'s).
    pub fn resolve(&mut self, stamp: Stamp) -> Result<(DateTime<Utc>, Option<Flag>), String> {
        let (at, flag) = match stamp {
            Stamp::Exact(at) => (at, None),
            Stamp::Local { date, time } => {
                let day = self.day_of(date, time)?;
                self.local(day.and_time(time))
            }
            Stamp::Zoned { date, time, zone } => {
                let day = self.day_of(date, time)?;
                (zone.instant(day.and_time(time)), None)
            }
        };
        self.last = Some(self.last.map_or(at, |l| l.max(at)));
        Ok((at, flag))
    }

    /// The day of a wall-clock time: its own date, which becomes the current
    /// day; else the current day, or the next when the time is more than
    /// twelve hours earlier than the one before (midnight rollover).
    fn day_of(&mut self, date: Option<NaiveDate>, time: NaiveTime) -> Result<NaiveDate, String> {
        if let Some(date) = date {
            self.day = Some(date);
            self.day_source.get_or_insert(DaySource::Lines);
            self.last_time = None;
            return Ok(date);
        }
        let Some(mut day) = self.day else {
            return Err(
                "this time has no date, and neither the file name nor a marker in the log gives one; give the date of the log"
                    .into(),
            );
        };
        if let Some(last) = self.last_time
            && time < last
            && last - time > Duration::hours(12)
        {
            day = day.succ_opt().ok_or("date out of range")?;
            self.day = Some(day);
        }
        self.last_time = Some(time);
        Ok(day)
    }

    fn local(&self, naive: NaiveDateTime) -> (DateTime<Utc>, Option<Flag>) {
        match self.zone.from_local_datetime(&naive) {
            LocalResult::Single(t) => (t.with_timezone(&Utc), None),
            LocalResult::Ambiguous(first, second) => {
                let first = first.with_timezone(&Utc);
                let second = second.with_timezone(&Utc);
                // The log runs forward: once it has passed the first occurrence,
                // a repeated time is the second one.
                let take_second = self.last.is_some_and(|l| l > first);
                let at = if take_second { second } else { first };
                (
                    at,
                    Some(Flag::DstRepeat {
                        zone: self.zone,
                        second: take_second,
                    }),
                )
            }
            LocalResult::None => {
                // Read with the offset in force an hour earlier (before the change).
                let before = naive - Duration::hours(3);
                let offset_seconds = match self.zone.from_local_datetime(&before) {
                    LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => {
                        (t.naive_local() - t.naive_utc()).num_seconds()
                    }
                    LocalResult::None => 0,
                };
                let at = Utc.from_utc_datetime(&(naive - Duration::seconds(offset_seconds)));
                (at, Some(Flag::DstGap { zone: self.zone }))
            }
        }
    }
}

/// A line of the longest run in time order: its number and instant.
pub type InOrder = (u64, DateTime<Utc>);

/// Flags the lines out of time order among `lines` (in file order, resolved
/// by a [`Clock`]): the fewest that explain the disorder, those outside the
/// longest run of lines in time order. Of several longest runs, the one with
/// the earliest lines is kept (the start of a log sets its time: of `14:32,
/// 13:00`, the second is flagged). A line outside the run is flagged against
/// the nearest line of the run: [`Flag::WentBack`] from the line before it,
/// else [`Flag::Ahead`] of the line after it, unless it is within
/// [`BACKWARDS_TOLERANCE`] of both (skew). Narrative lines take a neighbour's
/// time and are left out; a line with a flag already (DST) keeps it.
///
/// `before`: the last line of the run in lines read before these (already
/// given out, so in the run whatever follows); lines earlier than it are out
/// of order. Returns the last line of the run, for the lines after.
pub fn flag_disorder(lines: &mut [Line], before: Option<InOrder>) -> Option<InOrder> {
    let timed: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].kind != LineKind::Narrative)
        .collect();
    // The run's candidates, after the line before (always in the run).
    let first = usize::from(before.is_some());
    let mut order: Vec<InOrder> = before.into_iter().collect();
    order.extend(timed.iter().map(|&i| (lines[i].line, lines[i].at)));
    let eligible: Vec<usize> = (first..order.len())
        .filter(|&j| before.is_none_or(|(_, floor)| order[j].1 >= floor))
        .collect();
    let longest = longest_run(&eligible.iter().map(|&j| order[j].1).collect::<Vec<_>>());
    let mut kept = vec![false; order.len()];
    kept[..first].fill(true);
    for (&j, keep) in eligible.iter().zip(longest) {
        kept[j] = keep;
    }
    // The nearest line of the run before and after each line.
    let mut previous = vec![None; order.len()];
    let mut last = None;
    for j in 0..order.len() {
        previous[j] = last;
        if kept[j] {
            last = Some(order[j]);
        }
    }
    let mut next = None;
    for j in (first..order.len()).rev() {
        let checked = &mut lines[timed[j - first]];
        if !kept[j] && checked.flag.is_none() {
            let at = order[j].1;
            checked.flag = match (previous[j], next) {
                (Some((line, previous)), _) if previous - at > BACKWARDS_TOLERANCE => {
                    Some(Flag::WentBack { previous, line })
                }
                (_, Some((line, next))) if at - next > BACKWARDS_TOLERANCE => {
                    Some(Flag::Ahead { next, line })
                }
                _ => None,
            };
        }
        if kept[j] {
            next = Some(order[j]);
        }
    }
    last
}

/// Which of `times` make the longest run in order (non-decreasing), the one
/// with the earliest positions of several. O(n log n).
fn longest_run(times: &[DateTime<Utc>]) -> Vec<bool> {
    // from[i]: the length of the longest run that starts at i. Going back
    // from the end, starts[k] is the latest time a run of k + 1 lines after
    // i can start at (never increasing with k): a run from i extends the
    // longest of those that start no earlier than times[i].
    let mut from = vec![0; times.len()];
    let mut starts: Vec<DateTime<Utc>> = Vec::new();
    for i in (0..times.len()).rev() {
        let k = starts.partition_point(|&t| t >= times[i]);
        if k == starts.len() {
            starts.push(times[i]);
        } else {
            starts[k] = times[i];
        }
        from[i] = k + 1;
    }
    // The earliest line that starts a run as long as needed, then the earliest
    // after it not earlier in time that starts one a line shorter, ...
    let mut kept = vec![false; times.len()];
    let mut needed = starts.len();
    let mut floor = None;
    for i in 0..times.len() {
        if needed > 0 && from[i] == needed && floor.is_none_or(|f| times[i] >= f) {
            kept[i] = true;
            floor = Some(times[i]);
            needed -= 1;
        }
    }
    kept
}

/// A date in a file name: `2026-03-04`, `2026_03_04`, `20260304` (as irssi,
/// ZNC, WeeChat and Slack name their daily files). The last one wins, so a
/// folder named for a year does not shadow the file's own date.
pub fn date_from_file_name(name: &str) -> Option<NaiveDate> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let bytes = base.as_bytes();
    let mut found = None;
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() || (i > 0 && bytes[i - 1].is_ascii_digit()) {
            i += 1;
            continue;
        }
        let rest = &base[i..];
        let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
        let candidate = if digits.len() == 8 {
            NaiveDate::parse_from_str(&digits, "%Y%m%d").ok()
        } else if digits.len() == 4 && rest.len() >= 10 {
            let sep = rest.as_bytes()[4];
            // `get`: the tenth byte may fall inside a character ("2026-03-€").
            match rest.get(..10) {
                Some(ten)
                    if (sep == b'-' || sep == b'_' || sep == b'.') && ten.as_bytes()[7] == sep =>
                {
                    NaiveDate::parse_from_str(&ten.replace(sep as char, "-"), "%Y-%m-%d").ok()
                }
                _ => None,
            }
        } else {
            None
        };
        if let Some(d) = candidate.filter(|d| (1990..=2200).contains(&chrono::Datelike::year(d))) {
            found = Some(d);
        }
        i += digits.len().max(1);
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_name_cut_inside_a_character_has_no_date() {
        assert_eq!(date_from_file_name("2026-03-€.log"), None);
        assert_eq!(date_from_file_name("ops-2026-03€04.log"), None);
        assert_eq!(
            date_from_file_name("€-2026-03-04.log"),
            NaiveDate::from_ymd_opt(2026, 3, 4)
        );
    }

    fn t(h: u32, m: u32) -> Stamp {
        Stamp::Local {
            date: None,
            time: NaiveTime::from_hms_opt(h, m, 0).unwrap(),
        }
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn rolls_over_at_midnight() {
        let mut clock = Clock::new(chrono_tz::UTC, None, Some(d(2026, 3, 4)));
        assert_eq!(
            clock.resolve(t(23, 58)).unwrap(),
            (utc("2026-03-04T23:58:00Z"), None)
        );
        assert_eq!(
            clock.resolve(t(0, 3)).unwrap(),
            (utc("2026-03-05T00:03:00Z"), None)
        );
        assert_eq!(
            clock.resolve(t(0, 4)).unwrap(),
            (utc("2026-03-05T00:04:00Z"), None)
        );
    }

    /// Lines at these wall-clock times on 2026-03-04 UTC, numbered from 1,
    /// through [`flag_disorder`]: the flags, by line.
    fn disorder(times: &[(u32, u32)]) -> Vec<(u64, Flag)> {
        let mut clock = Clock::new(chrono_tz::UTC, None, Some(d(2026, 3, 4)));
        let mut lines: Vec<Line> = times
            .iter()
            .enumerate()
            .map(|(i, &(h, m))| {
                let (at, flag) = clock.resolve(t(h, m)).unwrap();
                assert_eq!(flag, None, "the clock flags no order");
                let mut line = Line::new(i as u64 + 1, at, LineKind::Message, None, String::new());
                if (h, m) == (0, 0) {
                    line.kind = LineKind::Narrative;
                }
                line
            })
            .collect();
        flag_disorder(&mut lines, None);
        lines
            .into_iter()
            .filter_map(|l| Some((l.line, l.flag?)))
            .collect()
    }

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        utc(&format!("2026-03-04T{h:02}:{m:02}:00Z"))
    }

    #[test]
    fn flags_a_jump_back_and_keeps_the_time() {
        // The next line compares with the run in order, not the typo; 14:34
        // after 14:35 is within the tolerance: skew, not flagged.
        assert_eq!(
            disorder(&[(14, 32), (13, 33), (14, 35), (14, 34)]),
            [(
                2,
                Flag::WentBack {
                    previous: at(14, 32),
                    line: 1
                }
            )]
        );
    }

    #[test]
    fn a_summary_line_above_the_log_is_the_one_flagged() {
        // "21:37 -- old code restored", then the chat log from 20:50.
        let mut times = vec![(21, 37)];
        times.extend((50..65).map(|m| (20 + m / 60, m % 60)));
        assert_eq!(
            disorder(&times),
            [(
                1,
                Flag::Ahead {
                    next: at(20, 50),
                    line: 2
                }
            )]
        );
    }

    #[test]
    fn one_typo_among_forty_lines_is_one_flag() {
        // 22:00 to 22:40, one of them typed 21:02; and one typed 23:05.
        let mut times: Vec<(u32, u32)> = (0..41).map(|i| (22, i)).collect();
        times[7] = (21, 2);
        times[20] = (23, 5);
        assert_eq!(
            disorder(&times),
            [
                (
                    8,
                    Flag::WentBack {
                        previous: at(22, 6),
                        line: 7
                    }
                ),
                (
                    21,
                    Flag::Ahead {
                        next: at(22, 21),
                        line: 22
                    }
                )
            ]
        );
    }

    #[test]
    fn narrative_lines_take_no_part_in_the_order() {
        // (0, 0) marks a narrative line: its time is borrowed, never flagged.
        assert_eq!(disorder(&[(14, 0), (0, 0), (14, 5), (0, 0)]), []);
    }

    #[test]
    fn the_run_continues_from_the_window_before() {
        let mut clock = Clock::new(chrono_tz::UTC, None, Some(d(2026, 3, 4)));
        let line = |n: u64, h, m, clock: &mut Clock| {
            Line::new(
                n,
                clock.resolve(t(h, m)).unwrap().0,
                LineKind::Message,
                None,
                String::new(),
            )
        };
        let mut first = vec![line(1, 14, 0, &mut clock), line(2, 14, 30, &mut clock)];
        let before = flag_disorder(&mut first, None);
        assert_eq!(before, Some((2, at(14, 30))));
        let mut second = vec![line(3, 14, 10, &mut clock), line(4, 14, 40, &mut clock)];
        assert_eq!(flag_disorder(&mut second, before), Some((4, at(14, 40))));
        assert_eq!(
            second[0].flag,
            Some(Flag::WentBack {
                previous: at(14, 30),
                line: 2
            })
        );
    }

    #[test]
    fn markers_set_the_day() {
        let mut clock = Clock::new(chrono_tz::UTC, Some(d(2026, 3, 4)), Some(d(2020, 1, 1)));
        assert_eq!(clock.day_source(), Some(DaySource::FileName));
        clock.resolve(t(23, 0)).unwrap();
        clock.set_day(d(2026, 3, 6));
        assert_eq!(
            clock.resolve(t(1, 0)).unwrap().0,
            utc("2026-03-06T01:00:00Z")
        );
        assert_eq!(clock.day_source(), Some(DaySource::Marker));
    }

    #[test]
    fn a_time_without_any_date_is_refused() {
        let mut clock = Clock::new(chrono_tz::UTC, None, None);
        let err = clock.resolve(t(1, 0)).unwrap_err();
        assert!(err.contains("give the date"), "{err}");
    }

    #[test]
    fn dst_gap_in_paris_is_read_with_the_winter_offset_and_flagged() {
        let paris = chrono_tz::Europe::Paris;
        let mut clock = Clock::new(paris, None, Some(d(2026, 3, 29)));
        assert_eq!(
            clock.resolve(t(1, 59)).unwrap(),
            (utc("2026-03-29T00:59:00Z"), None)
        );
        let (at, flag) = clock.resolve(t(2, 30)).unwrap();
        assert_eq!(at, utc("2026-03-29T01:30:00Z"));
        assert_eq!(flag, Some(Flag::DstGap { zone: paris }));
        assert_eq!(
            clock.resolve(t(3, 45)).unwrap(),
            (utc("2026-03-29T01:45:00Z"), None)
        );
    }

    #[test]
    fn dst_repeat_follows_the_order_of_the_log() {
        let paris = chrono_tz::Europe::Paris;
        let mut clock = Clock::new(paris, None, Some(d(2026, 10, 25)));
        // 02:10 CEST, 02:50 CEST, then the clocks go back: 02:05 CET, 02:40 CET.
        let first = clock.resolve(t(2, 10)).unwrap();
        assert_eq!(first.0, utc("2026-10-25T00:10:00Z"));
        assert_eq!(
            first.1,
            Some(Flag::DstRepeat {
                zone: paris,
                second: false
            })
        );
        assert_eq!(
            clock.resolve(t(2, 50)).unwrap().0,
            utc("2026-10-25T00:50:00Z")
        );
        let again = clock.resolve(t(2, 5)).unwrap();
        assert_eq!(again.0, utc("2026-10-25T01:05:00Z"));
        assert_eq!(
            again.1,
            Some(Flag::DstRepeat {
                zone: paris,
                second: true
            })
        );
        assert_eq!(
            clock.resolve(t(3, 1)).unwrap(),
            (utc("2026-10-25T02:01:00Z"), None)
        );
    }

    #[test]
    fn exact_stamps_are_kept() {
        let mut clock = Clock::new(chrono_tz::Europe::Paris, None, None);
        let at = utc("2026-03-04T10:00:00Z");
        assert_eq!(clock.resolve(Stamp::Exact(at)).unwrap(), (at, None));
    }

    #[test]
    fn dates_in_file_names() {
        assert_eq!(
            date_from_file_name("#ops_20260304.log"),
            Some(d(2026, 3, 4))
        );
        assert_eq!(
            date_from_file_name("logs/2025/ops.2026-03-04.log"),
            Some(d(2026, 3, 4))
        );
        assert_eq!(
            date_from_file_name("general/2026-03-04.json"),
            Some(d(2026, 3, 4))
        );
        assert_eq!(
            date_from_file_name("ops_2026_03_04.txt"),
            Some(d(2026, 3, 4))
        );
        assert_eq!(date_from_file_name("#ops.log"), None);
        assert_eq!(date_from_file_name("release-412.log"), None);
        assert_eq!(date_from_file_name("20261340.log"), None);
    }
}
