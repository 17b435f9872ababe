//! Rate limiting: Zoom's per-account limits by plan and label, behind one trait.
//!
//! Zoom counts requests per account and per label (the PAC listing is Light), with a
//! per-second window on every plan and a daily window on the Free plan. Both windows here
//! are fixed: the per-second window is one Unix second and the daily window is one UTC day,
//! reset at 00:00 UTC. A request is admitted only if every window of its rule has room, and
//! only admitted requests are counted.

mod memory;
mod redis;
mod table;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;

pub use memory::MemoryLimiter;
pub use redis::{DEFAULT_PREFIX, RedisLimiter, RedisLimiterConfig, RedisLimiterStatus};
pub use table::{Label, LimitTable, ParseRuleError};

/// The seconds in a daily window.
const SECONDS_PER_DAY: u64 = 86_400;

/// A kind of window, named as Zoom's `X-RateLimit-Type` header names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WindowKind {
    /// One Unix second.
    PerSecond,
    /// One UTC day.
    Daily,
}

impl WindowKind {
    /// Returns the value of the `X-RateLimit-Type` header for this window.
    pub fn header_value(self) -> &'static str {
        match self {
            WindowKind::PerSecond => "QPS",
            WindowKind::Daily => "Daily-limit",
        }
    }

    /// Returns the short name used in storage keys.
    pub fn key_part(self) -> &'static str {
        match self {
            WindowKind::PerSecond => "s",
            WindowKind::Daily => "d",
        }
    }

    /// Returns the number of the window that contains `now`: the Unix second or the day.
    pub fn window_number(self, now: SystemTime) -> u64 {
        let seconds = unix_seconds(now);
        match self {
            WindowKind::PerSecond => seconds,
            WindowKind::Daily => seconds / SECONDS_PER_DAY,
        }
    }

    /// Returns when the window that contains `now` ends and the next one starts.
    pub fn next_reset(self, now: SystemTime) -> SystemTime {
        let length = match self {
            WindowKind::PerSecond => 1,
            WindowKind::Daily => SECONDS_PER_DAY,
        };
        UNIX_EPOCH + Duration::from_secs((self.window_number(now) + 1) * length)
    }

    /// Returns how long a storage entry for this window must live.
    pub fn ttl(self) -> Duration {
        match self {
            WindowKind::PerSecond => Duration::from_secs(2),
            WindowKind::Daily => Duration::from_secs(SECONDS_PER_DAY + 60),
        }
    }
}

/// One window of a rule: at most `limit` requests per window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub kind: WindowKind,
    pub limit: u64,
}

/// The outcome of a rate-limit check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// The request was admitted and counted. `remaining` is the room left in the window with
    /// the least room.
    Admitted { remaining: u64 },
    /// The request was rejected and not counted, because `window` is full.
    Rejected {
        window: WindowKind,
        limit: u64,
        /// When the full window ends.
        retry_at: SystemTime,
    },
}

/// A failure of the limiter's backing service.
#[derive(Debug, thiserror::Error)]
#[error("rate limiter failed: {0}")]
pub struct LimitError(pub String);

/// Counts requests and decides whether each is admitted.
///
/// Implementations must make each check atomic: concurrent checks of one key never admit
/// more than a window's limit, also across processes for a shared implementation.
#[async_trait]
pub trait RateLimiter: Send + Sync + 'static {
    /// Checks one request of `key` at `now` against every window in `windows`, and counts it
    /// in all of them if and only if it is admitted.
    async fn check(
        &self,
        key: &str,
        windows: &[Window],
        now: SystemTime,
    ) -> Result<Decision, LimitError>;
}

fn unix_seconds(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

/// Decides a request from the current counts of its windows, in the order of `windows`.
/// Both the in-process and the shared limiters use this, so that they agree.
pub fn decide(windows: &[Window], counts: &[u64], now: SystemTime) -> Decision {
    let mut remaining = u64::MAX;
    for (window, &count) in windows.iter().zip(counts) {
        if count >= window.limit {
            return Decision::Rejected {
                window: window.kind,
                limit: window.limit,
                retry_at: window.kind.next_reset(now),
            };
        }
        remaining = remaining.min(window.limit - count - 1);
    }
    Decision::Admitted { remaining }
}
