//! Request bodies as a borrowed JSON tree. `serde_json::Value` copies every string (a W2-sized
//! body is 3 MB of base64) and builds a `BTreeMap` with owned keys per object; profiles of small
//! programs put that at a fifth of the server's time. `Json` keeps strings as slices of the body
//! wherever they hold no escapes, and objects as short vectors in document order.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

#[derive(Debug, Clone, PartialEq)]
pub enum Json<'a> {
    Null,
    Bool(bool),
    /// Integers that fit an i64; larger ones read as `Float`, as `Value::as_i64` would have it.
    Int(i64),
    Float(f64),
    Str(Cow<'a, str>),
    List(Vec<Json<'a>>),
    Obj(Obj<'a>),
}

/// An object's members in document order, keys unique (a repeated key keeps its last value,
/// as `serde_json::Value` does).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Obj<'a>(pub(super) Vec<(Cow<'a, str>, Json<'a>)>);

/// Objects up to this many members find a repeated key by scanning; larger ones use an index,
/// so a body of a million distinct keys stays linear.
pub(super) const SCAN_MEMBERS: usize = 32;

impl<'a> Obj<'a> {
    pub fn get(&self, key: &str) -> Option<&Json<'a>> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Json<'a>)> {
        self.0.iter().map(|(k, v)| (k.as_ref(), v))
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(k, _)| k.as_ref())
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The same object owning its strings, to outlive the body it was parsed from.
    pub fn into_owned(self) -> Obj<'static> {
        Obj(self
            .0
            .into_iter()
            .map(|(k, v)| (Cow::Owned(k.into_owned()), v.into_owned()))
            .collect())
    }
}

impl<'a> Json<'a> {
    pub fn is_null(&self) -> bool {
        matches!(self, Json::Null)
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Json<'a>]> {
        match self {
            Json::List(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&Obj<'a>> {
        match self {
            Json::Obj(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Json::Int(i) => u64::try_from(*i).ok(),
            _ => None,
        }
    }

    pub fn into_owned(self) -> Json<'static> {
        match self {
            Json::Null => Json::Null,
            Json::Bool(b) => Json::Bool(b),
            Json::Int(i) => Json::Int(i),
            Json::Float(x) => Json::Float(x),
            Json::Str(s) => Json::Str(Cow::Owned(s.into_owned())),
            Json::List(items) => Json::List(items.into_iter().map(Json::into_owned).collect()),
            Json::Obj(m) => Json::Obj(m.into_owned()),
        }
    }
}

impl<'de> Deserialize<'de> for Json<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Json::Null)
    }

    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Json::Null)
    }

    fn visit_bool<E>(self, b: bool) -> Result<Self::Value, E> {
        Ok(Json::Bool(b))
    }

    fn visit_i64<E>(self, i: i64) -> Result<Self::Value, E> {
        Ok(Json::Int(i))
    }

    fn visit_u64<E>(self, u: u64) -> Result<Self::Value, E> {
        Ok(i64::try_from(u).map_or(Json::Float(u as f64), Json::Int))
    }

    fn visit_f64<E>(self, x: f64) -> Result<Self::Value, E> {
        Ok(Json::Float(x))
    }

    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Self::Value, E> {
        Ok(Json::Str(Cow::Borrowed(s)))
    }

    fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
        Ok(Json::Str(Cow::Owned(s.to_owned())))
    }

    fn visit_string<E>(self, s: String) -> Result<Self::Value, E> {
        Ok(Json::Str(Cow::Owned(s)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(x) = seq.next_element()? {
            items.push(x);
        }
        Ok(Json::List(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut members: Vec<(Cow<'de, str>, Json<'de>)> = Vec::new();
        let mut index: Option<HashMap<Cow<'de, str>, usize>> = None;
        while let Some(Key(k)) = map.next_key()? {
            let v: Json<'de> = map.next_value()?;
            if members.len() == SCAN_MEMBERS && index.is_none() {
                index = Some(
                    members
                        .iter()
                        .enumerate()
                        .map(|(i, (k, _))| (k.clone(), i))
                        .collect(),
                );
            }
            let seen = match &index {
                Some(ix) => ix.get(&k).copied(),
                None => members.iter().position(|(x, _)| *x == k),
            };
            match seen {
                Some(i) => members[i].1 = v,
                None => {
                    if let Some(ix) = &mut index {
                        ix.insert(k.clone(), members.len());
                    }
                    members.push((k, v));
                }
            }
        }
        Ok(Json::Obj(Obj(members)))
    }
}

/// A member name, borrowed from the body when it has no escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(s)))
            }
            fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(s.to_owned())))
            }
            fn visit_string<E>(self, s: String) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(s)))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Json<'_> {
        serde_json::from_str(s).unwrap()
    }

    #[test]
    fn strings_without_escapes_borrow_the_body_and_escaped_ones_are_decoded() {
        let j = parse(r#"{"a": "plain", "b": "tab\there"}"#);
        let m = j.as_object().unwrap();
        assert!(matches!(
            m.get("a"),
            Some(Json::Str(Cow::Borrowed("plain")))
        ));
        assert_eq!(m.get("b").and_then(Json::as_str), Some("tab\there"));
    }

    #[test]
    fn numbers_read_as_serde_json_value_reads_them() {
        let j = parse("[1, -2, 18446744073709551615, 2.5]");
        let v: serde_json::Value = serde_json::from_str("[18446744073709551615]").unwrap();
        assert_eq!(v[0].as_i64(), None);
        assert_eq!(
            j,
            Json::List(vec![
                Json::Int(1),
                Json::Int(-2),
                Json::Float(18446744073709551615.0),
                Json::Float(2.5),
            ])
        );
    }

    #[test]
    fn a_repeated_key_keeps_its_last_value_in_small_and_large_objects() {
        let small = parse(r#"{"k": 1, "x": 0, "k": 2}"#);
        assert_eq!(small.as_object().unwrap().len(), 2);
        assert_eq!(small.as_object().unwrap().get("k"), Some(&Json::Int(2)));

        let keys: Vec<String> = (0..100).map(|i| format!("\"k{i}\": {i}")).collect();
        let text = format!("{{{}, \"k7\": -7, \"k90\": -90}}", keys.join(", "));
        let large = parse(&text);
        let m = large.as_object().unwrap();
        assert_eq!(m.len(), 100);
        assert_eq!(m.get("k7"), Some(&Json::Int(-7)));
        assert_eq!(m.get("k90"), Some(&Json::Int(-90)));
        assert_eq!(m.keys().next(), Some("k0"), "document order is kept");
    }
}
