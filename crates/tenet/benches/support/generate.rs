//! Generates a realistic account export with `n` customer managed policies, as the AWS CLI prints
//! it (pretty-printed, documents as JSON objects). Deterministic: the same `n` gives the same bytes.
//! Shared by the benchmark and by `examples/gen_export.rs` (for peak-memory runs of the binary).

use std::fmt::Write;

const ACCOUNT: &str = "111122223333";

fn statement(i: usize, j: usize) -> String {
    // One in ten policies manages access keys; a third of those lack the TLS condition.
    match (i % 10, j) {
        (0, 0) => {
            let cond = if i.is_multiple_of(30) {
                String::new()
            } else {
                ",\n                        \"Condition\": {\"Bool\": {\"aws:SecureTransport\": \"true\"}}".to_string()
            };
            format!(
                "{{\n                        \"Sid\": \"Keys{i}\",\n                        \"Effect\": \"Allow\",\n                        \"Action\": [\"iam:CreateAccessKey\", \"iam:UpdateAccessKey\", \"iam:ListAccessKeys\"],\n                        \"Resource\": \"arn:aws:iam::{ACCOUNT}:user/team{}/*\"{cond}\n                    }}",
                i % 97
            )
        }
        _ => format!(
            "{{\n                        \"Effect\": \"{}\",\n                        \"Action\": [\"s3:GetObject\", \"s3:ListBucket\", \"dynamodb:Query\", \"logs:PutLogEvents\"],\n                        \"Resource\": [\"arn:aws:s3:::bucket-{i}-{j}\", \"arn:aws:s3:::bucket-{i}-{j}/*\"]\n                    }}",
            if j == 3 { "Deny" } else { "Allow" }
        ),
    }
}

pub fn export(n: usize) -> String {
    let mut s = String::with_capacity(n * 1400);
    let users = n / 50 + 1;
    s.push_str("{\n    \"UserDetailList\": [\n");
    for u in 0..users {
        // Each user has a handful of policies attached.
        let attached: Vec<String> = (0..5)
            .map(|k| {
                let p = (u * 37 + k * 7919) % n;
                format!("{{\"PolicyName\": \"policy-{p}\", \"PolicyArn\": \"arn:aws:iam::{ACCOUNT}:policy/policy-{p}\"}}")
            })
            .collect();
        let _ = write!(
            s,
            "        {{\n            \"Path\": \"/\",\n            \"UserName\": \"user-{u}\",\n            \"UserId\": \"AIDA{u:017}\",\n            \"Arn\": \"arn:aws:iam::{ACCOUNT}:user/user-{u}\",\n            \"CreateDate\": \"2024-01-01T00:00:00+00:00\",\n            \"UserPolicyList\": [],\n            \"GroupList\": [],\n            \"AttachedManagedPolicies\": [{}]\n        }}{}\n",
            attached.join(", "),
            if u + 1 < users { "," } else { "" }
        );
    }
    s.push_str(
        "    ],\n    \"GroupDetailList\": [],\n    \"RoleDetailList\": [],\n    \"Policies\": [\n",
    );
    for i in 0..n {
        let statements: Vec<String> = (0..4).map(|j| statement(i, j)).collect();
        let _ = write!(
            s,
            "        {{\n            \"PolicyName\": \"policy-{i}\",\n            \"PolicyId\": \"ANPA{i:017}\",\n            \"Arn\": \"arn:aws:iam::{ACCOUNT}:policy/policy-{i}\",\n            \"Path\": \"/\",\n            \"DefaultVersionId\": \"v1\",\n            \"AttachmentCount\": 1,\n            \"PermissionsBoundaryUsageCount\": 0,\n            \"IsAttachable\": true,\n            \"CreateDate\": \"2024-01-01T00:00:00+00:00\",\n            \"UpdateDate\": \"2024-01-01T00:00:00+00:00\",\n            \"PolicyVersionList\": [\n                {{\n                    \"Document\": {{\n                    \"Version\": \"2012-10-17\",\n                    \"Statement\": [\n                    {}\n                    ]\n                    }},\n                    \"VersionId\": \"v1\",\n                    \"IsDefaultVersion\": true,\n                    \"CreateDate\": \"2024-01-01T00:00:00+00:00\"\n                }}\n            ]\n        }}{}\n",
            statements.join(",\n                    "),
            if i + 1 < n { "," } else { "" }
        );
    }
    s.push_str("    ]\n}\n");
    s
}
