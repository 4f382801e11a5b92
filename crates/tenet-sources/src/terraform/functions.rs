//! The Terraform functions policies are built with. Any other function yields `Unknown` naming
//! it, so a missing function is visible, never a silent wrong value.

use gsl::{Map, Value};
use hcl_edit::expr::Expression;

use super::hcl_eval::{Eval, Resolve, Scope, to_text, unknown_text};

/// Serialises like Terraform's `jsonencode` (keys sorted, compact); unknown leaves become markers.
pub(crate) fn json_text<R: Resolve>(e: &Eval<'_, R>, v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&gsl::value::format_number(*n)),
        Value::String(s) => tenet_inventory::json::write_str(out, s),
        Value::Unknown(r) => tenet_inventory::json::write_str(out, &e.r.unknowns().marker(r)),
        Value::List(l) => {
            out.push('[');
            for (i, x) in l.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_text(e, x, out);
            }
            out.push(']');
        }
        Value::Object(m) => {
            let mut keys: Vec<&str> = m.keys().collect();
            keys.sort_unstable();
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                tenet_inventory::json::write_str(out, k);
                out.push(':');
                if let Some(x) = m.get(k) {
                    json_text(e, x, out);
                }
            }
            out.push('}');
        }
    }
}

fn flatten_into(v: Value, out: &mut Vec<Value>) {
    match v {
        Value::List(l) => l.into_iter().for_each(|x| flatten_into(x, out)),
        other => out.push(other),
    }
}

fn first_unknown(args: &[Value]) -> Option<Value> {
    args.iter().find(|a| a.is_unknown()).cloned()
}

pub(crate) fn call<R: Resolve>(
    e: &Eval<'_, R>,
    name: &str,
    exprs: &[&Expression],
    expand_final: bool,
    s: &Scope,
) -> Value {
    // `try`/`can` evaluate lazily: the first argument that is known wins.
    match name {
        "try" => {
            let mut last = Value::unknown("try(): no argument could be evaluated");
            for x in exprs {
                let v = e.expr(x, s);
                if !v.is_unknown() {
                    return v;
                }
                last = v;
            }
            return last;
        }
        "can" => {
            let v = exprs.first().map(|x| e.expr(x, s)).unwrap_or(Value::Null);
            return Value::Bool(!v.is_unknown());
        }
        _ => {}
    }
    let mut args: Vec<Value> = exprs.iter().map(|x| e.expr(x, s)).collect();
    if expand_final && let Some(Value::List(l)) = args.pop() {
        args.extend(l);
    }
    let arg = |i: usize| args.get(i).cloned().unwrap_or(Value::Null);
    let text = |i: usize| args.get(i).and_then(to_text);
    let bad = |what: &str| Value::unknown(format!("{name}(): {what}"));
    // Functions that pass unknowns through structurally.
    match name {
        "jsonencode" => {
            let mut out = String::new();
            json_text(e, &arg(0), &mut out);
            return Value::str(out);
        }
        "tolist" | "toset" | "tomap" | "sensitive" | "nonsensitive" | "tostring" | "tonumber"
        | "tobool" => {
            let v = arg(0);
            if name == "toset"
                && let Value::List(mut l) = v
            {
                let mut seen: Vec<Value> = Vec::new();
                l.retain(|x| {
                    let dup = seen.contains(x);
                    if !dup {
                        seen.push(x.clone());
                    }
                    !dup
                });
                return Value::List(l);
            }
            if name == "tostring"
                && let Some(t) = to_text(&v)
            {
                return Value::str(t);
            }
            return v;
        }
        "concat" => {
            let mut out = Vec::new();
            for a in args {
                match a {
                    Value::List(l) => out.extend(l),
                    Value::Null => {}
                    u @ Value::Unknown(_) => return u,
                    other => out.push(other),
                }
            }
            return Value::List(out);
        }
        "flatten" => {
            let mut out = Vec::new();
            flatten_into(arg(0), &mut out);
            return Value::List(out);
        }
        "merge" => {
            let mut m = Map::new();
            for a in args {
                match a {
                    Value::Object(o) => {
                        for (k, v) in o.iter() {
                            m.insert(k, v.clone());
                        }
                    }
                    Value::Null => {}
                    u @ Value::Unknown(_) => return u,
                    other => return bad(&format!("{other} is not an object")),
                }
            }
            return Value::Object(m);
        }
        "coalesce" => {
            return args
                .into_iter()
                .find(|a| !matches!(a, Value::Null) && a.as_str() != Some(""))
                .unwrap_or_else(|| bad("no non-empty argument"));
        }
        "coalescelist" => {
            return args
                .into_iter()
                .find(|a| matches!(a, Value::List(l) if !l.is_empty()) || a.is_unknown())
                .unwrap_or(Value::List(Vec::new()));
        }
        "compact" => {
            return match arg(0) {
                Value::List(l) => Value::List(
                    l.into_iter()
                        .filter(|x| !matches!(x, Value::Null) && x.as_str() != Some(""))
                        .collect(),
                ),
                other => other,
            };
        }
        "distinct" => {
            return match arg(0) {
                Value::List(l) => {
                    let mut out: Vec<Value> = Vec::new();
                    for x in l {
                        if !out.contains(&x) {
                            out.push(x);
                        }
                    }
                    Value::List(out)
                }
                other => other,
            };
        }
        "lookup" => {
            return match arg(0) {
                Value::Object(m) => text(1)
                    .and_then(|k| m.get(&k).cloned())
                    .or_else(|| args.get(2).cloned())
                    .unwrap_or_else(|| bad("no such key and no default")),
                u @ Value::Unknown(_) => u,
                other => bad(&format!("{other} is not a map")),
            };
        }
        "element" => {
            return match (arg(0), arg(1)) {
                (Value::List(l), Value::Number(n)) if !l.is_empty() => {
                    l[(n as usize) % l.len()].clone()
                }
                (u @ Value::Unknown(_), _) | (_, u @ Value::Unknown(_)) => u,
                _ => bad("expects a non-empty list and an index"),
            };
        }
        "one" => {
            return match arg(0) {
                Value::List(mut l) if l.len() <= 1 => l.pop().unwrap_or(Value::Null),
                u @ Value::Unknown(_) => u,
                _ => bad("expects a list of at most one element"),
            };
        }
        "length" => {
            return match arg(0) {
                Value::List(l) => Value::Number(l.len() as f64),
                Value::Object(m) => Value::Number(m.len() as f64),
                Value::String(s) => Value::Number(s.chars().count() as f64),
                u @ Value::Unknown(_) => u,
                other => bad(&format!("{other} has no length")),
            };
        }
        "keys" | "values" => {
            return match arg(0) {
                Value::Object(m) => {
                    let mut pairs: Vec<(&str, &Value)> = m.iter().collect();
                    pairs.sort_by(|a, b| a.0.cmp(b.0));
                    Value::List(
                        pairs
                            .into_iter()
                            .map(|(k, v)| {
                                if name == "keys" {
                                    Value::str(k)
                                } else {
                                    v.clone()
                                }
                            })
                            .collect(),
                    )
                }
                u @ Value::Unknown(_) => u,
                other => bad(&format!("{other} is not a map")),
            };
        }
        "contains" => {
            return match arg(0) {
                Value::List(l) => {
                    Value::Bool(l.iter().any(|x| super::hcl_eval::loose_eq(x, &arg(1))))
                }
                u @ Value::Unknown(_) => u,
                _ => bad("expects a list"),
            };
        }
        "zipmap" => {
            return match (arg(0), arg(1)) {
                (Value::List(k), Value::List(v)) => {
                    let mut m = Map::new();
                    for (k, v) in k.iter().zip(v) {
                        m.insert(to_text(k).unwrap_or_default(), v);
                    }
                    Value::Object(m)
                }
                _ => bad("expects two lists"),
            };
        }
        "range" => {
            let n: Vec<f64> = args
                .iter()
                .filter_map(|a| {
                    if let Value::Number(n) = a {
                        Some(*n)
                    } else {
                        None
                    }
                })
                .collect();
            let (start, end, step) = match n.as_slice() {
                [e] => (0.0, *e, 1.0),
                [s, e] => (*s, *e, 1.0),
                [s, e, st] => (*s, *e, *st),
                _ => return bad("expects numbers"),
            };
            let mut out = Vec::new();
            let mut x = start;
            while (step > 0.0 && x < end) || (step < 0.0 && x > end) {
                out.push(Value::Number(x));
                x += step;
                if out.len() > 1024 {
                    break;
                }
            }
            return Value::List(out);
        }
        _ => {}
    }
    if let Some(u) = first_unknown(&args) {
        // String functions over unknowns: the result is unknown for the same reason.
        return Value::unknown(unknown_text(&u).unwrap_or("unknown"));
    }
    match name {
        "file" => match text(0) {
            Some(p) => match e.r.read_file(&p) {
                Ok(t) => Value::str(t),
                Err(why) => Value::unknown(why),
            },
            None => bad("expects a path"),
        },
        "templatefile" => match text(0) {
            Some(p) => match e.r.read_file(&p) {
                Ok(t) => match hcl_edit::parser::parse_template(&t) {
                    Ok(tpl) => {
                        let mut sc = Scope::default();
                        if let Value::Object(m) = arg(1) {
                            for (k, v) in m.iter() {
                                sc.vars.push((k.to_string(), v.clone()));
                            }
                        }
                        e.template(&tpl, &sc)
                    }
                    Err(err) => Value::unknown(format!(
                        "templatefile({p}): {}:{}: {}",
                        err.location().line(),
                        err.location().column(),
                        err.message()
                    )),
                },
                Err(why) => Value::unknown(why),
            },
            None => bad("expects a path"),
        },
        "jsondecode" => match text(0) {
            Some(t) => match crate::iac::node::parse_json(&t) {
                Ok(n) => e.r.unknowns().restore(n.to_value()),
                Err(err) => bad(&format!(
                    "{}:{}: {}",
                    err.pos.line, err.pos.column, err.message
                )),
            },
            None => bad("expects a string"),
        },
        "join" => match arg(1) {
            Value::List(l) => {
                let sep = text(0).unwrap_or_default();
                let parts: Vec<String> = l.iter().filter_map(to_text).collect();
                Value::str(parts.join(&sep))
            }
            _ => bad("expects a separator and a list"),
        },
        "split" => match (text(0), text(1)) {
            (Some(sep), Some(s)) if !sep.is_empty() => {
                Value::List(s.split(&*sep).map(Value::str).collect())
            }
            _ => bad("expects a separator and a string"),
        },
        "replace" => match (text(0), text(1), text(2)) {
            (Some(s), Some(from), Some(to)) if !from.starts_with('/') => {
                Value::str(s.replace(&from, &to))
            }
            _ => bad("regular-expression replace is not evaluated"),
        },
        "lower" => {
            text(0).map_or_else(|| bad("expects a string"), |t| Value::str(t.to_lowercase()))
        }
        "upper" => {
            text(0).map_or_else(|| bad("expects a string"), |t| Value::str(t.to_uppercase()))
        }
        "trimspace" => text(0).map_or_else(|| bad("expects a string"), |t| Value::str(t.trim())),
        "chomp" => text(0).map_or_else(
            || bad("expects a string"),
            |t| Value::str(t.trim_end_matches(['\n', '\r'])),
        ),
        "startswith" => match (text(0), text(1)) {
            (Some(a), Some(b)) => Value::Bool(a.starts_with(&b)),
            _ => bad("expects strings"),
        },
        "endswith" => match (text(0), text(1)) {
            (Some(a), Some(b)) => Value::Bool(a.ends_with(&b)),
            _ => bad("expects strings"),
        },
        "format" => match text(0) {
            Some(f) => {
                let mut out = String::new();
                let mut n = 1;
                let mut chars = f.chars().peekable();
                while let Some(c) = chars.next() {
                    if c == '%' {
                        match chars.next() {
                            Some('%') => out.push('%'),
                            Some(_) => {
                                out.push_str(&text(n).unwrap_or_default());
                                n += 1;
                            }
                            None => out.push('%'),
                        }
                    } else {
                        out.push(c);
                    }
                }
                Value::str(out)
            }
            None => bad("expects a format string"),
        },
        "formatlist" => bad("not evaluated"),
        "sort" => match arg(0) {
            Value::List(l) => {
                let mut t: Vec<String> = l.iter().filter_map(to_text).collect();
                t.sort();
                Value::List(t.into_iter().map(Value::str).collect())
            }
            _ => bad("expects a list"),
        },
        "abspath" | "basename" | "dirname" | "pathexpand" => arg(0),
        other => Value::unknown(format!("function {other}() is not evaluated by Tenet")),
    }
}
