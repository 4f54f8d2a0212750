//! A record a request named that does not exist, as a value: what kind of
//! record, and which one when people know it by a number. The database
//! layer says which record it did not find; the web layer words it once
//! ("Incident #42 was not found. …").

use super::incident::IncidentNumber;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Missing {
    Incident(IncidentNumber),
    /// A countermeasure, by its number (CM-12).
    Countermeasure(i64),
    /// Records people know by their place on a page, not by an id.
    Event,
    Attachment,
    Suggestion,
    /// A transcript line.
    Line,
    Webhook,
    Delivery,
    Account,
}

impl std::fmt::Display for Missing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Missing::Incident(n) => write!(f, "Incident {n}"),
            Missing::Countermeasure(n) => write!(f, "Countermeasure CM-{n}"),
            Missing::Event => f.write_str("That event"),
            Missing::Attachment => f.write_str("That attachment"),
            Missing::Suggestion => f.write_str("That suggestion"),
            Missing::Line => f.write_str("That transcript line"),
            Missing::Webhook => f.write_str("That webhook"),
            Missing::Delivery => f.write_str("That delivery"),
            Missing::Account => f.write_str("That account"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_missing_record_is_named_as_people_know_it() {
        assert_eq!(
            Missing::Incident(IncidentNumber(42)).to_string(),
            "Incident #42"
        );
        assert_eq!(
            Missing::Countermeasure(12).to_string(),
            "Countermeasure CM-12"
        );
        assert_eq!(Missing::Event.to_string(), "That event");
    }
}
