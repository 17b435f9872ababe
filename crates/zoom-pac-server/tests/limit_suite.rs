//! The rate-limit test suite: every behaviour of the `RateLimiter` trait, run once against
//! the in-process `MemoryLimiter` and once against the `RedisLimiter`, plus the Redis
//! limiter's fallback when Redis fails.
//!
//! The shared half needs `ZOOM_PAC_TEST_REDIS_URL`, such as `redis://127.0.0.1:6379`. Each
//! test writes under its own random key prefix and deletes its keys at the end. The fallback
//! tests start their own `redis-server` on a free port, so that they can kill and restart
//! it, and print that they were skipped if that program is not installed.

use std::future::Future;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use redis::AsyncCommands;
use zoom_pac_server::limit::{
    Decision, MemoryLimiter, RateLimiter, RedisLimiter, RedisLimiterConfig, Window, WindowKind,
};

const REDIS_URL_VAR: &str = "ZOOM_PAC_TEST_REDIS_URL";

/// Generates one test per limiter for each listed test function: `memory::NAME` and
/// `redis_shared::NAME` (a module named `redis` would hide the redis crate).
macro_rules! limit_tests {
    ($($name:ident),* $(,)?) => {
        mod memory {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::run_on_memory(super::$name).await;
                }
            )*
        }
        mod redis_shared {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::run_on_redis(super::$name).await;
                }
            )*
        }
    };
}

limit_tests!(
    concurrent_checks_admit_exactly_limit,
    per_second_window_resets_next_second,
    daily_window_resets_at_utc_midnight,
    daily_and_per_second_windows_combine,
    rejected_checks_are_not_counted,
    keys_are_counted_apart,
    no_windows_admit_everything,
);

// ---------------------------------------------------------------------------------------
// Limiters

async fn run_on_memory<F, Fut>(test: F)
where
    F: FnOnce(Arc<dyn RateLimiter>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    test(Arc::new(MemoryLimiter::new())).await;
}

/// Runs `test` on a Redis limiter with its own key prefix, checks that Redis decided every
/// check, and deletes the prefix's keys even if the test fails.
async fn run_on_redis<F, Fut>(test: F)
where
    F: FnOnce(Arc<dyn RateLimiter>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Ok(url) = std::env::var(REDIS_URL_VAR) else {
        eprintln!("skipped: {REDIS_URL_VAR} is not set, so the Redis limiter is not tested");
        return;
    };
    let prefix = format!("zoompac-test:{:016x}:", rand::random::<u64>());
    // Long timeouts, because a check that times out is decided locally and would make this
    // test measure the fallback instead of Redis.
    let config = RedisLimiterConfig {
        prefix: prefix.clone(),
        connect_timeout: Duration::from_secs(5),
        response_timeout: Duration::from_secs(5),
        retry_interval: Duration::from_secs(1),
    };
    let limiter = Arc::new(
        RedisLimiter::connect(&url, config)
            .await
            .expect("create the Redis limiter"),
    );
    assert!(limiter.status().connected, "Redis at {url} is unreachable");

    let outcome = tokio::spawn(test(Arc::clone(&limiter) as Arc<dyn RateLimiter>)).await;
    let status = limiter.status();
    delete_keys(&url, &prefix).await;
    if let Err(error) = outcome {
        std::panic::resume_unwind(error.into_panic());
    }
    assert_eq!(
        status.outages, 0,
        "Redis failed during the test: {status:?}"
    );
    assert_eq!(
        status.local_checks, 0,
        "checks were decided locally: {status:?}"
    );
}

/// Deletes every key under `prefix`, and only those.
async fn delete_keys(url: &str, prefix: &str) {
    let client = redis::Client::open(url).expect("valid Redis URL");
    let mut connection = client
        .get_multiplexed_async_connection()
        .await
        .expect("connect to Redis");
    let mut keys: Vec<String> = Vec::new();
    let mut cursor: u64 = 0;
    loop {
        let (next, batch): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(format!("{prefix}*"))
            .arg("COUNT")
            .arg(1000)
            .query_async(&mut connection)
            .await
            .expect("scan the test keys");
        keys.extend(batch);
        if next == 0 {
            break;
        }
        cursor = next;
    }
    if !keys.is_empty() {
        let _: () = connection.del(keys).await.expect("delete the test keys");
    }
}

// ---------------------------------------------------------------------------------------
// Helpers

/// 2030-01-01T00:00:00Z, a day boundary.
const DAY_START: u64 = 1_893_456_000;

fn at(seconds: u64, millis: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(seconds) + Duration::from_millis(millis)
}

fn per_second(limit: u64) -> Window {
    Window {
        kind: WindowKind::PerSecond,
        limit,
    }
}

fn daily(limit: u64) -> Window {
    Window {
        kind: WindowKind::Daily,
        limit,
    }
}

async fn check(
    limiter: &Arc<dyn RateLimiter>,
    key: &str,
    windows: &[Window],
    now: SystemTime,
) -> Decision {
    limiter
        .check(key, windows, now)
        .await
        .expect("the limiter decides")
}

fn admitted(remaining: u64) -> Decision {
    Decision::Admitted { remaining }
}

fn rejected(window: Window, retry_at: SystemTime) -> Decision {
    Decision::Rejected {
        window: window.kind,
        limit: window.limit,
        retry_at,
    }
}

// ---------------------------------------------------------------------------------------
// Tests

async fn concurrent_checks_admit_exactly_limit(limiter: Arc<dyn RateLimiter>) {
    const CHECKS: usize = 200;
    let windows = [per_second(80)];
    let now = at(DAY_START + 100, 500);

    let mut tasks = Vec::new();
    for _ in 0..CHECKS {
        let limiter = Arc::clone(&limiter);
        tasks.push(tokio::spawn(async move {
            limiter.check("acct:Light", &windows, now).await
        }));
    }
    let mut remaining = Vec::new();
    let mut rejections = 0;
    for task in tasks {
        match task.await.unwrap().expect("the limiter decides") {
            Decision::Admitted { remaining: room } => remaining.push(room),
            decision => {
                assert_eq!(decision, rejected(windows[0], at(DAY_START + 101, 0)));
                rejections += 1;
            }
        }
    }

    assert_eq!(remaining.len(), 80, "admitted");
    assert_eq!(rejections, CHECKS - 80, "rejected");
    // Each admitted check saw a different count, so the room left covers 0..80 once each.
    remaining.sort_unstable();
    assert_eq!(remaining, (0..80).collect::<Vec<u64>>());
}

async fn per_second_window_resets_next_second(limiter: Arc<dyn RateLimiter>) {
    let windows = [per_second(3)];
    let second = DAY_START + 7;

    for expected in [2, 1, 0] {
        let decision = check(&limiter, "acct:Light", &windows, at(second, 100)).await;
        assert_eq!(decision, admitted(expected));
    }
    let retry_at = at(second + 1, 0);
    assert_eq!(
        check(&limiter, "acct:Light", &windows, at(second, 200)).await,
        rejected(windows[0], retry_at)
    );
    assert_eq!(
        check(&limiter, "acct:Light", &windows, at(second, 999)).await,
        rejected(windows[0], retry_at),
        "the last millisecond is still the same window"
    );

    assert_eq!(
        check(&limiter, "acct:Light", &windows, at(second + 1, 0)).await,
        admitted(2),
        "the next second starts a new window"
    );
    assert_eq!(
        check(&limiter, "acct:Light", &windows, at(second + 3, 0)).await,
        admitted(2),
        "a later second starts from zero too"
    );
}

async fn daily_window_resets_at_utc_midnight(limiter: Arc<dyn RateLimiter>) {
    let windows = [daily(2)];

    assert_eq!(
        check(
            &limiter,
            "acct:Light",
            &windows,
            at(DAY_START + 10 * 3600, 0)
        )
        .await,
        admitted(1)
    );
    assert_eq!(
        check(
            &limiter,
            "acct:Light",
            &windows,
            at(DAY_START + 12 * 3600, 0)
        )
        .await,
        admitted(0)
    );
    let next_day = DAY_START + 86_400;
    assert_eq!(
        check(&limiter, "acct:Light", &windows, at(next_day - 1, 999)).await,
        rejected(windows[0], at(next_day, 0))
    );

    assert_eq!(
        check(&limiter, "acct:Light", &windows, at(next_day, 0)).await,
        admitted(1),
        "00:00 UTC starts a new day"
    );
}

async fn daily_and_per_second_windows_combine(limiter: Arc<dyn RateLimiter>) {
    let windows = [per_second(3), daily(5)];
    let second = DAY_START + 3600;

    // The room left is that of the fuller window.
    for expected in [2, 1, 0] {
        let decision = check(&limiter, "acct:Light", &windows, at(second, 0)).await;
        assert_eq!(decision, admitted(expected));
    }
    assert_eq!(
        check(&limiter, "acct:Light", &windows, at(second, 1)).await,
        rejected(windows[0], at(second + 1, 0)),
        "the per-second window is full first"
    );

    for expected in [1, 0] {
        let decision = check(&limiter, "acct:Light", &windows, at(second + 1, 0)).await;
        assert_eq!(decision, admitted(expected));
    }
    let midnight = at(DAY_START + 86_400, 0);
    assert_eq!(
        check(&limiter, "acct:Light", &windows, at(second + 1, 1)).await,
        rejected(windows[1], midnight),
        "the daily window is full after five"
    );
    assert_eq!(
        check(&limiter, "acct:Light", &windows, at(second + 2, 0)).await,
        rejected(windows[1], midnight),
        "a new second does not reopen a full day"
    );
    assert_eq!(
        check(&limiter, "acct:Light", &windows, at(DAY_START + 86_400, 0)).await,
        admitted(2)
    );
}

async fn rejected_checks_are_not_counted(limiter: Arc<dyn RateLimiter>) {
    let windows = [per_second(2), daily(4)];
    let second = DAY_START + 60;

    for _ in 0..2 {
        let decision = check(&limiter, "acct:Light", &windows, at(second, 0)).await;
        assert!(
            matches!(decision, Decision::Admitted { .. }),
            "{decision:?}"
        );
    }
    for _ in 0..10 {
        let decision = check(&limiter, "acct:Light", &windows, at(second, 500)).await;
        assert_eq!(decision, rejected(windows[0], at(second + 1, 0)));
    }

    // Had the ten rejections been counted, the daily window would be full now.
    assert_eq!(
        check(&limiter, "acct:Light", &windows, at(second + 1, 0)).await,
        admitted(1)
    );
    assert_eq!(
        check(&limiter, "acct:Light", &windows, at(second + 1, 0)).await,
        admitted(0)
    );
    assert_eq!(
        check(&limiter, "acct:Light", &windows, at(second + 2, 0)).await,
        rejected(windows[1], at(DAY_START + 86_400, 0))
    );

    // Daily rejections leave the per-second window untouched as well.
    let windows = [per_second(3), daily(1)];
    assert_eq!(
        check(&limiter, "other:Light", &windows, at(second, 0)).await,
        admitted(0)
    );
    for _ in 0..5 {
        let decision = check(&limiter, "other:Light", &windows, at(second, 0)).await;
        assert_eq!(decision, rejected(windows[1], at(DAY_START + 86_400, 0)));
    }
    let relaxed = [per_second(3)];
    assert_eq!(
        check(&limiter, "other:Light", &relaxed, at(second, 0)).await,
        admitted(1),
        "the per-second window counted only the admitted check"
    );
}

async fn keys_are_counted_apart(limiter: Arc<dyn RateLimiter>) {
    let windows = [per_second(1)];
    let now = at(DAY_START + 5, 0);

    assert_eq!(check(&limiter, "a:Light", &windows, now).await, admitted(0));
    assert_eq!(check(&limiter, "b:Light", &windows, now).await, admitted(0));
    assert_eq!(
        check(&limiter, "a:Medium", &windows, now).await,
        admitted(0)
    );
    assert_eq!(
        check(&limiter, "a:Light", &windows, now).await,
        rejected(windows[0], at(DAY_START + 6, 0))
    );
}

async fn no_windows_admit_everything(limiter: Arc<dyn RateLimiter>) {
    for _ in 0..3 {
        let decision = check(&limiter, "acct:Light", &[], at(DAY_START, 0)).await;
        assert_eq!(decision, admitted(u64::MAX));
    }
}

// ---------------------------------------------------------------------------------------
// Redis fallback

/// A `redis-server` of this test alone, on a free port, without persistence.
struct ThrowawayRedis {
    port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

impl ThrowawayRedis {
    /// Starts a server, or returns `None` after printing why the test is skipped if
    /// `redis-server` is not installed.
    fn start() -> Option<Self> {
        let port = free_port();
        let dir = tempfile::tempdir().expect("create a temporary directory");
        let mut redis = Self {
            port,
            dir,
            child: None,
        };
        match redis.spawn() {
            Ok(()) => Some(redis),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                eprintln!("skipped: redis-server is not installed, so the fallback is not tested");
                None
            }
            Err(error) => panic!("failed to start redis-server: {error}"),
        }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    fn spawn(&mut self) -> std::io::Result<()> {
        let child = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port"])
            .arg(self.port.to_string())
            .args(["--save", "", "--appendonly", "no", "--dir"])
            .arg(self.dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        self.child = Some(child);
        wait_until_ready(&self.url(), self.dir.path());
        Ok(())
    }

    /// Kills the server at once, as a crash would.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().expect("kill redis-server");
            child.wait().expect("reap redis-server");
        }
    }

    /// Starts the server again on the same port.
    fn restart(&mut self) {
        self.spawn().expect("restart redis-server");
    }

    /// Sends SIGSTOP or SIGCONT, to make the server hang or resume.
    fn signal(&self, signal: &str) {
        let pid = self.child.as_ref().expect("redis-server runs").id();
        let status = Command::new("kill")
            .arg(signal)
            .arg(pid.to_string())
            .status()
            .expect("run kill");
        assert!(status.success(), "kill {signal} {pid} failed");
    }
}

impl Drop for ThrowawayRedis {
    fn drop(&mut self) {
        if let Some(child) = &self.child {
            // A stopped process must resume to handle SIGKILL's cleanup promptly.
            let _ = Command::new("kill")
                .arg("-CONT")
                .arg(child.id().to_string())
                .status();
        }
        self.kill();
    }
}

/// Returns a port that nothing listens on at the time of the call.
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local address").port()
}

/// Waits until the server at `url` replies to PING, for at most about ten seconds.
fn wait_until_ready(url: &str, dir: &Path) {
    let client = redis::Client::open(url).expect("valid Redis URL");
    for _ in 0..200 {
        if let Ok(mut connection) = client.get_connection()
            && redis::cmd("PING").query::<String>(&mut connection).is_ok()
        {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!(
        "redis-server at {url} (dir {}) did not start",
        dir.display()
    );
}

/// Returns a limiter configuration that notices failures and retries quickly.
fn quick_config() -> RedisLimiterConfig {
    RedisLimiterConfig {
        prefix: "zoompac-fallback:".to_owned(),
        connect_timeout: Duration::from_millis(300),
        response_timeout: Duration::from_millis(300),
        retry_interval: Duration::from_millis(100),
    }
}

/// Checks `key` with fresh per-second windows until the limiter uses Redis again, for at
/// most about twenty seconds.
async fn wait_until_connected(limiter: &RedisLimiter) {
    for attempt in 0..400_u64 {
        let now = at(DAY_START + 10_000 + attempt, 0);
        limiter
            .check("probe:Light", &[per_second(1_000)], now)
            .await
            .expect("the limiter decides");
        if limiter.status().connected {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the limiter did not reconnect: {:?}", limiter.status());
}

async fn counter(url: &str, key: &str) -> Option<u64> {
    let client = redis::Client::open(url).expect("valid Redis URL");
    let mut connection = client
        .get_multiplexed_async_connection()
        .await
        .expect("connect to Redis");
    connection.get(key).await.expect("read a counter")
}

#[tokio::test]
async fn unreachable_redis_decides_locally() {
    // Nothing listens on this port once the listener above is dropped.
    let url = format!("redis://127.0.0.1:{}", free_port());
    let limiter = RedisLimiter::connect(&url, quick_config())
        .await
        .expect("an unreachable Redis is no error");

    let status = limiter.status();
    assert!(!status.connected);
    assert_eq!(status.outages, 1);

    let windows = [per_second(3)];
    let now = at(DAY_START + 1, 0);
    for expected in [2, 1, 0] {
        let decision = limiter.check("acct:Light", &windows, now).await.unwrap();
        assert_eq!(decision, admitted(expected));
    }
    let decision = limiter.check("acct:Light", &windows, now).await.unwrap();
    assert_eq!(decision, rejected(windows[0], at(DAY_START + 2, 0)));

    let status = limiter.status();
    assert_eq!(status.outages, 1, "one outage, however many checks");
    assert_eq!(status.local_checks, 4);
}

#[tokio::test]
async fn invalid_redis_url_is_rejected() {
    let error = match RedisLimiter::connect("http://:s3cret@127.0.0.1", quick_config()).await {
        Ok(_) => panic!("an http URL was accepted"),
        Err(error) => error,
    };
    let message = error.to_string();
    assert!(message.contains("invalid Redis URL"), "{message}");
    assert!(!message.contains("s3cret"), "{message}");
}

/// Returns the Redis key of the daily counter of `key` on the day of `DAY_START`.
fn daily_counter_key(key: &str) -> String {
    format!("zoompac-fallback:{{{key}}}:d:{}", DAY_START / 86_400)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_redis_falls_back_and_recovers() {
    let Some(mut server) = ThrowawayRedis::start() else {
        return;
    };
    let url = server.url();
    let limiter = RedisLimiter::connect(&url, quick_config()).await.unwrap();
    // Daily counters, so that none expires while the test reads it.
    let windows = [daily(3)];
    let now = at(DAY_START + 20, 0);
    let retry_at = at(DAY_START + 86_400, 0);

    let decision = limiter.check("up:Light", &windows, now).await.unwrap();
    assert_eq!(decision, admitted(2));
    assert_eq!(
        counter(&url, &daily_counter_key("up:Light")).await,
        Some(1),
        "Redis counted the check"
    );
    assert!(limiter.status().connected);

    server.kill();
    for expected in [2, 1, 0] {
        let decision = limiter.check("down:Light", &windows, now).await;
        assert_eq!(decision.unwrap(), admitted(expected), "decided locally");
    }
    for _ in 0..20 {
        let decision = limiter.check("down:Light", &windows, now).await;
        assert_eq!(
            decision.unwrap(),
            rejected(windows[0], retry_at),
            "the local limiter enforces the limit"
        );
    }
    let status = limiter.status();
    assert!(!status.connected);
    assert_eq!(status.outages, 1, "one outage, however many checks");
    assert_eq!(status.local_checks, 23);

    server.restart();
    wait_until_connected(&limiter).await;

    let status = limiter.status();
    assert_eq!(status.outages, 1);
    let decision = limiter.check("back:Light", &windows, now).await.unwrap();
    assert_eq!(decision, admitted(2));
    assert_eq!(
        counter(&url, &daily_counter_key("back:Light")).await,
        Some(1),
        "Redis counts again"
    );
    assert_eq!(limiter.status().local_checks, status.local_checks);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hung_redis_falls_back_and_recovers() {
    let Some(server) = ThrowawayRedis::start() else {
        return;
    };
    let url = server.url();
    let limiter = Arc::new(RedisLimiter::connect(&url, quick_config()).await.unwrap());
    let windows = [daily(50)];
    let now = at(DAY_START + 30, 0);

    let decision = limiter.check("hung:Light", &windows, now).await.unwrap();
    assert_eq!(decision, admitted(49));

    server.signal("-STOP");
    // Concurrent checks all return: those in flight when Redis hangs time out, and the
    // rest are decided locally at once.
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let limiter = Arc::clone(&limiter);
        tasks.push(tokio::spawn(async move {
            limiter.check("hung:Light", &windows, now).await
        }));
    }
    for task in tasks {
        let decision = task.await.unwrap().expect("the limiter decides");
        assert!(
            matches!(decision, Decision::Admitted { .. }),
            "{decision:?}"
        );
    }
    let status = limiter.status();
    assert!(!status.connected);
    assert_eq!(status.outages, 1);
    assert_eq!(status.local_checks, 10);

    server.signal("-CONT");
    wait_until_connected(&limiter).await;
    let decision = limiter.check("resumed:Light", &windows, now).await.unwrap();
    assert_eq!(decision, admitted(49));
    assert_eq!(
        counter(&url, &daily_counter_key("resumed:Light")).await,
        Some(1),
        "Redis counts again"
    );
}
