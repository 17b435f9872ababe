//! Credentials, and the cache of Server-to-Server access tokens.
//!
//! The cache keeps one token with its absolute expiry. A token is refreshed once it is
//! within the refresh margin (60 s by default) of its expiry. Refreshing holds the cache's
//! lock for the whole token request, so concurrent callers that find the token due queue
//! behind one refresh and then share its outcome, and a burst of calls sends one token
//! request.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

use crate::error::Error;

/// The maximum token lifetime accepted. A longer `expires_in` is clamped to it. Zoom issues
/// one-hour tokens, so the clamp only keeps a wild value from overflowing `Instant` math.
const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// A string that must not appear in logs or error messages. Its `Debug` output is redacted.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Secret(Arc<str>);

impl Secret {
    pub(crate) fn new(value: impl Into<Arc<str>>) -> Self {
        Self(value.into())
    }

    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// The client's credentials.
#[derive(Debug, Clone)]
pub(crate) enum Credentials {
    /// A token obtained elsewhere. It is never refreshed.
    AccessToken(Secret),
    /// A Server-to-Server OAuth app, which requests tokens with the `account_credentials`
    /// grant.
    ServerToServer {
        account_id: String,
        client_id: String,
        client_secret: Secret,
    },
}

/// The token that one request carries.
#[derive(Debug, Clone)]
pub(crate) struct AccessToken {
    pub(crate) value: Secret,
    /// The refresh that produced the token, or `None` for a fixed token, which cannot be
    /// refreshed.
    pub(crate) generation: Option<u64>,
}

/// A token just received from the token endpoint.
#[derive(Debug)]
pub(crate) struct FetchedToken {
    pub(crate) value: Secret,
    pub(crate) expires_in: Duration,
    /// When the token request was sent. The expiry counts from here, which is no later than
    /// when the server issued the token.
    pub(crate) requested_at: Instant,
}

#[derive(Debug)]
struct CachedToken {
    value: Secret,
    generation: u64,
    refresh_at: Instant,
    expires_at: Instant,
}

impl CachedToken {
    fn handle(&self) -> AccessToken {
        AccessToken {
            value: self.value.clone(),
            generation: Some(self.generation),
        }
    }

    fn is_unexpired(&self, now: Instant) -> bool {
        now < self.expires_at
    }
}

#[derive(Debug, Default)]
struct CacheState {
    token: Option<CachedToken>,
    /// The failure of the latest refresh, cleared by the next successful one.
    last_failure: Option<Error>,
}

/// The Server-to-Server token cache with single-flight refresh.
#[derive(Debug)]
pub(crate) struct TokenCache {
    state: Mutex<CacheState>,
    /// The number of refreshes finished, successful or not. A caller that reads a different
    /// number after waiting for the lock has waited through a refresh.
    refreshes_finished: AtomicU64,
    refresh_margin: Duration,
}

impl TokenCache {
    pub(crate) fn new(refresh_margin: Duration) -> Self {
        Self {
            state: Mutex::new(CacheState::default()),
            refreshes_finished: AtomicU64::new(0),
            refresh_margin,
        }
    }

    /// Returns the cached token, refreshing it with `fetch` if it is missing or due.
    ///
    /// A caller that waited while another caller refreshed takes that refresh's outcome,
    /// even a token that is already due (as every token is when its lifetime is shorter than
    /// the refresh margin), as long as the token has not expired.
    pub(crate) async fn token<F, Fut>(&self, fetch: F) -> Result<AccessToken, Error>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<FetchedToken, Error>>,
    {
        let finished_before = self.refreshes_finished.load(Ordering::Acquire);
        let mut state = self.state.lock().await;
        let now = Instant::now();
        if let Some(token) = state.token.as_ref().filter(|t| now < t.refresh_at) {
            return Ok(token.handle());
        }
        if self.refreshes_finished.load(Ordering::Acquire) != finished_before {
            if let Some(token) = state.token.as_ref().filter(|t| t.is_unexpired(now)) {
                return Ok(token.handle());
            }
            if let Some(error) = &state.last_failure {
                return Err(error.clone());
            }
        }
        self.refresh(&mut state, fetch).await
    }

    /// Returns a token other than `rejected`, refreshing unless another caller already did.
    /// Called after the API rejected the token of generation `rejected` with code 124.
    pub(crate) async fn token_after_rejection<F, Fut>(
        &self,
        rejected: u64,
        fetch: F,
    ) -> Result<AccessToken, Error>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<FetchedToken, Error>>,
    {
        let mut state = self.state.lock().await;
        let now = Instant::now();
        if let Some(token) = state
            .token
            .as_ref()
            .filter(|t| t.generation != rejected && t.is_unexpired(now))
        {
            return Ok(token.handle());
        }
        // The server rejected the cached token, so a failed refresh must not fall back to it.
        state.token = None;
        self.refresh(&mut state, fetch).await
    }

    async fn refresh<F, Fut>(&self, state: &mut CacheState, fetch: F) -> Result<AccessToken, Error>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<FetchedToken, Error>>,
    {
        tracing::debug!("requesting a new access token");
        let outcome = fetch().await;
        let generation = self.refreshes_finished.fetch_add(1, Ordering::AcqRel) + 1;
        match outcome {
            Ok(fetched) => {
                let lifetime = fetched.expires_in.min(MAX_TOKEN_LIFETIME);
                let expires_at = fetched.requested_at + lifetime;
                let refresh_at = expires_at
                    .checked_sub(self.refresh_margin)
                    .unwrap_or(fetched.requested_at)
                    .max(fetched.requested_at);
                let token = CachedToken {
                    value: fetched.value,
                    generation,
                    refresh_at,
                    expires_at,
                };
                let handle = token.handle();
                tracing::debug!(
                    expires_in_s = lifetime.as_secs(),
                    "received a new access token"
                );
                state.token = Some(token);
                state.last_failure = None;
                Ok(handle)
            }
            Err(error) => {
                state.last_failure = Some(error.clone());
                match state
                    .token
                    .as_ref()
                    .filter(|t| t.is_unexpired(Instant::now()))
                {
                    Some(token) => {
                        tracing::warn!(
                            %error,
                            "refreshing the access token failed; using the current token until it expires"
                        );
                        Ok(token.handle())
                    }
                    None => Err(error),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fetched(value: &str, expires_in: u64) -> FetchedToken {
        FetchedToken {
            value: Secret::new(value),
            expires_in: Duration::from_secs(expires_in),
            requested_at: Instant::now(),
        }
    }

    #[test]
    fn secret_debug_is_redacted() {
        let secret = Secret::new("hunter2");
        assert!(!format!("{secret:?}").contains("hunter2"));
        let credentials = Credentials::ServerToServer {
            account_id: "acct".to_owned(),
            client_id: "client".to_owned(),
            client_secret: secret,
        };
        assert!(!format!("{credentials:?}").contains("hunter2"));
    }

    #[tokio::test]
    async fn fresh_token_is_reused() {
        let cache = TokenCache::new(Duration::from_secs(60));
        let first = cache.token(|| async { Ok(fetched("a", 3600)) }).await;
        let second = cache
            .token(|| async { Ok(fetched("b", 3600)) })
            .await
            .unwrap();
        assert_eq!(first.unwrap().value.expose(), "a");
        assert_eq!(second.value.expose(), "a");
    }

    #[tokio::test]
    async fn token_within_margin_is_refreshed() {
        let cache = TokenCache::new(Duration::from_secs(60));
        cache
            .token(|| async { Ok(fetched("a", 60)) })
            .await
            .unwrap();
        let second = cache
            .token(|| async { Ok(fetched("b", 3600)) })
            .await
            .unwrap();
        assert_eq!(second.value.expose(), "b");
    }

    #[tokio::test]
    async fn rejection_replaces_the_rejected_token_only() {
        let cache = TokenCache::new(Duration::from_secs(60));
        let first = cache
            .token(|| async { Ok(fetched("a", 3600)) })
            .await
            .unwrap();
        let generation = first.generation.unwrap();
        let replaced = cache
            .token_after_rejection(generation, || async { Ok(fetched("b", 3600)) })
            .await
            .unwrap();
        assert_eq!(replaced.value.expose(), "b");

        // A second caller that used the same rejected token gets the replacement.
        let shared = cache
            .token_after_rejection(generation, || async { Ok(fetched("c", 3600)) })
            .await
            .unwrap();
        assert_eq!(shared.value.expose(), "b");
    }

    #[tokio::test]
    async fn failed_refresh_falls_back_to_unexpired_token() {
        let cache = TokenCache::new(Duration::from_secs(120));
        cache
            .token(|| async { Ok(fetched("a", 100)) })
            .await
            .unwrap();
        let fallback = cache
            .token(|| async { Err(Error::Config("token endpoint down".to_owned())) })
            .await
            .unwrap();
        assert_eq!(fallback.value.expose(), "a");
    }

    #[tokio::test]
    async fn failed_refresh_without_token_is_an_error() {
        let cache = TokenCache::new(Duration::from_secs(60));
        let outcome = cache
            .token(|| async { Err(Error::Config("token endpoint down".to_owned())) })
            .await;
        assert!(matches!(outcome, Err(Error::Config(_))));
    }
}
