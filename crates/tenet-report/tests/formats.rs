//! Every reporter over one synthetic report that has each kind of result: FAIL with evidence,
//! UNKNOWN, PASS, SKIP, a source suppression, a baseline suppression, and entities from a file,
//! a live account and no source. SARIF is validated against the official 2.1.0 schema.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers: failing is the assertion

use gsl::Outcome;
use std::path::Path;
use std::sync::Arc;
use tenet_findings::{
    Attachment, EntityRef, Evidence, Position, Report, RuleResult, Suppressed, SuppressionKind,
};
use tenet_inventory::{Date, Provenance};
use tenet_report::Format;
use tenet_rules::{RuleMeta, Severity};

mod support {
    pub mod sarif_schema;
}
use support::sarif_schema::validate_sarif;

fn rule(id: &str, severity: Severity, frameworks: &[&str]) -> RuleMeta {
    let yaml = format!(
        "id: {id}\ntitle: Rule {id} <checks> \"things\"\nseverity: {severity}\nlogic: IamPolicy should have name like '%x%'\ndescription: Checks things.\nfix: change {{statements}}\nremediation:\n  cli: aws iam do-thing --arg '<x>'\n",
    );
    let mut r: RuleMeta = serde_yaml_ng::from_str(&yaml).unwrap();
    r.frameworks = frameworks.iter().map(|f| f.to_string()).collect();
    r
}

fn entity(kind: &str, id: &str, provenance: Provenance) -> EntityRef {
    EntityRef {
        kind: kind.into(),
        id: id.into(),
        name: id.rsplit('/').next().unwrap().into(),
        provenance,
        attached: vec![Attachment {
            kind: "role",
            name: "deploy".into(),
        }],
        suppressions: Vec::new(),
    }
}

fn report() -> Report {
    let file = Provenance::File {
        path: Arc::from(Path::new("infra/main tf/iam.tf")),
        line: Some(12),
        column: Some(3),
    };
    let live = Provenance::Live {
        account: Some("111122223333".into()),
        arn: "arn:aws:iam::111122223333:policy/live".into(),
        version_id: Some("v2".into()),
    };
    let evidence = vec![Evidence {
        path: "document.Statement[1]".into(),
        index: Some(1),
        sid: Some("Keys".into()),
        matched: Vec::new(),
        failed: Vec::new(),
        message: "Statement[1] (Sid Keys): requires <TLS> & more".into(),
        location: Some(Position {
            line: 19,
            column: 5,
        }),
    }];
    let result = |rule, entity, outcome, suppressed| RuleResult {
        rule,
        entity,
        outcome,
        evidence: Vec::new(),
        suppressed,
    };
    let mut results = vec![
        RuleResult {
            evidence: evidence.clone(),
            ..result(0, 0, Outcome::Fail, None)
        },
        result(1, 0, Outcome::Pass, None),
        result(0, 1, Outcome::Unknown("document is not JSON".into()), None),
        result(1, 1, Outcome::Skip, None),
        result(
            0,
            2,
            Outcome::Fail,
            Some(Suppressed {
                kind: SuppressionKind::Source,
                reason: "break-glass".into(),
                origin: "main.tf:3".into(),
                expires: Date::parse("2999-01-01"),
            }),
        ),
        result(
            1,
            2,
            Outcome::Fail,
            Some(Suppressed {
                kind: SuppressionKind::Baseline,
                reason: "accepted in the baseline".into(),
                origin: "baseline.json".into(),
                expires: None,
            }),
        ),
    ];
    results[5].evidence = evidence;
    Report {
        rules: vec![
            rule("T.ONE", Severity::High, &["PCI-DSS 4.0", "Zeta & <Co>"]),
            rule("T.TWO", Severity::Low, &["PCI-DSS 4.0"]),
        ],
        entities: vec![
            entity("IamPolicy", "arn:aws:iam::111122223333:policy/file", file),
            entity("IamPolicy", "arn:aws:iam::111122223333:policy/live", live),
            entity(
                "IamPolicy",
                "arn:aws:iam::111122223333:policy/none",
                Provenance::None,
            ),
        ],
        results,
        warnings: vec!["x.json: warning: something <odd>".into()],
        inputs: vec!["infra".into()],
    }
}

fn render(format: Format) -> String {
    let mut out = Vec::new();
    tenet_report::write(&report(), format, false, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn sarif_validates_and_maps_every_kind_of_result() {
    let doc = validate_sarif(&render(Format::Sarif));
    let run = &doc["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), 2);
    assert_eq!(rules[0]["defaultConfiguration"]["level"], "error");
    assert_eq!(rules[1]["defaultConfiguration"]["level"], "note");
    assert_eq!(
        rules[0]["properties"]["tags"],
        serde_json::json!(["PCI-DSS 4.0", "Zeta & <Co>"])
    );
    assert!(
        rules[0]["help"]["markdown"]
            .as_str()
            .unwrap()
            .contains("```\naws iam do-thing --arg '<x>'\n```")
    );
    let results = run["results"].as_array().unwrap();
    // FAIL, UNKNOWN and the two suppressed FAILs; PASS and SKIP are not findings.
    assert_eq!(results.len(), 4);
    let kinds: Vec<(&str, &str)> = results
        .iter()
        .map(|r| (r["kind"].as_str().unwrap(), r["level"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("fail", "error"),
            ("review", "none"),
            ("fail", "error"),
            ("fail", "note")
        ]
    );
    let loc = &results[0]["locations"][0];
    assert_eq!(
        loc["physicalLocation"]["artifactLocation"]["uri"],
        "infra/main%20tf/iam.tf"
    );
    // The region is the offending statement (the entity itself starts at 12:3).
    assert_eq!(
        loc["physicalLocation"]["region"],
        serde_json::json!({"startLine": 19, "startColumn": 5})
    );
    assert_eq!(
        loc["logicalLocations"][0]["fullyQualifiedName"],
        "arn:aws:iam::111122223333:policy/file"
    );
    // Account data without a file: the ARN only.
    assert!(results[1]["locations"][0].get("physicalLocation").is_none());
    assert_eq!(
        results[1]["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
        "arn:aws:iam::111122223333:policy/live"
    );
    assert_eq!(
        results[2]["suppressions"],
        serde_json::json!([{"kind": "inSource", "status": "accepted", "justification": "break-glass (main.tf:3)"}])
    );
    assert_eq!(results[3]["suppressions"][0]["kind"], "external");
    let fp: Vec<&str> = results
        .iter()
        .map(|r| {
            r["partialFingerprints"]["tenetFinding/v1"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert!(fp.iter().all(|f| f.len() == 32), "{fp:?}");
    assert_eq!(fp.iter().collect::<std::collections::HashSet<_>>().len(), 4);
    assert_eq!(
        run["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"],
        "x.json: warning: something <odd>"
    );
}

#[test]
fn junit_has_one_case_per_pair() {
    insta::assert_snapshot!("synthetic_junit", render(Format::Junit));
}

#[test]
fn csv_has_one_row_per_result() {
    let csv = render(Format::Csv);
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 6);
    let outcomes: Vec<(&str, &str)> = rows.iter().map(|r| (&r[6], &r[7])).collect();
    assert_eq!(
        outcomes,
        [
            ("FAIL", "FAIL"),
            ("PASS", "PASS"),
            ("UNKNOWN", "UNKNOWN"),
            ("SKIP", "SKIP"),
            ("SUPPRESSED", "FAIL"),
            ("SUPPRESSED", "FAIL")
        ]
    );
    insta::assert_snapshot!("synthetic_csv", csv);
}

#[test]
fn json_shows_suppressed_with_reason_and_original_outcome() {
    let doc: serde_json::Value = serde_json::from_str(&render(Format::Json)).unwrap();
    assert_eq!(doc["results"][4]["outcome"], "SUPPRESSED");
    assert_eq!(
        doc["results"][4]["suppression"],
        serde_json::json!({"kind": "source", "reason": "break-glass", "origin": "main.tf:3", "originalOutcome": "FAIL", "expires": "2999-01-01"})
    );
    // The statement's position sits on the evidence; the entity's under entity.source.
    assert_eq!(
        doc["results"][0]["evidence"][0]["location"],
        serde_json::json!({"line": 19, "column": 5})
    );
    assert_eq!(doc["results"][0]["entity"]["source"]["line"], 12);
    assert_eq!(doc["summary"]["SUPPRESSED"], 2);
    assert_eq!(doc["summary"]["FAIL"], 1);
    assert_eq!(doc["summary"]["total"], 6);
}

#[test]
fn html_escapes_everything_and_loads_nothing() {
    let html = render(Format::Html);
    assert!(!html.contains("<Co>") && html.contains("Zeta &amp; &lt;Co&gt;"));
    assert!(html.contains("requires &lt;TLS&gt; &amp; more"));
    for external in ["http://", "https://", "src=", "@import", "url("] {
        assert!(!html.contains(external), "found {external}");
    }
    insta::assert_snapshot!("synthetic_html", html);
}
