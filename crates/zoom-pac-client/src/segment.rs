//! Percent-encoding of the `{userId}` path segment.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::error::Error;

/// The bytes encoded in a user segment: everything except RFC 3986's unreserved characters
/// and `@`, which Zoom's examples leave bare in emails. `+` is encoded because some servers
/// decode a bare `+` in a path as a space.
const USER_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'@');

/// Encodes a user id, email or `me` as one path segment.
///
/// Rejects the empty string, and `.` and `..`, which URL parsers resolve as relative path
/// steps (encoded or not) and so cannot be sent as a segment.
pub(crate) fn encode_user(user: &str) -> Result<String, Error> {
    if user.is_empty() {
        return Err(Error::InvalidArgument(
            "the user is empty: give a user id, an email or `me`".to_owned(),
        ));
    }
    if user == "." || user == ".." {
        return Err(Error::InvalidArgument(format!(
            "the user {user:?} is not a user id, an email or `me`"
        )));
    }
    Ok(utf8_percent_encode(user, USER_SEGMENT).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_reserved_and_non_ascii_characters() {
        let cases = [
            ("me", "me"),
            ("abcDEF-123_x.y~z", "abcDEF-123_x.y~z"),
            (
                "Multi.Pac+audio@demo.example.com",
                "Multi.Pac%2Baudio@demo.example.com",
            ),
            ("a/b%c?d#e f", "a%2Fb%25c%3Fd%23e%20f"),
            ("zoë@example.com", "zo%C3%AB@example.com"),
        ];
        for (user, encoded) in cases {
            assert_eq!(encode_user(user).unwrap(), encoded, "{user}");
        }
    }

    #[test]
    fn rejects_empty_and_dot_segments() {
        for user in ["", ".", ".."] {
            assert!(
                matches!(encode_user(user), Err(Error::InvalidArgument(_))),
                "{user:?}"
            );
        }
        assert_eq!(encode_user("...").unwrap(), "...");
    }
}
