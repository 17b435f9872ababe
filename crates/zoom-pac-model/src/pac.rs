use serde::{Deserialize, Serialize};

use crate::ConferenceId;
use crate::lenient::null_as_empty;

/// The body of a successful `GET /v2/users/{userId}/pac` response.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PacAccountList {
    /// The user's PAC accounts, in the order the server returned them.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub pac_accounts: Vec<PacAccount>,
}

/// One Personal Audio Conference account.
///
/// Zoom marks no field as required, so every field may be absent in a response: a missing
/// `conference_id` is `None`, a missing password is `None` and a missing array is empty.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PacAccount {
    /// The conference id that dial-in callers enter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = i64, format = Int64, minimum = 0))]
    pub conference_id: Option<ConferenceId>,
    /// The passcode for full participants, up to six characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, max_length = 6))]
    pub participant_password: Option<String>,
    /// The passcode for listen-only participants, up to six characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, max_length = 6))]
    pub listen_only_password: Option<String>,
    /// The numbers dedicated to this PAC account. Zoom spells the field in the singular.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub dedicated_dial_in_number: Vec<DialInNumber>,
    /// The shared global dial-in numbers.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub global_dial_in_numbers: Vec<DialInNumber>,
}

/// A dial-in telephone number and its country.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DialInNumber {
    /// The telephone number, up to 16 characters, as Zoom formats it.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 16))]
    pub number: String,
    /// The country code. Zoom's examples use both `USA` and `US`, so it is kept as sent.
    #[serde(default)]
    pub country: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_and_null_arrays_read_as_empty() {
        let list: PacAccountList =
            serde_json::from_str(r#"{"pac_accounts":[{"dedicated_dial_in_number":null}]}"#)
                .unwrap();
        assert_eq!(list.pac_accounts.len(), 1);
        assert!(list.pac_accounts[0].dedicated_dial_in_number.is_empty());
        assert!(list.pac_accounts[0].global_dial_in_numbers.is_empty());

        let empty: PacAccountList = serde_json::from_str(r#"{"pac_accounts":null}"#).unwrap();
        assert!(empty.pac_accounts.is_empty());
    }

    #[test]
    fn unknown_fields_are_ignored() {
        let list: PacAccountList =
            serde_json::from_str(r#"{"pac_accounts":[],"next_page_token":"x","extra":{}}"#)
                .unwrap();
        assert!(list.pac_accounts.is_empty());
    }
}
