//! A small document tree with positions, shared by the CloudFormation (JSON and YAML), Terraform
//! JSON and plan readers.
//!
//! serde keeps no positions, and findings from infrastructure code must point at the line and
//! column of the resource and of each statement, so templates are read into this tree instead:
//! JSON by the position-tracking reader below (JSON is simple enough that a targeted reader is
//! shorter than adapting a span-keeping crate, and it reports errors as `line:col: expected ...`),
//! YAML by `yaml-rust2`'s event parser (see `yaml.rs`).

use gsl::{Map, Value};

/// 1-based line and column.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Pos {
    pub line: usize,
    pub column: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Node {
    pub pos: Pos,
    pub v: N,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum N {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Entry {
    pub key: String,
    pub pos: Pos,
    pub value: Node,
}

impl Node {
    pub fn new(pos: Pos, v: N) -> Self {
        Self { pos, v }
    }

    /// The value of `key` in a map (the last one when written twice, as CloudFormation does).
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    pub fn entry(&self, key: &str) -> Option<&Entry> {
        match &self.v {
            N::Map(es) => es.iter().rev().find(|e| e.key == key),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.v {
            N::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn entries(&self) -> &[Entry] {
        match &self.v {
            N::Map(es) => es,
            _ => &[],
        }
    }

    pub fn items(&self) -> &[Node] {
        match &self.v {
            N::Seq(items) => items,
            _ => &[],
        }
    }

    /// The plain value, positions dropped.
    pub fn to_value(&self) -> Value {
        match &self.v {
            N::Null => Value::Null,
            N::Bool(b) => Value::Bool(*b),
            N::Num(n) => Value::Number(*n),
            N::Str(s) => Value::str(s.as_str()),
            N::Seq(items) => Value::List(items.iter().map(Node::to_value).collect()),
            N::Map(es) => {
                let mut m = Map::with_capacity(es.len());
                for e in es {
                    m.insert(e.key.as_str(), e.value.to_value());
                }
                Value::Object(m)
            }
        }
    }
}

/// A parse error at a position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ParseError {
    pub pos: Pos,
    pub message: String,
}

/// Parses one JSON value (the whole text), keeping the position of every value and key.
pub(crate) fn parse_json(text: &str) -> Result<Node, ParseError> {
    let mut p = JsonReader {
        b: text.as_bytes(),
        text,
        i: 0,
        line: 1,
        line_start: 0,
        depth: 0,
    };
    if p.b.starts_with(b"\xEF\xBB\xBF") {
        p.i = 3;
        p.line_start = 3;
    }
    p.ws();
    let v = p.value()?;
    p.ws();
    if p.i < p.b.len() {
        return Err(p.err("end of the document after the top-level value"));
    }
    Ok(v)
}

struct JsonReader<'a> {
    b: &'a [u8],
    text: &'a str,
    i: usize,
    line: usize,
    line_start: usize,
    depth: usize,
}

impl JsonReader<'_> {
    fn pos(&self) -> Pos {
        let col = self
            .text
            .get(self.line_start..self.i)
            .map_or(self.i - self.line_start, |s| s.chars().count());
        Pos {
            line: self.line,
            column: col + 1,
        }
    }

    fn err(&self, expected: &str) -> ParseError {
        let found = match self.b.get(self.i) {
            None => "end of file".to_string(),
            Some(_) => {
                let rest = self.text.get(self.i..).unwrap_or("");
                let c: String = rest.chars().next().map(String::from).unwrap_or_default();
                format!("`{c}`")
            }
        };
        ParseError {
            pos: self.pos(),
            message: format!("expected {expected}, found {found}"),
        }
    }

    fn ws(&mut self) {
        while let Some(&c) = self.b.get(self.i) {
            match c {
                b'\n' => {
                    self.i += 1;
                    self.line += 1;
                    self.line_start = self.i;
                }
                b' ' | b'\t' | b'\r' => self.i += 1,
                _ => break,
            }
        }
    }

    fn value(&mut self) -> Result<Node, ParseError> {
        let pos = self.pos();
        match self.b.get(self.i) {
            Some(b'{') => {
                self.enter()?;
                self.i += 1;
                let mut es = Vec::new();
                self.ws();
                if self.b.get(self.i) == Some(&b'}') {
                    self.i += 1;
                    self.depth -= 1;
                    return Ok(Node::new(pos, N::Map(es)));
                }
                loop {
                    self.ws();
                    let kpos = self.pos();
                    if self.b.get(self.i) != Some(&b'"') {
                        return Err(self.err("a string key in double quotes"));
                    }
                    let key = self.string()?;
                    self.ws();
                    if self.b.get(self.i) != Some(&b':') {
                        return Err(self.err("`:` after the key"));
                    }
                    self.i += 1;
                    self.ws();
                    let value = self.value()?;
                    es.push(Entry {
                        key,
                        pos: kpos,
                        value,
                    });
                    self.ws();
                    match self.b.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b'}') => {
                            self.i += 1;
                            break;
                        }
                        _ => return Err(self.err("`,` or `}`")),
                    }
                    self.ws();
                    if self.b.get(self.i) == Some(&b'}') {
                        return Err(
                            self.err("another member after `,` (trailing commas are not JSON)")
                        );
                    }
                }
                self.depth -= 1;
                Ok(Node::new(pos, N::Map(es)))
            }
            Some(b'[') => {
                self.enter()?;
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if self.b.get(self.i) == Some(&b']') {
                    self.i += 1;
                    self.depth -= 1;
                    return Ok(Node::new(pos, N::Seq(items)));
                }
                loop {
                    self.ws();
                    items.push(self.value()?);
                    self.ws();
                    match self.b.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b']') => {
                            self.i += 1;
                            break;
                        }
                        _ => return Err(self.err("`,` or `]`")),
                    }
                    self.ws();
                    if self.b.get(self.i) == Some(&b']') {
                        return Err(
                            self.err("another item after `,` (trailing commas are not JSON)")
                        );
                    }
                }
                self.depth -= 1;
                Ok(Node::new(pos, N::Seq(items)))
            }
            Some(b'"') => Ok(Node::new(pos, N::Str(self.string()?))),
            Some(b't') if self.b[self.i..].starts_with(b"true") => {
                self.i += 4;
                Ok(Node::new(pos, N::Bool(true)))
            }
            Some(b'f') if self.b[self.i..].starts_with(b"false") => {
                self.i += 5;
                Ok(Node::new(pos, N::Bool(false)))
            }
            Some(b'n') if self.b[self.i..].starts_with(b"null") => {
                self.i += 4;
                Ok(Node::new(pos, N::Null))
            }
            Some(b'-' | b'0'..=b'9') => {
                let start = self.i;
                self.i += 1;
                while let Some(c) = self.b.get(self.i) {
                    if c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-') {
                        self.i += 1;
                    } else {
                        break;
                    }
                }
                let t = &self.text[start..self.i];
                match t.parse::<f64>() {
                    Ok(n) => Ok(Node::new(pos, N::Num(n))),
                    Err(_) => Err(ParseError {
                        pos,
                        message: format!("invalid number `{t}`"),
                    }),
                }
            }
            _ => Err(self.err("a JSON value")),
        }
    }

    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > 256 {
            return Err(ParseError {
                pos: self.pos(),
                message: "nesting deeper than 256 levels".into(),
            });
        }
        Ok(())
    }

    /// A string starting at the opening quote.
    fn string(&mut self) -> Result<String, ParseError> {
        self.i += 1;
        let mut out = String::new();
        loop {
            let start = self.i;
            while let Some(&c) = self.b.get(self.i) {
                // \u{1} and \u{2} delimit Terraform's unknown-value markers (see
                // `terraform::hcl_eval`), which may sit inside interpolated JSON strings.
                if c == b'"' || c == b'\\' || (c < 0x20 && c != 1 && c != 2) {
                    break;
                }
                self.i += 1;
            }
            out.push_str(&self.text[start..self.i]);
            match self.b.get(self.i) {
                Some(b'"') => {
                    self.i += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.i += 1;
                    let c = self.b.get(self.i).copied();
                    self.i += 1;
                    match c {
                        Some(b'"') => out.push('"'),
                        Some(b'\\') => out.push('\\'),
                        Some(b'/') => out.push('/'),
                        Some(b'b') => out.push('\u{8}'),
                        Some(b'f') => out.push('\u{c}'),
                        Some(b'n') => out.push('\n'),
                        Some(b'r') => out.push('\r'),
                        Some(b't') => out.push('\t'),
                        Some(b'u') => {
                            let hi = self.hex4()?;
                            let ch = if (0xD800..0xDC00).contains(&hi)
                                && self.b[self.i..].starts_with(b"\\u")
                            {
                                self.i += 2;
                                let lo = self.hex4()?;
                                char::from_u32(
                                    0x10000
                                        + ((hi - 0xD800) << 10)
                                        + (lo.wrapping_sub(0xDC00) & 0x3FF),
                                )
                            } else {
                                char::from_u32(hi)
                            };
                            out.push(ch.unwrap_or('\u{FFFD}'));
                        }
                        _ => {
                            self.i -= 1;
                            return Err(self.err(
                                "a valid escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)",
                            ));
                        }
                    }
                }
                // A raw tab inside a string is invalid JSON but common in hand-written templates;
                // CloudFormation accepts it, so do we.
                Some(b'\t') => {
                    out.push('\t');
                    self.i += 1;
                }
                Some(_) => {
                    return Err(
                        self.err("`\"` to close the string (control characters must be escaped)")
                    );
                }
                None => return Err(self.err("`\"` to close the string")),
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, ParseError> {
        let h = self.text.get(self.i..self.i + 4).unwrap_or("");
        match u32::from_str_radix(h, 16) {
            Ok(n) if h.len() == 4 => {
                self.i += 4;
                Ok(n)
            }
            _ => Err(self.err("four hex digits after \\u")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_of_values_and_keys() {
        let n = parse_json("{\n  \"a\": [1, \"x\"],\n\t\"b\": {\"c\": true}\n}").unwrap();
        assert_eq!(n.pos, Pos { line: 1, column: 1 });
        let a = n.entry("a").unwrap();
        assert_eq!(a.pos, Pos { line: 2, column: 3 });
        assert_eq!(
            a.value.items()[1].pos,
            Pos {
                line: 2,
                column: 12
            }
        );
        assert_eq!(n.entry("b").unwrap().pos, Pos { line: 3, column: 2 });
        assert_eq!(n.to_value().to_string(), r#"{"a":[1,"x"],"b":{"c":true}}"#);
    }

    #[test]
    fn errors_name_line_column_and_expectation() {
        let e = parse_json("{\n  \"a\": [1,]\n}").unwrap_err();
        assert_eq!(
            e.pos,
            Pos {
                line: 2,
                column: 11
            }
        );
        assert_eq!(
            e.message,
            "expected another item after `,` (trailing commas are not JSON), found `]`"
        );
        let e = parse_json("{\"a\" 1}").unwrap_err();
        assert_eq!((e.pos.line, e.pos.column), (1, 6));
        assert_eq!(e.message, "expected `:` after the key, found `1`");
    }

    #[test]
    fn escapes_and_unicode() {
        let n = parse_json(r#""a\"b\u00e9\ud83d\ude00""#).unwrap();
        assert_eq!(n.as_str(), Some("a\"bé😀"));
    }
}
