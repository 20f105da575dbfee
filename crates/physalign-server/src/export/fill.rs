//! The reports' plain data filled from PostgreSQL: a patient's progress over a period and one
//! session's note, as `physalign_pdf`'s model, worded by `physalign_pdf::compose` like the
//! device's reports (`physalign_workspace::reports`), so the clinic's record prints the same
//! document wherever it is written. Every number is a stored measurement or computed from them.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use physalign_analysis::Catalogue;
use physalign_api::sessions::{RepetitionRow, TimedFormIssue};
use physalign_domain::review_words::{grade_words, plan_line};
use physalign_outcomes::{DatedScore, Instrument, Trend};
use physalign_pdf::compose::{
    self, dose_words, mood_words, pain_remarks, risk_flags, side_figures, strings_of, target_band,
    RepetitionAngles,
};
use physalign_pdf::{
    AdherenceSummary, NoteRepetition, PatientIdentity, ProgramLine, ProgressReport, Provenance,
    ReviewLine, RomPoint, RomSeries, SessionNote,
};
use sqlx::PgPool;
use uuid::Uuid;

use super::ExportError;

/// Points of the angle curve printed in a session note (as the device's comparison draws).
const NOTE_CURVE_POINTS: usize = 400;

/// Where the report's data came from, printed in its footer.
const SOURCE: &str = "the clinic server's record (export)";

/// The exercise catalogue, for names and the direction of work (built in: no file is read).
fn catalogue() -> &'static Catalogue {
    static CATALOGUE: std::sync::OnceLock<Catalogue> = std::sync::OnceLock::new();
    CATALOGUE.get_or_init(|| Catalogue::builtin().unwrap_or_default())
}

fn exercise_name(id: &str) -> String {
    catalogue()
        .get(id)
        .map(|e| e.name.clone())
        .unwrap_or_else(|_| id.replace('_', " "))
}

/// The angle an exercise follows and whether the work closes it (a squat's knee).
fn exercise_angle(id: &str) -> Option<(String, bool)> {
    let signal = catalogue().get(id).ok()?.signals.first()?.clone();
    Some((signal.metric, signal.work < signal.rest))
}

#[derive(sqlx::FromRow)]
struct PatientRow {
    id: Uuid,
    name: String,
    date_of_birth: Option<NaiveDate>,
    email: Option<String>,
    conditions: Vec<String>,
}

async fn patient(
    pool: &PgPool,
    patient_id: Uuid,
) -> Result<(PatientIdentity, Vec<String>), ExportError> {
    let row: PatientRow = sqlx::query_as(
        "SELECT p.id,
                TRIM(COALESCE(u.first_name, p.registered_first_name, '') || ' '
                     || COALESCE(u.last_name, p.registered_last_name, '')) AS name,
                p.date_of_birth, COALESCE(u.email, p.registered_email) AS email,
                ARRAY(SELECT DISTINCT c FROM unnest(p.medical_conditions
                      || COALESCE(h.medical_conditions, '{}')) c WHERE TRIM(c) <> '' ORDER BY c)
                    AS conditions
         FROM patients p LEFT JOIN users u ON u.id = p.user_id
         LEFT JOIN medical_histories h ON h.patient_id = p.id
         WHERE p.id = $1",
    )
    .bind(patient_id)
    .fetch_optional(pool)
    .await?
    .ok_or(ExportError::PatientGone)?;
    let name = if row.name.is_empty() {
        format!("Patient {}", row.id)
    } else {
        row.name
    };
    Ok((
        PatientIdentity {
            name,
            patient_id: Some(row.id),
            date_of_birth: row.date_of_birth,
            email: row.email,
        },
        row.conditions,
    ))
}

async fn provenance(pool: &PgPool, requested_by: Uuid) -> Result<Provenance, ExportError> {
    let email: Option<String> = sqlx::query_scalar("SELECT email FROM users WHERE id = $1")
        .bind(requested_by)
        .fetch_optional(pool)
        .await?;
    Ok(Provenance {
        generated_at: Utc::now(),
        prepared_by: email,
        source: SOURCE.into(),
    })
}

#[derive(sqlx::FromRow, Clone)]
struct ItemRow {
    id: Uuid,
    exercise_id: String,
    sets: i32,
    reps: Option<i32>,
    hold_seconds: Option<i32>,
    target_angle_deg: Option<f64>,
    tolerance_deg: Option<f64>,
    side: Option<String>,
    sessions_per_week: i32,
    start_date: NaiveDate,
    end_date: Option<NaiveDate>,
    instructions: Option<String>,
    status: String,
    updated_at: DateTime<Utc>,
}

const ITEM_SELECT: &str = "SELECT id, exercise_id, sets, reps, hold_seconds, target_angle_deg,
    tolerance_deg, side, sessions_per_week, start_date, end_date, instructions, status, updated_at
    FROM program_items";

impl ItemRow {
    fn active(&self) -> bool {
        self.status == "active"
    }

    fn dose(&self) -> String {
        dose_words(
            Some(i64::from(self.sets)),
            self.reps.map(i64::from),
            self.hold_seconds.map(i64::from),
        )
    }

    fn band(&self) -> Option<(f64, f64, f64)> {
        target_band(self.target_angle_deg, self.tolerance_deg)
    }
}

/// The band of the item prescribing `exercise_id`: the active one first, else the latest.
fn band_for(items: &[ItemRow], exercise_id: &str) -> Option<(f64, f64, f64)> {
    items
        .iter()
        .filter(|i| i.exercise_id == exercise_id && i.target_angle_deg.is_some())
        .max_by_key(|i| (i.active(), i.updated_at))?
        .band()
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    id: Uuid,
    exercise: String,
    started_at: DateTime<Utc>,
    program_item_id: Option<Uuid>,
    repetitions: Option<serde_json::Value>,
    notes: Option<serde_json::Value>,
    max_pain: Option<f32>,
}

#[derive(sqlx::FromRow)]
struct ReviewRow {
    session_id: Uuid,
    reviewed_at: DateTime<Utc>,
    overall_assessment: String,
    notes: Option<String>,
    recommendations: Option<serde_json::Value>,
}

impl ReviewRow {
    fn line(&self, session_at: Option<DateTime<Utc>>, exercise: Option<String>) -> ReviewLine {
        ReviewLine {
            reviewed_at: self.reviewed_at,
            session_at,
            exercise,
            grade: grade_words(&self.overall_assessment),
            notes: self.notes.clone().filter(|n| !n.trim().is_empty()),
            plan: self.recommendations.as_ref().and_then(plan_line),
        }
    }
}

const REVIEW_SELECT: &str = "SELECT session_id, reviewed_at, overall_assessment, notes,
    recommendations FROM session_reviews";

fn repetitions(value: Option<&serde_json::Value>) -> Vec<RepetitionRow> {
    value
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default()
}

fn side_name(rep: &RepetitionRow) -> Option<String> {
    rep.side
        .and_then(|s| serde_json::to_value(s).ok())
        .and_then(|v| v.as_str().map(str::to_string))
}

/// The progress report of `patient_id` from `from` to `to` (the practice's calendar in `zone`),
/// asked for by `requested_by`.
pub async fn progress_report(
    pool: &PgPool,
    requested_by: Uuid,
    patient_id: Uuid,
    zone: Tz,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<ProgressReport, ExportError> {
    let (identity, conditions) = patient(pool, patient_id).await?;
    let today = Utc::now().with_timezone(&zone).date_naive();
    let sessions: Vec<SessionRow> = sqlx::query_as(
        "SELECT s.id, et.name AS exercise, COALESCE(s.start_time, s.created_at) AS started_at,
                s.program_item_id, s.repetitions, n.notes, n.max_pain
         FROM exercise_sessions s JOIN exercise_types et ON et.id = s.exercise_type_id
         LEFT JOIN session_notes n ON n.session_id = s.id
         WHERE s.patient_id = $1 AND s.status NOT IN ('pending', 'recording')
           AND (COALESCE(s.start_time, s.created_at) AT TIME ZONE $2)::date BETWEEN $3 AND $4
         ORDER BY started_at, s.id",
    )
    .bind(patient_id)
    .bind(zone.name())
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await?;
    let items: Vec<ItemRow> = sqlx::query_as(&format!(
        "{ITEM_SELECT} WHERE patient_id = $1 AND start_date <= $3
           AND (end_date IS NULL OR end_date >= $2)
           AND (status = 'active' OR (updated_at AT TIME ZONE $4)::date >= $2)
         ORDER BY start_date, created_at, id"
    ))
    .bind(patient_id)
    .bind(from)
    .bind(to)
    .bind(zone.name())
    .fetch_all(pool)
    .await?;
    let session_ids: Vec<Uuid> = sessions.iter().map(|s| s.id).collect();
    let reviews: Vec<ReviewRow> = sqlx::query_as(&format!(
        "{REVIEW_SELECT} WHERE session_id = ANY($1) ORDER BY reviewed_at, id"
    ))
    .bind(&session_ids)
    .fetch_all(pool)
    .await?;
    let goals: Vec<(String, String, i16, Option<NaiveDate>)> = sqlx::query_as(
        "SELECT goal, status, progress, target_date FROM therapy_goals
         WHERE patient_id = $1
           AND (status <> 'completed' OR (updated_at AT TIME ZONE $2)::date >= $3)
         ORDER BY created_at, id",
    )
    .bind(patient_id)
    .bind(zone.name())
    .bind(from)
    .fetch_all(pool)
    .await?;

    let days: std::collections::BTreeSet<NaiveDate> = sessions
        .iter()
        .map(|s| s.started_at.with_timezone(&zone).date_naive())
        .collect();
    let reviewed: std::collections::BTreeSet<Uuid> = reviews.iter().map(|r| r.session_id).collect();
    let adherence = AdherenceSummary {
        sessions: sessions.len() as i64,
        days_with_data: days.len() as i64,
        period_days: (to - from).num_days() + 1,
        reviewed: reviewed.len() as i64,
    };

    let program: Vec<ProgramLine> = items
        .iter()
        .map(|item| {
            let done = sessions
                .iter()
                .filter(|s| {
                    s.program_item_id == Some(item.id)
                        || (s.program_item_id.is_none() && s.exercise == item.exercise_id)
                })
                .count() as i64;
            let start = item.start_date.max(from);
            let end = item.end_date.unwrap_or(to).min(to).min(today);
            ProgramLine {
                exercise: exercise_name(&item.exercise_id),
                dose: item.dose(),
                target: item.band().map(compose::band_words),
                per_week: Some(i64::from(item.sessions_per_week)),
                sessions_done: done,
                sessions_expected: Some(compose::expected_sessions(
                    i64::from(item.sessions_per_week),
                    (end - start).num_days() + 1,
                )),
                active: item.active(),
                instructions: item.instructions.clone().filter(|t| !t.trim().is_empty()),
            }
        })
        .collect();

    let mut goal_lines: Vec<String> = goals
        .iter()
        .map(|(goal, status, progress, target_date)| {
            format!(
                "{goal} ({status}, {progress}%{})",
                target_date.map(|d| format!(", by {d}")).unwrap_or_default()
            )
        })
        .collect();
    goal_lines.extend(items.iter().filter(|i| i.active()).filter_map(|item| {
        let band = item.band()?;
        let joint = exercise_angle(&item.exercise_id)
            .map(|(joint, _)| joint.replace('_', " "))
            .unwrap_or_else(|| "joint".into());
        let side = item
            .side
            .as_deref()
            .map(|s| format!(", {s} side"))
            .unwrap_or_default();
        Some(format!(
            "{}: {joint} angle of {} at the working position{side}, {} per session{}.",
            exercise_name(&item.exercise_id),
            compose::band_words(band),
            item.dose(),
            item.end_date
                .map(|d| format!(", by {d}"))
                .unwrap_or_default()
        ))
    }));

    let mut series: BTreeMap<(String, Option<String>), RomSeries> = BTreeMap::new();
    for session in &sessions {
        let reps = repetitions(session.repetitions.as_ref());
        if reps.is_empty() {
            continue;
        }
        let angle = exercise_angle(&session.exercise);
        let angles: Vec<RepetitionAngles> = reps
            .iter()
            .map(|r| RepetitionAngles {
                side: side_name(r),
                min_deg: r.min_angle,
                max_deg: r.max_angle,
                partial: r.partial,
            })
            .collect();
        for figures in side_figures(&angles, angle.as_ref().map(|(_, closing)| *closing)) {
            let entry = series
                .entry((session.exercise.clone(), figures.side.clone()))
                .or_insert_with(|| RomSeries {
                    exercise: exercise_name(&session.exercise),
                    joint: angle.as_ref().map(|(a, _)| a.clone()),
                    side: figures.side.clone(),
                    target: band_for(&items, &session.exercise),
                    points: Vec::new(),
                });
            let in_band = entry
                .target
                .zip(figures.reached_deg)
                .map(|((_, low, high), r)| r >= low && r <= high);
            entry.points.push(RomPoint {
                session_id: session.id,
                started_at: session.started_at,
                reached_deg: figures.reached_deg,
                rom_deg: figures.rom_deg,
                reps: figures.full,
                in_band,
            });
        }
    }

    let mut pain = Vec::new();
    let mut remarks = Vec::new();
    let mut action_items: Vec<String> = Vec::new();
    let mut flags = Vec::new();
    for session in &sessions {
        if let Some(score) = session.max_pain {
            pain.push((session.started_at, f64::from(score)));
        }
        if let Some(notes) = &session.notes {
            remarks.extend(pain_remarks(notes, session.started_at));
            for item in strings_of(notes, "action_items") {
                if !action_items.contains(&item) {
                    action_items.push(item);
                }
            }
            flags.extend(risk_flags(notes));
        }
    }
    let by_id: BTreeMap<Uuid, &SessionRow> = sessions.iter().map(|s| (s.id, s)).collect();
    let review_lines: Vec<ReviewLine> = reviews
        .iter()
        .map(|r| {
            let session = by_id.get(&r.session_id);
            r.line(
                session.map(|s| s.started_at),
                session.map(|s| exercise_name(&s.exercise)),
            )
        })
        .collect();
    let plan = compose::plan_lines(&review_lines, &program);

    Ok(ProgressReport {
        patient: identity,
        from,
        to,
        provenance: provenance(pool, requested_by).await?,
        conditions,
        goals: goal_lines,
        program,
        adherence,
        rom: series.into_values().collect(),
        // The questionnaires the server received and scored itself (issue 19).
        outcomes: outcome_trends(pool, patient_id, zone, from, to).await?,
        pain,
        pain_remarks: remarks,
        reviews: review_lines,
        action_items,
        risk_flags: flags,
        plan,
    })
}

/// The questionnaires completed in the period (days in the practice's `zone`), one trend per
/// instrument in the instruments' order, from the scores the server computed when it received
/// them (issue 19).
async fn outcome_trends(
    pool: &PgPool,
    patient_id: Uuid,
    zone: Tz,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Trend>, ExportError> {
    let rows: Vec<(String, NaiveDate, f64)> = sqlx::query_as(
        "SELECT instrument, (completed_at AT TIME ZONE $2)::date AS day, score
         FROM outcome_responses
         WHERE patient_id = $1 AND (completed_at AT TIME ZONE $2)::date BETWEEN $3 AND $4
         ORDER BY completed_at, id",
    )
    .bind(patient_id)
    .bind(zone.name())
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await?;
    let mut by_instrument: BTreeMap<String, Vec<DatedScore>> = BTreeMap::new();
    for (instrument, date, value) in rows {
        by_instrument
            .entry(instrument)
            .or_default()
            .push(DatedScore { date, value });
    }
    let mut trends = Vec::new();
    for &instrument in Instrument::ALL {
        if let Some(scores) = by_instrument.get(instrument.as_str()) {
            // Oldest first, so a day's later questionnaire counts as the later one.
            trends.push(Trend::from_scores(instrument, scores)?);
        }
    }
    Ok(trends)
}

#[derive(sqlx::FromRow)]
struct NoteSessionRow {
    patient_id: Uuid,
    exercise: String,
    started_at: DateTime<Utc>,
    duration_seconds: Option<i32>,
    status: String,
    recorded_in_clinic: bool,
    program_item_id: Option<Uuid>,
    repetitions: Option<serde_json::Value>,
    timed_form_issues: Option<serde_json::Value>,
    primary_angle: Option<String>,
    notes: Option<serde_json::Value>,
    transcript: Option<String>,
}

/// A frame's `name` angle; a bilateral name such as `knee` is the mean of the measured sides.
fn named_angle(angles: &serde_json::Value, name: &str) -> Option<f64> {
    if let Some(v) = angles.get(name).and_then(serde_json::Value::as_f64) {
        return Some(v);
    }
    let sides: Vec<f64> = ["left", "right"]
        .iter()
        .filter_map(|side| angles.get(format!("{name}_{side}"))?.as_f64())
        .collect();
    (!sides.is_empty()).then(|| sides.iter().sum::<f64>() / sides.len() as f64)
}

/// The note of session `session_id`, asked for by `requested_by`.
pub async fn session_note(
    pool: &PgPool,
    requested_by: Uuid,
    session_id: Uuid,
) -> Result<SessionNote, ExportError> {
    let row: NoteSessionRow = sqlx::query_as(
        "SELECT s.patient_id, et.name AS exercise,
                COALESCE(s.start_time, s.created_at) AS started_at, s.duration_seconds, s.status,
                EXISTS (SELECT 1 FROM session_clinic_progress c WHERE c.session_id = s.id)
                    AS recorded_in_clinic, s.program_item_id, s.repetitions, s.timed_form_issues,
                s.summary_statistics->>'primary_angle' AS primary_angle, n.notes,
                CASE WHEN t.removed IS NULL THEN t.text END AS transcript
         FROM exercise_sessions s JOIN exercise_types et ON et.id = s.exercise_type_id
         LEFT JOIN session_notes n ON n.session_id = s.id
         LEFT JOIN session_transcripts t ON t.session_id = s.id
         WHERE s.id = $1",
    )
    .bind(session_id)
    .fetch_optional(pool)
    .await?
    .ok_or(ExportError::SessionGone)?;
    let (identity, _) = patient(pool, row.patient_id).await?;
    let item: Option<ItemRow> = match row.program_item_id {
        Some(id) => {
            sqlx::query_as(&format!("{ITEM_SELECT} WHERE id = $1"))
                .bind(id)
                .fetch_optional(pool)
                .await?
        }
        None => None,
    };
    let joint = row
        .primary_angle
        .clone()
        .or_else(|| exercise_angle(&row.exercise).map(|(a, _)| a));
    let frames: Vec<(i64, Option<serde_json::Value>)> = sqlx::query_as(
        "SELECT timestamp_ms, calculated_angles FROM pose_frames WHERE session_id = $1
         ORDER BY part, seq, timestamp_ms",
    )
    .bind(session_id)
    .fetch_all(pool)
    .await?;
    let stride = frames.len().div_ceil(NOTE_CURVE_POINTS).max(1);
    // Seconds from the first frame, whether the device sent times from the recording's start
    // or wall-clock milliseconds.
    let t0 = frames.first().map_or(0, |(t, _)| *t);
    let curve = frames
        .iter()
        .step_by(stride)
        .map(|(t, angles)| {
            let degrees = match (joint.as_deref(), angles) {
                (Some(name), Some(angles)) => named_angle(angles, name),
                _ => None,
            };
            ((*t - t0) as f64 / 1000.0, degrees)
        })
        .collect();
    let reps = repetitions(row.repetitions.as_ref());
    let form_issues: Vec<TimedFormIssue> = row
        .timed_form_issues
        .as_ref()
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default();
    let notes = row.notes.clone().unwrap_or(serde_json::Value::Null);
    let (excerpt, truncated) = compose::transcript_excerpt(row.transcript.as_deref());
    let review: Option<ReviewRow> = sqlx::query_as(&format!(
        "{REVIEW_SELECT} WHERE session_id = $1 ORDER BY reviewed_at DESC, id DESC LIMIT 1"
    ))
    .bind(session_id)
    .fetch_optional(pool)
    .await?;
    Ok(SessionNote {
        patient: identity,
        provenance: provenance(pool, requested_by).await?,
        session_id,
        exercise: exercise_name(&row.exercise),
        started_at: row.started_at,
        duration_s: row.duration_seconds.map(f64::from),
        origin: if row.recorded_in_clinic {
            "in clinic (a clinic session), kept by the clinic server".into()
        } else {
            "on a PhysAlign device, received by the clinic server".into()
        },
        status: row.status.replace('_', " "),
        prescription: item.as_ref().map(|i| {
            let mut words = i.dose();
            words.push_str(&format!(", {} sessions a week", i.sessions_per_week));
            if let Some(b) = i.band() {
                words.push_str(&format!(", target {}", compose::band_words(b)));
            }
            words
        }),
        target: item.as_ref().and_then(ItemRow::band),
        joint,
        // The device's trust verdict needs the session's full report, which stays on it.
        reliability: None,
        repetitions: reps
            .iter()
            .map(|r| NoteRepetition {
                number: r.index + 1,
                side: side_name(r),
                start_s: r.start_ms as f64 / 1000.0,
                end_s: r.end_ms as f64 / 1000.0,
                min_deg: r.min_angle,
                max_deg: r.max_angle,
                eccentric_s: r.eccentric_ms as f64 / 1000.0,
                concentric_s: r.concentric_ms as f64 / 1000.0,
                confidence: r.confidence,
                partial: r.partial,
                form_issues: r.form_issues.iter().map(|f| f.message.clone()).collect(),
            })
            .collect(),
        form_issues: form_issues
            .iter()
            .map(|e| compose::note_form_issue(e.timestamp_ms, &e.issue))
            .collect(),
        curve,
        pain_remarks: pain_remarks(&notes, row.started_at),
        mood: mood_words(&notes),
        action_items: strings_of(&notes, "action_items"),
        risk_flags: risk_flags(&notes),
        transcript_excerpt: excerpt,
        transcript_truncated: truncated,
        review: review.map(|r| r.line(Some(row.started_at), None)),
    })
}
