//! The Server-to-Server token cache: single-flight refresh, and the refresh after code 124.

use std::time::Duration;

use tokio::net::TcpListener;
use zoom_pac_client::{Client, Error, StatusCode};
use zoom_pac_server::auth::TokenKind;

use crate::support::{ACCOUNT_ID, CLIENT_ID, CLIENT_SECRET, OWNER_ID, TestServer};

const BURST: usize = 50;

/// Sends `BURST` listings at once, each on its own task, and checks that all succeed.
///
/// The tests run on a current-thread runtime, so every task starts (and finds the token
/// missing or due) before the server can respond to the first token request.
async fn burst(client: &Client) {
    let tasks: Vec<_> = (0..BURST)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.list_pac_accounts("me").await })
        })
        .collect();
    for task in tasks {
        let list = task.await.unwrap().unwrap();
        assert_eq!(list.pac_accounts.len(), 1);
    }
}

#[tokio::test]
async fn cached_token_is_reused() {
    let server = TestServer::start().await;
    let client = server.s2s_client();
    for _ in 0..3 {
        client.list_pac_accounts("me").await.unwrap();
    }
    assert_eq!(server.tokens_issued(), 1);
}

#[tokio::test]
async fn burst_on_empty_cache_requests_one_token() {
    let server = TestServer::start().await;
    burst(&server.s2s_client()).await;
    assert_eq!(server.tokens_issued(), 1);
}

#[tokio::test]
async fn burst_on_due_token_requests_one_token() {
    // Sixty-second tokens fall within the client's 60 s refresh margin the moment they
    // arrive, so the cached token is due for every later call while the server still
    // accepts it.
    let server = TestServer::start_with(|config| {
        config.token_lifetime = Duration::from_secs(60);
    })
    .await;
    let client = server.s2s_client();
    client.list_pac_accounts("me").await.unwrap();
    assert_eq!(server.tokens_issued(), 1);

    burst(&client).await;
    assert_eq!(server.tokens_issued(), 2);
}

#[tokio::test]
async fn burst_with_expired_token_requests_one_token() {
    // With no refresh margin the client uses the cached token until it has expired. The
    // server counts expiry from the whole second of issue, so its three-second tokens live
    // between two and three seconds there, and the sleep outlasts both clocks.
    let server = TestServer::start_with(|config| {
        config.token_lifetime = Duration::from_secs(3);
    })
    .await;
    let client = server
        .builder()
        .server_to_server(ACCOUNT_ID, CLIENT_ID, CLIENT_SECRET)
        .token_refresh_margin(Duration::ZERO)
        .build()
        .unwrap();
    client.list_pac_accounts("me").await.unwrap();
    assert_eq!(server.tokens_issued(), 1);

    tokio::time::sleep(Duration::from_millis(3100)).await;
    // NOTE: the new token lives at least two seconds on the server, so the burst must finish
    // within them. A stall that long would add a refresh after a 124.
    burst(&client).await;
    assert_eq!(server.tokens_issued(), 2);
}

#[tokio::test]
async fn expired_fixed_token_is_124() {
    let server = TestServer::start_with(|config| {
        config.token_lifetime = Duration::ZERO;
    })
    .await;
    let token = server.user_token(OWNER_ID, &["pac:read"]).await;
    let client = server.builder().access_token(token).build().unwrap();
    let outcome = client.list_pac_accounts("me").await;

    let Err(Error::Api(error)) = outcome else {
        panic!("expected an API error, got {outcome:?}");
    };
    assert_eq!(error.status, StatusCode::UNAUTHORIZED);
    assert_eq!(error.code, Some(124));
    assert_eq!(error.message, "Access token is expired.");
}

#[tokio::test]
async fn rejected_s2s_token_is_refreshed_once() {
    // Every token expires at once, so the retry after the refresh fails too and the client
    // stops after one refresh.
    let server = TestServer::start_with(|config| {
        config.token_lifetime = Duration::ZERO;
    })
    .await;
    let outcome = server.s2s_client().list_pac_accounts("me").await;

    let Err(Error::Api(error)) = outcome else {
        panic!("expected an API error, got {outcome:?}");
    };
    assert_eq!(error.code, Some(124));
    assert_eq!(server.tokens_issued(), 2);
}

#[tokio::test]
async fn token_from_restarted_server_is_replaced() {
    // A server restarted with a new signing key rejects the token that the client still
    // treats as valid for another hour. The client refreshes it once and the call succeeds.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("pac.db");
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let first = TestServer::serve(listener, &db, |config| {
        config.signing_key = Some(b"first-signing-key-of-at-least-32-bytes".to_vec());
    })
    .await;
    let client = first.s2s_client();
    client.list_pac_accounts("me").await.unwrap();
    assert_eq!(first.tokens_issued(), 1);
    first.stop().await;

    let listener = TcpListener::bind(addr).await.unwrap();
    let second = TestServer::serve(listener, &db, |config| {
        config.signing_key = Some(b"second-signing-key-of-at-least-32-bytes".to_vec());
    })
    .await;
    let list = client.list_pac_accounts("me").await.unwrap();
    assert_eq!(list.pac_accounts.len(), 1);
    assert_eq!(second.tokens_issued(), 1);
}

#[tokio::test]
async fn fixed_token_is_not_refreshed_on_124() {
    let server = TestServer::start().await;
    let other = TestServer::start().await;
    // A token signed by another server's key is invalid here.
    let foreign = other
        .state
        .tokens
        .issue(
            TokenKind::User,
            ACCOUNT_ID,
            OWNER_ID,
            "client-tests",
            &["pac:read".to_owned()],
        )
        .await
        .unwrap();
    let client = server.builder().access_token(foreign).build().unwrap();
    let outcome = client.list_pac_accounts("me").await;

    assert_eq!(outcome.unwrap_err().zoom_code(), Some(124));
    assert_eq!(server.tokens_issued(), 0);
}
