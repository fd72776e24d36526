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
//! The rules (language.md): an `int` also arrives as a JSON string of decimal digits;
//! `bytes` is standard padded base64 on output and also URL-safe or unpadded on input;
//! `time` is RFC 3339 ([`Timestamp`]); `null` for a list or map is empty; `null` for an
//! optional is absent; `null` for a required scalar, enum or message is rejected.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::hash::BuildHasher;
use std::marker::PhantomData;

use serde::de::{DeserializeOwned, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::{Deserializer, Serialize, Serializer};

use crate::Timestamp;

/// A type with a brief JSON mapping. Implemented for `i64`, `f64`, `bool`, `String`,
/// `Vec<u8>` (bytes), [`Timestamp`], `Vec<T>`, `BTreeMap<String, T>`,
/// `HashMap<String, T>`, `Option<T>`, and every [`WireMessage`] (generated messages and
/// enums).
pub trait Wire: Sized {
    /// Writes the canonical JSON form.
    fn serialize_wire<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error>;
    /// Reads the liberal JSON form.
    fn deserialize_wire<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error>;
}

/// Marker for generated messages and enums: their own serde impls are their wire form.
/// Generated code writes `impl brief_runtime::WireMessage for SumIn {}`. For a message
/// that contains itself (`next Node?`, Rust `Option<Box<Node>>`), it also writes
/// `impl brief_runtime::WireMessage for Box<Node> {}`.
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
        self.serialize(s)
    }
    fn deserialize_wire<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // `null` is rejected for a required message or enum with a clear message.
        d.deserialize_option(NotNull(PhantomData))
    }
}

struct NotNull<T>(PhantomData<T>);

impl<'de, T: DeserializeOwned> Visitor<'de> for NotNull<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a value")
    }
    fn visit_none<E: serde::de::Error>(self) -> Result<T, E> {
        Err(E::custom("invalid type: null, expected a value"))
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<T, E> {
        self.visit_none()
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        T::deserialize(d)
    }
}

// ---- int ----------------------------------------------------------------------------

struct I64Visitor;

impl Visitor<'_> for I64Visitor {
    type Value = i64;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a 64-bit integer (number or string of decimal digits)")
    }
    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<i64, E> {
        Ok(v)
    }
    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<i64, E> {
        i64::try_from(v).map_err(|_| E::custom(format!("integer {v} out of 64-bit range")))
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<i64, E> {
        // Exclusive at both ends: a literal just below i64::MIN (`-9223372036854775809`)
        // reaches this visitor as a double that rounds to exactly -2^63.
        if v.fract() == 0.0 && v > -9.223_372_036_854_776e18 && v < 9.223_372_036_854_776e18 {
            Ok(v as i64)
        } else {
            Err(E::custom(format!("{v} is not a 64-bit integer")))
        }
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<i64, E> {
        let digits = v.strip_prefix('-').unwrap_or(v);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(E::custom(format!("{v:?} is not a decimal integer")));
        }
        v.parse()
            .map_err(|_| E::custom(format!("integer {v} out of 64-bit range")))
    }
}

impl Wire for i64 {
    fn serialize_wire<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(*self)
    }
    fn deserialize_wire<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(I64Visitor)
    }
}

// ---- float --------------------------------------------------------------------------

struct F64Visitor;

impl Visitor<'_> for F64Visitor {
    type Value = f64;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number")
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<f64, E> {
        Ok(v)
    }
    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<f64, E> {
        Ok(v as f64)
    }
    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<f64, E> {
        Ok(v as f64)
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<f64, E> {
        match v {
            "NaN" => Ok(f64::NAN),
            "Infinity" => Ok(f64::INFINITY),
            "-Infinity" => Ok(f64::NEG_INFINITY),
            _ if is_json_number(v) => v
                .parse()
                .map_err(|_| E::custom(format!("{v:?} is not a number"))),
            _ => Err(E::custom(format!("{v:?} is not a number"))),
        }
    }
}

/// True when `s` has the syntax of a JSON number (`-1.5e3`; not `inf`, `.5`, `+1`).
fn is_json_number(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'-'));
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    let int_start = i;
    let n = digits(&mut i);
    if n == 0 || (n > 1 && b[int_start] == b'0') {
        return false;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

impl Wire for f64 {
    fn serialize_wire<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.is_finite() {
            s.serialize_f64(*self)
        } else if self.is_nan() {
            s.serialize_str("NaN")
        } else if *self > 0.0 {
            s.serialize_str("Infinity")
        } else {
            s.serialize_str("-Infinity")
        }
    }
    fn deserialize_wire<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(F64Visitor)
    }
}

// ---- bool, string -------------------------------------------------------------------

impl Wire for bool {
    fn serialize_wire<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bool(*self)
    }
    fn deserialize_wire<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        <bool as serde::Deserialize>::deserialize(d)
    }
}

impl Wire for String {
    fn serialize_wire<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self)
    }
    fn deserialize_wire<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        <String as serde::Deserialize>::deserialize(d)
    }
}

// ---- bytes --------------------------------------------------------------------------

struct BytesVisitor;

impl Visitor<'_> for BytesVisitor {
    type Value = Vec<u8>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a base64 string")
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Vec<u8>, E> {
        crate::base64::decode(v).ok_or_else(|| E::custom("invalid base64"))
    }
}

impl Wire for Vec<u8> {
    fn serialize_wire<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&crate::base64::encode(self))
    }
    fn deserialize_wire<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(BytesVisitor)
    }
}

// ---- time ---------------------------------------------------------------------------

impl Wire for Timestamp {
    fn serialize_wire<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.serialize(s)
    }
    fn deserialize_wire<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        <Timestamp as serde::Deserialize>::deserialize(d)
    }
}

// ---- optional -----------------------------------------------------------------------

struct OptionVisitor<T>(PhantomData<T>);

impl<'de, T: Wire> Visitor<'de> for OptionVisitor<T> {
    type Value = Option<T>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a value or null")
    }
    fn visit_none<E: serde::de::Error>(self) -> Result<Option<T>, E> {
        Ok(None)
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<Option<T>, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Option<T>, D::Error> {
        T::deserialize_wire(d).map(Some)
    }
}

impl<T: Wire> Wire for Option<T> {
    fn serialize_wire<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Some(v) => s.serialize_some(&WireRef(v)),
            None => s.serialize_none(),
        }
    }
    fn deserialize_wire<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_option(OptionVisitor(PhantomData))
    }
}

// ---- lists --------------------------------------------------------------------------

struct SeqVisitor<T>(PhantomData<T>);

impl<'de, T: Wire> Visitor<'de> for SeqVisitor<T> {
    type Value = Vec<T>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(v) = seq.next_element_seed(ElemSeed::<T>(PhantomData))? {
            out.push(v);
        }
        Ok(out)
    }
}

/// Reads an element of a list or a value of a map, which is never null (language.md),
/// not even when it is itself a list or a map.
struct ElemSeed<T>(PhantomData<T>);

impl<'de, T: Wire> DeserializeSeed<'de> for ElemSeed<T> {
    type Value = T;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        d.deserialize_option(NotNullWire(PhantomData))
    }
}

struct NotNullWire<T>(PhantomData<T>);

impl<'de, T: Wire> Visitor<'de> for NotNullWire<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a value")
    }
    fn visit_none<E: serde::de::Error>(self) -> Result<T, E> {
        Err(E::custom("invalid type: null, expected a value"))
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<T, E> {
        self.visit_none()
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        T::deserialize_wire(d)
    }
}

struct NullOr<V>(V);

impl<'de, V: Visitor<'de>> Visitor<'de> for NullOr<V>
where
    V::Value: Default,
{
    type Value = V::Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.expecting(f)
    }
    fn visit_none<E: serde::de::Error>(self) -> Result<V::Value, E> {
        Ok(V::Value::default())
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<V::Value, E> {
        Ok(V::Value::default())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        d.deserialize_any(self.0)
    }
}

impl<T: Wire> Wire for Vec<T> {
    fn serialize_wire<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter().map(WireRef))
    }
    fn deserialize_wire<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_option(NullOr(SeqVisitor(PhantomData)))
    }
}

// ---- maps ---------------------------------------------------------------------------

struct MapVisitor<M, T>(PhantomData<(M, T)>);

impl<'de, M, T> Visitor<'de> for MapVisitor<M, T>
where
    T: Wire,
    M: Default + Extend<(String, T)>,
{
    type Value = M;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<M, A::Error> {
        let mut out = M::default();
        while let Some((k, v)) = map.next_entry_seed(
            std::marker::PhantomData::<String>,
            ElemSeed::<T>(PhantomData),
        )? {
            out.extend(std::iter::once((k, v)));
        }
        Ok(out)
    }
}

impl<T: Wire> Wire for BTreeMap<String, T> {
    fn serialize_wire<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.iter().map(|(k, v)| (k, WireRef(v))))
    }
    fn deserialize_wire<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_option(NullOr(MapVisitor::<Self, T>(PhantomData)))
    }
}

impl<T: Wire, H: BuildHasher + Default> Wire for HashMap<String, T, H> {
    fn serialize_wire<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.iter().map(|(k, v)| (k, WireRef(v))))
    }
    fn deserialize_wire<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_option(NullOr(MapVisitor::<Self, T>(PhantomData)))
    }
}
