//! URL encoding, hashing and random ids, matching what the official SDK puts on the wire.

use std::cell::Cell;
use std::fmt::Write;

/// `encodeURIComponent`: keeps `A-Z a-z 0-9 - _ . ! ~ * ' ( )`.
pub(crate) fn path_segment(s: &str) -> String {
    encode(
        s,
        |b| b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b),
        false,
    )
}

/// `URLSearchParams` form encoding: keeps `A-Z a-z 0-9 * - . _`, space becomes `+`.
pub(crate) fn form(s: &str) -> String {
    encode(
        s,
        |b| b.is_ascii_alphanumeric() || b"*-._".contains(&b),
        true,
    )
}

fn encode(s: &str, keep: impl Fn(u8) -> bool, plus_for_space: bool) -> String {
    if s.bytes().all(&keep) {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if keep(b) {
            out.push(b as char);
        } else if plus_for_space && b == b' ' {
            out.push('+');
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// A query string built in insertion order, form-encoded.
#[derive(Default)]
pub(crate) struct Query(String);

impl Query {
    pub(crate) fn push(&mut self, key: &str, value: &str) {
        if !self.0.is_empty() {
            self.0.push('&');
        }
        self.0.push_str(&form(key));
        self.0.push('=');
        self.0.push_str(&form(value));
    }

    /// Pushes a list joined with commas, as one parameter; nothing when empty.
    pub(crate) fn push_list<S: AsRef<str>>(&mut self, key: &str, values: &[S]) {
        if !values.is_empty() {
            let joined: Vec<&str> = values.iter().map(AsRef::as_ref).collect();
            self.push(key, &joined.join(","));
        }
    }

    pub(crate) fn push_opt(&mut self, key: &str, value: Option<&str>) {
        if let Some(v) = value {
            self.push(key, v);
        }
    }

    pub(crate) fn into_string(self) -> String {
        self.0
    }
}

/// Lowercase hex SHA-256 of `data`.
pub(crate) fn sha256_hex(data: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, data);
    let mut out = String::with_capacity(64);
    for b in digest.as_ref() {
        let _ = write!(out, "{b:02x}");
    }
    out
}

thread_local! {
    // Request ids need uniqueness, not secrecy: a per-thread SplitMix64 seeded once from the OS
    // keeps the hot path free of a system call per request. It remembers the process it was
    // seeded in: a child of `fork()` reseeds instead of repeating its parent's ids.
    static RNG: Cell<(u32, u64)> = const { Cell::new((0, 0)) };
}

fn os_seed() -> u64 {
    use ring::rand::SecureRandom;
    let mut bytes = [0u8; 8];
    let _ = ring::rand::SystemRandom::new().fill(&mut bytes);
    let addr = &bytes as *const _ as u64;
    u64::from_le_bytes(bytes) ^ addr.rotate_left(32) ^ u64::from(crate::process::last_seen())
}

/// A pseudo-random u64 (not for secrets).
pub(crate) fn random_u64() -> u64 {
    RNG.with(|cell| {
        let (seeded_in, state) = cell.get();
        let pid = crate::process::last_seen();
        let state = if seeded_in == pid { state } else { os_seed() };
        let next = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        cell.set((pid, next));
        let mut z = next;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    })
}

/// A random UUIDv4 in its hyphenated lowercase form.
pub(crate) fn uuid_v4() -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&random_u64().to_le_bytes());
    b[8..].copy_from_slice(&random_u64().to_le_bytes());
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let mut out = Vec::with_capacity(36);
    for (i, byte) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push(b'-');
        }
        out.push(HEX[usize::from(byte >> 4)]);
        out.push(HEX[usize::from(byte & 0x0f)]);
    }
    String::from_utf8(out).expect("hex digits and hyphens are ASCII")
}

/// A 21-character id of the URL-safe alphabet (`A-Z a-z 0-9 _ -`), as nanoid makes them.
pub(crate) fn nanoid() -> String {
    // Drawn before its call's request: read the process id now (a child of fork() reseeds).
    crate::process::refresh();
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
    (0..21)
        .map(|_| ALPHABET[(random_u64() & 63) as usize] as char)
        .collect()
}

/// `len` random characters of the alphabet friendly ids use (`1-9`, `a-z` without `l`).
pub(crate) fn random_id(len: usize) -> String {
    const ALPHABET: &[u8] = b"123456789abcdefghijkmnopqrstuvwxyz";
    (0..len)
        .map(|_| ALPHABET[(random_u64() % ALPHABET.len() as u64) as usize] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_encoding_matches_url_search_params() {
        assert_eq!(form("filter[status]"), "filter%5Bstatus%5D");
        assert_eq!(form("A,B c*-._~"), "A%2CB+c*-._%7E");
        assert_eq!(form("é"), "%C3%A9");
    }

    #[test]
    fn path_encoding_matches_encode_uri_component() {
        assert_eq!(path_segment("my/task"), "my%2Ftask");
        assert_eq!(path_segment("a b!~*'()"), "a%20b!~*'()");
    }

    #[test]
    fn query_joins_lists_and_skips_empty_ones() {
        let mut q = Query::default();
        q.push_list("filter[status]", &["COMPLETED", "FAILED"]);
        q.push_list::<&str>("filter[tag]", &[]);
        q.push("page[size]", "10");
        assert_eq!(
            q.into_string(),
            "filter%5Bstatus%5D=COMPLETED%2CFAILED&page%5Bsize%5D=10"
        );
    }

    #[test]
    fn sha256_of_k1_matches_the_official_sdk() {
        let h = sha256_hex(b"k1");
        assert!(h.starts_with("6ab9f1eb") && h.ends_with("6dd0"), "{h}");
    }

    #[test]
    fn uuid_v4_has_version_and_variant_bits() {
        let a = uuid_v4();
        let b = uuid_v4();
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
        assert!("89ab".contains(&a[19..20]), "{a}");
    }
}
