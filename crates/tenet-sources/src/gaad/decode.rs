//! Policy documents as exports write them.
//!
//! The AWS CLI prints documents as JSON objects; the raw IAM API, the SDKs and moto return them
//! as strings, percent-encoded per RFC 3986 (`%20` for a space, `%2A` for `*`; a literal `+` is
//! sent as `%2B`). So `+` is NOT decoded as a space: doing so would corrupt documents that contain
//! a plus sign. Rule: an object (any non-string) is kept as written; a string starting with `{`
//! is JSON text; any other string is percent-decoded exactly once, then must be JSON.

use std::borrow::Cow;

use percent_encoding::percent_decode_str;
use serde::de::{Deserialize, Deserializer, IgnoredAny};
use serde_json::value::RawValue;
use tenet_inventory::json::compact;

/// A document ready to store: compact JSON text, or why it could not be read.
#[derive(Debug)]
pub(crate) enum Doc {
    Json(String),
    Invalid(String),
}

impl<'de> Deserialize<'de> for Doc {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = Box::<RawValue>::deserialize(d)?;
        Ok(document(raw.get()))
    }
}

/// Decodes one document given as raw JSON text (an object, a string, ...).
pub(crate) fn document(raw: &str) -> Doc {
    if raw == "null" {
        return Doc::Invalid("the document is null".into());
    }
    if !raw.starts_with('"') {
        return Doc::Json(compact(raw));
    }
    let text: String = match serde_json::from_str(raw) {
        Ok(s) => s,
        Err(e) => return Doc::Invalid(format!("unreadable document string: {e}")),
    };
    document_string(&text)
}

/// Decodes one document given as a string, as the IAM API returns it (percent-encoded, or
/// already JSON text): compact JSON text, or why it could not be read.
pub(crate) fn document_string(text: &str) -> Doc {
    let trimmed = text.trim_start();
    let (json, how): (Cow<str>, &str) = if trimmed.starts_with('{') {
        (Cow::Borrowed(trimmed), "the document string")
    } else {
        match percent_decode_str(text).decode_utf8() {
            Ok(s) => (s, "the percent-decoded document"),
            Err(_) => {
                return Doc::Invalid("the percent-decoded document is not UTF-8".into());
            }
        }
    };
    // Strings were not checked by the export parser: validate before storing.
    match serde_json::from_str::<IgnoredAny>(&json) {
        Ok(_) => Doc::Json(compact(&json)),
        Err(e) => Doc::Invalid(format!("{how} is not valid JSON: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(raw: &str) -> String {
        match document(raw) {
            Doc::Json(s) => s,
            Doc::Invalid(r) => panic!("{r}"),
        }
    }

    #[test]
    fn forms() {
        assert_eq!(
            ok(r#"{ "Version": "2012-10-17", "Statement": [] }"#),
            r#"{"Version":"2012-10-17","Statement":[]}"#
        );
        assert_eq!(ok(r#"" {\"a\": 1}""#), r#"{"a":1}"#);
        assert_eq!(
            ok(r#""%7B%22a%22%3A%20%22x+y%2By%2A%22%7D""#),
            r#"{"a":"x+y+y*"}"#,
            "plus stays a plus"
        );
        // Decoded once: %2541 stays %41.
        assert_eq!(ok(r#""%7B%22a%22%3A%22%2541%22%7D""#), r#"{"a":"%41"}"#);
    }

    #[test]
    fn invalid() {
        let Doc::Invalid(r) = document(r#""not json""#) else {
            panic!()
        };
        assert_eq!(
            r,
            "the percent-decoded document is not valid JSON: expected ident at line 1 column 2"
        );
        assert!(matches!(document("null"), Doc::Invalid(_)));
    }
}
