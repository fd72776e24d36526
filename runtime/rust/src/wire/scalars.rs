//! `int`, `float`, `bool`, `string`, `bytes` and `time`: the liberal forms each reads,
//! the canonical form each writes.

use std::fmt;

use serde::de::{Error, Visitor};
use serde::{Deserializer, Serialize, Serializer};

use super::track::quote;
use super::unexpected::reject;
use super::Wire;
use crate::Timestamp;

// ---- int ----------------------------------------------------------------------------

struct I64Visitor;

impl<'de> Visitor<'de> for I64Visitor {
    type Value = i64;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a 64-bit integer (number or string of decimal digits)")
    }
    fn visit_i64<E: Error>(self, v: i64) -> Result<i64, E> {
        Ok(v)
    }
    fn visit_u64<E: Error>(self, v: u64) -> Result<i64, E> {
        i64::try_from(v).map_err(|_| E::custom(format_args!("integer {v} out of 64-bit range")))
    }
    fn visit_f64<E: Error>(self, v: f64) -> Result<i64, E> {
        // Exclusive at both ends: a literal just below i64::MIN (`-9223372036854775809`)
        // reaches this visitor as a double that rounds to exactly -2^63.
        if v.fract() == 0.0 && v > -9.223_372_036_854_776e18 && v < 9.223_372_036_854_776e18 {
            Ok(v as i64)
        } else if v.fract() == 0.0 {
            Err(E::custom(format_args!(
                "integer {} out of 64-bit range",
                super::unexpected::shortest(v)
            )))
        } else {
            Err(E::custom(format_args!(
                "{} is not a 64-bit integer",
                super::unexpected::shortest(v)
            )))
        }
    }
    fn visit_str<E: Error>(self, v: &str) -> Result<i64, E> {
        let digits = v.strip_prefix('-').unwrap_or(v);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(E::custom(format_args!(
                "{} is not a decimal integer",
                quote(v)
            )));
        }
        v.parse()
            .map_err(|_| E::custom(format_args!("integer {} out of 64-bit range", quote(v))))
    }
    reject!('de; bool null seq map);
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

impl<'de> Visitor<'de> for F64Visitor {
    type Value = f64;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number")
    }
    fn visit_f64<E: Error>(self, v: f64) -> Result<f64, E> {
        Ok(v)
    }
    fn visit_i64<E: Error>(self, v: i64) -> Result<f64, E> {
        Ok(v as f64)
    }
    fn visit_u64<E: Error>(self, v: u64) -> Result<f64, E> {
        Ok(v as f64)
    }
    fn visit_str<E: Error>(self, v: &str) -> Result<f64, E> {
        match v {
            "NaN" => Ok(f64::NAN),
            "Infinity" => Ok(f64::INFINITY),
            "-Infinity" => Ok(f64::NEG_INFINITY),
            _ if is_json_number(v) => match v.parse::<f64>() {
                Ok(f) if f.is_finite() => Ok(f),
                _ => Err(E::custom(format_args!("number {} out of range", quote(v)))),
            },
            _ => Err(E::custom(format_args!("{} is not a number", quote(v)))),
        }
    }
    reject!('de; bool null seq map);
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

struct BoolVisitor;

impl<'de> Visitor<'de> for BoolVisitor {
    type Value = bool;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a boolean")
    }
    fn visit_bool<E: Error>(self, v: bool) -> Result<bool, E> {
        Ok(v)
    }
    reject!('de; i64 u64 f64 str null seq map);
}

impl Wire for bool {
    fn serialize_wire<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bool(*self)
    }
    fn deserialize_wire<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(BoolVisitor)
    }
}

struct StringVisitor;

impl<'de> Visitor<'de> for StringVisitor {
    type Value = String;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_str<E: Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_owned())
    }
    fn visit_string<E: Error>(self, v: String) -> Result<String, E> {
        Ok(v)
    }
    reject!('de; bool i64 u64 f64 null seq map);
}

impl Wire for String {
    fn serialize_wire<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self)
    }
    fn deserialize_wire<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StringVisitor)
    }
}

// ---- bytes --------------------------------------------------------------------------

struct BytesVisitor;

impl<'de> Visitor<'de> for BytesVisitor {
    type Value = Vec<u8>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a base64 string")
    }
    fn visit_str<E: Error>(self, v: &str) -> Result<Vec<u8>, E> {
        crate::base64::decode(v).ok_or_else(|| E::custom("invalid base64"))
    }
    reject!('de; bool i64 u64 f64 null seq map);
}

impl Wire for Vec<u8> {
    fn serialize_wire<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&crate::base64::encode(self))
    }
    fn deserialize_wire<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(BytesVisitor)
    }
}

// ---- time ---------------------------------------------------------------------------

/// Reads a [`Timestamp`] from an RFC 3339 string; also serde's `Deserialize` for it.
pub(crate) struct TimestampVisitor;

impl<'de> Visitor<'de> for TimestampVisitor {
    type Value = Timestamp;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an RFC 3339 time string")
    }
    fn visit_str<E: Error>(self, v: &str) -> Result<Timestamp, E> {
        Timestamp::parse(v).map_err(E::custom)
    }
    reject!('de; bool i64 u64 f64 null seq map);
}

impl Wire for Timestamp {
    fn serialize_wire<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.serialize(s)
    }
    fn deserialize_wire<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TimestampVisitor)
    }
}
