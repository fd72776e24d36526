//! [`Error`], [`Code`] and [`ErrorDetail`]: Connect errors as values.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;

/// A Connect error code. Every error a brief call can return carries one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Code {
    /// `canceled` (HTTP 499): the caller canceled the call.
    Canceled,
    /// `unknown` (HTTP 500).
    Unknown,
    /// `invalid_argument` (HTTP 400): bad input, whatever the server's state.
    InvalidArgument,
    /// `deadline_exceeded` (HTTP 504).
    DeadlineExceeded,
    /// `not_found` (HTTP 404).
    NotFound,
    /// `already_exists` (HTTP 409).
    AlreadyExists,
    /// `permission_denied` (HTTP 403).
    PermissionDenied,
    /// `resource_exhausted` (HTTP 429).
    ResourceExhausted,
    /// `failed_precondition` (HTTP 400).
    FailedPrecondition,
    /// `aborted` (HTTP 409).
    Aborted,
    /// `out_of_range` (HTTP 400).
    OutOfRange,
    /// `unimplemented` (HTTP 501; 404 for an unknown rpc, as Connect servers do).
    Unimplemented,
    /// `internal` (HTTP 500).
    Internal,
    /// `unavailable` (HTTP 503).
    Unavailable,
    /// `data_loss` (HTTP 500).
    DataLoss,
    /// `unauthenticated` (HTTP 401).
    Unauthenticated,
}

impl Code {
    /// All sixteen codes, in Connect's order.
    pub const ALL: [Code; 16] = [
        Code::Canceled,
        Code::Unknown,
        Code::InvalidArgument,
        Code::DeadlineExceeded,
        Code::NotFound,
        Code::AlreadyExists,
        Code::PermissionDenied,
        Code::ResourceExhausted,
        Code::FailedPrecondition,
        Code::Aborted,
        Code::OutOfRange,
        Code::Unimplemented,
        Code::Internal,
        Code::Unavailable,
        Code::DataLoss,
        Code::Unauthenticated,
    ];

    /// The wire name, e.g. `"not_found"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Code::Canceled => "canceled",
            Code::Unknown => "unknown",
            Code::InvalidArgument => "invalid_argument",
            Code::DeadlineExceeded => "deadline_exceeded",
            Code::NotFound => "not_found",
            Code::AlreadyExists => "already_exists",
            Code::PermissionDenied => "permission_denied",
            Code::ResourceExhausted => "resource_exhausted",
            Code::FailedPrecondition => "failed_precondition",
            Code::Aborted => "aborted",
            Code::OutOfRange => "out_of_range",
            Code::Unimplemented => "unimplemented",
            Code::Internal => "internal",
            Code::Unavailable => "unavailable",
            Code::DataLoss => "data_loss",
            Code::Unauthenticated => "unauthenticated",
        }
    }

    /// The HTTP status Connect uses for this code.
    pub const fn http_status(self) -> u16 {
        match self {
            Code::Canceled => 499,
            Code::Unknown | Code::Internal | Code::DataLoss => 500,
            Code::InvalidArgument | Code::FailedPrecondition | Code::OutOfRange => 400,
            Code::DeadlineExceeded => 504,
            Code::NotFound => 404,
            Code::AlreadyExists | Code::Aborted => 409,
            Code::PermissionDenied => 403,
            Code::ResourceExhausted => 429,
            Code::Unimplemented => 501,
            Code::Unavailable => 503,
            Code::Unauthenticated => 401,
        }
    }

    /// Parses a wire name (`"not_found"`); `None` for anything else.
    pub fn parse(s: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.as_str() == s)
    }

    /// The code a client reports for an HTTP error response that has no Connect JSON
    /// body (a proxy's HTML 502, say), as protocol.md specifies.
    pub const fn from_http_status(status: u16) -> Code {
        match status {
            400 => Code::Internal,
            401 => Code::Unauthenticated,
            403 => Code::PermissionDenied,
            404 => Code::Unimplemented,
            429 | 502 | 503 | 504 => Code::Unavailable,
            _ => Code::Unknown,
        }
    }

    /// A small index (0..16) usable for per-code counters.
    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error returned by [`Code::from_str`] for an unknown code name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown error code {0:?}")]
pub struct UnknownCode(pub String);

impl FromStr for Code {
    type Err = UnknownCode;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Code::parse(s).ok_or_else(|| UnknownCode(s.to_string()))
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Code {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Code::parse(&s).ok_or_else(|| serde::de::Error::custom(UnknownCode(s.into_owned())))
    }
}

/// One entry of an error's `details`: a typed payload. On the wire:
/// `{"type":"summer.NotFound","value":"<base64>","debug":{...}}`.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorDetail {
    /// The payload's type name; for brief's typed errors `<service>.<ErrorName>`.
    pub type_name: String,
    /// The payload bytes (for brief's typed errors: the JSON of the error's fields).
    pub value: Vec<u8>,
    /// A human-readable form for logs (for brief's typed errors: the same JSON).
    pub debug: Option<serde_json::Value>,
}

impl ErrorDetail {
    /// Builds the detail of a brief typed error: `type_name` is `<service>.<ErrorName>`,
    /// `value` the JSON of `fields` (sent base64-encoded), `debug` the same JSON.
    pub fn from_json<T: Serialize + ?Sized>(type_name: impl Into<String>, fields: &T) -> Self {
        let debug = serde_json::to_value(fields).unwrap_or(serde_json::Value::Null);
        let value = serde_json::to_vec(&debug).unwrap_or_default();
        ErrorDetail {
            type_name: type_name.into(),
            value,
            debug: Some(debug),
        }
    }

    /// Decodes `value` as the JSON of `T` (a typed error's fields).
    pub fn decode_json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        crate::codec::decode(&self.value).map_err(|e| {
            Error::new(
                Code::Internal,
                format!("bad error detail {}: {}", self.type_name, e.message()),
            )
        })
    }
}

/// The error of every brief call: a Connect [`Code`], a message and optional
/// [`ErrorDetail`]s. Match on [`Error::code`]:
///
/// ```
/// use brief_runtime::{Code, Error};
/// let err = Error::not_found("no such user");
/// match err.code() {
///     Code::NotFound => {}
///     _ => unreachable!(),
/// }
/// assert_eq!(err.to_string(), "not_found: no such user");
/// ```
#[derive(Clone, PartialEq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct Error {
    code: Code,
    message: String,
    details: Vec<ErrorDetail>,
    retry_after: Option<Duration>,
    unsent: bool,
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("code", &self.code).field("message", &self.message);
        if !self.details.is_empty() {
            d.field("details", &self.details);
        }
        if let Some(r) = self.retry_after {
            d.field("retry_after", &r);
        }
        if self.unsent {
            d.field("unsent", &true);
        }
        d.finish()
    }
}

macro_rules! constructors {
    ($($(#[$m:meta])* $name:ident => $code:ident;)*) => {
        $(
            $(#[$m])*
            pub fn $name(message: impl Into<String>) -> Self {
                Error::new(Code::$code, message)
            }
        )*
    };
}

impl Error {
    /// An error with `code` and `message` and no details.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Error {
            code,
            message: message.into(),
            details: Vec::new(),
            retry_after: None,
            unsent: false,
        }
    }

    constructors! {
        /// A `canceled` error.
        canceled => Canceled;
        /// An `unknown` error.
        unknown => Unknown;
        /// An `invalid_argument` error.
        invalid_argument => InvalidArgument;
        /// A `deadline_exceeded` error.
        deadline_exceeded => DeadlineExceeded;
        /// A `not_found` error.
        not_found => NotFound;
        /// An `already_exists` error.
        already_exists => AlreadyExists;
        /// A `permission_denied` error.
        permission_denied => PermissionDenied;
        /// A `resource_exhausted` error.
        resource_exhausted => ResourceExhausted;
        /// A `failed_precondition` error.
        failed_precondition => FailedPrecondition;
        /// An `aborted` error.
        aborted => Aborted;
        /// An `out_of_range` error.
        out_of_range => OutOfRange;
        /// An `unimplemented` error.
        unimplemented => Unimplemented;
        /// An `internal` error.
        internal => Internal;
        /// An `unavailable` error.
        unavailable => Unavailable;
        /// A `data_loss` error.
        data_loss => DataLoss;
        /// An `unauthenticated` error.
        unauthenticated => Unauthenticated;
    }

    /// A brief typed error: `code` and `message`, plus one detail of type
    /// `type_name` (`<service>.<ErrorName>`) holding the JSON of `fields`.
    pub fn typed<T: Serialize + ?Sized>(
        code: Code,
        message: impl Into<String>,
        type_name: impl Into<String>,
        fields: &T,
    ) -> Self {
        Error::new(code, message).with_detail(ErrorDetail::from_json(type_name, fields))
    }

    /// Adds a detail.
    pub fn with_detail(mut self, detail: ErrorDetail) -> Self {
        self.details.push(detail);
        self
    }

    /// Sets the `Retry-After` hint (sent as a header by servers, read by clients).
    pub fn with_retry_after(mut self, after: Duration) -> Self {
        self.retry_after = Some(after);
        self
    }

    /// Marks a client-side error where the request certainly never reached the server
    /// (connection refused, DNS failure): the client may retry even a rpc that is not
    /// idempotent.
    pub fn with_unsent(mut self) -> Self {
        self.unsent = true;
        self
    }

    /// Whether the request certainly never reached the server (see
    /// [`Error::with_unsent`]).
    pub fn is_unsent(&self) -> bool {
        self.unsent
    }

    /// The error's code.
    pub fn code(&self) -> Code {
        self.code
    }

    /// The error's message (may be empty).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The error's details.
    pub fn details(&self) -> &[ErrorDetail] {
        &self.details
    }

    /// The `Retry-After` hint, if the server sent one.
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }

    /// The first detail whose type is `type_name`.
    pub fn find_detail(&self, type_name: &str) -> Option<&ErrorDetail> {
        self.details.iter().find(|d| d.type_name == type_name)
    }

    /// Finds the detail of type `type_name` and decodes its value as the JSON of `T`:
    /// how a generated client recovers a typed error (`summer.NotFound`).
    /// `None` when there is no such detail.
    pub fn decode_detail<T: DeserializeOwned>(&self, type_name: &str) -> Option<Result<T, Error>> {
        self.find_detail(type_name).map(ErrorDetail::decode_json)
    }

    /// The HTTP status of this error on the wire.
    pub fn http_status(&self) -> u16 {
        self.code.http_status()
    }

    /// The Connect JSON body: `{"code":..,"message":..,"details":[..]}`.
    pub fn to_json(&self) -> Vec<u8> {
        let mut obj = serde_json::Map::new();
        obj.insert("code".into(), self.code.as_str().into());
        if !self.message.is_empty() {
            obj.insert("message".into(), self.message.clone().into());
        }
        if !self.details.is_empty() {
            let details = self
                .details
                .iter()
                .map(|d| {
                    let mut o = serde_json::Map::new();
                    o.insert("type".into(), d.type_name.clone().into());
                    o.insert("value".into(), crate::base64::encode(&d.value).into());
                    if let Some(debug) = &d.debug {
                        o.insert("debug".into(), debug.clone());
                    }
                    serde_json::Value::Object(o)
                })
                .collect();
            obj.insert("details".into(), serde_json::Value::Array(details));
        }
        serde_json::to_vec(&serde_json::Value::Object(obj)).unwrap_or_default()
    }

    /// Parses a Connect JSON error body; `None` when it is not one (no valid `code`).
    pub fn from_json(body: &[u8]) -> Option<Error> {
        #[derive(serde::Deserialize)]
        struct Wire {
            code: String,
            #[serde(default)]
            message: Option<String>,
            #[serde(default)]
            details: Option<Vec<WireDetail>>,
        }
        #[derive(serde::Deserialize)]
        struct WireDetail {
            #[serde(rename = "type")]
            type_name: String,
            #[serde(default)]
            value: Option<String>,
            #[serde(default)]
            debug: Option<serde_json::Value>,
        }
        let w: Wire = serde_json::from_slice(body).ok()?;
        let code = Code::parse(&w.code)?;
        let mut err = Error::new(code, w.message.unwrap_or_default());
        for d in w.details.unwrap_or_default() {
            let value = match d.value {
                Some(v) => crate::base64::decode(&v)?,
                None => Vec::new(),
            };
            err.details.push(ErrorDetail {
                type_name: d.type_name,
                value,
                debug: d.debug,
            });
        }
        Some(err)
    }

    /// The error a client reports for a non-200 response: the Connect error in `body`
    /// when there is one, else a code mapped from `status` with the first bytes of the
    /// body in the message.
    pub fn from_http_response(status: u16, body: &[u8]) -> Error {
        if let Some(e) = Error::from_json(body) {
            return e;
        }
        let code = Code::from_http_status(status);
        let snippet = &body[..body.len().min(256)];
        let text = String::from_utf8_lossy(snippet);
        let text = text.trim();
        if text.is_empty() {
            Error::new(code, format!("HTTP status {status}"))
        } else {
            Error::new(code, format!("HTTP status {status}: {text}"))
        }
    }
}

/// A typed error of a contract with the message it travels with. Each variant of a
/// generated rpc error enum holds one (`FindError::NotFound(Typed<NotFound>)`), and it
/// dereferences to the error's fields (`e.id`).
///
/// A handler may choose the message (`NotFound { id }.with_message("no item 42")`); without
/// one the contract's doc is sent. A client gets the message it received.
///
/// ```
/// use brief_runtime::Typed;
/// #[derive(Debug, Clone, PartialEq)]
/// struct NotFound {
///     id: i64,
/// }
/// let e = Typed::new(NotFound { id: 42 }).with_message("no item 42");
/// assert_eq!(e.id, 42);
/// assert_eq!(e.message(), Some("no item 42"));
/// assert_eq!(Typed::new(NotFound { id: 1 }).message(), None);
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Typed<T> {
    /// The error's fields: what travels in its detail.
    pub value: T,
    /// The message it travels with: `None` sends the contract's doc; on a client, the
    /// message received (`None` when it was empty).
    pub message: Option<String>,
}

impl<T> Typed<T> {
    /// The error without a message of its own.
    pub fn new(value: T) -> Self {
        Typed {
            value,
            message: None,
        }
    }

    /// The error with `message` instead of the contract's doc.
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }

    /// The message it travels with, if it has one of its own.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// The error's fields.
    pub fn into_value(self) -> T {
        self.value
    }
}

impl<T> From<T> for Typed<T> {
    fn from(value: T) -> Self {
        Typed::new(value)
    }
}

impl<T> std::ops::Deref for Typed<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T> std::ops::DerefMut for Typed<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.value
    }
}

impl Error {
    /// The error of a typed value: its code, its message or else `default_message` (the
    /// contract's doc), and one detail of type `type_name` holding the JSON of its fields.
    pub fn from_typed<T: Serialize>(
        code: Code,
        typed: Typed<T>,
        default_message: &str,
        type_name: &str,
    ) -> Self {
        let message = typed.message.unwrap_or_else(|| default_message.to_string());
        Error::typed(code, message, type_name, &typed.value)
    }

    /// Finds the detail of type `type_name` and decodes it with the message received:
    /// how a generated client recovers a typed error. `None` when there is no such
    /// detail.
    pub fn decode_typed<T: DeserializeOwned>(
        &self,
        type_name: &str,
    ) -> Option<Result<Typed<T>, Error>> {
        let message = Some(self.message.clone()).filter(|m| !m.is_empty());
        self.decode_detail(type_name)
            .map(|value| value.map(|value| Typed { value, message }))
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::unavailable(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_table() {
        let table = [
            ("canceled", 499),
            ("unknown", 500),
            ("invalid_argument", 400),
            ("deadline_exceeded", 504),
            ("not_found", 404),
            ("already_exists", 409),
            ("permission_denied", 403),
            ("resource_exhausted", 429),
            ("failed_precondition", 400),
            ("aborted", 409),
            ("out_of_range", 400),
            ("unimplemented", 501),
            ("internal", 500),
            ("unavailable", 503),
            ("data_loss", 500),
            ("unauthenticated", 401),
        ];
        for (i, (name, status)) in table.iter().enumerate() {
            let c: Code = name.parse().unwrap();
            assert_eq!(c, Code::ALL[i]);
            assert_eq!(c.as_str(), *name);
            assert_eq!(c.http_status(), *status);
            assert_eq!(c.index(), i);
        }
        assert!("nope".parse::<Code>().is_err());
    }

    #[test]
    fn http_status_mapping() {
        for (status, code) in [
            (400, Code::Internal),
            (401, Code::Unauthenticated),
            (403, Code::PermissionDenied),
            (404, Code::Unimplemented),
            (429, Code::Unavailable),
            (502, Code::Unavailable),
            (503, Code::Unavailable),
            (504, Code::Unavailable),
            (500, Code::Unknown),
            (418, Code::Unknown),
        ] {
            let e = Error::from_http_response(status, b"<html>Bad Gateway</html>");
            assert_eq!(e.code(), code, "{status}");
            assert!(e.message().contains("<html>Bad Gateway"), "{}", e.message());
        }
        let long = vec![b'x'; 10_000];
        assert!(Error::from_http_response(502, &long).message().len() < 300);
    }

    #[test]
    fn json_round_trip() {
        #[derive(Serialize, serde::Deserialize, Debug, PartialEq)]
        struct NotFound {
            id: i64,
        }
        let e = Error::typed(
            Code::NotFound,
            "no item",
            "summer.NotFound",
            &NotFound { id: 7 },
        );
        let json: serde_json::Value = serde_json::from_slice(&e.to_json()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "code": "not_found",
                "message": "no item",
                "details": [{"type": "summer.NotFound", "value": "eyJpZCI6N30=", "debug": {"id": 7}}]
            })
        );
        let back = Error::from_json(&e.to_json()).unwrap();
        assert_eq!(back, e);
        let nf: NotFound = back.decode_detail("summer.NotFound").unwrap().unwrap();
        assert_eq!(nf, NotFound { id: 7 });
        assert!(back.decode_detail::<NotFound>("other.X").is_none());
        assert!(Error::from_json(b"{\"code\":\"bogus\"}").is_none());
        assert!(Error::from_json(b"not json").is_none());
        let typed: Typed<NotFound> = back.decode_typed("summer.NotFound").unwrap().unwrap();
        assert_eq!(typed.message(), Some("no item"));
        assert_eq!(typed.id, 7);
        let chosen = Error::from_typed(
            Code::NotFound,
            Typed::new(NotFound { id: 8 }).with_message("no item 8"),
            "No such item",
            "summer.NotFound",
        );
        assert_eq!(chosen.message(), "no item 8");
        let default = Error::from_typed(
            Code::NotFound,
            Typed::new(NotFound { id: 9 }),
            "No such item",
            "summer.NotFound",
        );
        assert_eq!(default.message(), "No such item");
        let silent = Error::typed(Code::NotFound, "", "summer.NotFound", &NotFound { id: 1 });
        let typed: Typed<NotFound> = silent.decode_typed("summer.NotFound").unwrap().unwrap();
        assert_eq!(typed.message(), None);
        let plain = Error::from_json(b"{\"code\":\"unavailable\"}").unwrap();
        assert_eq!(plain.code(), Code::Unavailable);
        assert_eq!(plain.message(), "");
    }
}
