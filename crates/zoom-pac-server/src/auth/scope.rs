//! The scopes that allow listing PAC accounts, and the error message for missing ones.

/// Scopes that allow listing the PAC accounts of any user of the token's account.
pub const PAC_ADMIN: [&str; 2] = ["pac:read:admin", "pac:read:list_pac_accounts:admin"];

/// Scopes that allow listing only the PAC accounts of the token's own user.
pub const PAC_OWN: [&str; 2] = ["pac:read", "pac:read:list_pac_accounts"];

/// The granular scopes that Zoom names when a token may not list PAC accounts at all.
pub const PAC_REQUIRED_NAMES: [&str; 2] = [
    "pac:read:list_pac_accounts",
    "pac:read:list_pac_accounts:admin",
];

/// The granular scope that Zoom names when a token may list only its own user's accounts.
pub const PAC_ADMIN_REQUIRED_NAMES: [&str; 1] = ["pac:read:list_pac_accounts:admin"];

/// Which users' PAC accounts a token may list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PacAccess {
    /// Any user of the token's account.
    Account,
    /// Only the token's own user.
    OwnUser,
}

impl PacAccess {
    /// Returns the widest access that `scopes` grant, or `None` if they grant none.
    pub fn from_scopes<'a>(scopes: impl IntoIterator<Item = &'a str> + Clone) -> Option<Self> {
        let has = |wanted: &[&str]| scopes.clone().into_iter().any(|s| wanted.contains(&s));
        if has(&PAC_ADMIN) {
            Some(PacAccess::Account)
        } else if has(&PAC_OWN) {
            Some(PacAccess::OwnUser)
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
            PacAccess::from_scopes(["pac:read", "pac:read:admin"]),
            Some(PacAccess::Account)
        );
        assert_eq!(
            PacAccess::from_scopes(["pac:read:list_pac_accounts"]),
            Some(PacAccess::OwnUser)
        );
        assert_eq!(PacAccess::from_scopes(["user:read:admin"]), None);
    }

    #[test]
    fn message_matches_zoom_format() {
        assert_eq!(
            missing_scopes_message(&PAC_REQUIRED_NAMES),
            "Invalid access token, does not contain scopes:[pac:read:list_pac_accounts, pac:read:list_pac_accounts:admin]."
        );
    }
}
