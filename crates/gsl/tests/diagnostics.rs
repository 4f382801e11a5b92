//! Rendered errors (snapshots): what went wrong, where, and what was expected or meant.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use gsl::{FunctionRegistry, compile};

fn render(src: &str) -> String {
    let errs = compile(src, &FunctionRegistry::standard()).expect_err("rule should be rejected");
    errs.iter().map(|d| d.render(src, "rule.gsl")).collect()
}

macro_rules! snap {
    ($name:ident, $src:expr) => {
        #[test]
        fn $name() {
            insta::assert_snapshot!(stringify!($name), render($src), $src);
        }
    };
}

snap!(
    unknown_operator_suggests,
    "IamPolicy should have document.Statement contains-all [Effect = 'Allow']"
);
snap!(
    unknown_function_suggests,
    "RDS should not have inboundRules with [scope numberOfHost() > 256]"
);
snap!(
    wrong_arity,
    "IamUser should have passwordLastUsed after(-90)"
);
snap!(
    bad_time_unit,
    "IamUser should have passwordLastUsed after(-90, 'fortnights')"
);
snap!(
    unbalanced_paren,
    "S3Bucket should have policy.Statement contain [Effect='Deny' and (Action='s3:PutObject' and Condition.Null.s3:x-amz-server-side-encryption='true')])"
);
snap!(
    unclosed_bracket,
    "IamPolicy should have document.Statement contain [Effect = 'Allow'"
);
snap!(placeholder_rule, "TRUE");
snap!(placeholder_rule_lowercase, "true");
snap!(
    extra_bracket,
    "List<LogProfile> should have items with [properties.retentionPolicy.enabled='true' and properties.retentionPolicy.days >= 365] length() >0]"
);
snap!(
    glued_function,
    "NetworkSecurityGroup should have networkAssetsStatslength()>0"
);
snap!(missing_should, "IamUser shuld have mfaActive=true");
snap!(
    unterminated_string,
    "IamUser where name like '%root should have mfaActive"
);
snap!(
    bad_regex,
    "IamUser where name regexMatch /(unclosed/ should have mfaActive"
);
snap!(
    bad_regex_flag,
    "IamUser where name regexMatch /root/q should have mfaActive"
);
snap!(double_equals, "IamUser should have mfaActive == true");
snap!(missing_value, "IamUser should have mfaActive =");
snap!(
    function_without_parens,
    "IamUser should have managedPolicies isEmpty"
);
snap!(
    multi_line,
    "IamPolicy\n  where attachmentCount > 0\n  should have document.Statement contain [Effect 'Allow']"
);

#[test]
fn deep_nesting_message() {
    let src = format!(
        "X should have {}a{}",
        "(".repeat(10_000),
        ")".repeat(10_000)
    );
    let errs = compile(&src, &FunctionRegistry::standard()).unwrap_err();
    assert_eq!(
        errs[0].message,
        "expression nested too deeply (more than 64 levels)"
    );
    assert_eq!(errs[0].span, 78..79);
}

#[test]
fn display_includes_the_suggestion() {
    let errs = compile(
        "X should have a contains-all [b]",
        &FunctionRegistry::standard(),
    )
    .unwrap_err();
    assert_eq!(
        errs[0].to_string(),
        "unknown operator `contains-all` (at bytes 16..28); did you mean `contain-all`?"
    );
}

/// The rules marked `error` in the corpus (`rules.tsv`), each snapshotted above.
const CORPUS_ERRORS: &[&str] = &[
    "S3Bucket should have policy.Statement contain [Effect='Deny' and (Action='s3:PutObject' and Condition.Null.s3:x-amz-server-side-encryption='true')])",
    "TRUE",
    "true",
    "List<LogProfile> should have items with [properties.retentionPolicy.enabled='true' and properties.retentionPolicy.days >= 365] length() >0]",
    "NetworkSecurityGroup should have networkAssetsStatslength()>0",
];

/// Every corpus `error` rule renders with a caret line and says what was expected (or what was
/// meant); and, when the corpus is present, the list above is exactly its `error` rules.
#[test]
fn corpus_error_rules_say_what_was_expected() {
    for src in CORPUS_ERRORS {
        let out = render(src);
        assert!(out.contains('^'), "{out}");
        assert!(
            out.contains("expected") || out.contains("did you mean"),
            "{out}"
        );
    }
    let Some(dir) = std::env::var_os("TENET_CORPUS") else {
        return;
    };
    let tsv = std::path::Path::new(&dir).join("gsl/rules.tsv");
    let text = std::fs::read_to_string(&tsv).unwrap();
    let mut errors: Vec<&str> = text
        .lines()
        .skip(1)
        .filter_map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            (cols.get(4) == Some(&"error")).then(|| cols[2])
        })
        .collect();
    errors.sort_unstable();
    let mut ours = CORPUS_ERRORS.to_vec();
    ours.sort_unstable();
    assert_eq!(errors, ours);
}
