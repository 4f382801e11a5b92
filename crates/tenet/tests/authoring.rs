//! Rule-authoring commands end to end: `tenet test` (fixtures of every built-in rule, and a
//! mismatch), `tenet explain` (snapshot on the bundled example) and `tenet query`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers: failing is the assertion

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs `tenet ARGS` from the repository root: (exit code, stdout, stderr).
fn tenet(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tenet"))
        .current_dir(root())
        .args(args)
        .output()
        .expect("run tenet");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn fixture_dirs() -> Vec<PathBuf> {
    let dir = root().join("crates/tenet-rules/fixtures");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn every_builtin_rule_has_fixtures_and_they_pass() {
    let dirs = fixture_dirs();
    let names: Vec<String> = dirs
        .iter()
        .map(|d| d.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for meta in tenet_rules::builtin().unwrap() {
        assert!(
            names.contains(&meta.id),
            "built-in rule {} has no fixtures in crates/tenet-rules/fixtures/{}/spec.yaml",
            meta.id,
            meta.id
        );
    }
    let args: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
    let mut argv = vec!["test"];
    argv.extend(args.iter().map(String::as_str));
    let (code, out, err) = tenet(&argv);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.starts_with("RULE "), "{out}");
    assert!(!out.contains("MISMATCH"), "{out}");
    let last = out.lines().last().unwrap();
    assert!(
        last.ends_with("failed") && last.contains(" 0 failed"),
        "{last}"
    );
    // Every rule ran on its own inputs and on the bundled example.
    for meta in tenet_rules::builtin().unwrap() {
        assert!(
            out.lines().any(|l| l.starts_with(&format!("{} ", meta.id))
                && l.contains("examples/account-export.json")),
            "{}",
            meta.id
        );
    }
}

#[test]
fn a_mismatch_exits_1_with_the_table() {
    let (code, out, err) = tenet(&["test", "crates/tenet/tests/fixtures/rule_test_mismatch"]);
    assert_eq!(code, 1, "{out}\n{err}");
    insta::assert_snapshot!("test_mismatch", out);
}

#[test]
fn a_broken_spec_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("spec.yaml");
    std::fs::write(&spec, "rule: NO.SUCH.RULE\ncases: []\n").unwrap();
    let (code, _, err) = tenet(&["test", spec.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("rule `NO.SUCH.RULE` not found"), "{err}");
    std::fs::write(
        &spec,
        "rule: D9.AWS.IAM.67\ncases:\n  - input: x.json\n    expect: {\"a\": PASSED}\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("x.json"), "{\"Policies\": []}").unwrap();
    let (code, _, err) = tenet(&["test", dir.path().to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("`PASSED` for a: expected PASS, FAIL, SKIP or UNKNOWN"),
        "{err}"
    );
}

#[test]
fn explain_on_the_bundled_example() {
    let (code, out, err) = tenet(&["explain", "D9.AWS.IAM.67", "examples/account-export.json"]);
    assert_eq!(code, 1, "{err}");
    insta::assert_snapshot!("explain_example", out);
}

#[test]
fn explain_one_entity_shows_the_deciding_statement() {
    let (code, out, err) = tenet(&[
        "explain",
        "D9.AWS.IAM.67",
        "examples/account-export.json",
        "--entity",
        "DeveloperToolsAccess",
    ]);
    assert_eq!(code, 1, "{err}");
    let decisive: Vec<&str> = out.lines().filter(|l| l.starts_with("=> ")).collect();
    assert_eq!(
        decisive,
        [
            "=>     Statement[2]: Condition.Bool.aws:SecureTransport = 'true' -> false (found \"false\")"
        ]
    );
    assert!(
        out.ends_with(
            "1 entities: 1 FAIL, 0 UNKNOWN, 0 PASS, 0 SKIP (=> marks what decided each outcome)\n"
        ),
        "{out}"
    );
}

#[test]
fn explain_errors() {
    let (code, _, err) = tenet(&["explain", "D9.AWS.IAM.76", "examples/account-export.json"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("no rule `D9.AWS.IAM.76` (see `tenet rules`); did you mean `D9.AWS.IAM.67`?"),
        "{err}"
    );
    let (code, _, err) = tenet(&[
        "explain",
        "D9.AWS.IAM.67",
        "examples/account-export.json",
        "--entity",
        "Nobody",
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("--entity Nobody: no IamPolicy with this id or name"),
        "{err}"
    );
    // GSL text instead of an id: errors are rendered with a caret.
    let (code, _, err) = tenet(&[
        "explain",
        "IamPolicy should have document contains-all [a]",
        "examples/account-export.json",
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("did you mean `contain-all`?") && err.contains('^'),
        "{err}"
    );
}

#[test]
fn query_lists_the_selected_entities() {
    let (code, out, err) = tenet(&[
        "query",
        "IamPolicy where document.Statement contain [Action regexMatch /AccessKey/] and users isEmpty()",
        "examples/account-export.json",
    ]);
    assert_eq!(code, 0, "{err}");
    insta::assert_snapshot!("query_example", out);
    let (code, out, _) = tenet(&[
        "query",
        "IamUser where name = 'nobody'",
        "examples/account-export.json",
    ]);
    assert_eq!((code, out.as_str()), (0, "0 of 4 IamUser selected\n"));
}

#[test]
fn query_refuses_rules_and_bad_gsl() {
    let (code, _, err) = tenet(&[
        "query",
        "IamPolicy should have a",
        "examples/account-export.json",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("not a query"), "{err}");
    let (code, _, err) = tenet(&[
        "query",
        "IamPolicy where a contians [b]",
        "examples/account-export.json",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains('^'), "{err}");
    assert!(
        Path::new(&root())
            .join("examples/account-export.json")
            .exists()
    );
}
