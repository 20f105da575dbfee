//! Request and response types of the PhysAlign central REST API.
//!
//! Shared by the server (`physalign-server`) and the device sync client so both sides agree on
//! the JSON. Request types reject unknown fields: a typo in a field name is an error, not a
//! silently dropped value. The endpoint list and the conventions (errors, pagination, ETags,
//! idempotency keys) are described in `crates/physalign-server/API.md`.

pub mod admin;
pub mod alerts;
pub mod analytics;
pub mod appointments;
pub mod assessments;
pub mod auth;
pub mod clients;
pub mod clinic_sessions;
pub mod error;
pub mod export;
pub mod health;
pub mod limits;
pub mod notes;
pub mod outcomes;
pub mod pagination;
pub mod patients;
pub mod physio;
pub mod programs;
pub mod progress;
pub mod sessions;
pub mod templates;
pub mod upload;

pub use error::{ErrorBody, ErrorCode, ErrorDetail, FieldError};
pub use pagination::{PageQuery, Pagination};
