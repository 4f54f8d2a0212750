//! What an incident is: its classifications and the record as stored.

use serde::{Deserialize, Serialize};

use super::ids::{IdKind, NotAnId};
use super::moments::KeyMoments;

/// Defines a closed set of values stored as short snake_case strings, with a
/// human label and a parser that names the accepted values when it fails.
macro_rules! closed_set {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => ($code:literal, $label:literal)),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable code used in the database, URLs and forms.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            pub fn parse(code: &str) -> Option<Self> {
                match code.trim() { $($code => Some($name::$variant),)+ _ => None }
            }

            /// The accepted codes, for error messages.
            pub fn codes() -> String {
                [$($code),+].join(", ")
            }
        }
    };
}
pub(crate) use closed_set;

closed_set!(
    /// How bad it was for the people the service is for.
    Severity {
        Blip => ("blip", "Blip"),
        Degradation => ("degradation", "Degradation"),
        Outage => ("outage", "Outage"),
    }
);

impl Severity {
    pub fn description(self) -> &'static str {
        match self {
            Severity::Blip => "Brief or barely noticed; little or no lasting effect on users.",
            Severity::Degradation => {
                "Slower or partly broken for some users; the core still works."
            }
            Severity::Outage => "A core function unavailable for many users.",
        }
    }

    /// Higher is worse; used for sorting.
    pub fn rank(self) -> u8 {
        match self {
            Severity::Blip => 1,
            Severity::Degradation => 2,
            Severity::Outage => 3,
        }
    }
}

closed_set!(
    /// Where the incident and its post-mortem stand.
    Status {
        Investigating => ("investigating", "Investigating"),
        Resolved => ("resolved", "Resolved"),
        InReview => ("in_review", "In review"),
        Published => ("published", "Published"),
    }
);

impl Status {
    /// Where the work stands in the order investigating, resolved, in
    /// review, published.
    fn rank(self) -> usize {
        Status::ALL.iter().position(|s| *s == self).unwrap_or(0)
    }

    /// `to` if the work has moved on to it, else this status: a status
    /// follows the work forward and is never moved back by it.
    pub fn moved_on(self, to: Status) -> Status {
        if to.rank() > self.rank() { to } else { self }
    }

    /// The status once these key moments are recorded: an incident whose
    /// "resolved" moment is set is no longer being investigated.
    pub fn after_moments(self, moments: &super::moments::KeyMoments) -> Status {
        if moments.get(super::moments::KeyMoment::Resolved).is_some() {
            self.moved_on(Status::Resolved)
        } else {
            self
        }
    }
}

closed_set!(
    /// How the organisation first learned of the incident.
    DetectionMethod {
        AutomatedAlert => ("automated_alert", "Automated alert"),
        CustomerReport => ("customer_report", "Customer report"),
        Employee => ("employee", "Noticed by an employee"),
        Other => ("other", "Other"),
    }
);

closed_set!(
    /// Cynefin domains: how a situation can be read.
    Cynefin {
        Clear => ("clear", "Clear"),
        Complicated => ("complicated", "Complicated"),
        Complex => ("complex", "Complex"),
        Chaotic => ("chaotic", "Chaotic"),
        Confused => ("confused", "Confused"),
    }
);

impl Cynefin {
    pub fn description(self) -> &'static str {
        match self {
            Cynefin::Clear => "Cause and effect obvious; apply the known practice.",
            Cynefin::Complicated => "Cause and effect discoverable by analysis or expertise.",
            Cynefin::Complex => "Cause and effect only clear in hindsight; probe, sense, respond.",
            Cynefin::Chaotic => "No discernible cause and effect; act first to stabilise.",
            Cynefin::Confused => "Not yet clear which of the other domains applies.",
        }
    }
}

/// The human-facing identifier of an incident ("#42"), unique per database.
/// Stored and sent as a plain number; read from a number or from text as
/// people write it ([`std::str::FromStr`]), so server functions, forms and
/// paths take it directly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct IncidentNumber(pub i64);

impl std::fmt::Display for IncidentNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "#{}", self.0)
    }
}

impl<'de> Deserialize<'de> for IncidentNumber {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        super::ids::number_or_text(deserializer, "an incident number such as 42")
    }
}

/// An incident number as a person or a link writes it: `42`, `#42`, with
/// spaces around; positive, within `i64`.
impl std::str::FromStr for IncidentNumber {
    type Err = NotAnId;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        text.trim()
            .trim_start_matches('#')
            .parse::<i64>()
            .ok()
            .filter(|n| *n > 0)
            .map(IncidentNumber)
            .ok_or_else(|| NotAnId {
                kind: IdKind::Incident,
                text: text.to_string(),
            })
    }
}

/// The two Cynefin readings of an incident, each with a short note.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CynefinPair {
    /// How responders judged the situation at first.
    pub first: Option<Cynefin>,
    /// "What approach we took."
    pub first_note: String,
    /// How it looks in hindsight.
    pub hindsight: Option<Cynefin>,
    /// "What would have served better."
    pub hindsight_note: String,
}

impl CynefinPair {
    /// True when both readings are known and differ: the delta teams learn from.
    pub fn differs(&self) -> bool {
        matches!((self.first, self.hindsight), (Some(a), Some(b)) if a != b)
    }
}

/// The validated content of an incident, as written by a person: what create and
/// edit store. Produced only by [`super::validation::validate_incident`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentContent {
    pub title: String,
    pub severity: Severity,
    pub status: Status,
    /// Affected services, trimmed, de-duplicated, in the order given.
    pub services: Vec<String>,
    pub commander: String,
    /// Who facilitates the review.
    pub facilitator: String,
    pub detection_method: Option<DetectionMethod>,
    /// IANA zone in which the key moments were typed (and quick entry reads times).
    pub time_zone: String,
    pub summary_markdown: String,
    pub moments: KeyMoments,
    pub cynefin: CynefinPair,
}

/// An incident as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Incident {
    pub number: IncidentNumber,
    /// Increments on every write; a write based on an older version is refused.
    pub version: i64,
    pub content: IncidentContent,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_for_every_closed_set() {
        for s in Severity::ALL {
            assert_eq!(Severity::parse(s.code()), Some(*s));
        }
        for s in Status::ALL {
            assert_eq!(Status::parse(s.code()), Some(*s));
        }
        for d in DetectionMethod::ALL {
            assert_eq!(DetectionMethod::parse(d.code()), Some(*d));
        }
        for c in Cynefin::ALL {
            assert_eq!(Cynefin::parse(c.code()), Some(*c));
        }
        assert_eq!(Severity::parse("catastrophe"), None);
        assert_eq!(Severity::codes(), "blip, degradation, outage");
    }

    #[test]
    fn severity_rank_orders_by_harm() {
        assert!(Severity::Outage.rank() > Severity::Degradation.rank());
        assert!(Severity::Degradation.rank() > Severity::Blip.rank());
    }

    #[test]
    fn cynefin_pair_differs_only_when_both_known_and_unequal() {
        let mut pair = CynefinPair::default();
        assert!(!pair.differs());
        pair.first = Some(Cynefin::Complicated);
        assert!(!pair.differs());
        pair.hindsight = Some(Cynefin::Complicated);
        assert!(!pair.differs());
        pair.hindsight = Some(Cynefin::Complex);
        assert!(pair.differs());
    }

    #[test]
    fn incident_numbers_are_read_as_people_write_them() {
        use super::IncidentNumber;
        for (text, n) in [
            ("42", 42),
            ("#42", 42),
            (" 7 ", 7),
            ("9223372036854775807", i64::MAX),
        ] {
            assert_eq!(
                text.parse::<IncidentNumber>(),
                Ok(IncidentNumber(n)),
                "{text}"
            );
        }
        for text in [
            "",
            "abc",
            "0",
            "-3",
            "4.2",
            "99999999999999999999",
            "#",
            "4 2",
        ] {
            let refused = text.parse::<IncidentNumber>().unwrap_err();
            assert_eq!(refused.kind, IdKind::Incident);
            assert_eq!(refused.text, text);
        }
    }

    #[test]
    fn incident_numbers_decode_from_numbers_and_text_and_name_what_was_refused() {
        let n: IncidentNumber = serde_json::from_str("42").unwrap();
        assert_eq!(n, IncidentNumber(42));
        let n: IncidentNumber = serde_json::from_str("\"#42\"").unwrap();
        assert_eq!(n, IncidentNumber(42));
        assert_eq!(serde_json::to_string(&n).unwrap(), "42");
        for text in ["abc", "0", "say \"hi\"", "-1"] {
            let json = serde_json::to_string(text).unwrap();
            let error = serde_json::from_str::<IncidentNumber>(&json).unwrap_err();
            let message = format!("error deserializing server function arguments: {error}");
            // serde_json adds where it stopped; the refused text survives.
            let message = message.split(" at line").next().unwrap();
            assert_eq!(
                NotAnId::in_message(message),
                Some(NotAnId {
                    kind: IdKind::Incident,
                    text: text.into()
                })
            );
        }
        assert_eq!(NotAnId::in_message("missing field `number`"), None);
    }
}
