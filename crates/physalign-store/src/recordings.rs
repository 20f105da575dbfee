//! Bookkeeping of live recordings, so that a session interrupted by a crash can be analysed and
//! completed from its stored frames on the next start.
//!
//! The schema is `migrations/sqlite/0200_recordings.sql`, applied by [`Store::open`].

use crate::sql_values::{parse_uuid, time_text, uuid_text};
use crate::{Store, StoreError};
use chrono::Utc;
use rusqlite::{params, OptionalExtension};
use uuid::Uuid;

/// A recording's frame geometry and state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RecordingInfo {
    /// The session recorded.
    pub session_id: Uuid,
    /// Width of the frames the landmarks are normalised to.
    pub frame_width: u32,
    /// Height of the frames the landmarks are normalised to.
    pub frame_height: u32,
    /// Nominal frame rate of the source, when known.
    pub source_fps: Option<f64>,
    /// Whether the recording engine completed the session.
    pub finished: bool,
}

impl Store {
    /// Notes that `info.session_id` is being recorded (or replaces what was noted).
    pub fn begin_recording(&self, info: &RecordingInfo) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO recordings (session_id, frame_width, frame_height, source_fps, finished,
                 updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (session_id) DO UPDATE SET frame_width = excluded.frame_width,
                 frame_height = excluded.frame_height, source_fps = excluded.source_fps,
                 finished = excluded.finished, updated_at = excluded.updated_at",
            params![
                uuid_text(info.session_id),
                info.frame_width,
                info.frame_height,
                info.source_fps,
                info.finished,
                time_text(Utc::now()),
            ],
        )?;
        Ok(())
    }

    /// Marks a recording as completed.
    pub fn finish_recording(&self, session_id: Uuid) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE recordings SET finished = 1, updated_at = ?2 WHERE session_id = ?1",
            params![uuid_text(session_id), time_text(Utc::now())],
        )?;
        Ok(())
    }

    /// The recording of a session, if the recording engine made it.
    pub fn recording(&self, session_id: Uuid) -> Result<Option<RecordingInfo>, StoreError> {
        self.conn
            .query_row(
                "SELECT session_id, frame_width, frame_height, source_fps, finished
                 FROM recordings WHERE session_id = ?1",
                [uuid_text(session_id)],
                |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, u32>(1)?,
                        row.get::<_, u32>(2)?,
                        row.get::<_, Option<f64>>(3)?,
                        row.get::<_, bool>(4)?,
                    ))
                },
            )
            .optional()?
            .map(|(id, frame_width, frame_height, source_fps, finished)| {
                Ok(RecordingInfo {
                    session_id: parse_uuid("recordings.session_id", &id)?,
                    frame_width,
                    frame_height,
                    source_fps,
                    finished,
                })
            })
            .transpose()
    }

    /// Recordings that never finished (the app or the machine stopped mid-way), oldest first.
    pub fn unfinished_recordings(&self) -> Result<Vec<RecordingInfo>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT r.session_id FROM recordings AS r
             JOIN exercise_sessions AS s ON s.id = r.session_id
             WHERE r.finished = 0 ORDER BY s.started_at",
        )?;
        let ids: Vec<String> = stmt
            .query_map([], |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(info) = self.recording(parse_uuid("recordings.session_id", &id)?)? {
                out.push(info);
            }
        }
        Ok(out)
    }
}
