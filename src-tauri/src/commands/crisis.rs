//! The crisis resources of the Today screen: shown while a recent session's notes carry a
//! crisis flag the patient has not yet acknowledged. The resources and the rule come from the
//! engine ([`physalign_report::crisis`]); acknowledgements are kept beside the preferences.

use super::{blocking_task, SharedState};
use crate::error::CommandResult;
use chrono::Utc;
use physalign_report::crisis::{self, CrisisResources};
use physalign_store::Store;
use std::path::{Path, PathBuf};
use tauri::State;
use uuid::Uuid;

/// The file of acknowledged sessions, beside the preferences file.
fn acknowledged_path(settings: &Path) -> PathBuf {
    settings.with_file_name("crisis-acknowledged.json")
}

/// The sessions whose resources the patient has read and closed. A missing or damaged file
/// acknowledges nothing: showing the resources again is the safe side.
fn read_acknowledged(path: &Path) -> Vec<Uuid> {
    std::fs::read(path)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}

/// The crisis resources for the Today screen, or `None` when no session of the last
/// [`crisis::RECENT_DAYS`] days carries an unacknowledged crisis flag.
#[tauri::command]
pub async fn recent_crisis(
    state: State<'_, SharedState>,
) -> CommandResult<Option<CrisisResources>> {
    let paths = state.paths.clone();
    blocking_task(move || {
        let store = Store::open(&paths.db)?;
        let acknowledged = read_acknowledged(&acknowledged_path(&paths.settings));
        Ok(crisis::recent_crisis(&store, Utc::now(), &acknowledged)?)
    })
    .await
}

/// Records that the patient has read the resources of `session_id`: the Today screen no longer
/// shows them (the session's summary still does).
#[tauri::command]
pub async fn acknowledge_crisis(
    state: State<'_, SharedState>,
    session_id: Uuid,
) -> CommandResult<()> {
    let path = acknowledged_path(&state.paths.settings);
    blocking_task(move || {
        let mut acknowledged = read_acknowledged(&path);
        if !acknowledged.contains(&session_id) {
            acknowledged.push(session_id);
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        // Written whole then renamed, so a crash never leaves half a list.
        let tmp = path.with_extension("json.tmp");
        std::fs::write(&tmp, serde_json::to_vec(&acknowledged)?)?;
        std::fs::rename(&tmp, &path)?;
        Ok(())
    })
    .await
}
