//! `cargo run --release -p tenet --example gen_export -- 100000 > big.json`: writes the generated
//! export used by the benchmark, for whole-binary measurements (peak memory, hyperfine).

#[path = "../benches/support/generate.rs"]
mod generate;

use std::io::Write;

fn main() -> std::process::ExitCode {
    let n = match std::env::args().nth(1).map(|a| a.parse::<usize>()) {
        None => 100_000,
        Some(Ok(n)) if n > 0 => n,
        Some(_) => {
            eprintln!("usage: gen_export [NUMBER_OF_POLICIES > 0]");
            return std::process::ExitCode::from(2);
        }
    };
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(generate::export(n).as_bytes()) {
        eprintln!("error: {e}");
        return std::process::ExitCode::from(1);
    }
    std::process::ExitCode::SUCCESS
}
