//! Small pure pieces of the OAuth flow: scope names, random code and token text, the shape of
//! a PKCE challenge, and the subject id of an account.

use rand::Rng;
use rand::distr::Alphanumeric;
use sha2::{Digest, Sha256};

/// Random alphanumeric text, for codes and tokens.
/// Scopes the authorization endpoint accepts.
pub(super) fn scope_is_known(scope: &str) -> bool {
    matches!(scope, "openid" | "email" | "profile")
        || scope.starts_with("https://www.googleapis.com/auth/")
}

pub(super) fn random_string(len: usize) -> String {
    rand::rng()
        .sample_iter(Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

/// Expands a short scope name (`calendar.readonly`) to its URL; full URLs and the OpenID
/// scopes are kept as they are.
pub(crate) fn full_scope(scope: &str) -> String {
    if scope.contains("://") || matches!(scope, "openid" | "email" | "profile") {
        scope.to_owned()
    } else {
        format!("https://www.googleapis.com/auth/{scope}")
    }
}

/// A stable numeric subject id for an account, like Google's `sub`.
pub(crate) fn subject_id(email: &str) -> String {
    let digest = Sha256::digest(email.as_bytes());
    let mut n: u64 = 0;
    for b in &digest[..8] {
        n = (n << 8) | u64::from(*b);
    }
    format!("1{n:020}")
}

/// Whether a PKCE code challenge has the shape RFC 7636 allows.
pub(super) fn valid_challenge(challenge: &str) -> bool {
    (43..=128).contains(&challenge.len())
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}
