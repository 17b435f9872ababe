//! The JSON fixture format that `zoom-pac load` and `serve --fixtures` read.
//!
//! A fixture lists accounts; each account lists its users (with their PAC accounts) and its
//! Server-to-Server apps. Parsing rejects unknown fields, and [`Fixture::parse`] validates the
//! whole file before the caller writes anything, so that a broken file changes nothing. Every
//! error names the entry and field at fault, as a path such as `accounts[0].users[2].email`.

pub mod generate;
mod validate;

use std::fmt;
use std::path::Path;

use serde::Deserialize;
use zoom_pac_model::{ConferenceId, DialInNumber};

use crate::store::{Plan, UserStatus};

/// A parsed and validated fixture.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fixture {
    pub accounts: Vec<FixtureAccount>,
}

/// An account with its users and apps.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixtureAccount {
    pub id: String,
    pub name: String,
    pub plan: Plan,
    /// Whether the account has the audio conferencing subscription. A free plan cannot.
    pub audio_conferencing: bool,
    #[serde(default)]
    pub users: Vec<FixtureUser>,
    #[serde(default)]
    pub apps: Vec<FixtureApp>,
}

/// A user and the user's PAC accounts.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixtureUser {
    pub id: String,
    pub email: String,
    #[serde(default)]
    pub first_name: String,
    #[serde(default)]
    pub last_name: String,
    /// Zoom's user type: 1 Basic, 2 Licensed.
    #[serde(rename = "type", default = "default_user_type")]
    pub user_type: i64,
    #[serde(default = "default_status")]
    pub status: UserStatus,
    #[serde(default = "default_pac_enabled")]
    pub pac_enabled: bool,
    /// RFC 3339 time. The default is fixed so that loading a file twice changes nothing.
    #[serde(default = "default_created_at")]
    pub created_at: String,
    /// The user's PAC accounts. Loading replaces the stored list with this one.
    #[serde(default)]
    pub pac_accounts: Vec<FixturePacAccount>,
}

/// One PAC account of a user.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixturePacAccount {
    /// An integer or a string of digits.
    pub conference_id: ConferenceId,
    pub participant_password: String,
    pub listen_only_password: String,
    #[serde(default)]
    pub dedicated_dial_in_number: Vec<DialInNumber>,
    #[serde(default)]
    pub global_dial_in_numbers: Vec<DialInNumber>,
}

/// A Server-to-Server OAuth app of the account.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixtureApp {
    pub client_id: String,
    /// The secret in clear. The store keeps only its SHA-256 digest.
    pub client_secret: String,
    #[serde(default)]
    pub name: String,
    /// The id or email of the user who created the app, a user of the same account.
    pub owner: String,
    pub scopes: Vec<String>,
}

fn default_user_type() -> i64 {
    2
}

fn default_status() -> UserStatus {
    UserStatus::Active
}

fn default_pac_enabled() -> bool {
    true
}

fn default_created_at() -> String {
    "2024-01-01T00:00:00Z".to_owned()
}

/// Why a fixture was rejected: the entry and field at fault, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct FixtureError {
    /// Where the fault is, such as `accounts[0].users[2].email`, or empty for the whole file.
    pub path: String,
    pub message: String,
}

impl fmt::Display for FixtureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl Fixture {
    /// Parses and validates a fixture from JSON text.
    pub fn parse(json: &str) -> Result<Fixture, FixtureError> {
        let deserializer = &mut serde_json::Deserializer::from_str(json);
        let fixture: Fixture = serde_path_to_error::deserialize(deserializer).map_err(|error| {
            let path = error.path().to_string();
            let inner = error.into_inner();
            FixtureError {
                path: if path == "." { String::new() } else { path },
                message: inner.to_string(),
            }
        })?;
        validate::validate(&fixture)?;
        Ok(fixture)
    }

    /// Reads, parses and validates a fixture file.
    pub fn read(path: &Path) -> Result<Fixture, FixtureError> {
        let json = std::fs::read_to_string(path).map_err(|error| FixtureError {
            path: String::new(),
            message: format!("failed to read {}: {error}", path.display()),
        })?;
        Fixture::parse(&json)
    }
}

/// The demo dataset that `serve --demo` loads. See the README for what it contains.
pub const DEMO_JSON: &str = include_str!("../fixtures/demo.json");

/// Returns the demo dataset.
pub fn demo() -> Fixture {
    // The demo file is part of the binary and covered by tests, so it always parses.
    Fixture::parse(DEMO_JSON).expect("the embedded demo fixture is valid")
}

/// Returns `true` if and only if `client_id` is one of the demo dataset's apps, whose
/// credentials are published and so must work only in demo mode.
pub fn is_demo_client(client_id: &str) -> bool {
    static DEMO_CLIENTS: std::sync::LazyLock<Vec<String>> = std::sync::LazyLock::new(|| {
        demo()
            .accounts
            .iter()
            .flat_map(|account| account.apps.iter().map(|app| app.client_id.clone()))
            .collect()
    });
    DEMO_CLIENTS.iter().any(|demo| demo == client_id)
}

impl FixturePacAccount {
    /// Returns the PAC account as the API sends it.
    pub fn to_model(&self) -> zoom_pac_model::PacAccount {
        zoom_pac_model::PacAccount {
            conference_id: Some(self.conference_id.clone()),
            participant_password: Some(self.participant_password.clone()),
            listen_only_password: Some(self.listen_only_password.clone()),
            dedicated_dial_in_number: self.dedicated_dial_in_number.clone(),
            global_dial_in_numbers: self.global_dial_in_numbers.clone(),
        }
    }
}
