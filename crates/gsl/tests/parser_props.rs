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
