//! Local store records turned into the central API's request bodies.

use physalign_api::assessments::{CreateGoniometerReadingRequest, GoniometerReadingRecord};
use physalign_api::notes::SignedNoteRecord;
use physalign_api::programs::{CreateProgramItemRequest, ProgramItem};
use physalign_api::progress::{
    ProgressMetrics, Snapshot, StoreProgressRequest, StoreSnapshotsRequest,
};
use physalign_api::sessions::{
    CreateSessionRequest, ExerciseMention, PainScore, PutNotesRequest, PutTranscriptRequest,
    RiskFlag, SummaryStatistics, TranscriptSegment, UpdateSessionRequest, UploadFrame,
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
        program_item_id: None,
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
        primary_angle: None,
        // The engine's flag as the stored report keeps it; a flag this API version cannot
        // read is left out rather than failing the upload.
        reliability: detail
            .session
            .report
            .as_ref()
            .and_then(|r| r.get("reliability"))
            .and_then(|r| serde_json::from_value(r.clone()).ok()),
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

/// Seed 000 snapshots: the session's progress at the end of each counted repetition, as a
/// percentage (the API takes 0 to 100): repetitions done against those prescribed, or against
/// the session's own count when none were.
pub fn snapshots_request(detail: &SessionDetail) -> StoreSnapshotsRequest {
    let start = detail.session.started_at;
    let counted: Vec<_> = detail.repetitions.iter().filter(|r| !r.partial).collect();
    let prescribed = detail
        .session
        .report
        .as_ref()
        .and_then(|r| r.get("target_reps"))
        .and_then(serde_json::Value::as_u64)
        .filter(|&n| n > 0)
        .map(|n| n as usize);
    let goal = prescribed.unwrap_or(counted.len()).max(1);
    StoreSnapshotsRequest {
        session_id: detail.session.id,
        snapshots: counted
            .iter()
            .enumerate()
            .map(|(i, r)| Snapshot {
                timestamp: start + chrono::Duration::milliseconds(r.end_ms.max(0)),
                value: (100.0 * (i + 1) as f64 / goal as f64).min(100.0),
            })
            .collect(),
    }
}

/// `PUT /api/sessions/{id}/transcript` from the session's latest stored transcript.
pub fn transcript_request(
    store: &Store,
    session_id: Uuid,
) -> Result<Option<serde_json::Value>, StoreError> {
    // A purged or deleted transcript is not sent.
    if store
        .transcript_retention(session_id)?
        .is_some_and(|r| r.removed.is_some())
    {
        return Ok(None);
    }
    let Some(id) = store.transcripts_for_session(session_id)?.pop() else {
        return Ok(None);
    };
    let Some(t) = store.get_transcript(id)? else {
        return Ok(None);
    };
    let request = PutTranscriptRequest {
        id: Some(t.id),
        language: t.language,
        text: t.text,
        segments: t
            .segments
            .into_iter()
            .map(|s| TranscriptSegment {
                start_ms: s.start_ms,
                end_ms: s.end_ms,
                text: s.text,
                confidence: s.confidence.map(f64::from),
                speaker: s.speaker,
            })
            .collect(),
        model: t.model,
        audio_seconds: Some(t.audio_seconds),
    };
    Ok(Some(serde_json::to_value(request)?))
}

/// `PUT /api/sessions/{id}/notes` from the clinical notes of the session's latest transcript
/// (the speech crate's document). Quotes are the patient's words: sent only when the
/// transcript is shared.
pub fn notes_request(
    store: &Store,
    session_id: Uuid,
    share_quotes: bool,
) -> Result<Option<serde_json::Value>, StoreError> {
    let Some(transcript) = store.transcripts_for_session(session_id)?.pop() else {
        return Ok(None);
    };
    let Some(row) = store.clinical_notes(transcript)? else {
        return Ok(None);
    };
    let n = &row.notes;
    let quote = |v: &serde_json::Value| {
        v.get("quote")
            .and_then(serde_json::Value::as_str)
            .filter(|_| share_quotes)
            .map(str::to_owned)
    };
    let list = |key: &str| {
        n.get(key)
            .and_then(serde_json::Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let strings = |key: &str| -> Vec<String> {
        list(key)
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect()
    };
    let crisis = n.get("crisis_alert").filter(|v| !v.is_null());
    let request = PutNotesRequest {
        id: Some(row.id),
        transcript_id: Some(transcript),
        pain: list("pain_reports")
            .iter()
            .map(|p| PainScore {
                body_part: p
                    .get("body_part")
                    .and_then(|v| v.as_str())
                    .map(str::to_owned),
                laterality: p
                    .get("laterality")
                    .and_then(|v| v.as_str())
                    .and_then(|t| t.parse().ok()),
                score: p
                    .get("score")
                    .and_then(serde_json::Value::as_f64)
                    .map(|v| v as f32),
                at_ms: None,
                approximate: p.get("approximate").and_then(|v| v.as_bool()) == Some(true),
                denied: p.get("denied").and_then(|v| v.as_bool()) == Some(true),
                quote: quote(p),
            })
            .collect(),
        mood: n
            .get("session_mood")
            .and_then(|v| v.as_str())
            .and_then(|t| t.parse().ok()),
        mood_score: n
            .get("mood_score")
            .and_then(serde_json::Value::as_u64)
            .and_then(|v| u8::try_from(v).ok()),
        action_items: strings("action_items"),
        risk_flags: list("risk_flags")
            .iter()
            .filter_map(|r| {
                Some(RiskFlag {
                    kind: r.get("kind")?.as_str()?.to_owned(),
                    quote: quote(r),
                })
            })
            .collect(),
        crisis: crisis.is_some(),
        crisis_keywords: crisis
            .and_then(|c| c.get("keywords_matched"))
            .and_then(serde_json::Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default(),
        key_topics: strings("key_topics"),
        exercises: list("exercises")
            .iter()
            .filter_map(|e| {
                let count = |k: &str| {
                    e.get(k)
                        .and_then(serde_json::Value::as_u64)
                        .and_then(|v| u32::try_from(v).ok())
                };
                Some(ExerciseMention {
                    exercise: e.get("exercise")?.as_str()?.to_owned(),
                    sets: count("sets"),
                    reps: count("reps"),
                    hold_seconds: count("hold_seconds"),
                    frequency: e
                        .get("frequency")
                        .and_then(|v| v.as_str())
                        .map(str::to_owned),
                    quote: quote(e),
                })
            })
            .collect(),
        extractor: n
            .get("extractor")
            .and_then(|v| v.as_str())
            .map(str::to_owned),
    };
    Ok(Some(serde_json::to_value(request)?))
}

/// `POST /api/programs` for an item prescribed on this device. The API needs sets, sessions
/// per week and a start date: absent ones default to 1 set, 1 a week, from today (UTC).
pub fn program_item_request(item: &physalign_store::ProgramItem) -> CreateProgramItemRequest {
    let count = |v: Option<i64>| v.and_then(|n| u32::try_from(n).ok());
    CreateProgramItemRequest {
        id: Some(item.id),
        patient_id: item.patient_id,
        exercise_id: item.exercise_id.clone(),
        sets: count(item.sets).unwrap_or(1),
        reps: count(item.reps),
        hold_seconds: count(item.hold_seconds),
        target_angle_deg: item.target_angle,
        tolerance_deg: item.tolerance,
        side: item.side.as_deref().and_then(|s| s.parse().ok()),
        sessions_per_week: count(item.per_week).unwrap_or(1),
        start_date: item
            .start_date
            .unwrap_or_else(|| item.created_at.date_naive()),
        end_date: item.end_date,
        instructions: item.instructions.clone(),
    }
}

/// The upload of a goniometer reading from its outbox payload (the stored row without the
/// clinician); an error when the stored reading does not fit the API's reading type.
pub fn goniometer_reading_request(
    payload: &serde_json::Value,
) -> Result<CreateGoniometerReadingRequest, serde_json::Error> {
    serde_json::from_value(payload.clone())
}

/// A signed note pulled from the server, as the store keeps it.
pub fn stored_signed_note(
    note: &SignedNoteRecord,
) -> Result<physalign_store::SoapNoteRow, serde_json::Error> {
    Ok(physalign_store::SoapNoteRow {
        id: note.id,
        session_id: note.session_id,
        transcript_id: note.transcript_id,
        document: note.document.clone(),
        drafted_by: note.drafted_by.clone(),
        created_at: note.drafted_at,
        updated_at: note.signed_at,
        signed: Some(physalign_store::Signature {
            by: note.signed_by.clone(),
            at: note.signed_at,
        }),
        summary: Some(serde_json::to_value(&note.summary)?),
        amendments: note
            .amendments
            .iter()
            .map(|a| physalign_store::SoapNoteAmendment {
                id: a.id,
                note_id: a.note_id,
                author: a.author.clone(),
                text: a.text.clone(),
                created_at: a.created_at,
            })
            .collect(),
    })
}

/// A goniometer reading pulled from the server, as the store keeps it.
pub fn stored_goniometer_reading(
    reading: &GoniometerReadingRecord,
) -> Result<physalign_store::GoniometerRecord, serde_json::Error> {
    Ok(physalign_store::GoniometerRecord {
        id: reading.id,
        patient_id: reading.patient_id,
        session_id: reading.session_id,
        joint: reading.reading.joint.as_str().to_string(),
        reading: serde_json::to_value(&reading.reading)?,
        taken_by: Some(reading.taken_by),
        taken_at: reading.taken_at,
    })
}

/// A program item from the server, as the store keeps it.
pub fn stored_program_item(item: &ProgramItem) -> physalign_store::ProgramItem {
    physalign_store::ProgramItem {
        id: item.id,
        patient_id: item.patient_id,
        exercise_id: item.exercise_id.clone(),
        sets: Some(i64::from(item.sets)),
        reps: item.reps.map(i64::from),
        hold_seconds: item.hold_seconds.map(i64::from),
        target_angle: item.target_angle_deg,
        tolerance: item.tolerance_deg,
        side: item.side.map(|s| s.as_str().to_string()),
        per_week: Some(i64::from(item.sessions_per_week)),
        start_date: Some(item.start_date),
        end_date: item.end_date,
        instructions: item.instructions.clone(),
        status: if item.status.as_str() == "active" {
            physalign_store::ProgramItemStatus::Active
        } else {
            physalign_store::ProgramItemStatus::Ended
        },
        version: i64::from(item.version),
        created_at: item.created_at,
        updated_at: item.updated_at,
    }
}

/// The per-repetition table as the API takes it.
pub fn repetition_rows(detail: &SessionDetail) -> Vec<physalign_api::sessions::RepetitionRow> {
    detail
        .repetitions
        .iter()
        .map(|r| physalign_api::sessions::RepetitionRow {
            index: r.index,
            start_ms: r.start_ms,
            end_ms: r.end_ms,
            min_angle: f64::from(r.min_angle),
            max_angle: f64::from(r.max_angle),
            eccentric_ms: r.eccentric_ms,
            concentric_ms: r.concentric_ms,
            symmetry: r.symmetry.map(f64::from),
            partial: r.partial,
            form_issues: r.form_issues.clone(),
            confidence: r.confidence.map(f64::from),
            side: r.side,
        })
        .collect()
}

/// The timed form issues as the API takes them.
pub fn timed_form_issues(detail: &SessionDetail) -> Vec<physalign_api::sessions::TimedFormIssue> {
    detail
        .form_issues
        .iter()
        .map(|f| physalign_api::sessions::TimedFormIssue {
            timestamp_ms: f.timestamp_ms,
            issue: f.issue.clone(),
        })
        .collect()
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

    fn detail_with(reps: &[bool], target_reps: Option<u32>) -> SessionDetail {
        let t0 = chrono::DateTime::parse_from_rfc3339("2026-12-06T10:00:00Z")
            .expect("time")
            .with_timezone(&chrono::Utc);
        SessionDetail {
            session: SessionRow {
                id: Uuid::nil(),
                patient_id: None,
                exercise_id: "squat".into(),
                source: "test".into(),
                status: physalign_domain::SessionStatus::ReviewPending,
                started_at: t0,
                ended_at: None,
                duration_seconds: None,
                summary_statistics: None,
                pose_data: None,
                report: Some(serde_json::json!({ "target_reps": target_reps })),
                frame_count: 0,
                created_at: t0,
                updated_at: t0,
                version: 1,
            },
            repetitions: reps
                .iter()
                .enumerate()
                .map(|(i, &partial)| physalign_store::RepetitionRecord {
                    index: i as u32,
                    start_ms: i as i64 * 2000,
                    end_ms: i as i64 * 2000 + 1500,
                    // Range of motion in degrees, far above 100: it must not become a value.
                    min_angle: 20.0,
                    max_angle: 170.0,
                    eccentric_ms: 700,
                    concentric_ms: 800,
                    symmetry: None,
                    partial,
                    form_issues: Vec::new(),
                    confidence: None,
                    side: None,
                })
                .collect(),
            form_issues: Vec::new(),
        }
    }

    #[test]
    fn snapshots_are_percent_of_the_prescribed_repetitions_done() {
        let values = |d: &SessionDetail| -> Vec<f64> {
            snapshots_request(d)
                .snapshots
                .iter()
                .map(|s| s.value)
                .collect()
        };
        // Four counted of eight prescribed; the partial one is not a step of progress.
        let detail = detail_with(&[false, true, false, false, false], Some(8));
        assert_eq!(values(&detail), vec![12.5, 25.0, 37.5, 50.0]);
        // More than prescribed stays at 100.
        let detail = detail_with(&[false; 3], Some(2));
        assert_eq!(values(&detail), vec![50.0, 100.0, 100.0]);
        // Nothing prescribed: against the session's own count.
        let detail = detail_with(&[false; 4], None);
        assert_eq!(values(&detail), vec![25.0, 50.0, 75.0, 100.0]);
        assert!(snapshots_request(&detail_with(&[true], None))
            .snapshots
            .is_empty());
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
