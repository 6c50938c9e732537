//! Idempotency keys as the official SDK makes them (`docs/wire.md#idempotency-keys`): a key
//! (or a list of parts) is hashed with SHA-256 and the original travels along as
//! `idempotencyKeyOptions`.
//!
//! ```
//! use triggerdev::{idempotency_keys, IdempotencyKeyScope, TriggerOptions};
//!
//! let key = idempotency_keys::create(["user", "42"], IdempotencyKeyScope::Global);
//! assert_eq!(key.len(), 64);
//! // A created key sent as a trigger's key keeps its original parts and scope.
//! let options = TriggerOptions::new().idempotency_key(key.as_str());
//! ```

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, PoisonError};

use serde::{Deserialize, Serialize};

use crate::encode;

/// An idempotency key: one string, or parts joined with `-` before hashing (the official
/// `string | string[]`). A 64-character string is taken as an already hashed key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged, expecting = "must be a string or an array of strings")]
pub enum IdempotencyKey {
    /// One string.
    Key(String),
    /// Parts, joined with `-`.
    Parts(Vec<String>),
}

impl From<&str> for IdempotencyKey {
    fn from(key: &str) -> IdempotencyKey {
        IdempotencyKey::Key(key.to_owned())
    }
}

impl From<String> for IdempotencyKey {
    fn from(key: String) -> IdempotencyKey {
        IdempotencyKey::Key(key)
    }
}

impl From<Vec<String>> for IdempotencyKey {
    fn from(parts: Vec<String>) -> IdempotencyKey {
        IdempotencyKey::Parts(parts)
    }
}

impl<const N: usize> From<[&str; N]> for IdempotencyKey {
    fn from(parts: [&str; N]) -> IdempotencyKey {
        IdempotencyKey::Parts(parts.iter().map(|p| (*p).to_owned()).collect())
    }
}

impl From<&[&str]> for IdempotencyKey {
    fn from(parts: &[&str]) -> IdempotencyKey {
        IdempotencyKey::Parts(parts.iter().map(|p| (*p).to_owned()).collect())
    }
}

impl IdempotencyKey {
    /// The key material: the string, or the parts joined with `-`.
    fn material(&self) -> String {
        match self {
            IdempotencyKey::Key(k) => k.clone(),
            IdempotencyKey::Parts(parts) => parts.join("-"),
        }
    }

    fn is_empty(&self) -> bool {
        match self {
            IdempotencyKey::Key(k) => k.is_empty(),
            IdempotencyKey::Parts(parts) => parts.is_empty(),
        }
    }

    /// A string of exactly 64 characters, taken as already hashed.
    fn hashed(&self) -> Option<&str> {
        match self {
            IdempotencyKey::Key(k) if k.chars().count() == 64 => Some(k),
            _ => None,
        }
    }
}

/// What an idempotency key is unique to. Outside a running task (always, for this SDK) no run
/// or attempt is mixed into the hash, so the scopes differ only in what the server records.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IdempotencyKeyScope {
    /// Unique per parent run (the default).
    #[default]
    Run,
    /// Unique per attempt of the parent run.
    Attempt,
    /// Unique in the environment.
    Global,
}

impl IdempotencyKeyScope {
    /// The wire name (`"run"`).
    pub fn as_str(self) -> &'static str {
        match self {
            IdempotencyKeyScope::Run => "run",
            IdempotencyKeyScope::Attempt => "attempt",
            IdempotencyKeyScope::Global => "global",
        }
    }
}

/// `idempotencyKeyOptions` on the wire.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub(crate) struct KeyOptions {
    pub(crate) key: String,
    pub(crate) scope: &'static str,
}

/// Hashes `key` (`idempotencyKeys.create`): the lowercase hex SHA-256 of its material. The
/// key remembers its original material and scope in this process, so a trigger given the hash
/// sends them along as the official SDK does. No request is made.
pub fn create(key: impl Into<IdempotencyKey>, scope: IdempotencyKeyScope) -> String {
    let material = key.into().material();
    let hash = encode::sha256_hex(material.as_bytes());
    remember(
        &hash,
        KeyOptions {
            key: material,
            scope: scope.as_str(),
        },
    );
    hash
}

/// The hashed key and its options as a trigger sends them (`makeIdempotencyKey`): a
/// 64-character string is sent as is (with the options `create` recorded for it, if any);
/// anything else is hashed with scope `run`.
pub(crate) fn wire(key: Option<&IdempotencyKey>) -> (Option<String>, Option<KeyOptions>) {
    match key {
        None => (None, None),
        Some(k) if k.is_empty() => (None, None),
        Some(k) => match k.hashed() {
            Some(hash) => (Some(hash.to_owned()), recalled(hash)),
            None => {
                let material = k.material();
                (
                    Some(encode::sha256_hex(material.as_bytes())),
                    Some(KeyOptions {
                        key: material,
                        scope: "run",
                    }),
                )
            }
        },
    }
}

/// The key of batch item `index` that has none of its own: the batch key's material and the
/// index, hashed (`sha256("<key>-<index>")`; parts join with `,` first, as JavaScript's
/// `Array.toString` does in the official SDK). `None` without a usable batch key.
pub(crate) fn item_key(batch_key: &IdempotencyKey, index: usize) -> Option<String> {
    if batch_key.is_empty() {
        return None;
    }
    let material = match batch_key {
        IdempotencyKey::Key(k) => k.clone(),
        IdempotencyKey::Parts(parts) => parts.join(","),
    };
    Some(encode::sha256_hex(format!("{material}-{index}").as_bytes()))
}

/// The hash a reset targets: a 64-character key as is, anything else hashed; empty for an
/// empty key.
pub(crate) fn hash_of(key: &IdempotencyKey) -> String {
    if key.is_empty() {
        return String::new();
    }
    match key.hashed() {
        Some(hash) => hash.to_owned(),
        None => encode::sha256_hex(key.material().as_bytes()),
    }
}

/// Keys made by [`create`], so that their options travel with them. Bounded: the oldest are
/// forgotten first.
struct Catalog {
    options: HashMap<String, KeyOptions>,
    order: VecDeque<String>,
}

const CATALOG_CAPACITY: usize = 4096;

static CATALOG: Mutex<Option<Catalog>> = Mutex::new(None);

fn remember(hash: &str, options: KeyOptions) {
    let mut guard = CATALOG.lock().unwrap_or_else(PoisonError::into_inner);
    let catalog = guard.get_or_insert_with(|| Catalog {
        options: HashMap::new(),
        order: VecDeque::new(),
    });
    if catalog.options.insert(hash.to_owned(), options).is_none() {
        catalog.order.push_back(hash.to_owned());
        if catalog.order.len() > CATALOG_CAPACITY {
            if let Some(oldest) = catalog.order.pop_front() {
                catalog.options.remove(&oldest);
            }
        }
    }
}

fn recalled(hash: &str) -> Option<KeyOptions> {
    let guard = CATALOG.lock().unwrap_or_else(PoisonError::into_inner);
    guard.as_ref()?.options.get(hash).cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_hashed_unless_64_chars() {
        let (key, opts) = wire(Some(&"k1".into()));
        assert_eq!(key.unwrap(), encode::sha256_hex(b"k1"));
        assert_eq!(
            opts.unwrap(),
            KeyOptions {
                key: "k1".into(),
                scope: "run"
            }
        );
        let raw = "a".repeat(64);
        assert_eq!(wire(Some(&raw.as_str().into())), (Some(raw.clone()), None));
        assert_eq!(wire(Some(&"".into())), (None, None));
        assert_eq!(wire(None), (None, None));
    }

    #[test]
    fn parts_are_joined_with_dashes() {
        let (key, opts) = wire(Some(&["a", "b"].into()));
        assert_eq!(key.unwrap(), encode::sha256_hex(b"a-b"));
        assert_eq!(opts.unwrap().key, "a-b");
    }

    #[test]
    fn created_keys_carry_their_scope() {
        let hash = create("created-key", IdempotencyKeyScope::Global);
        assert_eq!(hash, encode::sha256_hex(b"created-key"));
        let (key, opts) = wire(Some(&hash.as_str().into()));
        assert_eq!(key.as_deref(), Some(hash.as_str()));
        assert_eq!(
            opts,
            Some(KeyOptions {
                key: "created-key".into(),
                scope: "global"
            })
        );
    }
}
