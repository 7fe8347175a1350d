//! The one deliberate weakening an operator can ask for: accepting any server certificate (-SkipCertificateCheck),
//! for test systems with self-signed certificates. Verification stays on unless asked for by name.
#[cfg(feature = "tls")]
pub fn insecure_client_config() -> std::sync::Arc<rustls::ClientConfig> {
    use rustls::client::{ServerCertVerified, ServerCertVerifier};
    use std::sync::Arc;

    struct AcceptAnyCertificate;

    impl ServerCertVerifier for AcceptAnyCertificate {
        fn verify_server_cert(
            &self,
            _end_entity: &rustls::Certificate,
            _intermediates: &[rustls::Certificate],
            _server_name: &rustls::ServerName,
            _scts: &mut dyn Iterator<Item = &[u8]>,
            _ocsp_response: &[u8],
            _now: std::time::SystemTime,
        ) -> Result<ServerCertVerified, rustls::Error> {
            Ok(ServerCertVerified::assertion())
        }
    }

    let mut config = rustls::ClientConfig::builder()
        .with_safe_defaults()
        .with_root_certificates(rustls::RootCertStore::empty())
        .with_no_client_auth();
    config.dangerous().set_certificate_verifier(Arc::new(AcceptAnyCertificate));
    Arc::new(config)
}
