//! The incident form as typed: every field a raw string, so that a refused
//! submission can be shown back to its author exactly as it was written.

use serde::{Deserialize, Serialize};

use super::moments::KeyMoment;

/// Field length limits, enforced on the server and shown in the form.
pub mod limits {
    pub const TITLE: usize = 200;
    pub const PERSON: usize = 100;
    pub const SERVICE: usize = 64;
    pub const SERVICES: usize = 20;
    pub const NOTE: usize = 2_000;
    /// Bytes of Markdown in the summary.
    pub const SUMMARY: usize = 100_000;
}

/// What a person typed, as a refusal repeats it: cut to 40 characters (with
/// an ellipsis), since a refusal goes back to the page in its address and
/// must stay short whatever was typed.
pub fn as_typed(text: &str) -> String {
    let text = text.trim();
    match text.char_indices().nth(40) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}

/// One refused field and why, in words a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// The form field's name, e.g. `title` or `detected_at`.
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// A key moment as typed: a time (in the incident's zone unless it carries an
/// offset) and the estimate checkbox.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MomentInput {
    pub at: String,
    /// "on" when the box is ticked; absent otherwise (as browsers send it).
    pub estimated: Option<String>,
}

impl MomentInput {
    pub fn is_estimated(&self) -> bool {
        self.estimated
            .as_deref()
            .is_some_and(|v| !v.is_empty() && v != "false")
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct IncidentForm {
    pub title: String,
    pub severity: String,
    pub status: String,
    /// Comma-separated.
    pub services: String,
    pub commander: String,
    pub facilitator: String,
    pub detection_method: String,
    pub time_zone: String,
    pub summary: String,
    pub cynefin_first: String,
    pub cynefin_first_note: String,
    pub cynefin_hindsight: String,
    pub cynefin_hindsight_note: String,
    pub impact_started: MomentInput,
    pub detected: MomentInput,
    pub notified: MomentInput,
    pub responded: MomentInput,
    pub diagnosed: MomentInput,
    pub repaired: MomentInput,
    pub resolved: MomentInput,
}

impl IncidentForm {
    pub fn moment(&self, moment: KeyMoment) -> &MomentInput {
        match moment {
            KeyMoment::ImpactStarted => &self.impact_started,
            KeyMoment::Detected => &self.detected,
            KeyMoment::Notified => &self.notified,
            KeyMoment::Responded => &self.responded,
            KeyMoment::Diagnosed => &self.diagnosed,
            KeyMoment::Repaired => &self.repaired,
            KeyMoment::Resolved => &self.resolved,
        }
    }

    pub fn moment_mut(&mut self, moment: KeyMoment) -> &mut MomentInput {
        match moment {
            KeyMoment::ImpactStarted => &mut self.impact_started,
            KeyMoment::Detected => &mut self.detected,
            KeyMoment::Notified => &mut self.notified,
            KeyMoment::Responded => &mut self.responded,
            KeyMoment::Diagnosed => &mut self.diagnosed,
            KeyMoment::Repaired => &mut self.repaired,
            KeyMoment::Resolved => &mut self.resolved,
        }
    }

    /// The name of a moment's time field, as used in forms and field errors.
    pub fn moment_field(moment: KeyMoment) -> String {
        format!("{}.at", moment.code())
    }
}
