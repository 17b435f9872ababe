//! The real zoom-pac server on a random port, and a hand-written HTTP stub for responses
//! that the server cannot send on demand.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tempfile::TempDir;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use zoom_pac_client::{Client, ClientBuilder, RetryPolicy};
use zoom_pac_server::auth::TokenKind;
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

/// Retries fast enough for tests: the waits are a few milliseconds.
pub fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(3)
        .initial_backoff(Duration::from_millis(5))
        .max_backoff(Duration::from_millis(20))
}

/// A zoom-pac server in this process, with the demo dataset in a temporary SQLite file.
pub struct TestServer {
    pub addr: SocketAddr,
    pub state: AppState,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
    /// Keeps the database file alive while the server runs.
    _dir: Option<TempDir>,
}

impl TestServer {
    /// Starts a server with the default settings and demo mode on.
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// Starts a server on a random port, with settings changed by `configure`.
    pub async fn start_with(configure: impl FnOnce(&mut ServerConfig)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut server = Self::serve(listener, &dir.path().join("pac.db"), configure).await;
        server._dir = Some(dir);
        server
    }

    /// Starts a server on `listener` with the database at `db`, which may already contain the
    /// demo dataset.
    pub async fn serve(
        listener: TcpListener,
        db: &Path,
        configure: impl FnOnce(&mut ServerConfig),
    ) -> Self {
        let addr = listener.local_addr().unwrap();
        let store = zoom_pac_server::store::open(db.to_str().unwrap())
            .await
            .unwrap();
        store
            .apply_fixture(&zoom_pac_server::fixture::demo())
            .await
            .unwrap();
        let mut config = ServerConfig::new(format!("http://{addr}"));
        config.demo = true;
        configure(&mut config);
        let state = AppState::new(store, config).await.unwrap();
        let (shutdown, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(zoom_pac_server::serve(listener, state.clone(), async {
            let _ = stopped.await;
        }));
        Self {
            addr,
            state,
            shutdown: Some(shutdown),
            task: Some(task),
            _dir: None,
        }
    }

    /// Stops the server and waits until it no longer listens.
    pub async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.unwrap().unwrap();
        }
    }

    /// Returns a builder pointed at this server, with fast retries and no credentials.
    pub fn builder(&self) -> ClientBuilder {
        Client::builder()
            .api_url(format!("http://{}/v2", self.addr))
            .token_url(format!("http://{}/oauth/token", self.addr))
            .retry_policy(fast_retries())
    }

    /// Returns a client of the demo business account's Server-to-Server app.
    pub fn s2s_client(&self) -> Client {
        self.builder()
            .server_to_server(ACCOUNT_ID, CLIENT_ID, CLIENT_SECRET)
            .build()
            .unwrap()
    }

    /// Mints a user-level token for `user_id` of the demo business account.
    pub async fn user_token(&self, user_id: &str, scopes: &[&str]) -> String {
        let scopes: Vec<String> = scopes.iter().map(|s| (*s).to_owned()).collect();
        self.state
            .tokens
            .issue(
                TokenKind::User,
                ACCOUNT_ID,
                user_id,
                "client-tests",
                &scopes,
            )
            .await
            .unwrap()
    }

    /// Returns the number of tokens that `POST /oauth/token` has issued.
    pub fn tokens_issued(&self) -> u64 {
        self.state.metrics.tokens_issued()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

/// A function that returns the raw HTTP response for request number `n` (0 for the first).
pub type Responder = Arc<dyn Fn(usize) -> String + Send + Sync>;

/// A hand-written HTTP/1.1 server that responds to each request with the responder's text
/// and closes the connection. It counts the requests it has read.
pub struct Stub {
    pub addr: SocketAddr,
    requests: Arc<AtomicUsize>,
    task: JoinHandle<()>,
}

impl Stub {
    pub async fn start(responder: impl Fn(usize) -> String + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(AtomicUsize::new(0));
        let responder: Responder = Arc::new(responder);
        let counter = Arc::clone(&requests);
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let responder = Arc::clone(&responder);
                let counter = Arc::clone(&counter);
                tokio::spawn(async move {
                    answer(stream, &counter, &responder).await;
                });
            }
        });
        Self {
            addr,
            requests,
            task,
        }
    }

    /// Returns a client with a fixed token pointed at the stub.
    pub fn client(&self, retry: RetryPolicy) -> Client {
        Client::builder()
            .api_url(format!("http://{}/v2", self.addr))
            .token_url(format!("http://{}/oauth/token", self.addr))
            .access_token("stub-token")
            .retry_policy(retry)
            .build()
            .unwrap()
    }

    /// Returns the number of requests read so far.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

impl Drop for Stub {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Reads one request head, then writes the response for its number.
async fn answer(mut stream: TcpStream, counter: &AtomicUsize, responder: &Responder) {
    let mut head = Vec::new();
    let mut buffer = [0_u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buffer[..n]),
        }
    }
    let number = counter.fetch_add(1, Ordering::SeqCst);
    let response = responder(number);
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// Formats an HTTP/1.1 response that closes the connection.
pub fn http_response(status: &str, headers: &[(&str, &str)], body: &str) -> String {
    let mut response = format!("HTTP/1.1 {status}\r\n");
    for (name, value) in headers {
        response.push_str(&format!("{name}: {value}\r\n"));
    }
    response.push_str(&format!(
        "content-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    ));
    response
}

/// Formats a 200 response with a JSON body.
pub fn json_ok(body: &str) -> String {
    http_response("200 OK", &[("content-type", "application/json")], body)
}

/// A PAC listing with one account, conference id 111111.
pub const ONE_ACCOUNT: &str = r#"{"pac_accounts":[{"conference_id":111111,"participant_password":"ghdf","listen_only_password":"hkgk","dedicated_dial_in_number":[{"number":"123343434","country":"USA"}],"global_dial_in_numbers":[{"number":"434343434","country":"USA"}]}]}"#;
