//! `GET /v2/users/{userId}/pac`: list a user's PAC accounts.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use zoom_pac_model::PacAccountList;

use super::error::ApiError;
use super::extract::{Bearer, UserRef};
use super::rate_limit;
use crate::auth::AccessToken;
use crate::auth::scope::{PAC_ADMIN_REQUIRED_NAMES, PAC_REQUIRED_NAMES, PacAccess};
use crate::config::ConferenceIdFormat;
use crate::limit::Label;
use crate::state::AppState;
use crate::store::User;

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
    let access = PacAccess::from_scopes(token.scopes())
        .ok_or(ApiError::MissingScopes(&PAC_REQUIRED_NAMES))?;

    // An account deleted after the token was issued leaves the token without meaning.
    let account = state
        .store
        .account(&token.account_id)
        .await?
        .ok_or(ApiError::InvalidToken)?;
    let admission = rate_limit::enforce(&state, &account, Label::Light).await?;

    let user = match access {
        PacAccess::Account => resolve_user(&state, &token, &user_ref)
            .await?
            .ok_or_else(|| ApiError::UserNotFound(user_ref.as_str().to_owned()))?,
        // A token limited to its own user gets the same answer for every other user, found
        // or not, so it cannot probe which ids or emails exist.
        PacAccess::OwnUser => resolve_user(&state, &token, &user_ref)
            .await?
            .filter(|user| user.id == token.user_id)
            .ok_or(ApiError::MissingScopes(&PAC_ADMIN_REQUIRED_NAMES))?,
    };

    if !account.audio_conferencing {
        return Err(ApiError::AccountPacDisabled);
    }
    if !user.pac_enabled {
        return Err(ApiError::UserPacDisabled);
    }

    let list = PacAccountList {
        pac_accounts: state.store.pac_accounts(&user.id).await?,
    };
    let mut response = encode(&list, state.config.conference_id_format);
    admission.add_headers(response.headers_mut());
    Ok(response)
}

/// Finds the user that `user_ref` names among the token's account's users.
pub(super) async fn resolve_user(
    state: &AppState,
    token: &AccessToken,
    user_ref: &UserRef,
) -> Result<Option<User>, ApiError> {
    let store = &state.store;
    let user = match user_ref {
        UserRef::Me => store.user_by_id(&token.account_id, &token.user_id).await?,
        UserRef::Id(id) => store.user_by_id(&token.account_id, id).await?,
        UserRef::Email(email) => store.user_by_email(&token.account_id, email).await?,
    };
    Ok(user)
}

fn encode(list: &PacAccountList, format: ConferenceIdFormat) -> Response {
    let body = match format {
        ConferenceIdFormat::Integer => serde_json::to_vec(list),
        ConferenceIdFormat::String => serde_json::to_value(list).and_then(|mut value| {
            quote_conference_ids(&mut value);
            serde_json::to_vec(&value)
        }),
    };
    match body {
        Ok(body) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            body,
        )
            .into_response(),
        Err(error) => {
            // Serializing plain strings and integers cannot fail; this is a safety net.
            ApiError::Internal(format!("encoding a PAC listing failed: {error}")).into_response()
        }
    }
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
