//! Five-field cron expressions: validation and the next fire time in a time zone (through the
//! `croner` and `chrono-tz` crates), and a plain-English description.

use chrono::{TimeZone, Utc};
use chrono_tz::Tz;
use croner::parser::{CronParser, Seconds, Year};

/// A parsed five-field expression.
#[derive(Debug, Clone)]
pub struct Cron(croner::Cron);

const DAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// Fire times further away than this are reported as "never" (e.g. `0 0 30 2 *`).
const HORIZON_MS: i64 = 5 * 366 * 86_400_000;

fn parser() -> CronParser {
    CronParser::builder()
        .seconds(Seconds::Disallowed)
        .year(Year::Disallowed)
        // `5/15` (from 5, every 15) is accepted by the server's cron parser, so accept it here too.
        .sloppy_ranges(true)
        .build()
}

impl Cron {
    /// Parses a standard 5-field expression (minute hour day-of-month month day-of-week).
    /// When both day fields are restricted, either may match (Vixie cron).
    pub fn parse(expr: &str) -> Result<Cron, String> {
        let n = expr.split_whitespace().count();
        if n != 5 {
            return Err(format!(
                "Invalid cron expression: expected 5 fields, got {n}"
            ));
        }
        parser()
            .parse(expr.trim())
            .map(Cron)
            .map_err(|e| format!("Invalid cron expression: {e}"))
    }

    /// The first fire time strictly after `after_ms`, reading the expression as wall-clock time in
    /// `tz`; Unix ms. `None` when nothing fires within about five years.
    pub fn next_after(&self, after_ms: i64, tz: Tz) -> Option<i64> {
        let start = Utc
            .timestamp_millis_opt(after_ms)
            .single()?
            .with_timezone(&tz);
        let mut it = self.0.iter_after(start);
        let next = it.next()?.timestamp_millis();
        (next - after_ms <= HORIZON_MS).then_some(next)
    }

    /// The next `n` fire times after `after_ms` in `tz`.
    pub fn upcoming(&self, after_ms: i64, tz: Tz, n: usize) -> Vec<i64> {
        let mut out = Vec::with_capacity(n);
        let mut t = after_ms;
        while out.len() < n {
            match self.next_after(t, tz) {
                Some(next) => {
                    out.push(next);
                    t = next;
                }
                None => break,
            }
        }
        out
    }
}

/// A time zone name as chrono-tz knows it (IANA names, including links such as `Asia/Calcutta`).
pub fn zone(name: &str) -> Option<Tz> {
    name.parse::<Tz>().ok()
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
    use crate::util::{iso, parse_iso};

    fn at(s: &str) -> i64 {
        parse_iso(s).unwrap()
    }

    #[test]
    fn parses_and_rejects() {
        assert!(Cron::parse("* * * * *").is_ok());
        assert!(Cron::parse("*/5 1-3 1,15 JAN-MAR MON-FRI").is_ok());
        assert!(Cron::parse("5/15 * * * *").is_ok());
        assert!(Cron::parse("0 0 * * 7").is_ok());
        assert!(Cron::parse("* * * *").is_err());
        assert!(Cron::parse("0 * * * * *").is_err());
        assert!(Cron::parse("60 * * * *").is_err());
        assert!(Cron::parse("*/0 * * * *").is_err());
        assert!(Cron::parse("a b c d e").is_err());
    }

    #[test]
    fn next_runs_in_utc() {
        let utc = Tz::UTC;
        let base = at("2024-01-01T10:30:00Z"); // a Monday
        let c = Cron::parse("0 * * * *").unwrap();
        assert_eq!(c.next_after(base, utc), Some(at("2024-01-01T11:00:00Z")));
        let c = Cron::parse("0 9 * * 0").unwrap();
        assert_eq!(c.next_after(base, utc), Some(at("2024-01-07T09:00:00Z")));
        let c = Cron::parse("0 0 30 2 *").unwrap();
        assert_eq!(c.next_after(base, utc), None);
        let c = Cron::parse("* * * * *").unwrap();
        assert_eq!(c.next_after(base + 5, utc), Some(base + 60_000));
        // Either restricted day field may match.
        let c = Cron::parse("0 0 15 * MON").unwrap();
        assert_eq!(c.next_after(base, utc), Some(at("2024-01-08T00:00:00Z")));
    }

    #[test]
    fn next_runs_in_a_time_zone() {
        let paris = zone("Europe/Paris").unwrap();
        let c = Cron::parse("0 9 * * *").unwrap();
        // Winter: Paris is UTC+1.
        let next = c.next_after(at("2024-01-15T10:00:00Z"), paris).unwrap();
        assert_eq!(iso(next), "2024-01-16T08:00:00.000Z");
        // Summer: UTC+2.
        let next = c.next_after(at("2024-07-15T06:00:00Z"), paris).unwrap();
        assert_eq!(iso(next), "2024-07-15T07:00:00.000Z");
        // Across the spring change (31 March 2024): 09:00 on the 31st is already UTC+2.
        let ups = c.upcoming(at("2024-03-30T12:00:00Z"), paris, 2);
        let ups: Vec<String> = ups.into_iter().map(iso).collect();
        assert_eq!(
            ups,
            ["2024-03-31T07:00:00.000Z", "2024-04-01T07:00:00.000Z"]
        );
        let ny = zone("America/New_York").unwrap();
        let next = c.next_after(at("2024-01-15T10:00:00Z"), ny).unwrap();
        assert_eq!(iso(next), "2024-01-15T14:00:00.000Z");
        assert!(zone("Asia/Calcutta").is_some());
        assert!(zone("Mars/Olympus").is_none());
    }

    #[test]
    fn descriptions() {
        assert_eq!(describe("* * * * *"), "Every minute");
        assert_eq!(describe("*/5 * * * *"), "Every 5 minutes");
        assert_eq!(describe("0 9 * * *"), "At 09:00");
        assert_eq!(describe("30 8 * * 1"), "At 08:30, only on MON");
    }
}
