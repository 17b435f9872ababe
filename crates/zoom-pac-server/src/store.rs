//! Storage: one trait, [`Store`], with a SQLite implementation.
//!
//! Queries are checked at run time rather than by sqlx's compile-time macros, because those
//! would need a live database of every backend at build time. The store test suite covers
//! every query instead.

mod records;
mod sqlite;

use std::sync::Arc;

use async_trait::async_trait;
use zoom_pac_model::PacAccount;

pub use records::{Account, App, LoadSummary, Plan, SigningKey, UnknownValue, User, UserStatus};
pub use sqlite::SqliteStore;

use crate::fixture::Fixture;

/// A failure of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be reached or failed a query.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// Applying the migrations failed.
    #[error("database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// A write would break a rule that the store enforces, such as moving a user to another
    /// account. The message names the entity.
    #[error("{0}")]
    Conflict(String),
    /// A stored value could not be read back, which means the database was edited by hand.
    #[error("corrupt row in {table}: {message}")]
    Corrupt {
        table: &'static str,
        message: String,
    },
    /// The database URL names no supported backend.
    #[error("unsupported database URL {0:?}: expected a SQLite file path or a sqlite: URL")]
    UnsupportedUrl(String),
}

/// The data the server reads and the loader writes.
///
/// Every user lookup is scoped to an account, so that no caller can reach another account's
/// users through this trait, except [`Store::user_by_email_in_any_account`], which only the
/// command-line tool uses.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Checks that the database answers.
    async fn ping(&self) -> Result<(), StoreError>;

    /// Returns the account with this id.
    async fn account(&self, account_id: &str) -> Result<Option<Account>, StoreError>;

    /// Returns the user of `account_id` with this user id.
    async fn user_by_id(&self, account_id: &str, user_id: &str)
    -> Result<Option<User>, StoreError>;

    /// Returns the user of `account_id` with this email, compared case-insensitively.
    async fn user_by_email(
        &self,
        account_id: &str,
        email: &str,
    ) -> Result<Option<User>, StoreError>;

    /// Returns the user with this email in whichever account has it.
    async fn user_by_email_in_any_account(&self, email: &str) -> Result<Option<User>, StoreError>;

    /// Lists up to `limit` users of `account_id` with `status` whose [`User::seq`] is greater
    /// than `after_seq`, in ascending `seq` order. Users added later get a greater `seq`,
    /// so paging by `seq` stays correct while users are added.
    async fn list_users(
        &self,
        account_id: &str,
        status: UserStatus,
        after_seq: i64,
        limit: u32,
    ) -> Result<Vec<User>, StoreError>;

    /// Counts the users of `account_id` with `status`.
    async fn count_users(&self, account_id: &str, status: UserStatus) -> Result<u64, StoreError>;

    /// Returns the user's PAC accounts with their dial-in numbers, in load order.
    async fn pac_accounts(&self, user_id: &str) -> Result<Vec<PacAccount>, StoreError>;

    /// Returns the app with this client id.
    async fn app(&self, client_id: &str) -> Result<Option<App>, StoreError>;

    /// Returns the signing key with this key id, current or not.
    async fn signing_key(&self, kid: &str) -> Result<Option<SigningKey>, StoreError>;

    /// Returns the current signing key, storing `candidate` as current first if there is
    /// none. Two processes that race here both get the same winner.
    async fn current_signing_key_or_insert(
        &self,
        candidate: SigningKey,
    ) -> Result<SigningKey, StoreError>;

    /// Makes `key` the current signing key and deletes every other key, so that tokens
    /// signed by the old keys stop verifying.
    async fn rotate_signing_key(&self, key: SigningKey) -> Result<(), StoreError>;

    /// Writes a validated fixture in one transaction: all of it or nothing.
    async fn apply_fixture(&self, fixture: &Fixture) -> Result<LoadSummary, StoreError>;
}

/// Opens the store that `url` names, creating and migrating the database as needed.
///
/// `url` is a SQLite file path or a `sqlite:` URL.
pub async fn open(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Err(StoreError::UnsupportedUrl(url.to_owned()));
    }
    Ok(Arc::new(SqliteStore::open(url).await?))
}
