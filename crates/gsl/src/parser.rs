//! Recursive-descent parser: tokens -> [`ast::Rule`].
//!
//! Grammar (loosest first):
//!
//! ```text
//! rule    := entity ('where' or)? ('should' ('fail' | 'not'? 'have'? or))? EOF
//! entity  := Word | 'List' '<' Word '>'
//! or      := and ('or' and)*
//! and     := not ('and' not)*
//! not     := 'not' not | chain
//! chain   := primary postfix*
//! primary := path | '$' ('.' path)? | '~' (path | call) | literal | '(' or (',' or)* ')'
//! postfix := cmp primary | 'like' STR | 'in' '(' or (',' or)* ')' | 'regexMatch' REGEX
//!          | ('contain' | 'contain-any' | 'contain-all' | 'contain-none' | 'groupBy') '[' or ']'
//!          | 'with' '[' or ']' ('where' not)? | Word '(' args ')'
//! ```
//!
//! Hand-written (see [`crate::lexer`]) so that every error has a precise span, says what was
//! expected and suggests the nearest keyword. Nesting depth is bounded by [`MAX_DEPTH`], so
//! hostile input gets an error instead of a stack overflow.

use crate::ast::*;
use crate::diagnostic::{Diagnostic, Span};
use crate::functions::STANDARD_NAMES;
use crate::lexer::{Tok, Token, lex};
use crate::suggest::nearest;

/// Maximum nesting of brackets, parentheses, `not`s and postfix operators. Published rules nest
/// fewer than 10 levels; 64 keeps parsing, compiling and explaining the deepest accepted rule
/// well inside a 2 MiB thread stack even in unoptimised builds (measured: ~14 KiB per level).
pub const MAX_DEPTH: usize = 64;

/// Words that are operators in postfix position.
pub const OPERATORS: &[&str] = &[
    "like",
    "in",
    "regexMatch",
    "contain",
    "contain-any",
    "contain-all",
    "contain-none",
    "with",
    "groupBy",
    "and",
    "or",
];

/// Words that end a postfix chain.
const STOP_WORDS: &[&str] = &["and", "or", "should", "where"];

pub fn parse(src: &str) -> Result<Rule, Vec<Diagnostic>> {
    let toks = lex(src).map_err(|d| vec![d])?;
    let mut p = Parser {
        toks: &toks,
        pos: 0,
        depth: 0,
    };
    p.rule(src).map_err(|d| vec![d])
}

type PResult<T> = Result<T, Diagnostic>;

struct Parser<'t> {
    toks: &'t [Token],
    pos: usize,
    depth: usize,
}

fn is_word(t: Option<&Token>, w: &str) -> bool {
    matches!(t, Some(Token { tok: Tok::Word(x), .. }) if x == w)
}

impl<'t> Parser<'t> {
    fn peek(&self) -> Option<&'t Token> {
        self.toks.get(self.pos)
    }

    fn peek_at(&self, n: usize) -> Option<&'t Token> {
        self.toks.get(self.pos + n)
    }

    fn bump(&mut self) -> Option<&'t Token> {
        let t = self.toks.get(self.pos);
        if t.is_some() {
            self.pos += 1;
        }
        t
    }

    fn at_word(&self, w: &str) -> bool {
        is_word(self.peek(), w)
    }

    /// Span of the last token: where "found end of rule" errors point (always inside the text).
    fn end_span(&self) -> Span {
        self.toks.last().map_or(0..0, |t| t.span.clone())
    }

    fn prev_end(&self) -> usize {
        self.pos
            .checked_sub(1)
            .and_then(|i| self.toks.get(i))
            .map_or(0, |t| t.span.end)
    }

    fn enter(&mut self, at: &Span) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Diagnostic::new(
                at.clone(),
                format!("expression nested too deeply (more than {MAX_DEPTH} levels)"),
            ));
        }
        Ok(())
    }

    fn leave(&mut self, n: usize) {
        self.depth = self.depth.saturating_sub(n);
    }

    /// "expected X, found Y" at the current token (or the last token at end of input).
    fn expected(&self, what: &str) -> Diagnostic {
        match self.peek() {
            Some(t) => Diagnostic::new(t.span.clone(), format!("expected {what}, found {}", t.tok)),
            None => Diagnostic::new(
                self.end_span(),
                format!("expected {what}, found the end of the rule"),
            ),
        }
    }

    fn rule(&mut self, src: &str) -> PResult<Rule> {
        let entity = self.entity()?;
        let mut filter = None;
        if self.at_word("where") {
            self.bump();
            filter = Some(self.or()?);
        }
        let verdict = match self.peek() {
            Some(t) if is_word(Some(t), "should") => {
                self.bump();
                self.verdict()?
            }
            None if filter.is_some() => Verdict::Query,
            None => {
                return Err(Diagnostic::new(
                    entity.span.clone(),
                    format!(
                        "expected `where` or `should` after the entity type `{}`",
                        entity.name
                    ),
                ));
            }
            Some(t) => {
                let mut d = self.expected(if filter.is_some() {
                    "`should` or the end of the rule"
                } else {
                    "`where` or `should`"
                });
                if let Tok::Word(w) = &t.tok
                    && let Some(s) = nearest(w, ["where", "should"])
                {
                    d = d.with_suggestion(s);
                }
                if matches!(t.tok, Tok::RParen | Tok::RBrack) {
                    let want = if filter.is_some() {
                        "`and`, `or`, `should` or the end of the rule"
                    } else {
                        "`and`, `or`, `where` or `should`"
                    };
                    d.message = format!(
                        "unexpected {}: nothing is open here; expected {want}",
                        t.tok
                    );
                }
                return Err(d);
            }
        };
        if let Some(t) = self.peek() {
            let msg = match t.tok {
                Tok::RParen | Tok::RBrack => format!(
                    "unexpected {}: nothing is open here; expected `and`, `or` or the end of the rule",
                    t.tok
                ),
                _ => format!("expected the end of the rule, found {}", t.tok),
            };
            return Err(Diagnostic::new(t.span.clone(), msg));
        }
        Ok(Rule {
            entity,
            filter,
            verdict,
            span: 0..src.len(),
        })
    }

    fn entity(&mut self) -> PResult<EntityRef> {
        let Some(t) = self.bump() else {
            return Err(Diagnostic::new(
                0..0,
                "empty rule: expected an entity type such as `IamPolicy`",
            ));
        };
        let Tok::Word(name) = &t.tok else {
            return Err(Diagnostic::new(
                t.span.clone(),
                format!(
                    "expected an entity type such as `IamPolicy`, found {}",
                    t.tok
                ),
            ));
        };
        if name == "List" && matches!(self.peek(), Some(Token { tok: Tok::Lt, .. })) {
            self.bump();
            let inner = match self.bump() {
                Some(Token {
                    tok: Tok::Word(w), ..
                }) => w.clone(),
                _ => {
                    self.pos = self.pos.saturating_sub(1);
                    return Err(self.expected("an entity type inside `List<...>`"));
                }
            };
            if !matches!(self.peek(), Some(Token { tok: Tok::Gt, .. })) {
                return Err(self.expected("`>` to close `List<`"));
            }
            let end = self.bump().map_or(t.span.end, |g| g.span.end);
            return Ok(EntityRef {
                name: inner,
                aggregate: true,
                span: t.span.start..end,
            });
        }
        if let Some(bad) = name.find([':', '-']) {
            return Err(Diagnostic::new(
                t.span.clone(),
                format!(
                    "invalid entity type `{name}`: `{}` is not allowed in a type name",
                    &name[bad..=bad]
                ),
            ));
        }
        Ok(EntityRef {
            name: name.clone(),
            aggregate: false,
            span: t.span.clone(),
        })
    }

    fn verdict(&mut self) -> PResult<Verdict> {
        if self.at_word("fail") && self.peek_at(1).is_none() {
            let span = self.bump().map_or(0..0, |t| t.span.clone());
            return Ok(Verdict::Fail { span });
        }
        let mut negated = false;
        if self.at_word("not") {
            self.bump();
            negated = true;
        }
        if self.at_word("have") {
            self.bump();
        }
        if self.peek().is_none() {
            return Err(self.expected("a condition after `should`"));
        }
        let expr = self.or()?;
        Ok(Verdict::Should { negated, expr })
    }

    fn or(&mut self) -> PResult<Expr> {
        self.binary("or")
    }

    fn binary(&mut self, word: &str) -> PResult<Expr> {
        let first = if word == "or" {
            self.binary("and")?
        } else {
            self.not()?
        };
        let mut items = vec![];
        let mut first = Some(first);
        while self.at_word(word) {
            if let Some(f) = first.take() {
                push_flat(&mut items, f, word);
            }
            self.bump();
            if self.peek().is_none() {
                return Err(self.expected(&format!("a condition after `{word}`")));
            }
            let next = if word == "or" {
                self.binary("and")?
            } else {
                self.not()?
            };
            push_flat(&mut items, next, word);
        }
        if let Some(f) = first {
            return Ok(f);
        }
        let span = items.first().map_or(0, |e| e.span.start)..self.prev_end();
        let kind = if word == "or" {
            ExprKind::Or(items)
        } else {
            ExprKind::And(items)
        };
        Ok(Expr { kind, span })
    }

    fn not(&mut self) -> PResult<Expr> {
        if let Some(t) = self.peek()
            && is_word(Some(t), "not")
        {
            self.bump();
            self.enter(&t.span)?;
            let inner = self.not()?;
            self.leave(1);
            let span = t.span.start..inner.span.end;
            return Ok(Expr {
                kind: ExprKind::Not(Box::new(inner)),
                span,
            });
        }
        self.chain()
    }

    fn chain(&mut self) -> PResult<Expr> {
        let mut e = self.primary()?;
        let mut entered = 0;
        let r = self.postfixes(&mut e, &mut entered);
        self.leave(entered);
        r.map(|()| e)
    }

    fn postfixes(&mut self, e: &mut Expr, entered: &mut usize) -> PResult<()> {
        while let Some(t) = self.peek() {
            let op_start = t.span.start;
            let op = match &t.tok {
                Tok::Eq | Tok::Ne | Tok::Lt | Tok::Gt | Tok::Le | Tok::Ge => {
                    let op = match t.tok {
                        Tok::Eq => CmpOp::Eq,
                        Tok::Ne => CmpOp::Ne,
                        Tok::Lt => CmpOp::Lt,
                        Tok::Gt => CmpOp::Gt,
                        Tok::Le => CmpOp::Le,
                        _ => CmpOp::Ge,
                    };
                    self.bump();
                    if self.peek().is_none()
                        || matches!(
                            self.peek().map(|t| &t.tok),
                            Some(Tok::RParen | Tok::RBrack | Tok::Comma)
                        )
                    {
                        return Err(self.expected(&format!("a value after `{}`", op.as_str())));
                    }
                    self.enter(&t.span)?;
                    *entered += 1;
                    let rhs = self.primary()?;
                    Postfix::Compare {
                        op,
                        rhs: Box::new(rhs),
                    }
                }
                Tok::Word(w) => match w.as_str() {
                    w if STOP_WORDS.contains(&w) => break,
                    "like" => {
                        self.bump();
                        match self.bump() {
                            Some(Token {
                                tok: Tok::Str(s),
                                span,
                            }) => Postfix::Like {
                                pattern: s.clone(),
                                span: span.clone(),
                            },
                            _ => {
                                self.pos = self.pos.saturating_sub(1);
                                return Err(self.expected("a quoted pattern after `like`"));
                            }
                        }
                    }
                    "in" => {
                        self.bump();
                        let Some(open) = self.peek().filter(|t| t.tok == Tok::LParen) else {
                            return Err(self.expected("`(` after `in`, as in `in ('a', 'b')`"));
                        };
                        self.bump();
                        self.enter(&open.span)?;
                        *entered += 1;
                        let items = self.items(open)?;
                        Postfix::In { items }
                    }
                    "regexMatch" => {
                        self.bump();
                        match self.bump() {
                            Some(Token {
                                tok: Tok::Regex { pattern, flags },
                                span,
                            }) => Postfix::RegexMatch {
                                pattern: pattern.clone(),
                                flags: flags.clone(),
                                span: span.clone(),
                            },
                            Some(Token {
                                tok: Tok::Str(s),
                                span,
                            }) => Postfix::RegexMatch {
                                pattern: s.clone(),
                                flags: String::new(),
                                span: span.clone(),
                            },
                            _ => {
                                self.pos = self.pos.saturating_sub(1);
                                return Err(self.expected(
                                    "a regular expression after `regexMatch`, as in `/^s3:/`",
                                ));
                            }
                        }
                    }
                    "contain" | "contain-any" | "contain-all" | "contain-none" => {
                        let kind = match w.as_str() {
                            "contain" => ContainKind::Contain,
                            "contain-any" => ContainKind::Any,
                            "contain-all" => ContainKind::All,
                            _ => ContainKind::None,
                        };
                        let word = w.clone();
                        self.bump();
                        self.enter(&t.span)?;
                        *entered += 1;
                        let pred = self.bracket(&word)?;
                        Postfix::Contain {
                            kind,
                            pred: Box::new(pred),
                        }
                    }
                    "with" => {
                        self.bump();
                        self.enter(&t.span)?;
                        *entered += 1;
                        let pred = self.bracket("with")?;
                        let refine = if self.at_word("where") {
                            self.bump();
                            Some(Box::new(self.not()?))
                        } else {
                            None
                        };
                        Postfix::With {
                            pred: Box::new(pred),
                            refine,
                        }
                    }
                    "groupBy" => {
                        self.bump();
                        self.enter(&t.span)?;
                        *entered += 1;
                        let key = self.bracket("groupBy")?;
                        Postfix::GroupBy { key: Box::new(key) }
                    }
                    name => {
                        if let Some(open) = self.peek_at(1).filter(|t| t.tok == Tok::LParen) {
                            let name = name.to_string();
                            let name_span = t.span.clone();
                            self.bump();
                            self.bump();
                            self.enter(&t.span)?;
                            *entered += 1;
                            let args = self.items_or_empty(open)?;
                            Postfix::Call {
                                name,
                                name_span,
                                args,
                            }
                        } else {
                            return Err(self.unknown_operator(t, name));
                        }
                    }
                },
                Tok::Str(_) | Tok::Num(_) | Tok::Regex { .. } | Tok::Dollar | Tok::Tilde => {
                    return Err(Diagnostic::new(
                        t.span.clone(),
                        format!(
                            "expected an operator (`=`, `in`, `contain`, `and`, ...) before {}",
                            t.tok
                        ),
                    ));
                }
                _ => break,
            };
            let start = e.span.start;
            let end = self.prev_end();
            let target = std::mem::replace(
                e,
                Expr {
                    kind: ExprKind::List(vec![]),
                    span: 0..0,
                },
            );
            *e = Expr {
                kind: ExprKind::Postfix {
                    target: Box::new(target),
                    op,
                    op_span: op_start..end,
                },
                span: start..end,
            };
        }
        Ok(())
    }

    fn unknown_operator(&self, t: &Token, name: &str) -> Diagnostic {
        if STANDARD_NAMES.contains(&name) {
            return Diagnostic::new(
                t.span.clone(),
                format!("function `{name}` needs an argument list: `{name}()`"),
            );
        }
        if name == "not" {
            return Diagnostic::new(
                t.span.clone(),
                "`not` goes before the condition it negates, as in `not a in ('x')`",
            );
        }
        let mut d = Diagnostic::new(
            t.span.clone(),
            format!(
                "unknown operator `{name}`; expected an operator such as `=`, `in`, `contain`, `with`, `and`, `or`, or a function call"
            ),
        );
        if let Some(s) = nearest(name, OPERATORS.iter().chain(STANDARD_NAMES).copied()) {
            d.message = format!("unknown operator `{name}`");
            d = d.with_suggestion(s);
        }
        d
    }

    /// `[ expr ]` after `word`; a bare literal `['x']` means `[$ = 'x']`.
    fn bracket(&mut self, word: &str) -> PResult<Expr> {
        let Some(open) = self.peek().filter(|t| t.tok == Tok::LBrack) else {
            return Err(self.expected(&format!("`[` after `{word}`")));
        };
        self.bump();
        if matches!(
            self.peek(),
            Some(Token {
                tok: Tok::RBrack,
                ..
            })
        ) {
            return Err(Diagnostic::new(
                open.span.start..self.peek().map_or(open.span.end, |t| t.span.end),
                format!("empty condition after `{word}`; expected a condition inside `[...]`"),
            ));
        }
        let e = self.or()?;
        self.close(open, Tok::RBrack)?;
        if let ExprKind::Literal(lit) = &e.kind
            && !matches!(lit, Literal::Regex { .. })
        {
            let span = e.span.clone();
            return Ok(Expr {
                kind: ExprKind::Postfix {
                    target: Box::new(Expr {
                        kind: ExprKind::Path(Path {
                            root: PathRoot::Dollar,
                            segments: vec![],
                        }),
                        span: span.start..span.start,
                    }),
                    op: Postfix::Compare {
                        op: CmpOp::Eq,
                        rhs: Box::new(e),
                    },
                    op_span: span.clone(),
                },
                span,
            });
        }
        Ok(e)
    }

    /// Expects the closing token for `open`.
    fn close(&mut self, open: &Token, want: Tok) -> PResult<()> {
        match self.peek() {
            Some(t) if t.tok == want => {
                self.bump();
                Ok(())
            }
            None => Err(Diagnostic::new(
                open.span.clone(),
                format!(
                    "unclosed {}: expected {want} before the end of the rule",
                    open.tok
                ),
            )),
            Some(t) => {
                let mut d = Diagnostic::new(
                    t.span.clone(),
                    format!(
                        "expected {want} to close the {} at byte {}, found {}",
                        open.tok, open.span.start, t.tok
                    ),
                );
                if let Tok::Word(w) = &t.tok
                    && let Some(s) = nearest(w, OPERATORS.iter().copied())
                {
                    d = d.with_suggestion(s);
                }
                Err(d)
            }
        }
    }

    /// Comma-separated expressions after `open` (already consumed) up to `)`; at least one.
    fn items(&mut self, open: &Token) -> PResult<Vec<Expr>> {
        if matches!(
            self.peek(),
            Some(Token {
                tok: Tok::RParen,
                ..
            })
        ) {
            return Err(self.expected("a value inside `(...)`"));
        }
        let mut items = vec![self.or()?];
        while matches!(
            self.peek(),
            Some(Token {
                tok: Tok::Comma,
                ..
            })
        ) {
            self.bump();
            items.push(self.or()?);
        }
        self.close(open, Tok::RParen)?;
        Ok(items)
    }

    fn items_or_empty(&mut self, open: &Token) -> PResult<Vec<Expr>> {
        if matches!(
            self.peek(),
            Some(Token {
                tok: Tok::RParen,
                ..
            })
        ) {
            self.bump();
            return Ok(vec![]);
        }
        self.items(open)
    }

    fn path_rest(&mut self, segments: &mut Vec<Segment>) -> PResult<()> {
        while matches!(self.peek(), Some(Token { tok: Tok::Dot, .. })) {
            self.bump();
            match self.bump() {
                Some(Token {
                    tok: Tok::Word(w),
                    span,
                }) => segments.push(Segment {
                    name: w.clone(),
                    span: span.clone(),
                }),
                _ => {
                    self.pos = self.pos.saturating_sub(1);
                    return Err(self.expected("a property name after `.`"));
                }
            }
        }
        Ok(())
    }

    fn primary(&mut self) -> PResult<Expr> {
        let Some(t) = self.peek() else {
            return Err(self.expected("a value or a property path"));
        };
        let start = t.span.start;
        let kind = match &t.tok {
            Tok::Word(w) if w == "true" || w == "false" => {
                self.bump();
                ExprKind::Literal(Literal::Bool(w == "true"))
            }
            Tok::Word(w) if ["and", "or", "not", "should", "where"].contains(&w.as_str()) => {
                return Err(self.expected("a value or a property path"));
            }
            Tok::Word(w) => {
                self.bump();
                if let Some(p) = self.peek().filter(|p| p.tok == Tok::LParen) {
                    return Err(self.call_without_receiver(t, w, p));
                }
                let mut segments = vec![Segment {
                    name: w.clone(),
                    span: t.span.clone(),
                }];
                self.path_rest(&mut segments)?;
                ExprKind::Path(Path {
                    root: PathRoot::Scope,
                    segments,
                })
            }
            Tok::Dollar => {
                self.bump();
                let mut segments = vec![];
                self.path_rest(&mut segments)?;
                ExprKind::Path(Path {
                    root: PathRoot::Dollar,
                    segments,
                })
            }
            Tok::Tilde => {
                self.bump();
                let Some(Token {
                    tok: Tok::Word(w),
                    span: wspan,
                }) = self.peek()
                else {
                    return Err(self.expected(
                        "a property path or a function call after `~`, as in `~getValue('accountNumber')`",
                    ));
                };
                self.bump();
                if let Some(open) = self.peek().filter(|p| p.tok == Tok::LParen) {
                    self.bump();
                    self.enter(&open.span)?;
                    let args = self.items_or_empty(open);
                    self.leave(1);
                    let args = args?;
                    let end = self.prev_end();
                    return Ok(Expr {
                        kind: ExprKind::Postfix {
                            target: Box::new(Expr {
                                kind: ExprKind::Path(Path {
                                    root: PathRoot::Entity,
                                    segments: vec![],
                                }),
                                span: start..start + 1,
                            }),
                            op: Postfix::Call {
                                name: w.clone(),
                                name_span: wspan.clone(),
                                args,
                            },
                            op_span: wspan.start..end,
                        },
                        span: start..end,
                    });
                }
                let mut segments = vec![Segment {
                    name: w.clone(),
                    span: wspan.clone(),
                }];
                self.path_rest(&mut segments)?;
                ExprKind::Path(Path {
                    root: PathRoot::Entity,
                    segments,
                })
            }
            Tok::Str(s) => {
                self.bump();
                ExprKind::Literal(Literal::String(s.clone()))
            }
            Tok::Num(n) => {
                self.bump();
                ExprKind::Literal(Literal::Number(*n))
            }
            Tok::LParen => {
                self.bump();
                self.enter(&t.span)?;
                let items = self.items(t);
                self.leave(1);
                let mut items = items?;
                let end = self.prev_end();
                if items.len() == 1
                    && let Some(only) = items.pop()
                {
                    // Parentheses only group; the span grows to include them.
                    return Ok(Expr {
                        kind: only.kind,
                        span: start..end,
                    });
                }
                return Ok(Expr {
                    kind: ExprKind::List(items),
                    span: start..end,
                });
            }
            Tok::LBrack => {
                return Err(Diagnostic::new(
                    t.span.clone(),
                    "unexpected `[`: a `[condition]` follows `contain`, `contain-any`, `contain-all`, `contain-none`, `with` or `groupBy`",
                ));
            }
            Tok::Regex { .. } => {
                return Err(Diagnostic::new(
                    t.span.clone(),
                    "a regular expression can only follow `regexMatch`",
                ));
            }
            _ => return Err(self.expected("a value or a property path")),
        };
        Ok(Expr {
            kind,
            span: start..self.prev_end(),
        })
    }

    fn call_without_receiver(&self, t: &Token, w: &str, paren: &Token) -> Diagnostic {
        let span = t.span.start..paren.span.end;
        if STANDARD_NAMES.contains(&w) {
            return Diagnostic::new(
                span,
                format!(
                    "function `{w}` needs a value to apply to: write `path {w}(...)`, `$ {w}(...)` or `~{w}(...)`"
                ),
            );
        }
        let mut d = Diagnostic::new(
            span,
            format!(
                "`{w}` is not a function; functions are applied to a value, as in `items length()`"
            ),
        );
        if let Some(f) = STANDARD_NAMES
            .iter()
            .find(|f| w.len() > f.len() && w.ends_with(*f))
        {
            d = d.with_suggestion(format!("{} {f}()", &w[..w.len() - f.len()]));
        }
        d
    }
}

fn push_flat(items: &mut Vec<Expr>, e: Expr, word: &str) {
    match e.kind {
        ExprKind::And(inner) if word == "and" => items.extend(inner),
        ExprKind::Or(inner) if word == "or" => items.extend(inner),
        kind => items.push(Expr { kind, span: e.span }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn should(src: &str) -> Expr {
        match parse(src).unwrap().verdict {
            Verdict::Should { expr, .. } => expr,
            v => panic!("{v:?}"),
        }
    }

    #[test]
    fn path_segments_and_spans() {
        let e = should("X should have Condition.Bool.aws:SecureTransport");
        let ExprKind::Path(p) = e.kind else { panic!() };
        let names: Vec<_> = p.segments.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["Condition", "Bool", "aws:SecureTransport"]);
        assert_eq!(p.segments[2].span, 29..48);
        assert_eq!(e.span, 14..48);
    }

    #[test]
    fn call_with_space_and_negative_number() {
        let e = should("Iam should have t after (-24, 'hours')");
        let ExprKind::Postfix {
            op: Postfix::Call { name, args, .. },
            ..
        } = e.kind
        else {
            panic!()
        };
        assert_eq!(name, "after");
        assert_eq!(args[0].kind, ExprKind::Literal(Literal::Number(-24.0)));
    }

    #[test]
    fn bare_literal_in_brackets_means_dollar_equals() {
        let a = parse("X should have a contain ['x']")
            .unwrap()
            .without_spans();
        let b = parse("X should have a contain [$ = 'x']")
            .unwrap()
            .without_spans();
        assert_eq!(a, b);
    }

    #[test]
    fn precedence_and_flattening() {
        let r = parse("X should have a or b and not c = 1 or (d or e)").unwrap();
        assert_eq!(
            r.to_string(),
            "X should have a or b and not c = 1 or d or e"
        );
        let ExprKind::Or(items) = should("X should have a or b and c or (d or e)").kind else {
            panic!()
        };
        assert_eq!(items.len(), 4);
    }

    #[test]
    fn forms() {
        assert_eq!(
            parse("X should fail").unwrap().verdict,
            Verdict::Fail { span: 9..13 }
        );
        assert_eq!(parse("X where a").unwrap().verdict, Verdict::Query);
        let r = parse("List<LogProfile> should not items").unwrap();
        assert!(r.entity.aggregate && r.entity.name == "LogProfile" && r.entity.span == (0..16));
        assert!(matches!(r.verdict, Verdict::Should { negated: true, .. }));
        assert!(parse("").is_err());
        assert!(parse("X").is_err());
        assert!(parse("X should").is_err());
        assert!(parse("X should have a b").is_err());
    }
}
