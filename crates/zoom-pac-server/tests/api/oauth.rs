//! `POST /oauth/token`: the account_credentials grant and Zoom's token-endpoint errors.

use serde_json::{Value, json};

use crate::support::*;

async fn token_request(
    server: &TestServer,
    query: &str,
    form: Option<&str>,
    credentials: Option<(&str, &str)>,
) -> (u16, Value) {
    let mut request = server
        .client
        .post(server.url(&format!("/oauth/token{query}")));
    if let Some((id, secret)) = credentials {
        request = request.basic_auth(id, Some(secret));
    }
    if let Some(form) = form {
        request = request
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form.to_owned());
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

const GRANT_QUERY: &str = "?grant_type=account_credentials&account_id=demoBusinessAcct";

#[tokio::test]
async fn token_from_query_parameters() {
    let (server, _db) = TestServer::start().await;
    let (status, body) =
        token_request(&server, GRANT_QUERY, None, Some((CLIENT_ID, CLIENT_SECRET))).await;
    assert_eq!(status, 200);
    assert!(body["access_token"].as_str().unwrap().len() > 20);
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["scope"], "pac:read:admin user:read:admin");
    assert_eq!(body["api_url"], server.url(""));
}

#[tokio::test]
async fn token_from_form_body() {
    let (server, _db) = TestServer::start().await;
    let (status, body) = token_request(
        &server,
        "",
        Some("grant_type=account_credentials&account_id=demoBusinessAcct"),
        Some((CLIENT_ID, CLIENT_SECRET)),
    )
    .await;
    assert_eq!(status, 200);
    let token = body["access_token"].as_str().unwrap();
    let (status, _) = server.get_json("/v2/users/me/pac", Some(token)).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn wrong_secret_is_invalid_client() {
    let (server, _db) = TestServer::start().await;
    let expected =
        json!({"reason": "Invalid client_id or client_secret", "error": "invalid_client"});
    let cases = [
        Some((CLIENT_ID, "wrong-secret-wrong-secret")),
        Some(("unknownClient", CLIENT_SECRET)),
        None,
    ];
    for credentials in cases {
        let (status, body) = token_request(&server, GRANT_QUERY, None, credentials).await;
        assert_eq!(status, 400, "{credentials:?}");
        assert_eq!(body, expected, "{credentials:?}");
    }
}

#[tokio::test]
async fn malformed_basic_header_is_invalid_client() {
    let (server, _db) = TestServer::start().await;
    for value in ["Basic", "Basic %%%", "Basic Zm9v", "Bearer abc"] {
        let response = server
            .client
            .post(server.url(&format!("/oauth/token{GRANT_QUERY}")))
            .header("authorization", value)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{value}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "invalid_client", "{value}");
    }
}

#[tokio::test]
async fn missing_grant_type() {
    let (server, _db) = TestServer::start().await;
    let (status, body) = token_request(
        &server,
        "?account_id=demoBusinessAcct",
        None,
        Some((CLIENT_ID, CLIENT_SECRET)),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({"reason": "Missing grant type", "error": "invalid_request"})
    );
}

#[tokio::test]
async fn unsupported_grant_type() {
    let (server, _db) = TestServer::start().await;
    let (status, body) = token_request(
        &server,
        "?grant_type=password&account_id=demoBusinessAcct",
        None,
        Some((CLIENT_ID, CLIENT_SECRET)),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({"reason": "unsupported grant type", "error": "unsupported_grant_type"})
    );
}

#[tokio::test]
async fn account_id_of_another_account() {
    let (server, _db) = TestServer::start().await;
    for account_id in [FREE_ACCOUNT_ID, "noSuchAccount"] {
        let (status, body) = token_request(
            &server,
            &format!("?grant_type=account_credentials&account_id={account_id}"),
            None,
            Some((CLIENT_ID, CLIENT_SECRET)),
        )
        .await;
        assert_eq!(status, 400, "{account_id}");
        assert_eq!(
            body,
            json!({"reason": "Invalid account_id", "error": "invalid_request"}),
            "{account_id}"
        );
    }
}

#[tokio::test]
async fn missing_account_id() {
    let (server, _db) = TestServer::start().await;
    let (status, body) = token_request(
        &server,
        "?grant_type=account_credentials",
        None,
        Some((CLIENT_ID, CLIENT_SECRET)),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({"reason": "Missing account_id", "error": "invalid_request"})
    );
}

#[tokio::test]
async fn demo_app_rejected_outside_demo_mode() {
    let (server, _db) = TestServer::start_with(|config| config.demo = false).await;
    let (status, body) =
        token_request(&server, GRANT_QUERY, None, Some((CLIENT_ID, CLIENT_SECRET))).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_client");
}

#[tokio::test]
async fn oversized_token_body_is_rejected() {
    let (server, _db) = TestServer::start().await;
    let body = format!("grant_type=account_credentials&pad={}", "x".repeat(20_000));
    let (status, body) = token_request(
        &server,
        GRANT_QUERY,
        Some(&body),
        Some((CLIENT_ID, CLIENT_SECRET)),
    )
    .await;
    assert_eq!(status, 413);
    assert_eq!(body["error"], "invalid_request");
}
