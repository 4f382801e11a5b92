//! Finding the line of each failing policy in its export file, in one pass per file.
//!
//! Exports are parsed by serde, which keeps no positions; rather than slow every load down with
//! a position-tracking parser, the few entities that need a location are found afterwards by
//! scanning the raw bytes once for `"Arn": "<id>"` pairs (an ARN is unique within an export).

use std::collections::{HashMap, HashSet};

/// 1-based (line, column) of the value of each `"Arn"` key whose value is in `wanted`; the first
/// occurrence wins. Values with escapes are compared as written (ARNs contain none in practice).
pub(crate) fn arn_positions(
    bytes: &[u8],
    wanted: &HashSet<&str>,
) -> HashMap<String, (usize, usize)> {
    const KEY: &[u8] = b"\"Arn\"";
    let mut found = HashMap::new();
    let (mut line, mut line_start, mut scanned) = (1usize, 0usize, 0usize);
    let mut from = 0;
    while found.len() < wanted.len() {
        let Some(rel) = find(&bytes[from..], KEY) else {
            break;
        };
        let key_at = from + rel;
        let mut i = key_at + KEY.len();
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        from = key_at + KEY.len();
        if bytes.get(i) != Some(&b':') {
            continue;
        }
        i += 1;
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if bytes.get(i) != Some(&b'"') {
            continue;
        }
        let start = i + 1;
        let Some(len) = bytes[start..].iter().position(|&b| b == b'"') else {
            break;
        };
        let Ok(value) = std::str::from_utf8(&bytes[start..start + len]) else {
            continue;
        };
        if wanted.contains(value) && !found.contains_key(value) {
            // Count lines only up to this match, continuing from the last one.
            for (k, &b) in bytes[scanned..i].iter().enumerate() {
                if b == b'\n' {
                    line += 1;
                    line_start = scanned + k + 1;
                }
            }
            scanned = i;
            let column = String::from_utf8_lossy(&bytes[line_start..i])
                .chars()
                .count()
                + 1;
            found.insert(value.to_string(), (line, column));
        }
    }
    found
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_lines_and_columns_of_wanted_arns_only() {
        let text = "{\n  \"Policies\": [\n    {\"PolicyArn\": \"arn:a\"},\n    {\"Arn\" : \"arn:b\"},\n    {\"Arn\": \"arn:a\"}\n  ]\n}";
        let wanted: HashSet<&str> = ["arn:a", "arn:b"].into_iter().collect();
        let got = arn_positions(text.as_bytes(), &wanted);
        assert_eq!(got.get("arn:b"), Some(&(4, 14)));
        // `PolicyArn` is not the `Arn` key; the policy's own `Arn` is on line 5.
        assert_eq!(got.get("arn:a"), Some(&(5, 13)));
        assert_eq!(got.len(), 2);
    }

    #[test]
    fn missing_and_malformed_values_are_not_found() {
        let wanted: HashSet<&str> = ["arn:x"].into_iter().collect();
        assert!(arn_positions(b"{\"Arn\": 5, \"Arn\"", &wanted).is_empty());
        assert!(arn_positions(b"{\"Arn\": \"arn:x", &wanted).is_empty());
        assert!(arn_positions(b"", &wanted).is_empty());
    }
}
