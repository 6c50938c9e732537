//! Payloads and idempotency keys as the official SDK puts them on the wire (API.md §6.1, §7, §8).

use serde::{Deserialize, Serialize};
use ureq::http::Method;

use crate::client::Client;
use crate::encode;
use crate::error::{Error, Result};
use crate::transport::{Access, Body, Call};

/// Payloads this large (128 KiB) or larger are uploaded first and sent by reference.
pub(crate) const OFFLOAD_THRESHOLD: usize = 128 * 1024;

/// A payload ready for the wire.
pub(crate) struct Packet {
    pub(crate) data: String,
    pub(crate) data_type: &'static str,
    /// Byte length before any offload.
    pub(crate) size: usize,
}

/// `stringifyIO`: a string goes as `text/plain`; anything else as superjson `{"json": …}`.
/// Serde output has no Dates, Maps or BigInts, so superjson never needs a `meta` member.
pub(crate) fn serialize<P: Serialize + ?Sized>(payload: &P) -> Result<Packet> {
    let json = serde_json::to_string(payload)
        .map_err(|e| Error::invalid("payload", format!("cannot be serialized: {e}")))?;
    if json.starts_with('"') {
        let text: String = serde_json::from_str(&json).expect("a JSON string decodes");
        let size = text.len();
        return Ok(Packet {
            data: text,
            data_type: "text/plain",
            size,
        });
    }
    let mut data = String::with_capacity(json.len() + 9);
    data.push_str("{\"json\":");
    data.push_str(&json);
    data.push('}');
    let size = data.len();
    Ok(Packet {
        data,
        data_type: "application/super+json",
        size,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PresignedUpload {
    presigned_url: String,
    storage_path: String,
}

/// Uploads a large payload through the packets endpoint and returns the reference to send
/// instead (`payloadType: application/store`).
pub(crate) fn offload(client: &Client, task_id: &str, packet: Packet) -> Result<Packet> {
    if packet.data.len() < OFFLOAD_THRESHOLD {
        return Ok(packet);
    }
    let now_ms = client
        .resolved()
        .clock
        .now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis();
    let filename = format!(
        "trigger/{}/{}-{}/payload.json",
        encode::path_segment(task_id),
        now_ms,
        encode::random_base36(8)
    );
    let path = format!("/api/v2/packets/{}", encode::path_segment(&filename));
    let call = Call::new(
        "tasks.trigger",
        Method::PUT,
        path,
        Access::SecretKey { jwt: true },
    );
    let upload: PresignedUpload = client.execute(&call)?.json()?;
    let mut put = Call::new(
        "tasks.trigger",
        Method::PUT,
        upload.presigned_url,
        Access::Presigned,
    );
    put.request_key = false;
    put.body = Body::Raw {
        content_type: packet.data_type,
        bytes: packet.data.into_bytes(),
    };
    client.execute(&put)?;
    Ok(Packet {
        data: upload.storage_path,
        data_type: "application/store",
        size: packet.size,
    })
}

/// Downloads a packet from a presigned URL (no credentials) and decodes it by its content type,
/// as the official SDK fills in a large payload or output. `None` when anything fails.
pub(crate) fn download(client: &Client, url: &str) -> Option<serde_json::Value> {
    let mut call = Call::new(
        "runs.retrieve",
        Method::GET,
        url.to_owned(),
        Access::Presigned,
    );
    call.request_key = false;
    let reply = client.execute(&call).ok()?;
    decode_packet(&reply.body, reply.content_type.as_deref().unwrap_or(""))
}

/// `parsePacket`: superjson gives its `json` member, JSON its value, text a string.
fn decode_packet(data: &[u8], content_type: &str) -> Option<serde_json::Value> {
    let text = std::str::from_utf8(data).ok()?;
    let mime = content_type.split(';').next().unwrap_or("").trim();
    match mime {
        "application/super+json" => {
            let mut value: serde_json::Value = serde_json::from_str(text).ok()?;
            Some(value.get_mut("json")?.take())
        }
        "application/json" => serde_json::from_str(text).ok(),
        m if m.starts_with("text/") => Some(serde_json::Value::String(text.to_owned())),
        _ => None,
    }
}

/// `idempotencyKeyOptions` on the wire.
#[derive(Serialize, Debug, Clone, PartialEq)]
pub(crate) struct KeyOptions {
    pub(crate) key: String,
    pub(crate) scope: &'static str,
}

/// `makeIdempotencyKey` outside a task: a 64-character key is sent as is; any other key is
/// hashed (SHA-256, hex) and the original goes along in `idempotencyKeyOptions`.
pub(crate) fn idempotency_key(key: Option<&str>) -> (Option<String>, Option<KeyOptions>) {
    match key {
        None | Some("") => (None, None),
        Some(k) if k.chars().count() == 64 => (Some(k.to_owned()), None),
        Some(k) => (
            Some(encode::sha256_hex(k.as_bytes())),
            Some(KeyOptions {
                key: k.to_owned(),
                scope: "run",
            }),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_go_as_text_and_values_as_superjson() {
        let p = serialize("hello").unwrap();
        assert_eq!(
            (p.data.as_str(), p.data_type, p.size),
            ("hello", "text/plain", 5)
        );
        let p = serialize(&serde_json::json!({"a": 1})).unwrap();
        assert_eq!(p.data, r#"{"json":{"a":1}}"#);
        assert_eq!((p.data_type, p.size), ("application/super+json", 16));
        let p = serialize(&()).unwrap();
        assert_eq!(p.data, r#"{"json":null}"#);
    }

    #[test]
    fn packets_decode_by_content_type() {
        let sj = br#"{"json":{"a":1},"meta":{}}"#;
        assert_eq!(
            decode_packet(sj, "application/super+json"),
            Some(serde_json::json!({"a": 1}))
        );
        assert_eq!(
            decode_packet(b"[1,2]", "application/json; charset=utf-8"),
            Some(serde_json::json!([1, 2]))
        );
        assert_eq!(
            decode_packet(b"hi", "text/plain"),
            Some(serde_json::json!("hi"))
        );
        assert_eq!(decode_packet(b"\x00", "application/octet-stream"), None);
        assert_eq!(decode_packet(b"{bad", "application/json"), None);
    }

    #[test]
    fn idempotency_keys_are_hashed_unless_64_chars() {
        let (key, opts) = idempotency_key(Some("k1"));
        assert_eq!(key.unwrap(), encode::sha256_hex(b"k1"));
        assert_eq!(
            opts.unwrap(),
            KeyOptions {
                key: "k1".into(),
                scope: "run"
            }
        );
        let raw = "a".repeat(64);
        assert_eq!(idempotency_key(Some(&raw)), (Some(raw.clone()), None));
        assert_eq!(idempotency_key(Some("")), (None, None));
    }
}
