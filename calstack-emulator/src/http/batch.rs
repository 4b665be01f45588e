//! Batch requests at `POST /batch/calendar/v3`: a `multipart/mixed` body whose parts are
//! `application/http` requests (path-only request line, headers, JSON body). Each inner request
//! runs through the normal Calendar routes (so it is authenticated, counted and may meet faults
//! on its own), and the answer is a `multipart/mixed` body with one `application/http` part per
//! request, in order, each with `Content-ID: <response-…>`. The outer status is 200 even when
//! inner calls fail, as with Google.

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::Extension;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tower::ServiceExt;

use crate::api_error::ApiError;

/// Google's limit on calls per batch.
const MAX_CALLS: usize = 1000;

/// The router inner requests are dispatched to (everything except batch itself).
#[derive(Clone)]
pub(crate) struct Target(pub(crate) Router);

/// One parsed inner request.
#[derive(Debug)]
struct Part {
    content_id: Option<String>,
    method: Method,
    uri: String,
    headers: Vec<(String, String)>,
    body: String,
}

fn boundary_of(headers: &HeaderMap) -> Option<String> {
    let content_type = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    if !content_type
        .to_ascii_lowercase()
        .starts_with("multipart/mixed")
    {
        return None;
    }
    content_type.split(';').map(str::trim).find_map(|p| {
        p.strip_prefix("boundary=")
            .map(|b| b.trim_matches('"').to_owned())
    })
}

/// Splits at the first blank line (CRLF or LF style).
fn split_head(text: &str) -> (&str, &str) {
    let crlf = text.find("\r\n\r\n").map(|i| (i, 4));
    let lf = text.find("\n\n").map(|i| (i, 2));
    let cut = match (crlf, lf) {
        (Some(a), Some(b)) => Some(if a.0 < b.0 { a } else { b }),
        (a, b) => a.or(b),
    };
    match cut {
        Some((i, n)) => (&text[..i], &text[i + n..]),
        None => (text, ""),
    }
}

fn header_lines(head: &str) -> Vec<(String, String)> {
    head.lines()
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

fn parse_parts(body: &str, boundary: &str) -> Result<Vec<Part>, String> {
    let delimiter = format!("--{boundary}");
    let mut parts = Vec::new();
    for chunk in body.split(delimiter.as_str()).skip(1) {
        if chunk.starts_with("--") {
            break;
        }
        let chunk = chunk.trim_start_matches(['\r', '\n']);
        let (part_head, inner) = split_head(chunk);
        let content_id = header_lines(part_head)
            .into_iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-id"))
            .map(|(_, v)| v);
        let (inner_head, inner_body) = split_head(inner);
        let mut lines = inner_head.lines();
        let request_line = lines.next().unwrap_or("").trim();
        let mut words = request_line.split_whitespace();
        let (Some(method), Some(uri)) = (words.next(), words.next()) else {
            return Err(format!(
                "Invalid request line in batch part: {request_line:?}"
            ));
        };
        let method = Method::from_bytes(method.as_bytes())
            .map_err(|_| format!("Invalid method {method}"))?;
        let headers = header_lines(&lines.collect::<Vec<_>>().join("\n"));
        let body = inner_body.trim_end_matches(['\r', '\n']).to_owned();
        parts.push(Part {
            content_id,
            method,
            uri: uri.to_owned(),
            headers,
            body,
        });
    }
    Ok(parts)
}

/// Handles `POST /batch/calendar/v3`.
pub(crate) async fn handle(
    Extension(target): Extension<Target>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(boundary) = boundary_of(&headers) else {
        return ApiError::bad_request(
            "Batch requests need a multipart/mixed body with a boundary.",
        )
        .into_response();
    };
    let Ok(text) = std::str::from_utf8(&body) else {
        return ApiError::parse_error().into_response();
    };
    let parts = match parse_parts(text, &boundary) {
        Ok(parts) => parts,
        Err(message) => return ApiError::bad_request(message).into_response(),
    };
    if parts.len() > MAX_CALLS {
        return ApiError::bad_request(format!("A batch may hold at most {MAX_CALLS} calls."))
            .into_response();
    }
    let outer_auth = headers.get(header::AUTHORIZATION).cloned();
    let out_boundary = format!("batch_{}", uuid::Uuid::new_v4().simple());
    let mut out = String::new();
    for part in parts {
        let response = dispatch(&target, &part, outer_auth.as_ref()).await;
        let status = response.status();
        let response_headers = response.headers().clone();
        let inner = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap_or_default();
        out.push_str(&format!(
            "--{out_boundary}\r\nContent-Type: application/http\r\n"
        ));
        if let Some(id) = &part.content_id {
            let bare = id.trim().trim_start_matches('<').trim_end_matches('>');
            out.push_str(&format!("Content-ID: <response-{bare}>\r\n"));
        }
        out.push_str(&format!(
            "\r\nHTTP/1.1 {} {}\r\n",
            status.as_u16(),
            status.canonical_reason().unwrap_or("")
        ));
        for name in [header::CONTENT_TYPE, header::ETAG, header::RETRY_AFTER] {
            if let Some(value) = response_headers.get(&name).and_then(|v| v.to_str().ok()) {
                out.push_str(&format!("{name}: {value}\r\n"));
            }
        }
        out.push_str(&format!("Content-Length: {}\r\n\r\n", inner.len()));
        out.push_str(&String::from_utf8_lossy(&inner));
        out.push_str("\r\n");
    }
    out.push_str(&format!("--{out_boundary}--\r\n"));
    let mut response = (StatusCode::OK, out).into_response();
    if let Ok(value) = HeaderValue::from_str(&format!("multipart/mixed; boundary={out_boundary}")) {
        response.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    response
}

async fn dispatch(target: &Target, part: &Part, outer_auth: Option<&HeaderValue>) -> Response {
    let mut builder = Request::builder()
        .method(part.method.clone())
        .uri(part.uri.as_str());
    let mut has_auth = false;
    for (name, value) in &part.headers {
        let Ok(name) = HeaderName::from_bytes(name.as_bytes()) else {
            continue;
        };
        if name == header::HOST || name == header::CONTENT_LENGTH {
            continue;
        }
        has_auth |= name == header::AUTHORIZATION;
        if let Ok(value) = HeaderValue::from_str(value) {
            builder = builder.header(name, value);
        }
    }
    if !has_auth && let Some(auth) = outer_auth {
        builder = builder.header(header::AUTHORIZATION, auth.clone());
    }
    if !part.body.is_empty()
        && !part
            .headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
    {
        builder = builder.header(header::CONTENT_TYPE, "application/json");
    }
    match builder.body(Body::from(part.body.clone())) {
        Ok(request) => match target.0.clone().oneshot(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        },
        Err(_) => ApiError::bad_request("Invalid request in batch part.").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_parse_with_lf_and_crlf_line_endings() {
        let lf = "--b\nContent-Type: application/http\nContent-ID: <x+1>\n\nGET /calendar/v3/colors HTTP/1.1\nAccept: application/json\n\n\n--b\nContent-Type: application/http\n\nPOST /calendar/v3/calendars/primary/events HTTP/1.1\nContent-Type: application/json\n\n{\"a\":1}\n--b--\n";
        for body in [lf.to_owned(), lf.replace('\n', "\r\n")] {
            let parts = parse_parts(&body, "b").expect("parses");
            assert_eq!(parts.len(), 2);
            assert_eq!(parts[0].content_id.as_deref(), Some("<x+1>"));
            assert_eq!(parts[0].method, Method::GET);
            assert_eq!(parts[0].uri, "/calendar/v3/colors");
            assert_eq!(parts[1].body, "{\"a\":1}");
        }
    }
}
