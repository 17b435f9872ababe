//! The scopes each operation accepts, and Zoom's message for missing ones.

/// The scopes that allow one operation, and the names Zoom lists when they are missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScopeRule {
    /// Scopes that allow the operation on any user of the token's account.
    pub admin: &'static [&'static str],
    /// Scopes that allow the operation only on the token's own user.
    pub own: &'static [&'static str],
    /// The granular scope names listed when the token has none of the scopes above.
    pub required: &'static [&'static str],
    /// The names listed when an own-user token requests another user.
    pub admin_required: &'static [&'static str],
}

/// `GET /v2/users/{userId}/pac`.
pub const LIST_PAC_ACCOUNTS: ScopeRule = ScopeRule {
    admin: &["pac:read:admin", "pac:read:list_pac_accounts:admin"],
    own: &["pac:read", "pac:read:list_pac_accounts"],
    required: &[
        "pac:read:list_pac_accounts",
        "pac:read:list_pac_accounts:admin",
    ],
    admin_required: &["pac:read:list_pac_accounts:admin"],
};

/// `GET /v2/users`, which only account-level scopes allow.
pub const LIST_USERS: ScopeRule = ScopeRule {
    admin: &["user:read:admin", "user:read:list_users:admin"],
    own: &[],
    required: &["user:read:list_users:admin"],
    admin_required: &["user:read:list_users:admin"],
};

/// `GET /v2/users/{userId}`.
pub const GET_USER: ScopeRule = ScopeRule {
    admin: &["user:read:admin", "user:read:user:admin"],
    own: &["user:read", "user:read:user"],
    required: &["user:read:user", "user:read:user:admin"],
    admin_required: &["user:read:user:admin"],
};

/// The set of users a token may act on for one operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Any user of the token's account.
    Account,
    /// Only the token's own user.
    OwnUser,
}

impl ScopeRule {
    /// Returns the widest access that `scopes` grant, or `None` if they grant none.
    pub fn access<'a>(&self, scopes: impl IntoIterator<Item = &'a str> + Clone) -> Option<Access> {
        let has = |wanted: &[&str]| scopes.clone().into_iter().any(|s| wanted.contains(&s));
        if has(self.admin) {
            Some(Access::Account)
        } else if has(self.own) {
            Some(Access::OwnUser)
        } else {
            None
        }
    }
}

/// Formats Zoom's message for a token without the needed scopes, such as
/// `Invalid access token, does not contain scopes:[a, b].`
pub fn missing_scopes_message(scopes: &[&str]) -> String {
    format!(
        "Invalid access token, does not contain scopes:[{}].",
        scopes.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_scope_wins_over_own_scope() {
        assert_eq!(
            LIST_PAC_ACCOUNTS.access(["pac:read", "pac:read:admin"]),
            Some(Access::Account)
        );
        assert_eq!(
            LIST_PAC_ACCOUNTS.access(["pac:read:list_pac_accounts"]),
            Some(Access::OwnUser)
        );
        assert_eq!(LIST_PAC_ACCOUNTS.access(["user:read:admin"]), None);
        assert_eq!(LIST_USERS.access(["user:read"]), None);
    }

    #[test]
    fn message_matches_zoom_format() {
        assert_eq!(
            missing_scopes_message(LIST_PAC_ACCOUNTS.required),
            "Invalid access token, does not contain scopes:[pac:read:list_pac_accounts, pac:read:list_pac_accounts:admin]."
        );
    }
}
