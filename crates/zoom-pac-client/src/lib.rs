//! An async client for Zoom's "List a user's PAC accounts" API,
//! `GET /v2/users/{userId}/pac`.
//!
//! The client authenticates with a fixed access token or as a Server-to-Server OAuth app.
//! For an app, it requests tokens from the OAuth endpoint, caches them, and refreshes them
//! 60 s before they expire; concurrent calls share one refresh. A call that the API rejects
//! with code 124 (invalid or expired token) refreshes the token once and is sent once more.
//!
//! Failed requests are retried on HTTP 429, 500, 502, 503 and 504, and on transport
//! failures. A `Retry-After` header sets the wait, in seconds, as an RFC 3339 time or as an
//! HTTP-date. Without one, the wait is a jittered exponential backoff. A [`RetryPolicy`]
//! bounds the attempts and the total time. Each retry is logged with `tracing` at debug
//! level with its reason.
//!
//! Decoding accepts Zoom's real data: `conference_id` as a JSON integer or a string of
//! digits (kept digit for digit), missing or `null` arrays as empty, and unknown fields.
//!
//! Failures come back as one [`Error`] type that tells transport failures, API errors with
//! Zoom's code, OAuth errors and undecodable bodies apart. No error or log line contains a
//! token or a client secret.
//!
//! # Example
//!
//! ```no_run
//! use zoom_pac_client::{Client, Error};
//!
//! # async fn run() -> Result<(), Error> {
//! let client = Client::builder()
//!     .server_to_server("ACCOUNT_ID", "CLIENT_ID", "CLIENT_SECRET")
//!     .build()?;
//!
//! let list = client.list_pac_accounts("someone@example.com").await?;
//! for account in &list.pac_accounts {
//!     if let Some(id) = &account.conference_id {
//!         println!("conference id {id}");
//!     }
//!     for number in &account.dedicated_dial_in_number {
//!         println!("  dial in {} ({})", number.number, number.country);
//!     }
//! }
//!
//! match client.list_pac_accounts("nobody@example.com").await {
//!     Err(Error::Api(error)) if error.code == Some(1001) => println!("no such user"),
//!     other => println!("{other:?}"),
//! }
//! # Ok(())
//! # }
//! ```

mod auth;
mod builder;
mod client;
mod error;
mod pacer;
mod rate_limit;
mod response;
mod retry;
mod segment;

pub use builder::{ClientBuilder, DEFAULT_API_URL, DEFAULT_REFRESH_MARGIN, DEFAULT_TOKEN_URL};
pub use client::{Client, MAX_BODY_BYTES, USERS_PAGE_SIZE};
pub use error::{ApiError, DecodeError, Error, OAuthError};
pub use pacer::Pacer;
pub use rate_limit::{RateLimit, RetryAfter};
pub use response::{RawResponse, TRACKING_ID};
pub use retry::RetryPolicy;

/// HTTP types that appear in this crate's API: [`StatusCode`] and [`header::HeaderMap`].
pub use reqwest::{StatusCode, header};
/// The wire types, re-exported so that callers need not depend on `zoom-pac-model`.
pub use zoom_pac_model as model;
