//! Small helpers: time, durations, ids, percent-encoding and a seeded RNG.

use std::time::{SystemTime, UNIX_EPOCH};

/// Wall-clock time in Unix milliseconds.
pub fn wall_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Days since 1970-01-01 for a proleptic Gregorian date.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Inverse of [`days_from_civil`]: (year, month 1-12, day 1-31).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Day of week for a day number: 0 = Sunday.
pub fn weekday(days: i64) -> u32 {
    (days + 4).rem_euclid(7) as u32
}

/// ISO-8601 in UTC with milliseconds, the format the real API uses.
pub fn iso(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let rem = ms.rem_euclid(86_400_000);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        y,
        m,
        d,
        rem / 3_600_000,
        (rem / 60_000) % 60,
        (rem / 1000) % 60,
        rem % 1000
    )
}

fn take_num(s: &[u8], pos: &mut usize, len: usize) -> Option<i64> {
    let end = pos.checked_add(len)?;
    let part = s.get(*pos..end)?;
    if !part.iter().all(u8::is_ascii_digit) {
        return None;
    }
    *pos = end;
    std::str::from_utf8(part).ok()?.parse().ok()
}

/// Parses `YYYY-MM-DD[THH:MM[:SS[.fff]]][Z|±HH:MM]` into Unix ms (no zone means UTC).
pub fn parse_iso(s: &str) -> Option<i64> {
    let b = s.trim().as_bytes();
    let mut p = 0;
    let y = take_num(b, &mut p, 4)?;
    let expect = |p: &mut usize, c: u8| -> Option<()> { (b.get(*p) == Some(&c)).then(|| *p += 1) };
    expect(&mut p, b'-')?;
    let mo = take_num(b, &mut p, 2)?;
    expect(&mut p, b'-')?;
    let d = take_num(b, &mut p, 2)?;
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
        return None;
    }
    let (mut h, mut mi, mut sec, mut ms) = (0, 0, 0, 0);
    if matches!(b.get(p), Some(b'T') | Some(b't') | Some(b' ')) {
        p += 1;
        h = take_num(b, &mut p, 2)?;
        expect(&mut p, b':')?;
        mi = take_num(b, &mut p, 2)?;
        if b.get(p) == Some(&b':') {
            p += 1;
            sec = take_num(b, &mut p, 2)?;
            if b.get(p) == Some(&b'.') {
                p += 1;
                let start = p;
                while b.get(p).is_some_and(u8::is_ascii_digit) {
                    p += 1;
                }
                let frac = std::str::from_utf8(&b[start..p]).ok()?;
                if frac.is_empty() {
                    return None;
                }
                let padded: String = frac.chars().chain("000".chars()).take(3).collect();
                ms = padded.parse().ok()?;
            }
        }
    }
    if h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut offset_min = 0;
    match b.get(p) {
        None => {}
        Some(b'Z') | Some(b'z') => p += 1,
        Some(&c) if c == b'+' || c == b'-' => {
            p += 1;
            let oh = take_num(b, &mut p, 2)?;
            if b.get(p) == Some(&b':') {
                p += 1;
            }
            let om = take_num(b, &mut p, 2)?;
            offset_min = (oh * 60 + om) * if c == b'+' { 1 } else { -1 };
        }
        _ => return None,
    }
    if p != b.len() {
        return None;
    }
    let days = days_from_civil(y, mo as u32, d as u32);
    Some(((days * 24 + h) * 60 + mi - offset_min) * 60_000 + sec * 1000 + ms)
}

/// Parses durations like `30s`, `10m`, `1h30m`, `2d`, `1w`, `1hr` into ms.
pub fn parse_duration_ms(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let mut total: i64 = 0;
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || digits > 12 {
            return None;
        }
        let n: i64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let letters = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
        let unit = rest[..letters].to_ascii_lowercase();
        rest = &rest[letters..];
        let mult: i64 = match unit.as_str() {
            "s" | "sec" | "secs" | "second" | "seconds" => 1000,
            "m" | "min" | "mins" | "minute" | "minutes" => 60_000,
            "h" | "hr" | "hrs" | "hour" | "hours" => 3_600_000,
            "d" | "day" | "days" => 86_400_000,
            "w" | "week" | "weeks" => 7 * 86_400_000,
            _ => return None,
        };
        total = total.checked_add(n.checked_mul(mult)?)?;
    }
    Some(total)
}

/// A jose-style relative time (`15m`, `2 hours`, `-1d`, `3 days ago`, `1.5h from now`),
/// case-insensitive, in signed seconds (a year is 365.25 days).
pub fn parse_jose_seconds(s: &str) -> Option<f64> {
    let lower = s.trim().to_ascii_lowercase();
    let (body, ago) = if let Some(b) = lower.strip_suffix(" ago") {
        (b, true)
    } else {
        (lower.strip_suffix(" from now").unwrap_or(&lower), false)
    };
    let (negative, body) = match body.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, body.strip_prefix('+').unwrap_or(body)),
    };
    let body = body.strip_prefix(' ').unwrap_or(body);
    let num_len = body
        .bytes()
        .take_while(|b| b.is_ascii_digit() || *b == b'.')
        .count();
    let (num, unit) = body.split_at(num_len);
    if num.is_empty() || num.starts_with('.') || num.ends_with('.') || num.matches('.').count() > 1
    {
        return None;
    }
    let n: f64 = num.parse().ok()?;
    let unit = unit.strip_prefix(' ').unwrap_or(unit);
    let mult = match unit {
        "s" | "sec" | "secs" | "second" | "seconds" => 1.0,
        "m" | "min" | "mins" | "minute" | "minutes" => 60.0,
        "h" | "hr" | "hrs" | "hour" | "hours" => 3600.0,
        "d" | "day" | "days" => 86_400.0,
        "w" | "week" | "weeks" => 604_800.0,
        "y" | "yr" | "yrs" | "year" | "years" => 31_557_600.0,
        _ => return None,
    };
    if negative && ago {
        return None;
    }
    let v = n * mult;
    Some(if negative || ago { -v } else { v })
}

/// A random id such as `run_k3j2...`, from the OS RNG so ids never collide across emulators.
pub fn random_id(prefix: &str) -> String {
    use ring::rand::SecureRandom;
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut bytes = [0u8; 21];
    if ring::rand::SystemRandom::new().fill(&mut bytes).is_err() {
        // Fall back to time-derived bytes; uniqueness within one process is still ensured by the caller's counters.
        let mut x = wall_ms() as u64 ^ 0x9E37_79B9_7F4A_7C15;
        for b in bytes.iter_mut() {
            x = SplitMix64::mix(x);
            *b = x as u8;
        }
    }
    let mut id = String::with_capacity(prefix.len() + bytes.len());
    id.push_str(prefix);
    id.extend(
        bytes
            .iter()
            .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char),
    );
    id
}

/// Decodes `%XX` escapes (and `+` as space when `plus_is_space`); bad escapes are kept verbatim.
pub fn percent_decode(s: &str, plus_is_space: bool) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(v) => {
                        out.push(v);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Like JavaScript's `encodeURIComponent`.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &c in s.as_bytes() {
        if c.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&c) {
            out.push(c as char);
        } else {
            out.push_str(&format!("%{c:02X}"));
        }
    }
    out
}

/// Parses a query string into decoded (key, value) pairs, in order.
pub fn parse_query(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k, true), percent_decode(v, true))
        })
        .collect()
}

/// Deterministic RNG for fault injection, so a given seed gives the same fault pattern every run.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    fn mix(mut z: u64) -> u64 {
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        Self::mix(self.0)
    }

    /// Uniform in [0, 1).
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_round_trip() {
        for ms in [0, 1_700_000_000_123, 951_782_400_000, -86_400_000] {
            assert_eq!(parse_iso(&iso(ms)), Some(ms));
        }
        assert_eq!(iso(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(parse_iso("2024-06-25T15:45:26Z"), Some(1_719_330_326_000));
        assert_eq!(
            parse_iso("2024-06-25T17:45:26+02:00"),
            Some(1_719_330_326_000)
        );
        assert_eq!(parse_iso("2024-13-01"), None);
        assert_eq!(parse_iso("nope"), None);
        assert_eq!(weekday(0), 4);
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration_ms("1h30m"), Some(5_400_000));
        assert_eq!(parse_duration_ms("10s"), Some(10_000));
        assert_eq!(parse_duration_ms("2w"), Some(14 * 86_400_000));
        assert_eq!(parse_duration_ms("1hr"), Some(3_600_000));
        assert_eq!(parse_duration_ms("abc"), None);
        assert_eq!(parse_duration_ms("5"), None);
        assert_eq!(parse_duration_ms(""), None);
    }

    #[test]
    fn jose_durations() {
        assert_eq!(parse_jose_seconds("15m"), Some(900.0));
        assert_eq!(parse_jose_seconds("2 Hours"), Some(7200.0));
        assert_eq!(parse_jose_seconds("1.5h from now"), Some(5400.0));
        assert_eq!(parse_jose_seconds("3 days ago"), Some(-259_200.0));
        assert_eq!(parse_jose_seconds("-1d"), Some(-86_400.0));
        assert_eq!(parse_jose_seconds("1y"), Some(31_557_600.0));
        assert_eq!(parse_jose_seconds("soon"), None);
        assert_eq!(parse_jose_seconds("5"), None);
        assert_eq!(parse_jose_seconds("1.h"), None);
    }

    #[test]
    fn percent() {
        assert_eq!(percent_decode("my%2Ftask", false), "my/task");
        assert_eq!(percent_decode("a+b%", true), "a b%");
        assert_eq!(percent_decode("%zz%4", false), "%zz%4");
        assert_eq!(percent_encode("a/b c"), "a%2Fb%20c");
        assert_eq!(
            parse_query("filter%5Bstatus%5D=QUEUED%2CCOMPLETED&x"),
            vec![
                ("filter[status]".to_string(), "QUEUED,COMPLETED".to_string()),
                ("x".to_string(), String::new())
            ]
        );
    }
}
