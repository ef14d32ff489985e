//! Request bodies as a borrowed JSON tree in an arena. `serde_json::Value` copies every string
//! (a W2-sized body is 3 MB of base64) and builds a `BTreeMap` with owned keys per object;
//! profiles of small programs put that at a fifth of the server's time. `Json` keeps strings as
//! slices of the body wherever they hold no escapes, and lists and objects as slices in one
//! arena (`bumpalo`) that lives as long as the body: a small program's tree is one allocation,
//! and dropping it frees that allocation without walking the tree.

use std::collections::HashMap;
use std::fmt;

use bumpalo::Bump;
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Json<'a> {
    Null,
    Bool(bool),
    /// Integers that fit an i64; larger ones read as `Float`, as `Value::as_i64` would have it.
    Int(i64),
    Float(f64),
    Str(&'a str),
    List(&'a [Json<'a>]),
    Obj(Obj<'a>),
}

/// An object's members in document order, keys unique (a repeated key keeps its last value,
/// as `serde_json::Value` does).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Obj<'a>(pub(super) &'a [(&'a str, Json<'a>)]);

/// Objects up to this many members find a repeated key by scanning; larger ones use an index,
/// so a body of a million distinct keys stays linear.
pub(super) const SCAN_MEMBERS: usize = 32;

/// The arena for a body's tree, sized so that a body of plain JSON numbers and names (about
/// eight bytes of tree a byte of text) fits its first chunk; a larger tree adds chunks.
pub fn arena_for(body: &[u8]) -> Bump {
    Bump::with_capacity(body.len().saturating_mul(8).clamp(1 << 10, 1 << 20))
}

impl<'a> Obj<'a> {
    pub fn get(&self, key: &str) -> Option<&Json<'a>> {
        self.0.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&'a str, &'a Json<'a>)> {
        self.0.iter().map(|(k, v)| (*k, v))
    }

    pub fn keys(&self) -> impl Iterator<Item = &'a str> {
        self.0.iter().map(|(k, _)| *k)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'a> Json<'a> {
    pub fn is_null(&self) -> bool {
        matches!(self, Json::Null)
    }

    pub fn as_str(&self) -> Option<&'a str> {
        match self {
            Json::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&'a [Json<'a>]> {
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
}

/// `text` read by serde_json into a tree in `arena` (the general path, and the one whose errors
/// a client sees: `json_fast` reads the common bodies).
pub fn from_str<'a>(text: &'a str, arena: &'a Bump) -> serde_json::Result<Json<'a>> {
    seeded(serde_json::Deserializer::from_str(text), arena)
}

/// `from_str` for bytes that may not be UTF-8 (serde_json words that error).
pub fn from_slice<'a>(bytes: &'a [u8], arena: &'a Bump) -> serde_json::Result<Json<'a>> {
    seeded(serde_json::Deserializer::from_slice(bytes), arena)
}

fn seeded<'a, R: serde_json::de::Read<'a>>(
    mut de: serde_json::Deserializer<R>,
    arena: &'a Bump,
) -> serde_json::Result<Json<'a>> {
    let v = Seed(arena).deserialize(&mut de)?;
    de.end()?;
    Ok(v)
}

/// Builds values in its arena; strings with escapes are decoded into it too.
#[derive(Clone, Copy)]
struct Seed<'a>(&'a Bump);

impl<'a> DeserializeSeed<'a> for Seed<'a> {
    type Value = Json<'a>;

    fn deserialize<D: Deserializer<'a>>(self, d: D) -> Result<Json<'a>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'a> Visitor<'a> for Seed<'a> {
    type Value = Json<'a>;

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

    fn visit_borrowed_str<E>(self, s: &'a str) -> Result<Self::Value, E> {
        Ok(Json::Str(s))
    }

    fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
        Ok(Json::Str(self.0.alloc_str(s)))
    }

    fn visit_seq<A: SeqAccess<'a>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(x) = seq.next_element_seed(self)? {
            items.push(x);
        }
        Ok(Json::List(self.0.alloc_slice_copy(&items)))
    }

    fn visit_map<A: MapAccess<'a>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut members: Vec<(&'a str, Json<'a>)> = Vec::new();
        let mut index: Option<HashMap<&'a str, usize>> = None;
        while let Some(k) = map.next_key_seed(Key(self.0))? {
            let v = map.next_value_seed(self)?;
            if members.len() == SCAN_MEMBERS && index.is_none() {
                index = Some(
                    members
                        .iter()
                        .enumerate()
                        .map(|(i, (k, _))| (*k, i))
                        .collect(),
                );
            }
            let seen = match &index {
                Some(ix) => ix.get(k).copied(),
                None => members.iter().position(|(x, _)| *x == k),
            };
            match seen {
                Some(i) => members[i].1 = v,
                None => {
                    if let Some(ix) = &mut index {
                        ix.insert(k, members.len());
                    }
                    members.push((k, v));
                }
            }
        }
        Ok(Json::Obj(Obj(self.0.alloc_slice_copy(&members))))
    }
}

/// A member name, borrowed from the body when it has no escapes, else decoded into the arena.
struct Key<'a>(&'a Bump);

impl<'a> DeserializeSeed<'a> for Key<'a> {
    type Value = &'a str;

    fn deserialize<D: Deserializer<'a>>(self, d: D) -> Result<&'a str, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'a> Visitor<'a> for Key<'a> {
    type Value = &'a str;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_borrowed_str<E>(self, s: &'a str) -> Result<Self::Value, E> {
        Ok(s)
    }

    fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
        Ok(self.0.alloc_str(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse<'a>(s: &'a str, arena: &'a Bump) -> Json<'a> {
        from_str(s, arena).unwrap()
    }

    #[test]
    fn strings_without_escapes_borrow_the_body_and_escaped_ones_are_decoded() {
        let arena = Bump::new();
        let text = r#"{"a": "plain", "b": "tab\there"}"#;
        let j = parse(text, &arena);
        let m = j.as_object().unwrap();
        let plain = m.get("a").and_then(Json::as_str).unwrap();
        assert!(text.as_bytes().as_ptr_range().contains(&plain.as_ptr()));
        assert_eq!(m.get("b").and_then(Json::as_str), Some("tab\there"));
    }

    #[test]
    fn numbers_read_as_serde_json_value_reads_them() {
        let arena = Bump::new();
        let j = parse("[1, -2, 18446744073709551615, 2.5]", &arena);
        let v: serde_json::Value = serde_json::from_str("[18446744073709551615]").unwrap();
        assert_eq!(v[0].as_i64(), None);
        assert_eq!(
            j,
            Json::List(&[
                Json::Int(1),
                Json::Int(-2),
                Json::Float(18446744073709551615.0),
                Json::Float(2.5),
            ])
        );
    }

    #[test]
    fn a_repeated_key_keeps_its_last_value_in_small_and_large_objects() {
        let arena = Bump::new();
        let small = parse(r#"{"k": 1, "x": 0, "k": 2}"#, &arena);
        assert_eq!(small.as_object().unwrap().len(), 2);
        assert_eq!(small.as_object().unwrap().get("k"), Some(&Json::Int(2)));

        let keys: Vec<String> = (0..100).map(|i| format!("\"k{i}\": {i}")).collect();
        let text = format!("{{{}, \"k7\": -7, \"k90\": -90}}", keys.join(", "));
        let large = parse(&text, &arena);
        let m = large.as_object().unwrap();
        assert_eq!(m.len(), 100);
        assert_eq!(m.get("k7"), Some(&Json::Int(-7)));
        assert_eq!(m.get("k90"), Some(&Json::Int(-90)));
        assert_eq!(m.keys().next(), Some("k0"), "document order is kept");
    }
}
