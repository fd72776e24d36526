//! "invalid type: Y, expected X" errors, worded as serde's but never repeating more of
//! the input than [`ECHO_MAX_CHARS`](super::track::ECHO_MAX_CHARS): serde's own quote a
//! string whole and print a float with all its digits.

use std::fmt::{self, Display};

use serde::de::{Error, Expected};

use super::track::quote;

/// `invalid type: <found>, expected <what the visitor expects>`.
pub(crate) fn got<E: Error>(exp: &dyn Expected, found: impl Display) -> E {
    E::custom(format_args!("invalid type: {found}, expected {exp}"))
}

/// A received string, for `got`: `string "abc"` (cut when long).
pub(crate) fn string(v: &str) -> impl Display + '_ {
    Found::Str(v)
}

/// A received number, for `got`: `number 1.5` (shortest form).
pub(crate) fn float(v: f64) -> impl Display {
    Found::Float(v)
}

/// A float in its shortest form (`1e+300`, `1.5`), as serde_json writes it; `{}` would
/// write every digit of `1e300`.
pub(crate) fn shortest(v: f64) -> impl Display {
    Found::Shortest(v)
}

enum Found<'a> {
    Str(&'a str),
    Float(f64),
    Shortest(f64),
}

impl Display for Found<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Found::Str(s) => write!(f, "string {}", quote(s)),
            Found::Float(v) => write!(f, "number {}", shortest(*v)),
            Found::Shortest(v) => match serde_json::Number::from_f64(*v) {
                Some(n) => write!(f, "{n}"),
                None => write!(f, "{v}"),
            },
        }
    }
}

/// Implements the `visit_*` methods of the JSON kinds a visitor does not accept, each
/// answering [`got`] with what it found: `reject!('de; bool i64 u64 f64 str null seq map)`.
macro_rules! reject {
    ($de:lifetime; $($kind:ident)*) => { $( $crate::wire::unexpected::reject!(@ $de $kind); )* };
    (@ $de:lifetime bool) => {
        fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Self::Value, E> {
            Err($crate::wire::unexpected::got(&self, format_args!("boolean {v}")))
        }
    };
    (@ $de:lifetime i64) => {
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Err($crate::wire::unexpected::got(&self, format_args!("number {v}")))
        }
    };
    (@ $de:lifetime u64) => {
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Err($crate::wire::unexpected::got(&self, format_args!("number {v}")))
        }
    };
    (@ $de:lifetime f64) => {
        fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Self::Value, E> {
            Err($crate::wire::unexpected::got(&self, $crate::wire::unexpected::float(v)))
        }
    };
    (@ $de:lifetime str) => {
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Err($crate::wire::unexpected::got(&self, $crate::wire::unexpected::string(v)))
        }
    };
    (@ $de:lifetime null) => {
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Err($crate::wire::unexpected::got(&self, "null"))
        }
        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Err($crate::wire::unexpected::got(&self, "null"))
        }
    };
    (@ $de:lifetime seq) => {
        fn visit_seq<A: serde::de::SeqAccess<$de>>(self, _: A) -> Result<Self::Value, A::Error> {
            Err($crate::wire::unexpected::got(&self, "array"))
        }
    };
    (@ $de:lifetime map) => {
        fn visit_map<A: serde::de::MapAccess<$de>>(self, _: A) -> Result<Self::Value, A::Error> {
            Err($crate::wire::unexpected::got(&self, "object"))
        }
    };
}
pub(crate) use reject;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn found_values_are_short() {
        assert_eq!(float(1e300).to_string(), "number 1e+300");
        assert_eq!(float(1.5).to_string(), "number 1.5");
        let long = "7".repeat(1_000_000);
        let shown = string(&long).to_string();
        assert!(shown.len() < 100, "{shown}");
        assert!(shown.ends_with("\"..."), "{shown}");
    }
}
