//! The statements every backend runs, written once. Placeholders are `?`, bound in the order
//! they appear; PostgreSQL, which wants `$1`, `$2`, …, runs them through [`numbered`]. No
//! statement holds a `?` anywhere but in a placeholder.

macro_rules! client_columns {
    () => {
        "id, name, email, created_at, updated_at"
    };
}

macro_rules! credential_columns {
    () => {
        "id, client_id, google_client_id, client_secret, scopes, granted_scopes, redirect_uri, \
         account_email, access_token, refresh_token, expires_at, is_valid, last_error, \
         created_at, updated_at, version"
    };
}

macro_rules! pending_columns {
    () => {
        "state, credential_id, pkce_verifier, redirect_uri, created_at, expires_at"
    };
}

macro_rules! update_credential {
    () => {
        "UPDATE oauth_credentials SET google_client_id = ?, client_secret = ?, scopes = ?, \
         granted_scopes = ?, redirect_uri = ?, account_email = ?, access_token = ?, \
         refresh_token = ?, expires_at = ?, is_valid = ?, last_error = ?, updated_at = ?, \
         version = version + 1 \
         WHERE id = ? AND version = ?"
    };
}

// Clients.

/// Binds id, name, email, email key, created, updated.
pub(crate) const INSERT_CLIENT: &str = "INSERT INTO clients \
     (id, name, email, email_key, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)";
/// Binds id.
pub(crate) const CLIENT_EXISTS: &str = "SELECT 1 FROM clients WHERE id = ?";
/// Binds id.
pub(crate) const GET_CLIENT: &str =
    concat!("SELECT ", client_columns!(), " FROM clients WHERE id = ?");
/// Binds nothing.
pub(crate) const LIST_CLIENTS: &str = concat!(
    "SELECT ",
    client_columns!(),
    " FROM clients ORDER BY name, id"
);
/// Binds name, email, email key, updated, id.
pub(crate) const UPDATE_CLIENT: &str =
    "UPDATE clients SET name = ?, email = ?, email_key = ?, updated_at = ? WHERE id = ?";
/// Binds id.
pub(crate) const DELETE_CLIENT: &str = "DELETE FROM clients WHERE id = ?";

// Credentials.

/// Binds every credential column, in the order of the column list.
pub(crate) const INSERT_CREDENTIAL: &str = concat!(
    "INSERT INTO oauth_credentials (",
    credential_columns!(),
    ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
);
/// Binds id.
pub(crate) const GET_CREDENTIAL: &str = concat!(
    "SELECT ",
    credential_columns!(),
    " FROM oauth_credentials WHERE id = ?"
);
/// Binds nothing.
pub(crate) const LIST_CREDENTIALS: &str = concat!(
    "SELECT ",
    credential_columns!(),
    " FROM oauth_credentials ORDER BY created_at, id"
);
/// Binds the client id.
pub(crate) const LIST_CLIENT_CREDENTIALS: &str = concat!(
    "SELECT ",
    credential_columns!(),
    " FROM oauth_credentials WHERE client_id = ? ORDER BY created_at, id"
);
/// Binds id.
pub(crate) const CREDENTIAL_VERSION: &str = "SELECT version FROM oauth_credentials WHERE id = ?";
/// The columns an update leaves alone, read back after it where `RETURNING` is missing.
/// Binds id.
pub(crate) const CREDENTIAL_ORIGIN: &str =
    "SELECT client_id, created_at FROM oauth_credentials WHERE id = ?";
/// The versioned update. Binds google client id, client secret, scopes, granted scopes,
/// redirect URI, account email, access token, refresh token, expiry, validity, last error,
/// updated, then id and expected version.
pub(crate) const UPDATE_CREDENTIAL: &str = update_credential!();
/// [`UPDATE_CREDENTIAL`], returning what the caller did not send. Binds the same.
pub(crate) const UPDATE_CREDENTIAL_RETURNING: &str = concat!(
    update_credential!(),
    " RETURNING client_id, created_at, version"
);
/// Binds id.
pub(crate) const DELETE_CREDENTIAL: &str = "DELETE FROM oauth_credentials WHERE id = ?";

// Pending authorizations.

/// Binds every pending-authorization column, in the order of the column list.
pub(crate) const INSERT_PENDING: &str = concat!(
    "INSERT INTO pending_authorizations (",
    pending_columns!(),
    ") VALUES (?, ?, ?, ?, ?, ?)"
);
/// Deletes and returns one row. Binds state.
pub(crate) const TAKE_PENDING_RETURNING: &str = concat!(
    "DELETE FROM pending_authorizations WHERE state = ? RETURNING ",
    pending_columns!()
);
/// Binds state.
pub(crate) const GET_PENDING: &str = concat!(
    "SELECT ",
    pending_columns!(),
    " FROM pending_authorizations WHERE state = ?"
);
/// Binds state.
pub(crate) const DELETE_PENDING: &str = "DELETE FROM pending_authorizations WHERE state = ?";
/// Every row, oldest first.
pub(crate) const LIST_PENDING: &str = concat!(
    "SELECT ",
    pending_columns!(),
    " FROM pending_authorizations ORDER BY created_at, state"
);
/// Compare-and-set of the sealed verifier. Binds new verifier, state, old verifier.
pub(crate) const RESEAL_PENDING: &str = "UPDATE pending_authorizations SET pkce_verifier = ? \
     WHERE state = ? AND pkce_verifier = ?";
/// Binds now.
pub(crate) const PURGE_EXPIRED_PENDING: &str =
    "DELETE FROM pending_authorizations WHERE expires_at < ?";

// Refresh leases.

/// Binds holder, until, id, holder, now.
pub(crate) const ACQUIRE_LEASE: &str = "UPDATE oauth_credentials \
     SET lease_holder = ?, lease_until = ? \
     WHERE id = ? AND (lease_holder IS NULL OR lease_holder = ? OR lease_until <= ?)";
/// Binds id, holder.
pub(crate) const RELEASE_LEASE: &str = "UPDATE oauth_credentials \
     SET lease_holder = NULL, lease_until = NULL WHERE id = ? AND lease_holder = ?";

/// `sql` with its `?` placeholders numbered `$1`, `$2`, … (PostgreSQL's style).
#[cfg_attr(not(feature = "postgres"), allow(dead_code))]
pub(crate) fn numbered(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut n = 0;
    for ch in sql.chars() {
        if ch == '?' {
            n += 1;
            out.push('$');
            out.push_str(&n.to_string());
        } else {
            out.push(ch);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_in_order() {
        assert_eq!(
            numbered(ACQUIRE_LEASE),
            "UPDATE oauth_credentials SET lease_holder = $1, lease_until = $2 \
             WHERE id = $3 AND (lease_holder IS NULL OR lease_holder = $4 OR lease_until <= $5)"
        );
    }

    #[test]
    fn insert_credential_binds_one_placeholder_per_column() {
        let columns = credential_columns!().split(',').count();
        assert_eq!(INSERT_CREDENTIAL.matches('?').count(), columns);
        assert!(numbered(INSERT_CREDENTIAL).ends_with("$15, $16)"));
    }

    #[test]
    fn insert_pending_binds_one_placeholder_per_column() {
        let columns = pending_columns!().split(',').count();
        assert_eq!(INSERT_PENDING.matches('?').count(), columns);
    }
}
