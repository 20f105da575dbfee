//! PhysAlign central REST API: accounts, exercise sessions with their pose data, physiotherapist
//! reviews and progress metrics, on PostgreSQL.
//!
//! [`app::build_router`] assembles the HTTP API; [`app::serve`] runs it. The binary
//! `physalign-server` wraps both with a command line ([`config::ServerConfig`]).

pub mod access;
pub mod accounts;
pub mod aggregation;
pub mod analytics;
pub mod app;
pub mod audit;
pub mod auth;
pub mod clinic_metrics;
pub mod clinic_time;
pub mod config;
pub mod db;
pub mod docs;
pub mod error;
pub mod etag;
pub mod export;
pub mod extract;
pub mod files;
pub mod idempotency;
pub mod limiter;
pub mod openapi;
pub mod rate_limit;
pub mod repo;
pub mod request_timeout;
pub mod retention;
pub mod routes;
pub mod state;
pub mod storage;
pub mod tls;
pub mod transport;
pub mod validate;
