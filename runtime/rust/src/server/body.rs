//! Reading a request's message: the POST body (bounded in size and time, gzip
//! inflated) or the `message` query parameter of a GET.

use std::future::Future;
use std::pin::Pin;
use std::task::Poll;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::{HeaderValue, CONTENT_ENCODING, CONTENT_LENGTH};
use http::HeaderMap;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use hyper::body::Body;
use tokio::time::Sleep;

use super::http::{clip, clip_bytes};
use crate::client::BoxFuture;
use crate::{compress, Error};

/// A request body the server can read: hyper's `Incoming` for the standalone server,
/// any body a host app hands a mounted [`super::RouterService`] (axum's `Body`, a tower
/// middleware's wrapper). `Unpin` because the body is read through `&mut`; the mounted
/// service pins the bodies that are not.
pub(crate) trait RequestBody:
    Body<Data: Send, Error: Into<Box<dyn std::error::Error + Send + Sync>>> + Send + Unpin
{
}

impl<B> RequestBody for B where
    B: Body<Data: Send, Error: Into<Box<dyn std::error::Error + Send + Sync>>> + Send + Unpin
{
}

/// The deadline of [`with_deadline`] passed.
pub(crate) struct Elapsed;

/// Runs `fut` against a deadline, arming a timer only if the future does not finish on
/// its first poll. Most request bodies arrive with their headers and most handlers
/// answer at once, so most requests never touch the timer wheel. (`fut` is pinned by
/// the caller, so that the caller's future holds it once, not once more in here.)
pub(crate) async fn with_deadline<F: Future>(
    mut fut: Pin<&mut F>,
    at: Option<Instant>,
) -> Result<F::Output, Elapsed> {
    // Boxed when armed: inline, the timer would grow every request's future.
    let mut timer: Option<Pin<Box<Sleep>>> = None;
    std::future::poll_fn(|cx| {
        if let Poll::Ready(v) = fut.as_mut().poll(cx) {
            return Poll::Ready(Ok(v));
        }
        let Some(at) = at else {
            return Poll::Pending;
        };
        let timer = timer.get_or_insert_with(|| Box::pin(tokio::time::sleep_until(at.into())));
        timer.as_mut().poll(cx).map(|()| Err(Elapsed))
    })
    .await
}

/// When reading a body must be done by, and why.
#[derive(Clone, Copy)]
pub(crate) struct BodyDeadline {
    /// The request's `Connect-Timeout-Ms` deadline, if any.
    pub(crate) rpc: Option<Instant>,
    /// When the request arrived.
    pub(crate) arrival: Instant,
    /// The body read timeout (zero: none).
    pub(crate) timeout: Duration,
}

impl BodyDeadline {
    fn at(&self) -> Option<Instant> {
        let own = (!self.timeout.is_zero()).then(|| self.arrival + self.timeout);
        match (self.rpc, own) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn error(&self) -> Error {
        let by_rpc = match (self.rpc, self.timeout.is_zero()) {
            (Some(rpc), false) => rpc <= self.arrival + self.timeout,
            (rpc, _) => rpc.is_some(),
        };
        if by_rpc {
            Error::deadline_exceeded("deadline exceeded while reading the request body")
        } else {
            Error::deadline_exceeded(format!(
                "request body not received within {:?} (the server's body read timeout)",
                self.timeout
            ))
        }
    }
}

/// How reading a body failed.
pub(crate) struct BodyError {
    pub(crate) error: Error,
    /// The body was not read to its end: an HTTP/1.1 connection cannot carry another
    /// request and must close after the answer.
    pub(crate) unread: bool,
}

impl From<Error> for BodyError {
    fn from(error: Error) -> Self {
        BodyError {
            error,
            unread: false,
        }
    }
}

/// What a request's headers say about its body.
pub(crate) struct BodyHeaders {
    /// `Content-Length`, when given.
    length: Option<u64>,
    /// `Content-Encoding: gzip`; an error for encodings the server does not take.
    gzip: Result<bool, Error>,
}

impl BodyHeaders {
    pub(crate) fn of(headers: &HeaderMap) -> Self {
        let length = headers
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|s| s.parse::<u64>().ok());
        let gzip = match headers.get(CONTENT_ENCODING).map(HeaderValue::as_bytes) {
            None | Some(b"identity") => Ok(false),
            Some(v) if v.eq_ignore_ascii_case(b"gzip") => Ok(true),
            Some(v) => Err(Error::unimplemented(format!(
                "unsupported content encoding {:?}",
                clip_bytes(v)
            ))),
        };
        BodyHeaders { length, gzip }
    }
}

/// Reads the whole body of a POST (checking `Content-Length` first), inflates it when it
/// is gzip-compressed, and bounds it by `limit` bytes and by `deadline`.
pub(crate) async fn read_body<B: RequestBody>(
    body: &mut B,
    declared: BodyHeaders,
    limit: usize,
    deadline: BodyDeadline,
) -> Result<Bytes, BodyError> {
    let too_big =
        || Error::resource_exhausted(format!("message larger than the limit of {limit} bytes"));
    if declared.length.is_some_and(|len| len > limit as u64) {
        return Err(BodyError {
            error: too_big(),
            unread: true,
        });
    }
    let gzip = declared.gzip.map_err(|error| BodyError {
        error,
        unread: true,
    })?;
    let collect = Limited::new(body, limit).collect();
    tokio::pin!(collect);
    let body = match with_deadline(collect, deadline.at()).await {
        Ok(Ok(c)) => c.to_bytes(),
        Ok(Err(e)) if e.is::<LengthLimitError>() => {
            return Err(BodyError {
                error: too_big(),
                unread: true,
            })
        }
        Ok(Err(e)) => {
            return Err(BodyError {
                error: body_read_error(&*e),
                unread: true,
            })
        }
        Err(Elapsed) => {
            return Err(BodyError {
                error: deadline.error(),
                unread: true,
            })
        }
    };
    if gzip {
        Ok(compress::gunzip(&body, limit)?)
    } else {
        Ok(body)
    }
}

/// The error for a body that could not be read: a malformed body (bad chunked
/// encoding) is the client's mistake, `invalid_argument`; a body cut short (the client
/// went away or reset the stream) is `canceled`.
fn body_read_error(e: &(dyn std::error::Error + 'static)) -> Error {
    let mut source = Some(e);
    while let Some(err) = source {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            if matches!(
                io.kind(),
                std::io::ErrorKind::InvalidInput | std::io::ErrorKind::InvalidData
            ) {
                return Error::invalid_argument(format!(
                    "malformed request body: {}",
                    clip(&io.to_string())
                ));
            }
        }
        source = err.source();
    }
    Error::canceled(format!(
        "the client stopped sending the request body: {}",
        clip(&e.to_string())
    ))
}

/// Reads and drops the body of a request answered without it. A client that streams its
/// body after the headers (connect-es over HTTP/1.1) would otherwise be cut off mid-write
/// and see a broken pipe instead of our answer. Bounded in size and time: past either,
/// the connection is closed as it would have been. Boxed: it is the rare path, and
/// inline it would grow the future of every request.
pub(crate) fn discard_body<B: RequestBody>(body: &mut B, limit: usize) -> BoxFuture<'_, ()> {
    Box::pin(async move {
        let mut seen = 0usize;
        let drain = async {
            while let Some(Ok(frame)) = body.frame().await {
                seen += frame.data_ref().map_or(0, hyper::body::Buf::remaining);
                if seen > limit {
                    break;
                }
            }
        };
        tokio::pin!(drain);
        let _ = with_deadline(drain, Some(Instant::now() + Duration::from_secs(1))).await;
    })
}

/// The message of a GET request: `?connect=v1&encoding=json&message=...`
/// (`base64=1` and `compression=gzip` supported as in Connect).
pub(crate) fn get_message(query: &str, limit: usize) -> Result<Bytes, Error> {
    let mut message = None;
    let mut b64 = false;
    let mut gzip = false;
    for pair in query.split('&') {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        match k {
            "message" => message = Some(percent_decode(v)?),
            "encoding" if v != "json" => {
                return Err(Error::unimplemented(format!(
                    "unsupported encoding {:?}: use json",
                    clip(v)
                )))
            }
            "base64" => b64 = v == "1",
            "compression" => match v {
                "gzip" => gzip = true,
                "identity" | "" => {}
                other => {
                    return Err(Error::unimplemented(format!(
                        "unsupported compression {:?}",
                        clip(other)
                    )))
                }
            },
            _ => {}
        }
    }
    let mut msg = message.unwrap_or_default();
    if b64 {
        let s = std::str::from_utf8(&msg)
            .map_err(|_| Error::invalid_argument("message is not base64"))?;
        msg = crate::base64::decode(s)
            .ok_or_else(|| Error::invalid_argument("message is not base64"))?;
    }
    if msg.len() > limit {
        return Err(Error::resource_exhausted(format!(
            "message larger than the limit of {limit} bytes"
        )));
    }
    if gzip {
        compress::gunzip(&msg, limit)
    } else {
        Ok(Bytes::from(msg))
    }
}

fn percent_decode(s: &str) -> Result<Vec<u8>, Error> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hex = |c: u8| (c as char).to_digit(16);
                let (Some(h), Some(l)) = (
                    b.get(i + 1).copied().and_then(hex),
                    b.get(i + 2).copied().and_then(hex),
                ) else {
                    return Err(Error::invalid_argument("bad percent-encoding in query"));
                };
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Code;

    #[test]
    fn get_query() {
        let m = get_message("connect=v1&encoding=json&message=%7B%22a%22%3A1%7D", 100).unwrap();
        assert_eq!(&m[..], br#"{"a":1}"#);
        let m = get_message("encoding=json&base64=1&message=eyJhIjoxfQ", 100).unwrap();
        assert_eq!(&m[..], br#"{"a":1}"#);
        assert_eq!(
            get_message("encoding=proto&message=x", 100)
                .unwrap_err()
                .code(),
            Code::Unimplemented
        );
        assert_eq!(
            get_message("message=%zz", 100).unwrap_err().code(),
            Code::InvalidArgument
        );
        assert_eq!(
            get_message("message=aaaa", 2).unwrap_err().code(),
            Code::ResourceExhausted
        );
        let long = format!("encoding={}", "x".repeat(10_000));
        assert!(get_message(&long, 100).unwrap_err().message().len() < 200);
    }

    #[test]
    fn body_errors_by_cause() {
        let malformed = std::io::Error::new(std::io::ErrorKind::InvalidInput, "Invalid chunk size");
        assert_eq!(body_read_error(&malformed).code(), Code::InvalidArgument);
        let cut = std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "early eof");
        assert_eq!(body_read_error(&cut).code(), Code::Canceled);
        let reset = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
        assert_eq!(body_read_error(&reset).code(), Code::Canceled);
    }

    #[test]
    fn body_deadline_names_its_cause() {
        let now = Instant::now();
        let own = BodyDeadline {
            rpc: None,
            arrival: now,
            timeout: Duration::from_secs(30),
        };
        assert_eq!(own.at(), Some(now + Duration::from_secs(30)));
        assert!(own.error().message().contains("body read timeout"));
        let rpc = BodyDeadline {
            rpc: Some(now + Duration::from_secs(2)),
            ..own
        };
        assert_eq!(rpc.at(), Some(now + Duration::from_secs(2)));
        assert!(rpc.error().message().contains("deadline exceeded"));
        let none = BodyDeadline {
            rpc: None,
            arrival: now,
            timeout: Duration::ZERO,
        };
        assert_eq!(none.at(), None);
    }
}
