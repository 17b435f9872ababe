//! The HTTP API: routes, extractors, Zoom-style errors and the layers around them.

mod access;
mod error;
mod extract;
mod health;
mod limits;
mod middleware;
mod oauth;
mod openapi;
mod pac;
mod rate_limit;
mod users;

use axum::Router;
use axum::middleware::from_fn_with_state;
use tower::ServiceBuilder;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};

pub use error::{ApiError, OAuthFailure};
pub use extract::UserRef;
pub use middleware::{REQUEST_ID, TRACKING_ID};
pub use oauth::MAX_TOKEN_BODY;

use crate::state::AppState;

/// Builds the router with every route and layer, ready to serve.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(oauth::router())
        .merge(pac::router())
        .merge(users::router())
        .merge(health::router())
        .merge(openapi::router())
        .fallback(route_not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(REQUEST_ID.clone(), MakeRequestUuid))
                .layer(PropagateRequestIdLayer::new(REQUEST_ID.clone()))
                .layer(from_fn_with_state(state.clone(), middleware::log_and_time))
                .layer(from_fn_with_state(state.clone(), limits::enforce)),
        )
        .with_state(state)
}

async fn route_not_found() -> ApiError {
    ApiError::RouteNotFound
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}
