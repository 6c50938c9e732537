//! Named concurrency limits: bounds per concurrency key and in total, overrides of the whole
//! limit and of one key (which lapse), and the pause.

use std::collections::BTreeMap;

use crate::util::hashed;

/// The largest bound the server accepts.
pub const MAX_BOUND: u64 = 100_000;
/// How long a key override lasts without a `ttl`, and at most (ms).
pub const DEFAULT_KEY_TTL_MS: i64 = 7 * 86_400_000;
pub const MAX_KEY_TTL_MS: i64 = 30 * 86_400_000;

/// One bound (`perKey` or `total`): declared in code, and overridden.
#[derive(Debug, Clone, Default)]
pub struct Bound {
    pub base: Option<u64>,
    pub overridden: Option<u64>,
    pub overridden_ms: Option<i64>,
}

impl Bound {
    pub fn current(&self) -> Option<u64> {
        self.overridden.or(self.base)
    }
}

/// A key's own per-key bound, until `expires_ms`.
#[derive(Debug, Clone)]
pub struct KeyOverride {
    pub per_key: u64,
    pub expires_ms: i64,
}

#[derive(Debug, Clone)]
pub struct ConcurrencyLimit {
    pub id: String,
    pub env_id: String,
    pub name: String,
    pub per_key: Bound,
    pub total: Bound,
    pub paused: bool,
    /// Key (as text) -> its override.
    pub keys: BTreeMap<String, KeyOverride>,
}

impl ConcurrencyLimit {
    /// The key's override, unless it has lapsed by `now`.
    pub fn key_override(&self, key: &str, now: i64) -> Option<&KeyOverride> {
        self.keys.get(key).filter(|k| k.expires_ms > now)
    }
}

/// The deterministic id of a limit.
pub fn limit_id(env_id: &str, name: &str) -> String {
    format!("climit_{}", hashed(&["climit", env_id, name], 25))
}

/// Every limit of every env.
#[derive(Debug, Clone, Default)]
pub struct ConcurrencyLimits {
    pub list: Vec<ConcurrencyLimit>,
}

impl ConcurrencyLimits {
    /// Declares a limit (as a worker would) or redeclares its bounds; returns its id.
    pub fn declare(
        &mut self,
        env_id: &str,
        name: &str,
        per_key: Option<u64>,
        total: Option<u64>,
    ) -> String {
        if let Some(l) = self
            .list
            .iter_mut()
            .find(|l| l.env_id == env_id && l.name == name)
        {
            l.per_key.base = per_key;
            l.total.base = total;
            return l.id.clone();
        }
        let id = limit_id(env_id, name);
        self.list.push(ConcurrencyLimit {
            id: id.clone(),
            env_id: env_id.to_string(),
            name: name.to_string(),
            per_key: Bound {
                base: per_key,
                ..Bound::default()
            },
            total: Bound {
                base: total,
                ..Bound::default()
            },
            paused: false,
            keys: BTreeMap::new(),
        });
        id
    }

    pub fn by_name(&self, env_id: &str, name: &str) -> Option<&ConcurrencyLimit> {
        self.list
            .iter()
            .find(|l| l.env_id == env_id && l.name == name)
    }

    pub fn by_name_mut(&mut self, env_id: &str, name: &str) -> Option<&mut ConcurrencyLimit> {
        self.list
            .iter_mut()
            .find(|l| l.env_id == env_id && l.name == name)
    }
}
