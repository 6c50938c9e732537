//! Long-lived reads: server-sent events ([`sse`]: session channels and run streams) and the
//! shape protocol of the realtime run feeds ([`shape`]).

pub(crate) mod shape;
pub(crate) mod sse;
