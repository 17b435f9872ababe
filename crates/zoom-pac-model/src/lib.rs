//! Wire types of Zoom's "List a user's PAC accounts" API, shared by the zoom-pac server and
//! client.
//!
//! Serialization produces exactly what Zoom documents. Deserialization is lenient where Zoom's
//! real data is: `conference_id` arrives as an integer or as a numeric string, arrays may be
//! missing or `null`, and unknown fields are ignored.

mod conference_id;
mod error;
mod lenient;
mod pac;
mod token;
mod user;

pub use conference_id::{ConferenceId, InvalidConferenceId};
pub use error::{FieldError, OAuthError, ZoomError};
pub use pac::{DialInNumber, PacAccount, PacAccountList};
pub use token::TokenResponse;
pub use user::{User, UserPage};
