use std::fmt;
use std::str::FromStr;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A PAC conference id: a string of ASCII digits, kept exactly as received.
///
/// Zoom's OpenAPI document types `conference_id` as an int64, and real PAC ids have 10 or 11
/// digits. Older Zoom examples quote it as a string, so deserialization accepts both forms.
/// Serialization writes a JSON integer unless the digits have a leading zero or do not fit in
/// a `u64`, in which case it writes the string so that no digit is lost.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConferenceId(String);

/// The error returned when a conference id is empty or contains a character other than an
/// ASCII digit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidConferenceId(String);

impl fmt::Display for InvalidConferenceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid conference id {:?}: expected 1 to 20 ASCII digits",
            self.0
        )
    }
}

impl std::error::Error for InvalidConferenceId {}

impl ConferenceId {
    /// The maximum length of an id, in digits (`u64::MAX` has 20).
    pub const MAX_DIGITS: usize = 20;

    /// Returns the digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Returns the id as an integer, or `None` when it does not fit in a `u64`.
    pub fn as_u64(&self) -> Option<u64> {
        self.0.parse().ok()
    }

    /// Returns `true` if and only if a JSON integer carries this id without loss: the digits
    /// fit in a `u64` and have no leading zero (a lone `0` is fine).
    pub fn is_canonical_integer(&self) -> bool {
        (self.0.len() == 1 || !self.0.starts_with('0')) && self.as_u64().is_some()
    }
}

impl FromStr for ConferenceId {
    type Err = InvalidConferenceId;

    fn from_str(digits: &str) -> Result<Self, Self::Err> {
        let valid = !digits.is_empty()
            && digits.len() <= Self::MAX_DIGITS
            && digits.bytes().all(|b| b.is_ascii_digit());
        if valid {
            Ok(Self(digits.to_owned()))
        } else {
            Err(InvalidConferenceId(digits.to_owned()))
        }
    }
}

impl From<u64> for ConferenceId {
    fn from(id: u64) -> Self {
        Self(id.to_string())
    }
}

impl fmt::Display for ConferenceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for ConferenceId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.as_u64() {
            Some(id) if self.is_canonical_integer() => serializer.serialize_u64(id),
            _ => serializer.serialize_str(&self.0),
        }
    }
}

impl<'de> Deserialize<'de> for ConferenceId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ConferenceIdVisitor)
    }
}

struct ConferenceIdVisitor;

impl Visitor<'_> for ConferenceIdVisitor {
    type Value = ConferenceId;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a non-negative integer or a string of digits")
    }

    fn visit_u64<E: de::Error>(self, id: u64) -> Result<Self::Value, E> {
        Ok(ConferenceId::from(id))
    }

    fn visit_i64<E: de::Error>(self, id: i64) -> Result<Self::Value, E> {
        u64::try_from(id)
            .map(ConferenceId::from)
            .map_err(|_| E::invalid_value(de::Unexpected::Signed(id), &self))
    }

    fn visit_str<E: de::Error>(self, digits: &str) -> Result<Self::Value, E> {
        digits
            .parse()
            .map_err(|_| E::invalid_value(de::Unexpected::Str(digits), &self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_and_string_forms_decode_alike() {
        let from_int: ConferenceId = serde_json::from_str("12345678901").unwrap();
        let from_str: ConferenceId = serde_json::from_str("\"12345678901\"").unwrap();
        assert_eq!(from_int, from_str);
        assert_eq!(from_int.as_u64(), Some(12_345_678_901));
    }

    #[test]
    fn leading_zero_survives_round_trip() {
        let id: ConferenceId = serde_json::from_str("\"0012\"").unwrap();
        assert_eq!(id.as_str(), "0012");
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"0012\"");
    }

    #[test]
    fn canonical_id_serializes_as_integer() {
        let id: ConferenceId = "111111".parse().unwrap();
        assert_eq!(serde_json::to_string(&id).unwrap(), "111111");
    }

    #[test]
    fn rejects_non_digits_and_negatives() {
        for body in ["\"12a\"", "\"\"", "-5", "1.5", "\"-5\"", "true", "null"] {
            assert!(
                serde_json::from_str::<ConferenceId>(body).is_err(),
                "{body} should be rejected"
            );
        }
    }

    #[test]
    fn oversized_string_is_rejected() {
        assert!("1".repeat(21).parse::<ConferenceId>().is_err());
        assert!("9".repeat(20).parse::<ConferenceId>().is_ok());
    }
}
