//! Summaries of repeated timings. Medians, because one slow outlier (a scheduler hiccup on two cores) should not
//! move a ratio.
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Samples {
    /// Milliseconds, sorted ascending.
    sorted_ms: Vec<f64>,
}

impl Samples {
    pub fn new(durations: &[Duration]) -> Samples {
        let mut sorted_ms: Vec<f64> = durations.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
        sorted_ms.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
        Samples { sorted_ms }
    }

    pub fn len(&self) -> usize {
        self.sorted_ms.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sorted_ms.is_empty()
    }

    pub fn median(&self) -> f64 {
        self.percentile(50.0)
    }

    pub fn min(&self) -> f64 {
        self.sorted_ms.first().copied().unwrap_or(f64::NAN)
    }

    pub fn max(&self) -> f64 {
        self.sorted_ms.last().copied().unwrap_or(f64::NAN)
    }

    /// Linear interpolation between the closest ranks; NaN when there are no samples.
    pub fn percentile(&self, p: f64) -> f64 {
        let n = self.sorted_ms.len();
        if n == 0 {
            return f64::NAN;
        }
        let rank = (p / 100.0).clamp(0.0, 1.0) * (n - 1) as f64;
        let low = rank.floor() as usize;
        let high = rank.ceil() as usize;
        let weight = rank - low as f64;
        self.sorted_ms[low] * (1.0 - weight) + self.sorted_ms[high] * weight
    }
}

pub fn ms(value: f64) -> String {
    if value.is_nan() {
        "-".to_string()
    } else if value >= 100.0 {
        format!("{:.0}", value)
    } else if value >= 10.0 {
        format!("{:.1}", value)
    } else {
        format!("{:.2}", value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples(ms: &[u64]) -> Samples {
        Samples::new(&ms.iter().map(|m| Duration::from_millis(*m)).collect::<Vec<_>>())
    }

    #[test]
    fn median_of_even_and_odd_counts() {
        assert_eq!(samples(&[3, 1, 2]).median(), 2.0);
        assert_eq!(samples(&[4, 1, 2, 3]).median(), 2.5);
        assert!(samples(&[]).median().is_nan());
    }

    #[test]
    fn percentiles_interpolate() {
        let s = samples(&[10, 20, 30, 40, 50]);
        assert_eq!(s.percentile(0.0), 10.0);
        assert_eq!(s.percentile(100.0), 50.0);
        assert_eq!(s.percentile(90.0), 46.0);
    }
}
