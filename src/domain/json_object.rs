//! Where a body has an object, only a JSON object: serde's derived structs also read a JSON array
//! of their fields in order (`["AKIA...", "secret"]` for `credentials`), a form no client means
//! and no document describes. These deserializers read a struct from a map and nothing else.

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::MapAccessDeserializer;
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};

/// Reads a `T` from a JSON object only; an array (or anything else) is "expected a JSON object".
pub fn object<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    deserializer.deserialize_map(ObjectVisitor(PhantomData))
}

/// Like [`object`], for an optional field: `null` is `None`.
pub fn optional_object<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    deserializer.deserialize_option(OptionalObjectVisitor(PhantomData))
}

struct ObjectVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectVisitor<T> {
    type Value = T;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::deserialize(MapAccessDeserializer::new(map))
    }
}

struct OptionalObjectVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for OptionalObjectVisitor<T> {
    type Value = Option<T>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a JSON object or null")
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Option<T>, E> {
        Ok(None)
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Option<T>, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Option<T>, D::Error> {
        object(deserializer).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Pair {
        a: u8,
        b: u8,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Holder {
        #[serde(deserialize_with = "object")]
        pair: Pair,
        #[serde(default, deserialize_with = "optional_object")]
        maybe: Option<Pair>,
    }

    #[test]
    fn objects_are_read_and_arrays_refused() {
        let read: Holder =
            serde_json::from_str(r#"{"pair": {"a": 1, "b": 2}, "maybe": null}"#).expect("objects");
        assert_eq!(read.pair, Pair { a: 1, b: 2 });
        assert_eq!(read.maybe, None);
        let absent: Holder = serde_json::from_str(r#"{"pair": {"b": 2, "a": 1}}"#).unwrap();
        assert_eq!(absent.maybe, None);
        for array in [
            r#"{"pair": [1, 2]}"#,
            r#"{"pair": {"a": 1, "b": 2}, "maybe": [1, 2]}"#,
        ] {
            let error = serde_json::from_str::<Holder>(array).unwrap_err();
            assert!(
                error.to_string().contains("expected a JSON object"),
                "{error}"
            );
        }
        // The plain derive takes the array: the reason for these deserializers.
        assert!(serde_json::from_str::<Pair>("[1, 2]").is_ok());
        assert!(serde_json::from_str::<Pair>(r#"{"a": 1, "b": 2, "c": 3}"#).is_err());
    }
}
