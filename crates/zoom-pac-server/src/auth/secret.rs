//! Client secrets, stored as SHA-256 digests and compared in constant time.
//!
//! Client secrets are long random strings, not passwords that people choose, so a fast hash
//! is enough to keep a stolen database from revealing them. The client id is part of the
//! hashed input, so two apps with the same secret store different digests.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Returns the hex digest that the store keeps for `client_secret`.
pub fn digest(client_id: &str, client_secret: &str) -> String {
    hex::encode(raw_digest(client_id, client_secret))
}

/// Returns `true` if and only if `client_secret` produces `stored_digest` for this client.
///
/// The comparison takes the same time wherever the digests differ.
pub fn verify(client_id: &str, client_secret: &str, stored_digest: &str) -> bool {
    let Ok(stored) = hex::decode(stored_digest) else {
        return false;
    };
    let computed = raw_digest(client_id, client_secret);
    stored.len() == computed.len() && bool::from(computed.as_slice().ct_eq(&stored))
}

fn raw_digest(client_id: &str, client_secret: &str) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(b"zoom-pac client secret\0");
    hasher.update(client_id.as_bytes());
    hasher.update(b"\0");
    hasher.update(client_secret.as_bytes());
    hasher.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verify_accepts_only_the_same_secret() {
        let stored = digest("client", "s3cret-value-long-enough");
        assert!(verify("client", "s3cret-value-long-enough", &stored));
        assert!(!verify("client", "s3cret-value-long-enougH", &stored));
        assert!(!verify("other", "s3cret-value-long-enough", &stored));
    }

    #[test]
    fn verify_rejects_a_malformed_digest() {
        assert!(!verify("client", "secret", "not hex"));
        assert!(!verify("client", "secret", "abcd"));
    }
}
