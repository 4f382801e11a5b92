//! YAML into a [`Node`] tree, with positions and CloudFormation's short-form tags.
//!
//! `yaml-rust2`'s event parser is used (rather than `serde_yaml_ng`, which drops positions)
//! because every event carries a marker: the line and column of each resource and statement come
//! for free. Tags are kept on the events, so `!Sub x` becomes `{"Fn::Sub": x}` here and the
//! intrinsics code sees one form only. Plain scalars are resolved with YAML 1.2's core schema:
//! `2012-10-17` stays a string (YAML 1.1 would read a date) and `yes`/`no`/`on`/`off` stay strings.

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use super::node::{Entry, N, Node, ParseError, Pos};

/// Parses the first document of `text`.
pub(crate) fn parse_yaml(text: &str) -> Result<Node, ParseError> {
    let mut b = Builder::default();
    let mut parser = Parser::new_from_str(text);
    parser.load(&mut b, false).map_err(|e| ParseError {
        pos: Pos {
            line: e.marker().line(),
            column: e.marker().col() + 1,
        },
        message: e.info().to_string(),
    })?;
    if let Some(e) = b.error {
        return Err(e);
    }
    Ok(b.root
        .unwrap_or(Node::new(Pos { line: 1, column: 1 }, N::Null)))
}

enum Frame {
    Seq(Node, Option<String>),
    Map(Node, Option<String>, Option<(String, Pos)>),
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    anchors: Vec<(usize, Node)>,
    root: Option<Node>,
    error: Option<ParseError>,
    done: bool,
}

fn pos(m: Marker) -> Pos {
    Pos {
        line: m.line(),
        column: m.col() + 1,
    }
}

/// `!Ref x` -> `{"Ref": x}`, `!GetAtt A.B` -> `{"Fn::GetAtt": ["A", "B"]}`, `!Sub` -> `Fn::Sub`.
fn apply_tag(tag: Option<String>, node: Node) -> Node {
    let Some(tag) = tag else { return node };
    let p = node.pos;
    let key = match tag.as_str() {
        "Ref" => "Ref".to_string(),
        "Condition" => "Condition".to_string(),
        "GetAtt" => {
            let value = match &node.v {
                N::Str(s) => match s.split_once('.') {
                    Some((a, b)) => Node::new(
                        p,
                        N::Seq(vec![
                            Node::new(p, N::Str(a.into())),
                            Node::new(p, N::Str(b.into())),
                        ]),
                    ),
                    None => node,
                },
                _ => node,
            };
            return wrap("Fn::GetAtt".into(), p, value);
        }
        other => format!("Fn::{other}"),
    };
    wrap(key, p, node)
}

fn wrap(key: String, p: Pos, value: Node) -> Node {
    Node::new(p, N::Map(vec![Entry { key, pos: p, value }]))
}

fn tag_name(tag: Option<yaml_rust2::parser::Tag>) -> Option<String> {
    let t = tag?;
    // Standard tags (`!!str`, `tag:yaml.org,2002:...`) are not intrinsics.
    if t.handle == "!" {
        Some(t.suffix)
    } else {
        None
    }
}

fn scalar(s: String, style: TScalarStyle, tagged: bool, p: Pos) -> Node {
    if style != TScalarStyle::Plain || tagged {
        return Node::new(p, N::Str(s));
    }
    let v = match s.as_str() {
        "" | "~" | "null" | "Null" | "NULL" => N::Null,
        "true" | "True" | "TRUE" => N::Bool(true),
        "false" | "False" | "FALSE" => N::Bool(false),
        t => match number(t) {
            Some(n) => N::Num(n),
            None => N::Str(s),
        },
    };
    Node::new(p, v)
}

/// YAML 1.2 core-schema numbers (decimal, 0o/0x, .inf/.nan are left as strings).
fn number(t: &str) -> Option<f64> {
    let b = t.as_bytes();
    let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
    if digits.is_empty() || !digits.as_bytes()[0].is_ascii_digit() && !digits.starts_with('.') {
        return None;
    }
    // `012345678901` is an account id, not a number (YAML 1.1 would even read it as octal).
    if digits.len() > 1 && digits.starts_with('0') && digits.as_bytes()[1].is_ascii_digit() {
        return None;
    }
    if let Some(h) = t.strip_prefix("0x") {
        return i64::from_str_radix(h, 16).ok().map(|n| n as f64);
    }
    if let Some(o) = t.strip_prefix("0o") {
        return i64::from_str_radix(o, 8).ok().map(|n| n as f64);
    }
    if b.iter()
        .all(|c| c.is_ascii_digit() || matches!(c, b'-' | b'+' | b'.' | b'e' | b'E'))
    {
        t.parse::<f64>().ok()
    } else {
        None
    }
}

impl Builder {
    fn push_value(&mut self, node: Node) {
        match self.stack.last_mut() {
            None => {
                if self.root.is_none() {
                    self.root = Some(node);
                }
            }
            Some(Frame::Seq(seq, _)) => {
                if let N::Seq(items) = &mut seq.v {
                    items.push(node);
                }
            }
            Some(Frame::Map(map, _, pending)) => match pending.take() {
                None => {
                    let key = match &node.v {
                        N::Str(s) => s.clone(),
                        N::Num(n) => gsl::value::format_number(*n),
                        N::Bool(b) => b.to_string(),
                        N::Null => "null".into(),
                        _ => {
                            self.error.get_or_insert(ParseError {
                                pos: node.pos,
                                message: "expected a scalar mapping key, found a collection".into(),
                            });
                            String::new()
                        }
                    };
                    *pending = Some((key, node.pos));
                }
                Some((key, kpos)) => {
                    if let N::Map(es) = &mut map.v {
                        es.push(Entry {
                            key,
                            pos: kpos,
                            value: node,
                        });
                    }
                }
            },
        }
    }

    fn remember(&mut self, anchor: usize, node: &Node) {
        if anchor > 0 {
            self.anchors.push((anchor, node.clone()));
        }
    }
}

/// A block mapping starts at its first key. (The parser marks the start of a block mapping
/// where it sees the first key's `:`, so `- Effect: Allow` would point at the colon.)
fn at_first_key(mut node: Node) -> Node {
    if let N::Map(es) = &node.v
        && let Some(first) = es.first()
        && (first.pos.line, first.pos.column) < (node.pos.line, node.pos.column)
    {
        node.pos = first.pos;
    }
    node
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        if self.done {
            return;
        }
        match ev {
            Event::Scalar(s, style, anchor, tag) => {
                let tag = tag_name(tag);
                let node = apply_tag(tag.clone(), scalar(s, style, tag.is_some(), pos(mark)));
                self.remember(anchor, &node);
                self.push_value(node);
            }
            Event::SequenceStart(anchor, tag) => {
                let _ = anchor;
                self.stack.push(Frame::Seq(
                    Node::new(pos(mark), N::Seq(Vec::new())),
                    tag_name(tag),
                ));
                if anchor > 0 {
                    self.anchors.push((anchor, Node::new(pos(mark), N::Null)));
                }
            }
            Event::MappingStart(anchor, tag) => {
                self.stack.push(Frame::Map(
                    Node::new(pos(mark), N::Map(Vec::new())),
                    tag_name(tag),
                    None,
                ));
                if anchor > 0 {
                    self.anchors.push((anchor, Node::new(pos(mark), N::Null)));
                }
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, tag) = match self.stack.pop() {
                    Some(Frame::Seq(n, t)) => (n, t),
                    Some(Frame::Map(n, t, _)) => (n, t),
                    None => return,
                };
                let start = node.pos;
                let node = apply_tag(tag, at_first_key(node));
                // Anchored collections: fill in the placeholder now that the value is complete.
                if let Some(slot) = self
                    .anchors
                    .iter_mut()
                    .rev()
                    .find(|(_, n)| n.pos == start && n.v == N::Null)
                {
                    slot.1 = node.clone();
                }
                self.push_value(node);
            }
            Event::Alias(id) => {
                let node = self
                    .anchors
                    .iter()
                    .rev()
                    .find(|(a, _)| *a == id)
                    .map(|(_, n)| n.clone())
                    .unwrap_or(Node::new(pos(mark), N::Null));
                self.push_value(node);
            }
            Event::DocumentEnd if self.root.is_some() => self.done = true,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_form_tags_become_long_form() {
        let n = parse_yaml(
            "A: !Sub 'arn:${AWS::Partition}:s3:::b'\nB: !GetAtt Role.Arn\nC: !If [Cond, !Ref X, !Ref 'AWS::NoValue']\nD: !Join\n  - ''\n  - [a, b]\n",
        )
        .unwrap();
        assert_eq!(
            n.to_value().to_string(),
            r#"{"A":{"Fn::Sub":"arn:${AWS::Partition}:s3:::b"},"B":{"Fn::GetAtt":["Role","Arn"]},"C":{"Fn::If":["Cond",{"Ref":"X"},{"Ref":"AWS::NoValue"}]},"D":{"Fn::Join":["",["a","b"]]}}"#
        );
    }

    #[test]
    fn yaml_1_1_traps_stay_strings() {
        let n =
            parse_yaml("Version: 2012-10-17\nA: yes\nB: true\nC: '1'\nD: 12\nE: 012345678901\n")
                .unwrap();
        assert_eq!(
            n.to_value().to_string(),
            r#"{"Version":"2012-10-17","A":"yes","B":true,"C":"1","D":12,"E":"012345678901"}"#
        );
    }

    #[test]
    fn positions_are_one_based() {
        let n = parse_yaml("Resources:\n  P:\n    Type: X\n").unwrap();
        let r = n.get("Resources").unwrap().entry("P").unwrap();
        assert_eq!(r.pos, Pos { line: 2, column: 3 });
    }

    #[test]
    fn errors_have_positions() {
        let e = parse_yaml("a: [1,\nb: 2\n").unwrap_err();
        assert!(e.pos.line >= 2, "{e:?}");
    }
}
