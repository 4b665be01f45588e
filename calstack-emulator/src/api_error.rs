//! Google's JSON error envelope, exactly as the Calendar API sends it:
//! `{"error":{"errors":[{"domain","reason","message",...}],"code":N,"message":"..."}}`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// One Calendar API error, rendered as Google's envelope.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ApiError {
    pub(crate) code: u16,
    pub(crate) domain: &'static str,
    pub(crate) reason: &'static str,
    pub(crate) message: String,
    pub(crate) location: Option<(&'static str, String)>,
    pub(crate) retry_after_secs: Option<u64>,
}

impl ApiError {
    fn new(
        code: u16,
        domain: &'static str,
        reason: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Self {
            code,
            domain,
            reason,
            message: message.into(),
            location: None,
            retry_after_secs: None,
        }
    }

    fn at(mut self, location_type: &'static str, location: impl Into<String>) -> Self {
        self.location = Some((location_type, location.into()));
        self
    }

    /// 400 `invalid` for a bad parameter value.
    pub(crate) fn invalid_param(param: &str, message: impl Into<String>) -> Self {
        Self::new(400, "global", "invalid", message).at("parameter", param)
    }

    /// 400 `invalid` for a bad request-body field.
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self::new(400, "global", "invalid", message)
    }

    /// 400 `required` for a missing request-body field or parameter.
    pub(crate) fn required(message: impl Into<String>) -> Self {
        Self::new(400, "global", "required", message)
    }

    /// 400 `required` for a missing query parameter.
    pub(crate) fn required_param(param: &str) -> Self {
        Self::new(400, "global", "required", "Required").at("parameter", param)
    }

    /// 400 `badRequest`.
    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "global", "badRequest", message)
    }

    /// 400 `parseError` for a body that is not JSON.
    pub(crate) fn parse_error() -> Self {
        Self::new(400, "global", "parseError", "Parse Error")
    }

    /// 400 `timeRangeEmpty`.
    pub(crate) fn time_range_empty(location: &str) -> Self {
        Self::new(
            400,
            "calendar",
            "timeRangeEmpty",
            "The specified time range is empty.",
        )
        .at("parameter", location)
    }

    /// 401 `required`: no credentials at all.
    pub(crate) fn login_required() -> Self {
        Self::new(401, "global", "required", "Login Required.").at("header", "Authorization")
    }

    /// 401 `authError`: unknown, expired or revoked access token.
    pub(crate) fn invalid_credentials() -> Self {
        Self::new(401, "global", "authError", "Invalid Credentials").at("header", "Authorization")
    }

    /// 403 `insufficientPermissions`: the token lacks a scope the method needs.
    pub(crate) fn insufficient_permissions() -> Self {
        Self::new(
            403,
            "global",
            "insufficientPermissions",
            "Request had insufficient authentication scopes.",
        )
    }

    /// 403 `requiredAccessLevel`: the account may read but not write this calendar.
    pub(crate) fn writer_access_needed() -> Self {
        Self::new(
            403,
            "calendar",
            "requiredAccessLevel",
            "You need to have writer access to this calendar.",
        )
    }

    /// 403 `cannotChangeOwnAcl`: an ACL change would lower the caller's own access.
    pub(crate) fn cannot_change_own_acl() -> Self {
        Self::new(
            403,
            "calendar",
            "cannotChangeOwnAcl",
            "Cannot change your own access level.",
        )
    }

    /// 403 `forbidden`.
    pub(crate) fn forbidden(message: impl Into<String>) -> Self {
        Self::new(403, "global", "forbidden", message)
    }

    /// 403 `userRateLimitExceeded`.
    pub(crate) fn user_rate_limit() -> Self {
        Self::new(
            403,
            "usageLimits",
            "userRateLimitExceeded",
            "Rate Limit Exceeded",
        )
    }

    /// 403 `rateLimitExceeded`.
    pub(crate) fn rate_limit_403() -> Self {
        Self::new(
            403,
            "usageLimits",
            "rateLimitExceeded",
            "Rate Limit Exceeded",
        )
    }

    /// 403 `quotaExceeded`.
    pub(crate) fn quota_exceeded() -> Self {
        Self::new(
            403,
            "usageLimits",
            "quotaExceeded",
            "Calendar usage limits exceeded.",
        )
    }

    /// 429 `rateLimitExceeded` with an optional `Retry-After`.
    pub(crate) fn too_many_requests(retry_after_secs: Option<u64>) -> Self {
        let mut e = Self::new(
            429,
            "usageLimits",
            "rateLimitExceeded",
            "Rate Limit Exceeded",
        );
        e.retry_after_secs = retry_after_secs;
        e
    }

    /// 404 `notFound`.
    pub(crate) fn not_found() -> Self {
        Self::new(404, "global", "notFound", "Not Found")
    }

    /// 409 `duplicate`: a client-chosen id is already used.
    pub(crate) fn duplicate() -> Self {
        Self::new(
            409,
            "global",
            "duplicate",
            "The requested identifier already exists.",
        )
    }

    /// 410 `deleted`: the resource was already deleted.
    pub(crate) fn deleted() -> Self {
        Self::new(410, "global", "deleted", "Resource has been deleted")
    }

    /// 410 `fullSyncRequired`: the sync token is no longer valid.
    pub(crate) fn full_sync_required() -> Self {
        Self::new(
            410,
            "calendar",
            "fullSyncRequired",
            "Sync token is no longer valid, a full sync is required.",
        )
        .at("parameter", "syncToken")
    }

    /// 410 `updatedMinTooLongAgo`.
    pub(crate) fn updated_min_too_long_ago() -> Self {
        Self::new(
            410,
            "calendar",
            "updatedMinTooLongAgo",
            "The requested minimum modification time lies too far in the past.",
        )
        .at("parameter", "updatedMin")
    }

    /// 412 `conditionNotMet`: `If-Match` did not match the current etag.
    pub(crate) fn condition_not_met() -> Self {
        Self::new(412, "global", "conditionNotMet", "Precondition Failed").at("header", "If-Match")
    }

    /// 500 `backendError`.
    pub(crate) fn backend_error() -> Self {
        Self::new(500, "global", "backendError", "Backend Error")
    }

    /// 503 `backendError`.
    pub(crate) fn unavailable() -> Self {
        Self::new(
            503,
            "global",
            "backendError",
            "The service is currently unavailable.",
        )
    }

    /// The gRPC-style status word live responses carry.
    fn status_word(&self) -> Option<&'static str> {
        match self.code {
            400 => Some("INVALID_ARGUMENT"),
            401 => Some("UNAUTHENTICATED"),
            403 => Some("PERMISSION_DENIED"),
            404 => Some("NOT_FOUND"),
            429 => Some("RESOURCE_EXHAUSTED"),
            500 => Some("INTERNAL"),
            503 => Some("UNAVAILABLE"),
            _ => None,
        }
    }

    /// The JSON envelope.
    pub(crate) fn body(&self) -> Value {
        let mut item =
            json!({"domain": self.domain, "reason": self.reason, "message": self.message});
        if let Some((location_type, location)) = &self.location {
            item["locationType"] = json!(location_type);
            item["location"] = json!(location);
        }
        let mut error = json!({"errors": [item], "code": self.code, "message": self.message});
        if let Some(status) = self.status_word() {
            error["status"] = json!(status);
        }
        json!({ "error": error })
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, axum::Json(self.body())).into_response();
        if let Some(secs) = self.retry_after_secs {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if self.code == 401 {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"https://accounts.google.com/\""),
            );
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_sync_required_matches_googles_body() {
        let body = ApiError::full_sync_required().body();
        let expected: Value = serde_json::from_str(
            r#"{"error":{"errors":[{"domain":"calendar","reason":"fullSyncRequired","message":"Sync token is no longer valid, a full sync is required.","locationType":"parameter","location":"syncToken"}],"code":410,"message":"Sync token is no longer valid, a full sync is required."}}"#,
        )
        .expect("reference body is JSON");
        assert_eq!(body, expected);
    }

    #[test]
    fn rate_limit_body_carries_status_word() {
        let body = ApiError::rate_limit_403().body();
        assert_eq!(body["error"]["status"], "PERMISSION_DENIED");
        assert_eq!(body["error"]["errors"][0]["reason"], "rateLimitExceeded");
    }
}
