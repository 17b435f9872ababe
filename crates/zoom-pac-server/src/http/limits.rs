//! Limits on the request target and headers, rejected with a JSON error body.
//!
//! hyper enforces its own limits too, but responds with a bare 431 without a body. This layer runs
//! below them (see [`crate::serve`]), so a request over the configured limits gets Zoom's
//! error format: `{"code", "message"}` on the API and `{"reason", "error"}` on the token
//! endpoint.

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use zoom_pac_model::{OAuthError, ZoomError};

use crate::state::AppState;

/// The path whose errors use the OAuth body format.
const TOKEN_PATH: &str = "/oauth/token";

/// Rejects a request whose target is longer than `max_uri_length` with 414, and one with more
/// than `max_header_count` header fields or more than `max_header_bytes` of header names and
/// values with 431.
pub(super) async fn enforce(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let config = &state.config;
    let oauth = request.uri().path() == TOKEN_PATH;

    let uri_length = target_length(request.uri());
    if uri_length > config.max_uri_length {
        tracing::debug!(
            uri_length,
            limit = config.max_uri_length,
            "request rejected: the request target is too long"
        );
        let message = format!(
            "The request URI is too long. The limit is {} bytes.",
            config.max_uri_length
        );
        return error_response(StatusCode::URI_TOO_LONG, oauth, message);
    }

    let headers = request.headers();
    let header_bytes: usize = headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum();
    if headers.len() > config.max_header_count || header_bytes > config.max_header_bytes {
        tracing::debug!(
            header_count = headers.len(),
            header_bytes,
            count_limit = config.max_header_count,
            bytes_limit = config.max_header_bytes,
            "request rejected: the request headers are too large"
        );
        let message = format!(
            "The request header fields are too large. The limit is {} fields and {} bytes.",
            config.max_header_count, config.max_header_bytes
        );
        return error_response(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE, oauth, message);
    }

    next.run(request).await
}

/// Returns the length of the request target as the client sent it: the path and query, plus
/// the scheme and authority of an absolute-form target.
fn target_length(uri: &Uri) -> usize {
    let scheme = uri
        .scheme_str()
        .map_or(0, |scheme| scheme.len() + "://".len());
    let authority = uri
        .authority()
        .map_or(0, |authority| authority.as_str().len());
    let path_and_query = uri.path_and_query().map_or(0, |value| value.as_str().len());
    scheme + authority + path_and_query
}

fn error_response(status: StatusCode, oauth: bool, message: String) -> Response {
    if oauth {
        let body = OAuthError {
            reason: message,
            error: "invalid_request".to_owned(),
        };
        (status, Json(body)).into_response()
    } else {
        let body = ZoomError::new(i64::from(status.as_u16()), message);
        (status, Json(body)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_length_counts_the_absolute_form() {
        let origin: Uri = "/v2/users/me/pac?x=1".parse().unwrap();
        assert_eq!(target_length(&origin), "/v2/users/me/pac?x=1".len());
        let absolute: Uri = "http://example.com/v2/users".parse().unwrap();
        assert_eq!(
            target_length(&absolute),
            "http://example.com/v2/users".len()
        );
    }
}
