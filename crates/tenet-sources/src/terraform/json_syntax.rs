//! Terraform's JSON syntax (`.tf.json`), translated into native HCL text.
//!
//! Why a translation rather than a second evaluator: everything downstream (the evaluator,
//! `count`/`for_each`, modules, `aws_iam_policy_document`, statement positions) works on
//! `hcl_edit` bodies, and Terraform itself defines the JSON syntax as a mapping onto the same
//! structure. So each document is read with the position-keeping JSON reader
//! ([`crate::iac::node`]), written out as the equivalent HCL, and parsed by `hcl-edit` like a
//! `.tf` file; the one evaluator then serves both syntaxes, and the two cannot drift apart.
//! While writing, the offset of every emitted block, attribute and value is recorded with the
//! JSON position it came from, so [`super::module::File::pos`] reports lines and columns of the
//! `.tf.json` file, not of the generated text.
//!
//! The mapping (<https://developer.hashicorp.com/terraform/language/syntax/json>):
//! - top-level keys are block types; `resource`/`data` nest type then name, `variable`,
//!   `module`, `output` nest the name, `locals` is an object of expressions; at each of these
//!   levels an array of objects stands for several; `"//"` keys are comments;
//! - in bodies, a string is a string template (`"${...}"` sequences are HCL expressions, `$${`
//!   a literal `${`), numbers, booleans, null, arrays and objects are those values;
//! - without the provider schema, nested blocks are known by name: `statement`, `principals`,
//!   `not_principals` and `condition` of `aws_iam_policy_document` and `inline_policy` of
//!   `aws_iam_role` (an object, or an array of objects for repeated blocks), and `dynamic`;
//! - a variable's `default` is a literal value, module `source`/`version` literal strings;
//!   `depends_on`, `provider`, `lifecycle`, provisioners and `provider`/`terraform` blocks
//!   carry nothing the IAM reading uses and are left out.

use crate::iac::node::{Entry, N, Node, ParseError, Pos};

/// Generated HCL text and, sorted by offset, the JSON position of each emitted piece.
pub(crate) struct Translated {
    pub hcl: String,
    pub origin: Vec<(usize, Pos)>,
}

/// Translates a parsed `.tf.json` document.
pub(crate) fn translate(root: &Node) -> Result<Translated, ParseError> {
    let N::Map(entries) = &root.v else {
        return Err(ParseError {
            pos: root.pos,
            message: "expected a JSON object of Terraform block types".into(),
        });
    };
    let mut g = Gen {
        out: String::new(),
        origin: Vec::new(),
    };
    for e in entries {
        g.top(e);
    }
    Ok(Translated {
        hcl: g.out,
        origin: g.origin,
    })
}

struct Gen {
    out: String,
    origin: Vec<(usize, Pos)>,
}

/// The objects a label level holds: one object, or an array of them.
fn objects(n: &Node) -> Vec<&Node> {
    match &n.v {
        N::Map(_) => vec![n],
        N::Seq(items) => items.iter().filter(|i| matches!(i.v, N::Map(_))).collect(),
        _ => Vec::new(),
    }
}

/// The labelled entries under a label level (`"name": {...}` of every object there).
fn labelled(n: &Node) -> impl Iterator<Item = &Entry> {
    objects(n)
        .into_iter()
        .flat_map(|o| o.entries().iter())
        .filter(|e| e.key != "//")
}

fn is_ident(s: &str) -> bool {
    let mut cs = s.chars();
    cs.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && cs.all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

fn is_block(ty: &str, key: &str) -> bool {
    matches!(
        (ty, key),
        (
            "aws_iam_policy_document",
            "statement" | "principals" | "not_principals" | "condition"
        ) | ("aws_iam_role", "inline_policy")
    )
}

impl Gen {
    fn mark(&mut self, p: Pos) {
        self.origin.push((self.out.len(), p));
    }

    fn top(&mut self, e: &Entry) {
        match e.key.as_str() {
            kind @ ("resource" | "data") => {
                for t in labelled(&e.value) {
                    for n in labelled(&t.value) {
                        for b in objects(&n.value) {
                            self.mark(n.pos);
                            self.out.push_str(kind);
                            self.labels(&[&t.key, &n.key]);
                            self.body(&t.key, b);
                            self.out.push_str("}\n");
                        }
                    }
                }
            }
            kind @ ("variable" | "module" | "output") => {
                for n in labelled(&e.value) {
                    for b in objects(&n.value) {
                        self.mark(n.pos);
                        self.out.push_str(kind);
                        self.labels(&[&n.key]);
                        for a in b.entries() {
                            match (kind, a.key.as_str()) {
                                ("variable", "default") => self.attr(a, true),
                                ("module", "source" | "version") => self.attr(a, true),
                                ("module", k) if k != "depends_on" && k != "providers" => {
                                    self.attr(a, false)
                                }
                                ("output", "value") => self.attr(a, false),
                                _ => {}
                            }
                        }
                        self.out.push_str("}\n");
                    }
                }
            }
            "locals" => {
                for b in objects(&e.value) {
                    self.mark(b.pos);
                    self.out.push_str("locals {\n");
                    for a in b.entries() {
                        if a.key != "//" {
                            self.attr(a, false);
                        }
                    }
                    self.out.push_str("}\n");
                }
            }
            _ => {}
        }
    }

    fn labels(&mut self, labels: &[&str]) {
        for l in labels {
            self.out.push(' ');
            template(&mut self.out, l, true);
        }
        self.out.push_str(" {\n");
    }

    /// A block body of a resource or data source of type `ty`.
    fn body(&mut self, ty: &str, b: &Node) {
        for e in b.entries() {
            match e.key.as_str() {
                "//" | "depends_on" | "provider" | "lifecycle" | "provisioner" | "connection" => {}
                "dynamic" => {
                    for d in labelled(&e.value) {
                        for db in objects(&d.value) {
                            self.mark(d.pos);
                            self.out.push_str("dynamic");
                            self.labels(&[&d.key]);
                            for a in db.entries() {
                                match a.key.as_str() {
                                    "for_each" => self.attr(a, false),
                                    "iterator" => {
                                        if let Some(i) = a.value.as_str().filter(|i| is_ident(i)) {
                                            self.mark(a.pos);
                                            self.out.push_str(&format!("iterator = {i}\n"));
                                        }
                                    }
                                    "content" => {
                                        for c in objects(&a.value) {
                                            self.mark(a.pos);
                                            self.out.push_str("content {\n");
                                            self.body(ty, c);
                                            self.out.push_str("}\n");
                                        }
                                    }
                                    _ => {}
                                }
                            }
                            self.out.push_str("}\n");
                        }
                    }
                }
                k if is_block(ty, k) => {
                    let single = matches!(e.value.v, N::Map(_));
                    for nb in objects(&e.value) {
                        self.mark(if single { e.pos } else { nb.pos });
                        self.out.push_str(k);
                        self.out.push_str(" {\n");
                        self.body(ty, nb);
                        self.out.push_str("}\n");
                    }
                }
                _ => self.attr(e, false),
            }
        }
    }

    /// `key = value`; `literal`: strings are not templates.
    fn attr(&mut self, e: &Entry, literal: bool) {
        if !is_ident(&e.key) {
            return;
        }
        self.mark(e.pos);
        self.out.push_str(&e.key);
        self.out.push_str(" = ");
        self.expr(&e.value, literal);
        self.out.push('\n');
    }

    fn expr(&mut self, n: &Node, literal: bool) {
        self.mark(n.pos);
        match &n.v {
            N::Null => self.out.push_str("null"),
            N::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
            N::Num(x) => {
                if x.fract() == 0.0 && x.abs() < 1e15 {
                    self.out.push_str(&format!("{}", *x as i64));
                } else {
                    self.out.push_str(&format!("{x}"));
                }
            }
            N::Str(s) => template(&mut self.out, s, literal),
            N::Seq(items) => {
                self.out.push('[');
                for (i, it) in items.iter().enumerate() {
                    if i > 0 {
                        self.out.push_str(", ");
                    }
                    self.expr(it, literal);
                }
                self.out.push(']');
            }
            N::Map(es) => {
                self.out.push_str("{\n");
                for e in es {
                    self.mark(e.pos);
                    template(&mut self.out, &e.key, literal);
                    self.out.push_str(" = ");
                    self.expr(&e.value, literal);
                    self.out.push('\n');
                }
                self.out.push('}');
            }
        }
    }
}

/// A JSON string as an HCL quoted template: literal parts escaped, `${...}`/`%{...}` sequences
/// copied as expressions (unless `literal`, where they are escaped too).
fn template(out: &mut String, s: &str, literal: bool) {
    out.push('"');
    let mut i = 0;
    while let Some(c) = s[i..].chars().next() {
        let rest = &s[i..];
        if !literal && (rest.starts_with("$${") || rest.starts_with("%%{")) {
            out.push_str(&rest[..3]);
            i += 3;
            continue;
        }
        if rest.starts_with("${") || rest.starts_with("%{") {
            if literal {
                out.push(c);
                out.push(c);
                out.push('{');
                i += 2;
            } else {
                out.push_str(&rest[..2]);
                i = copy_expr(s, i + 2, out);
            }
            continue;
        }
        escape_char(out, c);
        i += c.len_utf8();
    }
    out.push('"');
}

fn escape_char(out: &mut String, c: char) {
    match c {
        '"' => out.push_str("\\\""),
        '\\' => out.push_str("\\\\"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
        c => out.push(c),
    }
}

/// Copies an interpolation's expression from `i` up to and including its closing `}`; returns
/// the index after it. Line breaks between tokens become spaces (a quoted template is one line).
fn copy_expr(s: &str, mut i: usize, out: &mut String) -> usize {
    let mut depth = 0usize;
    while let Some(c) = s[i..].chars().next() {
        i += c.len_utf8();
        match c {
            '{' => {
                depth += 1;
                out.push(c);
            }
            '}' if depth == 0 => {
                out.push(c);
                return i;
            }
            '}' => {
                depth -= 1;
                out.push(c);
            }
            '"' => {
                out.push(c);
                i = copy_quoted(s, i, out);
            }
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    i
}

/// Copies a quoted string inside an expression (after its opening quote), nested templates
/// included; returns the index after its closing quote.
fn copy_quoted(s: &str, mut i: usize, out: &mut String) -> usize {
    while let Some(c) = s[i..].chars().next() {
        let rest = &s[i..];
        if rest.starts_with("$${") {
            out.push_str("$${");
            i += 3;
            continue;
        }
        if rest.starts_with("${") || rest.starts_with("%{") {
            out.push_str(&rest[..2]);
            i = copy_expr(s, i + 2, out);
            continue;
        }
        i += c.len_utf8();
        match c {
            '\\' => {
                out.push(c);
                if let Some(n) = s[i..].chars().next() {
                    out.push(n);
                    i += n.len_utf8();
                }
            }
            '"' => {
                out.push(c);
                return i;
            }
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    i
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use crate::iac::node::parse_json;

    fn hcl(json: &str) -> String {
        translate(&parse_json(json).unwrap()).unwrap().hcl
    }

    #[test]
    fn templates_keep_interpolations_and_escape_literals() {
        let mut out = String::new();
        template(
            &mut out,
            "a\"b ${jsonencode({\"k\": \"v\\n\"})} $${x}\n",
            false,
        );
        assert_eq!(out, r#""a\"b ${jsonencode({"k": "v\n"})} $${x}\n""#);
        let mut lit = String::new();
        template(&mut lit, "${x}", true);
        assert_eq!(lit, r#""$${x}""#);
    }

    #[test]
    fn blocks_by_name_and_repeated_statements() {
        let h = hcl(
            r#"{"data": {"aws_iam_policy_document": {"d": {"statement": [{"actions": ["a"]}, {"actions": ["b"], "condition": {"test": "Bool"}}]}}},
               "variable": {"v": {"default": "${x}", "type": "string"}}, "provider": {"aws": {}}}"#,
        );
        assert!(
            h.contains("statement {\nactions = [\"a\"]\n}\nstatement {"),
            "{h}"
        );
        assert!(h.contains("condition {\ntest = \"Bool\"\n}"), "{h}");
        assert!(
            h.contains("variable \"v\" {\ndefault = \"$${x}\"\n}"),
            "{h}"
        );
        assert!(!h.contains("provider"), "{h}");
        hcl_edit::parser::parse_body(&h).unwrap();
    }
}
