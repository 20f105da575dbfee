//! Past sessions: the history list, one session's summary (with its latest review, the crisis
//! resources when its notes carry a crisis flag, and where its transcript stands under the
//! 90-day retention) and its angle chart; deleting or keeping a session's transcript.

use super::{blocking_task, SharedState};
use crate::error::CommandResult;
use chrono::Utc;
use physalign_analysis::{Catalogue, SessionReport};
use physalign_recorder::history::{self, AngleSeries, HistoryEntry, SessionView};
use physalign_report::crisis::{self, CrisisResources};
use physalign_report::review::{self, ReviewView};
use physalign_report::screen::{measurement_view, MeasurementView};
use physalign_store::{Store, TranscriptRetention};
use serde::Serialize;
use tauri::State;
use ts_rs::TS;
use uuid::Uuid;

/// A session for the summary screen: the stored session and, read from its stored report,
/// how it was measured (trust verdict, sides, per-repetition confidence) in the engine's words.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct SessionSummary {
    /// The session as the history keeps it.
    #[serde(flatten)]
    pub view: SessionView,
    /// How it was measured; `None` while recording or when the stored report cannot be read
    /// (a report from another version is shown without it rather than failing the screen).
    pub measurement: Option<MeasurementView>,
    /// The crisis resources, shown above everything else, when the session's notes carry a
    /// crisis flag (see [`SessionSummary::with_crisis`]); `None` otherwise.
    pub crisis: Option<CrisisResources>,
    /// The clinician's latest review of the session, when there is one (pulled by sync or
    /// written on this device).
    pub review: Option<ReviewView>,
    /// When the transcript is purged, whether it is saved, or why it is gone; `None` when the
    /// session never had one.
    pub transcript_retention: Option<TranscriptRetention>,
}

impl SessionSummary {
    /// The summary of `view`; the catalogue says which camera view the exercise asks for.
    pub fn new(view: SessionView, catalogue: &Catalogue) -> Self {
        let measurement = view
            .report
            .as_ref()
            .and_then(|r| serde_json::from_value::<SessionReport>(r.clone()).ok())
            .map(|report| {
                let camera = catalogue.get(&report.exercise_id).ok().map(|e| e.view);
                measurement_view(&report, camera)
            });
        Self {
            view,
            measurement,
            crisis: None,
            review: None,
            transcript_retention: None,
        }
    }

    /// The summary with the engine's crisis resources for the session
    /// ([`crisis::session_crisis`]); the store knows whether the care team has been told.
    pub fn with_crisis(mut self, crisis: Option<CrisisResources>) -> Self {
        self.crisis = crisis;
        self
    }

    /// The summary with where the session's transcript stands.
    pub fn with_transcript_retention(mut self, retention: Option<TranscriptRetention>) -> Self {
        self.transcript_retention = retention;
        self
    }

    /// The summary with the session's latest review ([`review::latest_review`]).
    pub fn with_review(mut self, review: Option<ReviewView>) -> Self {
        self.review = review;
        self
    }
}

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
) -> CommandResult<Option<SessionSummary>> {
    let state = state.inner().clone();
    blocking_task(move || {
        let store = Store::open(&state.paths.db)?;
        // The retention holds whenever a transcript is shown, signed in or not.
        store.purge_expired_transcripts(Utc::now())?;
        let Some(view) = history::session_view(&store, session_id)? else {
            return Ok(None);
        };
        let crisis = crisis::session_crisis(&store, session_id)?;
        let review = review::latest_review(&store, session_id)?;
        let retention = store.transcript_retention(session_id)?;
        Ok(Some(
            SessionSummary::new(view, &state.catalogue)
                .with_crisis(crisis)
                .with_review(review)
                .with_transcript_retention(retention),
        ))
    })
    .await
}

/// Deletes the session's transcript at the patient's request (queued for the server, which
/// then removes it for the care team too); answers where it stands now.
#[tauri::command]
pub async fn delete_transcript(
    state: State<'_, SharedState>,
    session_id: Uuid,
) -> CommandResult<Option<TranscriptRetention>> {
    let db = state.paths.db.clone();
    blocking_task(move || {
        let store = Store::open(&db)?;
        store.delete_session_transcript(session_id)?;
        Ok(store.transcript_retention(session_id)?)
    })
    .await
}

/// Keeps the session's transcript beyond the automatic purge: `retention_days` after the
/// session, or indefinitely without it (queued for the server).
#[tauri::command]
pub async fn keep_transcript(
    state: State<'_, SharedState>,
    session_id: Uuid,
    retention_days: Option<u32>,
) -> CommandResult<TranscriptRetention> {
    let db = state.paths.db.clone();
    blocking_task(move || {
        let store = Store::open(&db)?;
        Ok(store.save_session_transcript(session_id, retention_days)?)
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
