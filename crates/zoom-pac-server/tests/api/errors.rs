//! Every failure of the PAC listing, with Zoom's exact status and body.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use crate::support::*;

fn zoom_error(code: i64, message: &str) -> Value {
    json!({"code": code, "message": message})
}

fn invalid_token() -> Value {
    zoom_error(124, "Invalid access token.")
}

#[tokio::test]
async fn missing_token() {
    let (server, _db) = TestServer::start().await;
    let (status, body) = server.get_json("/v2/users/me/pac", None).await;
    assert_eq!(status, 401);
    assert_eq!(body, invalid_token());
}

#[tokio::test]
async fn malformed_tokens() {
    let (server, _db) = TestServer::start().await;
    let long = "a".repeat(5000);
    let cases = [
        "garbage",
        "a.b.c",
        "eyJhbGciOiJIUzUxMiJ9.e30.",
        long.as_str(),
    ];
    for token in cases {
        let (status, body) = server.get_json("/v2/users/me/pac", Some(token)).await;
        assert_eq!(status, 401, "{token:.40}");
        assert_eq!(body, invalid_token(), "{token:.40}");
    }
    for header in ["Basic abc", "Bearer", "Token abc"] {
        let response = server
            .client
            .get(server.url("/v2/users/me/pac"))
            .header("authorization", header)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401, "{header}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body, invalid_token(), "{header}");
    }
}

/// Re-signs the claims of a genuine token with another secret, keeping its key id.
fn forge(token: &str, secret: &[u8]) -> String {
    let header = jsonwebtoken::decode_header(token).unwrap();
    let payload = token.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    jsonwebtoken::encode(
        &header,
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(secret),
    )
    .unwrap()
}

#[tokio::test]
async fn foreign_signed_token() {
    let (server, _db) = TestServer::start().await;
    let genuine = server.s2s_token().await;
    let forged = forge(&genuine, b"some other key that is long enough to sign");
    let (status, body) = server.get_json("/v2/users/me/pac", Some(&forged)).await;
    assert_eq!(status, 401);
    assert_eq!(body, invalid_token());

    // A token of another server, with its own database and key.
    let (other, _other_db) = TestServer::start().await;
    let foreign = other.s2s_token().await;
    let (status, body) = server.get_json("/v2/users/me/pac", Some(&foreign)).await;
    assert_eq!(status, 401);
    assert_eq!(body, invalid_token());
}

#[tokio::test]
async fn unsigned_token_is_rejected() {
    let (server, _db) = TestServer::start().await;
    let genuine = server.s2s_token().await;
    let payload = genuine.split('.').nth(1).unwrap();
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    for token in [
        format!("{header}.{payload}."),
        format!("{header}.{payload}"),
    ] {
        let (status, body) = server.get_json("/v2/users/me/pac", Some(&token)).await;
        assert_eq!(status, 401);
        assert_eq!(body, invalid_token());
    }
}

#[tokio::test]
async fn expired_token() {
    let (server, _db) =
        TestServer::start_with(|config| config.token_lifetime = Duration::ZERO).await;
    let token = server.s2s_token().await;
    let (status, body) = server.get_json("/v2/users/me/pac", Some(&token)).await;
    assert_eq!(status, 401);
    assert_eq!(body, zoom_error(124, "Access token is expired."));
}

#[tokio::test]
async fn token_in_query_string_is_rejected() {
    let (server, _db) = TestServer::start().await;
    let token = server.s2s_token().await;
    let (status, body) = server
        .get_json(&format!("/v2/users/me/pac?access_token={token}"), None)
        .await;
    assert_eq!(status, 401);
    assert_eq!(body, invalid_token());
}

#[tokio::test]
async fn token_without_pac_scope() {
    let (server, _db) = TestServer::start().await;
    let token = server
        .user_token(ACCOUNT_ID, OWNER_ID, &["user:read"])
        .await;
    let (status, body) = server.get_json("/v2/users/me/pac", Some(&token)).await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        zoom_error(
            4711,
            "Invalid access token, does not contain scopes:[pac:read:list_pac_accounts, pac:read:list_pac_accounts:admin]."
        )
    );
}

#[tokio::test]
async fn user_token_asking_for_another_user() {
    let (server, _db) = TestServer::start().await;
    let token = server.user_token(ACCOUNT_ID, OWNER_ID, &["pac:read"]).await;
    let expected = zoom_error(
        4711,
        "Invalid access token, does not contain scopes:[pac:read:list_pac_accounts:admin].",
    );
    // Another user, found or not, gets the same answer.
    for path in [
        format!("/v2/users/{MULTI_ID}/pac"),
        "/v2/users/nobody@example.com/pac".to_owned(),
        "/v2/users/noSuchUser/pac".to_owned(),
    ] {
        let (status, body) = server.get_json(&path, Some(&token)).await;
        assert_eq!(status, 400, "{path}");
        assert_eq!(body, expected, "{path}");
    }
}

#[tokio::test]
async fn unknown_user() {
    let (server, _db) = TestServer::start().await;
    let token = server.s2s_token().await;
    for (segment, shown) in [
        ("noSuchUser", "noSuchUser"),
        ("nobody%40example.com", "nobody@example.com"),
        ("%FF%FE", "\u{fffd}\u{fffd}"),
    ] {
        let (status, body) = server
            .get_json(&format!("/v2/users/{segment}/pac"), Some(&token))
            .await;
        assert_eq!(status, 404, "{segment}");
        assert_eq!(
            body,
            zoom_error(1001, &format!("User does not exist: {shown}.")),
            "{segment}"
        );
    }
}

#[tokio::test]
async fn other_account_user_reads_as_missing() {
    let (server, _db) = TestServer::start().await;
    let business = server.s2s_token().await;
    let free = server
        .s2s_token_for(FREE_CLIENT_ID, FREE_CLIENT_SECRET, FREE_ACCOUNT_ID)
        .await;
    // Each account's token sees the other account's users exactly as users that do not exist.
    let cases = [
        (&business, FREE_USER_ID.to_owned()),
        (&business, "free@demo.example.org".to_owned()),
        (&free, OWNER_ID.to_owned()),
        (&free, "owner@demo.example.com".to_owned()),
        (&free, MULTI_ID.to_owned()),
    ];
    for (token, user) in cases {
        let (status, body) = server
            .get_json(&format!("/v2/users/{user}/pac"), Some(token))
            .await;
        assert_eq!(status, 404, "{user}");
        assert_eq!(
            body,
            zoom_error(1001, &format!("User does not exist: {user}.")),
            "{user}"
        );
    }
}

#[tokio::test]
async fn user_without_pac() {
    let (server, _db) = TestServer::start().await;
    let token = server.s2s_token().await;
    let (status, body) = server
        .get_json(&format!("/v2/users/{NO_PAC_ID}/pac"), Some(&token))
        .await;
    assert_eq!(status, 400);
    assert_eq!(body, zoom_error(2024, "User does not have PAC enabled."));
}

#[tokio::test]
async fn account_without_audio_conferencing() {
    let (server, _db) = TestServer::start().await;
    let token = server
        .s2s_token_for(FREE_CLIENT_ID, FREE_CLIENT_SECRET, FREE_ACCOUNT_ID)
        .await;
    let (status, body) = server.get_json("/v2/users/me/pac", Some(&token)).await;
    assert_eq!(status, 400);
    assert_eq!(body, zoom_error(200, "Account not enable PAC."));
}

#[tokio::test]
async fn unknown_route_and_wrong_method() {
    let (server, _db) = TestServer::start().await;
    let (status, body) = server.get_json("/v2/nothing/here", None).await;
    assert_eq!(status, 404);
    assert_eq!(
        body,
        zoom_error(404, "The requested resource does not exist.")
    );

    for method in [
        reqwest::Method::POST,
        reqwest::Method::DELETE,
        reqwest::Method::PUT,
    ] {
        let response = server
            .client
            .request(method.clone(), server.url("/v2/users/me/pac"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 405, "{method}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            body,
            zoom_error(405, "The HTTP method is not allowed for this resource."),
            "{method}"
        );
    }
    let response = server
        .client
        .get(server.url("/oauth/token"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
}
