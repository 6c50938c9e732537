//! [`RawJson`]: a JSON value kept as the text it was written as. Its fallible constructors
//! (`new`, `from_text`) are in `json.rs`, so that this module depends on nothing of the crate:
//! the run model, which `Error` holds, is built from it.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::Value;

/// A JSON value kept as text, exactly as it was written: what a caller gives as a payload,
/// metadata or data goes on the wire untouched (key order included).
///
/// ```
/// use triggerdev::RawJson;
///
/// let meta = RawJson::from_text(r#"{"z":1,"a":2}"#)?;
/// assert_eq!(meta.get(), r#"{"z":1,"a":2}"#);
/// let built = RawJson::new(&serde_json::json!([1, 2]))?;
/// assert_eq!(built.get(), "[1,2]");
/// # Ok::<(), triggerdev::Error>(())
/// ```
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RawJson(pub(crate) Box<RawValue>);

impl RawJson {
    /// The JSON text.
    pub fn get(&self) -> &str {
        self.0.get()
    }

    /// The JSON decoded into `T` (a payload into your own type, say).
    ///
    /// ```
    /// #[derive(serde::Deserialize)]
    /// struct Email {
    ///     to: String,
    /// }
    /// let payload = triggerdev::RawJson::from_text(r#"{"to":"ada@example.com"}"#)?;
    /// assert_eq!(payload.parse::<Email>().unwrap().to, "ada@example.com");
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// serde_json's error when the JSON does not fit `T`.
    pub fn parse<T: serde::de::DeserializeOwned>(&self) -> serde_json::Result<T> {
        serde_json::from_str(self.0.get())
    }

    /// The value, parsed.
    pub fn to_value(&self) -> Value {
        serde_json::from_str(self.0.get()).unwrap_or(Value::Null)
    }

    pub(crate) fn is_object(&self) -> bool {
        self.0.get().starts_with('{')
    }
}

impl PartialEq for RawJson {
    fn eq(&self, other: &RawJson) -> bool {
        self.get() == other.get()
    }
}

impl From<Value> for RawJson {
    fn from(value: Value) -> RawJson {
        RawJson(serde_json::value::to_raw_value(&value).expect("a Value always serializes"))
    }
}
