//! The steps every user-facing operation shares: check the token's scopes, load its account,
//! count the request against the rate limit, and resolve the user it asks about.

use super::error::ApiError;
use super::extract::UserRef;
use super::rate_limit::{self, Admission};
use crate::auth::AccessToken;
use crate::auth::scope::{Access, ScopeRule};
use crate::limit::Label;
use crate::state::AppState;
use crate::store::{Account, User};

/// A caller whose token allows the operation and whose request the rate limit admitted.
pub(super) struct Caller {
    pub token: AccessToken,
    pub access: Access,
    pub account: Account,
    pub admission: Admission,
    rule: ScopeRule,
}

/// Checks the token's scopes against `rule`, loads the token's account and counts the request
/// against the account's limit for `label`.
pub(super) async fn authorize(
    state: &AppState,
    token: AccessToken,
    rule: ScopeRule,
    label: Label,
) -> Result<Caller, ApiError> {
    let access = rule
        .access(token.scopes())
        .ok_or(ApiError::MissingScopes(rule.required))?;
    // An account deleted after the token was issued leaves the token without meaning.
    let account = state
        .store
        .account(&token.account_id)
        .await?
        .ok_or(ApiError::InvalidToken)?;
    let admission = rate_limit::enforce(state, &account, label).await?;
    Ok(Caller {
        token,
        access,
        account,
        admission,
        rule,
    })
}

impl Caller {
    /// Finds the user that `user_ref` names among the account's users.
    ///
    /// A token limited to its own user gets the same error for every other user, found or
    /// not, so that it cannot probe which ids or emails exist.
    pub async fn user(&self, state: &AppState, user_ref: &UserRef) -> Result<User, ApiError> {
        let store = &state.store;
        let account_id = &self.token.account_id;
        let found = match user_ref {
            UserRef::Me => store.user_by_id(account_id, &self.token.user_id).await?,
            UserRef::Id(id) => store.user_by_id(account_id, id).await?,
            UserRef::Email(email) => store.user_by_email(account_id, email).await?,
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
}
