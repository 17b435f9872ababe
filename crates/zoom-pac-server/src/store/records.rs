//! Rows of the store, as the rest of the server uses them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A Zoom plan. It decides the rate limits and whether audio conferencing can be enabled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Plan {
    Free,
    Pro,
    Business,
    Education,
    Enterprise,
    Partner,
}

impl Plan {
    /// All plans, in the order the documentation lists them.
    pub const ALL: [Plan; 6] = [
        Plan::Free,
        Plan::Pro,
        Plan::Business,
        Plan::Education,
        Plan::Enterprise,
        Plan::Partner,
    ];

    /// Returns the name used in fixtures, the database and the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Plan::Free => "free",
            Plan::Pro => "pro",
            Plan::Business => "business",
            Plan::Education => "education",
            Plan::Enterprise => "enterprise",
            Plan::Partner => "partner",
        }
    }
}

impl FromStr for Plan {
    type Err = UnknownValue;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Plan::ALL
            .into_iter()
            .find(|plan| plan.as_str() == name)
            .ok_or_else(|| UnknownValue(name.to_owned()))
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A user's status, as Zoom's users API reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UserStatus {
    Active,
    Inactive,
    Pending,
}

impl UserStatus {
    /// Returns the name used by Zoom's API, fixtures and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Active => "active",
            UserStatus::Inactive => "inactive",
            UserStatus::Pending => "pending",
        }
    }
}

impl FromStr for UserStatus {
    type Err = UnknownValue;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name {
            "active" => Ok(UserStatus::Active),
            "inactive" => Ok(UserStatus::Inactive),
            "pending" => Ok(UserStatus::Pending),
            _ => Err(UnknownValue(name.to_owned())),
        }
    }
}

/// The error returned when a stored or supplied name matches no variant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown value {0:?}")]
pub struct UnknownValue(pub String);

/// A Zoom account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: String,
    pub name: String,
    pub plan: Plan,
    /// Whether the account has the audio conferencing subscription that PAC requires.
    pub audio_conferencing: bool,
}

/// A user of an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: String,
    pub account_id: String,
    /// The email as loaded; lookups compare it case-insensitively.
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    /// Zoom's user type: 1 Basic, 2 Licensed.
    pub user_type: i64,
    pub status: UserStatus,
    /// Whether Personal Audio Conference is enabled in the user's profile.
    pub pac_enabled: bool,
    /// When the user was created, in RFC 3339 form.
    pub created_at: String,
    /// The user's position in insertion order across the store, used for paging. It never
    /// changes once the user exists.
    pub seq: i64,
}

/// A Server-to-Server OAuth app that may request tokens for its account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct App {
    pub client_id: String,
    pub account_id: String,
    /// The user who created the app. A token of this app resolves `me` to this user.
    pub owner_user_id: String,
    pub name: String,
    /// The hex SHA-256 digest that [`crate::auth::secret`] computes from the client secret.
    pub secret_sha256: String,
    pub scopes: Vec<String>,
}

/// A key that signs and verifies access tokens.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningKey {
    /// The key id, written into each token's header.
    pub kid: String,
    pub secret: Vec<u8>,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// How many rows a fixture load inserted or changed, per kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoadSummary {
    pub accounts: usize,
    pub users: usize,
    pub pac_accounts: usize,
    pub apps: usize,
}
