//! The PostgreSQL store: one database that several server processes share, migrated on open.
//!
//! It behaves like the SQLite store, and the shared store test suite runs against both. The
//! differences are in how PostgreSQL keeps that behaviour under concurrency:
//! - fixture loads take a transaction-scoped advisory lock, so that concurrent loads run one
//!   after another, their conflict checks see each other's writes, and a later load's users
//!   always get greater [`User::seq`] values than those of every committed load;
//! - the current signing key is inserted with `ON CONFLICT DO NOTHING` against a partial
//!   unique index, so that processes starting together agree on one key;
//! - the pool gives up acquiring a connection after [`ACQUIRE_TIMEOUT`], so that requests
//!   fail fast while the database is down, and reconnects by itself once it is back;
//! - the data version that [`super::cache`] relies on is a counter row that every load which
//!   changes data increases in its own transaction. A process that reads the new value
//!   therefore also reads the load's data. Concurrent requests share one query of it through
//!   [`SharedVersionQuery`];
//! - a load that changes many rows runs `ANALYZE` after its commit, because until autovacuum
//!   analyzes the tables the planner has no statistics and joins a user's PAC accounts to
//!   their dial-in numbers by scanning every dial-in number.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::{ConnectOptions, Connection, PgConnection, PgPool, Row};
use zoom_pac_model::{ConferenceId, DialInNumber, PacAccount};

use super::{
    Account, App, DataVersion, LoadSummary, ReadCache, SharedVersionQuery, SigningKey, Store,
    StoreError, User, UserStatus,
};
use crate::auth::secret;
use crate::fixture::{Fixture, FixtureAccount, FixtureApp, FixtureUser};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

const USER_COLUMNS: &str = "id, account_id, email, first_name, last_name, user_type, status, \
                            pac_enabled, created_at, seq";

/// How long a query waits for a pooled connection, including connecting, before it fails.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

/// The maximum number of connections each process keeps open.
const MAX_CONNECTIONS: u32 = 10;

/// The advisory lock key that serializes fixture loads across processes: the first eight
/// bytes of "zoompac\0" read as a big-endian integer.
const LOAD_LOCK_KEY: i64 = 0x7a6f_6f6d_7061_6300;

/// The rows that a load must insert or change, at least, before it runs `ANALYZE`.
const ANALYZE_AFTER_ROWS: usize = 1_000;

/// A store in one PostgreSQL database.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
    cache: Arc<ReadCache>,
    version_query: Arc<SharedVersionQuery>,
    /// The connection that version queries use, outside the pool: [`SharedVersionQuery`] runs
    /// one query at a time, and the pool would first check each connection with a round trip
    /// of its own. `None` until the first query, and again after a failed one.
    version_connection: Arc<tokio::sync::Mutex<Option<PgConnection>>>,
    options: PgConnectOptions,
}

impl PostgresStore {
    /// Connects to the database at `url`, a `postgres://` or `postgresql://` URL, and applies
    /// the migrations that it lacks. The database itself must exist.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let options = PgConnectOptions::from_str(url)?.application_name("zoom-pac");
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options.clone())
            .await?;
        // The migrator holds an advisory lock while it runs, so processes that start together
        // apply each migration once.
        MIGRATOR.run(&pool).await?;
        Ok(Self {
            pool,
            cache: Arc::new(ReadCache::new()),
            version_query: Arc::new(SharedVersionQuery::new()),
            version_connection: Arc::new(tokio::sync::Mutex::new(None)),
            options,
        })
    }

    /// Closes every connection of the pool and waits until they are closed.
    pub async fn close(&self) {
        self.pool.close().await;
        if let Some(connection) = self.version_connection.lock().await.take() {
            let _ = connection.close().await;
        }
    }

    /// Reads the data version on the version connection, connecting first if needed. A
    /// failure drops the connection, so that the next query reconnects.
    async fn query_data_version(&self) -> Result<DataVersion, StoreError> {
        let mut slot = self.version_connection.lock().await;
        let connection = match slot.as_mut() {
            Some(connection) => connection,
            None => {
                let connected = tokio::time::timeout(ACQUIRE_TIMEOUT, self.options.connect())
                    .await
                    .map_err(|_| sqlx::Error::PoolTimedOut)??;
                slot.insert(connected)
            }
        };
        let queried = sqlx::query_scalar::<_, i64>("SELECT version FROM data_version")
            .fetch_one(&mut *connection)
            .await;
        match queried {
            Ok(version) => Ok(DataVersion::from_parts([version as u64, 0, 0, 0])),
            Err(error) => {
                *slot = None;
                Err(error.into())
            }
        }
    }
}

fn corrupt(table: &'static str, message: impl ToString) -> StoreError {
    StoreError::Corrupt {
        table,
        message: message.to_string(),
    }
}

fn account_from_row(row: &PgRow) -> Result<Account, StoreError> {
    let plan: String = row.try_get("plan")?;
    Ok(Account {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        plan: plan.parse().map_err(|e| corrupt("accounts", e))?,
        audio_conferencing: row.try_get("audio_conferencing")?,
    })
}

fn user_from_row(row: &PgRow) -> Result<User, StoreError> {
    let status: String = row.try_get("status")?;
    Ok(User {
        id: row.try_get("id")?,
        account_id: row.try_get("account_id")?,
        email: row.try_get("email")?,
        first_name: row.try_get("first_name")?,
        last_name: row.try_get("last_name")?,
        user_type: row.try_get("user_type")?,
        status: status.parse().map_err(|e| corrupt("users", e))?,
        pac_enabled: row.try_get("pac_enabled")?,
        created_at: row.try_get("created_at")?,
        seq: row.try_get("seq")?,
    })
}

fn app_from_row(row: &PgRow) -> Result<App, StoreError> {
    let scopes: String = row.try_get("scopes")?;
    Ok(App {
        client_id: row.try_get("client_id")?,
        account_id: row.try_get("account_id")?,
        owner_user_id: row.try_get("owner_user_id")?,
        name: row.try_get("name")?,
        secret_sha256: row.try_get("secret_sha256")?,
        scopes: scopes
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
    })
}

fn signing_key_from_row(row: &PgRow) -> Result<SigningKey, StoreError> {
    Ok(SigningKey {
        kid: row.try_get("kid")?,
        secret: row.try_get("secret")?,
    })
}

/// Reads a user's PAC accounts with one query that joins the dial-in numbers.
async fn fetch_pac_accounts(
    conn: &mut PgConnection,
    user_id: &str,
) -> Result<Vec<PacAccount>, StoreError> {
    let rows = sqlx::query(
        "SELECT p.conference_id, p.participant_password, p.listen_only_password, \
                d.kind, d.number, d.country \
         FROM pac_accounts p \
         LEFT JOIN dial_in_numbers d ON d.conference_id = p.conference_id \
         WHERE p.user_id = $1 \
         ORDER BY p.position, d.kind, d.position",
    )
    .bind(user_id)
    .fetch_all(conn)
    .await?;

    let mut accounts: Vec<PacAccount> = Vec::new();
    for row in rows {
        let conference_id: String = row.try_get("conference_id")?;
        let conference_id =
            ConferenceId::from_str(&conference_id).map_err(|e| corrupt("pac_accounts", e))?;
        let is_new = accounts
            .last()
            .is_none_or(|last| last.conference_id.as_ref() != Some(&conference_id));
        if is_new {
            accounts.push(PacAccount {
                conference_id: Some(conference_id),
                participant_password: Some(row.try_get("participant_password")?),
                listen_only_password: Some(row.try_get("listen_only_password")?),
                dedicated_dial_in_number: Vec::new(),
                global_dial_in_numbers: Vec::new(),
            });
        }
        let kind: Option<String> = row.try_get("kind")?;
        let Some(kind) = kind else { continue };
        let number = DialInNumber {
            number: row.try_get("number")?,
            country: row.try_get("country")?,
        };
        // `accounts` has at least the entry pushed above.
        let Some(account) = accounts.last_mut() else {
            continue;
        };
        match kind.as_str() {
            "dedicated" => account.dedicated_dial_in_number.push(number),
            "global" => account.global_dial_in_numbers.push(number),
            other => {
                return Err(corrupt(
                    "dial_in_numbers",
                    format!("unknown kind {other:?}"),
                ));
            }
        }
    }
    Ok(accounts)
}

#[async_trait]
impl Store for PostgresStore {
    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn account(&self, account_id: &str) -> Result<Option<Account>, StoreError> {
        sqlx::query("SELECT id, name, plan, audio_conferencing FROM accounts WHERE id = $1")
            .bind(account_id)
            .fetch_optional(&self.pool)
            .await?
            .map(|row| account_from_row(&row))
            .transpose()
    }

    async fn user_by_id(
        &self,
        account_id: &str,
        user_id: &str,
    ) -> Result<Option<User>, StoreError> {
        sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE id = $1 AND account_id = $2"
        ))
        .bind(user_id)
        .bind(account_id)
        .fetch_optional(&self.pool)
        .await?
        .map(|row| user_from_row(&row))
        .transpose()
    }

    async fn user_by_email(
        &self,
        account_id: &str,
        email: &str,
    ) -> Result<Option<User>, StoreError> {
        sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE email_lower = $1 AND account_id = $2"
        ))
        .bind(email.to_lowercase())
        .bind(account_id)
        .fetch_optional(&self.pool)
        .await?
        .map(|row| user_from_row(&row))
        .transpose()
    }

    async fn user_by_email_in_any_account(&self, email: &str) -> Result<Option<User>, StoreError> {
        sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE email_lower = $1"
        ))
        .bind(email.to_lowercase())
        .fetch_optional(&self.pool)
        .await?
        .map(|row| user_from_row(&row))
        .transpose()
    }

    async fn list_users(
        &self,
        account_id: &str,
        status: UserStatus,
        after_seq: i64,
        limit: u32,
    ) -> Result<Vec<User>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users \
             WHERE account_id = $1 AND status = $2 AND seq > $3 ORDER BY seq LIMIT $4"
        ))
        .bind(account_id)
        .bind(status.as_str())
        .bind(after_seq)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(user_from_row).collect()
    }

    async fn count_users(&self, account_id: &str, status: UserStatus) -> Result<u64, StoreError> {
        let count: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE account_id = $1 AND status = $2")
                .bind(account_id)
                .bind(status.as_str())
                .fetch_one(&self.pool)
                .await?;
        Ok(u64::try_from(count).unwrap_or_default())
    }

    async fn pac_accounts(&self, user_id: &str) -> Result<Vec<PacAccount>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        fetch_pac_accounts(&mut conn, user_id).await
    }

    async fn app(&self, client_id: &str) -> Result<Option<App>, StoreError> {
        sqlx::query(
            "SELECT client_id, account_id, owner_user_id, name, secret_sha256, scopes \
             FROM apps WHERE client_id = $1",
        )
        .bind(client_id)
        .fetch_optional(&self.pool)
        .await?
        .map(|row| app_from_row(&row))
        .transpose()
    }

    async fn signing_key(&self, kid: &str) -> Result<Option<SigningKey>, StoreError> {
        sqlx::query("SELECT kid, secret FROM signing_keys WHERE kid = $1")
            .bind(kid)
            .fetch_optional(&self.pool)
            .await?
            .map(|row| signing_key_from_row(&row))
            .transpose()
    }

    async fn current_signing_key_or_insert(
        &self,
        candidate: SigningKey,
    ) -> Result<SigningKey, StoreError> {
        // The partial unique index on is_current lets only one current row exist. An insert
        // that races with another process's uncommitted one waits for it, then does nothing
        // if it committed, so both then read the same winner.
        sqlx::query(
            "INSERT INTO signing_keys (kid, secret, created_at, is_current) \
             VALUES ($1, $2, EXTRACT(EPOCH FROM now())::BIGINT, TRUE) ON CONFLICT DO NOTHING",
        )
        .bind(&candidate.kid)
        .bind(&candidate.secret)
        .execute(&self.pool)
        .await?;
        let row = sqlx::query("SELECT kid, secret FROM signing_keys WHERE is_current")
            .fetch_one(&self.pool)
            .await?;
        signing_key_from_row(&row)
    }

    async fn rotate_signing_key(&self, key: SigningKey) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM signing_keys")
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO signing_keys (kid, secret, created_at, is_current) \
             VALUES ($1, $2, EXTRACT(EPOCH FROM now())::BIGINT, TRUE)",
        )
        .bind(&key.kid)
        .bind(&key.secret)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn apply_fixture(&self, fixture: &Fixture) -> Result<LoadSummary, StoreError> {
        let mut tx = self.pool.begin().await?;
        // Released when the transaction commits or rolls back.
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(LOAD_LOCK_KEY)
            .execute(&mut *tx)
            .await?;
        let mut summary = LoadSummary::default();
        let mut pac_replaced = false;
        for account in &fixture.accounts {
            pac_replaced |= apply_account(&mut tx, account, &mut summary).await?;
        }
        if pac_replaced || summary != LoadSummary::default() {
            sqlx::query("UPDATE data_version SET version = version + 1")
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        let rows = summary.accounts + summary.users + summary.pac_accounts + summary.apps;
        if rows >= ANALYZE_AFTER_ROWS {
            // The load is committed, so a failure here only leaves the planner without
            // statistics until autovacuum analyzes the tables.
            if let Err(error) = sqlx::query("ANALYZE").execute(&self.pool).await {
                tracing::warn!(%error, "ANALYZE after a large load failed");
            }
        }
        Ok(summary)
    }

    async fn data_version(&self) -> Result<DataVersion, StoreError> {
        self.version_query.run(|| self.query_data_version()).await
    }

    fn read_cache(&self) -> &ReadCache {
        &self.cache
    }
}

/// Writes one account, its users and its apps. Returns `true` if any user's PAC accounts were
/// replaced, which [`LoadSummary`] does not show when the new list is empty.
async fn apply_account(
    conn: &mut PgConnection,
    account: &FixtureAccount,
    summary: &mut LoadSummary,
) -> Result<bool, StoreError> {
    let changed = sqlx::query(
        "INSERT INTO accounts (id, name, plan, audio_conferencing) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, plan = excluded.plan, \
             audio_conferencing = excluded.audio_conferencing \
         WHERE accounts.name <> excluded.name OR accounts.plan <> excluded.plan \
             OR accounts.audio_conferencing <> excluded.audio_conferencing",
    )
    .bind(&account.id)
    .bind(&account.name)
    .bind(account.plan.as_str())
    .bind(account.audio_conferencing)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    summary.accounts += changed as usize;

    let mut pac_replaced = false;
    for user in &account.users {
        pac_replaced |= apply_user(conn, &account.id, user, summary).await?;
    }
    for app in &account.apps {
        apply_app(conn, account, app, summary).await?;
    }
    Ok(pac_replaced)
}

/// Writes one user and replaces their PAC accounts if they differ. Returns `true` if it
/// replaced them.
async fn apply_user(
    conn: &mut PgConnection,
    account_id: &str,
    user: &FixtureUser,
    summary: &mut LoadSummary,
) -> Result<bool, StoreError> {
    let owner: Option<String> = sqlx::query_scalar("SELECT account_id FROM users WHERE id = $1")
        .bind(&user.id)
        .fetch_optional(&mut *conn)
        .await?;
    if let Some(owner) = owner.filter(|owner| owner != account_id) {
        return Err(StoreError::Conflict(format!(
            "user {:?} already belongs to account {owner:?}; a fixture cannot move users between accounts",
            user.id
        )));
    }
    let email_lower = user.email.to_lowercase();
    let email_holder: Option<String> =
        sqlx::query_scalar("SELECT id FROM users WHERE email_lower = $1 AND id <> $2")
            .bind(&email_lower)
            .bind(&user.id)
            .fetch_optional(&mut *conn)
            .await?;
    if let Some(holder) = email_holder {
        return Err(StoreError::Conflict(format!(
            "email {:?} already belongs to user {holder:?}",
            user.email
        )));
    }

    // `seq` is an identity column: an update keeps the user's value, so paging order never
    // changes once the user exists.
    let changed = sqlx::query(
        "INSERT INTO users (id, account_id, email, email_lower, first_name, last_name, user_type, \
                            status, pac_enabled, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT (id) DO UPDATE SET email = excluded.email, email_lower = excluded.email_lower, \
             first_name = excluded.first_name, last_name = excluded.last_name, \
             user_type = excluded.user_type, status = excluded.status, \
             pac_enabled = excluded.pac_enabled, created_at = excluded.created_at \
         WHERE users.email <> excluded.email OR users.first_name <> excluded.first_name \
             OR users.last_name <> excluded.last_name OR users.user_type <> excluded.user_type \
             OR users.status <> excluded.status OR users.pac_enabled <> excluded.pac_enabled \
             OR users.created_at <> excluded.created_at",
    )
    .bind(&user.id)
    .bind(account_id)
    .bind(&user.email)
    .bind(&email_lower)
    .bind(&user.first_name)
    .bind(&user.last_name)
    .bind(user.user_type)
    .bind(user.status.as_str())
    .bind(user.pac_enabled)
    .bind(&user.created_at)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    summary.users += changed as usize;

    let expected: Vec<PacAccount> = user.pac_accounts.iter().map(|pac| pac.to_model()).collect();
    if fetch_pac_accounts(conn, &user.id).await? == expected {
        return Ok(false);
    }
    sqlx::query("DELETE FROM pac_accounts WHERE user_id = $1")
        .bind(&user.id)
        .execute(&mut *conn)
        .await?;
    for (position, pac) in user.pac_accounts.iter().enumerate() {
        let conference_id = pac.conference_id.as_str();
        let holder: Option<String> =
            sqlx::query_scalar("SELECT user_id FROM pac_accounts WHERE conference_id = $1")
                .bind(conference_id)
                .fetch_optional(&mut *conn)
                .await?;
        if let Some(holder) = holder {
            return Err(StoreError::Conflict(format!(
                "conference id {conference_id} already belongs to user {holder:?}"
            )));
        }
        sqlx::query(
            "INSERT INTO pac_accounts (conference_id, user_id, position, participant_password, \
                                       listen_only_password) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(conference_id)
        .bind(&user.id)
        .bind(position as i64)
        .bind(&pac.participant_password)
        .bind(&pac.listen_only_password)
        .execute(&mut *conn)
        .await?;
        let lists = [
            ("dedicated", &pac.dedicated_dial_in_number),
            ("global", &pac.global_dial_in_numbers),
        ];
        for (kind, numbers) in lists {
            for (index, number) in numbers.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO dial_in_numbers (conference_id, kind, position, number, country) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(conference_id)
                .bind(kind)
                .bind(index as i64)
                .bind(&number.number)
                .bind(&number.country)
                .execute(&mut *conn)
                .await?;
            }
        }
        summary.pac_accounts += 1;
    }
    Ok(true)
}

async fn apply_app(
    conn: &mut PgConnection,
    account: &FixtureAccount,
    app: &FixtureApp,
    summary: &mut LoadSummary,
) -> Result<(), StoreError> {
    let holder: Option<String> =
        sqlx::query_scalar("SELECT account_id FROM apps WHERE client_id = $1")
            .bind(&app.client_id)
            .fetch_optional(&mut *conn)
            .await?;
    if let Some(holder) = holder.filter(|holder| holder != &account.id) {
        return Err(StoreError::Conflict(format!(
            "app {:?} already belongs to account {holder:?}",
            app.client_id
        )));
    }
    // Validation guarantees that the owner is one of this account's users in the fixture.
    let owner_lower = app.owner.to_lowercase();
    let owner_id = account
        .users
        .iter()
        .find(|user| user.id == app.owner || user.email.to_lowercase() == owner_lower)
        .map(|user| user.id.clone())
        .ok_or_else(|| StoreError::Conflict(format!("app {:?} has no owner", app.client_id)))?;

    let changed = sqlx::query(
        "INSERT INTO apps (client_id, account_id, owner_user_id, name, secret_sha256, scopes) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (client_id) DO UPDATE SET owner_user_id = excluded.owner_user_id, \
             name = excluded.name, secret_sha256 = excluded.secret_sha256, scopes = excluded.scopes \
         WHERE apps.owner_user_id <> excluded.owner_user_id OR apps.name <> excluded.name \
             OR apps.secret_sha256 <> excluded.secret_sha256 OR apps.scopes <> excluded.scopes",
    )
    .bind(&app.client_id)
    .bind(&account.id)
    .bind(&owner_id)
    .bind(&app.name)
    .bind(secret::digest(&app.client_id, &app.client_secret))
    .bind(app.scopes.join(" "))
    .execute(&mut *conn)
    .await?
    .rows_affected();
    summary.apps += changed as usize;
    Ok(())
}
