//! Payloads as the official SDK puts them on the wire (`docs/wire.md#payloads`,
//! `docs/wire.md#packets`): serialization, offload of large payloads to object storage, and
//! download of large payloads and outputs.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use ureq::http::Method;

use crate::client::Client;
use crate::config::RetryPolicy;
use crate::credentials::Access;
use crate::encode;
use crate::error::{Error, Result};
use crate::transport::{Body, Call};

/// Payloads this large (128 KiB) or larger are uploaded first and sent by reference.
pub(crate) const OFFLOAD_THRESHOLD: usize = 128 * 1024;

/// A payload ready for the wire.
pub(crate) struct Packet {
    /// `None` for a trigger without a payload (the official `undefined`).
    pub(crate) data: Option<String>,
    pub(crate) data_type: &'static str,
    /// Byte length before any offload (0 without a payload).
    pub(crate) size: usize,
}

impl Packet {
    /// No payload: no `payload` member, `payloadType: application/json`.
    pub(crate) fn none() -> Packet {
        Packet {
            data: None,
            data_type: "application/json",
            size: 0,
        }
    }
}

/// `stringifyIO`: a string goes as `text/plain`; anything else as superjson `{"json": …}`,
/// with the value's JSON exactly as it serializes (a caller's raw JSON text stays untouched).
/// Serde output has no Dates, Maps or BigInts, so superjson never needs a `meta` member.
pub(crate) fn serialize<P: Serialize + ?Sized>(payload: &P) -> Result<Packet> {
    let json = serde_json::to_string(payload)
        .map_err(|e| Error::invalid("payload", format!("cannot be serialized: {e}")))?;
    if json.starts_with('"') {
        let text: String = serde_json::from_str(&json).expect("a JSON string decodes");
        let size = text.len();
        return Ok(Packet {
            data: Some(text),
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
        data: Some(data),
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

/// How packet uploads to storage are retried (`docs/wire.md#other-retry-schedules`).
fn upload_policy() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 5,
        factor: 2.0,
        min_delay: Duration::from_millis(500),
        max_delay: Duration::from_millis(5000),
        randomize: true,
        ..RetryPolicy::default()
    }
}

/// Uploads a large payload through the packets endpoint and returns the reference to send
/// instead (`payloadType: application/store`). `operation` names the call for errors.
pub(crate) fn offload(client: &Client, operation: &'static str, packet: Packet) -> Result<Packet> {
    let Some(data) = packet.data.as_deref() else {
        return Ok(packet);
    };
    if data.len() < OFFLOAD_THRESHOLD {
        return Ok(packet);
    }
    // `trigger/packet_<21 random>/payload.<ext>`, as 4.8.3 names it.
    let extension = if packet.data_type == "text/plain" {
        "txt"
    } else {
        "json"
    };
    let filename = format!(
        "trigger/packet_{}/payload.{extension}",
        encode::random_id(21)
    );
    let path = format!("/api/v2/packets/{}", encode::path_segment(&filename));
    let call = Call::new(
        operation,
        Method::PUT,
        path,
        Access::SecretKey { jwt: true },
    );
    let upload: PresignedUpload = client.execute(&call)?.decoded()?;
    let mut put = Call::new(
        operation,
        Method::PUT,
        upload.presigned_url,
        Access::Presigned,
    );
    put.retry = Some(upload_policy());
    put.body = Body::Raw {
        content_type: packet.data_type,
        bytes: packet.data.map(String::into_bytes).unwrap_or_default(),
    };
    client.execute(&put)?;
    Ok(Packet {
        data: Some(upload.storage_path),
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
pub(crate) fn decode_packet(data: &[u8], content_type: &str) -> Option<serde_json::Value> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_go_as_text_and_values_as_superjson() {
        let p = serialize("hello").unwrap();
        assert_eq!(
            (p.data.as_deref(), p.data_type, p.size),
            (Some("hello"), "text/plain", 5)
        );
        let p = serialize(&serde_json::json!({"a": 1})).unwrap();
        assert_eq!(p.data.as_deref(), Some(r#"{"json":{"a":1}}"#));
        assert_eq!((p.data_type, p.size), ("application/super+json", 16));
        let p = serialize(&()).unwrap();
        assert_eq!(p.data.as_deref(), Some(r#"{"json":null}"#));
    }

    #[test]
    fn raw_json_keeps_the_callers_order() {
        let raw = serde_json::value::RawValue::from_string(r#"{"z":1,"a":2}"#.into()).unwrap();
        let p = serialize(&raw).unwrap();
        assert_eq!(p.data.as_deref(), Some(r#"{"json":{"z":1,"a":2}}"#));
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
}
