//! `GET /v2/users/{userId}/pac`: list a user's PAC accounts.

mod encode;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use zoom_pac_model::PacAccount;

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

    let format = state.config.conference_id_format;
    let body = caller
        .encoded_pac_accounts(&state, &user, encoding_tag(format), |accounts| {
            encode(accounts, format)
        })
        .await?;
    let mut response = (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response();
    caller.admission.add_headers(response.headers_mut());
    Ok(response)
}

/// Returns the tag under which the read cache keeps listings encoded in `format`.
fn encoding_tag(format: ConferenceIdFormat) -> u8 {
    match format {
        ConferenceIdFormat::Integer => 0,
        ConferenceIdFormat::String => 1,
    }
}

fn encode(accounts: &[PacAccount], format: ConferenceIdFormat) -> Result<Vec<u8>, ApiError> {
    let quote_ids = format == ConferenceIdFormat::String;
    encode::encode_listing(accounts, quote_ids)
        .map_err(|error| ApiError::Internal(format!("encoding a PAC listing failed: {error}")))
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use serde_json::Value;
    use zoom_pac_model::{ConferenceId, DialInNumber, PacAccountList};

    use super::encode::{encode_listing, encode_listing_via_value};
    use super::*;

    fn number(number: &str, country: &str) -> DialInNumber {
        DialInNumber {
            number: number.to_owned(),
            country: country.to_owned(),
        }
    }

    fn accounts() -> Vec<PacAccount> {
        let id = |digits: &str| ConferenceId::from_str(digits).expect("valid digits");
        vec![
            PacAccount {
                conference_id: Some(id("111111")),
                participant_password: Some("ghdf".to_owned()),
                listen_only_password: Some("hkgk".to_owned()),
                dedicated_dial_in_number: vec![number("123343434", "USA")],
                global_dial_in_numbers: vec![number("434343434", "USA"), number("+44 1", "GB")],
            },
            // A leading zero keeps the id a string even without quoting.
            PacAccount {
                conference_id: Some(id("0123")),
                participant_password: None,
                listen_only_password: Some("a\"b".to_owned()),
                dedicated_dial_in_number: Vec::new(),
                global_dial_in_numbers: Vec::new(),
            },
            PacAccount::default(),
        ]
    }

    fn parse(body: &[u8]) -> Value {
        serde_json::from_slice(body).expect("the body is JSON")
    }

    #[test]
    fn direct_encoding_matches_value_encoding() {
        for accounts in [accounts(), Vec::new()] {
            let list = PacAccountList {
                pac_accounts: accounts.clone(),
            };
            for quote_ids in [false, true] {
                let direct = encode_listing(&accounts, quote_ids).expect("direct encoding");
                let via_value = encode_listing_via_value(&list, quote_ids).expect("value encoding");
                assert_eq!(parse(&direct), parse(&via_value), "quote_ids = {quote_ids}");
            }
        }
    }

    #[test]
    fn integer_encoding_keeps_field_order() {
        let body = encode_listing(&accounts()[..1], false).expect("encoding");
        assert_eq!(
            String::from_utf8(body).expect("UTF-8"),
            r#"{"pac_accounts":[{"conference_id":111111,"participant_password":"ghdf","listen_only_password":"hkgk","dedicated_dial_in_number":[{"number":"123343434","country":"USA"}],"global_dial_in_numbers":[{"number":"434343434","country":"USA"},{"number":"+44 1","country":"GB"}]}]}"#
        );
    }

    #[test]
    fn string_encoding_quotes_every_id() {
        let body = parse(&encode_listing(&accounts(), true).expect("encoding"));
        assert_eq!(body["pac_accounts"][0]["conference_id"], "111111");
        assert_eq!(body["pac_accounts"][1]["conference_id"], "0123");
        assert!(body["pac_accounts"][2].get("conference_id").is_none());
    }
}
