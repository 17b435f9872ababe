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
use std::pin::pin;

use axum::serve::Listener;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;

pub use config::{ConferenceIdFormat, ServerConfig};
pub use state::AppState;

/// Serves the API on `listener` until `shutdown` completes, then lets the requests in flight
/// finish before returning.
///
/// Connections speak HTTP/1.1 only, because hyper's header read timeout, which cuts off
/// clients that send their headers slowly, exists only for HTTP/1. The [`http`] layers reject
/// requests over the configured URI and header limits with a JSON error. hyper itself cuts
/// off requests over four times those limits (see `hard_header_limits`) with a bare 431 and
/// closes the connection, so that no request head grows without bound in memory.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let mut listener = listener;
    let address = listener.local_addr()?;
    let builder = connection_builder(&state.config);
    let router = http::router(state);
    let graceful = GracefulShutdown::new();
    tracing::info!(%address, "server started");

    let mut shutdown = pin!(shutdown);
    loop {
        // Listener::accept logs accept errors and retries, as axum::serve does.
        let (stream, peer) = tokio::select! {
            accepted = Listener::accept(&mut listener) => accepted,
            () = &mut shutdown => break,
        };
        let service = TowerToHyperService::new(router.clone());
        let connection = builder.serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                // Header read timeouts and clients that hang up land here.
                tracing::debug!(%peer, %error, "connection closed with an error");
            }
        });
    }

    drop(listener);
    tracing::info!(%address, "server stopping, waiting for requests in flight");
    graceful.shutdown().await;
    tracing::info!(%address, "server stopped");
    Ok(())
}

/// Returns hyper's own limits on a request head: the header count and the size of the
/// request line plus headers, each four times the configured limit.
fn hard_header_limits(config: &ServerConfig) -> (usize, usize) {
    let count = config.max_header_count.saturating_mul(4);
    let size = config
        .max_header_bytes
        .saturating_add(config.max_uri_length)
        .saturating_mul(4);
    (count, size)
}

fn connection_builder(config: &ServerConfig) -> http1::Builder {
    let (max_headers, max_head_size) = hard_header_limits(config);
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(config.header_read_timeout)
        .max_headers(max_headers)
        .max_header_size(max_head_size);
    builder
}
