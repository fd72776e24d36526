//! JSON encoding and decoding of messages, with Connect-style errors.

use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_path_to_error::Segment;

use crate::Error;

/// Decodes a JSON message. Failures are `invalid_argument` errors whose message names
/// the field path, e.g. `items[2].userId: missing field`. An empty body decodes as `{}`.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    let bytes: &[u8] = if bytes.is_empty() { b"{}" } else { bytes };
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(path_error)?;
    de.end()
        .map_err(|e| Error::invalid_argument(format!("invalid JSON: {e}")))?;
    Ok(value)
}

/// Encodes a message as JSON.
pub fn encode<T: Serialize + ?Sized>(value: &T) -> Result<Bytes, Error> {
    serde_json::to_vec(value)
        .map(Bytes::from)
        .map_err(|e| Error::internal(format!("cannot encode message: {e}")))
}

fn path_error(err: serde_path_to_error::Error<serde_json::Error>) -> Error {
    let inner = err.inner();
    let mut path = String::new();
    for seg in err.path().iter() {
        match seg {
            Segment::Seq { index } => {
                path.push('[');
                path.push_str(&index.to_string());
                path.push(']');
            }
            Segment::Map { key } | Segment::Enum { variant: key } => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
            }
            Segment::Unknown => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push('?');
            }
        }
    }
    if inner.is_syntax() || inner.is_eof() {
        return if path.is_empty() {
            Error::invalid_argument(format!("invalid JSON: {inner}"))
        } else {
            Error::invalid_argument(format!("{path}: invalid JSON: {inner}"))
        };
    }
    let full = inner.to_string();
    let msg = match full.rfind(" at line ") {
        Some(i) if inner.line() != 0 => &full[..i],
        _ => &full[..],
    };
    if let Some(rest) = msg.strip_prefix("missing field `") {
        let field = rest.trim_end_matches('`');
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(field);
        return Error::invalid_argument(format!("{path}: missing field"));
    }
    if path.is_empty() {
        Error::invalid_argument(msg.to_string())
    } else {
        Error::invalid_argument(format!("{path}: {msg}"))
    }
}
