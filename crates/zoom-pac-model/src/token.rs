use serde::{Deserialize, Serialize};

/// The body of a successful `POST /oauth/token` response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenResponse {
    /// The bearer token to send in the `Authorization` header.
    pub access_token: String,
    /// Always `bearer`.
    pub token_type: String,
    /// The token's lifetime in seconds from when it was issued.
    pub expires_in: u64,
    /// The granted scopes, separated by spaces.
    #[serde(default)]
    pub scope: String,
    /// The base URL of the API that accepts the token, without the `/v2` suffix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub api_url: Option<String>,
}

impl TokenResponse {
    /// Returns the granted scopes.
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.scope.split_ascii_whitespace()
    }
}
