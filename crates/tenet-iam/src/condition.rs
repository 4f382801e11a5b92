//! Condition operators and their evaluation against a single-valued key that is always present
//! in the request (such as `aws:SecureTransport`).
//!
//! IAM semantics: operator names are case-sensitive (`bool` is rejected by IAM); the
//! `ForAnyValue:`/`ForAllValues:` qualifiers and the `IfExists` suffix are optional; the values
//! listed for one key are ORed, and for negated operators (`StringNotEquals`, ...) NORed.
//! For a single-valued key that is present, both set qualifiers reduce to the plain operator
//! and `IfExists` changes nothing; `Null: true` is false and `Null: false` is true.

/// The family of a condition operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpKind {
    /// `StringEquals`, `StringNotEquals`.
    StringEquals,
    /// `StringEqualsIgnoreCase`, `StringNotEqualsIgnoreCase`.
    StringEqualsIgnoreCase,
    /// `StringLike`, `StringNotLike`.
    StringLike,
    /// `Bool`.
    Bool,
    /// `Null`.
    Null,
    /// Numeric, date, IP address, ARN and binary operators: not meaningful on a string key.
    Typed,
}

/// A parsed condition operator such as `ForAnyValue:StringNotEqualsIfExists`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operator {
    /// The operator as written.
    pub name: String,
    /// The base family.
    pub kind: OpKind,
    /// `...Not...` operators: the values are NORed.
    pub negated: bool,
    /// `ForAnyValue:` or `ForAllValues:` was given.
    pub set_qualifier: Option<SetQualifier>,
    /// The `IfExists` suffix was given.
    pub if_exists: bool,
}

/// `ForAnyValue:` or `ForAllValues:`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetQualifier {
    /// `ForAnyValue:`
    ForAnyValue,
    /// `ForAllValues:`
    ForAllValues,
}

const OPERATORS: &[(&str, OpKind, bool)] = &[
    ("StringEquals", OpKind::StringEquals, false),
    ("StringNotEquals", OpKind::StringEquals, true),
    (
        "StringEqualsIgnoreCase",
        OpKind::StringEqualsIgnoreCase,
        false,
    ),
    (
        "StringNotEqualsIgnoreCase",
        OpKind::StringEqualsIgnoreCase,
        true,
    ),
    ("StringLike", OpKind::StringLike, false),
    ("StringNotLike", OpKind::StringLike, true),
    ("Bool", OpKind::Bool, false),
    ("Null", OpKind::Null, false),
    ("NumericEquals", OpKind::Typed, false),
    ("NumericNotEquals", OpKind::Typed, true),
    ("NumericLessThan", OpKind::Typed, false),
    ("NumericLessThanEquals", OpKind::Typed, false),
    ("NumericGreaterThan", OpKind::Typed, false),
    ("NumericGreaterThanEquals", OpKind::Typed, false),
    ("DateEquals", OpKind::Typed, false),
    ("DateNotEquals", OpKind::Typed, true),
    ("DateLessThan", OpKind::Typed, false),
    ("DateLessThanEquals", OpKind::Typed, false),
    ("DateGreaterThan", OpKind::Typed, false),
    ("DateGreaterThanEquals", OpKind::Typed, false),
    ("BinaryEquals", OpKind::Typed, false),
    ("IpAddress", OpKind::Typed, false),
    ("NotIpAddress", OpKind::Typed, true),
    ("ArnEquals", OpKind::Typed, false),
    ("ArnLike", OpKind::Typed, false),
    ("ArnNotEquals", OpKind::Typed, true),
    ("ArnNotLike", OpKind::Typed, true),
];

impl Operator {
    /// Parses an operator name exactly as IAM does (case-sensitively). `None` for a name IAM
    /// would reject, such as `bool` or `StringEquals ` or `NullIfExists`.
    pub fn parse(name: &str) -> Option<Operator> {
        let (set_qualifier, rest) = if let Some(r) = name.strip_prefix("ForAnyValue:") {
            (Some(SetQualifier::ForAnyValue), r)
        } else if let Some(r) = name.strip_prefix("ForAllValues:") {
            (Some(SetQualifier::ForAllValues), r)
        } else {
            (None, name)
        };
        let (if_exists, base) = match rest.strip_suffix("IfExists") {
            Some(b) => (true, b),
            None => (false, rest),
        };
        let &(_, kind, negated) = OPERATORS.iter().find(|(n, _, _)| *n == base)?;
        if kind == OpKind::Null && (if_exists || set_qualifier.is_some()) {
            return None;
        }
        Some(Operator {
            name: name.to_string(),
            kind,
            negated,
            set_qualifier,
            if_exists,
        })
    }
}

/// A condition value as written in the policy.
#[derive(Clone, Debug, PartialEq)]
pub enum CondValue {
    /// A string (or a number/boolean, in its text form).
    Text(String),
    /// A JSON boolean (`true` rather than `"true"`).
    Bool(bool),
    /// A value that could not be resolved (Terraform unknown, CloudFormation intrinsic), with
    /// the reason.
    Unresolved(String),
    /// Something that is no condition value (an object, null).
    Invalid,
}

impl CondValue {
    fn text(&self) -> Option<String> {
        match self {
            CondValue::Text(s) => Some(s.clone()),
            CondValue::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    fn as_bool(&self) -> Option<bool> {
        match self {
            CondValue::Bool(b) => Some(*b),
            CondValue::Text(s) if s.eq_ignore_ascii_case("true") => Some(true),
            CondValue::Text(s) if s.eq_ignore_ascii_case("false") => Some(false),
            _ => None,
        }
    }
}

/// The outcome of evaluating one `operator: {key: values}` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Eval {
    /// The entry holds for the request.
    True,
    /// The entry does not hold.
    False,
    /// The operator cannot be meaningfully applied (a numeric/date/IP/ARN/binary operator on a
    /// Boolean key, a non-Boolean value for `Bool`/`Null`); IAM's answer is not documented.
    Unsupported(String),
    /// A value is unresolved, so the outcome is unknown.
    Unresolved(String),
}

/// Evaluates `op` for a key that is present with the single string value `request`.
pub fn eval_present_single(op: &Operator, request: &str, values: &[CondValue]) -> Eval {
    if let Some(reason) = values.iter().find_map(|v| match v {
        CondValue::Unresolved(r) => Some(r.clone()),
        _ => None,
    }) {
        return Eval::Unresolved(reason);
    }
    if values.contains(&CondValue::Invalid) {
        return Eval::Unsupported(format!("`{}` has a value that is not a string", op.name));
    }
    let matched: Vec<Option<bool>> = values
        .iter()
        .map(|v| match op.kind {
            OpKind::StringEquals => v.text().map(|t| t == request),
            OpKind::StringEqualsIgnoreCase => {
                v.text().map(|t| t.to_lowercase() == request.to_lowercase())
            }
            OpKind::StringLike => v
                .text()
                .map(|t| crate::glob::Glob::policy(&t).matches(request)),
            OpKind::Bool => v
                .as_bool()
                .zip(parse_bool(request))
                .map(|(want, have)| want == have),
            // `Null: true` asks "is the key absent?"; it is present.
            OpKind::Null => v.as_bool().map(|want_absent| !want_absent),
            OpKind::Typed => None,
        })
        .collect();
    if op.kind == OpKind::Typed {
        return Eval::Unsupported(format!("`{}` does not apply to a Boolean key", op.name));
    }
    if matched.iter().any(Option::is_none) {
        return Eval::Unsupported(format!("`{}` expects the values true or false", op.name));
    }
    let any = matched.contains(&Some(true));
    if any != op.negated {
        Eval::True
    } else {
        Eval::False
    }
}

fn parse_bool(s: &str) -> Option<bool> {
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> CondValue {
        CondValue::Text(s.into())
    }

    fn eval(op: &str, values: &[CondValue]) -> Eval {
        match Operator::parse(op) {
            Some(op) => eval_present_single(&op, "false", values),
            None => Eval::Unsupported("unparsed".into()),
        }
    }

    #[test]
    fn parse_is_case_sensitive() {
        assert!(Operator::parse("Bool").is_some());
        assert!(Operator::parse("BoolIfExists").is_some_and(|o| o.if_exists));
        assert!(
            Operator::parse("ForAnyValue:StringNotEqualsIfExists").is_some_and(|o| o.negated
                && o.if_exists
                && o.set_qualifier == Some(SetQualifier::ForAnyValue))
        );
        for bad in [
            "bool",
            "BOOL",
            "stringEquals",
            "Bool ",
            "IfExists",
            "NullIfExists",
            "Foo",
        ] {
            assert_eq!(Operator::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn values_on_a_false_request() {
        use Eval::{False, True};
        assert_eq!(eval("Bool", &[t("true")]), False);
        assert_eq!(eval("Bool", &[CondValue::Bool(true)]), False);
        assert_eq!(eval("Bool", &[t("True")]), False);
        assert_eq!(eval("Bool", &[t("false")]), True);
        assert_eq!(eval("Bool", &[t("true"), t("false")]), True);
        assert_eq!(eval("BoolIfExists", &[t("true")]), False);
        assert_eq!(eval("ForAnyValue:Bool", &[t("true")]), False);
        assert_eq!(eval("ForAllValues:Bool", &[t("true")]), False);
        assert_eq!(eval("StringEquals", &[t("true")]), False);
        assert_eq!(eval("StringEquals", &[t("False")]), False, "case-sensitive");
        assert_eq!(eval("StringEqualsIgnoreCase", &[t("False")]), True);
        assert_eq!(eval("StringNotEquals", &[t("false")]), False);
        assert_eq!(eval("StringNotEquals", &[t("true")]), True);
        assert_eq!(
            eval("StringNotEquals", &[t("true"), t("false")]),
            False,
            "NOR"
        );
        assert_eq!(eval("StringLike", &[t("t*")]), False);
        assert_eq!(eval("StringLike", &[t("f*")]), True);
        assert_eq!(eval("StringNotLike", &[t("f*")]), False);
        assert_eq!(eval("Null", &[t("true")]), False);
        assert_eq!(eval("Null", &[t("false")]), True);
        assert_eq!(eval("Null", &[CondValue::Bool(false)]), True);
        assert_eq!(eval("Bool", &[]), False);
        assert_eq!(eval("StringNotEquals", &[]), True);
    }

    #[test]
    fn unsupported_and_unresolved() {
        assert!(matches!(
            eval("NumericEquals", &[t("1")]),
            Eval::Unsupported(_)
        ));
        assert!(matches!(eval("Bool", &[t("yes")]), Eval::Unsupported(_)));
        assert!(matches!(
            eval("Bool", &[CondValue::Invalid]),
            Eval::Unsupported(_)
        ));
        assert_eq!(
            eval("Bool", &[CondValue::Unresolved("var.tls".into())]),
            Eval::Unresolved("var.tls".into())
        );
    }
}
