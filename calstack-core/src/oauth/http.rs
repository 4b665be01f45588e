//! The HTTP client the manager gives to `oauth2`: one shared `reqwest::Client` (redirects off,
//! timeouts on) that turns 5xx/429 answers and network failures into a typed, retryable error,
//! and the classification of token-endpoint failures.

use std::future::Future;
use std::pin::Pin;

use oauth2::basic::BasicErrorResponse;
use oauth2::{AsyncHttpClient, HttpRequest, HttpResponse, RequestTokenError};

use crate::error::{ApiError, Error};

/// Longest slice of an error body kept in an error.
const MAX_BODY: usize = 1024;

/// The token/revoke endpoint HTTP client.
#[derive(Debug, Clone)]
pub(crate) struct GoogleHttp {
    pub(crate) client: reqwest::Client,
}

/// A failure `oauth2` reports as `RequestTokenError::Request`.
#[derive(Debug, thiserror::Error)]
pub(crate) enum HttpError {
    /// The endpoint answered with a status worth retrying (5xx, 429).
    #[error("endpoint answered HTTP {status}")]
    Status {
        /// The HTTP status.
        status: u16,
        /// The start of the body.
        body: String,
    },
    /// No answer: connection refused/reset, timeout, TLS.
    #[error("request failed: {0}")]
    Transport(String),
}

impl HttpError {
    pub(crate) fn into_error(self, what: &str) -> Error {
        match self {
            HttpError::Status { status, body } => Error::Api(Box::new(ApiError {
                status,
                reason: None,
                message: format!("{what} answered HTTP {status}"),
                body,
            })),
            HttpError::Transport(message) => Error::transport(format!("{what}: {message}")),
        }
    }
}

pub(crate) fn transport_message(err: reqwest::Error) -> String {
    // Token and revoke URLs carry no secrets, but drop the URL anyway: one rule for all errors.
    let kind = if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "could not connect"
    } else {
        "failed"
    };
    format!("{kind}: {}", err.without_url())
}

pub(crate) fn truncate_body(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(MAX_BODY)]);
    text.into_owned()
}

impl<'c> AsyncHttpClient<'c> for GoogleHttp {
    type Error = HttpError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, HttpError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let request: reqwest::Request = request
                .try_into()
                .map_err(|e: reqwest::Error| HttpError::Transport(transport_message(e)))?;
            let response = self
                .client
                .execute(request)
                .await
                .map_err(|e| HttpError::Transport(transport_message(e)))?;
            let status = response.status();
            let headers = response.headers().clone();
            let body = response
                .bytes()
                .await
                .map_err(|e| HttpError::Transport(transport_message(e)))?;
            if status.is_server_error() || status.as_u16() == 429 {
                return Err(HttpError::Status {
                    status: status.as_u16(),
                    body: truncate_body(&body),
                });
            }
            let mut builder = http::Response::builder().status(status.as_u16());
            for (name, value) in &headers {
                builder = builder.header(name, value);
            }
            builder
                .body(body.to_vec())
                .map_err(|e| HttpError::Transport(format!("bad response: {e}")))
        })
    }
}

/// What went wrong with a token request, by what the manager does next.
#[derive(Debug)]
pub(crate) enum TokenFailure {
    /// Google refused with an OAuth error code (`invalid_grant`, `invalid_client`, ...).
    Refused {
        code: String,
        description: Option<String>,
    },
    /// Worth retrying after a pause (5xx, 429, network).
    Transient(Error),
    /// Retrying cannot help (unparseable answer).
    Fatal(Error),
}

pub(crate) fn classify(
    err: RequestTokenError<HttpError, BasicErrorResponse>,
    what: &str,
) -> TokenFailure {
    match err {
        RequestTokenError::ServerResponse(response) => TokenFailure::Refused {
            code: response.error().as_ref().to_owned(),
            description: response.error_description().cloned(),
        },
        RequestTokenError::Request(http) => TokenFailure::Transient(http.into_error(what)),
        RequestTokenError::Parse(e, _) => TokenFailure::Fatal(Error::Decode {
            path: e.path().to_string(),
            message: format!("{what} answer: {}", e.inner()),
        }),
        RequestTokenError::Other(message) => TokenFailure::Fatal(Error::Decode {
            path: String::new(),
            message: format!("{what} answer: {message}"),
        }),
    }
}
