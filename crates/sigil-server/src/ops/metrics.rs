//! Prometheus metrics in the text exposition format: requests by route and status, request
//! latency by route, tokens issued by grant and realm, failed realm refreshes by realm.
//!
//! Kept per server instance (no process-global recorder), so several servers in one test
//! process each count their own requests. Counting sits on every request's path, so it takes
//! a shared lock to find the route's counters (routes are few and fixed: matched templates)
//! and locks only that route's, allocating nothing once the route has been seen.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 13] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

#[derive(Debug, Default, Clone)]
struct RouteStats {
    by_status: HashMap<u16, u64>,
    /// Cumulative counts per bucket, then `+Inf` (= count).
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum_secs: f64,
}

/// The counters of one server.
#[derive(Debug, Default)]
pub struct Metrics {
    routes: RwLock<HashMap<Box<str>, Arc<Mutex<RouteStats>>>>,
    /// Grant → realm → count.
    tokens: Mutex<HashMap<String, HashMap<String, u64>>>,
    /// Realm → failed attempts to bring it up to date (the registry's refresh, not requests).
    realm_reload_failures: Mutex<HashMap<Box<str>, u64>>,
}

impl Metrics {
    /// Counts a request to `route` (the matched path template) answered with `status`.
    pub fn request(&self, route: &str, status: u16, elapsed: Duration) {
        let known = self
            .routes
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(route)
            .cloned();
        let stats = known.unwrap_or_else(|| {
            let mut routes = self.routes.write().unwrap_or_else(PoisonError::into_inner);
            routes.entry(route.into()).or_default().clone()
        });
        let mut stats = stats.lock().unwrap_or_else(PoisonError::into_inner);
        *stats.by_status.entry(status).or_default() += 1;
        let secs = elapsed.as_secs_f64();
        for (bucket, bound) in stats.buckets.iter_mut().zip(BUCKETS) {
            if secs <= bound {
                *bucket += 1;
            }
        }
        stats.count += 1;
        stats.sum_secs += secs;
    }

    /// Counts a token issued with `grant` in `realm`.
    pub fn token_issued(&self, grant: &str, realm: &str) {
        let mut tokens = self.tokens.lock().unwrap_or_else(PoisonError::into_inner);
        let realms = match tokens.get_mut(grant) {
            Some(realms) => realms,
            None => tokens.entry(grant.to_owned()).or_default(),
        };
        match realms.get_mut(realm) {
            Some(n) => *n += 1,
            None => {
                realms.insert(realm.to_owned(), 1);
            }
        }
    }

    /// Counts a failed refresh of a loaded realm; allocates only for a realm's first failure.
    pub fn realm_reload_failed(&self, realm: &str) {
        let mut failures = self
            .realm_reload_failures
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        match failures.get_mut(realm) {
            Some(n) => *n += 1,
            None => {
                failures.insert(realm.into(), 1);
            }
        }
    }

    /// The text exposition (Prometheus 0.0.4).
    pub fn render(&self) -> String {
        let mut out = String::new();
        let routes: Vec<(Box<str>, RouteStats)> = {
            let routes = self.routes.read().unwrap_or_else(PoisonError::into_inner);
            let mut copied: Vec<_> = routes
                .iter()
                .map(|(name, stats)| {
                    let stats = stats.lock().unwrap_or_else(PoisonError::into_inner);
                    (name.clone(), stats.clone())
                })
                .collect();
            copied.sort_by(|a, b| a.0.cmp(&b.0));
            copied
        };
        out.push_str("# HELP sigil_http_requests_total HTTP requests by route and status.\n");
        out.push_str("# TYPE sigil_http_requests_total counter\n");
        for (name, stats) in &routes {
            let mut statuses: Vec<(&u16, &u64)> = stats.by_status.iter().collect();
            statuses.sort();
            for (status, n) in statuses {
                let _ = writeln!(
                    out,
                    "sigil_http_requests_total{{route=\"{}\",status=\"{status}\"}} {n}",
                    label(name)
                );
            }
        }
        out.push_str("# HELP sigil_http_request_duration_seconds HTTP request latency by route.\n");
        out.push_str("# TYPE sigil_http_request_duration_seconds histogram\n");
        for (name, stats) in &routes {
            let route = label(name);
            for (bound, n) in BUCKETS.iter().zip(stats.buckets) {
                let _ = writeln!(
                    out,
                    "sigil_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {n}"
                );
            }
            let count = stats.count;
            let _ = writeln!(
                out,
                "sigil_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {count}"
            );
            let _ = writeln!(
                out,
                "sigil_http_request_duration_seconds_sum{{route=\"{route}\"}} {}",
                stats.sum_secs
            );
            let _ = writeln!(
                out,
                "sigil_http_request_duration_seconds_count{{route=\"{route}\"}} {count}"
            );
        }
        out.push_str("# HELP sigil_tokens_issued_total Tokens issued by grant and realm.\n");
        out.push_str("# TYPE sigil_tokens_issued_total counter\n");
        if let Ok(tokens) = self.tokens.lock() {
            let mut all: Vec<_> = tokens
                .iter()
                .flat_map(|(grant, realms)| {
                    realms.iter().map(move |(realm, n)| ((grant, realm), n))
                })
                .collect();
            all.sort();
            for ((grant, realm), n) in all {
                let _ = writeln!(
                    out,
                    "sigil_tokens_issued_total{{grant=\"{}\",realm=\"{}\"}} {n}",
                    label(grant),
                    label(realm)
                );
            }
        }
        out.push_str(
            "# HELP sigil_realm_reload_failures_total Failed refreshes of a loaded realm, which kept serving its last good state.\n",
        );
        out.push_str("# TYPE sigil_realm_reload_failures_total counter\n");
        let mut failures: Vec<(Box<str>, u64)> = self
            .realm_reload_failures
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .map(|(realm, n)| (realm.clone(), *n))
            .collect();
        failures.sort();
        for (realm, n) in failures {
            let _ = writeln!(
                out,
                "sigil_realm_reload_failures_total{{realm=\"{}\"}} {n}",
                label(&realm)
            );
        }
        out
    }
}

/// Escapes a label value (backslash, quote, newline).
fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_cumulative_histograms() {
        let m = Metrics::default();
        m.request("/token", 200, Duration::from_micros(300));
        m.request("/token", 200, Duration::from_millis(3));
        m.request("/token", 401, Duration::from_millis(30));
        m.token_issued("client_credentials", "default");
        m.realm_reload_failed("acme");
        m.realm_reload_failed("acme");
        let text = m.render();
        assert!(text.contains("sigil_realm_reload_failures_total{realm=\"acme\"} 2"));
        assert!(text.contains("sigil_http_requests_total{route=\"/token\",status=\"200\"} 2"));
        assert!(text.contains("sigil_http_requests_total{route=\"/token\",status=\"401\"} 1"));
        assert!(text.contains(
            "sigil_http_request_duration_seconds_bucket{route=\"/token\",le=\"0.0005\"} 1"
        ));
        assert!(text.contains(
            "sigil_http_request_duration_seconds_bucket{route=\"/token\",le=\"0.005\"} 2"
        ));
        assert!(text.contains(
            "sigil_http_request_duration_seconds_bucket{route=\"/token\",le=\"+Inf\"} 3"
        ));
        assert!(text.contains(
            "sigil_tokens_issued_total{grant=\"client_credentials\",realm=\"default\"} 1"
        ));
    }
}
