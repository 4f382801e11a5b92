//! The document-level fix: which statements change and how, as a [`Plan`] that can be applied to
//! a [`gsl::Value`] ([`Plan::document`]) or realised as text edits ([`crate::json`]).
//!
//! Per offending Allow statement, the action patterns are sorted into three groups with
//! `tenet_iam`'s catalog (case-insensitive, wildcards expanded):
//! - *access-key* patterns: every action they match is an access-key action (or they match no
//!   catalog action but name one, like `iam:CreateAccessKeys`, which the literal rule matches);
//! - *other* patterns: they match no access-key action;
//! - *mixed* patterns: wildcards (`iam:*`, `*`) that match both.
//!
//! Only access-key patterns: the statement gets the condition (safe: nothing else is
//! restricted). Access-key and other patterns: the statement is split, the access-key part moving
//! to a new statement right after it with the condition (safe). With `whole_statement`, or when a
//! mixed pattern is what the literal rule matched, the whole statement gets the condition
//! (unsafe: it restricts the other actions too). Whatever the IAM-aware analysis still finds
//! granted without TLS afterwards (mixed patterns, `NotAction`) gets one covering Deny statement
//! on those access-key actions when `aws:SecureTransport` is false (unsafe: it also denies what
//! other policies grant over plain HTTP).

use gsl::{Map, Value};
use std::fmt;
use tenet_iam::ACCESS_KEY_ACTIONS;
use tenet_iam::secure_transport::{SECURE_TRANSPORT, analyze};

/// IAM's limit for a managed policy document, in characters excluding whitespace.
pub const MANAGED_POLICY_LIMIT: usize = 6144;

/// Sid of the covering Deny statement (a number is appended when it is taken).
pub const DENY_SID: &str = "DenyAccessKeyActionsWithoutTls";

/// Choices the user makes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FixOptions {
    /// Put the condition on the whole statement instead of splitting it or adding a Deny.
    pub whole_statement: bool,
    /// Apply unsafe edits too; otherwise they are listed in [`Plan::skipped`] and left out.
    pub allow_unsafe: bool,
}

/// Whether applying an edit can take away access that is not an access-key action over plain
/// HTTP. Only safe edits are applied unless the user accepts unsafe ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Safety {
    Safe,
    Unsafe,
}

impl Safety {
    pub fn label(self) -> &'static str {
        match self {
            Safety::Safe => "safe",
            Safety::Unsafe => "unsafe",
        }
    }
}

/// What happens to one statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StatementFix {
    /// Add (or merge, or correct) `Condition.Bool.aws:SecureTransport = "true"`.
    Condition,
    /// Move the access-key action patterns (indexes into the `Action` list) to a new statement
    /// right after this one, with the condition and Sid `sid` (when the original has a Sid).
    Split {
        access_key: Vec<usize>,
        sid: Option<String>,
    },
}

/// One labelled edit, for people.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    /// Index of the statement in the original document (`None` for an appended statement).
    pub statement: Option<usize>,
    pub safety: Safety,
    pub description: String,
}

impl fmt::Display for Edit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.statement {
            Some(i) => write!(
                f,
                "Statement[{i}]: {} ({})",
                self.description,
                self.safety.label()
            ),
            None => write!(f, "{} ({})", self.description, self.safety.label()),
        }
    }
}

/// The fix of one document.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// Per changed statement (original index, ascending), what to do.
    pub statements: Vec<(usize, StatementFix)>,
    /// Statements appended at the end (the covering Deny).
    pub append: Vec<Value>,
    pub edits: Vec<Edit>,
    /// Unsafe edits left out because they were not allowed.
    pub skipped: Vec<Edit>,
    /// The fixed document.
    pub document: Value,
    /// Characters of the fixed document excluding whitespace, as IAM counts them.
    pub size: usize,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.statements.is_empty() && self.append.is_empty()
    }

    /// The most unsafe label of its edits (`Safe` when there are none).
    pub fn safety(&self) -> Safety {
        self.edits
            .iter()
            .map(|e| e.safety)
            .max()
            .unwrap_or(Safety::Safe)
    }

    /// Over the managed-policy size limit?
    pub fn over_limit(&self) -> bool {
        self.size > MANAGED_POLICY_LIMIT
    }
}

/// A fix that cannot be made, with the reason (never guessed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unfixable(pub String);

impl fmt::Display for Unfixable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Is this action pattern about access keys only, about none, or both?
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PatternClass {
    AccessKey,
    Other,
    Mixed,
}

/// Classifies one action pattern with the catalog.
pub fn classify(pattern: &str) -> PatternClass {
    let set = tenet_iam::expand(pattern);
    let ak: usize = ACCESS_KEY_ACTIONS
        .iter()
        .filter_map(|a| tenet_iam::catalog().lookup(a))
        .filter(|a| set.contains(a.id()))
        .count();
    if set.is_empty() {
        // Unknown to the catalog: it grants nothing IAM knows, but a name like an access-key
        // action is what the literal rule matches, so it is conditioned with them.
        if pattern.to_ascii_lowercase().contains("accesskey") {
            PatternClass::AccessKey
        } else {
            PatternClass::Other
        }
    } else if ak == 0 {
        PatternClass::Other
    } else if ak == set.len() {
        PatternClass::AccessKey
    } else {
        PatternClass::Mixed
    }
}

/// Characters excluding whitespace (outside and inside strings), as IAM counts a policy's size.
pub fn policy_size(doc: &Value) -> usize {
    doc.to_json()
        .to_string()
        .chars()
        .filter(|c| !c.is_whitespace())
        .count()
}

/// `"Condition": {"Bool": {"aws:SecureTransport": "true"}}` already there exactly as the
/// literal rule wants it?
pub fn has_exact_condition(statement: &Value) -> bool {
    statement
        .get("Condition")
        .and_then(|c| c.get("Bool"))
        .and_then(|b| b.get(SECURE_TRANSPORT))
        .and_then(Value::as_str)
        == Some("true")
}

/// Plans the fix of `doc`: `targets` are the statement indexes a rule reported (the literal
/// rule's offenders); with `iam_aware`, every statement that grants an access-key action without
/// TLS is a target too, and what wildcards or `NotAction` still grant gets a covering Deny.
pub fn plan(
    doc: &Value,
    targets: &[usize],
    iam_aware: bool,
    opts: FixOptions,
) -> Result<Plan, Unfixable> {
    if let Value::Unknown(r) = doc {
        return Err(Unfixable(format!("the document is unresolved: {r}")));
    }
    let statements: Vec<&Value> = match doc.get("Statement") {
        Some(Value::List(l)) => l.iter().collect(),
        Some(s @ Value::Object(_)) => vec![s],
        Some(Value::Unknown(r)) => {
            return Err(Unfixable(format!("`Statement` is unresolved: {r}")));
        }
        _ => return Err(Unfixable("the document has no `Statement` list".into())),
    };
    let mut wanted: Vec<usize> = targets.to_vec();
    let report = analyze(doc);
    if iam_aware {
        if let Some(r) = &report.unresolved {
            return Err(Unfixable(format!("the document is unresolved: {r}")));
        }
        wanted.extend(
            report
                .statements
                .iter()
                .filter(|s| !s.granted_without_tls.is_empty())
                .map(|s| s.index),
        );
    }
    wanted.sort_unstable();
    wanted.dedup();

    let mut sids: Vec<String> = statements
        .iter()
        .filter_map(|s| s.get("Sid").and_then(Value::as_str).map(str::to_string))
        .collect();
    let mut fixes: Vec<(usize, StatementFix)> = Vec::new();
    let mut edits = Vec::new();
    let mut skipped = Vec::new();
    for &i in &wanted {
        let Some(s) = statements.get(i) else {
            return Err(Unfixable(format!(
                "Statement[{i}] does not exist in the document"
            )));
        };
        let mut planned = Vec::new();
        let fix = plan_statement(i, s, &mut sids, opts, &mut planned)?;
        if planned.iter().any(|e| e.safety == Safety::Unsafe) && !opts.allow_unsafe {
            skipped.extend(planned);
        } else {
            edits.extend(planned);
            fixes.extend(fix.map(|f| (i, f)));
        }
    }
    let mut fixed = apply(doc, &fixes, &[]);

    // What is still granted without TLS: wildcards and NotAction.
    let mut append = Vec::new();
    if iam_aware {
        let after = analyze(&fixed);
        let remaining = after.granted_without_tls();
        if !remaining.is_empty() {
            if opts.whole_statement {
                // Map statements of the fixed document back to the original: splits insert one
                // statement after their original.
                for s in after
                    .statements
                    .iter()
                    .filter(|s| !s.granted_without_tls.is_empty())
                {
                    let Some(orig) = original_index(s.index, &fixes) else {
                        return Err(Unfixable(format!(
                            "statement {} still grants access-key actions without TLS",
                            s.index
                        )));
                    };
                    if fixes.iter().any(|(i, _)| *i == orig) {
                        return Err(Unfixable(format!(
                            "Statement[{orig}] still grants access-key actions without TLS after its fix"
                        )));
                    }
                    check_condition_shape(orig, statements[orig])?;
                    let edit = Edit {
                        statement: Some(orig),
                        safety: Safety::Unsafe,
                        description: format!(
                            "add the condition to the whole statement (it also restricts its other actions), for {}",
                            s.granted_without_tls
                                .iter()
                                .map(|v| v.action)
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    };
                    if opts.allow_unsafe {
                        fixes.push((orig, StatementFix::Condition));
                        edits.push(edit);
                    } else {
                        skipped.push(edit);
                    }
                }
                fixes.sort_by_key(|(i, _)| *i);
            } else {
                let mut taken = sids.clone();
                let sid = unique_sid(DENY_SID, &mut taken);
                let mut m = Map::new();
                m.insert("Sid", Value::str(sid));
                m.insert("Effect", Value::str("Deny"));
                m.insert(
                    "Action",
                    Value::List(remaining.iter().copied().map(Value::str).collect()),
                );
                m.insert("Resource", Value::str("*"));
                m.insert("Condition", condition_value("false"));
                let edit = Edit {
                    statement: None,
                    safety: Safety::Unsafe,
                    description: format!(
                        "add a Deny statement on {} when aws:SecureTransport is false (it also denies plain-HTTP use that other policies grant)",
                        remaining.join(", ")
                    ),
                };
                if opts.allow_unsafe {
                    append.push(Value::Object(m));
                    edits.push(edit);
                } else {
                    skipped.push(edit);
                }
            }
            fixed = apply(doc, &fixes, &append);
        }
    }
    let size = policy_size(&fixed);
    Ok(Plan {
        statements: fixes,
        append,
        edits,
        skipped,
        document: fixed,
        size,
    })
}

/// The original index of statement `k` of the fixed document, or `None` for a statement that a
/// split created.
fn original_index(k: usize, fixes: &[(usize, StatementFix)]) -> Option<usize> {
    let mut shift = 0;
    for (i, f) in fixes {
        if matches!(f, StatementFix::Split { .. }) {
            if k == i + shift + 1 {
                return None;
            }
            if k > i + shift {
                shift += 1;
            }
        }
    }
    Some(k - shift)
}

fn plan_statement(
    i: usize,
    s: &Value,
    sids: &mut Vec<String>,
    opts: FixOptions,
    edits: &mut Vec<Edit>,
) -> Result<Option<StatementFix>, Unfixable> {
    let Value::Object(m) = s else {
        return Err(Unfixable(format!("Statement[{i}] is not an object")));
    };
    if m.get("Effect").and_then(Value::as_str) != Some("Allow") {
        return Err(Unfixable(format!(
            "Statement[{i}] is not an Allow statement"
        )));
    }
    if has_exact_condition(s) {
        // Already as the literal rule wants it; what is left is for the Deny pass.
        return Ok(None);
    }
    check_condition_shape(i, s)?;
    let patterns: Vec<&str> = match m.get("Action") {
        Some(Value::String(a)) => vec![a],
        Some(Value::List(l)) => {
            let mut out = Vec::new();
            for v in l {
                match v {
                    Value::String(a) => out.push(&**a),
                    Value::Unknown(r) => {
                        return Err(Unfixable(format!(
                            "Statement[{i}].Action has an unresolved value: {r}"
                        )));
                    }
                    _ => {
                        return Err(Unfixable(format!(
                            "Statement[{i}].Action has a value that is not a string"
                        )));
                    }
                }
            }
            out
        }
        Some(Value::Unknown(r)) => {
            return Err(Unfixable(format!(
                "Statement[{i}].Action is unresolved: {r}"
            )));
        }
        // NotAction (or no Action): only a covering Deny or the whole-statement condition fit.
        _ => return Ok(None),
    };
    let classes: Vec<PatternClass> = patterns.iter().map(|p| classify(p)).collect();
    let ak: Vec<usize> = (0..patterns.len())
        .filter(|&k| classes[k] == PatternClass::AccessKey)
        .collect();
    let literal_mixed = patterns
        .iter()
        .zip(&classes)
        .any(|(p, c)| *c == PatternClass::Mixed && p.contains("AccessKey"));
    let all_ak = ak.len() == patterns.len();
    if all_ak || opts.whole_statement || literal_mixed {
        let safety = if all_ak { Safety::Safe } else { Safety::Unsafe };
        let description = if all_ak {
            condition_description(s)
        } else {
            format!(
                "{} to the whole statement (it also restricts {})",
                condition_description(s),
                patterns
                    .iter()
                    .zip(&classes)
                    .filter(|(_, c)| **c != PatternClass::AccessKey)
                    .map(|(p, _)| *p)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        edits.push(Edit {
            statement: Some(i),
            safety,
            description,
        });
        return Ok(Some(StatementFix::Condition));
    }
    if ak.is_empty() {
        // Only other and mixed patterns: the Deny pass handles the mixed ones.
        return Ok(None);
    }
    let sid = m
        .get("Sid")
        .and_then(Value::as_str)
        .map(|sid| unique_sid(&format!("{sid}Tls"), sids));
    edits.push(Edit {
        statement: Some(i),
        safety: Safety::Safe,
        description: format!(
            "split: move {} to a new statement{} with Condition Bool aws:SecureTransport \"true\"",
            ak.iter()
                .map(|&k| patterns[k])
                .collect::<Vec<_>>()
                .join(", "),
            sid.as_deref()
                .map(|s| format!(" (Sid {s})"))
                .unwrap_or_default()
        ),
    });
    Ok(Some(StatementFix::Split {
        access_key: ak,
        sid,
    }))
}

/// `Condition` and its `Bool` must be objects to merge into.
fn check_condition_shape(i: usize, s: &Value) -> Result<(), Unfixable> {
    match s.get("Condition") {
        None | Some(Value::Null) => Ok(()),
        Some(Value::Object(c)) => match c.get("Bool") {
            None | Some(Value::Object(_)) => Ok(()),
            Some(Value::Unknown(r)) => Err(Unfixable(format!(
                "Statement[{i}].Condition.Bool is unresolved: {r}"
            ))),
            Some(_) => Err(Unfixable(format!(
                "Statement[{i}].Condition.Bool is not an object"
            ))),
        },
        Some(Value::Unknown(r)) => Err(Unfixable(format!(
            "Statement[{i}].Condition is unresolved: {r}"
        ))),
        Some(_) => Err(Unfixable(format!(
            "Statement[{i}].Condition is not an object"
        ))),
    }
}

fn condition_description(s: &Value) -> String {
    let bool_map = s.get("Condition").and_then(|c| c.get("Bool"));
    let existing = bool_map.and_then(Value::as_object).and_then(|b| {
        b.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(SECURE_TRANSPORT))
            .map(|(k, v)| (k.to_string(), v.to_json().to_string()))
    });
    match (s.get("Condition"), bool_map, existing) {
        (_, _, Some((k, v))) => {
            format!("set Condition Bool {k} = {v} to aws:SecureTransport = \"true\"")
        }
        (_, Some(_), None) => "add aws:SecureTransport \"true\" to the Condition's Bool".into(),
        (Some(Value::Object(_)), None, None) => {
            "add Bool aws:SecureTransport \"true\" to the Condition".into()
        }
        _ => "add Condition Bool aws:SecureTransport \"true\"".into(),
    }
}

/// `base`, or `base2`, `base3`, ... whichever is free (IAM wants Sids unique in a policy); the
/// result is recorded as taken. Sids are alphanumeric, so other characters are dropped.
fn unique_sid(base: &str, taken: &mut Vec<String>) -> String {
    let base: String = base.chars().filter(char::is_ascii_alphanumeric).collect();
    let mut sid = base.clone();
    let mut n = 2;
    while taken.contains(&sid) {
        sid = format!("{base}{n}");
        n += 1;
    }
    taken.push(sid.clone());
    sid
}

/// `{"Bool": {"aws:SecureTransport": value}}`.
pub fn condition_value(value: &str) -> Value {
    let mut inner = Map::new();
    inner.insert(SECURE_TRANSPORT, Value::str(value));
    let mut b = Map::new();
    b.insert("Bool", Value::Object(inner));
    Value::Object(b)
}

/// The statement with the condition merged in: into an existing Condition and Bool map, a
/// differently spelled or valued `aws:SecureTransport` entry replaced in place, every other key
/// and operator kept.
pub fn with_condition(statement: &Value) -> Value {
    let Value::Object(m) = statement else {
        return statement.clone();
    };
    let mut m = m.clone();
    let mut cond = match m.get("Condition") {
        Some(Value::Object(c)) => c.clone(),
        _ => Map::new(),
    };
    let mut b = match cond.get("Bool") {
        Some(Value::Object(b)) => b.clone(),
        _ => Map::new(),
    };
    let mut rebuilt = Map::new();
    let mut placed = false;
    for (k, v) in b.iter() {
        if k.eq_ignore_ascii_case(SECURE_TRANSPORT) {
            if !placed {
                rebuilt.insert(SECURE_TRANSPORT, Value::str("true"));
                placed = true;
            }
        } else {
            rebuilt.insert(k, v.clone());
        }
    }
    if !placed {
        rebuilt.insert(SECURE_TRANSPORT, Value::str("true"));
    }
    b = rebuilt;
    cond.insert("Bool", Value::Object(b));
    m.insert("Condition", Value::Object(cond));
    Value::Object(m)
}

/// `doc` with `fixes` applied and `append` added at the end. A single-object `Statement` becomes
/// a list when statements are added.
pub fn apply(doc: &Value, fixes: &[(usize, StatementFix)], append: &[Value]) -> Value {
    let Value::Object(root) = doc else {
        return doc.clone();
    };
    let (items, single) = match root.get("Statement") {
        Some(Value::List(l)) => (l.clone(), false),
        Some(s @ Value::Object(_)) => (vec![s.clone()], true),
        _ => return doc.clone(),
    };
    let mut out = Vec::with_capacity(items.len() + fixes.len() + append.len());
    for (i, s) in items.into_iter().enumerate() {
        match fixes.iter().find(|(k, _)| *k == i).map(|(_, f)| f) {
            None => out.push(s),
            Some(StatementFix::Condition) => out.push(with_condition(&s)),
            Some(StatementFix::Split { access_key, sid }) => {
                let (keep, moved) = split_actions(&s, access_key);
                let mut orig = s.clone();
                let mut new = s;
                if let (Value::Object(o), Value::Object(n)) = (&mut orig, &mut new) {
                    o.insert("Action", Value::List(keep));
                    n.insert("Action", Value::List(moved));
                    if let Some(sid) = sid {
                        n.insert("Sid", Value::str(sid.as_str()));
                    }
                }
                out.push(orig);
                out.push(with_condition(&new));
            }
        }
    }
    out.extend(append.iter().cloned());
    let mut root = root.clone();
    if single && out.len() == 1 {
        if let Some(s) = out.pop() {
            root.insert("Statement", s);
        }
    } else {
        root.insert("Statement", Value::List(out));
    }
    Value::Object(root)
}

/// The `Action` list split into (patterns kept, access-key patterns moved).
fn split_actions(s: &Value, access_key: &[usize]) -> (Vec<Value>, Vec<Value>) {
    let list: Vec<Value> = match s.get("Action") {
        Some(Value::List(l)) => l.clone(),
        Some(v) => vec![v.clone()],
        None => Vec::new(),
    };
    let mut keep = Vec::new();
    let mut moved = Vec::new();
    for (k, v) in list.into_iter().enumerate() {
        if access_key.contains(&k) {
            moved.push(v);
        } else {
            keep.push(v);
        }
    }
    (keep, moved)
}
