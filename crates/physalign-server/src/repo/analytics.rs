//! The SQL of seed 004's analytics (issue 19): what the endpoints read and what the scheduled
//! aggregation writes. The arithmetic is in `crate::analytics`.

use std::collections::{HashMap, HashSet};

use chrono::{Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use physalign_api::analytics::{AnalyticsOverview, RangeOfMotionTrend, WeeklySnapshot};
use physalign_api::notes::{MoodTrajectory, SessionMood};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::analytics::{self, DayFigures, NoteFacts};
use crate::clinic_metrics::round1;
use crate::clinic_time;
use crate::error::{ApiError, ApiResult};

/// Whose figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// One therapist's appointments and the patients in their active care.
    Therapist(Uuid),
    /// Every appointment and patient.
    Practice,
}

impl Scope {
    /// The therapist, as the `$n::uuid IS NULL OR …` parameter of the queries below.
    fn therapist(self) -> Option<Uuid> {
        match self {
            Scope::Therapist(id) => Some(id),
            Scope::Practice => None,
        }
    }
}

/// Patients in scope, for `p.id` (parameter `$1`).
const PATIENTS_IN_SCOPE: &str = "($1::uuid IS NULL OR p.id IN (
    SELECT patient_id FROM patient_physio_assignments
    WHERE physiotherapist_id = $1 AND status = 'active'))";

/// The practice's zone and its date now.
pub async fn practice_today(pool: &PgPool) -> ApiResult<(Tz, NaiveDate)> {
    let zone: String = sqlx::query_scalar("SELECT time_zone FROM practice_settings WHERE id")
        .fetch_one(pool)
        .await?;
    let zone = clinic_time::parse_zone("time_zone", &zone)?;
    Ok((zone, Utc::now().with_timezone(&zone).date_naive()))
}

/// The overview on the practice's date `today`.
pub async fn overview(
    pool: &PgPool,
    scope: Scope,
    zone: Tz,
    today: NaiveDate,
) -> ApiResult<AnalyticsOverview> {
    let week_start = analytics::bucket_start(today, physalign_api::analytics::Granularity::Week);
    let month_start = analytics::bucket_start(today, physalign_api::analytics::Granularity::Month);
    let last_30 = today - Duration::days(29);
    let row: (i64, i64, i64, i64, i64, i64, i64, i64) = sqlx::query_as(&format!(
        "WITH scoped AS (SELECT p.id FROM patients p WHERE {PATIENTS_IN_SCOPE}),
              appts AS (SELECT a.* FROM appointments a
                        WHERE $1::uuid IS NULL OR a.physiotherapist_id = $1)
         SELECT
           (SELECT COUNT(*) FROM scoped),
           (SELECT COUNT(*) FROM scoped sp WHERE
              EXISTS (SELECT 1 FROM exercise_sessions s WHERE s.patient_id = sp.id
                      AND (COALESCE(s.start_time, s.end_time) AT TIME ZONE $2)::date
                          BETWEEN $5 AND $6)
              OR EXISTS (SELECT 1 FROM appts a WHERE a.patient_id = sp.id
                      AND a.status = 'completed' AND a.local_start::date BETWEEN $5 AND $6)),
           (SELECT COUNT(*) FROM appts a WHERE a.status = 'completed'
              AND a.local_start::date >= $3 AND a.local_start::date < $3 + 7),
           (SELECT COUNT(*) FROM appts a WHERE a.status = 'completed'
              AND a.local_start::date >= $4
              AND a.local_start::date < ($4 + INTERVAL '1 month')::date),
           (SELECT COUNT(*) FROM appts a WHERE a.status = 'scheduled' AND a.start_time > NOW()),
           (SELECT COUNT(*) FROM appts a WHERE a.status = 'completed'
              AND a.local_start::date BETWEEN $5 AND $6),
           (SELECT COUNT(*) FROM appts a WHERE a.status IN ('completed', 'cancelled', 'no-show')
              AND a.local_start::date BETWEEN $5 AND $6),
           (SELECT COUNT(*) FROM exercise_sessions s JOIN scoped sp ON sp.id = s.patient_id
              WHERE s.physiotherapist_id IS NULL
              AND (COALESCE(s.start_time, s.end_time) AT TIME ZONE $2)::date >= $3
              AND (COALESCE(s.start_time, s.end_time) AT TIME ZONE $2)::date < $3 + 7)"
    ))
    .bind(scope.therapist())
    .bind(zone.name())
    .bind(week_start)
    .bind(month_start)
    .bind(last_30)
    .bind(today)
    .fetch_one(pool)
    .await?;
    let n = |v: i64| u32::try_from(v).unwrap_or(u32::MAX);
    let (patients, active, week, month, upcoming, completed_30, ended_30, home_week) = row;
    Ok(AnalyticsOverview {
        total_patients: n(patients),
        active_patients: n(active),
        sessions_this_week: n(week),
        sessions_this_month: n(month),
        upcoming_sessions: n(upcoming),
        completion_rate: (ended_30 > 0)
            .then(|| crate::clinic_metrics::round2(completed_30 as f64 / ended_30 as f64)),
        home_sessions_this_week: n(home_week),
        as_of: today,
    })
}

/// A therapist-day: therapist, date, total, completed, cancelled, no-shows, minutes.
type DayRow = (Uuid, NaiveDate, i32, i32, i32, i32, f64);
/// A [`DayRow`] with its patients seen, as [`LIVE_DAYS`] selects it.
type LiveRow = (Uuid, NaiveDate, i32, i32, i32, i32, f64, i32);

fn figures(row: &DayRow) -> DayFigures {
    let n = |v: i32| u32::try_from(v).unwrap_or(0);
    DayFigures {
        total: n(row.2),
        completed: n(row.3),
        cancelled: n(row.4),
        no_shows: n(row.5),
        completed_minutes: row.6,
    }
}

/// Per-therapist figures of the days `from..=to` the aggregation has not stored, computed from
/// the appointments (the same SQL the aggregation stores).
const LIVE_DAYS: &str = "SELECT a.physiotherapist_id, a.local_start::date AS day,
        COUNT(*)::int4 AS total,
        (COUNT(*) FILTER (WHERE a.status = 'completed'))::int4 AS completed,
        (COUNT(*) FILTER (WHERE a.status = 'cancelled'))::int4 AS cancelled,
        (COUNT(*) FILTER (WHERE a.status = 'no-show'))::int4 AS no_shows,
        COALESCE(SUM(COALESCE(s.duration_seconds / 60.0, a.duration_minutes))
                 FILTER (WHERE a.status = 'completed'), 0)::float8 AS minutes,
        (COUNT(DISTINCT a.patient_id) FILTER (WHERE a.status = 'completed'))::int4 AS patients
     FROM appointments a LEFT JOIN exercise_sessions s ON s.id = a.session_id
     WHERE ($1::uuid IS NULL OR a.physiotherapist_id = $1)
       AND a.local_start::date BETWEEN $2 AND $3
       AND NOT EXISTS (SELECT 1 FROM analytics_daily_stats d
                       WHERE d.physiotherapist_id = a.physiotherapist_id
                         AND d.stat_date = a.local_start::date)
     GROUP BY a.physiotherapist_id, a.local_start::date";

/// The figures of every day `from..=to` in scope, summed over therapists: stored rows where the
/// aggregation has them, the appointments for the rest.
pub async fn day_figures(
    pool: &PgPool,
    scope: Scope,
    from: NaiveDate,
    to: NaiveDate,
) -> ApiResult<HashMap<NaiveDate, DayFigures>> {
    // One snapshot for both reads, so a day is counted once whichever side has it.
    let mut tx = pool.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .execute(&mut *tx)
        .await?;
    let stored: Vec<DayRow> = sqlx::query_as(
        "SELECT physiotherapist_id, stat_date, total_sessions, completed_sessions,
                cancelled_sessions, no_shows, completed_minutes
         FROM analytics_daily_stats
         WHERE ($1::uuid IS NULL OR physiotherapist_id = $1) AND stat_date BETWEEN $2 AND $3",
    )
    .bind(scope.therapist())
    .bind(from)
    .bind(to)
    .fetch_all(&mut *tx)
    .await?;
    let live: Vec<LiveRow> = sqlx::query_as(LIVE_DAYS)
        .bind(scope.therapist())
        .bind(from)
        .bind(to)
        .fetch_all(&mut *tx)
        .await?;
    tx.commit().await?;
    let mut days: HashMap<NaiveDate, DayFigures> = HashMap::new();
    let live = live
        .into_iter()
        .map(|(t, d, total, c, x, ns, m, _)| (t, d, total, c, x, ns, m));
    for row in stored.iter().cloned().chain(live) {
        *days.entry(row.1).or_default() += figures(&row);
    }
    Ok(days)
}

/// The latest signed note of each session of the patients in scope (or of `patient`) dated
/// `from..=to` on the practice's calendar, oldest first.
pub async fn notes(
    pool: &PgPool,
    scope: Scope,
    patient: Option<Uuid>,
    zone: Tz,
    from: NaiveDate,
    to: NaiveDate,
) -> ApiResult<Vec<NoteFacts>> {
    type Row = (
        Uuid,
        Uuid,
        NaiveDate,
        Option<String>,
        Vec<String>,
        Option<String>,
    );
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT session_id, patient_id, day, mood, topics, notes FROM (
            SELECT DISTINCT ON (n.session_id) n.session_id, n.patient_id,
                (COALESCE(s.start_time, s.end_time, n.signed_at) AT TIME ZONE $2)::date AS day,
                n.signed_at, n.summary->>'session_mood' AS mood,
                ARRAY(SELECT jsonb_array_elements_text(
                    CASE WHEN jsonb_typeof(n.summary->'key_topics') = 'array'
                         THEN n.summary->'key_topics' ELSE '[]'::jsonb END)) AS topics,
                COALESCE(NULLIF(n.summary->>'topic_summary', ''),
                         NULLIF(n.summary->>'therapist_notes', '')) AS notes
            FROM signed_notes n LEFT JOIN exercise_sessions s ON s.id = n.session_id
            JOIN patients p ON p.id = n.patient_id
            WHERE {PATIENTS_IN_SCOPE} AND ($5::uuid IS NULL OR n.patient_id = $5)
            ORDER BY n.session_id, n.signed_at DESC
         ) latest WHERE day BETWEEN $3 AND $4
         ORDER BY day, signed_at, session_id"
    ))
    .bind(scope.therapist())
    .bind(zone.name())
    .bind(from)
    .bind(to)
    .bind(patient)
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(
            |(session_id, patient_id, date, mood, topics, progress_notes)| {
                Ok(NoteFacts {
                    session_id,
                    patient_id,
                    date,
                    mood: mood
                        .map(|m| m.parse::<SessionMood>())
                        .transpose()
                        .map_err(ApiError::internal)?,
                    topics,
                    progress_notes,
                })
            },
        )
        .collect()
}

/// Sessions of `patient` that took place `from..=to` on the practice's calendar.
pub async fn sessions_count(
    pool: &PgPool,
    patient: Uuid,
    zone: Tz,
    from: NaiveDate,
    to: NaiveDate,
) -> ApiResult<u32> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM exercise_sessions s WHERE s.patient_id = $1
         AND (COALESCE(s.start_time, s.end_time) AT TIME ZONE $2)::date BETWEEN $3 AND $4",
    )
    .bind(patient)
    .bind(zone.name())
    .bind(from)
    .bind(to)
    .fetch_one(pool)
    .await?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

/// Completed ÷ (completed + no-show) of `patient`'s appointments dated `from..=to`.
pub async fn attendance(
    pool: &PgPool,
    patient: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> ApiResult<Option<f64>> {
    let (completed, no_shows): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*) FILTER (WHERE status = 'completed'),
                COUNT(*) FILTER (WHERE status = 'no-show')
         FROM appointments WHERE patient_id = $1 AND local_start::date BETWEEN $2 AND $3",
    )
    .bind(patient)
    .bind(from)
    .bind(to)
    .fetch_one(pool)
    .await?;
    let n = |v: i64| u32::try_from(v).unwrap_or(u32::MAX);
    Ok(analytics::attendance_rate(n(completed), n(no_shows)))
}

/// The range of motion of `patient`'s sessions dated `from..=to` that measured the latest
/// one's primary angle.
pub async fn range_of_motion(
    pool: &PgPool,
    patient: Uuid,
    zone: Tz,
    from: NaiveDate,
    to: NaiveDate,
) -> ApiResult<Option<RangeOfMotionTrend>> {
    let rows: Vec<(String, f64)> = sqlx::query_as(
        "SELECT angle, r FROM (
            SELECT COALESCE(s.start_time, s.end_time) AS at, s.id,
                s.summary_statistics->>'primary_angle' AS angle,
                (s.pose_summary->'angle_ranges'->(s.summary_statistics->>'primary_angle')->>'max')::float8
                - (s.pose_summary->'angle_ranges'->(s.summary_statistics->>'primary_angle')->>'min')::float8 AS r
            FROM exercise_sessions s WHERE s.patient_id = $1
              AND (COALESCE(s.start_time, s.end_time) AT TIME ZONE $2)::date BETWEEN $3 AND $4
         ) x WHERE r IS NOT NULL AND angle IS NOT NULL ORDER BY at, id",
    )
    .bind(patient)
    .bind(zone.name())
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await?;
    let Some((angle, _)) = rows.last().cloned() else {
        return Ok(None);
    };
    let ranges: Vec<f64> = rows
        .into_iter()
        .filter(|(a, _)| *a == angle)
        .map(|(_, r)| r)
        .collect();
    let (Some(first), Some(latest)) = (ranges.first().copied(), ranges.last().copied()) else {
        return Ok(None);
    };
    Ok(Some(RangeOfMotionTrend {
        angle,
        sessions: u32::try_from(ranges.len()).unwrap_or(u32::MAX),
        first_degrees: round1(first),
        latest_degrees: round1(latest),
        change_degrees: round1(latest - first),
    }))
}

/// The weekly snapshots of `patient` for weeks starting `from..=to`, oldest first.
pub async fn weekly_snapshots(
    pool: &PgPool,
    patient: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> ApiResult<Vec<WeeklySnapshot>> {
    type Row = (
        NaiveDate,
        i32,
        Option<f64>,
        Option<String>,
        sqlx::types::Json<Vec<physalign_api::analytics::TopicCount>>,
        Option<f64>,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT week_start, sessions_count, avg_mood_score, mood_trajectory, common_topics,
                attendance_rate
         FROM analytics_patient_weeks
         WHERE patient_id = $1 AND week_start BETWEEN $2 AND $3 ORDER BY week_start",
    )
    .bind(patient)
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(
            |(week_start, count, mood, trajectory, topics, attendance)| {
                Ok(WeeklySnapshot {
                    week_start,
                    sessions_count: u32::try_from(count).unwrap_or(0),
                    avg_mood_score: mood,
                    mood_trajectory: trajectory
                        .map(|t| t.parse::<MoodTrajectory>())
                        .transpose()
                        .map_err(ApiError::internal)?,
                    common_topics: topics.0,
                    attendance_rate: attendance,
                })
            },
        )
        .collect()
}

/// The display name of a patient.
pub async fn patient_name(pool: &PgPool, patient: Uuid) -> ApiResult<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT TRIM(COALESCE(u.first_name, p.registered_first_name, '') || ' '
                     || COALESCE(u.last_name, p.registered_last_name, ''))
         FROM patients p LEFT JOIN users u ON u.id = p.user_id WHERE p.id = $1",
    )
    .bind(patient)
    .fetch_optional(pool)
    .await?)
}

/// What one aggregation pass stored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Aggregated {
    /// Therapist-days stored.
    pub days: u64,
    /// Patient-weeks snapshotted.
    pub weeks: u64,
}

/// How many ended weeks the snapshot looks back for weeks it has not recorded.
pub const SNAPSHOT_WEEKS: i64 = 12;

/// Stores the figures of every therapist-day before `today` that has appointments and no row
/// (new days, and days whose appointments changed since they were stored). Appointment and
/// session writes wait for the few milliseconds of the insert, so none slips between the
/// appointments read and the row stored (the triggers that remove stale rows run after it).
pub async fn store_days(conn: &mut PgConnection, today: NaiveDate) -> Result<u64, sqlx::Error> {
    // Gives way to a writer holding one table while waiting for the other, not a deadlock.
    sqlx::query("SET LOCAL lock_timeout = '500ms'")
        .execute(&mut *conn)
        .await?;
    sqlx::query("LOCK TABLE exercise_sessions, appointments IN SHARE MODE")
        .execute(&mut *conn)
        .await?;
    let stored = sqlx::query(&format!(
        "INSERT INTO analytics_daily_stats (physiotherapist_id, stat_date, total_sessions,
            completed_sessions, cancelled_sessions, no_shows, completed_minutes, active_patients)
         {LIVE_DAYS}
         ON CONFLICT DO NOTHING"
    ))
    .bind(None::<Uuid>)
    .bind(NaiveDate::from_ymd_opt(1900, 1, 1))
    .bind(today - Duration::days(1))
    .execute(&mut *conn)
    .await?;
    Ok(stored.rows_affected())
}

/// Snapshots every patient-week (of the last [`SNAPSHOT_WEEKS`] ended weeks) that has a session,
/// a signed note or an appointment and no snapshot yet.
pub async fn snapshot_weeks(pool: &PgPool, zone: Tz, today: NaiveDate) -> ApiResult<u64> {
    let this_week = analytics::bucket_start(today, physalign_api::analytics::Granularity::Week);
    let first = this_week - Duration::weeks(SNAPSHOT_WEEKS);
    let last_day = this_week - Duration::days(1);
    let due: Vec<(Uuid, NaiveDate)> = sqlx::query_as(
        "SELECT DISTINCT x.patient_id, date_trunc('week', x.day)::date FROM (
            SELECT patient_id, (COALESCE(start_time, end_time) AT TIME ZONE $1)::date AS day
              FROM exercise_sessions WHERE COALESCE(start_time, end_time) IS NOT NULL
            UNION ALL SELECT patient_id, local_start::date FROM appointments
            UNION ALL SELECT n.patient_id,
                (COALESCE(s.start_time, s.end_time, n.signed_at) AT TIME ZONE $1)::date
              FROM signed_notes n LEFT JOIN exercise_sessions s ON s.id = n.session_id
         ) x
         WHERE x.day BETWEEN $2 AND $3
           AND NOT EXISTS (SELECT 1 FROM analytics_patient_weeks w
                           WHERE w.patient_id = x.patient_id
                             AND w.week_start = date_trunc('week', x.day)::date)",
    )
    .bind(zone.name())
    .bind(first)
    .bind(last_day)
    .fetch_all(pool)
    .await?;
    let mut stored = 0;
    let mut seen = HashSet::new();
    for (patient, week) in due {
        if !seen.insert((patient, week)) {
            continue;
        }
        let end = week + Duration::days(6);
        let sessions = sessions_count(pool, patient, zone, week, end).await?;
        let notes = notes(pool, Scope::Practice, Some(patient), zone, week, end).await?;
        let moods: Vec<SessionMood> = notes.iter().filter_map(|n| n.mood).collect();
        let attendance = attendance(pool, patient, week, end).await?;
        let done = sqlx::query(
            "INSERT INTO analytics_patient_weeks (patient_id, week_start, sessions_count,
                avg_mood_score, mood_trajectory, common_topics, attendance_rate)
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
        )
        .bind(patient)
        .bind(week)
        .bind(i32::try_from(sessions).unwrap_or(i32::MAX))
        .bind(analytics::average_mood(&moods))
        .bind(analytics::mood_trend(&moods).map(|t| t.trajectory.as_str()))
        .bind(sqlx::types::Json(analytics::topic_counts(&notes, 5)))
        .bind(attendance)
        .execute(pool)
        .await?;
        stored += done.rows_affected();
    }
    Ok(stored)
}
