//! Request bodies parsed into a [`Value`], the same tree `serde_json::from_slice` builds, for
//! less: serde_json grows each object's map one key at a time (rehashing its index and moving
//! its entries as it goes), while here an object's members are gathered in a reused buffer
//! first and the map is built once at its final size. About 2 500 fewer instructions for a
//! typical create (callgrind, see the README's benchmark section).
//!
//! Limits and errors are serde_json's own: the deserializer still enforces its nesting limit
//! (128) and reports the same messages and positions.
//!
//! Strings (keys and values) come from a per-thread store of spare strings that [`recycle`]
//! fills from the bodies of answered requests, so a steady stream of creates parses its keys
//! and values without a call to the allocator: a typical create body holds eleven short
//! strings, more than glibc keeps at hand per size, so each of them also cost a slow path.

use std::cell::RefCell;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// Member buffers kept per thread for reuse, one per level of nesting in use.
const KEPT_BUFFERS: usize = 8;
/// A buffer that grew past this many members is not kept, so one huge body leaves no large
/// allocation behind.
const KEPT_CAPACITY: usize = 256;

/// Spare strings kept per thread, and the largest capacity one may have to be kept: the
/// store stays under 8 KiB whatever bodies come.
const SPARE_STRINGS: usize = 64;
const SPARE_CAPACITY: usize = 128;
/// A new string gets at least this capacity (glibc's smallest block holds 24 bytes anyway),
/// so a spare fits most later keys and values without growing.
const MIN_CAPACITY: usize = 24;
/// How deep [`recycle`] looks into a tree; deeper strings are simply dropped.
const RECYCLE_DEPTH: usize = 128;

type Members = Vec<(String, Value)>;

thread_local! {
    static BUFFERS: RefCell<Vec<Members>> = const { RefCell::new(Vec::new()) };
    static SPARES: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// `text` as an owned string, in a spare one when the thread has one.
fn owned(text: &str) -> String {
    let spare = SPARES.with(|s| s.borrow_mut().pop());
    let mut out = spare.unwrap_or_else(|| String::with_capacity(text.len().max(MIN_CAPACITY)));
    out.push_str(text);
    out
}

/// Gives the strings of an answered request's body back for later parses (see the module
/// notes); the rest of the tree is dropped. Bounded in count, size and depth.
pub fn recycle(value: Value) {
    SPARES.with(|s| keep_strings(&mut s.borrow_mut(), value, 0));
}

fn keep_strings(spares: &mut Vec<String>, value: Value, depth: usize) {
    let keep = |spares: &mut Vec<String>, mut s: String| {
        if spares.len() < SPARE_STRINGS && s.capacity() <= SPARE_CAPACITY {
            s.clear();
            spares.push(s);
        }
    };
    match value {
        Value::String(s) => keep(spares, s),
        Value::Object(map) if depth < RECYCLE_DEPTH => {
            for (k, v) in map {
                keep(spares, k);
                keep_strings(spares, v, depth + 1);
            }
        }
        Value::Array(items) if depth < RECYCLE_DEPTH => {
            for v in items {
                keep_strings(spares, v, depth + 1);
            }
        }
        _ => {}
    }
}

/// Parses one JSON document (trailing whitespace allowed, nothing else) into a [`Value`].
pub fn parse(bytes: &[u8]) -> Result<Value, serde_json::Error> {
    // One UTF-8 check of the whole body lets serde_json skip its check of every string (its
    // `&str` reader); a body that is not UTF-8 goes through the byte reader for the same error.
    match std::str::from_utf8(bytes) {
        Ok(text) => parse_with(serde_json::Deserializer::from_str(text)),
        Err(_) => parse_with(serde_json::Deserializer::from_slice(bytes)),
    }
}

fn parse_with<'de, R: serde_json::de::Read<'de>>(
    mut de: serde_json::Deserializer<R>,
) -> Result<Value, serde_json::Error> {
    let value = ValueSeed.deserialize(&mut de)?;
    de.end()?;
    Ok(value)
}

struct ValueSeed;

impl<'de> DeserializeSeed<'de> for ValueSeed {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any valid JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(owned(v)))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(ValueSeed)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut members = BUFFERS.with(|b| b.borrow_mut().pop()).unwrap_or_default();
        // The buffer goes back even when a member fails to parse.
        let filled = (|| -> Result<(), A::Error> {
            while let Some(key) = access.next_key_seed(KeySeed)? {
                let value = access.next_value_seed(ValueSeed)?;
                members.push((key, value));
            }
            Ok(())
        })();
        // Built at its final size; a repeated key keeps its first place and its last value,
        // as serde_json's own map does.
        let map = filled.map(|()| members.drain(..).collect::<Map<String, Value>>());
        members.clear();
        if members.capacity() <= KEPT_CAPACITY {
            BUFFERS.with(|b| {
                let mut kept = b.borrow_mut();
                if kept.len() < KEPT_BUFFERS {
                    kept.push(members);
                }
            });
        }
        map.map(Value::Object)
    }
}

/// A member's name, in a spare string: its own seed and visitor.
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = String;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = String;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a string key")
    }

    fn visit_str<E>(self, v: &str) -> Result<String, E> {
        Ok(owned(v))
    }

    fn visit_string<E>(self, v: String) -> Result<String, E> {
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same_as_serde_json(text: &str) {
        let ours = parse(text.as_bytes());
        let theirs = serde_json::from_str::<Value>(text);
        match (ours, theirs) {
            (Ok(a), Ok(b)) => {
                assert_eq!(a, b, "{text}");
                // Same member order too (preserve_order): compare the texts.
                assert_eq!(a.to_string(), b.to_string(), "{text}");
            }
            (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{text}"),
            (a, b) => panic!("{text}: ours {a:?}, serde_json {b:?}"),
        }
    }

    #[test]
    fn builds_the_tree_serde_json_builds() {
        for text in [
            r#"{"b": 1, "a": [true, null, 2.5, -3, 18446744073709551615], "c": {"z": "é\"\\u00e9", "y": {}}}"#,
            r#"{"k": 1, "j": 2, "k": 3}"#,
            r#"[{"a": {"b": {"c": [{"d": 1}]}}}, [], {}]"#,
            r#"  "text"  "#,
            "1e400",
            "-0",
            "null",
        ] {
            same_as_serde_json(text);
        }
    }

    #[test]
    fn refuses_what_serde_json_refuses_with_the_same_message() {
        for text in [
            "",
            "{",
            r#"{"a": 1,}"#,
            r#"{"a": 1} x"#,
            r#"{"a": [1, 2}"#,
            r#"{1: 2}"#,
            "\"\\ud800\"",
            "tru",
        ] {
            same_as_serde_json(text);
        }
    }

    #[test]
    fn bytes_that_are_not_utf8_get_serde_jsons_byte_reader_errors() {
        for bytes in [
            &b"{\"a\": \"\xff\"}"[..],
            b"{\"\xc3\": 1}",
            b"\xef\xbb\xbf{}",
            b"{\"a\": 1}\xff",
        ] {
            let ours = parse(bytes).map_err(|e| e.to_string());
            let theirs = serde_json::from_slice::<Value>(bytes).map_err(|e| e.to_string());
            assert_eq!(ours, theirs, "{bytes:?}");
            assert!(ours.is_err(), "{bytes:?}");
        }
    }

    #[test]
    fn keeps_serde_jsons_nesting_limit() {
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        same_as_serde_json(&deep);
        let deep_objects = format!("{}1{}", r#"{"a":"#.repeat(200), "}".repeat(200));
        same_as_serde_json(&deep_objects);
        let within = format!("{}1{}", r#"{"a":"#.repeat(100), "}".repeat(100));
        same_as_serde_json(&within);
        assert!(parse(within.as_bytes()).is_ok());
    }

    #[test]
    fn a_failed_member_returns_its_buffer_and_later_parses_are_unaffected() {
        for _ in 0..20 {
            assert!(parse(br#"{"a": {"b": [1, }}"#).is_err());
        }
        same_as_serde_json(r#"{"x": {"y": 1}, "z": 2}"#);
        BUFFERS.with(|b| assert!(b.borrow().len() <= KEPT_BUFFERS));
    }

    #[test]
    fn recycled_strings_build_the_same_trees_and_the_store_stays_bounded() {
        let text = r#"{"name": "bench", "hostname": "sip.example.net", "list": ["a", {"b": "c"}], "n": 1}"#;
        for _ in 0..5 {
            let tree = parse(text.as_bytes()).unwrap();
            same_as_serde_json(text);
            recycle(tree);
        }
        // Strings that outgrew the limit are dropped, not kept.
        let long = format!(r#"{{"k": "{}"}}"#, "x".repeat(SPARE_CAPACITY + 1));
        recycle(parse(long.as_bytes()).unwrap());
        SPARES.with(|s| {
            let s = s.borrow();
            assert!(s.len() <= SPARE_STRINGS);
            assert!(
                s.iter()
                    .all(|x| x.is_empty() && x.capacity() <= SPARE_CAPACITY)
            );
        });
        // Many strings at once: the store keeps at most its bound.
        let many = format!("[{}]", vec!["\"s\""; 500].join(","));
        recycle(parse(many.as_bytes()).unwrap());
        SPARES.with(|s| assert_eq!(s.borrow().len(), SPARE_STRINGS));
        same_as_serde_json(&many);
    }

    #[test]
    fn recycling_a_tree_deeper_than_its_limit_drops_the_rest() {
        let mut deep = Value::String("leaf".into());
        for _ in 0..(RECYCLE_DEPTH * 4) {
            deep = Value::Array(vec![deep]);
        }
        recycle(deep);
    }
}
