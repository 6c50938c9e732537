//! The C ABI (see include/triggerdev.h). The only `unsafe` code of the crate lives here.
