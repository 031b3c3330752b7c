//! The HTTPS client for STS when `AWS_CA_BUNDLE` names more certificates to trust (a company
//! proxy's CA, say): the system's roots plus the bundle, proxies from the environment, as
//! the SDK's own default client. The bundle is checked here first: the SDK panics on a
//! certificate it cannot parse.

use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls::{self, TlsContext, TrustStore, rustls_provider::CryptoMode};
use aws_smithy_http_client::{Builder, ConnectorBuilder};
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use std::path::Path;

/// The largest CA bundle read (the whole Mozilla set is about 200 KB).
const MAX_SIZE: u64 = 8 * 1024 * 1024;

/// The HTTPS client for `AWS_CA_BUNDLE`, when it is set (else `None`: the SDK's own).
pub fn from_env() -> Result<Option<SharedHttpClient>, crate::error::Error> {
    match crate::env::ca_bundle() {
        Some(path) => client(&path)
            .map(Some)
            .map_err(|e| crate::error::Error::Usage(format!("AWS_CA_BUNDLE: {e}"))),
        None => Ok(None),
    }
}

/// A client trusting the bundle at `path`, or why the bundle cannot be used.
pub fn client(path: &Path) -> Result<SharedHttpClient, String> {
    let context = context(path)?;
    Ok(
        Builder::new().build_with_connector_fn(move |settings, components| {
            let mut connector = ConnectorBuilder::default()
                .tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc))
                .tls_context(context.clone());
            connector.set_connector_settings(settings.cloned());
            if let Some(components) = components {
                connector.set_sleep_impl(components.sleep_impl());
            }
            connector.set_proxy_config(Some(ProxyConfig::from_env()));
            connector.build()
        }),
    )
}

/// The system's roots plus the bundle at `path`, checked.
pub fn context(path: &Path) -> Result<TlsContext, String> {
    // The bundle decides whom STS answers are trusted from: a regular file that only the
    // user or root can have written, of bounded size (no FIFO, no /dev/zero).
    let pem = crate::safe_file::read(path, MAX_SIZE, crate::safe_file::Check::Owner)
        .map_err(|e| e.to_string())?;
    let pem = pem.to_vec();
    check(&pem).map_err(|problem| format!("{}: {problem}", path.display()))?;
    TlsContext::builder()
        .with_trust_store(TrustStore::default().with_pem_certificate(pem))
        .build()
        .map_err(|e| e.to_string())
}

/// Every PEM certificate parses and is a usable trust anchor; there is at least one.
fn check(pem: &[u8]) -> Result<(), String> {
    let mut roots = rustls::RootCertStore::empty();
    let mut count = 0;
    for cert in CertificateDer::pem_slice_iter(pem) {
        let cert = cert.map_err(|e| format!("not a PEM certificate bundle ({e})"))?;
        roots
            .add(cert)
            .map_err(|e| format!("certificate {} cannot be trusted: {e}", count + 1))?;
        count += 1;
    }
    if count == 0 {
        return Err("holds no PEM certificate (-----BEGIN CERTIFICATE-----)".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn bundles_without_usable_certificates_are_refused() {
        assert!(check(b"").unwrap_err().contains("no PEM certificate"));
        assert!(
            check(b"just text\n")
                .unwrap_err()
                .contains("no PEM certificate")
        );
        let garbage = b"-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n";
        assert!(check(garbage).unwrap_err().contains("certificate 1"));
    }
}
