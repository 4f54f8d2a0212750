//! Meeting mode: the facilitator walks the review through the timeline one
//! event at a time; everyone else who opens it follows live. Plain rules
//! here: who moves the meeting, where a step lands, what a note may hold,
//! and what a follower sees of it. The workflow is `flows::meeting_live`.

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

impl MeetingState {
    /// Whether the account `user_id` facilitates: only they move the meeting.
    pub fn is_led_by(&self, user_id: Option<&str>) -> bool {
        user_id == Some(self.facilitator_id.as_str())
    }
}

/// The position of the event on screen among `event_ids` (the first when
/// none is, or when it is no longer on the timeline).
pub fn position_of(event_id: Option<&str>, event_ids: &[String]) -> usize {
    event_id
        .and_then(|id| event_ids.iter().position(|e| e == id))
        .unwrap_or(0)
}

/// The meeting of one incident, as a follower sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingSnapshot {
    /// `None` when no meeting runs.
    pub state: Option<MeetingState>,
    /// Live events in timeline order, by id.
    pub event_ids: Vec<String>,
    pub notes: Vec<MeetingNote>,
}

impl MeetingSnapshot {
    /// The position of the event on screen (the first when none is).
    pub fn position(&self) -> usize {
        position_of(
            self.state.as_ref().and_then(|s| s.event_id.as_deref()),
            &self.event_ids,
        )
    }

    /// What the live feed sends and a follower's page shows.
    pub fn live(&self) -> MeetingLive {
        match &self.state {
            None => MeetingLive {
                notes: self.notes.clone(),
                ..MeetingLive::default()
            },
            Some(state) => MeetingLive {
                running: true,
                position: self.position(),
                facilitator: state.facilitator.clone(),
                facilitator_id: state.facilitator_id.clone(),
                notes: self.notes.clone(),
            },
        }
    }
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
    fn only_the_facilitator_leads_and_a_lost_event_shows_the_first() {
        let state = MeetingState {
            version: 3,
            event_id: Some("b".into()),
            facilitator: "Ada".into(),
            facilitator_id: "u1".into(),
            started_at: DateTime::<Utc>::default(),
        };
        assert!(state.is_led_by(Some("u1")));
        assert!(!state.is_led_by(Some("u2")));
        assert!(!state.is_led_by(None));
        let events: Vec<String> = vec!["a".into(), "b".into()];
        assert_eq!(position_of(Some("b"), &events), 1);
        assert_eq!(position_of(Some("gone"), &events), 0);
        assert_eq!(position_of(None, &events), 0);
        let snapshot = MeetingSnapshot {
            state: Some(state),
            event_ids: events,
            notes: Vec::new(),
        };
        let live = snapshot.live();
        assert!(live.running);
        assert_eq!((live.position, live.facilitator.as_str()), (1, "Ada"));
        let ended = MeetingSnapshot {
            state: None,
            ..snapshot
        };
        assert_eq!(ended.live(), MeetingLive::default());
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
