//! PhysAlign central REST API: accounts, exercise sessions with their pose data, physiotherapist
//! reviews and progress metrics, on PostgreSQL.
//!
//! [`app::build_router`] assembles the HTTP API; [`app::serve`] runs it. The binary
//! `physalign-server` wraps both with a command line ([`config::ServerConfig`]).

pub mod access;
pub mod app;
pub mod audit;
pub mod auth;
pub mod config;
pub mod db;
pub mod error;
pub mod extract;
pub mod idempotency;
pub mod openapi;
pub mod rate_limit;
pub mod routes;
pub mod state;
pub mod storage;

/// Migrations in `migrations/postgres`, applied at start.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/postgres");
