//! Exercise sessions: creation, completion with repetitions and form issues, reading.

use crate::outbox::{enqueue, OutboxEntityKind, OutboxOperation};
use crate::records::{
    FormIssueEvent, NewSession, RepetitionRecord, SessionCompletion, SessionDetail, SessionRow,
};
use crate::sql_values::{
    parse_json, parse_opt_time, parse_opt_uuid, parse_time, parse_uuid, time_text, uuid_text,
};
use crate::{Store, StoreError};
use chrono::Utc;
use physalign_domain::{BodySide, FormIssue, SessionStatus, Severity};
use rusqlite::{params, Connection, OptionalExtension, Row};
use uuid::Uuid;

const SESSION_COLUMNS: &str = "s.id, s.patient_id, s.exercise_id, s.source, s.status,
     s.started_at, s.ended_at, s.duration_seconds, s.summary_statistics, s.pose_data, s.report,
     (SELECT count(*) FROM pose_frames AS f WHERE f.session_id = s.id),
     s.created_at, s.updated_at, s.version";

fn session_from_row(row: &Row<'_>) -> Result<SessionRow, StoreError> {
    let status: String = row.get(4)?;
    Ok(SessionRow {
        id: parse_uuid("exercise_sessions.id", &row.get::<_, String>(0)?)?,
        patient_id: parse_opt_uuid("exercise_sessions.patient_id", row.get(1)?)?,
        exercise_id: row.get(2)?,
        source: row.get(3)?,
        status: status
            .parse()
            .map_err(|e| StoreError::corrupt("exercise_sessions.status", e))?,
        started_at: parse_time("exercise_sessions.started_at", &row.get::<_, String>(5)?)?,
        ended_at: parse_opt_time("exercise_sessions.ended_at", row.get(6)?)?,
        duration_seconds: row.get(7)?,
        summary_statistics: parse_json("exercise_sessions.summary_statistics", row.get(8)?)?,
        pose_data: parse_json("exercise_sessions.pose_data", row.get(9)?)?,
        report: parse_json("exercise_sessions.report", row.get(10)?)?,
        frame_count: row.get(11)?,
        created_at: parse_time("exercise_sessions.created_at", &row.get::<_, String>(12)?)?,
        updated_at: parse_time("exercise_sessions.updated_at", &row.get::<_, String>(13)?)?,
        version: row.get(14)?,
    })
}

fn severity_text(severity: Severity) -> &'static str {
    match severity {
        Severity::Low => "LOW",
        Severity::Medium => "MEDIUM",
        Severity::High => "HIGH",
    }
}

fn parse_severity(text: &str) -> Result<Severity, StoreError> {
    match text {
        "LOW" => Ok(Severity::Low),
        "MEDIUM" => Ok(Severity::Medium),
        "HIGH" => Ok(Severity::High),
        other => Err(StoreError::corrupt("form_issue_events.severity", other)),
    }
}

fn issues_from_json(what: &'static str, text: &str) -> Result<Vec<FormIssue>, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::corrupt(what, e))
}

fn read_session(conn: &Connection, id: Uuid) -> Result<Option<SessionRow>, StoreError> {
    let sql = format!("SELECT {SESSION_COLUMNS} FROM exercise_sessions AS s WHERE s.id = ?1");
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query([uuid_text(id)])?;
    rows.next()?.map(session_from_row).transpose()
}

fn read_repetitions(conn: &Connection, id: Uuid) -> Result<Vec<RepetitionRecord>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT rep_index, start_ms, end_ms, min_angle, max_angle, eccentric_ms, concentric_ms,
                symmetry, partial, form_issues, confidence, side
         FROM repetitions WHERE session_id = ?1 ORDER BY rep_index",
    )?;
    let mut rows = stmt.query([uuid_text(id)])?;
    let mut reps = Vec::new();
    while let Some(row) = rows.next()? {
        reps.push(RepetitionRecord {
            index: row.get(0)?,
            start_ms: row.get(1)?,
            end_ms: row.get(2)?,
            min_angle: row.get::<_, f64>(3)? as f32,
            max_angle: row.get::<_, f64>(4)? as f32,
            eccentric_ms: row.get(5)?,
            concentric_ms: row.get(6)?,
            symmetry: row.get::<_, Option<f64>>(7)?.map(|v| v as f32),
            partial: row.get(8)?,
            form_issues: issues_from_json("repetitions.form_issues", &row.get::<_, String>(9)?)?,
            confidence: row.get::<_, Option<f64>>(10)?.map(|v| v as f32),
            side: row
                .get::<_, Option<String>>(11)?
                .map(|text| {
                    text.parse::<BodySide>()
                        .map_err(|e| StoreError::corrupt("repetitions.side", e))
                })
                .transpose()?,
        });
    }
    Ok(reps)
}

fn read_form_issue_events(conn: &Connection, id: Uuid) -> Result<Vec<FormIssueEvent>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT timestamp_ms, issue_type, joint, message, severity
         FROM form_issue_events WHERE session_id = ?1 ORDER BY seq",
    )?;
    let mut rows = stmt.query([uuid_text(id)])?;
    let mut events = Vec::new();
    while let Some(row) = rows.next()? {
        events.push(FormIssueEvent {
            timestamp_ms: row.get(0)?,
            issue: FormIssue {
                kind: row.get(1)?,
                joint: row.get(2)?,
                message: row.get(3)?,
                severity: parse_severity(&row.get::<_, String>(4)?)?,
            },
        });
    }
    Ok(events)
}

fn read_detail(conn: &Connection, id: Uuid) -> Result<Option<SessionDetail>, StoreError> {
    let Some(session) = read_session(conn, id)? else {
        return Ok(None);
    };
    Ok(Some(SessionDetail {
        session,
        repetitions: read_repetitions(conn, id)?,
        form_issues: read_form_issue_events(conn, id)?,
    }))
}

pub(crate) fn insert_repetition(
    conn: &Connection,
    session: &str,
    rep: &RepetitionRecord,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO repetitions (id, session_id, rep_index, start_ms, end_ms, min_angle,
             max_angle, eccentric_ms, concentric_ms, symmetry, partial, form_issues, confidence, side)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?
    .execute(params![
        uuid_text(Uuid::new_v4()),
        session,
        rep.index,
        rep.start_ms,
        rep.end_ms,
        f64::from(rep.min_angle),
        f64::from(rep.max_angle),
        rep.eccentric_ms,
        rep.concentric_ms,
        rep.symmetry.map(f64::from),
        rep.partial,
        serde_json::to_string(&rep.form_issues)?,
        // Out-of-range confidence would fail the column's check and lose the session.
        rep.confidence
            .filter(|c| c.is_finite())
            .map(|c| f64::from(c.clamp(0.0, 1.0))),
        rep.side.map(BodySide::as_str),
    ])?;
    Ok(())
}

pub(crate) fn insert_form_issue_event(
    conn: &Connection,
    session: &str,
    seq: usize,
    event: &FormIssueEvent,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO form_issue_events (id, session_id, seq, timestamp_ms, issue_type, joint,
             message, severity)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        uuid_text(Uuid::new_v4()),
        session,
        i64::try_from(seq).unwrap_or(i64::MAX),
        event.timestamp_ms,
        event.issue.kind,
        event.issue.joint,
        event.issue.message,
        severity_text(event.issue.severity),
    ])?;
    Ok(())
}

impl Store {
    /// Records a new session (status `recording`) and enqueues its `create` upload. The
    /// session is linked to the only active program item of its exercise, when there is
    /// exactly one (see [`Store::create_session_for_item`] to name one).
    pub fn create_session(&self, session: &NewSession) -> Result<Uuid, StoreError> {
        self.create_session_for_item(session, None)
            .map(|(id, _)| id)
    }

    /// [`Store::create_session`] for a named program item (`None`: the only active item of
    /// the exercise, if exactly one exists). Returns the session id and the item it is linked
    /// to. The session records the identity signed in now.
    pub fn create_session_for_item(
        &self,
        session: &NewSession,
        program_item: Option<Uuid>,
    ) -> Result<(Uuid, Option<Uuid>), StoreError> {
        let now = Utc::now();
        let tx = self.write_transaction()?;
        let item = match program_item {
            Some(item) => Some(item),
            None => crate::clinical::auto_link(
                &tx,
                &session.exercise_id,
                session.patient_id,
                session.started_at.date_naive(),
            )?,
        };
        tx.execute(
            "INSERT INTO exercise_sessions (id, patient_id, exercise_id, source, status,
                 started_at, created_at, updated_at, program_item_id, created_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8,
                     (SELECT user_id FROM sync_identity WHERE id = 1))",
            params![
                uuid_text(session.id),
                session.patient_id.map(uuid_text),
                session.exercise_id,
                session.source,
                SessionStatus::Recording.as_str(),
                time_text(session.started_at),
                time_text(now),
                item.map(uuid_text),
            ],
        )?;
        let mut payload = serde_json::to_value(read_session(&tx, session.id)?)?;
        // The row type is shared with the desktop app; the link travels beside it.
        if let (Some(map), Some(item)) = (payload.as_object_mut(), item) {
            map.insert("program_item_id".into(), serde_json::json!(item));
        }
        enqueue(
            &tx,
            OutboxEntityKind::ExerciseSession,
            session.id,
            OutboxOperation::Create,
            &payload,
            now,
        )?;
        tx.commit()?;
        Ok((session.id, item))
    }

    /// Completes a session in one transaction: end time and summaries, repetitions, form-issue
    /// events, and the outbox entry for the summary upload. Any failure leaves none of it.
    pub fn complete_session(
        &self,
        id: Uuid,
        completion: &SessionCompletion,
    ) -> Result<(), StoreError> {
        let now = Utc::now();
        let session = uuid_text(id);
        let tx = self.write_transaction()?;
        let status: Option<String> = tx
            .query_row(
                "SELECT status FROM exercise_sessions WHERE id = ?1",
                [&session],
                |row| row.get(0),
            )
            .optional()?;
        match status.as_deref().map(str::parse::<SessionStatus>) {
            None => return Err(StoreError::SessionNotFound(id)),
            Some(Ok(SessionStatus::Completed)) => {
                return Err(StoreError::SessionAlreadyCompleted(id))
            }
            Some(_) => {}
        }
        tx.execute(
            "UPDATE exercise_sessions
             SET status = ?2, ended_at = ?3, duration_seconds = ?4, summary_statistics = ?5,
                 pose_data = ?6, report = ?7, updated_at = ?8, version = version + 1
             WHERE id = ?1",
            params![
                session,
                SessionStatus::Completed.as_str(),
                time_text(completion.ended_at),
                completion.duration_seconds,
                serde_json::to_string(&completion.summary_statistics)?,
                serde_json::to_string(&completion.pose_data)?,
                serde_json::to_string(&completion.report)?,
                time_text(now),
            ],
        )?;
        for rep in &completion.repetitions {
            insert_repetition(&tx, &session, rep)?;
        }
        for (seq, event) in completion.form_issues.iter().enumerate() {
            insert_form_issue_event(&tx, &session, seq, event)?;
        }
        // The payload is what was just written, read back, so it carries the new version.
        let detail = read_detail(&tx, id)?.ok_or(StoreError::SessionNotFound(id))?;
        enqueue(
            &tx,
            OutboxEntityKind::ExerciseSession,
            id,
            OutboxOperation::Complete,
            &serde_json::to_value(&detail)?,
            now,
        )?;
        crate::transcripts::queue_session_speech(&tx, id, now)?;
        tx.commit()?;
        Ok(())
    }

    /// A session with its repetitions and form issues, if it exists.
    pub fn get_session(&self, id: Uuid) -> Result<Option<SessionDetail>, StoreError> {
        read_detail(&self.conn, id)
    }

    /// Sessions, most recently started first.
    pub fn list_sessions(
        &self,
        limit: usize,
        offset: usize,
    ) -> Result<Vec<SessionRow>, StoreError> {
        let sql = format!(
            "SELECT {SESSION_COLUMNS} FROM exercise_sessions AS s
             ORDER BY s.started_at DESC, s.id LIMIT ?1 OFFSET ?2"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(params![
            i64::try_from(limit).unwrap_or(i64::MAX),
            i64::try_from(offset).unwrap_or(i64::MAX)
        ])?;
        let mut sessions = Vec::new();
        while let Some(row) = rows.next()? {
            sessions.push(session_from_row(row)?);
        }
        Ok(sessions)
    }
}
