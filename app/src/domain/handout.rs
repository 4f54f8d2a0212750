//! The review handout's "open questions": what the record does not answer
//! yet, for the meeting to take up. A key moment nobody recorded, and every
//! question someone wrote into the timeline.

use super::moments::{KeyMoment, KeyMoments};

/// The question a missing key moment leaves open.
pub fn moment_question(moment: KeyMoment) -> &'static str {
    match moment {
        KeyMoment::ImpactStarted => "When did users start to be affected?",
        KeyMoment::Detected => "When, and how, was the problem first noticed?",
        KeyMoment::Notified => "When were responders paged or stakeholders told?",
        KeyMoment::Responded => "When did the first responder start working on it?",
        KeyMoment::Diagnosed => "When was the cause understood well enough to act on?",
        KeyMoment::Repaired => "When was service restored for users?",
        KeyMoment::Resolved => "When was the incident fully closed?",
    }
}

/// The sentences of `text` that ask something (end in "?"), trimmed, with
/// Markdown emphasis and list markers left out. Quoted lines count: a
/// question asked during the response may still be open.
pub fn questions_in(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line
            .trim()
            .trim_start_matches(['>', '-', '*', '+', ' '])
            .trim();
        let mut start = 0;
        for (i, c) in line.char_indices() {
            match c {
                '?' => {
                    let sentence = line[start..=i].trim().trim_matches(['*', '_', '`']).trim();
                    if sentence.chars().any(char::is_alphabetic) {
                        out.push(sentence.to_string());
                    }
                    start = i + 1;
                }
                '.' | '!' | ';' => start = i + 1,
                _ => {}
            }
        }
    }
    out
}

/// The open questions of an incident: missing key moments first (in their
/// order), then the timeline's questions, each after the time it was
/// written at (`events` in timeline order, as (time shown, text)).
pub fn open_questions(moments: &KeyMoments, events: &[(String, String)]) -> Vec<String> {
    let mut out: Vec<String> = KeyMoment::ALL
        .into_iter()
        .filter(|m| moments.get(*m).is_none())
        .map(|m| format!("{} (not recorded)", moment_question(m)))
        .collect();
    for (at, text) in events {
        out.extend(questions_in(text).into_iter().map(|q| format!("{at}: {q}")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    #[test]
    fn questions_are_whole_sentences_ending_in_a_question_mark() {
        assert_eq!(
            questions_in("Rolled back. Why did the canary pass? Checking.\n- *Was the flag on?*"),
            ["Why did the canary pass?", "Was the flag on?"]
        );
        assert_eq!(questions_in("No questions here. ???"), Vec::<String>::new());
        assert_eq!(
            questions_in("> [10:02] <sam> is it DNS?"),
            ["[10:02] <sam> is it DNS?"]
        );
    }

    #[test]
    fn missing_moments_come_first_then_the_timeline_questions() {
        let at = Utc.with_ymd_and_hms(2026, 3, 4, 10, 0, 0).unwrap();
        let mut moments = KeyMoments::default();
        for m in KeyMoment::ALL {
            if m != KeyMoment::Notified && m != KeyMoment::Resolved {
                moments = moments.with(m, at);
            }
        }
        let questions = open_questions(
            &moments,
            &[
                ("10:04".into(), "Paged the database team.".into()),
                ("10:09".into(), "Who owns the cache config?".into()),
            ],
        );
        assert_eq!(
            questions,
            [
                "When were responders paged or stakeholders told? (not recorded)",
                "When was the incident fully closed? (not recorded)",
                "10:09: Who owns the cache config?",
            ]
        );
    }
}
