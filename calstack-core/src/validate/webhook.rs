//! Validation of the public address Google delivers push notifications to (a channel's
//! `address`): an absolute `https` URL without credentials or fragment; plain `http` only on
//! a loopback host (`localhost`, `127.0.0.0/8`, `::1`), for the emulator and local tests.

use url::{Host, Url};

use crate::error::{Error, Result};

/// Longest accepted address, in bytes (far above any real endpoint's).
pub const MAX_ADDRESS_LEN: usize = 2048;

/// Checks `text` as a notification address and returns it parsed. Errors are
/// [`Error::Validation`] naming `field` (the caller's name for it: `address`,
/// `push_address`, `--public-url`); the reason never repeats the text, which may hold a
/// secret the caller pasted by mistake.
pub fn webhook_address(field: &str, text: &str) -> Result<Url> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Error::validation(field, "must not be empty"));
    }
    if text.len() > MAX_ADDRESS_LEN {
        return Err(Error::validation(
            field,
            format!("must be at most {MAX_ADDRESS_LEN} bytes"),
        ));
    }
    let url = Url::parse(text)
        .map_err(|e| Error::validation(field, format!("not an absolute URL ({e})")))?;
    if !matches!(url.scheme(), "https" | "http") {
        return Err(Error::validation(field, "must be an https URL"));
    }
    let Some(host) = url.host() else {
        return Err(Error::validation(field, "must name a host"));
    };
    if url.scheme() == "http" && !is_loopback(&host) {
        return Err(Error::validation(
            field,
            "must be an https URL (plain http only on a loopback host such as 127.0.0.1)",
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::validation(
            field,
            "must not carry a user name or password (Google sends none)",
        ));
    }
    if url.fragment().is_some() {
        return Err(Error::validation(
            field,
            "must not have a #fragment (it never reaches the server)",
        ));
    }
    Ok(url)
}

fn is_loopback(host: &Host<&str>) -> bool {
    match host {
        Host::Domain(name) => {
            let name = name.trim_end_matches('.');
            name.eq_ignore_ascii_case("localhost")
                || name.to_ascii_lowercase().ends_with(".localhost")
        }
        Host::Ipv4(ip) => ip.is_loopback(),
        Host::Ipv6(ip) => ip.is_loopback(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(text: &str) -> String {
        match webhook_address("push_address", text) {
            Err(Error::Validation { field, reason }) => {
                assert_eq!(field, "push_address", "{text}");
                reason
            }
            other => panic!("{text:?} should be refused, got {other:?}"),
        }
    }

    #[test]
    fn https_anywhere_and_http_on_loopback_are_accepted() {
        for text in [
            "https://sync.example.com/api/notifications",
            "https://sync.example.com:8443/notify?tenant=a",
            "  https://[2001:db8::1]/hook  ",
            "http://127.0.0.1:5000/api/notifications",
            "http://127.3.4.5/hook",
            "http://localhost:8080/hook",
            "http://LOCALHOST/hook",
            "http://app.localhost/hook",
            "http://[::1]:9000/hook",
        ] {
            let url = webhook_address("push_address", text).expect(text);
            assert_eq!(url.as_str(), Url::parse(text.trim()).expect("url").as_str());
        }
    }

    #[test]
    fn plain_http_elsewhere_is_refused() {
        assert!(refused("http://sync.example.com/hook").contains("https"));
        assert!(refused("http://10.0.0.1/hook").contains("https"));
        assert!(refused("http://localhost.example.com/hook").contains("https"));
    }

    #[test]
    fn relative_empty_and_other_schemes_are_refused() {
        assert!(refused("").contains("empty"));
        assert!(refused("   ").contains("empty"));
        assert!(refused("/api/notifications").contains("absolute URL"));
        assert!(refused("sync.example.com/hook").contains("absolute URL"));
        assert!(refused("ftp://sync.example.com/hook").contains("https"));
        assert!(refused("mailto:ops@example.com").contains("https"));
        assert!(refused("file:///tmp/hook").contains("https"));
        let long = format!("https://example.com/{}", "a".repeat(MAX_ADDRESS_LEN));
        assert!(refused(&long).contains("at most"));
    }

    #[test]
    fn credentials_and_fragments_are_refused_without_echoing_them() {
        let reason = refused("https://user:hunter2@sync.example.com/hook");
        assert!(reason.contains("password"), "{reason}");
        assert!(!reason.contains("hunter2"), "{reason}");
        assert!(refused("https://user@sync.example.com/hook").contains("user name"));
        assert!(refused("https://sync.example.com/hook#frag").contains("fragment"));
        assert!(refused("https://sync.example.com/hook#").contains("fragment"));
    }
}
