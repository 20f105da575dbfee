//! The commands the window calls, by area. Each one is a thin call into the engine crates or a
//! manager; blocking work runs on a worker thread so the window never freezes.

pub mod calendar;
pub mod crisis;
pub mod devices;
pub mod history;
pub mod outcomes;
pub mod recording;
pub mod settings;
pub mod sync;
pub mod workspace;

use crate::error::{CommandError, CommandResult};
use crate::state::AppState;
use std::sync::Arc;

/// The app state as commands receive it.
pub type SharedState = Arc<AppState>;

/// Runs blocking work (SQLite, devices, threads joining) off the async runtime.
async fn blocking_task<T: Send + 'static>(
    f: impl FnOnce() -> CommandResult<T> + Send + 'static,
) -> CommandResult<T> {
    tauri::async_runtime::spawn_blocking(f)
        .await
        .map_err(|e| CommandError::new(format!("background task failed: {e}")))?
}
