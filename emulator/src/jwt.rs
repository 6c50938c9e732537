//! HS256 JSON Web Tokens: minting the handle tokens the server returns and verifying public access tokens.

use ring::hmac;
use serde_json::{json, Value};

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// base64url without padding (RFC 7515 §2).
pub fn b64url_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let n = (chunk[0] as u32) << 16
            | (*chunk.get(1).unwrap_or(&0) as u32) << 8
            | *chunk.get(2).unwrap_or(&0) as u32;
        let chars = chunk.len() + 1;
        for i in 0..chars {
            out.push(B64[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

/// Decodes base64url (padding tolerated); `None` on any invalid character or length.
pub fn b64url_decode(s: &str) -> Option<Vec<u8>> {
    let s = s.trim_end_matches('=');
    if s.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            _ => return None,
        } as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// Signs `claims` with HS256, the key being the UTF-8 bytes of the env's secret key.
pub fn sign(claims: &Value, secret: &str) -> String {
    let header = b64url_encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = b64url_encode(claims.to_string().as_bytes());
    let input = format!("{header}.{payload}");
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    let sig = hmac::sign(&key, input.as_bytes());
    format!("{input}.{}", b64url_encode(sig.as_ref()))
}

/// Standard claims for a public token the server hands out (1 hour lifetime).
pub fn public_claims(env_id: &str, scopes: &[String], now_secs: i64) -> Value {
    json!({
        "sub": env_id,
        "pub": true,
        "scopes": scopes,
        "iss": "https://id.trigger.dev",
        "aud": "https://api.trigger.dev",
        "exp": now_secs + 3600,
        "iat": now_secs,
    })
}

/// True if the bearer token is shaped like a JWT rather than an API key.
pub fn looks_like_jwt(token: &str) -> bool {
    token.starts_with("eyJ") && token.split('.').count() == 3
}

/// Reads the payload without checking the signature (to find which env's key verifies it).
pub fn peek_payload(token: &str) -> Option<Value> {
    let mut parts = token.split('.');
    let header: Value = serde_json::from_slice(&b64url_decode(parts.next()?)?).ok()?;
    if header.get("alg").and_then(Value::as_str) != Some("HS256") {
        return None;
    }
    serde_json::from_slice(&b64url_decode(parts.next()?)?).ok()
}

/// Checks the HS256 signature of `token` against `secret`.
pub fn verify_signature(token: &str, secret: &str) -> bool {
    let Some((input, sig)) = token.rsplit_once('.') else {
        return false;
    };
    let Some(sig) = b64url_decode(sig) else {
        return false;
    };
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    hmac::verify(&key, input.as_bytes(), &sig).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trip() {
        for len in 0..40 {
            let data: Vec<u8> = (0..len as u8).map(|i| i.wrapping_mul(37)).collect();
            assert_eq!(b64url_decode(&b64url_encode(&data)).unwrap(), data);
        }
        assert_eq!(b64url_encode(b"hello"), "aGVsbG8");
        assert_eq!(b64url_decode("a"), None);
        assert_eq!(b64url_decode("a$bc"), None);
    }

    #[test]
    fn sign_and_verify() {
        let t = sign(&json!({"sub":"env","pub":true}), "k");
        assert!(looks_like_jwt(&t));
        assert!(verify_signature(&t, "k"));
        assert!(!verify_signature(&t, "other"));
        assert_eq!(peek_payload(&t).unwrap()["sub"], "env");
    }
}
