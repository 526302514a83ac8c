//! Accounts without I/O: password hashing (argon2id), random secrets for sessions,
//! CSRF and API tokens, user-name validation, and the sign-in throttle.
//!
//! Passwords are slow-hashed with argon2id (a random salt each; the PHC string
//! keeps the parameters). Session ids and API token secrets are 256 random bits,
//! so a fast SHA-256 digest is enough to store them: the database never holds a
//! secret that would sign anybody in.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use sha2::{Digest, Sha256};

use crate::model::Role;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AuthError {
    #[error("user name {0:?}: use 1 to 64 letters, digits, '.', '-', '_' or '@'")]
    BadName(String),
    #[error("password: use at least {MIN_PASSWORD} characters")]
    WeakPassword,
    #[error("password hashing failed: {0}")]
    Hash(String),
}

/// Shortest password accepted.
pub const MIN_PASSWORD: usize = 12;

/// A validated account name.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UserName(String);

impl UserName {
    /// # Errors
    /// When the name is empty, too long, or holds other characters.
    pub fn parse(name: &str) -> Result<Self, AuthError> {
        let ok = !name.is_empty()
            && name.len() <= 64
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '@'));
        if ok {
            Ok(Self(name.to_ascii_lowercase()))
        } else {
            Err(AuthError::BadName(name.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for UserName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Who is signed in (from a session or an API token).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    pub user: String,
    pub role: Role,
    /// The session's CSRF token (`None` for API tokens, which are not sent by browsers).
    pub csrf: Option<String>,
    /// The API token id, when signed in by token.
    pub token_id: Option<String>,
}

/// Hashes a password with argon2id and a fresh salt (PHC string).
///
/// # Errors
/// A password shorter than [`MIN_PASSWORD`], or a hashing failure.
pub fn hash_password(password: &str) -> Result<String, AuthError> {
    if password.chars().count() < MIN_PASSWORD {
        return Err(AuthError::WeakPassword);
    }
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AuthError::Hash(e.to_string()))
}

/// True when `password` matches the stored PHC hash.
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// A hash to verify against when the account does not exist, so that a wrong
/// name takes as long as a wrong password (no user enumeration by timing).
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        hash_password("not-a-real-password-for-timing").unwrap_or_else(|_| String::new())
    })
}

/// `bytes` random bytes from the OS, hex encoded.
pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    OsRng.fill_bytes(&mut buf);
    hex::encode(buf)
}

/// A random secret of 256 bits (session ids, CSRF tokens, token secrets).
pub fn new_secret() -> String {
    random_hex(32)
}

/// A generated password (printed once by `users add` and `demo`).
pub fn generate_password() -> String {
    // 20 characters from an alphabet without look-alikes: about 115 bits.
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let mut buf = [0u8; 20];
    OsRng.fill_bytes(&mut buf);
    buf.iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect()
}

/// The digest stored in place of a high-entropy secret.
pub fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Compares two strings in time independent of where they differ (digests of
/// equal length, folded with XOR).
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    let (x, y) = (Sha256::digest(a.as_bytes()), Sha256::digest(b.as_bytes()));
    x.iter()
        .zip(y.iter())
        .fold(0u8, |acc, (p, q)| acc | (p ^ q))
        == 0
}

/// An API token as shown once to its owner: `hs_<id>_<secret>`.
pub struct IssuedToken {
    pub id: String,
    pub secret: String,
}

impl IssuedToken {
    pub fn new() -> Self {
        Self {
            id: random_hex(6),
            secret: new_secret(),
        }
    }

    /// What the user puts after `Authorization: Bearer`.
    pub fn bearer(&self) -> String {
        format!("hs_{}_{}", self.id, self.secret)
    }

    /// Splits a bearer value into (id, secret).
    pub fn parse_bearer(value: &str) -> Option<(&str, &str)> {
        let rest = value.strip_prefix("hs_")?;
        let (id, secret) = rest.split_once('_')?;
        let hexy = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit());
        (hexy(id) && hexy(secret) && id.len() == 12 && secret.len() == 64).then_some((id, secret))
    }
}

impl Default for IssuedToken {
    fn default() -> Self {
        Self::new()
    }
}

/// Sign-in throttle: after `max_failures` failures within `window` for an
/// account or for an address, further attempts for it are refused until the
/// oldest failure leaves the window. A success clears the account's failures
/// (not the address's: one address guessing many accounts stays throttled).
///
/// Time is passed in, so tests need no clock and no sleeping.
pub struct Throttle {
    max_failures: usize,
    window: Duration,
    failures: HashMap<String, Vec<Instant>>,
}

impl Throttle {
    pub fn new(max_failures: usize, window: Duration) -> Self {
        Self {
            max_failures: max_failures.max(1),
            window,
            failures: HashMap::new(),
        }
    }

    fn prune(&mut self, key: &str, now: Instant) -> usize {
        let window = self.window;
        match self.failures.get_mut(key) {
            Some(list) => {
                list.retain(|t| now.saturating_duration_since(*t) < window);
                list.len()
            }
            None => 0,
        }
    }

    /// `Some(wait)` when any of `keys` is throttled now.
    pub fn blocked(&mut self, keys: &[String], now: Instant) -> Option<Duration> {
        let mut wait = None::<Duration>;
        for key in keys {
            if self.prune(key, now) >= self.max_failures {
                let oldest = self.failures[key].first().copied().unwrap_or(now);
                let left = self
                    .window
                    .saturating_sub(now.saturating_duration_since(oldest));
                wait = Some(wait.map_or(left, |w| w.max(left)));
            }
        }
        wait
    }

    pub fn fail(&mut self, keys: &[String], now: Instant) {
        // Bound memory: forget keys whose failures have all expired.
        if self.failures.len() > 10_000 {
            let window = self.window;
            self.failures
                .retain(|_, l| l.iter().any(|t| now.saturating_duration_since(*t) < window));
        }
        for key in keys {
            self.failures.entry(key.clone()).or_default().push(now);
        }
    }

    pub fn succeed(&mut self, account_key: &str) {
        self.failures.remove(account_key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let phc = hash_password("correct horse battery").expect("hash");
        assert!(phc.starts_with("$argon2id$"), "{phc}");
        assert!(verify_password("correct horse battery", &phc));
        assert!(!verify_password("correct horse batterY", &phc));
        assert!(!verify_password("x", "not a hash"));
        assert_eq!(hash_password("short"), Err(AuthError::WeakPassword));
        // A fresh salt each time.
        assert_ne!(phc, hash_password("correct horse battery").expect("hash"));
    }

    #[test]
    fn names_are_validated() {
        assert_eq!(UserName::parse("Ann.Lee").expect("ok").as_str(), "ann.lee");
        assert!(UserName::parse("").is_err());
        assert!(UserName::parse("a b").is_err());
        assert!(UserName::parse("<script>").is_err());
    }

    #[test]
    fn bearer_round_trips() {
        let t = IssuedToken::new();
        assert_eq!(
            IssuedToken::parse_bearer(&t.bearer()),
            Some((t.id.as_str(), t.secret.as_str()))
        );
        assert_eq!(IssuedToken::parse_bearer("hs_zz_yy"), None);
        assert_eq!(IssuedToken::parse_bearer("Basic abc"), None);
        assert!(constant_time_eq(&t.secret, &t.secret.clone()));
        assert!(!constant_time_eq(&t.secret, &new_secret()));
        assert_eq!(generate_password().len(), 20);
    }

    #[test]
    fn throttle_blocks_after_failures_and_releases_after_the_window() {
        let mut throttle = Throttle::new(3, Duration::from_secs(60));
        let t0 = Instant::now();
        let keys = ["user:ann".to_owned(), "addr:10.0.0.1".to_owned()];
        for i in 0..3 {
            assert_eq!(throttle.blocked(&keys, t0), None, "attempt {i}");
            throttle.fail(&keys, t0);
        }
        let wait = throttle.blocked(&keys, t0 + Duration::from_secs(10));
        assert_eq!(wait, Some(Duration::from_secs(50)));
        // Another account from the same address is blocked too.
        assert!(throttle
            .blocked(&["user:bob".into(), "addr:10.0.0.1".into()], t0)
            .is_some());
        // The window passes.
        assert_eq!(throttle.blocked(&keys, t0 + Duration::from_secs(61)), None);
        // Success clears the account key only.
        throttle.fail(&keys, t0 + Duration::from_secs(61));
        throttle.succeed("user:ann");
        assert_eq!(
            throttle.blocked(&["user:ann".into()], t0 + Duration::from_secs(62)),
            None
        );
    }
}
