//! Input loaders. Each turns one kind of input into [`tenet_inventory::Inventory`] records, so
//! rules never see input syntax. The kind of a file is detected from its content.
//!
//! Today: `aws iam get-account-authorization-details` exports ([`gaad`]).

mod error;
pub mod gaad;

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

pub use error::SourceError;
use tenet_inventory::Inventory;

/// Loads one input file, detecting its kind by content.
pub fn load_path(path: &Path) -> Result<Inventory, SourceError> {
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
