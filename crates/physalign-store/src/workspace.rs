//! What the clinician's workspace reads in bulk: sessions of the roster without a review, the
//! range of motion of each patient's recent sessions, and program items with their latest linked
//! session. Plain facts, one query each, so that a roster of hundreds of patients opens fast; the
//! rules that turn them into a review queue and alerts live in `physalign-workspace`.

use crate::clinical::{item_from_row, ITEM_COLUMNS};
use crate::sql_values::{parse_opt_time, parse_text, parse_time, parse_uuid, time_text, uuid_text};
use crate::{week_start, ProgramItem, RecordOrigin, SessionStatus, Store, StoreError};
use chrono::{DateTime, Duration, Utc};
use physalign_domain::BodySide;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use uuid::Uuid;

/// A session of a patient on the roster that has no review on this device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnreviewedSession {
    /// Session id.
    pub session_id: Uuid,
    /// The patient (always on the roster).
    pub patient_id: Uuid,
    /// Exercise catalogue id.
    pub exercise_id: String,
    /// Lifecycle status.
    pub status: SessionStatus,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When it ended (none while recording).
    pub ended_at: Option<DateTime<Utc>>,
    /// Recorded here or pulled.
    pub origin: RecordOrigin,
    /// The program item it was recorded for.
    pub program_item_id: Option<Uuid>,
}

/// The range of motion one session measured on one side, over all its repetitions (partial ones
/// included: a shrinking range makes repetitions partial, leaving them out would hide it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionRomSample {
    /// Session id.
    pub session_id: Uuid,
    /// The patient.
    pub patient_id: Uuid,
    /// Exercise catalogue id.
    pub exercise_id: String,
    /// When the session started.
    pub started_at: DateTime<Utc>,
    /// The side that did the repetitions (none when the engine did not say).
    pub side: Option<BodySide>,
    /// Repetitions measured.
    pub repetitions: i64,
    /// Mean range of motion (max − min angle) in degrees.
    pub mean_rom: f64,
    /// Standard deviation of the repetitions' range of motion in degrees (0 for one).
    pub rom_sd: f64,
}

/// A program item with its latest linked session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProgramItemActivity {
    /// The item.
    pub item: ProgramItem,
    /// The latest ended session linked to it (the sessions adherence counts).
    pub last_session_id: Option<Uuid>,
    /// Its start.
    pub last_session_at: Option<DateTime<Utc>>,
}

impl Store {
    /// Ended sessions linked to each program item (of one patient, or all) started in the ISO
    /// week holding `now`: [`Store::adherence`]'s `done_this_week` for every item at once (items
    /// with none are absent).
    pub fn done_this_week_by_item(
        &self,
        patient: Option<Uuid>,
        now: DateTime<Utc>,
    ) -> Result<HashMap<Uuid, i64>, StoreError> {
        let week = week_start(now);
        let next_week = week + Duration::days(7);
        let mut stmt = self.conn.prepare_cached(
            "SELECT s.program_item_id, count(*) FROM exercise_sessions AS s
             JOIN program_items AS i ON i.id = s.program_item_id
             WHERE s.ended_at IS NOT NULL AND s.started_at >= ?2 AND s.started_at < ?3
               AND (?1 IS NULL OR i.patient_id = ?1)
             GROUP BY s.program_item_id",
        )?;
        let mut rows = stmt.query(rusqlite::params![
            patient.map(uuid_text),
            time_text(week),
            time_text(next_week)
        ])?;
        let mut out = HashMap::new();
        while let Some(row) = rows.next()? {
            out.insert(
                parse_uuid(
                    "exercise_sessions.program_item_id",
                    &row.get::<_, String>(0)?,
                )?,
                row.get(1)?,
            );
        }
        Ok(out)
    }

    /// Sessions of the roster's patients (pulled, or recorded here for one of them) without a
    /// review, oldest first.
    ///
    /// The sessions are read in file order (`NOT INDEXED`) and the few without a review sorted
    /// afterwards: walking the start-time index instead looks every session up at random,
    /// several times slower on an encrypted file of thousands of sessions.
    pub fn roster_sessions_without_review(&self) -> Result<Vec<UnreviewedSession>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT s.id, s.patient_id, s.exercise_id, s.status, s.started_at, s.ended_at,
                    s.origin, s.program_item_id
             FROM exercise_sessions AS s NOT INDEXED
             JOIN care_patients AS p ON p.patient_id = s.patient_id
             WHERE NOT EXISTS (SELECT 1 FROM session_reviews AS r WHERE r.session_id = s.id)
             ORDER BY s.started_at, s.id",
        )?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            out.push(UnreviewedSession {
                session_id: parse_uuid("exercise_sessions.id", &row.get::<_, String>(0)?)?,
                patient_id: parse_uuid("exercise_sessions.patient_id", &row.get::<_, String>(1)?)?,
                exercise_id: row.get(2)?,
                status: parse_text("exercise_sessions.status", &row.get::<_, String>(3)?)?,
                started_at: parse_time("exercise_sessions.started_at", &row.get::<_, String>(4)?)?,
                ended_at: parse_opt_time("exercise_sessions.ended_at", row.get(5)?)?,
                origin: parse_text("exercise_sessions.origin", &row.get::<_, String>(6)?)?,
                program_item_id: crate::sql_values::parse_opt_uuid(
                    "exercise_sessions.program_item_id",
                    row.get(7)?,
                )?,
            });
        }
        Ok(out)
    }

    /// Range of motion per session and side over the latest `per_exercise` sessions of each
    /// roster patient and exercise (of one patient, or all; a session without repetitions
    /// measures nothing and gives no row), grouped by patient, exercise and side, oldest first
    /// within a group.
    pub fn recent_rom_samples(
        &self,
        patient: Option<Uuid>,
        per_exercise: usize,
    ) -> Result<Vec<SessionRomSample>, StoreError> {
        let limit = i64::try_from(per_exercise).unwrap_or(i64::MAX);
        // Each session's repetitions are summed per side in `session_rom` (kept by triggers,
        // migration 0900): one row per session and side instead of every repetition. CROSS
        // JOIN keeps the few recent sessions outside.
        let mut stmt = self.conn.prepare_cached(
            "WITH recent AS (
                 SELECT s.id, s.patient_id, s.exercise_id, s.started_at,
                        row_number() OVER (PARTITION BY s.patient_id, s.exercise_id
                                           ORDER BY s.started_at DESC, s.id DESC) AS rn
                 FROM exercise_sessions AS s
                 JOIN care_patients AS p ON p.patient_id = s.patient_id
                 WHERE ?1 IS NULL OR s.patient_id = ?1)
             SELECT c.id, c.patient_id, c.exercise_id, c.started_at, nullif(r.side, ''),
                    r.repetitions, r.rom_sum / r.repetitions, r.rom_sum_sq / r.repetitions
             FROM recent AS c CROSS JOIN session_rom AS r ON r.session_id = c.id
             WHERE c.rn <= ?2 AND r.repetitions > 0
             ORDER BY c.patient_id, c.exercise_id, r.side, c.started_at, c.id",
        )?;
        let mut rows = stmt.query(rusqlite::params![patient.map(uuid_text), limit])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let side: Option<String> = row.get(4)?;
            let n: i64 = row.get(5)?;
            let mean: f64 = row.get(6)?;
            let mean_sq: f64 = row.get(7)?;
            // Sample standard deviation from the two moments; rounding can make it a hair < 0.
            let sd = if n > 1 {
                ((mean_sq - mean * mean).max(0.0) * n as f64 / (n - 1) as f64).sqrt()
            } else {
                0.0
            };
            out.push(SessionRomSample {
                session_id: parse_uuid("exercise_sessions.id", &row.get::<_, String>(0)?)?,
                patient_id: parse_uuid("exercise_sessions.patient_id", &row.get::<_, String>(1)?)?,
                exercise_id: row.get(2)?,
                started_at: parse_time("exercise_sessions.started_at", &row.get::<_, String>(3)?)?,
                side: side
                    .map(|t| parse_text("repetitions.side", &t))
                    .transpose()?,
                repetitions: n,
                mean_rom: mean,
                rom_sd: sd,
            });
        }
        Ok(out)
    }

    /// Program items (of one patient, or all) with the start of their latest ended linked
    /// session, active first, then by exercise.
    pub fn program_item_activity(
        &self,
        patient: Option<Uuid>,
    ) -> Result<Vec<ProgramItemActivity>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {ITEM_COLUMNS},
                    (SELECT s.id FROM exercise_sessions AS s
                      WHERE s.program_item_id = program_items.id AND s.ended_at IS NOT NULL
                      ORDER BY s.started_at DESC, s.id DESC LIMIT 1),
                    (SELECT max(s.started_at) FROM exercise_sessions AS s
                      WHERE s.program_item_id = program_items.id AND s.ended_at IS NOT NULL)
             FROM program_items WHERE ?1 IS NULL OR patient_id = ?1
             ORDER BY status, exercise_id, created_at, id"
        ))?;
        let mut rows = stmt.query([patient.map(uuid_text)])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            out.push(ProgramItemActivity {
                item: item_from_row(row)?,
                last_session_id: crate::sql_values::parse_opt_uuid(
                    "exercise_sessions.id",
                    row.get(17)?,
                )?,
                last_session_at: parse_opt_time("exercise_sessions.started_at", row.get(18)?)?,
            });
        }
        Ok(out)
    }
}
