//! A cache, per store handle, of the account, user and PAC account reads that requests make,
//! kept correct by the store's data version. PAC accounts are kept encoded, as the response
//! bodies that requests send, because encoding them cost more than the rest of a cached
//! request and the bytes take less memory than the decoded accounts.
//!
//! The guarantee: once [`Store::apply_fixture`] has returned `Ok`, in any process and through
//! any store handle on the same database, every request that calls
//! [`cached_reads`](super::cached_reads) afterwards, in any process, reads the loaded data.
//! Requests that run while a load commits may read the data before or after it.
//!
//! How the stores keep it:
//! - every load that changes accounts, users or PAC accounts changes the data version after
//!   its commit and before it returns (SQLite: an append to a file next to the database,
//!   PostgreSQL: a counter row updated in the load's transaction);
//! - each request reads the version once, before its first read, with [`ReadCache::at`];
//! - a value is cached only under the version that its request observed before reading it
//!   from the database. Versions never go back, so no request that starts after a load
//!   returned observes a version under which data from before that load's commit is cached.
//!
//! Signing keys are not cached here: the token service rechecks them on its own schedule.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use bytes::Bytes;
use zoom_pac_model::PacAccount;

use super::{Account, Store, StoreError, User};

/// The entries kept, at most, in each map of one version's cache (accounts, users by id,
/// users by email, encoded PAC accounts by user). A map that is full is emptied before the next insert,
/// so memory stays bounded whatever ids or emails requests name.
pub const MAX_ENTRIES: usize = 16_384;

/// A value of a database's data version. Values are only compared for equality: any change
/// means that cached reads may be stale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DataVersion([u64; 4]);

impl DataVersion {
    /// Builds a version from the parts that a store compares, such as a counter or a file's
    /// inode, size and modification time.
    pub fn from_parts(parts: [u64; 4]) -> Self {
        Self(parts)
    }
}

/// Shares one data version query among the requests that wait for it, for stores whose
/// version check is a query.
///
/// At most one query runs at a time. A request that arrives while one runs waits for it to
/// end, then reuses the result of a query that started after the request arrived, or starts
/// the next query itself. Either way its version is read after it arrived, as the guarantee
/// in this module's documentation requires, and under load one query serves every request
/// that arrived while the previous one ran.
#[derive(Debug, Default)]
pub struct SharedVersionQuery {
    /// The number of queries started so far, which numbers each query.
    started: AtomicU64,
    /// The number and result of the latest query that succeeded.
    latest: Mutex<Option<(u64, DataVersion)>>,
    /// Held while a query runs.
    turn: tokio::sync::Mutex<()>,
}

impl SharedVersionQuery {
    /// Creates a query gate that has run no query.
    pub fn new() -> Self {
        Self::default()
    }

    /// Returns the data version as `query` reads it, from a query that started after this call
    /// did.
    pub async fn run<F, Fut>(&self, query: F) -> Result<DataVersion, StoreError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<DataVersion, StoreError>>,
    {
        let arrived_after = self.started.load(Ordering::SeqCst);
        let _turn = self.turn.lock().await;
        let reusable = *self.latest.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((number, version)) = reusable
            && number > arrived_after
        {
            return Ok(version);
        }
        let number = self.started.fetch_add(1, Ordering::SeqCst) + 1;
        let version = query().await?;
        *self.latest.lock().unwrap_or_else(PoisonError::into_inner) = Some((number, version));
        Ok(version)
    }
}

/// The reads cached by one store handle, for the latest data version that a request observed.
pub struct ReadCache {
    current: RwLock<Arc<Generation>>,
}

impl ReadCache {
    /// Creates an empty cache.
    pub fn new() -> Self {
        Self {
            current: RwLock::new(Arc::new(Generation::new(None))),
        }
    }

    /// Returns the reads cached at `version`. If the cache is at another version, its reads
    /// are dropped and an empty cache for `version` takes their place.
    pub fn at(&self, version: DataVersion) -> CachedReads {
        {
            let current = read(&self.current);
            if current.version == Some(version) {
                return CachedReads {
                    generation: Arc::clone(&current),
                };
            }
        }
        let mut current = write(&self.current);
        if current.version != Some(version) {
            *current = Arc::new(Generation::new(Some(version)));
        }
        CachedReads {
            generation: Arc::clone(&current),
        }
    }
}

impl Default for ReadCache {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for ReadCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadCache")
            .field("version", &read(&self.current).version)
            .finish_non_exhaustive()
    }
}

/// The reads made by the requests of one data version.
struct Generation {
    /// `None` only for the empty cache of a new store handle, which no request uses.
    version: Option<DataVersion>,
    entries: RwLock<Entries>,
}

impl Generation {
    fn new(version: Option<DataVersion>) -> Self {
        Self {
            version,
            entries: RwLock::new(Entries::default()),
        }
    }
}

/// User ids and lower-cased emails are unique across accounts in both stores, so users are
/// keyed by them alone, and a hit is checked against the requested account.
#[derive(Default)]
struct Entries {
    accounts: HashMap<String, Arc<Account>>,
    users_by_id: HashMap<String, Arc<User>>,
    users_by_email: HashMap<String, Arc<User>>,
    /// For each user id, the encodings of the user's PAC accounts, by encoding tag.
    encoded_pac_accounts: HashMap<String, Vec<(u8, Bytes)>>,
}

/// The reads of one request, served from the cache of the data version that the request
/// observed, or from the store on a miss. Only found accounts and users are cached, so an
/// unknown id costs a query each time but takes no memory.
pub struct CachedReads {
    generation: Arc<Generation>,
}

impl CachedReads {
    /// Returns the account with this id, like [`Store::account`].
    pub async fn account(
        &self,
        store: &dyn Store,
        account_id: &str,
    ) -> Result<Option<Arc<Account>>, StoreError> {
        if let Some(account) = self.lookup(|entries| entries.accounts.get(account_id).cloned()) {
            return Ok(Some(account));
        }
        let Some(account) = store.account(account_id).await? else {
            return Ok(None);
        };
        let account = Arc::new(account);
        self.insert(|entries| {
            insert_bounded(
                &mut entries.accounts,
                account_id.to_owned(),
                Arc::clone(&account),
            );
        });
        Ok(Some(account))
    }

    /// Returns the user of `account_id` with this id, like [`Store::user_by_id`].
    pub async fn user_by_id(
        &self,
        store: &dyn Store,
        account_id: &str,
        user_id: &str,
    ) -> Result<Option<Arc<User>>, StoreError> {
        if let Some(user) = self.lookup(|entries| entries.users_by_id.get(user_id).cloned()) {
            return Ok((user.account_id == account_id).then_some(user));
        }
        let found = store.user_by_id(account_id, user_id).await?.map(Arc::new);
        if let Some(user) = &found {
            self.insert(|entries| {
                insert_bounded(&mut entries.users_by_id, user.id.clone(), Arc::clone(user));
            });
        }
        Ok(found)
    }

    /// Returns the user of `account_id` with this email, compared case-insensitively, like
    /// [`Store::user_by_email`].
    pub async fn user_by_email(
        &self,
        store: &dyn Store,
        account_id: &str,
        email: &str,
    ) -> Result<Option<Arc<User>>, StoreError> {
        let email_lower = email.to_lowercase();
        if let Some(user) = self.lookup(|entries| entries.users_by_email.get(&email_lower).cloned())
        {
            return Ok((user.account_id == account_id).then_some(user));
        }
        let found = store.user_by_email(account_id, email).await?.map(Arc::new);
        if let Some(user) = &found {
            self.insert(|entries| {
                insert_bounded(&mut entries.users_by_email, email_lower, Arc::clone(user));
            });
        }
        Ok(found)
    }

    /// Returns the user's PAC accounts ([`Store::pac_accounts`]) as `encode` writes them. On a
    /// miss it reads the accounts and calls `encode`. The bytes are cached per user and
    /// `encoding`, so callers that encode differently must pass different tags.
    pub async fn encoded_pac_accounts<E>(
        &self,
        store: &dyn Store,
        user_id: &str,
        encoding: u8,
        encode: impl FnOnce(&[PacAccount]) -> Result<Vec<u8>, E>,
    ) -> Result<Bytes, E>
    where
        E: From<StoreError>,
    {
        let cached = self.lookup(|entries| {
            let encodings = entries.encoded_pac_accounts.get(user_id)?;
            encodings
                .iter()
                .find(|(tag, _)| *tag == encoding)
                .map(|(_, bytes)| bytes.clone())
        });
        if let Some(bytes) = cached {
            return Ok(bytes);
        }
        let accounts = store.pac_accounts(user_id).await?;
        // A copy, because the encoder's buffer may be larger than the body and the cache keeps
        // the bytes for as long as the data version stays.
        let bytes = Bytes::copy_from_slice(&encode(&accounts)?);
        self.insert(|entries| {
            let map = &mut entries.encoded_pac_accounts;
            if !map.contains_key(user_id) && map.len() >= MAX_ENTRIES {
                map.clear();
            }
            let encodings = map.entry(user_id.to_owned()).or_default();
            if !encodings.iter().any(|(tag, _)| *tag == encoding) {
                encodings.push((encoding, bytes.clone()));
            }
        });
        Ok(bytes)
    }

    fn lookup<T>(&self, get: impl FnOnce(&Entries) -> Option<T>) -> Option<T> {
        get(&read(&self.generation.entries))
    }

    fn insert(&self, put: impl FnOnce(&mut Entries)) {
        put(&mut write(&self.generation.entries));
    }
}

fn insert_bounded<K: Eq + Hash, V>(map: &mut HashMap<K, V>, key: K, value: V) {
    if map.len() >= MAX_ENTRIES {
        map.clear();
    }
    map.insert(key, value);
}

/// Locks for reading. A poisoned lock only means that another thread panicked while holding
/// it, and every write here leaves the maps consistent, so the value is used anyway.
fn read<T>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(PoisonError::into_inner)
}

fn write<T>(lock: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(PoisonError::into_inner)
}
