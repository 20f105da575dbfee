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
