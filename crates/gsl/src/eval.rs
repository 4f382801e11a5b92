//! Evaluation of compiled rules: three-valued logic over [`Value`]s, with optional evidence.
//!
//! One evaluator serves both [`CompiledRule::evaluate`] (hot path: no paths, no evidence, values
//! borrowed from the entity) and [`CompiledRule::explain`] (same code, plus absolute paths,
//! checks, offenders and a step log), so the two cannot disagree on a verdict. Explain mode is
//! signalled by the scope carrying a path.

use crate::ast::{CmpOp, ContainKind};
use crate::functions::{Function, parse_date, scalar_text};
use crate::outcome::{Check, Offender, Outcome, Trace};
use crate::value::{Value, format_number};
use regex::Regex;
use std::borrow::Cow;

/// What evaluation may depend on besides the entity: the clock.
#[derive(Clone, Debug)]
pub struct EvalContext {
    now_unix: i64,
}

impl Default for EvalContext {
    fn default() -> Self {
        Self::new()
    }
}

impl EvalContext {
    /// Uses the system clock.
    pub fn new() -> Self {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        Self { now_unix: now }
    }

    /// A fixed "now" (seconds since the Unix epoch), for reproducible tests.
    pub fn at_unix(secs: i64) -> Self {
        Self { now_unix: secs }
    }

    /// A fixed "now" given as an ISO-8601 date or date-time (`2024-05-01`,
    /// `2024-05-01T12:00:00Z`); `None` if the text is not one.
    pub fn at_iso(text: &str) -> Option<Self> {
        parse_date(text).map(|ms| Self::at_unix(ms.div_euclid(1000)))
    }

    pub fn now_unix(&self) -> i64 {
        self.now_unix
    }
}

/// A compiled expression node. `text` is the canonical source of the node; `test` the part of
/// its postfix chain after the starting path (the `test` of evidence checks).
pub(crate) struct Node {
    pub kind: Kind,
    pub text: Box<str>,
    pub test: Box<str>,
}

pub(crate) enum Root {
    Scope,
    Entity,
}

pub(crate) enum Callee {
    IsEmpty,
    Length,
    Fn(Function),
}

pub(crate) enum Kind {
    Or(Vec<Node>),
    And(Vec<Node>),
    Not(Box<Node>),
    Path {
        root: Root,
        segs: Box<[Box<str>]>,
    },
    Lit(Value),
    List(Vec<Node>),
    Cmp {
        lhs: Box<Node>,
        op: CmpOp,
        rhs: Box<Node>,
    },
    Like {
        lhs: Box<Node>,
        re: Regex,
    },
    In {
        lhs: Box<Node>,
        /// Flattened literal items, when every item is a literal.
        consts: Option<Vec<Value>>,
        items: Vec<Node>,
    },
    Regex {
        lhs: Box<Node>,
        re: Regex,
    },
    Contain {
        lhs: Box<Node>,
        kind: ContainKind,
        pred: Box<Node>,
    },
    With {
        lhs: Box<Node>,
        pred: Box<Node>,
    },
    GroupBy {
        lhs: Box<Node>,
        key: Box<Node>,
    },
    Call {
        lhs: Box<Node>,
        name: Box<str>,
        callee: Callee,
        args: Vec<Node>,
        /// The arguments, when all are literals (no per-entity allocation).
        consts: Option<Vec<Value>>,
    },
}

pub(crate) enum CVerdict {
    Query,
    Fail,
    Should { negated: bool, expr: Node },
}

/// A rule compiled once (regexes built, functions resolved), evaluated many times, in parallel.
pub struct CompiledRule {
    pub(crate) source: String,
    pub(crate) entity: String,
    pub(crate) aggregate: bool,
    pub(crate) filter: Option<Node>,
    pub(crate) verdict: CVerdict,
}

impl std::fmt::Debug for CompiledRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompiledRule")
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

impl CompiledRule {
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The entity type, e.g. `IamPolicy` (`X` for `List<X>`).
    pub fn entity_type(&self) -> &str {
        &self.entity
    }

    /// `List<X>` form: the entity is `{items: [...]}`.
    pub fn is_aggregate(&self) -> bool {
        self.aggregate
    }

    /// `X where ...` with no `should`.
    pub fn is_query(&self) -> bool {
        matches!(self.verdict, CVerdict::Query)
    }

    /// The verdict for one entity (of the rule's type). No evidence is collected.
    pub fn evaluate(&self, entity: &Value, cx: &EvalContext) -> Outcome {
        self.run(entity, cx, None)
    }

    /// The same verdict as [`CompiledRule::evaluate`], with the evidence behind it.
    pub fn explain(&self, entity: &Value, cx: &EvalContext) -> (Outcome, Trace) {
        let mut trace = Trace::default();
        let o = self.run(entity, cx, Some(&mut trace));
        (o, trace)
    }

    fn run(&self, entity: &Value, cx: &EvalContext, trace: Option<&mut Trace>) -> Outcome {
        let ev = Evaluator { root: entity, cx };
        let explain = trace.is_some();
        let sc = Scope {
            cur: entity,
            path: explain.then_some(""),
        };
        let mut evidence = explain.then(Evidence::default);
        // Steps from here on belong to the `should` part (the rest to `where`).
        let mut should_from = usize::MAX;
        let outcome = 'o: {
            if let Some(f) = &self.filter {
                let mut child = explain.then(Evidence::default);
                let r = ev.test(f, &sc, child.as_mut());
                if let (Some(e), Some(mut c)) = (evidence.as_mut(), child) {
                    // The first line is the whole condition: it becomes the headline.
                    if let Some(first) = c.steps.first_mut() {
                        first.text = format!("where {}", first.text);
                    }
                    e.steps.extend(c.steps);
                    if r != Tri::T {
                        e.checks = c.checks;
                        e.offenders = c.offenders;
                    }
                }
                match r {
                    Tri::T => {}
                    Tri::F => break 'o Outcome::Skip,
                    Tri::U(reason) => break 'o Outcome::Unknown(reason.into()),
                }
            }
            match &self.verdict {
                CVerdict::Query => Outcome::Pass,
                CVerdict::Fail => {
                    if let Some(e) = evidence.as_mut() {
                        should_from = e.steps.len();
                        e.steps.push(Step::line(0, "should fail -> FAIL".into()));
                    }
                    Outcome::Fail
                }
                CVerdict::Should { negated, expr } => {
                    let mut child = explain.then(Evidence::default);
                    let r = ev.test(expr, &sc, child.as_mut());
                    let r = if *negated { r.not() } else { r };
                    let o = match r {
                        Tri::T => Outcome::Pass,
                        Tri::F => Outcome::Fail,
                        Tri::U(reason) => Outcome::Unknown(reason.into()),
                    };
                    if let (Some(e), Some(c)) = (evidence.as_mut(), child) {
                        let not = if *negated { "not " } else { "" };
                        should_from = e.steps.len();
                        e.steps
                            .push(Step::line(0, format!("should {not}have ... -> {o}")));
                        // The expression's own line carries its truth, before `not`.
                        for mut s in c.steps {
                            s.depth += 1;
                            e.steps.push(s);
                        }
                        e.checks = c.checks;
                        e.offenders = c.offenders;
                    }
                    o
                }
            }
        };
        if let (Some(t), Some(e)) = (trace, evidence) {
            let steps = e.steps;
            t.checks = e.checks;
            // Offenders explain failures only.
            if outcome == Outcome::Fail || matches!(outcome, Outcome::Unknown(_)) {
                t.offenders = e.offenders;
            } else {
                t.checks.extend(
                    e.offenders
                        .into_iter()
                        .flat_map(|o| o.matched.into_iter().chain(o.failed)),
                );
            }
            t.steps = render_steps(steps, t, should_from);
        }
        outcome
    }
}

/// One line of the explained evaluation: a sub-expression (or an element of a collection) with
/// its truth and the values it saw. `keys` name the checks (path, test) the line made, so that
/// the lines whose checks decided the outcome can be highlighted.
#[derive(Clone, Debug, Default)]
struct Step {
    depth: usize,
    text: String,
    keys: Vec<(String, String)>,
}

impl Step {
    fn line(depth: usize, text: String) -> Step {
        Step {
            depth,
            text,
            keys: Vec::new(),
        }
    }
}

/// Marks the deciding lines: `=> ` in the gutter of every line whose checks are the evidence of
/// the outcome (the failed checks of offenders, else the top-level checks), looking only at the
/// part of the rule that decided it (`where` for SKIP, `should` otherwise).
fn render_steps(steps: Vec<Step>, t: &Trace, should_from: usize) -> Vec<String> {
    let mut decisive: Vec<(&str, &str)> = t
        .offenders
        .iter()
        .flat_map(|o| &o.failed)
        .chain(&t.checks)
        .map(|c| (c.path.as_str(), c.test.as_str()))
        .collect();
    if decisive.is_empty() {
        decisive = t
            .offenders
            .iter()
            .flat_map(|o| &o.matched)
            .map(|c| (c.path.as_str(), c.test.as_str()))
            .collect();
    }
    let decided_by_should = should_from < steps.len();
    steps
        .into_iter()
        .enumerate()
        .map(|(i, s)| {
            let in_part = (i >= should_from) == decided_by_should;
            let hit = in_part
                && s.keys
                    .iter()
                    .any(|(p, k)| decisive.iter().any(|(dp, dk)| dp == p && dk == k));
            let gutter = if hit { "=> " } else { "   " };
            format!("{gutter}{}{}", "  ".repeat(s.depth), s.text)
        })
        .collect()
}

/// ` (missing)`, ` (found "x")` or, for per-element checks, ` (Action[1]: "iam:CreateAccessKey")`.
fn describe_checks(checks: &[Check]) -> String {
    match checks {
        [] => String::new(),
        [c] => match &c.actual {
            None => " (missing)".into(),
            Some(v) => format!(" (found {})", short(v)),
        },
        many => {
            let mut parts: Vec<String> = many
                .iter()
                .take(3)
                .map(|c| {
                    let v = c.actual.as_ref().map_or("missing".into(), short);
                    format!("{}: {v}", last_segment(&c.path))
                })
                .collect();
            if many.len() > 3 {
                parts.push(format!("... {} more", many.len() - 3));
            }
            format!(" ({})", parts.join(", "))
        }
    }
}

/// A value as compact JSON, cut at 80 characters.
fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() <= 80 {
        s
    } else {
        let cut: String = s.chars().take(77).collect();
        format!("{cut}...")
    }
}

/// `Statement[2]` for `document.Statement[2]` (paths may contain `.` only between segments).
fn last_segment(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or(path)
}

/// Three-valued truth.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Tri {
    T,
    F,
    U(Box<str>),
}

impl Tri {
    fn from(b: bool) -> Tri {
        if b { Tri::T } else { Tri::F }
    }

    fn not(self) -> Tri {
        match self {
            Tri::T => Tri::F,
            Tri::F => Tri::T,
            u => u,
        }
    }

    fn label(&self) -> &'static str {
        match self {
            Tri::T => "true",
            Tri::F => "false",
            Tri::U(_) => "unknown",
        }
    }

    /// ` (reason)` for unknown, else empty.
    fn reason(&self) -> String {
        match self {
            Tri::U(r) => format!(" ({r})"),
            _ => String::new(),
        }
    }

    /// True if some item is true; else unknown if some is unknown; else false.
    fn any(it: impl Iterator<Item = Tri>) -> Tri {
        let mut u = None;
        for t in it {
            match t {
                Tri::T => return Tri::T,
                Tri::U(r) => {
                    u.get_or_insert(r);
                }
                Tri::F => {}
            }
        }
        u.map_or(Tri::F, Tri::U)
    }
}

static NULL: Value = Value::Null;

/// An element kept by `with`, with its index in the original collection.
struct Elem<'s> {
    idx: usize,
    v: Cow<'s, Value>,
    path: Option<String>,
    /// Checks of the `with` filter that were true for this element (explain mode only).
    matched: Vec<Check>,
}

enum Val<'s> {
    Missing,
    Ref(&'s Value),
    Owned(Value),
    Elems(Vec<Elem<'s>>),
}

impl Val<'_> {
    fn unknown(&self) -> Option<&str> {
        match self {
            Val::Ref(Value::Unknown(r)) | Val::Owned(Value::Unknown(r)) => Some(r),
            _ => None,
        }
    }

    /// The value as a plain `Value` reference, when it is one (not a `with` result).
    fn plain(&self) -> Option<&Value> {
        match self {
            Val::Missing => Some(&NULL),
            Val::Ref(v) => Some(v),
            Val::Owned(v) => Some(v),
            Val::Elems(_) => None,
        }
    }

    /// A materialised copy (`None` when missing).
    fn to_value(&self) -> Option<Value> {
        match self {
            Val::Missing | Val::Ref(Value::Null) | Val::Owned(Value::Null) => None,
            Val::Ref(v) => Some((*v).clone()),
            Val::Owned(v) => Some(v.clone()),
            Val::Elems(es) => Some(Value::List(
                es.iter().map(|e| e.v.as_ref().clone()).collect(),
            )),
        }
    }

    fn items(&self) -> Items<'_> {
        match self {
            Val::Missing | Val::Ref(Value::Null) | Val::Owned(Value::Null) => Items::None,
            Val::Ref(Value::List(l)) | Val::Owned(Value::List(l)) => Items::List(l),
            Val::Ref(v) => Items::One(v),
            Val::Owned(v) => Items::One(v),
            Val::Elems(e) => Items::Elems(e),
        }
    }
}

/// The elements a collection operator sees: missing = none, a non-list = one element.
#[derive(Clone, Copy)]
enum Items<'x> {
    None,
    One(&'x Value),
    List(&'x [Value]),
    Elems(&'x [Elem<'x>]),
}

impl<'x> Items<'x> {
    fn iter(self) -> impl Iterator<Item = (usize, &'x Value, Option<&'x Elem<'x>>)> {
        let mut i = 0;
        std::iter::from_fn(move || {
            let r = match self {
                Items::None => None,
                Items::One(v) => (i == 0).then_some((0, v, None)),
                Items::List(l) => l.get(i).map(|v| (i, v, None)),
                Items::Elems(e) => e.get(i).map(|el| (el.idx, el.v.as_ref(), Some(el))),
            };
            i += 1;
            r
        })
    }

    fn is_list(self) -> bool {
        matches!(self, Items::List(_))
    }
}

/// A value with, in explain mode, its absolute path and what to show as its value.
struct Loc<'s> {
    val: Val<'s>,
    path: Option<String>,
    /// For function results: the receiver (more telling than `true`).
    shown: Option<Value>,
}

impl<'s> Loc<'s> {
    fn new(val: Val<'s>, path: Option<String>) -> Self {
        Loc {
            val,
            path,
            shown: None,
        }
    }
}

struct Scope<'s> {
    cur: &'s Value,
    /// Absolute path of `cur`; `Some` exactly in explain mode.
    path: Option<&'s str>,
}

fn join(base: &str, seg: &str) -> String {
    if base.is_empty() {
        seg.to_string()
    } else {
        format!("{base}.{seg}")
    }
}

fn elem_path(base: Option<&str>, list: bool, idx: usize, el: Option<&Elem<'_>>) -> Option<String> {
    if let Some(el) = el {
        return el.path.clone();
    }
    let base = base?;
    Some(if list {
        format!("{base}[{idx}]")
    } else {
        base.to_string()
    })
}

/// Evidence gathered in explain mode: what supports the result of the expression evaluated.
#[derive(Default)]
struct Evidence {
    checks: Vec<Check>,
    offenders: Vec<Offender>,
    steps: Vec<Step>,
    depth: usize,
}

impl Evidence {
    fn child(&self) -> Evidence {
        Evidence {
            depth: self.depth + 1,
            ..Default::default()
        }
    }

    /// All checks, including those inside nested offenders.
    fn flat_checks(self) -> Vec<Check> {
        let mut out = self.checks;
        for o in self.offenders {
            out.extend(o.matched);
            out.extend(o.failed);
        }
        out
    }
}

struct Evaluator<'e> {
    root: &'e Value,
    cx: &'e EvalContext,
}

impl<'e> Evaluator<'e> {
    /// Evaluates `n` as a condition.
    fn test<'s>(&self, n: &'s Node, sc: &Scope<'s>, mut ev: Option<&mut Evidence>) -> Tri
    where
        'e: 's,
    {
        let at = ev.as_deref_mut().map(|e| {
            e.steps.push(Step::default());
            (e.steps.len() - 1, e.checks.len())
        });
        let r = self.test_inner(n, sc, ev.as_deref_mut());
        if let (Some(e), Some((at, first_check))) = (ev, at) {
            // Leaves show the values they saw; connectives and collection operators show their
            // operands on the lines below.
            let leaf = !matches!(
                n.kind,
                Kind::And(_) | Kind::Or(_) | Kind::Not(_) | Kind::Contain { .. }
            );
            let own = e.checks.get(first_check..).unwrap_or_default();
            let (detail, keys) = if leaf {
                let detail = match &r {
                    Tri::U(_) => r.reason(),
                    _ => describe_checks(own),
                };
                let keys = own
                    .iter()
                    .map(|c| (c.path.clone(), c.test.clone()))
                    .collect();
                (detail, keys)
            } else {
                (r.reason(), Vec::new())
            };
            if let Some(slot) = e.steps.get_mut(at) {
                *slot = Step {
                    depth: e.depth,
                    text: format!("{} -> {}{detail}", n.text, r.label()),
                    keys,
                };
            }
        }
        r
    }

    fn test_inner<'s>(&self, n: &'s Node, sc: &Scope<'s>, ev: Option<&mut Evidence>) -> Tri
    where
        'e: 's,
    {
        match &n.kind {
            Kind::And(items) => self.junction(items, sc, ev, true),
            Kind::Or(items) => self.junction(items, sc, ev, false),
            Kind::Not(inner) => match ev {
                Some(e) => {
                    e.depth += 1;
                    let r = self.test(inner, sc, Some(&mut *e)).not();
                    e.depth -= 1;
                    r
                }
                None => self.test(inner, sc, None).not(),
            },
            Kind::Cmp { lhs, op, rhs } => {
                let r = self.value(rhs, sc);
                if let Some(u) = r.val.unknown() {
                    return Tri::U(u.into());
                }
                let materialised;
                let rv = match r.val.plain() {
                    Some(v) => v,
                    None => {
                        materialised = r.val.to_value().unwrap_or(Value::Null);
                        &materialised
                    }
                };
                match op {
                    CmpOp::Eq => self.leaf(n, lhs, sc, ev, true, &|v| loose_eq(v, rv)),
                    CmpOp::Ne => self.leaf(n, lhs, sc, ev, false, &|v| loose_eq(v, rv).not()),
                    op => self.leaf(n, lhs, sc, ev, false, &|v| ordering(v, rv, *op)),
                }
            }
            Kind::Like { lhs, re } | Kind::Regex { lhs, re } => {
                self.leaf(n, lhs, sc, ev, true, &|v| match v {
                    Value::Unknown(r) => Tri::U(r.clone()),
                    other => Tri::from(scalar_text(other).is_some_and(|s| re.is_match(&s))),
                })
            }
            Kind::In { lhs, consts, items } => {
                if let Some(c) = consts {
                    return self.leaf(n, lhs, sc, ev, true, &|v| {
                        Tri::any(c.iter().map(|x| loose_eq(v, x)))
                    });
                }
                let mut vals = Vec::with_capacity(items.len());
                for it in items {
                    let l = self.value(it, sc);
                    if let Some(u) = l.val.unknown() {
                        return Tri::U(u.into());
                    }
                    match l.val.to_value() {
                        Some(Value::List(xs)) => vals.extend(xs),
                        Some(x) => vals.push(x),
                        None => {}
                    }
                }
                self.leaf(n, lhs, sc, ev, true, &|v| {
                    Tri::any(vals.iter().map(|x| loose_eq(v, x)))
                })
            }
            Kind::Contain { lhs, kind, pred } => self.contain(lhs, *kind, pred, sc, ev),
            _ => {
                let loc = self.value(n, sc);
                let r = match &loc.val {
                    Val::Missing => Tri::F,
                    Val::Elems(e) => Tri::from(!e.is_empty()),
                    Val::Ref(v) => truthy(v),
                    Val::Owned(v) => truthy(v),
                };
                if let Some(e) = ev {
                    let test = if n.test.is_empty() {
                        "is present".to_string()
                    } else {
                        n.test.to_string()
                    };
                    e.checks.push(Check {
                        path: loc.path.clone().unwrap_or_default(),
                        test,
                        actual: loc.shown.clone().or_else(|| loc.val.to_value()),
                        result: r == Tri::T,
                    });
                }
                r
            }
        }
    }

    /// `and` (`is_and`) or `or` with short-circuit; evidence from the operands that decided.
    fn junction<'s>(
        &self,
        items: &'s [Node],
        sc: &Scope<'s>,
        ev: Option<&mut Evidence>,
        is_and: bool,
    ) -> Tri
    where
        'e: 's,
    {
        let (stop, pass) = if is_and {
            (Tri::F, Tri::T)
        } else {
            (Tri::T, Tri::F)
        };
        let Some(ev) = ev else {
            let mut u = None;
            for it in items {
                match self.test(it, sc, None) {
                    Tri::U(r) => {
                        u.get_or_insert(r);
                    }
                    r if r == stop => return r,
                    _ => {}
                }
            }
            return u.map_or(pass, Tri::U);
        };
        let mut results = vec![];
        for it in items {
            let mut c = ev.child();
            let r = self.test(it, sc, Some(&mut c));
            let done = r == stop;
            results.push((r, c));
            if done {
                break;
            }
        }
        let result = if results.iter().any(|(r, _)| *r == stop) {
            stop.clone()
        } else if let Some((Tri::U(u), _)) = results.iter().find(|(r, _)| matches!(r, Tri::U(_))) {
            Tri::U(u.clone())
        } else {
            pass.clone()
        };
        for (r, c) in results {
            ev.steps.extend(c.steps);
            let supports = if result == pass {
                true
            } else {
                std::mem::discriminant(&r) == std::mem::discriminant(&result)
            };
            if supports {
                ev.checks.extend(c.checks);
                ev.offenders.extend(c.offenders);
            }
        }
        result
    }

    /// A leaf test. `per_element`: on a list, true iff some element satisfies `pred`
    /// (`=`, `like`, `in`, `regexMatch`); otherwise `pred` sees the whole value.
    fn leaf<'s>(
        &self,
        n: &'s Node,
        lhs: &'s Node,
        sc: &Scope<'s>,
        ev: Option<&mut Evidence>,
        per_element: bool,
        pred: &dyn Fn(&Value) -> Tri,
    ) -> Tri
    where
        'e: 's,
    {
        let loc = self.value(lhs, sc);
        if let Some(u) = loc.val.unknown() {
            return Tri::U(u.into());
        }
        let items = loc.val.items();
        let listy = matches!(items, Items::List(_) | Items::Elems(_));
        let result = if per_element && listy {
            Tri::any(items.iter().map(|(_, v, _)| pred(v)))
        } else {
            match loc.val.plain() {
                Some(v) => pred(v),
                None => pred(&loc.val.to_value().unwrap_or(Value::Null)),
            }
        };
        if let Some(e) = ev {
            let base = loc.path.as_deref().unwrap_or("");
            if per_element && listy && !matches!(items, Items::List([]) | Items::Elems([])) {
                for (idx, v, el) in items.iter() {
                    let r = pred(v);
                    if result == Tri::T && r != Tri::T {
                        continue;
                    }
                    e.checks.push(Check {
                        path: elem_path(Some(base), items.is_list(), idx, el).unwrap_or_default(),
                        test: n.test.to_string(),
                        actual: Some(v.clone()),
                        result: r == Tri::T,
                    });
                }
            } else {
                e.checks.push(Check {
                    path: base.to_string(),
                    test: n.test.to_string(),
                    actual: loc.val.to_value(),
                    result: result == Tri::T,
                });
            }
        }
        result
    }

    fn contain<'s>(
        &self,
        lhs: &'s Node,
        kind: ContainKind,
        pred: &'s Node,
        sc: &Scope<'s>,
        ev: Option<&mut Evidence>,
    ) -> Tri
    where
        'e: 's,
    {
        let loc = self.value(lhs, sc);
        if let Some(u) = loc.val.unknown() {
            return Tri::U(u.into());
        }
        let items = loc.val.items();
        let (mut hits, mut misses, mut unknown) = (0usize, 0usize, None::<Box<str>>);
        let any = matches!(kind, ContainKind::Contain | ContainKind::Any);
        let Some(ev) = ev else {
            for (idx, v, el) in items.iter() {
                let path = elem_path(None, false, idx, el);
                let esc = Scope {
                    cur: v,
                    path: path.as_deref(),
                };
                match self.test(pred, &esc, None) {
                    Tri::T if any => return Tri::T,
                    Tri::T if kind == ContainKind::None => return Tri::F,
                    Tri::F if kind == ContainKind::All => return Tri::F,
                    Tri::T => hits += 1,
                    Tri::F => misses += 1,
                    Tri::U(r) => {
                        unknown.get_or_insert(r);
                    }
                }
            }
            return contain_result(kind, hits, misses, unknown);
        };
        let base = loc.path.as_deref();
        if let Val::Elems(es) = &loc.val {
            let kept: Vec<String> = es
                .iter()
                .map(|e| last_segment(e.path.as_deref().unwrap_or("")).to_string())
                .collect();
            let listed = if kept.is_empty() {
                "none".to_string()
            } else {
                kept.join(", ")
            };
            ev.steps.push(Step::line(
                ev.depth + 1,
                format!(
                    "{} -> selects {} element(s): {listed}",
                    lhs.text,
                    kept.len()
                ),
            ));
        }
        let mut per = vec![];
        for (idx, v, el) in items.iter() {
            let path = elem_path(base, items.is_list(), idx, el);
            let esc = Scope {
                cur: v,
                path: path.as_deref(),
            };
            let mut c = ev.child();
            let r = self.test(pred, &esc, Some(&mut c));
            match &r {
                Tri::T => hits += 1,
                Tri::F => misses += 1,
                Tri::U(u) => {
                    unknown.get_or_insert(u.clone());
                }
            }
            per.push((r, idx, v, el, path, c));
        }
        let result = contain_result(kind, hits, misses, unknown);
        for (r, idx, v, el, path, mut c) in per {
            // `Statement[2]: <predicate> -> false (missing)` when the predicate is one line, else
            // a header for the element with its lines below.
            let label = match path.as_deref() {
                Some(p) if !p.is_empty() => last_segment(p).to_string(),
                _ => format!("[{idx}]"),
            };
            if let [only] = c.steps.as_mut_slice() {
                only.text = format!("{label}: {}", only.text);
                ev.steps.append(&mut c.steps);
            } else {
                ev.steps.push(Step::line(
                    ev.depth + 1,
                    format!("{label} -> {}{}", r.label(), r.reason()),
                ));
                for mut s in c.steps.drain(..) {
                    s.depth += 1;
                    ev.steps.push(s);
                }
            }
            let supports = match (&result, &r) {
                (Tri::U(_), Tri::U(_)) => true,
                (Tri::U(_), _) => false,
                // The elements that made a contain/contain-none true or contain-all false...
                (Tri::T, r) if any => *r == Tri::T,
                (Tri::F, r) if kind == ContainKind::All => *r == Tri::F,
                (Tri::F, r) if kind == ContainKind::None => *r == Tri::T,
                // ...otherwise every element took part.
                _ => true,
            };
            if !supports {
                continue;
            }
            let mut matched = el.map(|e| e.matched.clone()).unwrap_or_default();
            let mut failed = vec![];
            if r == Tri::T {
                matched.extend(c.flat_checks());
            } else {
                failed.extend(c.flat_checks());
            }
            ev.offenders.push(Offender {
                path: path.unwrap_or_default(),
                index: idx,
                value: v.clone(),
                matched,
                failed,
            });
        }
        result
    }

    /// Evaluates `n` as a value.
    fn value<'s>(&self, n: &'s Node, sc: &Scope<'s>) -> Loc<'s>
    where
        'e: 's,
    {
        let explain = sc.path.is_some();
        match &n.kind {
            Kind::Path { root, segs } => {
                let (mut cur, base) = match root {
                    Root::Scope => (sc.cur, sc.path),
                    Root::Entity => (self.root, explain.then_some("")),
                };
                let path = || base.map(|b| segs.iter().fold(b.to_string(), |acc, s| join(&acc, s)));
                for seg in segs.iter() {
                    match cur {
                        Value::Object(m) => match m.get(seg) {
                            Some(v) => cur = v,
                            None => return Loc::new(Val::Missing, path()),
                        },
                        Value::Unknown(_) => break,
                        _ => return Loc::new(Val::Missing, path()),
                    }
                }
                Loc::new(Val::Ref(cur), path())
            }
            Kind::Lit(v) => Loc::new(Val::Ref(v), None),
            Kind::List(items) => Loc::new(
                Val::Owned(Value::List(
                    items
                        .iter()
                        .map(|i| self.value(i, sc).val.to_value().unwrap_or(Value::Null))
                        .collect(),
                )),
                None,
            ),
            Kind::Call {
                lhs,
                name,
                callee,
                args,
                consts,
            } => {
                let recv = self.value(lhs, sc);
                let shown = if explain { recv.val.to_value() } else { None };
                let val = if let Some(u) = recv.val.unknown() {
                    Value::unknown(u)
                } else {
                    match callee {
                        Callee::IsEmpty => Value::Bool(match &recv.val {
                            Val::Elems(e) => e.is_empty(),
                            other => other.plain().is_none_or(crate::functions::is_empty),
                        }),
                        Callee::Length => Value::Number(match &recv.val {
                            Val::Elems(e) => e.len(),
                            other => other.plain().map_or(0, crate::functions::length),
                        } as f64),
                        Callee::Fn(f) => {
                            self.call_fn(name, f, &recv.val, args, consts.as_deref(), sc)
                        }
                    }
                };
                Loc {
                    val: Val::Owned(val),
                    path: recv.path,
                    shown,
                }
            }
            Kind::With { lhs, pred } => {
                let loc = self.value(lhs, sc);
                if let Some(u) = loc.val.unknown() {
                    return Loc::new(Val::Owned(Value::unknown(u)), loc.path);
                }
                let base = loc.path.as_deref();
                let mut kept = vec![];
                let mut unknown = None;
                let mut consider = |el: Elem<'s>, kept: &mut Vec<Elem<'s>>| {
                    let mut c = explain.then(Evidence::default);
                    let r = {
                        let esc = Scope {
                            cur: el.v.as_ref(),
                            path: el.path.as_deref(),
                        };
                        self.test(pred, &esc, c.as_mut())
                    };
                    match r {
                        Tri::T => {
                            let mut el = el;
                            if let Some(c) = c {
                                el.matched.extend(c.flat_checks());
                            }
                            kept.push(el);
                        }
                        Tri::F => {}
                        Tri::U(u) => {
                            unknown.get_or_insert(u);
                        }
                    }
                };
                match loc.val {
                    Val::Ref(Value::Null) | Val::Owned(Value::Null) | Val::Missing => {}
                    Val::Ref(Value::List(l)) => {
                        for (i, v) in l.iter().enumerate() {
                            let path = elem_path(base, true, i, None);
                            consider(elem(i, Cow::Borrowed(v), path), &mut kept);
                        }
                    }
                    Val::Ref(v) => {
                        consider(elem(0, Cow::Borrowed(v), base.map(String::from)), &mut kept)
                    }
                    Val::Owned(Value::List(l)) => {
                        for (i, v) in l.into_iter().enumerate() {
                            let path = elem_path(base, true, i, None);
                            consider(elem(i, Cow::Owned(v), path), &mut kept);
                        }
                    }
                    Val::Owned(v) => {
                        consider(elem(0, Cow::Owned(v), base.map(String::from)), &mut kept)
                    }
                    Val::Elems(es) => {
                        for el in es {
                            consider(el, &mut kept);
                        }
                    }
                }
                if let Some(u) = unknown {
                    return Loc::new(Val::Owned(Value::Unknown(u)), loc.path);
                }
                Loc::new(Val::Elems(kept), loc.path)
            }
            Kind::GroupBy { lhs, key } => {
                let loc = self.value(lhs, sc);
                if let Some(u) = loc.val.unknown() {
                    return Loc::new(Val::Owned(Value::unknown(u)), loc.path);
                }
                let mut groups: Vec<(Value, Vec<Value>)> = vec![];
                for (_, v, _) in loc.val.items().iter() {
                    let esc = Scope { cur: v, path: None };
                    let k = self.value(key, &esc).val.to_value().unwrap_or(Value::Null);
                    match groups.iter_mut().find(|(gk, _)| *gk == k) {
                        Some((_, vs)) => vs.push(v.clone()),
                        None => groups.push((k, vec![v.clone()])),
                    }
                }
                let list = groups
                    .into_iter()
                    .map(|(k, vs)| {
                        let mut m = crate::value::Map::with_capacity(2);
                        m.insert("key", k);
                        m.insert("values", Value::List(vs));
                        Value::Object(m)
                    })
                    .collect();
                Loc::new(Val::Owned(Value::List(list)), loc.path)
            }
            _ => {
                let r = self.test(n, sc, None);
                Loc::new(
                    Val::Owned(match r {
                        Tri::T => Value::Bool(true),
                        Tri::F => Value::Bool(false),
                        Tri::U(u) => Value::Unknown(u),
                    }),
                    None,
                )
            }
        }
    }

    fn call_fn<'s>(
        &self,
        name: &str,
        f: &Function,
        recv: &Val<'_>,
        args: &'s [Node],
        consts: Option<&[Value]>,
        sc: &Scope<'s>,
    ) -> Value
    where
        'e: 's,
    {
        let owned_recv;
        let recv = match recv.plain() {
            Some(v) => v,
            None => {
                owned_recv = recv.to_value().unwrap_or(Value::Null);
                &owned_recv
            }
        };
        let owned_args: Vec<Value>;
        let args = match consts {
            Some(c) => c,
            None => {
                owned_args = args
                    .iter()
                    .map(|a| self.value(a, sc).val.to_value().unwrap_or(Value::Null))
                    .collect();
                if let Some(Value::Unknown(u)) = owned_args.iter().find(|a| a.is_unknown()) {
                    return Value::Unknown(u.clone());
                }
                &owned_args
            }
        };
        match f(recv, args, self.cx) {
            Ok(v) => v,
            Err(e) => Value::unknown(format!("{name}(): {e}")),
        }
    }
}

fn elem(idx: usize, v: Cow<'_, Value>, path: Option<String>) -> Elem<'_> {
    Elem {
        idx,
        v,
        path,
        matched: vec![],
    }
}

fn contain_result(kind: ContainKind, hits: usize, misses: usize, unknown: Option<Box<str>>) -> Tri {
    let decided = match kind {
        ContainKind::Contain | ContainKind::Any => (hits > 0).then_some(Tri::T),
        ContainKind::All => (misses > 0).then_some(Tri::F),
        ContainKind::None => (hits > 0).then_some(Tri::F),
    };
    if let Some(d) = decided {
        return d;
    }
    if let Some(u) = unknown {
        return Tri::U(u);
    }
    match kind {
        ContainKind::Contain | ContainKind::Any => Tri::F,
        ContainKind::All | ContainKind::None => Tri::T,
    }
}

/// A value used as a condition: present and not null, `false`, or an empty string/list/object.
fn truthy(v: &Value) -> Tri {
    Tri::from(match v {
        Value::Unknown(r) => return Tri::U(r.clone()),
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::String(s) => !s.is_empty(),
        Value::List(l) => !l.is_empty(),
        Value::Object(m) => !m.is_empty(),
        Value::Number(_) => true,
    })
}

/// GSL's loose equality: lists match if some element matches; if either side is a string both
/// compare as strings (ASCII case ignored, booleans as `true`/`false`, numbers in shortest form);
/// missing never equals anything.
pub(crate) fn loose_eq(a: &Value, b: &Value) -> Tri {
    match (a, b) {
        (Value::Unknown(r), _) | (_, Value::Unknown(r)) => Tri::U(r.clone()),
        (Value::Null, _) | (_, Value::Null) => Tri::F,
        (Value::List(l), _) => Tri::any(l.iter().map(|x| loose_eq(x, b))),
        (_, Value::List(l)) => Tri::any(l.iter().map(|y| loose_eq(a, y))),
        (Value::String(x), Value::String(y)) => Tri::from(x.eq_ignore_ascii_case(y)),
        (Value::String(s), o) | (o, Value::String(s)) => Tri::from(match o {
            Value::Number(n) => s.eq_ignore_ascii_case(&format_number(*n)),
            Value::Bool(b) => s.eq_ignore_ascii_case(if *b { "true" } else { "false" }),
            _ => false,
        }),
        (Value::Number(x), Value::Number(y)) => Tri::from(x == y),
        (Value::Bool(x), Value::Bool(y)) => Tri::from(x == y),
        (Value::Object(x), Value::Object(y)) => Tri::from(x == y),
        _ => Tri::F,
    }
}

fn as_number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => Some(*n),
        Value::String(s) => s.trim().parse::<f64>().ok().filter(|n| n.is_finite()),
        _ => None,
    }
}

/// `< > <= >=`: numerically (numeric strings included), else chronologically when both sides
/// are ISO-8601 dates; anything else is false.
pub(crate) fn ordering(a: &Value, b: &Value, op: CmpOp) -> Tri {
    if let Value::Unknown(r) = a {
        return Tri::U(r.clone());
    }
    if let Value::Unknown(r) = b {
        return Tri::U(r.clone());
    }
    let ord = match (as_number(a), as_number(b)) {
        (Some(x), Some(y)) => x.partial_cmp(&y),
        _ => match (a, b) {
            (Value::String(x), Value::String(y)) => match (parse_date(x), parse_date(y)) {
                (Some(x), Some(y)) => Some(x.cmp(&y)),
                _ => None,
            },
            _ => None,
        },
    };
    let Some(o) = ord else { return Tri::F };
    Tri::from(match op {
        CmpOp::Lt => o.is_lt(),
        CmpOp::Gt => o.is_gt(),
        CmpOp::Le => o.is_le(),
        CmpOp::Ge => o.is_ge(),
        CmpOp::Eq => o.is_eq(),
        CmpOp::Ne => o.is_ne(),
    })
}
