//! Authentication: client secrets, access tokens and the scopes they carry.

pub mod scope;
pub mod secret;
mod token;

pub use token::{
    AccessToken, Claims, KEY_RECHECK, TokenError, TokenKind, TokenService, generate_signing_key,
};
