//! JSON text -> [`gsl::Value`], detecting duplicate object keys.
//!
//! serde_json keeps the last of two equal keys without a word, but old IAM policies do contain
//! duplicates and IAM itself does not simply keep the last one. This parser reports every
//! duplicate and resolves it the way IAM does:
//! - `Action`, `NotAction`, `Resource`, `NotResource`: the values are merged into one list
//!   (a single string counts as a one-element list), in the order written;
//! - any other key: the last value wins (it keeps the position of the first occurrence).
//!
//! It is built on serde's `DeserializeSeed`/`Visitor` API over `serde_json::Deserializer`, so the
//! lexing (and its error positions) is serde_json's. [`compact`] strips insignificant whitespace
//! from text that is already known to be valid JSON, so that documents are stored small.

use std::fmt;

use gsl::{Map, Value};
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};

/// Keys whose duplicate occurrences IAM merges instead of overwriting.
const MERGED_KEYS: [&str; 4] = ["Action", "NotAction", "Resource", "NotResource"];

/// One duplicate key found by [`parse`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Duplicate {
    /// Where the object holding the key sits, e.g. `document.Statement[0]` (empty for the root).
    pub path: String,
    pub key: String,
    /// `true` when the values were merged into one list, `false` when the last one won.
    pub merged: bool,
}

impl fmt::Display for Duplicate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = if self.path.is_empty() {
            String::new()
        } else {
            format!(" in {}", self.path)
        };
        if self.merged {
            write!(
                f,
                "duplicate key `{}`{at}: the values were merged into one list, as IAM does",
                self.key
            )
        } else {
            write!(
                f,
                "duplicate key `{}`{at}: the last value wins, as IAM does",
                self.key
            )
        }
    }
}

/// Parses `text` (one JSON value, nothing after it but whitespace). `prefix` is prepended to the
/// paths of duplicates (e.g. `versions[1].document`), so warnings say where the text was placed.
pub fn parse(text: &str, prefix: &str) -> Result<(Value, Vec<Duplicate>), serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    let mut ctx = Ctx {
        prefix,
        path: Vec::new(),
        duplicates: Vec::new(),
    };
    let value = ValueSeed { ctx: &mut ctx }.deserialize(&mut de)?;
    de.end()?;
    Ok((value, ctx.duplicates))
}

/// Removes whitespace outside strings. The input must be valid JSON (e.g. a
/// `serde_json::value::RawValue`); the output then is the same value, written compactly.
pub fn compact(json: &str) -> String {
    let bytes = json.as_bytes();
    let mut out = String::with_capacity(json.len());
    let mut in_string = false;
    let mut escaped = false;
    let mut run_start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
        } else if b == b'"' {
            in_string = true;
        } else if matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
            // ASCII whitespace is always a char boundary, so slicing here is sound.
            out.push_str(&json[run_start..i]);
            run_start = i + 1;
        }
    }
    out.push_str(&json[run_start..]);
    out
}

/// Appends `s` as a JSON string literal.
pub fn write_str(out: &mut String, s: &str) {
    out.push('"');
    let mut run_start = 0;
    for (i, b) in s.bytes().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[run_start..i]);
        if escape.is_empty() {
            out.push_str(&format!("\\u{b:04x}"));
        } else {
            out.push_str(escape);
        }
        run_start = i + 1;
    }
    out.push_str(&s[run_start..]);
    out.push('"');
}

enum Step {
    Key(String),
    Index(usize),
}

struct Ctx<'p> {
    prefix: &'p str,
    /// The keys and indices leading to the value being parsed; turned into text only when a
    /// duplicate is found, so the common case allocates nothing for paths.
    path: Vec<Step>,
    duplicates: Vec<Duplicate>,
}

impl Ctx<'_> {
    fn path_text(&self) -> String {
        let mut s = self.prefix.to_string();
        for step in &self.path {
            match step {
                Step::Key(k) => {
                    if !s.is_empty() {
                        s.push('.');
                    }
                    s.push_str(k);
                }
                Step::Index(i) => s.push_str(&format!("[{i}]")),
            }
        }
        s
    }
}

struct ValueSeed<'c, 'p> {
    ctx: &'c mut Ctx<'p>,
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_, '_> {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_, '_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v as f64))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v as f64))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Number(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.into()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v.into_boxed_str()))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        loop {
            self.ctx.path.push(Step::Index(items.len()));
            let item = seq.next_element_seed(ValueSeed {
                ctx: &mut *self.ctx,
            });
            self.ctx.path.pop();
            match item? {
                Some(v) => items.push(v),
                None => break,
            }
        }
        Ok(Value::List(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut map = Map::new();
        while let Some(key) = access.next_key::<String>()? {
            self.ctx.path.push(Step::Key(key));
            let value = access.next_value_seed(ValueSeed {
                ctx: &mut *self.ctx,
            });
            let key = match self.ctx.path.pop() {
                Some(Step::Key(k)) => k,
                _ => String::new(),
            };
            let value = value?;
            match map.get_mut(&key) {
                None => {
                    map.insert(key, value);
                }
                Some(slot) => {
                    let merged = MERGED_KEYS.contains(&key.as_str());
                    if merged {
                        let mut list = into_list(std::mem::take(slot));
                        list.extend(into_list(value));
                        *slot = Value::List(list);
                    } else {
                        *slot = value;
                    }
                    let path = self.ctx.path_text();
                    self.ctx.duplicates.push(Duplicate { path, key, merged });
                }
            }
        }
        Ok(Value::Object(map))
    }
}

fn into_list(v: Value) -> Vec<Value> {
    match v {
        Value::List(l) => l,
        other => vec![other],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_are_merged_or_overwritten_like_iam() {
        let text = r#"{"Statement":[{"Effect":"Deny","Effect":"Allow","Action":"s3:Get*","Action":["iam:*","sts:*"]}]}"#;
        let (v, dups) = parse(text, "document").unwrap();
        assert_eq!(
            v.to_string(),
            r#"{"Statement":[{"Effect":"Allow","Action":["s3:Get*","iam:*","sts:*"]}]}"#
        );
        assert_eq!(
            dups.iter().map(|d| d.to_string()).collect::<Vec<_>>(),
            vec![
                "duplicate key `Effect` in document.Statement[0]: the last value wins, as IAM does",
                "duplicate key `Action` in document.Statement[0]: the values were merged into one list, as IAM does",
            ]
        );
    }

    #[test]
    fn parse_rejects_trailing_garbage() {
        assert!(parse("{} x", "").is_err());
    }

    #[test]
    fn compact_keeps_strings_intact() {
        let text = "{ \"a\" : [ 1, 2 ],\n\t\"b c\": \"x \\\" y\" }";
        assert_eq!(compact(text), r#"{"a":[1,2],"b c":"x \" y"}"#);
    }

    #[test]
    fn write_str_escapes() {
        let mut s = String::new();
        write_str(&mut s, "a\"b\\c\nd\u{1}é");
        assert_eq!(s, r#""a\"b\\c\nd\u0001é""#);
        assert_eq!(
            serde_json::from_str::<String>(&s).unwrap(),
            "a\"b\\c\nd\u{1}é"
        );
    }
}
