//! Pose-frame rows: encoding for insert, validation, and reading back.

use crate::landmark_codec::{encode_landmarks, landmarks_from_sql, LandmarkEncoding};
use crate::records::FrameRecord;
use crate::sql_values::uuid_text;
use crate::{Store, StoreError};
use rusqlite::types::Value;
use rusqlite::{params, Connection, Row};
use uuid::Uuid;

/// Checks what SQLite or JSON could not store faithfully, so that a bad frame is refused at
/// `push` instead of stopping the writer later.
pub(crate) fn validate_frame(frame: &FrameRecord) -> Result<(), StoreError> {
    if !(0.0..=1.0).contains(&frame.quality_score) {
        return Err(StoreError::Invalid {
            what: "frame quality_score",
            detail: format!(
                "frame {}: {} is not within 0..1",
                frame.frame_number, frame.quality_score
            ),
        });
    }
    if let Some((name, value)) = frame.angles.iter().find(|(_, v)| !v.is_finite()) {
        return Err(StoreError::Invalid {
            what: "frame angle",
            detail: format!("frame {}: {name} = {value}", frame.frame_number),
        });
    }
    for list in [&frame.landmarks, &frame.world_landmarks] {
        if list.len() > usize::from(u8::MAX) {
            return Err(StoreError::Invalid {
                what: "landmark list",
                detail: format!("frame {}: {} landmarks", frame.frame_number, list.len()),
            });
        }
    }
    Ok(())
}

/// A frame encoded for its row; `bytes` counts the encoded payload.
pub(crate) struct EncodedFrame {
    landmarks: Value,
    world_landmarks: Value,
    angles: String,
    form_issues: String,
    pub(crate) bytes: usize,
}

fn encode_list(
    list: &[physalign_domain::Landmark],
    encoding: LandmarkEncoding,
) -> Result<Value, StoreError> {
    Ok(match encoding {
        LandmarkEncoding::Blob => Value::Blob(encode_landmarks(list)?),
        LandmarkEncoding::Json => Value::Text(serde_json::to_string(list)?),
    })
}

fn value_len(value: &Value) -> usize {
    match value {
        Value::Blob(b) => b.len(),
        Value::Text(t) => t.len(),
        _ => 0,
    }
}

pub(crate) fn encode_frame(
    frame: &FrameRecord,
    encoding: LandmarkEncoding,
) -> Result<EncodedFrame, StoreError> {
    let landmarks = encode_list(&frame.landmarks, encoding)?;
    let world_landmarks = encode_list(&frame.world_landmarks, encoding)?;
    let angles = serde_json::to_string(&frame.angles)?;
    let form_issues = serde_json::to_string(&frame.form_issues)?;
    let bytes =
        value_len(&landmarks) + value_len(&world_landmarks) + angles.len() + form_issues.len();
    Ok(EncodedFrame {
        landmarks,
        world_landmarks,
        angles,
        form_issues,
        bytes,
    })
}

pub(crate) fn insert_frame(
    conn: &Connection,
    session: &str,
    frame: &FrameRecord,
    encoded: EncodedFrame,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO pose_frames (id, session_id, frame_number, timestamp_ms, landmarks,
             world_landmarks, calculated_angles, quality_score, form_issues)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        // Time-ordered ids keep the primary-key index append-only.
        uuid_text(Uuid::now_v7()),
        session,
        frame.frame_number,
        frame.timestamp_ms,
        encoded.landmarks,
        encoded.world_landmarks,
        encoded.angles,
        f64::from(frame.quality_score),
        encoded.form_issues,
    ])?;
    Ok(())
}

fn frame_from_row(row: &Row<'_>) -> Result<FrameRecord, StoreError> {
    Ok(FrameRecord {
        frame_number: row.get(0)?,
        timestamp_ms: row.get(1)?,
        landmarks: landmarks_from_sql(row.get_ref(2)?)?,
        world_landmarks: landmarks_from_sql(row.get_ref(3)?)?,
        angles: serde_json::from_str(&row.get::<_, String>(4)?)
            .map_err(|e| StoreError::corrupt("pose_frames.calculated_angles", e))?,
        quality_score: row.get::<_, f64>(5)? as f32,
        form_issues: serde_json::from_str(&row.get::<_, String>(6)?)
            .map_err(|e| StoreError::corrupt("pose_frames.form_issues", e))?,
    })
}

impl Store {
    /// Every stored frame of a session, by frame number.
    pub fn frames(&self, session_id: Uuid) -> Result<Vec<FrameRecord>, StoreError> {
        let mut frames = Vec::new();
        self.for_each_frame(session_id, |frame| {
            frames.push(frame);
            Ok(())
        })?;
        Ok(frames)
    }

    /// Streams a session's frames by frame number without holding them all in memory;
    /// stops at the first error `visit` returns.
    pub fn for_each_frame(
        &self,
        session_id: Uuid,
        mut visit: impl FnMut(FrameRecord) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT frame_number, timestamp_ms, landmarks, world_landmarks, calculated_angles,
                    quality_score, form_issues
             FROM pose_frames WHERE session_id = ?1 ORDER BY frame_number",
        )?;
        let mut rows = stmt.query([uuid_text(session_id)])?;
        while let Some(row) = rows.next()? {
            visit(frame_from_row(row)?)?;
        }
        Ok(())
    }

    /// Number of stored frames of a session.
    pub fn frame_count(&self, session_id: Uuid) -> Result<i64, StoreError> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM pose_frames WHERE session_id = ?1",
            [uuid_text(session_id)],
            |row| row.get(0),
        )?)
    }
}
