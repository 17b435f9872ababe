//! `GET /v2/users` (list an account's users, paged) and `GET /v2/users/{userId}`.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use zoom_pac_model::{FieldError, UserPage};

use super::access::authorize;
use super::error::ApiError;
use super::extract::{Bearer, UserRef};
use crate::auth::scope::{GET_USER, LIST_USERS};
use crate::limit::Label;
use crate::state::AppState;
use crate::store::{User, UserStatus};

/// The page size when the request names none.
pub const DEFAULT_PAGE_SIZE: u32 = 30;
/// The largest page size; larger requests get pages of this size.
pub const MAX_PAGE_SIZE: u32 = 300;
/// How long a `next_page_token` stays valid, in seconds.
pub const PAGE_TOKEN_LIFETIME: u64 = 15 * 60;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/v2/users", get(list_users))
        .route("/v2/users/{userId}", get(get_user))
}

#[derive(Debug)]
struct ListQuery {
    status: UserStatus,
    page_size: u32,
    after_seq: i64,
}

impl ListQuery {
    fn parse(query: &str, now: u64) -> Result<Self, ApiError> {
        let mut parsed = ListQuery {
            status: UserStatus::Active,
            page_size: DEFAULT_PAGE_SIZE,
            after_seq: 0,
        };
        let mut errors = Vec::new();
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            match name.as_ref() {
                "status" => match value.parse() {
                    Ok(status) => parsed.status = status,
                    Err(_) => errors.push(FieldError {
                        field: "status".to_owned(),
                        message: "Invalid field. Expected one of active, inactive, pending."
                            .to_owned(),
                    }),
                },
                "page_size" => match value.parse::<u32>() {
                    Ok(0) => {}
                    Ok(size) => parsed.page_size = size.min(MAX_PAGE_SIZE),
                    Err(_) => errors.push(FieldError {
                        field: "page_size".to_owned(),
                        message: "Invalid field. Expected a positive integer.".to_owned(),
                    }),
                },
                "next_page_token" if !value.is_empty() => {
                    parsed.after_seq =
                        decode_page_token(&value, now).ok_or(ApiError::InvalidPageToken)?;
                }
                _ => {}
            }
        }
        if errors.is_empty() {
            Ok(parsed)
        } else {
            Err(ApiError::Validation(errors))
        }
    }
}

/// Encodes the position after the last user of a page with the time it was issued. The
/// token is opaque to clients but not secret: a changed token can only move the position
/// within the caller's own account.
fn encode_page_token(after_seq: i64, now: u64) -> String {
    URL_SAFE_NO_PAD.encode(format!("v1:{after_seq}:{now}"))
}

fn decode_page_token(token: &str, now: u64) -> Option<i64> {
    let decoded = String::from_utf8(URL_SAFE_NO_PAD.decode(token).ok()?).ok()?;
    let mut parts = decoded.split(':');
    let (Some("v1"), Some(after_seq), Some(issued), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let issued: u64 = issued.parse().ok()?;
    let fresh = issued <= now && now - issued < PAGE_TOKEN_LIFETIME;
    fresh.then(|| after_seq.parse().ok()).flatten()
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

async fn list_users(
    State(state): State<AppState>,
    Bearer(token): Bearer,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let caller = authorize(&state, token, LIST_USERS, Label::Medium).await?;
    let now = unix_now();
    let query = ListQuery::parse(query.as_deref().unwrap_or_default(), now)?;

    let account_id = &caller.account.id;
    let total_records = state.store.count_users(account_id, query.status).await?;
    // One extra row shows whether another page follows.
    let mut users = state
        .store
        .list_users(
            account_id,
            query.status,
            query.after_seq,
            query.page_size + 1,
        )
        .await?;
    let has_more = users.len() > query.page_size as usize;
    users.truncate(query.page_size as usize);
    let next_page_token = match users.last() {
        Some(last) if has_more => encode_page_token(last.seq, now),
        _ => String::new(),
    };

    let page = UserPage {
        next_page_token,
        page_count: total_records.div_ceil(u64::from(query.page_size)),
        page_size: u64::from(query.page_size),
        total_records,
        users: users.iter().map(|user| to_wire(user, false)).collect(),
    };
    let mut response = Json(page).into_response();
    caller.admission.add_headers(response.headers_mut());
    Ok(response)
}

async fn get_user(
    State(state): State<AppState>,
    Bearer(token): Bearer,
    user_ref: UserRef,
) -> Result<Response, ApiError> {
    let caller = authorize(&state, token, GET_USER, Label::Light).await?;
    let user = caller.user(&state, &user_ref).await?;
    let mut response = Json(to_wire(&user, true)).into_response();
    caller.admission.add_headers(response.headers_mut());
    Ok(response)
}

fn to_wire(user: &User, with_account: bool) -> zoom_pac_model::User {
    let display_name = format!("{} {}", user.first_name, user.last_name)
        .trim()
        .to_owned();
    zoom_pac_model::User {
        id: user.id.clone(),
        email: user.email.clone(),
        user_type: user.user_type,
        status: Some(user.status.as_str().to_owned()),
        first_name: Some(user.first_name.clone()),
        last_name: Some(user.last_name.clone()),
        display_name: Some(display_name),
        account_id: with_account.then(|| user.account_id.clone()),
        created_at: Some(user.created_at.clone()),
        user_created_at: Some(user.created_at.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_token_round_trips_until_it_expires() {
        let token = encode_page_token(42, 1_000);
        assert_eq!(decode_page_token(&token, 1_000), Some(42));
        assert_eq!(
            decode_page_token(&token, 1_000 + PAGE_TOKEN_LIFETIME - 1),
            Some(42)
        );
        assert_eq!(decode_page_token(&token, 1_000 + PAGE_TOKEN_LIFETIME), None);
        assert_eq!(decode_page_token(&token, 999), None);
    }

    #[test]
    fn malformed_page_tokens_are_rejected() {
        for token in ["", "!!!", "djE6eA", &URL_SAFE_NO_PAD.encode("v2:1:1")] {
            assert_eq!(decode_page_token(token, 10), None, "{token}");
        }
    }

    #[test]
    fn page_size_is_clamped() {
        let query = ListQuery::parse("page_size=5000", 0).unwrap();
        assert_eq!(query.page_size, MAX_PAGE_SIZE);
        let query = ListQuery::parse("page_size=0&status=pending", 0).unwrap();
        assert_eq!(query.page_size, DEFAULT_PAGE_SIZE);
        assert_eq!(query.status, UserStatus::Pending);
        assert!(ListQuery::parse("page_size=ten", 0).is_err());
        assert!(ListQuery::parse("status=gone", 0).is_err());
    }
}
