//! Loading fixtures: idempotent, validated as a whole, and written in one transaction.

use zoom_pac_server::fixture::{self, Fixture};
use zoom_pac_server::store::LoadSummary;

use crate::support::*;

#[tokio::test]
async fn loading_twice_changes_nothing() {
    let database = TestDatabase::new();
    let store = database.open().await;
    let first = store.apply_fixture(&fixture::demo()).await.unwrap();
    assert_eq!(first.accounts, 2);
    assert_eq!(first.users, 4);
    assert_eq!(first.pac_accounts, 3);
    assert_eq!(first.apps, 2);
    let before = dump(&database.path()).await;

    let second = store.apply_fixture(&fixture::demo()).await.unwrap();
    assert_eq!(second, LoadSummary::default());
    assert_eq!(dump(&database.path()).await, before);
}

#[tokio::test]
async fn changed_fixture_updates_in_place() {
    let database = TestDatabase::new();
    let store = database.open_with_demo().await;
    let mut changed = fixture::demo();
    changed.accounts[0].users[0].pac_accounts[0].participant_password = "zz99".to_owned();
    changed.accounts[0].users[1].first_name = "Renamed".to_owned();
    let summary = store.apply_fixture(&changed).await.unwrap();
    assert_eq!(summary.users, 1);
    assert_eq!(summary.pac_accounts, 1);
    assert_eq!(summary.accounts, 0);
    let listed = store.pac_accounts(OWNER_ID).await.unwrap();
    assert_eq!(listed[0].participant_password.as_deref(), Some("zz99"));
}

/// Broken fixtures, each with the error path and a fragment of the message it must produce.
const BROKEN: &[(&str, &str, &str)] = &[
    (r#"{"accounts": [ "#, "accounts", "EOF while parsing"),
    (
        r#"{"accounts": [{"id": "a1", "name": "A", "plan": "gold", "audio_conferencing": true}]}"#,
        "accounts[0].plan",
        "unknown variant",
    ),
    (
        r#"{"accounts": [{"id": "a1", "name": "A", "plan": "pro", "audio_conferencing": true, "colour": 1}]}"#,
        "accounts[0].colour",
        "unknown field",
    ),
    (
        r#"{"accounts": [{"id": "a1", "name": "A", "plan": "free", "audio_conferencing": true}]}"#,
        "accounts[0].audio_conferencing",
        "free plan",
    ),
    (
        r#"{"accounts": [{"id": "a1", "name": "A", "plan": "pro", "audio_conferencing": true, "users": [{"id": "u1", "email": "not-an-email"}]}]}"#,
        "accounts[0].users[0].email",
        "invalid email",
    ),
    (
        r#"{"accounts": [{"id": "a1", "name": "A", "plan": "pro", "audio_conferencing": true, "users": [{"id": "u1", "email": "a@x.com"}, {"id": "u2", "email": "A@X.com"}]}]}"#,
        "accounts[0].users[1].email",
        "duplicate email",
    ),
    (
        r#"{"accounts": [{"id": "a1", "name": "A", "plan": "pro", "audio_conferencing": true, "users": [{"id": "u1", "email": "a@x.com", "pac_accounts": [{"conference_id": "12x", "participant_password": "1", "listen_only_password": "2"}]}]}]}"#,
        "accounts[0].users[0].pac_accounts[0].conference_id",
        "digits",
    ),
    (
        r#"{"accounts": [{"id": "a1", "name": "A", "plan": "pro", "audio_conferencing": true, "users": [{"id": "u1", "email": "a@x.com", "pac_accounts": [{"conference_id": 1, "participant_password": "1234567", "listen_only_password": "2"}]}]}]}"#,
        "accounts[0].users[0].pac_accounts[0].participant_password",
        "invalid password",
    ),
    (
        r#"{"accounts": [{"id": "a1", "name": "A", "plan": "pro", "audio_conferencing": true, "users": [{"id": "u1", "email": "a@x.com", "pac_accounts": [{"conference_id": 1, "participant_password": "1", "listen_only_password": "2", "global_dial_in_numbers": [{"number": "12345678901234567", "country": "USA"}]}]}]}]}"#,
        "accounts[0].users[0].pac_accounts[0].global_dial_in_numbers[0].number",
        "invalid number",
    ),
    (
        r#"{"accounts": [{"id": "a1", "name": "A", "plan": "pro", "audio_conferencing": true, "users": [{"id": "u1", "email": "a@x.com"}], "apps": [{"client_id": "c1", "client_secret": "0123456789abcdef", "owner": "nobody", "scopes": ["pac:read:admin"]}]}]}"#,
        "accounts[0].apps[0].owner",
        "no user",
    ),
    (
        r#"{"accounts": [{"id": "a/1", "name": "A", "plan": "pro", "audio_conferencing": true}]}"#,
        "accounts[0].id",
        "invalid id",
    ),
];

#[tokio::test]
async fn broken_fixtures_name_the_field() {
    for (json, path, fragment) in BROKEN {
        let error = Fixture::parse(json).expect_err(json);
        assert_eq!(&error.path, path, "{json}");
        assert!(
            error.to_string().contains(fragment),
            "{error} should mention {fragment:?}"
        );
    }
}

#[tokio::test]
async fn conflicting_load_changes_nothing() {
    let database = TestDatabase::new();
    let store = database.open_with_demo().await;
    let before = dump(&database.path()).await;
    // Valid on its own, but its second user's email belongs to the demo owner, so the store
    // rejects it after the first user was already written inside the transaction.
    let json = r#"{"accounts": [{"id": "newAcct", "name": "New", "plan": "pro", "audio_conferencing": true,
        "users": [{"id": "newUser1", "email": "new@x.com"}, {"id": "newUser2", "email": "OWNER@demo.example.com"}]}]}"#;
    let conflicting = Fixture::parse(json).unwrap();
    let error = store.apply_fixture(&conflicting).await.unwrap_err();
    assert!(
        error.to_string().contains("already belongs to user"),
        "{error}"
    );
    assert_eq!(dump(&database.path()).await, before);
}

#[tokio::test]
async fn moving_a_user_between_accounts_is_rejected() {
    let database = TestDatabase::new();
    let store = database.open_with_demo().await;
    let before = dump(&database.path()).await;
    let json = r#"{"accounts": [{"id": "otherAcct", "name": "Other", "plan": "pro", "audio_conferencing": true,
        "users": [{"id": "demoOwner0001", "email": "owner@demo.example.com"}]}]}"#;
    let error = store
        .apply_fixture(&Fixture::parse(json).unwrap())
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("already belongs to account"),
        "{error}"
    );
    assert_eq!(dump(&database.path()).await, before);
}

#[tokio::test]
async fn fixture_loaded_while_serving_is_visible() {
    let (server, _db) = TestServer::start().await;
    let token = server.s2s_token().await;
    let json = r#"{"accounts": [{"id": "demoBusinessAcct", "name": "Demo Business Inc.", "plan": "business", "audio_conferencing": true,
        "users": [{"id": "lateUser01", "email": "late@demo.example.com", "pac_accounts": [
            {"conference_id": "55555555555", "participant_password": "1111", "listen_only_password": "2222"}]}]}]}"#;
    server
        .state
        .store
        .apply_fixture(&Fixture::parse(json).unwrap())
        .await
        .unwrap();
    let (status, body) = server
        .get_json("/v2/users/late@demo.example.com/pac", Some(&token))
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["pac_accounts"][0]["conference_id"], 55_555_555_555_u64);
    assert_eq!(
        body["pac_accounts"][0]["dedicated_dial_in_number"],
        serde_json::json!([])
    );
}
