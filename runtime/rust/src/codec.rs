//! JSON encoding and decoding of messages, with Connect-style errors.

use bytes::Bytes;
use serde::de::{DeserializeOwned, Visitor};
use serde::{Deserializer, Serialize};
use serde_json::de::SliceRead;

use crate::wire::forward::{forward, forward_with_args};
use crate::wire::track::Scope;
use crate::wire::Strict;
use crate::Error;

/// Decodes a JSON message (a request or response body). Failures are
/// `invalid_argument` errors whose message starts with the path of the value at fault:
/// `items[2].userId: missing field`. The body must be one JSON object: an
/// empty body is rejected like any other non-object.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    if bytes.is_empty() {
        return Err(Error::invalid_argument(
            "expected a JSON object, got an empty body",
        ));
    }
    let scope = Scope::enter();
    let mut de = serde_json::Deserializer::from_slice(bytes);
    T::deserialize(TopLevel(&mut de))
        .and_then(|value| de.end().map(|()| value))
        .map_err(|e| decode_error(&scope, &e))
}

/// Encodes a message as JSON.
pub fn encode<T: Serialize + ?Sized>(value: &T) -> Result<Bytes, Error> {
    serde_json::to_vec(value)
        .map(Bytes::from)
        .map_err(|e| Error::internal(format!("cannot encode message: {e}")))
}

/// The `invalid_argument` error for a failed decode: `path: reason`, or the reason
/// alone for an error at the top level, in the JSON syntax (with serde_json's line and
/// column) or about the whole input (too deep).
fn decode_error(scope: &Scope, e: &serde_json::Error) -> Error {
    if e.is_syntax() || e.is_eof() {
        return Error::invalid_argument(format!("invalid JSON: {e}"));
    }
    let full = e.to_string();
    // serde_json appends the position to every error; the path says where instead.
    let reason = match full.rfind(" at line ") {
        Some(i) if e.line() != 0 => &full[..i],
        _ => &full[..],
    };
    let mut path = scope.path().unwrap_or_default();
    // Serde's derived impls report missing and repeated fields at the message's level.
    let reason = if let Some(field) = backquoted(reason, "missing field `") {
        join(&mut path, field);
        "missing field"
    } else if let Some(field) = backquoted(reason, "duplicate field `") {
        join(&mut path, field);
        "duplicate key"
    } else {
        reason
    };
    if path.is_empty() {
        Error::invalid_argument(reason)
    } else {
        Error::invalid_argument(format!("{path}: {reason}"))
    }
}

/// The name in a serde message such as "missing field `name`".
fn backquoted<'a>(message: &'a str, prefix: &str) -> Option<&'a str> {
    message.strip_prefix(prefix)?.strip_suffix('`')
}

fn join(path: &mut String, field: &str) {
    if !path.is_empty() {
        path.push('.');
    }
    path.push_str(field);
}

/// The body: a message reads through [`Strict`], which bounds nesting itself, so
/// serde_json's own limit (128 levels, 64 of a recursive message) is lifted for it. Any
/// other type (`serde_json::Value`, say) keeps serde_json's limit.
struct TopLevel<'a, 'de>(&'a mut serde_json::Deserializer<SliceRead<'de>>);

impl<'de> Deserializer<'de> for TopLevel<'_, 'de> {
    type Error = serde_json::Error;

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, serde_json::Error> {
        self.0.disable_recursion_limit();
        Strict(&mut *self.0).deserialize_struct(name, fields, visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, serde_json::Error> {
        Strict(&mut *self.0).deserialize_enum(name, variants, visitor)
    }

    forward!();
    forward!(deserialize_ignored_any);

    forward_with_args!();
}
