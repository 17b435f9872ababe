//! The state that every request handler shares.

use std::sync::Arc;

use crate::auth::TokenService;
use crate::config::ServerConfig;
use crate::store::{Store, StoreError};

/// Shared, cheaply cloned handles to the store, the token service and the settings.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub tokens: Arc<TokenService>,
    pub config: Arc<ServerConfig>,
}

impl AppState {
    /// Builds the state, loading or creating the signing key.
    pub async fn new(store: Arc<dyn Store>, config: ServerConfig) -> Result<Self, StoreError> {
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
        })
    }
}
