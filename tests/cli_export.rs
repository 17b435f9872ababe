//! `zoom-pac export` run as a process against the real server, started in this test process
//! on a random port with a generated dataset in a temporary SQLite file.

use std::net::SocketAddr;
use std::path::Path;

use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::net::TcpListener;
use tokio::process::Command;
use tokio::sync::oneshot;
use zoom_pac_server::fixture::Fixture;
use zoom_pac_server::fixture::generate::{self, GenerateOptions};
use zoom_pac_server::limit::LimitTable;
use zoom_pac_server::{AppState, ServerConfig};

const BIN: &str = env!("CARGO_BIN_EXE_zoom-pac");
const ACCOUNT_ID: &str = "exportAcct";
const SEED: u64 = 11;

struct Server {
    addr: SocketAddr,
    fixture: Value,
    _shutdown: oneshot::Sender<()>,
    _dir: TempDir,
}

impl Server {
    /// Starts a server with `users` generated users, an app without PAC scopes, and the
    /// Light and Medium limits of the Business plan set to `per_second`.
    async fn start(users: usize, per_second: u64) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let store = zoom_pac_server::store::open(dir.path().join("pac.db").to_str().unwrap())
            .await
            .unwrap();
        let fixture = generate::generate(&GenerateOptions {
            users,
            seed: SEED,
            account_id: ACCOUNT_ID.to_owned(),
        });
        store
            .apply_fixture(&Fixture::parse(&fixture.to_string()).unwrap())
            .await
            .unwrap();
        let users_only_app = json!({"accounts": [{
            "id": ACCOUNT_ID, "name": fixture["accounts"][0]["name"], "plan": "business",
            "audio_conferencing": true,
            "users": [fixture["accounts"][0]["users"][0]],
            "apps": [{"client_id": "usersOnlyApp", "client_secret": "users-only-secret-0001",
                      "owner": format!("{ACCOUNT_ID}U0000000"), "scopes": ["user:read:admin"]}]}]});
        store
            .apply_fixture(&Fixture::parse(&users_only_app.to_string()).unwrap())
            .await
            .unwrap();

        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut config = ServerConfig::new(format!("http://{addr}"));
        let mut limits = LimitTable::default();
        limits
            .apply_rule(&format!("business.light.qps={per_second}"))
            .unwrap();
        limits
            .apply_rule(&format!("business.medium.qps={per_second}"))
            .unwrap();
        config.limits = limits;
        let state = AppState::new(store, config).await.unwrap();
        let (shutdown, stopped) = oneshot::channel::<()>();
        tokio::spawn(zoom_pac_server::serve(listener, state, async {
            let _ = stopped.await;
        }));
        Server {
            addr,
            fixture,
            _shutdown: shutdown,
            _dir: dir,
        }
    }

    /// Runs `zoom-pac export` with the generated app's credentials and `args`.
    async fn export(
        &self,
        dir: &Path,
        client_id: &str,
        secret: &str,
        args: &[&str],
    ) -> std::process::Output {
        Command::new(BIN)
            .arg("export")
            .args(args)
            .current_dir(dir)
            .env_remove("ZOOM_ACCESS_TOKEN")
            .env_remove("RUST_LOG")
            .env("ZOOM_API_URL", format!("http://{}/v2", self.addr))
            .env(
                "ZOOM_OAUTH_URL",
                format!("http://{}/oauth/token", self.addr),
            )
            .env("ZOOM_ACCOUNT_ID", ACCOUNT_ID)
            .env("ZOOM_CLIENT_ID", client_id)
            .env("ZOOM_CLIENT_SECRET", secret)
            .output()
            .await
            .unwrap()
    }

    async fn export_as_app(&self, dir: &Path, args: &[&str]) -> std::process::Output {
        let client_id = generate::client_id(ACCOUNT_ID);
        let secret = generate::client_secret(SEED);
        self.export(dir, &client_id, &secret, args).await
    }

    /// Returns the generated users with `status`.
    fn users(&self, status: &str) -> Vec<&Value> {
        self.fixture["accounts"][0]["users"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|user| user["status"] == status)
            .collect()
    }

    /// Returns the CSV rows the export must write for the users with `status`: one per
    /// dial-in number, and one for a user without PAC or without numbers.
    fn expected_csv_rows(&self, status: &str) -> usize {
        self.users(status)
            .iter()
            .map(|user| {
                let accounts = user["pac_accounts"].as_array().unwrap();
                if accounts.is_empty() {
                    return 1;
                }
                accounts
                    .iter()
                    .map(|account| {
                        let numbers = account["dedicated_dial_in_number"]
                            .as_array()
                            .unwrap()
                            .len()
                            + account["global_dial_in_numbers"].as_array().unwrap().len();
                        numbers.max(1)
                    })
                    .sum()
            })
            .sum()
    }
}

fn leftover_partial_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains(".partial-"))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn export_2000_users_at_200_per_second() {
    let server = Server::start(2_000, 200).await;
    let dir = tempfile::tempdir().unwrap();
    let output = server
        .export_as_app(
            dir.path(),
            &["--rate", "200", "--concurrency", "8", "-o", "out.csv"],
        )
        .await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains(" 0 failed"), "{stderr}");

    let text = std::fs::read_to_string(dir.path().join("out.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), server.expected_csv_rows("active"));

    let active = server.users("active");
    let exported: std::collections::HashSet<&str> = rows.iter().map(|row| &row[0]).collect();
    assert_eq!(exported.len(), active.len(), "every active user appears");
    let without_pac = active
        .iter()
        .filter(|user| user["pac_enabled"] == false)
        .count();
    let disabled_rows = rows.iter().filter(|row| &row[3] == "false").count();
    assert_eq!(
        disabled_rows, without_pac,
        "users without PAC appear as such"
    );
    assert!(leftover_partial_files(dir.path()).is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn jsonl_has_one_line_per_user() {
    let server = Server::start(120, 1_000).await;
    let dir = tempfile::tempdir().unwrap();
    let output = server
        .export_as_app(
            dir.path(),
            &["--format", "jsonl", "--status", "inactive", "--rate", "500"],
        )
        .await;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines: Vec<Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let inactive = server.users("inactive");
    assert_eq!(lines.len(), inactive.len());
    for (line, user) in lines.iter().zip(&inactive) {
        assert_eq!(line["user_id"], user["id"]);
        assert_eq!(line["status"], "inactive");
        assert_eq!(line["pac_enabled"], user["pac_enabled"]);
        assert_eq!(
            line["pac_accounts"].as_array().unwrap().len(),
            user["pac_accounts"].as_array().unwrap().len()
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn failed_users_are_listed_and_output_kept() {
    let server = Server::start(20, 1_000).await;
    let dir = tempfile::tempdir().unwrap();
    // This app may list users but not their PAC accounts, so every PAC request fails.
    let output = server
        .export(
            dir.path(),
            "usersOnlyApp",
            "users-only-secret-0001",
            &["--rate", "500", "-o", "out.csv"],
        )
        .await;
    assert_eq!(output.status.code(), Some(5));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("could not be fetched"), "{stderr}");
    assert!(
        stderr.contains(&format!("{ACCOUNT_ID}U0000000")),
        "{stderr}"
    );
    let text = std::fs::read_to_string(dir.path().join("out.csv")).unwrap();
    assert_eq!(text.lines().count(), 1, "only the header: {text}");
    assert!(leftover_partial_files(dir.path()).is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn failed_listing_leaves_no_file() {
    let server = Server::start(20, 1_000).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("out.csv"), "previous export\n").unwrap();
    let output = server
        .export(
            dir.path(),
            "wrongClient",
            "wrong-secret-0000000000",
            &["-o", "out.csv"],
        )
        .await;
    assert_eq!(output.status.code(), Some(3));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("out.csv")).unwrap(),
        "previous export\n",
        "an existing file is left as it was"
    );
    assert!(leftover_partial_files(dir.path()).is_empty());
}
