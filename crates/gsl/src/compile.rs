//! AST -> executable nodes: functions resolved against the registry (unknown names are errors
//! with a suggestion), arities and literal arguments checked, regexes and `like` patterns
//! compiled once.

use crate::ast::{self, Expr, ExprKind, Literal, PathRoot, Postfix};
use crate::diagnostic::Diagnostic;
use crate::eval::{CVerdict, Callee, CompiledRule, Kind, Node, Root};
use crate::functions::{Builtin, FunctionRegistry};
use crate::suggest::nearest;
use crate::value::Value;
use regex::{Regex, RegexBuilder};

pub fn compile_rule(
    src: &str,
    rule: &ast::Rule,
    functions: &FunctionRegistry,
) -> Result<CompiledRule, Vec<Diagnostic>> {
    let mut c = Compiler {
        functions,
        errors: vec![],
    };
    let filter = rule.filter.as_ref().map(|f| c.node(f));
    let verdict = match &rule.verdict {
        ast::Verdict::Query => CVerdict::Query,
        ast::Verdict::Fail { .. } => CVerdict::Fail,
        ast::Verdict::Should { negated, expr } => CVerdict::Should {
            negated: *negated,
            expr: c.node(expr),
        },
    };
    if !c.errors.is_empty() {
        return Err(c.errors);
    }
    Ok(CompiledRule {
        source: src.to_string(),
        entity: rule.entity.name.clone(),
        aggregate: rule.entity.aggregate,
        filter,
        verdict,
    })
}

struct Compiler<'f> {
    functions: &'f FunctionRegistry,
    errors: Vec<Diagnostic>,
}

/// The literal value of an expression, if it is one.
fn literal(e: &Expr) -> Option<Value> {
    match &e.kind {
        ExprKind::Literal(Literal::String(s)) => Some(Value::from(s.as_str())),
        ExprKind::Literal(Literal::Number(n)) => Some(Value::Number(*n)),
        ExprKind::Literal(Literal::Bool(b)) => Some(Value::Bool(*b)),
        ExprKind::List(items) => items
            .iter()
            .map(literal)
            .collect::<Option<Vec<_>>>()
            .map(Value::List),
        _ => None,
    }
}

/// `like` pattern -> anchored, case-insensitive regex (`%` = any run of characters).
pub(crate) fn like_regex(pattern: &str) -> Result<Regex, regex::Error> {
    let body = pattern
        .split('%')
        .map(regex::escape)
        .collect::<Vec<_>>()
        .join(".*");
    RegexBuilder::new(&format!("^{body}$"))
        .case_insensitive(true)
        .dot_matches_new_line(true)
        .build()
}

impl Compiler<'_> {
    fn node(&mut self, e: &Expr) -> Node {
        let kind = self.kind(e);
        Node {
            kind,
            text: e.to_string().into(),
            test: e.chain_suffix().into(),
        }
    }

    fn boxed(&mut self, e: &Expr) -> Box<Node> {
        Box::new(self.node(e))
    }

    fn kind(&mut self, e: &Expr) -> Kind {
        match &e.kind {
            ExprKind::Or(items) => Kind::Or(items.iter().map(|i| self.node(i)).collect()),
            ExprKind::And(items) => Kind::And(items.iter().map(|i| self.node(i)).collect()),
            ExprKind::Not(inner) => Kind::Not(self.boxed(inner)),
            ExprKind::Path(p) => Kind::Path {
                root: match p.root {
                    PathRoot::Scope | PathRoot::Dollar => Root::Scope,
                    PathRoot::Entity => Root::Entity,
                },
                segs: p.segments.iter().map(|s| s.name.as_str().into()).collect(),
            },
            ExprKind::Literal(Literal::Regex { .. }) => {
                self.errors.push(Diagnostic::new(
                    e.span.clone(),
                    "a regular expression can only follow `regexMatch`",
                ));
                Kind::Lit(Value::Null)
            }
            ExprKind::Literal(_) => Kind::Lit(literal(e).unwrap_or(Value::Null)),
            ExprKind::List(items) => match literal(e) {
                Some(v) => Kind::Lit(v),
                None => Kind::List(items.iter().map(|i| self.node(i)).collect()),
            },
            ExprKind::Postfix { target, op, .. } => {
                let lhs = self.boxed(target);
                match op {
                    Postfix::Compare { op, rhs } => Kind::Cmp {
                        lhs,
                        op: *op,
                        rhs: self.boxed(rhs),
                    },
                    Postfix::Like { pattern, span } => match like_regex(pattern) {
                        Ok(re) => Kind::Like { lhs, re },
                        Err(err) => {
                            self.errors.push(Diagnostic::new(
                                span.clone(),
                                format!("invalid `like` pattern: {err}"),
                            ));
                            Kind::Lit(Value::Null)
                        }
                    },
                    Postfix::RegexMatch {
                        pattern,
                        flags,
                        span,
                    } => match self.regex(pattern, flags, span) {
                        Some(re) => Kind::Regex { lhs, re },
                        None => Kind::Lit(Value::Null),
                    },
                    Postfix::In { items } => {
                        let consts =
                            items
                                .iter()
                                .map(literal)
                                .collect::<Option<Vec<_>>>()
                                .map(|vs| {
                                    vs.into_iter()
                                        .flat_map(|v| match v {
                                            Value::List(l) => l,
                                            v => vec![v],
                                        })
                                        .collect()
                                });
                        let items = if consts.is_some() {
                            vec![]
                        } else {
                            items.iter().map(|i| self.node(i)).collect()
                        };
                        Kind::In { lhs, consts, items }
                    }
                    Postfix::Contain { kind, pred } => Kind::Contain {
                        lhs,
                        kind: *kind,
                        pred: self.boxed(pred),
                    },
                    Postfix::With { pred, refine } => {
                        let pred = match refine {
                            None => self.boxed(pred),
                            Some(r) => {
                                let and = Expr {
                                    span: pred.span.start..r.span.end,
                                    kind: ExprKind::And(vec![(**pred).clone(), (**r).clone()]),
                                };
                                self.boxed(&and)
                            }
                        };
                        Kind::With { lhs, pred }
                    }
                    Postfix::GroupBy { key } => Kind::GroupBy {
                        lhs,
                        key: self.boxed(key),
                    },
                    Postfix::Call {
                        name,
                        name_span,
                        args,
                    } => self.call(lhs, name, name_span, args),
                }
            }
        }
    }

    fn regex(&mut self, pattern: &str, flags: &str, span: &crate::Span) -> Option<Regex> {
        let mut b = RegexBuilder::new(pattern);
        for f in flags.chars() {
            match f {
                'i' => b.case_insensitive(true),
                'm' => b.multi_line(true),
                's' => b.dot_matches_new_line(true),
                'x' => b.ignore_whitespace(true),
                // Global matching means nothing for a yes/no test.
                'g' => &mut b,
                other => {
                    self.errors.push(Diagnostic::new(
                        span.clone(),
                        format!("unknown regex flag `{other}`; expected `i`, `m`, `s`, `x` or `g`"),
                    ));
                    return None;
                }
            };
        }
        match b.build() {
            Ok(re) => Some(re),
            Err(err) => {
                let msg = err.to_string();
                let last = msg
                    .lines()
                    .rev()
                    .find(|l| !l.trim().is_empty())
                    .unwrap_or("");
                self.errors.push(Diagnostic::new(
                    span.clone(),
                    format!(
                        "invalid regular expression: {}",
                        last.trim().trim_start_matches("error: ")
                    ),
                ));
                None
            }
        }
    }

    fn call(&mut self, lhs: Box<Node>, name: &str, span: &crate::Span, args: &[Expr]) -> Kind {
        let Some(entry) = self.functions.get(name) else {
            let mut d = Diagnostic::new(span.clone(), format!("unknown function `{name}`"));
            if let Some(s) = nearest(name, self.functions.names()) {
                d = d.with_suggestion(s);
            }
            self.errors.push(d);
            return Kind::Lit(Value::Null);
        };
        if !entry.arity.contains(&args.len()) {
            let (lo, hi) = (*entry.arity.start(), *entry.arity.end());
            let want = match (lo, hi) {
                (0, 0) => "no arguments".to_string(),
                (1, 1) => "1 argument".to_string(),
                (l, h) if l == h => format!("{l} arguments"),
                (l, h) => format!("{l} to {h} arguments"),
            };
            self.errors.push(Diagnostic::new(
                span.start..args.last().map_or(span.end, |a| a.span.end + 1),
                format!("function `{name}` takes {want}, found {}", args.len()),
            ));
            return Kind::Lit(Value::Null);
        }
        let consts = args.iter().map(literal).collect::<Option<Vec<_>>>();
        if let (Some(c), Some(validate)) = (&consts, entry.validate)
            && let Err(msg) = validate(c)
        {
            let at = args.first().map_or(span.clone(), |a| {
                a.span.start..args.last().map_or(a.span.end, |l| l.span.end)
            });
            self.errors
                .push(Diagnostic::new(at, format!("`{name}`: {msg}")));
        }
        let callee = match entry.builtin {
            Some(Builtin::IsEmpty) => Callee::IsEmpty,
            Some(Builtin::Length) => Callee::Length,
            None => Callee::Fn(entry.f.clone()),
        };
        let args = if consts.is_some() {
            vec![]
        } else {
            args.iter().map(|a| self.node(a)).collect()
        };
        Kind::Call {
            lhs,
            name: name.into(),
            callee,
            args,
            consts,
        }
    }
}
