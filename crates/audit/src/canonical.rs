//! Canonical JSON: one byte string per JSON value.
//!
//! Hashes and signatures in this crate are computed over the canonical form
//! of a [`serde_json::Value`], defined as:
//!
//! * no insignificant whitespace;
//! * object members sorted by key, comparing keys as UTF-8 byte strings
//!   (which is the same as Unicode code point order), recursively;
//! * arrays keep their order;
//! * strings are written as `serde_json` writes them: `"` and `\` escaped,
//!   control characters as `\b \f \n \r \t` or `\u00XX`, everything else
//!   (including non-ASCII) as raw UTF-8;
//! * numbers are written as `serde_json` writes them: integers in decimal,
//!   floating-point numbers in their shortest round-tripping form (`0.5`,
//!   `1.0`, `1e-7`);
//! * `true`, `false`, `null` as such.
//!
//! The form does not depend on the order in which a map was built, nor on
//! whether `serde_json` was compiled with `preserve_order`.

use serde_json::Value;

/// Returns the canonical JSON text of `value` (see the module docs).
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

/// Appends the canonical JSON text of `value` to `out`.
pub fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut members: Vec<(&String, &Value)> = map.iter().collect();
            members.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push('{');
            for (i, (key, item)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(key, out);
                out.push(':');
                write_canonical(item, out);
            }
            out.push('}');
        }
    }
}

fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0C}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn sorts_keys_recursively_without_whitespace() {
        let v = json!({"b": 1, "a": {"z": [3, {"y": null, "x": true}], "m": "s"}});
        assert_eq!(
            canonical_json(&v),
            r#"{"a":{"m":"s","z":[3,{"x":true,"y":null}]},"b":1}"#
        );
    }

    #[test]
    fn key_order_is_byte_order() {
        let v = json!({"é": 1, "z": 2, "Z": 3, "aa": 4, "a": 5});
        assert_eq!(canonical_json(&v), r#"{"Z":3,"a":5,"aa":4,"z":2,"é":1}"#);
    }

    #[test]
    fn escapes_strings_like_serde_json() {
        let s = "quote\" back\\ nl\n tab\t bell\u{07} uni ü 中";
        let v = Value::String(s.to_owned());
        assert_eq!(canonical_json(&v), serde_json::to_string(&v).unwrap());
    }

    #[test]
    fn numbers() {
        let v = json!([0, -1, 18446744073709551615u64, 0.5, 1.0, -2.25e-7]);
        assert_eq!(
            canonical_json(&v),
            "[0,-1,18446744073709551615,0.5,1.0,-2.25e-7]"
        );
    }

    fn arb_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(Value::from),
            any::<String>().prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map(any::<String>(), inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn canonical_text_parses_back_to_the_same_value(v in arb_json()) {
            let text = canonical_json(&v);
            let back: Value = serde_json::from_str(&text).unwrap();
            prop_assert_eq!(&back, &v);
            prop_assert_eq!(canonical_json(&back), text);
        }

        #[test]
        fn independent_of_insertion_order(pairs in prop::collection::vec((any::<String>(), any::<i32>()), 0..8)) {
            let mut forward = serde_json::Map::new();
            for (k, v) in &pairs {
                forward.insert(k.clone(), Value::from(*v));
            }
            let mut backward = serde_json::Map::new();
            for (k, _) in pairs.iter().rev() {
                backward.insert(k.clone(), forward[k].clone());
            }
            prop_assert_eq!(
                canonical_json(&Value::Object(forward)),
                canonical_json(&Value::Object(backward))
            );
        }
    }
}
