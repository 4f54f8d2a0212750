//! The report's plots as SVG, drawn on the server so that they appear
//! without JavaScript and in print. Each has a title, labelled axes with
//! units, and says where its table alternative is; every text is escaped.

use std::fmt::Write;

use super::duration_text::human_duration;
use super::html_text::escape_text;
use super::incident::Cynefin;
use super::report::{MetricValue, MonthPoint};
use super::statistics::quantile;

const WIDTH: f64 = 640.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 20.0;

/// Log-scale ticks, in seconds, with their labels.
const TICKS: [(f64, &str); 10] = [
    (1.0, "1 s"),
    (10.0, "10 s"),
    (60.0, "1 min"),
    (600.0, "10 min"),
    (3600.0, "1 h"),
    (6.0 * 3600.0, "6 h"),
    (86400.0, "1 d"),
    (7.0 * 86400.0, "1 wk"),
    (30.0 * 86400.0, "30 d"),
    (365.0 * 86400.0, "1 yr"),
];

/// A log axis from a tick at or below `low` to one at or above `high`.
struct LogAxis {
    low: f64,
    high: f64,
    start: f64,
    length: f64,
}

impl LogAxis {
    fn new(low: f64, high: f64, start: f64, length: f64) -> Self {
        let low = TICKS
            .iter()
            .rev()
            .map(|t| t.0)
            .find(|t| *t <= low.max(1.0))
            .unwrap_or(1.0);
        let high = TICKS
            .iter()
            .map(|t| t.0)
            .find(|t| *t >= high.max(1.0) && *t > low)
            .unwrap_or(TICKS[TICKS.len() - 1].0);
        LogAxis {
            low: low.ln(),
            high: high.ln(),
            start,
            length,
        }
    }

    fn at(&self, seconds: f64) -> f64 {
        let v = seconds.max(1.0).ln();
        self.start + (v - self.low) / (self.high - self.low).max(1e-9) * self.length
    }

    fn ticks(&self) -> impl Iterator<Item = &'static (f64, &'static str)> + '_ {
        TICKS
            .iter()
            .filter(|t| t.0.ln() >= self.low - 1e-9 && t.0.ln() <= self.high + 1e-9)
    }
}

fn open(out: &mut String, id: &str, height: f64, title: &str, description: &str) {
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="plot" viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="{id}-title {id}-desc"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"#,
        escape_text(title),
        escape_text(description),
    );
}

/// Above this many incidents a strip plot draws a box instead of a dot per
/// incident (the dots would blur into a bar and weigh megabytes).
pub const STRIP_DOTS: usize = 300;

/// Outliers labelled with their number; the rest are marked without a label
/// (the outlier table lists them all).
const LABELLED_OUTLIERS: usize = 12;

/// In a box plot, at most this many outliers are drawn, the longest (the
/// outlier table and the exports hold every one).
pub const DRAWN_OUTLIERS: usize = 100;

/// A strip plot of one metric's durations (`values` shortest first) on a log
/// axis: each incident a dot, or above [`STRIP_DOTS`] incidents a box from
/// the 25th to the 75th percentile with whiskers to the longest and
/// shortest value that is no outlier. Outliers are always dots, larger,
/// highlighted, the longest labelled with their number; the median is a
/// line.
pub fn strip_plot(id: &str, label: &str, values: &[MetricValue], median: Option<f64>) -> String {
    let height = 150.0;
    let boxed = values.len() > STRIP_DOTS;
    let mut out = String::new();
    open(
        &mut out,
        id,
        height,
        &format!(
            "{label}: {}, log scale",
            if boxed {
                "distribution and outliers"
            } else {
                "every incident"
            }
        ),
        if boxed {
            "The box spans the middle half of the incidents, the whiskers the rest that are no outliers; outliers are dots labelled with their number. The tables after the plot give the figures."
        } else {
            "Each dot is one incident; outliers are marked and labelled with their number. The tables after the plot give the figures."
        },
    );
    let low = values.first().map_or(1.0, |v| v.seconds as f64);
    let high = values.last().map_or(3600.0, |v| v.seconds as f64);
    let axis = LogAxis::new(low, high, LEFT, WIDTH - LEFT - RIGHT);
    let base = 105.0;
    axis_line(&mut out, &axis, base, "Duration (log scale)");
    if boxed {
        draw_box(&mut out, &axis, values);
    }
    // The shortest outlier drawn: with many, only the longest are.
    let drawn_from = if boxed {
        values
            .iter()
            .rev()
            .filter(|v| v.outlier)
            .nth(DRAWN_OUTLIERS - 1)
            .map_or(0, |v| v.seconds)
    } else {
        0
    };
    for (i, v) in values.iter().enumerate() {
        if boxed && (!v.outlier || v.seconds < drawn_from) {
            continue;
        }
        let x = axis.at(v.seconds as f64);
        // A fixed jitter so that equal values stay visible.
        let y = DOTS_TOP + (i * 37 % 29) as f64;
        let class = if v.outlier { "dot outlier" } else { "dot" };
        let r = if v.outlier { 5.0 } else { 3.0 };
        let _ = write!(
            out,
            r#"<circle class="{class}" cx="{x:.1}" cy="{y:.1}" r="{r}"><title>#{} {}: {}</title></circle>"#,
            v.number,
            escape_text(&v.title),
            human_duration(v.seconds)
        );
    }
    label_outliers(&mut out, &axis, values);
    if let Some(m) = median {
        let x = axis.at(m);
        let _ = write!(
            out,
            r#"<line class="median" x1="{x:.1}" x2="{x:.1}" y1="18" y2="{base}"/><text class="median-label" x="{x:.1}" y="13" text-anchor="middle">median {}</text>"#,
            human_duration(m.round() as i64)
        );
    }
    out.push_str("</svg>");
    out
}

/// Where the dots start; labels sit in rows above them.
const DOTS_TOP: f64 = 58.0;
/// The rows outlier labels go in, and the room one label needs.
const LABEL_ROWS: [f64; 2] = [31.0, 45.0];
const LABEL_WIDTH: f64 = 34.0;

/// Labels the longest outliers with their number, in two rows above the
/// dots; a label that would overlap another in both rows is left out (the
/// dot's own title and the outlier table still name it).
fn label_outliers(out: &mut String, axis: &LogAxis, values: &[MetricValue]) {
    let mut chosen: Vec<&MetricValue> = values
        .iter()
        .rev()
        .filter(|v| v.outlier)
        .take(LABELLED_OUTLIERS)
        .collect();
    // The longest first: they matter most, so they get room first.
    chosen.sort_by_key(|v| std::cmp::Reverse(v.seconds));
    let mut placed: Vec<(f64, usize)> = Vec::new();
    for v in chosen {
        let x = axis.at(v.seconds as f64);
        let free = (0..LABEL_ROWS.len()).find(|&row| {
            placed
                .iter()
                .all(|&(px, prow)| prow != row || (px - x).abs() >= LABEL_WIDTH)
        });
        if let Some(row) = free {
            placed.push((x, row));
            let _ = write!(
                out,
                r#"<text class="outlier-label" x="{x:.1}" y="{:.1}" text-anchor="middle">#{}</text>"#,
                LABEL_ROWS[row], v.number
            );
        }
    }
}

/// The box and whiskers of the values that are no outliers.
fn draw_box(out: &mut String, axis: &LogAxis, values: &[MetricValue]) {
    let typical: Vec<f64> = values
        .iter()
        .filter(|v| !v.outlier)
        .map(|v| v.seconds as f64)
        .collect();
    let (Some(q1), Some(q3), Some(&min), Some(&max)) = (
        quantile(&typical, 0.25),
        quantile(&typical, 0.75),
        typical.first(),
        typical.last(),
    ) else {
        return;
    };
    let (x1, x3) = (axis.at(q1), axis.at(q3));
    let (x_min, x_max) = (axis.at(min), axis.at(max));
    let _ = write!(
        out,
        r#"<line class="whisker" x1="{x_min:.1}" x2="{x1:.1}" y1="73" y2="73"/><line class="whisker" x1="{x3:.1}" x2="{x_max:.1}" y1="73" y2="73"/><rect class="box" x="{x1:.1}" y="58" width="{:.1}" height="30"><title>Middle half: {} to {}</title></rect>"#,
        (x3 - x1).max(1.0),
        human_duration(q1.round() as i64),
        human_duration(q3.round() as i64)
    );
}

fn axis_line(out: &mut String, axis: &LogAxis, y: f64, label: &str) {
    let _ = write!(
        out,
        r#"<line class="axis" x1="{:.1}" x2="{:.1}" y1="{y}" y2="{y}"/>"#,
        axis.start,
        axis.start + axis.length
    );
    for (seconds, text) in axis.ticks() {
        let x = axis.at(*seconds);
        let _ = write!(
            out,
            r#"<line class="tick" x1="{x:.1}" x2="{x:.1}" y1="{y}" y2="{:.1}"/><text class="tick-label" x="{x:.1}" y="{:.1}" text-anchor="middle">{text}</text>"#,
            y + 5.0,
            y + 17.0
        );
    }
    let _ = write!(
        out,
        r#"<text class="axis-label" x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
        axis.start + axis.length / 2.0,
        y + 33.0,
        escape_text(label)
    );
}

/// The monthly median of one metric, a line on a log axis of durations.
pub fn trend_plot(id: &str, label: &str, trend: &[MonthPoint]) -> String {
    let height = 220.0;
    let top = 20.0;
    let bottom = 170.0;
    let mut out = String::new();
    open(
        &mut out,
        id,
        height,
        &format!("{label}: median by month"),
        "The median of each month with incidents; the table after the plot gives the values and counts.",
    );
    let medians: Vec<f64> = trend.iter().filter_map(|p| p.median).collect();
    let low = medians.iter().copied().fold(f64::INFINITY, f64::min);
    let high = medians.iter().copied().fold(0.0, f64::max);
    let axis = LogAxis::new(
        if low.is_finite() { low } else { 1.0 },
        high.max(60.0),
        bottom,
        top - bottom,
    );
    let _ = write!(
        out,
        r#"<line class="axis" x1="{LEFT}" x2="{LEFT}" y1="{top}" y2="{bottom}"/><line class="axis" x1="{LEFT}" x2="{}" y1="{bottom}" y2="{bottom}"/>"#,
        WIDTH - RIGHT
    );
    for (seconds, text) in axis.ticks() {
        let y = axis.at(*seconds);
        let _ = write!(
            out,
            r#"<line class="grid" x1="{LEFT}" x2="{}" y1="{y:.1}" y2="{y:.1}"/><text class="tick-label" x="{:.1}" y="{:.1}" text-anchor="end">{text}</text>"#,
            WIDTH - RIGHT,
            LEFT - 6.0,
            y + 4.0
        );
    }
    let step = (WIDTH - LEFT - RIGHT) / trend.len().max(1) as f64;
    let mut points = Vec::new();
    let label_every = trend.len().div_ceil(12).max(1);
    for (i, p) in trend.iter().enumerate() {
        let x = LEFT + step * (i as f64 + 0.5);
        if i % label_every == 0 {
            let _ = write!(
                out,
                r#"<text class="tick-label" x="{x:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
                bottom + 16.0,
                escape_text(&p.month)
            );
        }
        if let Some(m) = p.median {
            let y = axis.at(m);
            points.push(format!("{x:.1},{y:.1}"));
            let _ = write!(
                out,
                r#"<circle class="dot" cx="{x:.1}" cy="{y:.1}" r="3"><title>{}: median {} of {} incidents</title></circle>"#,
                escape_text(&p.month),
                human_duration(m.round() as i64),
                p.count
            );
        }
    }
    if points.len() > 1 {
        let _ = write!(
            out,
            r#"<polyline class="trend" points="{}"/>"#,
            points.join(" ")
        );
    }
    let _ = write!(
        out,
        r#"<text class="axis-label" x="{:.1}" y="{:.1}" text-anchor="middle">Month</text><text class="axis-label" transform="translate(14 {:.1}) rotate(-90)" text-anchor="middle">Median duration (log scale)</text></svg>"#,
        LEFT + (WIDTH - LEFT - RIGHT) / 2.0,
        height - 10.0,
        (top + bottom) / 2.0
    );
    out
}

/// The Cynefin matrix: first reading (rows) by hindsight (columns), counts
/// in the cells, the diagonal (the reading held) and the rest (it changed)
/// drawn differently.
pub fn cynefin_matrix(id: &str, matrix: &[Vec<usize>]) -> String {
    let cell = 80.0;
    let left = 120.0;
    let top = 60.0;
    let n = Cynefin::ALL.len() as f64;
    let height = top + cell * n + 20.0;
    let mut out = String::new();
    open(
        &mut out,
        id,
        height,
        "Cynefin: first reading by hindsight",
        "Rows: how responders first read the situation; columns: how it looks in hindsight. Cells on the diagonal are readings that held; the others changed. The table after the plot gives the same counts.",
    );
    let _ = write!(
        out,
        r#"<text class="axis-label" x="{:.1}" y="16" text-anchor="middle">Hindsight</text><text class="axis-label" transform="translate(14 {:.1}) rotate(-90)" text-anchor="middle">First reading</text>"#,
        left + cell * n / 2.0,
        top + cell * n / 2.0
    );
    for (j, domain) in Cynefin::ALL.iter().enumerate() {
        let _ = write!(
            out,
            r#"<text class="tick-label" x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            left + cell * (j as f64 + 0.5),
            top - 10.0,
            domain.label()
        );
    }
    for (i, domain) in Cynefin::ALL.iter().enumerate() {
        let y = top + cell * i as f64;
        let _ = write!(
            out,
            r#"<text class="tick-label" x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            left - 8.0,
            y + cell / 2.0 + 4.0,
            domain.label()
        );
        for j in 0..Cynefin::ALL.len() {
            let count = matrix.get(i).and_then(|r| r.get(j)).copied().unwrap_or(0);
            let class = match (i == j, count > 0) {
                (true, _) => "cell held",
                (false, true) => "cell changed",
                (false, false) => "cell empty",
            };
            let x = left + cell * j as f64;
            let _ = write!(
                out,
                r#"<rect class="{class}" x="{x:.1}" y="{y:.1}" width="{cell}" height="{cell}"/><text class="count" x="{:.1}" y="{:.1}" text-anchor="middle">{count}</text>"#,
                x + cell / 2.0,
                y + cell / 2.0 + 6.0
            );
        }
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(number: i64, seconds: i64, outlier: bool) -> MetricValue {
        MetricValue {
            number,
            title: format!("<b>{number}</b>").into(),
            seconds,
            score: None,
            outlier,
        }
    }

    #[test]
    fn strip_plot_labels_outliers_and_escapes_titles() {
        let svg = strip_plot(
            "detect",
            "Time to detect",
            &[
                value(1, 300, false),
                value(2, 600, false),
                value(3, 86400, true),
            ],
            Some(600.0),
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains(
            "<title id=\"detect-title\">Time to detect: every incident, log scale</title>"
        ));
        assert!(svg.contains("Duration (log scale)"));
        assert_eq!(svg.matches("class=\"dot outlier\"").count(), 1);
        assert!(svg.contains(">#3</text>"));
        assert!(svg.contains("median 10 min"));
        assert!(svg.contains("&lt;b&gt;3&lt;/b&gt;") && !svg.contains("<b>"));
        // Ticks cover the values: 1 min to 1 d.
        assert!(svg.contains(">1 min<") && svg.contains(">1 d<"));
    }

    #[test]
    fn many_incidents_draw_a_box_and_only_the_outliers_as_dots() {
        let mut values: Vec<MetricValue> = (1..=1000).map(|n| value(n, 600 + n, false)).collect();
        values.extend((1001..=1020).map(|n| value(n, 86_400 + n, true)));
        let svg = strip_plot("repair", "Time to repair", &values, Some(1100.0));
        assert!(svg.contains("distribution and outliers"));
        assert_eq!(svg.matches("<rect class=\"box\"").count(), 1);
        assert_eq!(svg.matches("<circle").count(), 20);
        // Only the longest are labelled, as many as fit without overlap;
        // the others are only marked.
        let labels = svg.matches("class=\"outlier-label\"").count();
        assert!((1..=12).contains(&labels), "{labels} labels");
        assert!(svg.contains(">#1020</text>") && !svg.contains(">#1001</text>"));
        assert!(svg.len() < 20_000, "{} bytes", svg.len());
        // Many outliers: only the longest hundred are drawn.
        let mut values: Vec<MetricValue> = (1..=1000).map(|n| value(n, 600 + n, false)).collect();
        values.extend((1001..=1500).map(|n| value(n, 86_400 + n, true)));
        let svg = strip_plot("repair", "Time to repair", &values, Some(1100.0));
        assert_eq!(svg.matches("<circle").count(), DRAWN_OUTLIERS);
        assert!(svg.contains("<title>#1500 ") && !svg.contains("<title>#1001 "));
    }

    #[test]
    fn outlier_labels_never_overlap() {
        let mut values: Vec<MetricValue> = (1..=20).map(|n| value(n, 600 + n, false)).collect();
        // Five outliers within seconds of each other, one far away.
        values.extend((21..=25).map(|n| value(n, 86_400 + n, true)));
        values.push(value(26, 20 * 86_400, true));
        let svg = strip_plot("d", "Time to detect", &values, None);
        let xs: Vec<(f64, f64)> = svg
            .match_indices("class=\"outlier-label\" x=\"")
            .map(|(i, m)| {
                let rest = &svg[i + m.len()..];
                let x: f64 = rest[..rest.find('"').unwrap()].parse().unwrap();
                let y_at = rest.find("y=\"").unwrap() + 3;
                let y: f64 = rest[y_at..y_at + rest[y_at..].find('"').unwrap()]
                    .parse()
                    .unwrap();
                (x, y)
            })
            .collect();
        // The far one and two of the cluster (one per row).
        assert_eq!(xs.len(), 3, "{xs:?}");
        assert!(svg.contains(">#26</text>"));
        for (i, a) in xs.iter().enumerate() {
            for b in &xs[i + 1..] {
                assert!(
                    a.1 != b.1 || (a.0 - b.0).abs() >= LABEL_WIDTH,
                    "{a:?} {b:?}"
                );
            }
        }
    }

    #[test]
    fn log_axis_places_ticks_in_order() {
        let axis = LogAxis::new(300.0, 86400.0, 0.0, 100.0);
        assert!(axis.at(60.0) < axis.at(3600.0));
        assert!((axis.at(60.0) - 0.0).abs() < 1e-9);
        assert!((axis.at(86400.0) - 100.0).abs() < 1e-9);
        // Zero seconds is drawn at one second, not at minus infinity.
        assert!(axis.at(0.0).is_finite());
    }

    #[test]
    fn matrix_tells_the_diagonal_from_the_rest() {
        let mut m = vec![vec![0; 5]; 5];
        m[1][2] = 3;
        m[2][2] = 4;
        let svg = cynefin_matrix("cynefin", &m);
        assert_eq!(svg.matches("class=\"cell held\"").count(), 5);
        assert_eq!(svg.matches("class=\"cell changed\"").count(), 1);
        assert!(svg.contains("First reading") && svg.contains("Hindsight"));
    }

    #[test]
    fn trend_draws_a_point_per_month_with_a_median() {
        let trend = [
            MonthPoint {
                month: "2026-01".into(),
                count: 2,
                median: Some(600.0),
            },
            MonthPoint {
                month: "2026-02".into(),
                count: 1,
                median: Some(1200.0),
            },
        ];
        let svg = trend_plot("t", "Time to repair", &trend);
        assert_eq!(svg.matches("<circle").count(), 2);
        assert!(svg.contains("<polyline"));
        assert!(svg.contains("Median duration (log scale)") && svg.contains(">Month<"));
    }
}
