//! The HTML report in a real browser: headless Chromium loads the file, runs its script, and we
//! assert on the resulting DOM (totals, framework table, filters through the URL fragment the
//! filter controls also write), then keep a screenshot under `target/artifacts/`.
//!
//! Under `CI=true` a missing Chromium fails the test; elsewhere the test says it did not run.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers: failing is the assertion

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn chromium() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("CHROMIUM").map(PathBuf::from),
        Some("/usr/bin/chromium".into()),
        Some("/usr/bin/chromium-browser".into()),
    ];
    candidates.into_iter().flatten().find(|p| p.is_file())
}

/// Runs Chromium headless with `args` + `url`, killing it after a minute; returns stdout.
fn run_chromium(bin: &Path, profile: &Path, args: &[&str], url: &str) -> String {
    let mut child = Command::new(bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromium");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("chromium did not finish within 60 s on {url}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "chromium failed on {url}: {:?}",
        out.status
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The opening tags of the `<article>`s that are not hidden.
fn visible_articles(dom: &str) -> Vec<&str> {
    dom.match_indices("<article ")
        .map(|(i, _)| &dom[i..i + dom[i..].find('>').unwrap()])
        .filter(|tag| !tag.contains(" hidden"))
        .collect()
}

fn shown(dom: &str) -> usize {
    let at = dom.find("<b id=\"shown\">").unwrap() + "<b id=\"shown\">".len();
    dom[at..at + dom[at..].find('<').unwrap()].parse().unwrap()
}

#[test]
fn html_report_in_headless_chromium() {
    let Some(bin) = chromium() else {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("CI=true but chromium is not installed (.ci/run installs it with apt-get)");
        }
        eprintln!(
            "NOT RUN: chromium not found (apt-get install chromium); the HTML browser test did not run"
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("report.html");
    let status = Command::new(env!("CARGO_BIN_EXE_tenet"))
        .current_dir(root())
        .args([
            "scan",
            "examples/account-export.json",
            "--format",
            "text",
            "--output",
        ])
        .arg(format!("html={}", html.display()))
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(1));
    let json: serde_json::Value = {
        let out = Command::new(env!("CARGO_BIN_EXE_tenet"))
            .current_dir(root())
            .args(["scan", "examples/account-export.json", "--format", "json"])
            .output()
            .unwrap();
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let results = json["results"].as_array().unwrap();
    let count = |f: &dyn Fn(&serde_json::Value) -> bool| results.iter().filter(|r| f(r)).count();
    let fails = count(&|r| r["outcome"] == "FAIL");
    let url = format!("file://{}", html.display());
    let profile = tempfile::tempdir().unwrap();

    // Default view: the findings (FAIL, UNKNOWN, SUPPRESSED), counted by the script.
    let dom = run_chromium(&bin, profile.path(), &["--dump-dom"], &url);
    assert!(
        dom.contains(r#"<body data-shown=""#),
        "the script did not run"
    );
    assert_eq!(shown(&dom), fails);
    assert_eq!(visible_articles(&dom).len(), fails);
    assert!(
        visible_articles(&dom)
            .iter()
            .all(|t| t.contains(r#"data-outcome="FAIL""#))
    );
    assert!(dom.contains(&format!(
        r#"<div class="total FAIL" id="total-FAIL"><b>{fails}</b>FAIL</div>"#
    )));
    // One row per framework of the loaded rules: the 14 of D9.AWS.IAM.67 (the Tenet rules use
    // a subset of them).
    assert_eq!(dom.matches("<tr class=\"framework").count(), 14);
    let lgpd = dom.find(r#"data-framework="LGPD""#).unwrap();
    let lgpd_fail = count(&|r| {
        r["outcome"] == "FAIL"
            && json["rules"].as_array().unwrap().iter().any(|m| {
                m["id"] == r["rule"]
                    && m["frameworks"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|f| f == "LGPD")
            })
    });
    assert!(
        dom[lgpd..].starts_with(&format!(
            r#"data-framework="LGPD"><td>LGPD</td><td class="n FAIL">{lgpd_fail}</td>"#
        )),
        "{}",
        &dom[lgpd..lgpd + 200]
    );

    // Filters: everything; PASS only; one rule; one framework; a combination that matches nothing.
    let total = results.len();
    let dom = run_chromium(
        &bin,
        profile.path(),
        &["--dump-dom"],
        &format!("{url}#outcome=all"),
    );
    assert_eq!((shown(&dom), visible_articles(&dom).len()), (total, total));
    let pass = count(&|r| r["outcome"] == "PASS");
    let dom = run_chromium(
        &bin,
        profile.path(),
        &["--dump-dom"],
        &format!("{url}#outcome=PASS"),
    );
    assert_eq!(shown(&dom), pass);
    assert!(
        visible_articles(&dom)
            .iter()
            .all(|t| t.contains(r#"data-outcome="PASS""#))
    );
    let d9 = count(&|r| r["rule"] == "D9.AWS.IAM.67");
    let dom = run_chromium(
        &bin,
        profile.path(),
        &["--dump-dom"],
        &format!("{url}#rule=D9.AWS.IAM.67&outcome=all"),
    );
    assert_eq!(shown(&dom), d9);
    assert!(
        visible_articles(&dom)
            .iter()
            .all(|t| t.contains(r#"data-rule="D9.AWS.IAM.67""#))
    );
    // Only D9.AWS.IAM.67 maps to "CloudGuard AWS All Rules".
    let dom = run_chromium(
        &bin,
        profile.path(),
        &["--dump-dom"],
        &format!("{url}#framework=CloudGuard%20AWS%20All%20Rules"),
    );
    assert_eq!(
        shown(&dom),
        count(&|r| r["rule"] == "D9.AWS.IAM.67" && r["outcome"] == "FAIL")
    );
    let dom = run_chromium(
        &bin,
        profile.path(),
        &["--dump-dom"],
        &format!("{url}#outcome=UNKNOWN"),
    );
    assert_eq!(shown(&dom), 0);
    assert!(
        dom.contains(r#"<p id="empty">No result matches"#),
        "the empty notice shows"
    );

    // A screenshot for people, kept as a CI artifact.
    let artifacts = root().join("target/artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    let png = artifacts.join("html-report.png");
    let _ = std::fs::remove_file(&png);
    run_chromium(
        &bin,
        profile.path(),
        &[
            "--window-size=1280,1800",
            &format!("--screenshot={}", png.display()),
        ],
        &url,
    );
    let bytes = std::fs::read(&png).unwrap();
    assert!(
        bytes.starts_with(b"\x89PNG\r\n\x1a\n") && bytes.len() > 10_000,
        "screenshot at {}",
        png.display()
    );
    eprintln!("screenshot: {}", png.display());
}
