//! Request limits and timeouts: each rejected with a Zoom-style JSON error, except the header
//! read timeout, which closes the connection.

use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use zoom_pac_server::http::MAX_TOKEN_BODY;

use crate::support::*;

/// How long a test waits for the server to close a connection before failing. It is far
/// above the configured timeouts, so it bounds a hang without measuring the server's speed.
const CLOSE_BOUND: Duration = Duration::from_secs(20);

async fn send(server: &TestServer, request: reqwest::RequestBuilder) -> (u16, Value) {
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    let body = serde_json::from_str(&text).unwrap_or_else(|_| {
        panic!(
            "{status} from {} has a non-JSON body {text:?}",
            server.address
        )
    });
    (status, body)
}

#[tokio::test]
async fn long_uri_gets_414() {
    let (server, _db) = TestServer::start_with(|config| config.max_uri_length = 100).await;
    let token = server.s2s_token().await;
    let prefix = "/v2/users/";
    let suffix = "/pac";

    // At the limit the request reaches the handler, which finds no such user.
    let fitting = "a".repeat(100 - prefix.len() - suffix.len());
    let (status, body) = server
        .get_json(&format!("{prefix}{fitting}{suffix}"), Some(&token))
        .await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["code"], 1001);

    let over = format!("{fitting}a");
    let (status, body) = server
        .get_json(&format!("{prefix}{over}{suffix}"), Some(&token))
        .await;
    assert_eq!(status, 414);
    assert_eq!(
        body,
        json!({"code": 414, "message": "The request URI is too long. The limit is 100 bytes."})
    );
}

#[tokio::test]
async fn default_uri_limit_is_2048_bytes() {
    let (server, _db) = TestServer::start().await;
    let query = "x".repeat(2048);
    let (status, body) = server.get_json(&format!("/healthz?{query}"), None).await;
    assert_eq!(status, 414);
    assert_eq!(body["code"], 414);
    assert_eq!(
        body["message"],
        "The request URI is too long. The limit is 2048 bytes."
    );
}

#[tokio::test]
async fn too_many_headers_get_431() {
    let (server, _db) = TestServer::start_with(|config| config.max_header_count = 20).await;
    // reqwest adds `accept` and `host`, so 15 custom headers stay under the limit and 25 go
    // over it.
    for (count, expected) in [(15, 200), (25, 431)] {
        let mut request = server.client.get(server.url("/healthz"));
        for index in 0..count {
            request = request.header(format!("x-extra-{index}"), "1");
        }
        let (status, body) = send(&server, request).await;
        assert_eq!(status, expected, "{count} headers: {body}");
        if expected == 431 {
            assert_eq!(body["code"], 431);
            assert_eq!(
                body["message"],
                "The request header fields are too large. The limit is 20 fields and 16384 bytes."
            );
        }
    }
}

#[tokio::test]
async fn large_headers_get_431() {
    let (server, _db) = TestServer::start().await;
    let token = server.s2s_token().await;
    let request = server
        .client
        .get(server.url("/v2/users/me/pac"))
        .bearer_auth(&token)
        .header("x-padding", "p".repeat(17 * 1024));
    let (status, body) = send(&server, request).await;
    assert_eq!(status, 431);
    assert_eq!(body["code"], 431);

    // The same request without the padding is served.
    let (status, _) = server.get_json("/v2/users/me/pac", Some(&token)).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn token_endpoint_limits_use_the_oauth_body() {
    let (server, _db) = TestServer::start().await;
    let request = server
        .client
        .post(server.url("/oauth/token?grant_type=account_credentials&account_id=demoBusinessAcct"))
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .header("x-padding", "p".repeat(17 * 1024));
    let (status, body) = send(&server, request).await;
    assert_eq!(status, 431);
    assert_eq!(body["error"], "invalid_request");
    assert!(
        body["reason"]
            .as_str()
            .unwrap()
            .starts_with("The request header fields are too large."),
        "{body}"
    );

    let query = "x".repeat(2100);
    let request = server
        .client
        .post(server.url(&format!("/oauth/token?{query}")))
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET));
    let (status, body) = send(&server, request).await;
    assert_eq!(status, 414);
    assert_eq!(body["error"], "invalid_request");
}

/// A request head over four times the configured limits is cut off by hyper itself, with a
/// bare 431 that never reaches the middleware.
#[tokio::test]
async fn huge_headers_get_bare_431_from_hyper() {
    let (server, _db) = TestServer::start().await;
    let response = server
        .client
        .get(server.url("/healthz"))
        .header("x-padding", "p".repeat(80 * 1024))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 431);
    assert_eq!(response.text().await.unwrap(), "");
}

#[tokio::test]
async fn token_body_limit_is_8_kib() {
    let (server, _db) = TestServer::start().await;
    let form = "grant_type=account_credentials&account_id=demoBusinessAcct&pad=";
    for (size, expected) in [(MAX_TOKEN_BODY, 200), (MAX_TOKEN_BODY + 1, 413)] {
        let body = format!("{form}{}", "x".repeat(size - form.len()));
        assert_eq!(body.len(), size);
        let request = server
            .client
            .post(server.url("/oauth/token"))
            .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        let (status, body) = send(&server, request).await;
        assert_eq!(status, expected, "{size} bytes: {body}");
        if expected == 413 {
            assert_eq!(
                body,
                json!({"reason": "Request body too large", "error": "invalid_request"})
            );
        }
    }
}

/// Writes `request` on a new connection and returns everything the server sends until it
/// closes the connection, or panics after [`CLOSE_BOUND`].
async fn exchange(server: &TestServer, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(server.address).await.expect("connect");
    stream.write_all(request).await.expect("write the request");
    let mut received = Vec::new();
    tokio::time::timeout(CLOSE_BOUND, stream.read_to_end(&mut received))
        .await
        .expect("the server closes the connection")
        .expect("read the response");
    String::from_utf8_lossy(&received).into_owned()
}

#[tokio::test]
async fn chunked_token_body_over_the_limit_gets_413() {
    let (server, _db) = TestServer::start().await;
    let chunk = "x".repeat(MAX_TOKEN_BODY + 100);
    let request = format!(
        "POST /oauth/token HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n\
         {:x}\r\n{chunk}\r\n0\r\n\r\n",
        chunk.len()
    );
    let response = exchange(&server, request.as_bytes()).await;
    assert!(response.starts_with("HTTP/1.1 413 "), "{response}");
    assert!(
        response.ends_with(r#"{"reason":"Request body too large","error":"invalid_request"}"#),
        "{response}"
    );
}

/// A client that sends its headers and then only part of the body makes the request run past
/// the request timeout, which returns 504 in Zoom's format.
#[tokio::test]
async fn slow_body_gets_504() {
    let (server, _db) = TestServer::start_with(|config| {
        config.request_timeout = Duration::from_millis(200);
    })
    .await;
    // The server responds, then closes the connection, because the rest of the body is unread.
    let response = exchange(
        &server,
        b"POST /oauth/token HTTP/1.1\r\nHost: localhost\r\n\
          Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n\
          grant_type=",
    )
    .await;
    assert!(response.starts_with("HTTP/1.1 504 "), "{response}");
    assert!(response.contains("retry-after: 1"), "{response}");
    assert!(
        response.ends_with(r#"{"code":504,"message":"The request timed out. Try again later."}"#),
        "{response}"
    );
}

#[tokio::test]
async fn slow_headers_close_the_connection() {
    let (server, _db) = TestServer::start_with(|config| {
        config.header_read_timeout = Duration::from_millis(200);
    })
    .await;
    // Half a request head: the blank line that ends it never comes.
    let response = exchange(&server, b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n").await;
    assert_eq!(response, "", "the server responded to a half-sent request");

    // A client that sends the whole head in time is served.
    let response = exchange(
        &server,
        b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(response.starts_with("HTTP/1.1 200 "), "{response}");
}

#[tokio::test]
async fn silent_client_is_disconnected() {
    let (server, _db) = TestServer::start_with(|config| {
        config.header_read_timeout = Duration::from_millis(200);
    })
    .await;
    let response = exchange(&server, b"").await;
    assert_eq!(response, "");
}

#[tokio::test]
async fn idle_kept_alive_connection_is_closed() {
    let (server, _db) = TestServer::start_with(|config| {
        config.header_read_timeout = Duration::from_millis(200);
    })
    .await;
    // One complete request on a kept-alive connection, then nothing: the server closes the
    // connection once the header read timeout passes.
    let response = exchange(&server, b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n").await;
    assert!(response.starts_with("HTTP/1.1 200 "), "{response}");
    assert!(response.ends_with(r#"{"status":"ok"}"#), "{response}");
}
