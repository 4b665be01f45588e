//! Etags in Google's shape, and how conditional request headers are compared with them.

/// An etag in Google's shape (a quoted 16-digit number), unique to each write.
pub(crate) fn etag(seq: u64) -> String {
    format!("\"{}\"", 3_000_000_000_000_000u64 + seq)
}

/// Compares an `If-Match`/`If-None-Match` header value with an etag, ignoring a weak prefix.
pub(crate) fn etag_matches(header: &str, etag: &str) -> bool {
    header
        .split(',')
        .map(str::trim)
        .any(|h| h == "*" || h.trim_start_matches("W/") == etag)
}
