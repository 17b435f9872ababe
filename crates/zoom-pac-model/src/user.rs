use serde::{Deserialize, Serialize};

use crate::lenient::null_as_empty;

/// A user as `GET /v2/users` and `GET /v2/users/{userId}` return it, limited to the fields
/// that zoom-pac keeps. Unknown fields in Zoom's larger user objects are ignored on input.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    /// The user id.
    pub id: String,
    /// The user's email.
    #[serde(default)]
    pub email: String,
    /// Zoom's user type: 1 Basic, 2 Licensed.
    #[serde(rename = "type", default)]
    pub user_type: i64,
    /// `active`, `inactive` or `pending`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub last_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub display_name: Option<String>,
    /// The account id, sent only by `GET /v2/users/{userId}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub account_id: Option<String>,
    /// When the user was created, as an ISO-8601 UTC time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub created_at: Option<String>,
    /// When the user joined Zoom, as an ISO-8601 UTC time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub user_created_at: Option<String>,
}

/// One page of `GET /v2/users`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserPage {
    /// The token of the next page; empty on the last page. It expires after 15 minutes.
    #[serde(default)]
    pub next_page_token: String,
    /// The number of pages at this page size.
    #[serde(default)]
    pub page_count: u64,
    /// The number of users per page.
    #[serde(default)]
    pub page_size: u64,
    /// The number of users that match the filter.
    #[serde(default)]
    pub total_records: u64,
    /// The users of this page.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub users: Vec<User>,
}
