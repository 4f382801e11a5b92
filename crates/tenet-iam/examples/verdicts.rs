//! Tenet's per-action verdicts, for comparison with an independent IAM simulator
//! (`scripts/iam-simulate-check.mjs`).
//!
//! Reads JSON Lines on stdin, one `{"id": ..., "document": {...}}` per policy, and writes one
//! line per policy: `{"id", "allowedWithoutTls": [action...], "unknown": [action...]}`: the
//! access-key actions the document grants to a request with `aws:SecureTransport = false`.
//!
//!     cargo run -q -p tenet-iam --example verdicts < policies.jsonl

use std::io::{BufRead, Write};

fn main() -> std::process::ExitCode {
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for (n, line) in stdin.lock().lines().enumerate() {
        let line = match line {
            Ok(l) => l,
            Err(e) => {
                eprintln!("error: stdin: {e}");
                return std::process::ExitCode::from(2);
            }
        };
        if line.trim().is_empty() {
            continue;
        }
        let input: serde_json::Value = match serde_json::from_str(&line) {
            Ok(v) => v,
            Err(e) => {
                eprintln!("error: stdin line {}: {e}", n + 1);
                return std::process::ExitCode::from(2);
            }
        };
        let doc = gsl::Value::from_json(&input["document"]);
        let report = tenet_iam::secure_transport::analyze(&doc);
        let unknown: Vec<&str> = report
            .statements
            .iter()
            .flat_map(|s| s.unknown.iter().map(|v| v.action))
            .collect();
        let line = serde_json::json!({
            "id": input["id"],
            "allowedWithoutTls": report.granted_without_tls(),
            "unknown": unknown,
        });
        if writeln!(out, "{line}").is_err() {
            return std::process::ExitCode::from(2);
        }
    }
    if out.flush().is_err() {
        return std::process::ExitCode::from(2);
    }
    std::process::ExitCode::SUCCESS
}
