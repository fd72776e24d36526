//! Deserializer wrappers that change a few methods forward the rest with these.

/// Forwards the named `deserialize_*` methods, which take only a visitor, to `self.0`;
/// without names, all of them but `deserialize_ignored_any`.
macro_rules! forward {
    () => {
        $crate::wire::forward::forward! {
            deserialize_any deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32
            deserialize_i64 deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32
            deserialize_u64 deserialize_u128 deserialize_f32 deserialize_f64 deserialize_char
            deserialize_str deserialize_string deserialize_bytes deserialize_byte_buf
            deserialize_option deserialize_unit deserialize_seq deserialize_map
            deserialize_identifier
        }
    };
    ($($method:ident)+) => {$(
        fn $method<V: serde::de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
            self.0.$method(visitor)
        }
    )+};
}
pub(crate) use forward;

/// Forwards the `deserialize_*` methods that take more than a visitor (unit, newtype
/// and tuple structs, tuples) to `self.0`.
macro_rules! forward_with_args {
    () => {
        fn deserialize_unit_struct<V: serde::de::Visitor<'de>>(
            self,
            name: &'static str,
            visitor: V,
        ) -> Result<V::Value, Self::Error> {
            self.0.deserialize_unit_struct(name, visitor)
        }

        fn deserialize_newtype_struct<V: serde::de::Visitor<'de>>(
            self,
            name: &'static str,
            visitor: V,
        ) -> Result<V::Value, Self::Error> {
            self.0.deserialize_newtype_struct(name, visitor)
        }

        fn deserialize_tuple<V: serde::de::Visitor<'de>>(
            self,
            len: usize,
            visitor: V,
        ) -> Result<V::Value, Self::Error> {
            self.0.deserialize_tuple(len, visitor)
        }

        fn deserialize_tuple_struct<V: serde::de::Visitor<'de>>(
            self,
            name: &'static str,
            len: usize,
            visitor: V,
        ) -> Result<V::Value, Self::Error> {
            self.0.deserialize_tuple_struct(name, len, visitor)
        }
    };
}
pub(crate) use forward_with_args;
