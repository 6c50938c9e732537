//! Which process this is, so that after `fork()` a child never uses what its parent opened or
//! drew: a pooled connection (the two would read each other's responses) or the state of the
//! request-id generator (the two would send the same idempotency keys).
//!
//! Every logical call reads the process id once ([`refresh`], one `getpid`); connections
//! remember the id they were opened under and the random generator the id it was seeded
//! under, and both compare it with [`last_seen`]. A child's first call sees its own id, so it
//! opens new connections and reseeds; the parent's connections stay the parent's.

use std::sync::atomic::{AtomicU32, Ordering};

/// The process id the last [`refresh`] read (0 before the first one).
static LAST_SEEN: AtomicU32 = AtomicU32::new(0);

/// Reads the id of this process and remembers it for [`last_seen`]. Called at the start of
/// every logical call, before it takes a pooled connection or draws a random number.
pub(crate) fn refresh() -> u32 {
    let id = std::process::id();
    LAST_SEEN.store(id, Ordering::Relaxed);
    id
}

/// The process id the last [`refresh`] read: in a child, its own id from its first call on.
pub(crate) fn last_seen() -> u32 {
    match LAST_SEEN.load(Ordering::Relaxed) {
        0 => refresh(),
        id => id,
    }
}
