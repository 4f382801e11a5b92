//! `tenet fix`: diffs, in-place edits, CLI scripts, and the guarantees (idempotence, rescan
//! passes with other outcomes unchanged, minimal diffs, corpus counts).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers: failing is the assertion

use gsl::{Map, Outcome, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use tenet_inventory::{Inventory, Provenance, Record};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn tenet(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tenet"))
        .args(args)
        .current_dir(root().join("../.."))
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// A copy of `files` (relative to the repository) in a fresh directory.
fn copy(files: &[&str]) -> (tempfile::TempDir, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let mut out = Vec::new();
    for f in files {
        let src = root().join("../..").join(f);
        let dst = dir.path().join(Path::new(f).file_name().unwrap());
        std::fs::copy(&src, &dst).unwrap();
        out.push(dst.display().to_string());
    }
    (dir, out)
}

/// (rule, entity id) -> outcome, from `tenet scan --format json`.
fn outcomes(file: &str) -> BTreeMap<(String, String), String> {
    let (_, out, err) = tenet(&["scan", "--no-config", "--format", "json", file]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {err}"));
    v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                (
                    r["rule"].as_str().unwrap().to_string(),
                    r["entity"]["id"].as_str().unwrap().to_string(),
                ),
                r["outcome"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

const EXAMPLE: &str = "examples/account-export.json";

#[test]
fn example_diff() {
    let (code, out, err) = tenet(&["fix", EXAMPLE]);
    assert_eq!(code, 1, "{err}");
    insta::assert_snapshot!("example_diff", out);
    insta::assert_snapshot!("example_diff_stderr", err);
}

#[test]
fn example_cli_script() {
    let (code, out, err) = tenet(&["fix", "--format", "cli", EXAMPLE]);
    assert_eq!(code, 0, "{err}");
    insta::assert_snapshot!("example_cli", out);
}

#[test]
fn write_is_idempotent_and_rescan_passes() {
    let (dir, files) = copy(&[
        EXAMPLE,
        "crates/tenet/tests/fixtures/d9_aws_iam_67/url_encoded_fail.json",
        "crates/tenet/tests/fixtures/d9_aws_iam_67/single_statement_object_fail.json",
        "crates/tenet/tests/fixtures/d9_aws_iam_67/lowercase_condition_key_fail.json",
        "crates/tenet/tests/fixtures/tn_aws_iam_67/iam_star_fail.json",
        "crates/tenet/tests/fixtures/tn_aws_iam_67/inline_policies.json",
    ]);
    for f in &files {
        let before = outcomes(f);
        let original = std::fs::read_to_string(f).unwrap();
        let (code, out, err) = tenet(&["fix", "--write", "--unsafe", f]);
        assert_eq!(code, 0, "{f}: {err}");
        assert_eq!(out, "", "--write prints no diff");
        let fixed = std::fs::read_to_string(f).unwrap();
        assert_ne!(fixed, original, "{f}: nothing was fixed");
        // Rescan: no FAIL; every other outcome as before.
        let after = outcomes(f);
        assert_eq!(before.len(), after.len(), "{f}");
        for (key, was) in &before {
            let now = &after[key];
            if was == "FAIL" {
                assert_eq!(now, "PASS", "{f}: {key:?}");
            } else {
                assert_eq!(now, was, "{f}: {key:?}");
            }
        }
        // Idempotent: a second run changes nothing.
        let (code, out, err) = tenet(&["fix", "--unsafe", f]);
        assert_eq!((code, out.as_str()), (0, ""), "{f}: {err}");
        let (code, _, _) = tenet(&["fix", "--write", "--unsafe", f]);
        assert_eq!(code, 0);
        assert_eq!(std::fs::read_to_string(f).unwrap(), fixed);
    }
    drop(dir);
}

#[test]
fn unsafe_edits_need_the_flag() {
    let (_dir, files) = copy(&["crates/tenet/tests/fixtures/tn_aws_iam_67/iam_star_fail.json"]);
    let f = &files[0];
    let (code, out, err) = tenet(&["fix", f]);
    assert_eq!(code, 1);
    assert_eq!(out, "", "only an unsafe edit is possible: no diff");
    assert!(
        err.contains("not applied, needs --unsafe: add a Deny statement on iam:CreateAccessKey"),
        "{err}"
    );
    let (code, out, _) = tenet(&["fix", "--unsafe", f]);
    assert_eq!(code, 1);
    insta::assert_snapshot!("iam_star_unsafe_diff", out.replace(f.as_str(), "FILE"));
}

#[test]
fn plain_policy_document() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("policy.json");
    std::fs::write(
        &f,
        "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\n      \"Effect\": \"Allow\",\n      \"Action\": [\"iam:CreateAccessKey\", \"s3:GetObject\"],\n      \"Resource\": \"*\"\n    }\n  ]\n}\n",
    )
    .unwrap();
    let f = f.display().to_string();
    let (code, _, err) = tenet(&["fix", "--write", &f]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        std::fs::read_to_string(&f).unwrap(),
        "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\n      \"Effect\": \"Allow\",\n      \"Action\": [\"s3:GetObject\"],\n      \"Resource\": \"*\"\n    },\n    {\n      \"Effect\": \"Allow\",\n      \"Action\": [\"iam:CreateAccessKey\"],\n      \"Resource\": \"*\",\n      \"Condition\": {\n        \"Bool\": {\n          \"aws:SecureTransport\": \"true\"\n        }\n      }\n    }\n  ]\n}\n"
    );
}

#[test]
fn diff_touches_only_the_lines_it_must() {
    let (_, out, _) = tenet(&["fix", EXAMPLE]);
    let removed: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with('-') && !l.starts_with("---"))
        .collect();
    // A member gains a comma, a wrong value is replaced, a split list loses its moved element.
    assert_eq!(
        removed,
        [
            "-                                \"Resource\": \"*\"",
            "-                                \"Resource\": \"arn:aws:iam::*:user/${aws:username}\"",
            "-                                        \"aws:SecureTransport\": \"false\"",
            "-                                    \"iam:ListAccessKeys\",",
        ]
    );
}

#[test]
fn syntax_errors_name_the_place() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("bad.json");
    std::fs::write(&f, "{\"Statement\": [\n  {\"Effect\": \"Allow\",}\n]}\n").unwrap();
    let (code, _, err) = tenet(&["fix", &f.display().to_string()]);
    assert_eq!(code, 2);
    assert!(err.contains("bad.json"), "{err}");
    assert!(err.contains(":2:"), "{err}");
}

fn corpus() -> Option<PathBuf> {
    let dir = std::env::var_os("TENET_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("../../../shared/corpus"));
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "CI=true but the conformance corpus is missing at {}",
        dir.display()
    );
    eprintln!(
        "note: no corpus at {}; fix corpus test not run",
        dir.display()
    );
    None
}

/// Every export of the corpus: each FAIL gets a fix, and the rescan of the fixed file passes.
#[test]
fn corpus_account_exports() {
    let Some(corpus) = corpus() else { return };
    let dir = tempfile::tempdir().unwrap();
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus.join("account-exports"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let (mut fails, mut fixed_files) = (0, 0);
    for src in files {
        let f = dir.path().join(src.file_name().unwrap());
        std::fs::copy(&src, &f).unwrap();
        let f = f.display().to_string();
        let before = outcomes(&f);
        let n = before.values().filter(|o| *o == "FAIL").count();
        if n == 0 {
            continue;
        }
        fails += n;
        let (code, _, err) = tenet(&["fix", "--write", "--unsafe", &f]);
        assert_eq!(code, 0, "{f}: {err}");
        fixed_files += 1;
        let after = outcomes(&f);
        for (key, was) in &before {
            let want = if was == "FAIL" { "PASS" } else { was.as_str() };
            assert_eq!(after[key], want, "{f}: {key:?}");
        }
    }
    eprintln!("account-exports: {fails} FAIL in {fixed_files} files, all fixed");
    assert_eq!((fails, fixed_files), (20, 4));
}

/// Every current AWS managed policy, wrapped as attached to a user: each FAIL of the fixer rules
/// gets a fix (unsafe edits allowed) whose rescan passes.
#[test]
fn corpus_aws_managed_policies() {
    let Some(corpus) = corpus() else { return };
    let dir = corpus.join("aws-managed");
    let sources = std::fs::read_to_string(dir.join("SOURCES.tsv")).unwrap();
    let mut texts = Vec::new();
    for line in sources.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.get(7) == Some(&"current") {
            texts.push((
                cols[0].to_string(),
                std::fs::read_to_string(dir.join(cols[0])).unwrap(),
            ));
        }
    }
    let rules = tenet_rules::RuleSet::compile(
        tenet_rules::builtin()
            .unwrap()
            .into_iter()
            .filter(|r| r.fixer.as_deref() == Some("secure-transport-condition"))
            .collect(),
        Vec::new(),
        &tenet_rules::functions(),
    )
    .unwrap();
    let inventory = |docs: &[(String, String)]| {
        let mut inv = Inventory::new();
        for (name, text) in docs {
            let doc: serde_json::Value = serde_json::from_str(text).unwrap();
            let mut user = Map::new();
            user.insert("name", Value::str("corpus-user"));
            let mut m = Map::new();
            m.insert("name", Value::str(name.as_str()));
            m.insert("users", Value::List(vec![Value::Object(user)]));
            m.insert("groups", Value::List(vec![]));
            m.insert("roles", Value::List(vec![]));
            m.insert("document", Value::from_json(&doc));
            inv.push(Record::from_value(
                "IamPolicy",
                name.as_str(),
                name.as_str(),
                Provenance::None,
                Value::Object(m),
            ));
        }
        inv
    };
    let scan = |inv: &Inventory| {
        tenet_findings::scan(inv, &rules, &tenet_findings::ScanOptions::default())
    };
    let before = scan(&inventory(&texts));
    let mut per_entity: BTreeMap<String, (Vec<usize>, bool, Vec<String>)> = BTreeMap::new();
    let mut by_rule: BTreeMap<String, usize> = BTreeMap::new();
    for r in before.results.iter().filter(|r| r.outcome == Outcome::Fail) {
        let meta = &before.rules[r.rule];
        *by_rule.entry(meta.id.clone()).or_default() += 1;
        let e = per_entity
            .entry(before.entities[r.entity].id.clone())
            .or_default();
        e.0.extend(r.evidence.iter().filter_map(|ev| ev.index));
        e.1 |= meta.logic.contains("accessKeyGrantsWithoutTls");
        e.2.push(meta.id.clone());
    }
    let opts = tenet_fix::FixOptions {
        whole_statement: false,
        allow_unsafe: true,
    };
    let mut fixed_texts = texts.clone();
    let mut over_limit = 0;
    for (name, text) in fixed_texts.iter_mut() {
        let Some((targets, iam_aware, _)) = per_entity.get(name.as_str()) else {
            continue;
        };
        let doc = Value::from_json(&serde_json::from_str(text).unwrap());
        let plan = tenet_fix::plan(&doc, targets, *iam_aware, opts).unwrap();
        over_limit += usize::from(plan.over_limit());
        let new = tenet_fix::json::fix_text(text, &plan).unwrap();
        // Idempotent at the document level.
        let again = tenet_fix::plan(
            &Value::from_json(&serde_json::from_str(&new).unwrap()),
            &[],
            *iam_aware,
            opts,
        )
        .unwrap();
        assert!(again.is_empty(), "{name}: {:?}", again.edits);
        *text = new;
    }
    let after = scan(&inventory(&fixed_texts));
    let key = |r: &tenet_findings::Report, x: &tenet_findings::RuleResult| {
        (r.rules[x.rule].id.clone(), r.entities[x.entity].id.clone())
    };
    let after_map: BTreeMap<_, _> = after
        .results
        .iter()
        .map(|x| (key(&after, x), x.outcome.label()))
        .collect();
    for x in &before.results {
        let want = match x.outcome.label() {
            "FAIL" => "PASS",
            o => o,
        };
        assert_eq!(after_map[&key(&before, x)], want, "{:?}", key(&before, x));
    }
    eprintln!(
        "aws-managed: {} current policies, {} fixed; FAIL per rule {by_rule:?}; {over_limit} over the size limit after the fix",
        texts.len(),
        per_entity.len()
    );
    assert_eq!(texts.len(), 1571);
    assert_eq!(per_entity.len(), 23);
    assert_eq!(
        (
            by_rule.get("D9.AWS.IAM.67").copied(),
            by_rule.get("TN.AWS.IAM.67").copied()
        ),
        (Some(12), Some(23))
    );
    // Said, not refused: the fixes of these AWS managed policies exceed 6,144 characters.
    assert_eq!(over_limit, 10);
}

/// (rule, entity id, file) -> outcome for a directory scan (ids repeat across modules).
fn outcomes_by_file(dir: &str) -> BTreeMap<(String, String, String), String> {
    let (_, out, err) = tenet(&["scan", "--no-config", "--format", "json", dir]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {err}"));
    v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                (
                    r["rule"].as_str().unwrap().to_string(),
                    r["entity"]["id"].as_str().unwrap().to_string(),
                    r["entity"]["source"]["file"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                ),
                r["outcome"].as_str().unwrap().to_string(),
            )
        })
        .collect()
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

/// Fixes a copy of a corpus folder in place; returns (FAIL before, fixed, still FAIL) and checks
/// that nothing else changed and a second run changes nothing.
fn fix_corpus_dir(name: &str) -> (usize, usize, Vec<String>) {
    let corpus = corpus().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join(name);
    copy_dir(&corpus.join(name), &d);
    let d = d.display().to_string();
    let before = outcomes_by_file(&d);
    let (_, _, err) = tenet(&["fix", "--write", "--unsafe", &d]);
    let after = outcomes_by_file(&d);
    let (mut fails, mut fixed, mut left) = (0, 0, Vec::new());
    for (key, was) in &before {
        let now = &after[key];
        if was == "FAIL" {
            fails += 1;
            if now == "PASS" {
                fixed += 1;
            } else {
                assert_eq!(now, "FAIL", "{key:?}");
                left.push(format!("{} {}", key.0, key.1));
            }
        } else {
            assert_eq!(now, was, "{key:?}");
        }
    }
    // Each FAIL left has its reason on stderr.
    for l in &left {
        let id = l.split_once(' ').unwrap().1;
        assert!(err.contains(&format!("{id}: cannot fix: ")), "{l}: {err}");
    }
    // Idempotent: nothing more to change.
    let (_, out, _) = tenet(&["fix", "--unsafe", &d]);
    assert_eq!(out, "", "a second run changes nothing");
    eprintln!("{name}: {fails} FAIL, {fixed} fixed, left: {left:?}");
    (fails, fixed, left)
}

#[test]
fn corpus_terraform() {
    if corpus().is_none() {
        return;
    }
    let (fails, fixed, left) = fix_corpus_dir("terraform");
    // Left: the terraform-aws-iam group modules build their statements with `dynamic` blocks.
    assert_eq!((fails, fixed, left.len()), (17, 12, 5), "{left:?}");
}

#[test]
fn corpus_cloudformation() {
    if corpus().is_none() {
        return;
    }
    let (fails, fixed, left) = fix_corpus_dir("cloudformation");
    // Left: a single-mapping Statement that needs a second statement, and JSON inside `!Sub |`.
    assert_eq!((fails, fixed, left.len()), (15, 13, 2), "{left:?}");
}

/// The diffs of a Terraform module and a CloudFormation YAML template; the fixed copies rescan
/// with no FAIL.
#[test]
fn iac_diffs() {
    for (name, path) in [
        (
            "terraform_diff",
            "crates/tenet/tests/fixtures/fix_iac/terraform",
        ),
        (
            "cloudformation_diff",
            "crates/tenet/tests/fixtures/fix_iac/cloudformation/template.yaml",
        ),
    ] {
        let (code, out, err) = tenet(&["fix", path]);
        assert_eq!(code, 1, "{err}");
        insta::assert_snapshot!(name, out);
        let dir = tempfile::tempdir().unwrap();
        let src = root().join("../..").join(path);
        let dst = dir.path().join(src.file_name().unwrap());
        if src.is_dir() {
            copy_dir(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).unwrap();
        }
        let dst = dst.display().to_string();
        let (code, _, err) = tenet(&["fix", "--write", &dst]);
        assert_eq!(code, 0, "{err}");
        assert!(
            !outcomes(&dst).values().any(|o| o == "FAIL"),
            "{name}: FAIL after the fix"
        );
        let (code, out, _) = tenet(&["fix", &dst]);
        assert_eq!((code, out.as_str()), (0, ""), "{name}: idempotent");
    }
}
