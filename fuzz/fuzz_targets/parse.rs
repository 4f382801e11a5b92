//! Lexer, parser, compiler and printer on arbitrary text: errors must be diagnostics with spans
//! inside the text, and accepted rules must survive a print/parse round trip.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    let registry = gsl::FunctionRegistry::standard();
    match gsl::parse(src) {
        Ok(rule) => {
            let printed = rule.to_string();
            let again = gsl::parse(&printed)
                .unwrap_or_else(|e| panic!("printed rule does not parse: {printed:?}: {e:?}"));
            assert_eq!(again.without_spans(), rule.without_spans(), "{printed:?}");
            if let Err(errs) = gsl::compile(src, &registry) {
                for e in errs {
                    assert!(e.span.start <= e.span.end && e.span.end <= src.len());
                    let _ = e.render(src, "fuzz");
                }
            }
        }
        Err(errs) => {
            for e in errs {
                assert!(e.span.start <= e.span.end && e.span.end <= src.len());
                let _ = e.render(src, "fuzz");
            }
        }
    }
});
