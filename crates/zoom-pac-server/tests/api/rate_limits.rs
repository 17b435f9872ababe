//! Zoom's rate limits over HTTP: 429 bodies and headers, and admission under a burst.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use zoom_pac_server::limit::LimitTable;

use crate::support::*;

fn limits(rules: &[&str]) -> LimitTable {
    let mut table = LimitTable::default();
    for rule in rules {
        table.apply_rule(rule).unwrap();
    }
    table
}

fn unix_second() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[tokio::test]
async fn per_second_429_body_and_headers() {
    let rules = limits(&["all.light.qps=1"]);
    let (server, _db) = TestServer::start_with(move |config| config.limits = rules).await;
    let token = server.s2s_token().await;

    // Two requests in a row land in one second or in two; three in a row always see a
    // second request within one second.
    let mut rejected = None;
    for _ in 0..3 {
        let response = server
            .client
            .get(server.url("/v2/users/me/pac"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        if response.status() == 429 {
            rejected = Some(response);
            break;
        }
        assert_eq!(response.headers()["x-ratelimit-remaining"], "0");
    }
    let response = rejected.expect("a second request within one second is rejected");
    let headers = response.headers().clone();
    assert_eq!(headers["x-ratelimit-category"], "Light");
    assert_eq!(headers["x-ratelimit-type"], "QPS");
    assert_eq!(headers["x-ratelimit-limit"], "1");
    assert_eq!(headers["x-ratelimit-remaining"], "0");
    assert!(!headers.contains_key("retry-after"));
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body,
        json!({"code": 429, "message": "You have reached the maximum per-second rate limit for this API. Try again later."})
    );
}

#[tokio::test]
async fn daily_429_body_and_headers() {
    let rules = limits(&["all.light.qps=off", "all.light.daily=3"]);
    let (server, _db) = TestServer::start_with(move |config| config.limits = rules).await;
    let token = server.s2s_token().await;
    let mut remaining = Vec::new();
    for _ in 0..3 {
        let response = server
            .client
            .get(server.url("/v2/users/me/pac"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        remaining.push(
            response.headers()["x-ratelimit-remaining"]
                .to_str()
                .unwrap()
                .to_owned(),
        );
    }
    assert_eq!(remaining, ["2", "1", "0"]);

    let response = server
        .client
        .get(server.url("/v2/users/me/pac"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    let headers = response.headers().clone();
    assert_eq!(headers["x-ratelimit-category"], "Light");
    assert_eq!(headers["x-ratelimit-type"], "Daily-limit");
    assert_eq!(headers["x-ratelimit-limit"], "3");
    assert_eq!(headers["x-ratelimit-remaining"], "0");
    let retry_after = headers["retry-after"].to_str().unwrap();
    let reset = OffsetDateTime::parse(retry_after, &Rfc3339).unwrap();
    assert!(retry_after.ends_with("T00:00:00Z"), "{retry_after}");
    let now = OffsetDateTime::now_utc();
    assert!(
        reset > now && reset - now <= time::Duration::days(1),
        "{retry_after}"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body,
        json!({"code": 429, "message": "You have reached the maximum daily rate limit for this API. Refer to the response header for details on when you can make another request."})
    );
}

#[tokio::test]
async fn burst_never_exceeds_the_limit() {
    let rules = limits(&["all.light.qps=20"]);
    let (server, _db) = TestServer::start_with(move |config| config.limits = rules).await;
    let token = server.s2s_token().await;

    let first_second = unix_second();
    let requests = (0..200).map(|_| {
        let request = server
            .client
            .get(server.url("/v2/users/me/pac"))
            .bearer_auth(&token);
        async move { request.send().await.unwrap().status().as_u16() }
    });
    let statuses = futures::future::join_all(requests).await;
    let last_second = unix_second();

    let admitted = statuses.iter().filter(|&&s| s == 200).count() as u64;
    let rejected = statuses.iter().filter(|&&s| s == 429).count() as u64;
    assert_eq!(admitted + rejected, 200, "only 200 and 429: {statuses:?}");
    let windows = last_second - first_second + 1;
    assert!(
        admitted <= 20 * windows,
        "{admitted} admitted over {windows} windows"
    );
    assert!(admitted >= 20, "the first window admits its full limit");
    assert!(rejected > 0);
}

#[tokio::test]
async fn accounts_have_separate_limits() {
    let rules = limits(&[
        "all.light.qps=off",
        "all.light.daily=1",
        "all.medium.daily=1",
    ]);
    let (server, _db) = TestServer::start_with(move |config| config.limits = rules).await;
    let business = server.s2s_token().await;
    let free = server
        .s2s_token_for(FREE_CLIENT_ID, FREE_CLIENT_SECRET, FREE_ACCOUNT_ID)
        .await;
    assert_eq!(
        server.get_json("/v2/users/me/pac", Some(&business)).await.0,
        200
    );
    assert_eq!(
        server.get_json("/v2/users/me/pac", Some(&business)).await.0,
        429
    );
    // Another account, and another label of the same account, still have room.
    assert_eq!(
        server.get_json("/v2/users/me/pac", Some(&free)).await.0,
        400
    );
    assert_eq!(server.get_json("/v2/users", Some(&business)).await.0, 200);
}
