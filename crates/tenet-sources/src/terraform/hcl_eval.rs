//! Evaluation of HCL expressions (parsed by `hcl-edit`) into [`gsl::Value`]s.
//!
//! `hcl-rs`'s own evaluator stops at the first undefined variable; Terraform code is full of
//! values known only after apply (`aws_s3_bucket.b.arn`), which must become `Unknown` *in place*
//! while the rest of a policy is still evaluated. So this evaluator is ours: every expression
//! yields a value, and what cannot be known is `Value::Unknown(reason)`.
//!
//! An unknown interpolated into a string (a heredoc, `"${x}-y"`, `jsonencode`) cannot be an
//! `Unknown` value inside text, so it is carried as a marker (`\u{1}U<n>\u{2}`) that refers to
//! its reason; [`Unknowns::restore`] turns any string holding a marker back into
//! `Value::Unknown(reason)` once the text has been parsed. Markers never reach a record.

use std::cell::RefCell;

use gsl::{Map, Value};
use hcl_edit::expr::{BinaryOperator, Expression, ObjectKey, TraversalOperator, UnaryOperator};
use hcl_edit::template::{Directive, Element, Template};

/// Reasons of the unknowns that were turned into text markers.
#[derive(Default, Debug)]
pub(crate) struct Unknowns {
    reasons: RefCell<Vec<String>>,
}

const OPEN: char = '\u{1}';
const CLOSE: char = '\u{2}';

impl Unknowns {
    /// The text standing for `reason` inside a string.
    pub fn marker(&self, reason: &str) -> String {
        let mut r = self.reasons.borrow_mut();
        let n = match r.iter().position(|x| x == reason) {
            Some(n) => n,
            None => {
                r.push(reason.to_string());
                r.len() - 1
            }
        };
        format!("{OPEN}U{n}{CLOSE}")
    }

    /// The reason of the first marker in `s`, if any.
    pub fn reason_in(&self, s: &str) -> Option<String> {
        let at = s.find(OPEN)?;
        let rest = &s[at + 1..];
        let end = rest.find(CLOSE)?;
        let n: usize = rest.get(1..end)?.parse().ok()?;
        self.reasons.borrow().get(n).cloned()
    }

    /// Replaces every string holding a marker by `Unknown(reason)`, recursively.
    pub fn restore(&self, v: Value) -> Value {
        match v {
            Value::String(s) => match self.reason_in(&s) {
                Some(r) => Value::unknown(r),
                None => Value::String(s),
            },
            Value::List(l) => Value::List(l.into_iter().map(|x| self.restore(x)).collect()),
            Value::Object(m) => {
                let mut out = Map::with_capacity(m.len());
                for (k, v) in m.iter() {
                    out.insert(k, self.restore(v.clone()));
                }
                Value::Object(out)
            }
            other => other,
        }
    }
}

/// What names resolve to: the module's variables, locals, resources, data sources, modules.
pub(crate) trait Resolve {
    /// The value of a root name with its traversal (`var.x`, `local.y`, `aws_iam_policy.p`,
    /// `data.t.n`, `module.m`), applying as many of `ops` as it can; returns the value and how
    /// many operators it consumed.
    fn root(&self, name: &str, ops: &[Op], scope: &Scope) -> (Value, usize);
    /// Reads a file relative to the module (`file`, `templatefile`).
    fn read_file(&self, path: &str) -> Result<String, String>;
    fn unknowns(&self) -> &Unknowns;
}

/// A traversal step, evaluated.
#[derive(Clone, Debug)]
pub(crate) enum Op {
    Attr(String),
    Index(Value),
    Splat,
}

/// Local bindings: `each`, `count`, for-expression and dynamic-block iterators.
#[derive(Clone, Debug, Default)]
pub(crate) struct Scope {
    pub vars: Vec<(String, Value)>,
}

impl Scope {
    pub fn with(&self, name: &str, v: Value) -> Scope {
        let mut s = self.clone();
        s.vars.push((name.to_string(), v));
        s
    }
    fn get(&self, name: &str) -> Option<&Value> {
        self.vars
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }
}

pub(crate) fn unknown_text(v: &Value) -> Option<&str> {
    match v {
        Value::Unknown(r) => Some(r),
        _ => None,
    }
}

/// Applies traversal operators to a value.
pub(crate) fn traverse(mut v: Value, ops: &[Op]) -> Value {
    for (i, op) in ops.iter().enumerate() {
        v = match (op, v) {
            (_, u @ Value::Unknown(_)) => return u,
            (Op::Attr(a), Value::Object(m)) => match m.get(a) {
                Some(x) => x.clone(),
                None => return Value::unknown(format!("no attribute `{a}`")),
            },
            (Op::Index(k), Value::Object(m)) => match k.as_str().and_then(|k| m.get(k)) {
                Some(x) => x.clone(),
                None => return Value::unknown(format!("no key {k}")),
            },
            (Op::Index(Value::Number(n)), Value::List(l)) => match l.get(*n as usize) {
                Some(x) => x.clone(),
                None => return Value::unknown(format!("index {n} is out of range")),
            },
            (Op::Index(Value::String(s)), Value::List(l)) => {
                match s.parse::<usize>().ok().and_then(|n| l.get(n)) {
                    Some(x) => x.clone(),
                    None => return Value::unknown(format!("index {s} is out of range")),
                }
            }
            (Op::Index(u @ Value::Unknown(_)), _) => return u.clone(),
            (Op::Splat, Value::List(l)) => {
                let rest = &ops[i + 1..];
                return Value::List(l.into_iter().map(|x| traverse(x, rest)).collect());
            }
            (Op::Splat, Value::Null) => return Value::List(Vec::new()),
            (Op::Splat, other) => {
                let rest = &ops[i + 1..];
                return Value::List(vec![traverse(other, rest)]);
            }
            (op, other) => {
                return Value::unknown(format!("cannot apply {op:?} to {other}"));
            }
        };
    }
    v
}

pub(crate) struct Eval<'a, R: Resolve> {
    pub r: &'a R,
}

fn truthy(v: &Value) -> Result<bool, Value> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::String(s) if &**s == "true" => Ok(true),
        Value::String(s) if &**s == "false" => Ok(false),
        Value::Unknown(_) => Err(v.clone()),
        other => Err(Value::unknown(format!("{other} is not a boolean"))),
    }
}

fn num(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => Some(*n),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// Text of a primitive, as Terraform converts it to a string.
pub(crate) fn to_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.to_string()),
        Value::Number(n) => Some(gsl::value::format_number(*n)),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

impl<R: Resolve> Eval<'_, R> {
    pub fn expr(&self, e: &Expression, s: &Scope) -> Value {
        match e {
            Expression::Null(_) => Value::Null,
            Expression::Bool(b) => Value::Bool(*b.value()),
            Expression::Number(n) => Value::Number(n.value().as_f64().unwrap_or(f64::NAN)),
            Expression::String(st) => Value::str(st.value().as_str()),
            Expression::Array(a) => Value::List(a.iter().map(|x| self.expr(x, s)).collect()),
            Expression::Object(o) => {
                let mut m = Map::with_capacity(o.len());
                for (k, v) in o.iter() {
                    let key = match k {
                        ObjectKey::Ident(i) => i.value().as_str().to_string(),
                        ObjectKey::Expression(Expression::Variable(i)) => {
                            i.value().as_str().to_string()
                        }
                        ObjectKey::Expression(x) => match self.expr(x, s) {
                            Value::Unknown(r) => self.r.unknowns().marker(&r),
                            other => to_text(&other).unwrap_or_else(|| other.to_string()),
                        },
                    };
                    m.insert(key, self.expr(v.expr(), s));
                }
                Value::Object(m)
            }
            Expression::StringTemplate(t) => self.template(t, s),
            Expression::HeredocTemplate(h) => self.template(&h.template, s),
            Expression::Parenthesis(p) => self.expr(p.inner(), s),
            Expression::Variable(v) => self.variable(v.value().as_str(), &[], s).0,
            Expression::Conditional(c) => match truthy(&self.expr(&c.cond_expr, s)) {
                Ok(true) => self.expr(&c.true_expr, s),
                Ok(false) => self.expr(&c.false_expr, s),
                Err(u) => u,
            },
            Expression::FuncCall(f) => {
                let name = f.name.name.value().as_str();
                let args: Vec<&Expression> = f.args.iter().collect();
                super::functions::call(self, name, &args, f.args.expand_final(), s)
            }
            Expression::Traversal(t) => {
                let ops: Vec<Op> = t
                    .operators
                    .iter()
                    .map(|o| match o.value() {
                        TraversalOperator::GetAttr(i) => Op::Attr(i.value().as_str().to_string()),
                        TraversalOperator::Index(x) => Op::Index(self.expr(x, s)),
                        TraversalOperator::LegacyIndex(n) => {
                            Op::Index(Value::Number(*n.value() as f64))
                        }
                        TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                            Op::Splat
                        }
                    })
                    .collect();
                match &t.expr {
                    Expression::Variable(v) => {
                        let (val, used) = self.variable(v.value().as_str(), &ops, s);
                        traverse(val, &ops[used.min(ops.len())..])
                    }
                    other => traverse(self.expr(other, s), &ops),
                }
            }
            Expression::UnaryOp(u) => {
                let v = self.expr(&u.expr, s);
                match (u.operator.value(), &v) {
                    (_, Value::Unknown(_)) => v,
                    (UnaryOperator::Not, _) => match truthy(&v) {
                        Ok(b) => Value::Bool(!b),
                        Err(u) => u,
                    },
                    (UnaryOperator::Neg, _) => match num(&v) {
                        Some(n) => Value::Number(-n),
                        None => Value::unknown(format!("cannot negate {v}")),
                    },
                }
            }
            Expression::BinaryOp(b) => self.binary(b.operator.value(), &b.lhs_expr, &b.rhs_expr, s),
            Expression::ForExpr(f) => {
                let coll = self.expr(&f.intro.collection_expr, s);
                let pairs: Vec<(Value, Value)> = match coll {
                    Value::List(l) => l
                        .into_iter()
                        .enumerate()
                        .map(|(i, v)| (Value::Number(i as f64), v))
                        .collect(),
                    Value::Object(m) => m.iter().map(|(k, v)| (Value::str(k), v.clone())).collect(),
                    Value::Null => Vec::new(),
                    u @ Value::Unknown(_) => return u,
                    other => return Value::unknown(format!("cannot iterate over {other}")),
                };
                let kv = f
                    .intro
                    .key_var
                    .as_ref()
                    .map(|k| k.value().as_str().to_string());
                let vv = f.intro.value_var.value().as_str().to_string();
                let mut list = Vec::new();
                let mut obj: Vec<(String, Value)> = Vec::new();
                for (k, v) in pairs {
                    let mut sc = s.clone();
                    match &kv {
                        Some(kn) => {
                            sc.vars.push((kn.clone(), k));
                            sc.vars.push((vv.clone(), v));
                        }
                        None => sc.vars.push((vv.clone(), v)),
                    }
                    if let Some(c) = &f.cond {
                        match truthy(&self.expr(&c.expr, &sc)) {
                            Ok(true) => {}
                            Ok(false) => continue,
                            Err(u) => return u,
                        }
                    }
                    let value = self.expr(&f.value_expr, &sc);
                    match &f.key_expr {
                        Some(ke) => {
                            let key = self.expr(ke, &sc);
                            let key = match key {
                                Value::Unknown(r) => return Value::unknown(r),
                                other => to_text(&other).unwrap_or_default(),
                            };
                            if f.grouping {
                                match obj.iter_mut().find(|(k, _)| *k == key) {
                                    Some((_, Value::List(l))) => l.push(value),
                                    _ => obj.push((key, Value::List(vec![value]))),
                                }
                            } else {
                                obj.retain(|(k, _)| *k != key);
                                obj.push((key, value));
                            }
                        }
                        None => list.push(value),
                    }
                }
                if f.key_expr.is_some() {
                    Value::Object(obj.into_iter().collect())
                } else {
                    Value::List(list)
                }
            }
        }
    }

    fn variable(&self, name: &str, ops: &[Op], s: &Scope) -> (Value, usize) {
        if let Some(v) = s.get(name) {
            return (v.clone(), 0);
        }
        self.r.root(name, ops, s)
    }

    fn binary(&self, op: &BinaryOperator, l: &Expression, r: &Expression, s: &Scope) -> Value {
        use BinaryOperator as B;
        let a = self.expr(l, s);
        // `&&`/`||` short-circuit as Terraform's do not, but an unknown left side with a decisive
        // right side is still decided.
        if matches!(op, B::And | B::Or) {
            let b = self.expr(r, s);
            let (x, y) = (truthy(&a), truthy(&b));
            return match (op, x, y) {
                (B::And, Ok(false), _) | (B::And, _, Ok(false)) => Value::Bool(false),
                (B::Or, Ok(true), _) | (B::Or, _, Ok(true)) => Value::Bool(true),
                (_, Ok(p), Ok(q)) => {
                    Value::Bool(if matches!(op, B::And) { p && q } else { p || q })
                }
                (_, Err(u), _) | (_, _, Err(u)) => u,
            };
        }
        let b = self.expr(r, s);
        for v in [&a, &b] {
            if v.is_unknown() {
                return v.clone();
            }
        }
        match op {
            B::Eq => Value::Bool(loose_eq(&a, &b)),
            B::NotEq => Value::Bool(!loose_eq(&a, &b)),
            _ => {
                let (Some(x), Some(y)) = (num(&a), num(&b)) else {
                    return Value::unknown(format!("{a} {op:?} {b}: operands are not numbers"));
                };
                match op {
                    B::Plus => Value::Number(x + y),
                    B::Minus => Value::Number(x - y),
                    B::Mul => Value::Number(x * y),
                    B::Div => Value::Number(x / y),
                    B::Mod => Value::Number(x % y),
                    B::Less => Value::Bool(x < y),
                    B::LessEq => Value::Bool(x <= y),
                    B::Greater => Value::Bool(x > y),
                    B::GreaterEq => Value::Bool(x >= y),
                    _ => Value::unknown(format!("operator {op:?}")),
                }
            }
        }
    }

    pub fn template(&self, t: &Template, s: &Scope) -> Value {
        let mut out = String::new();
        // A template that is exactly one interpolation yields the value itself (`"${var.list}"`).
        if t.len() == 1
            && let Some(Element::Interpolation(i)) = t.iter().next()
        {
            return self.expr(&i.expr, s);
        }
        self.template_into(t, s, &mut out);
        Value::str(out)
    }

    fn template_into(&self, t: &Template, s: &Scope, out: &mut String) {
        for el in t.iter() {
            match el {
                Element::Literal(l) => out.push_str(l.value()),
                Element::Interpolation(i) => self.interpolate(&self.expr(&i.expr, s), out),
                Element::Directive(d) => match &**d {
                    Directive::If(d) => match truthy(&self.expr(&d.if_expr.cond_expr, s)) {
                        Ok(true) => self.template_into(&d.if_expr.template, s, out),
                        Ok(false) => {
                            if let Some(e) = &d.else_expr {
                                self.template_into(&e.template, s, out);
                            }
                        }
                        Err(u) => self.interpolate(&u, out),
                    },
                    Directive::For(d) => {
                        let f = &d.for_expr;
                        let coll = self.expr(&f.collection_expr, s);
                        let pairs: Vec<(Value, Value)> = match coll {
                            Value::List(l) => l
                                .into_iter()
                                .enumerate()
                                .map(|(i, v)| (Value::Number(i as f64), v))
                                .collect(),
                            Value::Object(m) => {
                                m.iter().map(|(k, v)| (Value::str(k), v.clone())).collect()
                            }
                            other => {
                                self.interpolate(
                                    &Value::unknown(format!("cannot iterate over {other}")),
                                    out,
                                );
                                continue;
                            }
                        };
                        for (k, v) in pairs {
                            let mut sc = s.clone();
                            if let Some(kv) = &f.key_var {
                                sc.vars.push((kv.value().as_str().to_string(), k));
                            }
                            sc.vars.push((f.value_var.value().as_str().to_string(), v));
                            self.template_into(&f.template, &sc, out);
                        }
                    }
                },
            }
        }
    }

    fn interpolate(&self, v: &Value, out: &mut String) {
        match v {
            Value::Unknown(r) => out.push_str(&self.r.unknowns().marker(r)),
            Value::Null => out.push_str(
                &self
                    .r
                    .unknowns()
                    .marker("a null value was interpolated into a string"),
            ),
            other => match to_text(other) {
                Some(t) => out.push_str(&t),
                None => out.push_str(
                    &self
                        .r
                        .unknowns()
                        .marker(&format!("{other} cannot be interpolated into a string")),
                ),
            },
        }
    }
}

pub(crate) fn loose_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y,
        (Value::String(x), Value::Number(_)) | (Value::Number(_), Value::String(x)) => {
            to_text(if matches!(a, Value::Number(_)) { a } else { b }).as_deref() == Some(&**x)
        }
        _ => a == b,
    }
}
