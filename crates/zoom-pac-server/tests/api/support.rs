//! A test server on 127.0.0.1 port 0, and helpers to call it.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;
use tempfile::TempDir;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use zoom_pac_server::auth::TokenKind;
use zoom_pac_server::fixture;
use zoom_pac_server::store::{self, Store};
use zoom_pac_server::{AppState, ServerConfig};

pub const ACCOUNT_ID: &str = "demoBusinessAcct";
pub const CLIENT_ID: &str = "demoS2SClientId01";
pub const CLIENT_SECRET: &str = "demoS2SClientSecret000000000001";
pub const OWNER_ID: &str = "demoOwner0001";
pub const NO_PAC_ID: &str = "demoNoPac0002";
pub const MULTI_ID: &str = "demoMulti0003";
pub const MULTI_EMAIL: &str = "Multi.Pac+audio@demo.example.com";
pub const FREE_ACCOUNT_ID: &str = "demoFreeAcct";
pub const FREE_CLIENT_ID: &str = "demoFreeClientId01";
pub const FREE_CLIENT_SECRET: &str = "demoFreeClientSecret0000000001";
pub const FREE_USER_ID: &str = "demoFreeUser0001";

/// A running server with its own database directory.
pub struct TestServer {
    pub address: SocketAddr,
    pub state: AppState,
    pub client: reqwest::Client,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

/// A temporary directory holding one database file, which outlives server restarts.
pub struct TestDatabase {
    dir: TempDir,
}

impl TestDatabase {
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("create a temporary directory"),
        }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.path().join("zoom-pac.db")
    }

    pub async fn open(&self) -> Arc<dyn Store> {
        store::open(path_str(&self.path()))
            .await
            .expect("open the test database")
    }

    /// Opens the database with the demo dataset loaded.
    pub async fn open_with_demo(&self) -> Arc<dyn Store> {
        let store = self.open().await;
        store
            .apply_fixture(&fixture::demo())
            .await
            .expect("load the demo dataset");
        store
    }
}

pub fn path_str(path: &Path) -> &str {
    path.to_str().expect("temporary paths are UTF-8")
}

impl TestServer {
    /// Starts a demo-mode server on a fresh database.
    pub async fn start() -> (TestServer, TestDatabase) {
        Self::start_with(|_| {}).await
    }

    /// Starts a demo-mode server on a fresh database, with settings changed by `configure`.
    pub async fn start_with(
        configure: impl FnOnce(&mut ServerConfig),
    ) -> (TestServer, TestDatabase) {
        let database = TestDatabase::new();
        let store = database.open_with_demo().await;
        let server = Self::start_on(store, configure).await;
        (server, database)
    }

    /// Starts a demo-mode server on an opened store.
    pub async fn start_on(
        store: Arc<dyn Store>,
        configure: impl FnOnce(&mut ServerConfig),
    ) -> TestServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a local port");
        let address = listener.local_addr().expect("local address");
        let mut config = ServerConfig::new(format!("http://{address}"));
        config.demo = true;
        configure(&mut config);
        let state = AppState::new(store, config).await.expect("build the state");
        let (shutdown, shutdown_rx) = oneshot::channel::<()>();
        let task = tokio::spawn(zoom_pac_server::serve(
            listener,
            state.clone(),
            async move {
                let _ = shutdown_rx.await;
            },
        ));
        TestServer {
            address,
            state,
            client: reqwest::Client::new(),
            shutdown: Some(shutdown),
            task: Some(task),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// Stops the server and waits until it has finished.
    pub async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(task) = self.task.take() {
            task.await
                .expect("the server task does not panic")
                .expect("the server stops cleanly");
        }
    }

    /// Requests a token for the demo app with query parameters.
    pub async fn s2s_token(&self) -> String {
        self.s2s_token_for(CLIENT_ID, CLIENT_SECRET, ACCOUNT_ID)
            .await
    }

    pub async fn s2s_token_for(&self, client_id: &str, secret: &str, account_id: &str) -> String {
        let response = self
            .client
            .post(self.url(&format!(
                "/oauth/token?grant_type=account_credentials&account_id={account_id}"
            )))
            .basic_auth(client_id, Some(secret))
            .send()
            .await
            .expect("token request");
        assert_eq!(response.status(), 200, "token request failed");
        let body: Value = response.json().await.expect("token body");
        body["access_token"]
            .as_str()
            .expect("access_token is a string")
            .to_owned()
    }

    /// Mints a user-level token directly, as `zoom-pac token` does.
    pub async fn user_token(&self, account_id: &str, user_id: &str, scopes: &[&str]) -> String {
        let scopes: Vec<String> = scopes.iter().map(|s| (*s).to_owned()).collect();
        self.state
            .tokens
            .issue(TokenKind::User, account_id, user_id, "test", &scopes)
            .await
            .expect("mint a user token")
    }

    /// Sends `GET path` with a bearer token and returns the status and JSON body.
    pub async fn get_json(&self, path: &str, token: Option<&str>) -> (u16, Value) {
        let mut request = self.client.get(self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        let body = response.json().await.expect("a JSON body");
        (status, body)
    }
}

/// Returns Zoom's documented sample response for this endpoint.
pub fn zoom_sample_response() -> Value {
    serde_json::from_str(include_str!("../fixtures/zoom-sample-response.json"))
        .expect("the sample response is JSON")
}

/// Returns Zoom's sample response with `conference_id` as the integer that Zoom's API type
/// says it is.
pub fn zoom_sample_with_integer_id() -> Value {
    let mut sample = zoom_sample_response();
    let id = &mut sample["pac_accounts"][0]["conference_id"];
    let digits: u64 = id
        .as_str()
        .expect("quoted in the sample")
        .parse()
        .expect("digits");
    *id = Value::from(digits);
    sample
}

/// Returns every row of every table, as text, to compare database states.
pub async fn dump(path: &Path) -> Vec<String> {
    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(path);
    let pool = sqlx::SqlitePool::connect_with(options)
        .await
        .expect("open for dump");
    let mut rows = Vec::new();
    for (table, order) in [
        ("accounts", "id"),
        ("users", "id"),
        ("pac_accounts", "conference_id"),
        ("dial_in_numbers", "conference_id, kind, position"),
        ("apps", "client_id"),
    ] {
        let query = format!("SELECT * FROM {table} ORDER BY {order}");
        for row in sqlx::query(&query)
            .fetch_all(&pool)
            .await
            .expect("dump query")
        {
            use sqlx::{Column, Row, ValueRef};
            let mut text = format!("{table}:");
            for column in row.columns() {
                let raw = row.try_get_raw(column.ordinal()).expect("column");
                let value = if raw.is_null() {
                    "NULL".to_owned()
                } else if let Ok(text) = row.try_get::<String, _>(column.ordinal()) {
                    text
                } else {
                    row.try_get::<i64, _>(column.ordinal())
                        .map(|n| n.to_string())
                        .unwrap_or_else(|_| "<blob>".to_owned())
                };
                text.push_str(&format!(" {}={value}", column.name()));
            }
            rows.push(text);
        }
    }
    pool.close().await;
    rows
}
