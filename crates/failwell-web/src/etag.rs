//! ETags on every successful read: a strong validator from a hash of the body, and
//! `304 Not Modified` when the client already holds it (`If-None-Match`). A page or an
//! API answer changes only when the store does (an import, a recorded scan, a decision),
//! so a dashboard that polls, or a browser going back, costs no body at all.
//!
//! The body is rendered and hashed on every request (answers are cached snapshots, so
//! this is cheap next to sending them); what is saved is the transfer. The hash is XXH3,
//! stable across processes and versions (the same bytes give the same tag after a
//! restart) and about 30 GB/s: an organisation page of 150 kB costs 5 µs where FNV-1a,
//! a byte at a time, cost 150 µs, 5 % of the page's serving time.

use axum::body::{Body, to_bytes};
use axum::http::{HeaderValue, Method, Request, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Bodies larger than this are sent without an ETag rather than buffered.
const MAX_BODY: usize = 64 << 20;

/// The middleware: adds `ETag` to `GET`/`HEAD` answers with status 200, and answers 304
/// when `If-None-Match` names it (or is `*`).
pub async fn etag(request: Request<Body>, next: Next) -> Response {
    let readable = matches!(*request.method(), Method::GET | Method::HEAD);
    let if_none_match = request.headers().get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let mut response = next.run(request).await;
    // What a page shows depends on who asks: no shared cache may keep it, and a browser's
    // cache must tell one session's answer from another's.
    // An answer showing a secret once (a new password or token) has said `no-store`: kept.
    if response.headers().get(header::CACHE_CONTROL).is_none_or(|v| v != "no-store") {
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
    }
    response.headers_mut().insert(header::VARY, HeaderValue::from_static("Cookie, Authorization"));
    if !readable || response.status() != StatusCode::OK || response.headers().contains_key(header::ETAG) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_BODY).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let tag = format!("\"fw-{:016x}\"", xxhash_rust::xxh3::xxh3_64(&bytes));
    let Ok(value) = HeaderValue::from_str(&tag) else { return Response::from_parts(parts, Body::from(bytes)) };
    if if_none_match.is_some_and(|v| v.trim() == "*" || v.split(',').any(|t| t.trim().trim_start_matches("W/") == tag))
    {
        let mut not_modified = StatusCode::NOT_MODIFIED.into_response();
        not_modified.headers_mut().insert(header::ETAG, value);
        return not_modified;
    }
    parts.headers.insert(header::ETAG, value);
    Response::from_parts(parts, Body::from(bytes))
}
