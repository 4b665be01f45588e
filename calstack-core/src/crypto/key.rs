//! [`EncryptionKey`]: a 256-bit AES key that never prints and is wiped from memory on drop.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use rand::RngCore as _;
use sha2::{Digest as _, Sha256};
use zeroize::{Zeroize, Zeroizing};

use crate::error::{Error, Result};

/// A 32-byte AES-256 key. `Debug` prints `[redacted]`; the bytes are zeroized on drop.
///
/// Make one with `openssl rand -base64 32` (then [`EncryptionKey::from_base64`]) or with
/// [`EncryptionKey::generate`].
#[derive(Clone, PartialEq, Eq)]
pub struct EncryptionKey([u8; 32]);

impl EncryptionKey {
    /// A fresh random key from the operating system's CSPRNG.
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        Self(bytes)
    }

    /// Wraps 32 raw bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// Parses a key written in base64, standard or URL-safe alphabet, with or without padding,
    /// surrounding whitespace ignored. It must decode to exactly 32 bytes.
    ///
    /// The error never repeats the input.
    pub fn from_base64(text: &str) -> Result<Self> {
        let text = text.trim();
        if text.is_empty() {
            return Err(Error::Crypto("encryption key is empty".into()));
        }
        let decoded = [STANDARD, URL_SAFE, STANDARD_NO_PAD, URL_SAFE_NO_PAD]
            .iter()
            .find_map(|engine| engine.decode(text).ok().map(Zeroizing::new))
            .ok_or_else(|| {
                Error::Crypto("encryption key is not valid base64 (standard or url-safe)".into())
            })?;
        let bytes: [u8; 32] = decoded.as_slice().try_into().map_err(|_| {
            Error::Crypto(format!(
                "encryption key must decode to 32 bytes, got {}",
                decoded.len()
            ))
        })?;
        Ok(Self(bytes))
    }

    /// The key as standard base64, to show once or write to a key file. Named loudly so every
    /// place that reveals a key is easy to audit.
    pub fn to_base64_secret(&self) -> String {
        STANDARD.encode(self.0)
    }

    /// The key id: the first 8 hex characters of the SHA-256 of the key. Not secret.
    pub fn id(&self) -> String {
        let digest = Sha256::digest(self.0);
        digest[..4].iter().map(|b| format!("{b:02x}")).collect()
    }

    pub(crate) fn bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl std::fmt::Debug for EncryptionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EncryptionKey([redacted])")
    }
}

impl Drop for EncryptionKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_standard_and_url_safe_base64_with_or_without_padding() {
        let key = EncryptionKey::from_bytes([0xfb; 32]);
        let standard = key.to_base64_secret();
        assert!(standard.contains('+') || standard.contains('/'));
        let url = URL_SAFE.encode([0xfb; 32]);
        let url_no_pad = URL_SAFE_NO_PAD.encode([0xfb; 32]);
        for text in [
            standard.as_str(),
            &url,
            &url_no_pad,
            &format!(" {standard}\n"),
        ] {
            let parsed = EncryptionKey::from_base64(text).expect("valid key text");
            assert_eq!(parsed, key);
        }
    }

    #[test]
    fn wrong_length_is_refused_with_the_length_but_not_the_key() {
        let text = STANDARD.encode([7u8; 16]);
        let err = EncryptionKey::from_base64(&text).expect_err("16 bytes is too short");
        let message = err.to_string();
        assert!(message.contains("32 bytes, got 16"), "{message}");
        assert!(!message.contains(&text), "{message}");
        assert!(EncryptionKey::from_base64("not base64 at all!").is_err());
        assert!(EncryptionKey::from_base64("  ").is_err());
    }

    #[test]
    fn key_id_is_stable_and_differs_between_keys() {
        let a = EncryptionKey::from_bytes([1; 32]);
        let b = EncryptionKey::from_bytes([2; 32]);
        assert_eq!(a.id().len(), 8);
        assert_eq!(a.id(), EncryptionKey::from_bytes([1; 32]).id());
        assert_ne!(a.id(), b.id());
    }

    #[test]
    fn debug_is_redacted() {
        let key = EncryptionKey::generate();
        let printed = format!("{key:?}");
        assert_eq!(printed, "EncryptionKey([redacted])");
        assert!(!printed.contains(&key.to_base64_secret()));
    }
}
