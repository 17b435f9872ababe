//! Layers around every route: request ids, the request timeout and the request log.

use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use zoom_pac_model::ZoomError;

use crate::state::AppState;

/// The request id header, set by the request-id layer and echoed in the response.
pub static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Zoom's tracking id header. Its value is the request id.
pub static TRACKING_ID: HeaderName = HeaderName::from_static("x-zm-trackingid");

/// Runs the request under the configured timeout, adds the tracking id header and writes
/// one log line: method, matched route, status, latency and request id.
///
/// The log names the route template, not the path, so that emails in paths stay out of the
/// logs. When the log level hides the line, nothing of it is computed.
pub(super) async fn log_and_time(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let log = tracing::enabled!(target: "zoom_pac::http", tracing::Level::INFO);
    let method = log.then(|| request.method().clone());
    // MatchedPath wraps a reference-counted string, so cloning it copies no text.
    let route = request.extensions().get::<MatchedPath>().cloned();
    let request_id = request.headers().get(&REQUEST_ID).cloned();

    let timeout = state.config.request_timeout;
    let mut response = match tokio::time::timeout(timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => timeout_response(timeout),
    };

    if let Some(id) = &request_id {
        response
            .headers_mut()
            .insert(TRACKING_ID.clone(), id.clone());
    }
    let Some(method) = method else {
        return response;
    };
    let route = route.as_ref().map_or("<unmatched>", MatchedPath::as_str);
    let status = response.status();
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    let request_id = request_id
        .as_ref()
        .and_then(|id| id.to_str().ok())
        .unwrap_or("-");
    tracing::info!(
        target: "zoom_pac::http",
        method = %method,
        route = %route,
        status = status.as_u16(),
        latency_ms = format_args!("{latency_ms:.2}"),
        request_id = %request_id,
        "{method} {route} {}",
        status.as_u16()
    );
    response
}

fn timeout_response(timeout: Duration) -> Response {
    tracing::warn!(timeout_ms = timeout.as_millis() as u64, "request timed out");
    let mut response = (
        StatusCode::GATEWAY_TIMEOUT,
        Json(ZoomError::new(
            504,
            "The request timed out. Try again later.",
        )),
    )
        .into_response();
    response
        .headers_mut()
        .insert("retry-after", HeaderValue::from_static("1"));
    response
}
