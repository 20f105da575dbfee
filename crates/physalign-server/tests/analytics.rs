//! Seed 004's analytics (issue 19) against a real PostgreSQL, on a practice whose numbers are
//! worked out by hand below: the overview, session trends (the same before and after the
//! aggregation stores the days, and after an appointment moves), a patient's progress with its
//! weekly snapshots, common topics, who sees what; and the aggregation run by two server
//! processes once per slot.

mod common;
#[path = "support/replicas.rs"]
mod replicas;

use std::time::{Duration, Instant};

use chrono::{Datelike, NaiveDate, Utc};
use common::{care_teams, frame, TestServer, User};
use serde_json::{json, Value};
use uuid::Uuid;

/// The practice's date (Europe/London, the default) `days` from today.
fn day(days: i64) -> NaiveDate {
    let today = Utc::now()
        .with_timezone(&chrono_tz::Europe::London)
        .date_naive();
    today + chrono::Duration::days(days)
}

fn monday(date: NaiveDate) -> NaiveDate {
    date - chrono::Duration::days(i64::from(date.weekday().num_days_from_monday()))
}

/// Noon UTC of `date`: the same date in London, summer or winter.
fn noon(date: NaiveDate) -> String {
    format!("{date}T12:00:00Z")
}

/// Books `client` with `physio` at 10:00 (clinic time) on `date` for `minutes`.
async fn book(
    srv: &TestServer,
    physio: &User,
    client: &User,
    date: NaiveDate,
    minutes: u32,
) -> String {
    let r = srv
        .call(
            "POST",
            "/api/appointments",
            Some(&physio.access),
            Some(
                json!({"clientId": client.pid(), "startTime": format!("{date}T10:00:00"),
                        "timeZone": "Europe/London", "durationMinutes": minutes,
                        "type": "treatment"}),
            ),
        )
        .await;
    r.expect(201)["id"].as_str().unwrap().to_string()
}

async fn complete(srv: &TestServer, physio: &User, id: &str) {
    srv.call(
        "PUT",
        &format!("/api/appointments/{id}"),
        Some(&physio.access),
        Some(json!({"status": "completed"})),
    )
    .await
    .expect(200);
}

/// A session of `patient` recorded at noon on `date`, with `frames` frames of pose data (the
/// left knee's range is `frames − 1` degrees) when `frames > 0`.
async fn recorded_session(
    srv: &TestServer,
    patient: &User,
    date: NaiveDate,
    frames: usize,
) -> String {
    let created = srv
        .call(
            "POST",
            "/api/sessions",
            Some(&patient.access),
            Some(json!({"exercise_type": "squat", "start_time": noon(date)})),
        )
        .await;
    let id = created.expect(201)["session_id"]
        .as_str()
        .unwrap()
        .to_string();
    if frames > 0 {
        srv.call(
            "POST",
            &format!("/api/sessions/{id}/data"),
            Some(&patient.access),
            Some(json!({"frames": (0..frames).map(frame).collect::<Vec<_>>(),
                        "summary_statistics": {"primary_angle": "knee_left"}})),
        )
        .await
        .expect(201);
    }
    id
}

/// Signs a note on `session` at `signed_at` with `mood` and `topics`.
async fn sign(
    srv: &TestServer,
    physio: &User,
    session: &str,
    signed_at: &str,
    mood: &str,
    topics: &[&str],
) {
    srv.call(
        "POST",
        "/api/notes",
        Some(&physio.access),
        Some(json!({
            "id": Uuid::new_v4(), "session_id": session, "transcript_id": null,
            "drafted_by": "Clare Nician", "drafted_at": signed_at,
            "signed_by": "Clare Nician", "signed_at": signed_at,
            "document": {"drafter": "soap-rules-v1"},
            "summary": {"key_topics": topics, "topic_summary": format!("About {}.", topics.join(", ")),
                        "strategies": [], "action_items": [], "session_mood": mood,
                        "mood_trajectory": null, "therapist_notes": "", "patient_summary": null,
                        "risk_flags": []}
        })),
    )
    .await
    .expect(201);
}

async fn get(srv: &TestServer, who: &User, path: &str) -> Value {
    let r = srv.call("GET", path, Some(&who.access), None).await;
    r.expect(200).clone()
}

async fn stored_days(srv: &TestServer) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM analytics_daily_stats")
        .fetch_one(&srv.pool)
        .await
        .expect("count")
}

#[tokio::test]
async fn analytics_on_a_hand_worked_practice() {
    let c = care_teams().await;
    let srv = &c.srv;
    // The physiotherapist cares for A (c.patient), B and D (no activity at all); the other
    // physiotherapist for C (c.other_patient).
    let (p, a, o) = (&c.physio, &c.patient, &c.other_physio);
    let b = srv.signup("patient").await;
    let d = srv.signup("patient").await;
    srv.link(p, &b).await;
    srv.link(p, &d).await;

    // Appointments (10:00 clinic time): A −1 completed (30 min), A −2 no-show, B −2 completed
    // (60 min), B −3 cancelled, A −10 completed (45 min), A +3 scheduled; C −1 completed with
    // the other physiotherapist (45 min).
    let a1 = book(srv, p, a, day(-1), 30).await;
    complete(srv, p, &a1).await;
    let a2 = book(srv, p, a, day(-2), 45).await;
    srv.call(
        "POST",
        &format!("/api/appointments/{a2}/no-show-policy"),
        Some(&p.access),
        Some(json!({"reason": "did not come", "applyFee": false})),
    )
    .await
    .expect(200);
    let b2 = book(srv, p, &b, day(-2), 60).await;
    complete(srv, p, &b2).await;
    let b3 = book(srv, p, &b, day(-3), 45).await;
    srv.call(
        "POST",
        &format!("/api/appointments/{b3}/cancel"),
        Some(&p.access),
        Some(json!({"reason": "ill"})),
    )
    .await
    .expect(200);
    let a10 = book(srv, p, a, day(-10), 45).await;
    complete(srv, p, &a10).await;
    book(srv, p, a, day(3), 45).await;
    let c1 = book(srv, o, &c.other_patient, day(-1), 45).await;
    complete(srv, o, &c1).await;

    // Sessions and signed notes of A: −12 (sleep, low), −9 (knee pain + sleep, low; 10 frames:
    // a 9° range), −5 (knee pain, neutral), −1 (knee pain + stairs, positive, then signed again
    // later: stairs, very positive; 20 frames: 19°); a home session today. B: −3 and −2, knee
    // pain, neutral.
    let s12 = recorded_session(srv, a, day(-12), 0).await;
    sign(srv, p, &s12, &noon(day(-12)), "low", &["Sleep"]).await;
    let s9 = recorded_session(srv, a, day(-9), 10).await;
    sign(srv, p, &s9, &noon(day(-9)), "low", &["Knee pain", "sleep"]).await;
    let s5 = recorded_session(srv, a, day(-5), 0).await;
    sign(srv, p, &s5, &noon(day(-5)), "neutral", &["knee pain"]).await;
    let s1 = recorded_session(srv, a, day(-1), 20).await;
    sign(
        srv,
        p,
        &s1,
        &noon(day(-1)),
        "positive",
        &["knee pain", "stairs"],
    )
    .await;
    sign(
        srv,
        p,
        &s1,
        &format!("{}T13:00:00Z", day(-1)),
        "very_positive",
        &["stairs"],
    )
    .await;
    let home = srv
        .call(
            "POST",
            "/api/sessions",
            Some(&a.access),
            Some(json!({"exercise_type": "squat", "start_time": Utc::now()})),
        )
        .await;
    home.expect(201);
    for k in [-3, -2] {
        let s = recorded_session(srv, &b, day(k), 0).await;
        sign(srv, p, &s, &noon(day(k)), "neutral", &["knee pain"]).await;
    }

    // --- Who sees what. ---
    let overview = "/api/v1/analytics/overview";
    srv.call("GET", overview, Some(&a.access), None)
        .await
        .expect(403);
    srv.call("GET", overview, None, None).await.expect(401);
    srv.call(
        "GET",
        &format!("{overview}?therapist_id={}", p.pid()),
        Some(&o.access),
        None,
    )
    .await
    .expect(404);
    let a_progress = format!("/api/v1/analytics/patients/{}/progress", a.pid());
    srv.call("GET", &a_progress, Some(&o.access), None)
        .await
        .expect(404);
    srv.call("GET", &a_progress, Some(&a.access), None)
        .await
        .expect(403);
    for bad in ["?weeks=0", "?weeks=261", "?week=2"] {
        let r = srv
            .call("GET", &format!("{a_progress}{bad}"), Some(&p.access), None)
            .await;
        assert_eq!(r.status, 400, "{bad}: {:?}", r.body);
    }
    let r = srv
        .call(
            "GET",
            "/api/v1/analytics/session-trends?period=2w",
            Some(&p.access),
            None,
        )
        .await;
    assert_eq!(r.status, 400, "{:?}", r.body);

    // --- The overview. ---
    let ov = get(srv, p, overview).await;
    assert_eq!(ov["total_patients"], 3);
    // A and B had completed appointments in the last 30 days; D nothing.
    assert_eq!(ov["active_patients"], 2);
    let completed = [day(-1), day(-2), day(-10)];
    let this_week = completed.iter().filter(|d| **d >= monday(day(0))).count();
    let this_month = completed
        .iter()
        .filter(|d| d.year() == day(0).year() && d.month() == day(0).month())
        .count();
    assert_eq!(ov["sessions_this_week"], this_week);
    assert_eq!(ov["sessions_this_month"], this_month);
    assert_eq!(ov["upcoming_sessions"], 1);
    // 3 completed of 5 that ended (a no-show and a cancellation).
    assert_eq!(ov["completion_rate"], 0.6);
    // A's sessions recorded at home (−12, −9, −5, −1 and today) dated this week.
    let home_days = [day(-12), day(-9), day(-5), day(-1), day(0)];
    let home_this_week = home_days.iter().filter(|d| **d >= monday(day(0))).count();
    assert_eq!(ov["home_sessions_this_week"], home_this_week);
    assert_eq!(ov["as_of"], day(0).to_string());
    let practice = get(srv, &c.admin, overview).await;
    assert_eq!(practice["total_patients"], 4);
    assert_eq!(practice["completion_rate"], 0.67);
    let theirs = get(
        srv,
        &c.admin,
        &format!("{overview}?therapist_id={}", o.pid()),
    )
    .await;
    assert_eq!(theirs["total_patients"], 1);
    assert_eq!(theirs["completion_rate"], 1.0);

    // --- Session trends: by hand, then the same once the days are stored. ---
    let trends = "/api/v1/analytics/session-trends";
    let week = get(srv, p, &format!("{trends}?period=7d")).await;
    let points = week["data_points"].as_array().unwrap();
    assert_eq!(points.len(), 7);
    assert_eq!(points[0]["date"], day(-6).to_string());
    let at = |k: usize| &points[6 - k];
    assert_eq!(at(3)["sessions_cancelled"], 1);
    assert_eq!(at(3)["completion_rate"], 0.0);
    assert_eq!(at(2)["sessions_completed"], 1);
    assert_eq!(at(2)["no_shows"], 1);
    assert_eq!(at(2)["avg_session_duration_min"], 60.0);
    assert_eq!(at(2)["completion_rate"], 0.5);
    assert_eq!(at(1)["avg_session_duration_min"], 30.0);
    assert_eq!(at(0)["completion_rate"], Value::Null);
    assert_eq!(
        week["summary"],
        json!({"total_sessions": 2, "avg_per_day": 0.29, "peak_day": day(-2), "completion_rate": 0.5})
    );
    let month = get(srv, p, &format!("{trends}?period=30d&granularity=week")).await;
    assert_eq!(month["summary"]["total_sessions"], 3);
    assert_eq!(month["summary"]["completion_rate"], 0.6);
    assert_eq!(month["data_points"][0]["date"], day(-29).to_string());
    let all = get(srv, &c.admin, &format!("{trends}?period=7d")).await;
    // Yesterday: A (30 min) and C (45 min).
    assert_eq!(all["data_points"][5]["sessions_completed"], 2);
    assert_eq!(all["data_points"][5]["avg_session_duration_min"], 37.5);
    assert_eq!(all["summary"]["peak_day"], day(-1).to_string());

    assert_eq!(stored_days(srv).await, 0);
    let done = physalign_server::aggregation::run_once(&srv.pool)
        .await
        .expect("aggregation");
    // P: −1, −2, −3, −10; O: −1. The appointment in three days is not over.
    assert_eq!(done.days, 5);
    assert_eq!(stored_days(srv).await, 5);
    assert_eq!(get(srv, p, &format!("{trends}?period=7d")).await, week);
    assert_eq!(
        get(srv, &c.admin, &format!("{trends}?period=7d")).await,
        all
    );
    let again = physalign_server::aggregation::run_once(&srv.pool)
        .await
        .expect("aggregation");
    assert_eq!((again.days, again.weeks), (0, 0));

    // Moving A's −10 appointment to −4 drops both days' rows; the answer follows at once.
    srv.call(
        "PUT",
        &format!("/api/appointments/{a10}"),
        Some(&p.access),
        Some(json!({"startTime": format!("{}T10:00:00", day(-4))})),
    )
    .await
    .expect(200);
    assert_eq!(stored_days(srv).await, 4);
    let moved = get(srv, p, &format!("{trends}?period=7d")).await;
    assert_eq!(moved["summary"]["total_sessions"], 3);
    assert_eq!(moved["data_points"][2]["sessions_completed"], 1);
    physalign_server::aggregation::run_once(&srv.pool)
        .await
        .expect("aggregation");
    assert_eq!(stored_days(srv).await, 5);
    assert_eq!(get(srv, p, &format!("{trends}?period=7d")).await, moved);

    // --- A's progress over two weeks. ---
    let progress = get(srv, p, &format!("{a_progress}?weeks=2")).await;
    assert_eq!(progress["weeks"], 2);
    assert!(progress["patient_name"].is_string());
    // Sessions −12, −9, −5, −1 and today's home session.
    assert_eq!(progress["total_sessions"], 5);
    let recent = progress["recent_sessions"].as_array().unwrap();
    assert_eq!(recent.len(), 4);
    // The latest signature of the −1 session counts.
    assert_eq!(recent[0]["session_id"], s1.as_str());
    assert_eq!(recent[0]["mood"], "very_positive");
    assert_eq!(recent[0]["key_topics"], json!(["stairs"]));
    assert_eq!(recent[0]["progress_notes"], "About stairs.");
    assert_eq!(recent[3]["date"], day(-12).to_string());
    // Moods 2, 2, 3, 5: earlier half 2, later half 4: +100 %.
    assert_eq!(
        progress["mood_trend"],
        json!({"current": "very_positive", "trajectory": "improving", "change_percent": 100})
    );
    assert_eq!(
        progress["common_topics"],
        json!([{"topic": "knee pain", "frequency": 2}, {"topic": "sleep", "frequency": 2},
               {"topic": "stairs", "frequency": 1}])
    );
    // Completed −1 and −4, a no-show −2.
    assert_eq!(progress["attendance_rate"], 0.67);
    assert_eq!(
        progress["range_of_motion"],
        json!({"angle": "knee_left", "sessions": 2, "first_degrees": 9.0, "latest_degrees": 19.0,
               "change_degrees": 10.0})
    );
    // The aggregation snapshotted A's ended weeks: the week of −9 has its note's low mood.
    let snapshots = progress["weekly_snapshots"].as_array().unwrap();
    let week_of_9 = snapshots
        .iter()
        .find(|s| s["week_start"] == monday(day(-9)).to_string())
        .expect("the week of −9");
    let moods_that_week: Vec<f64> = [(-12, 2.0), (-9, 2.0), (-5, 3.0)]
        .iter()
        .filter(|(k, _)| monday(day(*k)) == monday(day(-9)))
        .map(|(_, m)| *m)
        .collect();
    assert_eq!(
        week_of_9["avg_mood_score"].as_f64().unwrap(),
        (moods_that_week.iter().sum::<f64>() / moods_that_week.len() as f64 * 100.0).round()
            / 100.0
    );
    assert!(snapshots
        .iter()
        .all(|s| s["week_start"].as_str().unwrap() < monday(day(0)).to_string().as_str()));
    let admin_view = get(srv, &c.admin, &format!("{a_progress}?weeks=2")).await;
    assert_eq!(admin_view, progress);

    // --- Common topics over two weeks (earlier half: −13..−7, later half: −6..0). ---
    let topics = get(srv, p, "/api/v1/analytics/common-topics?weeks=2&limit=2").await;
    // knee pain: −9 earlier; −5, −3, −2 later (two patients); sleep: −12, −9 earlier.
    assert_eq!(
        topics,
        json!({"time_period_weeks": 2, "topics": [
            {"topic": "knee pain", "frequency": 4, "patients_affected": 2, "trend": "increasing"},
            {"topic": "sleep", "frequency": 2, "patients_affected": 1, "trend": "decreasing"}]})
    );
    let none = get(srv, o, "/api/v1/analytics/common-topics").await;
    assert_eq!(none["topics"], json!([]));
    assert_eq!(none["time_period_weeks"], 12);

    // Every read is in the access log.
    let logged: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM access_logs WHERE resource_type = 'patient_analytics' AND user_id = $1",
    )
    .bind(p.id.parse::<Uuid>().unwrap())
    .fetch_one(&srv.pool)
    .await
    .expect("access log");
    assert!(logged >= 8, "{logged} analytics reads logged");
}

#[tokio::test]
async fn the_aggregation_runs_once_per_slot_with_two_server_processes() {
    let c = care_teams().await;
    let srv = &c.srv;
    for k in [-1, -2] {
        let id = book(srv, &c.physio, &c.patient, day(k), 45).await;
        complete(srv, &c.physio, &id).await;
    }
    let binary = std::path::Path::new(env!("CARGO_BIN_EXE_physalign-server"));
    let env = [("PHYSALIGN_ANALYTICS_INTERVAL", "2".to_string())];
    let replicas = [
        replicas::Replica::spawn(binary, &srv.database_url, &env),
        replicas::Replica::spawn(binary, &srv.database_url, &env),
    ];
    let job = || async {
        sqlx::query_as::<_, (i64, i64)>(
            "SELECT runs, last_slot FROM scheduled_job_runs WHERE job = 'analytics'",
        )
        .fetch_optional(&srv.pool)
        .await
        .expect("job runs")
    };
    let waited = Instant::now();
    let first = loop {
        if let Some(row) = job().await {
            break row;
        }
        assert!(
            waited.elapsed() < Duration::from_secs(20),
            "no aggregation ran"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let last = loop {
        let row = job().await.expect("job row");
        if row.1 >= first.1 + 3 || waited.elapsed() > Duration::from_secs(30) {
            break row;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    println!(
        "analytics: {} passes in {} slots of 2 s",
        last.0 - first.0 + 1,
        last.1 - first.1 + 1
    );
    assert!(last.1 > first.1, "the schedule did not move on");
    assert!(
        last.0 - first.0 <= last.1 - first.1,
        "more passes than slots: {first:?} -> {last:?}"
    );
    assert_eq!(stored_days(srv).await, 2);
    let logs: String = replicas.iter().map(|r| r.log()).collect();
    assert!(logs.contains("analytics aggregation"), "{logs}");
    drop(replicas);
}
