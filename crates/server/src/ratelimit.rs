//! Per-key rate limiting with token buckets.
//!
//! Each API key owns a bucket of `burst` tokens refilled at `per_second`
//! tokens a second; a request takes one token. An empty bucket answers
//! `429 Too Many Requests` with `Retry-After` set to the whole seconds until
//! the next token.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// Buckets above this count trigger a sweep of full, idle buckets.
const SWEEP_AT: usize = 10_000;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

/// A set of token buckets keyed by API key id.
#[derive(Debug)]
pub struct RateLimiter {
    per_second: f64,
    burst: f64,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl RateLimiter {
    /// A limiter allowing `per_second` sustained and `burst` at once per key;
    /// `per_second == 0` disables limiting.
    pub fn new(per_second: f64, burst: u32) -> Self {
        RateLimiter {
            per_second: per_second.max(0.0),
            burst: f64::from(burst.max(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// True when the limiter limits anything.
    pub fn enabled(&self) -> bool {
        self.per_second > 0.0
    }

    /// Takes a token for `key` at `now`; `Err(seconds)` says how long to wait.
    pub fn check(&self, key: &str, now: Instant) -> Result<(), u64> {
        if !self.enabled() {
            return Ok(());
        }
        let mut buckets = match self.buckets.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        if buckets.len() > SWEEP_AT {
            let (rate, burst) = (self.per_second, self.burst);
            buckets.retain(|_, b| {
                let elapsed = now.saturating_duration_since(b.last).as_secs_f64();
                b.tokens + elapsed * rate < burst
            });
        }
        let b = buckets.entry(key.to_string()).or_insert(Bucket {
            tokens: self.burst,
            last: now,
        });
        let elapsed = now.saturating_duration_since(b.last).as_secs_f64();
        b.tokens = (b.tokens + elapsed * self.per_second).min(self.burst);
        b.last = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            let wait = (1.0 - b.tokens) / self.per_second;
            Err(wait.ceil().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn burst_then_refill() {
        let rl = RateLimiter::new(2.0, 3);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(rl.check("k", t0).is_ok());
        }
        assert_eq!(rl.check("k", t0), Err(1));
        // Half a second refills one token at 2/s.
        assert!(rl.check("k", t0 + Duration::from_millis(500)).is_ok());
        assert!(rl.check("k", t0 + Duration::from_millis(500)).is_err());
    }

    #[test]
    fn keys_are_independent() {
        let rl = RateLimiter::new(1.0, 1);
        let t0 = Instant::now();
        assert!(rl.check("a", t0).is_ok());
        assert!(rl.check("a", t0).is_err());
        assert!(rl.check("b", t0).is_ok());
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        let rl = RateLimiter::new(0.1, 1);
        let t0 = Instant::now();
        assert!(rl.check("k", t0).is_ok());
        assert_eq!(rl.check("k", t0), Err(10));
    }

    #[test]
    fn zero_rate_disables() {
        let rl = RateLimiter::new(0.0, 1);
        let t0 = Instant::now();
        for _ in 0..100 {
            assert!(rl.check("k", t0).is_ok());
        }
    }
}
