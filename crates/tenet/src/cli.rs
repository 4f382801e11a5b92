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
    /// Fix the FAILs of rules with a fixer: a unified diff (default), --write, or --format cli.
    Fix(FixArgs),
    /// List the entities a GSL query (`Entity where ...`, no `should`) selects in the inputs.
    Query(QueryArgs),
    /// Show how a rule reaches its outcome on each entity: every sub-expression with its values.
    Explain(ExplainArgs),
    /// Run rule fixtures (a spec.yaml per rule): expected outcome per entity; exit 1 on mismatch.
    Test(TestArgs),
}

/// `--output FORMAT=PATH`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutputSpec {
    pub format: tenet_report::Format,
    pub path: PathBuf,
}

fn parse_output(s: &str) -> Result<OutputSpec, String> {
    let expected = || {
        format!(
            "expected FORMAT=PATH with FORMAT one of {}",
            crate::config::format_names()
        )
    };
    let (format, path) = s.split_once('=').ok_or_else(expected)?;
    let format = tenet_report::Format::parse(format)
        .ok_or_else(|| format!("unknown format `{format}`: {}", expected()))?;
    if path.is_empty() {
        return Err(format!("no path after `=`: {}", expected()));
    }
    Ok(OutputSpec {
        format,
        path: PathBuf::from(path),
    })
}

fn parse_format(s: &str) -> Result<tenet_report::Format, String> {
    tenet_report::Format::parse(s)
        .ok_or_else(|| format!("expected {}", crate::config::format_names()))
}

fn parse_severity(s: &str) -> Result<tenet_rules::Severity, String> {
    tenet_rules::Severity::parse(s)
        .ok_or_else(|| "expected informational, low, medium, high or critical".to_string())
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(clap::Args, Clone, Debug)]
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

/// `--aws` and how to reach the account.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct LiveArgs {
    /// Read the account through the AWS API (GetAccountAuthorizationDetails) instead of files.
    /// Credentials are found the standard way: environment, profiles, SSO, instance roles.
    #[arg(long, conflicts_with = "inputs")]
    pub aws: bool,
    /// AWS profile to use (with --aws).
    #[arg(long, value_name = "NAME", requires = "aws")]
    pub profile: Option<String>,
    /// Signing region (with --aws; IAM is global; default: the configured one, else us-east-1).
    #[arg(long, value_name = "REGION", requires = "aws")]
    pub region: Option<String>,
    /// IAM endpoint, e.g. a local emulator (with --aws).
    #[arg(long, value_name = "URL", requires = "aws")]
    pub endpoint_url: Option<String>,
}

#[derive(clap::Args, Debug)]
pub struct ScanArgs {
    /// Input files or directories (directories are searched for .json files).
    #[arg(required_unless_present = "aws", value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    #[command(flatten)]
    pub live: LiveArgs,
    /// With --aws: also write what was read as a standard export file, for later offline scans.
    #[arg(long, value_name = "FILE", requires = "aws")]
    pub save_export: Option<PathBuf>,
    /// Terraform variable file, applied after terraform.tfvars and *.auto.tfvars (repeatable;
    /// later files win), as `terraform plan -var-file` does.
    #[arg(long = "var-file", value_name = "FILE")]
    pub var_files: Vec<PathBuf>,
    #[command(flatten)]
    pub selection: RuleSelection,
    /// Format on stdout: text (default), json, sarif, junit, csv or html.
    #[arg(long, value_name = "FORMAT", value_parser = parse_format)]
    pub format: Option<tenet_report::Format>,
    /// Also write FORMAT to PATH (repeatable: several formats in one run).
    #[arg(long = "output", value_name = "FORMAT=PATH", value_parser = parse_output)]
    pub outputs: Vec<OutputSpec>,
    /// Exit 1 only for FAILs of rules at or above this severity (default: any FAIL).
    #[arg(long, value_name = "SEVERITY", value_parser = parse_severity)]
    pub fail_on: Option<tenet_rules::Severity>,
    /// Exit 1 for UNKNOWN results too (at or above --fail-on).
    #[arg(long)]
    pub fail_on_unknown: bool,
    /// Run only rules at or above this severity.
    #[arg(long, value_name = "SEVERITY", value_parser = parse_severity)]
    pub severity: Option<tenet_rules::Severity>,
    /// Report findings listed in this baseline file as SUPPRESSED (CI fails on new ones only).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Write the current FAIL and UNKNOWN findings to FILE as a baseline (and apply it).
    #[arg(long, value_name = "FILE")]
    pub create_baseline: Option<PathBuf>,
    /// Project configuration (default: the nearest tenet.toml at or above the first INPUT).
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,
    /// Ignore tenet.toml files.
    #[arg(long)]
    pub no_config: bool,
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

#[derive(clap::Args, Debug)]
pub struct QueryArgs {
    /// The query, e.g. `IamPolicy where document.Statement contain [Effect = 'Allow']`.
    #[arg(value_name = "QUERY")]
    pub query: String,
    /// Input files or directories (as for `scan`).
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
}

#[derive(clap::Args, Debug)]
pub struct ExplainArgs {
    /// A rule id (built-in or from --rules), or GSL text.
    #[arg(value_name = "RULE")]
    pub rule: String,
    /// Input files or directories (as for `scan`).
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// Explain only the entity with this id (ARN) or name.
    #[arg(long, value_name = "ID")]
    pub entity: Option<String>,
    /// The clock of before()/after(), as an ISO-8601 date (default: now).
    #[arg(long, value_name = "DATE")]
    pub now: Option<String>,
    #[command(flatten)]
    pub selection: RuleSelection,
}

#[derive(clap::Args, Debug)]
pub struct TestArgs {
    /// Fixture directories (searched for spec.yaml files) or spec files.
    #[arg(required = true, value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FixFormat {
    /// A unified diff of the input files (with --write: the files are edited).
    Diff,
    /// An AWS CLI script that applies the fixes to the account (account exports only).
    Cli,
}

#[derive(clap::Args, Debug)]
pub struct FixArgs {
    /// Input files or directories (account exports or policy documents; directories are searched
    /// for .json files).
    #[arg(required_unless_present = "aws", value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    #[command(flatten)]
    pub selection: RuleSelection,
    #[command(flatten)]
    pub live: LiveArgs,
    /// With --aws: write the fixes to the account (default: a dry run that shows the steps).
    #[arg(long, requires = "aws")]
    pub apply: bool,
    /// With --aws: fix AWS managed policies by attaching a customer managed copy with the fix
    /// and detaching the original (they cannot be edited).
    #[arg(long, requires = "aws")]
    pub copy_aws_managed: bool,
    /// Edit the files in place (atomically) instead of printing a diff.
    #[arg(long, conflicts_with = "format")]
    pub write: bool,
    /// What to print.
    #[arg(long, value_enum, default_value_t = FixFormat::Diff)]
    pub format: FixFormat,
    /// Also apply unsafe edits (a covering Deny statement, conditions on whole statements).
    #[arg(long = "unsafe")]
    pub r#unsafe: bool,
    /// Put the condition on a whole statement that mixes access-key actions with others, instead
    /// of splitting it (unsafe: it restricts the other actions too; needs --unsafe).
    #[arg(long)]
    pub whole_statement: bool,
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
