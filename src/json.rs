//! Decoding responses, and JSON helpers shared by the layers.
//!
//! Every operation decodes its response into a model, which validates it. The Rust API
//! returns the model; the C ABI (and through it Python and Ruby) asks the same operation for a
//! [`WithJson`], which also keeps the server's JSON text, and hands that text out. So a
//! malformed success fails the same way in every layer, and the JSON a C caller sees is the
//! server's, byte for byte, whichever function returned it.

use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;
use serde_json::Value;

use crate::raw_json::RawJson;

/// A model decoded from JSON, with the JSON text it was decoded from.
#[derive(Debug)]
pub(crate) struct WithJson<M> {
    pub(crate) model: M,
    json: JsonText,
}

/// The JSON text of a [`WithJson`].
#[derive(Debug)]
enum JsonText {
    /// A value inside a larger document (a page's item).
    Raw(Box<RawValue>),
    /// Text of its own: a whole response body (decoding the model checked it is valid JSON,
    /// so it is kept without a second pass over it, a third of a retrieve's CPU in the C ABI,
    /// and without a copy: the response's buffer itself, which has room for the C NUL),
    /// or the text `set_member` rebuilt.
    Body(String),
}

impl<M> WithJson<M> {
    /// The JSON text.
    pub(crate) fn into_text(self) -> String {
        match self.json {
            JsonText::Raw(raw) => raw.get().to_owned(),
            JsonText::Body(text) => text,
        }
    }

    fn text(&self) -> &str {
        match &self.json {
            JsonText::Raw(raw) => raw.get(),
            JsonText::Body(text) => text,
        }
    }
}

impl<'de, M: DeserializeOwned> Deserialize<'de> for WithJson<M> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<WithJson<M>, D::Error> {
        let raw = Box::<RawValue>::deserialize(d)?;
        let model = decode_model(raw.get()).map_err(D::Error::custom)?;
        Ok(WithJson {
            model,
            json: JsonText::Raw(raw),
        })
    }
}

/// Serializes as the JSON text, untouched.
impl<M> Serialize for WithJson<M> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.json {
            JsonText::Raw(raw) => raw.serialize(s),
            // Not reached by the C ABI, which takes whole bodies with `into_text`.
            JsonText::Body(text) => RawValue::from_string(text.clone())
                .map_err(serde::ser::Error::custom)?
                .serialize(s),
        }
    }
}

/// Decodes a model from `text`. Serde would also fill a struct from a JSON array, by position
/// (`[]` is a valid `{"success":true}`); the API sends objects, so a model that is a struct is
/// refused an array, as the C ABI refuses one for options.
pub(crate) fn decode_model<M: DeserializeOwned>(text: &str) -> serde_json::Result<M> {
    if text.trim_start().starts_with('[') && is_struct::<M>() {
        return Err(serde_json::Error::custom(
            "invalid type: array, expected a JSON object",
        ));
    }
    serde_json::from_str(text)
}

/// Whether `M` deserializes as a struct: its `Deserialize` asks for one first (as a derived
/// struct does), which a probe that only records the request tells without any input.
fn is_struct<M: DeserializeOwned>() -> bool {
    #[derive(Debug)]
    struct Asked(bool);
    impl std::fmt::Display for Asked {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("probe")
        }
    }
    impl std::error::Error for Asked {}
    impl serde::de::Error for Asked {
        fn custom<T: std::fmt::Display>(_: T) -> Asked {
            Asked(false)
        }
    }
    struct Probe;
    impl<'de> Deserializer<'de> for Probe {
        type Error = Asked;
        fn deserialize_any<V: serde::de::Visitor<'de>>(self, _: V) -> Result<V::Value, Asked> {
            Err(Asked(false))
        }
        fn deserialize_struct<V: serde::de::Visitor<'de>>(
            self,
            _: &'static str,
            _: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Asked> {
            Err(Asked(true))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
            identifier ignored_any
        }
    }
    matches!(M::deserialize(Probe), Err(Asked(true)))
}

/// What an operation can return for model `M`: `M` itself (the Rust API) or
/// [`WithJson<M>`] (the C ABI).
pub(crate) trait Decoded<M>: DeserializeOwned {
    /// The result for `model`, decoded from the whole response body `text`.
    fn from_model(model: M, text: String) -> Self;
    /// The model.
    fn model(&self) -> &M;
    /// Sets member `key` to `value`: in the model with `set`, and in the JSON text if kept.
    fn set_member(&mut self, key: &str, value: Value, set: impl FnOnce(&mut M, Value));
}

impl<M: DeserializeOwned> Decoded<M> for M {
    fn from_model(model: M, _text: String) -> M {
        model
    }
    fn model(&self) -> &M {
        self
    }
    fn set_member(&mut self, _key: &str, value: Value, set: impl FnOnce(&mut M, Value)) {
        set(self, value);
    }
}

impl<M: DeserializeOwned> Decoded<M> for WithJson<M> {
    fn from_model(model: M, text: String) -> Self {
        // As a raw value, without the whitespace around it (the body itself when it has none).
        const SPACE: [char; 4] = [' ', '\t', '\n', '\r'];
        let text = if text.starts_with(SPACE) || text.ends_with(SPACE) {
            text.trim_matches(SPACE).to_owned()
        } else {
            text
        };
        WithJson {
            model,
            json: JsonText::Body(text),
        }
    }
    fn model(&self) -> &M {
        &self.model
    }
    fn set_member(&mut self, key: &str, value: Value, set: impl FnOnce(&mut M, Value)) {
        // Rare (large payloads): rebuild the text with the member set.
        if let Ok(Value::Object(mut map)) = serde_json::from_str::<Value>(self.text()) {
            map.insert(key.to_owned(), value.clone());
            if let Ok(json) = serde_json::to_string(&map) {
                self.json = JsonText::Body(json);
            }
        }
        set(&mut self.model, value);
    }
}

/// "a string", "an array", ...: how messages name a JSON value's type.
pub(crate) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// What serde_json says about `e`, without string values ([`redact_strings`]), in two parts: the
/// message, and where in the text it is (` at line 1 column 32`; empty when serde gives no
/// position). The position helps only the caller who wrote the JSON.
pub(crate) fn serde_message(e: &serde_json::Error) -> (String, String) {
    let text = redact_strings(&e.to_string());
    if e.line() == 0 {
        return (text, String::new());
    }
    let position = format!(" at line {} column {}", e.line(), e.column());
    match text.strip_suffix(&position) {
        Some(message) => (message.to_owned(), position),
        None => (text, String::new()),
    }
}

/// Removes the quoted string values serde puts in its messages (`invalid type: string "…"`),
/// since they may be secrets (an env var's value, a token in the wrong field).
pub(crate) fn redact_strings(message: &str) -> String {
    const MARK: &str = "string \"";
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(start) = rest.find(MARK) {
        out.push_str(&rest[..start + MARK.len() - 2]);
        let quoted = &rest[start + MARK.len()..];
        // serde writes the value with `{:?}`: skip to the unescaped closing quote.
        let mut escaped = false;
        let mut end = quoted.len();
        for (i, c) in quoted.char_indices() {
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => {
                    end = i + 1;
                    break;
                }
                _ => escaped = false,
            }
        }
        rest = &quoted[end..];
    }
    out.push_str(rest);
    out
}

// `RawJson`'s constructors that can fail: here, as they return `Error` (see `raw_json.rs`).
impl RawJson {
    /// `value` serialized as JSON (in its own field order).
    ///
    /// # Errors
    ///
    /// [`crate::Error::InvalidArgument`] when `value` cannot be serialized (a map with
    /// non-string keys, a failing `Serialize` impl).
    pub fn new(value: &(impl Serialize + ?Sized)) -> crate::Result<RawJson> {
        serde_json::value::to_raw_value(value)
            .map(RawJson)
            .map_err(|e| crate::Error::invalid("value", format!("cannot be serialized: {e}")))
    }

    /// JSON text, checked to be one valid JSON value and kept as written.
    ///
    /// # Errors
    ///
    /// [`crate::Error::InvalidArgument`] when `text` is not valid JSON.
    pub fn from_text(text: impl Into<String>) -> crate::Result<RawJson> {
        RawValue::from_string(text.into())
            .map(RawJson)
            .map_err(|e| crate::Error::invalid("value", format!("malformed JSON: {e}")))
    }
}

/// For `#[serde(deserialize_with)]`: one JSON value or an array of them, each kept as written
/// (serde's untagged enums cannot hold raw values).
pub(crate) fn one_or_many_raw<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<RawJson>, D::Error> {
    let raw = Box::<RawValue>::deserialize(d)?;
    if raw.get().starts_with('[') {
        serde_json::from_str(raw.get()).map_err(D::Error::custom)
    } else {
        Ok(vec![RawJson(raw)])
    }
}

/// For `#[serde(deserialize_with)]`: a member that is present (even `null`) is `Some`.
pub(crate) fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<RawJson>, D::Error> {
    RawJson::deserialize(d).map(Some)
}

/// For `#[serde(deserialize_with)]`: the literal `true` (the official schemas' `literal(true)`).
pub(crate) fn literal_true<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    match bool::deserialize(d)? {
        true => Ok(true),
        false => Err(D::Error::custom("expected `true`")),
    }
}

/// Checks that `value`, when given, is a JSON object.
pub(crate) fn require_object(value: Option<&RawJson>, argument: &'static str) -> crate::Result<()> {
    match value {
        Some(v) if !v.is_object() => Err(crate::Error::invalid(argument, "must be a JSON object")),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize, Debug, PartialEq)]
    struct M {
        id: String,
    }

    #[test]
    fn with_json_keeps_the_text_and_validates_the_model() {
        let text = r#"{"z":1, "id":"a","extra":[1,2]}"#;
        let w: WithJson<M> = serde_json::from_str(text).unwrap();
        assert_eq!(w.model, M { id: "a".into() });
        assert_eq!(serde_json::to_string(&w).unwrap(), text);
        let bad = serde_json::from_str::<WithJson<M>>(r#"{"id":123}"#);
        assert!(bad.unwrap_err().to_string().contains("invalid type"));
    }

    #[test]
    fn strings_are_redacted_from_serde_messages() {
        assert_eq!(
            redact_strings(r#"invalid type: string "tr_prod_x", expected u32"#),
            "invalid type: string, expected u32"
        );
    }
}
