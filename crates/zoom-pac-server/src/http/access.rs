//! The steps every user-facing operation shares: check the token's scopes, load its account,
//! count the request against the rate limit, and resolve the user it asks about.
//!
//! Accounts, users and PAC accounts are read through the store's read cache, with one data
//! version check per request in [`authorize`].

use std::sync::Arc;

use bytes::Bytes;
use zoom_pac_model::PacAccount;

use super::error::ApiError;
use super::extract::UserRef;
use super::rate_limit::{self, Admission};
use crate::auth::AccessToken;
use crate::auth::scope::{Access, ScopeRule};
use crate::limit::Label;
use crate::state::AppState;
use crate::store::{self, Account, CachedReads, User};

/// A caller whose token allows the operation and whose request the rate limit admitted.
pub(super) struct Caller {
    pub token: Arc<AccessToken>,
    pub access: Access,
    pub account: Arc<Account>,
    pub admission: Admission,
    rule: ScopeRule,
    reads: CachedReads,
}

/// Checks the token's scopes against `rule`, loads the token's account and counts the request
/// against the account's limit for `label`.
pub(super) async fn authorize(
    state: &AppState,
    token: Arc<AccessToken>,
    rule: ScopeRule,
    label: Label,
) -> Result<Caller, ApiError> {
    let access = rule
        .access(token.scopes())
        .ok_or(ApiError::MissingScopes(rule.required))?;
    let reads = store::cached_reads(state.store.as_ref()).await?;
    // An account deleted after the token was issued leaves the token without meaning.
    let account = reads
        .account(state.store.as_ref(), &token.account_id)
        .await?
        .ok_or(ApiError::InvalidToken)?;
    let admission = rate_limit::enforce(state, &account, label).await?;
    Ok(Caller {
        token,
        access,
        account,
        admission,
        rule,
        reads,
    })
}

impl Caller {
    /// Finds the user that `user_ref` names among the account's users.
    ///
    /// A token limited to its own user gets the same error for every other user, found or
    /// not, so that it cannot probe which ids or emails exist.
    pub async fn user(&self, state: &AppState, user_ref: &UserRef) -> Result<Arc<User>, ApiError> {
        let store = state.store.as_ref();
        let account_id = &self.token.account_id;
        let found = match user_ref {
            UserRef::Me => {
                self.reads
                    .user_by_id(store, account_id, &self.token.user_id)
                    .await?
            }
            UserRef::Id(id) => self.reads.user_by_id(store, account_id, id).await?,
            UserRef::Email(email) => self.reads.user_by_email(store, account_id, email).await?,
        };
        match self.access {
            Access::Account => {
                found.ok_or_else(|| ApiError::UserNotFound(user_ref.as_str().to_owned()))
            }
            Access::OwnUser => found
                .filter(|user| user.id == self.token.user_id)
                .ok_or(ApiError::MissingScopes(self.rule.admin_required)),
        }
    }

    /// Returns the PAC accounts of a user that [`Caller::user`] returned, as `encode` writes
    /// them. Each way of encoding needs its own `encoding` tag, as
    /// [`CachedReads::encoded_pac_accounts`] requires.
    pub async fn encoded_pac_accounts(
        &self,
        state: &AppState,
        user: &User,
        encoding: u8,
        encode: impl FnOnce(&[PacAccount]) -> Result<Vec<u8>, ApiError>,
    ) -> Result<Bytes, ApiError> {
        self.reads
            .encoded_pac_accounts(state.store.as_ref(), &user.id, encoding, encode)
            .await
    }
}
