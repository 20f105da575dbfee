//! Local store records turned into the central API's request bodies.

use physalign_api::progress::{
    ProgressMetrics, Snapshot, StoreProgressRequest, StoreSnapshotsRequest,
};
use physalign_api::sessions::{
    CreateSessionRequest, SummaryStatistics, UpdateSessionRequest, UploadFrame,
};
use physalign_store::{FrameRecord, SessionDetail, SessionRow, Store, StoreError};
use std::collections::BTreeMap;
use uuid::Uuid;

/// `POST /api/sessions` for a session recorded on this device. Patients' sessions are created
/// for the caller, so `patient_id` is only sent by other roles.
pub fn create_session_request(row: &SessionRow, send_patient_id: bool) -> CreateSessionRequest {
    CreateSessionRequest {
        id: Some(row.id),
        patient_id: row.patient_id.filter(|_| send_patient_id),
        exercise_type: row.exercise_id.clone(),
        scheduled_datetime: None,
        estimated_duration: None,
        instructions: None,
        start_time: Some(row.started_at),
        end_time: row.ended_at,
        duration_seconds: row.duration_seconds.map(seconds),
        equipment_used: None,
        environment_notes: None,
    }
}

/// `PUT /api/sessions/{id}` with what completion adds: end time and duration.
pub fn completion_update(row: &SessionRow) -> UpdateSessionRequest {
    UpdateSessionRequest {
        start_time: Some(row.started_at),
        end_time: row.ended_at,
        duration_seconds: row.duration_seconds.map(seconds),
        ..UpdateSessionRequest::default()
    }
}

fn seconds(value: f64) -> i32 {
    // The server accepts 0..=86400 whole seconds.
    value.round().clamp(0.0, 86_400.0) as i32
}

/// Seed 003's `summary_statistics` as the API accepts it, from the local summary JSON (which
/// may carry more keys than the API's type) and the local repetitions.
pub fn summary_statistics(detail: &SessionDetail) -> SummaryStatistics {
    let local = detail.session.summary_statistics.as_ref();
    let number = |key: &str| {
        local
            .and_then(|s| s.get(key))
            .and_then(serde_json::Value::as_f64)
    };
    let peak_angles: BTreeMap<String, f64> = local
        .and_then(|s| s.get("peak_angles"))
        .and_then(serde_json::Value::as_object)
        .map(|map| {
            map.iter()
                .filter_map(|(k, v)| v.as_f64().filter(|x| x.is_finite()).map(|x| (k.clone(), x)))
                .collect()
        })
        .unwrap_or_default();
    let total_frames = number("total_frames")
        .map(|n| n.max(0.0) as u32)
        .or_else(|| u32::try_from(detail.session.frame_count).ok());
    let rep_count = number("rep_count")
        .map(|n| n.max(0.0) as u32)
        .or_else(|| u32::try_from(detail.repetitions.iter().filter(|r| !r.partial).count()).ok());
    SummaryStatistics {
        total_frames,
        average_quality: number("average_quality").map(|q| q.clamp(0.0, 1.0)),
        peak_angles,
        rep_count,
    }
}

/// The raw-frame file of a session: every stored frame as one JSON line. The same frames always
/// give the same bytes, so a restarted upload can continue the file it began.
pub fn raw_frames_file(store: &Store, session_id: Uuid) -> Result<Vec<u8>, StoreError> {
    let mut lines = Vec::new();
    store.for_each_frame(session_id, |frame| {
        serde_json::to_writer(&mut lines, &frame)?;
        lines.push(b'\n');
        Ok(())
    })?;
    Ok(lines)
}

/// Every `stride`-th frame (and always the last), in the API's frame shape.
pub fn downsample(frames: &[FrameRecord], stride: usize) -> Vec<UploadFrame> {
    let stride = stride.max(1);
    let last = frames.len().saturating_sub(1);
    frames
        .iter()
        .enumerate()
        .filter(|(i, _)| i % stride == 0 || *i == last)
        .map(|(_, frame)| upload_frame(frame))
        .collect()
}

fn upload_frame(frame: &FrameRecord) -> UploadFrame {
    UploadFrame {
        timestamp: frame.timestamp_ms.max(0),
        frame_number: i32::try_from(frame.frame_number).ok(),
        landmarks: frame.landmarks.clone(),
        angles: frame
            .angles
            .iter()
            .filter(|(_, v)| v.is_finite())
            .map(|(k, v)| (k.clone(), f64::from(*v)))
            .collect(),
        quality_score: Some(f64::from(frame.quality_score).clamp(0.0, 1.0)),
        form_issues: frame.form_issues.clone(),
    }
}

/// Seed 000 progress metrics of a completed session.
pub fn progress_request(detail: &SessionDetail) -> StoreProgressRequest {
    let active_ms: i64 = detail
        .repetitions
        .iter()
        .map(|r| (r.end_ms - r.start_ms).max(0))
        .sum();
    let full = detail.repetitions.iter().filter(|r| !r.partial).count();
    let mut milestones = Vec::new();
    if full > 0 {
        milestones.push(format!("{full} repetitions"));
    }
    StoreProgressRequest {
        session_id: detail.session.id,
        progress_metrics: ProgressMetrics {
            session_duration: detail.session.duration_seconds,
            active_time: Some(active_ms as f64 / 1000.0),
            milestones_reached: milestones,
            last_milestone_time: detail.session.ended_at.filter(|_| full > 0),
            ..ProgressMetrics::default()
        },
        therapist_id: None,
        evaluation_feedback: None,
    }
}

/// Seed 000 snapshots: each repetition's range of motion at its end.
pub fn snapshots_request(detail: &SessionDetail) -> StoreSnapshotsRequest {
    let start = detail.session.started_at;
    StoreSnapshotsRequest {
        session_id: detail.session.id,
        snapshots: detail
            .repetitions
            .iter()
            .map(|r| Snapshot {
                timestamp: start + chrono::Duration::milliseconds(r.end_ms.max(0)),
                value: f64::from(r.max_angle - r.min_angle),
            })
            .filter(|s| s.value.is_finite())
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(n: i64) -> FrameRecord {
        FrameRecord {
            frame_number: n,
            timestamp_ms: n * 33,
            landmarks: Vec::new(),
            world_landmarks: Vec::new(),
            angles: BTreeMap::from([("knee_left".to_string(), 90.0 + n as f32)]),
            quality_score: 0.9,
            form_issues: Vec::new(),
        }
    }

    #[test]
    fn downsampling_keeps_every_nth_and_the_last_frame() {
        let frames: Vec<_> = (0..11).map(frame).collect();
        let numbers: Vec<_> = downsample(&frames, 5)
            .iter()
            .map(|f| f.frame_number.unwrap())
            .collect();
        assert_eq!(numbers, vec![0, 5, 10]);
        let numbers: Vec<_> = downsample(&frames[..8], 5)
            .iter()
            .map(|f| f.frame_number.unwrap())
            .collect();
        assert_eq!(numbers, vec![0, 5, 7]);
        assert_eq!(downsample(&frames, 0).len(), 11);
        assert!(downsample(&[], 3).is_empty());
    }
}
