//! The in-process limiter: exact within one process, shared by nothing else.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::SystemTime;

use async_trait::async_trait;

use super::{Decision, LimitError, RateLimiter, Window, WindowKind, decide};

/// Counts per key and window kind in a map behind one mutex, so every check is atomic.
#[derive(Debug, Default)]
pub struct MemoryLimiter {
    /// For each key and window kind: the window number and the requests counted in it.
    counts: Mutex<HashMap<(String, WindowKind), (u64, u64)>>,
}

impl MemoryLimiter {
    /// Creates an empty limiter.
    pub fn new() -> Self {
        Self::default()
    }

    /// Checks and counts without waiting; the body of [`RateLimiter::check`].
    pub fn check_now(&self, key: &str, windows: &[Window], now: SystemTime) -> Decision {
        let mut counts = self
            .counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let current: Vec<u64> = windows
            .iter()
            .map(|window| {
                let number = window.kind.window_number(now);
                match counts.get(&(key.to_owned(), window.kind)) {
                    Some(&(stored, count)) if stored == number => count,
                    _ => 0,
                }
            })
            .collect();
        let decision = decide(windows, &current, now);
        if let Decision::Admitted { .. } = decision {
            for (window, count) in windows.iter().zip(current) {
                let number = window.kind.window_number(now);
                counts.insert((key.to_owned(), window.kind), (number, count + 1));
            }
        }
        decision
    }
}

#[async_trait]
impl RateLimiter for MemoryLimiter {
    async fn check(
        &self,
        key: &str,
        windows: &[Window],
        now: SystemTime,
    ) -> Result<Decision, LimitError> {
        Ok(self.check_now(key, windows, now))
    }
}
