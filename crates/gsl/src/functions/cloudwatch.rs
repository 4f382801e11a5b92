//! `isFilterPatternEqual('pattern')`: CloudWatch Logs filter patterns compared up to whitespace
//! and the order of `||` / `&&` clauses (and redundant parentheses). Text inside double quotes
//! keeps its whitespace; comparison is otherwise exact (event names are case-sensitive).

use super::str_arg;
use crate::eval::EvalContext;
use crate::value::Value;

pub fn validate(args: &[Value]) -> Result<(), String> {
    str_arg(args, 0, "a filter pattern").map(|_| ())
}

pub fn is_filter_pattern_equal(
    v: &Value,
    args: &[Value],
    _: &EvalContext,
) -> Result<Value, String> {
    let want = canonical(str_arg(args, 0, "a filter pattern")?);
    fn any(v: &Value, want: &str) -> bool {
        match v {
            Value::String(s) => canonical(s) == want,
            Value::List(l) => l.iter().any(|x| any(x, want)),
            _ => false,
        }
    }
    Ok(Value::Bool(any(v, &want)))
}

#[derive(Debug, PartialEq)]
enum Tok {
    Open,
    Close,
    And,
    Or,
    Text(String),
}

fn tokens(s: &str) -> Vec<Tok> {
    let mut out = vec![];
    let mut text = String::new();
    let mut chars = s.chars().peekable();
    let flush = |text: &mut String, out: &mut Vec<Tok>| {
        if !text.is_empty() {
            out.push(Tok::Text(std::mem::take(text)));
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                text.push('"');
                for q in chars.by_ref() {
                    text.push(q);
                    if q == '"' {
                        break;
                    }
                }
            }
            c if c.is_whitespace() => {}
            '(' => {
                flush(&mut text, &mut out);
                out.push(Tok::Open);
            }
            ')' => {
                flush(&mut text, &mut out);
                out.push(Tok::Close);
            }
            '&' if chars.peek() == Some(&'&') => {
                chars.next();
                flush(&mut text, &mut out);
                out.push(Tok::And);
            }
            '|' if chars.peek() == Some(&'|') => {
                chars.next();
                flush(&mut text, &mut out);
                out.push(Tok::Or);
            }
            c => text.push(c),
        }
    }
    flush(&mut text, &mut out);
    out
}

struct P {
    toks: Vec<Tok>,
    pos: usize,
    depth: usize,
}

impl P {
    /// Canonical text of `a || b || ...` with sorted, flattened operands.
    fn or(&mut self) -> Option<String> {
        self.list(Tok::Or, "||", Self::and)
    }

    fn and(&mut self) -> Option<String> {
        self.list(Tok::And, "&&", Self::atom)
    }

    fn list(
        &mut self,
        sep: Tok,
        word: &str,
        sub: fn(&mut Self) -> Option<String>,
    ) -> Option<String> {
        let mut items = vec![sub(self)?];
        while self.toks.get(self.pos) == Some(&sep) {
            self.pos += 1;
            items.push(sub(self)?);
        }
        if items.len() == 1 {
            return items.pop();
        }
        // Flatten `a || (b || c)`: a nested group of the same operator is marked by its prefix.
        let marker = format!("{word}(");
        let mut flat = vec![];
        for it in items {
            match it.strip_prefix(&marker).and_then(|r| r.strip_suffix(')')) {
                Some(inner) => {
                    flat.extend(split_top(inner, word));
                }
                _ => flat.push(it),
            }
        }
        flat.sort();
        Some(format!("{word}({})", flat.join(word)))
    }

    fn atom(&mut self) -> Option<String> {
        match self.toks.get(self.pos) {
            Some(Tok::Open) => {
                self.depth += 1;
                if self.depth > 64 {
                    return None;
                }
                self.pos += 1;
                let inner = self.or()?;
                if self.toks.get(self.pos) != Some(&Tok::Close) {
                    return None;
                }
                self.pos += 1;
                self.depth -= 1;
                Some(inner)
            }
            Some(Tok::Text(t)) => {
                self.pos += 1;
                Some(t.clone())
            }
            _ => None,
        }
    }
}

/// Splits on `word` at parenthesis depth 0.
fn split_top(s: &str, word: &str) -> Vec<String> {
    let mut out = vec![];
    let mut depth = 0i32;
    let mut cur = String::new();
    let mut i = 0;
    let b = s.as_bytes();
    while i < b.len() {
        if depth == 0 && s[i..].starts_with(word) {
            out.push(std::mem::take(&mut cur));
            i += word.len();
            continue;
        }
        let c = s[i..].chars().next().unwrap_or(' ');
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            _ => {}
        }
        cur.push(c);
        i += c.len_utf8();
    }
    out.push(cur);
    out
}

/// Canonical text of a filter pattern; falls back to whitespace removal if it does not parse.
fn canonical(s: &str) -> String {
    let mut t = s.trim();
    if let Some(inner) = t.strip_prefix('{').and_then(|r| r.strip_suffix('}')) {
        t = inner;
    }
    let toks = tokens(t);
    let fallback = || {
        toks.iter()
            .map(|t| match t {
                Tok::Open => "(".to_string(),
                Tok::Close => ")".to_string(),
                Tok::And => "&&".to_string(),
                Tok::Or => "||".to_string(),
                Tok::Text(x) => x.clone(),
            })
            .collect::<String>()
    };
    let mut p = P {
        toks: tokens(t),
        pos: 0,
        depth: 0,
    };
    match p.or() {
        Some(c) if p.pos == p.toks.len() => c,
        _ => format!("raw:{}", fallback()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eq(a: &str, b: &str) -> bool {
        is_filter_pattern_equal(&Value::from(a), &[Value::from(b)], &EvalContext::at_unix(0))
            == Ok(Value::Bool(true))
    }

    #[test]
    fn equal_up_to_whitespace_and_order() {
        let p = "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) ||($.eventName = DeleteTrail) }";
        assert!(eq(
            p,
            "{($.eventName=DeleteTrail)||($.eventName=CreateTrail)||($.eventName=UpdateTrail)}"
        ));
        assert!(eq(
            p,
            "{ $.eventName = UpdateTrail || ($.eventName = CreateTrail || $.eventName = DeleteTrail) }"
        ));
        assert!(!eq(
            p,
            "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) }"
        ));
        assert!(!eq(
            p,
            "{ ($.eventName = CreateTrail) && ($.eventName = UpdateTrail) && ($.eventName = DeleteTrail) }"
        ));
        let nested = "{($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion))}";
        assert!(eq(
            nested,
            "{ (($.eventName = ScheduleKeyDeletion) || ($.eventName = DisableKey)) && $.eventSource = kms.amazonaws.com }"
        ));
        assert!(!eq(
            nested,
            "{($.eventSource = kms.amazonaws.com) || (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion))}"
        ));
        assert!(eq(
            "{ $.errorMessage = \"Failed  auth\" }",
            "{$.errorMessage=\"Failed  auth\"}"
        ));
        assert!(!eq(
            "{ $.errorMessage = \"Failed  auth\" }",
            "{$.errorMessage=\"Failed auth\"}"
        ));
    }
}
