//! Times one way of reading an export, for `/usr/bin/time -v` to report peak memory:
//! `cargo run --release -p tenet-sources --example bench_load -- MODE FILE`, where MODE is
//! `reader` (load_path: streaming), `bytes` (read the file, gaad::load_bytes), or `baseline`
//! (read the file, serde_json::from_slice::<serde_json::Value>; only one page per file).

use std::path::Path;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(mode), Some(file)) = (args.first(), args.get(1)) else {
        eprintln!("usage: bench_load reader|bytes|baseline FILE");
        std::process::exit(2);
    };
    let path = Path::new(file);
    let started = Instant::now();
    let inv = match mode.as_str() {
        "baseline" => {
            let bytes = std::fs::read(path).unwrap_or_default();
            let n = serde_json::Deserializer::from_slice(&bytes)
                .into_iter::<serde_json::Value>()
                .filter_map(Result::ok)
                .count();
            println!("baseline: {n} values in {:?}", started.elapsed());
            return;
        }
        "bytes" => {
            let bytes = std::fs::read(path).unwrap_or_default();
            tenet_sources::gaad::load_bytes(path, &bytes)
        }
        _ => tenet_sources::load_path(path),
    };
    let inv = match inv {
        Ok(inv) => inv,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let loaded = started.elapsed();
    let mut text = 0usize;
    let mut parts = 0usize;
    for r in inv.records() {
        for (_, raw) in r.raw_parts() {
            parts += 1;
            if let tenet_inventory::Raw::Json(t) = raw {
                text += t.len();
            }
        }
    }
    println!(
        "{} records, {parts} raw parts, {text} bytes of JSON text (shared documents counted twice)",
        inv.records().len()
    );
    let mut nodes = 0usize;
    for r in inv.records() {
        if let Ok(e) = r.materialize() {
            nodes += e.value.as_object().map_or(0, |m| m.len());
        }
    }
    println!(
        "{mode}: {:?} in {loaded:?}; load+materialise {:?} ({nodes} top-level members)",
        inv.len_by_kind(),
        started.elapsed()
    );
}
