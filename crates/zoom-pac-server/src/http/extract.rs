//! Request extractors whose rejections are Zoom-style errors.

use std::sync::Arc;

use axum::extract::{FromRequestParts, Path};
use axum::http::header;
use axum::http::request::Parts;
use percent_encoding::percent_decode_str;

use super::error::ApiError;
use crate::auth::AccessToken;
use crate::state::AppState;

/// The verified token of a request, read only from `Authorization: Bearer`.
///
/// Zoom stopped accepting `access_token` in the query string, so a request that carries the
/// token there and not in the header is rejected as having no token. The token is shared with
/// the token service's cache of verified tokens.
#[derive(Debug, Clone)]
pub struct Bearer(pub Arc<AccessToken>);

impl FromRequestParts<AppState> for Bearer {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(header::AUTHORIZATION)
            .ok_or(ApiError::InvalidToken)?;
        let token = header
            .to_str()
            .ok()
            .and_then(bearer_token)
            .ok_or(ApiError::InvalidToken)?;
        Ok(Bearer(state.tokens.verify_shared(token).await?))
    }
}

/// Returns the token of a `Bearer` credential. The scheme is case-insensitive (RFC 9110).
fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim_start();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() && !token.contains(' '))
        .then_some(token)
}

/// The `{userId}` path segment, percent-decoded: a user id, an email or `me`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserRef {
    /// The `me` keyword: the token's own user.
    Me,
    /// An email; it contains `@`, which no user id does.
    Email(String),
    Id(String),
}

impl UserRef {
    /// Classifies a decoded path segment.
    pub fn parse(segment: &str) -> Self {
        if segment == "me" {
            UserRef::Me
        } else if segment.contains('@') {
            UserRef::Email(segment.to_owned())
        } else {
            UserRef::Id(segment.to_owned())
        }
    }

    /// Returns the segment as the caller wrote it, for error messages.
    pub fn as_str(&self) -> &str {
        match self {
            UserRef::Me => "me",
            UserRef::Email(value) | UserRef::Id(value) => value,
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for UserRef {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Path::<String>::from_request_parts(parts, state).await {
            Ok(Path(segment)) => Ok(UserRef::parse(&segment)),
            // The segment is not UTF-8 once decoded, so no user can have it.
            Err(_) => Err(ApiError::UserNotFound(raw_user_segment(parts.uri.path()))),
        }
    }
}

/// Returns the `{userId}` segment of a `/v2/users/{userId}...` path, decoded lossily.
fn raw_user_segment(path: &str) -> String {
    let segment = path
        .strip_prefix("/v2/users/")
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_default();
    percent_decode_str(segment).decode_utf8_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_scheme_is_case_insensitive() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bearer abc"), Some("abc"));
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearer "), None);
        assert_eq!(bearer_token("Bearer a b"), None);
        assert_eq!(bearer_token("Bearerabc"), None);
    }

    #[test]
    fn user_ref_classifies_segments() {
        assert_eq!(UserRef::parse("me"), UserRef::Me);
        assert_eq!(UserRef::parse("ME"), UserRef::Id("ME".to_owned()));
        assert_eq!(
            UserRef::parse("a+b@x.com"),
            UserRef::Email("a+b@x.com".to_owned())
        );
    }

    #[test]
    fn raw_segment_decodes_lossily() {
        assert_eq!(raw_user_segment("/v2/users/%FFab/pac"), "\u{fffd}ab");
    }
}
