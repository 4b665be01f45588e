//! Newtypes for secrets. Their `Debug` prints `[redacted]`, they have no `Display`, and the
//! value is reached only through the explicitly named [`AccessToken::secret`]-style accessor,
//! so a secret never ends up in a log line or an error message by accident.

use zeroize::Zeroize;

macro_rules! secret_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            /// Wraps a secret value.
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            /// The secret itself. Named loudly so every place that reads it is easy to audit.
            pub fn secret(&self) -> &str {
                &self.0
            }

            /// Consumes the wrapper and returns the secret.
            pub fn into_secret(mut self) -> String {
                std::mem::take(&mut self.0)
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(stringify!($name), "([redacted])"))
            }
        }

        impl Drop for $name {
            fn drop(&mut self) {
                self.0.zeroize();
            }
        }
    };
}

secret_type!(
    /// An OAuth access token (`ya29.…`), sent as `Authorization: Bearer`.
    AccessToken
);
secret_type!(
    /// An OAuth refresh token (`1//…`), long-lived; the most sensitive value calstack holds.
    RefreshToken
);
secret_type!(
    /// A Google OAuth client secret.
    ClientSecret
);
secret_type!(
    /// A PKCE code verifier, kept server-side between consent and callback.
    PkceVerifier
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_secret() {
        let t = AccessToken::new("ya29.super-secret");
        let r = RefreshToken::new("1//refresh-secret");
        let c = ClientSecret::new("GOCSPX-client-secret");
        let printed = format!("{t:?} {r:?} {c:?} {:?}", Some(&t));
        assert!(!printed.contains("secret-"), "{printed}");
        assert!(!printed.contains("ya29"), "{printed}");
        assert!(printed.contains("[redacted]"));
        assert_eq!(t.secret(), "ya29.super-secret");
    }
}
