//! Is TLS required for the access-key actions a policy grants?
//!
//! An access-key action is *granted without TLS* by an Allow statement when some request with
//! `aws:SecureTransport = false` — every other condition key free to take any value — falls in
//! the statement's action and resource scope, satisfies its condition, and is not certainly
//! denied by a Deny statement of the same policy. A Deny certainly denies such a request only if
//! its actions include the action, its resources cover the Allow's for that action, and its
//! condition is certain to hold: no condition at all, or only entries on
//! `aws:SecureTransport` that hold for `false` (a condition on any other key may not hold).
//!
//! `aws:SecureTransport` is a Boolean, single-valued key that is always present, so `Bool` and
//! `BoolIfExists` are equivalent, `ForAnyValue:`/`ForAllValues:` reduce to the plain operator,
//! `Null` tests nothing and string operators compare the text `"false"`.
//!
//! The IAM and STS APIs accept HTTPS only, so for `iam:` and `sts:` actions the condition is
//! defence in depth and compliance evidence ([`https_only_api`]); the verdict is the same.

use gsl::Value;

use crate::catalog::{Action, catalog};
use crate::condition::{CondValue, Eval, OpKind, eval_present_single};
use crate::policy::{ConditionEntry, Effect, Statement, parse_policy};
use crate::resource::ResourceScope;

/// The condition key this module reasons about, in its documented spelling.
pub const SECURE_TRANSPORT: &str = "aws:SecureTransport";

/// The nine actions, across all AWS services, whose names contain `AccessKey`.
pub const ACCESS_KEY_ACTIONS: [&str; 9] = [
    "iam:CreateAccessKey",
    "iam:DeleteAccessKey",
    "iam:GetAccessKeyLastUsed",
    "iam:ListAccessKeys",
    "iam:UpdateAccessKey",
    "lightsail:CreateBucketAccessKey",
    "lightsail:DeleteBucketAccessKey",
    "lightsail:GetBucketAccessKeys",
    "sts:GetAccessKeyInfo",
];

/// True for actions of services whose API accepts HTTPS only (IAM, STS): there a TLS condition
/// is defence in depth rather than the only protection.
pub fn https_only_api(action: &str) -> bool {
    let prefix = action.split(':').next().unwrap_or_default();
    prefix.eq_ignore_ascii_case("iam") || prefix.eq_ignore_ascii_case("sts")
}

/// One access-key action and why it got its verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionVerdict {
    /// `service:Name` in AWS casing, one of [`ACCESS_KEY_ACTIONS`].
    pub action: &'static str,
    /// A short explanation, e.g. "`iam:*` grants iam:CreateAccessKey; no aws:SecureTransport
    /// condition".
    pub reason: String,
}

/// The analysis of one statement.
#[derive(Clone, Debug)]
pub struct StatementTls {
    /// Position of the statement in the document (0-based).
    pub index: usize,
    /// The statement's `Sid`.
    pub sid: Option<String>,
    /// The statement's effect (`None` when invalid).
    pub effect: Option<Effect>,
    /// Access-key actions this (Allow) statement grants without TLS.
    pub granted_without_tls: Vec<ActionVerdict>,
    /// Access-key actions this (Allow) statement grants to some request, over TLS or not (a
    /// superset of `granted_without_tls`; an undecidable grant counts, so that relevance errs
    /// towards evaluating the policy).
    pub granted: Vec<&'static str>,
    /// Access-key actions whose status cannot be decided because a value is unresolved.
    pub unknown: Vec<ActionVerdict>,
    /// Problems: operators IAM rejects, undocumented but working spellings, ineffective
    /// conditions.
    pub warnings: Vec<String>,
}

/// The analysis of a policy document.
#[derive(Clone, Debug, Default)]
pub struct TlsReport {
    /// One entry per statement, in document order.
    pub statements: Vec<StatementTls>,
    /// Problems with the document as a whole.
    pub warnings: Vec<String>,
    /// Why the whole document is unknown, if it is.
    pub unresolved: Option<String>,
}

impl TlsReport {
    /// Access-key actions granted without TLS by any statement, in [`ACCESS_KEY_ACTIONS`] order.
    pub fn granted_without_tls(&self) -> Vec<&'static str> {
        ACCESS_KEY_ACTIONS
            .iter()
            .copied()
            .filter(|a| {
                self.statements
                    .iter()
                    .any(|s| s.granted_without_tls.iter().any(|v| v.action == *a))
            })
            .collect()
    }

    /// Access-key actions granted to some request (over TLS or not) by any statement, in
    /// [`ACCESS_KEY_ACTIONS`] order.
    pub fn granted(&self) -> Vec<&'static str> {
        ACCESS_KEY_ACTIONS
            .iter()
            .copied()
            .filter(|a| self.statements.iter().any(|s| s.granted.contains(a)))
            .collect()
    }

    /// True when part of the answer depends on unresolved values.
    pub fn is_unknown(&self) -> bool {
        self.unresolved.is_some() || self.statements.iter().any(|s| !s.unknown.is_empty())
    }
}

impl TlsReport {
    /// The report as a [`gsl::Value`], for GSL extension functions and machine output:
    /// `{granted: [action...], grantedWithoutTls: [action...], unknown: bool,
    /// unresolved: reason|null, warnings: [text...], statements: [{index, sid, effect,
    /// granted: [action...], grantedWithoutTls: [{action, reason}], unknown: [{action, reason}],
    /// warnings: [text...]}]}`.
    pub fn to_value(&self) -> Value {
        let verdicts = |vs: &[ActionVerdict]| {
            Value::List(
                vs.iter()
                    .map(|v| {
                        let mut m = gsl::Map::new();
                        m.insert("action", Value::str(v.action));
                        m.insert("reason", Value::str(v.reason.as_str()));
                        Value::Object(m)
                    })
                    .collect(),
            )
        };
        let texts =
            |ws: &[String]| Value::List(ws.iter().map(|w| Value::str(w.as_str())).collect());
        let statements = self
            .statements
            .iter()
            .map(|s| {
                let mut m = gsl::Map::new();
                m.insert("index", Value::Number(s.index as f64));
                m.insert("sid", s.sid.as_deref().map_or(Value::Null, Value::str));
                m.insert(
                    "effect",
                    match s.effect {
                        Some(Effect::Allow) => Value::str("Allow"),
                        Some(Effect::Deny) => Value::str("Deny"),
                        None => Value::Null,
                    },
                );
                m.insert(
                    "granted",
                    Value::List(s.granted.iter().copied().map(Value::str).collect()),
                );
                m.insert("grantedWithoutTls", verdicts(&s.granted_without_tls));
                m.insert("unknown", verdicts(&s.unknown));
                m.insert("warnings", texts(&s.warnings));
                Value::Object(m)
            })
            .collect();
        let mut m = gsl::Map::new();
        m.insert(
            "granted",
            Value::List(self.granted().into_iter().map(Value::str).collect()),
        );
        m.insert(
            "grantedWithoutTls",
            Value::List(
                self.granted_without_tls()
                    .into_iter()
                    .map(Value::str)
                    .collect(),
            ),
        );
        m.insert("unknown", Value::Bool(self.is_unknown()));
        m.insert(
            "unresolved",
            self.unresolved.as_deref().map_or(Value::Null, Value::str),
        );
        m.insert("warnings", texts(&self.warnings));
        m.insert("statements", Value::List(statements));
        Value::Object(m)
    }
}

/// One sentence for a statement's verdicts: actions that share a reason are listed together,
/// e.g. "`iam:*` grants iam:CreateAccessKey, iam:DeleteAccessKey without TLS (no
/// aws:SecureTransport condition)"; actions named explicitly read "grants iam:CreateAccessKey,
/// iam:ListAccessKeys without TLS (...)"; groups are joined with "; ".
pub fn summarize(verdicts: &[ActionVerdict]) -> String {
    // Each reason names its action; with the name taken out (but not from the quoted pattern
    // that matched it), reasons of one cause are equal.
    let mut groups: Vec<((String, String), Vec<&str>)> = Vec::new();
    for v in verdicts {
        let (head, tail) = v.reason.split_once("; ").unwrap_or((&v.reason, ""));
        let head = if head == format!("`{0}` grants {0}", v.action) {
            "grants {}".to_string()
        } else {
            unquoted_placeholder(head, v.action)
        };
        let key = (head, unquoted_placeholder(tail, v.action));
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, actions)) => actions.push(v.action),
            None => groups.push((key, vec![v.action])),
        }
    }
    groups
        .iter()
        .map(|((head, tail), actions)| {
            let list = actions.join(", ");
            let head = head.replace("{}", &list);
            if tail.is_empty() {
                format!("{head} without TLS")
            } else {
                format!("{head} without TLS ({})", tail.replace("{}", &list))
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// `text` with each occurrence of `action` that is not a quoted pattern (preceded by a
/// backtick) replaced by `{}`.
fn unquoted_placeholder(text: &str, action: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (at, _) in text.match_indices(action) {
        if text[..at].ends_with('`') {
            continue;
        }
        out.push_str(&text[last..at]);
        out.push_str("{}");
        last = at + action.len();
    }
    out.push_str(&text[last..]);
    out
}

/// Analyses a policy document: for each statement, which access-key actions it grants without
/// TLS, which are undecidable, and warnings about its `aws:SecureTransport` conditions.
pub fn analyze(doc: &Value) -> TlsReport {
    let policy = parse_policy(doc);
    let denies: Vec<&Statement> = policy
        .statements
        .iter()
        .filter(|s| s.effect == Some(Effect::Deny))
        .collect();
    let actions = access_key_actions();
    let statements = policy
        .statements
        .iter()
        .map(|s| {
            let mut out = StatementTls {
                index: s.index,
                sid: s.sid.clone(),
                effect: s.effect,
                granted_without_tls: Vec::new(),
                granted: Vec::new(),
                unknown: Vec::new(),
                warnings: s.warnings.clone(),
            };
            out.warnings.extend(condition_warnings(s));
            if s.effect == Some(Effect::Allow) {
                for (a, name) in actions.iter().zip(ACCESS_KEY_ACTIONS) {
                    match allow_verdict(s, a, &denies, "false") {
                        Verdict::NotGranted => {
                            // Not over plain HTTP; maybe over TLS (what makes the policy
                            // relevant at all).
                            if !matches!(allow_verdict(s, a, &denies, "true"), Verdict::NotGranted)
                            {
                                out.granted.push(name);
                            }
                        }
                        Verdict::Granted(reason) => {
                            out.granted.push(name);
                            out.granted_without_tls.push(ActionVerdict {
                                action: name,
                                reason,
                            })
                        }
                        Verdict::Unknown(reason) => {
                            out.granted.push(name);
                            out.unknown.push(ActionVerdict {
                                action: name,
                                reason,
                            })
                        }
                    }
                }
            }
            out
        })
        .collect();
    TlsReport {
        statements,
        warnings: policy.warnings,
        unresolved: policy.unresolved,
    }
}

/// The nine access-key actions from the catalog, looked up once per process.
fn access_key_actions() -> &'static [Action] {
    static ACTIONS: std::sync::LazyLock<Vec<Action>> = std::sync::LazyLock::new(|| {
        ACCESS_KEY_ACTIONS
            .iter()
            .filter_map(|a| catalog().lookup(a))
            .collect()
    });
    &ACTIONS
}

enum Verdict {
    NotGranted,
    Granted(String),
    Unknown(String),
}

/// Three-valued "certainly / maybe / no".
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Tri {
    No,
    Maybe,
    Yes,
}

fn is_secure_transport(e: &ConditionEntry) -> bool {
    e.is_key(SECURE_TRANSPORT)
}

fn eval_false(e: &ConditionEntry) -> Option<Eval> {
    eval_with(e, "false")
}

/// The entry evaluated for a request whose aws:SecureTransport is `transport`.
fn eval_with(e: &ConditionEntry, transport: &str) -> Option<Eval> {
    e.parsed
        .as_ref()
        .map(|op| eval_present_single(op, transport, &e.values))
}

/// Is `a` granted by Allow `s` to a request with aws:SecureTransport = `transport` ("false" or
/// "true"), every other condition key free, and not certainly denied by `denies`?
fn allow_verdict(s: &Statement, a: &Action, denies: &[&Statement], transport: &str) -> Verdict {
    // 1. Action scope.
    let action_reason = match s.actions.as_ref().and_then(|sc| sc.explain(a, "grants")) {
        Some(r) => r,
        None => {
            return match &s.unresolved_actions {
                Some(u) => Verdict::Unknown(format!(
                    "the action list has an unresolved value ({u}); it may grant {}",
                    a.full_name()
                )),
                None => Verdict::NotGranted,
            };
        }
    };
    // 2. Resource scope (a missing Resource is taken as `*`; the parser warned).
    let star = ResourceScope::resource(["*"]);
    let resources = s.resources.as_ref().unwrap_or(&star);
    if !resources.may_include(a) {
        return match &s.unresolved_resources {
            Some(u) => Verdict::Unknown(format!(
                "{action_reason}, but the resource list has an unresolved value ({u})"
            )),
            None => Verdict::NotGranted,
        };
    }
    // 3. The statement's own condition, with aws:SecureTransport = false.
    let mut tls_notes = Vec::new();
    let mut unresolved = None;
    for e in &s.conditions {
        if !is_secure_transport(e) {
            // Any other key can take a value that satisfies its entry.
            continue;
        }
        match eval_with(e, transport) {
            Some(Eval::False) => return Verdict::NotGranted,
            Some(Eval::True) => tls_notes.push(format!(
                "`{}` on {} also holds for {transport}",
                e.operator, e.key
            )),
            Some(Eval::Unsupported(why)) => {
                tls_notes.push(format!("{why}, so it is not taken as requiring TLS"))
            }
            Some(Eval::Unresolved(r)) => unresolved = Some(r),
            None => tls_notes.push(format!(
                "`{}` is not an IAM operator, so it requires nothing",
                e.operator
            )),
        }
    }
    if let Some(r) = unresolved {
        return Verdict::Unknown(format!(
            "{action_reason}; the aws:SecureTransport condition has an unresolved value ({r})"
        ));
    }
    // An unresolved `Condition` block (parsed as an entry with an empty key) may hold a TLS
    // requirement.
    if let Some(r) = s
        .conditions
        .iter()
        .filter(|e| e.key.is_empty())
        .find_map(unresolved_of_reason)
    {
        return Verdict::Unknown(format!(
            "{action_reason}; the condition block is unresolved ({r})"
        ));
    }
    // 4. Deny statements of the same policy.
    let mut deny_notes = Vec::new();
    let mut maybe = None;
    for d in denies {
        match deny_covers(d, s, resources, a, transport) {
            (Tri::Yes, _) => return Verdict::NotGranted,
            (Tri::Maybe, why) => {
                maybe = Some(why.unwrap_or_else(|| "a Deny statement may deny it".into()))
            }
            (Tri::No, Some(why)) => deny_notes.push(why),
            (Tri::No, None) => {}
        }
    }
    if let Some(why) = maybe {
        return Verdict::Unknown(format!("{action_reason}; {why}"));
    }
    let mut reason = action_reason;
    if tls_notes.is_empty() {
        reason.push_str("; no aws:SecureTransport condition");
    } else {
        reason.push_str("; ");
        reason.push_str(&tls_notes.join("; "));
    }
    for n in deny_notes {
        reason.push_str("; ");
        reason.push_str(&n);
    }
    Verdict::Granted(reason)
}

fn unresolved_of_reason(e: &ConditionEntry) -> Option<String> {
    e.values.iter().find_map(|v| match v {
        CondValue::Unresolved(r) => Some(r.clone()),
        _ => None,
    })
}

/// Does Deny statement `d` certainly deny every plain-HTTP request for `a` that Allow `s`
/// grants? Returns the answer and, for a Deny that tests aws:SecureTransport but falls short
/// (or is undecidable), why.
fn deny_covers(
    d: &Statement,
    s: &Statement,
    allow_resources: &ResourceScope,
    a: &Action,
    transport: &str,
) -> (Tri, Option<String>) {
    let label = match &d.sid {
        Some(sid) => format!("Deny statement {} ({sid})", d.index),
        None => format!("Deny statement {}", d.index),
    };
    let mentions_tls = d.conditions.iter().any(is_secure_transport);
    let explain = |why: String| mentions_tls.then(|| format!("{label} does not cover it: {why}"));

    // Actions.
    let actions = match d.actions.as_ref().map(|sc| sc.includes(a)) {
        Some(true) => Tri::Yes,
        _ if d.unresolved_actions.is_some() => Tri::Maybe,
        _ => {
            return (
                Tri::No,
                explain(format!("its actions do not include {}", a.full_name())),
            );
        }
    };
    // Resources.
    let resources = match &d.resources {
        Some(r) if r.covers(allow_resources, a) => Tri::Yes,
        _ if d.unresolved_resources.is_some() || s.unresolved_resources.is_some() => Tri::Maybe,
        Some(_) => {
            return (
                Tri::No,
                explain("its resources do not cover the Allow's".into()),
            );
        }
        None => return (Tri::No, explain("it has no Resource".into())),
    };
    // Condition: must certainly hold with aws:SecureTransport = `transport`.
    let mut cond = Tri::Yes;
    for e in &d.conditions {
        if !is_secure_transport(e) {
            if e.key.is_empty() {
                cond = Tri::Maybe;
                continue;
            }
            return (
                Tri::No,
                explain(format!(
                    "it also requires `{}` on {}, which may not hold",
                    e.operator, e.key
                )),
            );
        }
        match eval_with(e, transport) {
            Some(Eval::True) => {}
            Some(Eval::Unresolved(_)) => cond = cond.min(Tri::Maybe),
            Some(Eval::False) => {
                return (
                    Tri::No,
                    explain(format!(
                        "`{}` on {} does not hold for {transport}",
                        e.operator, e.key
                    )),
                );
            }
            Some(Eval::Unsupported(why)) => return (Tri::No, explain(why)),
            None => {
                return (
                    Tri::No,
                    explain(format!("`{}` is not an IAM operator", e.operator)),
                );
            }
        }
    }
    let all = actions.min(resources).min(cond);
    let why = (all == Tri::Maybe).then(|| format!("{label} may deny it (unresolved values)"));
    (all, why)
}

/// Warnings about the statement's conditions on aws:SecureTransport.
fn condition_warnings(s: &Statement) -> Vec<String> {
    let mut out = Vec::new();
    for e in s.conditions.iter().filter(|e| is_secure_transport(e)) {
        let Some(op) = &e.parsed else {
            // The parser already reported the invalid operator; add the fix.
            if e.operator.eq_ignore_ascii_case("bool")
                || e.operator.eq_ignore_ascii_case("boolifexists")
            {
                out.push(format!(
                    "`{}` on {}: write the operator as `Bool`",
                    e.operator, e.key
                ));
            }
            continue;
        };
        match op.kind {
            OpKind::Null if eval_false(e) == Some(Eval::False) => out.push(format!(
                "`{}` on {} is always false (the key is always present): the statement never applies; to require TLS use `Bool` with \"true\"",
                e.operator, e.key
            )),
            OpKind::Null => out.push(format!(
                "`{}` on {} tests presence only and enforces nothing: the key is always present; use `Bool` with \"true\"",
                e.operator, e.key
            )),
            OpKind::StringEquals | OpKind::StringEqualsIgnoreCase | OpKind::StringLike => {
                out.push(format!(
                    "`{}` on the Boolean key {} works but is not the documented form; use `Bool`",
                    e.operator, e.key
                ))
            }
            OpKind::Typed => out.push(format!(
                "`{}` does not apply to the Boolean key {}; use `Bool`",
                e.operator, e.key
            )),
            OpKind::Bool => {
                if op.set_qualifier.is_some() {
                    out.push(format!(
                        "`{}` on the single-valued key {} works but is not the documented form; use `Bool`",
                        e.operator, e.key
                    ));
                }
                let bools: Vec<Option<bool>> = e
                    .values
                    .iter()
                    .map(|v| match v {
                        CondValue::Bool(b) => Some(*b),
                        CondValue::Text(t) if t.eq_ignore_ascii_case("true") => {
                            Some(true)
                        }
                        CondValue::Text(t) if t.eq_ignore_ascii_case("false") => {
                            Some(false)
                        }
                        _ => None,
                    })
                    .collect();
                if bools.contains(&Some(true)) && bools.contains(&Some(false)) {
                    out.push(format!(
                        "`{}` on {} lists both true and false: it restricts nothing",
                        e.operator, e.key
                    ));
                }
                if bools
                    .iter()
                    .zip(&e.values)
                    .any(|(b, v)| b.is_none() && !matches!(v, CondValue::Unresolved(_)))
                {
                    out.push(format!(
                        "`{}` on {} has a value other than true/false",
                        e.operator, e.key
                    ));
                }
            }
        }
    }
    out
}
