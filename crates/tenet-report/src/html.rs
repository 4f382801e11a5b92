//! `--format html`: one self-contained compliance report (inline CSS, inline SVG, a small inline
//! script; no network, no external fonts; a Content-Security-Policy forbids any fetch).
//!
//! Layout: totals, a table per compliance framework (every framework of every loaded rule) with
//! pass/fail counts and an inline-SVG bar, then the results with evidence, fix and remediation
//! snippets, filterable by rule, outcome and framework. Filters also read and write the URL
//! fragment (`#rule=..&outcome=..&framework=..`), so a filtered view can be linked to, and
//! tested without clicking.
//!
//! Written by hand rather than with a template engine: it is one fixed page, and every dynamic
//! value goes through [`esc`].

use crate::common;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use tenet_findings::{Report, RuleResult, Summary};

/// Reported outcomes, in display order, with their colours.
const OUTCOMES: [(&str, &str); 5] = [
    ("FAIL", "#c62828"),
    ("UNKNOWN", "#ef6c00"),
    ("SUPPRESSED", "#5c6bc0"),
    ("PASS", "#2e7d32"),
    ("SKIP", "#9e9e9e"),
];

/// Escapes text for HTML content and double- or single-quoted attributes.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn count(s: &Summary, outcome: &str) -> usize {
    match outcome {
        "FAIL" => s.fail,
        "UNKNOWN" => s.unknown,
        "SUPPRESSED" => s.suppressed,
        "PASS" => s.pass,
        _ => s.skip,
    }
}

/// A horizontal stacked bar of the outcome counts.
fn bar(s: &Summary, width: f64) -> String {
    let total = s.total();
    let label = OUTCOMES
        .iter()
        .map(|(o, _)| format!("{} {o}", count(s, o)))
        .collect::<Vec<_>>()
        .join(", ");
    let mut svg = format!(
        r##"<svg class="bar" width="{width}" height="14" viewBox="0 0 {width} 14" role="img" aria-label="{label}"><title>{label}</title><rect width="{width}" height="14" fill="#eceff1"/>"##
    );
    let mut x = 0.0;
    if total > 0 {
        for (o, colour) in OUTCOMES {
            let n = count(s, o);
            if n == 0 {
                continue;
            }
            let w = width * n as f64 / total as f64;
            let _ = write!(
                svg,
                r#"<rect class="seg-{o}" x="{x:.1}" width="{w:.1}" height="14" fill="{colour}"/>"#
            );
            x += w;
        }
    }
    svg.push_str("</svg>");
    svg
}

const STYLE: &str = r##"
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #1c2430; background: #f6f8fa; }
header, main { max-width: 1100px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 20px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 10px; }
.meta { color: #57606a; margin: 0; }
.totals { display: flex; gap: 10px; margin: 16px 0 0; flex-wrap: wrap; }
.total { background: #fff; border: 1px solid #d0d7de; border-radius: 6px; padding: 8px 14px; min-width: 90px; }
.total b { display: block; font-size: 22px; }
.total.FAIL b { color: #c62828; } .total.UNKNOWN b { color: #ef6c00; } .total.SUPPRESSED b { color: #5c6bc0; } .total.PASS b { color: #2e7d32; } .total.SKIP b { color: #6e7781; }
table { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid #d0d7de; }
th, td { text-align: left; padding: 5px 10px; border-bottom: 1px solid #eaeef2; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.framework { cursor: pointer; } tr.framework:hover { background: #f3f6f9; }
tr.framework.failing td:first-child { font-weight: 600; }
.filters { display: flex; gap: 14px; align-items: center; flex-wrap: wrap; background: #fff; border: 1px solid #d0d7de; border-radius: 6px; padding: 8px 12px; margin-bottom: 12px; }
.filters select { font: inherit; max-width: 320px; }
article { background: #fff; border: 1px solid #d0d7de; border-left: 4px solid #9e9e9e; border-radius: 6px; padding: 10px 14px; margin: 0 0 10px; }
article[hidden] { display: none; }
article.FAIL { border-left-color: #c62828; } article.UNKNOWN { border-left-color: #ef6c00; } article.SUPPRESSED { border-left-color: #5c6bc0; } article.PASS { border-left-color: #2e7d32; }
article h3 { font-size: 14px; margin: 0 0 6px; }
.badge { display: inline-block; color: #fff; border-radius: 4px; padding: 0 6px; font-size: 12px; margin-right: 6px; }
.badge.FAIL { background: #c62828; } .badge.UNKNOWN { background: #ef6c00; } .badge.SUPPRESSED { background: #5c6bc0; } .badge.PASS { background: #2e7d32; } .badge.SKIP { background: #9e9e9e; }
dl { display: grid; grid-template-columns: max-content auto; gap: 2px 12px; margin: 0 0 6px; }
dt { color: #57606a; } dd { margin: 0; word-break: break-all; }
ul.evidence { margin: 4px 0; padding-left: 18px; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
pre { background: #f6f8fa; border: 1px solid #eaeef2; border-radius: 4px; padding: 8px; overflow-x: auto; }
.fix { margin: 4px 0; } .suppression { color: #3f4a9c; margin: 4px 0; }
.frameworks { color: #57606a; font-size: 12px; margin: 4px 0 0; }
#empty { color: #57606a; }
"##;

const SCRIPT: &str = r##"
(function () {
  var ids = ["rule", "outcome", "framework"];
  var selects = {};
  ids.forEach(function (k) { selects[k] = document.getElementById("filter-" + k); });
  var items = Array.prototype.slice.call(document.querySelectorAll("article.result"));
  var shown = document.getElementById("shown");
  var empty = document.getElementById("empty");
  function matches(a, f) {
    if (f.rule && a.dataset.rule !== f.rule) return false;
    var o = a.dataset.outcome;
    if (f.outcome === "findings" ? !(o === "FAIL" || o === "UNKNOWN" || o === "SUPPRESSED")
        : (f.outcome && f.outcome !== "all" && o !== f.outcome)) return false;
    if (f.framework && JSON.parse(a.dataset.frameworks).indexOf(f.framework) < 0) return false;
    return true;
  }
  function apply(updateHash) {
    var f = {};
    ids.forEach(function (k) { f[k] = selects[k].value; });
    var n = 0;
    items.forEach(function (a) { var ok = matches(a, f); a.hidden = !ok; if (ok) n++; });
    shown.textContent = String(n);
    document.body.setAttribute("data-shown", String(n));
    empty.hidden = n !== 0;
    if (updateHash) {
      var parts = ids.filter(function (k) { return f[k] && !(k === "outcome" && f[k] === "findings"); })
        .map(function (k) { return k + "=" + encodeURIComponent(f[k]); });
      history.replaceState(null, "", parts.length ? "#" + parts.join("&") : location.pathname);
    }
  }
  function fromHash() {
    var wanted = { rule: "", outcome: "findings", framework: "" };
    location.hash.replace(/^#/, "").split("&").forEach(function (p) {
      var i = p.indexOf("=");
      if (i > 0 && wanted.hasOwnProperty(p.slice(0, i))) wanted[p.slice(0, i)] = decodeURIComponent(p.slice(i + 1));
    });
    ids.forEach(function (k) {
      var ok = Array.prototype.some.call(selects[k].options, function (o) { return o.value === wanted[k]; });
      selects[k].value = ok ? wanted[k] : selects[k].options[0].value;
    });
    apply(false);
  }
  ids.forEach(function (k) { selects[k].addEventListener("change", function () { apply(true); }); });
  Array.prototype.forEach.call(document.querySelectorAll("tr.framework"), function (tr) {
    tr.addEventListener("click", function () {
      selects.framework.value = tr.dataset.framework;
      apply(true);
      document.getElementById("findings").scrollIntoView();
    });
  });
  window.addEventListener("hashchange", fromHash);
  fromHash();
})();
"##;

fn result(out: &mut String, report: &Report, r: &RuleResult) {
    let rule = &report.rules[r.rule];
    let e = &report.entities[r.entity];
    let label = r.label();
    let frameworks = serde_json::to_string(&rule.frameworks).unwrap_or_else(|_| "[]".into());
    let _ = write!(
        out,
        r#"<article class="result {label}" data-rule="{}" data-outcome="{label}" data-frameworks="{}">"#,
        esc(&rule.id),
        esc(&frameworks)
    );
    let _ = write!(
        out,
        r#"<h3><span class="badge {label}">{label}</span>{} <span class="sev">[{}]</span> {}</h3><dl>"#,
        esc(&rule.id),
        rule.severity,
        esc(&rule.title)
    );
    let entity = if e.name.is_empty() || e.name == e.id {
        esc(&e.id)
    } else {
        format!("{} <code>{}</code>", esc(&e.name), esc(&e.id))
    };
    let _ = write!(out, "<dt>{}</dt><dd>{entity}</dd>", esc(&e.kind));
    let location = common::location(&e.provenance);
    if !location.is_empty() {
        let _ = write!(
            out,
            "<dt>source</dt><dd><code>{}</code></dd>",
            esc(&location)
        );
    }
    if !e.attached.is_empty() {
        let list: Vec<String> = e
            .attached
            .iter()
            .map(|a| format!("{} {}", a.kind, a.name))
            .collect();
        let _ = write!(
            out,
            "<dt>attached to</dt><dd>{}</dd>",
            esc(&list.join(", "))
        );
    }
    out.push_str("</dl>");
    let mut lines: Vec<String> = r
        .evidence
        .iter()
        .map(|ev| common::evidence_line(&e.provenance, ev))
        .collect();
    if let gsl::Outcome::Unknown(reason) = &r.outcome
        && !lines.iter().any(|l| l.contains(reason.as_str()))
    {
        lines.push(format!("unknown: {reason}"));
    }
    if !lines.is_empty() {
        out.push_str(r#"<ul class="evidence">"#);
        for l in lines {
            let _ = write!(out, "<li>{}</li>", esc(&l));
        }
        out.push_str("</ul>");
    }
    if let Some(s) = &r.suppressed {
        let expires = s
            .expires
            .map(|d| format!(", until {d}"))
            .unwrap_or_default();
        let _ = write!(
            out,
            r#"<p class="suppression">Suppressed {}: {} <span class="origin">({}{expires})</span></p>"#,
            r.outcome.label(),
            esc(&s.reason),
            esc(&s.origin)
        );
    }
    if !matches!(r.outcome, gsl::Outcome::Pass | gsl::Outcome::Skip) {
        if let Some(fix) = common::fix(rule, r) {
            let _ = write!(out, r#"<p class="fix"><b>Fix:</b> {}</p>"#, esc(&fix));
        }
        let snippets = common::remediations(rule);
        if !snippets.is_empty() {
            out.push_str("<details class=\"remediation\"><summary>Remediation</summary>");
            for (label, text) in snippets {
                let _ = write!(out, "<h4>{label}</h4><pre>{}</pre>", esc(text));
            }
            out.push_str("</details>");
        }
    }
    if !rule.frameworks.is_empty() {
        let _ = write!(
            out,
            r#"<p class="frameworks">{}</p>"#,
            esc(&rule.frameworks.join(" · "))
        );
    }
    out.push_str("</article>\n");
}

pub fn render(report: &Report) -> String {
    let summary = report.summary();
    // Every framework of every loaded rule, with zero counts when nothing was evaluated.
    let mut frameworks: BTreeMap<&str, Summary> = report
        .rules
        .iter()
        .flat_map(|r| {
            r.frameworks
                .iter()
                .map(|f| (f.as_str(), Summary::default()))
        })
        .collect();
    frameworks.extend(report.by_framework());

    let mut out = String::with_capacity(16 * 1024 + report.results.len() * 512);
    out.push_str("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str("<title>Tenet compliance report</title>\n<style>");
    out.push_str(STYLE);
    out.push_str("</style>\n</head>\n<body>\n<header>\n<h1>Tenet compliance report</h1>\n");
    let _ = writeln!(
        out,
        r#"<p class="meta">{} · {} rules · {} entities · {} results · tenet {}</p>"#,
        esc(&report.inputs.join(", ")),
        report.rules.len(),
        report.entities.len(),
        summary.total(),
        env!("CARGO_PKG_VERSION")
    );
    out.push_str("<div class=\"totals\">");
    for (o, _) in OUTCOMES {
        let _ = write!(
            out,
            r#"<div class="total {o}" id="total-{o}"><b>{}</b>{o}</div>"#,
            count(&summary, o)
        );
    }
    out.push_str("</div>\n</header>\n<main>\n");

    out.push_str("<section id=\"compliance\">\n<h2>Compliance frameworks</h2>\n<table>\n<thead><tr><th>Framework</th>");
    for (o, _) in OUTCOMES {
        let _ = write!(out, r#"<th class="n">{o}</th>"#);
    }
    out.push_str("<th>Results</th></tr></thead>\n<tbody>\n");
    for (name, s) in &frameworks {
        let failing = if s.fail + s.unknown > 0 {
            " failing"
        } else {
            ""
        };
        let _ = write!(
            out,
            r#"<tr class="framework{failing}" data-framework="{}"><td>{}</td>"#,
            esc(name),
            esc(name)
        );
        for (o, _) in OUTCOMES {
            let _ = write!(out, r#"<td class="n {o}">{}</td>"#, count(s, o));
        }
        let _ = writeln!(out, "<td>{}</td></tr>", bar(s, 180.0));
    }
    out.push_str("</tbody>\n</table>\n</section>\n");

    out.push_str("<section id=\"findings\">\n<h2>Results</h2>\n<form class=\"filters\" onsubmit=\"return false\">\n");
    out.push_str("<label>Rule <select id=\"filter-rule\"><option value=\"\">All rules</option>");
    for r in &report.rules {
        let _ = write!(
            out,
            r#"<option value="{}">{}</option>"#,
            esc(&r.id),
            esc(&r.id)
        );
    }
    out.push_str("</select></label>\n<label>Outcome <select id=\"filter-outcome\"><option value=\"findings\">Findings (FAIL, UNKNOWN, SUPPRESSED)</option><option value=\"all\">All outcomes</option>");
    for (o, _) in OUTCOMES {
        let _ = write!(out, r#"<option value="{o}">{o}</option>"#);
    }
    out.push_str("</select></label>\n<label>Framework <select id=\"filter-framework\"><option value=\"\">All frameworks</option>");
    for name in frameworks.keys() {
        let _ = write!(
            out,
            r#"<option value="{}">{}</option>"#,
            esc(name),
            esc(name)
        );
    }
    let _ = writeln!(
        out,
        r#"</select></label>
<span><b id="shown">{}</b> of {} results shown</span>
</form>"#,
        summary.fail + summary.unknown + summary.suppressed,
        summary.total()
    );
    for r in &report.results {
        result(&mut out, report, r);
    }
    out.push_str("<p id=\"empty\" hidden>No result matches these filters.</p>\n</section>\n");
    if !report.warnings.is_empty() {
        out.push_str("<section id=\"warnings\">\n<h2>Warnings</h2>\n<ul>");
        for w in &report.warnings {
            let _ = write!(out, "<li>{}</li>", esc(w));
        }
        out.push_str("</ul>\n</section>\n");
    }
    out.push_str("</main>\n<script>");
    out.push_str(SCRIPT);
    out.push_str("</script>\n</body>\n</html>\n");
    out
}

pub fn write(report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    out.write_all(render(report).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            esc(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn bar_segments_are_proportional() {
        let s = Summary {
            pass: 1,
            fail: 3,
            ..Summary::default()
        };
        let svg = bar(&s, 100.0);
        assert!(
            svg.contains(
                r##"<rect class="seg-FAIL" x="0.0" width="75.0" height="14" fill="#c62828"/>"##
            ),
            "{svg}"
        );
        assert!(
            svg.contains(
                r##"<rect class="seg-PASS" x="75.0" width="25.0" height="14" fill="#2e7d32"/>"##
            ),
            "{svg}"
        );
        assert!(svg.contains("<title>3 FAIL, 0 UNKNOWN, 0 SUPPRESSED, 1 PASS, 0 SKIP</title>"));
    }
}
