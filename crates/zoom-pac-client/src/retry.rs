//! When and how long to wait before sending a failed request again.

use std::time::Duration;

use rand::Rng;
use reqwest::StatusCode;

/// The retry rules for a request that failed in a way that may pass on a second try:
/// HTTP 429, 500, 502, 503 and 504, and transport failures such as a refused connection or
/// a timeout.
///
/// A `Retry-After` header sets the wait when present. Otherwise the wait grows
/// exponentially from [`initial_backoff`](Self::initial_backoff) up to
/// [`max_backoff`](Self::max_backoff), with random jitter of up to half the wait so that
/// many clients do not retry in step. The client gives up after
/// [`max_attempts`](Self::max_attempts) attempts, or earlier when the next wait would end
/// more than [`max_elapsed`](Self::max_elapsed) after the first attempt started, and then
/// returns the last failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_elapsed: Duration,
}

impl Default for RetryPolicy {
    /// Returns 4 attempts, waits from 500 ms to 8 s, and a 60 s budget.
    fn default() -> Self {
        Self {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            max_elapsed: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// Returns a policy that sends each request once.
    pub fn none() -> Self {
        Self::default().max_attempts(1)
    }

    /// Sets the number of attempts, the first one included. Zero counts as one.
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Sets the wait before the first retry when no `Retry-After` header sets it.
    pub fn initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// Sets the longest wait between two attempts when no `Retry-After` header sets it.
    pub fn max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    /// Sets the time budget: no retry is sent if its wait would end later than this after
    /// the first attempt started. A `Retry-After` beyond the budget ends the retries at once.
    pub fn max_elapsed(mut self, budget: Duration) -> Self {
        self.max_elapsed = budget;
        self
    }

    /// Returns the number of attempts, the first one included.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// Returns the time budget of all attempts.
    pub fn elapsed_budget(&self) -> Duration {
        self.max_elapsed
    }

    /// Returns the jittered wait before retry number `retry` (1 for the first retry).
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        let doublings = retry.saturating_sub(1).min(31);
        let base = self
            .initial_backoff
            .saturating_mul(1 << doublings)
            .min(self.max_backoff);
        let half = base / 2;
        half + half.mul_f64(rand::rng().random::<f64>())
    }
}

/// Returns `true` for the statuses that a retry may fix.
pub(crate) fn is_retryable_status(status: StatusCode) -> bool {
    matches!(
        status,
        StatusCode::TOO_MANY_REQUESTS
            | StatusCode::INTERNAL_SERVER_ERROR
            | StatusCode::BAD_GATEWAY
            | StatusCode::SERVICE_UNAVAILABLE
            | StatusCode::GATEWAY_TIMEOUT
    )
}

/// Returns `true` for the transport failures that a retry may fix: the connection failed,
/// timed out or broke off. Errors in building the request or following redirects are not
/// retried.
pub(crate) fn is_retryable_transport(error: &reqwest::Error) -> bool {
    error.is_connect() || error.is_timeout() || error.is_request() || error.is_body()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_stays_within_bounds() {
        let policy = RetryPolicy::default()
            .initial_backoff(Duration::from_millis(100))
            .max_backoff(Duration::from_millis(350));
        for _ in 0..100 {
            let first = policy.backoff(1);
            assert!(first >= Duration::from_millis(50), "{first:?}");
            assert!(first <= Duration::from_millis(100), "{first:?}");

            let second = policy.backoff(2);
            assert!(second >= Duration::from_millis(100), "{second:?}");
            assert!(second <= Duration::from_millis(200), "{second:?}");

            let capped = policy.backoff(40);
            assert!(capped >= Duration::from_millis(175), "{capped:?}");
            assert!(capped <= Duration::from_millis(350), "{capped:?}");
        }
    }

    #[test]
    fn zero_attempts_count_as_one() {
        assert_eq!(RetryPolicy::default().max_attempts(0).attempts(), 1);
        assert_eq!(RetryPolicy::none().attempts(), 1);
    }

    #[test]
    fn retryable_statuses() {
        for status in [429, 500, 502, 503, 504] {
            let status = StatusCode::from_u16(status).unwrap();
            assert!(is_retryable_status(status), "{status}");
        }
        for status in [400, 401, 404, 501] {
            let status = StatusCode::from_u16(status).unwrap();
            assert!(!is_retryable_status(status), "{status}");
        }
    }
}
