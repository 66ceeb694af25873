//! Passwords and tokens: what is made, what is kept, and how one is checked against the other.
//!
//! Passwords are kept as argon2id hashes (the PHC string carries its salt and parameters,
//! so a later change of parameters still checks old hashes). Session and API tokens are 32
//! random bytes from the operating system, given out once, and kept only as their SHA-256
//! hash: a token is already unguessable, so a fast hash is enough and every request can
//! afford it.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use password_hash::rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};

/// The shortest password failwell accepts (NCSC guidance favours length over rules).
pub const MIN_PASSWORD_LEN: usize = 12;

/// Why a password cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordRefusal {
    /// Too short.
    #[error("a password must be at least {MIN_PASSWORD_LEN} characters")]
    TooShort,
    /// The hasher failed (it does not, for valid parameters).
    #[error("cannot hash the password: {0}")]
    Hashing(String),
}

/// The argon2id hash of `password`, as a PHC string.
///
/// # Errors
/// When the password is shorter than [`MIN_PASSWORD_LEN`].
pub fn hash_password(password: &str) -> Result<String, PasswordRefusal> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(PasswordRefusal::TooShort);
    }
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| PasswordRefusal::Hashing(e.to_string()))
}

/// A hash of a password nobody has, made once: checked against when a user name is
/// unknown, so that an unknown name takes as long to refuse as a wrong password.
pub(crate) fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password(&new_token("")).unwrap_or_default())
}

/// Whether `password` is the one `hash` was made from (false for a malformed hash).
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// A new random token: 32 bytes from the operating system, as 64 hex digits after `prefix`.
pub fn new_token(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    let mut out = String::with_capacity(prefix.len() + 64);
    out.push_str(prefix);
    for b in bytes {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// A random password for an account made by `failwell demo` (shown once): 20 characters
/// from letters and digits without the ones easily misread.
pub fn new_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 20];
    OsRng.fill_bytes(&mut bytes);
    // 256 is not a multiple of the alphabet's 55 letters; the bias (under 1 in 4) over 20
    // characters still leaves more than 110 bits.
    bytes.iter().map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char).collect()
}

/// What the store keeps of a token: its SHA-256, in hex.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares two strings in time that does not depend on where they differ (CSRF tokens).
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_checks_against_its_hash_only() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("correct horse batterz", &h));
        assert!(!verify_password("correct horse battery", "not a hash"));
        assert_ne!(h, hash_password("correct horse battery").unwrap(), "salted");
        assert_eq!(hash_password("short"), Err(PasswordRefusal::TooShort));
    }

    #[test]
    fn tokens_are_random_and_kept_as_hashes() {
        let (a, b) = (new_token("fw_"), new_token("fw_"));
        assert_eq!(a.len(), 67);
        assert_ne!(a, b);
        assert_eq!(token_hash(&a).len(), 64);
        assert_eq!(token_hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert!(same("abc", "abc") && !same("abc", "abd") && !same("abc", "ab"));
        let p = new_password();
        assert_eq!(p.len(), 20);
        assert!(p.chars().all(|c| c.is_ascii_alphanumeric()));
    }
}
