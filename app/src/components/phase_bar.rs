//! The phase bar: the five phases of an incident drawn to scale as SVG, so it
//! renders on the server, without JavaScript and in print. Phases that cannot be
//! measured are drawn as labelled gaps; a span covering several phases is drawn
//! as one segment that says which phases it covers.

use leptos::prelude::*;

use crate::domain::duration_text::human_duration;
use crate::domain::phases::{PhaseBreakdown, Span};

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
pub fn PhaseBar(breakdown: PhaseBreakdown) -> impl IntoView {
    let positions = layout(&breakdown.spans);
    let description = describe(&breakdown);
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
            </svg>
            <figcaption>
                <ul class="legend">{legend}</ul>
                {breakdown.impact_seconds.map(|s| format!("Impact lasted {}.", human_duration(s)))}
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
}
