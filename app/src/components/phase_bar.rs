//! The phase bar: the five phases of an incident drawn to scale as SVG, so it
//! renders on the server, without JavaScript and in print. Phases that cannot be
//! measured are drawn as labelled gaps; a span covering several phases is drawn
//! as one segment that says which phases it covers.

use leptos::prelude::*;

use chrono::{DateTime, Utc};

use crate::domain::duration_text::human_duration;
use crate::domain::moments::KeyMoments;
use crate::domain::phases::{PhaseBreakdown, Span};
use crate::domain::timeline::EventTick;

/// Ticks placed on the bar: one per SVG unit, however many events share it.
#[derive(Debug, Clone, PartialEq)]
struct PlacedTicks {
    /// (x, events at that x, any of them marks a moment)
    at: Vec<(u32, usize, bool)>,
    /// Events before impact started (or the first known moment).
    before: usize,
    /// Events after repair (or the last known moment).
    after: usize,
    /// Events inside a stretch whose length is unknown.
    unplaced: usize,
}

/// Where each event falls on the bar: inside a span whose two ends are
/// known, to scale; otherwise counted, so the text can say so.
fn place_ticks(
    spans: &[Span],
    positions: &[(f64, f64)],
    moments: &KeyMoments,
    ticks: &[EventTick],
) -> PlacedTicks {
    let bounds: Vec<Option<(DateTime<Utc>, DateTime<Utc>)>> = spans
        .iter()
        .map(|s| Some((moments.at(s.from)?, moments.at(s.to)?)))
        .collect();
    let first = spans.first().and_then(|s| moments.at(s.from));
    let last = spans.last().and_then(|s| moments.at(s.to));
    let mut buckets: std::collections::BTreeMap<u32, (usize, bool)> = Default::default();
    let (mut before, mut after, mut unplaced) = (0, 0, 0);
    for tick in ticks {
        if first.is_some_and(|f| tick.at < f) {
            before += 1;
            continue;
        }
        if last.is_some_and(|l| tick.at > l) {
            after += 1;
            continue;
        }
        let found = bounds.iter().zip(positions).find_map(|(b, (x, w))| {
            let (from, to) = (*b)?;
            if tick.at < from || tick.at > to {
                return None;
            }
            let length = (to - from).num_seconds().max(1) as f64;
            let into = (tick.at - from).num_seconds() as f64;
            Some(x + (w - 2.0).max(1.0) * into / length)
        });
        match found {
            Some(x) => {
                let slot = buckets
                    .entry(x.round().clamp(0.0, WIDTH) as u32)
                    .or_default();
                slot.0 += 1;
                slot.1 |= tick.marks_moment;
            }
            None => unplaced += 1,
        }
    }
    PlacedTicks {
        at: buckets.into_iter().map(|(x, (n, m))| (x, n, m)).collect(),
        before,
        after,
        unplaced,
    }
}

fn events(n: usize) -> String {
    if n == 1 {
        "1 event".into()
    } else {
        format!("{n} events")
    }
}

/// The sentence about events the bar cannot show to scale.
fn ticks_text(placed: &PlacedTicks) -> Option<String> {
    let shown: usize = placed.at.iter().map(|(_, n, _)| n).sum();
    let mut parts = Vec::new();
    if shown > 0 {
        parts.push(format!("{} drawn as ticks", events(shown)));
    }
    if placed.before > 0 {
        parts.push(format!("{} before impact started", events(placed.before)));
    }
    if placed.after > 0 {
        parts.push(format!("{} after repair", events(placed.after)));
    }
    if placed.unplaced > 0 {
        parts.push(format!(
            "{} in stretches of unknown length",
            events(placed.unplaced)
        ));
    }
    (!parts.is_empty()).then(|| format!("Timeline: {}.", parts.join("; ")))
}

const WIDTH: f64 = 1000.0;
/// Width given to a span whose length is unknown.
const GAP_WIDTH: f64 = 90.0;
/// Smallest width of a measured span, so a zero-length phase stays visible.
const MIN_WIDTH: f64 = 6.0;

/// Where each span sits on the bar, in SVG units.
fn layout(spans: &[Span]) -> Vec<(f64, f64)> {
    let unknown = spans.iter().filter(|s| s.seconds.is_none()).count() as f64;
    let known: Vec<f64> = spans
        .iter()
        .filter_map(|s| s.seconds)
        .map(|s| s.max(0) as f64)
        .collect();
    let total: f64 = known.iter().sum();
    let room = (WIDTH - unknown * GAP_WIDTH).max(0.0);
    let raw: Vec<f64> = spans
        .iter()
        .map(|s| match s.seconds {
            None => GAP_WIDTH,
            Some(sec) if total > 0.0 => (sec.max(0) as f64 / total * room).max(MIN_WIDTH),
            Some(_) => room / known.len().max(1) as f64,
        })
        .collect();
    let scale = WIDTH / raw.iter().sum::<f64>().max(1.0);
    let mut x = 0.0;
    raw.into_iter()
        .map(|w| {
            let w = w * scale;
            let at = (x, w);
            x += w;
            at
        })
        .collect()
}

fn span_label(span: &Span) -> String {
    let phases = span.phase_list();
    match span.seconds {
        Some(s) if span.phases.len() == 1 => format!("{phases}: {}", human_duration(s)),
        Some(s) => format!("{phases} (not split): {}", human_duration(s)),
        None => format!("{phases}: missing"),
    }
}

/// The style of a span: its phase, a covering span, or a gap.
fn kind_class(span: &Span) -> String {
    match (span.seconds, span.phases.as_slice()) {
        (None, _) => "gap".to_string(),
        (Some(_), [one]) => format!("phase-{}", one.code()),
        (Some(_), _) => "covering".to_string(),
    }
}

/// One-sentence text alternative for the whole bar.
pub fn describe(breakdown: &PhaseBreakdown) -> String {
    let parts: Vec<String> = breakdown.spans.iter().map(span_label).collect();
    let impact = breakdown
        .impact_seconds
        .map(|s| format!("Impact lasted {}.", human_duration(s)))
        .unwrap_or_else(|| "Impact duration is missing.".into());
    format!("Phases in order: {}. {impact}", parts.join("; "))
}

#[component]
pub fn PhaseBar(
    breakdown: PhaseBreakdown,
    #[prop(optional)] moments: KeyMoments,
    #[prop(optional)] ticks: Vec<EventTick>,
) -> impl IntoView {
    let positions = layout(&breakdown.spans);
    let placed = place_ticks(&breakdown.spans, &positions, &moments, &ticks);
    let tick_sentence = ticks_text(&placed);
    let description = match &tick_sentence {
        Some(t) => format!("{} {t}", describe(&breakdown)),
        None => describe(&breakdown),
    };
    let tick_marks = placed
        .at
        .iter()
        .map(|&(x, n, marks)| {
            let (y1, class) = if marks {
                (2, "tick moment")
            } else {
                (40, "tick")
            };
            view! {
                <line x1=x x2=x y1=y1 y2="52" class=class><title>{events(n)}</title></line>
            }
        })
        .collect_view();
    let legend = breakdown
        .spans
        .iter()
        .map(|span| {
            view! { <li><span class=format!("swatch {}", kind_class(span)) aria-hidden="true"></span>{span_label(span)}</li> }
        })
        .collect_view();
    let segments = breakdown
        .spans
        .iter()
        .zip(positions)
        .enumerate()
        .map(|(i, (span, (x, w)))| {
            let label = span_label(span);
            let class = format!("segment {}", kind_class(span));
            let show_label = w >= 70.0;
            let phases = span.phases.iter().map(|p| p.code()).collect::<Vec<_>>().join(" ");
            let text_y = if i % 2 == 0 { 62.0 } else { 78.0 };
            view! {
                <g class=class data-phases=phases>
                    <rect x=format!("{x:.1}") y="8" width=format!("{:.1}", (w - 2.0).max(1.0)) height="36" rx="3">
                        <title>{label.clone()}</title>
                    </rect>
                    {show_label.then(|| view! {
                        <text x=format!("{:.1}", x + 4.0) y=format!("{text_y}") class="segment-label">{label}</text>
                    })}
                </g>
            }
        })
        .collect_view();
    view! {
        <figure class="phase-bar">
            <svg viewBox="0 0 1000 86" role="img" aria-labelledby="phase-bar-title phase-bar-desc" preserveAspectRatio="xMinYMin meet">
                <title id="phase-bar-title">"Phases of the incident, to scale"</title>
                <desc id="phase-bar-desc">{description.clone()}</desc>
                <defs>
                    <pattern id="gap-hatch" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
                        <rect width="8" height="8" class="gap-back"/>
                        <line x1="0" y1="0" x2="0" y2="8" class="gap-line"/>
                    </pattern>
                </defs>
                {segments}
                <g class="ticks">{tick_marks}</g>
            </svg>
            <figcaption>
                <ul class="legend">{legend}</ul>
                {breakdown.impact_seconds.map(|s| format!("Impact lasted {}.", human_duration(s)))}
                {tick_sentence.map(|t| view! { " " <span class="ticks-text">{t}</span> })}
            </figcaption>
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::moments::{KeyMoment, KeyMoments};
    use chrono::{TimeZone, Utc};

    fn t(m: i64) -> chrono::DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 4, 10, 0, 0).unwrap() + chrono::Duration::minutes(m)
    }

    #[test]
    fn layout_fills_the_bar_and_scales_known_spans() {
        let moments = KeyMoments::default()
            .with(KeyMoment::ImpactStarted, t(0))
            .with(KeyMoment::Detected, t(10))
            .with(KeyMoment::Notified, t(30))
            .with(KeyMoment::Responded, t(30))
            .with(KeyMoment::Diagnosed, t(60))
            .with(KeyMoment::Repaired, t(100));
        let b = PhaseBreakdown::derive(&moments);
        let pos = layout(&b.spans);
        let total: f64 = pos.iter().map(|(_, w)| w).sum();
        assert!((total - WIDTH).abs() < 0.01);
        // detect (10 min) is half of notify (20 min)
        assert!((pos[1].1 / pos[0].1 - 2.0).abs() < 0.1, "{pos:?}");
        // the zero-length respond phase is still visible
        assert!(pos[2].1 > 0.0);
    }

    #[test]
    fn unknown_spans_become_labelled_gaps() {
        let moments = KeyMoments::default()
            .with(KeyMoment::Detected, t(0))
            .with(KeyMoment::Repaired, t(60));
        let b = PhaseBreakdown::derive(&moments);
        let labels: Vec<String> = b.spans.iter().map(span_label).collect();
        assert_eq!(
            labels,
            vec![
                "detect: missing",
                "notify, respond, troubleshoot and repair (not split): 1 h"
            ]
        );
        assert!(describe(&b).contains("Impact duration is missing"));
    }

    #[test]
    fn ticks_fall_inside_their_span_to_scale_and_the_rest_are_counted() {
        let moments = KeyMoments::default()
            .with(KeyMoment::ImpactStarted, t(0))
            .with(KeyMoment::Detected, t(10))
            .with(KeyMoment::Repaired, t(100));
        let b = PhaseBreakdown::derive(&moments);
        let pos = layout(&b.spans);
        let tick = |m: i64, marks_moment: bool| EventTick {
            at: t(m),
            marks_moment,
        };
        let ticks = [
            tick(-30, false), // the change that set it up
            tick(0, true),
            tick(5, false),
            tick(5, false),
            tick(55, false),
            tick(130, false),
        ];
        let placed = place_ticks(&b.spans, &pos, &moments, &ticks);
        assert_eq!((placed.before, placed.after, placed.unplaced), (1, 1, 0));
        // Two events at the same time share one tick; the moment tick is marked.
        assert_eq!(placed.at.len(), 3, "{placed:?}");
        assert_eq!(placed.at[0], (0, 1, true));
        assert_eq!(placed.at[1].1, 2);
        // Halfway through the detect span (10 min) sits halfway along its segment.
        let (x0, w0) = pos[0];
        let expected = x0 + (w0 - 2.0) / 2.0;
        assert!(
            (f64::from(placed.at[1].0) - expected).abs() <= 1.0,
            "{placed:?} {pos:?}"
        );
        let text = ticks_text(&placed).unwrap();
        assert!(text.contains("1 event before impact started"), "{text}");
        assert!(text.contains("1 event after repair"), "{text}");
    }
}
