//! Secrets at rest: AES-256-GCM sealing bound to row and field, with a keyring for key rotation.
