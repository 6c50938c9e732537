//! Five-field cron expressions: validation, a plain-English description and the next fire time (UTC).

use crate::util::{civil_from_days, weekday};

/// A parsed expression: one bitmask per field.
#[derive(Debug, Clone)]
pub struct Cron {
    minutes: u64,
    hours: u64,
    dom: u64,
    months: u64,
    dow: u64,
    dom_star: bool,
    dow_star: bool,
}

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const DAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

fn value(s: &str, names: &[&str], base: u32) -> Result<u32, String> {
    if let Ok(n) = s.parse::<u32>() {
        return Ok(n);
    }
    let up = s.to_ascii_uppercase();
    names
        .iter()
        .position(|n| *n == up)
        .map(|i| i as u32 + base)
        .ok_or_else(|| format!("invalid value '{s}'"))
}

fn field(s: &str, lo: u32, hi: u32, names: &[&str], name_base: u32) -> Result<u64, String> {
    let mut mask = 0u64;
    for part in s.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, st)) => {
                let st: u32 = st.parse().map_err(|_| format!("invalid step '{st}'"))?;
                if st == 0 {
                    return Err("step cannot be 0".into());
                }
                (r, st)
            }
            None => (part, 1),
        };
        let (a, b) = if range == "*" || range == "?" {
            (lo, hi)
        } else if let Some((x, y)) = range.split_once('-') {
            (value(x, names, name_base)?, value(y, names, name_base)?)
        } else {
            let v = value(range, names, name_base)?;
            // `5/15` means 5, 20, 35, ... up to the field maximum.
            (v, if part.contains('/') { hi } else { v })
        };
        if a < lo || b > hi || a > b {
            return Err(format!("value out of range in '{part}' ({lo}-{hi})"));
        }
        let mut v = a;
        while v <= b {
            mask |= 1 << v;
            v += step;
        }
    }
    Ok(mask)
}

impl Cron {
    /// Parses a standard 5-field expression (minute hour day-of-month month day-of-week).
    pub fn parse(expr: &str) -> Result<Cron, String> {
        let f: Vec<&str> = expr.split_whitespace().collect();
        if f.len() != 5 {
            return Err(format!(
                "Invalid cron expression: expected 5 fields, got {}",
                f.len()
            ));
        }
        let err = |e: String| format!("Invalid cron expression: {e}");
        let mut dow = field(f[4], 0, 7, &DAYS, 0).map_err(err)?;
        if dow & (1 << 7) != 0 {
            dow = (dow | 1) & !(1 << 7);
        }
        Ok(Cron {
            minutes: field(f[0], 0, 59, &[], 0).map_err(err)?,
            hours: field(f[1], 0, 23, &[], 0).map_err(err)?,
            dom: field(f[2], 1, 31, &[], 0).map_err(err)?,
            months: field(f[3], 1, 12, &MONTHS, 1).map_err(err)?,
            dow,
            dom_star: f[2] == "*" || f[2] == "?",
            dow_star: f[4] == "*" || f[4] == "?",
        })
    }

    fn day_matches(&self, days: i64) -> bool {
        let (_, m, d) = civil_from_days(days);
        if self.months & (1 << m) == 0 {
            return false;
        }
        let dom = self.dom & (1 << d) != 0;
        let dow = self.dow & (1 << weekday(days)) != 0;
        // Classic cron: when both day fields are restricted, either may match.
        match (self.dom_star, self.dow_star) {
            (true, true) => true,
            (true, false) => dow,
            (false, true) => dom,
            (false, false) => dom || dow,
        }
    }

    /// The first fire time strictly after `after_ms` (UTC), searching up to five years ahead.
    pub fn next_after(&self, after_ms: i64) -> Option<i64> {
        let start_min = after_ms.div_euclid(60_000) + 1;
        let first_day = start_min.div_euclid(1440);
        for day in first_day..first_day + 366 * 5 {
            let from = if day == first_day {
                start_min.rem_euclid(1440)
            } else {
                0
            };
            if self.day_matches(day) {
                for m in from..1440 {
                    let (h, mi) = (m / 60, m % 60);
                    if self.hours & (1 << h) != 0 && self.minutes & (1 << mi) != 0 {
                        return Some((day * 1440 + m) * 60_000);
                    }
                }
            }
        }
        None
    }
}

/// A short English description, good enough for `generator.description`.
pub fn describe(expr: &str) -> String {
    let f: Vec<&str> = expr.split_whitespace().collect();
    if f.len() != 5 {
        return expr.to_string();
    }
    let num = |s: &str| s.parse::<u32>().ok();
    let rest_star = |from: usize| f[from..].iter().all(|x| *x == "*");
    match (f[0], f[1]) {
        ("*", "*") if rest_star(2) => "Every minute".into(),
        (m, "*") if rest_star(2) => {
            if let Some(step) = m.strip_prefix("*/").and_then(num) {
                format!("Every {step} minutes")
            } else if let Some(n) = num(m) {
                format!("At {n} minutes past the hour")
            } else {
                format!("Cron: {expr}")
            }
        }
        (m, h) => match (num(m), num(h)) {
            (Some(m), Some(h)) if rest_star(2) => format!("At {h:02}:{m:02}"),
            (Some(m), Some(h)) if f[2] == "*" && f[3] == "*" => {
                let day = num(f[4])
                    .and_then(|d| DAYS.get((d % 7) as usize))
                    .map(|d| d.to_string())
                    .unwrap_or_else(|| f[4].to_string());
                format!("At {h:02}:{m:02}, only on {day}")
            }
            (Some(m), Some(h)) if f[3] == "*" && f[4] == "*" => {
                format!("At {h:02}:{m:02}, on day {} of the month", f[2])
            }
            _ => format!("Cron: {expr}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::days_from_civil;

    /// Unix ms for a UTC calendar minute (test helper and for callers building times).
    pub fn utc_ms(y: i64, mo: u32, d: u32, h: i64, mi: i64) -> i64 {
        ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60_000
    }

    #[test]
    fn parses_and_rejects() {
        assert!(Cron::parse("* * * * *").is_ok());
        assert!(Cron::parse("*/5 1-3 1,15 JAN-MAR MON-FRI").is_ok());
        assert!(Cron::parse("0 0 * * 7").is_ok());
        assert!(Cron::parse("* * * *").is_err());
        assert!(Cron::parse("60 * * * *").is_err());
        assert!(Cron::parse("*/0 * * * *").is_err());
        assert!(Cron::parse("a b c d e").is_err());
    }

    #[test]
    fn next_runs() {
        let base = utc_ms(2024, 1, 1, 10, 30); // a Monday
        let c = Cron::parse("0 * * * *").unwrap();
        assert_eq!(c.next_after(base), Some(utc_ms(2024, 1, 1, 11, 0)));
        let c = Cron::parse("0 9 * * 0").unwrap();
        assert_eq!(c.next_after(base), Some(utc_ms(2024, 1, 7, 9, 0)));
        let c = Cron::parse("0 0 30 2 *").unwrap();
        assert_eq!(c.next_after(base), None);
        let c = Cron::parse("* * * * *").unwrap();
        assert_eq!(c.next_after(base + 5), Some(base + 60_000));
    }

    #[test]
    fn descriptions() {
        assert_eq!(describe("* * * * *"), "Every minute");
        assert_eq!(describe("*/5 * * * *"), "Every 5 minutes");
        assert_eq!(describe("0 9 * * *"), "At 09:00");
        assert_eq!(describe("30 8 * * 1"), "At 08:30, only on MON");
    }
}
