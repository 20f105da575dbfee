//! Server settings, from flags or environment variables.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::str::FromStr;

use clap::Args;
use physalign_api::limits;

/// Everything the server needs to run. Every flag also reads an environment variable.
#[derive(Debug, Clone, Args)]
pub struct ServerConfig {
    /// PostgreSQL connection URL.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: String,

    /// Address to listen on.
    #[arg(long, env = "PHYSALIGN_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Secret for signing access tokens (at least 32 bytes); upload URLs too, under a key
    /// derived from it, unless `--upload-url-secret` is set.
    #[arg(long, env = "PHYSALIGN_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,

    /// Earlier token secrets, comma-separated, still accepted for the access tokens they signed
    /// (and the upload URLs keyed from them) while those expire: a rotation signs nobody out.
    /// Drop them after the access token lifetime (and the upload URL lifetime) has passed.
    #[arg(
        long,
        env = "PHYSALIGN_JWT_PREVIOUS_SECRETS",
        hide_env_values = true,
        value_delimiter = ','
    )]
    pub jwt_previous_secrets: Vec<String>,

    /// A key of its own for upload URLs (at least 32 bytes), rotated apart from the token
    /// secret; without it, upload URLs are signed under a key derived from the token secret.
    #[arg(long, env = "PHYSALIGN_UPLOAD_URL_SECRET", hide_env_values = true)]
    pub upload_url_secret: Option<String>,

    /// Earlier upload URL secrets, comma-separated, still accepted for URLs already handed out.
    #[arg(
        long,
        env = "PHYSALIGN_UPLOAD_URL_PREVIOUS_SECRETS",
        hide_env_values = true,
        value_delimiter = ','
    )]
    pub upload_url_previous_secrets: Vec<String>,

    /// Largest number of database connections.
    #[arg(long, env = "PHYSALIGN_DB_POOL_MAX", default_value_t = 20)]
    pub db_pool_max: u32,

    /// Connections kept open when idle.
    #[arg(long, env = "PHYSALIGN_DB_POOL_MIN", default_value_t = 0)]
    pub db_pool_min: u32,

    /// Access token lifetime in seconds.
    #[arg(long, env = "PHYSALIGN_ACCESS_TOKEN_TTL", default_value_t = 900)]
    pub access_token_ttl_secs: u64,

    /// Refresh token lifetime in seconds (default 7 days).
    #[arg(long, env = "PHYSALIGN_REFRESH_TOKEN_TTL", default_value_t = 7 * 24 * 3600)]
    pub refresh_token_ttl_secs: u64,

    /// Largest JSON request body in bytes.
    #[arg(long, env = "PHYSALIGN_BODY_LIMIT", default_value_t = 16 * 1024 * 1024)]
    pub body_limit_bytes: usize,

    /// Largest file accepted by the signed upload URL, in bytes.
    #[arg(long, env = "PHYSALIGN_UPLOAD_LIMIT", default_value_t = 1024 * 1024 * 1024)]
    pub upload_limit_bytes: usize,

    /// Largest chunk accepted by one `PATCH /api/uploads/{id}` request, in bytes.
    #[arg(long, env = "PHYSALIGN_UPLOAD_CHUNK_LIMIT", default_value_t = 16 * 1024 * 1024)]
    pub upload_chunk_limit_bytes: usize,

    /// A resumable upload not touched for this many seconds expires and its bytes are dropped.
    #[arg(long, env = "PHYSALIGN_RESUMABLE_UPLOAD_TTL", default_value_t = 7 * 24 * 3600)]
    pub resumable_upload_ttl_secs: u64,

    /// Directory where uploaded recordings are stored (`--storage local`); with `--storage s3`,
    /// where request bodies are spooled on their way to the bucket.
    #[arg(
        long,
        env = "PHYSALIGN_STORAGE_DIR",
        default_value = "physalign-storage"
    )]
    pub storage_dir: PathBuf,

    /// Where uploaded files and resumable uploads' chunks live (issue 20, scale-out).
    #[command(flatten)]
    pub object_storage: ObjectStorageConfig,

    /// Base URL clients reach this server at, used in upload URLs (default `http://<listen>`).
    #[arg(long, env = "PHYSALIGN_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Lifetime of signed upload URLs in seconds.
    #[arg(long, env = "PHYSALIGN_UPLOAD_URL_TTL", default_value_t = 3600)]
    pub upload_url_ttl_secs: u64,

    /// Requests per minute per signed-in user (per address for anonymous requests).
    #[arg(long, env = "PHYSALIGN_RATE_LIMIT", default_value_t = 100)]
    pub rate_limit_per_minute: u32,

    /// Failed logins per minute per account and address before login is refused.
    #[arg(long, env = "PHYSALIGN_LOGIN_ATTEMPTS", default_value_t = 5)]
    pub login_attempts_per_minute: u32,

    /// PEM certificate chain (leaf first) for serving HTTPS itself, with `--tls-key`: the server
    /// may then listen on any address and sends `Strict-Transport-Security`.
    #[arg(long, env = "PHYSALIGN_TLS_CERT")]
    pub tls_cert: Option<PathBuf>,

    /// PEM private key of `--tls-cert` (PKCS#8, PKCS#1 or SEC1); readable by the server only.
    #[arg(long, env = "PHYSALIGN_TLS_KEY")]
    pub tls_key: Option<PathBuf>,

    /// The server runs behind a TLS-terminating reverse proxy: it may then listen on a
    /// non-loopback address (with `--trusted-proxy`) and sends `Strict-Transport-Security`.
    #[arg(long, env = "PHYSALIGN_BEHIND_PROXY")]
    pub behind_proxy: bool,

    /// Address ranges of the reverse proxies (e.g. `10.0.0.0/8`, repeatable or comma-separated):
    /// `X-Forwarded-For` is believed only from a peer in one of them.
    #[arg(
        long = "trusted-proxy",
        env = "PHYSALIGN_TRUSTED_PROXY",
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<IpRange>,

    /// Seconds between passes of seed 004's analytics aggregation (the per-day figures of every
    /// therapist, the weekly snapshots of every patient); 0 runs none. Each pass runs once
    /// however many replicas run.
    #[arg(long, env = "PHYSALIGN_ANALYTICS_INTERVAL", default_value_t = 3600)]
    pub analytics_interval_secs: u64,

    /// Issue 17 safeguards (abuse limits, tokens, retention, shutdown, TLS).
    #[command(flatten)]
    pub security: SecurityConfig,
}

/// Where uploaded files are kept.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum StorageBackend {
    /// Files under `--storage-dir` on this machine: one server.
    #[default]
    Local,
    /// A bucket of S3-compatible object storage: any number of replicas behind a load balancer.
    S3,
}

/// The object storage settings (issue 20). Credentials are read from the environment only:
/// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` (and `AWS_SESSION_TOKEN`).
#[derive(Debug, Clone, Default, Args)]
pub struct ObjectStorageConfig {
    /// `local` (files under `--storage-dir`) or `s3` (a bucket shared by every replica).
    #[arg(long = "storage", env = "PHYSALIGN_STORAGE", value_enum, default_value_t = StorageBackend::Local)]
    pub backend: StorageBackend,

    /// Endpoint URL of the S3-compatible service (e.g. `http://10.0.0.5:8333`); unset: AWS S3.
    #[arg(long, env = "PHYSALIGN_S3_ENDPOINT")]
    pub s3_endpoint: Option<String>,

    /// Bucket holding the files (must exist).
    #[arg(long, env = "PHYSALIGN_S3_BUCKET")]
    pub s3_bucket: Option<String>,

    /// Region of the bucket (default `us-east-1`).
    #[arg(long, env = "PHYSALIGN_S3_REGION")]
    pub s3_region: Option<String>,

    /// Allow a plain `http://` endpoint (object storage inside the private network only).
    #[arg(long, env = "PHYSALIGN_S3_ALLOW_HTTP")]
    pub s3_allow_http: bool,
}

impl ObjectStorageConfig {
    /// The bucket settings of the S3 store.
    pub fn s3_settings(&self) -> crate::storage::S3Settings {
        crate::storage::S3Settings {
            endpoint: self.s3_endpoint.clone(),
            bucket: self.s3_bucket.clone(),
            region: self.s3_region.clone(),
            allow_http: self.s3_allow_http,
        }
    }
}

/// The settings of issue 17's safeguards, kept apart so the main list stays readable.
#[derive(Debug, Clone, Args)]
pub struct SecurityConfig {
    /// Sign-in sessions the in-memory session cache holds at most (oldest dropped beyond).
    #[arg(long, env = "PHYSALIGN_RATE_LIMIT_MAX_KEYS", default_value_t = 100_000)]
    pub rate_limit_max_keys: usize,

    /// Failed logins and claims per minute from one address, whatever the accounts.
    #[arg(
        long,
        env = "PHYSALIGN_LOGIN_FAILURES_PER_ADDRESS",
        default_value_t = 20
    )]
    pub login_failures_per_address_per_minute: u32,

    /// Consecutive failed logins of one account (from any address) before it is locked for
    /// addresses it never signed in from.
    #[arg(long, env = "PHYSALIGN_LOCKOUT_THRESHOLD", default_value_t = 10)]
    pub lockout_threshold: u32,

    /// First lockout in seconds; each further failure doubles it.
    #[arg(long, env = "PHYSALIGN_LOCKOUT_BASE", default_value_t = 60)]
    pub lockout_base_secs: u64,

    /// Longest lockout in seconds.
    #[arg(long, env = "PHYSALIGN_LOCKOUT_MAX", default_value_t = 3600)]
    pub lockout_max_secs: u64,

    /// Password hashes computed at once (0: one per CPU).
    #[arg(long, env = "PHYSALIGN_HASH_CONCURRENCY", default_value_t = 0)]
    pub password_hash_concurrency: usize,

    /// How long a request waits for a hashing slot before 503, in milliseconds.
    #[arg(long, env = "PHYSALIGN_HASH_WAIT_MS", default_value_t = 5000)]
    pub password_hash_wait_ms: u64,

    /// File uploads (signed URL bodies and resumable chunks) received at once.
    #[arg(long, env = "PHYSALIGN_UPLOAD_CONCURRENCY", default_value_t = 8)]
    pub upload_concurrency: usize,

    /// How long an upload waits for a free slot before 503, in milliseconds.
    #[arg(long, env = "PHYSALIGN_UPLOAD_WAIT_MS", default_value_t = 10_000)]
    pub upload_wait_ms: u64,

    /// Bytes one user may have stored (files, earlier versions and open uploads).
    #[arg(long, env = "PHYSALIGN_UPLOAD_QUOTA", default_value_t = 10 * 1024 * 1024 * 1024)]
    pub upload_quota_bytes: u64,

    /// Absolute lifetime of a sign-in in seconds (default 30 days): no refresh extends a
    /// session beyond it, then the user signs in again.
    #[arg(long, env = "PHYSALIGN_SESSION_MAX_LIFETIME", default_value_t = 30 * 24 * 3600)]
    pub session_max_lifetime_secs: u64,

    /// How long one server trusts a session check, in seconds (0: every request asks the
    /// database). A logout or deactivation on another replica takes at most this long to reach
    /// its access tokens.
    #[arg(long, env = "PHYSALIGN_SESSION_CACHE_SECS", default_value_t = 5)]
    pub session_cache_secs: u64,

    /// Seconds between clean-up passes (expired idempotency keys, ended sessions and refresh
    /// tokens, abandoned uploads, past rate-limit windows); 0 runs none. However many replicas
    /// run, each pass runs once (on whichever replica claims it first).
    #[arg(long, env = "PHYSALIGN_RETENTION_INTERVAL", default_value_t = 3600)]
    pub retention_interval_secs: u64,

    /// How long an idempotency key and its stored answer are kept, in seconds (default 1 day).
    #[arg(long, env = "PHYSALIGN_IDEMPOTENCY_KEY_TTL", default_value_t = 24 * 3600)]
    pub idempotency_key_ttl_secs: u64,

    /// On SIGTERM or Ctrl-C, how long requests in flight may take to finish, in seconds, before
    /// the server stops anyway.
    #[arg(long, env = "PHYSALIGN_SHUTDOWN_DRAIN", default_value_t = 20)]
    pub shutdown_drain_secs: u64,

    /// Longest time one JSON API request may take, in seconds, before it is abandoned (its
    /// transaction rolled back) and answered 503; file and chunk uploads have their own limits.
    /// Keep it below the devices' wait (40 s in the sync client).
    #[arg(long, env = "PHYSALIGN_REQUEST_TIMEOUT", default_value_t = limits::SERVER_REQUEST_TIMEOUT_SECS)]
    pub request_timeout_secs: u64,

    /// How long after a refresh its token may be presented again with the same retry key (the
    /// device's answer was lost) and still get a fresh pair, in seconds; 0 treats every second
    /// use as theft. Covers the sync client's longest back-off (5 minutes).
    #[arg(long, env = "PHYSALIGN_REFRESH_RETRY_GRACE", default_value_t = 600)]
    pub refresh_retry_grace_secs: u64,

    /// How long the access log is kept, in days (default 2190: six years, HIPAA's retention of
    /// documentation); older rows are removed by the clean-up. The database itself refuses to
    /// remove a row younger than a year, so at least 365.
    #[arg(long, env = "PHYSALIGN_ACCESS_LOG_RETENTION_DAYS", default_value_t = 2190,
          value_parser = clap::value_parser!(u32).range(365..))]
    pub access_log_retention_days: u32,

    /// How long the files of a deleted session (and of a session that never existed) are kept
    /// before the clean-up removes them, in seconds (default 1 day).
    #[arg(long, env = "PHYSALIGN_ORPHAN_FILE_GRACE", default_value_t = 24 * 3600)]
    pub orphan_file_grace_secs: u64,
}

impl Default for SecurityConfig {
    fn default() -> Self {
        Self {
            rate_limit_max_keys: 100_000,
            login_failures_per_address_per_minute: 20,
            lockout_threshold: 10,
            lockout_base_secs: 60,
            lockout_max_secs: 3600,
            password_hash_concurrency: 0,
            password_hash_wait_ms: 5000,
            upload_concurrency: 8,
            upload_wait_ms: 10_000,
            upload_quota_bytes: 10 * 1024 * 1024 * 1024,
            session_max_lifetime_secs: 30 * 24 * 3600,
            session_cache_secs: 5,
            retention_interval_secs: 3600,
            idempotency_key_ttl_secs: 24 * 3600,
            shutdown_drain_secs: 20,
            request_timeout_secs: limits::SERVER_REQUEST_TIMEOUT_SECS,
            refresh_retry_grace_secs: 600,
            access_log_retention_days: 2190,
            orphan_file_grace_secs: 24 * 3600,
        }
    }
}

/// An address range in CIDR notation (`10.0.0.0/8`, `fd00::/8`; a bare address is one host).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpRange {
    network: IpAddr,
    prefix: u8,
}

/// Why an address range could not be read.
#[derive(Debug, thiserror::Error)]
#[error("invalid address range {0:?}: expected an address or CIDR such as 10.0.0.0/8")]
pub struct InvalidIpRange(String);

impl FromStr for IpRange {
    type Err = InvalidIpRange;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = || InvalidIpRange(text.to_string());
        let (addr, prefix) = match text.trim().split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (text.trim(), None),
        };
        let network: IpAddr = addr.parse().map_err(|_| invalid())?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p.parse::<u8>().map_err(|_| invalid())?,
            None => max,
        };
        if prefix > max {
            return Err(invalid());
        }
        Ok(IpRange { network, prefix })
    }
}

impl std::fmt::Display for IpRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

impl IpRange {
    /// Whether `ip` lies in this range (an IPv4-mapped IPv6 address counts as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        let (net, addr, bits) = match (self.network, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                (u128::from(u32::from(n)), u128::from(u32::from(a)), 32)
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => (u128::from(n), u128::from(a), 128),
            _ => return false,
        };
        let host_bits = bits - u32::from(self.prefix);
        if host_bits >= 128 {
            return true;
        }
        (net >> host_bits) == (addr >> host_bits)
    }
}

/// Why the server refuses to start with a configuration.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// Listening beyond this machine without a TLS-terminating proxy would send health data and
    /// tokens in clear text.
    #[error(
        "refusing to listen on {0}: a non-loopback address needs HTTPS, served here with \
         --tls-cert <pem> and --tls-key <pem>, or by a reverse proxy named with --behind-proxy \
         and --trusted-proxy <range> (e.g. 10.0.0.0/8); or listen on 127.0.0.1"
    )]
    PlainTextOnNetwork(SocketAddr),
    /// One of the certificate and its key without the other.
    #[error("--tls-cert and --tls-key go together: give both files or neither")]
    HalfTls,
    /// `--behind-proxy` without the proxy's address range.
    #[error("--behind-proxy needs --trusted-proxy <range> (e.g. 10.0.0.0/8) naming the proxy")]
    ProxyWithoutRange,
}

impl ServerConfig {
    /// A configuration with the defaults above, for tests and tools.
    pub fn new(database_url: impl Into<String>, jwt_secret: impl Into<String>) -> Self {
        Self {
            database_url: database_url.into(),
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            jwt_secret: Some(jwt_secret.into()),
            jwt_previous_secrets: Vec::new(),
            upload_url_secret: None,
            upload_url_previous_secrets: Vec::new(),
            db_pool_max: 20,
            db_pool_min: 0,
            access_token_ttl_secs: 900,
            refresh_token_ttl_secs: 7 * 24 * 3600,
            body_limit_bytes: 16 * 1024 * 1024,
            upload_limit_bytes: 1024 * 1024 * 1024,
            upload_chunk_limit_bytes: 16 * 1024 * 1024,
            resumable_upload_ttl_secs: 7 * 24 * 3600,
            storage_dir: PathBuf::from("physalign-storage"),
            object_storage: ObjectStorageConfig::default(),
            public_url: None,
            upload_url_ttl_secs: 3600,
            rate_limit_per_minute: 100,
            login_attempts_per_minute: 5,
            tls_cert: None,
            tls_key: None,
            behind_proxy: false,
            trusted_proxies: Vec::new(),
            analytics_interval_secs: 3600,
            security: SecurityConfig::default(),
        }
    }

    /// The bind rule: loopback freely; any other address only over HTTPS, served here or by a
    /// trusted proxy.
    pub fn check_listen(&self) -> Result<(), ConfigError> {
        if self.behind_proxy && self.trusted_proxies.is_empty() {
            return Err(ConfigError::ProxyWithoutRange);
        }
        if self.tls_cert.is_some() != self.tls_key.is_some() {
            return Err(ConfigError::HalfTls);
        }
        if !self.listen.ip().is_loopback() && !self.behind_proxy && self.tls_files().is_none() {
            return Err(ConfigError::PlainTextOnNetwork(self.listen));
        }
        Ok(())
    }

    /// The certificate chain and key files when the server serves HTTPS itself.
    pub fn tls_files(&self) -> Option<(&std::path::Path, &std::path::Path)> {
        Some((self.tls_cert.as_deref()?, self.tls_key.as_deref()?))
    }

    /// Whether clients reach the server over HTTPS (served here or by the proxy in front).
    pub fn clients_use_https(&self) -> bool {
        self.behind_proxy || self.tls_files().is_some()
    }

    /// Whether `peer` is one of the trusted reverse proxies.
    pub fn is_trusted_proxy(&self, peer: IpAddr) -> bool {
        self.behind_proxy && self.trusted_proxies.iter().any(|r| r.contains(peer))
    }

    /// The base URL for links this server hands out.
    pub fn public_base_url(&self) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_string(),
            None if self.tls_files().is_some() => format!("https://{}", self.listen),
            None => format!("http://{}", self.listen),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(listen: &str) -> ServerConfig {
        let mut c = ServerConfig::new("postgres://localhost/x", "s");
        c.listen = listen.parse().expect("address");
        c
    }

    #[test]
    fn ranges_parse_and_match() {
        let r: IpRange = "10.0.0.0/8".parse().expect("range");
        assert!(r.contains("10.1.2.3".parse().expect("ip")));
        assert!(!r.contains("11.0.0.1".parse().expect("ip")));
        assert!(r.contains("::ffff:10.9.9.9".parse().expect("ip")));
        let host: IpRange = "192.0.2.7".parse().expect("host");
        assert!(host.contains("192.0.2.7".parse().expect("ip")));
        assert!(!host.contains("192.0.2.8".parse().expect("ip")));
        let v6: IpRange = "fd00::/8".parse().expect("v6");
        assert!(v6.contains("fd12::1".parse().expect("ip")));
        let all: IpRange = "0.0.0.0/0".parse().expect("all");
        assert!(all.contains("203.0.113.1".parse().expect("ip")));
        for bad in ["10.0.0.0/33", "nonsense", "10.0.0.0/x", "::/129"] {
            assert!(bad.parse::<IpRange>().is_err(), "{bad}");
        }
    }

    #[test]
    fn loopback_binds_freely_anything_else_needs_a_trusted_proxy() {
        assert!(config("127.0.0.1:8080").check_listen().is_ok());
        assert!(config("[::1]:8080").check_listen().is_ok());
        for addr in ["0.0.0.0:8080", "192.0.2.10:8080", "[::]:8080"] {
            let err = config(addr).check_listen().expect_err(addr);
            assert!(matches!(err, ConfigError::PlainTextOnNetwork(_)), "{err}");
            assert!(err.to_string().contains("--behind-proxy"), "{err}");
        }
        let mut c = config("0.0.0.0:8080");
        c.behind_proxy = true;
        assert!(matches!(
            c.check_listen(),
            Err(ConfigError::ProxyWithoutRange)
        ));
        c.trusted_proxies = vec!["10.0.0.0/8".parse().expect("range")];
        assert!(c.check_listen().is_ok());
        assert!(c.is_trusted_proxy("10.0.0.5".parse().expect("ip")));
        assert!(!c.is_trusted_proxy("192.0.2.1".parse().expect("ip")));
    }

    #[test]
    fn serving_https_itself_opens_any_address_and_needs_both_files() {
        let mut c = config("0.0.0.0:8443");
        c.tls_cert = Some(PathBuf::from("cert.pem"));
        assert!(matches!(c.check_listen(), Err(ConfigError::HalfTls)));
        c.tls_key = Some(PathBuf::from("key.pem"));
        assert!(c.check_listen().is_ok());
        assert!(c.clients_use_https());
        assert!(
            !c.is_trusted_proxy("127.0.0.1".parse().expect("ip")),
            "no proxy trusted"
        );
        let mut loopback = config("127.0.0.1:8080");
        loopback.tls_key = Some(PathBuf::from("key.pem"));
        assert!(matches!(loopback.check_listen(), Err(ConfigError::HalfTls)));
    }
}
