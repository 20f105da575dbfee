//! Seed 004's export jobs on the real server and PostgreSQL (issue 19): a clinician asks for a
//! session note and a progress report, the server's worker writes the PDFs with the device's
//! engine from what the server keeps (read back with `pdftotext`: the measured repetitions, the
//! pain said, the review), the download is audited with the caller's address and user agent,
//! nobody else reaches the jobs, a job expires after 7 days (410, its file removed by the
//! clean-up), at most 20 an hour, and a job whose replica died is taken over.

mod common;

use std::path::Path;
use std::time::Duration;

use common::{care_teams, Reply, TestServer, User};
use physalign_server::export::worker::{self, Worked};
use physalign_server::retention::{Pass, RetentionPolicy};
use serde_json::{json, Value};

/// A squat session of `patient` with frames, four repetitions (two per side), a form issue,
/// notes (knee pain 3 of 10, mood, homework) and a transcript.
async fn measured_session(srv: &TestServer, patient: &User) -> String {
    let sid = srv.session(patient).await;
    let tok = Some(patient.access.as_str());
    let mut upload = common::pose_upload(30);
    let rep = |i: u32, side: &str, min: f64, start: i64| {
        json!({"index": i, "start_ms": start, "end_ms": start + 1500, "min_angle": min,
               "max_angle": 170.0, "partial": false, "confidence": 0.9, "side": side,
               "eccentric_ms": 800, "concentric_ms": 700})
    };
    upload["repetitions"] = json!([
        rep(0, "left", 92.0, 0),
        rep(1, "right", 96.0, 1600),
        rep(2, "left", 88.0, 3200),
        rep(3, "right", 94.0, 4800)
    ]);
    upload["form_issues"] = json!([{"timestamp_ms": 1800, "issue": {"type": "KNEE_VALGUS",
        "joint": "knee_right", "message": "Right knee drifts inwards", "severity": "MEDIUM"}}]);
    srv.call(
        "POST",
        &format!("/api/sessions/{sid}/data"),
        tok,
        Some(upload),
    )
    .await
    .expect(201);
    srv.call(
        "PUT",
        &format!("/api/sessions/{sid}/notes"),
        tok,
        Some(
            json!({"pain": [{"body_part": "knee", "laterality": "left", "score": 3.0,
                "quote": "My left knee hurts, about three out of ten."}],
            "mood": "positive", "mood_score": 4,
            "action_items": ["Ice the knee after the exercises"], "extractor": "rules-v1"}),
        ),
    )
    .await
    .expect(200);
    srv.call(
        "PUT",
        &format!("/api/sessions/{sid}/transcript"),
        tok,
        Some(json!({"language": "en", "model": "whisper-tiny.en",
            "text": "My left knee hurts, about three out of ten.",
            "segments": [{"start_ms": 0, "end_ms": 2500,
                          "text": "My left knee hurts, about three out of ten."}]})),
    )
    .await
    .expect(200);
    sid
}

/// Waits for job `id` to leave the queue; returns its final view.
async fn finished(srv: &TestServer, user: &User, id: &str) -> Value {
    for _ in 0..300 {
        let job = srv
            .call(
                "GET",
                &format!("/api/v1/export/jobs/{id}"),
                Some(&user.access),
                None,
            )
            .await;
        let body = job.expect(200).clone();
        if body["status"] != "queued" && body["status"] != "processing" {
            return body;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("export {id} not written within 30 s");
}

/// The text of a PDF, as a reader's viewer extracts it.
fn pdf_text(bytes: &[u8], dir: &Path, name: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args(["-layout", path.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (poppler-utils) runs");
    assert!(out.status.success(), "pdftotext: {:?}", out);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

async fn download(srv: &TestServer, user: &User, id: &str) -> (Reply, Vec<u8>) {
    let resp = reqwest::Client::new()
        .get(format!("{}/api/v1/export/download/{id}", srv.base))
        .bearer_auth(&user.access)
        .header("user-agent", "export-test/1.0")
        .send()
        .await
        .expect("download");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let bytes = resp.bytes().await.expect("body").to_vec();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (
        Reply {
            status,
            headers,
            body,
        },
        bytes,
    )
}

#[tokio::test]
async fn a_clinician_exports_pdfs_that_only_they_can_download_for_seven_days() {
    let teams = care_teams().await;
    let srv = &teams.srv;
    let (physio, patient) = (&teams.physio, &teams.patient);
    // The program, a goal and a condition on record, as the report prints them.
    let today = chrono::Utc::now().date_naive();
    srv.call(
        "POST",
        "/api/programs",
        Some(&physio.access),
        Some(
            json!({"patient_id": patient.pid(), "exercise_id": "squat", "sets": 3, "reps": 10,
            "target_angle_deg": 90.0, "tolerance_deg": 10.0, "side": "both",
            "sessions_per_week": 3, "start_date": (today - chrono::Duration::days(20)).to_string(),
            "instructions": "Slowly on the way down"}),
        ),
    )
    .await
    .expect(201);
    srv.call(
        "POST",
        &format!("/api/clients/{}/therapy-goals", patient.pid()),
        Some(&physio.access),
        Some(json!({"goal": "Climb stairs without pain", "progress": 20})),
    )
    .await
    .expect(201);
    // Two ODI questionnaires in the period: 46 % at intake (the patient's), 30 % later (entered
    // in clinic), a 16-point fall, beyond the ODI's MCID of 10.
    for (who, answers, days_ago) in [
        (patient, json!([3, 3, 2, 2, 3, 2, 2, 2, 2, 2]), 10),
        (physio, json!([2, 2, 1, 1, 2, 1, 2, 1, 2, 1]), 2),
    ] {
        srv.call(
            "POST",
            "/api/outcome-responses",
            Some(&who.access),
            Some(
                json!({"id": uuid::Uuid::new_v4(), "patient_id": patient.pid(),
                "instrument": "odi", "answers": answers,
                "completed_at": (chrono::Utc::now() - chrono::Duration::days(days_ago))
                    .to_rfc3339()}),
            ),
        )
        .await
        .expect(201);
    }
    let sid = measured_session(srv, patient).await;
    srv.call(
        "POST",
        "/api/physio/reviews",
        Some(&physio.access),
        Some(
            json!({"session_id": sid, "notes": "Depth improving; keep the right knee out.",
            "overall_assessment": "GOOD", "form_feedback": [],
            "next_steps": {"frequency": "3 times per week"}}),
        ),
    )
    .await
    .expect(201);
    let tmp = tempfile::tempdir().unwrap();

    // The session note: queued (202), written by the worker, downloaded as a PDF.
    let queued = srv
        .call(
            "POST",
            "/api/v1/export/session-notes",
            Some(&physio.access),
            Some(json!({"session_id": sid})),
        )
        .await;
    let job = queued.expect(202).clone();
    assert_eq!(job["kind"], "session_notes");
    assert_eq!(job["format"], "pdf");
    assert_eq!(job["patient_id"], patient.pid());
    let note_id = job["job_id"].as_str().unwrap().to_string();
    let done = finished(srv, physio, &note_id).await;
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(
        done["download_url"],
        format!("/api/v1/export/download/{note_id}")
    );
    let (reply, bytes) = download(srv, physio, &note_id).await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.header("content-type").as_deref(),
        Some("application/pdf")
    );
    assert!(reply
        .header("content-disposition")
        .is_some_and(|d| d.starts_with("attachment; filename=\"session-note-")));
    assert!(bytes.starts_with(b"%PDF"));
    assert_eq!(done["size_bytes"], bytes.len() as u64);
    let note = pdf_text(&bytes, tmp.path(), "note.pdf");
    let name = format!("Test {}", patient.email.split('@').next().unwrap());
    for expected in [
        name.as_str(),
        "Squat",
        "three out of ten",
        "Right knee drifts inwards",
        "Ice the knee after the exercises",
        "Good",
        "Depth improving",
        "88", // the deepest repetition's angle, as uploaded
    ] {
        assert!(
            note.contains(expected),
            "{expected:?} not in the note:\n{note}"
        );
    }

    // The progress report of the patient over the days around the session.
    let queued = srv
        .call(
            "POST",
            "/api/v1/export/progress-report",
            Some(&physio.access),
            Some(json!({"patient_id": patient.pid(),
                "from": (today - chrono::Duration::days(13)).to_string(),
                "to": (today + chrono::Duration::days(1)).to_string()})),
        )
        .await;
    let report_id = queued.expect(202)["job_id"].as_str().unwrap().to_string();
    assert_eq!(queued.body["kind"], "progress_report");
    assert_eq!(
        finished(srv, physio, &report_id).await["status"],
        "completed"
    );
    let (reply, bytes) = download(srv, physio, &report_id).await;
    assert_eq!(reply.status, 200);
    let report = pdf_text(&bytes, tmp.path(), "report.pdf");
    for expected in [
        name.as_str(),
        "Squat",
        "three out of ten",
        "Ice the knee after the exercises",
        "3 times per week",
        "Climb stairs without pain (active, 20%)",
        "3 × 10",
        "90° ± 10°",
        "Slowly on the way down",
        // The outcome measures: the ODI from intake to the latest, against its MCID (the
        // table's columns wrap in the text, the summary's sentence does not).
        "ODI: 46 to 30 (improved by at least the MCID).",
        "ODI (0–100, lower is",
        "-16.0",
    ] {
        assert!(
            report.contains(expected),
            "{expected:?} not in the report:\n{report}"
        );
    }
    assert!(
        !report.contains(physalign_pdf::NO_OUTCOMES),
        "the questionnaires are charted:\n{report}"
    );

    // Every download in the access log, with the caller's address and user agent.
    let logged: Vec<(String, Option<String>, bool)> = sqlx::query_as(
        "SELECT action, user_agent, ip_address IS NOT NULL FROM access_logs
         WHERE resource_type = 'export' AND action = 'export' AND user_id = $1::uuid
         ORDER BY timestamp",
    )
    .bind(&physio.id)
    .fetch_all(&srv.pool)
    .await
    .unwrap();
    assert_eq!(logged.len(), 2, "{logged:?}");
    assert!(logged
        .iter()
        .all(|(_, agent, ip)| agent.as_deref() == Some("export-test/1.0") && *ip));
    let created: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM access_logs WHERE resource_type = 'export' AND action = 'create'",
    )
    .fetch_one(&srv.pool)
    .await
    .unwrap();
    assert_eq!(created, 2);

    // Nobody else reaches the jobs; patients cannot export; another clinician's patient is 404.
    for outsider in [&teams.other_physio, &teams.admin] {
        let (reply, _) = download(srv, outsider, &note_id).await;
        assert_eq!(reply.status, 404);
        assert_eq!(reply.code(), "EXPORT_NOT_FOUND");
        srv.call(
            "GET",
            &format!("/api/v1/export/jobs/{note_id}"),
            Some(&outsider.access),
            None,
        )
        .await
        .expect(404);
    }
    srv.call(
        "POST",
        "/api/v1/export/session-notes",
        Some(&teams.other_physio.access),
        Some(json!({"session_id": sid})),
    )
    .await
    .expect(404);
    srv.call(
        "POST",
        "/api/v1/export/progress-report",
        Some(&teams.other_physio.access),
        Some(json!({"patient_id": patient.pid()})),
    )
    .await
    .expect(404);
    srv.call(
        "POST",
        "/api/v1/export/session-notes",
        Some(&patient.access),
        Some(json!({"session_id": sid})),
    )
    .await
    .expect(403);
    srv.call(
        "POST",
        "/api/v1/export/session-notes",
        Some(&physio.access),
        Some(json!({"session_id": sid, "format": "docx"})),
    )
    .await
    .expect(400);
    srv.call(
        "POST",
        "/api/v1/export/progress-report",
        Some(&physio.access),
        Some(json!({"patient_id": patient.pid(), "from": "2026-02-01", "to": "2026-01-01"})),
    )
    .await
    .expect(400);

    // The list: the caller's two jobs, newest first.
    let list = srv
        .call(
            "GET",
            "/api/v1/export/jobs?status=completed",
            Some(&physio.access),
            None,
        )
        .await;
    let ids: Vec<&str> = list.expect(200)["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["job_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [report_id.as_str(), note_id.as_str()]);
    assert_eq!(list.body["pagination"]["total_items"], 2);

    // Seven days later the note has expired (410), and the clean-up removes its file.
    sqlx::query(
        "UPDATE export_jobs SET expires_at = NOW() - INTERVAL '1 minute' WHERE id = $1::uuid",
    )
    .bind(&note_id)
    .execute(&srv.pool)
    .await
    .unwrap();
    let (reply, _) = download(srv, physio, &note_id).await;
    assert_eq!(reply.status, 410);
    assert_eq!(reply.code(), "EXPORT_EXPIRED");
    assert_eq!(finished(srv, physio, &note_id).await["status"], "expired");
    let policy = RetentionPolicy::default();
    assert_eq!(srv.retention_preview(&policy).await.exports_expired, 1);
    match srv.retention_pass(&policy).await {
        Pass::Ran(swept) => assert_eq!(swept.exports_expired, 1),
        Pass::Busy => panic!("no other pass runs"),
    }
    let files: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM export_files")
        .fetch_one(&srv.pool)
        .await
        .unwrap();
    assert_eq!(files, 1, "only the report's file is left");

    // Deleted: gone for its owner too, file and all.
    srv.call(
        "DELETE",
        &format!("/api/v1/export/jobs/{report_id}"),
        Some(&physio.access),
        None,
    )
    .await
    .expect(204);
    let (reply, _) = download(srv, physio, &report_id).await;
    assert_eq!(reply.status, 404);
    srv.call(
        "DELETE",
        &format!("/api/v1/export/jobs/{report_id}"),
        Some(&physio.access),
        None,
    )
    .await
    .expect(404);

    // At most 20 an hour, deleted ones included: 18 more, then 429 with Retry-After.
    for _ in 0..18 {
        srv.call(
            "POST",
            "/api/v1/export/session-notes",
            Some(&physio.access),
            Some(json!({"session_id": sid})),
        )
        .await
        .expect(202);
    }
    let refused = srv
        .call(
            "POST",
            "/api/v1/export/session-notes",
            Some(&physio.access),
            Some(json!({"session_id": sid})),
        )
        .await;
    assert_eq!(
        refused.expect(429).clone()["error"]["code"],
        "RATE_LIMIT_EXCEEDED"
    );
    let retry: u64 = refused
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    assert!((1..=3600).contains(&retry), "{retry}");
    // Another clinician's hour is their own.
    srv.call(
        "POST",
        "/api/v1/export/progress-report",
        Some(&teams.other_physio.access),
        Some(json!({"patient_id": teams.other_patient.pid()})),
    )
    .await
    .expect(202);
}

#[tokio::test]
async fn a_job_whose_server_died_is_taken_over_and_a_lost_one_fails_clearly() {
    let teams = care_teams().await;
    let srv = &teams.srv;
    let sid = measured_session(srv, &teams.patient).await;
    // Rows as a replica killed mid-write leaves them: claimed 20 minutes ago, never finished.
    let insert = |attempts: i32| {
        sqlx::query_scalar::<_, uuid::Uuid>(
            "INSERT INTO export_jobs (id, requested_by, kind, format, status, patient_id,
                 session_id, attempts, claimed_at)
             VALUES (gen_random_uuid(), $1::uuid, 'session_notes', 'pdf', 'processing', $2::uuid,
                 $3::uuid, $4, NOW() - INTERVAL '20 minutes') RETURNING id",
        )
        .bind(&teams.physio.id)
        .bind(teams.patient.pid())
        .bind(&sid)
        .bind(attempts)
        .fetch_one(&srv.pool)
    };
    let stale = insert(1).await.unwrap();
    let hopeless = insert(3).await.unwrap();
    // A fresh claim is left alone (its replica is still writing).
    let fresh: uuid::Uuid = sqlx::query_scalar(
        "INSERT INTO export_jobs (id, requested_by, kind, format, status, patient_id, session_id,
             attempts, claimed_at)
         VALUES (gen_random_uuid(), $1::uuid, 'session_notes', 'pdf', 'processing', $2::uuid,
             $3::uuid, 1, NOW()) RETURNING id",
    )
    .bind(&teams.physio.id)
    .bind(teams.patient.pid())
    .bind(&sid)
    .fetch_one(&srv.pool)
    .await
    .unwrap();
    // This test's worker and the server's own may share the work: the outcome is the same.
    while worker::run_once(&srv.pool).await.unwrap() != Worked::Idle {}
    let status = |id: uuid::Uuid| {
        sqlx::query_as::<_, (String, Option<String>)>(
            "SELECT status, error FROM export_jobs WHERE id = $1",
        )
        .bind(id)
        .fetch_one(&srv.pool)
    };
    assert_eq!(status(stale).await.unwrap().0, "completed");
    let (state, error) = status(hopeless).await.unwrap();
    assert_eq!(state, "failed");
    assert!(error.unwrap().contains("gave up after 3 attempts"));
    assert_eq!(status(fresh).await.unwrap().0, "processing");
    let (reply, _) = download(srv, &teams.physio, &hopeless.to_string()).await;
    assert_eq!(reply.status, 409);
    assert_eq!(reply.code(), "EXPORT_NOT_READY");

    // A session deleted after the request (before a worker got to it) fails its job with the
    // reason, not a retry loop.
    sqlx::query("DELETE FROM exercise_sessions WHERE id = $1::uuid")
        .bind(&sid)
        .execute(&srv.pool)
        .await
        .unwrap();
    let gone: uuid::Uuid = sqlx::query_scalar(
        "INSERT INTO export_jobs (id, requested_by, kind, format, patient_id, session_id)
         VALUES (gen_random_uuid(), $1::uuid, 'session_notes', 'pdf', $2::uuid, $3::uuid)
         RETURNING id",
    )
    .bind(&teams.physio.id)
    .bind(teams.patient.pid())
    .bind(&sid)
    .fetch_one(&srv.pool)
    .await
    .unwrap();
    while worker::run_once(&srv.pool).await.unwrap() != Worked::Idle {}
    let failed = finished(srv, &teams.physio, &gone.to_string()).await;
    assert_eq!(failed["status"], "failed");
    assert_eq!(failed["error"], "the session no longer exists");
}
