//! Robust statistics for the outlier report: percentiles, the median absolute
//! deviation, the outlier rule, bootstrap intervals for medians and Wilson
//! intervals for rates. Plain arithmetic on `f64` seconds (or any unit): no
//! incident types here, so every rule is tested against values worked out by
//! hand.
//!
//! Incident durations are heavy-tailed: a handful of long incidents would drag
//! a mean far from what a typical incident looks like. Everything here is
//! built on medians and ranks instead.

use serde::{Deserialize, Serialize};

/// Below this many values the report shows the values themselves: a
/// percentile or an outlier flag from fewer says more about chance than about
/// the incidents.
pub const MIN_FOR_STATISTICS: usize = 8;

/// The modified z-score above which a value is an outlier (Iglewicz and
/// Hoaglin's recommendation).
pub const OUTLIER_SCORE: f64 = 3.5;

/// Durations shorter than this count as this long on the log scale (a phase
/// of zero seconds has no logarithm).
pub const LOG_FLOOR_SECONDS: f64 = 1.0;

/// The `p`-th quantile (0 ≤ p ≤ 1) of `sorted` (ascending), interpolating
/// linearly between the two nearest ranks: the definition spreadsheets call
/// PERCENTILE.INC and R calls type 7. `None` for no values.
pub fn quantile(sorted: &[f64], p: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let rank = p.clamp(0.0, 1.0) * last as f64;
    let below = rank.floor() as usize;
    let above = rank.ceil() as usize;
    let (low, high) = (sorted[below], sorted[above]);
    Some(low + (high - low) * (rank - below as f64))
}

/// The median of `values` in any order: the same as [`quantile`] at 0.5 of
/// the sorted values, found by selection (linear time) rather than a sort,
/// which the report does dozens of times over 100,000 durations.
pub fn median(values: &[f64]) -> Option<f64> {
    let n = values.len();
    let last = n.checked_sub(1)?;
    let mut v = values.to_vec();
    let below = last / 2;
    let (_, &mut low, above) = v.select_nth_unstable_by(below, f64::total_cmp);
    if last % 2 == 0 {
        return Some(low);
    }
    let high = above.iter().copied().min_by(f64::total_cmp).unwrap_or(low);
    Some(low + (high - low) * 0.5)
}

/// The median absolute deviation from the median (unscaled).
pub fn mad(values: &[f64]) -> Option<f64> {
    let centre = median(values)?;
    let deviations: Vec<f64> = values.iter().map(|v| (v - centre).abs()).collect();
    median(&deviations)
}

fn sorted(values: &[f64]) -> Vec<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted
}

/// The figures the report shows for one metric.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub count: usize,
    pub median: f64,
    pub p75: f64,
    pub p90: f64,
    pub max: f64,
    /// Median absolute deviation from the median.
    pub mad: f64,
}

impl Summary {
    /// `None` for no values.
    pub fn of(values: &[f64]) -> Option<Summary> {
        Self::of_sorted(&sorted(values))
    }

    /// The same, for values already in ascending order (no copy, no sort).
    pub fn of_sorted(sorted: &[f64]) -> Option<Summary> {
        debug_assert!(sorted.is_sorted_by(|a, b| a <= b));
        Some(Summary {
            count: sorted.len(),
            median: quantile(sorted, 0.5)?,
            p75: quantile(sorted, 0.75)?,
            p90: quantile(sorted, 0.9)?,
            max: *sorted.last()?,
            mad: mad(sorted)?,
        })
    }

    /// Whether there are enough values for the figures to mean something
    /// (else the report lists the values).
    pub fn is_meaningful(&self) -> bool {
        self.count >= MIN_FOR_STATISTICS
    }
}

/// The outlier rule, on log durations: a value is an outlier when its
/// modified z-score, `0.6745 × (ln x − median) / MAD` over the logarithms of
/// all values, is above [`OUTLIER_SCORE`]. Only long durations are flagged
/// (an unusually quick detection is not a problem to look into).
///
/// When more than half the values are equal the MAD is zero; the score then
/// uses the mean absolute deviation, `(ln x − median) / (1.2533 × meanAD)`, as
/// Iglewicz and Hoaglin suggest. When every value is equal nothing stands out.
/// Below [`MIN_FOR_STATISTICS`] values nothing is flagged.
///
/// Returns, for each value in order, its score (`None` when there are too
/// few values to score).
pub fn outlier_scores(values: &[f64]) -> Vec<Option<f64>> {
    if values.len() < MIN_FOR_STATISTICS {
        return vec![None; values.len()];
    }
    let logs: Vec<f64> = values
        .iter()
        .map(|v| v.max(LOG_FLOOR_SECONDS).ln())
        .collect();
    let Some(centre) = median(&logs) else {
        return Vec::new();
    };
    let spread = mad(&logs).unwrap_or(0.0);
    let scale = if spread > 0.0 {
        spread / 0.6745
    } else {
        let mean_ad = logs.iter().map(|l| (l - centre).abs()).sum::<f64>() / logs.len() as f64;
        1.253_314 * mean_ad
    };
    logs.iter()
        .map(|l| {
            Some(if scale > 0.0 {
                (l - centre) / scale
            } else {
                0.0
            })
        })
        .collect()
}

/// Whether a score from [`outlier_scores`] marks an outlier.
pub fn is_outlier(score: Option<f64>) -> bool {
    score.is_some_and(|s| s > OUTLIER_SCORE)
}

/// A two-sided interval.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
}

/// Resamples drawn for a bootstrap interval.
pub const BOOTSTRAP_RESAMPLES: usize = 2000;

/// Above this many values [`median_interval`] stops resampling and reads
/// the interval off the sorted values (see there).
pub const BOOTSTRAP_LIMIT: usize = 500;

/// A 95% percentile-bootstrap interval for the median of `values`. The
/// resampling is seeded from the values themselves, so the same incidents
/// always give the same interval (a report that changes on reload would not
/// be trusted). `None` for no values.
///
/// Above [`BOOTSTRAP_LIMIT`] values the resampling is replaced by its limit:
/// a resample's median is the value at some rank of the sorted data, and that
/// rank is binomially distributed around n/2, so the interval is the sorted
/// values at ranks n/2 ± 1.96·√n/2. Same answer, without sorting two
/// thousand copies of 50,000 durations.
pub fn median_interval(values: &[f64]) -> Option<Interval> {
    if values.is_empty() {
        return None;
    }
    if values.len() > BOOTSTRAP_LIMIT {
        let n = values.len() as f64;
        let half = 1.959_964 * n.sqrt() / 2.0;
        let centre = (n - 1.0) / 2.0;
        let rank = |r: f64| (r.max(0.0) as usize).min(values.len() - 1);
        let (low, high) = (rank((centre - half).floor()), rank((centre + half).ceil()));
        // Two order statistics by selection, not a sort: the value at rank
        // `low`, then the one at `high` among those above it.
        let mut v = values.to_vec();
        let (_, &mut low_value, above) = v.select_nth_unstable_by(low, f64::total_cmp);
        let high_value = if high == low {
            low_value
        } else {
            *above
                .select_nth_unstable_by(high - low - 1, f64::total_cmp)
                .1
        };
        return Some(Interval {
            low: low_value,
            high: high_value,
        });
    }
    // Resampled from the values in ascending order, so the same values in
    // any order give the same interval.
    let ascending = sorted(values);
    let values = ascending.as_slice();
    let seed = values.iter().fold(0x9e37_79b9_7f4a_7c15_u64, |h, v| {
        (h ^ v.to_bits()).wrapping_mul(0x0100_0000_01b3)
    });
    let mut rng = XorShift(seed | 1);
    let mut sample = vec![0.0; values.len()];
    let mut medians = Vec::with_capacity(BOOTSTRAP_RESAMPLES);
    for _ in 0..BOOTSTRAP_RESAMPLES {
        for slot in sample.iter_mut() {
            *slot = values[rng.below(values.len())];
        }
        sample.sort_by(f64::total_cmp);
        medians.push(quantile(&sample, 0.5)?);
    }
    medians.sort_by(f64::total_cmp);
    Some(Interval {
        low: quantile(&medians, 0.025)?,
        high: quantile(&medians, 0.975)?,
    })
}

/// The 95% Wilson score interval for `hits` out of `count` (a rate such as
/// "first reading agreed with hindsight"). `None` for a count of zero.
pub fn wilson_interval(hits: usize, count: usize) -> Option<Interval> {
    if count == 0 {
        return None;
    }
    let z: f64 = 1.959_964;
    let n = count as f64;
    let p = hits.min(count) as f64 / n;
    let denominator = 1.0 + z * z / n;
    let centre = (p + z * z / (2.0 * n)) / denominator;
    let half = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt() / denominator;
    Some(Interval {
        low: (centre - half).max(0.0),
        high: (centre + half).min(1.0),
    })
}

/// xorshift64*: small, deterministic, good enough for resampling.
struct XorShift(u64);

impl XorShift {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n as u64) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn quantiles_interpolate_between_ranks() {
        let v = [10.0, 20.0, 30.0, 40.0];
        // Rank (n-1)p: 1.5 for the median, 2.25 for p75, 2.7 for p90.
        assert_eq!(quantile(&v, 0.5), Some(25.0));
        assert_eq!(quantile(&v, 0.75), Some(32.5));
        assert!(close(quantile(&v, 0.9).unwrap(), 37.0));
        assert_eq!(quantile(&v, 0.0), Some(10.0));
        assert_eq!(quantile(&v, 1.0), Some(40.0));
        assert_eq!(quantile(&[], 0.5), None);
        assert_eq!(quantile(&[7.0], 0.9), Some(7.0));
    }

    #[test]
    fn median_of_an_odd_count_is_the_middle_value_in_any_order() {
        assert_eq!(median(&[300.0, 60.0, 120.0]), Some(120.0));
        assert_eq!(median(&[5.0, 5.0, 1.0, 9.0]), Some(5.0));
    }

    #[test]
    fn median_by_selection_matches_the_sorted_quantile() {
        let mut rng = XorShift(7);
        for n in 1..60 {
            let values: Vec<f64> = (0..n).map(|_| (rng.below(50) as f64) * 1.5).collect();
            assert_eq!(
                median(&values),
                quantile(&sorted(&values), 0.5),
                "{values:?}"
            );
        }
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn mad_by_hand() {
        // Median 3; deviations 2, 1, 0, 1, 6 → sorted 0 1 1 2 6 → 1.
        assert_eq!(mad(&[1.0, 2.0, 3.0, 4.0, 9.0]), Some(1.0));
        // Ties: median 2, deviations 0 0 0 8 → (0 + 0) / 2 = 0.
        assert_eq!(mad(&[2.0, 2.0, 2.0, 10.0]), Some(0.0));
        assert_eq!(mad(&[42.0]), Some(0.0));
        assert_eq!(mad(&[]), None);
    }

    #[test]
    fn summary_of_ten_durations() {
        let minutes = [5.0, 7.0, 8.0, 9.0, 10.0, 12.0, 15.0, 20.0, 30.0, 240.0];
        let s = Summary::of(&minutes).unwrap();
        assert_eq!(s.count, 10);
        assert_eq!(s.median, 11.0);
        // Rank 6.75: 15 + 0.75 × 5.
        assert_eq!(s.p75, 18.75);
        // Rank 8.1: 30 + 0.1 × 210.
        assert!(close(s.p90, 51.0));
        assert_eq!(s.max, 240.0);
        // Deviations from 11: 6 4 3 2 1 1 4 9 19 229 → sorted 1 1 2 3 4 4 6 9 19 229 → 4.
        assert_eq!(s.mad, 4.0);
        assert!(s.is_meaningful());
        assert!(!Summary::of(&[1.0; 7]).unwrap().is_meaningful());
        assert_eq!(Summary::of(&[]), None);
    }

    #[test]
    fn a_four_hour_incident_among_ten_minute_ones_is_an_outlier() {
        let minutes = [5.0, 7.0, 8.0, 9.0, 10.0, 12.0, 15.0, 20.0, 30.0, 240.0];
        let seconds: Vec<f64> = minutes.iter().map(|m| m * 60.0).collect();
        let scores = outlier_scores(&seconds);
        // Worked out independently: the median of the logs is
        // (ln 600 + ln 720) / 2 = 6.48809; the MAD of the logs is 0.38107;
        // 240 min: 0.6745 × (ln 14400 − 6.48809) / 0.38107 = 5.464.
        assert!((scores[9].unwrap() - 5.464).abs() < 1e-3);
        assert!(is_outlier(scores[9]));
        // 30 minutes: 1.783, not an outlier; 5 minutes: −1.388.
        assert!((scores[8].unwrap() - 1.783).abs() < 1e-3);
        assert!((scores[0].unwrap() + 1.388).abs() < 1e-3);
        assert!(!is_outlier(scores[8]));
        assert_eq!(scores.iter().filter(|s| is_outlier(**s)).count(), 1);
    }

    #[test]
    fn quick_values_are_never_outliers() {
        let mut values = vec![3600.0; 4];
        values.extend([3000.0, 4000.0, 3300.0, 3900.0, 1.0]);
        let scores = outlier_scores(&values);
        assert!(scores[8].unwrap() < 0.0);
        assert!(scores.iter().all(|s| !is_outlier(*s)));
    }

    #[test]
    fn all_equal_durations_have_no_outliers() {
        let scores = outlier_scores(&[600.0; 9]);
        assert!(scores.iter().all(|s| *s == Some(0.0)));
    }

    #[test]
    fn ties_fall_back_to_the_mean_absolute_deviation() {
        // Seven of nine equal: MAD of the logs is 0. Logs ln 600 ×7, ln 900,
        // ln 36000; median ln 600; mean absolute deviation (ln 1.5 + ln 60) / 9.
        let mut values = vec![600.0; 7];
        values.extend([900.0, 36000.0]);
        let scores = outlier_scores(&values);
        let mean_ad = (1.5f64.ln() + 60f64.ln()) / 9.0;
        let expected = 60f64.ln() / (1.253_314 * mean_ad);
        assert!((scores[8].unwrap() - expected).abs() < 1e-9);
        assert!(is_outlier(scores[8]), "score {expected}");
        // 900 s: 0.405 / (1.2533 × 0.5) = 0.65.
        assert!(!is_outlier(scores[7]));
    }

    #[test]
    fn too_few_values_are_not_scored() {
        assert_eq!(outlier_scores(&[60.0, 60.0, 86400.0]), vec![None; 3]);
        assert!(!is_outlier(None));
        assert!(outlier_scores(&[]).is_empty());
    }

    #[test]
    fn zero_second_phases_count_as_one_second() {
        let mut values = vec![0.0; 5];
        values.extend([1.0, 1.0, 1.0, 1.0]);
        // Every log is ln 1 = 0: nothing stands out, nothing is NaN.
        assert!(
            outlier_scores(&values)
                .iter()
                .all(|s| s.is_some_and(|s| s == 0.0))
        );
    }

    #[test]
    fn median_interval_holds_the_median_and_is_repeatable() {
        let values: Vec<f64> = (1..=21).map(|i| i as f64 * 60.0).collect();
        let interval = median_interval(&values).unwrap();
        assert!(interval.low <= 660.0 && 660.0 <= interval.high);
        assert!(interval.low >= 60.0 && interval.high <= 1260.0);
        assert!(interval.high > interval.low);
        assert_eq!(median_interval(&values), Some(interval));
        assert_eq!(
            median_interval(&[300.0]),
            Some(Interval {
                low: 300.0,
                high: 300.0
            })
        );
        assert_eq!(median_interval(&[]), None);
    }

    #[test]
    fn large_samples_read_the_interval_off_the_ranks() {
        // 1..=10000: the median sits at 0-based rank 4999.5; 1.96 × √10000 / 2
        // = 98 ranks either side, widened to whole ranks 4901 and 5098, which
        // hold the values 4902 and 5099.
        let values: Vec<f64> = (1..=10_000).rev().map(f64::from).collect();
        let interval = median_interval(&values).unwrap();
        assert_eq!((interval.low, interval.high), (4902.0, 5099.0));
        // Just above the limit it agrees with resampling just below it.
        let many: Vec<f64> = (0..BOOTSTRAP_LIMIT + 1).map(|i| (i % 97) as f64).collect();
        let fewer = &many[..BOOTSTRAP_LIMIT];
        let (a, b) = (
            median_interval(&many).unwrap(),
            median_interval(fewer).unwrap(),
        );
        assert!((a.low - b.low).abs() <= 3.0 && (a.high - b.high).abs() <= 3.0);
    }

    #[test]
    fn the_interval_does_not_depend_on_the_order_of_the_values() {
        let values = [300.0, 20.0, 45.0, 60.0, 90.0, 30.0, 600.0, 15.0, 120.0];
        let mut reversed = values;
        reversed.reverse();
        assert_eq!(median_interval(&values), median_interval(&reversed));
    }

    #[test]
    fn small_samples_give_wide_intervals() {
        let few: Vec<f64> = [5.0, 9.0, 14.0, 30.0, 60.0].to_vec();
        let many: Vec<f64> = few.iter().cycle().take(200).copied().collect();
        let wide = median_interval(&few).unwrap();
        let narrow = median_interval(&many).unwrap();
        assert!(wide.high - wide.low > narrow.high - narrow.low);
    }

    #[test]
    fn wilson_by_hand() {
        // 8 of 10: centre (0.8 + 1.92/10) / 1.384 = 0.7167, half 0.2265.
        let i = wilson_interval(8, 10).unwrap();
        assert!((i.low - 0.4902).abs() < 1e-3, "{i:?}");
        assert!((i.high - 0.9433).abs() < 1e-3, "{i:?}");
        let all = wilson_interval(5, 5).unwrap();
        assert!(all.high == 1.0 && all.low > 0.5);
        let none = wilson_interval(0, 5).unwrap();
        assert!(none.low == 0.0 && none.high < 0.5);
        assert_eq!(wilson_interval(0, 0), None);
    }
}
