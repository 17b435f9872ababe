//! A client-side pacer that spaces requests to a set rate, so that bulk work runs at the
//! account's rate limit instead of provoking bursts of 429 responses.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::StatusCode;
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::rate_limit::RateLimit;

/// A small margin added after a rate-limit window boundary, for clock differences between
/// client and server.
const BOUNDARY_MARGIN: Duration = Duration::from_millis(5);

/// Spaces requests evenly at a rate in requests per second, shared by every clone of the
/// client.
///
/// Each request takes the next free send slot; slots are `1 / rate` apart. After a 429 the
/// pacer delays every request until the `Retry-After` time, or without one until the next
/// whole Unix second (Zoom's per-second windows are whole seconds). When a response reports
/// `X-RateLimit-Remaining: 0`, the pacer also waits for the second after the one the request
/// was sent in, because that window has no room left.
#[derive(Debug)]
pub struct Pacer {
    interval: Duration,
    next_slot: Mutex<Instant>,
}

impl Pacer {
    /// Creates a pacer for `per_second` requests per second.
    ///
    /// # Panics
    ///
    /// Panics if `per_second` is not a positive finite number; the builder checks it first.
    pub fn new(per_second: f64) -> Self {
        assert!(
            per_second.is_finite() && per_second > 0.0,
            "rate must be positive"
        );
        Self {
            interval: Duration::from_secs_f64(1.0 / per_second),
            next_slot: Mutex::new(Instant::now()),
        }
    }

    /// Returns the time between two sends.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// Waits until this request's send slot.
    pub async fn acquire(&self) {
        let slot = {
            let mut next = self.next_slot.lock().await;
            let slot = (*next).max(Instant::now());
            *next = slot + self.interval;
            slot
        };
        tokio::time::sleep_until(slot).await;
    }

    /// Adjusts the schedule after a response to a request sent at `sent_at`: holds back the
    /// next sends after a 429, or when the window the request was counted in has no room
    /// left. That window is the Unix second of `sent_at`, so a response that arrives after
    /// the window ended delays nothing.
    pub async fn observe(&self, status: StatusCode, limit: &RateLimit, sent_at: SystemTime) {
        let hold_until = if status == StatusCode::TOO_MANY_REQUESTS {
            let wait = match limit.retry_after {
                Some(retry_after) => retry_after.delay_from(SystemTime::now()),
                None => until_second_after(sent_at),
            };
            tracing::debug!(
                wait_ms = wait.as_millis() as u64,
                "rate limited: pausing the pacer"
            );
            Some(Instant::now() + wait)
        } else if limit.remaining == Some(0) {
            Some(Instant::now() + until_second_after(sent_at))
        } else {
            None
        };
        if let Some(hold_until) = hold_until {
            let mut next = self.next_slot.lock().await;
            *next = (*next).max(hold_until);
        }
    }
}

/// Returns the time from now until the whole Unix second that follows `sent_at` starts, plus
/// a margin; zero if that time has passed.
fn until_second_after(sent_at: SystemTime) -> Duration {
    let sent = sent_at.duration_since(UNIX_EPOCH).unwrap_or_default();
    let next_second = UNIX_EPOCH + Duration::from_secs(sent.as_secs() + 1) + BOUNDARY_MARGIN;
    next_second
        .duration_since(SystemTime::now())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn slots_are_evenly_spaced() {
        let pacer = Pacer::new(10.0);
        let start = Instant::now();
        for _ in 0..5 {
            pacer.acquire().await;
        }
        // Paused time advances only by the sleeps: 4 intervals of 100 ms.
        assert_eq!(start.elapsed(), Duration::from_millis(400));
    }

    #[tokio::test(start_paused = true)]
    async fn too_many_requests_holds_the_next_slot() {
        let pacer = Pacer::new(1000.0);
        pacer.acquire().await;
        let limit = RateLimit {
            retry_after: Some(crate::RetryAfter::Delay(Duration::from_secs(2))),
            ..RateLimit::default()
        };
        pacer
            .observe(StatusCode::TOO_MANY_REQUESTS, &limit, SystemTime::now())
            .await;
        let start = Instant::now();
        pacer.acquire().await;
        assert!(start.elapsed() >= Duration::from_secs(2));
    }
}
