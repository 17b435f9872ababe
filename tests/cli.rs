//! The `zoom-pac` binary run as a new user would: `serve --demo`, `load` and `token`.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_zoom-pac");

fn zoom_pac(args: &[&str], dir: &Path) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env_remove("ZOOM_PAC_SIGNING_KEY")
        .output()
        .expect("run zoom-pac")
}

/// A `zoom-pac serve` child process, killed on drop.
struct Server {
    child: Child,
    url: String,
    printed: Vec<String>,
}

impl Server {
    /// Starts `serve --demo` on a free port in `dir` and reads what it prints up to the
    /// listing command.
    fn start_demo(dir: &Path, extra: &[&str]) -> Server {
        let mut child = Command::new(BIN)
            .args(["serve", "--demo", "--listen", "127.0.0.1:0"])
            .args(extra)
            .current_dir(dir)
            .env_remove("DATABASE_URL")
            .env_remove("ZOOM_PAC_SIGNING_KEY")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start zoom-pac serve");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut printed = Vec::new();
        for line in BufReader::new(stdout).lines() {
            let line = line.expect("read stdout");
            let done = line.contains("/v2/users/me/pac");
            printed.push(line);
            if done {
                break;
            }
        }
        let url = printed
            .iter()
            .find_map(|line| line.strip_prefix("zoom-pac demo server at "))
            .expect("the server prints its URL")
            .to_owned();
        Server {
            child,
            url,
            printed,
        }
    }

    /// Sends SIGTERM and returns what the server logged.
    fn terminate(mut self) -> String {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success());
        let mut stderr = String::new();
        if let Some(mut pipe) = self.child.stderr.take() {
            std::io::Read::read_to_string(&mut pipe, &mut stderr).expect("read stderr");
        }
        let exit = self.child.wait().expect("wait for the server");
        assert!(
            exit.success(),
            "serve exits cleanly on SIGTERM: {exit:?}\n{stderr}"
        );
        stderr
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn serve_demo_prints_working_commands() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(dir.path(), &[]);
    let printed = server.printed.join("\n");
    for expected in [
        "demoBusinessAcct",
        "demoS2SClientId01",
        "demoS2SClientSecret000000000001",
    ] {
        assert!(
            printed.contains(expected),
            "missing {expected} in:\n{printed}"
        );
    }
    assert!(
        dir.path().join("zoom-pac.db").exists(),
        "default database file"
    );

    // Run the two printed commands with the shell, as a user would paste them.
    let token_line = server
        .printed
        .iter()
        .find(|line| line.trim_start().starts_with("TOKEN="))
        .expect("a token command");
    let list_line = server
        .printed
        .iter()
        .find(|line| line.contains("/v2/users/me/pac"))
        .expect("a listing command");
    let script = format!("{}\n{}\n", token_line.trim(), list_line.trim());
    let output = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let body: Value = serde_json::from_slice(&output.stdout).expect("JSON body");
    assert_eq!(body["pac_accounts"][0]["conference_id"], 111_111);
    assert_eq!(body["pac_accounts"][0]["participant_password"], "ghdf");

    let logs = server.terminate();
    assert!(logs.contains("server started"), "{logs}");
    assert!(logs.contains("server stopped"), "{logs}");
    assert!(logs.contains("GET /v2/users/{userId}/pac 200"), "{logs}");
    assert!(
        !logs.contains("demoS2SClientSecret"),
        "logs leak the secret"
    );
    assert!(!logs.contains("eyJ"), "logs leak a token");
}

#[tokio::test]
async fn token_command_mints_user_token() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(dir.path(), &[]);
    let output = zoom_pac(
        &[
            "token",
            "--user",
            "OWNER@demo.example.com",
            "--scopes",
            "pac:read",
        ],
        dir.path(),
    );
    assert!(output.status.success(), "{output:?}");
    let token = String::from_utf8(output.stdout).unwrap().trim().to_owned();

    let client = reqwest::Client::new();
    let me = client
        .get(format!("{}/v2/users/me/pac", server.url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    let other = client
        .get(format!("{}/v2/users/demoMulti0003/pac", server.url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 400);
    let body: Value = other.json().await.unwrap();
    assert_eq!(body["code"], 4711);
}

#[test]
fn token_command_rejects_unknown_user() {
    let dir = tempfile::tempdir().unwrap();
    let output = zoom_pac(&["token", "--user", "nobody@example.com"], dir.path());
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no user has the email"), "{stderr}");
}

const FIXTURE: &str = r#"{"accounts": [{"id": "cliAcct", "name": "CLI", "plan": "pro", "audio_conferencing": true,
  "users": [{"id": "cliUser1", "email": "cli@example.com", "pac_accounts": [
    {"conference_id": 4242424242, "participant_password": "1234", "listen_only_password": "5678"}]}]}]}"#;

#[test]
fn load_twice_changes_nothing_the_second_time() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("data.json"), FIXTURE).unwrap();
    let first = zoom_pac(&["load", "data.json"], dir.path());
    assert!(first.status.success(), "{first:?}");
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert!(
        stdout.contains("1 accounts, 1 users, 1 PAC accounts"),
        "{stdout}"
    );

    let second = zoom_pac(&["load", "data.json"], dir.path());
    assert!(second.status.success(), "{second:?}");
    let stdout = String::from_utf8_lossy(&second.stdout);
    assert!(
        stdout.contains("0 accounts, 0 users, 0 PAC accounts and 0 apps"),
        "{stdout}"
    );
}

#[test]
fn broken_fixture_names_entry_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("good.json"), FIXTURE).unwrap();
    assert!(
        zoom_pac(&["load", "good.json"], dir.path())
            .status
            .success()
    );
    let database = std::fs::read(dir.path().join("zoom-pac.db")).unwrap();

    let broken = FIXTURE
        .replace("cli@example.com", "cli-at-example.com")
        .replace("\"CLI\"", "\"Renamed\"");
    std::fs::write(dir.path().join("broken.json"), broken).unwrap();
    let output = zoom_pac(&["load", "broken.json"], dir.path());
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("accounts[0].users[0].email"), "{stderr}");
    assert!(stderr.contains("cli-at-example.com"), "{stderr}");
    assert_eq!(
        std::fs::read(dir.path().join("zoom-pac.db")).unwrap(),
        database
    );

    let missing = zoom_pac(&["load", "missing.json"], dir.path());
    assert!(!missing.status.success());
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(stderr.contains("failed to read missing.json"), "{stderr}");
}

#[tokio::test]
async fn serve_loads_fixtures_and_quotes_ids_on_request() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("data.json"), FIXTURE).unwrap();
    let server = Server::start_demo(
        dir.path(),
        &[
            "--fixtures",
            "data.json",
            "--conference-id-format",
            "string",
        ],
    );
    let client = reqwest::Client::new();
    let token: Value = client
        .post(format!(
            "{}/oauth/token?grant_type=account_credentials&account_id=demoBusinessAcct",
            server.url
        ))
        .basic_auth("demoS2SClientId01", Some("demoS2SClientSecret000000000001"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["access_token"].as_str().unwrap();
    let body: Value = client
        .get(format!("{}/v2/users/me/pac", server.url))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["pac_accounts"][0]["conference_id"], "111111");
    // The fixture's account is another account, so the demo token cannot see its user.
    let status = client
        .get(format!("{}/v2/users/cli@example.com/pac", server.url))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 404);
}

#[test]
fn serve_rejects_broken_fixture_before_listening() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.json"), "{ not json").unwrap();
    let output = zoom_pac(
        &["serve", "--listen", "127.0.0.1:0", "--fixtures", "bad.json"],
        dir.path(),
    );
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("invalid fixture bad.json"), "{stderr}");
    assert!(
        !dir.path().join("zoom-pac.db").exists(),
        "nothing was created"
    );
}
