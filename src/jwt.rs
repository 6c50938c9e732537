//! Local HS256 signing of public access tokens (`docs/wire.md#jwt-signing`).
//!
//! Used when a response carries `x-trigger-jwt-claims` but no `x-trigger-jwt` (triggers,
//! batches, waitpoint tokens), and to mint public tokens with a root secret key: the official
//! SDK signs these itself with the secret key, and so does this one, with the claims in the
//! same order (the given claims, then `iss`, `aud`, `exp`, `iat`).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

const ISSUER: &str = "https://id.trigger.dev";
const AUDIENCE: &str = "https://api.trigger.dev";

/// A JWT payload that keeps its claims in order.
#[derive(Debug, Default)]
pub(crate) struct Claims(Vec<(String, Box<RawValue>)>);

impl Claims {
    /// A JSON object's members in their order; `None` when `text` is not an object.
    pub(crate) fn parse(text: &str) -> Option<Claims> {
        serde_json::from_str(text).ok()
    }

    /// Sets `key` to `value`, in place if present, else last.
    pub(crate) fn set(&mut self, key: &str, value: &(impl Serialize + ?Sized)) {
        let raw = serde_json::value::to_raw_value(value).expect("claims serialize");
        match self.0.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = raw,
            None => self.0.push((key.to_owned(), raw)),
        }
    }
}

impl Serialize for Claims {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Claims {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Claims, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Claims;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Claims, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = a.next_entry::<String, Box<RawValue>>()? {
                    out.push((k, v));
                }
                Ok(Claims(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// Signs `claims` (then `iss`, `aud`, `exp`, `iat`) with `key`, header `{"alg":"HS256"}`.
/// `exp` is the absolute expiry in Unix seconds.
pub(crate) fn sign(key: &[u8], mut claims: Claims, now: SystemTime, exp: u64) -> String {
    let iat = now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
    claims.set("iss", ISSUER);
    claims.set("aud", AUDIENCE);
    claims.set("exp", &exp);
    claims.set("iat", &iat);
    let payload = serde_json::to_string(&claims).expect("claims serialize");
    let mut token = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256"}"#);
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(payload, &mut token);
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key);
    let signature = ring::hmac::sign(&key, token.as_bytes());
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(signature.as_ref(), &mut token);
    token
}

/// Unix seconds of `now + ttl`.
pub(crate) fn expiry(now: SystemTime, ttl: Duration) -> u64 {
    (now + ttl)
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
}

/// The token of a handle when the server sent only its claims: the claims header's object with
/// `scopes: [scope]`, valid for `ttl`. `None` when the header is not a JSON object.
pub(crate) fn token_from_claims(
    secret_key: &str,
    claims_header: &str,
    scope: String,
    now: SystemTime,
    ttl: Duration,
) -> Option<String> {
    let mut claims = Claims::parse(claims_header)?;
    claims.set("scopes", &[scope]);
    Some(sign(secret_key.as_bytes(), claims, now, expiry(now, ttl)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_hs256_like_jose_with_the_claims_in_order() {
        // A fixed time and payload; the signature is checked with ring's own verifier.
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let claims = Claims::parse(r#"{"sub":"env_1","pub":true}"#).unwrap();
        let token = sign(b"tr_dev_key", claims, now, 1_700_000_060);
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts[0], "eyJhbGciOiJIUzI1NiJ9");
        let payload = URL_SAFE_NO_PAD.decode(parts[1]).unwrap();
        assert_eq!(
            String::from_utf8(payload).unwrap(),
            r#"{"sub":"env_1","pub":true,"iss":"https://id.trigger.dev","aud":"https://api.trigger.dev","exp":1700000060,"iat":1700000000}"#
        );
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, b"tr_dev_key");
        let input = format!("{}.{}", parts[0], parts[1]);
        let signature = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
        assert!(ring::hmac::verify(&key, input.as_bytes(), &signature).is_ok());
    }
}

/// Jose duration syntax (`"15m"`, `"2 hours"`, `"1.5d"`): seconds, or `None` when malformed.
/// A sign or `ago` (a time in the past) also gives `None` here: a token must expire later.
pub(crate) fn parse_duration(text: &str) -> Option<f64> {
    let lower = text.trim().to_ascii_lowercase();
    let s = lower.strip_suffix(" from now").unwrap_or(&lower);
    let s = s.strip_prefix('+').unwrap_or(s).trim_start();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    if number.is_empty() || number.starts_with('.') || number.ends_with('.') {
        return None;
    }
    let value: f64 = number.parse().ok()?;
    let seconds = match unit.trim_start() {
        "s" | "sec" | "secs" | "second" | "seconds" => 1.0,
        "m" | "min" | "mins" | "minute" | "minutes" => 60.0,
        "h" | "hr" | "hrs" | "hour" | "hours" => 3600.0,
        "d" | "day" | "days" => 86_400.0,
        "w" | "week" | "weeks" => 604_800.0,
        "y" | "yr" | "yrs" | "year" | "years" => 31_557_600.0,
        _ => return None,
    };
    Some(value * seconds)
}

#[cfg(test)]
mod duration_tests {
    use super::parse_duration;

    #[test]
    fn jose_durations() {
        assert_eq!(parse_duration("15m"), Some(900.0));
        assert_eq!(parse_duration("2 hours"), Some(7200.0));
        assert_eq!(parse_duration("1.5d"), Some(129_600.0));
        assert_eq!(parse_duration("+1w"), Some(604_800.0));
        assert_eq!(parse_duration("1 Year from now"), Some(31_557_600.0));
        for bad in ["", "m", "15", "15 parsecs", "-1h", "1h ago", ".5h", "1..5h"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }
}
