//! The audit log's vocabulary: what changed, field by field, in words a
//! reader of an incident's history understands. Plain Rust.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::incident::IncidentContent;
use super::moments::KeyMoment;
use super::timeline::EventContent;

/// One field's value before and after a change ("" when it had none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub before: String,
    pub after: String,
}

/// Who made a change: a signed-in person, or the command line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub user_id: Option<String>,
    pub name: String,
}

impl Actor {
    pub fn command_line(what: &str) -> Actor {
        Actor {
            user_id: None,
            name: format!("command line ({what})"),
        }
    }
}

/// One row of the audit log, as read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_name: String,
    pub action: String,
    pub object_kind: String,
    pub object_id: String,
    pub object_label: String,
    pub changes: Vec<FieldChange>,
}

/// The fields of an incident as a history reader sees them, in form order.
/// Times are ISO 8601 in UTC, so the log does not depend on anyone's zone.
pub fn incident_fields(c: &IncidentContent) -> Vec<(String, String)> {
    let mut fields = vec![
        ("Title".to_string(), c.title.clone()),
        ("Severity".into(), c.severity.label().into()),
        ("Status".into(), c.status.label().into()),
        ("Services".into(), c.services.join(", ")),
        ("Incident commander".into(), c.commander.clone()),
        ("Facilitator".into(), c.facilitator.clone()),
        (
            "Detection method".into(),
            c.detection_method
                .map(|d| d.label().to_string())
                .unwrap_or_default(),
        ),
        ("Time zone".into(), c.time_zone.clone()),
        ("Summary".into(), c.summary_markdown.clone()),
    ];
    for moment in KeyMoment::ALL {
        let shown = c
            .moments
            .get(moment)
            .map(|m| {
                let at = m.at.format("%Y-%m-%dT%H:%M:%SZ").to_string();
                if m.estimated {
                    format!("{at} (estimated)")
                } else {
                    at
                }
            })
            .unwrap_or_default();
        fields.push((moment.label().to_string(), shown));
    }
    let cynefin =
        |d: Option<super::incident::Cynefin>| d.map(|d| d.label().to_string()).unwrap_or_default();
    fields.extend([
        (
            "Cynefin, first reading".to_string(),
            cynefin(c.cynefin.first),
        ),
        ("Cynefin, first note".into(), c.cynefin.first_note.clone()),
        ("Cynefin, in hindsight".into(), cynefin(c.cynefin.hindsight)),
        (
            "Cynefin, hindsight note".into(),
            c.cynefin.hindsight_note.clone(),
        ),
    ]);
    fields
}

/// The fields that differ between two versions of an incident; for a new
/// incident (`before` = `None`), every field given a value.
pub fn incident_changes(
    before: Option<&IncidentContent>,
    after: &IncidentContent,
) -> Vec<FieldChange> {
    field_changes(before.map(incident_fields), incident_fields(after))
}

/// The fields of a timeline event as a history reader sees them.
pub fn event_fields(content: &EventContent, mark: Option<KeyMoment>) -> Vec<(String, String)> {
    vec![
        (
            "Time".to_string(),
            content.at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        ),
        ("Kind".into(), content.kind.label().into()),
        ("Actor".into(), content.actor.clone()),
        ("Text".into(), content.body_markdown.clone()),
        ("Evidence link".into(), content.evidence_url.clone()),
        (
            "Key moment".into(),
            mark.map(|m| m.label().to_string()).unwrap_or_default(),
        ),
    ]
}

/// The fields that differ between two versions of an event.
pub fn event_changes(
    before: Option<(&EventContent, Option<KeyMoment>)>,
    after: (&EventContent, Option<KeyMoment>),
) -> Vec<FieldChange> {
    field_changes(
        before.map(|(c, m)| event_fields(c, m)),
        event_fields(after.0, after.1),
    )
}

/// Pairs two field lists of the same shape; with no `before`, lists every
/// field given a value.
fn field_changes(
    before: Option<Vec<(String, String)>>,
    after: Vec<(String, String)>,
) -> Vec<FieldChange> {
    let before = before.unwrap_or_else(|| {
        after
            .iter()
            .map(|(name, _)| (name.clone(), String::new()))
            .collect()
    });
    before
        .into_iter()
        .zip(after)
        .filter(|((_, b), (_, a))| a != b)
        .map(|((field, before), (_, after))| FieldChange {
            field,
            before,
            after,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::incident::{CynefinPair, Severity, Status};
    use crate::domain::moments::KeyMoments;
    use chrono::TimeZone;

    fn content() -> IncidentContent {
        IncidentContent {
            title: "Checkout latency".into(),
            severity: Severity::Degradation,
            status: Status::Investigating,
            services: vec!["checkout".into()],
            commander: "Ana".into(),
            facilitator: String::new(),
            detection_method: None,
            time_zone: "UTC".into(),
            summary_markdown: String::new(),
            moments: KeyMoments::default(),
            cynefin: CynefinPair::default(),
        }
    }

    #[test]
    fn a_new_incident_lists_only_the_fields_it_sets() {
        let changes = incident_changes(None, &content());
        let fields: Vec<_> = changes.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "Title",
                "Severity",
                "Status",
                "Services",
                "Incident commander",
                "Time zone"
            ]
        );
        assert!(changes.iter().all(|c| c.before.is_empty()));
    }

    #[test]
    fn an_edit_lists_each_changed_field_with_both_values() {
        let before = content();
        let mut after = content();
        after.status = Status::Resolved;
        after.services.push("payments".into());
        after.moments = after.moments.with(
            KeyMoment::Detected,
            Utc.with_ymd_and_hms(2026, 3, 4, 14, 32, 0).unwrap(),
        );
        let changes = incident_changes(Some(&before), &after);
        assert_eq!(
            changes,
            vec![
                FieldChange {
                    field: "Status".into(),
                    before: "Investigating".into(),
                    after: "Resolved".into()
                },
                FieldChange {
                    field: "Services".into(),
                    before: "checkout".into(),
                    after: "checkout, payments".into()
                },
                FieldChange {
                    field: "Detected".into(),
                    before: "".into(),
                    after: "2026-03-04T14:32:00Z".into()
                },
            ]
        );
        assert!(incident_changes(Some(&after), &after).is_empty());
    }
}
