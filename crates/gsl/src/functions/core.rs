//! `isEmpty`, `length`, `split`, `getValue`.

use super::{scalar_text, str_arg};
use crate::eval::EvalContext;
use crate::value::Value;

/// Missing, null, empty string, empty list or empty object.
pub fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::List(l) => l.is_empty(),
        Value::Object(m) => m.is_empty(),
        _ => false,
    }
}

/// Elements of a list, characters of a string, 0 when missing; any other value counts as a
/// one-element list.
pub fn length(v: &Value) -> usize {
    match v {
        Value::Null => 0,
        Value::String(s) => s.chars().count(),
        Value::List(l) => l.len(),
        _ => 1,
    }
}

pub fn validate_split(args: &[Value]) -> Result<(), String> {
    str_arg(args, 0, "a separator").map(|_| ())
}

/// `s split(sep)`: list of strings. On a list, splits each element and concatenates.
/// Missing stays missing.
pub fn split(v: &Value, args: &[Value], _: &EvalContext) -> Result<Value, String> {
    let sep = str_arg(args, 0, "a separator")?;
    if sep.is_empty() {
        return Err("the separator is empty".into());
    }
    fn go(v: &Value, sep: &str, out: &mut Vec<Value>) {
        match v {
            Value::List(l) => l.iter().for_each(|x| go(x, sep, out)),
            other => {
                if let Some(s) = scalar_text(other) {
                    out.extend(s.split(sep).map(Value::from));
                }
            }
        }
    }
    if v.is_null() {
        return Ok(Value::Null);
    }
    let mut out = vec![];
    go(v, sep, &mut out);
    Ok(Value::List(out))
}

pub fn validate_get_value(args: &[Value]) -> Result<(), String> {
    str_arg(args, 0, "a property path").map(|_| ())
}

/// `x getValue('a.b')`: the value at the dot-separated path below the receiver.
pub fn get_value(v: &Value, args: &[Value], _: &EvalContext) -> Result<Value, String> {
    let path = str_arg(args, 0, "a property path")?;
    let mut cur = v;
    for seg in path.split('.').filter(|s| !s.is_empty()) {
        match cur.get(seg) {
            Some(next) => cur = next,
            None => return Ok(Value::Null),
        }
    }
    Ok(cur.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empties_and_lengths() {
        assert!(is_empty(&Value::Null));
        assert!(is_empty(&Value::from("")));
        assert!(is_empty(&Value::List(vec![])));
        assert!(is_empty(&Value::Object(Default::default())));
        assert!(!is_empty(&Value::Bool(false)));
        assert_eq!(length(&Value::from("héllo")), 5);
        assert_eq!(length(&Value::List(vec![Value::Null, Value::Null])), 2);
        assert_eq!(length(&Value::Null), 0);
        assert_eq!(length(&Value::Number(3.0)), 1);
    }

    #[test]
    fn split_and_get_value() {
        let cx = EvalContext::at_unix(0);
        let arn = Value::from("arn:aws:iam::123:root");
        assert_eq!(
            split(&arn, &[Value::from(":")], &cx).unwrap(),
            Value::List(
                ["arn", "aws", "iam", "", "123", "root"]
                    .map(Value::from)
                    .to_vec()
            )
        );
        let list = Value::List(vec![Value::from("a:b"), Value::from("c")]);
        assert_eq!(
            split(&list, &[Value::from(":")], &cx).unwrap(),
            Value::List(["a", "b", "c"].map(Value::from).to_vec())
        );
        assert_eq!(
            split(&Value::Null, &[Value::from(":")], &cx).unwrap(),
            Value::Null
        );
        let v = Value::from_json(&serde_json::json!({"a": {"b": 7}}));
        assert_eq!(
            get_value(&v, &[Value::from("a.b")], &cx).unwrap(),
            Value::Number(7.0)
        );
        assert_eq!(
            get_value(&v, &[Value::from("a.c")], &cx).unwrap(),
            Value::Null
        );
    }
}
