//! The five phases of an incident and the durations derived from its key moments.
//!
//! Impact started → detected → notified → responded → diagnosed → repaired: each
//! consecutive pair bounds one phase, and together they add up to the impact
//! duration. A missing moment makes both phases beside it missing (never zero,
//! never merged into a neighbour); the span between the nearest known moments is
//! still reported, labelled with the phases it covers.

use serde::{Deserialize, Serialize};

use super::duration_text::human_duration;
use super::moments::{KeyMoment, KeyMoments};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Detect,
    Notify,
    Respond,
    Troubleshoot,
    Repair,
}

impl Phase {
    pub const ALL: [Phase; 5] = [
        Phase::Detect,
        Phase::Notify,
        Phase::Respond,
        Phase::Troubleshoot,
        Phase::Repair,
    ];

    /// The moment this phase starts at.
    pub fn from(self) -> KeyMoment {
        CHAIN[self as usize]
    }

    /// The moment this phase ends at.
    pub fn to(self) -> KeyMoment {
        CHAIN[self as usize + 1]
    }

    pub fn code(self) -> &'static str {
        match self {
            Phase::Detect => "detect",
            Phase::Notify => "notify",
            Phase::Respond => "respond",
            Phase::Troubleshoot => "troubleshoot",
            Phase::Repair => "repair",
        }
    }

    pub fn name(self) -> &'static str {
        self.code()
    }

    /// "Time to detect", as shown in tables.
    pub fn metric_label(self) -> &'static str {
        match self {
            Phase::Detect => "Time to detect",
            Phase::Notify => "Time to notify",
            Phase::Respond => "Time to respond",
            Phase::Troubleshoot => "Time to troubleshoot",
            Phase::Repair => "Time to repair",
        }
    }
}

/// The moments that bound the phases, in order.
const CHAIN: [KeyMoment; 6] = [
    KeyMoment::ImpactStarted,
    KeyMoment::Detected,
    KeyMoment::Notified,
    KeyMoment::Responded,
    KeyMoment::Diagnosed,
    KeyMoment::Repaired,
];

/// A stretch of the incident between two moments, covering one or more phases.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    pub from: KeyMoment,
    pub to: KeyMoment,
    /// The phases inside the span, in order; more than one when moments between
    /// `from` and `to` are missing.
    pub phases: Vec<Phase>,
    /// Seconds from `from` to `to`, when both are known.
    pub seconds: Option<i64>,
}

impl Span {
    /// True when the span is exactly one phase with both ends known.
    pub fn is_single_known_phase(&self) -> bool {
        self.phases.len() == 1 && self.seconds.is_some()
    }

    /// "respond and troubleshoot" / "detect, notify and respond".
    pub fn phase_list(&self) -> String {
        let names: Vec<&str> = self.phases.iter().map(|p| p.name()).collect();
        match names.as_slice() {
            [] => String::new(),
            [one] => (*one).to_string(),
            [init @ .., last] => format!("{} and {last}", init.join(", ")),
        }
    }

    /// How a covering span reads, e.g.
    /// "Responded → Repaired: 2 h 10 min (troubleshoot and repair, not split)".
    pub fn describe(&self) -> String {
        let value = match self.seconds {
            Some(s) => human_duration(s),
            None => "unknown".to_string(),
        };
        let head = format!("{} → {}: {value}", self.from.label(), self.to.label());
        if self.phases.len() > 1 {
            format!("{head} ({}, not split)", self.phase_list())
        } else {
            head
        }
    }
}

/// Everything derived from an incident's key moments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhaseBreakdown {
    /// Spans from impact started to repaired, in order, covering every phase
    /// exactly once. Between two consecutive known moments a span has seconds;
    /// before the first or after the last known moment it has none.
    pub spans: Vec<Span>,
    /// Impact started → repaired.
    pub impact_seconds: Option<i64>,
}

impl PhaseBreakdown {
    pub fn derive(moments: &KeyMoments) -> Self {
        let known: Vec<usize> = (0..CHAIN.len())
            .filter(|&i| moments.at(CHAIN[i]).is_some())
            .collect();
        let mut cuts = vec![0];
        cuts.extend(
            known
                .iter()
                .copied()
                .filter(|&i| i != 0 && i != CHAIN.len() - 1),
        );
        cuts.push(CHAIN.len() - 1);
        let spans = cuts
            .windows(2)
            .map(|w| {
                let (from, to) = (CHAIN[w[0]], CHAIN[w[1]]);
                let seconds = match (moments.at(from), moments.at(to)) {
                    (Some(a), Some(b)) => Some((b - a).num_seconds()),
                    _ => None,
                };
                Span {
                    from,
                    to,
                    phases: Phase::ALL[w[0]..w[1]].to_vec(),
                    seconds,
                }
            })
            .collect();
        let impact_seconds = match (
            moments.at(KeyMoment::ImpactStarted),
            moments.at(KeyMoment::Repaired),
        ) {
            (Some(a), Some(b)) => Some((b - a).num_seconds()),
            _ => None,
        };
        PhaseBreakdown {
            spans,
            impact_seconds,
        }
    }

    /// The duration of one phase: known only when both its moments are.
    pub fn phase_seconds(&self, phase: Phase) -> Option<i64> {
        self.span_of(phase)
            .filter(|s| s.phases.len() == 1)
            .and_then(|s| s.seconds)
    }

    /// The span that contains `phase`.
    pub fn span_of(&self, phase: Phase) -> Option<&Span> {
        self.spans.iter().find(|s| s.phases.contains(&phase))
    }

    /// Spans with a known length that cover more than one phase: the durations
    /// that can be shown but not split.
    pub fn covering_spans(&self) -> impl Iterator<Item = &Span> {
        self.spans
            .iter()
            .filter(|s| s.phases.len() > 1 && s.seconds.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, TimeZone, Utc};

    fn t(minutes: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 4, 10, 0, 0).unwrap() + chrono::Duration::minutes(minutes)
    }

    fn full() -> KeyMoments {
        KeyMoments::default()
            .with(KeyMoment::ImpactStarted, t(0))
            .with(KeyMoment::Detected, t(6))
            .with(KeyMoment::Notified, t(10))
            .with(KeyMoment::Responded, t(13))
            .with(KeyMoment::Diagnosed, t(60))
            .with(KeyMoment::Repaired, t(95))
            .with(KeyMoment::Resolved, t(300))
    }

    #[test]
    fn five_phases_from_a_full_set_sum_to_the_impact_duration() {
        let b = PhaseBreakdown::derive(&full());
        let got: Vec<Option<i64>> = Phase::ALL.iter().map(|&p| b.phase_seconds(p)).collect();
        assert_eq!(
            got,
            vec![
                Some(360),
                Some(240),
                Some(180),
                Some(47 * 60),
                Some(35 * 60)
            ]
        );
        let sum: i64 = got.iter().map(|s| s.unwrap()).sum();
        assert_eq!(b.impact_seconds, Some(sum));
        assert_eq!(b.impact_seconds, Some(95 * 60));
        assert_eq!(b.spans.len(), 5);
        assert_eq!(b.covering_spans().count(), 0);
    }

    #[test]
    fn each_single_missing_moment_makes_its_two_neighbours_missing_and_labels_the_span() {
        // Moments strictly inside the chain: both neighbouring phases go missing and
        // one covering span with the two phases remains.
        let inner = [
            (
                KeyMoment::Detected,
                Phase::Detect,
                Phase::Notify,
                KeyMoment::ImpactStarted,
                KeyMoment::Notified,
                10 * 60,
            ),
            (
                KeyMoment::Notified,
                Phase::Notify,
                Phase::Respond,
                KeyMoment::Detected,
                KeyMoment::Responded,
                7 * 60,
            ),
            (
                KeyMoment::Responded,
                Phase::Respond,
                Phase::Troubleshoot,
                KeyMoment::Notified,
                KeyMoment::Diagnosed,
                50 * 60,
            ),
            (
                KeyMoment::Diagnosed,
                Phase::Troubleshoot,
                Phase::Repair,
                KeyMoment::Responded,
                KeyMoment::Repaired,
                82 * 60,
            ),
        ];
        for (missing, before, after, from, to, seconds) in inner {
            let mut moments = full();
            moments.set(missing, None);
            let b = PhaseBreakdown::derive(&moments);
            for phase in Phase::ALL {
                let expect_missing = phase == before || phase == after;
                assert_eq!(
                    b.phase_seconds(phase).is_none(),
                    expect_missing,
                    "{missing:?} missing: phase {phase:?}"
                );
            }
            let covering: Vec<&Span> = b.covering_spans().collect();
            assert_eq!(covering.len(), 1, "{missing:?}");
            assert_eq!((covering[0].from, covering[0].to), (from, to));
            assert_eq!(covering[0].phases, vec![before, after]);
            assert_eq!(covering[0].seconds, Some(seconds));
            assert_eq!(b.impact_seconds, Some(95 * 60), "impact stays known");
        }
    }

    #[test]
    fn missing_impact_start_leaves_detect_missing_with_no_span() {
        let mut moments = full();
        moments.set(KeyMoment::ImpactStarted, None);
        let b = PhaseBreakdown::derive(&moments);
        assert_eq!(b.phase_seconds(Phase::Detect), None);
        assert_eq!(b.span_of(Phase::Detect).unwrap().seconds, None);
        assert_eq!(b.phase_seconds(Phase::Notify), Some(240));
        assert_eq!(b.impact_seconds, None);
    }

    #[test]
    fn missing_repaired_leaves_repair_and_impact_missing() {
        let mut moments = full();
        moments.set(KeyMoment::Repaired, None);
        let b = PhaseBreakdown::derive(&moments);
        assert_eq!(b.phase_seconds(Phase::Repair), None);
        assert_eq!(b.phase_seconds(Phase::Troubleshoot), Some(47 * 60));
        assert_eq!(b.impact_seconds, None);
    }

    #[test]
    fn no_moments_means_every_phase_missing_never_zero() {
        let b = PhaseBreakdown::derive(&KeyMoments::default());
        for phase in Phase::ALL {
            assert_eq!(b.phase_seconds(phase), None);
        }
        assert_eq!(b.impact_seconds, None);
        assert_eq!(b.spans.len(), 1);
        assert_eq!(b.spans[0].phases.len(), 5);
    }

    #[test]
    fn covering_span_describes_itself_with_its_phases() {
        let mut moments = full();
        moments.set(KeyMoment::Diagnosed, None);
        let b = PhaseBreakdown::derive(&moments);
        let span = b.covering_spans().next().unwrap();
        assert_eq!(
            span.describe(),
            "Responded → Repaired: 1 h 22 min (troubleshoot and repair, not split)"
        );
    }

    #[test]
    fn resolved_is_not_part_of_any_phase() {
        let mut moments = full();
        moments.set(KeyMoment::Resolved, None);
        assert_eq!(
            PhaseBreakdown::derive(&moments),
            PhaseBreakdown::derive(&full())
        );
    }
}
