//! Property tests: the parser never panics, and printing then re-parsing gives the same tree.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use gsl::{FunctionRegistry, compile, parse};
use proptest::prelude::*;

/// Random GSL-ish text: keywords, paths, literals and punctuation, unbalanced at will.
fn gslish() -> impl Strategy<Value = String> {
    let tok = prop_oneof![
        Just("X".to_string()),
        Just("should".to_string()),
        Just("have".to_string()),
        Just("not".to_string()),
        Just("where".to_string()),
        Just("and".to_string()),
        Just("or".to_string()),
        Just("contain-all".to_string()),
        Just("contain".to_string()),
        Just("with".to_string()),
        Just("in".to_string()),
        Just("like".to_string()),
        Just("regexMatch".to_string()),
        Just("isEmpty()".to_string()),
        Just("length()".to_string()),
        Just("after(-1, 'days')".to_string()),
        Just("[".to_string()),
        Just("]".to_string()),
        Just("(".to_string()),
        Just(")".to_string()),
        Just(",".to_string()),
        Just("=".to_string()),
        Just("!=".to_string()),
        Just(">=".to_string()),
        Just("$".to_string()),
        Just("~".to_string()),
        Just("/a.c/i".to_string()),
        "[a-z][a-zA-Z0-9:_-]{0,6}(\\.[a-z][a-z0-9:]{0,4}){0,2}",
        "'[a-z %]{0,5}'",
        "-?[0-9]{1,3}",
    ];
    prop::collection::vec(tok, 0..30).prop_map(|v| v.join(" "))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_bytes_never_panic(s in "\\PC{0,80}") {
        if let Err(errs) = compile(&s, &FunctionRegistry::standard()) {
            for e in errs {
                prop_assert!(e.span.start <= e.span.end && e.span.end <= s.len());
                let _ = e.render(&s, "p");
            }
        }
    }

    #[test]
    fn gslish_text_never_panics_and_round_trips(body in gslish()) {
        let src = format!("X should have {body}");
        match parse(&src) {
            Ok(ast) => {
                let printed = ast.to_string();
                let again = parse(&printed);
                prop_assert!(again.is_ok(), "printed form does not parse: {printed}");
                if let Ok(again) = again {
                    prop_assert_eq!(again.without_spans(), ast.without_spans());
                    prop_assert_eq!(again.to_string(), printed);
                }
            }
            Err(errs) => {
                for e in errs {
                    prop_assert!(e.span.start <= e.span.end && e.span.end <= src.len());
                    let _ = e.render(&src, "p");
                }
            }
        }
    }
}

mod generated_asts {
    //! Random syntax trees (not text): printing then parsing gives the same tree back.

    use gsl::ast::*;
    use gsl::parse;
    use proptest::prelude::*;

    fn e(kind: ExprKind) -> Expr {
        Expr { kind, span: 0..0 }
    }

    fn word() -> impl Strategy<Value = String> {
        "[a-zA-Z][a-zA-Z0-9_]{0,4}(:[a-zA-Z]{1,3})?".prop_filter("not a keyword", |w| {
            ![
                "and",
                "or",
                "not",
                "should",
                "where",
                "true",
                "false",
                "like",
                "in",
                "with",
                "groupBy",
                "contain",
                "regexMatch",
                "have",
                "fail",
            ]
            .contains(&w.as_str())
        })
    }

    fn path() -> impl Strategy<Value = Expr> {
        (0..3u8, prop::collection::vec(word(), 0..3)).prop_map(|(root, names)| {
            let root = match root {
                0 => PathRoot::Scope,
                1 => PathRoot::Dollar,
                _ => PathRoot::Entity,
            };
            let mut names = names;
            // Only `$` stands alone.
            if names.is_empty() && root != PathRoot::Dollar {
                names.push("p".into());
            }
            let segments = names
                .into_iter()
                .map(|name| Segment { name, span: 0..0 })
                .collect();
            e(ExprKind::Path(Path { root, segments }))
        })
    }

    fn literal() -> impl Strategy<Value = Expr> {
        prop_oneof![
            "[a-z '\\\\%\"\n]{0,6}".prop_map(|s| e(ExprKind::Literal(Literal::String(s)))),
            (-4000i32..4000)
                .prop_map(|n| e(ExprKind::Literal(Literal::Number(f64::from(n) / 4.0)))),
            any::<bool>().prop_map(|b| e(ExprKind::Literal(Literal::Bool(b)))),
        ]
    }

    /// What the parser makes of `[x]`: a bare literal means `[$ = x]`.
    fn bracketed(x: Expr) -> Box<Expr> {
        Box::new(match x.kind {
            ExprKind::Literal(lit) => e(ExprKind::Postfix {
                target: Box::new(e(ExprKind::Path(Path {
                    root: PathRoot::Dollar,
                    segments: vec![],
                }))),
                op: Postfix::Compare {
                    op: CmpOp::Eq,
                    rhs: Box::new(e(ExprKind::Literal(lit))),
                },
                op_span: 0..0,
            }),
            k => e(k),
        })
    }

    fn postfix(inner: BoxedStrategy<Expr>) -> impl Strategy<Value = Postfix> {
        let ops = [
            CmpOp::Eq,
            CmpOp::Ne,
            CmpOp::Lt,
            CmpOp::Gt,
            CmpOp::Le,
            CmpOp::Ge,
        ];
        let kinds = [
            ContainKind::Contain,
            ContainKind::Any,
            ContainKind::All,
            ContainKind::None,
        ];
        prop_oneof![
            (prop::sample::select(ops.to_vec()), inner.clone()).prop_map(|(op, rhs)| {
                Postfix::Compare {
                    op,
                    rhs: Box::new(rhs),
                }
            }),
            "[a-z%/' ]{0,5}".prop_map(|pattern| Postfix::Like {
                pattern,
                span: 0..0
            }),
            prop::collection::vec(inner.clone(), 1..3).prop_map(|items| Postfix::In { items }),
            ("[a-z.*/]{1,5}", prop::sample::select(vec!["", "i"])).prop_map(|(pattern, f)| {
                Postfix::RegexMatch {
                    pattern,
                    flags: f.to_string(),
                    span: 0..0,
                }
            }),
            (prop::sample::select(kinds.to_vec()), inner.clone()).prop_map(|(kind, p)| {
                Postfix::Contain {
                    kind,
                    pred: bracketed(p),
                }
            }),
            (inner.clone(), prop::option::of(inner.clone())).prop_map(|(p, r)| Postfix::With {
                pred: bracketed(p),
                refine: r.map(Box::new),
            }),
            inner
                .clone()
                .prop_map(|k| Postfix::GroupBy { key: bracketed(k) }),
            (
                prop::sample::select(vec!["isEmpty", "length", "getValue", "split", "f"]),
                prop::collection::vec(inner, 0..3)
            )
                .prop_map(|(name, args)| Postfix::Call {
                    name: name.to_string(),
                    name_span: 0..0,
                    args,
                }),
        ]
    }

    /// Or/And operands are never of the same kind (the parser flattens those).
    fn junction(items: Vec<Expr>, or: bool) -> Expr {
        let items = items
            .into_iter()
            .flat_map(|it| match it.kind {
                ExprKind::Or(v) if or => v,
                ExprKind::And(v) if !or => v,
                k => vec![e(k)],
            })
            .collect();
        e(if or {
            ExprKind::Or(items)
        } else {
            ExprKind::And(items)
        })
    }

    fn expr() -> impl Strategy<Value = Expr> {
        let leaf = prop_oneof![path(), literal()];
        leaf.prop_recursive(4, 24, 3, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 2..4).prop_map(|v| junction(v, true)),
                prop::collection::vec(inner.clone(), 2..4).prop_map(|v| junction(v, false)),
                inner.clone().prop_map(|x| e(ExprKind::Not(Box::new(x)))),
                prop::collection::vec(inner.clone(), 2..4).prop_map(|v| e(ExprKind::List(v))),
                (inner.clone(), postfix(inner.clone())).prop_map(|(t, op)| {
                    // `~name(...)` is the only form with the bare `~` root.
                    e(ExprKind::Postfix {
                        target: Box::new(t),
                        op,
                        op_span: 0..0,
                    })
                }),
                postfix(inner).prop_filter_map("calls only", |op| {
                    matches!(op, Postfix::Call { .. }).then(|| {
                        e(ExprKind::Postfix {
                            target: Box::new(e(ExprKind::Path(Path {
                                root: PathRoot::Entity,
                                segments: vec![],
                            }))),
                            op,
                            op_span: 0..0,
                        })
                    })
                }),
            ]
        })
    }

    fn rule() -> impl Strategy<Value = Rule> {
        (
            "[A-Z][a-zA-Z0-9]{0,6}".prop_filter("not List", |n| n != "List"),
            any::<bool>(),
            prop::option::of(expr()),
            0..3u8,
            any::<bool>(),
            expr(),
        )
            .prop_map(|(name, aggregate, filter, form, negated, body)| {
                let verdict = match form {
                    0 if filter.is_some() => Verdict::Query,
                    1 => Verdict::Fail { span: 0..0 },
                    _ => Verdict::Should {
                        negated,
                        expr: body,
                    },
                };
                Rule {
                    entity: EntityRef {
                        name,
                        aggregate,
                        span: 0..0,
                    },
                    filter,
                    verdict,
                    span: 0..0,
                }
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        #[test]
        fn print_then_parse_gives_the_tree_back(r in rule()) {
            let printed = r.to_string();
            let parsed = parse(&printed);
            prop_assert!(parsed.is_ok(), "{printed}\n{:?}", parsed.err());
            if let Ok(p) = parsed {
                prop_assert_eq!(p.without_spans(), r, "{}", printed);
            }
        }
    }
}
