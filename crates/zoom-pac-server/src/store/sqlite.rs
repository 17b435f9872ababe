//! The SQLite store: one database file in WAL mode, migrated on open.
//!
//! The data version that [`super::cache`] relies on is the state of a file next to the
//! database, named after it with `-data-version` appended. Every load that changes data
//! appends one line to it after its commit, and every request reads its metadata with one
//! `stat` system call and no query. Appends only grow the file, so its size never returns to
//! an earlier value unless someone truncates it by hand. Like SQLite's WAL mode itself, this
//! needs every process on a local file system of one machine.

use std::collections::HashMap;
use std::ffi::OsString;
use std::fs::OpenOptions;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{Row, SqliteConnection, SqlitePool};
use zoom_pac_model::{ConferenceId, DialInNumber, PacAccount};

use super::{
    Account, App, DataVersion, LoadSummary, ReadCache, SigningKey, Store, StoreError, User,
    UserStatus,
};
use crate::auth::secret;
use crate::fixture::{Fixture, FixtureAccount, FixtureApp, FixtureUser};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

const USER_COLUMNS: &str = "id, account_id, email, first_name, last_name, user_type, status, \
                            pac_enabled, created_at, seq";

/// The suffix of the data version file's name, appended to the database file's name.
const VERSION_FILE_SUFFIX: &str = "-data-version";

/// For each database file, counts the loads that changed its data in this process, through
/// any store handle of that file. The count is part of every handle's data version, so that
/// loads are seen at once within the process whatever the file system's timestamp
/// resolution. Keying by file keeps a load of one database from changing the version of
/// another.
static LOADS_IN_PROCESS: LazyLock<Mutex<HashMap<PathBuf, Arc<AtomicU64>>>> =
    LazyLock::new(Mutex::default);

/// Returns the in-process load counter of the database whose version file is `path`, or a
/// counter of its own for an in-memory database, which no other handle can open.
fn load_counter(path: Option<&PathBuf>) -> Arc<AtomicU64> {
    let Some(path) = path else {
        return Arc::default();
    };
    let mut counters = LOADS_IN_PROCESS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    Arc::clone(counters.entry(path.clone()).or_default())
}

/// A store in one SQLite database file.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    /// The data version file, or `None` for an in-memory database.
    version_file: Option<Arc<PathBuf>>,
    /// The loads that changed this database in this process.
    loads: Arc<AtomicU64>,
    cache: Arc<ReadCache>,
}

impl SqliteStore {
    /// Opens (creating if needed) and migrates the database at `url`, a file path or a
    /// `sqlite:` URL.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let options = if url.starts_with("sqlite:") {
            SqliteConnectOptions::from_str(url)?
        } else {
            SqliteConnectOptions::new().filename(url)
        };
        let version_file = version_file_path(url, options.get_filename());
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5))
            .pragma("cache_size", "-512");
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await?;
        MIGRATOR.run(&pool).await?;
        if let Some(path) = &version_file {
            // Created up front so that requests find it before the first load.
            OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|error| version_file_error(path, &error))?;
        }
        Ok(Self {
            pool,
            loads: load_counter(version_file.as_ref()),
            version_file: version_file.map(Arc::new),
            cache: Arc::new(ReadCache::new()),
        })
    }

    /// Records, after a commit, that a load changed data: every process's next data version
    /// differs from all earlier ones.
    fn record_change(&self) {
        self.loads.fetch_add(1, Ordering::SeqCst);
        let Some(path) = &self.version_file else {
            return;
        };
        let seconds = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_secs());
        let appended = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path.as_path())
            .and_then(|mut file| file.write_all(format!("{seconds}\n").as_bytes()));
        if let Err(error) = appended {
            // The load is committed, so failing it now would misreport it as not written.
            tracing::error!(
                path = %path.display(),
                %error,
                "failed to update the data version file after a load; other processes on this \
                 database may serve cached data from before the load until the next load"
            );
        }
    }
}

/// Returns the data version file of the database that `url` names, or `None` for an
/// in-memory database.
fn version_file_path(url: &str, filename: &Path) -> Option<PathBuf> {
    let name = filename.to_string_lossy();
    let in_memory = name == ":memory:"
        || name.starts_with("file:sqlx-in-memory-")
        || url.contains("mode=memory");
    if in_memory {
        return None;
    }
    let mut path = OsString::from(filename.as_os_str());
    path.push(VERSION_FILE_SUFFIX);
    Some(PathBuf::from(path))
}

fn version_file_error(path: &Path, error: &io::Error) -> StoreError {
    StoreError::Database(sqlx::Error::Io(io::Error::new(
        error.kind(),
        format!(
            "failed to open the data version file {}: {error}",
            path.display()
        ),
    )))
}

/// Returns the parts of the version file's metadata that a change moves: the inode, the size
/// and the modification time. A missing file (deleted by hand) reads as zeros, and the next
/// load creates it again.
fn version_file_state(path: &Path) -> Result<[u64; 3], StoreError> {
    let metadata = match std::fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok([0; 3]),
        Err(error) => return Err(version_file_error(path, &error)),
    };
    let modified = metadata
        .modified()
        .ok()
        .and_then(|time| time.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |elapsed| {
            u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX)
        });
    Ok([inode(&metadata), metadata.len(), modified])
}

#[cfg(unix)]
fn inode(metadata: &std::fs::Metadata) -> u64 {
    use std::os::unix::fs::MetadataExt;
    metadata.ino()
}

#[cfg(not(unix))]
fn inode(_metadata: &std::fs::Metadata) -> u64 {
    0
}

fn corrupt(table: &'static str, message: impl ToString) -> StoreError {
    StoreError::Corrupt {
        table,
        message: message.to_string(),
    }
}

fn account_from_row(row: &SqliteRow) -> Result<Account, StoreError> {
    let plan: String = row.try_get("plan")?;
    Ok(Account {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        plan: plan.parse().map_err(|e| corrupt("accounts", e))?,
        audio_conferencing: row.try_get("audio_conferencing")?,
    })
}

fn user_from_row(row: &SqliteRow) -> Result<User, StoreError> {
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

fn app_from_row(row: &SqliteRow) -> Result<App, StoreError> {
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

/// Reads a user's PAC accounts with one query that joins the dial-in numbers.
async fn fetch_pac_accounts(
    conn: &mut SqliteConnection,
    user_id: &str,
) -> Result<Vec<PacAccount>, StoreError> {
    let rows = sqlx::query(
        "SELECT p.conference_id, p.participant_password, p.listen_only_password, \
                d.kind, d.number, d.country \
         FROM pac_accounts p \
         LEFT JOIN dial_in_numbers d ON d.conference_id = p.conference_id \
         WHERE p.user_id = ?1 \
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
impl Store for SqliteStore {
    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn account(&self, account_id: &str) -> Result<Option<Account>, StoreError> {
        sqlx::query("SELECT id, name, plan, audio_conferencing FROM accounts WHERE id = ?1")
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
            "SELECT {USER_COLUMNS} FROM users WHERE id = ?1 AND account_id = ?2"
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
            "SELECT {USER_COLUMNS} FROM users WHERE email_lower = ?1 AND account_id = ?2"
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
            "SELECT {USER_COLUMNS} FROM users WHERE email_lower = ?1"
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
             WHERE account_id = ?1 AND status = ?2 AND seq > ?3 ORDER BY seq LIMIT ?4"
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
            sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE account_id = ?1 AND status = ?2")
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
             FROM apps WHERE client_id = ?1",
        )
        .bind(client_id)
        .fetch_optional(&self.pool)
        .await?
        .map(|row| app_from_row(&row))
        .transpose()
    }

    async fn signing_key(&self, kid: &str) -> Result<Option<SigningKey>, StoreError> {
        let row = sqlx::query("SELECT kid, secret FROM signing_keys WHERE kid = ?1")
            .bind(kid)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| {
            Ok(SigningKey {
                kid: row.try_get("kid")?,
                secret: row.try_get("secret")?,
            })
        })
        .transpose()
    }

    async fn current_signing_key_or_insert(
        &self,
        candidate: SigningKey,
    ) -> Result<SigningKey, StoreError> {
        // The partial unique index on is_current lets only one current row exist, so a
        // concurrent insert by another process is ignored and both read the same winner.
        sqlx::query(
            "INSERT INTO signing_keys (kid, secret, created_at, is_current) \
             VALUES (?1, ?2, unixepoch(), 1) ON CONFLICT DO NOTHING",
        )
        .bind(&candidate.kid)
        .bind(&candidate.secret)
        .execute(&self.pool)
        .await?;
        let row = sqlx::query("SELECT kid, secret FROM signing_keys WHERE is_current = 1")
            .fetch_one(&self.pool)
            .await?;
        Ok(SigningKey {
            kid: row.try_get("kid")?,
            secret: row.try_get("secret")?,
        })
    }

    async fn rotate_signing_key(&self, key: SigningKey) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM signing_keys")
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO signing_keys (kid, secret, created_at, is_current) \
             VALUES (?1, ?2, unixepoch(), 1)",
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
        let mut summary = LoadSummary::default();
        let mut pac_replaced = false;
        for account in &fixture.accounts {
            pac_replaced |= apply_account(&mut tx, account, &mut summary).await?;
        }
        tx.commit().await?;
        if pac_replaced || summary != LoadSummary::default() {
            self.record_change();
        }
        Ok(summary)
    }

    async fn data_version(&self) -> Result<DataVersion, StoreError> {
        let loads = self.loads.load(Ordering::SeqCst);
        let [inode, size, modified] = match &self.version_file {
            // A blocking call on purpose: a stat of a cached inode takes about a microsecond,
            // far less than handing it to a blocking thread.
            Some(path) => version_file_state(path)?,
            None => [0; 3],
        };
        Ok(DataVersion::from_parts([loads, inode, size, modified]))
    }

    fn read_cache(&self) -> &ReadCache {
        &self.cache
    }
}

/// Writes one account, its users and its apps. Returns `true` if any user's PAC accounts were
/// replaced, which [`LoadSummary`] does not show when the new list is empty.
async fn apply_account(
    conn: &mut SqliteConnection,
    account: &FixtureAccount,
    summary: &mut LoadSummary,
) -> Result<bool, StoreError> {
    let changed = sqlx::query(
        "INSERT INTO accounts (id, name, plan, audio_conferencing) VALUES (?1, ?2, ?3, ?4) \
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
    conn: &mut SqliteConnection,
    account_id: &str,
    user: &FixtureUser,
    summary: &mut LoadSummary,
) -> Result<bool, StoreError> {
    let owner: Option<String> = sqlx::query_scalar("SELECT account_id FROM users WHERE id = ?1")
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
        sqlx::query_scalar("SELECT id FROM users WHERE email_lower = ?1 AND id <> ?2")
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

    let changed = sqlx::query(
        "INSERT INTO users (id, account_id, email, email_lower, first_name, last_name, user_type, \
                            status, pac_enabled, created_at, seq) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, \
                 (SELECT COALESCE(MAX(seq), 0) + 1 FROM users)) \
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

    let wanted: Vec<PacAccount> = user.pac_accounts.iter().map(|pac| pac.to_model()).collect();
    if fetch_pac_accounts(conn, &user.id).await? == wanted {
        return Ok(false);
    }
    sqlx::query("DELETE FROM pac_accounts WHERE user_id = ?1")
        .bind(&user.id)
        .execute(&mut *conn)
        .await?;
    for (position, pac) in user.pac_accounts.iter().enumerate() {
        let conference_id = pac.conference_id.as_str();
        let holder: Option<String> =
            sqlx::query_scalar("SELECT user_id FROM pac_accounts WHERE conference_id = ?1")
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
                                       listen_only_password) VALUES (?1, ?2, ?3, ?4, ?5)",
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
                     VALUES (?1, ?2, ?3, ?4, ?5)",
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
    conn: &mut SqliteConnection,
    account: &FixtureAccount,
    app: &FixtureApp,
    summary: &mut LoadSummary,
) -> Result<(), StoreError> {
    let holder: Option<String> =
        sqlx::query_scalar("SELECT account_id FROM apps WHERE client_id = ?1")
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
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
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
