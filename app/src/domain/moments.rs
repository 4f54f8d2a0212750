//! The key moments of an incident and the rule that they happen in order.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// The years a typed time or date may fall in: a slip such as 20266 or 0202
/// is refused, not stored (and no date arithmetic can leave chrono's range).
pub const YEARS: std::ops::RangeInclusive<i32> = 1970..=2199;

/// `date`, if its year is one Debrief accepts; else a message saying so.
pub fn check_year(date: NaiveDate) -> Result<NaiveDate, String> {
    if YEARS.contains(&date.year()) {
        Ok(date)
    } else {
        Err(format!(
            "{date} is outside the years Debrief accepts ({} to {}); check the year.",
            YEARS.start(),
            YEARS.end()
        ))
    }
}

/// A key moment, in the order they happen in an incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyMoment {
    ImpactStarted,
    Detected,
    Notified,
    Responded,
    /// The cause understood well enough to act on it.
    Diagnosed,
    /// Service restored.
    Repaired,
    /// Fully closed.
    Resolved,
}

impl KeyMoment {
    /// Every moment, in the order they must happen.
    pub const ALL: [KeyMoment; 7] = [
        KeyMoment::ImpactStarted,
        KeyMoment::Detected,
        KeyMoment::Notified,
        KeyMoment::Responded,
        KeyMoment::Diagnosed,
        KeyMoment::Repaired,
        KeyMoment::Resolved,
    ];

    pub fn index(self) -> usize {
        self as usize
    }

    /// The stable code used in the database, forms and exports.
    pub fn code(self) -> &'static str {
        match self {
            KeyMoment::ImpactStarted => "impact_started",
            KeyMoment::Detected => "detected",
            KeyMoment::Notified => "notified",
            KeyMoment::Responded => "responded",
            KeyMoment::Diagnosed => "diagnosed",
            KeyMoment::Repaired => "repaired",
            KeyMoment::Resolved => "resolved",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            KeyMoment::ImpactStarted => "Impact started",
            KeyMoment::Detected => "Detected",
            KeyMoment::Notified => "Notified",
            KeyMoment::Responded => "Responded",
            KeyMoment::Diagnosed => "Diagnosed",
            KeyMoment::Repaired => "Repaired",
            KeyMoment::Resolved => "Resolved",
        }
    }

    /// One line of help shown beside the field.
    pub fn hint(self) -> &'static str {
        match self {
            KeyMoment::ImpactStarted => "when users were first affected",
            KeyMoment::Detected => "first alert, or first person who noticed",
            KeyMoment::Notified => "responders paged or stakeholders told",
            KeyMoment::Responded => "first responder working on it",
            KeyMoment::Diagnosed => "cause understood well enough to act on",
            KeyMoment::Repaired => "service restored for users",
            KeyMoment::Resolved => "fully closed, follow-up done",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        KeyMoment::ALL.into_iter().find(|m| m.code() == code)
    }
}

/// When a key moment happened, and whether that time is an estimate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Moment {
    pub at: DateTime<Utc>,
    pub estimated: bool,
}

/// The key moments of one incident, each optional.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyMoments([Option<Moment>; 7]);

impl KeyMoments {
    pub fn get(&self, moment: KeyMoment) -> Option<Moment> {
        self.0[moment.index()]
    }

    pub fn at(&self, moment: KeyMoment) -> Option<DateTime<Utc>> {
        self.get(moment).map(|m| m.at)
    }

    pub fn set(&mut self, moment: KeyMoment, value: Option<Moment>) {
        self.0[moment.index()] = value;
    }

    pub fn with(mut self, moment: KeyMoment, at: DateTime<Utc>) -> Self {
        self.set(
            moment,
            Some(Moment {
                at,
                estimated: false,
            }),
        );
        self
    }

    /// The known moments, in order.
    pub fn known(&self) -> impl Iterator<Item = (KeyMoment, Moment)> + '_ {
        KeyMoment::ALL
            .into_iter()
            .filter_map(|k| self.get(k).map(|m| (k, m)))
    }

    /// The earliest known moment: where the incident sits in time.
    pub fn earliest(&self) -> Option<DateTime<Utc>> {
        self.known().map(|(_, m)| m.at).min()
    }

    /// Checks that every known moment is at or after every earlier known moment.
    ///
    /// Returns the first pair found out of order, later moment first: for
    /// "detected before impact started" that is `(Detected, ImpactStarted)`.
    pub fn check_order(&self) -> Result<(), OutOfOrder> {
        let known: Vec<_> = self.known().collect();
        for (i, &(later, later_moment)) in known.iter().enumerate() {
            for &(earlier, earlier_moment) in &known[..i] {
                if later_moment.at < earlier_moment.at {
                    return Err(OutOfOrder { later, earlier });
                }
            }
        }
        Ok(())
    }
}

/// Two key moments whose times contradict their order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutOfOrder {
    /// The moment that should come later but was given an earlier time.
    pub later: KeyMoment,
    /// The moment it must not precede.
    pub earlier: KeyMoment,
}

impl std::fmt::Display for OutOfOrder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "\"{}\" is before \"{}\"; key moments must be in order ({} can't come before {})",
            self.later.label(),
            self.earlier.label(),
            self.later.label().to_lowercase(),
            self.earlier.label().to_lowercase(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 4, h, m, 0).unwrap()
    }

    #[test]
    fn in_order_moments_pass_even_with_gaps_and_equal_times() {
        let moments = KeyMoments::default()
            .with(KeyMoment::ImpactStarted, t(10, 0))
            .with(KeyMoment::Notified, t(10, 5))
            .with(KeyMoment::Responded, t(10, 5))
            .with(KeyMoment::Repaired, t(11, 0));
        assert_eq!(moments.check_order(), Ok(()));
    }

    #[test]
    fn detected_before_impact_names_both_moments() {
        let moments = KeyMoments::default()
            .with(KeyMoment::ImpactStarted, t(10, 0))
            .with(KeyMoment::Detected, t(9, 55));
        let err = moments.check_order().unwrap_err();
        assert_eq!(
            err,
            OutOfOrder {
                later: KeyMoment::Detected,
                earlier: KeyMoment::ImpactStarted
            }
        );
        let message = err.to_string();
        assert!(message.contains("Detected"), "{message}");
        assert!(message.contains("Impact started"), "{message}");
    }

    #[test]
    fn order_is_checked_across_missing_moments() {
        let moments = KeyMoments::default()
            .with(KeyMoment::Detected, t(10, 0))
            .with(KeyMoment::Repaired, t(9, 0));
        let err = moments.check_order().unwrap_err();
        assert_eq!(
            (err.later, err.earlier),
            (KeyMoment::Repaired, KeyMoment::Detected)
        );
    }

    #[test]
    fn earliest_is_the_first_known_moment() {
        let moments = KeyMoments::default()
            .with(KeyMoment::Notified, t(10, 7))
            .with(KeyMoment::Detected, t(10, 3));
        assert_eq!(moments.earliest(), Some(t(10, 3)));
        assert_eq!(KeyMoments::default().earliest(), None);
    }

    #[test]
    fn codes_round_trip() {
        for m in KeyMoment::ALL {
            assert_eq!(KeyMoment::parse(m.code()), Some(m));
        }
    }
}
