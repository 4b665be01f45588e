//! Google's token and revocation endpoints, reached through the transport's HTTP client and
//! retry engine: the adapter `oauth2` sends its requests through (per-request timeout, 5xx/429
//! and network failures turned into retryable errors), the code exchange, the refresh grant and
//! the revocation, and the mapping of OAuth error answers to [`Error`].

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use oauth2::basic::BasicErrorResponse;
use oauth2::{
    AsyncHttpClient, AuthType, AuthUrl, AuthorizationCode, HttpRequest, HttpResponse,
    PkceCodeVerifier, RedirectUrl, RequestTokenError, TokenUrl,
};
use url::Url;

use super::google::{GoogleClient, GoogleTokenResponse};
use crate::crypto::Plaintext;
use crate::error::{ApiError, Error, Result};
use crate::transport::RetryEngine;

/// Longest slice of an error body kept in an error.
const MAX_BODY: usize = 1024;

/// Where the token pipeline and the OAuth manager send token and revoke requests, and how.
#[derive(Debug, Clone)]
pub(crate) struct TokenEndpoint {
    http: GoogleHttp,
    engine: RetryEngine,
    auth_url: Url,
    token_url: Url,
    revoke_url: Url,
}

/// The `oauth2` HTTP client: the shared `reqwest::Client` with a per-request timeout.
#[derive(Debug, Clone)]
struct GoogleHttp {
    client: reqwest::Client,
    timeout: Duration,
}

/// A failure `oauth2` reports as `RequestTokenError::Request`.
#[derive(Debug, thiserror::Error)]
enum HttpError {
    /// The endpoint answered with a status worth retrying (5xx, 429).
    #[error("endpoint answered HTTP {status}")]
    Status {
        /// The HTTP status.
        status: u16,
        /// The start of the body.
        body: String,
    },
    /// No answer: connection refused/reset, timeout, TLS.
    #[error("request failed")]
    Transport(#[source] reqwest::Error),
    /// The answer could not be handed to `oauth2`.
    #[error("bad response: {0}")]
    Malformed(String),
}

impl HttpError {
    fn into_error(self, what: &str) -> Error {
        match self {
            HttpError::Status { status, body } => Error::Api(Box::new(ApiError {
                status,
                reason: None,
                message: format!("{what} answered HTTP {status}"),
                body,
            })),
            HttpError::Transport(e) => transport_error(what, e),
            HttpError::Malformed(m) => Error::transport(format!("{what}: {m}")),
        }
    }
}

/// A network failure as [`Error::Transport`], the URL dropped (one rule for all errors).
fn transport_error(what: &str, err: reqwest::Error) -> Error {
    let kind = if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "could not connect"
    } else {
        "failed"
    };
    let err = err.without_url();
    Error::Transport {
        message: format!("{what}: {kind}: {err}"),
        source: Some(Box::new(err)),
    }
}

fn truncate_body(bytes: &[u8]) -> String {
    String::from_utf8_lossy(&bytes[..bytes.len().min(MAX_BODY)]).into_owned()
}

impl<'c> AsyncHttpClient<'c> for GoogleHttp {
    type Error = HttpError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, HttpError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let mut request: reqwest::Request = request.try_into().map_err(HttpError::Transport)?;
            *request.timeout_mut() = Some(self.timeout);
            let response = self
                .client
                .execute(request)
                .await
                .map_err(HttpError::Transport)?;
            let status = response.status();
            let headers = response.headers().clone();
            let body = response.bytes().await.map_err(HttpError::Transport)?;
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
                .map_err(|e| HttpError::Malformed(e.to_string()))
        })
    }
}

/// A failed token request as an [`Error`]: Google's refusal (`invalid_grant`, ...) becomes
/// [`Error::Authorization`] with Google's code (final), 5xx/429/network a retryable error, an
/// unreadable answer [`Error::Decode`].
fn token_error(err: RequestTokenError<HttpError, BasicErrorResponse>) -> Error {
    let what = "token endpoint";
    match err {
        RequestTokenError::ServerResponse(response) => {
            let code = response.error().as_ref().to_owned();
            Error::Authorization {
                reason: response
                    .error_description()
                    .cloned()
                    .unwrap_or_else(|| code.clone()),
                code,
            }
        }
        RequestTokenError::Request(http) => http.into_error(what),
        RequestTokenError::Parse(e, _) => Error::Decode {
            path: e.path().to_string(),
            message: format!("{what} answer: {}", e.inner()),
        },
        RequestTokenError::Other(message) => Error::Decode {
            path: String::new(),
            message: format!("{what} answer: {message}"),
        },
    }
}

impl TokenEndpoint {
    /// Token requests through `client` (its timeout overridden by `timeout` per request) and
    /// `engine`.
    pub(crate) fn new(
        client: reqwest::Client,
        timeout: Duration,
        engine: RetryEngine,
        urls: [&Url; 3],
    ) -> Self {
        let [auth_url, token_url, revoke_url] = urls;
        Self {
            http: GoogleHttp { client, timeout },
            engine,
            auth_url: auth_url.clone(),
            token_url: token_url.clone(),
            revoke_url: revoke_url.clone(),
        }
    }

    /// The retry engine token requests go through.
    pub(crate) fn engine(&self) -> &RetryEngine {
        &self.engine
    }

    /// The `oauth2` client for one Google app.
    pub(crate) fn client(
        &self,
        google_client_id: &str,
        secret: Option<&Plaintext>,
        redirect_uri: &str,
    ) -> Result<GoogleClient> {
        let redirect = RedirectUrl::new(redirect_uri.to_owned())
            .map_err(|e| Error::validation("redirect_uri", e.to_string()))?;
        let mut client: GoogleClient =
            oauth2::Client::new(oauth2::ClientId::new(google_client_id.to_owned()))
                .set_auth_uri(AuthUrl::from_url(self.auth_url.clone()))
                .set_token_uri(TokenUrl::from_url(self.token_url.clone()))
                .set_redirect_uri(redirect)
                .set_auth_type(AuthType::RequestBody);
        if let Some(secret) = secret {
            client =
                client.set_client_secret(oauth2::ClientSecret::new(secret.secret().to_owned()));
        }
        Ok(client)
    }

    /// Exchanges an authorization code, retrying what the engine retries: a 5xx or timeout may
    /// mean Google never saw the code; if it did, the retry gets `invalid_grant`, which is final.
    pub(crate) async fn exchange_code(
        &self,
        client: &GoogleClient,
        code: &str,
        verifier: &str,
    ) -> Result<GoogleTokenResponse> {
        self.engine
            .run("oauth.exchange", || async {
                client
                    .exchange_code(AuthorizationCode::new(code.to_owned()))
                    .set_pkce_verifier(PkceCodeVerifier::new(verifier.to_owned()))
                    .request_async(&self.http)
                    .await
                    .map_err(token_error)
            })
            .await
    }

    /// One refresh-grant request (no retry: the caller drives the engine, to keep its lease).
    pub(crate) async fn refresh_once(
        &self,
        client: &GoogleClient,
        refresh: &oauth2::RefreshToken,
    ) -> Result<GoogleTokenResponse> {
        client
            .exchange_refresh_token(refresh)
            .request_async(&self.http)
            .await
            .map_err(token_error)
    }

    /// Revokes `token` at Google, retrying 5xx, 429 and network failures. 400 `invalid_token`
    /// counts as already revoked.
    pub(crate) async fn revoke(&self, token: &str) -> Result<()> {
        self.engine
            .run("oauth.revoke", || self.revoke_once(token))
            .await
    }

    async fn revoke_once(&self, token: &str) -> Result<()> {
        let what = "revoke endpoint";
        let response = self
            .http
            .client
            .post(self.revoke_url.clone())
            .timeout(self.http.timeout)
            .form(&[("token", token)])
            .send()
            .await
            .map_err(|e| transport_error(what, e))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let body = response.bytes().await.unwrap_or_default();
        let error_code = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_owned));
        if status.as_u16() == 400 && error_code.as_deref() == Some("invalid_token") {
            tracing::info!("Google says the token is already revoked");
            return Ok(());
        }
        Err(Error::Api(Box::new(ApiError {
            status: status.as_u16(),
            reason: error_code,
            message: format!("{what} answered HTTP {}", status.as_u16()),
            body: truncate_body(&body),
        })))
    }
}
