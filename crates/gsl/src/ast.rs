//! The syntax tree. Every node carries the byte span of its text; `Display` prints the canonical
//! form (`parse(rule.to_string())` gives back the same tree, spans aside).

use crate::diagnostic::Span;
use crate::value::format_number;
use std::fmt::{self, Write as _};

#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    pub entity: EntityRef,
    /// The `where` clause.
    pub filter: Option<Expr>,
    pub verdict: Verdict,
    pub span: Span,
}

/// `IamPolicy`, or `List<CloudTrail>` (aggregate).
#[derive(Clone, Debug, PartialEq)]
pub struct EntityRef {
    pub name: String,
    pub aggregate: bool,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    /// `Entity where E` with no `should`: a query.
    Query,
    /// `should fail`.
    Fail { span: Span },
    /// `should [not] [have] E`.
    Should { negated: bool, expr: Expr },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// Two or more operands; nested `or`s are flattened.
    Or(Vec<Expr>),
    /// Two or more operands; nested `and`s are flattened.
    And(Vec<Expr>),
    Not(Box<Expr>),
    Path(Path),
    Literal(Literal),
    /// `(a, b, ...)`.
    List(Vec<Expr>),
    /// `target op`: operators apply left to right (`a with [F] contain-all [C]`).
    Postfix {
        target: Box<Expr>,
        op: Postfix,
        op_span: Span,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Path {
    pub root: PathRoot,
    pub segments: Vec<Segment>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathRoot {
    /// `a.b`: relative to the current element (the entity at top level).
    Scope,
    /// `$` or `$.a`: the current element itself.
    Dollar,
    /// `~a` / `~`: the entity at the root of the rule ("context travel").
    Entity,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Segment {
    pub name: String,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    String(String),
    Number(f64),
    Bool(bool),
    Regex { pattern: String, flags: String },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
}

impl CmpOp {
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "=",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Gt => ">",
            CmpOp::Le => "<=",
            CmpOp::Ge => ">=",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContainKind {
    /// `contain`
    Contain,
    /// `contain-any` (same meaning as `contain`)
    Any,
    /// `contain-all`
    All,
    /// `contain-none`
    None,
}

impl ContainKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ContainKind::Contain => "contain",
            ContainKind::Any => "contain-any",
            ContainKind::All => "contain-all",
            ContainKind::None => "contain-none",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Postfix {
    Compare {
        op: CmpOp,
        rhs: Box<Expr>,
    },
    /// `like 'pat'`.
    Like {
        pattern: String,
        span: Span,
    },
    /// `in (a, b)` / `in (expr)`.
    In {
        items: Vec<Expr>,
    },
    /// `regexMatch /re/flags`.
    RegexMatch {
        pattern: String,
        flags: String,
        span: Span,
    },
    Contain {
        kind: ContainKind,
        pred: Box<Expr>,
    },
    /// `with [P]`, optionally refined by `where Q` (Tenet reads `with [P] where Q` as
    /// `with [P and Q]`; one published rule uses it).
    With {
        pred: Box<Expr>,
        refine: Option<Box<Expr>>,
    },
    GroupBy {
        key: Box<Expr>,
    },
    /// `name(args)`, method style.
    Call {
        name: String,
        name_span: Span,
        args: Vec<Expr>,
    },
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.entity.aggregate {
            write!(f, "List<{}>", self.entity.name)?;
        } else {
            f.write_str(&self.entity.name)?;
        }
        if let Some(w) = &self.filter {
            write!(f, " where {w}")?;
        }
        match &self.verdict {
            Verdict::Query => Ok(()),
            Verdict::Fail { .. } => f.write_str(" should fail"),
            Verdict::Should { negated, expr } => {
                let not = if *negated { "not " } else { "" };
                write!(f, " should {not}have {expr}")
            }
        }
    }
}

/// Binding strength used to decide where the printer needs parentheses.
fn level(e: &Expr) -> u8 {
    match e.kind {
        ExprKind::Or(_) => 0,
        ExprKind::And(_) => 1,
        ExprKind::Not(_) => 2,
        ExprKind::Postfix { .. } => 3,
        ExprKind::Path(_) | ExprKind::Literal(_) | ExprKind::List(_) => 4,
    }
}

fn write_at(f: &mut impl fmt::Write, e: &Expr, min: u8) -> fmt::Result {
    if level(e) < min {
        write!(f, "({e})")
    } else {
        write!(f, "{e}")
    }
}

fn write_string(f: &mut impl fmt::Write, s: &str) -> fmt::Result {
    f.write_char('\'')?;
    for c in s.chars() {
        match c {
            '\'' => f.write_str("\\'")?,
            '\\' => f.write_str("\\\\")?,
            '\n' => f.write_str("\\n")?,
            '\t' => f.write_str("\\t")?,
            '\r' => f.write_str("\\r")?,
            c => f.write_char(c)?,
        }
    }
    f.write_char('\'')
}

fn write_regex(f: &mut impl fmt::Write, pattern: &str, flags: &str) -> fmt::Result {
    f.write_char('/')?;
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                f.write_char('\\')?;
                if let Some(n) = chars.next() {
                    f.write_char(n)?;
                }
            }
            '/' => f.write_str("\\/")?,
            c => f.write_char(c)?,
        }
    }
    write!(f, "/{flags}")
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::String(s) => write_string(f, s),
            Literal::Number(n) => f.write_str(&format_number(*n)),
            Literal::Bool(b) => write!(f, "{b}"),
            Literal::Regex { pattern, flags } => write_regex(f, pattern, flags),
        }
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.root {
            PathRoot::Scope => {}
            PathRoot::Dollar => {
                f.write_char('$')?;
                if !self.segments.is_empty() {
                    f.write_char('.')?;
                }
            }
            PathRoot::Entity => f.write_char('~')?,
        }
        for (i, s) in self.segments.iter().enumerate() {
            if i > 0 {
                f.write_char('.')?;
            }
            f.write_str(&s.name)?;
        }
        Ok(())
    }
}

fn write_list(f: &mut impl fmt::Write, items: &[Expr]) -> fmt::Result {
    f.write_char('(')?;
    for (i, it) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{it}")?;
    }
    f.write_char(')')
}

impl fmt::Display for Postfix {
    /// The operator part alone, e.g. `= 'true'` or `contain-all [Effect = 'Allow']`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Postfix::Compare { op, rhs } => {
                write!(f, "{} ", op.as_str())?;
                write_at(f, rhs, 4)
            }
            Postfix::Like { pattern, .. } => {
                f.write_str("like ")?;
                write_string(f, pattern)
            }
            Postfix::In { items } => {
                f.write_str("in ")?;
                write_list(f, items)
            }
            Postfix::RegexMatch { pattern, flags, .. } => {
                f.write_str("regexMatch ")?;
                write_regex(f, pattern, flags)
            }
            Postfix::Contain { kind, pred } => write!(f, "{} [{pred}]", kind.as_str()),
            Postfix::With { pred, refine } => {
                write!(f, "with [{pred}]")?;
                if let Some(r) = refine {
                    f.write_str(" where ")?;
                    write_at(f, r, 2)?;
                }
                Ok(())
            }
            Postfix::GroupBy { key } => write!(f, "groupBy [{key}]"),
            Postfix::Call { name, args, .. } => {
                f.write_str(name)?;
                write_list(f, args)
            }
        }
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ExprKind::Or(items) | ExprKind::And(items) => {
                let (word, min) = if matches!(self.kind, ExprKind::Or(_)) {
                    (" or ", 1)
                } else {
                    (" and ", 2)
                };
                for (i, it) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(word)?;
                    }
                    write_at(f, it, min)?;
                }
                Ok(())
            }
            ExprKind::Not(inner) => {
                f.write_str("not ")?;
                write_at(f, inner, 2)
            }
            ExprKind::Path(p) => write!(f, "{p}"),
            ExprKind::Literal(l) => write!(f, "{l}"),
            ExprKind::List(items) => write_list(f, items),
            ExprKind::Postfix { target, op, .. } => {
                // `~getValue('x')`: a call on the bare root prints without a space.
                if let (ExprKind::Path(p), Postfix::Call { .. }) = (&target.kind, op)
                    && p.root == PathRoot::Entity
                    && p.segments.is_empty()
                {
                    return write!(f, "~{op}");
                }
                let refined = matches!(
                    &target.kind,
                    ExprKind::Postfix {
                        op: Postfix::With {
                            refine: Some(_),
                            ..
                        },
                        ..
                    }
                );
                if refined {
                    write!(f, "({target})")?;
                } else {
                    write_at(f, target, 3)?;
                }
                write!(f, " {op}")
            }
        }
    }
}

impl Expr {
    /// The operators applied after the start of this postfix chain, e.g. `numberOfHosts() > 256`
    /// for `scope numberOfHosts() > 256`; empty for a bare path or literal. Used as the `test`
    /// of evidence checks, whose `path` is the chain's start.
    pub fn chain_suffix(&self) -> String {
        match &self.kind {
            ExprKind::Postfix { target, op, .. } => {
                let head = target.chain_suffix();
                if head.is_empty() {
                    op.to_string()
                } else {
                    format!("{head} {op}")
                }
            }
            _ => String::new(),
        }
    }
}

impl Rule {
    /// A copy with every span set to `0..0`, to compare trees regardless of layout
    /// (`parse(&rule.to_string())?.without_spans() == rule.without_spans()`).
    pub fn without_spans(&self) -> Rule {
        let mut r = self.clone();
        r.span = 0..0;
        r.entity.span = 0..0;
        if let Some(f) = &mut r.filter {
            f.clear_spans();
        }
        match &mut r.verdict {
            Verdict::Query => {}
            Verdict::Fail { span } => *span = 0..0,
            Verdict::Should { expr, .. } => expr.clear_spans(),
        }
        r
    }
}

impl Expr {
    fn clear_spans(&mut self) {
        self.span = 0..0;
        match &mut self.kind {
            ExprKind::Or(items) | ExprKind::And(items) | ExprKind::List(items) => {
                items.iter_mut().for_each(Expr::clear_spans)
            }
            ExprKind::Not(inner) => inner.clear_spans(),
            ExprKind::Path(p) => p.segments.iter_mut().for_each(|s| s.span = 0..0),
            ExprKind::Literal(_) => {}
            ExprKind::Postfix {
                target,
                op,
                op_span,
            } => {
                *op_span = 0..0;
                target.clear_spans();
                match op {
                    Postfix::Compare { rhs, .. } => rhs.clear_spans(),
                    Postfix::Like { span, .. } | Postfix::RegexMatch { span, .. } => *span = 0..0,
                    Postfix::In { items } => items.iter_mut().for_each(Expr::clear_spans),
                    Postfix::Contain { pred, .. } => pred.clear_spans(),
                    Postfix::With { pred, refine } => {
                        pred.clear_spans();
                        if let Some(r) = refine {
                            r.clear_spans();
                        }
                    }
                    Postfix::GroupBy { key } => key.clear_spans(),
                    Postfix::Call {
                        name_span, args, ..
                    } => {
                        *name_span = 0..0;
                        args.iter_mut().for_each(Expr::clear_spans);
                    }
                }
            }
        }
    }
}
