//! Sessions, pose data, profile, uploads, ETags and idempotency against a real PostgreSQL.

mod common;

use common::{pose_upload, start};
use serde_json::json;

#[tokio::test]
async fn session_lifecycle_with_pose_data() {
    let srv = start().await;
    let patient = srv.signup("patient").await;
    let tok = Some(patient.access.as_str());

    let created = srv
        .call(
            "POST",
            "/api/sessions",
            tok,
            Some(json!({"exercise_type": "Squat", "scheduled_datetime": "2026-01-30T10:00:00Z",
                        "estimated_duration": 60, "instructions": "Perform 10 squats with proper form"})),
        )
        .await;
    let body = created.expect(201).clone();
    assert_eq!(body["status"], "pending");
    let id = body["session_id"].as_str().unwrap().to_string();
    assert!(body["upload_urls"]["video"]
        .as_str()
        .unwrap()
        .contains("signature="));
    assert!(body["upload_urls"]["metadata"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/api/sessions/{id}/data")));
    assert!(body["expires_at"].is_string());

    let got = srv
        .call("GET", &format!("/api/sessions/{id}"), tok, None)
        .await;
    got.expect(200);
    assert_eq!(got.body["session"]["exercise_type"], "squat");
    assert_eq!(
        got.body["session"]["patient_id"],
        patient.profile_id.clone().unwrap()
    );
    assert!(got.body["pose_data"].is_null());
    assert!(got.body["review"].is_null());
    assert_eq!(got.header("etag").as_deref(), Some("\"1\""));

    let uploaded = srv
        .call(
            "POST",
            &format!("/api/sessions/{id}/data"),
            tok,
            Some(pose_upload(450)),
        )
        .await;
    uploaded.expect(201);
    assert_eq!(uploaded.body["frames_stored"], 450);
    assert_eq!(uploaded.body["status"], "review_pending");
    let stored: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM pose_frames WHERE session_id = $1::uuid")
            .bind(&id)
            .fetch_one(&srv.pool)
            .await
            .unwrap();
    assert_eq!(stored, 450);

    // A re-upload replaces, never duplicates.
    srv.call(
        "POST",
        &format!("/api/sessions/{id}/data"),
        tok,
        Some(pose_upload(30)),
    )
    .await
    .expect(201);
    let got = srv
        .call("GET", &format!("/api/sessions/{id}"), tok, None)
        .await;
    let pose = &got.expect(200)["pose_data"];
    assert_eq!(pose["frame_count"], 30);
    // Knee angles cycle 90..=119 over 30 frames, 66 ms apart.
    assert_eq!(pose["angle_ranges"]["knee_left"]["min"], 90.0);
    assert_eq!(pose["angle_ranges"]["knee_left"]["max"], 119.0);
    assert_eq!(pose["angle_ranges"]["knee_left"]["avg"], 104.5);
    assert_eq!(pose["angle_ranges"]["knee_right"]["min"], 88.0);
    let rate = pose["sampling_rate"].as_f64().unwrap();
    assert!((rate - 1000.0 / 66.0).abs() < 0.05, "rate {rate}");
    assert_eq!(
        got.body["session"]["summary_statistics"]["peak_angles"]["knee_left_max"],
        119.0
    );
    assert_eq!(got.body["session"]["status"], "review_pending");

    // Update with the current ETag works, a stale one is refused.
    let etag = got.header("etag").unwrap();
    let updated = srv
        .call_with(
            "PUT",
            &format!("/api/sessions/{id}"),
            tok,
            Some(json!({"duration_seconds": 61, "equipment_used": ["mat"]})),
            &[("if-match", &etag)],
        )
        .await;
    updated.expect(200);
    assert_eq!(updated.body["duration_seconds"], 61);
    assert_eq!(updated.body["equipment_used"], json!(["mat"]));
    let stale = srv
        .call_with(
            "PUT",
            &format!("/api/sessions/{id}"),
            tok,
            Some(json!({"duration_seconds": 62})),
            &[("if-match", &etag)],
        )
        .await;
    stale.expect(412);
    assert_eq!(stale.code(), "PRECONDITION_FAILED");
    assert_eq!(
        stale.body["error"]["details"]["current_version"],
        updated.body["version"]
    );

    // Lists.
    let list = srv
        .call(
            "GET",
            "/api/sessions?status=review_pending&per_page=5",
            tok,
            None,
        )
        .await;
    list.expect(200);
    assert_eq!(
        list.body["pagination"],
        json!({"page": 1, "per_page": 5, "total_items": 1, "total_pages": 1})
    );
    assert_eq!(list.body["data"][0]["id"], id.as_str());
    let none = srv
        .call("GET", "/api/sessions?status=completed", tok, None)
        .await;
    assert_eq!(none.expect(200)["pagination"]["total_items"], 0);
    let own = srv
        .call(
            "GET",
            "/api/patients/sessions?exercise_type=squat",
            tok,
            None,
        )
        .await;
    assert_eq!(own.expect(200)["data"][0]["id"], id.as_str());

    // Delete.
    srv.call("DELETE", &format!("/api/sessions/{id}"), tok, None)
        .await
        .expect(204);
    srv.call("GET", &format!("/api/sessions/{id}"), tok, None)
        .await
        .expect(404);
    let frames: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pose_frames")
        .fetch_one(&srv.pool)
        .await
        .unwrap();
    assert_eq!(frames, 0);
}

#[tokio::test]
async fn pagination_splits_pages() {
    let srv = start().await;
    let patient = srv.signup("patient").await;
    for _ in 0..7 {
        srv.session(&patient).await;
    }
    let page = srv
        .call(
            "GET",
            "/api/sessions?page=2&per_page=3",
            Some(&patient.access),
            None,
        )
        .await;
    page.expect(200);
    assert_eq!(
        page.body["pagination"],
        json!({"page": 2, "per_page": 3, "total_items": 7, "total_pages": 3})
    );
    assert_eq!(page.body["data"].as_array().unwrap().len(), 3);
    let last = srv
        .call(
            "GET",
            "/api/sessions?page=3&per_page=3",
            Some(&patient.access),
            None,
        )
        .await;
    assert_eq!(last.expect(200)["data"].as_array().unwrap().len(), 1);
    srv.call(
        "GET",
        "/api/sessions?per_page=1000",
        Some(&patient.access),
        None,
    )
    .await
    .expect(400);
    srv.call("GET", "/api/sessions?page=0", Some(&patient.access), None)
        .await
        .expect(400);
    srv.call(
        "GET",
        "/api/sessions?status=bogus",
        Some(&patient.access),
        None,
    )
    .await
    .expect(400);
}

#[tokio::test]
async fn pose_data_validation() {
    let srv = start().await;
    let patient = srv.signup("patient").await;
    let id = srv.session(&patient).await;
    let path = format!("/api/sessions/{id}/data");
    let tok = Some(patient.access.as_str());
    let mut bad_quality = pose_upload(2);
    bad_quality["frames"][1]["quality_score"] = json!(1.5);
    let r = srv.call("POST", &path, tok, Some(bad_quality)).await;
    r.expect(400);
    assert_eq!(
        r.body["error"]["details"][0]["field"],
        "frames[1].quality_score"
    );
    let mut bad_landmark = pose_upload(1);
    bad_landmark["frames"][0]["landmarks"][0]["type"] = json!("LEFT_ELBOWISH");
    let r = srv.call("POST", &path, tok, Some(bad_landmark)).await;
    r.expect(400);
    assert!(r.body["error"]["details"][0]["field"]
        .as_str()
        .unwrap()
        .starts_with("frames[0].landmarks[0]"));
    srv.call("POST", &path, tok, Some(json!({"frames": []})))
        .await
        .expect(400);
    let r = srv
        .call("POST", &path, tok, Some(json!({"summary_statistics": {}})))
        .await;
    r.expect(400);
    assert_eq!(r.body["error"]["details"][0]["field"], "frames");
    srv.call(
        "POST",
        &format!("/api/sessions/{}/data", uuid_v4()),
        tok,
        Some(pose_upload(1)),
    )
    .await
    .expect(404);
}

fn uuid_v4() -> String {
    uuid::Uuid::new_v4().to_string()
}

#[tokio::test]
async fn client_generated_ids_are_kept_and_conflicts_reported() {
    let srv = start().await;
    let patient = srv.signup("patient").await;
    let id = uuid_v4();
    let r = srv
        .call(
            "POST",
            "/api/sessions",
            Some(&patient.access),
            Some(json!({"id": id, "exercise_type": "lunge"})),
        )
        .await;
    assert_eq!(r.expect(201)["session_id"], id.as_str());
    let again = srv
        .call(
            "POST",
            "/api/sessions",
            Some(&patient.access),
            Some(json!({"session_id": id, "exercise_type": "lunge"})),
        )
        .await;
    again.expect(409);
    assert_eq!(again.code(), "SESSION_EXISTS");
}

#[tokio::test]
async fn idempotency_key_replays_and_concurrent_duplicates_create_one_record() {
    let srv = start().await;
    let patient = srv.signup("patient").await;
    let body = json!({"exercise_type": "bridge"});
    let sends = (0..5).map(|_| {
        srv.call_with(
            "POST",
            "/api/sessions",
            Some(&patient.access),
            Some(body.clone()),
            &[("idempotency-key", "create-bridge-1")],
        )
    });
    let replies = futures::future::join_all(sends).await;
    let first = &replies[0];
    first.expect(201);
    for r in &replies {
        assert_eq!(r.status, 201);
        assert_eq!(r.body, first.body, "all duplicates get the original answer");
    }
    assert_eq!(
        replies
            .iter()
            .filter(|r| r.header("idempotent-replayed").is_some())
            .count(),
        4
    );
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM exercise_sessions")
        .fetch_one(&srv.pool)
        .await
        .unwrap();
    assert_eq!(count, 1);

    // Sequential retry: same answer, still one record.
    let retry = srv
        .call_with(
            "POST",
            "/api/sessions",
            Some(&patient.access),
            Some(body.clone()),
            &[("idempotency-key", "create-bridge-1")],
        )
        .await;
    assert_eq!((retry.status, &retry.body), (201, &first.body));
    // Same key, different body: refused.
    let other = srv
        .call_with(
            "POST",
            "/api/sessions",
            Some(&patient.access),
            Some(json!({"exercise_type": "plank"})),
            &[("idempotency-key", "create-bridge-1")],
        )
        .await;
    other.expect(422);
    assert_eq!(other.code(), "IDEMPOTENCY_KEY_MISMATCH");
    // Keys are per user: another user's identical key acts independently.
    let other_patient = srv.signup("patient").await;
    srv.call_with(
        "POST",
        "/api/sessions",
        Some(&other_patient.access),
        Some(body),
        &[("idempotency-key", "create-bridge-1")],
    )
    .await
    .expect(201);
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM exercise_sessions")
        .fetch_one(&srv.pool)
        .await
        .unwrap();
    assert_eq!(count, 2);

    // DELETE replays 204 too.
    let id = first.body["session_id"].as_str().unwrap();
    for _ in 0..2 {
        srv.call_with(
            "DELETE",
            &format!("/api/sessions/{id}"),
            Some(&patient.access),
            None,
            &[("idempotency-key", "del-1")],
        )
        .await
        .expect(204);
    }
}

#[tokio::test]
async fn concurrent_pose_uploads_with_one_key_store_one_copy() {
    let srv = start().await;
    let patient = srv.signup("patient").await;
    let id = srv.session(&patient).await;
    let path = format!("/api/sessions/{id}/data");
    let upload = pose_upload(100);
    let sends = (0..5).map(|_| {
        srv.call_with(
            "POST",
            &path,
            Some(&patient.access),
            Some(upload.clone()),
            &[("idempotency-key", "upload-1")],
        )
    });
    let replies = futures::future::join_all(sends).await;
    for r in &replies {
        assert_eq!((r.status, &r.body), (201, &replies[0].body));
    }
    let frames: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pose_frames")
        .fetch_one(&srv.pool)
        .await
        .unwrap();
    assert_eq!(frames, 100);
    let logged: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM access_logs WHERE resource_type = 'pose_data'")
            .fetch_one(&srv.pool)
            .await
            .unwrap();
    assert_eq!(logged, 1, "the handler ran once");
}

#[tokio::test]
async fn patient_profile_read_update_with_etag() {
    let srv = start().await;
    let patient = srv.signup("patient").await;
    let tok = Some(patient.access.as_str());
    let got = srv.call("GET", "/api/patients/profile", tok, None).await;
    got.expect(200);
    assert_eq!(got.body["email"], patient.email.as_str());
    assert_eq!(got.body["consent_given"], false);
    let etag = got.header("etag").unwrap();
    let put = srv
        .call_with(
            "PUT",
            "/api/patients/profile",
            tok,
            Some(json!({"phone": "+41 44 000 00 00", "date_of_birth": "1980-05-01", "medical_conditions": ["ACL reconstruction"],
                        "emergency_contact": {"name": "A", "phone": "1"}, "consent_given": true})),
            &[("if-match", &etag)],
        )
        .await;
    put.expect(200);
    assert_eq!(put.body["phone"], "+41 44 000 00 00");
    assert_eq!(
        put.body["medical_conditions"],
        json!(["ACL reconstruction"])
    );
    assert_eq!(put.body["consent_given"], true);
    assert!(put.body["consent_date"].is_string());
    assert_eq!(put.body["version"], 2);
    assert_eq!(put.header("etag").as_deref(), Some("\"2\""));
    srv.call_with(
        "PUT",
        "/api/patients/profile",
        tok,
        Some(json!({"phone": "1"})),
        &[("if-match", &etag)],
    )
    .await
    .expect(412);
    srv.call(
        "PUT",
        "/api/patients/profile",
        tok,
        Some(json!({"date_of_birth": "2999-01-01"})),
    )
    .await
    .expect(400);
    srv.call(
        "PUT",
        "/api/patients/profile",
        tok,
        Some(json!({"emergency_contact": [1]})),
    )
    .await
    .expect(400);
    srv.call(
        "PUT",
        "/api/patients/profile",
        tok,
        Some(json!({"phone": "x".repeat(21)})),
    )
    .await
    .expect(400);
}

#[tokio::test]
async fn signed_upload_url_accepts_file_and_refuses_tampering() {
    let srv = start().await;
    let patient = srv.signup("patient").await;
    let id = srv.session(&patient).await;
    let r = srv
        .call(
            "POST",
            "/api/upload/generate-url",
            Some(&patient.access),
            Some(json!({"session_id": id, "kind": "video"})),
        )
        .await;
    r.expect(200);
    assert_eq!(r.body["method"], "PUT");
    let url = r.body["upload_url"].as_str().unwrap().to_string();
    let path = url.strip_prefix(&srv.base).unwrap().to_string();
    let stored = srv
        .raw(
            "PUT",
            &path,
            None,
            Some("video/mp4"),
            b"fake video bytes".to_vec(),
        )
        .await;
    stored.expect(200);
    assert_eq!(stored.body["size_bytes"], 16);
    let on_disk = std::fs::read(srv.storage.path().join(format!("sessions/{id}/video"))).unwrap();
    assert_eq!(on_disk, b"fake video bytes");
    let got = srv
        .call(
            "GET",
            &format!("/api/sessions/{id}"),
            Some(&patient.access),
            None,
        )
        .await;
    assert_eq!(
        got.expect(200)["session"]["video_url"],
        format!("sessions/{id}/video")
    );

    let tampered = path.replace("/video?", "/pose_data?");
    srv.raw("PUT", &tampered, None, None, b"x".to_vec())
        .await
        .expect(403);
    let other = path.replace(&id, &uuid_v4());
    srv.raw("PUT", &other, None, None, b"x".to_vec())
        .await
        .expect(403);
    srv.raw(
        "PUT",
        &format!("/api/upload/sessions/{id}/video"),
        None,
        None,
        b"x".to_vec(),
    )
    .await
    .expect(400);
    // Expired: sign an URL in the past with the server's own key.
    let signer = physalign_server::storage::UploadSigner::derived_from(&[
        b"test-secret-test-secret-test-secret-0123",
    ]);
    let key = format!("sessions/{id}/video");
    let (kid, sig) = signer.sign(&key, 1000, patient.id.parse().unwrap());
    let r = srv
        .raw(
            "PUT",
            &format!(
                "/api/upload/{key}?expires=1000&u={}&kid={kid}&signature={sig}",
                patient.id
            ),
            None,
            None,
            b"x".to_vec(),
        )
        .await;
    r.expect(403);
    assert_eq!(r.code(), "UPLOAD_URL_EXPIRED");
    // Someone else's session: no URL.
    let stranger = srv.signup("patient").await;
    srv.call(
        "POST",
        "/api/upload/generate-url",
        Some(&stranger.access),
        Some(json!({"session_id": id})),
    )
    .await
    .expect(404);
}
