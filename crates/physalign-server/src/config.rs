//! Server settings, from flags or environment variables.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;

/// Everything the server needs to run. Every flag also reads an environment variable.
#[derive(Debug, Clone, Args)]
pub struct ServerConfig {
    /// PostgreSQL connection URL.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: String,

    /// Address to listen on.
    #[arg(long, env = "PHYSALIGN_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Secret for signing access tokens and upload URLs (at least 32 bytes).
    #[arg(long, env = "PHYSALIGN_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,

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

    /// Directory where uploaded recordings are stored.
    #[arg(
        long,
        env = "PHYSALIGN_STORAGE_DIR",
        default_value = "physalign-storage"
    )]
    pub storage_dir: PathBuf,

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
}

impl ServerConfig {
    /// A configuration with the defaults above, for tests and tools.
    pub fn new(database_url: impl Into<String>, jwt_secret: impl Into<String>) -> Self {
        Self {
            database_url: database_url.into(),
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            jwt_secret: Some(jwt_secret.into()),
            db_pool_max: 20,
            db_pool_min: 0,
            access_token_ttl_secs: 900,
            refresh_token_ttl_secs: 7 * 24 * 3600,
            body_limit_bytes: 16 * 1024 * 1024,
            upload_limit_bytes: 1024 * 1024 * 1024,
            upload_chunk_limit_bytes: 16 * 1024 * 1024,
            resumable_upload_ttl_secs: 7 * 24 * 3600,
            storage_dir: PathBuf::from("physalign-storage"),
            public_url: None,
            upload_url_ttl_secs: 3600,
            rate_limit_per_minute: 100,
            login_attempts_per_minute: 5,
        }
    }

    /// The base URL for links this server hands out.
    pub fn public_base_url(&self) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_string(),
            None => format!("http://{}", self.listen),
        }
    }
}
