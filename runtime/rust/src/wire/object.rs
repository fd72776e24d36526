//! Messages and enums, read the brief way rather than serde's.
//!
//! Generated messages and enums derive serde's `Deserialize`, which is more liberal than
//! the JSON mapping: a struct also reads from an array (`[1,2]` as `{"a":1,"b":2}`) and
//! an enum also from an object (`{"red":null}`). [`Strict`] wraps the deserializer a
//! derived impl is given and narrows those: a message reads only from an object, an
//! enum only from a string naming one of its values. On the way it counts nesting,
//! names the field an error happened in, and rejects a key that appears twice in an
//! object: serde's derive catches repeated fields, [`Fields`] repeated unknown keys and
//! [`Skip`] repeated keys inside the values of unknown fields, which it skips within the
//! nesting limit.

use std::borrow::Cow;
use std::cell::Cell;
use std::collections::HashSet;
use std::fmt;

use serde::de::value::{BorrowedStrDeserializer, StrDeserializer};
use serde::de::{DeserializeSeed, Deserializer, Error, IntoDeserializer, MapAccess, Visitor};

use super::forward::{forward, forward_with_args};
use super::track::{self, quote, Segment};
use super::unexpected::reject;

/// A deserializer for a message or enum value, or for a message field's value.
pub(crate) struct Strict<D>(pub(crate) D);

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Strict<D> {
    type Error = D::Error;

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_any(MessageVisitor(visitor))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_any(EnumVisitor { visitor, variants })
    }

    forward!();
    forward!(deserialize_ignored_any);

    forward_with_args!();

    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }
}

/// A message: only an object, its fields read through [`Fields`].
struct MessageVisitor<V>(V);

impl<'de, V: Visitor<'de>> Visitor<'de> for MessageVisitor<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        track::nested(|| {
            self.0.visit_map(Fields {
                map,
                key: None,
                unknown: KeySet::default(),
            })
        })
    }

    reject!('de; bool i64 u64 f64 str null seq);
}

/// The fields of a message: remembers the last key, to name it when its value fails,
/// and the unknown keys, to reject one that comes twice.
struct Fields<'de, A> {
    map: A,
    key: Option<Cow<'de, str>>,
    unknown: KeySet<'de>,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Fields<'de, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        let Some(key) = self.map.next_key_seed(KeySeed)? else {
            return Ok(None);
        };
        let field = match &key {
            Cow::Borrowed(k) => seed.deserialize(BorrowedStrDeserializer::<A::Error>::new(k)),
            Cow::Owned(k) => seed.deserialize(StrDeserializer::<A::Error>::new(k)),
        }?;
        self.key = Some(key);
        Ok(Some(field))
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, A::Error> {
        let key = self.key.take().unwrap_or_default();
        let ignored = Cell::new(false);
        let seed = FieldSeed {
            seed,
            ignored: &ignored,
        };
        match self.map.next_value_seed(seed) {
            Ok(_) if ignored.get() && !self.unknown.insert(key.clone()) => {
                track::push(|| Segment::Field(key.into_owned()));
                Err(A::Error::custom("duplicate key"))
            }
            Ok(value) => Ok(value),
            Err(e) => {
                track::push(|| Segment::Field(key.into_owned()));
                Err(e)
            }
        }
    }

    fn size_hint(&self) -> Option<usize> {
        self.map.size_hint()
    }
}

/// An object key, borrowed from the input when it has no escapes.
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Cow<'de, str>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Cow<'de, str>, D::Error> {
        d.deserialize_str(KeySeed)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Cow<'de, str>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }
    fn visit_borrowed_str<E: Error>(self, v: &'de str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Borrowed(v))
    }
    fn visit_str<E: Error>(self, v: &str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(v.to_owned()))
    }
    fn visit_string<E: Error>(self, v: String) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(v))
    }
}

/// Gives a field's seed a [`FieldValue`] deserializer.
struct FieldSeed<'a, S> {
    seed: S,
    ignored: &'a Cell<bool>,
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for FieldSeed<'_, S> {
    type Value = S::Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<S::Value, D::Error> {
        self.seed.deserialize(FieldValue(d, self.ignored))
    }
}

/// The value of a message field. A derived impl asks to ignore the value of an unknown
/// field: it is skipped within the nesting limit, and the cell tells [`Fields`].
struct FieldValue<'a, D>(D, &'a Cell<bool>);

impl<'de, D: Deserializer<'de>> Deserializer<'de> for FieldValue<'_, D> {
    type Error = D::Error;

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.1.set(true);
        self.0.deserialize_any(Skip)?;
        visitor.visit_unit()
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_struct(name, fields, visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_enum(name, variants, visitor)
    }

    forward!();

    forward_with_args!();
}

/// An enum: only a string that names one of its values.
struct EnumVisitor<V> {
    visitor: V,
    variants: &'static [&'static str],
}

impl<'de, V: Visitor<'de>> Visitor<'de> for EnumVisitor<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "one of {}", self.variants.join(", "))
    }

    fn visit_str<E: Error>(self, v: &str) -> Result<V::Value, E> {
        if self.variants.contains(&v) {
            self.visitor.visit_enum(v.into_deserializer())
        } else {
            Err(E::custom(format_args!(
                "unknown enum value {} (expected one of {})",
                quote(v),
                self.variants.join(", ")
            )))
        }
    }

    reject!('de; bool i64 u64 f64 null seq map);
}

/// Skips any value, counting the nesting of its objects and arrays.
struct Skip;

impl<'de> DeserializeSeed<'de> for Skip {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(Skip)
    }
}

impl<'de> Visitor<'de> for Skip {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }
    fn visit_bool<E: Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E: Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E: Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E: Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E: Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E: Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        track::nested(|| {
            while seq.next_element_seed(Skip)?.is_some() {}
            Ok(())
        })
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        track::nested(|| {
            let mut keys = KeySet::default();
            while let Some(key) = map.next_key_seed(KeySeed)? {
                if !keys.insert(key.clone()) {
                    // Inside a value no field describes, there is no path to name.
                    track::about_whole_input();
                    return Err(A::Error::custom(format_args!(
                        "duplicate key {} inside the value of an unknown field",
                        quote(&key)
                    )));
                }
                map.next_value_seed(Skip)?;
            }
            Ok(())
        })
    }
}

/// The keys seen in one object: a short list while it is short (most objects), a
/// hash set beyond, so that an object with many keys stays linear.
#[derive(Default)]
struct KeySet<'de> {
    few: Vec<Cow<'de, str>>,
    many: HashSet<Cow<'de, str>>,
}

impl<'de> KeySet<'de> {
    const FEW: usize = 16;

    /// Adds `key`; false when it was there already.
    fn insert(&mut self, key: Cow<'de, str>) -> bool {
        if self.many.is_empty() {
            if self.few.contains(&key) {
                return false;
            }
            if self.few.len() < Self::FEW {
                self.few.push(key);
                return true;
            }
            self.many.extend(self.few.drain(..));
        }
        self.many.insert(key)
    }
}
