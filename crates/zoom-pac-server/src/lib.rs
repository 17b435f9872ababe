//! The zoom-pac server: Zoom's "List a user's PAC accounts" API over HTTP.
//!
//! The layers, from the outside in:
//! - [`http`]: routes, extractors and Zoom-style error bodies;
//! - [`auth`]: access tokens, client secrets and scopes;
//! - [`limit`]: Zoom's rate limits per account, plan and label, behind one trait;
//! - [`store`]: accounts, users, PAC accounts, apps and signing keys, behind one trait;
//! - [`fixture`]: the JSON format that loads data into a store.
//!
//! [`serve`] runs the server on a bound listener until a shutdown signal, so that tests can
//! bind port 0 and learn the port before serving.

pub mod auth;
pub mod config;
pub mod fixture;
pub mod http;
pub mod limit;
pub mod state;
pub mod store;

use std::future::Future;

use tokio::net::TcpListener;

pub use config::{ConferenceIdFormat, ServerConfig};
pub use state::AppState;

/// Serves the API on `listener` until `shutdown` completes, then lets the requests in flight
/// finish before returning.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let address = listener.local_addr()?;
    tracing::info!(%address, "server started");
    axum::serve(listener, http::router(state))
        .with_graceful_shutdown(shutdown)
        .await?;
    tracing::info!(%address, "server stopped");
    Ok(())
}
