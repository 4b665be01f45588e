//! The installed-app loopback receiver: a one-shot HTTP listener on 127.0.0.1 that waits for
//! Google's redirect back from the consent page, answers with a small "you can close this tab"
//! page, and hands the callback's query string to the OAuth manager.
//!
//! Also [`follow_consent`], which drives a consent URL without a browser (for the emulator,
//! whose consent page approves at once): it fetches the URL, takes the redirect, and delivers
//! it to the listener the way a browser would.

use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use url::Url;

/// The page shown in the browser after the redirect.
const DONE_PAGE: &str = "<!doctype html><html><head><meta charset=\"utf-8\"><title>calstack</title></head>\
<body style=\"font-family:sans-serif;margin:4em\"><h1>calstack received the authorization.</h1>\
<p>You can close this tab and return to the terminal.</p></body></html>";

/// A bound loopback listener waiting for one OAuth redirect.
#[derive(Debug)]
pub struct Loopback {
    listener: TcpListener,
    path: String,
    redirect_uri: Url,
}

impl Loopback {
    /// Binds the listener for `configured` (the credential's redirect URI). A loopback URI
    /// without a port (`http://127.0.0.1`, `http://localhost/`) gets an ephemeral port; one
    /// with a port is bound as given. Anything not on the loopback interface is refused.
    pub async fn bind(configured: &str) -> Result<Self> {
        let url = Url::parse(configured)
            .with_context(|| format!("invalid redirect URI {configured:?}"))?;
        if url.scheme() != "http" {
            bail!(
                "invalid redirect URI {configured:?}: the loopback flow needs http://127.0.0.1 (set it with `calstack oauth set --redirect-uri http://127.0.0.1`)"
            );
        }
        let host = match url.host_str() {
            Some("127.0.0.1") | Some("localhost") => "127.0.0.1",
            Some("[::1]") => "[::1]",
            _ => bail!(
                "invalid redirect URI {configured:?}: the loopback flow listens on 127.0.0.1 only (set it with `calstack oauth set --redirect-uri http://127.0.0.1`)"
            ),
        };
        let port = url.port().unwrap_or(0);
        let listener = TcpListener::bind(format!("{host}:{port}"))
            .await
            .with_context(|| format!("could not listen on {host}:{port} for the OAuth redirect"))?;
        let actual = listener.local_addr()?.port();
        let mut redirect_uri = url.clone();
        redirect_uri
            .set_port(Some(actual))
            .map_err(|()| anyhow!("cannot set a port on {configured:?}"))?;
        let path = url.path().to_owned();
        Ok(Self {
            listener,
            path,
            redirect_uri,
        })
    }

    /// The redirect URI to send to Google (the configured one, with the bound port).
    pub fn redirect_uri(&self) -> &Url {
        &self.redirect_uri
    }

    /// Waits up to `timeout` for the redirect and returns its query string (`code=…&state=…`
    /// or `error=…&state=…`). Requests for other paths (a browser's `/favicon.ico`) get a 404
    /// and the wait goes on.
    pub async fn wait(self, timeout: Duration) -> Result<String> {
        let secs = timeout.as_secs();
        tokio::time::timeout(timeout, self.accept_callback())
            .await
            .map_err(|_| {
                anyhow!(
                    "timed out after {secs}s waiting for the browser to come back from Google's consent page (raise it with --timeout)"
                )
            })?
    }

    async fn accept_callback(self) -> Result<String> {
        loop {
            let (mut stream, _) = self.listener.accept().await?;
            let Ok(target) = read_request_target(&mut stream).await else {
                continue;
            };
            let (path, query) = target.split_once('?').unwrap_or((target.as_str(), ""));
            let is_callback = path == self.path
                && query
                    .split('&')
                    .any(|kv| kv.starts_with("code=") || kv.starts_with("error="));
            if is_callback {
                respond(&mut stream, "200 OK", DONE_PAGE).await;
                return Ok(query.to_owned());
            }
            respond(&mut stream, "404 Not Found", "not found").await;
        }
    }
}

/// Reads an HTTP request head and returns its request target (`/path?query`).
async fn read_request_target(stream: &mut TcpStream) -> Result<String> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        if buf.len() > 16 * 1024 {
            bail!("request head too large");
        }
        let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut chunk)).await??;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let head = String::from_utf8_lossy(&buf);
    let line = head.lines().next().unwrap_or_default();
    let mut parts = line.split_whitespace();
    match (parts.next(), parts.next()) {
        (Some("GET"), Some(target)) => Ok(target.to_owned()),
        _ => bail!("not a GET request"),
    }
}

async fn respond(stream: &mut TcpStream, status: &str, body: &str) {
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\nCache-Control: no-store\r\n\r\n{body}",
        body.len()
    );
    // The browser may already be gone; the callback itself is what matters.
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// Completes a consent page without a browser: fetches `consent_url` (redirects off), and
/// delivers the `Location` it redirects to. Works against an auto-approving consent page
/// (the calstack emulator); Google's real page needs a person, so this fails there.
pub async fn follow_consent(consent_url: &Url) -> Result<()> {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()?;
    let response = http
        .get(consent_url.clone())
        .send()
        .await
        .context("could not reach the consent page")?;
    if !response.status().is_redirection() {
        bail!(
            "the consent page answered {} instead of redirecting (only the emulator approves consent without a person; use a browser)",
            response.status()
        );
    }
    let location = response
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| anyhow!("the consent page redirected without a Location"))?;
    let target = consent_url
        .join(location)
        .context("the consent page redirected to an invalid URL")?;
    http.get(target)
        .send()
        .await
        .context("could not deliver the redirect to the loopback listener")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn callback_query_is_returned_and_the_browser_gets_a_page() {
        let lb = Loopback::bind("http://127.0.0.1").await.expect("bind");
        let uri = lb.redirect_uri().clone();
        assert_eq!(uri.host_str(), Some("127.0.0.1"));
        assert_ne!(uri.port(), Some(0));
        let wait = tokio::spawn(lb.wait(Duration::from_secs(20)));
        let http = reqwest::Client::new();
        let favicon = http
            .get(uri.join("/favicon.ico").expect("join"))
            .send()
            .await
            .expect("favicon request");
        assert_eq!(favicon.status(), 404);
        let mut callback = uri.clone();
        callback.set_query(Some("state=s1&code=c1&scope=x"));
        let page = http.get(callback).send().await.expect("callback request");
        assert_eq!(page.status(), 200);
        assert!(page.text().await.expect("body").contains("close this tab"));
        let query = wait.await.expect("join").expect("callback");
        assert_eq!(query, "state=s1&code=c1&scope=x");
    }

    #[tokio::test]
    async fn configured_port_and_path_are_kept() {
        let probe = TcpListener::bind("127.0.0.1:0").await.expect("probe");
        let port = probe.local_addr().expect("addr").port();
        drop(probe);
        let lb = Loopback::bind(&format!("http://localhost:{port}/oauth/callback"))
            .await
            .expect("bind");
        assert_eq!(lb.redirect_uri().port(), Some(port));
        assert_eq!(lb.redirect_uri().path(), "/oauth/callback");
    }

    #[tokio::test]
    async fn non_loopback_redirect_is_refused() {
        let e = Loopback::bind("https://app.example.com/callback")
            .await
            .expect_err("not loopback");
        assert!(e.to_string().contains("loopback"), "{e}");
    }

    #[tokio::test]
    async fn waiting_gives_up_after_the_timeout() {
        let lb = Loopback::bind("http://127.0.0.1").await.expect("bind");
        let e = lb
            .wait(Duration::from_millis(10))
            .await
            .expect_err("timeout");
        assert!(e.to_string().contains("timed out"), "{e}");
    }
}
