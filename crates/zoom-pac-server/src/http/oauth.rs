//! `POST /oauth/token`: Server-to-Server OAuth with the `account_credentials` grant.
//!
//! Zoom serves this endpoint on `zoom.us`, not on the API host; this server serves both on
//! one listener. The parameters may come as query parameters or as a form body (a body
//! parameter wins over a query parameter of the same name), and the client credentials come
//! as HTTP Basic authentication.

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, RawQuery, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use zoom_pac_model::TokenResponse;

use super::error::OAuthFailure;
use crate::auth::{TokenKind, secret};
use crate::fixture;
use crate::state::AppState;

/// The largest token request body accepted, in bytes. A real request is under 100 bytes.
pub const MAX_TOKEN_BODY: usize = 8 * 1024;

pub(super) fn router() -> Router<AppState> {
    Router::new().route(
        "/oauth/token",
        post(issue_token).layer(DefaultBodyLimit::max(MAX_TOKEN_BODY)),
    )
}

#[derive(Debug, Default)]
struct TokenParams {
    grant_type: Option<String>,
    account_id: Option<String>,
}

impl TokenParams {
    fn read(&mut self, encoded: &[u8]) {
        for (name, value) in form_urlencoded::parse(encoded) {
            match name.as_ref() {
                "grant_type" => self.grant_type = Some(value.into_owned()),
                "account_id" => self.account_id = Some(value.into_owned()),
                _ => {}
            }
        }
    }
}

async fn issue_token(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, OAuthFailure> {
    let body = body.map_err(|_| OAuthFailure::BodyTooLarge)?;
    let mut params = TokenParams::default();
    params.read(query.unwrap_or_default().as_bytes());
    params.read(&body);

    let (client_id, client_secret) =
        basic_credentials(&headers).ok_or(OAuthFailure::InvalidClient)?;
    let app = state.store.app(&client_id).await?;
    let authenticated = match &app {
        Some(app) => secret::verify(&client_id, &client_secret, &app.secret_sha256),
        None => {
            // Spend the same work as for a known client, so timing does not reveal which
            // client ids exist.
            secret::verify(&client_id, &client_secret, UNKNOWN_CLIENT_DIGEST);
            false
        }
    };
    // Only a stored client id is logged: an unknown one may be a secret pasted into the
    // wrong field.
    let app = match app {
        Some(app) if authenticated => app,
        Some(app) => {
            tracing::warn!(client.id = ?app.client_id, "token request rejected: wrong client secret");
            return Err(OAuthFailure::InvalidClient);
        }
        None => {
            tracing::warn!("token request rejected: unknown client id");
            return Err(OAuthFailure::InvalidClient);
        }
    };
    if !state.config.demo && fixture::is_demo_client(&app.client_id) {
        tracing::warn!(client.id = ?app.client_id, "token request rejected: demo apps work only with --demo");
        return Err(OAuthFailure::InvalidClient);
    }

    match params.grant_type.as_deref() {
        None | Some("") => return Err(OAuthFailure::MissingGrantType),
        Some("account_credentials") => {}
        Some(_) => return Err(OAuthFailure::UnsupportedGrantType),
    }
    match params.account_id.as_deref() {
        None | Some("") => return Err(OAuthFailure::MissingAccountId),
        Some(account_id) if account_id == app.account_id => {}
        Some(_) => {
            tracing::warn!(client.id = ?app.client_id, "token request rejected: account id is not the app's");
            return Err(OAuthFailure::InvalidAccountId);
        }
    }

    let access_token = state
        .tokens
        .issue(
            TokenKind::Account,
            &app.account_id,
            &app.owner_user_id,
            &app.client_id,
            &app.scopes,
        )
        .await?;
    state.metrics.count_token_issued();
    tracing::info!(client.id = %app.client_id, account.id = %app.account_id, "issued an access token");

    let body = TokenResponse {
        access_token,
        token_type: "bearer".to_owned(),
        expires_in: state.tokens.lifetime().as_secs(),
        scope: app.scopes.join(" "),
        api_url: Some(state.config.public_url.clone()),
    };
    Ok((
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::PRAGMA, "no-cache"),
        ],
        Json(body),
    )
        .into_response())
}

/// A well-formed digest that no secret is expected to produce.
const UNKNOWN_CLIENT_DIGEST: &str =
    "0000000000000000000000000000000000000000000000000000000000000000";

/// Returns the client id and secret of an `Authorization: Basic` header.
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = STANDARD.decode(encoded.trim()).ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (client_id, client_secret) = decoded.split_once(':')?;
    if client_id.is_empty() || client_secret.is_empty() {
        return None;
    }
    Some((client_id.to_owned(), client_secret.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn basic_credentials_are_decoded() {
        let encoded = STANDARD.encode("id:se:cret");
        assert_eq!(
            basic_credentials(&headers(&format!("Basic {encoded}"))),
            Some(("id".to_owned(), "se:cret".to_owned()))
        );
    }

    #[test]
    fn malformed_basic_credentials_are_rejected() {
        for value in ["Basic", "Basic !!!", "Bearer abc", "Basic OmFiYw=="] {
            assert_eq!(basic_credentials(&headers(value)), None, "{value}");
        }
    }
}
