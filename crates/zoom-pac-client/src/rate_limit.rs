//! Zoom's rate-limit headers and the `Retry-After` header.

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The rate-limit headers of a response. Each field is `None` when its header is missing or
/// does not parse.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RateLimit {
    /// `X-RateLimit-Category`: the API's rate-limit category, such as `Light` or `Medium`.
    pub category: Option<String>,
    /// `X-RateLimit-Type`: which limit applies, such as `QPS` or `Daily-limit`.
    pub limit_type: Option<String>,
    /// `X-RateLimit-Limit`: the number of requests allowed in the limit's window.
    pub limit: Option<u64>,
    /// `X-RateLimit-Remaining`: the number of requests left in the window.
    pub remaining: Option<u64>,
    /// `Retry-After`: when to send the request again.
    pub retry_after: Option<RetryAfter>,
}

impl RateLimit {
    /// Reads the rate-limit headers of a response.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        Self {
            category: header_text(headers, "x-ratelimit-category"),
            limit_type: header_text(headers, "x-ratelimit-type"),
            limit: header_text(headers, "x-ratelimit-limit").and_then(|v| v.parse().ok()),
            remaining: header_text(headers, "x-ratelimit-remaining").and_then(|v| v.parse().ok()),
            retry_after: header_text(headers, RETRY_AFTER.as_str())
                .and_then(|v| RetryAfter::parse(&v)),
        }
    }
}

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    let value = headers.get(name)?.to_str().ok()?.trim();
    (!value.is_empty()).then(|| value.to_owned())
}

/// The value of a `Retry-After` header: a delay, or a time to wait for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryAfter {
    /// A number of seconds, as in `Retry-After: 5`.
    Delay(Duration),
    /// A point in time. Zoom sends an RFC 3339 UTC time such as `2026-12-05T00:00:00Z` when
    /// a daily limit is reached, and HTTP (RFC 9110) allows an HTTP-date such as
    /// `Sat, 05 Dec 2026 00:00:00 GMT`.
    At(SystemTime),
}

impl RetryAfter {
    /// Parses a header value in any of the three forms. Returns `None` for anything else,
    /// including negative and fractional seconds.
    pub fn parse(value: &str) -> Option<Self> {
        let value = value.trim();
        if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
            // A value too large for a u64 is a wait longer than any retry budget.
            let seconds = value.parse().unwrap_or(u64::MAX);
            return Some(RetryAfter::Delay(Duration::from_secs(seconds)));
        }
        if let Ok(time) = OffsetDateTime::parse(value, &Rfc3339) {
            return Some(RetryAfter::At(SystemTime::from(time)));
        }
        httpdate::parse_http_date(value).ok().map(RetryAfter::At)
    }

    /// Returns how long to wait from `now`; zero for a time already past.
    pub fn delay_from(&self, now: SystemTime) -> Duration {
        match self {
            RetryAfter::Delay(delay) => *delay,
            RetryAfter::At(time) => time.duration_since(now).unwrap_or(Duration::ZERO),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn retry_after_parses_seconds() {
        assert_eq!(
            RetryAfter::parse(" 120 "),
            Some(RetryAfter::Delay(Duration::from_secs(120)))
        );
        assert_eq!(
            RetryAfter::parse("99999999999999999999999"),
            Some(RetryAfter::Delay(Duration::from_secs(u64::MAX)))
        );
    }

    #[test]
    fn retry_after_parses_rfc3339_time() {
        let parsed = RetryAfter::parse("2026-12-05T00:00:00Z");
        let expected = SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_428_800);
        assert_eq!(parsed, Some(RetryAfter::At(expected)));
    }

    #[test]
    fn retry_after_parses_http_date() {
        let parsed = RetryAfter::parse("Sat, 05 Dec 2026 00:00:00 GMT");
        let expected = SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_428_800);
        assert_eq!(parsed, Some(RetryAfter::At(expected)));
    }

    #[test]
    fn retry_after_rejects_other_forms() {
        for value in ["", "-1", "1.5", "soon", "2026-12-05"] {
            assert_eq!(RetryAfter::parse(value), None, "{value:?}");
        }
    }

    #[test]
    fn delay_from_past_time_is_zero() {
        let past = RetryAfter::At(SystemTime::UNIX_EPOCH);
        assert_eq!(past.delay_from(SystemTime::now()), Duration::ZERO);

        let now = SystemTime::now();
        let ahead = RetryAfter::At(now + Duration::from_secs(3));
        assert_eq!(ahead.delay_from(now), Duration::from_secs(3));
    }

    #[test]
    fn rate_limit_reads_zoom_headers() {
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("X-RateLimit-Category", "Light"),
            ("X-RateLimit-Type", "Daily-limit"),
            ("X-RateLimit-Limit", "100"),
            ("X-RateLimit-Remaining", "0"),
            ("Retry-After", "2026-12-05T00:00:00Z"),
        ] {
            headers.insert(name, HeaderValue::from_static(value));
        }
        let limit = RateLimit::from_headers(&headers);
        assert_eq!(limit.category.as_deref(), Some("Light"));
        assert_eq!(limit.limit_type.as_deref(), Some("Daily-limit"));
        assert_eq!(limit.limit, Some(100));
        assert_eq!(limit.remaining, Some(0));
        assert!(matches!(limit.retry_after, Some(RetryAfter::At(_))));
    }
}
