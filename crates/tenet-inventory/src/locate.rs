//! Finding where records sit in their export file, in one streaming pass per file.
//!
//! Exports are parsed by serde, which keeps no positions; rather than slow every load down with
//! a position-tracking parser, the few entities that need a location are found afterwards by
//! scanning the raw bytes once for `"Arn": "<id>"` pairs (an ARN is unique within an export).

use std::collections::{HashMap, HashSet};
use std::io::Read;

const KEY: &[u8] = b"\"Arn\"";
/// Bytes kept between chunks so that a `"Arn": "<value>"` pair cut by a chunk boundary is seen
/// whole in the next round (ARNs are at most 2,048 characters).
const OVERLAP: usize = 4096;
const CHUNK: usize = 1 << 20;

/// 1-based (line, column) of the value of each `"Arn"` key whose value is in `wanted`; the first
/// occurrence wins. Streams the input in chunks, so memory does not grow with the file.
pub fn arn_positions(
    mut input: impl Read,
    wanted: &HashSet<&str>,
) -> std::io::Result<HashMap<String, (usize, usize)>> {
    let mut found = HashMap::new();
    let mut buf: Vec<u8> = Vec::with_capacity(CHUNK + OVERLAP);
    // Line number at buf[0], and the characters of the current line before buf[0].
    let mut line = 1usize;
    let mut prefix_chars = 0usize;
    let mut eof = false;
    while !eof && found.len() < wanted.len() {
        let before = buf.len();
        buf.resize(before + CHUNK, 0);
        let n = read_full(&mut input, &mut buf[before..])?;
        buf.truncate(before + n);
        eof = n == 0 || buf.len() < before + CHUNK;
        // Matches starting before `limit` are decided now; later ones wait for more bytes.
        let limit = if eof {
            buf.len()
        } else {
            buf.len().saturating_sub(OVERLAP)
        };
        let mut from = 0;
        let (mut counted, mut line_at, mut line_start) = (0usize, line, None::<usize>);
        while let Some(rel) = find(&buf[from..limit.max(from)], KEY) {
            let key_at = from + rel;
            from = key_at + KEY.len();
            let Some((start, len)) = string_value_after(&buf, from) else {
                continue;
            };
            let Ok(value) = std::str::from_utf8(&buf[start..start + len]) else {
                continue;
            };
            if wanted.contains(value) && !found.contains_key(value) {
                let quote = start - 1;
                for (k, &b) in buf[counted..quote].iter().enumerate() {
                    if b == b'\n' {
                        line_at += 1;
                        line_start = Some(counted + k + 1);
                    }
                }
                counted = quote;
                let column = match line_start {
                    Some(ls) => chars(&buf[ls..quote]),
                    None => prefix_chars + chars(&buf[..quote]),
                } + 1;
                found.insert(value.to_string(), (line_at, column));
            }
        }
        // Advance past the decided part, keeping line bookkeeping for the carried bytes.
        let consumed = limit;
        let newlines = buf[..consumed].iter().filter(|&&b| b == b'\n').count();
        line += newlines;
        match buf[..consumed].iter().rposition(|&b| b == b'\n') {
            Some(i) => prefix_chars = chars(&buf[i + 1..consumed]),
            None => prefix_chars += chars(&buf[..consumed]),
        }
        buf.drain(..consumed);
    }
    Ok(found)
}

/// Characters in UTF-8 bytes (continuation bytes do not start one), exact even when a chunk
/// boundary splits a character.
fn chars(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b & 0xC0 != 0x80).count()
}

fn read_full(input: &mut impl Read, out: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < out.len() {
        match input.read(&mut out[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// After a key ending at `at`: optional whitespace, `:`, whitespace, then a string without
/// escapes; returns (start, length) of its content.
fn string_value_after(buf: &[u8], mut i: usize) -> Option<(usize, usize)> {
    while buf.get(i)?.is_ascii_whitespace() {
        i += 1;
    }
    if *buf.get(i)? != b':' {
        return None;
    }
    i += 1;
    while buf.get(i)?.is_ascii_whitespace() {
        i += 1;
    }
    if *buf.get(i)? != b'"' {
        return None;
    }
    let start = i + 1;
    let len = buf.get(start..)?.iter().position(|&b| b == b'"')?;
    Some((start, len))
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
        let got = arn_positions(text.as_bytes(), &wanted).unwrap();
        assert_eq!(got.get("arn:b"), Some(&(4, 14)));
        // `PolicyArn` is not the `Arn` key; the policy's own `Arn` is on line 5.
        assert_eq!(got.get("arn:a"), Some(&(5, 13)));
        assert_eq!(got.len(), 2);
    }

    #[test]
    fn missing_and_malformed_values_are_not_found() {
        let wanted: HashSet<&str> = ["arn:x"].into_iter().collect();
        assert!(
            arn_positions(&b"{\"Arn\": 5, \"Arn\""[..], &wanted)
                .unwrap()
                .is_empty()
        );
        assert!(
            arn_positions(&b"{\"Arn\": \"arn:x"[..], &wanted)
                .unwrap()
                .is_empty()
        );
        assert!(arn_positions(&b""[..], &wanted).unwrap().is_empty());
    }

    #[test]
    fn pairs_across_chunk_boundaries_and_long_lines_are_found() {
        // 3 MiB of padding on one line, then the pair, then more lines: crosses chunk borders.
        let mut text = String::from("{\"x\": \"");
        text.push_str(&"a".repeat(3 * CHUNK - 5));
        text.push_str("\", \"Arn\": \"arn:far\",\n\"y\": 1,\n  \"Arn\": \"arn:next\"}");
        let wanted: HashSet<&str> = ["arn:far", "arn:next"].into_iter().collect();
        let got = arn_positions(text.as_bytes(), &wanted).unwrap();
        // Columns point at the opening quote of the value (1-based).
        let far_col = text.find("arn:far").unwrap();
        assert_eq!(got.get("arn:far"), Some(&(1, far_col)));
        assert_eq!(got.get("arn:next"), Some(&(3, 10)));
    }
}
