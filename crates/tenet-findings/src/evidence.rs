//! Evidence: the facts behind a verdict, taken from the GSL engine's trace and made readable
//! (statement index and Sid, the values that matched, what was required and what was found).

use gsl::{Check, Offender, Outcome, Trace, Value};
use serde::Serialize;

/// A value the rule's selecting filter matched, e.g. an action that matched `/AccessKey/`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Observation {
    pub path: String,
    pub test: String,
    pub value: serde_json::Value,
}

/// A requirement that did not hold, with what was found (`None` = missing).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Expectation {
    pub path: String,
    pub test: String,
    pub actual: Option<serde_json::Value>,
}

/// Where an element is written in the entity's source file (1-based).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// One reason for a FAIL (or UNKNOWN).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Evidence {
    /// Absolute path of the offending element, e.g. `document.Statement[1]`.
    pub path: String,
    /// Index of the element in its collection (the statement number), when it is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<usize>,
    /// The statement's `Sid`, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// Values that made the element relevant.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub matched: Vec<Observation>,
    /// What the rule required and did not find.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub failed: Vec<Expectation>,
    /// One sentence for people.
    pub message: String,
    /// Where the offending element (the statement) is written, in the entity's file, when the
    /// source records it (Terraform, CloudFormation).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Position>,
}

impl Evidence {
    /// `Statement[1] (Sid Keys)`: the element as written in its document (0-based, like the
    /// JSON path), with its Sid when it has one.
    pub fn subject(&self) -> String {
        let base = self
            .path
            .rsplit('.')
            .next()
            .filter(|last| !last.is_empty())
            .unwrap_or(&self.path)
            .to_string();
        match &self.sid {
            Some(sid) => format!("{base} (Sid {sid})"),
            None => base,
        }
    }
}

pub(crate) fn from_trace(trace: &Trace, outcome: &Outcome) -> Vec<Evidence> {
    let mut out: Vec<Evidence> = trace.offenders.iter().map(from_offender).collect();
    if out.is_empty() {
        // A failed check whose value lists statement verdicts (IAM extension functions, see
        // docs/gsl-extensions.md) speaks per statement.
        out.extend(
            trace
                .checks
                .iter()
                .filter(|c| !c.result)
                .flat_map(statement_verdicts),
        );
    }
    if out.is_empty() && !trace.checks.is_empty() {
        let failed: Vec<Expectation> = trace
            .checks
            .iter()
            .filter(|c| !c.result)
            .map(expectation)
            .collect();
        if !failed.is_empty() {
            let message = failed
                .iter()
                .map(describe_expectation)
                .collect::<Vec<_>>()
                .join("; ");
            out.push(Evidence {
                path: String::new(),
                index: None,
                sid: None,
                matched: Vec::new(),
                failed,
                message,
                location: None,
            });
        }
    }
    if let Outcome::Unknown(reason) = outcome {
        out.push(Evidence {
            path: String::new(),
            index: None,
            sid: None,
            matched: Vec::new(),
            failed: Vec::new(),
            message: format!("unknown: {reason}"),
            location: None,
        });
    }
    out
}

/// Fills each evidence item's position from the record's element locations: the deepest
/// recorded element that contains the evidence path (`document.Statement[1]` for
/// `document.Statement[1].Action`).
pub(crate) fn locate(evidence: &mut [Evidence], locations: &[(String, usize, usize)]) {
    for ev in evidence.iter_mut().filter(|e| !e.path.is_empty()) {
        ev.location = locations
            .iter()
            .filter(|(p, ..)| {
                ev.path
                    .strip_prefix(p.as_str())
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
            })
            .max_by_key(|(p, ..)| p.len())
            .map(|&(_, line, column)| Position { line, column });
    }
}

/// One evidence item per `{statement, path, sid, actions, message}` object in the check's value
/// (nothing if the value is not a non-empty list of such objects).
fn statement_verdicts(c: &Check) -> Vec<Evidence> {
    let Some(Value::List(items)) = &c.actual else {
        return Vec::new();
    };
    let parsed: Option<Vec<Evidence>> = items
        .iter()
        .map(|item| {
            let index = match item.get("statement")? {
                Value::Number(n) if *n >= 0.0 => *n as usize,
                _ => return None,
            };
            let rel = item.get("path")?.as_str()?;
            let actions = item.get("actions")?.as_list()?;
            let message = item.get("message")?.as_str()?;
            let path = if c.path.is_empty() {
                rel.to_string()
            } else {
                format!("{}.{rel}", c.path)
            };
            let mut ev = Evidence {
                matched: actions
                    .iter()
                    .map(|a| Observation {
                        path: path.clone(),
                        test: c.test.clone(),
                        value: a.to_json(),
                    })
                    .collect(),
                path,
                index: Some(index),
                sid: item.get("sid").and_then(Value::as_str).map(str::to_string),
                failed: Vec::new(),
                message: String::new(),
                location: None,
            };
            ev.message = format!("{}: {message}", ev.subject());
            Some(ev)
        })
        .collect();
    parsed.unwrap_or_default()
}

fn from_offender(o: &Offender) -> Evidence {
    let is_list_element = o.path.ends_with(']');
    let sid = o
        .value
        .get("Sid")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    let matched: Vec<Observation> = o
        .matched
        .iter()
        .filter(|c| c.result)
        .map(|c| Observation {
            path: c.path.clone(),
            test: c.test.clone(),
            value: c
                .actual
                .as_ref()
                .map_or(serde_json::Value::Null, Value::to_json),
        })
        .collect();
    let failed: Vec<Expectation> = o
        .failed
        .iter()
        .filter(|c| !c.result)
        .map(expectation)
        .collect();
    let mut ev = Evidence {
        path: o.path.clone(),
        index: Some(o.index).filter(|_| is_list_element || o.path.ends_with("Statement")),
        sid,
        matched,
        failed,
        message: String::new(),
        location: None,
    };
    ev.message = describe(&ev);
    ev
}

fn expectation(c: &Check) -> Expectation {
    Expectation {
        path: c.path.clone(),
        test: c.test.clone(),
        actual: c.actual.as_ref().map(Value::to_json),
    }
}

/// Path relative to the evidence's element, for short messages.
fn relative<'a>(path: &'a str, base: &str) -> &'a str {
    path.strip_prefix(base)
        .map(|r| r.trim_start_matches('.'))
        .filter(|r| !r.is_empty())
        .unwrap_or(path)
}

fn describe_expectation(e: &Expectation) -> String {
    let found = match &e.actual {
        None => "missing".to_string(),
        Some(v) => v.to_string(),
    };
    format!("requires {} {} (found: {found})", e.path, e.test)
}

fn describe(ev: &Evidence) -> String {
    let mut parts = Vec::new();
    // Values matched inside lists are the interesting ones (e.g. actions); equality checks on
    // the element itself (Effect = 'Allow') add nothing for a reader.
    let values: Vec<String> = ev
        .matched
        .iter()
        .filter(|m| {
            m.test.starts_with("regexMatch")
                || m.test.starts_with("like")
                || m.test.starts_with("in")
        })
        .map(|m| match &m.value {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect();
    if !values.is_empty() {
        parts.push(format!("matches {}", values.join(", ")));
    }
    for f in &ev.failed {
        let found = match &f.actual {
            None => "missing".to_string(),
            Some(v) => v.to_string(),
        };
        parts.push(format!(
            "requires {} {} (found: {found})",
            relative(&f.path, &ev.path),
            f.test
        ));
    }
    if parts.is_empty() {
        parts.push("does not satisfy the rule".to_string());
    }
    format!("{}: {}", ev.subject(), parts.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdicts(json: serde_json::Value) -> Check {
        Check {
            path: "document".into(),
            test: "accessKeyGrantsWithoutTls() isEmpty()".into(),
            actual: Some(Value::from_json(&json)),
            result: false,
        }
    }

    #[test]
    fn statement_verdicts_become_one_item_per_statement() {
        let c = verdicts(serde_json::json!([
            {"statement": 1, "path": "Statement[1]", "sid": "Keys",
             "actions": ["iam:CreateAccessKey"], "reasons": ["r"],
             "message": "`iam:*` grants iam:CreateAccessKey without TLS (no aws:SecureTransport condition)"}
        ]));
        let trace = Trace {
            checks: vec![c],
            ..Trace::default()
        };
        let ev = from_trace(&trace, &Outcome::Fail);
        assert_eq!(ev.len(), 1);
        assert_eq!(ev[0].path, "document.Statement[1]");
        assert_eq!(ev[0].index, Some(1));
        assert_eq!(ev[0].sid.as_deref(), Some("Keys"));
        assert_eq!(ev[0].matched.len(), 1);
        assert_eq!(ev[0].matched[0].value, "iam:CreateAccessKey");
        assert_eq!(
            ev[0].message,
            "Statement[1] (Sid Keys): `iam:*` grants iam:CreateAccessKey without TLS (no aws:SecureTransport condition)"
        );
    }

    #[test]
    fn other_lists_keep_the_generic_evidence() {
        let trace = Trace {
            checks: vec![verdicts(serde_json::json!([{"statement": 1}]))],
            ..Trace::default()
        };
        let ev = from_trace(&trace, &Outcome::Fail);
        assert_eq!(ev.len(), 1);
        assert_eq!(ev[0].path, "");
        assert!(
            ev[0].message.starts_with("requires document"),
            "{}",
            ev[0].message
        );
    }
}
