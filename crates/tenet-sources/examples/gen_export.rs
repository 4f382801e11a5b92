//! Writes a synthetic `get-account-authorization-details` export for measurements:
//! `cargo run --release -p tenet-sources --example gen_export -- OUT.json [POLICIES] [--encoded]`.
//! Pretty-printed like the AWS CLI (4-space indent); `--encoded` writes documents as the raw API
//! does (percent-encoded strings). 1 to 3 versions per policy; one identity per 20 policies,
//! each attaching 5 of them.

use std::io::{BufWriter, Write};

use serde::Serialize;
use serde_json::{Value, json};

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let out = args.first().map_or("export.json", String::as_str);
    let policies: usize = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(100_000);
    let encoded = args.iter().any(|a| a == "--encoded");
    let mut w = BufWriter::new(std::fs::File::create(out)?);
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    let actions = [
        "s3:GetObject",
        "s3:PutObject",
        "iam:CreateAccessKey",
        "iam:ListAccessKeys",
        "ec2:Describe*",
        "sqs:SendMessage",
        "kms:Decrypt",
        "lambda:InvokeFunction",
        "logs:CreateLogStream",
        "dynamodb:Query",
    ];
    let doc = |next: &mut dyn FnMut(u64) -> u64, i: usize| -> Value {
        let statements: Vec<Value> = (0..1 + next(3))
            .map(|s| {
                let acts: Vec<&str> = (0..1 + next(4))
                    .map(|_| actions[next(10) as usize])
                    .collect();
                let mut st = json!({
                    "Sid": format!("S{s}"),
                    "Effect": if next(10) == 0 { "Deny" } else { "Allow" },
                    "Action": if acts.len() == 1 { json!(acts[0]) } else { json!(acts) },
                    "Resource": format!("arn:aws:s3:::bucket-{i}/*"),
                });
                if next(4) == 0 {
                    st["Condition"] = json!({"Bool": {"aws:SecureTransport": "true"}});
                }
                st
            })
            .collect();
        json!({"Version": "2012-10-17", "Statement": statements})
    };
    let write_doc = |d: Value| -> Value {
        if encoded {
            let text = serde_json::to_string_pretty(&d).unwrap_or_default();
            Value::String(
                percent_encoding::utf8_percent_encode(&text, percent_encoding::NON_ALPHANUMERIC)
                    .to_string(),
            )
        } else {
            d
        }
    };
    let pretty = |w: &mut BufWriter<std::fs::File>, v: &Value| -> std::io::Result<()> {
        let mut ser = serde_json::Serializer::with_formatter(
            &mut *w,
            serde_json::ser::PrettyFormatter::with_indent(b"    "),
        );
        v.serialize(&mut ser).map_err(std::io::Error::other)
    };
    let identities = policies / 20;
    for (list, kind, name_key, id_key) in [
        ("UserDetailList", "user", "UserName", "UserId"),
        ("RoleDetailList", "role", "RoleName", "RoleId"),
    ] {
        writeln!(w, "{{\n    \"{list}\": [")?;
        for i in 0..identities / 2 {
            let attached: Vec<Value> = (0..5)
                .map(|_| {
                    let p = next(policies as u64);
                    json!({"PolicyName": format!("policy-{p}"), "PolicyArn": format!("arn:aws:iam::123456789012:policy/team/policy-{p}")})
                })
                .collect();
            let v = json!({
                "Path": "/", name_key: format!("{kind}-{i}"), id_key: format!("AID{i:017}"),
                "Arn": format!("arn:aws:iam::123456789012:{kind}/{kind}-{i}"),
                "CreateDate": "2024-01-01T00:00:00Z", "GroupList": [],
                "AttachedManagedPolicies": attached,
            });
            if i > 0 {
                writeln!(w, ",")?;
            }
            pretty(&mut w, &v)?;
        }
        writeln!(w, "\n    ]\n}}")?;
    }
    // The policies as a third page, so the file is a concatenation of pages.
    writeln!(w, "{{\n    \"Policies\": [")?;
    for i in 0..policies {
        let n = 1 + next(3) as usize;
        let versions: Vec<Value> = (0..n)
            .map(|v| {
                json!({
                    "Document": write_doc(doc(&mut next, i)),
                    "VersionId": format!("v{}", n - v),
                    "IsDefaultVersion": v == 0,
                    "CreateDate": "2024-02-01T00:00:00Z",
                })
            })
            .collect();
        let v = json!({
            "PolicyName": format!("policy-{i}"), "PolicyId": format!("ANPA{i:017}"),
            "Arn": format!("arn:aws:iam::123456789012:policy/team/policy-{i}"), "Path": "/team/",
            "DefaultVersionId": format!("v{n}"), "AttachmentCount": 0,
            "PermissionsBoundaryUsageCount": 0, "IsAttachable": true,
            "CreateDate": "2024-02-01T00:00:00Z", "UpdateDate": "2024-02-01T00:00:00Z",
            "PolicyVersionList": versions,
        });
        if i > 0 {
            writeln!(w, ",")?;
        }
        pretty(&mut w, &v)?;
    }
    writeln!(w, "\n    ],\n    \"IsTruncated\": false\n}}")?;
    w.flush()
}
