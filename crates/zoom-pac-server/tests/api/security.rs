//! Security properties: token algorithms and signatures, account isolation, key rotation,
//! secrets and tokens kept out of logs and error messages, and the secret comparison.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Value, json};
use zoom_pac_server::auth::{self, secret};
use zoom_pac_server::limit::LimitTable;

use crate::support::*;

/// A signing key that the tests know, so that they can forge tokens with it.
const KEY: &[u8] = b"a configured signing key of more than 32 bytes, known to the tests";

fn invalid_token() -> Value {
    json!({"code": 124, "message": "Invalid access token."})
}

async fn start_with_known_key() -> (TestServer, TestDatabase) {
    TestServer::start_with(|config| config.signing_key = Some(KEY.to_vec())).await
}

/// Returns the decoded header and claims of a token.
fn decode(token: &str) -> (Value, Value) {
    let mut parts = token.split('.');
    let mut next_json = || {
        let part = parts.next().expect("a JWT segment");
        serde_json::from_slice::<Value>(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
    };
    (next_json(), next_json())
}

fn encode_segment(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).unwrap())
}

/// Builds a token from a raw header and claims, signed by HMAC with `algorithm` and `key`,
/// whatever `alg` the header names.
fn sign_raw(header: &Value, claims: &Value, algorithm: Algorithm, key: &[u8]) -> String {
    let message = format!("{}.{}", encode_segment(header), encode_segment(claims));
    let signature = jsonwebtoken::crypto::sign(
        message.as_bytes(),
        &EncodingKey::from_secret(key),
        algorithm,
    )
    .unwrap();
    format!("{message}.{signature}")
}

#[tokio::test]
async fn forged_token_with_the_right_key_works() {
    // The forging helper produces tokens that the server accepts when nothing is wrong, so
    // the rejections below come from the changes each test makes.
    let (server, _db) = start_with_known_key().await;
    let (header, claims) = decode(&server.s2s_token().await);
    let token = sign_raw(&header, &claims, Algorithm::HS512, KEY);
    let (status, _) = server.get_json("/v2/users/me/pac", Some(&token)).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn alg_none_is_rejected() {
    let (server, _db) = start_with_known_key().await;
    let genuine = server.s2s_token().await;
    let (header, claims) = decode(&genuine);
    let signature = genuine.rsplit('.').next().unwrap();
    for alg in ["none", "None", "NONE", "nOnE"] {
        let mut unsigned = header.clone();
        unsigned["alg"] = json!(alg);
        let message = format!("{}.{}", encode_segment(&unsigned), encode_segment(&claims));
        for token in [
            format!("{message}."),
            message.clone(),
            format!("{message}.{signature}"),
        ] {
            let (status, body) = server.get_json("/v2/users/me/pac", Some(&token)).await;
            assert_eq!(status, 401, "alg {alg}: {token}");
            assert_eq!(body, invalid_token(), "alg {alg}");
        }
    }
}

#[tokio::test]
async fn hs256_and_hs384_are_rejected() {
    let (server, _db) = start_with_known_key().await;
    let (header, claims) = decode(&server.s2s_token().await);
    for algorithm in [Algorithm::HS256, Algorithm::HS384] {
        let mut changed = header.clone();
        changed["alg"] = json!(format!("{algorithm:?}"));
        let token = sign_raw(&changed, &claims, algorithm, KEY);
        let (status, body) = server.get_json("/v2/users/me/pac", Some(&token)).await;
        assert_eq!(status, 401, "{algorithm:?}");
        assert_eq!(body, invalid_token(), "{algorithm:?}");
    }
}

/// Algorithm confusion: an asymmetric `alg` in the header with an HMAC signature made with
/// the server's key, which a verifier that trusts the header could check as a public key.
#[tokio::test]
async fn asymmetric_alg_headers_are_rejected() {
    let (server, _db) = start_with_known_key().await;
    let (header, claims) = decode(&server.s2s_token().await);
    for alg in ["RS256", "RS512", "ES256", "PS256", "EdDSA"] {
        for algorithm in [Algorithm::HS256, Algorithm::HS512] {
            let mut changed = header.clone();
            changed["alg"] = json!(alg);
            let token = sign_raw(&changed, &claims, algorithm, KEY);
            let (status, body) = server.get_json("/v2/users/me/pac", Some(&token)).await;
            assert_eq!(status, 401, "{alg} signed with {algorithm:?}");
            assert_eq!(body, invalid_token(), "{alg} signed with {algorithm:?}");
        }
    }
}

#[tokio::test]
async fn tampered_and_keyless_tokens_are_rejected() {
    let (server, _db) = start_with_known_key().await;
    let genuine = server.s2s_token().await;
    let (header, claims) = decode(&genuine);
    let signature = genuine.rsplit('.').next().unwrap();

    // Claims moved to another account, with the original signature.
    let mut moved = claims.clone();
    moved["aid"] = json!(FREE_ACCOUNT_ID);
    let tampered = format!(
        "{}.{}.{signature}",
        encode_segment(&header),
        encode_segment(&moved)
    );

    // A header without a key id, and one that carries its own key, signed with that key.
    let mut keyless = header.clone();
    keyless.as_object_mut().unwrap().remove("kid");
    let attacker_key = b"an attacker's key of more than thirty-two bytes";
    let mut embedded = header.clone();
    embedded["jwk"] = json!({"kty": "oct", "k": URL_SAFE_NO_PAD.encode(attacker_key)});

    // A claims version that this server does not write.
    let mut future = claims.clone();
    future["ver"] = json!(2);

    let cases = [
        ("moved claims", tampered),
        (
            "no key id",
            sign_raw(&keyless, &claims, Algorithm::HS512, KEY),
        ),
        (
            "embedded key",
            sign_raw(&embedded, &claims, Algorithm::HS512, attacker_key),
        ),
        (
            "claims version",
            sign_raw(&header, &future, Algorithm::HS512, KEY),
        ),
    ];
    for (case, token) in cases {
        let (status, body) = server.get_json("/v2/users/me/pac", Some(&token)).await;
        assert_eq!(status, 401, "{case}");
        assert_eq!(body, invalid_token(), "{case}");
    }
}

fn user_not_found(segment: &str) -> Value {
    json!({"code": 1001, "message": format!("User does not exist: {segment}.")})
}

/// Returns the paths that name a user by id and by email (as sent, in other letter cases
/// and percent-encoded) on the PAC listing and the user lookup.
fn paths_naming(id: &str, email: &str) -> Vec<(String, String)> {
    let encoded = utf8_percent_encode(email, NON_ALPHANUMERIC).to_string();
    let segments = [
        (id.to_owned(), id.to_owned()),
        (email.to_owned(), email.to_owned()),
        (email.to_uppercase(), email.to_uppercase()),
        (encoded, email.to_owned()),
    ];
    let mut paths = Vec::new();
    for (segment, decoded) in segments {
        paths.push((format!("/v2/users/{segment}/pac"), decoded.clone()));
        paths.push((format!("/v2/users/{segment}"), decoded));
    }
    paths
}

/// Starts a demo server without rate limits: the Free plan allows only a few requests a
/// second, fewer than these tests send.
async fn start_unlimited() -> (TestServer, TestDatabase) {
    TestServer::start_with(|config| config.limits = LimitTable::unlimited()).await
}

#[tokio::test]
async fn business_token_never_reaches_free_users() {
    let (server, _db) = start_unlimited().await;
    let token = server.s2s_token().await;
    for (path, decoded) in paths_naming(FREE_USER_ID, "free@demo.example.org") {
        let (status, body) = server.get_json(&path, Some(&token)).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(body, user_not_found(&decoded), "{path}");
    }
}

#[tokio::test]
async fn free_tokens_never_reach_business_users() {
    let (server, _db) = start_unlimited().await;
    let app_token = server
        .s2s_token_for(FREE_CLIENT_ID, FREE_CLIENT_SECRET, FREE_ACCOUNT_ID)
        .await;
    let admin_token = server
        .user_token(
            FREE_ACCOUNT_ID,
            FREE_USER_ID,
            &["pac:read:admin", "user:read:admin"],
        )
        .await;
    for token in [&app_token, &admin_token] {
        for (path, decoded) in paths_naming(OWNER_ID, "owner@demo.example.com") {
            let (status, body) = server.get_json(&path, Some(token)).await;
            if path.ends_with("/pac") || token == &admin_token {
                assert_eq!(status, 404, "{path}");
                assert_eq!(body, user_not_found(&decoded), "{path}");
            } else {
                // The Free app has no user scope, so the lookup stops at the scope check.
                assert_eq!(status, 400, "{path}");
                assert_eq!(body["code"], 4711, "{path}");
            }
        }
    }
}

/// Lists every user that `token` can page through, one user per page.
async fn list_all_users(server: &TestServer, token: &str, first_page_token: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut page_token = first_page_token.to_owned();
    for _ in 0..20 {
        let (status, body) = server
            .get_json(
                &format!("/v2/users?page_size=1&next_page_token={page_token}"),
                Some(token),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        for user in body["users"].as_array().unwrap() {
            ids.push(user["id"].as_str().unwrap().to_owned());
        }
        page_token = body["next_page_token"].as_str().unwrap().to_owned();
        if page_token.is_empty() {
            return ids;
        }
    }
    panic!("more pages than the demo dataset has users");
}

#[tokio::test]
async fn users_list_stays_in_the_account() {
    let (server, _db) = start_unlimited().await;
    let business = server.s2s_token().await;
    let listed: BTreeSet<String> = list_all_users(&server, &business, "")
        .await
        .into_iter()
        .collect();
    let expected: BTreeSet<String> = [OWNER_ID, NO_PAC_ID, MULTI_ID]
        .into_iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(listed, expected);

    // A page token of the Business account, used by a Free account token, moves only
    // within the Free account's users.
    let (_, first_page) = server
        .get_json("/v2/users?page_size=1", Some(&business))
        .await;
    let foreign_page_token = first_page["next_page_token"].as_str().unwrap();
    assert!(!foreign_page_token.is_empty());
    let free_admin = server
        .user_token(FREE_ACCOUNT_ID, FREE_USER_ID, &["user:read:admin"])
        .await;
    for id in list_all_users(&server, &free_admin, foreign_page_token).await {
        assert_eq!(id, FREE_USER_ID);
    }
}

/// A token whose claims pair an account with another account's user still reads only its
/// own account: `me` resolves within the token's account.
#[tokio::test]
async fn mismatched_claims_stay_in_the_account() {
    let (server, _db) = start_unlimited().await;
    let token = server
        .user_token(
            ACCOUNT_ID,
            FREE_USER_ID,
            &["pac:read:admin", "user:read:admin"],
        )
        .await;
    for path in ["/v2/users/me/pac", "/v2/users/me"] {
        let (status, body) = server.get_json(path, Some(&token)).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(body, user_not_found("me"), "{path}");
    }
}

#[tokio::test]
async fn rotation_revokes_tokens_that_restarts_keep() {
    let database = TestDatabase::new();
    let server = TestServer::start_on(database.open_with_demo().await, |_| {}).await;
    let old_token = server.s2s_token().await;
    server.stop().await;

    // A restart keeps the key, so the token still works.
    let restarted = TestServer::start_on(database.open().await, |_| {}).await;
    let (status, _) = restarted
        .get_json("/v2/users/me/pac", Some(&old_token))
        .await;
    assert_eq!(status, 200);
    restarted.stop().await;

    // `zoom-pac rotate-key` does this, then servers restart or re-read the key.
    database
        .open()
        .await
        .rotate_signing_key(auth::generate_signing_key())
        .await
        .expect("rotate the key");
    let rotated = TestServer::start_on(database.open().await, |_| {}).await;
    let (status, body) = rotated.get_json("/v2/users/me/pac", Some(&old_token)).await;
    assert_eq!(status, 401);
    assert_eq!(body, invalid_token());
    let new_token = rotated.s2s_token().await;
    assert_ne!(decode(&new_token).0["kid"], decode(&old_token).0["kid"]);
    let (status, _) = rotated.get_json("/v2/users/me/pac", Some(&new_token)).await;
    assert_eq!(status, 200);
}

#[test]
fn secret_verify_compares_whole_digests() {
    let secret = "a-client-secret-of-some-length";
    let stored = secret::digest("client", secret);
    assert_eq!(stored.len(), 64);
    assert!(secret::verify("client", secret, &stored));
    assert!(secret::verify("client", secret, &stored.to_uppercase()));

    // Equal length, differing only in the first or the last byte.
    let flip = |text: &str, index: usize| {
        let mut bytes = text.as_bytes().to_vec();
        bytes[index] = if bytes[index] == b'0' { b'1' } else { b'0' };
        String::from_utf8(bytes).unwrap()
    };
    assert!(!secret::verify("client", secret, &flip(&stored, 0)));
    assert!(!secret::verify("client", secret, &flip(&stored, 63)));

    // Different lengths: a prefix, the digest with a byte more, and nothing.
    assert!(!secret::verify("client", secret, &stored[..62]));
    assert!(!secret::verify("client", secret, &format!("{stored}00")));
    assert!(!secret::verify("client", secret, ""));

    // Not hex at all.
    assert!(!secret::verify("client", secret, &stored.replace('a', "g")));
    assert!(!secret::verify("client", secret, &stored[..63]));
}

/// Builds the `zoom-pac` binary of this workspace and returns its path. The binary belongs to
/// the root package, so cargo does not build it for this crate's tests by itself.
fn zoom_pac_binary() -> PathBuf {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let output = Command::new(env!("CARGO"))
        .args([
            "build",
            "--quiet",
            "--package",
            "zoom-pac",
            "--bin",
            "zoom-pac",
            "--message-format",
            "json",
        ])
        .current_dir(&workspace)
        .stderr(Stdio::inherit())
        .output()
        .expect("run cargo build");
    assert!(output.status.success(), "cargo build failed");
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|message| message["target"]["name"] == "zoom-pac")
        .find_map(|message| message["executable"].as_str().map(PathBuf::from))
        .expect("cargo reports the zoom-pac executable")
}

/// A `zoom-pac serve --demo` child process whose stderr goes to a file, killed on drop.
struct ServeProcess {
    child: Child,
    url: String,
    log: PathBuf,
    /// The open end of the server's stdout, so that its writes never fail.
    _stdout: BufReader<ChildStdout>,
}

impl ServeProcess {
    fn start(dir: &Path) -> Self {
        let log = dir.join("serve.log");
        let mut child = Command::new(zoom_pac_binary())
            .args(["serve", "--demo", "--listen", "127.0.0.1:0", "--database"])
            .arg(dir.join("zoom-pac.db"))
            .env("RUST_LOG", "debug")
            .env_remove("DATABASE_URL")
            .env_remove("ZOOM_PAC_SIGNING_KEY")
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).expect("create the log file"))
            .spawn()
            .expect("start zoom-pac serve");
        let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut url = None;
        let mut line = String::new();
        while stdout.read_line(&mut line).expect("read stdout") > 0 {
            if let Some(printed) = line.trim_end().strip_prefix("zoom-pac demo server at ") {
                url = Some(printed.to_owned());
                break;
            }
            line.clear();
        }
        ServeProcess {
            child,
            url: url.expect("the server prints its URL"),
            log,
            _stdout: stdout,
        }
    }

    /// Stops the server with SIGTERM and returns everything it logged.
    fn stop(mut self) -> String {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success());
        let exit = self.child.wait().expect("wait for the server");
        assert!(exit.success(), "serve exits cleanly on SIGTERM: {exit:?}");
        std::fs::read_to_string(&self.log).expect("read the log")
    }
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs the server binary at debug level, sends succeeding and failing requests that carry
/// secrets and tokens, and checks that neither the logs nor the error bodies contain them.
#[tokio::test]
async fn secrets_stay_out_of_logs_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServeProcess::start(dir.path());
    let client = reqwest::Client::new();
    let url = |path: &str| format!("{}{path}", server.url);
    let grant = "/oauth/token?grant_type=account_credentials&account_id=demoBusinessAcct";
    let wrong_secret = "wrong-secret-that-must-stay-out-of-logs";
    let mut sent_tokens = Vec::new();
    let mut error_bodies = Vec::new();

    let response = client
        .post(url(grant))
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    let token = body["access_token"].as_str().unwrap().to_owned();
    sent_tokens.push(token.clone());

    let failing_token_requests = [
        client
            .post(url(grant))
            .basic_auth(CLIENT_ID, Some(wrong_secret)),
        client
            .post(url(grant))
            .basic_auth("unknownClient", Some(CLIENT_SECRET)),
        // The secret pasted into the client id field must not reach the logs either.
        client
            .post(url(grant))
            .basic_auth(CLIENT_SECRET, Some(CLIENT_ID)),
        client
            .post(url(grant))
            .header("authorization", format!("Basic {CLIENT_ID}:{CLIENT_SECRET}")),
        client
            .post(url("/oauth/token?grant_type=password&account_id=demoBusinessAcct"))
            .basic_auth(CLIENT_ID, Some(CLIENT_SECRET)),
        client
            .post(url("/oauth/token"))
            .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!(
                "grant_type=account_credentials&account_id=demoFreeAcct&client_secret={CLIENT_SECRET}"
            )),
        client
            .post(url(grant))
            .bearer_auth(&token),
    ];
    for request in failing_token_requests {
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 400);
        error_bodies.push(response.text().await.unwrap());
    }

    let mut forged = token.clone();
    forged.push('x');
    sent_tokens.push(forged.clone());
    let api_requests = [
        ("/v2/users/me/pac".to_owned(), Some(token.as_str()), 200),
        ("/v2/users".to_owned(), Some(token.as_str()), 200),
        ("/v2/users/me".to_owned(), Some(token.as_str()), 200),
        (
            "/v2/users/nobody@example.com/pac".to_owned(),
            Some(token.as_str()),
            404,
        ),
        ("/v2/users/me/pac".to_owned(), Some(forged.as_str()), 401),
        (format!("/v2/users/me/pac?access_token={token}"), None, 401),
        (format!("/v2/unknown/{token}"), Some(token.as_str()), 404),
    ];
    for (path, bearer, expected) in api_requests {
        let mut request = client.get(url(&path));
        if let Some(bearer) = bearer {
            request = request.bearer_auth(bearer);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), expected, "{path:.40}");
        if expected >= 400 {
            error_bodies.push(response.text().await.unwrap());
        }
    }

    let logs = server.stop();
    assert!(
        logs.contains("DEBUG"),
        "the server did not log at debug level"
    );
    assert!(logs.contains("issued an access token"), "{logs}");
    assert!(logs.contains("GET /v2/users/{userId}/pac 401"), "{logs}");
    for secret in [CLIENT_SECRET, wrong_secret] {
        assert!(!logs.contains(secret), "the logs contain a secret");
        for body in &error_bodies {
            assert!(
                !body.contains(secret),
                "an error body contains a secret: {body}"
            );
        }
    }
    for token in &sent_tokens {
        let signature = token.rsplit('.').next().unwrap();
        assert!(!logs.contains(signature), "the logs contain a token");
        for body in &error_bodies {
            assert!(!body.contains(signature), "an error body contains a token");
        }
    }
}
