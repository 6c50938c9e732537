//! triggerdev
