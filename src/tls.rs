//! Which certificate authorities a client trusts: Mozilla's roots (bundled), plus a CA bundle
//! (a company's TLS-inspecting proxy, a self-hosted server with a private CA), or the operating
//! system's trust store instead.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::CertificateDer;
use ureq::tls::{Certificate, RootCerts, TlsConfig};

use crate::error::Problem;
use crate::shown::Shown;

/// A CA bundle as a caller set it: a PEM file, or PEM text.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum CaBundle {
    Path(PathBuf),
    Pem(Arc<[u8]>),
}

impl fmt::Debug for CaBundle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CaBundle::Path(path) => f
                .debug_tuple("Path")
                .field(&Shown(&path.to_string_lossy()))
                .finish(),
            CaBundle::Pem(pem) => write!(f, "Pem(<{} bytes>)", pem.len()),
        }
    }
}

/// The roots a client verifies servers with.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) enum TrustRoots {
    /// Mozilla's roots, bundled (ureq's default).
    #[default]
    Mozilla,
    /// Mozilla's roots and these CA certificates.
    MozillaAnd(Arc<[CertificateDer<'static>]>),
    /// The operating system's verifier and trust store (rustls-platform-verifier).
    Platform,
}

impl TrustRoots {
    /// The ureq TLS settings for these roots.
    pub(crate) fn tls_config(&self) -> TlsConfig {
        let roots = match self {
            TrustRoots::Mozilla => RootCerts::WebPki,
            TrustRoots::MozillaAnd(extra) => {
                let mozilla = webpki_root_certs::TLS_SERVER_ROOT_CERTS;
                let mut all = Vec::with_capacity(mozilla.len() + extra.len());
                all.extend(mozilla.iter().map(|c| Certificate::from_der(c.as_ref())));
                all.extend(extra.iter().map(|c| Certificate::from_der(c).to_owned()));
                RootCerts::Specific(Arc::new(all))
            }
            TrustRoots::Platform => RootCerts::PlatformVerifier,
        };
        TlsConfig::builder().root_certs(roots).build()
    }
}

/// The roots for a configuration: `platform` (the OS store), else `bundle`, else the file named
/// by env `SSL_CERT_FILE`, added to Mozilla's roots. A bundle that cannot be used is a
/// [`Problem`] naming where it came from.
pub(crate) fn trust_roots(
    bundle: Option<&CaBundle>,
    platform: bool,
    ssl_cert_file: Option<&str>,
) -> Result<TrustRoots, Problem> {
    if platform {
        return match bundle {
            // ureq hands the platform verifier no extra roots.
            Some(bundle) => Err(Problem::new(
                bundle.argument(),
                "cannot be combined with `use_platform_trust_store`: install the CA in the \
                 system's trust store, or turn `use_platform_trust_store` off",
            )),
            None => Ok(TrustRoots::Platform),
        };
    }
    let certs = match (bundle, ssl_cert_file) {
        (Some(CaBundle::Pem(text)), _) => certificates(text)
            .map_err(|why| Problem::new("ca_bundle_pem", why))?
            .into(),
        (Some(CaBundle::Path(path)), _) => read(path, "ca_bundle_path")?,
        (None, Some(file)) => read(Path::new(file), "SSL_CERT_FILE")?,
        (None, None) => return Ok(TrustRoots::Mozilla),
    };
    Ok(TrustRoots::MozillaAnd(certs))
}

impl CaBundle {
    fn argument(&self) -> &'static str {
        match self {
            CaBundle::Path(_) => "ca_bundle_path",
            CaBundle::Pem(_) => "ca_bundle_pem",
        }
    }
}

/// The last bundle file read: its path, size, modification time and certificates.
type LastFile = (
    PathBuf,
    u64,
    Option<SystemTime>,
    Arc<[CertificateDer<'static>]>,
);

/// The certificates of the PEM file at `path`; problems name the file.
///
/// The last file read is reused while its size and modification time stay the same: where
/// `SSL_CERT_FILE` names the system's bundle (hundreds of certificates), it is otherwise parsed
/// again for every client and every `with_auth`.
fn read(path: &Path, argument: &'static str) -> Result<Arc<[CertificateDer<'static>]>, Problem> {
    static LAST: Mutex<Option<LastFile>> = Mutex::new(None);
    let shown = || Shown(&path.to_string_lossy()).to_string();
    let cannot_read =
        |e: std::io::Error| Problem::new(argument, format!("cannot read {}: {e}", shown()));
    let meta = std::fs::metadata(path).map_err(cannot_read)?;
    let (len, modified) = (meta.len(), meta.modified().ok());
    if let Some((p, l, m, certs)) = &*LAST.lock().unwrap_or_else(PoisonError::into_inner) {
        if p == path && *l == len && *m == modified && modified.is_some() {
            return Ok(certs.clone());
        }
    }
    let text = std::fs::read(path).map_err(cannot_read)?;
    let certs: Arc<[_]> = certificates(&text)
        .map_err(|why| Problem::new(argument, format!("{} {why}", shown())))?
        .into();
    *LAST.lock().unwrap_or_else(PoisonError::into_inner) =
        Some((path.to_owned(), len, modified, certs.clone()));
    Ok(certs)
}

/// The certificates of a PEM bundle (other blocks, such as keys, are skipped), each checked to
/// be usable as a trust anchor; or why not, without echoing the text.
fn certificates(text: &[u8]) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs = CertificateDer::pem_slice_iter(text)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("is not valid PEM: {}", pem_error(&e)))?;
    if certs.is_empty() {
        return Err("holds no certificate (a PEM block `-----BEGIN CERTIFICATE-----`)".to_owned());
    }
    let mut store = rustls::RootCertStore::empty();
    for (i, cert) in certs.iter().enumerate() {
        store.add(cert.clone()).map_err(|e| {
            format!(
                "holds a certificate that cannot be used as a CA (number {} of {}): {e}",
                i + 1,
                certs.len()
            )
        })?;
    }
    Ok(certs)
}

/// A PEM error without the text it quotes.
fn pem_error(error: &pem::Error) -> &'static str {
    match error {
        pem::Error::MissingSectionEnd { .. } => "a `-----BEGIN` line has no matching `-----END`",
        pem::Error::IllegalSectionStart { .. } => "a `-----BEGIN` line is malformed",
        pem::Error::Base64Decode(_) => "a block is not valid base64",
        pem::Error::SectionTooLarge => "a block is larger than 256 MB",
        _ => "it cannot be parsed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bundle_is_trusted_in_addition_to_mozillas_roots() {
        let extra = CertificateDer::from(vec![1, 2, 3]);
        let config = TrustRoots::MozillaAnd(vec![extra].into()).tls_config();
        let RootCerts::Specific(all) = config.root_certs() else {
            panic!("{:?}", config.root_certs());
        };
        let mozilla = webpki_root_certs::TLS_SERVER_ROOT_CERTS;
        assert_eq!(all.len(), mozilla.len() + 1);
        assert_eq!(all[0].der(), mozilla[0].as_ref());
        assert_eq!(all[mozilla.len()].der(), [1, 2, 3]);
        let default = TrustRoots::Mozilla.tls_config();
        assert!(matches!(default.root_certs(), RootCerts::WebPki));
        let platform = TrustRoots::Platform.tls_config();
        assert!(matches!(platform.root_certs(), RootCerts::PlatformVerifier));
    }

    #[test]
    fn a_bundle_file_is_parsed_again_only_when_it_changed() {
        let pem = |name: &str| {
            rcgen::generate_simple_self_signed(vec![name.to_owned()])
                .unwrap()
                .cert
                .pem()
        };
        let path = std::env::temp_dir().join(format!("triggerdev-ca-{}.pem", std::process::id()));
        let one = pem("one.example");
        std::fs::write(&path, &one).unwrap();
        let first = read(&path, "ca_bundle_path").unwrap();
        assert_eq!(first.len(), 1);
        assert!(Arc::ptr_eq(&first, &read(&path, "ca_bundle_path").unwrap()));
        std::fs::write(&path, one + &pem("two.example")).unwrap();
        let second = read(&path, "ca_bundle_path").unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(second.len(), 2);
        assert_eq!(second[0], first[0]);
    }
}
