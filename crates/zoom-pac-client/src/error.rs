//! The client's error type and the details it carries.

use std::fmt;
use std::sync::Arc;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use zoom_pac_model::FieldError;

use crate::rate_limit::RateLimit;

/// A failed client call.
///
/// The variants tell apart where the call failed: before any HTTP response arrived
/// ([`Error::Transport`]), at the API ([`Error::Api`]), at the OAuth token endpoint
/// ([`Error::OAuth`]), or on a response body that does not decode ([`Error::Decode`]).
/// No variant contains an access token or a client secret, in its fields or its message.
///
/// The error is cheap to clone, so that every caller waiting on one token refresh can
/// receive the same failure.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No complete HTTP response arrived: DNS, connection, TLS, timeout or a body cut short.
    /// The source, a [`reqwest::Error`], names the URL and the cause.
    #[error("HTTP request failed")]
    Transport(#[source] Arc<reqwest::Error>),
    /// The API returned an HTTP error status.
    #[error(transparent)]
    Api(Box<ApiError>),
    /// The OAuth token endpoint rejected the token request.
    #[error(transparent)]
    OAuth(Box<OAuthError>),
    /// A successful response has a body that does not decode.
    #[error(transparent)]
    Decode(Box<DecodeError>),
    /// An argument of the call is invalid, so no request was sent.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// The client's configuration is invalid, such as a URL that does not parse.
    #[error("invalid client configuration: {0}")]
    Config(String),
}

impl Error {
    /// Returns the HTTP status of the response that failed, if a response arrived.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api(error) => Some(error.status),
            Error::OAuth(error) => Some(error.status),
            Error::Decode(error) => Some(error.status),
            Error::Transport(_) | Error::InvalidArgument(_) | Error::Config(_) => None,
        }
    }

    /// Returns Zoom's error code (such as 124 or 1001) of an API error.
    pub fn zoom_code(&self) -> Option<i64> {
        match self {
            Error::Api(error) => error.code,
            _ => None,
        }
    }

    /// Returns the response headers, if a response arrived.
    pub fn headers(&self) -> Option<&HeaderMap> {
        match self {
            Error::Api(error) => Some(&error.headers),
            Error::OAuth(error) => Some(&error.headers),
            Error::Decode(error) => Some(&error.headers),
            Error::Transport(_) | Error::InvalidArgument(_) | Error::Config(_) => None,
        }
    }

    /// Returns Zoom's tracking id (`x-zm-trackingid`) of the failed response, if it had one.
    pub fn tracking_id(&self) -> Option<&str> {
        match self {
            Error::Api(error) => error.tracking_id.as_deref(),
            Error::OAuth(error) => error.tracking_id.as_deref(),
            Error::Decode(error) => error.tracking_id.as_deref(),
            Error::Transport(_) | Error::InvalidArgument(_) | Error::Config(_) => None,
        }
    }

    pub(crate) fn transport(error: reqwest::Error) -> Self {
        Error::Transport(Arc::new(error))
    }
}

/// An HTTP error response of the API.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// Zoom's error code, such as 124 (invalid or expired token), 1001 (user not found) or
    /// 2024 (PAC disabled). `None` when the body is not Zoom's JSON error body, as for a
    /// proxy's HTML error page.
    pub code: Option<i64>,
    /// Zoom's message, or an excerpt of the body when the body is not Zoom's error body.
    pub message: String,
    /// The fields that failed validation, present only on validation errors.
    pub field_errors: Vec<FieldError>,
    /// Zoom's tracking id (`x-zm-trackingid`), which Zoom support needs to trace a request.
    pub tracking_id: Option<String>,
    /// The rate-limit headers of the response.
    pub rate_limit: RateLimit,
    /// Every response header.
    pub headers: HeaderMap,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.code {
            Some(code) => write!(f, "Zoom API error {code}: {}", self.message)?,
            None => write!(f, "Zoom API error: {}", self.message)?,
        }
        write!(f, " (HTTP {}", self.status)?;
        if let Some(tracking_id) = &self.tracking_id {
            write!(f, ", tracking id {tracking_id}")?;
        }
        f.write_str(")")
    }
}

impl std::error::Error for ApiError {}

/// A rejected request to the OAuth token endpoint, with Zoom's `{"reason", "error"}` body.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct OAuthError {
    /// The HTTP status, 400 for most rejections.
    pub status: StatusCode,
    /// The OAuth 2.0 error code, such as `invalid_client` or `invalid_request`.
    pub error: String,
    /// The human-readable reason, such as `Invalid client_id or client_secret`.
    pub reason: String,
    /// Zoom's tracking id (`x-zm-trackingid`), if the response had one.
    pub tracking_id: Option<String>,
    /// Every response header.
    pub headers: HeaderMap,
}

impl fmt::Display for OAuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "OAuth token request failed: {}: {} (HTTP {})",
            self.error, self.reason, self.status
        )
    }
}

impl std::error::Error for OAuthError {}

/// A successful response whose body does not decode.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DecodeError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The expected content of the body, such as `PAC account list`.
    pub expected: &'static str,
    /// The reason decoding failed, with the line and column.
    pub detail: String,
    /// The start of the body. `None` for token responses, whose body may contain a token.
    pub excerpt: Option<String>,
    /// Zoom's tracking id (`x-zm-trackingid`), if the response had one.
    pub tracking_id: Option<String>,
    /// Every response header.
    pub headers: HeaderMap,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid {} in the HTTP {} response: {}",
            self.expected, self.status, self.detail
        )?;
        if let Some(excerpt) = &self.excerpt {
            write!(f, "; the body starts with {excerpt:?}")?;
        }
        Ok(())
    }
}

impl std::error::Error for DecodeError {}

/// The maximum length of a body excerpt kept in an error, in characters.
pub(crate) const EXCERPT_CHARS: usize = 200;

/// Returns the start of `body` as text, with control characters replaced by spaces and `…`
/// appended when the body is longer.
pub(crate) fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut excerpt: String = text
        .chars()
        .take(EXCERPT_CHARS)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if text.chars().nth(EXCERPT_CHARS).is_some() {
        excerpt.push('…');
    }
    excerpt
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_truncates_long_bodies() {
        let body = "x".repeat(EXCERPT_CHARS + 1);
        let excerpt = excerpt(body.as_bytes());
        assert_eq!(excerpt.chars().count(), EXCERPT_CHARS + 1);
        assert!(excerpt.ends_with('…'));
    }

    #[test]
    fn excerpt_replaces_control_characters() {
        assert_eq!(excerpt(b"<html>\r\n<body>"), "<html>  <body>");
    }

    #[test]
    fn api_error_display_format() {
        let error = ApiError {
            status: StatusCode::NOT_FOUND,
            code: Some(1001),
            message: "User does not exist: x.".to_owned(),
            field_errors: Vec::new(),
            tracking_id: Some("abc".to_owned()),
            rate_limit: RateLimit::default(),
            headers: HeaderMap::new(),
        };
        assert_eq!(
            error.to_string(),
            "Zoom API error 1001: User does not exist: x. (HTTP 404 Not Found, tracking id abc)"
        );
    }
}
