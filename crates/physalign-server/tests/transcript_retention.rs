//! Seed 002's transcript retention on the real server and PostgreSQL (issue 19): the clean-up
//! purges transcripts 90 days after their session unless saved, `GET` then answers 410
//! `TRANSCRIPT_PURGED`; `DELETE` removes one on request (409 the second time); a removed
//! transcript cannot be uploaded again, and the session's detail says why it is gone.

mod common;

use common::{start, TestServer, User};
use physalign_server::retention::{Pass, RetentionPolicy};
use serde_json::json;

async fn session_with_transcript(srv: &TestServer, patient: &User, text: &str) -> String {
    let sid = srv.session(patient).await;
    srv.call(
        "PUT",
        &format!("/api/sessions/{sid}/transcript"),
        Some(&patient.access),
        Some(
            json!({"language": "en", "text": text, "model": "whisper-tiny.en",
            "segments": [{"start_ms": 0, "end_ms": 1800, "text": text}]}),
        ),
    )
    .await
    .expect(200);
    sid
}

/// Moves the session `days` into the past (its start and end).
async fn age(srv: &TestServer, sid: &str, days: i32) {
    sqlx::query(
        "UPDATE exercise_sessions SET start_time = NOW() - make_interval(days => $2),
            end_time = NOW() - make_interval(days => $2) + INTERVAL '20 minutes'
         WHERE id = $1::uuid",
    )
    .bind(sid)
    .bind(days)
    .execute(&srv.pool)
    .await
    .unwrap();
}

async fn purge(srv: &TestServer) -> u64 {
    match srv.retention_pass(&RetentionPolicy::default()).await {
        Pass::Ran(swept) => swept.transcripts_purged,
        Pass::Busy => panic!("no other pass runs"),
    }
}

async fn get(srv: &TestServer, user: &User, path: &str) -> common::Reply {
    srv.call("GET", path, Some(&user.access), None).await
}

#[tokio::test]
async fn transcripts_past_ninety_days_are_purged_unless_saved() {
    let srv = start().await;
    let physio = srv.signup("physiotherapist").await;
    let patient = srv.signup("patient").await;
    srv.link(&physio, &patient).await;
    let old = session_with_transcript(&srv, &patient, "Knee pain three out of ten.").await;
    let saved = session_with_transcript(&srv, &patient, "Hip felt fine today.").await;
    let saved_for_a_year = session_with_transcript(&srv, &patient, "Shoulder is stiff.").await;
    let recent = session_with_transcript(&srv, &patient, "Ankle good.").await;
    for sid in [&old, &saved, &saved_for_a_year] {
        age(&srv, sid, 91).await;
    }
    age(&srv, &recent, 89).await;

    // The transcript says when it goes: 90 days after the session.
    let t = get(
        &srv,
        &patient,
        &format!("/api/sessions/{recent}/transcript"),
    )
    .await;
    assert_eq!(t.expect(200)["saved"], false);
    let purge_at: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(t.body["purge_at"].clone()).unwrap();
    let in_days = (purge_at - chrono::Utc::now()).num_hours() as f64 / 24.0;
    assert!((1.0..1.1).contains(&in_days), "purge in {in_days} days");

    // The patient saves one indefinitely, their clinician another for a year.
    let r = srv
        .call(
            "POST",
            &format!("/api/sessions/{saved}/transcript/save"),
            Some(&patient.access),
            Some(json!({})),
        )
        .await;
    assert_eq!(r.expect(200)["saved"], true);
    assert!(r.body["expires_at"].is_null());
    let r = srv
        .call(
            "POST",
            &format!("/api/sessions/{saved_for_a_year}/transcript/save"),
            Some(&physio.access),
            Some(json!({"retention_days": 365})),
        )
        .await;
    let expires: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(r.expect(200)["expires_at"].clone()).unwrap();
    let in_days = (expires - chrono::Utc::now()).num_hours() as f64 / 24.0;
    assert!(
        (273.0..275.0).contains(&in_days),
        "expires in {in_days} days"
    );
    // Shorter than the automatic retention, or longer than ten years: refused.
    for days in [30, 3651] {
        let r = srv
            .call(
                "POST",
                &format!("/api/sessions/{recent}/transcript/save"),
                Some(&patient.access),
                Some(json!({"retention_days": days})),
            )
            .await;
        r.expect(400);
        assert_eq!(r.code(), "VALIDATION_ERROR");
    }

    let before = get(&srv, &patient, &format!("/api/sessions/{old}")).await;
    let before_updated = before.expect(200)["session"]["updated_at"].clone();
    assert_eq!(purge(&srv).await, 1);
    assert_eq!(purge(&srv).await, 0, "a second pass finds nothing");

    let r = get(&srv, &patient, &format!("/api/sessions/{old}/transcript")).await;
    r.expect(410);
    assert_eq!(r.code(), "TRANSCRIPT_PURGED");
    // The session's detail says so, and the session counts as changed so devices pull it.
    let detail = get(&srv, &physio, &format!("/api/sessions/{old}")).await;
    assert!(detail.expect(200)["transcript"].is_null());
    assert_eq!(detail.body["transcript_removed"]["reason"], "purged");
    assert_ne!(detail.body["session"]["updated_at"], before_updated);
    // The text is gone from the database, not only from the answers.
    let text: String = sqlx::query_scalar(
        "SELECT text || segments::text FROM session_transcripts WHERE session_id = $1::uuid",
    )
    .bind(&old)
    .fetch_one(&srv.pool)
    .await
    .unwrap();
    assert_eq!(text, "[]");
    // A device that still has it cannot upload it again.
    let r = srv
        .call(
            "PUT",
            &format!("/api/sessions/{old}/transcript"),
            Some(&patient.access),
            Some(
                json!({"language": "en", "text": "Knee pain three out of ten.",
                "model": "whisper-tiny.en", "segments": []}),
            ),
        )
        .await;
    r.expect(410);
    assert_eq!(r.code(), "TRANSCRIPT_PURGED");
    // Saving comes too late.
    let r = srv
        .call(
            "POST",
            &format!("/api/sessions/{old}/transcript/save"),
            Some(&patient.access),
            Some(json!({})),
        )
        .await;
    r.expect(410);

    for sid in [&saved, &saved_for_a_year, &recent] {
        let r = get(&srv, &physio, &format!("/api/sessions/{sid}/transcript")).await;
        assert!(!r.expect(200)["text"].as_str().unwrap().is_empty());
    }
    // A year after the session (its saved time run out) the one saved for a year goes too; the
    // indefinite one stays.
    sqlx::query(
        "UPDATE session_transcripts SET saved_until = NOW() - INTERVAL '1 minute'
         WHERE session_id = $1::uuid",
    )
    .bind(&saved_for_a_year)
    .execute(&srv.pool)
    .await
    .unwrap();
    age(&srv, &saved, 3000).await;
    assert_eq!(purge(&srv).await, 1);
    get(
        &srv,
        &patient,
        &format!("/api/sessions/{saved_for_a_year}/transcript"),
    )
    .await
    .expect(410);
    get(&srv, &patient, &format!("/api/sessions/{saved}/transcript"))
        .await
        .expect(200);
}

#[tokio::test]
async fn a_deleted_transcript_is_gone_for_everyone_and_stays_gone() {
    let srv = start().await;
    let physio = srv.signup("physiotherapist").await;
    let patient = srv.signup("patient").await;
    let stranger = srv.signup("patient").await;
    srv.link(&physio, &patient).await;
    let sid = session_with_transcript(&srv, &patient, "My back hurts, six out of ten.").await;
    let path = format!("/api/sessions/{sid}/transcript");

    // Only the patient (or the clinician who recorded the session) deletes it.
    let r = srv.call("DELETE", &path, Some(&physio.access), None).await;
    r.expect(403);
    let r = srv
        .call("DELETE", &path, Some(&stranger.access), None)
        .await;
    r.expect(404);
    assert_eq!(r.code(), "SESSION_NOT_FOUND");
    let admin = srv.admin().await;
    srv.call("DELETE", &path, Some(&admin.access), None)
        .await
        .expect(403);
    get(&srv, &physio, &path).await.expect(200);

    let r = srv.call("DELETE", &path, Some(&patient.access), None).await;
    r.expect(204);
    let r = srv.call("DELETE", &path, Some(&patient.access), None).await;
    r.expect(409);
    assert_eq!(r.code(), "TRANSCRIPT_ALREADY_DELETED");
    for user in [&patient, &physio] {
        let r = get(&srv, user, &path).await;
        r.expect(410);
        assert_eq!(r.code(), "TRANSCRIPT_DELETED");
    }
    let detail = get(&srv, &physio, &format!("/api/sessions/{sid}")).await;
    assert_eq!(
        detail.expect(200)["transcript_removed"]["reason"],
        "deleted"
    );
    let r = srv
        .call(
            "PUT",
            &path,
            Some(&patient.access),
            Some(json!({"language": "en", "text": "again", "model": "m", "segments": []})),
        )
        .await;
    r.expect(410);
    assert_eq!(r.code(), "TRANSCRIPT_DELETED");
    // Who deleted it, and that they did, is in the access log.
    let deletions: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM access_logs WHERE resource_type = 'session_transcript'
           AND action = 'delete' AND resource_id = $1::uuid AND user_id = $2::uuid",
    )
    .bind(&sid)
    .bind(&patient.id)
    .fetch_one(&srv.pool)
    .await
    .unwrap();
    assert_eq!(deletions, 1);

    // A session without a transcript: nothing to delete.
    let empty = srv.session(&patient).await;
    let r = srv
        .call(
            "DELETE",
            &format!("/api/sessions/{empty}/transcript"),
            Some(&patient.access),
            None,
        )
        .await;
    r.expect(404);
    assert_eq!(r.code(), "TRANSCRIPT_NOT_FOUND");
}
