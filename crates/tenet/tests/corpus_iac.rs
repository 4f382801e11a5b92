//! `tenet scan` over the Terraform and CloudFormation folders of `../shared/corpus` (real
//! configurations written by other people, some invalid on purpose): no crash, every unit
//! evaluated or refused with a reason, and the exact outcome counts. When behaviour improves,
//! update the counts deliberately. Skipped with a note when the corpus is absent, except under
//! `CI=true`, where its absence is a failure.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers: failing is the assertion

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn corpus() -> Option<PathBuf> {
    let dir = std::env::var_os("TENET_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus")
        });
    if dir.join("terraform").is_dir() && dir.join("cloudformation").is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "CI=true but the IaC corpus is missing at {}",
        dir.display()
    );
    eprintln!("note: no IaC corpus at {}; test not run", dir.display());
    None
}

/// The units `tenet scan DIR` loads: a directory with `.tf` files is one module; otherwise
/// each template file.
fn units(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    if entries
        .iter()
        .any(|p| p.is_file() && p.extension().is_some_and(|x| x == "tf"))
    {
        out.push(dir.to_path_buf());
        return;
    }
    for p in entries {
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        if p.is_dir() && name != ".terraform" {
            units(&p, out);
        } else if [".json", ".yaml", ".yml", ".template"]
            .iter()
            .any(|x| name.ends_with(x))
        {
            out.push(p);
        }
    }
}

/// (PASS, FAIL, SKIP, UNKNOWN), stderr and exit code of `tenet scan DIR --format json`.
fn scan(dir: &Path) -> ([u64; 4], String, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_tenet"))
        .args([
            "scan",
            dir.to_str().unwrap(),
            "--format",
            "json",
            "--no-config",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(!stderr.contains("panicked"), "{stderr}");
    let json: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stderr}"));
    let c = &json["summary"];
    let n = |k: &str| c[k].as_u64().or_else(|| c["counts"][k].as_u64()).unwrap();
    (
        [n("PASS"), n("FAIL"), n("SKIP"), n("UNKNOWN")],
        stderr,
        out.status.code().unwrap_or(-1),
    )
}

/// Loads every unit: each either yields entities/warnings or is refused with a message that
/// names its file (and line, for syntax errors). Returns the refused ones, relative.
fn refused(root: &Path) -> Vec<String> {
    let mut list = Vec::new();
    units(root, &mut list);
    assert!(!list.is_empty());
    let mut out = Vec::new();
    for u in list {
        if let Err(e) = tenet_sources::load_input(&u, &tenet_sources::LoadOptions::default()) {
            assert!(
                !e.message.is_empty(),
                "{}: refused without a reason",
                u.display()
            );
            let rel = e
                .path
                .strip_prefix(root)
                .unwrap_or(&e.path)
                .display()
                .to_string();
            out.push(format!("{rel}:{}: {}", e.line.unwrap_or(0), e.message));
        }
    }
    out
}

#[test]
fn terraform_corpus() {
    let Some(c) = corpus() else { return };
    let root = c.join("terraform");
    assert_eq!(
        refused(&root),
        [
            "checkov/example_StarActionPolicyDocument/main.tf:34: invalid HCL: invalid object value assignment; expected `=` or `:`"
        ]
    );
    let (counts, stderr, code) = scan(&root);
    assert_eq!(code, 2, "an input was refused: exit 2\n{stderr}");
    // [PASS, FAIL, SKIP, UNKNOWN]
    assert_eq!(counts, TERRAFORM_COUNTS, "{stderr}");
    // checkov's heredoc with a trailing comma: a clear message with its line and column.
    assert!(
        stderr.contains("checkov/example_IAMCredentialsExposure/main.tf:51: warning: aws_iam_policy.pass: the policy is not valid JSON (line 51, column 9): expected another item after `,` (trailing commas are not JSON), found `]`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("checkov/example_StarActionPolicyDocument/main.tf:34:17: invalid HCL"),
        "{stderr}"
    );
}

#[test]
fn cloudformation_corpus() {
    let Some(c) = corpus() else { return };
    let root = c.join("cloudformation");
    assert_eq!(refused(&root), Vec::<String>::new());
    let (counts, stderr, code) = scan(&root);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(counts, CLOUDFORMATION_COUNTS, "{stderr}");
    // `Effect: NotAllow` (cfn-lint's and checkov's invalid templates): named with its line.
    for (file, line) in [
        ("cfn-lint/bad_iam_policy.yaml", 23),
        ("checkov/cfn_bad_iam.yaml", 22),
    ] {
        let want = format!(
            "{file}:{line}: warning: rIamUser: Statement[0] (column 11): Effect `NotAllow` is not valid, expected `Allow` or `Deny`; IAM rejects this document"
        );
        assert!(stderr.contains(&want), "{want}\n{stderr}");
    }
}

/// Measured; update deliberately when behaviour improves. (136 -> 137 SKIP: the cdktf-generated
/// `regula/cdktf_posts-dev.tf.json` is now read; its one inline policy grants no access-key action.)
const TERRAFORM_COUNTS: [u64; 4] = [0, 17, 137, 2];
const CLOUDFORMATION_COUNTS: [u64; 4] = [0, 15, 108, 4];
