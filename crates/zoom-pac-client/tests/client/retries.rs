//! Retries against the stub: `Retry-After` in each form, 5xx backoff, and the limits.
//!
//! The waits here are real but at most about two seconds, and no test asserts on time:
//! each counts the requests that the stub read.

use std::time::{Duration, SystemTime};

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use zoom_pac_client::{Error, RetryAfter, RetryPolicy, StatusCode};

use crate::support::{ONE_ACCOUNT, Stub, fast_retries, http_response, json_ok};

fn too_many_requests(retry_after: &str) -> String {
    http_response(
        "429 Too Many Requests",
        &[
            ("content-type", "application/json"),
            ("x-zm-trackingid", "stub-tracking-id"),
            ("x-ratelimit-category", "Light"),
            ("x-ratelimit-type", "QPS"),
            ("x-ratelimit-limit", "30"),
            ("x-ratelimit-remaining", "0"),
            ("retry-after", retry_after),
        ],
        r#"{"code":429,"message":"You have reached the maximum per-second rate limit for this API. Try again later."}"#,
    )
}

/// Returns a policy whose own backoff is far longer than any `Retry-After` used here, so that a
/// client ignoring the header would run out of time budget instead of retrying.
fn header_driven_retries() -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(4)
        .initial_backoff(Duration::from_secs(30))
        .max_backoff(Duration::from_secs(30))
        .max_elapsed(Duration::from_secs(10))
}

#[tokio::test]
async fn retry_after_in_seconds_is_honoured() {
    let stub = Stub::start(|n| {
        if n < 2 {
            too_many_requests("1")
        } else {
            json_ok(ONE_ACCOUNT)
        }
    })
    .await;
    let list = stub
        .client(header_driven_retries())
        .list_pac_accounts("me")
        .await
        .unwrap();

    assert_eq!(list.pac_accounts.len(), 1);
    assert_eq!(stub.requests(), 3);
}

#[tokio::test]
async fn retry_after_as_rfc3339_time_is_honoured() {
    let stub = Stub::start(|n| {
        if n < 1 {
            let at = OffsetDateTime::now_utc() + Duration::from_secs(1);
            too_many_requests(&at.format(&Rfc3339).unwrap())
        } else {
            json_ok(ONE_ACCOUNT)
        }
    })
    .await;
    let list = stub
        .client(header_driven_retries())
        .list_pac_accounts("me")
        .await
        .unwrap();

    assert_eq!(list.pac_accounts.len(), 1);
    assert_eq!(stub.requests(), 2);
}

#[tokio::test]
async fn retry_after_as_http_date_is_honoured() {
    let stub = Stub::start(|n| {
        if n < 1 {
            let at = SystemTime::now() + Duration::from_secs(1);
            too_many_requests(&httpdate::fmt_http_date(at))
        } else {
            json_ok(ONE_ACCOUNT)
        }
    })
    .await;
    let list = stub
        .client(header_driven_retries())
        .list_pac_accounts("me")
        .await
        .unwrap();

    assert_eq!(list.pac_accounts.len(), 1);
    assert_eq!(stub.requests(), 2);
}

#[tokio::test]
async fn retry_after_beyond_budget_returns_the_429() {
    let stub = Stub::start(|_| too_many_requests("2026-12-05T00:00:00Z")).await;
    let client = stub.client(
        RetryPolicy::default()
            .max_attempts(5)
            .max_elapsed(Duration::from_secs(5)),
    );
    let outcome = client.list_pac_accounts("me").await;

    let Err(Error::Api(error)) = outcome else {
        panic!("expected an API error, got {outcome:?}");
    };
    assert_eq!(stub.requests(), 1);
    assert_eq!(error.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(error.code, Some(429));
    assert_eq!(error.tracking_id.as_deref(), Some("stub-tracking-id"));
    assert_eq!(error.rate_limit.category.as_deref(), Some("Light"));
    assert_eq!(error.rate_limit.limit_type.as_deref(), Some("QPS"));
    assert_eq!(error.rate_limit.limit, Some(30));
    assert_eq!(error.rate_limit.remaining, Some(0));
    assert!(
        matches!(error.rate_limit.retry_after, Some(RetryAfter::At(_))),
        "{:?}",
        error.rate_limit.retry_after
    );
}

#[tokio::test]
async fn non_json_502_is_retried() {
    let stub = Stub::start(|n| {
        if n < 1 {
            http_response(
                "502 Bad Gateway",
                &[("content-type", "text/html")],
                "<html><body>Bad gateway</body></html>",
            )
        } else {
            json_ok(ONE_ACCOUNT)
        }
    })
    .await;
    let list = stub
        .client(fast_retries())
        .list_pac_accounts("me")
        .await
        .unwrap();

    assert_eq!(list.pac_accounts.len(), 1);
    assert_eq!(stub.requests(), 2);
}

#[tokio::test]
async fn persistent_502_stops_after_max_attempts() {
    let stub = Stub::start(|_| {
        http_response(
            "502 Bad Gateway",
            &[("content-type", "text/html")],
            "<html><body>Bad gateway</body></html>",
        )
    })
    .await;
    let outcome = stub
        .client(fast_retries().max_attempts(3))
        .list_pac_accounts("me")
        .await;

    let Err(Error::Api(error)) = outcome else {
        panic!("expected an API error, got {outcome:?}");
    };
    assert_eq!(stub.requests(), 3);
    assert_eq!(error.status, StatusCode::BAD_GATEWAY);
    assert_eq!(error.code, None);
    assert_eq!(error.message, "<html><body>Bad gateway</body></html>");
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    let stub = Stub::start(|_| {
        http_response(
            "404 Not Found",
            &[("content-type", "application/json")],
            r#"{"code":1001,"message":"User does not exist: x."}"#,
        )
    })
    .await;
    let outcome = stub.client(fast_retries()).list_pac_accounts("x").await;

    assert_eq!(outcome.unwrap_err().zoom_code(), Some(1001));
    assert_eq!(stub.requests(), 1);
}

#[tokio::test]
async fn no_retry_policy_sends_once() {
    let stub = Stub::start(|_| too_many_requests("1")).await;
    let outcome = stub
        .client(RetryPolicy::none())
        .list_pac_accounts("me")
        .await;

    assert_eq!(
        outcome.unwrap_err().status(),
        Some(StatusCode::TOO_MANY_REQUESTS)
    );
    assert_eq!(stub.requests(), 1);
}

#[tokio::test]
async fn server_daily_limit_returns_429_with_headers() {
    let server = crate::support::TestServer::start_with(|config| {
        config.limits.apply_rule("all.light.daily=1").unwrap();
    })
    .await;
    // NOTE: within one second of 00:00 UTC the server's Retry-After fits the budget, so the
    // client would wait for the new day and succeed instead.
    let client = server
        .builder()
        .server_to_server(
            crate::support::ACCOUNT_ID,
            crate::support::CLIENT_ID,
            crate::support::CLIENT_SECRET,
        )
        .retry_policy(
            RetryPolicy::default()
                .max_attempts(3)
                .max_elapsed(Duration::from_secs(1)),
        )
        .build()
        .unwrap();
    client.list_pac_accounts("me").await.unwrap();
    let outcome = client.list_pac_accounts("me").await;

    let Err(Error::Api(error)) = outcome else {
        panic!("expected an API error, got {outcome:?}");
    };
    assert_eq!(error.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(error.rate_limit.category.as_deref(), Some("Light"));
    assert_eq!(error.rate_limit.limit_type.as_deref(), Some("Daily-limit"));
    assert_eq!(error.rate_limit.limit, Some(1));
    assert_eq!(error.rate_limit.remaining, Some(0));
    assert!(
        matches!(error.rate_limit.retry_after, Some(RetryAfter::At(_))),
        "{:?}",
        error.rate_limit.retry_after
    );
}
