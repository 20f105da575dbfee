//! The error every command returns: a message the window can show as it is.

use serde::Serialize;
use ts_rs::TS;

/// A failed command, serialised as `{ "message": "..." }`.
#[derive(Debug, thiserror::Error, Serialize, TS)]
#[error("{message}")]
pub struct CommandError {
    /// What went wrong, for the user.
    pub message: String,
}

impl CommandError {
    /// An error with `message`.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }
}

macro_rules! from_error {
    ($($t:ty),*) => {$(
        impl From<$t> for CommandError {
            fn from(e: $t) -> Self {
                Self::new(e.to_string())
            }
        }
    )*};
}

from_error!(
    physalign_recorder::RecorderError,
    physalign_store::StoreError,
    physalign_analysis::AnalysisError,
    physalign_sync::SyncError,
    physalign_workspace::WorkspaceError,
    physalign_workspace::lock::LockError,
    std::io::Error,
    serde_json::Error,
    tauri::Error
);

/// What commands return.
pub type CommandResult<T> = Result<T, CommandError>;
