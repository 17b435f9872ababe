//! `GET /v2/users` and `GET /v2/users/{userId}`.

use std::collections::HashSet;

use serde_json::{Value, json};
use zoom_pac_server::fixture::Fixture;

use crate::support::*;

/// Returns a fixture that adds `count` active users, numbered from `first`, to the demo
/// business account.
fn more_users(first: usize, count: usize) -> Fixture {
    let users: Vec<Value> = (first..first + count)
        .map(|n| json!({"id": format!("bulk{n:05}"), "email": format!("bulk{n:05}@demo.example.com")}))
        .collect();
    let json = json!({"accounts": [{"id": ACCOUNT_ID, "name": "Demo Business Inc.",
        "plan": "business", "audio_conferencing": true, "users": users}]});
    Fixture::parse(&json.to_string()).unwrap()
}

#[tokio::test]
async fn get_user_by_email_and_me() {
    let (server, _db) = TestServer::start().await;
    let token = server.s2s_token().await;
    let (status, body) = server.get_json("/v2/users/me", Some(&token)).await;
    assert_eq!(status, 200);
    assert_eq!(body["id"], OWNER_ID);
    assert_eq!(body["email"], "owner@demo.example.com");
    assert_eq!(body["account_id"], ACCOUNT_ID);
    assert_eq!(body["type"], 2);
    assert_eq!(body["status"], "active");
    assert_eq!(body["display_name"], "Olivia Owner");

    let (status, body) = server
        .get_json(
            "/v2/users/MULTI.PAC%2Baudio%40demo.example.com",
            Some(&token),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["id"], MULTI_ID);

    let (status, body) = server.get_json("/v2/users/nobody", Some(&token)).await;
    assert_eq!(status, 404);
    assert_eq!(
        body,
        json!({"code": 1001, "message": "User does not exist: nobody."})
    );
}

#[tokio::test]
async fn list_users_needs_admin_scope() {
    let (server, _db) = TestServer::start().await;
    let token = server
        .user_token(ACCOUNT_ID, OWNER_ID, &["user:read", "pac:read"])
        .await;
    let (status, body) = server.get_json("/v2/users", Some(&token)).await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({"code": 4711, "message": "Invalid access token, does not contain scopes:[user:read:list_users:admin]."})
    );
}

#[tokio::test]
async fn list_users_filters_by_status() {
    let (server, _db) = TestServer::start().await;
    let token = server.s2s_token().await;
    let (status, body) = server.get_json("/v2/users", Some(&token)).await;
    assert_eq!(status, 200);
    assert_eq!(body["total_records"], 3);
    assert_eq!(body["page_size"], 30);
    assert_eq!(body["page_count"], 1);
    assert_eq!(body["next_page_token"], "");
    let ids: Vec<&str> = body["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [OWNER_ID, NO_PAC_ID, MULTI_ID]);

    let (status, body) = server
        .get_json("/v2/users?status=pending", Some(&token))
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["total_records"], 0);

    let (status, body) = server
        .get_json("/v2/users?status=deleted", Some(&token))
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["code"], 300);
    assert_eq!(body["errors"][0]["field"], "status");
}

#[tokio::test]
async fn invalid_page_token_is_rejected() {
    let (server, _db) = TestServer::start().await;
    let token = server.s2s_token().await;
    let (status, body) = server
        .get_json("/v2/users?next_page_token=bm9wZQ", Some(&token))
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({"code": 300, "message": "The next page token is invalid or expired."})
    );
}

#[tokio::test]
async fn paging_stays_correct_while_users_are_added() {
    let (server, _db) = TestServer::start_with(|config| {
        config.limits = zoom_pac_server::limit::LimitTable::unlimited()
    })
    .await;
    let store = &server.state.store;
    store.apply_fixture(&more_users(0, 1_100)).await.unwrap();
    let token = server.s2s_token().await;

    let mut seen = Vec::new();
    let mut next = String::new();
    let mut added = 0;
    loop {
        let (status, body) = server
            .get_json(
                &format!("/v2/users?page_size=300&next_page_token={next}"),
                Some(&token),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        for user in body["users"].as_array().unwrap() {
            seen.push(user["id"].as_str().unwrap().to_owned());
        }
        next = body["next_page_token"].as_str().unwrap().to_owned();
        if next.is_empty() {
            break;
        }
        // Users inserted between pages appear after the ones already listed.
        store
            .apply_fixture(&more_users(10_000 + added, 50))
            .await
            .unwrap();
        added += 50;
    }

    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no user is listed twice");
    assert_eq!(seen.len(), 3 + 1_100 + added, "every user is listed once");
    assert!(added >= 150, "users were inserted during paging");
}
