//! Query parameters as Google reads them: repeated names allowed (`eventTypes`,
//! `privateExtendedProperty`), booleans spelled `true`/`false`, bad values answered with a
//! 400 that names the parameter.

use chrono::{DateTime, Utc};

use crate::api_error::ApiError;
use crate::time::parse_rfc3339;

/// The decoded query string of one request.
#[derive(Debug, Clone, Default)]
pub(crate) struct Params(Vec<(String, String)>);

impl Params {
    /// Decodes a raw query string.
    pub(crate) fn parse(query: Option<&str>) -> Self {
        Self(
            url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
                .into_owned()
                .collect(),
        )
    }

    /// The first value of `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `name`.
    pub(crate) fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// Whether `name` is present at all.
    pub(crate) fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k == name)
    }

    /// A boolean parameter (absent → `default`).
    pub(crate) fn bool(&self, name: &str, default: bool) -> Result<bool, ApiError> {
        match self.get(name) {
            None => Ok(default),
            Some("true") => Ok(true),
            Some("false") => Ok(false),
            Some(v) => Err(ApiError::invalid_param(
                name,
                format!("Invalid boolean value: '{v}'."),
            )),
        }
    }

    /// `maxResults`: default `default`, clamped to `cap`, at least 1.
    pub(crate) fn max_results(&self, default: usize, cap: usize) -> Result<usize, ApiError> {
        match self.get("maxResults") {
            None => Ok(default),
            Some(v) => match v.parse::<i64>() {
                Ok(n) if n >= 1 => Ok(usize::try_from(n).unwrap_or(cap).min(cap)),
                _ => Err(ApiError::invalid_param(
                    "maxResults",
                    format!("Invalid value '{v}'. Values must be within the range: [1, {cap}]"),
                )),
            },
        }
    }

    /// An RFC 3339 timestamp parameter.
    pub(crate) fn time(&self, name: &str) -> Result<Option<DateTime<Utc>>, ApiError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => parse_rfc3339(v)
                .map(Some)
                .ok_or_else(|| ApiError::invalid_param(name, "Bad Request")),
        }
    }
}
