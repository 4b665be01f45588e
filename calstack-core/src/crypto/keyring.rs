//! [`Keyring`]: the current sealing key plus old keys that can still open values, and the
//! AES-256-GCM seal/open operations.

use std::cell::{RefCell, RefMut};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore as _;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use zeroize::{Zeroize, Zeroizing};

use super::EncryptionKey;
use crate::error::{Error, Result};
use crate::store::{Sealed, SealedForm, SealedRef, SealedRefForm};

const FORMAT_VERSION: &str = "v1";
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
/// The most capacity [`OPEN_BUFFER`] keeps between values (one large value does not pin a
/// large buffer to the thread).
const KEPT_BUFFER: usize = 256 * 1024;

thread_local! {
    /// The buffer [`Keyring::open_with`] opens into on this thread: decoded, decrypted in
    /// place, read, then zeroized (its capacity is kept for the next value, up to
    /// [`KEPT_BUFFER`]).
    static OPEN_BUFFER: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}
/// The environment variable [`Keyring::from_env`] reads.
pub const KEY_ENV_VAR: &str = "CALSTACK_ENCRYPTION_KEY";

/// An opened secret. `Debug` prints `[redacted]`; the text is zeroized on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct Plaintext(String);

impl Plaintext {
    /// The secret itself. Named loudly so every place that reads it is easy to audit.
    pub fn secret(&self) -> &str {
        &self.0
    }

    /// Consumes the wrapper and returns the secret.
    pub fn into_secret(mut self) -> String {
        std::mem::take(&mut self.0)
    }
}

impl std::fmt::Debug for Plaintext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Plaintext([redacted])")
    }
}

impl Drop for Plaintext {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// The thread's open buffer while in use: zeroized and emptied when dropped, however the
/// use ends.
struct Scrubbed<'a>(RefMut<'a, Vec<u8>>);

impl Drop for Scrubbed<'_> {
    fn drop(&mut self) {
        // Everything opened lies within the length; past it, at most ciphertext.
        self.0.as_mut_slice().zeroize();
        self.0.clear();
        if self.0.capacity() > KEPT_BUFFER {
            *self.0 = Vec::new();
        }
    }
}

/// The keys calstack seals and opens secrets with: one current key (used for every new seal)
/// and any number of old keys (only used to open values sealed before a rotation).
///
/// `Debug` shows key ids only.
#[derive(Clone)]
pub struct Keyring {
    current: (String, Cipher),
    old: Vec<(String, Cipher)>,
}

/// A key and its AES-256-GCM key schedule, made once per keyring (a mirror read opens
/// thousands of values with the same key).
#[derive(Clone)]
struct Cipher {
    key: EncryptionKey,
    aead: LessSafeKey,
}

impl Cipher {
    fn new(key: EncryptionKey) -> Self {
        // A 32-byte key is always a valid AES-256 key.
        let unbound = UnboundKey::new(&AES_256_GCM, key.bytes())
            .unwrap_or_else(|_| unreachable!("AES-256 takes every 32-byte key"));
        Self {
            key,
            aead: LessSafeKey::new(unbound),
        }
    }
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring")
            .field("current_key_id", &self.current.0)
            .field(
                "old_key_ids",
                &self
                    .old
                    .iter()
                    .map(|(id, _)| id.as_str())
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl Keyring {
    /// A keyring sealing with `current` and opening only what `current` sealed.
    pub fn new(current: EncryptionKey) -> Self {
        Self {
            current: (current.id(), Cipher::new(current)),
            old: Vec::new(),
        }
    }

    /// Adds an old key that can still open values (never used to seal). Adding the current
    /// key or a key already present does nothing.
    #[must_use]
    pub fn with_old_key(mut self, key: EncryptionKey) -> Self {
        let id = key.id();
        if id != self.current.0 && !self.old.iter().any(|(known, _)| *known == id) {
            self.old.push((id, Cipher::new(key)));
        }
        self
    }

    /// Parses a comma-separated list of base64 keys: the current key first, old keys after
    /// (the format of `CALSTACK_ENCRYPTION_KEY`). Blank entries are ignored.
    pub fn from_base64(list: &str) -> Result<Self> {
        let mut keys = list.split(',').filter(|part| !part.trim().is_empty());
        let first = keys
            .next()
            .ok_or_else(|| Error::Crypto("no encryption key given".into()))?;
        let mut ring = Self::new(EncryptionKey::from_base64(first)?);
        for (position, part) in keys.enumerate() {
            let key = EncryptionKey::from_base64(part)
                .map_err(|e| Error::Crypto(format!("old encryption key #{}: {e}", position + 1)))?;
            ring = ring.with_old_key(key);
        }
        Ok(ring)
    }

    /// Reads [`KEY_ENV_VAR`] (`CALSTACK_ENCRYPTION_KEY`) with [`Keyring::from_base64`].
    /// `Ok(None)` when it is unset.
    pub fn from_env() -> Result<Option<Self>> {
        match std::env::var(KEY_ENV_VAR) {
            Ok(value) => Self::from_base64(&value).map(Some),
            Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => {
                Err(Error::Crypto(format!("{KEY_ENV_VAR} is not valid unicode")))
            }
        }
    }

    /// A new keyring whose current key is `key`, keeping every key of this one (the old current
    /// key included) for opening. Use it to rotate, then re-seal with
    /// [`crate::oauth::OAuthManager::rotate_keys`].
    #[must_use]
    pub fn rotated_to(&self, key: EncryptionKey) -> Self {
        let mut ring = Self::new(key).with_old_key(self.current.1.key.clone());
        for (_, old) in &self.old {
            ring = ring.with_old_key(old.key.clone());
        }
        ring
    }

    /// The id of the key new values are sealed with.
    pub fn current_key_id(&self) -> &str {
        &self.current.0
    }

    /// Ids of every key this keyring can open with, current first.
    pub fn key_ids(&self) -> Vec<&str> {
        std::iter::once(self.current.0.as_str())
            .chain(self.old.iter().map(|(id, _)| id.as_str()))
            .collect()
    }

    /// Seals `plaintext` under the current key, bound to `aad` (see [`super::aad`]).
    pub fn seal(&self, plaintext: &str, aad: &str) -> Result<Sealed> {
        let (key_id, cipher) = &self.current;
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        // nonce, then the plaintext encrypted in place, then the tag.
        let mut body = Vec::with_capacity(NONCE_LEN + plaintext.len() + TAG_LEN);
        body.extend_from_slice(&nonce);
        body.extend_from_slice(plaintext.as_bytes());
        let tag = cipher
            .aead
            .seal_in_place_separate_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(aad.as_bytes()),
                &mut body[NONCE_LEN..],
            )
            .map_err(|_| Error::Crypto(format!("sealing with key {key_id} failed")))?;
        body.extend_from_slice(tag.as_ref());
        Ok(Sealed::from_stored(format!(
            "{FORMAT_VERSION}:{key_id}:{}",
            URL_SAFE_NO_PAD.encode(body)
        )))
    }

    /// Opens a value sealed by [`Keyring::seal`] with the same `aad`.
    ///
    /// Fails with [`Error::Crypto`] (never garbage, never the secret) when the text is not
    /// sealed text, names a key id this keyring lacks, was tampered with, or was sealed for
    /// another row or field.
    pub fn open(&self, sealed: &Sealed, aad: &str) -> Result<Plaintext> {
        self.open_with(sealed, aad, |text| Plaintext(text.to_owned()))
    }

    /// [`Keyring::open`], handing the opened text to `read` instead of returning it: the text
    /// is opened in a buffer this thread reuses, and zeroized there as soon as `read` returns.
    /// For reading many sealed values (a mirror read opens thousands) without allocating and
    /// zeroizing a copy of each.
    pub fn open_with<T>(
        &self,
        sealed: &Sealed,
        aad: &str,
        read: impl FnOnce(&str) -> T,
    ) -> Result<T> {
        self.open_ref_with(sealed.as_sealed_ref(), aad, read)
    }

    /// [`Keyring::open_with`] a value borrowed from where a store keeps it.
    pub fn open_ref_with<T>(
        &self,
        sealed: SealedRef<'_>,
        aad: &str,
        read: impl FnOnce(&str) -> T,
    ) -> Result<T> {
        let (key_id, body) = parse(sealed)?;
        let cipher = self.cipher(key_id).ok_or_else(|| {
            Error::Crypto(format!(
                "value was sealed with key id {key_id}, which is not in the keyring (known: {})",
                self.key_ids().join(", ")
            ))
        })?;
        let opened = |buffer: &mut Vec<u8>| -> Result<T> {
            let tampered = || {
                Error::Crypto(format!(
                    "could not open value sealed with key {key_id}: it was tampered with or \
                     sealed for another row or field"
                ))
            };
            buffer.clear();
            match body {
                // SIMD decoding: a cold mirror read decodes tens of megabytes at once.
                Body::Text(body) => base64_simd::URL_SAFE_NO_PAD
                    .decode_append(body, buffer)
                    .map_err(|_| Error::Crypto("sealed value is not valid base64url".into()))?,
                Body::Bytes(body) => buffer.extend_from_slice(body),
            }
            if buffer.len() < NONCE_LEN + TAG_LEN {
                return Err(Error::Crypto("sealed value is truncated".into()));
            }
            let (nonce, sealed_text) = buffer.split_at_mut(NONCE_LEN);
            let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| tampered())?;
            let opened = cipher
                .aead
                .open_in_place(nonce, Aad::from(aad.as_bytes()), sealed_text)
                .map_err(|_| tampered())?;
            let text = simdutf8::basic::from_utf8(opened)
                .map_err(|_| Error::Crypto("opened value is not UTF-8".into()))?;
            Ok(read(text))
        };
        OPEN_BUFFER.with(|cell| match cell.try_borrow_mut() {
            // Scrubbed when `opened` returns, and when `read` panics.
            Ok(buffer) => opened(&mut Scrubbed(buffer).0),
            // Opened again from inside `read`: a buffer of its own.
            Err(_) => opened(&mut Zeroizing::new(Vec::new())),
        })
    }

    /// Whether `sealed` was sealed with a key other than the current one (so a rotation
    /// would re-seal it). An unparseable value counts as needing rotation.
    pub fn needs_reseal(&self, sealed: &Sealed) -> bool {
        parse(sealed.as_sealed_ref()).map_or(true, |(id, _)| id != self.current.0)
    }

    fn cipher(&self, id: &str) -> Option<&Cipher> {
        std::iter::once(&self.current)
            .chain(self.old.iter())
            .find(|(known, _)| known == id)
            .map(|(_, cipher)| cipher)
    }
}

/// The sealed data of a value, as it is held.
enum Body<'a> {
    /// base64url text.
    Text(&'a str),
    /// Raw bytes.
    Bytes(&'a [u8]),
}

/// The key id and the data of a sealed value.
fn parse(sealed: SealedRef<'_>) -> Result<(&str, Body<'_>)> {
    match sealed.0 {
        SealedRefForm::Text(text) => {
            let (key_id, body) = head(text.as_bytes())?;
            Ok((key_id, Body::Text(&text[text.len() - body.len()..])))
        }
        SealedRefForm::Bytes(bytes) => {
            let (key_id, body) = head(bytes)?;
            Ok((key_id, Body::Bytes(body)))
        }
    }
}

/// Splits `v1:<key id>:<data>` into the key id and the data.
fn head(stored: &[u8]) -> Result<(&str, &[u8])> {
    let mut parts = stored.splitn(3, |&b| b == b':');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(version), Some(key_id), Some(body))
            if version == FORMAT_VERSION.as_bytes() && !key_id.is_empty() =>
        {
            let key_id = std::str::from_utf8(key_id)
                .map_err(|_| Error::Crypto("sealed value's key id is not text".into()))?;
            Ok((key_id, body))
        }
        (Some(version), Some(_), Some(_)) if version != FORMAT_VERSION.as_bytes() => {
            Err(Error::Crypto(format!(
                "unsupported sealed format version {:?}",
                String::from_utf8_lossy(version)
            )))
        }
        _ => Err(Error::Crypto(
            "value is not sealed text (expected v1:<key id>:<data>)".into(),
        )),
    }
}

impl Sealed {
    /// This value as bytes, for a store with binary columns: `v1:<key id>:` then the nonce,
    /// ciphertext and tag raw (about three quarters of the text's size, and opened without
    /// decoding base64). `None` when the text is not in the keyring's format, or its base64
    /// is not exactly what sealing writes (such a value is kept as text: its bytes could
    /// not give back the same text).
    pub fn to_stored_bytes(&self) -> Option<Vec<u8>> {
        let text = match &self.0 {
            SealedForm::Bytes(bytes) => return Some(bytes.clone()),
            SealedForm::Text(text) => text,
        };
        let (_, body) = head(text.as_bytes()).ok()?;
        let body = std::str::from_utf8(body).ok()?;
        let raw = base64_simd::URL_SAFE_NO_PAD.decode_to_vec(body).ok()?;
        if URL_SAFE_NO_PAD.encode(&raw) != body {
            return None;
        }
        let mut bytes = Vec::with_capacity(text.len() - body.len() + raw.len());
        bytes.extend_from_slice(&text.as_bytes()[..text.len() - body.len()]);
        bytes.extend_from_slice(&raw);
        Some(bytes)
    }

    /// Wraps a value a store kept as bytes ([`Sealed::to_stored_bytes`]); `None` when they do
    /// not start with `v1:<key id>:`.
    pub fn from_stored_bytes(bytes: Vec<u8>) -> Option<Self> {
        head(&bytes).ok()?;
        Some(Self(SealedForm::Bytes(bytes)))
    }
}

/// Whether `bytes` start as a value kept as bytes does (`v1:<key id>:`).
pub(crate) fn is_sealed_bytes(bytes: &[u8]) -> bool {
    head(bytes).is_ok()
}

/// The text of a value held as bytes (which [`Sealed::from_stored_bytes`] checked start with
/// `v1:<key id>:`).
pub(crate) fn sealed_bytes_to_text(bytes: &[u8]) -> String {
    let (_, body) = head(bytes).unwrap_or((FORMAT_VERSION, bytes));
    let prefix = String::from_utf8_lossy(&bytes[..bytes.len() - body.len()]);
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(byte: u8) -> Keyring {
        Keyring::new(EncryptionKey::from_bytes([byte; 32]))
    }

    /// A value sealed by an earlier build (AES-256-GCM through the `aes-gcm` crate, before
    /// the keyring moved to `ring`): stored values keep opening, and are refused for another
    /// row or with one bit changed.
    #[test]
    fn a_value_sealed_by_an_earlier_build_opens() {
        let stored = "v1:8c0cc17a:ROobEBislYb4whtL2MXpngW3GIhcDzI0IeuMrLOSKoo6S1sejzFGyK2TjakHcPsg\
                      k8oiSB9PpRdhJWh7";
        let keyring = ring(9);
        let opened = keyring
            .open(
                &Sealed::from_stored(stored.to_owned()),
                "mirror_events:c1:e1",
            )
            .expect("opens");
        assert_eq!(opened.secret(), "opened by every build: café ☕");
        let elsewhere = keyring.open(
            &Sealed::from_stored(stored.to_owned()),
            "mirror_events:c1:e2",
        );
        assert!(matches!(elsewhere, Err(Error::Crypto(_))));
        let flipped = stored.replace("ROob", "ROoc");
        assert!(
            keyring
                .open(&Sealed::from_stored(flipped), "mirror_events:c1:e1")
                .is_err()
        );
    }

    #[test]
    fn sealed_text_has_version_key_id_and_no_plaintext() {
        let keyring = ring(1);
        let sealed = keyring.seal("ya29.secret-token", "aad").expect("seal");
        let text = sealed.as_stored();
        assert!(
            text.starts_with(&format!("v1:{}:", keyring.current_key_id())),
            "{text}"
        );
        assert!(!text.contains("secret-token"));
        let again = keyring.seal("ya29.secret-token", "aad").expect("seal");
        assert_ne!(sealed, again, "each seal uses a fresh nonce");
    }

    #[test]
    fn open_refuses_other_aad_tampering_and_garbage() {
        let keyring = ring(1);
        let sealed = keyring.seal("secret", "row-1:field").expect("seal");
        assert_eq!(
            keyring.open(&sealed, "row-1:field").expect("open").secret(),
            "secret"
        );
        let err = keyring
            .open(&sealed, "row-2:field")
            .expect_err("other row must fail");
        assert!(matches!(err, Error::Crypto(_)));

        let mut text = sealed.as_stored().into_owned();
        let last = text.pop().expect("non-empty");
        text.push(if last == 'A' { 'B' } else { 'A' });
        assert!(
            keyring
                .open(&Sealed::from_stored(text), "row-1:field")
                .is_err()
        );
        assert!(
            keyring
                .open(&Sealed::from_stored("plain"), "row-1:field")
                .is_err()
        );
        assert!(
            keyring
                .open(&Sealed::from_stored("v9:abc:def"), "row-1:field")
                .is_err()
        );
    }

    #[test]
    fn unknown_key_id_error_names_the_missing_id() {
        let old = ring(1);
        let sealed = old.seal("secret", "aad").expect("seal");
        let err = ring(2).open(&sealed, "aad").expect_err("other key");
        let message = err.to_string();
        assert!(message.contains(old.current_key_id()), "{message}");
        assert!(message.contains("not in the keyring"), "{message}");
        assert!(!message.contains("secret"), "{message}");
    }

    #[test]
    fn rotated_keyring_opens_old_values_and_seals_with_the_new_key() {
        let old = ring(1);
        let sealed = old.seal("secret", "aad").expect("seal");
        let new = old.rotated_to(EncryptionKey::from_bytes([2; 32]));
        assert_ne!(new.current_key_id(), old.current_key_id());
        assert!(new.needs_reseal(&sealed));
        assert_eq!(new.open(&sealed, "aad").expect("open").secret(), "secret");
        let resealed = new.seal("secret", "aad").expect("seal");
        assert!(!new.needs_reseal(&resealed));
    }

    #[test]
    fn from_base64_list_puts_current_first() {
        let a = EncryptionKey::from_bytes([1; 32]);
        let b = EncryptionKey::from_bytes([2; 32]);
        let list = format!("{}, {}", a.to_base64_secret(), b.to_base64_secret());
        let keyring = Keyring::from_base64(&list).expect("two keys");
        assert_eq!(keyring.current_key_id(), a.id());
        assert_eq!(keyring.key_ids(), vec![a.id(), b.id()]);
        let printed = format!("{keyring:?}");
        assert!(!printed.contains(&a.to_base64_secret()), "{printed}");
        assert!(Keyring::from_base64(" , ").is_err());
    }

    #[test]
    fn open_with_reads_in_the_thread_buffer_nests_and_leaves_it_empty() {
        let keyring = ring(1);
        let outer = keyring.seal("outer secret", "a").expect("seal");
        let inner = keyring.seal("inner secret", "b").expect("seal");
        let both = keyring
            .open_with(&outer, "a", |outer_text| {
                // Opened again while the thread's buffer is in use: still right.
                let inner_text = keyring
                    .open_with(&inner, "b", str::to_owned)
                    .expect("inner opens");
                format!("{outer_text} + {inner_text}")
            })
            .expect("outer opens");
        assert_eq!(both, "outer secret + inner secret");
        OPEN_BUFFER.with(|buffer| assert!(buffer.borrow().is_empty()));
        // A refused value leaves it empty too, and the next one still opens.
        assert!(keyring.open_with(&outer, "b", str::len).is_err());
        OPEN_BUFFER.with(|buffer| assert!(buffer.borrow().is_empty()));
        assert_eq!(keyring.open_with(&inner, "b", str::len).expect("opens"), 12);
    }

    #[test]
    fn a_value_kept_as_bytes_is_smaller_opens_and_is_the_same_value() {
        let keyring = ring(3);
        let plaintext = "{\"summary\":\"Dentist\"}".repeat(20);
        let sealed = keyring.seal(&plaintext, "row-1:body").expect("seal");
        let bytes = sealed.to_stored_bytes().expect("the keyring's format");
        let text = sealed.as_stored().into_owned();
        assert!(
            bytes.len() * 4 < text.len() * 3 + 16,
            "{} vs {}",
            bytes.len(),
            text.len()
        );
        assert!(bytes.starts_with(format!("v1:{}:", keyring.current_key_id()).as_bytes()));
        assert!(!bytes.windows(7).any(|w| w == b"Dentist"));
        let back = Sealed::from_stored_bytes(bytes.clone()).expect("starts with v1:<key id>:");
        assert_eq!(back, sealed);
        assert_eq!(back.as_stored(), text);
        assert_eq!(back.to_stored_bytes(), Some(bytes.clone()));
        assert_eq!(format!("{back:?}"), "Sealed(..)");
        assert_eq!(
            serde_json::to_string(&back).expect("serializes"),
            serde_json::to_string(&text).expect("serializes")
        );
        let opened = keyring.open(&back, "row-1:body").expect("opens");
        assert_eq!(opened.secret(), plaintext);
        assert!(keyring.open(&back, "row-2:body").is_err());
        assert!(!keyring.needs_reseal(&back));
        assert!(
            ring(4)
                .rotated_to(EncryptionKey::from_bytes([5; 32]))
                .needs_reseal(&back)
        );

        // Damaged bytes are refused for what they are.
        let mut flipped = bytes.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        let flipped = Sealed::from_stored_bytes(flipped).expect("prefix intact");
        assert!(matches!(
            keyring.open(&flipped, "row-1:body"),
            Err(Error::Crypto(_))
        ));
        let prefix = format!("v1:{}:", keyring.current_key_id()).len();
        let truncated = Sealed::from_stored_bytes(bytes[..prefix + 5].to_vec()).expect("prefix");
        let refused = keyring
            .open(&truncated, "row-1:body")
            .expect_err("truncated");
        assert!(refused.to_string().contains("truncated"), "{refused}");
    }

    #[test]
    fn only_the_keyrings_own_format_becomes_bytes() {
        // Not sealed text, another version, padding, or base64 that does not re-encode to
        // itself: kept as text (its bytes could not give the same text back).
        for text in [
            "plain",
            "v2:abc:AAAA",
            "v1:abc:AAAA=",
            "v1::AAAA",
            "v1:abc:AB",
            "v1:abc:+/",
        ] {
            assert_eq!(Sealed::from_stored(text).to_stored_bytes(), None, "{text}");
        }
        assert_eq!(
            Sealed::from_stored("v1:abc:AAAA").to_stored_bytes(),
            Some(b"v1:abc:\0\0\0".to_vec())
        );
        for bytes in [&b"garbage"[..], b"v2:abc:\0", b"v1::\0", b"v1abc"] {
            assert!(Sealed::from_stored_bytes(bytes.to_vec()).is_none());
        }
    }

    #[test]
    fn a_damaged_body_is_refused_for_what_it_is() {
        let keyring = ring(1);
        let sealed = keyring.seal("a secret", "a").expect("seal");
        let (key_id, body) = parse(sealed.as_sealed_ref()).expect("parses");
        let Body::Text(body) = body else {
            panic!("sealing gives text")
        };
        let refused = |body: &str| {
            let damaged = Sealed::from_stored(format!("{FORMAT_VERSION}:{key_id}:{body}"));
            keyring
                .open(&damaged, "a")
                .expect_err("refused")
                .to_string()
        };
        // Padding and the standard alphabet's characters are not base64url without padding.
        assert!(refused(&format!("{body}=")).contains("not valid base64url"));
        assert!(refused(&format!("+{}", &body[1..])).contains("not valid base64url"));
        assert!(refused("AAAA").contains("truncated"));
        // One character changed: still base64url, but the tag no longer matches.
        let mut flipped: Vec<char> = body.chars().collect();
        let middle = flipped.len() / 2;
        flipped[middle] = if flipped[middle] == 'A' { 'B' } else { 'A' };
        let flipped: String = flipped.into_iter().collect();
        assert!(refused(&flipped).contains("tampered"));
        // Undamaged, it opens.
        assert_eq!(
            keyring
                .open_with(&sealed, "a", str::to_owned)
                .expect("opens"),
            "a secret"
        );
    }

    #[test]
    fn open_with_does_not_keep_a_large_buffer() {
        let keyring = ring(1);
        let large = "x".repeat(KEPT_BUFFER * 2);
        let sealed = keyring.seal(&large, "a").expect("seal");
        assert_eq!(
            keyring.open_with(&sealed, "a", str::len).expect("opens"),
            large.len()
        );
        OPEN_BUFFER.with(|buffer| assert!(buffer.borrow().capacity() <= KEPT_BUFFER));
    }

    #[test]
    fn open_with_scrubs_the_buffer_when_read_panics() {
        let keyring = ring(1);
        let sealed = keyring
            .seal("a secret that must not linger", "a")
            .expect("seal");
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            keyring.open_with(&sealed, "a", |_| panic!("the reader failed"))
        }));
        assert!(panicked.is_err());
        OPEN_BUFFER.with(|buffer| assert!(buffer.borrow().is_empty()));
        assert_eq!(
            keyring.open_with(&sealed, "a", str::len).expect("opens"),
            29
        );
    }
}
