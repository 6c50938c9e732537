//! Local HS256 signing of public access tokens (API.md §9).
//!
//! Used when a trigger or batch response carries `x-trigger-jwt-claims` but no `x-trigger-jwt`:
//! the official SDK then signs the token itself with the secret key, and so does this one.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};

const ISSUER: &str = "https://id.trigger.dev";
const AUDIENCE: &str = "https://api.trigger.dev";

/// Signs `claims` (then `iss`, `aud`, `exp`, `iat`) with `key`, header `{"alg":"HS256"}`.
pub(crate) fn sign(
    key: &[u8],
    mut claims: Map<String, Value>,
    now: SystemTime,
    ttl: Duration,
) -> String {
    let iat = now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
    claims.insert("iss".into(), ISSUER.into());
    claims.insert("aud".into(), AUDIENCE.into());
    claims.insert("exp".into(), (iat + ttl.as_secs()).into());
    claims.insert("iat".into(), iat.into());
    let mut token = base64url(br#"{"alg":"HS256"}"#);
    token.push('.');
    token.push_str(&base64url(Value::Object(claims).to_string().as_bytes()));
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key);
    let signature = ring::hmac::sign(&key, token.as_bytes());
    token.push('.');
    token.push_str(&base64url(signature.as_ref()));
    token
}

/// The token of a trigger or batch handle when the server sent only its claims: the claims
/// header's object plus `scopes`, valid for an hour. `None` when the header is not a JSON object.
pub(crate) fn handle_token(
    secret_key: &str,
    claims_header: &str,
    scope: String,
    now: SystemTime,
) -> Option<String> {
    let Ok(Value::Object(mut claims)) = serde_json::from_str(claims_header) else {
        return None;
    };
    claims.insert("scopes".into(), Value::Array(vec![Value::String(scope)]));
    Some(sign(
        secret_key.as_bytes(),
        claims,
        now,
        Duration::from_secs(3600),
    ))
}

/// Base64url without padding.
fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_matches_rfc4648_without_padding() {
        assert_eq!(base64url(b""), "");
        assert_eq!(base64url(b"f"), "Zg");
        assert_eq!(base64url(b"fo"), "Zm8");
        assert_eq!(base64url(b"foo"), "Zm9v");
        assert_eq!(base64url(b"foob"), "Zm9vYg");
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
    }

    #[test]
    fn signs_hs256_like_jose() {
        // A fixed time and payload; the signature is checked with ring's own verifier.
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let mut claims = Map::new();
        claims.insert("sub".into(), "env_1".into());
        let token = sign(b"tr_dev_key", claims, now, Duration::from_secs(60));
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts[0], "eyJhbGciOiJIUzI1NiJ9");
        assert_eq!(
            parts[1],
            base64url(
                br#"{"aud":"https://api.trigger.dev","exp":1700000060,"iat":1700000000,"iss":"https://id.trigger.dev","sub":"env_1"}"#
            )
        );
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, b"tr_dev_key");
        let input = format!("{}.{}", parts[0], parts[1]);
        assert!(ring::hmac::verify(&key, input.as_bytes(), &decode(parts[2])).is_ok());
    }

    fn decode(text: &str) -> Vec<u8> {
        const ALPHABET: &[u8; 64] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut bits = 0u32;
        let mut n = 0;
        let mut out = Vec::new();
        for c in text.bytes() {
            bits = bits << 6 | ALPHABET.iter().position(|a| *a == c).unwrap() as u32;
            n += 6;
            if n >= 8 {
                n -= 8;
                out.push((bits >> n) as u8);
            }
        }
        out
    }
}
