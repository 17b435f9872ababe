//! Deserialization helpers for fields that Zoom sometimes omits or sends as `null`.

use serde::{Deserialize, Deserializer};

/// Reads a missing or `null` array as an empty one. Use with `#[serde(default)]`.
pub(crate) fn null_as_empty<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(deserializer)?.unwrap_or_default())
}
