//! Prometheus metrics in the text exposition format (version 0.0.4).
//!
//! Counters and histograms are plain atomics behind a read-mostly map, so
//! recording a request costs a read lock and a few atomic adds.

use std::borrow::Borrow;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// Upper bounds of the latency histogram buckets, in seconds.
const LATENCY_BUCKETS: [f64; 14] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

#[derive(Debug, Default)]
struct Histogram {
    buckets: [AtomicU64; LATENCY_BUCKETS.len()],
    count: AtomicU64,
    /// Sum in nanoseconds.
    sum_ns: AtomicU64,
}

impl Histogram {
    fn observe(&self, d: Duration) {
        let secs = d.as_secs_f64();
        for (i, le) in LATENCY_BUCKETS.iter().enumerate() {
            if secs <= *le {
                self.buckets[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        let ns = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        self.sum_ns.fetch_add(ns, Ordering::Relaxed);
    }
}

/// A map of label sets to shared cells, created on first use.
#[derive(Debug)]
struct Family<K, V> {
    cells: RwLock<BTreeMap<K, Arc<V>>>,
}

impl<K: Ord + Clone, V: Default> Family<K, V> {
    fn new() -> Self {
        Family {
            cells: RwLock::new(BTreeMap::new()),
        }
    }

    /// The cell of `key`, created on first use. The common case (the cell
    /// exists) takes a read lock and allocates nothing.
    fn get<Q>(&self, key: &Q) -> Arc<V>
    where
        K: Borrow<Q>,
        Q: Ord + ToOwned<Owned = K> + ?Sized,
    {
        if let Ok(cells) = self.cells.read() {
            if let Some(v) = cells.get(key) {
                return Arc::clone(v);
            }
        }
        let mut cells = match self.cells.write() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        Arc::clone(cells.entry(key.to_owned()).or_default())
    }

    fn snapshot(&self) -> Vec<(K, Arc<V>)> {
        match self.cells.read() {
            Ok(c) => c.iter().map(|(k, v)| (k.clone(), Arc::clone(v))).collect(),
            Err(p) => p
                .into_inner()
                .iter()
                .map(|(k, v)| (k.clone(), Arc::clone(v)))
                .collect(),
        }
    }
}

/// The counters and latencies of one route.
#[derive(Debug, Default)]
struct RouteStats {
    latency: Histogram,
    /// Requests by (method, status).
    counts: Family<(&'static str, u16), AtomicU64>,
}

impl<K: Ord + Clone, V: Default> Default for Family<K, V> {
    fn default() -> Self {
        Family::new()
    }
}

/// A method's name as a static string (`OTHER` for extension methods), so
/// counting a request allocates nothing.
fn method_name(m: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    match *m {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::TRACE => "TRACE",
        Method::CONNECT => "CONNECT",
        _ => "OTHER",
    }
}

/// The service's metrics.
#[derive(Debug)]
pub struct Metrics {
    routes: Family<String, RouteStats>,
    screenings: Family<String, AtomicU64>,
    match_results: Family<String, AtomicU64>,
    gauges: Family<(String, String), AtomicU64>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// Empty metrics.
    pub fn new() -> Self {
        Metrics {
            routes: Family::new(),
            screenings: Family::new(),
            match_results: Family::new(),
            gauges: Family::new(),
        }
    }

    /// Records one HTTP request by method, route template and status.
    pub fn record_request(
        &self,
        method: &axum::http::Method,
        route: &str,
        status: u16,
        elapsed: Duration,
    ) {
        let stats = self.routes.get(route);
        stats
            .counts
            .get(&(method_name(method), status))
            .fetch_add(1, Ordering::Relaxed);
        stats.latency.observe(elapsed);
    }

    /// Counts screening queries of a kind (`match`, `screen`, `trade`, …).
    pub fn record_screenings(&self, kind: &str, queries: u64) {
        self.screenings
            .get(kind)
            .fetch_add(queries, Ordering::Relaxed);
    }

    /// Counts results returned by screenings, split by whether they are a match.
    pub fn record_results(&self, matched: u64, below_threshold: u64) {
        self.match_results
            .get("true")
            .fetch_add(matched, Ordering::Relaxed);
        self.match_results
            .get("false")
            .fetch_add(below_threshold, Ordering::Relaxed);
    }

    /// Sets a gauge `embargo_<name>{list="…"}` (e.g. the version served).
    pub fn set_gauge(&self, name: &str, list: &str, value: u64) {
        self.gauges
            .get(&(name.to_string(), list.to_string()))
            .store(value, Ordering::Relaxed);
    }

    /// The text exposition of every metric.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(4096);
        out.push_str("# HELP embargo_http_requests_total HTTP requests answered.\n");
        out.push_str("# TYPE embargo_http_requests_total counter\n");
        let routes = self.routes.snapshot();
        for (route, stats) in &routes {
            for ((method, status), v) in stats.counts.snapshot() {
                let _ = writeln!(
                    out,
                    "embargo_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {}",
                    escape(route),
                    v.load(Ordering::Relaxed)
                );
            }
        }
        out.push_str(
            "# HELP embargo_http_request_duration_seconds Time to answer HTTP requests.\n",
        );
        out.push_str("# TYPE embargo_http_request_duration_seconds histogram\n");
        for (route, stats) in &routes {
            let h = &stats.latency;
            let route = escape(route);
            for (i, le) in LATENCY_BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "embargo_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{le}\"}} {}",
                    h.buckets[i].load(Ordering::Relaxed)
                );
            }
            let count = h.count.load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "embargo_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {count}"
            );
            let _ = writeln!(
                out,
                "embargo_http_request_duration_seconds_sum{{route=\"{route}\"}} {}",
                h.sum_ns.load(Ordering::Relaxed) as f64 / 1e9
            );
            let _ = writeln!(
                out,
                "embargo_http_request_duration_seconds_count{{route=\"{route}\"}} {count}"
            );
        }
        out.push_str("# HELP embargo_screening_queries_total Screening queries answered.\n");
        out.push_str("# TYPE embargo_screening_queries_total counter\n");
        for (kind, v) in self.screenings.snapshot() {
            let _ = writeln!(
                out,
                "embargo_screening_queries_total{{kind=\"{}\"}} {}",
                escape(&kind),
                v.load(Ordering::Relaxed)
            );
        }
        out.push_str("# HELP embargo_match_results_total Results returned by screenings.\n");
        out.push_str("# TYPE embargo_match_results_total counter\n");
        for (m, v) in self.match_results.snapshot() {
            let _ = writeln!(
                out,
                "embargo_match_results_total{{match=\"{m}\"}} {}",
                v.load(Ordering::Relaxed)
            );
        }
        let gauges = self.gauges.snapshot();
        let mut last_name = String::new();
        for ((name, list), v) in gauges {
            if name != last_name {
                let _ = writeln!(out, "# TYPE embargo_{name} gauge");
                last_name = name.clone();
            }
            let _ = writeln!(
                out,
                "embargo_{name}{{list=\"{}\"}} {}",
                escape(&list),
                v.load(Ordering::Relaxed)
            );
        }
        out
    }
}

/// Escapes a label value (backslash, quote, newline).
fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_histograms_render() {
        let m = Metrics::new();
        use axum::http::Method;
        m.record_request(
            &Method::POST,
            "/match/{dataset}",
            200,
            Duration::from_micros(300),
        );
        m.record_request(
            &Method::POST,
            "/match/{dataset}",
            200,
            Duration::from_millis(3),
        );
        m.record_request(&Method::GET, "/healthz", 200, Duration::from_micros(50));
        m.record_request(&Method::GET, "/healthz", 503, Duration::from_micros(50));
        m.record_screenings("match", 2);
        m.record_results(1, 4);
        m.set_gauge("list_version_seq", "us_ofac_sdn", 2);
        let text = m.render();
        assert!(text.contains(
            "embargo_http_requests_total{method=\"POST\",route=\"/match/{dataset}\",status=\"200\"} 2"
        ));
        assert!(text.contains(
            "embargo_http_request_duration_seconds_bucket{route=\"/match/{dataset}\",le=\"0.0005\"} 1"
        ));
        assert!(text.contains(
            "embargo_http_request_duration_seconds_bucket{route=\"/match/{dataset}\",le=\"+Inf\"} 2"
        ));
        assert!(text.contains(
            "embargo_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"503\"} 1"
        ));
        assert!(text.contains("embargo_screening_queries_total{kind=\"match\"} 2"));
        assert!(text.contains("embargo_match_results_total{match=\"false\"} 4"));
        assert!(text.contains("embargo_list_version_seq{list=\"us_ofac_sdn\"} 2"));
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
