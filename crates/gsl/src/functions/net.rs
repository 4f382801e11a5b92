//! `isPublic()`, `numberOfHosts()`, `allowedHostsForPort(port)`.
//!
//! Address ranges are read from strings: `a.b.c.d`, `a.b.c.d/n`, IPv6 with or without `/n`, and
//! the "any source" spellings `*`, `Any`, `Internet` (Azure service tags), read as `0.0.0.0/0`.
//! Anything else (a security-group id, `VirtualNetwork`) is not an address range: functions
//! treat it as missing.

use super::{num_arg, scalar_text};
use crate::eval::EvalContext;
use crate::value::Value;
use std::net::{Ipv4Addr, Ipv6Addr};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Family {
    V4,
    V6,
}

/// An inclusive address range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Range {
    family: Family,
    lo: u128,
    hi: u128,
}

fn parse_range(s: &str) -> Option<Range> {
    let s = s.trim();
    if s == "*" || s.eq_ignore_ascii_case("any") || s.eq_ignore_ascii_case("internet") {
        return parse_range("0.0.0.0/0");
    }
    let (addr, prefix) = match s.split_once('/') {
        Some((a, p)) => (a, Some(p.parse::<u32>().ok()?)),
        None => (s, None),
    };
    let (family, base, bits) = if let Ok(a) = addr.parse::<Ipv4Addr>() {
        (Family::V4, u128::from(u32::from(a)), 32)
    } else if let Ok(a) = addr.parse::<Ipv6Addr>() {
        (Family::V6, u128::from(a), 128)
    } else {
        return None;
    };
    let prefix = prefix.unwrap_or(bits);
    if prefix > bits {
        return None;
    }
    let host_bits = bits - prefix;
    let size_mask: u128 = if host_bits == 128 {
        u128::MAX
    } else {
        (1u128 << host_bits) - 1
    };
    let lo = base & !size_mask;
    Some(Range {
        family,
        lo,
        hi: lo | size_mask,
    })
}

fn size(r: &Range) -> f64 {
    (r.hi - r.lo) as f64 + 1.0
}

/// Private (RFC 1918, RFC 4193), loopback, link-local and unspecified blocks.
const NON_PUBLIC: &[&str] = &[
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "::1/128",
    "::/128",
    "fe80::/10",
    "fc00::/7",
];

/// True iff the range contains any address outside the non-public blocks.
fn range_is_public(r: &Range) -> bool {
    !NON_PUBLIC
        .iter()
        .filter_map(|b| parse_range(b))
        .any(|b| b.family == r.family && b.lo <= r.lo && r.hi <= b.hi)
}

fn ranges_of(v: &Value, out: &mut Vec<Range>) {
    match v {
        Value::List(l) => l.iter().for_each(|x| ranges_of(x, out)),
        other => {
            if let Some(r) = scalar_text(other).and_then(|s| parse_range(&s)) {
                out.push(r);
            }
        }
    }
}

/// `x isPublic()`: true iff `x` (or, on a list, some element) is an address or range that is not
/// entirely private, loopback or link-local.
pub fn is_public(v: &Value, _: &[Value], _: &EvalContext) -> Result<Value, String> {
    let mut rs = vec![];
    ranges_of(v, &mut rs);
    Ok(Value::Bool(rs.iter().any(range_is_public)))
}

/// `x numberOfHosts()`: addresses in the range (`/24` = 256, a single address = 1); on a list,
/// the sum; missing when nothing parses.
pub fn number_of_hosts(v: &Value, _: &[Value], _: &EvalContext) -> Result<Value, String> {
    let mut rs = vec![];
    ranges_of(v, &mut rs);
    if rs.is_empty() {
        return Ok(Value::Null);
    }
    Ok(Value::Number(rs.iter().map(size).sum()))
}

pub fn validate_port(args: &[Value]) -> Result<(), String> {
    let p = num_arg(args, 0, "a port")?;
    if !(0.0..=65535.0).contains(&p) || p.fract() != 0.0 {
        return Err(format!("port {p} is out of range 0..65535"));
    }
    Ok(())
}

/// The first present field among `names`.
fn field<'v>(rule: &'v Value, names: &[&str]) -> Option<&'v Value> {
    names
        .iter()
        .find_map(|n| rule.get(n).filter(|v| !v.is_null()))
}

/// A port bound: a number, a numeric string, or `*` / `any` (all ports).
fn port_bounds(v: Option<&Value>) -> Option<(f64, f64)> {
    match v {
        None => Some((0.0, 65535.0)),
        Some(Value::Number(n)) => Some((*n, *n)),
        Some(Value::String(s)) => {
            let s = s.trim();
            if s == "*" || s.eq_ignore_ascii_case("any") || s.eq_ignore_ascii_case("all") {
                return Some((0.0, 65535.0));
            }
            if let Some((a, b)) = s.split_once('-') {
                return Some((a.trim().parse().ok()?, b.trim().parse().ok()?));
            }
            s.parse().ok().map(|n| (n, n))
        }
        Some(_) => None,
    }
}

/// Removes `taken` from `r`, returning the uncovered pieces.
fn subtract(r: Range, taken: &[Range]) -> Vec<Range> {
    let mut pieces = vec![r];
    for t in taken.iter().filter(|t| t.family == r.family) {
        let mut next = vec![];
        for p in pieces {
            if t.hi < p.lo || t.lo > p.hi {
                next.push(p);
                continue;
            }
            if t.lo > p.lo {
                next.push(Range { hi: t.lo - 1, ..p });
            }
            if t.hi < p.hi {
                next.push(Range { lo: t.hi + 1, ..p });
            }
        }
        pieces = next;
    }
    pieces
}

/// `rules allowedHostsForPort(port)`: how many source addresses may reach `port`, evaluating an
/// ordered allow/deny rule list the way AWS network ACLs and Azure NSGs do (first matching rule
/// wins for each address).
///
/// Fields read from each rule (the first present name wins):
/// - order: `priority`, `ruleNumber` (ascending; rules without one keep list order, after
///   numbered ones);
/// - action: `action`, `access`, `ruleAction` — `deny` (any case) denies, anything else or
///   absent allows (security groups and GCP allow rules have no action);
/// - ports: `destinationPort`/`portFrom`/`fromPort`/`port` to
///   `destinationPortTo`/`portTo`/`toPort` (a missing upper bound equals the lower one; no
///   port at all, `*`, or `any` means every port; `"80-90"` is a range);
/// - sources: `source`, `sourceAddressPrefix`, `cidr`, `cidrBlock`, `scope` (a string or a list).
///
/// The protocol is not considered: rules select it separately (`protocol in ('TCP','ALL')`).
/// IPv4 and IPv6 addresses are counted together; `0.0.0.0/0` alone gives 4294967296.
pub fn allowed_hosts_for_port(v: &Value, args: &[Value], _: &EvalContext) -> Result<Value, String> {
    let port = num_arg(args, 0, "a port")?;
    let rules: Vec<&Value> = match v {
        Value::Null => vec![],
        Value::List(l) => l.iter().collect(),
        other => vec![other],
    };
    let mut ordered: Vec<(Option<f64>, usize, &Value)> = rules
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            let order = field(r, &["priority", "ruleNumber"]).and_then(|o| match o {
                Value::Number(n) => Some(*n),
                Value::String(s) => s.trim().parse().ok(),
                _ => None,
            });
            (order, i, r)
        })
        .collect();
    ordered.sort_by(|a, b| match (a.0, b.0) {
        (Some(x), Some(y)) => x.total_cmp(&y).then(a.1.cmp(&b.1)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.1.cmp(&b.1),
    });
    let mut decided: Vec<Range> = vec![];
    let mut allowed = 0.0;
    for (_, _, rule) in ordered {
        let from = field(rule, &["destinationPort", "portFrom", "fromPort", "port"]);
        let to = field(rule, &["destinationPortTo", "portTo", "toPort"]);
        let Some((lo, _)) = port_bounds(from) else {
            continue;
        };
        let hi = match (from, to) {
            (Some(_), Some(t)) => port_bounds(Some(t)).map_or(lo, |(_, h)| h),
            (f, _) => port_bounds(f).map_or(lo, |(_, h)| h),
        };
        if port < lo || port > hi {
            continue;
        }
        let deny = field(rule, &["action", "access", "ruleAction"])
            .and_then(Value::as_str)
            .is_some_and(|a| a.eq_ignore_ascii_case("deny"));
        let mut sources = vec![];
        if let Some(s) = field(
            rule,
            &[
                "source",
                "sourceAddressPrefix",
                "cidr",
                "cidrBlock",
                "scope",
            ],
        ) {
            ranges_of(s, &mut sources);
        }
        for r in sources {
            let fresh = subtract(r, &decided);
            if !deny {
                allowed += fresh.iter().map(size).sum::<f64>();
            }
            decided.extend(fresh);
        }
    }
    Ok(Value::Number(allowed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn call(
        f: fn(&Value, &[Value], &EvalContext) -> Result<Value, String>,
        v: serde_json::Value,
        args: &[Value],
    ) -> Value {
        f(&Value::from_json(&v), args, &EvalContext::at_unix(0)).unwrap()
    }

    #[test]
    fn public_and_private_ranges() {
        for (s, want) in [
            ("0.0.0.0/0", true),
            ("8.8.8.8", true),
            ("10.1.2.3", false),
            ("10.0.0.0/8", false),
            ("172.16.0.0/12", false),
            ("172.32.0.1", true),
            ("192.168.1.0/24", false),
            ("127.0.0.1", false),
            ("169.254.169.254", false),
            ("::/0", true),
            ("fe80::1", false),
            ("fd00::/8", false),
            ("2001:db8::/32", true),
            ("*", true),
            ("sg-123", false),
        ] {
            assert_eq!(call(is_public, json!(s), &[]), Value::Bool(want), "{s}");
        }
        assert_eq!(
            call(is_public, json!(["10.0.0.1", "1.1.1.1"]), &[]),
            Value::Bool(true)
        );
    }

    #[test]
    fn host_counts() {
        assert_eq!(
            call(number_of_hosts, json!("0.0.0.0/0"), &[]),
            Value::Number(4294967296.0)
        );
        assert_eq!(
            call(number_of_hosts, json!("10.0.0.0/24"), &[]),
            Value::Number(256.0)
        );
        assert_eq!(
            call(number_of_hosts, json!("10.0.0.7"), &[]),
            Value::Number(1.0)
        );
        assert_eq!(
            call(number_of_hosts, json!("2001:db8::/64"), &[]),
            Value::Number(2f64.powi(64))
        );
        assert_eq!(call(number_of_hosts, json!("sg-1"), &[]), Value::Null);
    }

    #[test]
    fn allowed_hosts_follow_rule_order() {
        let port = [Value::Number(22.0)];
        // A deny for 10/8 at priority 100 hides the later allow-all for those addresses.
        let rules = json!([
            {"priority": 200, "access": "Allow", "source": "*", "destinationPort": 0, "destinationPortTo": 65535},
            {"priority": 100, "access": "Deny", "source": "10.0.0.0/8", "destinationPort": 22, "destinationPortTo": 22},
        ]);
        assert_eq!(
            call(allowed_hosts_for_port, rules, &port),
            Value::Number(4294967296.0 - 16777216.0)
        );
        // Other ports are unaffected by the deny.
        let rules = json!([
            {"ruleNumber": 100, "action": "deny", "cidr": "0.0.0.0/0", "portFrom": 80, "portTo": 80},
            {"ruleNumber": 200, "action": "allow", "cidr": "1.2.3.0/24", "portFrom": 0, "portTo": 1024},
        ]);
        assert_eq!(
            call(allowed_hosts_for_port, rules, &port),
            Value::Number(256.0)
        );
        // Without actions (security groups) every matching rule allows; overlaps count once.
        let rules = json!([
            {"destinationPort": 20, "destinationPortTo": 30, "source": "1.2.3.0/24"},
            {"destinationPort": 22, "source": "1.2.3.4"},
            {"destinationPort": 23, "source": "0.0.0.0/0"},
        ]);
        assert_eq!(
            call(allowed_hosts_for_port, rules, &port),
            Value::Number(256.0)
        );
        assert_eq!(
            call(allowed_hosts_for_port, json!(null), &port),
            Value::Number(0.0)
        );
        assert!(validate_port(&[Value::Number(70000.0)]).is_err());
    }
}
