//! Errors of the sync client.

use physalign_store::StoreError;

/// Why a sync operation failed.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The local store failed.
    #[error("local store: {0}")]
    Store(#[from] StoreError),
    /// Nobody logged in on this device yet.
    #[error("not logged in: run `physalign login --server URL --email E` first")]
    NotLoggedIn,
    /// The server refused the stored credentials; the queue is kept until the next login.
    #[error("login required: {0}")]
    LoginRequired(String),
    /// The server refused the email and password.
    #[error("login failed: {0}")]
    LoginFailed(String),
    /// The server could not be reached or answered garbage.
    #[error("server unreachable at {url}: {detail}")]
    Unreachable {
        /// The URL tried.
        url: String,
        /// What went wrong.
        detail: String,
    },
    /// The server answered with an unexpected status.
    #[error("server answered {status} to {what}: {detail}")]
    Http {
        /// What was being done.
        what: String,
        /// HTTP status.
        status: u16,
        /// The error body's code and message, or the raw body.
        detail: String,
    },
    /// The configured server URL is not usable.
    #[error("invalid server URL {0:?}: must start with http:// or https://")]
    InvalidServerUrl(String),
    /// The server URL is clear-text `http://` to another machine: health data and tokens would
    /// cross the network unencrypted. Nothing stored or queued is touched.
    #[error(
        "refusing insecure server URL {0:?}: http:// is only allowed to this machine \
         (127.0.0.1, ::1, localhost); use https:// for any other server"
    )]
    InsecureServerUrl(String),
    /// The certificate authorities named by `PHYSALIGN_CA_CERT` cannot be used.
    #[error(
        "trusted certificate authorities {path}: {reason} (PHYSALIGN_CA_CERT names a PEM file \
         of the authorities that issued the server's certificate)"
    )]
    TrustedCertificates {
        /// The file named.
        path: std::path::PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// Storing or reading the refresh token failed.
    #[error("credential storage: {0}")]
    Credentials(String),
    /// A JSON body could not be built or read.
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// A background task died.
    #[error("sync task: {0}")]
    Task(String),
}
