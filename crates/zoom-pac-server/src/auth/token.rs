//! Access tokens: HS512-signed JWTs with a one-hour lifetime, as Zoom issues.
//!
//! The signing key comes from configuration, or is generated once and kept in the store, so
//! that a restarted process, or another process on the same database, accepts the tokens
//! already issued. Keys are looked up by the `kid` in each token's header and cached for
//! [`KEY_RECHECK`]. After that the store is read again, so a key rotated out of the store
//! stops verifying on every process within that time.
//!
//! Verified tokens are cached, because checking the HMAC and parsing the claims cost more
//! than the rest of a cached request. A cached token is served only for the same full text,
//! only while it has not expired and only while the key that verified it is still the key
//! cached for its `kid`, so expiry and key rotation act on cached tokens exactly as on new
//! ones.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::store::{SigningKey, Store, StoreError};

/// How long a key read from the store is trusted before the store is asked again.
pub const KEY_RECHECK: Duration = Duration::from_secs(30);

/// The claims format written by this version. Tokens of another version are rejected.
const CLAIMS_VERSION: u32 = 1;

/// Tokens longer than this are rejected before any parsing.
const MAX_TOKEN_LEN: usize = 4096;

/// Unknown key ids remembered, at most, before the negative cache is cleared.
const MAX_CACHED_KEYS: usize = 1024;

/// Verified tokens remembered, at most, before the token cache is cleared.
pub const MAX_CACHED_TOKENS: usize = 4096;

/// The kind of principal a token acts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenKind {
    /// A Server-to-Server token: it acts for the account, and `me` is the app's owner.
    Account,
    /// A user-level token: it acts for one user, who is also `me`.
    User,
}

/// The payload of an access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The claims format version.
    pub ver: u32,
    /// The kind of principal the token acts for.
    pub tty: TokenKind,
    /// The account id.
    pub aid: String,
    /// The user that `me` means: the app's owner for an account token.
    pub uid: String,
    /// The client id of the app that requested the token.
    pub cid: String,
    /// The granted scopes, separated by spaces.
    pub scp: String,
    /// Issue time, in seconds since the Unix epoch.
    pub iat: u64,
    /// Expiry time, in seconds since the Unix epoch.
    pub exp: u64,
    /// A random token id.
    pub jti: String,
}

/// A verified access token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessToken {
    pub kind: TokenKind,
    pub account_id: String,
    pub user_id: String,
    pub client_id: String,
    pub scopes: Vec<String>,
}

impl AccessToken {
    /// Returns the granted scopes.
    pub fn scopes(&self) -> impl Iterator<Item = &str> + Clone {
        self.scopes.iter().map(String::as_str)
    }
}

/// The reason a token was rejected.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// The token is malformed, signed by an unknown key or otherwise not ours.
    #[error("invalid access token")]
    Invalid,
    /// The token was valid but its lifetime has passed.
    #[error("access token is expired")]
    Expired,
    /// The store failed while looking up the signing key.
    #[error(transparent)]
    Store(#[from] StoreError),
}

struct KeyPair {
    kid: String,
    encoding: EncodingKey,
    decoding: Arc<DecodingKey>,
}

impl KeyPair {
    fn new(key: &SigningKey) -> Self {
        Self {
            kid: key.kid.clone(),
            encoding: EncodingKey::from_secret(&key.secret),
            decoding: Arc::new(DecodingKey::from_secret(&key.secret)),
        }
    }
}

/// A token that passed verification, with what decides whether it still does.
struct VerifiedToken {
    /// The token's full text. The cache is keyed by the signature alone, which is cheaper to
    /// hash, so a hit must also match this.
    text: Box<str>,
    token: Arc<AccessToken>,
    kid: Arc<str>,
    /// The key that verified the token. A hit is served only while this is still the key
    /// cached for `kid`.
    key: Arc<DecodingKey>,
    /// The `exp` claim, in seconds since the Unix epoch.
    expires: u64,
}

struct Cached<T> {
    value: T,
    fetched: Instant,
}

impl<T> Cached<T> {
    fn new(value: T) -> Self {
        Self {
            value,
            fetched: Instant::now(),
        }
    }

    fn is_fresh(&self) -> bool {
        self.fetched.elapsed() < KEY_RECHECK
    }
}

/// Issues and verifies access tokens.
pub struct TokenService {
    store: Arc<dyn Store>,
    /// A key from configuration, used instead of the store's keys when set.
    configured: Option<Arc<KeyPair>>,
    verifying: RwLock<HashMap<String, Cached<Option<Arc<DecodingKey>>>>>,
    /// Verified tokens by their signature, the text after the last `.`.
    verified: RwLock<HashMap<Box<str>, VerifiedToken>>,
    lifetime: Duration,
    validation: Validation,
}

impl TokenService {
    /// Creates a service that signs with `configured_key` if given, and otherwise with the
    /// store's current key, creating one if the store has none.
    pub async fn new(
        store: Arc<dyn Store>,
        configured_key: Option<&[u8]>,
        lifetime: Duration,
    ) -> Result<Self, StoreError> {
        let mut validation = Validation::new(Algorithm::HS512);
        validation.validate_exp = false;
        validation.validate_aud = false;
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp"]);

        let service = Self {
            configured: configured_key.map(|secret| {
                Arc::new(KeyPair::new(&SigningKey {
                    kid: configured_kid(secret),
                    secret: secret.to_vec(),
                }))
            }),
            store,
            verifying: RwLock::new(HashMap::new()),
            verified: RwLock::new(HashMap::new()),
            lifetime,
            validation,
        };
        service.signing_key().await?;
        Ok(service)
    }

    /// Returns the lifetime of issued tokens.
    pub fn lifetime(&self) -> Duration {
        self.lifetime
    }

    /// Issues a token for `user_id` of `account_id`, requested by `client_id`.
    pub async fn issue(
        &self,
        kind: TokenKind,
        account_id: &str,
        user_id: &str,
        client_id: &str,
        scopes: &[String],
    ) -> Result<String, StoreError> {
        let key = self.signing_key().await?;
        let now = unix_now();
        let claims = Claims {
            ver: CLAIMS_VERSION,
            tty: kind,
            aid: account_id.to_owned(),
            uid: user_id.to_owned(),
            cid: client_id.to_owned(),
            scp: scopes.join(" "),
            iat: now,
            exp: now + self.lifetime.as_secs(),
            jti: random_hex(16),
        };
        let mut header = Header::new(Algorithm::HS512);
        header.kid = Some(key.kid.clone());
        jsonwebtoken::encode(&header, &claims, &key.encoding).map_err(|error| StoreError::Corrupt {
            table: "signing_keys",
            message: format!("signing a token failed: {error}"),
        })
    }

    /// Verifies a token's signature, format and expiry.
    pub async fn verify(&self, token: &str) -> Result<AccessToken, TokenError> {
        self.verify_shared(token)
            .await
            .map(|verified| AccessToken::clone(&verified))
    }

    /// Verifies a token like [`TokenService::verify`], using the cache of verified tokens when
    /// it can, and returns the token shared with that cache.
    pub async fn verify_shared(&self, token: &str) -> Result<Arc<AccessToken>, TokenError> {
        if token.is_empty() || token.len() > MAX_TOKEN_LEN {
            return Err(TokenError::Invalid);
        }
        if let Some(verified) = self.cached_token(token).await? {
            return Ok(verified);
        }
        let verified = self.verify_uncached(token).await?;
        let now = unix_now();
        if now >= verified.expires {
            return Err(TokenError::Expired);
        }
        let access = Arc::clone(&verified.token);
        let mut cache = write(&self.verified);
        if cache.len() >= MAX_CACHED_TOKENS {
            cache.retain(|_, cached| now < cached.expires);
            if cache.len() >= MAX_CACHED_TOKENS {
                cache.clear();
            }
        }
        cache.insert(signature(token).into(), verified);
        Ok(access)
    }

    /// Returns the cached verification of `token` if it still holds: `None` if the token is
    /// not cached or its key changed since, an error if it has expired.
    async fn cached_token(&self, token: &str) -> Result<Option<Arc<AccessToken>>, TokenError> {
        let (access, kid, key, expires) = {
            let cache = read(&self.verified);
            let Some(cached) = cache
                .get(signature(token))
                .filter(|cached| *cached.text == *token)
            else {
                return Ok(None);
            };
            (
                Arc::clone(&cached.token),
                Arc::clone(&cached.kid),
                Arc::clone(&cached.key),
                cached.expires,
            )
        };
        if unix_now() >= expires {
            return Err(TokenError::Expired);
        }
        let current = self.verifying_key(&kid).await?;
        Ok(current
            .is_some_and(|current| Arc::ptr_eq(&current, &key))
            .then_some(access))
    }

    /// Checks the signature and claims of `token` without the cache. Expiry is left to the
    /// caller.
    async fn verify_uncached(&self, token: &str) -> Result<VerifiedToken, TokenError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Invalid)?;
        if header.alg != Algorithm::HS512 {
            return Err(TokenError::Invalid);
        }
        let kid = header.kid.ok_or(TokenError::Invalid)?;
        let key = self.verifying_key(&kid).await?.ok_or(TokenError::Invalid)?;
        let data = jsonwebtoken::decode::<Claims>(token, &key, &self.validation)
            .map_err(|_| TokenError::Invalid)?;
        let claims = data.claims;
        if claims.ver != CLAIMS_VERSION {
            return Err(TokenError::Invalid);
        }
        let access = AccessToken {
            kind: claims.tty,
            account_id: claims.aid,
            user_id: claims.uid,
            client_id: claims.cid,
            scopes: claims
                .scp
                .split(' ')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
        };
        Ok(VerifiedToken {
            text: token.into(),
            token: Arc::new(access),
            kid: kid.into(),
            key,
            expires: claims.exp,
        })
    }

    /// Verifies `token` without the cache of verified tokens, for benchmarks that compare
    /// both paths.
    pub async fn verify_without_cache(&self, token: &str) -> Result<AccessToken, TokenError> {
        if token.is_empty() || token.len() > MAX_TOKEN_LEN {
            return Err(TokenError::Invalid);
        }
        let verified = self.verify_uncached(token).await?;
        if unix_now() >= verified.expires {
            return Err(TokenError::Expired);
        }
        Ok(AccessToken::clone(&verified.token))
    }

    async fn signing_key(&self) -> Result<Arc<KeyPair>, StoreError> {
        if let Some(key) = &self.configured {
            return Ok(Arc::clone(key));
        }
        // The current key is read from the store for every token issued, not cached, so that
        // no process signs with a key that another process has rotated out. Token requests
        // are rare next to API requests, so the query costs little.
        let candidate = SigningKey {
            kid: random_hex(8),
            secret: random_bytes(64),
        };
        let stored = self.store.current_signing_key_or_insert(candidate).await?;
        Ok(Arc::new(KeyPair::new(&stored)))
    }

    async fn verifying_key(&self, kid: &str) -> Result<Option<Arc<DecodingKey>>, StoreError> {
        if let Some(key) = &self.configured {
            return Ok((key.kid == kid).then(|| Arc::clone(&key.decoding)));
        }
        if !is_key_id(kid) {
            return Ok(None);
        }
        if let Some(cached) = read(&self.verifying).get(kid).filter(|c| c.is_fresh()) {
            return Ok(cached.value.clone());
        }
        let key = self
            .store
            .signing_key(kid)
            .await?
            .map(|key| Arc::clone(&KeyPair::new(&key).decoding));
        let mut cache = write(&self.verifying);
        if cache.len() >= MAX_CACHED_KEYS {
            cache.clear();
        }
        cache.insert(kid.to_owned(), Cached::new(key.clone()));
        Ok(key)
    }
}

/// Returns the signature part of a JWT: the text after its last `.`, or all of it when it
/// has none.
fn signature(token: &str) -> &str {
    token
        .rsplit_once('.')
        .map_or(token, |(_, signature)| signature)
}

/// Returns the key id of a configured key: a digest, so that the id reveals nothing of it.
fn configured_kid(secret: &[u8]) -> String {
    let digest = Sha256::new()
        .chain_update(b"zoom-pac key id\0")
        .chain_update(secret)
        .finalize();
    hex::encode(&digest[..8])
}

/// Returns `true` if and only if `kid` has the form of the key ids this service creates.
fn is_key_id(kid: &str) -> bool {
    kid.len() == 16 && kid.bytes().all(|b| b.is_ascii_hexdigit())
}

fn random_bytes(len: usize) -> Vec<u8> {
    let mut bytes = vec![0; len];
    rand::rng().fill_bytes(&mut bytes);
    bytes
}

fn random_hex(bytes: usize) -> String {
    hex::encode(random_bytes(bytes))
}

/// Generates a new random signing key, for rotation.
pub fn generate_signing_key() -> SigningKey {
    SigningKey {
        kid: random_hex(8),
        secret: random_bytes(64),
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

/// Locks for reading. A poisoned lock only means another thread panicked while holding it;
/// the caches stay consistent, so the value is used anyway.
fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
