//! Integrity on the real server and PostgreSQL (issue 17): a session's measured data (frames,
//! the device's summary, recorded times, files) is written only by the device that recorded it
//! (the patient's, or the clinician's for a session recorded in clinic); a clinician's change
//! to a session touches only clinician fields; replaced frames are kept.

mod common;

use common::{pose_upload, start};
use serde_json::json;

#[tokio::test]
async fn measured_data_comes_only_from_the_recording_device() {
    let srv = start().await;
    let patient = srv.signup("patient").await;
    let physio = srv.signup("physiotherapist").await;
    let admin = srv.admin().await;
    srv.link(&physio, &patient).await;
    let at_home = srv.session(&patient).await;

    // Recorded at home: the patient's device writes the frames; the care team and an
    // administrator, who can read them, cannot write them.
    let data = |session: &str| format!("/api/sessions/{session}/data");
    srv.call(
        "POST",
        &data(&at_home),
        Some(&patient.access),
        Some(pose_upload(3)),
    )
    .await
    .expect(201);
    for other in [&physio, &admin] {
        let r = srv
            .call(
                "POST",
                &data(&at_home),
                Some(&other.access),
                Some(pose_upload(2)),
            )
            .await;
        assert_eq!((r.status, r.code()), (403, "FORBIDDEN"), "{:?}", r.body);
        let r = srv
            .call(
                "POST",
                "/api/upload/generate-url",
                Some(&other.access),
                Some(json!({"session_id": at_home, "kind": "video"})),
            )
            .await;
        assert_eq!((r.status, r.code()), (403, "FORBIDDEN"));
        srv.call(
            "GET",
            &format!("/api/sessions/{at_home}"),
            Some(&other.access),
            None,
        )
        .await
        .expect(200);
    }
    let frames: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM pose_frames WHERE session_id = $1::uuid")
            .bind(&at_home)
            .fetch_one(&srv.pool)
            .await
            .unwrap();
    assert_eq!(frames, 3, "the refused uploads changed nothing");

    // The clinician changes clinician fields only: the status after a review, instructions.
    let session_path = format!("/api/sessions/{at_home}");
    srv.call(
        "PUT",
        &session_path,
        Some(&physio.access),
        Some(json!({"instructions": "Slower on the way down", "status": "reviewed"})),
    )
    .await
    .expect(200);
    for measured in [
        json!({"end_time": "2026-01-30T10:05:00Z"}),
        json!({"duration_seconds": 10}),
        json!({"exercise_type": "lunge"}),
        json!({"environment_notes": "living room"}),
    ] {
        let r = srv
            .call(
                "PUT",
                &session_path,
                Some(&physio.access),
                Some(measured.clone()),
            )
            .await;
        assert_eq!((r.status, r.code()), (403, "FORBIDDEN"), "{measured}");
    }
    let r = srv
        .call(
            "PUT",
            &session_path,
            Some(&admin.access),
            Some(json!({"duration_seconds": 10})),
        )
        .await;
    assert_eq!(r.status, 403);
    // The recording device still completes its session.
    srv.call(
        "PUT",
        &session_path,
        Some(&patient.access),
        Some(json!({"duration_seconds": 42})),
    )
    .await
    .expect(200);

    // Reviewing the session does not make the clinician its recorder.
    srv.call(
        "POST",
        "/api/physio/reviews",
        Some(&physio.access),
        Some(json!({"session_id": at_home, "overall_assessment": "GOOD", "form_feedback": []})),
    )
    .await
    .expect(201);
    let r = srv
        .call(
            "POST",
            &data(&at_home),
            Some(&physio.access),
            Some(pose_upload(2)),
        )
        .await;
    assert_eq!((r.status, r.code()), (403, "FORBIDDEN"), "after a review");

    // Recorded in clinic on the clinician's device: the clinician writes its data.
    let r = srv
        .call(
            "POST",
            "/api/sessions",
            Some(&physio.access),
            Some(json!({"exercise_type": "squat", "patient_id": patient.pid()})),
        )
        .await;
    let in_clinic = r.expect(201)["session_id"].as_str().unwrap().to_string();
    srv.call(
        "POST",
        &data(&in_clinic),
        Some(&physio.access),
        Some(pose_upload(2)),
    )
    .await
    .expect(201);
    srv.call(
        "PUT",
        &format!("/api/sessions/{in_clinic}"),
        Some(&physio.access),
        Some(json!({"duration_seconds": 30})),
    )
    .await
    .expect(200);
    // Another clinician of the same patient did not record it.
    let colleague = srv.signup("physiotherapist").await;
    srv.link(&colleague, &patient).await;
    let r = srv
        .call(
            "POST",
            &data(&in_clinic),
            Some(&colleague.access),
            Some(pose_upload(2)),
        )
        .await;
    assert_eq!(r.status, 403);
}

#[tokio::test]
async fn replaced_frames_are_kept() {
    let srv = start().await;
    let patient = srv.signup("patient").await;
    let session = srv.session(&patient).await;
    let path = format!("/api/sessions/{session}/data");
    srv.call("POST", &path, Some(&patient.access), Some(pose_upload(5)))
        .await
        .expect(201);
    srv.call("POST", &path, Some(&patient.access), Some(pose_upload(2)))
        .await
        .expect(201);
    let count = |table: &'static str| {
        let pool = srv.pool.clone();
        let session = session.clone();
        async move {
            sqlx::query_scalar::<_, i64>(&format!(
                "SELECT COUNT(*) FROM {table} WHERE session_id = $1::uuid"
            ))
            .bind(session)
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    assert_eq!(count("pose_frames").await, 2, "the new upload is current");
    assert_eq!(
        count("pose_frames_replaced").await,
        5,
        "the earlier one is kept"
    );
    // The kept frames are the earlier upload's, unchanged.
    let kept: Vec<i64> = sqlx::query_scalar(
        "SELECT timestamp_ms FROM pose_frames_replaced WHERE session_id = $1::uuid ORDER BY seq",
    )
    .bind(&session)
    .fetch_all(&srv.pool)
    .await
    .unwrap();
    assert_eq!(kept.len(), 5);
    assert_eq!(kept[4] - kept[0], 4 * 66);
    // Deleting the session takes every version with it.
    srv.call(
        "DELETE",
        &format!("/api/sessions/{session}"),
        Some(&patient.access),
        None,
    )
    .await
    .expect(204);
    assert_eq!(count("pose_frames_replaced").await, 0);
}
