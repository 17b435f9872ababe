//! Storage: one trait, [`Store`], with a SQLite implementation for one process and a
//! PostgreSQL implementation that several processes can share.
//!
//! Queries are checked at run time rather than by sqlx's compile-time macros, because those
//! would need a live database of every backend at build time. The store test suite covers
//! every query instead.

pub mod cache;
mod postgres;
mod records;
mod sqlite;

use std::sync::Arc;

use async_trait::async_trait;
use zoom_pac_model::PacAccount;

pub use cache::{CachedReads, DataVersion, ReadCache, SharedVersionQuery};
pub use postgres::PostgresStore;
pub use records::{Account, App, LoadSummary, Plan, SigningKey, UnknownValue, User, UserStatus};
pub use sqlite::SqliteStore;

use crate::fixture::Fixture;

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        StoreError::Database(error)
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(error: sqlx::migrate::MigrateError) -> Self {
        StoreError::Migration(error)
    }
}

/// A failure of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be reached or failed a query. The message includes the cause,
    /// so the cause is not also chained as a source, which would print it twice.
    #[error("database error: {0}")]
    Database(sqlx::Error),
    /// Applying the migrations failed.
    #[error("database migration failed: {0}")]
    Migration(sqlx::migrate::MigrateError),
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
    /// The database URL names no supported backend. The URL is stored with its password
    /// replaced by [`redact_url`], so that printing the error never shows it.
    #[error(
        "unsupported database URL {0:?}: expected a SQLite file path, a sqlite: URL or a postgres:// URL"
    )]
    UnsupportedUrl(String),
}

/// The data the server reads and the loader writes.
///
/// Every user lookup is scoped to an account, so that no caller can reach another account's
/// users through this trait, except [`Store::user_by_email_in_any_account`], which only the
/// command-line tool uses.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Checks that the database responds.
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
    ///
    /// A load that changes accounts, users or PAC accounts changes the [`DataVersion`] before
    /// it returns, so that every process's [`ReadCache`] drops what it read before.
    async fn apply_fixture(&self, fixture: &Fixture) -> Result<LoadSummary, StoreError>;

    /// Returns the current data version of the database, the same in every process that
    /// shares it. See [`cache`] for what a change of it guarantees.
    async fn data_version(&self) -> Result<DataVersion, StoreError>;

    /// Returns this store handle's cache of account, user and PAC account reads.
    fn read_cache(&self) -> &ReadCache;
}

/// Checks the data version once and returns the reads that this process cached at that
/// version. A request calls it once, before its first read, and makes every later read of
/// accounts, users and PAC accounts through the result.
pub async fn cached_reads(store: &dyn Store) -> Result<CachedReads, StoreError> {
    let version = store.data_version().await?;
    Ok(store.read_cache().at(version))
}

/// Opens the store that `url` names and applies the migrations it lacks.
///
/// `url` is a `postgres://` or `postgresql://` URL of an existing database, a `sqlite:`
/// URL, or a SQLite file path (created if missing). Any other `scheme://` URL is rejected.
pub async fn open(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    match url_scheme(url) {
        Some("postgres" | "postgresql") => Ok(Arc::new(PostgresStore::open(url).await?)),
        Some("sqlite") | None => Ok(Arc::new(SqliteStore::open(url).await?)),
        Some(_) => Err(StoreError::UnsupportedUrl(redact_url(url))),
    }
}

/// Returns the scheme of a `scheme://...` or `sqlite:...` URL, or `None` for a file path.
fn url_scheme(url: &str) -> Option<&str> {
    if url.starts_with("sqlite:") {
        return Some("sqlite");
    }
    let (scheme, _) = url.split_once("://")?;
    let is_scheme = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    is_scheme.then_some(scheme)
}

/// Returns `url` with the password of its user info (`scheme://user:PASSWORD@host`) and any
/// `password` query parameter replaced by `REDACTED`, for error messages and logs.
pub fn redact_url(url: &str) -> String {
    let mut redacted = url.to_owned();
    if let Some(start) = url.find("://").map(|index| index + 3) {
        let authority_end = url[start..]
            .find(['/', '?', '#'])
            .map_or(url.len(), |index| start + index);
        // The last '@' ends the user info, because a password may contain '@'.
        if let Some(at) = url[start..authority_end].rfind('@').map(|i| start + i)
            && let Some(colon) = url[start..at].find(':').map(|i| start + i)
        {
            redacted = format!("{}REDACTED{}", &url[..=colon], &url[at..]);
        }
    }
    redact_password_parameter(&redacted)
}

/// Replaces the value of every `password=` query parameter with `REDACTED`.
fn redact_password_parameter(url: &str) -> String {
    let Some((base, query)) = url.split_once('?') else {
        return url.to_owned();
    };
    let parameters: Vec<String> = query
        .split('&')
        .map(|parameter| match parameter.split_once('=') {
            Some((name, _)) if name.eq_ignore_ascii_case("password") => {
                format!("{name}=REDACTED")
            }
            _ => parameter.to_owned(),
        })
        .collect();
    format!("{base}?{}", parameters.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_url_hides_passwords() {
        let cases = [
            (
                "postgres://app:s3cret@db.example:5432/pac",
                "postgres://app:REDACTED@db.example:5432/pac",
            ),
            (
                "postgresql://app:p@ss@db/pac?sslmode=require",
                "postgresql://app:REDACTED@db/pac?sslmode=require",
            ),
            (
                "postgres://app@db/pac?password=s3cret&sslmode=disable",
                "postgres://app@db/pac?password=REDACTED&sslmode=disable",
            ),
            (
                "redis://:s3cret@127.0.0.1:6379/0",
                "redis://:REDACTED@127.0.0.1:6379/0",
            ),
            ("postgres://app@db/pac", "postgres://app@db/pac"),
            ("zoom-pac.db", "zoom-pac.db"),
        ];
        for (url, expected) in cases {
            assert_eq!(redact_url(url), expected, "{url}");
        }
    }

    #[tokio::test]
    async fn open_rejects_unknown_scheme_without_password() {
        let error = match open("mysql://app:s3cret@127.0.0.1/pac").await {
            Ok(_) => panic!("a mysql URL was accepted"),
            Err(error) => error,
        };
        assert!(matches!(error, StoreError::UnsupportedUrl(_)), "{error:?}");
        assert!(!error.to_string().contains("s3cret"), "{error}");
        assert!(!format!("{error:?}").contains("s3cret"), "{error:?}");
    }

    #[test]
    fn url_scheme_tells_paths_from_urls() {
        assert_eq!(url_scheme("postgres://db/pac"), Some("postgres"));
        assert_eq!(url_scheme("sqlite://pac.db"), Some("sqlite"));
        assert_eq!(url_scheme("sqlite:pac.db"), Some("sqlite"));
        assert_eq!(url_scheme("data/pac.db"), None);
        assert_eq!(url_scheme("/tmp/a://b.db"), None);
    }
}
