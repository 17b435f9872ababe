//! `GET /v2/users/{userId}/pac`: list a user's PAC accounts.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use zoom_pac_model::PacAccountList;

use super::access::authorize;
use super::error::ApiError;
use super::extract::{Bearer, UserRef};
use crate::auth::scope::LIST_PAC_ACCOUNTS;
use crate::config::ConferenceIdFormat;
use crate::limit::Label;
use crate::state::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/v2/users/{userId}/pac", get(list_pac_accounts))
}

/// Authenticates, checks the scopes and the account's rate limit, resolves the user, checks
/// that PAC is enabled for the account and the user, and lists the user's PAC accounts.
async fn list_pac_accounts(
    State(state): State<AppState>,
    Bearer(token): Bearer,
    user_ref: UserRef,
) -> Result<Response, ApiError> {
    let caller = authorize(&state, token, LIST_PAC_ACCOUNTS, Label::Light).await?;
    let user = caller.user(&state, &user_ref).await?;

    if !caller.account.audio_conferencing {
        return Err(ApiError::AccountPacDisabled);
    }
    if !user.pac_enabled {
        return Err(ApiError::UserPacDisabled);
    }

    let list = PacAccountList {
        pac_accounts: state.store.pac_accounts(&user.id).await?,
    };
    let mut response = encode(&list, state.config.conference_id_format)?;
    caller.admission.add_headers(response.headers_mut());
    Ok(response)
}

fn encode(list: &PacAccountList, format: ConferenceIdFormat) -> Result<Response, ApiError> {
    let body = match format {
        ConferenceIdFormat::Integer => serde_json::to_vec(list),
        ConferenceIdFormat::String => serde_json::to_value(list).and_then(|mut value| {
            quote_conference_ids(&mut value);
            serde_json::to_vec(&value)
        }),
    }
    .map_err(|error| ApiError::Internal(format!("encoding a PAC listing failed: {error}")))?;
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response())
}

fn quote_conference_ids(value: &mut serde_json::Value) {
    let Some(accounts) = value
        .get_mut("pac_accounts")
        .and_then(serde_json::Value::as_array_mut)
    else {
        return;
    };
    for account in accounts {
        if let Some(id) = account.get_mut("conference_id")
            && let Some(number) = id.as_u64()
        {
            *id = serde_json::Value::String(number.to_string());
        }
    }
}
