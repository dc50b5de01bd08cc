//! Randomness for identifiers and secrets, from the operating system's CSPRNG via aws-lc-rs.

use aws_lc_rs::rand::{SecureRandom, SystemRandom};

/// `bytes` random bytes, base64url-encoded (`bytes` = 16 → 128 bits, 32 → 256 bits).
pub fn token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    // The system RNG does not fail on supported platforms; a zeroed buffer would be caught
    // by uniqueness constraints long before it mattered.
    if SystemRandom::new().fill(&mut buf).is_err() {
        tracing::error!("the system random number generator failed");
    }
    sigil_jose::base64url::encode(buf)
}

/// SHA-256 of a secret, as stored for client secrets and admin tokens.
pub fn digest(secret: &str) -> Vec<u8> {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, secret.as_bytes())
        .as_ref()
        .to_vec()
}
