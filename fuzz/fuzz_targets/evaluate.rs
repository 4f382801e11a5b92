//! Arbitrary rules over arbitrary JSON. Input: rule text, a NUL byte, then the entity as JSON.
//! `evaluate` and `explain` must agree and neither may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (rule, json) = text.split_once('\0').unwrap_or((text, "{}"));
    let Ok(json) = serde_json::from_str::<serde_json::Value>(json) else {
        return;
    };
    let entity = gsl::Value::from_json(&json);
    let Ok(compiled) = gsl::compile(rule, &gsl::FunctionRegistry::standard()) else {
        return;
    };
    let cx = gsl::EvalContext::at_unix(1_700_000_000);
    let outcome = compiled.evaluate(&entity, &cx);
    let (explained, _trace) = compiled.explain(&entity, &cx);
    assert_eq!(outcome, explained, "{rule}");
});
