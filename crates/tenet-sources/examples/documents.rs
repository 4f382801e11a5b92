//! Prints the policy documents Tenet evaluates from an input (a Terraform module directory, a
//! plan, a template), one per line, normalised for comparison:
//! `KIND<TAB>ENTITY ID<TAB>FIELD<TAB>DOCUMENT`, sorted. DOCUMENT is compact JSON with sorted
//! keys and one-element lists written as their element (IAM reads them the same), or
//! `UNKNOWN` when any part of it is unknown. `scripts/terraform-oracle.sh` compares this
//! output for a configuration with the same output for Terraform's own plan of it.
//!
//!     cargo run -p tenet-sources --example documents -- PATH [--var-file FILE]...

use std::path::PathBuf;
use std::process::ExitCode;

use serde_json::Value as Json;

fn normalise(v: &Json) -> Option<Json> {
    Some(match v {
        Json::Object(m) if m.contains_key("$unknown") => return None,
        Json::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let mut out = serde_json::Map::new();
            for k in keys {
                out.insert(k.clone(), normalise(&m[k])?);
            }
            Json::Object(out)
        }
        Json::Array(a) if a.len() == 1 => normalise(&a[0])?,
        Json::Array(a) => Json::Array(a.iter().map(normalise).collect::<Option<_>>()?),
        // An unknown value interpolated into text left its marker (`\u{1}U<n>\u{2}`).
        Json::String(s) if s.contains('\u{1}') => return None,
        other => other.clone(),
    })
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut path = None;
    let mut options = tenet_sources::LoadOptions::default();
    while let Some(a) = args.next() {
        if a == "--var-file" {
            let Some(f) = args.next() else {
                eprintln!("--var-file needs a FILE");
                return ExitCode::from(2);
            };
            options.var_files.push(PathBuf::from(f));
        } else if path.is_none() {
            path = Some(PathBuf::from(a));
        } else {
            eprintln!("unexpected argument {a}");
            return ExitCode::from(2);
        }
    }
    let Some(path) = path else {
        eprintln!("usage: documents PATH [--var-file FILE]...");
        return ExitCode::from(2);
    };
    let inv = match tenet_sources::load_input(&path, &options) {
        Ok(inv) => inv,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(1);
        }
    };
    let mut lines = Vec::new();
    for r in inv.records() {
        let Ok(entity) = r.materialize() else {
            lines.push(format!("{}\t{}\t-\tUNREADABLE", r.kind, r.id));
            continue;
        };
        let v = entity.value.to_json();
        let mut docs: Vec<(String, &Json)> = Vec::new();
        match r.kind.as_str() {
            "IamPolicy" | "IamInlinePolicy" => {
                if let Some(d) = v.get("document") {
                    docs.push(("document".into(), d));
                }
            }
            "IamRole" => {
                if let Some(d) = v.get("assumeRolePolicy") {
                    docs.push(("assumeRolePolicy".into(), d));
                }
            }
            _ => {}
        }
        for (field, d) in docs {
            let text = normalise(d).map_or_else(|| "UNKNOWN".to_string(), |n| n.to_string());
            lines.push(format!("{}\t{}\t{field}\t{text}", r.kind, r.id));
        }
    }
    lines.sort();
    for l in lines {
        println!("{l}");
    }
    ExitCode::SUCCESS
}
