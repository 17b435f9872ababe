use std::fmt;

use serde::{Deserialize, Serialize};

/// Zoom's error body for the REST API: `{"code": N, "message": "..."}`.
///
/// Validation failures (code 300) add a list of field errors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ZoomError {
    /// Zoom's error code, such as 124 (invalid token) or 1001 (user not found). It is not the
    /// HTTP status.
    pub code: i64,
    /// The human-readable message.
    pub message: String,
    /// The fields that failed validation, present only on validation errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<FieldError>))]
    pub errors: Option<Vec<FieldError>>,
}

impl ZoomError {
    /// Creates an error body without field errors.
    pub fn new(code: i64, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            errors: None,
        }
    }
}

impl fmt::Display for ZoomError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Zoom error {}: {}", self.code, self.message)
    }
}

/// One entry of a validation error's `errors` list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// The request field that failed validation.
    pub field: String,
    /// The reason the field failed validation.
    pub message: String,
}

/// Zoom's error body for the OAuth token endpoint: `{"reason": "...", "error": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OAuthError {
    /// The human-readable reason.
    #[serde(default)]
    pub reason: String,
    /// The OAuth 2.0 error code, such as `invalid_client` or `unsupported_grant_type`.
    pub error: String,
}

impl fmt::Display for OAuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OAuth error {}: {}", self.error, self.reason)
    }
}
