//! Dates: ISO-8601 parsing (for comparisons) and `before(n, unit)` / `after(n, unit)`.
//!
//! `x before(n, unit)` is true iff the date `x` is earlier than *now + n units*; `after` iff it is
//! later. Units: minutes, hours, days, weeks, months, years (singular accepted, case ignored);
//! months and years move the calendar date (clamping the day, e.g. Mar 31 - 1 month = Feb 28/29).
//! "Now" comes from the [`EvalContext`]. Numbers are read as Unix timestamps (seconds, or
//! milliseconds above 10^11). On a list, true iff some element qualifies; missing or unparsable
//! dates are false.

use super::{num_arg, str_arg};
use crate::eval::EvalContext;
use crate::value::Value;

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn digits(s: &[u8], at: usize, n: usize) -> Option<u32> {
    let part = s.get(at..at + n)?;
    if !part.iter().all(u8::is_ascii_digit) {
        return None;
    }
    part.iter()
        .try_fold(0u32, |acc, d| Some(acc * 10 + u32::from(d - b'0')))
}

/// Parses `YYYY-MM-DD`, optionally followed by `T` or a space, `HH:MM[:SS[.fff]]` and `Z` or
/// `±HH[:]MM`. Returns milliseconds since the Unix epoch.
pub(crate) fn parse_date(s: &str) -> Option<i64> {
    let b = s.trim().as_bytes();
    let y = digits(b, 0, 4)?;
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let m = digits(b, 5, 2)?;
    let d = digits(b, 8, 2)?;
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(i64::from(y), m) {
        return None;
    }
    let mut ms = days_from_civil(i64::from(y), m, d) * 86_400_000;
    let mut i = 10;
    if matches!(b.get(i), Some(b'T' | b't' | b' ')) {
        let hh = digits(b, i + 1, 2)?;
        if b.get(i + 3) != Some(&b':') {
            return None;
        }
        let mm = digits(b, i + 4, 2)?;
        i += 6;
        let mut ss = 0;
        if b.get(i) == Some(&b':') {
            ss = digits(b, i + 1, 2)?;
            i += 3;
            if b.get(i) == Some(&b'.') {
                i += 1;
                let start = i;
                let mut frac = 0i64;
                while let Some(c) = b.get(i).filter(|c| c.is_ascii_digit()) {
                    if i - start < 3 {
                        frac = frac * 10 + i64::from(c - b'0');
                    }
                    i += 1;
                }
                for _ in (i - start)..3 {
                    frac *= 10;
                }
                ms += frac;
            }
        }
        if hh > 23 || mm > 59 || ss > 60 {
            return None;
        }
        ms += (i64::from(hh) * 3600 + i64::from(mm) * 60 + i64::from(ss)) * 1000;
        match b.get(i) {
            None => {}
            Some(b'Z' | b'z') if i + 1 == b.len() => {}
            Some(&sign @ (b'+' | b'-')) => {
                let oh = digits(b, i + 1, 2)?;
                let om_at = if b.get(i + 3) == Some(&b':') {
                    i + 4
                } else {
                    i + 3
                };
                let om = digits(b, om_at, 2)?;
                if om_at + 2 != b.len() {
                    return None;
                }
                let off = (i64::from(oh) * 60 + i64::from(om)) * 60_000;
                ms += if sign == b'+' { -off } else { off };
            }
            _ => return None,
        }
    } else if i != b.len() {
        return None;
    }
    Some(ms)
}

/// A value as a date in epoch milliseconds.
fn as_date(v: &Value) -> Option<i64> {
    match v {
        Value::String(s) => parse_date(s),
        Value::Number(n) if n.is_finite() => {
            if n.abs() > 1e11 {
                Some(*n as i64)
            } else {
                Some((*n * 1000.0) as i64)
            }
        }
        _ => None,
    }
}

#[derive(Clone, Copy)]
enum Unit {
    Minutes,
    Hours,
    Days,
    Weeks,
    Months,
    Years,
}

fn unit(s: &str) -> Result<Unit, String> {
    let l = s.trim().to_ascii_lowercase();
    Ok(match l.trim_end_matches('s') {
        "minute" => Unit::Minutes,
        "hour" => Unit::Hours,
        "day" => Unit::Days,
        "week" => Unit::Weeks,
        "month" => Unit::Months,
        "year" => Unit::Years,
        _ => {
            return Err(format!(
                "unknown time unit '{s}'; expected minutes, hours, days, weeks, months or years"
            ));
        }
    })
}

pub fn validate(args: &[Value]) -> Result<(), String> {
    num_arg(args, 0, "an amount")?;
    unit(str_arg(args, 1, "a unit")?).map(|_| ())
}

/// now + n units, in epoch milliseconds.
fn shifted_now(cx: &EvalContext, args: &[Value]) -> Result<i64, String> {
    let n = num_arg(args, 0, "an amount")?;
    let u = unit(str_arg(args, 1, "a unit")?)?;
    let now = cx.now_unix().saturating_mul(1000);
    let fixed = |per: f64| now.saturating_add((n * per) as i64);
    Ok(match u {
        Unit::Minutes => fixed(60_000.0),
        Unit::Hours => fixed(3_600_000.0),
        Unit::Days => fixed(86_400_000.0),
        Unit::Weeks => fixed(604_800_000.0),
        Unit::Months | Unit::Years => {
            let months = if matches!(u, Unit::Years) {
                (n * 12.0) as i64
            } else {
                n as i64
            };
            let days = now.div_euclid(86_400_000);
            let in_day = now.rem_euclid(86_400_000);
            let (y, m, d) = civil_from_days(days);
            let total = y * 12 + i64::from(m) - 1 + months;
            let (ny, nm) = (total.div_euclid(12), (total.rem_euclid(12) + 1) as u32);
            let nd = d.min(days_in_month(ny, nm));
            days_from_civil(ny, nm, nd) * 86_400_000 + in_day
        }
    })
}

fn any_date(v: &Value, f: &dyn Fn(i64) -> bool) -> bool {
    match v {
        Value::List(l) => l.iter().any(|x| any_date(x, f)),
        other => as_date(other).is_some_and(f),
    }
}

pub fn before(v: &Value, args: &[Value], cx: &EvalContext) -> Result<Value, String> {
    let t = shifted_now(cx, args)?;
    Ok(Value::Bool(any_date(v, &|d| d < t)))
}

pub fn after(v: &Value, args: &[Value], cx: &EvalContext) -> Result<Value, String> {
    let t = shifted_now(cx, args)?;
    Ok(Value::Bool(any_date(v, &|d| d > t)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_iso_dates() {
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(parse_date("1970-01-02T00:00:01Z"), Some(86_401_000));
        assert_eq!(parse_date("1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(parse_date("1970-01-01 00:00:00.5"), Some(500));
        assert_eq!(parse_date("2024-02-29"), Some(19_782 * 86_400_000));
        assert_eq!(parse_date("2023-02-29"), None);
        assert_eq!(parse_date("yesterday"), None);
        assert_eq!(parse_date("2024-01-01garbage"), None);
    }

    #[test]
    fn before_and_after_use_the_context_clock() {
        // 2024-03-31T12:00:00Z
        let now = parse_date("2024-03-31T12:00:00Z").unwrap() / 1000;
        let cx = EvalContext::at_unix(now);
        let args = |n: f64, u: &str| [Value::Number(n), Value::from(u)];
        let d = |s: &str| Value::from(s);
        assert_eq!(
            after(&d("2024-03-31T00:00:00Z"), &args(-24.0, "hours"), &cx),
            Ok(Value::Bool(true))
        );
        assert_eq!(
            after(&d("2024-03-30T11:00:00Z"), &args(-1.0, "days"), &cx),
            Ok(Value::Bool(false))
        );
        assert_eq!(
            before(&d("2024-04-10"), &args(30.0, "days"), &cx),
            Ok(Value::Bool(true))
        );
        // Calendar months clamp the day: Mar 31 - 1 month = Feb 29 (leap year).
        assert_eq!(
            before(&d("2024-02-29T11:59:59Z"), &args(-1.0, "month"), &cx),
            Ok(Value::Bool(true))
        );
        assert_eq!(
            before(&d("2024-02-29T12:00:01Z"), &args(-1.0, "month"), &cx),
            Ok(Value::Bool(false))
        );
        assert_eq!(
            after(&d("2023-04-01"), &args(-1.0, "Years"), &cx),
            Ok(Value::Bool(true))
        );
        assert_eq!(
            after(&Value::Null, &args(-1.0, "days"), &cx),
            Ok(Value::Bool(false))
        );
        assert!(after(&d("2024-01-01"), &args(1.0, "fortnights"), &cx).is_err());
        assert!(validate(&args(1.0, "minutes")).is_ok());
    }
}
