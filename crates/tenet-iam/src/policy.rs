//! Reading a policy document (a [`gsl::Value`] as the author wrote it) into statements.
//!
//! Lenient by design: a document IAM would reject still yields statements, plus warnings that
//! say what IAM would object to. Values that could not be resolved upstream
//! ([`gsl::Value::Unknown`]) are kept as "unresolved" with their reason, never guessed.

use gsl::Value;

use crate::action::ActionScope;
use crate::condition::{CondValue, Operator};
use crate::resource::ResourceScope;

/// `Effect` of a statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// `"Allow"`
    Allow,
    /// `"Deny"`
    Deny,
}

/// One `operator: {key: values}` entry of a `Condition` block.
#[derive(Clone, Debug)]
pub struct ConditionEntry {
    /// The operator as written.
    pub operator: String,
    /// The parsed operator; `None` when IAM would reject the name (e.g. `bool`).
    pub parsed: Option<Operator>,
    /// The condition key as written (keys are case-insensitive).
    pub key: String,
    /// The values (a single value is a one-element list).
    pub values: Vec<CondValue>,
}

impl ConditionEntry {
    /// Is the key `name`, compared case-insensitively as IAM does?
    pub fn is_key(&self, name: &str) -> bool {
        self.key.eq_ignore_ascii_case(name)
    }
}

/// One statement of a policy.
#[derive(Clone, Debug)]
pub struct Statement {
    /// Position in the `Statement` list (0-based).
    pub index: usize,
    /// `Sid`, if any.
    pub sid: Option<String>,
    /// `Effect`; `None` if missing or not exactly `Allow`/`Deny`.
    pub effect: Option<Effect>,
    /// `Action` or `NotAction`; `None` if neither is given.
    pub actions: Option<ActionScope>,
    /// `Resource` or `NotResource`; `None` if neither is given.
    pub resources: Option<ResourceScope>,
    /// The `Condition` entries (ANDed).
    pub conditions: Vec<ConditionEntry>,
    /// Why part of `Action`/`NotAction` is unknown, if it is.
    pub unresolved_actions: Option<String>,
    /// Why part of `Resource`/`NotResource` is unknown, if it is.
    pub unresolved_resources: Option<String>,
    /// What IAM would reject or what looks wrong.
    pub warnings: Vec<String>,
}

/// A parsed policy document.
#[derive(Clone, Debug, Default)]
pub struct Policy {
    /// The statements in order.
    pub statements: Vec<Statement>,
    /// Problems with the document as a whole.
    pub warnings: Vec<String>,
    /// Why the document (or its statement list) is unknown, if it is.
    pub unresolved: Option<String>,
}

/// Reads a policy document. Never fails: problems become warnings.
pub fn parse_policy(doc: &Value) -> Policy {
    let mut policy = Policy::default();
    let statements = match doc {
        Value::Object(_) => doc.get("Statement"),
        Value::Unknown(r) => {
            policy.unresolved = Some(r.to_string());
            return policy;
        }
        _ => {
            policy
                .warnings
                .push("the policy document is not a JSON object".into());
            return policy;
        }
    };
    match statements {
        Some(Value::List(items)) => {
            for (i, s) in items.iter().enumerate() {
                match s {
                    Value::Object(_) => policy.statements.push(parse_statement(i, s)),
                    Value::Unknown(r) => {
                        policy.unresolved = Some(format!("statement {i}: {r}"));
                    }
                    _ => policy
                        .warnings
                        .push(format!("statement {i} is not an object; ignored")),
                }
            }
        }
        Some(s @ Value::Object(_)) => policy.statements.push(parse_statement(0, s)),
        Some(Value::Unknown(r)) => policy.unresolved = Some(r.to_string()),
        Some(_) => policy
            .warnings
            .push("`Statement` is neither an object nor a list".into()),
        None => policy
            .warnings
            .push("the document has no `Statement`".into()),
    }
    policy
}

fn parse_statement(index: usize, s: &Value) -> Statement {
    let mut warnings = Vec::new();
    let effect = match s.get("Effect") {
        Some(Value::String(e)) if &**e == "Allow" => Some(Effect::Allow),
        Some(Value::String(e)) if &**e == "Deny" => Some(Effect::Deny),
        Some(other) => {
            warnings.push(format!(
                "`Effect` is {other}, not \"Allow\" or \"Deny\"; IAM rejects the policy"
            ));
            None
        }
        None => {
            warnings.push("`Effect` is missing; IAM rejects the policy".into());
            None
        }
    };
    let sid = s.get("Sid").and_then(Value::as_str).map(str::to_string);

    let (actions, unresolved_actions) = match (s.get("Action"), s.get("NotAction")) {
        (Some(a), None) => {
            let (v, u) = strings(a, "Action", &mut warnings);
            (Some(ActionScope::action(v)), u)
        }
        (None, Some(n)) => {
            let (v, u) = strings(n, "NotAction", &mut warnings);
            (Some(ActionScope::not_action(v)), u)
        }
        (Some(a), Some(_)) => {
            warnings.push(
                "both `Action` and `NotAction` are given; IAM rejects the policy (using `Action`)"
                    .into(),
            );
            let (v, u) = strings(a, "Action", &mut warnings);
            (Some(ActionScope::action(v)), u)
        }
        (None, None) => {
            warnings.push("neither `Action` nor `NotAction` is given".into());
            (None, None)
        }
    };

    let (resources, unresolved_resources) = match (s.get("Resource"), s.get("NotResource")) {
        (Some(r), None) => {
            let (v, u) = strings(r, "Resource", &mut warnings);
            (Some(ResourceScope::Resource(v)), u)
        }
        (None, Some(n)) => {
            let (v, u) = strings(n, "NotResource", &mut warnings);
            (Some(ResourceScope::NotResource(v)), u)
        }
        (Some(r), Some(_)) => {
            warnings.push(
                "both `Resource` and `NotResource` are given; IAM rejects the policy (using `Resource`)"
                    .into(),
            );
            let (v, u) = strings(r, "Resource", &mut warnings);
            (Some(ResourceScope::Resource(v)), u)
        }
        (None, None) => {
            warnings.push(
                "neither `Resource` nor `NotResource` is given (IAM requires one in identity policies)"
                    .into(),
            );
            (None, None)
        }
    };

    let mut conditions = Vec::new();
    let mut unresolved_condition = None;
    match s.get("Condition") {
        None | Some(Value::Null) => {}
        Some(Value::Object(ops)) => {
            for (op, block) in ops.iter() {
                let parsed = Operator::parse(op);
                if parsed.is_none() {
                    warnings.push(format!(
                        "`{op}` is not a condition operator (operator names are case-sensitive); IAM rejects the policy"
                    ));
                }
                match block {
                    Value::Object(keys) => {
                        for (key, values) in keys.iter() {
                            conditions.push(ConditionEntry {
                                operator: op.to_string(),
                                parsed: parsed.clone(),
                                key: key.to_string(),
                                values: cond_values(values),
                            });
                        }
                    }
                    Value::Unknown(r) => unresolved_condition = Some(r.to_string()),
                    _ => warnings.push(format!("the `{op}` condition block is not an object")),
                }
            }
        }
        Some(Value::Unknown(r)) => unresolved_condition = Some(r.to_string()),
        Some(_) => warnings.push("`Condition` is not an object".into()),
    }
    if let Some(r) = unresolved_condition {
        // An unknown condition block: represent it as an entry whose value is unresolved, on a
        // key nobody tests, so evaluation reports "unknown" rather than guessing.
        conditions.push(ConditionEntry {
            operator: "Unresolved".into(),
            parsed: None,
            key: String::new(),
            values: vec![CondValue::Unresolved(r)],
        });
    }

    Statement {
        index,
        sid,
        effect,
        actions,
        resources,
        conditions,
        unresolved_actions,
        unresolved_resources,
        warnings,
    }
}

/// A string or list of strings; the reason of the first unknown element, if any.
fn strings(v: &Value, field: &str, warnings: &mut Vec<String>) -> (Vec<String>, Option<String>) {
    let items: &[Value] = match v {
        Value::List(l) => l,
        other => std::slice::from_ref(other),
    };
    let mut out = Vec::with_capacity(items.len());
    let mut unresolved = None;
    for item in items {
        match item {
            Value::String(s) => out.push(s.to_string()),
            Value::Unknown(r) => unresolved = Some(r.to_string()),
            other => warnings.push(format!("`{field}` holds {other}, which is not a string")),
        }
    }
    (out, unresolved)
}

fn cond_values(v: &Value) -> Vec<CondValue> {
    let one = |v: &Value| match v {
        Value::String(s) => CondValue::Text(s.to_string()),
        Value::Bool(b) => CondValue::Bool(*b),
        Value::Number(n) => CondValue::Text(gsl::value::format_number(*n)),
        Value::Unknown(r) => CondValue::Unresolved(r.to_string()),
        _ => CondValue::Invalid,
    };
    match v {
        Value::List(l) => l.iter().map(one).collect(),
        other => vec![one(other)],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(json: &str) -> Value {
        match serde_json::from_str::<serde_json::Value>(json) {
            Ok(v) => Value::from_json(&v),
            Err(e) => unreachable!("bad test JSON: {e}"),
        }
    }

    #[test]
    fn single_statement_object_and_scalars() {
        let p = parse_policy(&doc(
            r#"{"Statement":{"Effect":"Allow","Action":"iam:*","Resource":"*",
                "Condition":{"Bool":{"aws:SecureTransport":true}}}}"#,
        ));
        assert!(p.warnings.is_empty());
        let s = &p.statements[0];
        assert_eq!(s.effect, Some(Effect::Allow));
        assert!(matches!(&s.actions, Some(ActionScope::Action(a)) if a.len() == 1));
        assert!(matches!(&s.resources, Some(ResourceScope::Resource(r)) if r == &["*"]));
        assert_eq!(s.conditions.len(), 1);
        assert_eq!(s.conditions[0].values, [CondValue::Bool(true)]);
        assert!(s.conditions[0].is_key("AWS:securetransport"));
    }

    #[test]
    fn problems_become_warnings() {
        let p = parse_policy(&doc(
            r#"{"Statement":[{"Effect":"allow","Action":["iam:*",3],"NotAction":"s3:*",
                "Condition":{"bool":{"aws:SecureTransport":"true"}}}, 7]}"#,
        ));
        assert_eq!(p.warnings, ["statement 1 is not an object; ignored"]);
        let w = &p.statements[0].warnings;
        assert_eq!(w.len(), 5, "{w:?}");
        assert!(
            w.iter()
                .any(|w| w.contains("`bool` is not a condition operator"))
        );
        assert!(parse_policy(&doc("[1]")).warnings.len() == 1);
        assert!(parse_policy(&doc("{}")).warnings.len() == 1);
    }

    #[test]
    fn unknown_values_are_kept() {
        let mut d = doc(r#"{"Statement":[{"Effect":"Allow","Resource":"*"}]}"#);
        if let Value::Object(m) = &mut d
            && let Some(Value::List(l)) = m.get_mut("Statement")
            && let Some(Value::Object(s)) = l.get_mut(0)
        {
            s.insert("Action", Value::List(vec![Value::unknown("var.actions")]));
            s.insert("Condition", Value::unknown("local.cond"));
        }
        let p = parse_policy(&d);
        let s = &p.statements[0];
        assert_eq!(s.unresolved_actions.as_deref(), Some("var.actions"));
        assert_eq!(
            s.conditions[0].values,
            [CondValue::Unresolved("local.cond".into())]
        );
        assert_eq!(
            parse_policy(&Value::unknown("after apply"))
                .unresolved
                .as_deref(),
            Some("after apply")
        );
    }
}
