//! Small helpers: time, durations, ids (random and derived), percent-encoding and a seeded RNG.

use std::time::{SystemTime, UNIX_EPOCH};

/// Wall-clock time in Unix milliseconds.
pub fn wall_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// ISO-8601 in UTC with milliseconds, the format the real API uses.
pub fn iso(ms: i64) -> String {
    use chrono::{SecondsFormat, TimeZone, Utc};
    match Utc.timestamp_millis_opt(ms).single() {
        Some(t) => t.to_rfc3339_opts(SecondsFormat::Millis, true),
        None => String::new(),
    }
}

/// Parses `YYYY-MM-DD[THH:MM[:SS[.fff]]][Z|±HH[:]MM]` into Unix ms (no zone means UTC).
pub fn parse_iso(s: &str) -> Option<i64> {
    use chrono::{DateTime, NaiveDate, NaiveDateTime};
    let s = s.trim();
    if !s.is_ascii() || s.len() < 10 {
        return None;
    }
    // `t` and a space are accepted as the date/time separator, `z` as UTC.
    let mut norm = s.to_string();
    if matches!(norm.as_bytes()[10..].first(), Some(b't') | Some(b' ')) {
        norm.replace_range(10..11, "T");
    }
    if norm.ends_with('z') {
        norm.pop();
        norm.push('Z');
    }
    const ZONED: &[&str] = &[
        "%Y-%m-%dT%H:%M:%S%.f%:z",
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M%:z",
        "%Y-%m-%dT%H:%M%z",
    ];
    const NAIVE: &[&str] = &["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"];
    if let Some(body) = norm.strip_suffix('Z') {
        return NAIVE
            .iter()
            .find_map(|f| NaiveDateTime::parse_from_str(body, f).ok())
            .map(|t| t.and_utc().timestamp_millis());
    }
    ZONED
        .iter()
        .find_map(|f| DateTime::parse_from_str(&norm, f).ok())
        .map(|t| t.timestamp_millis())
        .or_else(|| {
            NAIVE
                .iter()
                .find_map(|f| NaiveDateTime::parse_from_str(&norm, f).ok())
                .map(|t| t.and_utc().timestamp_millis())
        })
        .or_else(|| {
            NaiveDate::parse_from_str(&norm, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|t| t.and_utc().timestamp_millis())
        })
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

/// The id generator `--id-seed` installs (process-wide: only the command line sets it). With it
/// the same requests in the same order get the same ids, so two runs of a scenario (the
/// cross-binding test, `tests/bindings_agree/`) can be compared as they are.
static SEEDED_IDS: std::sync::Mutex<Option<SplitMix64>> = std::sync::Mutex::new(None);

/// Makes `random_id` deterministic from now on: ids come from a SplitMix64 seeded with `seed`.
pub fn seed_ids(seed: u64) {
    *SEEDED_IDS.lock().unwrap_or_else(|e| e.into_inner()) = Some(SplitMix64::new(seed));
}

/// A random id such as `run_k3j2...`, from the OS RNG so ids never collide across emulators
/// (or from the `seed_ids` generator, when one is installed).
pub fn random_id(prefix: &str) -> String {
    use ring::rand::SecureRandom;
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut bytes = [0u8; 21];
    let mut seeded = SEEDED_IDS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(rng) = seeded.as_mut() {
        for b in bytes.iter_mut() {
            *b = rng.next_u64() as u8;
        }
    } else if ring::rand::SystemRandom::new().fill(&mut bytes).is_err() {
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

/// Lowercase base-36 text derived from SHA-256 of `parts`, `len` characters (deterministic ids).
pub fn hashed(parts: &[&str], len: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    for p in parts {
        ctx.update(p.as_bytes());
        ctx.update(&[0]);
    }
    let d = ctx.finish();
    d.as_ref()
        .iter()
        .cycle()
        .take(len)
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect()
}

/// Lowercase hex SHA-256 of `parts`, truncated to `len` characters.
pub fn hashed_hex(parts: &[&str], len: usize) -> String {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    for p in parts {
        ctx.update(p.as_bytes());
        ctx.update(&[0]);
    }
    let hex: String = ctx
        .finish()
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    hex[..len.min(hex.len())].to_string()
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
        assert_eq!(parse_iso("2024-06-25"), Some(1_719_273_600_000));
        assert_eq!(parse_iso("2024-06-25 15:45"), Some(1_719_330_300_000));
        assert_eq!(
            parse_iso("2024-06-25T15:45:26.5+0000"),
            Some(1_719_330_326_500)
        );
        assert_eq!(parse_iso("2024-06-25T15:45:26Zjunk"), None);
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
