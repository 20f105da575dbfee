//! PhysAlign's offline-first sync client.
//!
//! Everything is recorded into the local store first; this crate moves it to the central API
//! when the network allows: a [`SyncWorker`] drains the store's outbox in per-record order with
//! exponential back-off, resumes multi-request uploads after the last acknowledged step (large
//! files go in chunks and continue from the last acknowledged byte), keeps
//! failed entries (with their reason) and edit conflicts (both versions) visible in the
//! [`SyncStatus`], and pulls reviews, prescriptions and patient data down. [`login`] stores the
//! refresh token in the OS keyring or, where there is none, in an encrypted file
//! ([`CredentialStore`]).

#![warn(missing_docs)]

pub mod appointments;
pub mod backoff;
pub mod blocking;
pub mod client;
mod clinic;
mod config;
pub mod credentials;
pub mod deliver;
mod error;
mod login;
pub mod mapping;
pub mod outcomes;
pub mod pull;
mod resumable;
pub mod status;
mod step;
mod worker;

pub use clinic::{care_team, end_care, logout, register_patient};
pub use config::SyncConfig;
pub use credentials::{Backend, CredentialStore};
pub use error::SyncError;
pub use login::{claim, login, LoginReport};
pub use status::{read_status, SyncStatus};
pub use worker::{RunHooks, RunReport, SyncWorker};
