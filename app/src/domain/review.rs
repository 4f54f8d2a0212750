//! The review meeting: when it is due, whether it is overdue, and the
//! calendar invitation people download (iCalendar, RFC 5545).
//!
//! A review is due a number of working days (Monday to Friday) after the
//! incident was resolved (its "resolved" moment, else "repaired"), by
//! severity: 3 for an outage and 5 otherwise unless an administrator says
//! different. It is overdue from the day after that until the review has
//! been held (its scheduled time has passed) or the post-mortem is
//! published. A review scheduled past its due date is still overdue: the
//! list says so, and when it is booked.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use serde::{Deserialize, Serialize};

use super::incident::Severity;
use super::moments::{KeyMoment, KeyMoments};

/// Working days, per severity, from resolution to review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewPolicy {
    pub outage: u32,
    pub degradation: u32,
    pub blip: u32,
}

impl Default for ReviewPolicy {
    fn default() -> Self {
        ReviewPolicy {
            outage: 3,
            degradation: 5,
            blip: 5,
        }
    }
}

/// The most working days a policy may give (about three months).
pub const MAX_REVIEW_DAYS: u32 = 60;

impl ReviewPolicy {
    pub fn days(&self, severity: Severity) -> u32 {
        match severity {
            Severity::Outage => self.outage,
            Severity::Degradation => self.degradation,
            Severity::Blip => self.blip,
        }
    }

    /// "outage=3, degradation=5, blip=5", as stored.
    pub fn text(&self) -> String {
        Severity::ALL
            .iter()
            .map(|s| format!("{}={}", s.code(), self.days(*s)))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Reads [`ReviewPolicy::text`]; a severity left out keeps its default.
    pub fn parse(text: &str) -> Result<ReviewPolicy, String> {
        let mut policy = ReviewPolicy::default();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (code, days) = part
                .split_once('=')
                .ok_or_else(|| format!("\"{part}\": write severity=days, e.g. outage=3."))?;
            let severity = Severity::parse(code).ok_or_else(|| {
                format!(
                    "\"{}\" is not a severity; use one of {}.",
                    code.trim(),
                    Severity::codes()
                )
            })?;
            let days: u32 = days
                .trim()
                .parse()
                .ok()
                .filter(|d| (1..=MAX_REVIEW_DAYS).contains(d))
                .ok_or_else(|| {
                    format!(
                        "{}: the days must be a whole number from 1 to {MAX_REVIEW_DAYS}.",
                        severity.label()
                    )
                })?;
            match severity {
                Severity::Outage => policy.outage = days,
                Severity::Degradation => policy.degradation = days,
                Severity::Blip => policy.blip = days,
            }
        }
        Ok(policy)
    }
}

/// `day` moved forward by `n` working days (Saturdays and Sundays skipped).
pub fn add_working_days(day: NaiveDate, n: u32) -> NaiveDate {
    let mut at = day;
    let mut left = n;
    while left > 0 {
        at = at.succ_opt().unwrap_or(at);
        if !matches!(at.weekday(), Weekday::Sat | Weekday::Sun) {
            left -= 1;
        }
    }
    at
}

/// The last day the review should happen on; `None` while the incident is
/// not yet resolved (or repaired).
pub fn review_due(
    policy: &ReviewPolicy,
    severity: Severity,
    moments: &KeyMoments,
) -> Option<NaiveDate> {
    let resolved = moments
        .at(KeyMoment::Resolved)
        .or_else(|| moments.at(KeyMoment::Repaired))?;
    Some(add_working_days(
        resolved.date_naive(),
        policy.days(severity),
    ))
}

/// Where an incident's review stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewStatus {
    pub due: Option<NaiveDate>,
    pub scheduled: Option<DateTime<Utc>>,
    /// The scheduled time has passed.
    pub held: bool,
    pub published: bool,
    /// Past its due date, not yet held, post-mortem not published.
    pub overdue: bool,
}

impl ReviewStatus {
    pub fn of(
        policy: &ReviewPolicy,
        severity: Severity,
        moments: &KeyMoments,
        scheduled: Option<DateTime<Utc>>,
        published: bool,
        now: DateTime<Utc>,
    ) -> Self {
        let due = review_due(policy, severity, moments);
        let held = scheduled.is_some_and(|at| at <= now);
        ReviewStatus {
            due,
            scheduled,
            held,
            published,
            overdue: !held && !published && due.is_some_and(|d| now.date_naive() > d),
        }
    }

    /// Days past the due date (0 when not overdue).
    pub fn days_late(&self, today: NaiveDate) -> i64 {
        match self.due {
            Some(due) if self.overdue => (today - due).num_days(),
            _ => 0,
        }
    }
}

/// What the calendar invitation says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation<'a> {
    /// Stable across downloads, so calendars update the event rather than
    /// adding another: the incident's id.
    pub uid: &'a str,
    pub start: DateTime<Utc>,
    pub minutes: u32,
    pub summary: &'a str,
    pub description: &'a str,
    pub location: &'a str,
    /// Bumped on every change of the review, so calendars take the update.
    pub sequence: i64,
    pub stamp: DateTime<Utc>,
    pub attendees: &'a [String],
}

/// The invitation as an iCalendar file: CRLF line ends, text escaped, lines
/// folded at 75 octets. An attendee written with an e-mail address ("Sam
/// Lee <sam@example.com>") is invited by it; the rest are named in the
/// description (iCalendar needs an address to invite).
pub fn ics(invitation: &Invitation) -> String {
    let time = |at: DateTime<Utc>| at.format("%Y%m%dT%H%M%SZ").to_string();
    let mut description = invitation.description.to_string();
    let mut invited = Vec::new();
    let mut named = Vec::new();
    for attendee in invitation.attendees {
        match email_of(attendee) {
            Some((name, email)) => invited.push((name, email)),
            None => named.push(attendee.as_str()),
        }
    }
    if !named.is_empty() {
        description.push_str("\n\nAttendees: ");
        description.push_str(&named.join(", "));
    }
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".to_string(),
        "PRODID:-//Debrief//Post-incident review//EN".to_string(),
        "CALSCALE:GREGORIAN".to_string(),
        "METHOD:PUBLISH".to_string(),
        "BEGIN:VEVENT".to_string(),
        format!("UID:{}@debrief", escape(invitation.uid)),
        format!("DTSTAMP:{}", time(invitation.stamp)),
        format!("SEQUENCE:{}", invitation.sequence),
        format!("DTSTART:{}", time(invitation.start)),
        format!(
            "DTEND:{}",
            time(invitation.start + Duration::minutes(i64::from(invitation.minutes)))
        ),
        format!("SUMMARY:{}", escape(invitation.summary)),
        format!("DESCRIPTION:{}", escape(&description)),
    ];
    if !invitation.location.trim().is_empty() {
        lines.push(format!("LOCATION:{}", escape(invitation.location.trim())));
    }
    for (name, email) in invited {
        lines.push(format!(
            "ATTENDEE;CN=\"{}\";ROLE=REQ-PARTICIPANT:mailto:{email}",
            name.replace(['"', '\r', '\n'], "")
        ));
    }
    lines.push("END:VEVENT".to_string());
    lines.push("END:VCALENDAR".to_string());
    lines.iter().map(|l| fold(l) + "\r\n").collect()
}

/// "Sam Lee <sam@example.com>" gives ("Sam Lee", "sam@example.com"); a
/// bare address is its own name.
fn email_of(attendee: &str) -> Option<(String, String)> {
    let a = attendee.trim();
    let (name, email) = match (a.rfind('<'), a.ends_with('>')) {
        (Some(i), true) => (a[..i].trim(), a[i + 1..a.len() - 1].trim()),
        _ => (a, a),
    };
    let valid = email.split_once('@').is_some_and(|(user, host)| {
        !user.is_empty()
            && host.contains('.')
            && !email
                .chars()
                .any(|c| c.is_whitespace() || matches!(c, '<' | '>' | '"' | ';' | ':' | ','))
    });
    valid.then(|| {
        let name = if name.is_empty() { email } else { name };
        (name.to_string(), email.to_string())
    })
}

/// TEXT escaping (RFC 5545 3.3.11).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds a content line at 75 octets, never inside a character (RFC 5545
/// 3.1): the continuation lines start with a space.
fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + line.len() / 70 * 3);
    let mut width = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    out
}

/// Most attendees one review lists.
pub const MAX_ATTENDEES: usize = 50;
/// Longest attendee entry and location, in characters.
pub const ATTENDEE_MAX: usize = 200;
pub const LOCATION_MAX: usize = 500;

/// What a checked scheduling form sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    pub scheduled_at: Option<DateTime<Utc>>,
    pub minutes: u32,
    pub location: String,
    pub attendees: Vec<String>,
}

/// The scheduling form as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReviewForm {
    /// "2026-03-10 14:00" in the incident's zone; empty: not scheduled.
    pub scheduled_at: String,
    pub minutes: String,
    /// A room or a video-call link.
    pub location: String,
    /// One per line (or separated by commas or semicolons).
    pub attendees: String,
}

/// The review as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    pub scheduled_at: Option<DateTime<Utc>>,
    pub minutes: u32,
    pub location: String,
    pub attendees: Vec<String>,
    pub handout_sent_at: Option<DateTime<Utc>>,
    pub handout_sent_by: String,
    /// 0 before the first save.
    pub version: i64,
}

impl Default for Review {
    fn default() -> Self {
        Review {
            scheduled_at: None,
            minutes: 60,
            location: String::new(),
            attendees: Vec::new(),
            handout_sent_at: None,
            handout_sent_by: String::new(),
            version: 0,
        }
    }
}

/// The attendees of a form field: one per line, or separated by
/// semicolons; trimmed, empty ones and repeats dropped. (Commas stay: "Lee,
/// Sam" is one name.)
pub fn split_attendees(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for a in text
        .split(['\n', ';'])
        .map(str::trim)
        .filter(|a| !a.is_empty())
    {
        if !out.iter().any(|o| o.eq_ignore_ascii_case(a)) {
            out.push(a.to_string());
        }
    }
    out
}

/// Reads the scheduling form; every problem is reported by field.
#[cfg(feature = "ssr")]
pub fn validate_review(
    form: &ReviewForm,
    zone: chrono_tz::Tz,
) -> Result<Schedule, Vec<super::incident_form::FieldError>> {
    use super::incident_form::FieldError;
    let mut errors = Vec::new();
    let scheduled = match form.scheduled_at.trim() {
        "" => None,
        typed => match super::zone::parse_time_in_zone(typed, zone) {
            Ok(at) => Some(at),
            Err(e) => {
                errors.push(FieldError::new(
                    "scheduled_at",
                    format!("The review time: {e}."),
                ));
                None
            }
        },
    };
    let minutes = match form.minutes.trim() {
        "" => 60,
        typed => match typed.parse::<u32>() {
            Ok(m) if (15..=480).contains(&m) => m,
            _ => {
                errors.push(FieldError::new(
                    "minutes",
                    "The length is in minutes, from 15 to 480.",
                ));
                60
            }
        },
    };
    let location = form.location.trim().to_string();
    if location.chars().count() > LOCATION_MAX {
        errors.push(FieldError::new(
            "location",
            format!("The place is at most {LOCATION_MAX} characters."),
        ));
    }
    let attendees = split_attendees(&form.attendees);
    if attendees.len() > MAX_ATTENDEES {
        errors.push(FieldError::new(
            "attendees",
            format!(
                "{} attendees; at most {MAX_ATTENDEES} can be listed. Invite a team's list address instead.",
                attendees.len()
            ),
        ));
    }
    if let Some(long) = attendees.iter().find(|a| a.chars().count() > ATTENDEE_MAX) {
        errors.push(FieldError::new(
            "attendees",
            format!(
                "\"{}…\" is longer than {ATTENDEE_MAX} characters.",
                long.chars().take(20).collect::<String>()
            ),
        ));
    }
    if errors.is_empty() {
        Ok(Schedule {
            scheduled_at: scheduled,
            minutes,
            location,
            attendees,
        })
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn working_days_skip_weekends() {
        // Thursday 2026-03-05.
        assert_eq!(add_working_days(day(2026, 3, 5), 0), day(2026, 3, 5));
        assert_eq!(add_working_days(day(2026, 3, 5), 1), day(2026, 3, 6));
        assert_eq!(add_working_days(day(2026, 3, 5), 2), day(2026, 3, 9));
        assert_eq!(add_working_days(day(2026, 3, 5), 5), day(2026, 3, 12));
        // From a Saturday, the first working day is Monday.
        assert_eq!(add_working_days(day(2026, 3, 7), 1), day(2026, 3, 9));
    }

    #[test]
    fn policies_parse_and_name_what_is_wrong() {
        assert_eq!(
            ReviewPolicy::default().text(),
            "blip=5, degradation=5, outage=3"
        );
        let p = ReviewPolicy::parse("outage=2, blip=10").unwrap();
        assert_eq!((p.outage, p.degradation, p.blip), (2, 5, 10));
        assert_eq!(ReviewPolicy::parse(&p.text()).unwrap(), p);
        assert!(
            ReviewPolicy::parse("outage 2")
                .unwrap_err()
                .contains("severity=days")
        );
        assert!(
            ReviewPolicy::parse("disaster=2")
                .unwrap_err()
                .contains("not a severity")
        );
        assert!(
            ReviewPolicy::parse("outage=0")
                .unwrap_err()
                .contains("from 1 to 60")
        );
        assert!(ReviewPolicy::parse("outage=61").is_err());
    }

    fn resolved_on(d: u32) -> KeyMoments {
        KeyMoments::default().with(
            KeyMoment::Repaired,
            Utc.with_ymd_and_hms(2026, 3, d, 16, 0, 0).unwrap(),
        )
    }

    #[test]
    fn an_outage_review_is_overdue_after_three_working_days() {
        let policy = ReviewPolicy::default();
        // Repaired Thursday the 5th: due Tuesday the 10th.
        let moments = resolved_on(5);
        let at = |d: u32| Utc.with_ymd_and_hms(2026, 3, d, 9, 0, 0).unwrap();
        let status = |scheduled, published, now| {
            ReviewStatus::of(
                &policy,
                Severity::Outage,
                &moments,
                scheduled,
                published,
                now,
            )
        };
        assert_eq!(status(None, false, at(10)).due, Some(day(2026, 3, 10)));
        assert!(
            !status(None, false, at(10)).overdue,
            "due today is not late"
        );
        let late = status(None, false, at(12));
        assert!(late.overdue);
        assert_eq!(late.days_late(day(2026, 3, 12)), 2);
        assert!(!status(Some(at(9)), false, at(12)).overdue, "held in time");
        assert!(status(Some(at(9)), false, at(12)).held);
        assert!(
            status(Some(at(13)), false, at(12)).overdue,
            "booked past the due date is still late"
        );
        assert!(
            !status(None, true, at(12)).overdue,
            "published counts as reviewed"
        );
        // A degradation gets five working days: due Thursday the 12th.
        let d = ReviewStatus::of(
            &policy,
            Severity::Degradation,
            &moments,
            None,
            false,
            at(12),
        );
        assert_eq!((d.due, d.overdue), (Some(day(2026, 3, 12)), false));
        // Not resolved yet: nothing is due.
        let open = ReviewStatus::of(
            &policy,
            Severity::Outage,
            &KeyMoments::default(),
            None,
            false,
            at(30),
        );
        assert_eq!((open.due, open.overdue), (None, false));
    }

    #[test]
    fn the_invitation_is_valid_icalendar() {
        let attendees = vec![
            "Sam Lee <sam@example.com>".to_string(),
            "robin@example.org".to_string(),
            "The database team".to_string(),
        ];
        let text = ics(&Invitation {
            uid: "0b0e-42",
            start: Utc.with_ymd_and_hms(2026, 3, 10, 14, 0, 0).unwrap(),
            minutes: 90,
            summary: "Review of #42: checkout errors; EU, after deploy",
            description: "Handout: https://debrief.example/incidents/42/handout\nRead it before we meet.",
            location: "Room 4",
            sequence: 3,
            stamp: Utc.with_ymd_and_hms(2026, 3, 6, 9, 0, 0).unwrap(),
            attendees: &attendees,
        });
        assert!(text.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
        assert!(text.ends_with("END:VEVENT\r\nEND:VCALENDAR\r\n"));
        assert!(
            !text.replace("\r\n", "").contains('\n'),
            "every line ends in CRLF"
        );
        for line in text.split("\r\n") {
            assert!(line.len() <= 75, "{line:?} is longer than 75 octets");
        }
        let unfolded = text.replace("\r\n ", "");
        assert!(unfolded.contains("UID:0b0e-42@debrief\r\n"));
        assert!(unfolded.contains("DTSTART:20260310T140000Z\r\nDTEND:20260310T153000Z\r\n"));
        assert!(
            unfolded.contains("SUMMARY:Review of #42: checkout errors\\; EU\\, after deploy\r\n")
        );
        assert!(unfolded.contains("Read it before we meet.\\n\\nAttendees: The database team\r\n"));
        assert!(
            unfolded.contains(
                "ATTENDEE;CN=\"Sam Lee\";ROLE=REQ-PARTICIPANT:mailto:sam@example.com\r\n"
            )
        );
        assert!(unfolded.contains("mailto:robin@example.org\r\n"));
        assert!(unfolded.contains("SEQUENCE:3\r\nDTSTART"));
        assert!(unfolded.contains("LOCATION:Room 4\r\n"));
    }

    #[test]
    fn attendees_split_by_line_or_semicolon_without_repeats() {
        assert_eq!(
            split_attendees(
                "Sam Lee <sam@example.com>\n\n Lee, Robin ; sam lee <SAM@example.com>;Kim\nKim"
            ),
            ["Sam Lee <sam@example.com>", "Lee, Robin", "Kim"]
        );
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn the_form_is_checked_field_by_field() {
        let zone = chrono_tz::Europe::Berlin;
        let ok = validate_review(
            &ReviewForm {
                scheduled_at: "2026-03-10 14:00".into(),
                minutes: "90".into(),
                location: " Room 4 ".into(),
                attendees: "Sam\nKim".into(),
            },
            zone,
        )
        .unwrap();
        assert_eq!(
            ok.scheduled_at,
            Some(Utc.with_ymd_and_hms(2026, 3, 10, 13, 0, 0).unwrap())
        );
        assert_eq!(
            (ok.minutes, ok.location.as_str(), ok.attendees.len()),
            (90, "Room 4", 2)
        );
        let errors = validate_review(
            &ReviewForm {
                scheduled_at: "next tuesday".into(),
                minutes: "5".into(),
                location: "x".repeat(LOCATION_MAX + 1),
                attendees: (0..51).map(|i| format!("p{i}\n")).collect(),
            },
            zone,
        )
        .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["scheduled_at", "minutes", "location", "attendees"]);
    }

    #[test]
    fn folding_never_splits_a_character() {
        let line = format!("SUMMARY:{}", "é".repeat(80));
        let folded = fold(&line);
        for part in folded.split("\r\n") {
            assert!(part.len() <= 75);
        }
        assert_eq!(folded.replace("\r\n ", ""), line);
    }
}
