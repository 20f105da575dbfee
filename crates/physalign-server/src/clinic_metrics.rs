//! The numbers of a therapist's session statistics and a client's session summary (issue 18,
//! seed 001 §6–7). The arithmetic is in pure functions over plain rows, so the definitions in
//! API.md are checked by unit tests and can be run on a device's own copy of the data.

use std::collections::{BTreeMap, HashSet};

use chrono::{Duration, NaiveDate, Utc};
use physalign_api::appointments::AppointmentStatus;
use physalign_api::clients::SessionSummary;
use physalign_api::clinic_sessions::SessionStats;
use sqlx::PgPool;
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};

/// One appointment as the statistics see it.
#[derive(Debug, Clone, PartialEq)]
pub struct StatAppointment {
    /// The client.
    pub client_id: Uuid,
    /// Clinic calendar date of its start.
    pub date: NaiveDate,
    /// Status.
    pub status: AppointmentStatus,
    /// Booked length in minutes.
    pub booked_minutes: f64,
    /// Recorded length of the session started from it, in minutes, if any.
    pub recorded_minutes: Option<f64>,
}

/// Statistics over `rows` (the therapist's appointments dated `start..=end`): see
/// `physalign_api::clinic_sessions::SessionStats` and API.md. The first half of the period is
/// its first ⌈days ÷ 2⌉ days.
pub fn session_stats(
    therapist_id: Uuid,
    start: NaiveDate,
    end: NaiveDate,
    rows: &[StatAppointment],
) -> SessionStats {
    let in_period: Vec<&StatAppointment> = rows
        .iter()
        .filter(|r| r.date >= start && r.date <= end)
        .collect();
    let count = |s: AppointmentStatus| {
        u32::try_from(in_period.iter().filter(|r| r.status == s).count()).unwrap_or(u32::MAX)
    };
    let completed: Vec<&&StatAppointment> = in_period
        .iter()
        .filter(|r| r.status == AppointmentStatus::Completed)
        .collect();
    let average_session_duration = (!completed.is_empty()).then(|| {
        let total: f64 = completed
            .iter()
            .map(|r| r.recorded_minutes.unwrap_or(r.booked_minutes))
            .sum();
        round2(total / completed.len() as f64)
    });
    let days = (end - start).num_days() + 1;
    let second_half_from = start + Duration::days((days + 1) / 2);
    let first: HashSet<Uuid> = completed
        .iter()
        .filter(|r| r.date < second_half_from)
        .map(|r| r.client_id)
        .collect();
    let second: HashSet<Uuid> = completed
        .iter()
        .filter(|r| r.date >= second_half_from)
        .map(|r| r.client_id)
        .collect();
    let client_retention_rate = (!first.is_empty())
        .then(|| round2(first.intersection(&second).count() as f64 / first.len() as f64));
    SessionStats {
        therapist_id,
        start_date: start,
        end_date: end,
        total_sessions: u32::try_from(in_period.len()).unwrap_or(u32::MAX),
        completed_sessions: count(AppointmentStatus::Completed),
        cancelled_sessions: count(AppointmentStatus::Cancelled),
        no_shows: count(AppointmentStatus::NoShow),
        average_session_duration,
        client_retention_rate,
    }
}

/// `v` to 2 decimals.
pub(crate) fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// `v` to 1 decimal.
pub(crate) fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// Loads the therapist's appointments dated in the period and computes the statistics.
pub async fn therapist_stats(
    pool: &PgPool,
    therapist_id: Uuid,
    start: NaiveDate,
    end: NaiveDate,
) -> ApiResult<SessionStats> {
    let rows: Vec<(Uuid, NaiveDate, String, i32, Option<i32>)> = sqlx::query_as(
        "SELECT a.patient_id, a.local_start::date, a.status, a.duration_minutes, s.duration_seconds
         FROM appointments a LEFT JOIN exercise_sessions s ON s.id = a.session_id
         WHERE a.physiotherapist_id = $1 AND a.local_start::date BETWEEN $2 AND $3",
    )
    .bind(therapist_id)
    .bind(start)
    .bind(end)
    .fetch_all(pool)
    .await?;
    let rows = rows
        .into_iter()
        .map(|(client_id, date, status, booked, recorded)| {
            Ok(StatAppointment {
                client_id,
                date,
                status: status
                    .parse::<AppointmentStatus>()
                    .map_err(ApiError::internal)?,
                booked_minutes: f64::from(booked),
                recorded_minutes: recorded.map(|s| f64::from(s) / 60.0),
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(session_stats(therapist_id, start, end, &rows))
}

/// The inputs of a session summary, oldest first where ordered.
#[derive(Debug, Clone, Default)]
pub struct SummaryInputs {
    /// Sessions that took place.
    pub total_sessions: u32,
    /// UTC date of the latest.
    pub last_session_date: Option<NaiveDate>,
    /// (start mood, end mood) of in-clinic sessions with both.
    pub moods: Vec<(f64, f64)>,
    /// Topics of every session's clinical notes.
    pub topics: Vec<String>,
    /// Range of motion of the primary angle per session, in time order.
    pub range_of_motion: Vec<f64>,
    /// (sessions done in the last 28 days, sessions prescribed in them) over active items.
    pub adherence: Option<(u32, u32)>,
    /// Highest pain noted per session, in time order.
    pub pain: Vec<f64>,
}

/// A session summary from its inputs (definitions in API.md).
pub fn summarise(client_id: Uuid, inputs: SummaryInputs) -> SessionSummary {
    let average_mood_improvement = (!inputs.moods.is_empty()).then(|| {
        round2(inputs.moods.iter().map(|(s, e)| e - s).sum::<f64>() / inputs.moods.len() as f64)
    });
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for topic in &inputs.topics {
        let topic = topic.trim().to_lowercase();
        if !topic.is_empty() {
            *counts.entry(topic).or_default() += 1;
        }
    }
    let mut themes: Vec<(String, usize)> = counts.into_iter().collect();
    // Most frequent first; ties alphabetically (the map's order, kept by the stable sort).
    themes.sort_by_key(|t| std::cmp::Reverse(t.1));
    let common_themes: Vec<String> = themes.into_iter().take(5).map(|(t, _)| t).collect();
    let range_of_motion_change = match (
        inputs.range_of_motion.first(),
        inputs.range_of_motion.last(),
    ) {
        (Some(first), Some(last)) if inputs.range_of_motion.len() >= 2 => {
            Some(round1(last - first))
        }
        _ => None,
    };
    let adherence = inputs
        .adherence
        .filter(|(_, due)| *due > 0)
        .map(|(done, due)| round2((f64::from(done) / f64::from(due)).min(1.0)));
    let half = inputs.pain.len() / 2;
    let pain_trend = (half >= 1).then(|| {
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        round1(mean(&inputs.pain[inputs.pain.len() - half..]) - mean(&inputs.pain[..half]))
    });
    let progress_summary = sentence(
        inputs.total_sessions,
        range_of_motion_change,
        inputs.range_of_motion.first().copied(),
        inputs.range_of_motion.last().copied(),
        adherence,
        pain_trend,
    );
    SessionSummary {
        client_id,
        total_sessions: inputs.total_sessions,
        last_session_date: inputs.last_session_date,
        average_mood_improvement,
        common_themes,
        progress_summary,
        range_of_motion_change,
        adherence,
        pain_trend,
    }
}

fn sentence(
    total: u32,
    rom_change: Option<f64>,
    rom_first: Option<f64>,
    rom_last: Option<f64>,
    adherence: Option<f64>,
    pain_trend: Option<f64>,
) -> String {
    if total == 0 {
        return "No sessions yet.".to_string();
    }
    let mut parts = vec![format!(
        "{total} session{}",
        if total == 1 { "" } else { "s" }
    )];
    if let (Some(change), Some(first), Some(last)) = (rom_change, rom_first, rom_last) {
        parts.push(format!(
            "range of motion {change:+.0}° ({first:.0}° → {last:.0}°)"
        ));
    }
    if let Some(a) = adherence {
        parts.push(format!("adherence {:.0}% over the last 4 weeks", a * 100.0));
    }
    match pain_trend {
        Some(t) if t < 0.0 => parts.push(format!("pain down {:.1} points", -t)),
        Some(t) if t > 0.0 => parts.push(format!("pain up {t:.1} points")),
        Some(_) => parts.push("pain unchanged".to_string()),
        None => {}
    }
    format!("{}.", parts.join("; "))
}

/// Loads a client's summary inputs and summarises them.
pub async fn session_summary(pool: &PgPool, client_id: Uuid) -> ApiResult<SessionSummary> {
    let (total, last): (i64, Option<NaiveDate>) = sqlx::query_as(
        "SELECT COUNT(*), (MAX(COALESCE(start_time, end_time)) AT TIME ZONE 'UTC')::date
         FROM exercise_sessions
         WHERE patient_id = $1 AND COALESCE(start_time, end_time) IS NOT NULL",
    )
    .bind(client_id)
    .fetch_one(pool)
    .await?;
    let moods: Vec<(f64, f64)> = sqlx::query_as(
        "SELECT cp.mood_start, cp.mood_end FROM session_clinic_progress cp
         JOIN exercise_sessions s ON s.id = cp.session_id
         WHERE s.patient_id = $1 AND cp.mood_start IS NOT NULL AND cp.mood_end IS NOT NULL",
    )
    .bind(client_id)
    .fetch_all(pool)
    .await?;
    let topics: Vec<String> = sqlx::query_scalar(
        "SELECT t FROM session_notes n JOIN exercise_sessions s ON s.id = n.session_id,
            jsonb_array_elements_text(
                CASE WHEN jsonb_typeof(n.notes->'key_topics') = 'array'
                     THEN n.notes->'key_topics' ELSE '[]'::jsonb END) AS t
         WHERE s.patient_id = $1",
    )
    .bind(client_id)
    .fetch_all(pool)
    .await?;
    let range_of_motion: Vec<f64> = sqlx::query_scalar(
        "SELECT r FROM (
            SELECT COALESCE(s.start_time, s.end_time, s.created_at) AS at, s.id,
                (s.pose_summary->'angle_ranges'->(s.summary_statistics->>'primary_angle')->>'max')::float8
                - (s.pose_summary->'angle_ranges'->(s.summary_statistics->>'primary_angle')->>'min')::float8 AS r
            FROM exercise_sessions s WHERE s.patient_id = $1
         ) x WHERE r IS NOT NULL ORDER BY at, id",
    )
    .bind(client_id)
    .fetch_all(pool)
    .await?;
    let since = Utc::now() - Duration::days(28);
    let adherence: (Option<i64>, Option<i64>) = sqlx::query_as(
        "SELECT SUM(i.sessions_per_week * 4)::int8,
            (SELECT COUNT(*) FROM exercise_sessions s
             JOIN program_items j ON j.id = s.program_item_id
             WHERE j.patient_id = $1 AND j.status = 'active' AND s.end_time >= $2)
         FROM program_items i WHERE i.patient_id = $1 AND i.status = 'active'",
    )
    .bind(client_id)
    .bind(since)
    .fetch_one(pool)
    .await?;
    let pain: Vec<f64> = sqlx::query_scalar(
        "SELECT n.max_pain::float8 FROM session_notes n JOIN exercise_sessions s ON s.id = n.session_id
         WHERE s.patient_id = $1 AND n.max_pain IS NOT NULL
         ORDER BY COALESCE(s.start_time, s.end_time, s.created_at), s.id",
    )
    .bind(client_id)
    .fetch_all(pool)
    .await?;
    let to_u32 = |v: i64| u32::try_from(v).unwrap_or(0);
    Ok(summarise(
        client_id,
        SummaryInputs {
            total_sessions: to_u32(total),
            last_session_date: last,
            moods,
            topics,
            range_of_motion,
            adherence: match adherence {
                (Some(due), Some(done)) => Some((to_u32(done), to_u32(due))),
                _ => None,
            },
            pain,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, day).unwrap()
    }

    #[test]
    fn summary_numbers_and_sentence() {
        let s = summarise(
            Uuid::nil(),
            SummaryInputs {
                total_sessions: 4,
                last_session_date: Some(d(20)),
                moods: vec![(4.0, 6.0), (5.0, 8.0)],
                topics: vec!["Knee".into(), "sleep".into(), "knee ".into(), "work".into()],
                range_of_motion: vec![90.0, 95.0, 104.0],
                adherence: Some((9, 12)),
                pain: vec![6.0, 5.0, 4.0, 3.0, 2.0],
            },
        );
        assert_eq!(s.average_mood_improvement, Some(2.5));
        assert_eq!(s.common_themes, ["knee", "sleep", "work"]);
        assert_eq!(s.range_of_motion_change, Some(14.0));
        assert_eq!(s.adherence, Some(0.75));
        // Later half (3, 2) minus earlier half (6, 5): 2.5 − 5.5.
        assert_eq!(s.pain_trend, Some(-3.0));
        assert_eq!(
            s.progress_summary,
            "4 sessions; range of motion +14° (90° → 104°); adherence 75% over the last 4 weeks; pain down 3.0 points."
        );
        let empty = summarise(Uuid::nil(), SummaryInputs::default());
        assert_eq!(empty.progress_summary, "No sessions yet.");
        assert_eq!(empty.average_mood_improvement, None);
    }

    #[test]
    fn stats_halves_round_up_for_odd_periods() {
        let a = Uuid::from_u128(1);
        let row = |day, status| StatAppointment {
            client_id: a,
            date: d(day),
            status,
            booked_minutes: 30.0,
            recorded_minutes: None,
        };
        // 1..=7 March: the first half is 1-4 March.
        let rows = [
            row(4, AppointmentStatus::Completed),
            row(5, AppointmentStatus::Completed),
        ];
        let s = session_stats(Uuid::nil(), d(1), d(7), &rows);
        assert_eq!(s.client_retention_rate, Some(1.0));
        let s = session_stats(Uuid::nil(), d(1), d(7), &rows[1..]);
        assert_eq!(s.client_retention_rate, None);
    }
}
