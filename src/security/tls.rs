//! TLS termination by the service itself (rustls), from PEM certificate and key files.

use std::path::{Path, PathBuf};

use rustls::ServerConfig;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

/// Why TLS cannot be set up.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A PEM file could not be read or holds nothing usable.
    #[error("cannot read {path}: {message}")]
    Pem {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// rustls refused the certificate and key.
    #[error("invalid certificate or key: {0}")]
    Config(rustls::Error),
}

/// A server config for the certificate chain and key in these PEM files.
pub fn server_config(certificate: &Path, key: &Path) -> Result<ServerConfig, TlsError> {
    let pem_error = |path: &Path, message: String| TlsError::Pem {
        path: path.to_owned(),
        message,
    };
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(certificate)
        .map_err(|error| pem_error(certificate, error.to_string()))?
        .collect::<Result<_, _>>()
        .map_err(|error| pem_error(certificate, error.to_string()))?;
    if chain.is_empty() {
        return Err(pem_error(certificate, "no certificate found".to_owned()));
    }
    // The key's contents never appear in errors.
    let private_key = PrivateKeyDer::from_pem_file(key)
        .map_err(|_| pem_error(key, "no readable private key".to_owned()))?;
    ServerConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(TlsError::Config)?
    .with_no_client_auth()
    .with_single_cert(chain, private_key)
    .map_err(TlsError::Config)
}
