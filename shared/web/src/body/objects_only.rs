//! A deserializer adapter under which a struct is read only from a JSON object.
//!
//! serde's derived `Deserialize` of a struct also accepts a sequence of its fields in
//! declaration order, and serde_json offers it one when the JSON has an array where
//! the struct is: `[null, null]` is a `{"name": null, "active": null}`. The OpenAPI
//! documents say "object", so such a body must be refused (422), and it is found by
//! the fuzzer's negative-data check. [`ObjectsOnly`] asks for a map wherever a struct
//! is deserialized, at any depth: every value below is read through it as well.
//!
//! Not covered: the struct variant of an enum (serde's `VariantAccess` has no way to
//! ask for a map) and what serde buffers before deserializing (`flatten`, untagged
//! and internally tagged enums); no request body uses them.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, Visitor};

/// `D`, with structs read only from maps.
pub(crate) struct ObjectsOnly<D>(pub D);

/// The visitor `V`, handing out every nested deserializer wrapped.
struct Wrapped<V>(V);

macro_rules! forward_deserialize {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value, D::Error> {
                self.0.$method($($arg,)* Wrapped(visitor))
            }
        )*
    };
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for ObjectsOnly<D> {
    type Error = D::Error;

    forward_deserialize! {
        deserialize_any();
        deserialize_bool();
        deserialize_i8();
        deserialize_i16();
        deserialize_i32();
        deserialize_i64();
        deserialize_i128();
        deserialize_u8();
        deserialize_u16();
        deserialize_u32();
        deserialize_u64();
        deserialize_u128();
        deserialize_f32();
        deserialize_f64();
        deserialize_char();
        deserialize_str();
        deserialize_string();
        deserialize_bytes();
        deserialize_byte_buf();
        deserialize_option();
        deserialize_unit();
        deserialize_unit_struct(name: &'static str);
        deserialize_newtype_struct(name: &'static str);
        deserialize_seq();
        deserialize_tuple(len: usize);
        deserialize_tuple_struct(name: &'static str, len: usize);
        deserialize_map();
        deserialize_enum(name: &'static str, variants: &'static [&'static str]);
        deserialize_identifier();
        deserialize_ignored_any();
    }

    /// The point of the adapter: a map, never a sequence.
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_map(Wrapped(visitor))
    }

    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }
}

macro_rules! forward_visit {
    ($($method:ident($ty:ty);)*) => {
        $(
            fn $method<E: de::Error>(self, v: $ty) -> Result<V::Value, E> {
                self.0.$method(v)
            }
        )*
    };
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Wrapped<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.expecting(f)
    }

    forward_visit! {
        visit_bool(bool);
        visit_i8(i8);
        visit_i16(i16);
        visit_i32(i32);
        visit_i64(i64);
        visit_i128(i128);
        visit_u8(u8);
        visit_u16(u16);
        visit_u32(u32);
        visit_u64(u64);
        visit_u128(u128);
        visit_f32(f32);
        visit_f64(f64);
        visit_char(char);
        visit_str(&str);
        visit_borrowed_str(&'de str);
        visit_string(String);
        visit_bytes(&[u8]);
        visit_borrowed_bytes(&'de [u8]);
        visit_byte_buf(Vec<u8>);
    }

    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        self.0.visit_none()
    }

    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        self.0.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        self.0.visit_some(ObjectsOnly(d))
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        self.0.visit_newtype_struct(ObjectsOnly(d))
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.0.visit_seq(Wrapped(seq))
    }

    fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.0.visit_map(Wrapped(map))
    }

    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<V::Value, A::Error> {
        self.0.visit_enum(Wrapped(data))
    }
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for Wrapped<S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<S::Value, D::Error> {
        self.0.deserialize(ObjectsOnly(d))
    }
}

impl<'de, A: de::SeqAccess<'de>> de::SeqAccess<'de> for Wrapped<A> {
    type Error = A::Error;

    fn next_element_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, A::Error> {
        self.0.next_element_seed(Wrapped(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

impl<'de, A: de::MapAccess<'de>> de::MapAccess<'de> for Wrapped<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        self.0.next_key_seed(Wrapped(seed))
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, A::Error> {
        self.0.next_value_seed(Wrapped(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

impl<'de, A: de::EnumAccess<'de>> de::EnumAccess<'de> for Wrapped<A> {
    type Error = A::Error;
    type Variant = Wrapped<A::Variant>;

    fn variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<(S::Value, Self::Variant), A::Error> {
        let (value, variant) = self.0.variant_seed(Wrapped(seed))?;
        Ok((value, Wrapped(variant)))
    }
}

impl<'de, A: de::VariantAccess<'de>> de::VariantAccess<'de> for Wrapped<A> {
    type Error = A::Error;

    fn unit_variant(self) -> Result<(), A::Error> {
        self.0.unit_variant()
    }

    fn newtype_variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<S::Value, A::Error> {
        self.0.newtype_variant_seed(Wrapped(seed))
    }

    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, A::Error> {
        self.0.tuple_variant(len, Wrapped(visitor))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        self.0.struct_variant(fields, Wrapped(visitor))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Patch {
        name: Option<String>,
        active: Option<bool>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Order {
        lines: Vec<Line>,
        note: Option<Patch>,
        kind: Kind,
        id: Id,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Line {
        part: String,
        qty: u32,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        Stock,
        Rush(Line),
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Id(u64);

    fn strict<T: serde::de::DeserializeOwned>(json: &str) -> Result<T, serde_json::Error> {
        T::deserialize(ObjectsOnly(&mut serde_json::Deserializer::from_str(json)))
    }

    #[test]
    fn serde_alone_takes_an_array_for_a_struct() {
        // Why the adapter exists: this is what a plain parse accepts.
        let patch: Patch = serde_json::from_str("[null, true]").unwrap();
        assert_eq!(patch.active, Some(true));
    }

    #[test]
    fn a_struct_is_read_only_from_an_object_at_any_depth() {
        let error = strict::<Patch>("[null, null]").unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("invalid type: sequence, expected struct Patch"),
            "{error}"
        );
        let line = r#"{"part": "A", "qty": 1}"#;
        for (json, what) in [
            (
                r#"{"lines": [["A", 1]], "kind": "stock", "id": 1}"#,
                "in a list",
            ),
            (
                &format!(
                    r#"{{"lines": [{line}], "note": [null, null], "kind": "stock", "id": 1}}"#
                ),
                "in an option",
            ),
            (
                r#"{"lines": [], "kind": {"rush": ["A", 1]}, "id": 1}"#,
                "in an enum's variant",
            ),
        ] {
            let error = strict::<Order>(json).unwrap_err();
            assert!(
                error
                    .to_string()
                    .contains("invalid type: sequence, expected struct"),
                "{what}: {error}"
            );
        }
    }

    #[test]
    fn everything_else_reads_as_before() {
        let json = r#"{"lines": [{"part": "A", "qty": 2}], "note": {"name": "n", "active": null},
                       "kind": {"rush": {"part": "B", "qty": 1}}, "id": 7}"#;
        let order: Order = strict(json).unwrap();
        assert_eq!(order, serde_json::from_str::<Order>(json).unwrap());
        assert_eq!(
            order.kind,
            Kind::Rush(Line {
                part: "B".into(),
                qty: 1
            })
        );
        let order: Order =
            strict(r#"{"lines": [], "note": null, "kind": "stock", "id": 1}"#).unwrap();
        assert_eq!(
            (order.note, order.kind, order.id),
            (None, Kind::Stock, Id(1))
        );
        assert_eq!(
            strict::<serde_json::Value>(r#"[1, "a", {"b": [null]}]"#).unwrap(),
            serde_json::json!([1, "a", {"b": [null]}])
        );
        // serde's own errors are unchanged.
        let error = strict::<Line>(r#"{"part": "A", "qty": -1}"#).unwrap_err();
        assert!(
            error.to_string().starts_with("invalid value: integer `-1`"),
            "{error}"
        );
    }
}
