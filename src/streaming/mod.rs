//! Long-lived reads: the shape protocol of the realtime run feeds ([`shape`]).
//!
//! (Session channels' SSE reader lives in `resources/sessions.rs` for now; run streams will
//! share it from here.)

pub(crate) mod shape;
