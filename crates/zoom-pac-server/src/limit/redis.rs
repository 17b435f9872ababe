//! The shared limiter: window counters in Redis, so that several server processes enforce
//! one account-wide limit.
//!
//! # Counting
//!
//! Each window of a key has one counter, `{prefix}{{{key}}}:{s|d}:{window number}`, where
//! the window number is the Unix second or the UTC day of the caller's `now`. One Lua script
//! per check reads every counter of the key, decides with the rule of [`decide`], and, only
//! if the request is admitted, increments every counter and gives a new counter the
//! lifetime of [`WindowKind::ttl`]. Redis runs a script atomically, so the counter of one
//! window number admits exactly its limit, no more, however many processes share the prefix.
//! The braces around the key make every counter of one check hash to the same Redis Cluster
//! slot.
//!
//! # Clock skew
//!
//! Each process takes the window number from its own clock, so clock skew between processes
//! is the only source of over-admission while Redis works. Over any span of real time, the
//! processes together admit at most the limit times the number of distinct window numbers
//! that their clocks show during that span. Suppose the clocks of any two processes differ by
//! at most δ (less than one window). During one window of the slowest clock, the others show
//! its window number and, in its last δ, the next one. So that window admits at most twice
//! the limit, with the excess within δ before the boundary. With δ = 0 it admits exactly the
//! limit.
//!
//! # Outages
//!
//! If Redis cannot be reached, times out or fails a script, the limiter decides in this
//! process with a [`MemoryLimiter`] instead, so that requests keep being served. It logs one
//! warning per outage, tries Redis again with a fresh connection at most once per
//! [`RedisLimiterConfig::retry_interval`] (the other checks meanwhile go straight to the
//! local limiter), and on recovery logs how many checks it decided locally. During an outage
//! each process enforces the limit on its own, so N processes admit up to N times the limit
//! per window, and Redis's counters do not include those local admissions afterwards. A
//! script that timed out may still run once a hung Redis resumes, so Redis may count a few
//! checks that were decided locally: that only lowers later admissions.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use async_trait::async_trait;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Client, RedisError, Script};

use super::{Decision, LimitError, MemoryLimiter, RateLimiter, Window, WindowKind, decide};
use crate::store::redact_url;

/// The key prefix used unless the configuration sets another.
pub const DEFAULT_PREFIX: &str = "zoom-pac:rl:";

/// Checks one request against every window of a key, atomically.
///
/// `KEYS[i]` is the counter of window i, `ARGV[i]` its limit and `ARGV[#KEYS + i]` the
/// lifetime of a new counter, in milliseconds. Returns `{admitted, count_1, ..., count_n}`
/// with 1 or 0 for `admitted` and the counts as they were before this request.
const CHECK_SCRIPT: &str = r"
local n = #KEYS
local counts = {}
for i = 1, n do
  counts[i] = tonumber(redis.call('GET', KEYS[i]) or '0')
end
for i = 1, n do
  if counts[i] >= tonumber(ARGV[i]) then
    return {0, unpack(counts)}
  end
end
for i = 1, n do
  if redis.call('INCR', KEYS[i]) == 1 then
    redis.call('PEXPIRE', KEYS[i], ARGV[n + i])
  end
end
return {1, unpack(counts)}
";

/// Settings of a [`RedisLimiter`].
#[derive(Debug, Clone)]
pub struct RedisLimiterConfig {
    /// The prefix of every key the limiter writes, so that several deployments or tests can
    /// share one Redis. Processes that must share limits use the same prefix.
    pub prefix: String,
    /// How long connecting to Redis may take before the attempt fails.
    pub connect_timeout: Duration,
    /// How long one Redis command may take before it fails.
    pub response_timeout: Duration,
    /// The minimum time between two attempts to reach Redis during an outage.
    pub retry_interval: Duration,
}

impl Default for RedisLimiterConfig {
    /// Returns the default prefix, 500 ms timeouts and one retry per second. The timeouts
    /// only bound how long requests wait while Redis is hung or unreachable, because a
    /// healthy Redis nearby replies far sooner.
    fn default() -> Self {
        Self {
            prefix: DEFAULT_PREFIX.to_owned(),
            connect_timeout: Duration::from_millis(500),
            response_timeout: Duration::from_millis(500),
            retry_interval: Duration::from_secs(1),
        }
    }
}

/// The connection state and counters of a [`RedisLimiter`], for tests and diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RedisLimiterStatus {
    /// Whether checks currently go to Redis.
    pub connected: bool,
    /// How many outages began, counting one at creation if Redis was unreachable then.
    pub outages: u64,
    /// How many checks were decided in this process because Redis was unavailable.
    pub local_checks: u64,
}

/// A rate limiter whose counters live in Redis, with an in-process fallback.
pub struct RedisLimiter {
    client: Client,
    /// The Redis URL with its password redacted, for logs.
    redis_url: String,
    config: RedisLimiterConfig,
    script: Script,
    link: Mutex<Link>,
    fallback: MemoryLimiter,
    outages: AtomicU64,
    local_checks: AtomicU64,
}

/// The limiter's connection state.
enum Link {
    /// Checks go to Redis through `manager`. `generation` distinguishes this connection from
    /// the earlier ones, so that a late failure on a discarded connection starts no new outage.
    Up {
        manager: ConnectionManager,
        generation: u64,
    },
    /// Redis is unavailable and checks are decided locally.
    Down(Outage),
}

struct Outage {
    started: Instant,
    /// When the next attempt to reach Redis may start.
    next_attempt: Instant,
    /// Whether a check is attempting to reach Redis now.
    attempt_in_flight: bool,
    /// The checks decided locally during this outage.
    local_checks: u64,
    /// The generation that the next connection gets.
    next_generation: u64,
}

/// The path that decides one check.
enum Route {
    Redis {
        manager: ConnectionManager,
        generation: u64,
    },
    /// Connect afresh and, if that works, decide in Redis and end the outage.
    Reconnect,
    Local,
}

impl RedisLimiter {
    /// Creates a limiter for the Redis at `url` (`redis://[:PASSWORD@]HOST[:PORT][/DB]`) and
    /// connects to it.
    ///
    /// An unreachable Redis is not an error here: the limiter then starts in an outage,
    /// deciding locally and retrying as described in the module documentation. Only a
    /// malformed URL is an error.
    pub async fn connect(url: &str, config: RedisLimiterConfig) -> Result<Self, LimitError> {
        let redis_url = redact_url(url);
        let client = Client::open(url).map_err(|error| {
            LimitError(format!(
                "invalid Redis URL {redis_url:?}: {error}; expected redis://[:PASSWORD@]HOST[:PORT][/DB]"
            ))
        })?;
        let limiter = Self {
            client,
            redis_url,
            config,
            script: Script::new(CHECK_SCRIPT),
            link: Mutex::new(Link::Down(Outage {
                started: Instant::now(),
                next_attempt: Instant::now(),
                attempt_in_flight: false,
                local_checks: 0,
                next_generation: 0,
            })),
            fallback: MemoryLimiter::new(),
            outages: AtomicU64::new(0),
            local_checks: AtomicU64::new(0),
        };
        match limiter.new_manager().await {
            Ok(manager) => {
                *limiter.lock_link() = Link::Up {
                    manager,
                    generation: 0,
                };
                tracing::info!(
                    redis = %limiter.redis_url,
                    prefix = %limiter.config.prefix,
                    "rate limits are shared through Redis"
                );
            }
            Err(error) => {
                limiter.outages.fetch_add(1, Ordering::Relaxed);
                if let Link::Down(outage) = &mut *limiter.lock_link() {
                    outage.next_attempt = Instant::now() + limiter.config.retry_interval;
                    outage.next_generation = 1;
                }
                tracing::warn!(
                    redis = %limiter.redis_url,
                    %error,
                    "Redis is unreachable; deciding rate limits in this process until it is back"
                );
            }
        }
        Ok(limiter)
    }

    /// Returns whether checks go to Redis now, and how many outages and local checks there
    /// have been.
    pub fn status(&self) -> RedisLimiterStatus {
        RedisLimiterStatus {
            connected: matches!(&*self.lock_link(), Link::Up { .. }),
            outages: self.outages.load(Ordering::Relaxed),
            local_checks: self.local_checks.load(Ordering::Relaxed),
        }
    }

    /// Returns the prefix of the keys this limiter writes.
    pub fn prefix(&self) -> &str {
        &self.config.prefix
    }

    fn lock_link(&self) -> std::sync::MutexGuard<'_, Link> {
        // The state stays consistent if a holder panicked: every update is one assignment.
        self.link
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Picks where a check is decided, and reserves the reconnection attempt if it is due.
    fn route(&self) -> Route {
        let mut link = self.lock_link();
        match &mut *link {
            Link::Up {
                manager,
                generation,
            } => Route::Redis {
                manager: manager.clone(),
                generation: *generation,
            },
            Link::Down(outage) => {
                let now = Instant::now();
                if outage.attempt_in_flight || now < outage.next_attempt {
                    outage.local_checks += 1;
                    return Route::Local;
                }
                outage.attempt_in_flight = true;
                outage.next_attempt = now + self.config.retry_interval;
                Route::Reconnect
            }
        }
    }

    /// Connects with a fresh manager. Its own reconnection retries are off, because this
    /// limiter retries at its own pace and decides locally in between.
    async fn new_manager(&self) -> Result<ConnectionManager, RedisError> {
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(self.config.connect_timeout)
            .set_response_timeout(self.config.response_timeout)
            .set_number_of_retries(0);
        let connecting = ConnectionManager::new_with_config(self.client.clone(), config);
        // The manager applies the connection timeout to each attempt; this bounds the whole.
        let limit = self.config.connect_timeout + self.config.response_timeout;
        match tokio::time::timeout(limit, connecting).await {
            Ok(result) => result,
            Err(_) => Err(timed_out("connecting to Redis")),
        }
    }

    /// Runs the check script and turns its counts into a decision with [`decide`].
    async fn check_in_redis(
        &self,
        manager: &mut ConnectionManager,
        key: &str,
        windows: &[Window],
        now: SystemTime,
    ) -> Result<Decision, RedisError> {
        let mut invocation = self.script.prepare_invoke();
        for window in windows {
            invocation.key(self.counter_key(key, window.kind, now));
        }
        for window in windows {
            invocation.arg(window.limit);
        }
        for window in windows {
            let lifetime_ms = u64::try_from(window.kind.ttl().as_millis()).unwrap_or(u64::MAX);
            invocation.arg(lifetime_ms);
        }
        // A script not yet cached by Redis takes three round trips: EVALSHA, SCRIPT LOAD and
        // EVALSHA again. The manager times out each one; this bounds the whole.
        let limit = self.config.response_timeout * 3;
        let reply: Vec<u64> =
            match tokio::time::timeout(limit, invocation.invoke_async(manager)).await {
                Ok(result) => result?,
                Err(_) => return Err(timed_out("the rate-limit script")),
            };
        let (admitted, counts) = match reply.split_first() {
            Some((&admitted, counts)) if counts.len() == windows.len() => (admitted == 1, counts),
            _ => {
                return Err(RedisError::from((
                    redis::ErrorKind::TypeError,
                    "unexpected reply from the rate-limit script",
                    format!("{reply:?}"),
                )));
            }
        };
        let decision = decide(windows, counts, now);
        if admitted != matches!(decision, Decision::Admitted { .. }) {
            return Err(RedisError::from((
                redis::ErrorKind::ClientError,
                "the rate-limit script and decide() disagree",
                format!("counts {counts:?}"),
            )));
        }
        Ok(decision)
    }

    fn counter_key(&self, key: &str, kind: WindowKind, now: SystemTime) -> String {
        format!(
            "{}{{{key}}}:{}:{}",
            self.config.prefix,
            kind.key_part(),
            kind.window_number(now)
        )
    }

    /// Decides locally and counts the check as one decided during an outage.
    fn decide_locally(&self, key: &str, windows: &[Window], now: SystemTime) -> Decision {
        self.local_checks.fetch_add(1, Ordering::Relaxed);
        self.fallback.check_now(key, windows, now)
    }

    /// Records that a check on the connection of `generation` failed, starting an outage if
    /// that connection is still the current one.
    fn record_failure(&self, generation: u64, error: &RedisError) {
        let mut link = self.lock_link();
        match &mut *link {
            Link::Up {
                generation: current,
                ..
            } if *current == generation => {
                *link = Link::Down(Outage {
                    started: Instant::now(),
                    next_attempt: Instant::now() + self.config.retry_interval,
                    attempt_in_flight: false,
                    local_checks: 1,
                    next_generation: generation + 1,
                });
                drop(link);
                self.outages.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(
                    redis = %self.redis_url,
                    %error,
                    retry_interval_ms = self.config.retry_interval.as_millis(),
                    "Redis failed; deciding rate limits in this process until it is back"
                );
            }
            Link::Up { .. } => {
                // A check that started before the outage that a newer connection ended.
                tracing::debug!(%error, "a rate-limit check failed on a discarded Redis connection");
            }
            Link::Down(outage) => outage.local_checks += 1,
        }
    }

    /// Records the result of a reconnection attempt that [`Self::route`] reserved.
    fn record_attempt(&self, result: Result<ConnectionManager, &RedisError>) {
        let mut link = self.lock_link();
        let Link::Down(outage) = &mut *link else {
            return;
        };
        match result {
            Ok(manager) => {
                let local_checks = outage.local_checks;
                let outage_ms = outage.started.elapsed().as_millis();
                let generation = outage.next_generation;
                *link = Link::Up {
                    manager,
                    generation,
                };
                drop(link);
                tracing::info!(
                    redis = %self.redis_url,
                    local_checks,
                    outage_ms,
                    "Redis is reachable again; rate limits are shared again"
                );
            }
            Err(error) => {
                outage.attempt_in_flight = false;
                outage.next_attempt = Instant::now() + self.config.retry_interval;
                outage.local_checks += 1;
                tracing::debug!(
                    redis = %self.redis_url,
                    %error,
                    retry_interval_ms = self.config.retry_interval.as_millis(),
                    "Redis is still unavailable; will retry"
                );
            }
        }
    }

    /// Connects afresh and runs the check on the new connection.
    async fn reconnect_and_check(
        &self,
        key: &str,
        windows: &[Window],
        now: SystemTime,
    ) -> Result<(ConnectionManager, Decision), RedisError> {
        let mut manager = self.new_manager().await?;
        let decision = self.check_in_redis(&mut manager, key, windows, now).await?;
        Ok((manager, decision))
    }
}

#[async_trait]
impl RateLimiter for RedisLimiter {
    async fn check(
        &self,
        key: &str,
        windows: &[Window],
        now: SystemTime,
    ) -> Result<Decision, LimitError> {
        if windows.is_empty() {
            return Ok(decide(windows, &[], now));
        }
        match self.route() {
            Route::Redis {
                mut manager,
                generation,
            } => match self.check_in_redis(&mut manager, key, windows, now).await {
                Ok(decision) => Ok(decision),
                Err(error) => {
                    self.record_failure(generation, &error);
                    Ok(self.decide_locally(key, windows, now))
                }
            },
            Route::Reconnect => match self.reconnect_and_check(key, windows, now).await {
                Ok((manager, decision)) => {
                    self.record_attempt(Ok(manager));
                    Ok(decision)
                }
                Err(error) => {
                    self.record_attempt(Err(&error));
                    Ok(self.decide_locally(key, windows, now))
                }
            },
            Route::Local => Ok(self.decide_locally(key, windows, now)),
        }
    }
}

fn timed_out(what: &'static str) -> RedisError {
    RedisError::from(std::io::Error::new(
        std::io::ErrorKind::TimedOut,
        format!("{what} timed out"),
    ))
}
