//! Command-line arguments.

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "tenet",
    version,
    about = "Offline cloud-posture engine: CloudGuard GSL rules over AWS IAM data"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Scan inputs (AWS account exports; files or directories) with the built-in and loaded rules.
    Scan(ScanArgs),
    /// List rules, or show one rule's metadata, logic and frameworks.
    Rules(RulesArgs),
    /// Validate rule files and print every error.
    Check(CheckArgs),
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    Text,
    Json,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(clap::Args, Debug)]
pub struct RuleSelection {
    /// Load rules from a file or directory (Tenet rule YAML, or a CloudGuard ruleset export).
    #[arg(long = "rules", value_name = "PATH")]
    pub rules: Vec<PathBuf>,
    /// Do not load the built-in rules.
    #[arg(long)]
    pub no_builtin: bool,
    /// Run only these rule ids (repeatable).
    #[arg(long = "rule", value_name = "ID")]
    pub only: Vec<String>,
}

#[derive(clap::Args, Debug)]
pub struct ScanArgs {
    /// Input files or directories (directories are searched for .json files).
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    #[command(flatten)]
    pub selection: RuleSelection,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// Colours in text output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(clap::Args, Debug)]
pub struct RulesArgs {
    /// Show this rule in full.
    pub id: Option<String>,
    #[command(flatten)]
    pub selection: RuleSelection,
}

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// Rule files to validate (Tenet YAML or CloudGuard ruleset exports).
    #[arg(value_name = "RULE_FILE")]
    pub files: Vec<PathBuf>,
    /// Validate this GSL text instead of (or besides) files.
    #[arg(long, value_name = "GSL")]
    pub logic: Option<String>,
}

/// Parses argv; on a usage error prints clap's message and returns exit code 2 (0 for --help).
pub fn parse() -> Result<Cli, u8> {
    Cli::try_parse().map_err(|e| {
        let code = if e.use_stderr() {
            crate::EXIT_ERROR
        } else {
            crate::EXIT_CLEAN
        };
        let _ = e.print();
        code
    })
}
