//! Listing users page by page, and pacing requests to the account's rate limit.

use std::collections::HashSet;

use futures::TryStreamExt;
use serde_json::json;
use zoom_pac_client::{Error, RetryPolicy};
use zoom_pac_server::fixture::Fixture;
use zoom_pac_server::limit::LimitTable;

use crate::support::*;

fn limits(rules: &[&str]) -> LimitTable {
    let mut table = LimitTable::default();
    for rule in rules {
        table.apply_rule(rule).unwrap();
    }
    table
}

/// Adds `count` users to the demo business account, with a status per user number.
async fn add_users(server: &TestServer, count: usize) {
    let users: Vec<_> = (0..count)
        .map(|n| {
            let status = if n % 10 == 0 { "inactive" } else { "active" };
            json!({"id": format!("extra{n:04}"), "email": format!("extra{n:04}@demo.example.com"), "status": status})
        })
        .collect();
    let fixture = json!({"accounts": [{"id": ACCOUNT_ID, "name": "Demo Business Inc.",
        "plan": "business", "audio_conferencing": true, "users": users}]});
    server
        .state
        .store
        .apply_fixture(&Fixture::parse(&fixture.to_string()).unwrap())
        .await
        .unwrap();
}

#[tokio::test]
async fn stream_lists_demo_users_in_order() {
    let server = TestServer::start().await;
    let client = server.s2s_client();
    let users: Vec<_> = client.list_users(None).try_collect().await.unwrap();
    let ids: Vec<&str> = users.iter().map(|user| user.id.as_str()).collect();
    assert_eq!(ids, [OWNER_ID, NO_PAC_ID, MULTI_ID]);
    assert_eq!(users[2].email, MULTI_EMAIL);

    let pending: Vec<_> = client
        .list_users(Some("pending"))
        .try_collect()
        .await
        .unwrap();
    assert!(pending.is_empty());
}

#[tokio::test]
async fn stream_crosses_pages_once_each() {
    let server = TestServer::start_with(|config| config.limits = LimitTable::unlimited()).await;
    add_users(&server, 700).await;
    let client = server.s2s_client();

    let active: Vec<_> = client.list_users(None).try_collect().await.unwrap();
    let unique: HashSet<&str> = active.iter().map(|user| user.id.as_str()).collect();
    assert_eq!(active.len(), 3 + 630, "every active user once");
    assert_eq!(unique.len(), active.len());

    let inactive: Vec<_> = client
        .list_users(Some("inactive"))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(inactive.len(), 70);

    let page = client.list_users_page(None, 100, None).await.unwrap();
    assert_eq!(page.users.len(), 100);
    assert_eq!(page.total_records, 633);
    assert_eq!(page.page_count, 7);
    assert!(!page.next_page_token.is_empty());
}

#[tokio::test]
async fn list_users_error_carries_zoom_code() {
    let server = TestServer::start().await;
    let token = server.user_token(OWNER_ID, &["pac:read"]).await;
    let client = server.builder().access_token(token).build().unwrap();
    let error = client
        .list_users(None)
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    let Error::Api(api) = error else {
        panic!("expected an API error, got {error:?}");
    };
    assert_eq!(api.code, Some(4711));
}

/// Sends `count` listings one after another and counts the 429 answers.
async fn count_rejections(client: &zoom_pac_client::Client, count: usize) -> usize {
    let mut rejected = 0;
    for _ in 0..count {
        match client.list_pac_accounts("me").await {
            Ok(_) => {}
            Err(Error::Api(api)) if api.status == 429 => rejected += 1,
            Err(other) => panic!("unexpected error {other:?}"),
        }
    }
    rejected
}

#[tokio::test]
async fn pacer_waits_when_the_window_is_full() {
    let rules = limits(&["all.light.qps=4"]);
    let server = TestServer::start_with(move |config| config.limits = rules).await;

    // The pacer is set too fast on purpose, so only its reaction to
    // X-RateLimit-Remaining: 0 keeps requests out of full windows. It runs first, because a
    // window filled by another client before its first response cannot be foreseen.
    let paced = server
        .builder()
        .retry_policy(RetryPolicy::none())
        .requests_per_second(100.0)
        .server_to_server(ACCOUNT_ID, CLIENT_ID, CLIENT_SECRET)
        .build()
        .unwrap();
    assert_eq!(count_rejections(&paced, 12).await, 0);

    // Without pacing, requests faster than 4 per second are rejected.
    let unpaced = server
        .builder()
        .retry_policy(RetryPolicy::none())
        .server_to_server(ACCOUNT_ID, CLIENT_ID, CLIENT_SECRET)
        .build()
        .unwrap();
    assert!(count_rejections(&unpaced, 12).await > 0);
}

#[tokio::test]
async fn invalid_rate_is_a_config_error() {
    for rate in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        let result = zoom_pac_client::Client::builder()
            .access_token("token")
            .requests_per_second(rate)
            .build();
        assert!(matches!(result, Err(Error::Config(_))), "{rate}");
    }
}
