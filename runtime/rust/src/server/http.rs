//! Small HTTP helpers of the server: responses, header checks, and bounds on what
//! the server echoes back from a request.

use bytes::Bytes;
use http::header::{HeaderValue, CONTENT_TYPE, RETRY_AFTER};
use http::{Response, StatusCode};
use http_body_util::Full;

use crate::Error;

pub(crate) type Resp = Response<Full<Bytes>>;

pub(crate) const JSON: HeaderValue = HeaderValue::from_static("application/json");

/// The most bytes of a request's path, method or header value that an error message
/// quotes; longer values are cut and end with `…`.
pub(crate) const ECHO_LIMIT: usize = 128;

/// The longest `X-Request-Id` passed on; a longer or malformed one is replaced.
pub(crate) const REQUEST_ID_LIMIT: usize = 128;

pub(crate) fn text(status: StatusCode, body: &'static str) -> Resp {
    let mut r = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *r.status_mut() = status;
    r.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

pub(crate) fn error_response(err: &Error, status: Option<StatusCode>) -> Resp {
    let status = status.unwrap_or_else(|| {
        StatusCode::from_u16(err.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    });
    let mut r = Response::new(Full::new(Bytes::from(err.to_json())));
    *r.status_mut() = status;
    r.headers_mut().insert(CONTENT_TYPE, JSON);
    if let Some(after) = err.retry_after() {
        if let Ok(v) = HeaderValue::from_str(&after.as_secs().max(1).to_string()) {
            r.headers_mut().insert(RETRY_AFTER, v);
        }
    }
    r
}

/// True for paths of the form `/{x}/{y}` with non-empty x and y.
pub(crate) fn is_rpc_shaped(path: &str) -> bool {
    let Some(rest) = path.strip_prefix('/') else {
        return false;
    };
    match rest.split_once('/') {
        Some((a, b)) => !a.is_empty() && !b.is_empty() && !b.contains('/'),
        None => false,
    }
}

pub(crate) fn is_json(ct: Option<&HeaderValue>) -> bool {
    let Some(v) = ct.and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let media = v.split(';').next().unwrap_or("").trim();
    media.eq_ignore_ascii_case("application/json")
}

/// `s` cut to at most [`ECHO_LIMIT`] bytes (on a character boundary) followed by `…`
/// when it was longer, so that error messages never carry a client's megabytes back.
pub(crate) fn clip(s: &str) -> std::borrow::Cow<'_, str> {
    if s.len() <= ECHO_LIMIT {
        return s.into();
    }
    let mut end = ECHO_LIMIT;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end]).into()
}

/// [`clip`] for bytes that may not be UTF-8.
pub(crate) fn clip_bytes(b: &[u8]) -> String {
    let cut = &b[..b.len().min(ECHO_LIMIT)];
    let mut s = String::from_utf8_lossy(cut).into_owned();
    if b.len() > ECHO_LIMIT {
        s.push('…');
    }
    s
}

/// Whether an incoming `X-Request-Id` is passed on: 1 to [`REQUEST_ID_LIMIT`] visible
/// ASCII characters (`!` to `~`, no spaces or control characters). Any other value is
/// replaced by a fresh id, so a client cannot make logs or outgoing headers carry
/// kilobytes of its choosing.
pub(crate) fn is_valid_request_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= REQUEST_ID_LIMIT && id.bytes().all(|b| b.is_ascii_graphic())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert!(is_rpc_shaped("/summer/sum"));
        assert!(!is_rpc_shaped("/summer"));
        assert!(!is_rpc_shaped("/a/b/c"));
        assert!(!is_rpc_shaped("//b"));
        assert!(is_json(Some(&HeaderValue::from_static(
            "application/json; charset=utf-8"
        ))));
        assert!(!is_json(Some(&HeaderValue::from_static(
            "application/proto"
        ))));
        assert!(!is_json(None));
    }

    #[test]
    fn clipping() {
        assert_eq!(clip("/summer/sum"), "/summer/sum");
        let long = "é".repeat(100);
        let c = clip(&long);
        assert!(c.len() <= ECHO_LIMIT + '…'.len_utf8(), "{}", c.len());
        assert!(c.ends_with('…'));
        assert_eq!(clip_bytes(&[b'x'; 200]).len(), ECHO_LIMIT + '…'.len_utf8());
        assert_eq!(clip_bytes(b"br"), "br");
    }

    #[test]
    fn request_ids() {
        assert!(is_valid_request_id("9b2c6e1e-5f1c-4b9e-8d7a-1f2e3d4c5b6a"));
        assert!(is_valid_request_id(
            "Root=1-5759e988-bd862e3fe1be46a994272793;x=y"
        ));
        assert!(is_valid_request_id(&"a".repeat(REQUEST_ID_LIMIT)));
        assert!(!is_valid_request_id(&"a".repeat(REQUEST_ID_LIMIT + 1)));
        assert!(!is_valid_request_id(""));
        assert!(!is_valid_request_id("two words"));
        assert!(!is_valid_request_id("tab\there"));
        assert!(!is_valid_request_id("é"));
    }
}
