//! The OAuth credential manager: consent URL with PKCE and single-use state, code exchange, single-flight refresh, revocation.
