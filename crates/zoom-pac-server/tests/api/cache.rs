//! The read cache: a fixture loaded through another store handle, or by another process, is
//! seen by the next request, however the cached user was looked up.
//!
//! The PostgreSQL tests need `ZOOM_PAC_TEST_POSTGRES_URL`, an admin URL from which each test
//! creates its own database. Without it they print that they were skipped and pass.

use std::process::Command;

use serde_json::Value;
use sqlx::Connection;
use zoom_pac_server::fixture::{self, Fixture};
use zoom_pac_server::store::{self, PostgresStore, Store};

use crate::support::*;

const POSTGRES_URL_VAR: &str = "ZOOM_PAC_TEST_POSTGRES_URL";

/// Set only in the child process that `load_from_another_process_is_seen` starts: the path
/// of the database that the child loads `changed_fixture` into.
const CHILD_DATABASE_VAR: &str = "ZOOM_PAC_CACHE_TEST_CHILD_DATABASE";

const RENAMED_EMAIL: &str = "multi.renamed@demo.example.com";

/// Returns the demo dataset with the multi-PAC user's email and first passcode changed.
fn changed_fixture() -> Fixture {
    let mut changed = fixture::demo();
    let multi = changed.accounts[0]
        .users
        .iter_mut()
        .find(|user| user.id == MULTI_ID)
        .expect("the demo dataset has the multi-PAC user");
    multi.email = RENAMED_EMAIL.to_owned();
    multi.pac_accounts[0].participant_password = "zz99".to_owned();
    changed
}

fn email_path(email: &str) -> String {
    format!(
        "/v2/users/{}/pac",
        email.replace('+', "%2B").replace('@', "%40")
    )
}

fn first_passcode(body: &Value) -> &Value {
    &body["pac_accounts"][0]["participant_password"]
}

/// Requests the multi-PAC user by id and by email, so that both lookups are cached, and checks
/// the demo data.
async fn cache_multi_user(server: &TestServer, token: &str) {
    for path in [format!("/v2/users/{MULTI_ID}/pac"), email_path(MULTI_EMAIL)] {
        for _ in 0..2 {
            let (status, body) = server.get_json(&path, Some(token)).await;
            assert_eq!(status, 200, "{path}: {body}");
            assert_ne!(first_passcode(&body), "zz99", "{path}: {body}");
        }
    }
}

/// Checks that requests see `changed_fixture`: the new passcode by id and by the new email,
/// and no user at the old email.
async fn assert_change_seen(server: &TestServer, token: &str) {
    let (status, body) = server
        .get_json(&format!("/v2/users/{MULTI_ID}/pac"), Some(token))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(first_passcode(&body), "zz99", "by id: {body}");

    let (status, body) = server
        .get_json(&email_path(RENAMED_EMAIL), Some(token))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(first_passcode(&body), "zz99", "by the new email: {body}");

    let (status, body) = server.get_json(&email_path(MULTI_EMAIL), Some(token)).await;
    assert_eq!(status, 404, "the old email still resolves: {body}");
}

#[tokio::test]
async fn load_through_second_handle_is_seen() {
    let (server, database) = TestServer::start().await;
    let token = server.s2s_token().await;
    cache_multi_user(&server, &token).await;

    let second = database.open().await;
    second
        .apply_fixture(&changed_fixture())
        .await
        .expect("load through the second handle");

    assert_change_seen(&server, &token).await;
}

#[tokio::test]
async fn load_from_another_process_is_seen() {
    let (server, database) = TestServer::start().await;
    let token = server.s2s_token().await;
    cache_multi_user(&server, &token).await;

    // The child is this test binary running only `child_process_loads_fixture`.
    let executable = std::env::current_exe().expect("the test binary's path");
    let output = Command::new(executable)
        .args([
            "--exact",
            "cache::child_process_loads_fixture",
            "--test-threads=1",
        ])
        .env(CHILD_DATABASE_VAR, database.path())
        .output()
        .expect("start the child process");
    assert!(
        output.status.success(),
        "the child process failed: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("1 passed"),
        "the child process ran no test: {stdout}"
    );

    assert_change_seen(&server, &token).await;
}

/// The loader of `load_from_another_process_is_seen`. In a normal test run it does nothing.
#[tokio::test]
async fn child_process_loads_fixture() {
    let Ok(path) = std::env::var(CHILD_DATABASE_VAR) else {
        return;
    };
    let store = store::open(&path)
        .await
        .expect("open the parent's database");
    let summary = store
        .apply_fixture(&changed_fixture())
        .await
        .expect("load the changed fixture");
    assert_eq!(summary.users, 1);
}

#[tokio::test]
async fn load_that_only_empties_a_list_is_seen() {
    let (server, database) = TestServer::start().await;
    let token = server.s2s_token().await;
    let (status, body) = server.get_json("/v2/users/me/pac", Some(&token)).await;
    assert_eq!(status, 200);
    assert_eq!(body, zoom_sample_with_integer_id());

    // Emptying a user's list changes no row count in the load summary.
    let mut emptied = fixture::demo();
    emptied.accounts[0].users[0].pac_accounts.clear();
    let summary = database
        .open()
        .await
        .apply_fixture(&emptied)
        .await
        .expect("load the emptied list");
    assert_eq!(summary.pac_accounts, 0);
    assert_eq!(summary.users, 0);

    let (status, body) = server.get_json("/v2/users/me/pac", Some(&token)).await;
    assert_eq!(status, 200);
    assert_eq!(body, serde_json::json!({ "pac_accounts": [] }));
}

/// Checks that a load changes the data version only when it changes data.
async fn assert_version_follows_changes(store: &dyn Store) {
    let before = store.data_version().await.expect("read the version");
    assert_eq!(store.data_version().await.expect("read again"), before);

    store
        .apply_fixture(&fixture::demo())
        .await
        .expect("load the unchanged demo dataset");
    let after_same = store.data_version().await.expect("read the version");
    assert_eq!(after_same, before, "an unchanged load changed the version");

    store
        .apply_fixture(&changed_fixture())
        .await
        .expect("load the changed fixture");
    let after_change = store.data_version().await.expect("read the version");
    assert_ne!(after_change, before, "a changing load kept the version");
}

#[tokio::test]
async fn sqlite_version_follows_changes() {
    let database = TestDatabase::new();
    let store = database.open_with_demo().await;
    assert_version_follows_changes(store.as_ref()).await;
}

/// Runs `test` with the URL of a new PostgreSQL database, dropped afterwards, or skips it
/// without `ZOOM_PAC_TEST_POSTGRES_URL`.
async fn with_postgres_database<F, Fut>(test: F)
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Ok(admin_url) = std::env::var(POSTGRES_URL_VAR) else {
        eprintln!("skipped: {POSTGRES_URL_VAR} is not set, so the PostgreSQL cache is not tested");
        return;
    };
    let name = format!("zoompac_cache_{:016x}", rand::random::<u64>());
    let mut admin = sqlx::PgConnection::connect(&admin_url)
        .await
        .expect("connect to the admin database");
    sqlx::query(&format!("CREATE DATABASE \"{name}\""))
        .execute(&mut admin)
        .await
        .expect("create the test database");
    let url = match admin_url.rsplit_once('/') {
        Some((server, _)) => format!("{server}/{name}"),
        None => panic!("{POSTGRES_URL_VAR} has no database name: {admin_url}"),
    };
    // A panic inside the task comes back as an error, so the database is dropped first.
    let outcome = tokio::spawn(test(url)).await;
    sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .execute(&mut admin)
        .await
        .expect("drop the test database");
    if let Err(error) = outcome {
        std::panic::resume_unwind(error.into_panic());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_load_through_second_handle_is_seen() {
    with_postgres_database(|url| async move {
        let first = PostgresStore::open(&url)
            .await
            .expect("open the first handle");
        first
            .apply_fixture(&fixture::demo())
            .await
            .expect("load the demo dataset");
        let server = TestServer::start_on(std::sync::Arc::new(first.clone()), |_| {}).await;
        let token = server.s2s_token().await;
        cache_multi_user(&server, &token).await;

        let second = PostgresStore::open(&url)
            .await
            .expect("open the second handle");
        second
            .apply_fixture(&changed_fixture())
            .await
            .expect("load through the second handle");

        assert_change_seen(&server, &token).await;
        server.stop().await;
        second.close().await;
        first.close().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_version_follows_changes() {
    with_postgres_database(|url| async move {
        let store = PostgresStore::open(&url).await.expect("open the store");
        store
            .apply_fixture(&fixture::demo())
            .await
            .expect("load the demo dataset");
        assert_version_follows_changes(&store).await;
        store.close().await;
    })
    .await;
}
