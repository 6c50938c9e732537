//! How a caller's value appears in an error message or a `Debug` output. Apart from `config`
//! because `tls`, which `config` uses, shows values too.

use std::fmt;

/// Whether `value` looks like a credential (a `tr_` token or a JWT): such values are never
/// echoed in an error message or a `Debug` output.
pub(crate) fn looks_secret(value: &str) -> bool {
    let v = value.trim();
    v.starts_with("tr_")
        || v.contains("Bearer ")
        || (v.starts_with("eyJ") && v.matches('.').count() >= 2)
}

/// A caller's value as an error message may show it: quoted, or replaced by a note when it
/// looks like a credential, and shortened when long.
pub(crate) struct Shown<'a>(pub(crate) &'a str);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const MAX: usize = 80;
        if looks_secret(self.0) {
            return f.write_str("(a value that looks like a credential, not shown)");
        }
        if self.0.len() <= MAX {
            return write!(f, "`{}`", self.0);
        }
        let mut end = MAX;
        while !self.0.is_char_boundary(end) {
            end -= 1;
        }
        write!(f, "`{}…` ({} bytes)", &self.0[..end], self.0.len())
    }
}

impl fmt::Debug for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}
