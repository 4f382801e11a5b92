//! Validation against the official SARIF 2.1.0 JSON schema, vendored as
//! `tests/sarif-schema-2.1.0.json` (the `sarif-2.1.0-rtm.5.json` that Microsoft's npm package
//! `@microsoft/jest-sarif` 1.0.0-beta.0 ships, MIT; rtm.5 is the text OASIS standardised as 2.1.0).
//! Shared by the reporters' tests and the CLI's.

/// The language-tag pattern of the schema (`run.language`, `toolComponent.language`) has a stray
/// `]`: legal in ECMAScript, JSON Schema's regex dialect, but refused by the `jsonschema` crate's
/// check of the schema itself. The file stays as shipped; the pattern is replaced in memory by
/// what it means. Tenet never writes `language`.
const LANGUAGE_PATTERN: &str = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$";

fn fix_patterns(v: &mut serde_json::Value, replaced: &mut usize) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, v) in m.iter_mut() {
                if k == "pattern" && v == LANGUAGE_PATTERN {
                    *v = serde_json::json!("^[a-zA-Z]{2}(-[a-zA-Z]{2})?$");
                    *replaced += 1;
                } else {
                    fix_patterns(v, replaced);
                }
            }
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(|v| fix_patterns(v, replaced)),
        _ => {}
    }
}

/// Validates `sarif` (formats included) and returns it parsed; panics with every error.
pub fn validate_sarif(sarif: &str) -> serde_json::Value {
    let mut schema: serde_json::Value =
        serde_json::from_str(include_str!("../sarif-schema-2.1.0.json")).expect("schema JSON");
    let mut replaced = 0;
    fix_patterns(&mut schema, &mut replaced);
    assert_eq!(replaced, 2, "the vendored schema changed");
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the schema compiles");
    let doc: serde_json::Value = serde_json::from_str(sarif).expect("SARIF is JSON");
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF is not schema-valid:\n{}",
        errors.join("\n")
    );
    doc
}
