//! Input loaders. Each turns one kind of input into [`tenet_inventory::Inventory`] records, so
//! rules never see input syntax. The kind of a file is detected from its content.
//!
//! Today: `aws iam get-account-authorization-details` exports ([`gaad`]).

pub mod cloudformation;
mod error;
pub mod gaad;
mod iac;
pub mod terraform;

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

pub use error::SourceError;
use tenet_inventory::Inventory;

/// Options some inputs need.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// Terraform variable files (`--var-file`), applied after `terraform.tfvars` and
    /// `*.auto.tfvars`, in order.
    pub var_files: Vec<std::path::PathBuf>,
}

/// Loads one input: a file (kind detected by extension and content) or a Terraform module
/// directory (all its `.tf` and `.tf.json` files as one unit).
pub fn load_input(path: &Path, options: &LoadOptions) -> Result<Inventory, SourceError> {
    if path.is_dir() {
        return terraform::load_module(path, None, &options.var_files);
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    if name.ends_with(".tf") || name.ends_with(".tf.json") {
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        return terraform::load_module(dir, Some(vec![path.to_path_buf()]), &options.var_files);
    }
    if name.ends_with(".yaml") || name.ends_with(".yml") || name.ends_with(".template") {
        let text = std::fs::read_to_string(path)
            .map_err(|e| SourceError::new(path, format!("cannot read: {e}")))?;
        return cloudformation::load_str(path, &text);
    }
    // JSON: a CloudFormation template or an account export, told apart by the first 64 KiB.
    let mut head = vec![0u8; 1 << 16];
    let n = File::open(path)
        .and_then(|mut f| std::io::Read::read(&mut f, &mut head))
        .map_err(|e| SourceError::new(path, format!("cannot read: {e}")))?;
    let head = String::from_utf8_lossy(&head[..n]);
    let export = [
        "\"UserDetailList\"",
        "\"GroupDetailList\"",
        "\"RoleDetailList\"",
        "\"Policies\"",
    ]
    .iter()
    .any(|k| head.contains(k));
    if terraform::plan::looks_like_plan(&head) {
        let text = std::fs::read_to_string(path)
            .map_err(|e| SourceError::new(path, format!("cannot read: {e}")))?;
        return terraform::plan::load_plan(path, &text);
    }
    let template = head.contains("\"AWSTemplateFormatVersion\"") || head.contains("\"Resources\"");
    if template
        && !(export && !head.contains("\"AWSTemplateFormatVersion\"") && !head.contains("\"Type\""))
    {
        let text = std::fs::read_to_string(path)
            .map_err(|e| SourceError::new(path, format!("cannot read: {e}")))?;
        return cloudformation::load_str(path, &text);
    }
    load_export(path)
}

/// Loads one input with default options (see [`load_input`]).
pub fn load_path(path: &Path) -> Result<Inventory, SourceError> {
    load_input(path, &LoadOptions::default())
}

/// Loads one account-export file.
fn load_export(path: &Path) -> Result<Inventory, SourceError> {
    let file = File::open(path).map_err(|e| SourceError::new(path, format!("cannot read: {e}")))?;
    let mut r = BufReader::with_capacity(1 << 16, file);
    match first_byte(&mut r).map_err(|e| SourceError::new(path, format!("cannot read: {e}")))? {
        None => Err(SourceError::new(
            path,
            "empty file: expected an `aws iam get-account-authorization-details` export",
        )),
        Some(b'{' | b'[') => gaad::load_reader(path, r),
        Some(_) => Err(SourceError::new(
            path,
            "unrecognised input: expected a JSON `aws iam get-account-authorization-details` export",
        )),
    }
}

/// Skips a UTF-8 byte order mark and leading whitespace; returns the first byte, unconsumed.
fn first_byte(r: &mut impl BufRead) -> std::io::Result<Option<u8>> {
    let mut at_start = true;
    loop {
        let buf = r.fill_buf()?;
        if buf.is_empty() {
            return Ok(None);
        }
        if at_start && buf.starts_with(b"\xEF\xBB\xBF") {
            r.consume(3);
            at_start = false;
            continue;
        }
        at_start = false;
        match buf.iter().position(|b| !b.is_ascii_whitespace()) {
            Some(n) => {
                let b = buf[n];
                r.consume(n);
                return Ok(Some(b));
            }
            None => {
                let n = buf.len();
                r.consume(n);
            }
        }
    }
}
