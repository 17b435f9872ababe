//! Several `zoom-pac serve` processes sharing one PostgreSQL database and one Redis key
//! prefix, and single servers whose PostgreSQL or Redis fails while they serve.
//!
//! The tests need `ZOOM_PAC_TEST_POSTGRES_URL` (an admin URL such as
//! `postgres://postgres@127.0.0.1:5432/postgres`, from which each test creates and later
//! drops its own database with `psql`) and `ZOOM_PAC_TEST_REDIS_URL` (such as
//! `redis://127.0.0.1:6379`). The Redis outage test starts its own `redis-server`. Each test
//! prints that it was skipped if what it needs is missing.

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_zoom-pac");
const POSTGRES_URL_VAR: &str = "ZOOM_PAC_TEST_POSTGRES_URL";
const REDIS_URL_VAR: &str = "ZOOM_PAC_TEST_REDIS_URL";

const ACCOUNT_ID: &str = "mpAccount";
const CLIENT_ID: &str = "mpClient01";
const CLIENT_SECRET: &str = "mpClientSecret-0123456789";
const OWNER_ID: &str = "mp-owner";
const LATE_USER_ID: &str = "mp-late";
/// The per-second limit of the PAC listing that every server gets.
const QPS: u64 = 20;

// ---------------------------------------------------------------------------------------
// Environment

fn env_or_skip(name: &str) -> Option<String> {
    let value = std::env::var(name).ok();
    if value.is_none() {
        eprintln!("skipped: {name} is not set");
    }
    value
}

/// Runs one SQL statement through `psql` as the admin user.
fn psql(admin_url: &str, sql: &str) {
    let output = Command::new("psql")
        .args([
            "-v",
            "ON_ERROR_STOP=1",
            "-X",
            "-q",
            "-d",
            admin_url,
            "-c",
            sql,
        ])
        .output()
        .expect("run psql");
    assert!(
        output.status.success(),
        "psql failed on {sql:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn psql_installed() -> bool {
    let found = Command::new("psql")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !found {
        eprintln!("skipped: psql is not installed");
    }
    found
}

/// A database of this test alone, dropped when this value is dropped.
struct TestDatabase {
    admin_url: String,
    name: String,
    url: String,
}

impl TestDatabase {
    fn create(admin_url: &str) -> Self {
        let name = format!("zoompac_test_{:016x}", random_u64());
        psql(admin_url, &format!("CREATE DATABASE \"{name}\""));
        Self {
            admin_url: admin_url.to_owned(),
            url: database_url(admin_url, &name),
            name,
        }
    }

    /// Closes every connection to the database and rejects new ones, as if its server
    /// went away, without touching any other database.
    fn cut_off(&self) {
        psql(
            &self.admin_url,
            &format!("ALTER DATABASE \"{}\" ALLOW_CONNECTIONS false", self.name),
        );
        psql(
            &self.admin_url,
            &format!(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE datname = '{}' AND pid <> pg_backend_pid()",
                self.name
            ),
        );
    }

    fn restore(&self) {
        psql(
            &self.admin_url,
            &format!("ALTER DATABASE \"{}\" ALLOW_CONNECTIONS true", self.name),
        );
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let sql = format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name);
        let _ = Command::new("psql")
            .args(["-X", "-q", "-d", &self.admin_url, "-c", &sql])
            .output();
    }
}

/// Returns `admin_url` with its database name replaced by `name`, keeping any query.
fn database_url(admin_url: &str, name: &str) -> String {
    let (base, query) = match admin_url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (admin_url, None),
    };
    let authority_start = base.find("://").map_or(0, |index| index + 3);
    let authority_end = base[authority_start..]
        .find('/')
        .map_or(base.len(), |index| authority_start + index);
    let mut url = format!("{}/{name}", &base[..authority_end]);
    if let Some(query) = query {
        url.push('?');
        url.push_str(query);
    }
    url
}

/// Returns a random number from the process's hash seed and the clock, enough to keep the
/// names of concurrent test runs apart.
fn random_u64() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    RandomState::new().hash_one((nanos, std::process::id()))
}

// ---------------------------------------------------------------------------------------
// Fixtures

/// Returns the account with its owner (one PAC account) and an app that may list every
/// user's PAC accounts.
fn base_fixture() -> Value {
    json!({
        "accounts": [{
            "id": ACCOUNT_ID,
            "name": "Multi Process Inc.",
            "plan": "business",
            "audio_conferencing": true,
            "users": [{
                "id": OWNER_ID,
                "email": "owner@mp.example",
                "pac_accounts": [{
                    "conference_id": 8_880_000_001_u64,
                    "participant_password": "111111",
                    "listen_only_password": "222222",
                    "global_dial_in_numbers": [{ "number": "+1 5550100", "country": "USA" }],
                }],
            }],
            "apps": [{
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "owner": OWNER_ID,
                "scopes": ["pac:read:admin"],
            }],
        }],
    })
}

/// Returns the same account with one more user, loaded while the servers run.
fn late_fixture() -> Value {
    json!({
        "accounts": [{
            "id": ACCOUNT_ID,
            "name": "Multi Process Inc.",
            "plan": "business",
            "audio_conferencing": true,
            "users": [{
                "id": LATE_USER_ID,
                "email": "late@mp.example",
                "pac_accounts": [{
                    "conference_id": 8_880_000_002_u64,
                    "participant_password": "333333",
                    "listen_only_password": "444444",
                }],
            }],
        }],
    })
}

fn write_fixture(dir: &Path, name: &str, fixture: &Value) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, fixture.to_string()).expect("write the fixture");
    path
}

// ---------------------------------------------------------------------------------------
// Servers

/// A `zoom-pac serve` child process, killed on drop. Its log lines are collected.
struct Server {
    child: Child,
    address: SocketAddr,
    log: Arc<Mutex<Vec<String>>>,
}

impl Server {
    /// Starts `zoom-pac serve` on a free port with `args`, and waits for its
    /// "server started" log line, for at most two minutes.
    fn start(args: &[&str]) -> Server {
        let mut child = Command::new(BIN)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(args)
            .env("RUST_LOG", "info")
            .env_remove("DATABASE_URL")
            .env_remove("REDIS_URL")
            .env_remove("ZOOM_PAC_REDIS_PREFIX")
            .env_remove("ZOOM_PAC_SIGNING_KEY")
            .env_remove("ZOOM_PAC_LISTEN")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start zoom-pac serve");
        let stderr = child.stderr.take().expect("piped stderr");
        let log = Arc::new(Mutex::new(Vec::new()));
        let (address_sender, address_receiver) = mpsc::channel();
        let lines = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if line.contains("server started")
                    && let Some(address) = line
                        .split_whitespace()
                        .find_map(|word| word.strip_prefix("address="))
                {
                    let _ = address_sender.send(address.to_owned());
                }
                lines.lock().unwrap().push(line);
            }
        });
        let address = match address_receiver.recv_timeout(Duration::from_secs(120)) {
            Ok(address) => address.parse().expect("a socket address"),
            Err(_) => {
                let _ = child.kill();
                panic!(
                    "zoom-pac serve did not start; its log:\n{}",
                    log.lock().unwrap().join("\n")
                );
            }
        };
        Server {
            child,
            address,
            log,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    fn log_lines(&self, pattern: &str) -> Vec<String> {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|line| line.contains(pattern))
            .cloned()
            .collect()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn http_client() -> reqwest::Client {
    // Far above the server's own failure times, so that only a hung server reaches it.
    reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .expect("build the HTTP client")
}

async fn request_token(client: &reqwest::Client, server: &Server) -> String {
    let response = client
        .post(server.url("/oauth/token"))
        .query(&[
            ("grant_type", "account_credentials"),
            ("account_id", ACCOUNT_ID),
        ])
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .send()
        .await
        .expect("send the token request");
    assert_eq!(
        response.status(),
        200,
        "token request to {}",
        server.address
    );
    let body: Value = response.json().await.expect("a JSON token response");
    body["access_token"]
        .as_str()
        .expect("an access token")
        .to_owned()
}

async fn list_pac(
    client: &reqwest::Client,
    server: &Server,
    token: &str,
    user_id: &str,
) -> (u16, Value) {
    let response = client
        .get(server.url(&format!("/v2/users/{user_id}/pac")))
        .bearer_auth(token)
        .send()
        .await
        .expect("send the PAC request");
    let status = response.status().as_u16();
    let body = response.json().await.expect("a JSON body");
    (status, body)
}

fn conference_ids(body: &Value) -> Vec<u64> {
    body["pac_accounts"]
        .as_array()
        .expect("pac_accounts array")
        .iter()
        .map(|pac| {
            pac["conference_id"]
                .as_u64()
                .expect("integer conference id")
        })
        .collect()
}

fn unix_second(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).unwrap().as_secs()
}

// ---------------------------------------------------------------------------------------
// Tests

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_servers_share_state_and_limits() {
    let (Some(admin_url), Some(redis_url)) =
        (env_or_skip(POSTGRES_URL_VAR), env_or_skip(REDIS_URL_VAR))
    else {
        return;
    };
    if !psql_installed() {
        return;
    }
    let database = TestDatabase::create(&admin_url);
    let dir = tempfile::tempdir().expect("create a temporary directory");
    let base = write_fixture(dir.path(), "base.json", &base_fixture());
    let late = write_fixture(dir.path(), "late.json", &late_fixture());
    let prefix = format!("zoompac-mp:{:016x}:", random_u64());
    let rate_limit = format!("business.light.qps={QPS}");

    // All three load the same fixture and race for the signing key on a new database.
    let args: Vec<String> = [
        "--database",
        database.url.as_str(),
        "--redis",
        redis_url.as_str(),
        "--redis-prefix",
        prefix.as_str(),
        "--rate-limit",
        rate_limit.as_str(),
        "--fixtures",
        base.to_str().unwrap(),
    ]
    .map(str::to_owned)
    .to_vec();
    let starting: Vec<_> = (0..3)
        .map(|_| {
            let args = args.clone();
            std::thread::spawn(move || {
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                Server::start(&args)
            })
        })
        .collect();
    let servers: Vec<Server> = starting
        .into_iter()
        .map(|thread| thread.join().expect("start a server"))
        .collect();
    let client = http_client();

    // A token issued by any server works on every server.
    for issuer in &servers {
        let token = request_token(&client, issuer).await;
        for server in &servers {
            let (status, body) = list_pac(&client, server, &token, "me").await;
            assert_eq!(
                status, 200,
                "token of {} on {}: {body}",
                issuer.address, server.address
            );
            assert_eq!(conference_ids(&body), [8_880_000_001]);
        }
    }
    let token = request_token(&client, &servers[0]).await;

    // A user loaded into the shared database is listed by every server.
    let output = Command::new(BIN)
        .args(["load", late.to_str().unwrap(), "--database", &database.url])
        .env_remove("DATABASE_URL")
        .output()
        .expect("run zoom-pac load");
    assert!(
        output.status.success(),
        "zoom-pac load failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    for server in &servers {
        let (status, body) = list_pac(&client, server, &token, LATE_USER_ID).await;
        assert_eq!(status, 200, "{} lists the new user: {body}", server.address);
        assert_eq!(conference_ids(&body), [8_880_000_002]);
    }

    // A burst spread over the three servers stays within one account-wide limit per
    // second. Waves of concurrent requests go on until one is rejected.
    let mut admitted = 0_u64;
    let mut rejected = 0_u64;
    let mut first_start = u64::MAX;
    let mut last_end = 0_u64;
    for _wave in 0..20 {
        let mut tasks = Vec::new();
        for index in 0..60 {
            let client = client.clone();
            let token = token.clone();
            let url = servers[index % servers.len()].url("/v2/users/me/pac");
            tasks.push(tokio::spawn(async move {
                let start = SystemTime::now();
                let response = client
                    .get(url)
                    .bearer_auth(token)
                    .send()
                    .await
                    .expect("send a burst request");
                let status = response.status().as_u16();
                let body: Value = response.json().await.expect("a JSON body");
                let end = SystemTime::now();
                (start, end, status, body)
            }));
        }
        for task in tasks {
            let (start, end, status, body) = task.await.unwrap();
            first_start = first_start.min(unix_second(start));
            last_end = last_end.max(unix_second(end));
            match status {
                200 => admitted += 1,
                429 => {
                    assert_eq!(body["code"], 429, "{body}");
                    rejected += 1;
                }
                other => panic!("unexpected status {other} in the burst: {body}"),
            }
        }
        if rejected > 0 {
            break;
        }
    }
    let seconds = last_end - first_start + 1;
    eprintln!("burst: {admitted} admitted, {rejected} rejected over {seconds} seconds");
    assert!(
        rejected > 0,
        "no request was rejected ({admitted} admitted)"
    );
    assert!(
        admitted <= QPS * seconds,
        "{admitted} admitted over {seconds} seconds with a limit of {QPS} per second"
    );
    assert!(admitted > 0, "no request was admitted");
    for server in &servers {
        assert!(
            server.log_lines("Redis failed").is_empty(),
            "{} fell back to local limits",
            server.address
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_outage_fails_fast_and_recovers() {
    let Some(admin_url) = env_or_skip(POSTGRES_URL_VAR) else {
        return;
    };
    if !psql_installed() {
        return;
    }
    let database = TestDatabase::create(&admin_url);
    let dir = tempfile::tempdir().expect("create a temporary directory");
    let base = write_fixture(dir.path(), "base.json", &base_fixture());
    let server = Server::start(&[
        "--database",
        &database.url,
        "--fixtures",
        base.to_str().unwrap(),
        "--no-rate-limits",
    ]);
    let client = http_client();
    let token = request_token(&client, &server).await;
    let (status, _) = list_pac(&client, &server, &token, "me").await;
    assert_eq!(status, 200);

    database.cut_off();

    // The server's request timeout (30 s) would produce a 504. A 503 with Zoom's body shows
    // that the store failed on its own first.
    let (status, body) = list_pac(&client, &server, &token, "me").await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["code"], 503, "{body}");
    assert!(body["message"].is_string(), "{body}");
    let ready = client.get(server.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 503);
    let token_response = client
        .post(server.url("/oauth/token"))
        .query(&[
            ("grant_type", "account_credentials"),
            ("account_id", ACCOUNT_ID),
        ])
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .send()
        .await
        .unwrap();
    assert_eq!(token_response.status(), 503);
    let body: Value = token_response.json().await.unwrap();
    assert_eq!(body["error"], "temporarily_unavailable", "{body}");

    database.restore();

    let mut recovered = false;
    for _ in 0..300 {
        let ready = client.get(server.url("/readyz")).send().await.unwrap();
        if ready.status() == 200 {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        recovered,
        "/readyz did not recover after the database came back"
    );
    let (status, body) = list_pac(&client, &server, &token, "me").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(conference_ids(&body), [8_880_000_001]);
}

/// A `redis-server` of this test alone on a free port, killed on drop.
struct ThrowawayRedis {
    port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

impl ThrowawayRedis {
    fn start() -> Option<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let mut redis = Self {
            port,
            dir: tempfile::tempdir().expect("create a temporary directory"),
            child: None,
        };
        match redis.spawn() {
            Ok(()) => Some(redis),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                eprintln!("skipped: redis-server is not installed");
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
        // The server is ready once it accepts a connection.
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("redis-server on port {} did not start", self.port);
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().expect("kill redis-server");
            child.wait().expect("reap redis-server");
        }
    }
}

impl Drop for ThrowawayRedis {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Sends a burst of `count` concurrent PAC requests and returns how many got 200 and 429.
async fn burst(client: &reqwest::Client, server: &Server, token: &str, count: usize) -> (u64, u64) {
    let mut tasks = Vec::new();
    for _ in 0..count {
        let client = client.clone();
        let token = token.to_owned();
        let url = server.url("/v2/users/me/pac");
        tasks.push(tokio::spawn(async move {
            let response = client.get(url).bearer_auth(token).send().await.unwrap();
            response.status().as_u16()
        }));
    }
    let mut counts = (0, 0);
    for task in tasks {
        match task.await.unwrap() {
            200 => counts.0 += 1,
            429 => counts.1 += 1,
            other => panic!("unexpected status {other}"),
        }
    }
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_outage_keeps_serving() {
    let Some(mut redis) = ThrowawayRedis::start() else {
        return;
    };
    let dir = tempfile::tempdir().expect("create a temporary directory");
    let base = write_fixture(dir.path(), "base.json", &base_fixture());
    let database = dir.path().join("zoom-pac.db");
    let redis_url = redis.url();
    let rate_limit = format!("business.light.qps={QPS}");
    let server = Server::start(&[
        "--database",
        database.to_str().unwrap(),
        "--fixtures",
        base.to_str().unwrap(),
        "--redis",
        &redis_url,
        "--rate-limit",
        &rate_limit,
    ]);
    let client = http_client();
    let token = request_token(&client, &server).await;
    let (status, _) = list_pac(&client, &server, &token, "me").await;
    assert_eq!(status, 200);

    redis.kill();

    // Requests go on being served, and the limit is enforced in the process. Waves of
    // concurrent requests go on until one is rejected.
    let (mut admitted, mut rejected) = (0, 0);
    for _wave in 0..20 {
        let (wave_admitted, wave_rejected) = burst(&client, &server, &token, 60).await;
        admitted += wave_admitted;
        rejected += wave_rejected;
        if rejected > 0 {
            break;
        }
    }
    assert!(admitted > 0, "nothing was admitted while Redis was down");
    assert!(rejected > 0, "the local limiter rejected nothing");
    assert_eq!(server.log_lines("Redis failed").len(), 1, "one warning");

    redis.spawn().expect("restart redis-server");
    let mut recovered = false;
    for _ in 0..300 {
        let (status, _) = list_pac(&client, &server, &token, "me").await;
        assert!(status == 200 || status == 429, "status {status}");
        if !server.log_lines("Redis is reachable again").is_empty() {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(recovered, "the server did not go back to Redis");
    let recovery = server.log_lines("Redis is reachable again");
    assert!(
        recovery[0].contains("local_checks="),
        "the recovery log counts local checks: {}",
        recovery[0]
    );
    assert_eq!(
        server.log_lines("Redis failed").len(),
        1,
        "still one warning"
    );
}
