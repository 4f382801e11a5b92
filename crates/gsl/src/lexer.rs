//! Tokens of GSL.
//!
//! The lexer and parser are hand-written: GSL has no maintained Rust grammar, and the error
//! quality we want (exact byte spans, "expected ..." messages, nearest-keyword suggestions) is
//! easier to control in ~600 lines of plain code than through a parser generator. The lexer is
//! flat (no recursion), so no input can exhaust the stack here.

use crate::diagnostic::{Diagnostic, Span};
use std::fmt;

#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    /// A word: identifier, keyword or path segment. Letters, digits, `_`, `-` and `:`
    /// (`contain-all`, `aws:SecureTransport`, `s3:x-amz-acl`).
    Word(String),
    /// A quoted string, escapes resolved.
    Str(String),
    Num(f64),
    /// `/pattern/flags`; `\/` is resolved to `/`, other escapes are kept for the regex engine.
    Regex {
        pattern: String,
        flags: String,
    },
    LParen,
    RParen,
    LBrack,
    RBrack,
    Comma,
    Dot,
    Dollar,
    Tilde,
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
}

impl fmt::Display for Tok {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tok::Word(w) => write!(f, "`{w}`"),
            Tok::Str(s) if s.chars().count() <= 30 => write!(f, "the string '{s}'"),
            Tok::Str(_) => f.write_str("a string"),
            Tok::Num(n) => write!(f, "`{}`", crate::value::format_number(*n)),
            Tok::Regex { .. } => f.write_str("a regular expression"),
            Tok::LParen => f.write_str("`(`"),
            Tok::RParen => f.write_str("`)`"),
            Tok::LBrack => f.write_str("`[`"),
            Tok::RBrack => f.write_str("`]`"),
            Tok::Comma => f.write_str("`,`"),
            Tok::Dot => f.write_str("`.`"),
            Tok::Dollar => f.write_str("`$`"),
            Tok::Tilde => f.write_str("`~`"),
            Tok::Eq => f.write_str("`=`"),
            Tok::Ne => f.write_str("`!=`"),
            Tok::Lt => f.write_str("`<`"),
            Tok::Gt => f.write_str("`>`"),
            Tok::Le => f.write_str("`<=`"),
            Tok::Ge => f.write_str("`>=`"),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    pub tok: Tok,
    pub span: Span,
}

fn is_word_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

fn is_word_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b':')
}

/// Splits `src` into tokens. Fails on the first character that cannot start a token.
pub fn lex(src: &str) -> Result<Vec<Token>, Diagnostic> {
    let b = src.as_bytes();
    let mut out: Vec<Token> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        let after_dot =
            matches!(out.last(), Some(Token { tok: Tok::Dot, span }) if span.end == start);
        let tok = match c {
            b'(' => {
                i += 1;
                Tok::LParen
            }
            b')' => {
                i += 1;
                Tok::RParen
            }
            b'[' => {
                i += 1;
                Tok::LBrack
            }
            b']' => {
                i += 1;
                Tok::RBrack
            }
            b',' => {
                i += 1;
                Tok::Comma
            }
            b'.' => {
                i += 1;
                Tok::Dot
            }
            b'$' => {
                i += 1;
                Tok::Dollar
            }
            b'~' => {
                i += 1;
                Tok::Tilde
            }
            b'=' => {
                if b.get(i + 1) == Some(&b'=') {
                    return Err(
                        Diagnostic::new(start..start + 2, "`==` is not a GSL operator")
                            .with_suggestion("="),
                    );
                }
                i += 1;
                Tok::Eq
            }
            b'!' => {
                if b.get(i + 1) == Some(&b'=') {
                    i += 2;
                    Tok::Ne
                } else {
                    return Err(Diagnostic::new(
                        start..start + 1,
                        "unexpected `!`; negation is written `not`, inequality `!=`",
                    ));
                }
            }
            b'<' => {
                if b.get(i + 1) == Some(&b'=') {
                    i += 2;
                    Tok::Le
                } else {
                    i += 1;
                    Tok::Lt
                }
            }
            b'>' => {
                if b.get(i + 1) == Some(&b'=') {
                    i += 2;
                    Tok::Ge
                } else {
                    i += 1;
                    Tok::Gt
                }
            }
            b'\'' | b'"' => {
                let (s, end) = lex_string(src, i)?;
                i = end;
                Tok::Str(s)
            }
            b'/' => {
                let (pattern, flags, end) = lex_regex(src, i)?;
                i = end;
                Tok::Regex { pattern, flags }
            }
            _ if after_dot && is_word_char(c) => {
                while i < b.len() && is_word_char(b[i]) {
                    i += 1;
                }
                Tok::Word(src[start..i].to_string())
            }
            _ if c.is_ascii_digit()
                || (c == b'-' && b.get(i + 1).is_some_and(u8::is_ascii_digit)) =>
            {
                i += 1;
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
                if b.get(i) == Some(&b'.') && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
                    i += 1;
                    while i < b.len() && b[i].is_ascii_digit() {
                        i += 1;
                    }
                }
                if i < b.len() && is_word_start(b[i]) {
                    let mut end = i;
                    while end < b.len() && is_word_char(b[end]) {
                        end += 1;
                    }
                    return Err(Diagnostic::new(
                        start..end,
                        format!(
                            "`{}` is neither a number nor a property name (names start with a letter or `_`)",
                            &src[start..end]
                        ),
                    ));
                }
                let n: f64 = src[start..i].parse().map_err(|_| {
                    Diagnostic::new(start..i, format!("invalid number `{}`", &src[start..i]))
                })?;
                Tok::Num(n)
            }
            _ if is_word_start(c) => {
                while i < b.len() && is_word_char(b[i]) {
                    i += 1;
                }
                Tok::Word(src[start..i].to_string())
            }
            _ => {
                let ch = src[start..].chars().next().unwrap_or('?');
                let len = ch.len_utf8();
                return Err(Diagnostic::new(
                    start..start + len,
                    format!("unexpected character `{ch}`"),
                ));
            }
        };
        out.push(Token {
            tok,
            span: start..i,
        });
    }
    Ok(out)
}

/// Lexes a quoted string starting at `start` (the quote). Returns the value and the end offset.
fn lex_string(src: &str, start: usize) -> Result<(String, usize), Diagnostic> {
    let quote = src.as_bytes()[start] as char;
    let mut out = String::new();
    let mut chars = src[start + 1..].char_indices();
    while let Some((off, ch)) = chars.next() {
        match ch {
            c if c == quote => return Ok((out, start + 1 + off + 1)),
            '\\' => match chars.next() {
                Some((_, 'n')) => out.push('\n'),
                Some((_, 't')) => out.push('\t'),
                Some((_, 'r')) => out.push('\r'),
                Some((_, c @ ('\\' | '\'' | '"'))) => out.push(c),
                // Unknown escapes are kept as written (`'\d'` stays backslash-d).
                Some((_, c)) => {
                    out.push('\\');
                    out.push(c);
                }
                None => break,
            },
            c => out.push(c),
        }
    }
    Err(Diagnostic::new(
        start..src.len(),
        format!("unterminated string: expected a closing `{quote}`"),
    ))
}

/// Lexes `/pattern/flags` starting at `start` (the first slash).
fn lex_regex(src: &str, start: usize) -> Result<(String, String, usize), Diagnostic> {
    let mut pattern = String::new();
    let mut chars = src[start + 1..].char_indices();
    while let Some((off, ch)) = chars.next() {
        match ch {
            '/' => {
                let mut end = start + 1 + off + 1;
                let fstart = end;
                let b = src.as_bytes();
                while end < b.len() && b[end].is_ascii_alphabetic() {
                    end += 1;
                }
                return Ok((pattern, src[fstart..end].to_string(), end));
            }
            '\\' => match chars.next() {
                Some((_, '/')) => pattern.push('/'),
                Some((_, c)) => {
                    pattern.push('\\');
                    pattern.push(c);
                }
                None => break,
            },
            c => pattern.push(c),
        }
    }
    Err(Diagnostic::new(
        start..src.len(),
        "unterminated regular expression: expected a closing `/`",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<Tok> {
        lex(s).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn words_keep_colons_and_hyphens() {
        assert_eq!(
            toks("Condition.Bool.aws:SecureTransport contain-all["),
            vec![
                Tok::Word("Condition".into()),
                Tok::Dot,
                Tok::Word("Bool".into()),
                Tok::Dot,
                Tok::Word("aws:SecureTransport".into()),
                Tok::Word("contain-all".into()),
                Tok::LBrack
            ]
        );
    }

    #[test]
    fn numbers_strings_regex() {
        assert_eq!(
            toks(r#"(-24, 'ho\'urs') "a\"b" /^s3:\/x/i 1.5"#),
            vec![
                Tok::LParen,
                Tok::Num(-24.0),
                Tok::Comma,
                Tok::Str("ho'urs".into()),
                Tok::RParen,
                Tok::Str("a\"b".into()),
                Tok::Regex {
                    pattern: "^s3:/x".into(),
                    flags: "i".into()
                },
                Tok::Num(1.5)
            ]
        );
    }

    #[test]
    fn operators() {
        assert_eq!(
            toks("a>=1 b<=2 c!=3 d<4 e>5"),
            vec![
                Tok::Word("a".into()),
                Tok::Ge,
                Tok::Num(1.0),
                Tok::Word("b".into()),
                Tok::Le,
                Tok::Num(2.0),
                Tok::Word("c".into()),
                Tok::Ne,
                Tok::Num(3.0),
                Tok::Word("d".into()),
                Tok::Lt,
                Tok::Num(4.0),
                Tok::Word("e".into()),
                Tok::Gt,
                Tok::Num(5.0)
            ]
        );
    }

    #[test]
    fn numeric_segment_after_dot() {
        assert_eq!(
            toks("items.0.name"),
            vec![
                Tok::Word("items".into()),
                Tok::Dot,
                Tok::Word("0".into()),
                Tok::Dot,
                Tok::Word("name".into())
            ]
        );
    }

    #[test]
    fn errors_have_spans() {
        assert_eq!(lex("a = 'x").unwrap_err().span, 4..6);
        assert_eq!(lex("a # b").unwrap_err().span, 2..3);
        assert_eq!(lex("a == b").unwrap_err().span, 2..4);
        assert_eq!(lex("x é").unwrap_err().span, 2..4);
    }
}
