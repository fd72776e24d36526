//! Optional values, lists and maps: `null` handling, element paths, duplicate keys.

use std::collections::{btree_map, hash_map, BTreeMap, HashMap};
use std::fmt;
use std::hash::BuildHasher;
use std::marker::PhantomData;

use serde::de::{DeserializeSeed, Error, MapAccess, SeqAccess, Visitor};
use serde::{Deserializer, Serializer};

use super::track::{self, Segment};
use super::unexpected::reject;
use super::{Wire, WireRef};

// ---- optional -----------------------------------------------------------------------

struct OptionVisitor<T>(PhantomData<T>);

impl<'de, T: Wire> Visitor<'de> for OptionVisitor<T> {
    type Value = Option<T>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a value or null")
    }
    fn visit_none<E: Error>(self) -> Result<Option<T>, E> {
        Ok(None)
    }
    fn visit_unit<E: Error>(self) -> Result<Option<T>, E> {
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

/// The element of a list or value of a map, which is never `null` (not even when it is
/// itself a list or a map).
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
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        T::deserialize_wire(d)
    }
    reject!('de; null);
}

/// A list or map field, for which `null` means empty.
struct NullOr<V>(V);

impl<'de, V: Visitor<'de>> Visitor<'de> for NullOr<V>
where
    V::Value: Default,
{
    type Value = V::Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.expecting(f)
    }
    fn visit_none<E: Error>(self) -> Result<V::Value, E> {
        Ok(V::Value::default())
    }
    fn visit_unit<E: Error>(self) -> Result<V::Value, E> {
        Ok(V::Value::default())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        d.deserialize_any(self.0)
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
        track::nested(|| {
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
            loop {
                let index = out.len();
                match seq.next_element_seed(ElemSeed::<T>(PhantomData)) {
                    Ok(Some(v)) => out.push(v),
                    Ok(None) => return Ok(out),
                    Err(e) => {
                        track::push(|| Segment::Index(index));
                        return Err(e);
                    }
                }
            }
        })
    }
    reject!('de; bool i64 u64 f64 str null map);
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

/// A map type a `map[string]T` decodes into.
trait WireMap<T>: Default {
    /// Inserts a key that is not there yet; gives it back when it is.
    fn insert_new(&mut self, key: String, value: T) -> Result<(), String>;
}

impl<T> WireMap<T> for BTreeMap<String, T> {
    fn insert_new(&mut self, key: String, value: T) -> Result<(), String> {
        match self.entry(key) {
            btree_map::Entry::Vacant(e) => {
                e.insert(value);
                Ok(())
            }
            btree_map::Entry::Occupied(e) => Err(e.key().clone()),
        }
    }
}

impl<T, H: BuildHasher + Default> WireMap<T> for HashMap<String, T, H> {
    fn insert_new(&mut self, key: String, value: T) -> Result<(), String> {
        match self.entry(key) {
            hash_map::Entry::Vacant(e) => {
                e.insert(value);
                Ok(())
            }
            hash_map::Entry::Occupied(e) => Err(e.key().clone()),
        }
    }
}

struct MapVisitor<M, T>(PhantomData<(M, T)>);

impl<'de, M: WireMap<T>, T: Wire> Visitor<'de> for MapVisitor<M, T> {
    type Value = M;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<M, A::Error> {
        track::nested(|| {
            let mut out = M::default();
            while let Some(key) = map.next_key::<String>()? {
                let value = match map.next_value_seed(ElemSeed::<T>(PhantomData)) {
                    Ok(v) => v,
                    Err(e) => {
                        track::push(|| Segment::Key(key));
                        return Err(e);
                    }
                };
                if let Err(key) = out.insert_new(key, value) {
                    track::push(|| Segment::Key(key));
                    return Err(A::Error::custom("duplicate key"));
                }
            }
            Ok(out)
        })
    }
    reject!('de; bool i64 u64 f64 str null seq);
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
