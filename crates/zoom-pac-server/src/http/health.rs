//! `GET /healthz` (the process responds) and `GET /readyz` (the database responds too).

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;
use zoom_pac_model::ZoomError;

use crate::state::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
}

async fn healthz() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

async fn readyz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => Json(json!({ "status": "ready" })).into_response(),
        Err(error) => {
            tracing::warn!(%error, "readiness check failed: the database does not respond");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(ZoomError::new(503, "The database is not reachable.")),
            )
                .into_response()
        }
    }
}
