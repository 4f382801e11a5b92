//! The real Terraform CLI as the oracle for `tenet fix` on Terraform: every fixed configuration
//! passes `terraform fmt -check` where the original did, still plans (offline: the AWS provider
//! from the mirror named in `scripts/terraform/cli.tfrc`, dummy credentials), and the documents
//! that `terraform show -json` renders from the plan pass the rule.
//!
//! Without `terraform` on PATH the test says it was not run; under `CI=true` it fails instead.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers: failing is the assertion

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Whether `terraform` runs; panics under `CI=true` when it does not.
fn terraform_available() -> bool {
    let found = Command::new("terraform")
        .arg("version")
        .env("CHECKPOINT_DISABLE", "1")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but `terraform` is not on PATH"
        );
        eprintln!("note: `terraform` is not on PATH; the Terraform fix oracle test was not run");
    }
    found
}

/// `terraform ARGS` in `dir`, offline.
fn terraform(dir: &Path, cache: &Path, args: &[&str]) -> Output {
    Command::new("terraform")
        .args(args)
        .current_dir(dir)
        .env(
            "TF_CLI_CONFIG_FILE",
            repo().join("scripts/terraform/cli.tfrc"),
        )
        .env("TF_IN_AUTOMATION", "1")
        .env("TF_INPUT", "0")
        .env("CHECKPOINT_DISABLE", "1")
        .env("TF_PLUGIN_CACHE_DIR", cache)
        .env("TF_DATA_DIR", dir.join(".terraform"))
        .env_remove("TF_LOG")
        .output()
        .expect("run terraform")
}

fn tenet(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tenet"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run tenet")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dst = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &dst);
        } else {
            std::fs::copy(&p, &dst).unwrap();
        }
    }
}

/// (exit code, sorted (rule, entity id, outcome) of every result) of a scan of `plan.json`.
fn scan_plan(dir: &Path, extra: &[&str]) -> (i32, Vec<(String, String, String)>) {
    let mut args = vec!["scan", "plan.json", "--no-config", "--format", "json"];
    args.extend_from_slice(extra);
    let out = tenet(dir, &args);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(&out)));
    let mut rows: Vec<_> = json["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["rule"].as_str().unwrap().to_string(),
                r["entity"]["id"].as_str().unwrap().to_string(),
                r["outcome"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    rows.sort();
    (out.status.code().unwrap_or(-1), rows)
}

struct Fixture {
    /// Folder under `crates/tenet/tests/fixtures/fix_iac`.
    dir: &'static str,
    /// Whether its fixes need `--unsafe`.
    unsafe_edits: bool,
    /// Whether the original passes `terraform fmt -check` (then the fixed one must too).
    formatted: bool,
    /// D9.AWS.IAM.67 FAILs of the original (all fixed).
    fails_before: usize,
    /// (rule, entity id, outcome) of every rule on the plan of the fixed configuration.
    after: &'static [(&'static str, &'static str, &'static str)],
}

const FIXTURES: &[Fixture] = &[
    // jsonencode with a split; an aws_iam_policy_document statement gets a condition block.
    Fixture {
        dir: "terraform",
        unsafe_edits: false,
        formatted: true,
        fails_before: 1,
        after: &[
            ("D9.AWS.IAM.67", "aws_iam_policy.keys", "PASS"),
            ("TN.AWS.IAM.67", "aws_iam_policy.keys", "PASS"),
            (
                "TN.AWS.IAM.67.INLINE",
                "aws_iam_user.u/inline/rotate",
                "PASS",
            ),
        ],
    },
    // aws_iam_policy_document with a split, heredoc, file(), jsonencode through a local, and a
    // wildcard that needs the unsafe covering Deny.
    Fixture {
        dir: "terraform_forms",
        unsafe_edits: true,
        formatted: true,
        fails_before: 4,
        after: &[
            ("D9.AWS.IAM.67", "aws_iam_policy.document", "PASS"),
            ("D9.AWS.IAM.67", "aws_iam_policy.file", "PASS"),
            ("D9.AWS.IAM.67", "aws_iam_policy.heredoc", "PASS"),
            ("D9.AWS.IAM.67", "aws_iam_policy.local", "PASS"),
            ("D9.AWS.IAM.67", "aws_iam_policy.wildcard", "SKIP"),
            ("TN.AWS.IAM.67", "aws_iam_policy.document", "PASS"),
            ("TN.AWS.IAM.67", "aws_iam_policy.file", "PASS"),
            ("TN.AWS.IAM.67", "aws_iam_policy.heredoc", "PASS"),
            ("TN.AWS.IAM.67", "aws_iam_policy.local", "PASS"),
            ("TN.AWS.IAM.67", "aws_iam_policy.wildcard", "PASS"),
        ],
    },
];

fn check(fx: &Fixture, work: &Path, cache: &Path) {
    let started = Instant::now();
    let name = fx.dir;
    let dir = work.join(name);
    copy_dir(
        &repo()
            .join("crates/tenet/tests/fixtures/fix_iac")
            .join(name),
        &dir,
    );
    let d9 = ["--rule", "D9.AWS.IAM.67"];

    // The original: formatted, and failing as expected.
    let fmt_before = terraform(&dir, cache, &["fmt", "-check", "-recursive", "-no-color"]);
    let original_formatted = fmt_before.status.success();
    assert_eq!(
        original_formatted,
        fx.formatted,
        "{name}: fmt -check of the original: {}",
        text(&fmt_before)
    );
    let out = tenet(
        &dir,
        &["scan", ".", "--no-config", "--format", "json", d9[0], d9[1]],
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        json["summary"]["FAIL"], fx.fails_before,
        "{name}: FAILs before the fix"
    );

    // Fix in place; a second run finds nothing left to fix.
    let unsafe_flag: &[&str] = if fx.unsafe_edits { &["--unsafe"] } else { &[] };
    let out = tenet(&dir, &[&["fix", "--write", "."], unsafe_flag].concat());
    assert_eq!(out.status.code(), Some(0), "{name}: fix: {}", text(&out));
    let out = tenet(&dir, &[&["fix", "."], unsafe_flag].concat());
    assert_eq!(
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).as_ref()
        ),
        (Some(0), ""),
        "{name}: nothing left to fix"
    );

    // terraform fmt -check passes where it passed on the original.
    if original_formatted {
        let fmt = terraform(
            &dir,
            cache,
            &["fmt", "-check", "-recursive", "-diff", "-no-color"],
        );
        assert!(
            fmt.status.success(),
            "{name}: the fixed configuration is not `terraform fmt` clean:\n{}",
            text(&fmt)
        );
    } else {
        eprintln!("{name}: the original is not `terraform fmt` clean; fmt not checked");
    }

    // Plan offline: dummy credentials, no AWS calls (an override when the module has its own
    // provider block).
    let declares_provider = std::fs::read_dir(&dir).unwrap().any(|e| {
        let p = e.unwrap().path();
        p.extension().is_some_and(|x| x == "tf")
            && std::fs::read_to_string(&p)
                .unwrap()
                .lines()
                .any(|l| l.trim_start().starts_with("provider \"aws\""))
    });
    let provider = if declares_provider {
        "tenet_override.tf"
    } else {
        "tenet_provider.tf"
    };
    std::fs::copy(
        repo().join("scripts/terraform/provider.tf"),
        dir.join(provider),
    )
    .unwrap();
    let init = terraform(&dir, cache, &["init", "-input=false", "-no-color"]);
    assert!(init.status.success(), "{name}: init: {}", text(&init));
    let plan = terraform(
        &dir,
        cache,
        &[
            "plan",
            "-input=false",
            "-no-color",
            "-lock=false",
            "-out=plan.bin",
        ],
    );
    assert!(plan.status.success(), "{name}: plan: {}", text(&plan));
    let show = terraform(&dir, cache, &["show", "-json", "-no-color", "plan.bin"]);
    assert!(show.status.success(), "{name}: show: {}", text(&show));
    std::fs::write(dir.join("plan.json"), &show.stdout).unwrap();

    // The rendered documents pass: no FAIL, the expected PASS.
    let (code, rows) = scan_plan(&dir, &d9);
    let want_d9: Vec<(String, String, String)> = fx
        .after
        .iter()
        .filter(|r| r.0 == "D9.AWS.IAM.67")
        .map(|&(r, e, o)| (r.into(), e.into(), o.into()))
        .collect();
    assert_eq!(rows, want_d9, "{name}: D9.AWS.IAM.67 on the plan");
    assert_eq!(code, 0, "{name}: scan of the plan exits 0");
    assert!(!rows.iter().any(|r| r.2 == "FAIL"), "{name}: FAIL");
    assert_eq!(
        rows.iter().filter(|r| r.2 == "PASS").count(),
        fx.fails_before,
        "{name}: every fixed policy passes"
    );
    // Every other rule too.
    let (code, rows) = scan_plan(&dir, &[]);
    let want: Vec<(String, String, String)> = fx
        .after
        .iter()
        .map(|&(r, e, o)| (r.into(), e.into(), o.into()))
        .collect();
    assert_eq!(rows, want, "{name}: every rule on the plan");
    assert_eq!(code, 0, "{name}: scan of the plan exits 0");
    eprintln!("{name}: {:.1?}", started.elapsed());
}

#[test]
fn fixed_terraform_formats_plans_and_passes() {
    if !terraform_available() {
        return;
    }
    let started = Instant::now();
    let work = tempfile::tempdir().unwrap();
    let cache = work.path().join("plugin-cache");
    std::fs::create_dir_all(&cache).unwrap();
    // One after the other: the plugin cache is shared, and each plan runs the provider.
    for fx in FIXTURES {
        check(fx, work.path(), &cache);
    }
    eprintln!("Terraform fix oracle: {:.1?}", started.elapsed());
}
