//! `zoom-pac list` run as a process against the real server, started in this test process
//! on a random port with a temporary SQLite file.

use std::net::SocketAddr;
use std::time::Duration;

use serde_json::Value;
use tempfile::TempDir;
use tokio::net::TcpListener;
use tokio::process::Command;
use tokio::sync::oneshot;
use zoom_pac_server::auth::TokenKind;
use zoom_pac_server::{AppState, ConferenceIdFormat, ServerConfig};

const BIN: &str = env!("CARGO_BIN_EXE_zoom-pac");
const ACCOUNT_ID: &str = "demoBusinessAcct";
const CLIENT_ID: &str = "demoS2SClientId01";
const CLIENT_SECRET: &str = "demoS2SClientSecret000000000001";
const MULTI_EMAIL: &str = "Multi.Pac+audio@demo.example.com";

/// Every variable that `list` reads, removed from the child's environment first so that
/// the caller's shell cannot change a test.
const LIST_VARIABLES: [&str; 8] = [
    "ZOOM_ACCOUNT_ID",
    "ZOOM_CLIENT_ID",
    "ZOOM_CLIENT_SECRET",
    "ZOOM_ACCESS_TOKEN",
    "ZOOM_API_URL",
    "ZOOM_OAUTH_URL",
    "NO_COLOR",
    "RUST_LOG",
];

struct Server {
    addr: SocketAddr,
    state: AppState,
    _shutdown: oneshot::Sender<()>,
    _dir: TempDir,
}

impl Server {
    async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    async fn start_with(configure: impl FnOnce(&mut ServerConfig)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("pac.db");
        let store = zoom_pac_server::store::open(db.to_str().unwrap())
            .await
            .unwrap();
        store
            .apply_fixture(&zoom_pac_server::fixture::demo())
            .await
            .unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut config = ServerConfig::new(format!("http://{addr}"));
        config.demo = true;
        configure(&mut config);
        let state = AppState::new(store, config).await.unwrap();
        let (shutdown, stopped) = oneshot::channel::<()>();
        tokio::spawn(zoom_pac_server::serve(listener, state.clone(), async {
            let _ = stopped.await;
        }));
        Self {
            addr,
            state,
            _shutdown: shutdown,
            _dir: dir,
        }
    }

    /// Returns the environment of a Server-to-Server run against this server.
    fn s2s_env(&self) -> Vec<(&'static str, String)> {
        let mut env = self.url_env();
        env.push(("ZOOM_ACCOUNT_ID", ACCOUNT_ID.to_owned()));
        env.push(("ZOOM_CLIENT_ID", CLIENT_ID.to_owned()));
        env.push(("ZOOM_CLIENT_SECRET", CLIENT_SECRET.to_owned()));
        env
    }

    /// Returns the environment that points `list` at this server, without credentials.
    fn url_env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("ZOOM_API_URL", format!("http://{}/v2", self.addr)),
            (
                "ZOOM_OAUTH_URL",
                format!("http://{}/oauth/token", self.addr),
            ),
        ]
    }

    async fn user_token(&self, user_id: &str, scopes: &[&str]) -> String {
        let scopes: Vec<String> = scopes.iter().map(|s| (*s).to_owned()).collect();
        self.state
            .tokens
            .issue(TokenKind::User, ACCOUNT_ID, user_id, "cli-tests", &scopes)
            .await
            .unwrap()
    }
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs `zoom-pac list ARGS` with exactly the given `list` variables set.
async fn list(args: &[&str], env: &[(&str, String)]) -> Run {
    let mut command = Command::new(BIN);
    command.arg("list").args(args);
    for name in LIST_VARIABLES {
        command.env_remove(name);
    }
    for (name, value) in env {
        command.env(name, value);
    }
    let output = tokio::time::timeout(Duration::from_secs(60), command.output())
        .await
        .expect("zoom-pac list finished within a minute")
        .expect("run zoom-pac list");
    Run {
        code: output.status.code(),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

#[tokio::test]
async fn default_output_shows_each_account() {
    let server = Server::start().await;
    let run = list(&[MULTI_EMAIL], &server.s2s_env()).await;

    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(run.stderr, "");
    let out = &run.stdout;
    assert!(out.contains("PAC account 1 of 2\n"), "{out}");
    assert!(out.contains("PAC account 2 of 2\n"), "{out}");
    assert!(
        out.contains("Conference ID             12345678901\n"),
        "{out}"
    );
    assert!(out.contains("Participant password      a1b2c3\n"), "{out}");
    assert!(out.contains("Listen-only password      3c2b1a\n"), "{out}");
    assert!(out.contains("  Dedicated dial-in numbers\n"), "{out}");
    assert!(out.contains("    +44 2071234567  GBR\n"), "{out}");
    assert!(out.contains("  Global dial-in numbers\n"), "{out}");
    assert!(out.contains("    +81 363628317   JPN\n"), "{out}");
    assert!(
        out.contains("Conference ID             9876543210\n"),
        "{out}"
    );
    assert!(out.contains("    +33 170950103  FRA\n"), "{out}");
    assert!(
        !out.contains('\x1b'),
        "escape codes in piped output: {out:?}"
    );
}

#[tokio::test]
async fn json_output_is_the_server_body_indented() {
    let server = Server::start().await;
    let run = list(&["me", "--json"], &server.s2s_env()).await;

    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let out = &run.stdout;
    let parsed: Value = serde_json::from_str(out).unwrap();
    assert_eq!(parsed["pac_accounts"][0]["conference_id"], 111111);
    assert!(out.contains("\"conference_id\": 111111,\n"), "{out}");
    // The keys keep the server's order, which is not alphabetical.
    let conference = out.find("\"conference_id\"").unwrap();
    let participant = out.find("\"participant_password\"").unwrap();
    let dedicated = out.find("\"dedicated_dial_in_number\"").unwrap();
    assert!(conference < participant, "{out}");
    assert!(participant < dedicated, "{out}");
}

#[tokio::test]
async fn json_output_keeps_string_conference_ids() {
    let server = Server::start_with(|config| {
        config.conference_id_format = ConferenceIdFormat::String;
    })
    .await;
    let run = list(&["me", "--json"], &server.s2s_env()).await;

    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stdout.contains("\"conference_id\": \"111111\",\n"),
        "{}",
        run.stdout
    );
}

#[tokio::test]
async fn verbose_adds_status_and_headers_on_stderr() {
    let server = Server::start().await;
    let plain = list(&["me"], &server.s2s_env()).await;
    let run = list(&["me", "--verbose"], &server.s2s_env()).await;

    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stderr.starts_with("HTTP 200 OK\n"), "{}", run.stderr);
    assert!(
        run.stderr.contains("content-type: application/json\n"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("x-zm-trackingid: "), "{}", run.stderr);
    assert_eq!(run.stdout, plain.stdout);
}

#[tokio::test]
async fn unknown_user_exits_4() {
    let server = Server::start().await;
    let run = list(&["nobody@demo.example.com"], &server.s2s_env()).await;

    assert_eq!(run.code, Some(4), "{}", run.stderr);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr
            .contains("Zoom API error 1001: User does not exist: nobody@demo.example.com."),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("tracking id "), "{}", run.stderr);
}

#[tokio::test]
async fn verbose_failure_shows_headers() {
    let server = Server::start().await;
    let run = list(&["nobody@demo.example.com", "-v"], &server.s2s_env()).await;

    assert_eq!(run.code, Some(4), "{}", run.stderr);
    assert!(
        run.stderr.starts_with("HTTP 404 Not Found\n"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("x-zm-trackingid: "), "{}", run.stderr);
}

#[tokio::test]
async fn expired_token_exits_3() {
    let server = Server::start_with(|config| {
        config.token_lifetime = Duration::ZERO;
    })
    .await;
    let token = server.user_token("demoOwner0001", &["pac:read"]).await;
    let mut env = server.url_env();
    env.push(("ZOOM_ACCESS_TOKEN", token.clone()));
    let run = list(&["me"], &env).await;

    assert_eq!(run.code, Some(3), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("Zoom API error 124: Access token is expired."),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains(&token), "the token was printed");
}

#[tokio::test]
async fn missing_scope_exits_3() {
    let server = Server::start().await;
    let token = server.user_token("demoOwner0001", &["pac:read"]).await;
    let mut env = server.url_env();
    env.push(("ZOOM_ACCESS_TOKEN", token));
    let run = list(&[MULTI_EMAIL], &env).await;

    assert_eq!(run.code, Some(3), "{}", run.stderr);
    assert!(run.stderr.contains("Zoom API error 4711"), "{}", run.stderr);
}

#[tokio::test]
async fn wrong_client_secret_exits_3_without_printing_it() {
    let server = Server::start().await;
    let secret = "wrongSecretValue0000000000000001";
    let mut env = server.url_env();
    env.push(("ZOOM_ACCOUNT_ID", ACCOUNT_ID.to_owned()));
    env.push(("ZOOM_CLIENT_ID", CLIENT_ID.to_owned()));
    env.push(("ZOOM_CLIENT_SECRET", secret.to_owned()));
    let run = list(&["me", "--verbose"], &env).await;

    assert_eq!(run.code, Some(3), "{}", run.stderr);
    assert!(run.stderr.contains("invalid_client"), "{}", run.stderr);
    assert!(!run.stderr.contains(secret), "the secret was printed");
}

#[tokio::test]
async fn pac_disabled_user_exits_5() {
    let server = Server::start().await;
    let run = list(&["demoNoPac0002"], &server.s2s_env()).await;

    assert_eq!(run.code, Some(5), "{}", run.stderr);
    assert!(run.stderr.contains("Zoom API error 2024"), "{}", run.stderr);
}

#[tokio::test]
async fn daily_rate_limit_exits_5() {
    let server = Server::start_with(|config| {
        config.limits.apply_rule("all.light.daily=1").unwrap();
    })
    .await;
    let first = list(&["me", "--retries", "0"], &server.s2s_env()).await;
    let run = list(&["me", "--retries", "0"], &server.s2s_env()).await;

    assert_eq!(first.code, Some(0), "{}", first.stderr);
    assert_eq!(run.code, Some(5), "{}", run.stderr);
    assert!(run.stderr.contains("Zoom API error 429"), "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "rate limit: category Light, type Daily-limit, limit 1, remaining 0, retry in "
        ),
        "{}",
        run.stderr
    );
}

#[tokio::test]
async fn missing_credentials_exit_2_naming_the_variables() {
    let server = Server::start().await;
    let run = list(&["me"], &server.url_env()).await;

    assert_eq!(run.code, Some(2), "{}", run.stderr);
    for name in [
        "ZOOM_ACCESS_TOKEN",
        "ZOOM_ACCOUNT_ID",
        "ZOOM_CLIENT_ID",
        "ZOOM_CLIENT_SECRET",
    ] {
        assert!(run.stderr.contains(name), "{name}: {}", run.stderr);
    }
    assert_eq!(server.state.metrics.tokens_issued(), 0);
}

#[tokio::test]
async fn partial_credentials_name_only_the_missing_ones() {
    let server = Server::start().await;
    let mut env = server.url_env();
    env.push(("ZOOM_ACCOUNT_ID", ACCOUNT_ID.to_owned()));
    env.push(("ZOOM_CLIENT_ID", CLIENT_ID.to_owned()));
    let run = list(&["me"], &env).await;

    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(run.stderr.contains("ZOOM_CLIENT_SECRET"), "{}", run.stderr);
    assert!(!run.stderr.contains("ZOOM_ACCOUNT_ID"), "{}", run.stderr);
}

#[tokio::test]
async fn refused_connection_exits_6() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let env = [
        ("ZOOM_API_URL", format!("http://{addr}/v2")),
        ("ZOOM_ACCESS_TOKEN", "token".to_owned()),
    ];
    let run = list(&["me", "--retries", "0"], &env).await;

    assert_eq!(run.code, Some(6), "{}", run.stderr);
    assert!(run.stderr.contains("Connection refused"), "{}", run.stderr);
}

#[tokio::test]
async fn missing_user_argument_exits_2() {
    let run = list(&[], &[]).await;
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(run.stderr.contains("<USER>"), "{}", run.stderr);
}

#[tokio::test]
async fn help_documents_the_exit_codes() {
    let run = list(&["--help"], &[]).await;
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stdout.contains("Exit codes:"), "{}", run.stdout);
    assert!(
        run.stdout.contains("  6  Transport error"),
        "{}",
        run.stdout
    );
}
