//! The state that every request handler shares.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::auth::TokenService;
use crate::config::ServerConfig;
use crate::limit::{MemoryLimiter, RateLimiter};
use crate::store::{Store, StoreError};

/// Shared, cheaply cloned handles to the store, the token service and the settings.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub tokens: Arc<TokenService>,
    pub config: Arc<ServerConfig>,
    pub limiter: Arc<dyn RateLimiter>,
    pub metrics: Arc<Metrics>,
}

/// Counters of this process, for tests and diagnostics.
#[derive(Debug, Default)]
pub struct Metrics {
    tokens_issued: AtomicU64,
}

impl Metrics {
    /// Counts one access token issued by the token endpoint.
    pub fn count_token_issued(&self) {
        self.tokens_issued.fetch_add(1, Ordering::Relaxed);
    }

    /// Returns how many access tokens the token endpoint has issued since start.
    pub fn tokens_issued(&self) -> u64 {
        self.tokens_issued.load(Ordering::Relaxed)
    }
}

impl AppState {
    /// Builds the state with an in-process rate limiter, loading or creating the signing key.
    pub async fn new(store: Arc<dyn Store>, config: ServerConfig) -> Result<Self, StoreError> {
        Self::with_limiter(store, Arc::new(MemoryLimiter::new()), config).await
    }

    /// Builds the state with the given rate limiter, loading or creating the signing key.
    pub async fn with_limiter(
        store: Arc<dyn Store>,
        limiter: Arc<dyn RateLimiter>,
        config: ServerConfig,
    ) -> Result<Self, StoreError> {
        let tokens = TokenService::new(
            Arc::clone(&store),
            config.signing_key.as_deref(),
            config.token_lifetime,
        )
        .await?;
        Ok(Self {
            store,
            tokens: Arc::new(tokens),
            config: Arc::new(config),
            limiter,
            metrics: Arc::new(Metrics::default()),
        })
    }
}
