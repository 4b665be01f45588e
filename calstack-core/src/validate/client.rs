//! Validation of clients and OAuth credential settings: client name and email, Google OAuth
//! client id, scopes (short names expanded to Google's URLs) and redirect URIs. Every error is
//! [`Error::Validation`] naming the field (`name`, `email`, `scopes[2]`, `redirect_uri`,
//! `google_client_id`).

use email_address::{EmailAddress, Options};

use crate::error::{Error, Result};

/// Longest accepted client name, in characters.
pub const MAX_NAME_CHARS: usize = 200;

/// Prefix of every Google OAuth scope URL.
pub const SCOPE_PREFIX: &str = "https://www.googleapis.com/auth/";

/// Google Calendar scopes, by short name (append to [`SCOPE_PREFIX`] for the full URL).
pub const CALENDAR_SCOPES: &[&str] = &[
    "calendar",
    "calendar.readonly",
    "calendar.events",
    "calendar.events.readonly",
    "calendar.settings.readonly",
    "calendar.events.owned",
    "calendar.events.owned.readonly",
    "calendar.events.public.readonly",
    "calendar.events.freebusy",
    "calendar.freebusy",
    "calendar.calendarlist",
    "calendar.calendarlist.readonly",
    "calendar.calendars",
    "calendar.calendars.readonly",
    "calendar.acls",
    "calendar.acls.readonly",
    "calendar.app.created",
];

/// Identity scopes accepted as written (OpenID Connect short forms).
pub const IDENTITY_SCOPES: &[&str] = &["openid", "email", "profile"];

/// Identity scopes accepted as full URLs, by short name under [`SCOPE_PREFIX`].
pub const USERINFO_SCOPES: &[&str] = &["userinfo.email", "userinfo.profile"];

/// A client's display name: trimmed, non-empty, at most [`MAX_NAME_CHARS`] characters.
/// Returns the trimmed name. Field: `name`.
pub fn client_name(name: &str) -> Result<String> {
    let trimmed = name.trim();
    if trimmed.is_empty() {
        return Err(Error::validation("name", "must not be empty"));
    }
    let chars = trimmed.chars().count();
    if chars > MAX_NAME_CHARS {
        return Err(Error::validation(
            "name",
            format!("must be at most {MAX_NAME_CHARS} characters, got {chars}"),
        ));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(Error::validation(
            "name",
            "must not contain control characters",
        ));
    }
    Ok(trimmed.to_owned())
}

/// A syntactically valid email address (`local@domain.tld`, no display name). Returns it
/// trimmed. Field: `field` (e.g. `email`, `account_email`).
pub fn email(field: &str, value: &str) -> Result<String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(Error::validation(field, "must not be empty"));
    }
    let options = Options {
        minimum_sub_domains: 2,
        allow_domain_literal: false,
        allow_display_text: false,
        ..Options::default()
    };
    EmailAddress::parse_with_options(trimmed, options)
        .map_err(|e| Error::validation(field, format!("{trimmed:?} is not a valid email: {e}")))?;
    Ok(trimmed.to_owned())
}

/// A client's contact email. Field: `email`.
pub fn client_email(value: &str) -> Result<String> {
    email("email", value)
}

/// A Google OAuth client id: trimmed, non-empty, no whitespace, at most 255 characters.
/// Field: `google_client_id`.
pub fn google_client_id(value: &str) -> Result<String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(Error::validation("google_client_id", "must not be empty"));
    }
    if trimmed.len() > 255 {
        return Err(Error::validation(
            "google_client_id",
            "must be at most 255 characters",
        ));
    }
    if trimmed.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::validation(
            "google_client_id",
            "must not contain whitespace",
        ));
    }
    Ok(trimmed.to_owned())
}

/// A Google OAuth client secret must not be blank. Field: `client_secret`. The error never
/// contains the value.
pub fn client_secret(value: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::validation("client_secret", "must not be empty"));
    }
    Ok(())
}

/// The full form of one known scope: short Calendar names (`calendar.readonly`) become
/// `https://www.googleapis.com/auth/calendar.readonly`; known full URLs and `openid`, `email`,
/// `profile` stay as they are. `None` for anything else.
pub fn expand_scope(scope: &str) -> Option<String> {
    let scope = scope.trim();
    if IDENTITY_SCOPES.contains(&scope) {
        return Some(scope.to_owned());
    }
    if CALENDAR_SCOPES.contains(&scope) {
        return Some(format!("{SCOPE_PREFIX}{scope}"));
    }
    let short = scope.strip_prefix(SCOPE_PREFIX)?;
    (CALENDAR_SCOPES.contains(&short) || USERINFO_SCOPES.contains(&short)).then(|| scope.to_owned())
}

/// Validates and expands a scope list (see [`expand_scope`]), dropping duplicates and keeping
/// order. Errors name the offending entry (`scopes[2]`), or `scopes` when the list is empty.
pub fn scopes<S: AsRef<str>>(scopes: &[S]) -> Result<Vec<String>> {
    if scopes.is_empty() {
        return Err(Error::validation(
            "scopes",
            "at least one scope is required",
        ));
    }
    let mut expanded: Vec<String> = Vec::with_capacity(scopes.len());
    for (index, scope) in scopes.iter().enumerate() {
        let scope = scope.as_ref();
        let full = expand_scope(scope).ok_or_else(|| {
            Error::validation(
                format!("scopes[{index}]"),
                format!(
                    "{scope:?} is not a known Google Calendar scope (e.g. calendar, \
                     calendar.readonly, calendar.events, or openid/email/profile)"
                ),
            )
        })?;
        if !expanded.contains(&full) {
            expanded.push(full);
        }
    }
    Ok(expanded)
}

/// Whether `granted` (as Google reports it) covers the requested scope `wanted`. Google reports
/// `email`/`profile` as their `userinfo.*` URLs, so those count as the same.
pub fn scope_covered(wanted: &str, granted: &[String]) -> bool {
    let alias = match wanted {
        "email" => Some(format!("{SCOPE_PREFIX}userinfo.email")),
        "profile" => Some(format!("{SCOPE_PREFIX}userinfo.profile")),
        _ => None,
    };
    granted
        .iter()
        .any(|g| g == wanted || alias.as_deref() == Some(g.as_str()))
}

/// An absolute `http` or `https` redirect URI with a host and no fragment. Returns it trimmed.
/// Field: `redirect_uri`.
pub fn redirect_uri(value: &str) -> Result<String> {
    let trimmed = value.trim();
    let url = url::Url::parse(trimmed)
        .map_err(|e| Error::validation("redirect_uri", format!("not an absolute URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Error::validation(
            "redirect_uri",
            format!("scheme must be http or https, got {:?}", url.scheme()),
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(Error::validation("redirect_uri", "must have a host"));
    }
    if url.fragment().is_some() {
        return Err(Error::validation(
            "redirect_uri",
            "must not contain a fragment (#...)",
        ));
    }
    Ok(trimmed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(err: Error) -> String {
        match err {
            Error::Validation { field, .. } => field,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn name_is_trimmed_and_bounded() {
        assert_eq!(client_name("  Acme Ltd ").expect("valid"), "Acme Ltd");
        assert_eq!(field_of(client_name("   ").expect_err("blank")), "name");
        assert!(client_name(&"é".repeat(200)).is_ok());
        assert_eq!(
            field_of(client_name(&"x".repeat(201)).expect_err("too long")),
            "name"
        );
    }

    #[test]
    fn email_must_be_a_plain_address() {
        assert_eq!(
            client_email(" ops@acme.test ").expect("valid"),
            "ops@acme.test"
        );
        for bad in [
            "",
            "ops",
            "ops@",
            "@acme.test",
            "Ops <ops@acme.test>",
            "ops@localhost",
        ] {
            assert_eq!(
                field_of(client_email(bad).expect_err(bad)),
                "email",
                "{bad}"
            );
        }
    }

    #[test]
    fn short_scope_names_expand_and_unknown_scopes_name_their_index() {
        let got = scopes(&[
            "calendar.readonly",
            "https://www.googleapis.com/auth/calendar.events",
            "openid",
            "https://www.googleapis.com/auth/userinfo.email",
            "calendar.readonly",
        ])
        .expect("known scopes");
        assert_eq!(
            got,
            vec![
                "https://www.googleapis.com/auth/calendar.readonly",
                "https://www.googleapis.com/auth/calendar.events",
                "openid",
                "https://www.googleapis.com/auth/userinfo.email",
            ]
        );
        let err = scopes(&["calendar", "email", "drive"]).expect_err("drive is not calendar");
        assert_eq!(field_of(err), "scopes[2]");
        assert_eq!(field_of(scopes::<&str>(&[]).expect_err("empty")), "scopes");
        assert!(scopes(&["https://www.googleapis.com/auth/drive"]).is_err());
    }

    #[test]
    fn redirect_uri_must_be_absolute_http() {
        assert!(redirect_uri("https://app.test/oauth/callback").is_ok());
        assert!(redirect_uri("http://127.0.0.1:8080/cb").is_ok());
        for bad in [
            "/oauth/callback",
            "ftp://app.test/cb",
            "https://app.test/cb#x",
            "urn:ietf:wg:oauth:2.0:oob",
        ] {
            assert_eq!(field_of(redirect_uri(bad).expect_err(bad)), "redirect_uri");
        }
    }

    #[test]
    fn google_client_id_must_be_a_single_token() {
        assert!(google_client_id("123-abc.apps.googleusercontent.com").is_ok());
        assert_eq!(
            field_of(google_client_id(" ").expect_err("blank")),
            "google_client_id"
        );
        assert_eq!(
            field_of(google_client_id("a b").expect_err("space")),
            "google_client_id"
        );
    }

    #[test]
    fn email_scope_is_covered_by_userinfo_url() {
        let granted = vec![format!("{SCOPE_PREFIX}userinfo.email")];
        assert!(scope_covered("email", &granted));
        assert!(!scope_covered("profile", &granted));
    }
}
