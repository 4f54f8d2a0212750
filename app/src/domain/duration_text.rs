//! Durations in the form people read: "1 h 12 min", "45 s", "2 d 3 h".

/// Formats a non-negative number of seconds with its two largest units.
///
/// Negative input (which validated moments never produce) is formatted by its
/// magnitude with a leading minus sign rather than hidden.
pub fn human_duration(seconds: i64) -> String {
    if seconds < 0 {
        return format!("-{}", human_duration(seconds.saturating_neg()));
    }
    const MIN: i64 = 60;
    const HOUR: i64 = 60 * MIN;
    const DAY: i64 = 24 * HOUR;
    let pair = |big: i64, big_unit: &str, small: i64, small_unit: &str| {
        if small == 0 {
            format!("{big} {big_unit}")
        } else {
            format!("{big} {big_unit} {small} {small_unit}")
        }
    };
    if seconds < MIN {
        format!("{seconds} s")
    } else if seconds < HOUR {
        pair(seconds / MIN, "min", seconds % MIN, "s")
    } else if seconds < DAY {
        pair(seconds / HOUR, "h", seconds % HOUR / MIN, "min")
    } else {
        pair(seconds / DAY, "d", seconds % DAY / HOUR, "h")
    }
}

/// ISO 8601 duration ("PT1H12M"), for `<time datetime>` and exports.
pub fn iso_duration(seconds: i64) -> String {
    let sign = if seconds < 0 { "-" } else { "" };
    let s = seconds.unsigned_abs();
    let (h, m, s) = (s / 3600, s % 3600 / 60, s % 60);
    let mut out = format!("{sign}PT");
    if h > 0 {
        out.push_str(&format!("{h}H"));
    }
    if m > 0 {
        out.push_str(&format!("{m}M"));
    }
    if s > 0 || (h == 0 && m == 0) {
        out.push_str(&format!("{s}S"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_the_two_largest_units() {
        assert_eq!(human_duration(0), "0 s");
        assert_eq!(human_duration(45), "45 s");
        assert_eq!(human_duration(60), "1 min");
        assert_eq!(human_duration(125), "2 min 5 s");
        assert_eq!(human_duration(3600), "1 h");
        assert_eq!(human_duration(4320), "1 h 12 min");
        assert_eq!(human_duration(4330), "1 h 12 min");
        assert_eq!(human_duration(86_400), "1 d");
        assert_eq!(human_duration(2 * 86_400 + 3 * 3600 + 59), "2 d 3 h");
        assert_eq!(human_duration(-90), "-1 min 30 s");
    }

    #[test]
    fn iso_durations() {
        assert_eq!(iso_duration(0), "PT0S");
        assert_eq!(iso_duration(4320), "PT1H12M");
        assert_eq!(iso_duration(3601), "PT1H1S");
        assert_eq!(iso_duration(90_000), "PT25H");
    }
}
