//! Meeting mode: the facilitator walks the review through the timeline one
//! event at a time; everyone else who opens it follows live. Plain rules
//! here: where a step lands, what a note may hold.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::incident::closed_set;

closed_set!(
    /// What a facilitator writes against an event.
    NoteKind {
        Note => ("note", "Note"),
        Question => ("question", "Question"),
    }
);

/// Longest note, in characters.
pub const NOTE_MAX: usize = 2_000;

/// A step through the timeline: to the first, previous, next or last event,
/// or to one by its position (from 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    First,
    Previous,
    Next,
    Last,
    To(usize),
}

impl Step {
    /// "first", "previous", "next", "last", or a position; as forms and
    /// keys send it.
    pub fn parse(text: &str) -> Option<Step> {
        match text.trim() {
            "first" | "Home" => Some(Step::First),
            "previous" | "ArrowLeft" => Some(Step::Previous),
            "next" | "ArrowRight" => Some(Step::Next),
            "last" | "End" => Some(Step::Last),
            n => n.parse().ok().map(Step::To),
        }
    }

    /// Where the step lands from `current` among `count` events (clamped:
    /// stepping past either end stays there). `None` when there are no
    /// events.
    pub fn apply(self, current: usize, count: usize) -> Option<usize> {
        let last = count.checked_sub(1)?;
        let current = current.min(last);
        Some(match self {
            Step::First => 0,
            Step::Previous => current.saturating_sub(1),
            Step::Next => (current + 1).min(last),
            Step::Last => last,
            Step::To(n) => n.min(last),
        })
    }
}

/// What changes while the meeting runs: what the live feed sends.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MeetingLive {
    pub running: bool,
    pub position: usize,
    pub facilitator: String,
    pub facilitator_id: String,
    pub notes: Vec<MeetingNote>,
}

/// A note or question on one event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingNote {
    pub id: i64,
    pub event_id: String,
    pub kind: NoteKind,
    pub body: String,
    pub author: String,
    pub created_at: DateTime<Utc>,
}

/// Where a meeting stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingState {
    /// Bumped on every step and note: followers compare it to know what
    /// changed.
    pub version: i64,
    /// The event on screen, by its id (stays right when events are added).
    pub event_id: Option<String>,
    pub facilitator: String,
    pub facilitator_id: String,
    pub started_at: DateTime<Utc>,
}

/// Checks a note: trimmed, not empty, within [`NOTE_MAX`].
pub fn check_note(body: &str) -> Result<String, String> {
    let body = body.trim().replace("\r\n", "\n");
    let n = body.chars().count();
    if n == 0 {
        return Err("Write the note or question first.".into());
    }
    if n > NOTE_MAX {
        return Err(format!(
            "The note is {n} characters; the limit is {NOTE_MAX}. Keep it to the point, and put longer material in the post-mortem."
        ));
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_stay_within_the_timeline() {
        assert_eq!(Step::Next.apply(0, 3), Some(1));
        assert_eq!(
            Step::Next.apply(2, 3),
            Some(2),
            "past the end stays on the last"
        );
        assert_eq!(Step::Previous.apply(0, 3), Some(0));
        assert_eq!(Step::Previous.apply(2, 3), Some(1));
        assert_eq!(Step::Last.apply(0, 3), Some(2));
        assert_eq!(Step::First.apply(2, 3), Some(0));
        assert_eq!(Step::To(7).apply(0, 3), Some(2));
        assert_eq!(
            Step::Next.apply(9, 3),
            Some(2),
            "a stale position is clamped first"
        );
        assert_eq!(Step::Next.apply(0, 0), None);
    }

    #[test]
    fn keys_and_form_values_parse() {
        assert_eq!(Step::parse("ArrowRight"), Some(Step::Next));
        assert_eq!(Step::parse("ArrowLeft"), Some(Step::Previous));
        assert_eq!(Step::parse("Home"), Some(Step::First));
        assert_eq!(Step::parse("End"), Some(Step::Last));
        assert_eq!(Step::parse(" next "), Some(Step::Next));
        assert_eq!(Step::parse("4"), Some(Step::To(4)));
        assert_eq!(Step::parse("sideways"), None);
    }

    #[test]
    fn notes_are_trimmed_and_bounded() {
        assert_eq!(
            check_note("  What did the dashboard show?\r\n").unwrap(),
            "What did the dashboard show?"
        );
        assert!(check_note("   ").unwrap_err().contains("first"));
        assert!(
            check_note(&"x".repeat(NOTE_MAX + 1))
                .unwrap_err()
                .contains("2001 characters")
        );
    }
}
