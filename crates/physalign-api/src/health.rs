//! `/health` and `/health/detailed`.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Liveness: the process answers.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Health {
    /// `ok`.
    pub status: String,
    /// Server version.
    pub version: String,
}

/// Readiness, with the database round trip.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DetailedHealth {
    /// `ok` or `degraded`.
    pub status: String,
    /// Server version.
    pub version: String,
    /// Seconds since the server started.
    pub uptime_seconds: u64,
    /// Database state.
    pub database: DatabaseHealth,
    /// The abuse limits' state (issue 17).
    #[serde(default)]
    pub limits: LimitsHealth,
}

/// How full the in-memory abuse limits are.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct LimitsHealth {
    /// Keys held by the per-user and per-address request limiters.
    pub request_limiter_keys: u64,
    /// Keys held by the login and claim failure limiters.
    pub login_limiter_keys: u64,
    /// Password hashing slots free now, of `password_hash_slots`.
    pub password_hash_slots_free: u64,
    /// Password hashing slots in all.
    pub password_hash_slots: u64,
    /// Upload slots free now.
    pub upload_slots_free: u64,
}

/// Database reachability and latency.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DatabaseHealth {
    /// `ok` or `unreachable`.
    pub status: String,
    /// Round-trip time of `SELECT 1` in milliseconds.
    pub latency_ms: Option<f64>,
    /// Open connections in the pool.
    pub pool_size: u32,
    /// Idle connections in the pool.
    pub pool_idle: u32,
}
