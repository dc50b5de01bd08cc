//! What a run counted: latencies of the good iterations in an HDR histogram (µs, 3
//! significant digits, up to an hour), good and failed iterations, failures by kind with the
//! first message of each, and HTTP requests sent.

use std::collections::BTreeMap;
use std::time::Duration;

use hdrhistogram::Histogram;

use super::failure::Failure;

/// The longest latency the histogram holds; longer ones are recorded as this.
const MAX_MICROS: u64 = 3_600_000_000;

#[derive(Debug, Clone)]
pub struct Stats {
    pub latency: Histogram<u64>,
    pub ok: u64,
    pub errors: BTreeMap<String, u64>,
    /// The first message of each kind, as an example for the report.
    pub examples: BTreeMap<String, String>,
    pub http_requests: u64,
}

impl Stats {
    pub fn new() -> anyhow::Result<Self> {
        Ok(Self {
            latency: Histogram::new_with_bounds(1, MAX_MICROS, 3)?,
            ok: 0,
            errors: BTreeMap::new(),
            examples: BTreeMap::new(),
            http_requests: 0,
        })
    }

    pub fn failed(&self) -> u64 {
        self.errors.values().sum()
    }

    pub fn record(&mut self, outcome: &Result<(), Failure>, latency: Duration, http_requests: u64) {
        self.http_requests += http_requests;
        match outcome {
            Ok(()) => {
                self.ok += 1;
                let micros = u64::try_from(latency.as_micros()).unwrap_or(MAX_MICROS);
                self.latency.saturating_record(micros.clamp(1, MAX_MICROS));
            }
            Err(failure) => {
                let kind = failure.kind();
                *self.errors.entry(kind.clone()).or_default() += 1;
                self.examples
                    .entry(kind)
                    .or_insert_with(|| failure.to_string());
            }
        }
    }

    pub fn merge(&mut self, other: &Self) {
        // Both histograms have the same bounds, so adding cannot fail; a failure would only
        // lose latencies, never counts.
        let _ = self.latency.add(&other.latency);
        self.ok += other.ok;
        self.http_requests += other.http_requests;
        for (kind, n) in &other.errors {
            *self.errors.entry(kind.clone()).or_default() += n;
        }
        for (kind, message) in &other.examples {
            self.examples
                .entry(kind.clone())
                .or_insert_with(|| message.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_latencies_and_failures_by_kind() {
        let mut a = Stats::new().unwrap();
        let mut b = Stats::new().unwrap();
        for ms in 1..=100 {
            a.record(&Ok(()), Duration::from_millis(ms), 2);
        }
        b.record(&Err(Failure::Timeout), Duration::from_secs(10), 1);
        b.record(&Err(Failure::status(401, "")), Duration::ZERO, 1);
        b.record(&Err(Failure::status(401, "again")), Duration::ZERO, 1);
        a.merge(&b);
        assert_eq!((a.ok, a.failed(), a.http_requests), (100, 3, 203));
        assert_eq!(a.errors["http_401"], 2);
        assert_eq!(a.examples["http_401"], "HTTP 401");
        assert_eq!(
            a.latency.len(),
            100,
            "failures are not in the latency histogram"
        );
        let p50 = a.latency.value_at_quantile(0.5);
        assert!((49_900..=50_100).contains(&p50), "{p50}");
    }
}
