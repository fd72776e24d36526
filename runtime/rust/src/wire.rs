//! The JSON mapping of brief's types, as one generic serde `with` module.
//!
//! Generated message structs put `#[serde(with = "brief_runtime::wire")]` on every
//! field (plus `default` for lists, maps and optional fields, and
//! `skip_serializing_if = "Option::is_none"` for optional ones). The [`Wire`] trait does
//! the rest, recursively, so nested shapes such as `map[string][]int`
//! (`BTreeMap<String, Vec<i64>>`) need no per-shape helper:
//!
//! ```
//! use std::collections::BTreeMap;
//! #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
//! struct Item {
//!     #[serde(with = "brief_runtime::wire")]
//!     id: i64,
//!     #[serde(with = "brief_runtime::wire")]
//!     blob: Vec<u8>,
//!     #[serde(default, with = "brief_runtime::wire")]
//!     tags: BTreeMap<String, Vec<i64>>,
//!     #[serde(default, with = "brief_runtime::wire", skip_serializing_if = "Option::is_none")]
//!     at: Option<brief_runtime::Timestamp>,
//! }
//! impl brief_runtime::WireMessage for Item {}
//!
//! let item: Item = brief_runtime::decode(br#"{"id":"42","blob":"AQI","tags":null}"#).unwrap();
//! assert_eq!(item.id, 42);
//! assert_eq!(item.blob, vec![1, 2]);
//! assert!(item.tags.is_empty());
//! assert_eq!(&brief_runtime::encode(&item).unwrap()[..], br#"{"id":42,"blob":"AQI=","tags":{}}"#);
//! ```
//!
//! The rules are those of `docs/protocol.md` (section 2): an `int` also arrives as a JSON
//! string of decimal digits or an integral number such as `1e3`; a `float` also as a
//! string, `"NaN"` or `"Infinity"`; `bytes` is standard padded base64 on output and also
//! URL-safe or unpadded on input; `time` is RFC 3339 ([`Timestamp`](crate::Timestamp));
//! `null` for a list or map is empty, for an optional absent, and rejected for a required
//! scalar, enum or message. A message is only a JSON object and an enum only a string; a
//! field or map key may appear once in an object; nesting deeper than [`MAX_DEPTH`]
//! levels is rejected, and no depth below it can overflow the stack. Errors name the
//! path of the value (`byId["v1.2"].items[2].userId`) and repeat at most
//! [`ECHO_MAX_CHARS`] characters of it.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{DeserializeOwned, DeserializeSeed};
use serde::{Deserializer, Serialize, Serializer};

mod collections;
pub(crate) mod forward;
mod object;
mod scalars;
pub(crate) mod track;
mod unexpected;

pub(crate) use object::Strict;
pub(crate) use scalars::TimestampVisitor;
pub use track::{ECHO_MAX_CHARS, MAX_DEPTH, PATH_MAX_SEGMENTS};

/// A type with a brief JSON mapping. Implemented for `i64`, `f64`, `bool`, `String`,
/// `Vec<u8>` (bytes), [`Timestamp`](crate::Timestamp), `Vec<T>`, `BTreeMap<String, T>`,
/// `HashMap<String, T>`, `Option<T>`, and every [`WireMessage`] (generated messages and
/// enums).
pub trait Wire: Sized {
    /// Writes the canonical JSON form.
    fn serialize_wire<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error>;
    /// Reads the liberal JSON form.
    fn deserialize_wire<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error>;
}

/// Marker for generated messages and enums: their own serde impls are their wire form,
/// read through an adapter that takes a message only from an object and an enum only
/// from a string. Generated code writes `impl brief_runtime::WireMessage for SumIn {}`.
/// For a message that contains itself (`next Node?`, Rust `Option<Box<Node>>`), it also
/// writes `impl brief_runtime::WireMessage for Box<Node> {}`.
pub trait WireMessage: Serialize + DeserializeOwned {}

/// The serde `with` entry point: serializes `value` in its canonical wire form.
pub fn serialize<T: Wire, S: Serializer>(value: &T, s: S) -> Result<S::Ok, S::Error> {
    value.serialize_wire(s)
}

/// The serde `with` entry point: deserializes a `T` from its liberal wire form.
pub fn deserialize<'de, T: Wire, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
    T::deserialize_wire(d)
}

/// Adapts a `&T: Wire` to [`Serialize`].
pub struct WireRef<'a, T>(pub &'a T);

impl<T: Wire> Serialize for WireRef<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize_wire(s)
    }
}

/// A [`DeserializeSeed`] that reads a `T: Wire`.
pub struct WireSeed<T>(PhantomData<T>);

impl<T> Default for WireSeed<T> {
    fn default() -> Self {
        WireSeed(PhantomData)
    }
}

impl<'de, T: Wire> DeserializeSeed<'de> for WireSeed<T> {
    type Value = T;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        T::deserialize_wire(d)
    }
}

impl<T: WireMessage> Wire for T {
    fn serialize_wire<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // A decoded message may nest MAX_DEPTH levels deep; writing it back recurses
        // as deep.
        track::deeper(|_| self.serialize(s))
    }
    fn deserialize_wire<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_option(RequiredMessage(PhantomData))
    }
}

/// A required message or enum: `null` is rejected with a clear message.
struct RequiredMessage<T>(PhantomData<T>);

impl<'de, T: DeserializeOwned> serde::de::Visitor<'de> for RequiredMessage<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a value")
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        T::deserialize(Strict(d))
    }
    unexpected::reject!('de; null);
}
