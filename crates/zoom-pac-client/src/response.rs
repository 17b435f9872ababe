//! A response as received, and its decoding.

use std::fmt;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;
use zoom_pac_model::{PacAccountList, ZoomError};

use crate::error::{ApiError, DecodeError, Error, excerpt};
use crate::rate_limit::RateLimit;

/// Zoom's tracking id header, which identifies a request to Zoom support.
pub const TRACKING_ID: &str = "x-zm-trackingid";

/// A response as received: status, headers and the body's bytes.
///
/// [`Client::list_pac_accounts_raw`](crate::Client::list_pac_accounts_raw) returns it, for
/// a success status only, to callers that show the response itself, such as a command-line
/// tool's `--json` output.
#[derive(Clone)]
#[non_exhaustive]
pub struct RawResponse {
    /// The HTTP status.
    pub status: StatusCode,
    /// Every response header.
    pub headers: HeaderMap,
    /// The body, exactly as received.
    pub body: Vec<u8>,
}

impl fmt::Debug for RawResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawResponse")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body_len", &self.body.len())
            .finish()
    }
}

impl RawResponse {
    /// Returns Zoom's tracking id (`x-zm-trackingid`), if the response has one.
    pub fn tracking_id(&self) -> Option<&str> {
        tracking_id(&self.headers)
    }

    /// Returns the rate-limit headers.
    pub fn rate_limit(&self) -> RateLimit {
        RateLimit::from_headers(&self.headers)
    }

    /// Decodes the body as a PAC account list.
    ///
    /// `conference_id` may be a JSON integer or a string of digits, missing or `null`
    /// arrays read as empty, and unknown fields are ignored.
    pub fn pac_account_list(&self) -> Result<PacAccountList, Error> {
        self.decode("PAC account list")
    }

    /// Decodes the body as JSON, with an excerpt of the body in the error.
    pub(crate) fn decode<T: DeserializeOwned>(&self, expected: &'static str) -> Result<T, Error> {
        serde_json::from_slice(&self.body).map_err(|error| {
            self.decode_error(expected, error.to_string(), Some(excerpt(&self.body)))
        })
    }

    /// Decodes a body that may contain a secret, such as a token response. The error keeps
    /// neither an excerpt nor serde's message, which can quote a value of the body.
    pub(crate) fn decode_secret<T: DeserializeOwned>(
        &self,
        expected: &'static str,
    ) -> Result<T, Error> {
        serde_json::from_slice(&self.body).map_err(|error| {
            let detail = format!(
                "{:?} error at line {} column {}",
                error.classify(),
                error.line(),
                error.column()
            );
            self.decode_error(expected, detail, None)
        })
    }

    fn decode_error(
        &self,
        expected: &'static str,
        detail: String,
        excerpt: Option<String>,
    ) -> Error {
        Error::Decode(Box::new(DecodeError {
            status: self.status,
            expected,
            detail,
            excerpt,
            tracking_id: self.tracking_id().map(str::to_owned),
            headers: self.headers.clone(),
        }))
    }

    /// Returns the error for a body cut off at [`MAX_BODY_BYTES`](crate::MAX_BODY_BYTES).
    /// The excerpt is withheld because the body may be a token response.
    pub(crate) fn too_large_error(&self) -> Error {
        let detail = format!(
            "the body is larger than the {} MiB limit",
            crate::MAX_BODY_BYTES / (1024 * 1024)
        );
        self.decode_error("response body", detail, None)
    }

    /// Converts an error response of the API into [`Error::Api`].
    pub(crate) fn into_api_error(self) -> Error {
        let (code, message, field_errors) = match serde_json::from_slice::<ZoomError>(&self.body) {
            Ok(body) => (
                Some(body.code),
                body.message,
                body.errors.unwrap_or_default(),
            ),
            Err(_) if self.body.is_empty() => (None, status_text(self.status), Vec::new()),
            Err(_) => (None, excerpt(&self.body), Vec::new()),
        };
        Error::Api(Box::new(ApiError {
            status: self.status,
            code,
            message,
            field_errors,
            tracking_id: self.tracking_id().map(str::to_owned),
            rate_limit: self.rate_limit(),
            headers: self.headers,
        }))
    }

    /// Returns `true` if this is Zoom's 401 with code 124: an invalid or expired token.
    pub(crate) fn is_token_rejection(&self) -> bool {
        self.status == StatusCode::UNAUTHORIZED
            && serde_json::from_slice::<ZoomError>(&self.body).is_ok_and(|body| body.code == 124)
    }
}

pub(crate) fn tracking_id(headers: &HeaderMap) -> Option<&str> {
    headers.get(TRACKING_ID)?.to_str().ok()
}

fn status_text(status: StatusCode) -> String {
    status
        .canonical_reason()
        .map_or_else(|| format!("HTTP {}", status.as_u16()), str::to_owned)
}
