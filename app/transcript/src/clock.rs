//! Times as a transcript writes them, turned into instants.
//!
//! Sources with instants keep them. Wall-clock times are read in the
//! transcript's IANA zone. A time without a date takes the current day, which
//! comes from a day marker in the log, else the file name, else the date the
//! user gave; a time more than twelve hours "earlier" than the line before is
//! the next day (midnight rollover). A time that goes back by more than the
//! tolerance is kept where it says and flagged: it is often a typo, and moving
//! it silently would hide that. Wall-clock times that do not exist (clocks went
//! forward) or happen twice (clocks went back) are resolved and flagged.

use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::Stamp;

/// How far back a line may go before it is flagged (clock skew between
/// clients, a bouncer replaying its buffer within the same minute).
pub const BACKWARDS_TOLERANCE: Duration = Duration::minutes(2);

/// Something about a line's time the reader should check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Flag {
    /// The time is earlier than the line before by more than the tolerance.
    WentBack { previous: DateTime<Utc> },
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
            Flag::WentBack { previous } => format!(
                "time goes back from {} UTC; check it for a typo",
                previous.format("%Y-%m-%d %H:%M:%S")
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
            Flag::DstGap { .. } => "dst_gap",
            Flag::DstRepeat { .. } => "dst_repeat",
        }
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

    /// The instant of `stamp`, and a flag when the reader should check it.
    pub fn resolve(&mut self, stamp: Stamp) -> Result<(DateTime<Utc>, Option<Flag>), String> {
        let (at, mut flag) = match stamp {
            Stamp::Exact(at) => (at, None),
            Stamp::Local {
                date: Some(date),
                time,
            } => {
                self.day = Some(date);
                self.day_source.get_or_insert(DaySource::Lines);
                self.last_time = None;
                self.local(date.and_time(time))
            }
            Stamp::Local { date: None, time } => {
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
                self.local(day.and_time(time))
            }
        };
        if flag.is_none()
            && let Some(previous) = self.last
            && previous - at > BACKWARDS_TOLERANCE
        {
            flag = Some(Flag::WentBack { previous });
        }
        if !matches!(flag, Some(Flag::WentBack { .. })) {
            self.last = Some(self.last.map_or(at, |l| l.max(at)));
        }
        Ok((at, flag))
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

    #[test]
    fn flags_a_jump_back_and_keeps_the_time() {
        let mut clock = Clock::new(chrono_tz::UTC, None, Some(d(2026, 3, 4)));
        clock.resolve(t(14, 32)).unwrap();
        let (at, flag) = clock.resolve(t(13, 33)).unwrap();
        assert_eq!(at, utc("2026-03-04T13:33:00Z"));
        assert_eq!(
            flag,
            Some(Flag::WentBack {
                previous: utc("2026-03-04T14:32:00Z")
            })
        );
        // The next line compares with the latest time, not the typo.
        assert_eq!(clock.resolve(t(14, 35)).unwrap().1, None);
        // Within the tolerance: skew, not flagged.
        assert_eq!(clock.resolve(t(14, 34)).unwrap().1, None);
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
