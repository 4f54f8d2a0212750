//! Time zones: reading times typed in a zone, and showing instants in one.

use chrono::{DateTime, LocalResult, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

pub use super::common_zones::COMMON_ZONES;

/// Parses an IANA zone name ("Europe/Paris", "UTC").
pub fn parse_zone(name: &str) -> Result<Tz, String> {
    let name = name.trim();
    if name.is_empty() {
        return Err("enter a time zone, for example UTC or Europe/Paris".into());
    }
    name.parse::<Tz>().map_err(|_| {
        // "Berlin" or "new york": the city part of a zone's name.
        let city = name.replace(' ', "_");
        let near: Vec<&str> = chrono_tz::TZ_VARIANTS
            .iter()
            .map(|tz| tz.name())
            .filter(|known| {
                known.eq_ignore_ascii_case(&city)
                    || known
                        .rsplit_once('/')
                        .is_some_and(|(_, last)| last.eq_ignore_ascii_case(&city))
            })
            .take(3)
            .collect();
        let name = super::incident_form::as_typed(name);
        match near.as_slice() {
            [] => format!("\"{name}\" is not a known IANA time zone; use a name such as UTC, Europe/Paris or America/New_York"),
            found => format!(
                "\"{name}\" is not a known IANA time zone; did you mean {}?",
                found.join(" or ")
            ),
        }
    })
}

/// Reads a time typed by a person.
///
/// Accepts `YYYY-MM-DD HH:MM[:SS]` (a `T` may replace the space), read as wall-clock
/// time in `zone`, or RFC 3339 with an explicit offset (`2026-03-04T14:32:00+01:00`,
/// `...Z`), which is taken as is. A wall-clock time that falls in a DST gap or is
/// repeated when clocks go back is refused with a message that says how to
/// disambiguate, never guessed.
pub fn parse_time_in_zone(input: &str, zone: Tz) -> Result<DateTime<Utc>, String> {
    let at = read_time_in_zone(input.trim(), zone)?;
    super::moments::check_year(at.with_timezone(&zone).date_naive())
        .map_err(|m| m.trim_end_matches('.').to_string())?;
    Ok(at)
}

fn read_time_in_zone(input: &str, zone: Tz) -> Result<DateTime<Utc>, String> {
    let normalized = input.replacen(' ', "T", 1);
    if let Ok(exact) = DateTime::parse_from_rfc3339(&normalized) {
        return Ok(exact.with_timezone(&Utc));
    }
    // An offset without seconds ("2026-03-04T14:32+01:00"), as the form's hint shows.
    if let Ok(exact) = DateTime::parse_from_str(&normalized, "%Y-%m-%dT%H:%M%:z") {
        return Ok(exact.with_timezone(&Utc));
    }
    let naive = ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(&normalized, f).ok())
        .ok_or_else(|| {
            format!("\"{input}\" is not a time Debrief can read; write it as YYYY-MM-DD HH:MM or YYYY-MM-DD HH:MM:SS")
        })?;
    match zone.from_local_datetime(&naive) {
        LocalResult::Single(t) => Ok(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(first, second) => Err(format!(
            "{input} happens twice in {zone} (clocks went back); add the offset to say which: {} or {}",
            first.format("%Y-%m-%dT%H:%M:%S%:z"),
            second.format("%Y-%m-%dT%H:%M:%S%:z"),
        )),
        LocalResult::None => Err(format!(
            "{input} does not exist in {zone} (clocks went forward over it); check the time, or give it with an explicit offset"
        )),
    }
}

/// An instant as shown to a viewer: "2026-03-04 14:32:05 CET".
pub fn format_in_zone(at: DateTime<Utc>, zone: Tz) -> String {
    at.with_timezone(&zone)
        .format("%Y-%m-%d %H:%M:%S %Z")
        .to_string()
}

/// An instant as it goes back into a form field in the incident's zone. A
/// wall-clock time that happens twice there (clocks went back) carries its
/// offset, so that saving the form again reads back the same instant.
pub fn format_for_input(at: DateTime<Utc>, zone: Tz) -> String {
    let local = at.with_timezone(&zone);
    match zone.from_local_datetime(&local.naive_local()) {
        LocalResult::Single(_) => local.format("%Y-%m-%d %H:%M:%S").to_string(),
        _ => local.format("%Y-%m-%dT%H:%M:%S%:z").to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_long_unknown_zone_is_quoted_short() {
        let message = parse_zone(&"x".repeat(300_000)).unwrap_err();
        assert!(message.len() < 200, "{}", message.len());
        assert!(
            message.starts_with(&format!("\"{}…\" is not a known", "x".repeat(40))),
            "{message}"
        );
    }

    #[test]
    fn a_city_alone_is_refused_with_the_zone_it_names() {
        let err = super::parse_zone("Berlin").unwrap_err();
        assert!(err.contains("did you mean Europe/Berlin?"), "{err}");
        let err = super::parse_zone("new york").unwrap_err();
        assert!(err.contains("America/New_York"), "{err}");
        let err = super::parse_zone("Atlantis").unwrap_err();
        assert!(err.contains("such as UTC"), "{err}");
    }

    use super::*;

    #[test]
    fn a_time_outside_the_accepted_years_is_refused() {
        for typed in [
            "0202-03-04 14:00",
            "1969-12-31 23:59",
            "2200-01-01 00:00",
            "+262142-01-01T00:00:00Z",
        ] {
            let e = parse_time_in_zone(typed, paris()).unwrap_err();
            assert!(
                e.contains("outside the years") || e.contains("not a time"),
                "{typed}: {e}"
            );
        }
        assert!(parse_time_in_zone("2199-12-31 23:59", paris()).is_ok());
        assert!(parse_time_in_zone("1970-01-01 02:00", paris()).is_ok());
    }

    fn paris() -> Tz {
        parse_zone("Europe/Paris").unwrap()
    }

    #[test]
    fn reads_wall_clock_time_in_the_zone() {
        let t = parse_time_in_zone("2026-03-04 14:32", paris()).unwrap();
        assert_eq!(t.to_rfc3339(), "2026-03-04T13:32:00+00:00");
        let t = parse_time_in_zone("2026-07-04T14:32:05", paris()).unwrap();
        assert_eq!(t.to_rfc3339(), "2026-07-04T12:32:05+00:00");
    }

    #[test]
    fn explicit_offsets_win_over_the_zone() {
        let t = parse_time_in_zone("2026-03-04T14:32:00Z", paris()).unwrap();
        assert_eq!(t.to_rfc3339(), "2026-03-04T14:32:00+00:00");
        let t = parse_time_in_zone("2026-10-25T02:30:00+02:00", paris()).unwrap();
        assert_eq!(t.to_rfc3339(), "2026-10-25T00:30:00+00:00");
    }

    #[test]
    fn offsets_without_seconds_are_read_as_the_hint_shows() {
        let t = parse_time_in_zone("2026-03-04T14:32+01:00", paris()).unwrap();
        assert_eq!(t.to_rfc3339(), "2026-03-04T13:32:00+00:00");
        let t = parse_time_in_zone("2026-03-04 14:32:10+01:00", paris()).unwrap();
        assert_eq!(t.to_rfc3339(), "2026-03-04T13:32:10+00:00");
    }

    #[test]
    fn times_in_the_repeated_hour_round_trip_through_the_form() {
        for typed in [
            "2026-10-25T02:30:00+02:00",
            "2026-10-25T02:30:00+01:00",
            "2026-10-25 03:30",
            "2026-07-01 12:00",
        ] {
            let at = parse_time_in_zone(typed, paris()).unwrap();
            let shown = format_for_input(at, paris());
            assert_eq!(
                parse_time_in_zone(&shown, paris()),
                Ok(at),
                "{typed} -> {shown}"
            );
        }
        let second = parse_time_in_zone("2026-10-25T02:30:00+01:00", paris()).unwrap();
        assert_eq!(
            format_for_input(second, paris()),
            "2026-10-25T02:30:00+01:00"
        );
    }

    #[test]
    fn dst_gap_and_repeat_are_refused_explicitly() {
        let gap = parse_time_in_zone("2026-03-29 02:30", paris()).unwrap_err();
        assert!(gap.contains("does not exist"), "{gap}");
        let repeat = parse_time_in_zone("2026-10-25 02:30", paris()).unwrap_err();
        assert!(repeat.contains("happens twice"), "{repeat}");
        assert!(
            repeat.contains("+02:00") && repeat.contains("+01:00"),
            "{repeat}"
        );
    }

    #[test]
    fn unreadable_times_and_zones_say_what_to_write() {
        let err = parse_time_in_zone("yesterday afternoon", paris()).unwrap_err();
        assert!(err.contains("YYYY-MM-DD HH:MM"), "{err}");
        let err = parse_zone("Mars/Olympus").unwrap_err();
        assert!(err.contains("Mars/Olympus"), "{err}");
    }

    #[test]
    fn formats_with_the_zone_visible() {
        let t = parse_time_in_zone("2026-03-04T13:32:05Z", Tz::UTC).unwrap();
        assert_eq!(format_in_zone(t, paris()), "2026-03-04 14:32:05 CET");
        assert_eq!(format_for_input(t, paris()), "2026-03-04 14:32:05");
    }

    #[test]
    fn common_zones_all_parse() {
        for z in COMMON_ZONES {
            parse_zone(z).unwrap();
        }
    }
}
