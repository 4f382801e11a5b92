//! CloudFormation intrinsic functions, resolved as far as a template alone allows.
//!
//! Resolved: `Ref` to parameters with a default and to the pseudo parameters whose value does not
//! depend on the deployment (`AWS::Partition`, `AWS::URLSuffix`, `AWS::NoValue`), `Fn::Sub` (both
//! forms), `Fn::Join`, `Fn::Select`, `Fn::Split`, `Fn::FindInMap`, `Fn::If`, `Fn::Equals`/`And`/
//! `Or`/`Not`, `Fn::ToJsonString`. Everything that is only known once deployed (`Fn::ImportValue`,
//! `Fn::GetAtt`, `Ref` to a resource, `AWS::AccountId`, `AWS::Region`, a parameter without a
//! default, ...) becomes `Value::Unknown` with the reason.
//!
//! Two exceptions keep verdicts useful: inside `Action`/`NotAction` an `Fn::Sub` that cannot be
//! fully resolved keeps its literal text (an action name written in the text is still matched),
//! and an `Fn::If` whose condition is unknown is recorded in [`Resolver::open`] so that the caller
//! can evaluate the entity once per branch ([`Resolver::forced`]).

use std::cell::RefCell;
use std::collections::HashMap;

use gsl::{Map, Value};

use crate::iac::node::{N, Node, Pos};

/// A condition's value: known, or unknown with the reason.
type Cond = Result<bool, String>;

pub(crate) struct Resolver<'a> {
    pub params: HashMap<&'a str, Result<Value, String>>,
    pub mappings: Option<&'a Node>,
    pub conditions: Option<&'a Node>,
    /// Logical id -> resource type.
    pub resources: HashMap<&'a str, &'a str>,
    /// Conditions given a value for this pass (one branch of an unknown `Fn::If`).
    pub forced: Vec<(String, bool)>,
    /// Unknown conditions met by `Fn::If` in this pass, in order of appearance.
    pub open: RefCell<Vec<String>>,
    depth: RefCell<usize>,
}

/// `None` is `AWS::NoValue`: the enclosing key or item is removed.
pub(crate) type Resolved = Option<Value>;

const PSEUDO_UNKNOWN: &[&str] = &[
    "AWS::AccountId",
    "AWS::Region",
    "AWS::StackId",
    "AWS::StackName",
    "AWS::NotificationARNs",
];

impl<'a> Resolver<'a> {
    pub fn new(template: &'a Node) -> Self {
        let mut params = HashMap::new();
        for e in template.get("Parameters").map_or(&[][..], Node::entries) {
            let ty = e
                .value
                .get("Type")
                .and_then(Node::as_str)
                .unwrap_or("String");
            let v = match e.value.get("Default") {
                Some(d) => {
                    let raw = d.to_value();
                    let text = match &raw {
                        Value::Number(n) => Some(gsl::value::format_number(*n)),
                        Value::Bool(b) => Some(b.to_string()),
                        Value::String(s) => Some(s.to_string()),
                        _ => None,
                    };
                    match (ty.starts_with("List<") || ty == "CommaDelimitedList", text) {
                        (true, Some(t)) => Ok(Value::List(
                            t.split(',').map(|s| Value::str(s.trim())).collect(),
                        )),
                        (_, Some(t)) => Ok(Value::str(t)),
                        (_, None) => Ok(raw),
                    }
                }
                None => Err(format!(
                    "parameter {} has no default: its value is given at deployment",
                    e.key
                )),
            };
            params.insert(e.key.as_str(), v);
        }
        let mut resources = HashMap::new();
        for e in template.get("Resources").map_or(&[][..], Node::entries) {
            let ty = e.value.get("Type").and_then(Node::as_str).unwrap_or("");
            resources.insert(e.key.as_str(), ty);
        }
        Self {
            params,
            mappings: template.get("Mappings"),
            conditions: template.get("Conditions"),
            resources,
            forced: Vec::new(),
            open: RefCell::new(Vec::new()),
            depth: RefCell::new(0),
        }
    }

    /// The single intrinsic of a one-key map whose key is `Ref`, `Condition` or `Fn::*`.
    pub fn intrinsic(n: &Node) -> Option<(&str, &Node)> {
        match &n.v {
            N::Map(es) if es.len() == 1 => {
                let e = &es[0];
                (e.key == "Ref" || e.key.starts_with("Fn::")).then_some((e.key.as_str(), &e.value))
            }
            _ => None,
        }
    }

    pub fn resolve(&self, n: &Node) -> Resolved {
        self.resolve_in(n, false)
    }

    /// `action`: inside `Action`/`NotAction`, where a partly unresolved `Fn::Sub` keeps its text.
    pub fn resolve_in(&self, n: &Node, action: bool) -> Resolved {
        {
            let mut d = self.depth.borrow_mut();
            *d += 1;
            if *d > 64 {
                *d -= 1;
                return Some(Value::unknown(
                    "intrinsic functions nested deeper than 64 levels",
                ));
            }
        }
        let out = self.resolve_inner(n, action);
        *self.depth.borrow_mut() -= 1;
        out
    }

    fn resolve_inner(&self, n: &Node, action: bool) -> Resolved {
        if let Some((f, arg)) = Self::intrinsic(n) {
            return self.call(f, arg, action, n.pos);
        }
        match &n.v {
            N::Seq(items) => Some(Value::List(
                items
                    .iter()
                    .filter_map(|i| self.resolve_in(i, action))
                    .collect(),
            )),
            N::Map(es) => {
                let mut m = Map::with_capacity(es.len());
                for e in es {
                    let act = action || e.key == "Action" || e.key == "NotAction";
                    if let Some(v) = self.resolve_in(&e.value, act) {
                        m.insert(e.key.as_str(), v);
                    }
                }
                Some(Value::Object(m))
            }
            _ => Some(n.to_value()),
        }
    }

    fn call(&self, f: &str, arg: &Node, action: bool, at: Pos) -> Resolved {
        let unknown = |why: String| Some(Value::unknown(why));
        match f {
            "Ref" => match arg.as_str() {
                Some(name) => self.reference(name),
                None => unknown(format!("Ref at line {} expects a name", at.line)),
            },
            "Fn::Sub" => Some(self.sub(arg, action)),
            "Fn::Join" => {
                let items = arg.items();
                if items.len() != 2 {
                    return unknown(format!(
                        "Fn::Join at line {} expects [delimiter, list]",
                        at.line
                    ));
                }
                let delim = self.resolve_in(&items[0], action);
                let list = self.resolve_in(&items[1], action);
                match (delim, list) {
                    (Some(Value::String(d)), Some(Value::List(parts))) => {
                        let mut out = String::new();
                        for (i, p) in parts.iter().enumerate() {
                            if i > 0 {
                                out.push_str(&d);
                            }
                            match scalar_text(p) {
                                Some(t) => out.push_str(&t),
                                None => return Some(first_unknown(p, "Fn::Join")),
                            }
                        }
                        Some(Value::str(out))
                    }
                    (_, Some(u @ Value::Unknown(_))) | (Some(u @ Value::Unknown(_)), _) => Some(u),
                    _ => unknown(format!(
                        "Fn::Join at line {} expects [delimiter, list]",
                        at.line
                    )),
                }
            }
            "Fn::Select" => {
                let items = arg.items();
                if items.len() != 2 {
                    return unknown(format!(
                        "Fn::Select at line {} expects [index, list]",
                        at.line
                    ));
                }
                let idx = self.resolve(&items[0]);
                let list = self.resolve(&items[1]);
                let idx = match idx {
                    Some(Value::Number(n)) => Some(n as usize),
                    Some(Value::String(s)) => s.parse::<usize>().ok(),
                    Some(u @ Value::Unknown(_)) => return Some(u),
                    _ => None,
                };
                match (idx, list) {
                    (_, Some(u @ Value::Unknown(_))) => Some(u),
                    (Some(i), Some(Value::List(l))) => match l.get(i) {
                        Some(v) => Some(v.clone()),
                        None => unknown(format!(
                            "Fn::Select at line {}: index {i} is out of range",
                            at.line
                        )),
                    },
                    _ => unknown(format!(
                        "Fn::Select at line {} expects [index, list]",
                        at.line
                    )),
                }
            }
            "Fn::Split" => {
                let items = arg.items();
                match (
                    items.first().and_then(|d| self.resolve(d)),
                    items.get(1).and_then(|s| self.resolve(s)),
                ) {
                    (Some(Value::String(d)), Some(Value::String(s))) if !d.is_empty() => {
                        Some(Value::List(s.split(&*d).map(Value::str).collect()))
                    }
                    (_, Some(u @ Value::Unknown(_))) => Some(u),
                    _ => unknown(format!(
                        "Fn::Split at line {} expects [delimiter, string]",
                        at.line
                    )),
                }
            }
            "Fn::FindInMap" => {
                let items = arg.items();
                let keys: Vec<Resolved> = items.iter().map(|k| self.resolve(k)).collect();
                let texts: Vec<Option<String>> = keys
                    .iter()
                    .map(|k| k.as_ref().and_then(scalar_text))
                    .collect();
                if let Some(Some(u @ Value::Unknown(_))) =
                    keys.iter().find(|k| matches!(k, Some(Value::Unknown(_))))
                {
                    return Some(u.clone());
                }
                match (texts.first(), texts.get(1), texts.get(2)) {
                    (Some(Some(m)), Some(Some(k1)), Some(Some(k2))) => {
                        match self
                            .mappings
                            .and_then(|ms| ms.get(m))
                            .and_then(|m| m.get(k1))
                            .and_then(|m| m.get(k2))
                        {
                            Some(v) => self.resolve_in(v, action),
                            None => unknown(format!(
                                "Fn::FindInMap at line {}: no {m}.{k1}.{k2} in Mappings",
                                at.line
                            )),
                        }
                    }
                    _ => unknown(format!(
                        "Fn::FindInMap at line {} expects [map, key, key]",
                        at.line
                    )),
                }
            }
            "Fn::If" => {
                let items = arg.items();
                if items.len() != 3 {
                    return unknown(format!(
                        "Fn::If at line {} expects [condition, then, else]",
                        at.line
                    ));
                }
                let Some(name) = items[0].as_str() else {
                    return unknown(format!(
                        "Fn::If at line {} expects a condition name",
                        at.line
                    ));
                };
                match self.condition(name) {
                    Ok(true) => self.resolve_in(&items[1], action),
                    Ok(false) => self.resolve_in(&items[2], action),
                    Err(_) => {
                        let mut open = self.open.borrow_mut();
                        if !open.iter().any(|c| c == name) {
                            open.push(name.to_string());
                        }
                        drop(open);
                        // Without a forced value, the first branch stands in; the caller
                        // evaluates each branch in its own pass.
                        self.resolve_in(&items[1], action)
                    }
                }
            }
            "Fn::Equals" | "Fn::And" | "Fn::Or" | "Fn::Not" | "Condition" => {
                match self.condition_expr(&wrap_call(f, arg)) {
                    Ok(b) => Some(Value::Bool(b)),
                    Err(why) => unknown(why),
                }
            }
            "Fn::ToJsonString" => match self.resolve(arg) {
                Some(v) if !contains_unknown(&v) => Some(Value::str(v.to_string())),
                Some(v) => Some(first_unknown(&v, "Fn::ToJsonString")),
                None => None,
            },
            "Fn::GetAtt" => {
                let what = match arg.items() {
                    [a, b] => format!(
                        "{}.{}",
                        a.as_str().unwrap_or("?"),
                        b.as_str().unwrap_or("?")
                    ),
                    _ => arg.as_str().unwrap_or("?").to_string(),
                };
                unknown(format!("Fn::GetAtt {what} is known only after deployment"))
            }
            "Fn::ImportValue" => {
                let what = self
                    .resolve(arg)
                    .and_then(|v| scalar_text(&v))
                    .unwrap_or_else(|| "?".into());
                unknown(format!(
                    "Fn::ImportValue {what}: the value is exported by another stack"
                ))
            }
            other => unknown(format!(
                "{other} at line {} is not evaluated offline",
                at.line
            )),
        }
    }

    fn reference(&self, name: &str) -> Resolved {
        match name {
            "AWS::NoValue" => None,
            "AWS::Partition" => Some(Value::str("aws")),
            "AWS::URLSuffix" => Some(Value::str("amazonaws.com")),
            n if PSEUDO_UNKNOWN.contains(&n) => {
                Some(Value::unknown(format!("{n} is known only at deployment")))
            }
            n => match self.params.get(n) {
                Some(Ok(v)) => Some(v.clone()),
                Some(Err(why)) => Some(Value::unknown(why.as_str())),
                None if self.resources.contains_key(n) => Some(Value::unknown(format!(
                    "Ref {n}: the physical id of a resource is known only after deployment"
                ))),
                None => Some(Value::unknown(format!(
                    "Ref {n}: no parameter or resource of that name in the template"
                ))),
            },
        }
    }

    /// `Fn::Sub`: `"text ${Name} ${!Literal}"` or `[text, {Name: value}]`.
    fn sub(&self, arg: &Node, action: bool) -> Value {
        let (text, vars): (&str, &[crate::iac::node::Entry]) = match &arg.v {
            N::Str(s) => (s, &[]),
            N::Seq(items) => match (items.first().and_then(Node::as_str), items.get(1)) {
                (Some(t), Some(m)) => (t, m.entries()),
                (Some(t), None) => (t, &[]),
                _ => return Value::unknown("Fn::Sub expects a string or [string, {variables}]"),
            },
            _ => return Value::unknown("Fn::Sub expects a string or [string, {variables}]"),
        };
        let mut out = String::new();
        let mut first_unknown_reason: Option<String> = None;
        let mut rest = text;
        while let Some(at) = rest.find("${") {
            out.push_str(&rest[..at]);
            let after = &rest[at + 2..];
            let Some(end) = after.find('}') else {
                out.push_str(&rest[at..]);
                rest = "";
                break;
            };
            let name = &after[..end];
            rest = &after[end + 1..];
            if let Some(lit) = name.strip_prefix('!') {
                out.push_str("${");
                out.push_str(lit);
                out.push('}');
                continue;
            }
            // IAM policy variables (`${aws:username}`) are not CloudFormation's to substitute.
            if name.contains(':') && !name.contains("::") {
                out.push_str("${");
                out.push_str(name);
                out.push('}');
                continue;
            }
            let value = match vars.iter().rev().find(|e| e.key == name) {
                Some(e) => self.resolve_in(&e.value, false),
                None => match name.split_once('.') {
                    Some((res, attr)) if self.resources.contains_key(res) => Some(Value::unknown(
                        format!("Fn::GetAtt {res}.{attr} is known only after deployment"),
                    )),
                    _ => self.reference(name),
                },
            };
            match value.as_ref().and_then(scalar_text) {
                Some(t) => out.push_str(&t),
                None => {
                    if first_unknown_reason.is_none() {
                        first_unknown_reason = Some(match value {
                            Some(Value::Unknown(r)) => r.to_string(),
                            _ => format!("${{{name}}} is not a string"),
                        });
                    }
                    out.push_str("${");
                    out.push_str(name);
                    out.push('}');
                }
            }
        }
        out.push_str(rest);
        match first_unknown_reason {
            None => Value::str(out),
            // The literal text still names the action (e.g. `iam:${Verb}AccessKey`).
            Some(_) if action => Value::str(out),
            Some(why) => Value::unknown(format!("Fn::Sub `{text}`: {why}")),
        }
    }

    /// A named condition's value: forced, or evaluated from parameter defaults.
    pub fn condition(&self, name: &str) -> Cond {
        if let Some((_, b)) = self.forced.iter().find(|(c, _)| c == name) {
            return Ok(*b);
        }
        let Some(def) = self.conditions.and_then(|c| c.get(name)) else {
            return Err(format!("condition {name} is not defined in Conditions"));
        };
        self.condition_expr(def)
            .map_err(|why| format!("condition {name} is unknown: {why}"))
    }

    fn condition_expr(&self, n: &Node) -> Cond {
        if *self.depth.borrow() > 64 {
            return Err("conditions nested deeper than 64 levels".into());
        }
        *self.depth.borrow_mut() += 1;
        let out = self.condition_inner(n);
        *self.depth.borrow_mut() -= 1;
        out
    }

    fn condition_inner(&self, n: &Node) -> Cond {
        let Some((f, arg)) =
            Self::intrinsic(n).or_else(|| n.entry("Condition").map(|e| ("Condition", &e.value)))
        else {
            return match n.to_value() {
                Value::Bool(b) => Ok(b),
                other => Err(format!("{other} is not a condition")),
            };
        };
        match f {
            "Condition" => match arg.as_str() {
                Some(c) => self.condition(c),
                None => Err("Condition expects a name".into()),
            },
            "Fn::Equals" => {
                let items = arg.items();
                if items.len() != 2 {
                    return Err("Fn::Equals expects two values".into());
                }
                let a = self.resolve(&items[0]).unwrap_or(Value::Null);
                let b = self.resolve(&items[1]).unwrap_or(Value::Null);
                for v in [&a, &b] {
                    if let Value::Unknown(r) = v {
                        return Err(r.to_string());
                    }
                }
                Ok(scalar_text(&a).unwrap_or_else(|| a.to_string())
                    == scalar_text(&b).unwrap_or_else(|| b.to_string()))
            }
            "Fn::Not" => match arg.items() {
                [x] => self.condition_expr(x).map(|b| !b),
                _ => Err("Fn::Not expects one condition".into()),
            },
            "Fn::And" | "Fn::Or" => {
                let and = f == "Fn::And";
                let mut unknown = None;
                for x in arg.items() {
                    match self.condition_expr(x) {
                        Ok(b) if b != and => return Ok(b),
                        Ok(_) => {}
                        Err(e) => unknown = Some(e),
                    }
                }
                match unknown {
                    Some(e) => Err(e),
                    None => Ok(and),
                }
            }
            other => Err(format!("{other} is not a condition function")),
        }
    }
}

fn wrap_call(f: &str, arg: &Node) -> Node {
    Node::new(
        arg.pos,
        N::Map(vec![crate::iac::node::Entry {
            key: f.to_string(),
            pos: arg.pos,
            value: arg.clone(),
        }]),
    )
}

/// Text of a scalar as CloudFormation would substitute it.
pub(crate) fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.to_string()),
        Value::Number(n) => Some(gsl::value::format_number(*n)),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

pub(crate) fn contains_unknown(v: &Value) -> bool {
    match v {
        Value::Unknown(_) => true,
        Value::List(l) => l.iter().any(contains_unknown),
        Value::Object(m) => m.iter().any(|(_, v)| contains_unknown(v)),
        _ => false,
    }
}

fn first_unknown(v: &Value, what: &str) -> Value {
    fn find(v: &Value) -> Option<&str> {
        match v {
            Value::Unknown(r) => Some(r),
            Value::List(l) => l.iter().find_map(find),
            Value::Object(m) => m.iter().find_map(|(_, v)| find(v)),
            _ => None,
        }
    }
    match find(v) {
        Some(r) => Value::unknown(r),
        None => Value::unknown(format!("{what} expects strings, found {v}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iac::yaml::parse_yaml;

    fn eval(template: &str, expr: &str) -> String {
        let t = parse_yaml(template).unwrap();
        let e = parse_yaml(expr).unwrap();
        let r = Resolver::new(&t);
        match r.resolve(&e) {
            Some(v) => v.to_string(),
            None => "<NoValue>".into(),
        }
    }

    const T: &str = "Parameters:\n  Env: {Type: String, Default: prod}\n  NoDef: {Type: String}\n  L: {Type: CommaDelimitedList, Default: 'a,b'}\nMappings:\n  M: {prod: {Act: 'iam:CreateAccessKey'}}\nConditions:\n  IsProd: !Equals [!Ref Env, prod]\n  Unknown: !Equals [!Ref NoDef, x]\nResources:\n  R: {Type: AWS::IAM::Role}\n";

    #[test]
    fn refs_and_pseudo_parameters() {
        assert_eq!(eval(T, "!Ref Env"), "\"prod\"");
        assert_eq!(eval(T, "!Ref L"), "[\"a\",\"b\"]");
        assert_eq!(
            eval(T, "!Ref NoDef"),
            "<unknown: parameter NoDef has no default: its value is given at deployment>"
        );
        assert_eq!(eval(T, "!Ref AWS::Partition"), "\"aws\"");
        assert_eq!(eval(T, "[a, !Ref AWS::NoValue]"), "[\"a\"]");
    }

    #[test]
    fn sub_join_select_findinmap() {
        assert_eq!(
            eval(
                T,
                "!Sub 'arn:${AWS::Partition}:s3:::${Env}-${!x}/${aws:username}'"
            ),
            "\"arn:aws:s3:::prod-${x}/${aws:username}\""
        );
        assert_eq!(
            eval(T, "!Sub ['${A}-${Env}', {A: !Select [1, !Ref L]}]"),
            "\"b-prod\""
        );
        assert_eq!(eval(T, "!Join ['-', [a, !Ref Env]]"), "\"a-prod\"");
        assert_eq!(
            eval(T, "!FindInMap [M, !Ref Env, Act]"),
            "\"iam:CreateAccessKey\""
        );
        assert_eq!(
            eval(T, "!Sub 'arn:aws:iam::${AWS::AccountId}:user/x'"),
            "<unknown: Fn::Sub `arn:aws:iam::${AWS::AccountId}:user/x`: AWS::AccountId is known only at deployment>"
        );
        // In an action, the literal text is kept.
        assert_eq!(
            eval(T, "{Action: !Sub 'iam:${NoDef}AccessKey'}"),
            "{\"Action\":\"iam:${NoDef}AccessKey\"}"
        );
    }

    #[test]
    fn if_known_unknown_and_runtime_values() {
        assert_eq!(eval(T, "!If [IsProd, a, b]"), "\"a\"");
        assert_eq!(eval(T, "!If [Unknown, a, b]"), "\"a\"");
        assert_eq!(
            eval(T, "!GetAtt R.Arn"),
            "<unknown: Fn::GetAtt R.Arn is known only after deployment>"
        );
        assert_eq!(
            eval(T, "!ImportValue Shared"),
            "<unknown: Fn::ImportValue Shared: the value is exported by another stack>"
        );
        let t = parse_yaml(T).unwrap();
        let mut r = Resolver::new(&t);
        r.forced.push(("Unknown".into(), false));
        assert_eq!(
            r.resolve(&parse_yaml("!If [Unknown, a, b]").unwrap())
                .unwrap()
                .to_string(),
            "\"b\""
        );
    }
}
