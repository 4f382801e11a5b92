//! Loads inputs, materialises every entity and prints counts, warnings and timings:
//! `cargo run --release -p tenet-sources --example load -- FILE... [--print KIND]`.

use std::path::Path;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let print_kind = args
        .iter()
        .position(|a| a == "--print")
        .and_then(|i| args.get(i + 1).cloned());
    for arg in args
        .iter()
        .filter(|a| !a.starts_with("--") && Some(*a) != print_kind.as_ref())
    {
        let started = Instant::now();
        let inv = match tenet_sources::load_path(Path::new(arg)) {
            Ok(inv) => inv,
            Err(e) => {
                println!("error: {e}");
                continue;
            }
        };
        let loaded = started.elapsed();
        let mut warnings = 0;
        let mut errors = 0;
        for r in inv.records() {
            match r.materialize() {
                Ok(e) => {
                    warnings += e.warnings.len();
                    for w in &e.warnings {
                        println!("{w}");
                    }
                    if print_kind.as_deref() == Some(r.kind.as_str()) {
                        println!("{}", e.value);
                    }
                }
                Err(e) => {
                    errors += 1;
                    println!("error: {e}");
                }
            }
        }
        for w in inv.warnings() {
            println!("{w}");
        }
        println!(
            "{arg}: {:?}; {} load warnings, {warnings} entity warnings, {errors} errors; load {:?}, load+materialise {:?}",
            inv.len_by_kind(),
            inv.warnings().len(),
            loaded,
            started.elapsed()
        );
    }
}
