//! Who is calling the Calendar API: the bearer token's account and scopes (checked against the
//! per-account quota), and the scope sets each kind of call accepts.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

use crate::api_error::ApiError;
use crate::state::Shared;

const SCOPE_PREFIX: &str = "https://www.googleapis.com/auth/";

/// Scope sets per kind of call (short names, after the `https://www.googleapis.com/auth/` prefix).
pub(super) mod scopes {
    pub(crate) const LIST_READ: &[&str] = &[
        "calendar",
        "calendar.readonly",
        "calendar.calendarlist",
        "calendar.calendarlist.readonly",
    ];
    pub(crate) const LIST_WRITE: &[&str] = &["calendar", "calendar.calendarlist"];
    pub(crate) const CALENDARS_READ: &[&str] = &[
        "calendar",
        "calendar.readonly",
        "calendar.calendars",
        "calendar.calendars.readonly",
        "calendar.app.created",
    ];
    pub(crate) const CALENDARS_WRITE: &[&str] =
        &["calendar", "calendar.calendars", "calendar.app.created"];
    pub(crate) const EVENTS_READ: &[&str] = &[
        "calendar",
        "calendar.readonly",
        "calendar.events",
        "calendar.events.readonly",
        "calendar.events.owned",
        "calendar.events.owned.readonly",
        "calendar.app.created",
    ];
    pub(crate) const EVENTS_WRITE: &[&str] = &[
        "calendar",
        "calendar.events",
        "calendar.events.owned",
        "calendar.app.created",
    ];
    pub(crate) const FREEBUSY: &[&str] = &[
        "calendar",
        "calendar.readonly",
        "calendar.freebusy",
        "calendar.events.freebusy",
        "calendar.events",
        "calendar.events.readonly",
    ];
    pub(crate) const COLORS: &[&str] = &["calendar", "calendar.readonly"];
    pub(crate) const ACL_READ: &[&str] = &["calendar", "calendar.acls", "calendar.acls.readonly"];
    pub(crate) const ACL_WRITE: &[&str] = &["calendar", "calendar.acls"];
    pub(crate) const SETTINGS: &[&str] = &[
        "calendar",
        "calendar.readonly",
        "calendar.settings.readonly",
    ];
    pub(crate) const CHANNELS: &[&str] = &[
        "calendar",
        "calendar.readonly",
        "calendar.events",
        "calendar.events.readonly",
        "calendar.settings.readonly",
    ];
}

/// The authenticated account behind a Calendar API request.
#[derive(Debug, Clone)]
pub(super) struct Caller {
    pub(super) account: String,
    scopes: Vec<String>,
}

impl Caller {
    /// 403 `insufficientPermissions` unless the token holds one of `allowed`.
    pub(super) fn require(&self, allowed: &[&str]) -> Result<(), ApiError> {
        let ok = self.scopes.iter().any(|s| {
            s.strip_prefix(SCOPE_PREFIX)
                .is_some_and(|short| allowed.contains(&short))
        });
        if ok {
            Ok(())
        } else {
            Err(ApiError::insufficient_permissions())
        }
    }
}

impl FromRequestParts<Shared> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        shared: &Shared,
    ) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        let token = match header {
            Some(h) if h.len() > 7 && h[..7].eq_ignore_ascii_case("bearer ") => {
                h[7..].trim().to_owned()
            }
            Some(_) => return Err(ApiError::invalid_credentials()),
            None => return Err(ApiError::login_required()),
        };
        let mut state = shared.lock();
        let (account, scopes) = state.check_bearer(&token)?;
        if !state.take_quota(&account) {
            return Err(ApiError::user_rate_limit());
        }
        Ok(Self { account, scopes })
    }
}
