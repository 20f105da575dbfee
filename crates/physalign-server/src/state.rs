//! State shared by all handlers.

use std::sync::Arc;
use std::time::{Duration, Instant};

use sqlx::postgres::{PgPool, PgPoolOptions};

use crate::auth::jwt::JwtKeys;
use crate::auth::lockout::LockoutPolicy;
use crate::auth::password::HashGate;
use crate::auth::session::SessionCache;
use crate::config::{ServerConfig, StorageBackend};
use crate::limiter::{LimitKind, SharedLimiter};
use crate::storage::{
    BlobStore, DiskStaging, LocalDiskStore, ObjectStaging, ObjectStorageError, S3Store,
    UploadSigner, UploadStaging,
};

/// How long a duplicate idempotent request waits for the first one to finish (see
/// `idempotency`), as the `lock_timeout` of the claim pool's connections.
fn claim_lock_timeout() -> String {
    format!("{}s", physalign_api::limits::IDEMPOTENCY_WAIT_SECS)
}

/// Cheap to clone: everything is behind `Arc`s.
#[derive(Clone)]
pub struct AppState {
    /// Database pool.
    pub pool: PgPool,
    /// Connections that hold idempotency claims open while their request runs. Kept apart from
    /// `pool` so that claims can never starve the handlers they wait for.
    pub claim_pool: PgPool,
    /// Settings.
    pub config: Arc<ServerConfig>,
    /// Access-token keys.
    pub jwt: Arc<JwtKeys>,
    /// Recent session checks (issue 17: access tokens die with their session).
    pub sessions: Arc<SessionCache>,
    /// Requests per minute per signed-in user (counted across replicas, as every limit).
    pub request_limiter: Arc<SharedLimiter>,
    /// Requests per minute per address for anonymous calls (ten times the per-user limit, so a
    /// clinic behind one address can still sign in).
    pub anonymous_limiter: Arc<SharedLimiter>,
    /// Failed logins per minute per account and address.
    pub login_limiter: Arc<SharedLimiter>,
    /// Failed logins and claims per minute per address, whatever the account (issue 17).
    pub address_failure_limiter: Arc<SharedLimiter>,
    /// The per-account lockout (issue 17).
    pub lockout: LockoutPolicy,
    /// Caps the password hashing running at once (issue 17).
    pub hashing: Arc<HashGate>,
    /// Caps the file uploads received at once (issue 17).
    pub upload_slots: Arc<tokio::sync::Semaphore>,
    /// Where uploads go.
    pub storage: Arc<dyn BlobStore>,
    /// Bytes of resumable uploads until they are completed.
    pub staging: Arc<UploadStaging>,
    /// Signs and checks upload URLs.
    pub upload_signer: Arc<UploadSigner>,
    /// When the server started.
    pub started_at: Instant,
    /// Wakes this replica's export worker when a job is queued here.
    pub export_wake: Arc<tokio::sync::Notify>,
}

/// Why the state could not be built.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// No secret given.
    #[error("PHYSALIGN_JWT_SECRET is not set")]
    MissingSecret,
    /// Secret too short to be safe.
    #[error("every token and upload URL secret (current and previous) must be at least 32 bytes")]
    WeakSecret,
    /// The object storage settings were refused.
    #[error(transparent)]
    ObjectStorage(#[from] ObjectStorageError),
}

impl AppState {
    /// Builds the state from settings and an open pool.
    pub fn new(config: ServerConfig, pool: PgPool) -> Result<Self, StateError> {
        let secret = config.jwt_secret.clone().ok_or(StateError::MissingSecret)?;
        let previous: Vec<&[u8]> = config
            .jwt_previous_secrets
            .iter()
            .map(|s| s.as_bytes())
            .collect();
        let upload_previous: Vec<&[u8]> = config
            .upload_url_previous_secrets
            .iter()
            .map(|s| s.as_bytes())
            .collect();
        let every_secret = std::iter::once(&secret)
            .chain(&config.jwt_previous_secrets)
            .chain(&config.upload_url_secret)
            .chain(&config.upload_url_previous_secrets);
        for s in every_secret {
            if s.len() < 32 {
                return Err(StateError::WeakSecret);
            }
        }
        let upload_signer = upload_signer(
            secret.as_bytes(),
            &previous,
            config.upload_url_secret.as_deref().map(str::as_bytes),
            &upload_previous,
        );
        let jwt = JwtKeys::rotated(secret.as_bytes(), &previous, config.access_token_ttl_secs);
        let minute = Duration::from_secs(60);
        let security = &config.security;
        let max_keys = security.rate_limit_max_keys;
        let limiter = |kind, limit| {
            Arc::new(SharedLimiter::new(
                pool.clone(),
                kind,
                limit,
                minute,
                secret.as_bytes(),
            ))
        };
        let (storage, staging): (Arc<dyn BlobStore>, UploadStaging) =
            match config.object_storage.backend {
                StorageBackend::Local => (
                    Arc::new(LocalDiskStore::new(config.storage_dir.clone())),
                    // Inside the storage root (same file system, so finishing is a link) under
                    // a name no storage key produces (keys start with `sessions/`).
                    UploadStaging::Disk(DiskStaging::new(config.storage_dir.join(".resumable"))),
                ),
                StorageBackend::S3 => {
                    let store: Arc<dyn BlobStore> =
                        Arc::new(S3Store::new(&config.object_storage.s3_settings())?);
                    (
                        store.clone(),
                        UploadStaging::Objects(ObjectStaging::new(store)),
                    )
                }
            };
        // A duplicate request waits on the holder's row lock for at most this long.
        let claim_options = (*pool.connect_options())
            .clone()
            .options([("lock_timeout", claim_lock_timeout())]);
        let claim_pool = PgPoolOptions::new()
            .max_connections(config.db_pool_max.max(1))
            .acquire_timeout(Duration::from_secs(10))
            .connect_lazy_with(claim_options);
        Ok(Self {
            pool: pool.clone(),
            claim_pool,
            jwt: Arc::new(jwt),
            sessions: Arc::new(SessionCache::new(
                Duration::from_secs(security.session_cache_secs),
                max_keys,
            )),
            request_limiter: limiter(LimitKind::Requests, config.rate_limit_per_minute),
            anonymous_limiter: limiter(
                LimitKind::Anonymous,
                config.rate_limit_per_minute.saturating_mul(10),
            ),
            login_limiter: limiter(LimitKind::FailedLogins, config.login_attempts_per_minute),
            address_failure_limiter: limiter(
                LimitKind::AddressFailures,
                security.login_failures_per_address_per_minute,
            ),
            lockout: LockoutPolicy {
                threshold: security.lockout_threshold,
                base: Duration::from_secs(security.lockout_base_secs),
                max: Duration::from_secs(security.lockout_max_secs),
            },
            hashing: Arc::new(HashGate::new(
                security.password_hash_concurrency,
                Duration::from_millis(security.password_hash_wait_ms),
            )),
            upload_slots: Arc::new(tokio::sync::Semaphore::new(
                security.upload_concurrency.max(1),
            )),
            storage,
            staging: Arc::new(staging),
            upload_signer: Arc::new(upload_signer),
            started_at: Instant::now(),
            export_wake: Arc::new(tokio::sync::Notify::new()),
            config: Arc::new(config),
        })
    }
}

/// The upload URL signer: its own secret when one is set (earlier ones, and the keys derived from
/// the token secrets, still accepted so that URLs handed out before the switch stay valid), else
/// keys derived from the token secrets.
fn upload_signer(
    token_secret: &[u8],
    previous_token_secrets: &[&[u8]],
    own: Option<&[u8]>,
    previous_own: &[&[u8]],
) -> UploadSigner {
    let token_secrets: Vec<&[u8]> = std::iter::once(token_secret)
        .chain(previous_token_secrets.iter().copied())
        .collect();
    let derived = UploadSigner::derived_from(&token_secrets);
    match own {
        None => derived,
        Some(current) => {
            let mut earlier: Vec<&[u8]> = previous_own.to_vec();
            earlier.extend(derived.keys());
            UploadSigner::new(current, &earlier)
        }
    }
}
