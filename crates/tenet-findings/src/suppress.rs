//! Applying suppressions and baselines to a report. Nothing is hidden: a covered FAIL or UNKNOWN
//! stays in the report as `SUPPRESSED` with its reason; an expired suppression warns and no longer
//! applies.

use crate::model::{Report, RuleResult, Suppressed, SuppressionKind};
use gsl::Outcome;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use tenet_inventory::{Date, Suppression};

/// A suppression from the project configuration: it names the entities it covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScopedSuppression {
    /// Entity id (ARN) or name; `*` matches any run of characters (`arn:aws:iam::*:policy/ci-*`).
    pub entity: String,
    pub suppression: Suppression,
}

/// The accepted findings of an earlier scan: CI with `--baseline` fails only on new ones.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<BaselineEntry>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineEntry {
    /// [`Report::fingerprint`]; what matching uses.
    pub fingerprint: String,
    /// For people reading the file.
    pub rule: String,
    pub entity: String,
}

impl Baseline {
    pub const VERSION: u32 = 1;

    /// Every FAIL and UNKNOWN of `report` (suppressed or not), sorted, so the file is stable.
    pub fn from_report(report: &Report) -> Baseline {
        let mut findings: Vec<BaselineEntry> = report
            .results
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::Fail | Outcome::Unknown(_)))
            .map(|r| BaselineEntry {
                fingerprint: report.fingerprint(r),
                rule: report.rules[r.rule].id.clone(),
                entity: report.entities[r.entity].id.clone(),
            })
            .collect();
        findings.sort_by(|a, b| (&a.rule, &a.entity).cmp(&(&b.rule, &b.entity)));
        findings.dedup();
        Baseline {
            version: Self::VERSION,
            findings,
        }
    }

    /// Reads a baseline file's text; errors name `origin`, the line and column, and what was
    /// expected.
    pub fn parse(text: &str, origin: &str) -> Result<Baseline, String> {
        let b: Baseline = serde_json::from_str(text).map_err(|e| {
            let (line, column) = (e.line(), e.column());
            let what = e.to_string();
            let what = what
                .strip_suffix(&format!(" at line {line} column {column}"))
                .unwrap_or(&what);
            format!(
                "{origin}:{line}:{column}: expected a Tenet baseline ({{\"version\": 1, \"findings\": [{{\"fingerprint\", \"rule\", \"entity\"}}]}}): {what}"
            )
        })?;
        if b.version != Self::VERSION {
            return Err(format!(
                "{origin}: baseline version {} is not supported (expected {})",
                b.version,
                Self::VERSION
            ));
        }
        Ok(b)
    }

    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }
}

/// What to apply, besides the suppressions sources attached to entities.
pub struct SuppressOptions<'a> {
    /// Suppressions expire after this day.
    pub today: Date,
    pub config: &'a [ScopedSuppression],
    /// A baseline and the path it was read from (its reason names it).
    pub baseline: Option<(&'a Baseline, &'a str)>,
}

/// Marks each FAIL and UNKNOWN covered by a suppression (entity's own first, then the
/// configuration's, then the baseline) and adds a warning for each expired one that would have
/// applied.
pub fn apply_suppressions(report: &mut Report, options: &SuppressOptions<'_>) {
    let baseline: HashMap<&str, ()> = options
        .baseline
        .map(|(b, _)| {
            b.findings
                .iter()
                .map(|f| (f.fingerprint.as_str(), ()))
                .collect()
        })
        .unwrap_or_default();
    let mut warnings = Vec::new();
    let mut marks: Vec<(usize, Suppressed)> = Vec::new();
    for (at, r) in report.results.iter().enumerate() {
        if r.suppressed.is_some() || !matches!(r.outcome, Outcome::Fail | Outcome::Unknown(_)) {
            continue;
        }
        let rule = report.rules[r.rule].id.as_str();
        let entity = &report.entities[r.entity];
        let candidates = entity
            .suppressions
            .iter()
            .map(|s| (SuppressionKind::Source, s))
            .chain(
                options
                    .config
                    .iter()
                    .filter(|c| glob(&c.entity, &entity.id) || glob(&c.entity, &entity.name))
                    .map(|c| (SuppressionKind::Config, &c.suppression)),
            )
            .filter(|(_, s)| s.matches_rule(rule));
        let mut found = None;
        for (kind, s) in candidates {
            match s.expires {
                Some(d) if d < options.today => warnings.push(format!(
                    "{}: suppression of {rule} for {} expired on {d}; the {} is reported",
                    s.origin,
                    entity.id,
                    r.outcome.label()
                )),
                _ => {
                    found = Some(Suppressed {
                        kind,
                        reason: s.reason.clone(),
                        origin: s.origin.clone(),
                        expires: s.expires,
                    });
                    break;
                }
            }
        }
        if found.is_none()
            && let Some((_, path)) = options.baseline
            && baseline.contains_key(report.fingerprint(r).as_str())
        {
            found = Some(Suppressed {
                kind: SuppressionKind::Baseline,
                reason: "accepted in the baseline".to_string(),
                origin: path.to_string(),
                expires: None,
            });
        }
        if let Some(s) = found {
            marks.push((at, s));
        }
    }
    for (at, s) in marks {
        report.results[at].suppressed = Some(s);
    }
    report.warnings.extend(warnings);
}

/// `*` matches any run of characters; everything else literally.
fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let [first, middle @ .., last] = parts.as_slice() else {
        return pattern == text;
    };
    if parts.len() == 1 {
        return pattern == text;
    }
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    for m in middle {
        match rest.find(m) {
            Some(i) => rest = &rest[i + m.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// Results that are findings for people: FAIL, UNKNOWN and SUPPRESSED, in report order.
pub fn findings(report: &Report) -> impl Iterator<Item = &RuleResult> {
    report.results.iter().filter(|r| {
        r.suppressed.is_some() || matches!(r.outcome, Outcome::Fail | Outcome::Unknown(_))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::EntityRef;
    use tenet_inventory::Provenance;
    use tenet_rules::{RuleMeta, Severity};

    fn rule(id: &str) -> RuleMeta {
        RuleMeta {
            id: id.into(),
            title: format!("title of {id}"),
            severity: Severity::High,
            category: String::new(),
            entity: "IamPolicy".into(),
            origin: String::new(),
            logic: String::new(),
            description: String::new(),
            notes: Vec::new(),
            frameworks: vec!["F".into()],
            fix: None,
            fixer: None,
            remediation: Default::default(),
            references: Vec::new(),
            compliance_tag: None,
            source: String::new(),
        }
    }

    fn sup(rule: &str, expires: Option<&str>, origin: &str) -> Suppression {
        Suppression {
            rule: rule.into(),
            reason: format!("reason {origin}"),
            expires: expires.and_then(Date::parse),
            origin: origin.into(),
        }
    }

    /// Two rules x two entities, every pair FAIL except (R2, b) PASS; entity `a` carries
    /// suppressions as a Terraform or CloudFormation source would attach them.
    fn report() -> Report {
        let entity = |id: &str, suppressions| EntityRef {
            kind: "IamPolicy".into(),
            id: id.into(),
            name: id.rsplit('/').next().unwrap_or(id).into(),
            provenance: Provenance::None,
            attached: Vec::new(),
            suppressions,
        };
        let result = |rule, entity, outcome| RuleResult {
            rule,
            entity,
            outcome,
            evidence: Vec::new(),
            suppressed: None,
        };
        Report {
            rules: vec![rule("R1"), rule("R2")],
            entities: vec![
                entity(
                    "arn:aws:iam::1:policy/a",
                    vec![
                        sup("R1", Some("2024-05-31"), "main.tf:3"),
                        sup("R1", None, "main.tf:4"),
                        sup(
                            "R2",
                            Some("2024-06-01"),
                            "t.yaml: Resources.A.Metadata.tenet.ignore[0]",
                        ),
                    ],
                ),
                entity("arn:aws:iam::1:policy/b", Vec::new()),
            ],
            results: vec![
                result(0, 0, Outcome::Fail),
                result(1, 0, Outcome::Unknown("x".into())),
                result(0, 1, Outcome::Fail),
                result(1, 1, Outcome::Pass),
            ],
            ..Report::default()
        }
    }

    fn today() -> Date {
        Date::parse("2024-06-01").unwrap()
    }

    #[test]
    fn entity_suppressions_apply_until_they_expire() {
        let mut r = report();
        apply_suppressions(
            &mut r,
            &SuppressOptions {
                today: today(),
                config: &[],
                baseline: None,
            },
        );
        let labels: Vec<&str> = r.results.iter().map(RuleResult::label).collect();
        assert_eq!(labels, ["SUPPRESSED", "SUPPRESSED", "FAIL", "PASS"]);
        // The expired one warns, the next one for the same rule applies.
        assert_eq!(
            r.results[0].suppressed,
            Some(Suppressed {
                kind: SuppressionKind::Source,
                reason: "reason main.tf:4".into(),
                origin: "main.tf:4".into(),
                expires: None,
            })
        );
        // Expiring today still applies.
        assert_eq!(
            r.results[1].suppressed.as_ref().map(|s| s.origin.as_str()),
            Some("t.yaml: Resources.A.Metadata.tenet.ignore[0]")
        );
        assert_eq!(
            r.warnings,
            [
                "main.tf:3: suppression of R1 for arn:aws:iam::1:policy/a expired on 2024-05-31; the FAIL is reported"
            ]
        );
        let s = r.summary();
        assert_eq!(
            (s.fail, s.unknown, s.suppressed, s.pass, s.total()),
            (1, 0, 2, 1, 4)
        );
        assert_eq!(r.by_framework()["F"].suppressed, 2);
        assert!(r.has_failures());
        assert_eq!(r.gating(None, true).len(), 1);
    }

    #[test]
    fn expired_suppression_stops_suppressing() {
        let mut r = report();
        r.entities[0].suppressions.remove(1);
        apply_suppressions(
            &mut r,
            &SuppressOptions {
                today: Date::parse("2024-06-02").unwrap(),
                config: &[],
                baseline: None,
            },
        );
        let labels: Vec<&str> = r.results.iter().map(RuleResult::label).collect();
        assert_eq!(labels, ["FAIL", "UNKNOWN", "FAIL", "PASS"]);
        assert_eq!(r.warnings.len(), 2);
        assert_eq!(
            r.warnings[1],
            "t.yaml: Resources.A.Metadata.tenet.ignore[0]: suppression of R2 for arn:aws:iam::1:policy/a expired on 2024-06-01; the UNKNOWN is reported"
        );
        assert_eq!(r.gating(None, false).len(), 2);
        assert_eq!(r.gating(None, true).len(), 3);
        assert_eq!(r.gating(Some(Severity::Critical), true).len(), 0);
    }

    #[test]
    fn config_suppressions_match_entity_globs() {
        let mut r = report();
        r.entities[0].suppressions.clear();
        let config = [ScopedSuppression {
            entity: "arn:aws:iam::*:policy/b".into(),
            suppression: sup("*", None, "tenet.toml: suppress[0]"),
        }];
        apply_suppressions(
            &mut r,
            &SuppressOptions {
                today: today(),
                config: &config,
                baseline: None,
            },
        );
        let labels: Vec<&str> = r.results.iter().map(RuleResult::label).collect();
        assert_eq!(labels, ["FAIL", "UNKNOWN", "SUPPRESSED", "PASS"]);
        assert_eq!(
            r.results[2].suppressed.as_ref().map(|s| s.kind),
            Some(SuppressionKind::Config)
        );
    }

    #[test]
    fn baseline_round_trip_covers_only_known_findings() {
        let mut r = report();
        r.entities[0].suppressions.clear();
        let b = Baseline::from_report(&r);
        assert_eq!(b.findings.len(), 3);
        assert_eq!(Baseline::parse(&b.to_json(), "b.json"), Ok(b.clone()));
        // A new finding: (R2, b) now fails.
        r.results[3].outcome = Outcome::Fail;
        apply_suppressions(
            &mut r,
            &SuppressOptions {
                today: today(),
                config: &[],
                baseline: Some((&b, "b.json")),
            },
        );
        let labels: Vec<&str> = r.results.iter().map(RuleResult::label).collect();
        assert_eq!(labels, ["SUPPRESSED", "SUPPRESSED", "SUPPRESSED", "FAIL"]);
        assert_eq!(
            r.results[0]
                .suppressed
                .as_ref()
                .map(|s| (s.kind, s.origin.as_str())),
            Some((SuppressionKind::Baseline, "b.json"))
        );
        let gating = r.gating(None, false);
        assert_eq!(gating.len(), 1);
        assert_eq!((gating[0].rule, gating[0].entity), (1, 1));
    }

    #[test]
    fn baseline_errors_name_line_column_and_shape() {
        let e = Baseline::parse("{\"version\": 1,\n \"findings\": 3}", "b.json").unwrap_err();
        assert_eq!(
            e,
            "b.json:2:14: expected a Tenet baseline ({\"version\": 1, \"findings\": [{\"fingerprint\", \"rule\", \"entity\"}]}): invalid type: integer `3`, expected a sequence"
        );
        let e = Baseline::parse("{\"version\": 9, \"findings\": []}", "b.json").unwrap_err();
        assert_eq!(
            e,
            "b.json: baseline version 9 is not supported (expected 1)"
        );
    }

    #[test]
    fn fingerprints_ignore_lines_and_differ_by_rule_and_entity() {
        let mut r = report();
        let f0 = r.fingerprint(&r.results[0]);
        assert_eq!(f0.len(), 32);
        assert_ne!(f0, r.fingerprint(&r.results[1]));
        assert_ne!(f0, r.fingerprint(&r.results[2]));
        r.entities[0].provenance = Provenance::File {
            path: std::sync::Arc::from(std::path::Path::new("x.json")),
            line: Some(9),
            column: Some(1),
        };
        assert_eq!(f0, r.fingerprint(&r.results[0]));
    }

    #[test]
    fn globs() {
        assert!(glob("a*c", "abc"));
        assert!(glob("*", ""));
        assert!(glob("a*b*c", "axxbyyc"));
        assert!(!glob("a*c", "abd"));
        assert!(!glob("ab*ba", "aba"));
        assert!(glob("exact", "exact"));
        assert!(!glob("exact", "exactly"));
    }
}
