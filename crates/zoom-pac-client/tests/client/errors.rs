//! API, OAuth and transport failures, each a distinct variant of the error type.

use zoom_pac_client::{ApiError, Client, Error, StatusCode};

use crate::support::{
    ACCOUNT_ID, CLIENT_ID, FREE_ACCOUNT_ID, FREE_CLIENT_ID, FREE_CLIENT_SECRET, MULTI_ID,
    NO_PAC_ID, OWNER_ID, TestServer, fast_retries,
};

fn api_error(outcome: Result<impl std::fmt::Debug, Error>) -> ApiError {
    match outcome {
        Err(Error::Api(error)) => *error,
        other => panic!("expected an API error, got {other:?}"),
    }
}

#[tokio::test]
async fn pac_disabled_user_is_2024() {
    let server = TestServer::start().await;
    let error = api_error(server.s2s_client().list_pac_accounts(NO_PAC_ID).await);

    assert_eq!(error.status, StatusCode::BAD_REQUEST);
    assert_eq!(error.code, Some(2024));
    assert_eq!(error.message, "User does not have PAC enabled.");
}

#[tokio::test]
async fn unknown_user_is_1001_with_tracking_id() {
    let server = TestServer::start().await;
    let error = api_error(
        server
            .s2s_client()
            .list_pac_accounts("nobody@demo.example.com")
            .await,
    );

    assert_eq!(error.status, StatusCode::NOT_FOUND);
    assert_eq!(error.code, Some(1001));
    assert_eq!(
        error.message,
        "User does not exist: nobody@demo.example.com."
    );
    assert!(error.tracking_id.is_some_and(|id| !id.is_empty()));
}

#[tokio::test]
async fn reserved_characters_reach_the_server_intact() {
    let server = TestServer::start().await;
    let client = server.s2s_client();
    // The server echoes the decoded segment in its 1001 message, so the message shows
    // whether the segment survived the trip byte for byte.
    for user in ["Zoë/x%41y+z@example.com", "a b?c#d", "%2F", "ünïcødé"] {
        let error = api_error(client.list_pac_accounts(user).await);
        assert_eq!(error.code, Some(1001), "{user}");
        assert_eq!(error.message, format!("User does not exist: {user}."));
    }
}

#[tokio::test]
async fn own_user_token_for_other_user_is_4711() {
    let server = TestServer::start().await;
    let token = server.user_token(OWNER_ID, &["pac:read"]).await;
    let client = server.builder().access_token(token).build().unwrap();
    let error = api_error(client.list_pac_accounts(MULTI_ID).await);

    assert_eq!(error.status, StatusCode::BAD_REQUEST);
    assert_eq!(error.code, Some(4711));
    assert!(
        error.message.contains("pac:read:list_pac_accounts:admin"),
        "{}",
        error.message
    );
}

#[tokio::test]
async fn token_with_unrelated_scope_is_4711() {
    let server = TestServer::start().await;
    let token = server.user_token(OWNER_ID, &["user:read:admin"]).await;
    let client = server.builder().access_token(token).build().unwrap();
    let error = api_error(client.list_pac_accounts("me").await);

    assert_eq!(error.status, StatusCode::BAD_REQUEST);
    assert_eq!(error.code, Some(4711));
}

#[tokio::test]
async fn account_without_audio_conferencing_is_200() {
    let server = TestServer::start().await;
    let client = server
        .builder()
        .server_to_server(FREE_ACCOUNT_ID, FREE_CLIENT_ID, FREE_CLIENT_SECRET)
        .build()
        .unwrap();
    let error = api_error(client.list_pac_accounts("me").await);

    assert_eq!(error.status, StatusCode::BAD_REQUEST);
    assert_eq!(error.code, Some(200));
    assert_eq!(error.message, "Account not enable PAC.");
}

#[tokio::test]
async fn invalid_token_is_124() {
    let server = TestServer::start().await;
    let client = server.builder().access_token("garbage").build().unwrap();
    let error = api_error(client.list_pac_accounts("me").await);

    assert_eq!(error.status, StatusCode::UNAUTHORIZED);
    assert_eq!(error.code, Some(124));
    assert_eq!(error.message, "Invalid access token.");
}

#[tokio::test]
async fn wrong_client_secret_is_oauth_error() {
    let server = TestServer::start().await;
    let secret = "wrongSecretValue0000000000000001";
    let client = server
        .builder()
        .server_to_server(ACCOUNT_ID, CLIENT_ID, secret)
        .build()
        .unwrap();
    let outcome = client.list_pac_accounts("me").await;

    let Err(Error::OAuth(error)) = &outcome else {
        panic!("expected an OAuth error, got {outcome:?}");
    };
    assert_eq!(error.status, StatusCode::BAD_REQUEST);
    assert_eq!(error.error, "invalid_client");
    assert_eq!(error.reason, "Invalid client_id or client_secret");
    let rendered = format!("{} {:?}", outcome.as_ref().unwrap_err(), outcome);
    assert!(!rendered.contains(secret), "{rendered}");
    assert_eq!(server.tokens_issued(), 0);
}

#[tokio::test]
async fn wrong_account_id_is_an_oauth_error() {
    let server = TestServer::start().await;
    let client = server
        .builder()
        .server_to_server(FREE_ACCOUNT_ID, CLIENT_ID, crate::support::CLIENT_SECRET)
        .build()
        .unwrap();
    let outcome = client.list_pac_accounts("me").await;

    let Err(Error::OAuth(error)) = outcome else {
        panic!("expected an OAuth error, got {outcome:?}");
    };
    assert_eq!(error.error, "invalid_request");
    assert_eq!(error.reason, "Invalid account_id");
}

#[tokio::test]
async fn refused_connection_is_a_transport_error() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);

    let client = Client::builder()
        .api_url(format!("http://{addr}/v2"))
        .access_token("token")
        .retry_policy(fast_retries())
        .build()
        .unwrap();
    let outcome = client.list_pac_accounts("me").await;

    let Err(Error::Transport(error)) = &outcome else {
        panic!("expected a transport error, got {outcome:?}");
    };
    assert!(error.is_connect(), "{error}");
    assert_eq!(outcome.as_ref().unwrap_err().status(), None);
}

#[tokio::test]
async fn refused_token_endpoint_is_a_transport_error() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);

    let client = Client::builder()
        .api_url(format!("http://{addr}/v2"))
        .token_url(format!("http://{addr}/oauth/token"))
        .server_to_server(ACCOUNT_ID, CLIENT_ID, "secret")
        .retry_policy(fast_retries())
        .build()
        .unwrap();
    let outcome = client.list_pac_accounts("me").await;

    assert!(
        matches!(&outcome, Err(Error::Transport(error)) if error.is_connect()),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn empty_user_is_rejected_before_sending() {
    let server = TestServer::start().await;
    let outcome = server.s2s_client().list_pac_accounts("").await;

    assert!(
        matches!(outcome, Err(Error::InvalidArgument(_))),
        "{outcome:?}"
    );
    assert_eq!(server.tokens_issued(), 0);
}
