//! Past sessions: the history list, one session's summary and its angle chart.

use super::{blocking_task, SharedState};
use crate::error::CommandResult;
use physalign_recorder::history::{self, AngleSeries, HistoryEntry, SessionView};
use physalign_store::Store;
use tauri::State;
use uuid::Uuid;

/// Past sessions, most recent first.
#[tauri::command]
pub async fn session_history(
    state: State<'_, SharedState>,
    limit: Option<usize>,
) -> CommandResult<Vec<HistoryEntry>> {
    let db = state.paths.db.clone();
    blocking_task(move || {
        let store = Store::open(&db)?;
        Ok(history::session_history(&store, limit.unwrap_or(200))?)
    })
    .await
}

/// One session for the summary screen.
#[tauri::command]
pub async fn session_view(
    state: State<'_, SharedState>,
    session_id: Uuid,
) -> CommandResult<Option<SessionView>> {
    let db = state.paths.db.clone();
    blocking_task(move || {
        let store = Store::open(&db)?;
        Ok(history::session_view(&store, session_id)?)
    })
    .await
}

/// The session's primary joint angle over time, at most `max_points` points.
#[tauri::command]
pub async fn session_angles(
    state: State<'_, SharedState>,
    session_id: Uuid,
    max_points: Option<usize>,
) -> CommandResult<AngleSeries> {
    let db = state.paths.db.clone();
    blocking_task(move || {
        let store = Store::open(&db)?;
        Ok(history::angle_series(
            &store,
            session_id,
            max_points.unwrap_or(600),
        )?)
    })
    .await
}
