//! When to try a request again and how long to wait: exponential backoff with full jitter,
//! and the server's own `Retry-After` when it sends one.

use chrono::{DateTime, Utc};
use rand::Rng;
use std::time::Duration;

/// The ceiling for attempt `attempt` (0 = the first retry): `base · 2^attempt`, capped at `max`.
pub fn backoff_ceiling(base: Duration, max: Duration, attempt: u32) -> Duration {
    let factor = 1u32.checked_shl(attempt.min(20)).unwrap_or(u32::MAX);
    base.saturating_mul(factor).min(max)
}

/// "Full jitter": a uniformly random wait in `[0, ceiling]`, so that many clients that failed
/// together do not come back together.
pub fn full_jitter(base: Duration, max: Duration, attempt: u32) -> Duration {
    let ceiling = backoff_ceiling(base, max, attempt);
    let millis = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
    if millis == 0 {
        return Duration::ZERO;
    }
    Duration::from_millis(rand::rng().random_range(0..=millis))
}

/// The wait before the next attempt: the server's `Retry-After` (capped at `max`) if given,
/// otherwise full jitter.
pub fn delay(base: Duration, max: Duration, attempt: u32, retry_after: Option<Duration>) -> Duration {
    match retry_after {
        Some(ra) => ra.min(max),
        None => full_jitter(base, max, attempt),
    }
}

/// `Retry-After` as delta-seconds or an HTTP date (RFC 7231 §7.1.3). A date in the past means now.
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(secs) = v.parse::<f64>() {
        if secs.is_finite() && secs >= 0.0 {
            return Some(Duration::from_millis((secs * 1000.0) as u64));
        }
    }
    let at = DateTime::parse_from_rfc2822(v).ok()?.with_timezone(&Utc);
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ceiling_doubles_and_stops_at_the_cap() {
        let base = Duration::from_millis(250);
        let max = Duration::from_secs(30);
        let ceilings: Vec<u128> = (0..9)
            .map(|a| backoff_ceiling(base, max, a).as_millis())
            .collect();
        assert_eq!(
            ceilings,
            vec![250, 500, 1000, 2000, 4000, 8000, 16000, 30000, 30000]
        );
        assert_eq!(backoff_ceiling(base, max, 400), max);
    }

    #[test]
    fn jitter_stays_under_the_ceiling() {
        let base = Duration::from_millis(100);
        let max = Duration::from_secs(1);
        for attempt in 0..6 {
            for _ in 0..50 {
                assert!(full_jitter(base, max, attempt) <= backoff_ceiling(base, max, attempt));
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
        /// A server's Retry-After meets the clock: any text, any number, a wait or nothing, never a
        /// panic, and the wait used is never past the cap (issue 13, item 5).
        #[test]
        fn any_retry_after_is_a_bounded_wait_or_nothing(
            text in ".{0,40}",
            n in proptest::prelude::any::<u64>(),
            f in proptest::prelude::any::<f64>(),
        ) {
            let now = DateTime::parse_from_rfc3339("2026-11-03T12:00:00Z").expect("now").with_timezone(&Utc);
            let max = Duration::from_secs(30);
            for v in [text, n.to_string(), f.to_string(), format!("{f:e}")] {
                let parsed = parse_retry_after(&v, now);
                proptest::prop_assert!(delay(Duration::from_millis(1), max, 0, parsed) <= max);
            }
        }
    }

    #[test]
    fn retry_after_reads_seconds_and_dates_and_is_capped() {
        let now = DateTime::parse_from_rfc3339("2015-10-21T07:27:50Z")
            .expect("now")
            .with_timezone(&Utc);
        assert_eq!(parse_retry_after("1", now), Some(Duration::from_secs(1)));
        assert_eq!(parse_retry_after(" 120 ", now), Some(Duration::from_secs(120)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        let max = Duration::from_secs(30);
        assert_eq!(
            delay(Duration::from_millis(1), max, 0, Some(Duration::from_secs(3600))),
            max
        );
        assert_eq!(
            delay(Duration::from_millis(1), max, 0, Some(Duration::from_secs(2))),
            Duration::from_secs(2)
        );
    }
}
