//! Past sessions as the patient and the therapist review them: one line per session with its
//! repetitions, range of motion, pain and sync state, and one session in full.

use crate::RecorderError;
use physalign_analysis::SessionReport;
use physalign_store::{OutboxStatus, SessionDetail, SessionRow, SessionStatus, Store};
use serde::Serialize;
use uuid::Uuid;

/// Where a session is on its way to the central server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum SyncState {
    /// Changes wait in the outbox.
    Pending,
    /// Everything was delivered.
    Synced,
    /// The server refused a change (see the sync status for the reason).
    Failed,
}

/// One past session.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct HistoryEntry {
    /// The session.
    pub session_id: Uuid,
    /// The exercise id.
    pub exercise_id: String,
    /// The exercise's name (from the report; the id while recording).
    pub exercise_name: String,
    /// Where the frames came from.
    pub source: String,
    /// Lifecycle status.
    pub status: SessionStatus,
    /// Start time, RFC 3339.
    pub started_at: String,
    /// Length in seconds, once complete.
    pub duration_s: Option<f64>,
    /// Full repetitions.
    pub reps: Option<u32>,
    /// Prescribed repetitions.
    pub target_reps: Option<u32>,
    /// Mean range of motion of the counted repetitions, degrees.
    pub mean_rom: Option<f64>,
    /// Largest range of motion of one repetition, degrees.
    pub best_rom: Option<f64>,
    /// Form issues raised.
    pub form_issues: usize,
    /// Highest pain score the patient said during the session (0-10).
    pub pain: Option<f32>,
    /// Sync state of the session's uploads.
    pub sync: SyncState,
}

/// A session with everything the summary screen shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SessionView {
    /// The line of the history.
    pub entry: HistoryEntry,
    /// The stored session with repetitions and form issues.
    pub detail: SessionDetail,
    /// The analysis report, once complete.
    pub report: Option<serde_json::Value>,
    /// The transcript text said during the session, if any.
    pub transcript: Option<String>,
    /// Clinical notes extracted from the transcript.
    pub notes: Option<serde_json::Value>,
}

/// The latest `limit` sessions, most recent first.
pub fn session_history(store: &Store, limit: usize) -> Result<Vec<HistoryEntry>, RecorderError> {
    store
        .list_sessions(limit, 0)?
        .iter()
        .map(|row| history_entry(store, row))
        .collect()
}

/// One session in full, if it exists.
pub fn session_view(store: &Store, id: Uuid) -> Result<Option<SessionView>, RecorderError> {
    let Some(detail) = store.get_session(id)? else {
        return Ok(None);
    };
    let entry = history_entry(store, &detail.session)?;
    let (transcript, notes) = speech_of(store, id)?;
    Ok(Some(SessionView {
        entry,
        report: detail.session.report.clone(),
        detail,
        transcript,
        notes,
    }))
}

fn history_entry(store: &Store, row: &SessionRow) -> Result<HistoryEntry, RecorderError> {
    let report: Option<SessionReport> = row
        .report
        .as_ref()
        .and_then(|r| serde_json::from_value(r.clone()).ok());
    let roms: Vec<f64> = report
        .iter()
        .flat_map(|r| &r.rep_details)
        .filter(|rep| rep.number.is_some())
        .filter_map(|rep| rep.rom)
        .collect();
    let (_, notes) = speech_of(store, row.id)?;
    let pain = notes.as_ref().and_then(max_pain);
    let entries = store.outbox_entries(row.id)?;
    let sync = if entries.iter().any(|e| e.status == OutboxStatus::Failed) {
        SyncState::Failed
    } else if entries.iter().any(|e| e.status == OutboxStatus::Pending) {
        SyncState::Pending
    } else {
        SyncState::Synced
    };
    Ok(HistoryEntry {
        session_id: row.id,
        exercise_id: row.exercise_id.clone(),
        exercise_name: report
            .as_ref()
            .map_or_else(|| row.exercise_id.clone(), |r| r.exercise_name.clone()),
        source: row.source.clone(),
        status: row.status,
        started_at: row.started_at.to_rfc3339(),
        duration_s: row.duration_seconds,
        reps: report.as_ref().map(|r| r.reps),
        target_reps: report.as_ref().and_then(|r| r.target_reps),
        mean_rom: (!roms.is_empty()).then(|| roms.iter().sum::<f64>() / roms.len() as f64),
        best_rom: roms.iter().copied().reduce(f64::max),
        form_issues: report.as_ref().map_or(0, |r| r.form_issues.len()),
        pain,
        sync,
    })
}

/// The session's transcript text and notes (the latest transcript when there are several).
fn speech_of(
    store: &Store,
    session: Uuid,
) -> Result<(Option<String>, Option<serde_json::Value>), RecorderError> {
    let Some(id) = store.transcripts_for_session(session)?.into_iter().last() else {
        return Ok((None, None));
    };
    // A purged or deleted transcript keeps its row with no text: there is none to show.
    let text = store
        .get_transcript(id)?
        .map(|t| t.text)
        .filter(|t| !t.is_empty());
    let notes = store.clinical_notes(id)?.map(|n| n.notes);
    Ok((text, notes))
}

/// The highest pain score reported (not denied) in clinical notes.
fn max_pain(notes: &serde_json::Value) -> Option<f32> {
    notes
        .get("pain_reports")?
        .as_array()?
        .iter()
        .filter(|p| !p.get("denied").and_then(|d| d.as_bool()).unwrap_or(false))
        .filter_map(|p| p.get("score").and_then(|s| s.as_f64()))
        .map(|s| s as f32)
        .reduce(f32::max)
}

/// A joint angle over time, for the review chart.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AngleSeries {
    /// The angle's name, e.g. `knee`.
    pub angle: Option<String>,
    /// Seconds from the start of the recording.
    pub t_s: Vec<f64>,
    /// Degrees; `None` where it could not be measured.
    pub degrees: Vec<Option<f32>>,
}

/// `name` from a frame's angles; a bilateral name such as `knee` is the mean of the measured
/// sides, as the counter combines them.
fn named_angle(angles: &std::collections::BTreeMap<String, f32>, name: &str) -> Option<f32> {
    if let Some(v) = angles.get(name) {
        return Some(*v);
    }
    let sides: Vec<f32> = ["left", "right"]
        .iter()
        .filter_map(|side| angles.get(&format!("{name}_{side}")).copied())
        .collect();
    (!sides.is_empty()).then(|| sides.iter().sum::<f32>() / sides.len() as f32)
}

/// The session's primary angle (the one the repetition counter followed), thinned to at most
/// `max_points` points by keeping every n-th frame.
pub fn angle_series(
    store: &Store,
    id: Uuid,
    max_points: usize,
) -> Result<AngleSeries, RecorderError> {
    let report: Option<SessionReport> = store
        .get_session(id)?
        .and_then(|d| d.session.report)
        .and_then(|r| serde_json::from_value(r).ok());
    let angle = report.as_ref().and_then(|r| {
        r.rep_details
            .first()
            .map(|rep| rep.primary_angle.clone())
            .or_else(|| r.angle_sources.keys().next().cloned())
    });
    let total = store.frame_count(id)?.max(0) as usize;
    let stride = total.div_ceil(max_points.max(1)).max(1);
    let mut series = AngleSeries {
        angle: angle.clone(),
        t_s: Vec::new(),
        degrees: Vec::new(),
    };
    let mut n = 0usize;
    store.for_each_frame(id, |frame| {
        if n.is_multiple_of(stride) {
            series.t_s.push(frame.timestamp_ms as f64 / 1000.0);
            series
                .degrees
                .push(angle.as_ref().and_then(|a| named_angle(&frame.angles, a)));
        }
        n += 1;
        Ok(())
    })?;
    Ok(series)
}
