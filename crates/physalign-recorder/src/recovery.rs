//! Completing sessions whose recording never finished (the app was killed, the laptop lost
//! power): their frames are in the store, so the analysis is run again over them.

use crate::{completion_from_report, RecorderError};
use physalign_analysis::{Catalogue, ExerciseOverrides, FrameSize, SessionAnalyzer};
use physalign_domain::PoseFrame;
use physalign_store::{SessionStatus, Store};
use uuid::Uuid;

/// A session completed by [`recover_interrupted`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RecoveredSession {
    /// The session.
    pub session_id: Uuid,
    /// Stored frames analysed again.
    pub frames: usize,
    /// Repetitions counted in them.
    pub reps: u32,
}

/// Completes every unfinished recording in `store` from its stored frames. Call it before any
/// recording starts (at launch): a recording in progress would be taken for an interrupted one.
/// Patient overrides are not stored with a session, so catalogue targets are used.
pub fn recover_interrupted(
    store: &Store,
    catalogue: &Catalogue,
) -> Result<Vec<RecoveredSession>, RecorderError> {
    let mut recovered = Vec::new();
    for recording in store.unfinished_recordings()? {
        let id = recording.session_id;
        let Some(detail) = store.get_session(id)? else {
            continue;
        };
        if detail.session.status != SessionStatus::Recording {
            // Completed, but the process died before noting it.
            store.finish_recording(id)?;
            continue;
        }
        let exercise = catalogue.get(&detail.session.exercise_id)?;
        let mut analyzer = SessionAnalyzer::new(
            exercise,
            &ExerciseOverrides::default(),
            FrameSize::new(recording.frame_width, recording.frame_height),
        )?;
        let mut frames = 0usize;
        store.for_each_frame(id, |frame| {
            analyzer.push(&PoseFrame {
                timestamp_ms: frame.timestamp_ms,
                landmarks: frame.landmarks,
                world_landmarks: frame.world_landmarks,
            });
            frames += 1;
            Ok(())
        })?;
        let report = analyzer.finish();
        store.complete_session(id, &completion_from_report(&report)?)?;
        store.finish_recording(id)?;
        tracing::info!(session = %id, frames, reps = report.reps, "completed an interrupted recording");
        recovered.push(RecoveredSession {
            session_id: id,
            frames,
            reps: report.reps,
        });
    }
    Ok(recovered)
}
