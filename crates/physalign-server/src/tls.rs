//! HTTPS served by the server itself (issue 17): rustls on ring, the certificate chain and its
//! private key read from PEM files. A clinic without a TLS-terminating proxy can then put the
//! server on its network without health data or tokens ever crossing it in clear text.

use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::serve::{ListenerExt, TapIo};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

/// A client gets this long to finish its TLS handshake; a silent one is dropped.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Handshakes in progress at most; beyond it new connections wait in the kernel's backlog, so
/// a flood of half-open connections cannot grow the server's memory without bound.
const MAX_PENDING_HANDSHAKES: usize = 1024;

/// Why the certificate or key cannot serve HTTPS.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A PEM file could not be read or parsed.
    #[error("TLS {what} file {path}: {reason}")]
    File {
        /// "certificate" or "private key".
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// The certificate file holds no certificate.
    #[error("TLS certificate file {0} holds no PEM certificate (BEGIN CERTIFICATE)")]
    NoCertificate(PathBuf),
    /// rustls refused the pair (a key that does not match the certificate, say).
    #[error("the TLS certificate and private key cannot serve HTTPS: {0}")]
    Identity(#[from] rustls::Error),
}

/// The server's TLS settings from a PEM certificate chain (leaf first, then intermediates) and
/// its PEM private key (PKCS#8, PKCS#1 or SEC1). TLS 1.2 and 1.3 with rustls's safe defaults;
/// HTTP/1.1 only, as the server speaks.
pub fn server_config(cert: &Path, key: &Path) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| pem_error("certificate", cert, e))?;
    if chain.is_empty() {
        return Err(TlsError::NoCertificate(cert.to_path_buf()));
    }
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| pem_error("private key", key, e))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// The TLS listener on `tcp` as the server runs it: with Nagle's delay off on every connection
/// (small JSON answers go out at once). axum tells a connection's peer address for its own TCP
/// listener and for tapped listeners, which is why the tap is also what makes the client
/// address known to the middleware.
pub fn listener(
    tcp: TcpListener,
    config: Arc<rustls::ServerConfig>,
) -> TapIo<TlsListener, fn(&mut TlsStream<TcpStream>)> {
    fn no_delay(io: &mut TlsStream<TcpStream>) {
        if let Err(e) = io.get_ref().0.set_nodelay(true) {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY");
        }
    }
    TlsListener::new(tcp, config).tap_io(no_delay as fn(&mut TlsStream<TcpStream>))
}

fn pem_error(what: &'static str, path: &Path, e: rustls::pki_types::pem::Error) -> TlsError {
    TlsError::File {
        what,
        path: path.to_path_buf(),
        reason: e.to_string(),
    }
}

/// A listener whose connections are TLS sessions. Handshakes run concurrently, each under a
/// time limit, so one slow or silent client never holds up the others.
pub struct TlsListener {
    tcp: TcpListener,
    acceptor: TlsAcceptor,
    handshakes: JoinSet<Option<(TlsStream<TcpStream>, SocketAddr)>>,
}

impl TlsListener {
    /// Serves TLS under `config` on the connections `tcp` accepts.
    pub fn new(tcp: TcpListener, config: Arc<rustls::ServerConfig>) -> Self {
        TlsListener {
            tcp,
            acceptor: TlsAcceptor::from(config),
            handshakes: JoinSet::new(),
        }
    }

    fn start_handshake(&mut self, stream: TcpStream, peer: SocketAddr) {
        let acceptor = self.acceptor.clone();
        self.handshakes.spawn(async move {
            match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                Ok(Ok(tls)) => Some((tls, peer)),
                Ok(Err(e)) => {
                    tracing::debug!(%peer, error = %e, "TLS handshake failed");
                    None
                }
                Err(_) => {
                    tracing::debug!(%peer, "TLS handshake timed out");
                    None
                }
            }
        });
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let room = self.handshakes.len() < MAX_PENDING_HANDSHAKES;
            tokio::select! {
                accepted = self.tcp.accept(), if room => match accepted {
                    Ok((stream, peer)) => self.start_handshake(stream, peer),
                    Err(e) => accept_failed(e).await,
                },
                Some(done) = self.handshakes.join_next() => {
                    if let Ok(Some(session)) = done {
                        return session;
                    }
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}

/// What axum's own TCP listener does on a failed accept: a connection reset before it was taken
/// is nothing; anything else (out of file descriptors, say) is logged and waited out.
async fn accept_failed(e: io::Error) {
    let per_connection = matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    );
    if !per_connection {
        tracing::error!(error = %e, "accepting a connection failed");
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
