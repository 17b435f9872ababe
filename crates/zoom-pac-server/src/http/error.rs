//! Every error the API responds with, in Zoom's body format and with Zoom's status.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use zoom_pac_model::{FieldError, OAuthError, ZoomError};

use std::time::SystemTime;

use crate::auth::TokenError;
use crate::auth::scope::missing_scopes_message;
use crate::limit::{Label, WindowKind};
use crate::store::StoreError;

/// A failed API request. Only [`IntoResponse`] below picks statuses and codes.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No token, a malformed one, one in the query string or one signed by another key.
    #[error("invalid access token")]
    InvalidToken,
    #[error("access token is expired")]
    ExpiredToken,
    /// The token lacks every one of the listed scopes.
    #[error("missing scopes {0:?}")]
    MissingScopes(&'static [&'static str]),
    /// No user of the token's account has this id or email.
    #[error("user not found")]
    UserNotFound(String),
    #[error("user does not have PAC enabled")]
    UserPacDisabled,
    #[error("account does not have audio conferencing")]
    AccountPacDisabled,
    /// Query parameters failed validation.
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// A `next_page_token` that is malformed or older than its lifetime.
    #[error("invalid or expired next_page_token")]
    InvalidPageToken,
    #[error("no route")]
    RouteNotFound,
    #[error("method not allowed")]
    MethodNotAllowed,
    /// The store failed. The cause is logged; the client sees a generic message.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A rate-limit window of the token's account is full.
    #[error("rate limited")]
    RateLimited {
        label: Label,
        window: WindowKind,
        limit: u64,
        retry_at: SystemTime,
    },
    /// A fault in the server itself. The cause is logged; the client sees a generic message.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<TokenError> for ApiError {
    fn from(error: TokenError) -> Self {
        match error {
            TokenError::Invalid => ApiError::InvalidToken,
            TokenError::Expired => ApiError::ExpiredToken,
            TokenError::Store(error) => ApiError::Store(error),
        }
    }
}

impl ApiError {
    fn status_and_body(&self) -> (StatusCode, ZoomError) {
        match self {
            ApiError::InvalidToken => (
                StatusCode::UNAUTHORIZED,
                ZoomError::new(124, "Invalid access token."),
            ),
            ApiError::ExpiredToken => (
                StatusCode::UNAUTHORIZED,
                ZoomError::new(124, "Access token is expired."),
            ),
            ApiError::MissingScopes(scopes) => (
                StatusCode::BAD_REQUEST,
                ZoomError::new(4711, missing_scopes_message(scopes)),
            ),
            ApiError::UserNotFound(user_id) => (
                StatusCode::NOT_FOUND,
                ZoomError::new(1001, format!("User does not exist: {user_id}.")),
            ),
            ApiError::UserPacDisabled => (
                StatusCode::BAD_REQUEST,
                ZoomError::new(2024, "User does not have PAC enabled."),
            ),
            ApiError::AccountPacDisabled => (
                StatusCode::BAD_REQUEST,
                ZoomError::new(200, "Account not enable PAC."),
            ),
            ApiError::Validation(errors) => (
                StatusCode::BAD_REQUEST,
                ZoomError {
                    code: 300,
                    message: "Validation Failed.".to_owned(),
                    errors: Some(errors.clone()),
                },
            ),
            ApiError::InvalidPageToken => (
                StatusCode::BAD_REQUEST,
                ZoomError::new(300, "The next page token is invalid or expired."),
            ),
            ApiError::RouteNotFound => (
                StatusCode::NOT_FOUND,
                ZoomError::new(404, "The requested resource does not exist."),
            ),
            ApiError::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                ZoomError::new(405, "The HTTP method is not allowed for this resource."),
            ),
            ApiError::Store(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                ZoomError::new(
                    503,
                    "The service is temporarily unavailable. Try again later.",
                ),
            ),
            ApiError::RateLimited { window, .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                ZoomError::new(
                    429,
                    match window {
                        WindowKind::PerSecond => {
                            "You have reached the maximum per-second rate limit for this API. Try again later."
                        }
                        WindowKind::Daily => {
                            "You have reached the maximum daily rate limit for this API. Refer to the response header for details on when you can make another request."
                        }
                    },
                ),
            ),
            ApiError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                ZoomError::new(500, "An internal error occurred."),
            ),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match &self {
            ApiError::Store(error) => tracing::error!(%error, "request failed on a store error"),
            ApiError::Internal(error) => {
                tracing::error!(%error, "request failed on an internal error")
            }
            _ => {}
        }
        let (status, body) = self.status_and_body();
        let mut response = (status, Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        }
        if let ApiError::RateLimited {
            label,
            window,
            limit,
            retry_at,
        } = self
        {
            super::rate_limit::add_rejection_headers(
                response.headers_mut(),
                label,
                window,
                limit,
                retry_at,
            );
        }
        response
    }
}

/// A failed request to the OAuth token endpoint, which gets Zoom's
/// `{"reason": ..., "error": ...}` body.
#[derive(Debug, thiserror::Error)]
pub enum OAuthFailure {
    /// Missing, malformed or wrong client credentials.
    #[error("invalid client credentials")]
    InvalidClient,
    #[error("missing grant type")]
    MissingGrantType,
    #[error("unsupported grant type")]
    UnsupportedGrantType,
    #[error("missing account id")]
    MissingAccountId,
    /// The account id is unknown or not the app's. Both read the same, so the endpoint does
    /// not reveal which accounts exist.
    #[error("invalid account id")]
    InvalidAccountId,
    /// The request body is larger than the endpoint accepts.
    #[error("request body too large")]
    BodyTooLarge,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl IntoResponse for OAuthFailure {
    fn into_response(self) -> Response {
        let (status, error, reason) = match &self {
            OAuthFailure::InvalidClient => (
                StatusCode::BAD_REQUEST,
                "invalid_client",
                "Invalid client_id or client_secret",
            ),
            OAuthFailure::MissingGrantType => (
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "Missing grant type",
            ),
            OAuthFailure::UnsupportedGrantType => (
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "unsupported grant type",
            ),
            OAuthFailure::MissingAccountId => (
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "Missing account_id",
            ),
            OAuthFailure::InvalidAccountId => (
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "Invalid account_id",
            ),
            OAuthFailure::BodyTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "invalid_request",
                "Request body too large",
            ),
            OAuthFailure::Store(error) => {
                tracing::error!(%error, "token request failed on a store error");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "temporarily_unavailable",
                    "The service is temporarily unavailable. Try again later.",
                )
            }
        };
        let body = OAuthError {
            reason: reason.to_owned(),
            error: error.to_owned(),
        };
        let mut response = (status, Json(body)).into_response();
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }
}
