//! Wildcard patterns as IAM uses them: `*` (any run, possibly empty) and `?` (exactly one
//! character), everything else literal.
//!
//! Why not `regex`: IAM globs have two metacharacters and no escapes, so a hand-written matcher
//! is a few lines, needs no escaping of the many regex metacharacters found in ARNs (`.`, `+`,
//! `$`, `{`), compiles nothing, allocates nothing per match, and — unlike a regex — also lets us
//! decide questions about two *patterns* (do they overlap? does one contain the other?), which
//! resource scoping needs and no regex engine answers.
//!
//! Three questions are answered here:
//! - [`Glob::matches`]: does a pattern match a concrete string? Greedy two-pointer matching that
//!   backtracks only to the most recent `*` — correct for `*`/`?` globs and linear in practice
//!   (O(pattern x text) worst case).
//! - [`Glob::intersects`]: is there a string both patterns match? Breadth-first search over the
//!   product of the two patterns' NFAs (states are position pairs, so O(|a| x |b|)), treating
//!   the alphabet as unbounded so that a wildcard can always pick a character the other side
//!   accepts. Exact.
//! - [`Glob::covers`]: does every string of one pattern match the other? Deciding this exactly
//!   is hard in general; we answer a sound approximation by matching the outer pattern against
//!   the inner one *symbolically*: the inner pattern's `*` can only be absorbed by an outer `*`,
//!   its `?` by an outer `?` or `*`. "true" is always right; "false" may be pessimistic for
//!   contrived pairs (e.g. `a*` versus `a*|a?*`-style splits), never for the usual
//!   `*` / `arn:aws:iam::*` / exact-ARN shapes.

/// One element of a compiled pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tok {
    /// A literal character.
    Lit(char),
    /// `?`: exactly one character.
    One,
    /// `*`: any run of characters, possibly empty.
    Star,
    /// Any run of characters without `:`, possibly empty: a placeholder in one of the colon-
    /// separated leading fields of an ARN format (partition, service, region, account).
    Seg,
}

impl Tok {
    /// Can this token repeat (stay in place while consuming)?
    fn loops(self) -> bool {
        matches!(self, Tok::Star | Tok::Seg)
    }
}

/// A compiled wildcard pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Glob {
    toks: Vec<Tok>,
}

impl Glob {
    /// A plain glob: `*` and `?` are wildcards, every other character is literal.
    pub fn new(pattern: &str) -> Glob {
        Glob {
            toks: pattern
                .chars()
                .map(|c| match c {
                    '*' => Tok::Star,
                    '?' => Tok::One,
                    c => Tok::Lit(c),
                })
                .collect(),
        }
    }

    /// A pattern matching exactly `text` (no wildcards).
    pub fn literal(text: &str) -> Glob {
        Glob {
            toks: text.chars().map(Tok::Lit).collect(),
        }
    }

    /// A glob as written in a policy's `Resource`/`NotResource` or a `StringLike` value.
    ///
    /// Besides `*` and `?`, IAM policy variables are honoured: the escapes `${*}`, `${?}` and
    /// `${$}` stand for the literal characters `*`, `?` and `$`; any other `${...}` (such as
    /// `${aws:username}`) is replaced at request time by a value we do not know, so it is
    /// treated as `*` (the statement *possibly* matches).
    pub fn policy(pattern: &str) -> Glob {
        Glob {
            toks: tokens_with_placeholders(pattern, |inner| match inner {
                "*" => vec![Tok::Lit('*')],
                "?" => vec![Tok::Lit('?')],
                "$" => vec![Tok::Lit('$')],
                _ => vec![Tok::Star],
            }),
        }
    }

    /// A policy `Resource`/`NotResource` pattern, read as an ARN: like [`Glob::policy`], except
    /// that when the pattern starts with `arn:`, a `*` lying inside one of the leading fields
    /// (partition, service, region, account: a `:` follows it before the fifth) matches no `:`.
    ///
    /// Strictly, IAM matches resources as plain strings, so the account `*` of
    /// `arn:aws:iam::*:role/*` would also match the (legal, absurd) user ARN
    /// `arn:aws:iam::1:user/x:role/y`. Reading the star as one field keeps that pattern from
    /// "reaching" every IAM user, at the price of missing such contrived ARNs.
    pub fn policy_arn(pattern: &str) -> Glob {
        let mut g = Glob::policy(pattern);
        if !pattern.starts_with("arn:") {
            return g;
        }
        let colon_at: Vec<usize> = g
            .toks
            .iter()
            .enumerate()
            .filter(|(_, t)| **t == Tok::Lit(':'))
            .map(|(i, _)| i)
            .collect();
        // The fifth colon ends the header; with fewer, every colon is a header colon.
        let header_end = colon_at.get(4).or(colon_at.last()).copied().unwrap_or(0);
        for (i, t) in g.toks.iter_mut().enumerate() {
            if *t == Tok::Star && i < header_end {
                *t = Tok::Seg;
            }
        }
        g
    }

    /// A resource ARN format from the action catalog, e.g.
    /// `arn:${Partition}:iam::${Account}:user/${UserNameWithPath}`: every `${...}` placeholder
    /// and every `*` stands for any text — except that in the leading fields (partition,
    /// service, region, account: before the fifth `:`) it cannot contain `:`. In the resource
    /// part placeholders such as `${UserNameWithPath}` may contain `/` (and, for some services,
    /// `:`), so there they stand for any text at all. `?` is literal.
    pub fn arn_format(format: &str) -> Glob {
        let mut colons = 0;
        let toks = tokens_with_placeholders(format, |_| vec![Tok::Star])
            .into_iter()
            .map(|t| {
                let in_header = colons < 5;
                match t {
                    Tok::Lit(':') => {
                        colons += 1;
                        t
                    }
                    Tok::One => Tok::Lit('?'),
                    Tok::Star if in_header => Tok::Seg,
                    t => t,
                }
            })
            .collect();
        Glob { toks }
    }

    /// The pattern lower-cased (ASCII), for case-insensitive matching against lower-case text.
    pub fn to_ascii_lowercase(&self) -> Glob {
        Glob {
            toks: self
                .toks
                .iter()
                .map(|t| match t {
                    Tok::Lit(c) => Tok::Lit(c.to_ascii_lowercase()),
                    other => *other,
                })
                .collect(),
        }
    }

    /// True when the pattern contains no wildcard (it matches exactly one string).
    pub fn is_literal(&self) -> bool {
        self.toks.iter().all(|t| matches!(t, Tok::Lit(_)))
    }

    /// True when the pattern matches every string (it is one or more `*` and nothing else).
    pub fn matches_everything(&self) -> bool {
        !self.toks.is_empty() && self.toks.iter().all(|t| *t == Tok::Star)
    }

    /// Does the pattern match `text` (case-sensitively)?
    pub fn matches(&self, text: &str) -> bool {
        if self.toks.contains(&Tok::Seg) {
            // Two kinds of star: the single-backtrack shortcut below does not apply.
            return self.intersects(&Glob::literal(text));
        }
        let p = &self.toks;
        let (mut pi, mut ti) = (0usize, 0usize);
        // After a mismatch we resume right after the most recent `*`, letting it absorb one
        // more character. Earlier stars never need revisiting: the latest star can absorb
        // anything an earlier one could.
        let mut resume: Option<(usize, usize)> = None;
        loop {
            let tc = text.get(ti..).and_then(|rest| rest.chars().next());
            match (p.get(pi), tc) {
                (Some(Tok::Star), _) => {
                    pi += 1;
                    resume = Some((pi, ti));
                    continue;
                }
                (Some(Tok::One), Some(c)) => {
                    pi += 1;
                    ti += c.len_utf8();
                    continue;
                }
                (Some(Tok::Lit(l)), Some(c)) if *l == c => {
                    pi += 1;
                    ti += c.len_utf8();
                    continue;
                }
                (None, None) => return true,
                _ => {}
            }
            let Some((star_pi, star_ti)) = resume else {
                return false;
            };
            let Some(c) = text.get(star_ti..).and_then(|rest| rest.chars().next()) else {
                return false;
            };
            let next = star_ti + c.len_utf8();
            resume = Some((star_pi, next));
            pi = star_pi;
            ti = next;
        }
    }

    /// Is there at least one string that both patterns match? Exact (see the module docs).
    pub fn intersects(&self, other: &Glob) -> bool {
        let (a, b) = (&self.toks, &other.toks);
        let width = b.len() + 1;
        let mut seen = vec![false; (a.len() + 1) * width];
        let mut stack = vec![(0usize, 0usize)];
        while let Some((i, j)) = stack.pop() {
            let Some(slot) = seen.get_mut(i * width + j) else {
                continue;
            };
            if *slot {
                continue;
            }
            *slot = true;
            if i == a.len() && j == b.len() {
                return true;
            }
            let ta = a.get(i).copied();
            let tb = b.get(j).copied();
            // Epsilon moves: a star may match nothing.
            if ta.is_some_and(Tok::loops) {
                stack.push((i + 1, j));
            }
            if tb.is_some_and(Tok::loops) {
                stack.push((i, j + 1));
            }
            // Both sides consume one common character.
            if let (Some(x), Some(y)) = (ta, tb) {
                let compatible = match (x, y) {
                    (Tok::Lit(c), Tok::Lit(d)) => c == d,
                    (Tok::Lit(c), Tok::Seg) | (Tok::Seg, Tok::Lit(c)) => c != ':',
                    // The alphabet is unbounded: wildcards can agree on a non-`:` character.
                    _ => true,
                };
                let ni = if x.loops() { i } else { i + 1 };
                let nj = if y.loops() { j } else { j + 1 };
                if compatible && (ni, nj) != (i, j) {
                    stack.push((ni, nj));
                }
            }
        }
        false
    }

    /// Does this pattern match every string that `inner` matches? Sound but not complete:
    /// `true` is certain, `false` means "not proven" (see the module docs).
    pub fn covers(&self, inner: &Glob) -> bool {
        let (outer, text) = (&self.toks, &inner.toks);
        let width = text.len() + 1;
        let mut seen = vec![false; (outer.len() + 1) * width];
        let mut stack = vec![(0usize, 0usize)];
        while let Some((j, i)) = stack.pop() {
            let Some(slot) = seen.get_mut(j * width + i) else {
                continue;
            };
            if *slot {
                continue;
            }
            *slot = true;
            if j == outer.len() && i == text.len() {
                return true;
            }
            match (outer.get(j).copied(), text.get(i).copied()) {
                (Some(Tok::Star), t) => {
                    stack.push((j + 1, i));
                    if t.is_some() {
                        stack.push((j, i + 1));
                    }
                }
                (Some(Tok::Seg), t) => {
                    stack.push((j + 1, i));
                    // An outer `:`-free run absorbs inner tokens that can never be `:`.
                    if matches!(t, Some(Tok::Seg)) || matches!(t, Some(Tok::Lit(c)) if c != ':') {
                        stack.push((j, i + 1));
                    }
                }
                (Some(Tok::One), Some(Tok::Lit(_) | Tok::One)) => stack.push((j + 1, i + 1)),
                (Some(Tok::Lit(c)), Some(Tok::Lit(d))) if c == d => stack.push((j + 1, i + 1)),
                _ => {}
            }
        }
        false
    }
}

/// Tokenises `s`, replacing each `${...}` by `placeholder(inner)`; `*` and `?` become wildcards.
/// An unterminated `${` is literal text.
fn tokens_with_placeholders(s: &str, placeholder: impl Fn(&str) -> Vec<Tok>) -> Vec<Tok> {
    let mut toks = Vec::with_capacity(s.len());
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        if let Some(after) = rest.strip_prefix("${")
            && let Some(end) = after.find('}')
        {
            toks.extend(placeholder(after.get(..end).unwrap_or_default()));
            rest = after.get(end + 1..).unwrap_or_default();
            continue;
        }
        toks.push(match c {
            '*' => Tok::Star,
            '?' => Tok::One,
            c => Tok::Lit(c),
        });
        rest = rest.get(c.len_utf8()..).unwrap_or_default();
    }
    toks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(s: &str) -> Glob {
        Glob::new(s)
    }

    #[test]
    fn matches_basic() {
        assert!(g("*").matches(""));
        assert!(g("*").matches("anything"));
        assert!(g("iam:*").matches("iam:createaccesskey"));
        assert!(g("iam:?reate*").matches("iam:createaccesskey"));
        assert!(!g("iam:?reate*").matches("iam:reate"));
        assert!(g("a*b*c").matches("aXXbYYc"));
        assert!(g("a*b*c").matches("abc"));
        assert!(!g("a*b*c").matches("acb"));
        assert!(g("*key*").matches("createaccesskey"));
        assert!(!g("abc").matches("abcd"));
        assert!(!g("abc?").matches("abc"));
        assert!(g("a?c").matches("aéc"), "? is one character, not one byte");
        assert!(g("").matches(""));
        assert!(!g("").matches("x"));
        assert!(g("**a**").matches("a"));
    }

    #[test]
    fn intersects_cases() {
        let f = Glob::arn_format("arn:${Partition}:iam::${Account}:user/${UserNameWithPath}");
        assert!(g("*").intersects(&f));
        assert!(g("arn:aws:iam::123456789012:user/bob").intersects(&f));
        assert!(g("arn:aws:iam::*").intersects(&f));
        assert!(!g("arn:aws:s3:::b/*").intersects(&f));
        assert!(!g("arn:aws:iam::1:role/*").intersects(&f));
        assert!(g("a*c").intersects(&g("ab*")));
        assert!(!g("a?").intersects(&g("abc")));
        assert!(g("a?c").intersects(&g("*c")));
        assert!(!g("*a").intersects(&g("*b")));
        assert!(g("").intersects(&g("*")));
        assert!(!g("").intersects(&g("?")));
        // The literal "*" resource of actions without resource types.
        let star_literal = Glob::literal("*");
        assert!(g("*").intersects(&star_literal));
        assert!(!g("arn:*").intersects(&star_literal));
    }

    #[test]
    fn covers_cases() {
        let f = Glob::arn_format("arn:${Partition}:iam::${Account}:user/${UserNameWithPath}");
        assert!(g("*").covers(&f));
        assert!(g("arn:*").covers(&f));
        assert!(!g("arn:aws:iam::*").covers(&f), "partition may differ");
        assert!(g("arn:aws:iam::*").covers(&g("arn:aws:iam::*:user/*")));
        assert!(g("arn:aws:iam::*:user/*").covers(&g("arn:aws:iam::1:user/bob")));
        assert!(!g("arn:aws:iam::*:user/bob").covers(&g("arn:aws:iam::*:user/*")));
        assert!(g("a?c").covers(&g("a?c")));
        assert!(!g("abc").covers(&g("a?c")));
        assert!(g("**").covers(&g("")));
    }

    #[test]
    fn arn_header_placeholders_do_not_cross_colons() {
        let f = Glob::arn_format("arn:${Partition}:iam::${Account}:user/${UserNameWithPath}");
        assert!(f.matches("arn:aws:iam::123:user/a/b:c"));
        assert!(!f.matches("arn:aws:x:iam::123:user/a"));
        assert!(!f.matches("arn:aws:iam::1:2:user/a"));
        let h = Glob::arn_format("arn:${Partition}:health:*::event/${Service}/*");
        assert!(h.matches("arn:aws:health:us-east-1::event/EC2/x:y"));
        assert!(!h.matches("arn:aws:health:a:b::event/EC2/x"));
        assert!(g("arn:*").covers(&h));
        assert!(Glob::arn_format("a:${X}").covers(&Glob::arn_format("a:b")));
        assert!(!Glob::arn_format("a:${X}").covers(&g("a:?")));
        assert!(!Glob::arn_format("a:${X}").covers(&g("a:*")));
        assert!(Glob::arn_format("a:${X}:${Y}").covers(&Glob::arn_format("a:b${Z}:c")));
    }

    #[test]
    fn policy_arn_header_stars_stay_in_their_field() {
        let f = Glob::arn_format("arn:${Partition}:iam::${Account}:user/${UserNameWithPath}");
        assert!(!Glob::policy_arn("arn:aws:iam::*:role/*").intersects(&f));
        assert!(Glob::policy_arn("arn:aws:iam::*:user/*").intersects(&f));
        assert!(Glob::policy_arn("arn:*").intersects(&f));
        assert!(Glob::policy_arn("arn:*:iam::*").intersects(&f));
        assert!(Glob::policy_arn("*:user/*").intersects(&f));
        assert!(!Glob::policy_arn("arn:*:s3").matches("arn:a:b:s3"));
        assert!(Glob::policy_arn("arn:aws:s3:::b/*:x").matches("arn:aws:s3:::b/a:b:x"));
        assert!(!Glob::policy_arn("arn:*:s3:::b").matches("arn:a:b:s3:::b"));
        assert!(Glob::policy("arn:*:s3:::b").matches("arn:a:b:s3:::b"));
    }

    #[test]
    fn placeholders() {
        assert!(Glob::policy("arn:aws:s3:::${aws:username}/*").matches("arn:aws:s3:::bob/x"));
        assert!(Glob::policy("a${*}b").matches("a*b"));
        assert!(!Glob::policy("a${*}b").matches("axb"));
        assert!(Glob::policy("a${?}").matches("a?"));
        assert!(Glob::policy("a${$}").matches("a$"));
        assert!(Glob::policy("a${").matches("a${"));
        assert!(Glob::arn_format("arn:p:s:r:a:${A}:y").matches("arn:p:s:r:a:any/th:ing:y"));
        assert!(Glob::arn_format("a?b").matches("a?b"));
        assert!(!Glob::arn_format("a?b").matches("axb"));
    }
}
