//! What kind of credential a token is. Apart from `config` because `error` names it
//! ([`crate::Error::UnsupportedCredential`]) and `error` depends on nothing above it.

use std::fmt;

/// What kind of credential a token is, from its prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenKind {
    /// An environment's secret key (`tr_dev_`, `tr_stg_`, `tr_prod_`, `tr_preview_`), including
    /// additional keys (`tr_<env>_sk_…`).
    SecretKey(EnvKind),
    /// A personal access token (`tr_pat_`).
    PersonalAccessToken,
    /// An organization access token (`tr_oat_`).
    OrganizationAccessToken,
    /// A public access token (a JWT).
    PublicAccessToken,
    /// Anything else; sent as is, and the server decides.
    Unknown,
}

/// The environment a secret key belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EnvKind {
    /// `tr_dev_`
    Development,
    /// `tr_stg_`
    Staging,
    /// `tr_prod_`
    Production,
    /// `tr_preview_`
    Preview,
}

impl TokenKind {
    /// Classifies a token by its prefix.
    pub fn of(token: &str) -> TokenKind {
        const KEYS: [(&str, EnvKind); 4] = [
            ("tr_dev_", EnvKind::Development),
            ("tr_stg_", EnvKind::Staging),
            ("tr_prod_", EnvKind::Production),
            ("tr_preview_", EnvKind::Preview),
        ];
        if let Some((_, env)) = KEYS.iter().find(|(p, _)| token.starts_with(p)) {
            return TokenKind::SecretKey(*env);
        }
        if token.starts_with("tr_pat_") {
            TokenKind::PersonalAccessToken
        } else if token.starts_with("tr_oat_") {
            TokenKind::OrganizationAccessToken
        } else if token.starts_with("eyJ") && token.matches('.').count() == 2 {
            TokenKind::PublicAccessToken
        } else {
            TokenKind::Unknown
        }
    }
}

impl fmt::Display for TokenKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TokenKind::SecretKey(EnvKind::Development) => "secret key (tr_dev_)",
            TokenKind::SecretKey(EnvKind::Staging) => "secret key (tr_stg_)",
            TokenKind::SecretKey(EnvKind::Production) => "secret key (tr_prod_)",
            TokenKind::SecretKey(EnvKind::Preview) => "secret key (tr_preview_)",
            TokenKind::PersonalAccessToken => "personal access token (tr_pat_)",
            TokenKind::OrganizationAccessToken => "organization access token (tr_oat_)",
            TokenKind::PublicAccessToken => "public access token (JWT)",
            TokenKind::Unknown => "token of unknown kind",
        })
    }
}
