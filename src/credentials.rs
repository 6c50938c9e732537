//! The credential rules, in one place: which kind of token each operation accepts (the
//! Authentication page's endpoint × credential table, `docs/wire.md#credential-table`, checked
//! before sending: `docs/design.md#credentials-before-sending`), how a personal access
//! token changes a call's route, and which tokens may sign public tokens locally.

use crate::config::Resolved;
use crate::error::{Error, Result};
use crate::token_kind::{EnvKind, TokenKind};

/// Which credentials an operation accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Access {
    /// Secret keys, and public access tokens when `jwt` is set. No PAT, no OAT.
    SecretKey { jwt: bool },
    /// Secret keys of the environment the path names (the slug's), personal and organization
    /// access tokens (envvars).
    EnvVars(EnvKind),
    /// Personal access tokens (project runs list, branch list, whoami).
    Pat,
    /// Personal and organization access tokens, and the preview environment's secret key
    /// (creating and archiving branches). No branch header: the server wants the parent key.
    Branches,
    /// No credentials at all (timezones).
    Public,
    /// A presigned storage URL: only `Content-Type`, nothing of ours.
    Presigned,
}

/// Checks the credential against the operation, before anything is sent.
pub(crate) fn check(cfg: &Resolved, operation: &'static str, access: Access) -> Result<()> {
    if matches!(access, Access::Public | Access::Presigned) {
        return Ok(());
    }
    let Some(authorization) = &cfg.authorization else {
        return Err(Error::MissingCredentials);
    };
    if let Err(reason) = authorization {
        return Err(Error::InvalidCredentials { reason });
    }
    let unsupported = |expected| {
        Err(Error::UnsupportedCredential {
            operation,
            kind: cfg.kind,
            expected,
        })
    };
    match (access, cfg.kind) {
        (
            Access::SecretKey { .. },
            TokenKind::PersonalAccessToken | TokenKind::OrganizationAccessToken,
        ) => unsupported("a secret key (tr_dev_, tr_stg_, tr_prod_ or tr_preview_)"),
        (Access::SecretKey { jwt: false }, TokenKind::PublicAccessToken) => {
            unsupported("a secret key (tr_dev_, tr_stg_, tr_prod_ or tr_preview_)")
        }
        (Access::EnvVars(_), TokenKind::PublicAccessToken) => {
            unsupported("a secret key or a personal access token")
        }
        // The server would serve the key's own environment whatever the path says (a dev key
        // on `prod` reads and writes dev), so a key of another environment is refused here.
        (Access::EnvVars(slug), TokenKind::SecretKey(key)) if slug != key => {
            unsupported(match slug {
                EnvKind::Development => {
                    "a personal access token, or the dev environment's secret key (tr_dev_)"
                }
                EnvKind::Staging => {
                    "a personal access token, or the staging environment's secret key (tr_stg_)"
                }
                EnvKind::Production => {
                    "a personal access token, or the prod environment's secret key (tr_prod_)"
                }
                EnvKind::Preview => {
                    "a personal access token, or the preview environment's secret key (tr_preview_)"
                }
            })
        }
        (Access::Branches, TokenKind::SecretKey(EnvKind::Preview)) => Ok(()),
        (Access::Branches, TokenKind::SecretKey(_) | TokenKind::PublicAccessToken) => unsupported(
            "a personal access token, or the preview environment's secret key (tr_preview_)",
        ),
        (Access::Pat, TokenKind::SecretKey(_) | TokenKind::PublicAccessToken) => {
            unsupported("a personal access token (tr_pat_)")
        }
        _ => Ok(()),
    }
}

/// Whether calls go through the project routes a personal access token needs (`runs.list`).
pub(crate) fn uses_project_routes(cfg: &Resolved) -> bool {
    cfg.token.is_some() && cfg.kind == TokenKind::PersonalAccessToken
}

/// The secret key that may sign public access tokens locally: a root secret key. Additional
/// keys (`tr_<env>_sk_…`) cannot; they ask the server instead.
pub(crate) fn signing_key(cfg: &Resolved) -> Option<&str> {
    let key = cfg.token.as_ref()?.0.as_str();
    let root = matches!(cfg.kind, TokenKind::SecretKey(_)) && !is_additional_key(key);
    root.then_some(key)
}

/// `tr_<env>_sk_…`: an additional, possibly scope-restricted, environment key.
pub(crate) fn is_additional_key(key: &str) -> bool {
    ["tr_dev_sk_", "tr_stg_sk_", "tr_prod_sk_", "tr_preview_sk_"]
        .iter()
        .any(|p| key.starts_with(p))
}
