//! Applying the account's rate limit to a request, and Zoom's `X-RateLimit-*` headers.

use std::time::SystemTime;

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::error::ApiError;
use crate::limit::{Decision, Label, WindowKind};
use crate::state::AppState;
use crate::store::Account;

static CATEGORY: HeaderName = HeaderName::from_static("x-ratelimit-category");
static TYPE: HeaderName = HeaderName::from_static("x-ratelimit-type");
static LIMIT: HeaderName = HeaderName::from_static("x-ratelimit-limit");
static REMAINING: HeaderName = HeaderName::from_static("x-ratelimit-remaining");
static RETRY_AFTER: HeaderName = HeaderName::from_static("retry-after");

/// The room left after an admitted request, to report in `X-RateLimit-Remaining`. `None`
/// when no window limits the request.
#[derive(Debug, Clone, Copy)]
pub struct Admission(Option<u64>);

impl Admission {
    /// Adds `X-RateLimit-Remaining` to a successful response.
    pub fn add_headers(self, headers: &mut HeaderMap) {
        if let Some(remaining) = self.0 {
            headers.insert(REMAINING.clone(), HeaderValue::from(remaining));
        }
    }
}

/// Counts one request of `label` against the account's limits.
///
/// If the limiter's backing service fails, the request is admitted: the limiter is a guard
/// for the sandbox, and an outage of it should not stop the API.
pub async fn enforce(
    state: &AppState,
    account: &Account,
    label: Label,
) -> Result<Admission, ApiError> {
    let windows = state.config.limits.windows(account.plan, label);
    if windows.is_empty() {
        return Ok(Admission(None));
    }
    let key = format!("{}:{}", account.id, label.header_value());
    match state.limiter.check(&key, windows, SystemTime::now()).await {
        Ok(Decision::Admitted { remaining }) => Ok(Admission(Some(remaining))),
        Ok(Decision::Rejected {
            window,
            limit,
            retry_at,
        }) => Err(ApiError::RateLimited {
            label,
            window,
            limit,
            retry_at,
        }),
        Err(error) => {
            tracing::warn!(%error, account.id = %account.id, "rate limiter failed; admitting the request");
            Ok(Admission(None))
        }
    }
}

/// Adds the headers of a 429 response. A daily rejection also gets `Retry-After` as an
/// ISO-8601 UTC time, as Zoom sends it.
pub fn add_rejection_headers(
    headers: &mut HeaderMap,
    label: Label,
    window: WindowKind,
    limit: u64,
    retry_at: SystemTime,
) {
    headers.insert(
        CATEGORY.clone(),
        HeaderValue::from_static(label.header_value()),
    );
    headers.insert(
        TYPE.clone(),
        HeaderValue::from_static(window.header_value()),
    );
    headers.insert(LIMIT.clone(), HeaderValue::from(limit));
    headers.insert(REMAINING.clone(), HeaderValue::from(0));
    if window == WindowKind::Daily {
        let formatted = OffsetDateTime::from(retry_at)
            .replace_nanosecond(0)
            .ok()
            .and_then(|time| time.format(&Rfc3339).ok());
        if let Some(value) = formatted.and_then(|text| HeaderValue::from_str(&text).ok()) {
            headers.insert(RETRY_AFTER.clone(), value);
        }
    }
}
