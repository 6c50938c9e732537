//! A tiny raw HTTP/1.1 client (one connection per request), so tests control every byte.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::Value;
use triggerdev_emulator::Emulator;

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "status {} body is not JSON ({e}): {:?}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    /// The `error` member of the body.
    pub fn error(&self) -> String {
        self.json()["error"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
}

pub fn host_port(base: &str) -> String {
    base.trim_start_matches("http://").to_string()
}

/// Sends raw bytes and reads until the server closes; returns everything received.
pub fn raw(base: &str, bytes: &[u8]) -> Vec<u8> {
    let mut s = TcpStream::connect(host_port(base)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let _ = s.write_all(bytes);
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    out
}

/// Parses one response from raw bytes (body by content-length).
pub fn parse(bytes: &[u8]) -> Resp {
    let text_end = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no complete head in {:?}", String::from_utf8_lossy(bytes)));
    let head = String::from_utf8_lossy(&bytes[..text_end]).into_owned();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let len: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .map(|(_, v)| v.parse().unwrap())
        .unwrap_or(0);
    let start = text_end + 4;
    let body = bytes[start..(start + len).min(bytes.len())].to_vec();
    Resp {
        status,
        headers,
        body,
    }
}

pub fn request(
    base: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Resp {
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
        host_port(base)
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if let Some(b) = body {
        req.push_str(&format!("Content-Length: {}\r\n", b.len()));
    }
    req.push_str("\r\n");
    let mut bytes = req.into_bytes();
    if let Some(b) = body {
        bytes.extend_from_slice(b);
    }
    parse(&raw(base, &bytes))
}

/// A client bound to one emulator and (optionally) one credential.
#[derive(Clone)]
pub struct Api {
    pub base: String,
    pub token: Option<String>,
    pub headers: Vec<(String, String)>,
}

impl Api {
    pub fn new(emu: &Emulator, token: &str) -> Api {
        Api {
            base: emu.base_url().to_string(),
            token: Some(token.to_string()),
            headers: Vec::new(),
        }
    }
    pub fn anonymous(emu: &Emulator) -> Api {
        Api {
            base: emu.base_url().to_string(),
            token: None,
            headers: Vec::new(),
        }
    }
    pub fn with(mut self, k: &str, v: &str) -> Api {
        self.headers.push((k.to_string(), v.to_string()));
        self
    }
    pub fn send(&self, method: &str, path: &str, body: Option<&[u8]>, ctype: &str) -> Resp {
        let auth = self.token.as_ref().map(|t| format!("Bearer {t}"));
        let mut h: Vec<(&str, &str)> = vec![("Content-Type", ctype)];
        if let Some(a) = &auth {
            h.push(("Authorization", a));
        }
        for (k, v) in &self.headers {
            h.push((k, v));
        }
        request(&self.base, method, path, &h, body)
    }
    pub fn get(&self, path: &str) -> Resp {
        self.send("GET", path, None, "application/json")
    }
    pub fn delete(&self, path: &str) -> Resp {
        self.send("DELETE", path, None, "application/json")
    }
    pub fn post(&self, path: &str, body: Value) -> Resp {
        self.send(
            "POST",
            path,
            Some(body.to_string().as_bytes()),
            "application/json",
        )
    }
    pub fn post_empty(&self, path: &str) -> Resp {
        self.send("POST", path, Some(b""), "application/json")
    }
    pub fn put(&self, path: &str, body: Value) -> Resp {
        self.send(
            "PUT",
            path,
            Some(body.to_string().as_bytes()),
            "application/json",
        )
    }
    /// Triggers `task` with the superjson payload `{"n":1}`; returns the run id.
    pub fn trigger(&self, task: &str, mut options: Value) -> String {
        if options.get("payloadType").is_none() {
            options["payloadType"] = "application/super+json".into();
        }
        let r = self.post(
            &format!("/api/v1/tasks/{task}/trigger"),
            serde_json::json!({"payload": "{\"json\":{\"n\":1}}", "options": options}),
        );
        assert_eq!(r.status, 200, "trigger failed: {}", r.text());
        r.json()["id"].as_str().unwrap().to_string()
    }
}

/// Admin API call (no auth).
pub fn admin(emu: &Emulator, method: &str, path: &str, body: Option<Value>) -> Resp {
    let b = body.map(|b| b.to_string());
    request(
        emu.base_url(),
        method,
        path,
        &[("Content-Type", "application/json")],
        b.as_deref().map(str::as_bytes),
    )
}

/// Decodes a JWT's payload (no verification).
pub fn jwt_payload(token: &str) -> Value {
    let p = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&b64url_decode(p)).unwrap()
}

pub fn b64url_encode(data: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for c in data.chunks(3) {
        let n = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        for i in 0..=c.len() {
            out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

pub fn b64url_decode(s: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            _ => 63,
        } as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

/// Mints an HS256 token the way the SDK does locally.
pub fn mint(secret: &str, claims: Value) -> String {
    let h = b64url_encode(br#"{"alg":"HS256"}"#);
    let p = b64url_encode(claims.to_string().as_bytes());
    let input = format!("{h}.{p}");
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
    let sig = ring::hmac::sign(&key, input.as_bytes());
    format!("{input}.{}", b64url_encode(sig.as_ref()))
}

/// `token` with its signature's first character changed. Not the last one: it carries padding
/// bits, and a lenient base64url decoder reads 'A' and 'B' there as the same bytes.
pub fn tampered(token: &str) -> String {
    let at = token.rfind('.').expect("a JWT") + 1;
    let replacement = if token[at..].starts_with('A') {
        "B"
    } else {
        "A"
    };
    format!("{}{replacement}{}", &token[..at], &token[at + 1..])
}

pub fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A client with a public JWT for the default seed's dev env carrying `scopes` (10 minutes).
pub fn jwt_api(emu: &Emulator, scopes: &[&str]) -> Api {
    env_jwt_api(emu, "dev", emu.seed().dev_key(), scopes)
}

/// A client with a public JWT for the env `slug` (signed with its `key`) carrying `scopes`.
pub fn env_jwt_api(emu: &Emulator, slug: &str, key: &str, scopes: &[&str]) -> Api {
    let now = now_secs();
    let token = mint(
        key,
        serde_json::json!({"sub": emu.seed().env_id(slug), "pub": true, "scopes": scopes,
            "iat": now, "exp": now + 600}),
    );
    Api::new(emu, &token)
}

/// The 403 body of a JWT scope failure.
pub fn scope_error() -> Value {
    serde_json::json!({"error":"Unauthorized","code":"unauthorized","param":"access_token","type":"authorization"})
}
