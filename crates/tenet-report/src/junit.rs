//! `--format junit`: JUnit XML for CI test reports. One `<testsuite>` per rule, one
//! `<testcase>` per (rule, entity) pair: FAIL has a `<failure>` with the evidence, UNKNOWN an
//! `<error>`, SKIP and SUPPRESSED a `<skipped>` with the reason.

use crate::common;
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use std::io;
use tenet_findings::{Report, RuleResult, Summary};

fn counts(results: &[&RuleResult]) -> Summary {
    let mut s = Summary::default();
    for r in results {
        s.add_result(r);
    }
    s
}

fn suite_attrs(e: &mut BytesStart<'_>, name: &str, s: &Summary) {
    e.push_attribute(("name", name));
    e.push_attribute(("tests", s.total().to_string().as_str()));
    e.push_attribute(("failures", s.fail.to_string().as_str()));
    e.push_attribute(("errors", s.unknown.to_string().as_str()));
    e.push_attribute(("skipped", (s.skip + s.suppressed).to_string().as_str()));
}

fn element<W: io::Write>(
    w: &mut Writer<W>,
    name: &str,
    attrs: &[(&str, &str)],
    text: Option<&str>,
) -> io::Result<()> {
    let mut start = BytesStart::new(name);
    for a in attrs {
        start.push_attribute(*a);
    }
    match text {
        None => w.write_event(Event::Empty(start)),
        Some(t) => {
            w.write_event(Event::Start(start))?;
            w.write_event(Event::Text(BytesText::new(t)))?;
            w.write_event(Event::End(BytesEnd::new(name)))
        }
    }
}

fn case<W: io::Write>(w: &mut Writer<W>, report: &Report, r: &RuleResult) -> io::Result<()> {
    let rule = &report.rules[r.rule];
    let entity = &report.entities[r.entity];
    let mut start = BytesStart::new("testcase");
    let name = if entity.name.is_empty() || entity.name == entity.id {
        entity.id.clone()
    } else {
        format!("{} ({})", entity.name, entity.id)
    };
    start.push_attribute(("name", name.as_str()));
    start.push_attribute(("classname", rule.id.as_str()));
    if let tenet_inventory::Provenance::File { path, line, .. } =
        &common::result_provenance(entity, r)
    {
        start.push_attribute(("file", path.display().to_string().as_str()));
        if let Some(l) = line {
            start.push_attribute(("line", l.to_string().as_str()));
        }
    }
    let message = common::message(report, r);
    let first = message.lines().next().unwrap_or_default().to_string();
    if r.suppressed.is_none() && matches!(r.outcome, gsl::Outcome::Pass) {
        return w.write_event(Event::Empty(start));
    }
    w.write_event(Event::Start(start))?;
    if let Some(s) = &r.suppressed {
        let text = format!(
            "SUPPRESSED ({}): {} [{}]",
            r.outcome.label(),
            s.reason,
            s.origin
        );
        element(w, "skipped", &[("message", text.as_str())], None)?;
    } else {
        match &r.outcome {
            gsl::Outcome::Fail => {
                let mut body = message.clone();
                if let Some(fix) = common::fix(rule, r) {
                    body.push_str(&format!("\nfix: {fix}"));
                }
                let location = common::location(&entity.provenance);
                if !location.is_empty() {
                    body.push_str(&format!("\nsource: {location}"));
                }
                let attrs = [
                    ("message", first.as_str()),
                    ("type", rule.severity.as_str()),
                ];
                element(w, "failure", &attrs, Some(&body))?;
            }
            gsl::Outcome::Unknown(_) => {
                element(
                    w,
                    "error",
                    &[("message", first.as_str()), ("type", "UNKNOWN")],
                    Some(&message),
                )?;
            }
            gsl::Outcome::Skip => {
                element(
                    w,
                    "skipped",
                    &[("message", "not in the rule's scope")],
                    None,
                )?;
            }
            gsl::Outcome::Pass => {}
        }
    }
    w.write_event(Event::End(BytesEnd::new("testcase")))
}

pub fn write(report: &Report, out: &mut dyn io::Write) -> io::Result<()> {
    let mut w = Writer::new_with_indent(out, b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let all: Vec<&RuleResult> = report.results.iter().collect();
    let mut root = BytesStart::new("testsuites");
    suite_attrs(&mut root, "tenet", &counts(&all));
    w.write_event(Event::Start(root))?;
    for (i, rule) in report.rules.iter().enumerate() {
        let results: Vec<&RuleResult> = all.iter().copied().filter(|r| r.rule == i).collect();
        let mut suite = BytesStart::new("testsuite");
        suite_attrs(&mut suite, &rule.id, &counts(&results));
        w.write_event(Event::Start(suite))?;
        for r in results {
            case(&mut w, report, r)?;
        }
        w.write_event(Event::End(BytesEnd::new("testsuite")))?;
    }
    w.write_event(Event::End(BytesEnd::new("testsuites")))?;
    w.into_inner().write_all(b"\n")
}
