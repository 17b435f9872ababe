//! `GET /v2/users/{userId}/pac`: successful listings.

use serde_json::Value;
use zoom_pac_server::ConferenceIdFormat;

use crate::support::*;

#[tokio::test]
async fn owner_body_equals_zoom_sample_with_integer_id() {
    let (server, _db) = TestServer::start().await;
    let token = server.s2s_token().await;
    let (status, body) = server.get_json("/v2/users/me/pac", Some(&token)).await;
    assert_eq!(status, 200);
    assert_eq!(body, zoom_sample_with_integer_id());
    assert!(body["pac_accounts"][0]["conference_id"].is_u64());
}

#[tokio::test]
async fn string_format_equals_zoom_sample_exactly() {
    let (server, _db) =
        TestServer::start_with(|config| config.conference_id_format = ConferenceIdFormat::String)
            .await;
    let token = server.s2s_token().await;
    let (status, body) = server.get_json("/v2/users/me/pac", Some(&token)).await;
    assert_eq!(status, 200);
    assert_eq!(body, zoom_sample_response());
}

#[tokio::test]
async fn owner_by_id_and_email_and_me_agree() {
    let (server, _db) = TestServer::start().await;
    let token = server.s2s_token().await;
    let paths = [
        "/v2/users/me/pac".to_owned(),
        format!("/v2/users/{OWNER_ID}/pac"),
        "/v2/users/owner@demo.example.com/pac".to_owned(),
        "/v2/users/OWNER%40Demo.Example.COM/pac".to_owned(),
    ];
    for path in paths {
        let (status, body) = server.get_json(&path, Some(&token)).await;
        assert_eq!(status, 200, "{path}");
        assert_eq!(body, zoom_sample_with_integer_id(), "{path}");
    }
}

#[tokio::test]
async fn percent_encoded_plus_email_resolves() {
    let (server, _db) = TestServer::start().await;
    let token = server.s2s_token().await;
    let encoded = "multi.pac%2BAUDIO%40demo.example.com";
    let (status, body) = server
        .get_json(&format!("/v2/users/{encoded}/pac"), Some(&token))
        .await;
    assert_eq!(status, 200);
    let (_, by_id) = server
        .get_json(&format!("/v2/users/{MULTI_ID}/pac"), Some(&token))
        .await;
    assert_eq!(body, by_id);
    let (status, _) = server
        .get_json(&format!("/v2/users/{MULTI_EMAIL}/pac"), Some(&token))
        .await;
    assert_eq!(status, 200, "a literal '+' in the path is not a space");
}

#[tokio::test]
async fn several_accounts_keep_order_and_countries() {
    let (server, _db) = TestServer::start().await;
    let token = server.s2s_token().await;
    let (status, body) = server
        .get_json(&format!("/v2/users/{MULTI_ID}/pac"), Some(&token))
        .await;
    assert_eq!(status, 200);
    let accounts = body["pac_accounts"].as_array().unwrap();
    assert_eq!(accounts.len(), 2);
    assert_eq!(
        accounts[0]["conference_id"],
        Value::from(12_345_678_901_u64)
    );
    assert_eq!(accounts[1]["conference_id"], Value::from(9_876_543_210_u64));
    let countries: Vec<&str> = accounts[0]["global_dial_in_numbers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["country"].as_str().unwrap())
        .collect();
    assert_eq!(countries, ["USA", "GBR", "JPN"]);
    assert_eq!(accounts[0]["dedicated_dial_in_number"][1]["country"], "DEU");
}

#[tokio::test]
async fn user_token_with_own_scope_reads_itself() {
    let (server, _db) = TestServer::start().await;
    for scope in ["pac:read", "pac:read:list_pac_accounts"] {
        let token = server.user_token(ACCOUNT_ID, OWNER_ID, &[scope]).await;
        for path in [
            "/v2/users/me/pac",
            "/v2/users/demoOwner0001/pac",
            "/v2/users/owner@demo.example.com/pac",
        ] {
            let (status, body) = server.get_json(path, Some(&token)).await;
            assert_eq!(status, 200, "{scope} {path}");
            assert_eq!(body, zoom_sample_with_integer_id(), "{scope} {path}");
        }
    }
}

#[tokio::test]
async fn success_carries_rate_limit_remaining_and_tracking_id() {
    let (server, _db) = TestServer::start().await;
    let token = server.s2s_token().await;
    let response = server
        .client
        .get(server.url("/v2/users/me/pac"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers().contains_key("x-ratelimit-remaining"));
    assert!(response.headers().contains_key("x-zm-trackingid"));
    assert_eq!(response.headers()["content-type"], "application/json");
}
