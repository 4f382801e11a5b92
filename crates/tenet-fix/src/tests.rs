#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::json::fix_text;
use crate::plan::{FixOptions, PatternClass, Safety, StatementFix, classify, plan};
use crate::sites::fix_percent_encoded;
use gsl::Value;

const UNSAFE: FixOptions = FixOptions {
    whole_statement: false,
    allow_unsafe: true,
};

fn doc(text: &str) -> Value {
    Value::from_json(&serde_json::from_str(text).unwrap())
}

/// Plans with `targets` (literal rule) and optionally IAM-aware, then edits the text.
fn fix(text: &str, targets: &[usize], iam_aware: bool, opts: FixOptions) -> (String, Vec<String>) {
    let p = plan(&doc(text), targets, iam_aware, opts).unwrap();
    let fixed = fix_text(text, &p).unwrap();
    // The text edit and the value-level fix agree.
    assert_eq!(
        doc(&fixed),
        p.document,
        "text and value fixes differ:\n{fixed}"
    );
    (fixed, p.edits.iter().map(ToString::to_string).collect())
}

#[test]
fn classes() {
    assert_eq!(classify("iam:CreateAccessKey"), PatternClass::AccessKey);
    assert_eq!(classify("IAM:createaccesskey"), PatternClass::AccessKey);
    assert_eq!(classify("iam:*AccessKey*"), PatternClass::AccessKey);
    assert_eq!(classify("iam:CreateAccessKeys"), PatternClass::AccessKey);
    assert_eq!(classify("s3:GetObject"), PatternClass::Other);
    assert_eq!(classify("iam:*"), PatternClass::Mixed);
    assert_eq!(classify("*"), PatternClass::Mixed);
}

#[test]
fn adds_condition_in_the_documents_style() {
    let text = r#"{
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["iam:CreateAccessKey", "iam:UpdateAccessKey"],
            "Resource": "*"
        }
    ]
}"#;
    let (fixed, edits) = fix(text, &[0], false, FixOptions::default());
    assert_eq!(
        fixed,
        r#"{
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["iam:CreateAccessKey", "iam:UpdateAccessKey"],
            "Resource": "*",
            "Condition": {
                "Bool": {
                    "aws:SecureTransport": "true"
                }
            }
        }
    ]
}"#
    );
    assert_eq!(
        edits,
        ["Statement[0]: add Condition Bool aws:SecureTransport \"true\" (safe)"]
    );
}

#[test]
fn compact_documents_stay_compact() {
    let text = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListAccessKeys","Resource":"*"}]}"#;
    let (fixed, _) = fix(text, &[0], false, FixOptions::default());
    assert_eq!(
        fixed,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListAccessKeys","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}]}"#
    );
}

#[test]
fn merges_into_condition_and_bool_and_replaces_wrong_values() {
    let text = r#"{"Statement": [
  {"Effect": "Allow", "Action": "iam:CreateAccessKey", "Resource": "*", "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}},
  {"Effect": "Allow", "Action": "iam:DeleteAccessKey", "Resource": "*", "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}},
  {"Effect": "Allow", "Action": "iam:ListAccessKeys", "Resource": "*", "Condition": {"Bool": {"AWS:SecureTransport": "false"}}},
  {"Effect": "Allow", "Action": "iam:UpdateAccessKey", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": true}}}
]}"#;
    let (fixed, edits) = fix(text, &[0, 1, 2, 3], false, FixOptions::default());
    assert_eq!(
        fixed,
        r#"{"Statement": [
  {"Effect": "Allow", "Action": "iam:CreateAccessKey", "Resource": "*", "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}, "Bool": {"aws:SecureTransport": "true"}}},
  {"Effect": "Allow", "Action": "iam:DeleteAccessKey", "Resource": "*", "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true", "aws:SecureTransport": "true"}}},
  {"Effect": "Allow", "Action": "iam:ListAccessKeys", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "true"}}},
  {"Effect": "Allow", "Action": "iam:UpdateAccessKey", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "true"}}}
]}"#
    );
    assert_eq!(
        edits,
        [
            "Statement[0]: add Bool aws:SecureTransport \"true\" to the Condition (safe)",
            "Statement[1]: add aws:SecureTransport \"true\" to the Condition's Bool (safe)",
            "Statement[2]: set Condition Bool AWS:SecureTransport = \"false\" to aws:SecureTransport = \"true\" (safe)",
            "Statement[3]: set Condition Bool aws:SecureTransport = true to aws:SecureTransport = \"true\" (safe)",
        ]
    );
}

#[test]
fn splits_mixed_statements_keeping_layout() {
    let text = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "Keys",
      "Effect": "Allow",
      "Action": [
        "s3:GetObject",
        "iam:CreateAccessKey",
        "iam:ListUsers"
      ],
      "Resource": "*"
    },
    {
      "Sid": "Other",
      "Effect": "Allow",
      "Action": "ec2:Describe*",
      "Resource": "*"
    }
  ]
}"#;
    let (fixed, edits) = fix(text, &[0], false, FixOptions::default());
    assert_eq!(
        fixed,
        r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "Keys",
      "Effect": "Allow",
      "Action": [
        "s3:GetObject",
        "iam:ListUsers"
      ],
      "Resource": "*"
    },
    {
      "Sid": "KeysTls",
      "Effect": "Allow",
      "Action": [
        "iam:CreateAccessKey"
      ],
      "Resource": "*",
      "Condition": {
        "Bool": {
          "aws:SecureTransport": "true"
        }
      }
    },
    {
      "Sid": "Other",
      "Effect": "Allow",
      "Action": "ec2:Describe*",
      "Resource": "*"
    }
  ]
}"#
    );
    assert_eq!(
        edits,
        [
            "Statement[0]: split: move iam:CreateAccessKey to a new statement (Sid KeysTls) with Condition Bool aws:SecureTransport \"true\" (safe)"
        ]
    );
}

#[test]
fn whole_statement_on_request_is_unsafe() {
    let text = r#"{"Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "iam:CreateAccessKey"], "Resource": "*"}]}"#;
    let p = plan(
        &doc(text),
        &[0],
        false,
        FixOptions {
            whole_statement: true,
            allow_unsafe: true,
        },
    )
    .unwrap();
    assert_eq!(p.statements, [(0, StatementFix::Condition)]);
    assert_eq!(p.safety(), Safety::Unsafe);
    assert_eq!(
        p.edits[0].to_string(),
        "Statement[0]: add Condition Bool aws:SecureTransport \"true\" to the whole statement (it also restricts s3:GetObject) (unsafe)"
    );
}

#[test]
fn wildcards_and_not_action_get_a_covering_deny() {
    let text = r#"{"Version": "2012-10-17", "Statement": [
  {"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
  {"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}
]}"#;
    let (fixed, edits) = fix(text, &[], true, UNSAFE);
    assert_eq!(
        fixed,
        r#"{"Version": "2012-10-17", "Statement": [
  {"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
  {"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"},
  {"Sid": "DenyAccessKeyActionsWithoutTls", "Effect": "Deny", "Action": ["iam:CreateAccessKey", "iam:DeleteAccessKey", "iam:GetAccessKeyLastUsed", "iam:ListAccessKeys", "iam:UpdateAccessKey", "lightsail:CreateBucketAccessKey", "lightsail:DeleteBucketAccessKey", "lightsail:GetBucketAccessKeys", "sts:GetAccessKeyInfo"], "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
]}"#
    );
    assert_eq!(
        edits,
        [
            "add a Deny statement on iam:CreateAccessKey, iam:DeleteAccessKey, iam:GetAccessKeyLastUsed, iam:ListAccessKeys, iam:UpdateAccessKey, lightsail:CreateBucketAccessKey, lightsail:DeleteBucketAccessKey, lightsail:GetBucketAccessKeys, sts:GetAccessKeyInfo when aws:SecureTransport is false (it also denies plain-HTTP use that other policies grant) (unsafe)"
        ]
    );
    assert!(
        tenet_iam::secure_transport::analyze(&doc(&fixed))
            .granted_without_tls()
            .is_empty()
    );
}

#[test]
fn literal_and_iam_aware_together() {
    // The literal rule's statement is split off; the wildcard left behind gets the Deny, for
    // the iam actions only.
    let text = r#"{"Statement": [{"Effect": "Allow", "Action": ["iam:*", "iam:CreateAccessKey"], "Resource": "*"}]}"#;
    let (fixed, edits) = fix(text, &[0], true, UNSAFE);
    assert_eq!(
        fixed,
        r#"{"Statement": [{"Effect": "Allow", "Action": ["iam:*"], "Resource": "*"}, {"Effect": "Allow", "Action": ["iam:CreateAccessKey"], "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "true"}}}, {"Sid": "DenyAccessKeyActionsWithoutTls", "Effect": "Deny", "Action": ["iam:CreateAccessKey", "iam:DeleteAccessKey", "iam:GetAccessKeyLastUsed", "iam:ListAccessKeys", "iam:UpdateAccessKey"], "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}"#
    );
    assert_eq!(edits.len(), 2);
}

#[test]
fn single_statement_object_becomes_a_list_only_when_needed() {
    let text =
        r#"{"Statement": {"Effect": "Allow", "Action": "iam:CreateAccessKey", "Resource": "*"}}"#;
    let (fixed, _) = fix(text, &[0], false, FixOptions::default());
    assert_eq!(
        fixed,
        r#"{"Statement": {"Effect": "Allow", "Action": "iam:CreateAccessKey", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "true"}}}}"#
    );
    let text = r#"{"Statement": {"Effect": "Allow", "Action": ["s3:GetObject", "iam:CreateAccessKey"], "Resource": "*"}}"#;
    let (fixed, _) = fix(text, &[0], false, FixOptions::default());
    assert_eq!(
        fixed,
        r#"{"Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"}, {"Effect": "Allow", "Action": ["iam:CreateAccessKey"], "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "true"}}}]}"#
    );
}

#[test]
fn idempotent() {
    let text = r#"{"Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "iam:CreateAccessKey"], "Resource": "*"}, {"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#;
    let (once, _) = fix(text, &[0], true, UNSAFE);
    let p = plan(&doc(&once), &[], true, FixOptions::default()).unwrap();
    assert!(p.is_empty(), "{:?}", p.edits);
    assert_eq!(fix_text(&once, &p).unwrap(), once);
}

#[test]
fn unknown_values_are_not_guessed() {
    let mut m = gsl::Map::new();
    m.insert("Effect", Value::str("Allow"));
    m.insert("Action", Value::unknown("known after apply"));
    m.insert("Resource", Value::str("*"));
    let mut d = gsl::Map::new();
    d.insert("Statement", Value::List(vec![Value::Object(m)]));
    let err = plan(&Value::Object(d), &[0], false, FixOptions::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Statement[0].Action is unresolved: known after apply"
    );
    let err = plan(
        &Value::unknown("built by a remote module"),
        &[],
        true,
        FixOptions::default(),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "the document is unresolved: built by a remote module"
    );
}

#[test]
fn percent_encoded_documents_keep_their_escapes() {
    let encoded = "%7B%22Version%22%3A%20%222012-10-17%22%2C%20%22Statement%22%3A%20%5B%7B%22Effect%22%3A%20%22Allow%22%2C%20%22Action%22%3A%20%22iam%3ACreateAccessKey%22%2C%20%22Resource%22%3A%20%22%2A%22%7D%5D%7D";
    let decoded = percent_encoding::percent_decode_str(encoded)
        .decode_utf8()
        .unwrap();
    let p = plan(&doc(&decoded), &[0], false, FixOptions::default()).unwrap();
    let fixed = fix_percent_encoded(encoded, &p).unwrap();
    assert_eq!(
        fixed,
        "%7B%22Version%22%3A%20%222012-10-17%22%2C%20%22Statement%22%3A%20%5B%7B%22Effect%22%3A%20%22Allow%22%2C%20%22Action%22%3A%20%22iam%3ACreateAccessKey%22%2C%20%22Resource%22%3A%20%22%2A%22%2C%20%22Condition%22%3A%20%7B%22Bool%22%3A%20%7B%22aws%3ASecureTransport%22%3A%20%22true%22%7D%7D%7D%5D%7D"
    );
}

#[test]
fn size_counts_non_whitespace() {
    let d = doc(
        r#"{"Statement": [{"Effect": "Allow", "Action": "iam:CreateAccessKey", "Resource": "*"}]}"#,
    );
    let p = plan(&d, &[0], false, FixOptions::default()).unwrap();
    assert_eq!(
        p.size,
        r#"{"Statement":[{"Effect":"Allow","Action":"iam:CreateAccessKey","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}]}"#.len()
    );
    assert!(!p.over_limit());
}

#[test]
fn unsafe_edits_are_skipped_unless_allowed() {
    let text = r#"{"Statement": [{"Effect": "Allow", "Action": ["iam:*", "iam:CreateAccessKey"], "Resource": "*"}]}"#;
    let p = plan(&doc(text), &[0], true, FixOptions::default()).unwrap();
    // The safe split is made; the Deny is listed as skipped.
    assert_eq!(p.statements.len(), 1);
    assert!(p.append.is_empty());
    assert_eq!(p.edits.len(), 1);
    assert_eq!(p.skipped.len(), 1);
    assert_eq!(p.skipped[0].safety, Safety::Unsafe);
}
