//! A session's transcript, clinical notes and the alerts they raise (issue 15), against a real
//! PostgreSQL.

mod common;

use common::start;
use serde_json::json;

#[tokio::test]
async fn transcript_and_notes_reach_the_care_team_only_and_raise_alerts() {
    let srv = start().await;
    let physio = srv.signup("physiotherapist").await;
    let stranger = srv.signup("physiotherapist").await;
    let patient = srv.signup("patient").await;
    let other = srv.signup("patient").await;
    srv.link(&physio, &patient).await;
    let sid = srv.session(&patient).await;
    let tok = Some(patient.access.as_str());

    // Nothing shared yet.
    let none = srv
        .call("GET", &format!("/api/sessions/{sid}/transcript"), tok, None)
        .await;
    none.expect(404);
    assert_eq!(none.code(), "TRANSCRIPT_NOT_FOUND");
    let detail = srv
        .call("GET", &format!("/api/sessions/{sid}"), tok, None)
        .await;
    assert!(detail.expect(200)["transcript"].is_null());
    assert!(detail.body["notes"].is_null());

    let transcript = json!({"language": "en", "text": "My left knee hurts, eight out of ten.",
        "segments": [{"start_ms": 0, "end_ms": 2500, "text": "My left knee hurts, eight out of ten."}],
        "model": "whisper-base.en"});
    let put = srv
        .call(
            "PUT",
            &format!("/api/sessions/{sid}/transcript"),
            tok,
            Some(transcript.clone()),
        )
        .await;
    assert_eq!(put.expect(200)["version"], 1);
    // Idempotent: the same body again leaves the version.
    let again = srv
        .call(
            "PUT",
            &format!("/api/sessions/{sid}/transcript"),
            tok,
            Some(transcript.clone()),
        )
        .await;
    assert_eq!(again.expect(200)["version"], 1);
    assert_eq!(again.body["segments"][0]["end_ms"], 2500);

    let notes = json!({"pain": [{"body_part": "knee", "laterality": "left", "score": 8.0, "at_ms": 1200}],
        "mood": "low", "mood_score": 2, "action_items": ["ice the knee"],
        "risk_flags": [{"kind": "severe_pain", "quote": "eight out of ten"}],
        "crisis": true, "crisis_keywords": ["end it all"], "extractor": "rules-v1"});
    let mut bad = notes.clone();
    bad["pain"][0]["score"] = json!(11);
    srv.call("PUT", &format!("/api/sessions/{sid}/notes"), tok, Some(bad))
        .await
        .expect(400);
    let stored = srv
        .call(
            "PUT",
            &format!("/api/sessions/{sid}/notes"),
            tok,
            Some(notes.clone()),
        )
        .await;
    assert_eq!(stored.expect(200)["pain"][0]["body_part"], "knee");
    assert_eq!(stored.body["crisis"], true);
    srv.call(
        "PUT",
        &format!("/api/sessions/{sid}/notes"),
        tok,
        Some(notes.clone()),
    )
    .await
    .expect(200);

    // The clinician reads both; the detail carries them; outsiders see nothing.
    let p = Some(physio.access.as_str());
    let detail = srv
        .call("GET", &format!("/api/sessions/{sid}"), p, None)
        .await;
    assert_eq!(detail.expect(200)["transcript"]["language"], "en");
    assert_eq!(detail.body["notes"]["mood"], "low");
    srv.call("GET", &format!("/api/sessions/{sid}/notes"), p, None)
        .await
        .expect(200);
    for outsider in [&stranger, &other] {
        for what in ["transcript", "notes"] {
            srv.call(
                "GET",
                &format!("/api/sessions/{sid}/{what}"),
                Some(&outsider.access),
                None,
            )
            .await
            .expect(404);
        }
        srv.call(
            "PUT",
            &format!("/api/sessions/{sid}/notes"),
            Some(&outsider.access),
            Some(notes.clone()),
        )
        .await
        .expect(404);
    }
    // A clinician who did not record the session does not write its notes.
    srv.call(
        "PUT",
        &format!("/api/sessions/{sid}/notes"),
        p,
        Some(notes.clone()),
    )
    .await
    .expect(403);

    // Alerts: one crisis and one high pain, crisis first, raised once despite the re-sent notes.
    let alerts = srv
        .call("GET", "/api/physio/alerts?status=open", p, None)
        .await;
    let data = alerts.expect(200)["data"].as_array().unwrap().clone();
    assert_eq!(data.len(), 2, "{data:?}");
    assert_eq!(data[0]["kind"], "crisis");
    assert_eq!(data[1]["kind"], "high_pain");
    assert_eq!(data[1]["body_part"], "knee");
    let stranger_alerts = srv
        .call("GET", "/api/physio/alerts", Some(&stranger.access), None)
        .await;
    assert_eq!(
        stranger_alerts.expect(200)["data"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    srv.call("GET", "/api/physio/alerts", tok, None)
        .await
        .expect(403);
    let aid = data[0]["id"].as_str().unwrap();
    srv.call(
        "POST",
        &format!("/api/physio/alerts/{aid}/acknowledge"),
        Some(&stranger.access),
        None,
    )
    .await
    .expect(404);
    let ack = srv
        .call(
            "POST",
            &format!("/api/physio/alerts/{aid}/acknowledge"),
            p,
            None,
        )
        .await;
    assert_eq!(ack.expect(200)["status"], "acknowledged");
    let open = srv
        .call("GET", "/api/physio/alerts?status=open", p, None)
        .await;
    assert_eq!(open.expect(200)["data"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_clinician_writes_notes_of_a_session_recorded_on_their_device() {
    let srv = start().await;
    let physio = srv.signup("physiotherapist").await;
    let patient = srv.signup("patient").await;
    srv.link(&physio, &patient).await;
    let pid = patient.profile_id.clone().unwrap();
    let created = srv
        .call(
            "POST",
            "/api/sessions",
            Some(&physio.access),
            Some(json!({"exercise_type": "squat", "patient_id": pid})),
        )
        .await;
    let sid = created.expect(201)["session_id"]
        .as_str()
        .unwrap()
        .to_string();
    let notes = json!({"pain": [{"body_part": "hip", "score": 3.0}], "crisis": false});
    srv.call(
        "PUT",
        &format!("/api/sessions/{sid}/notes"),
        Some(&physio.access),
        Some(notes),
    )
    .await
    .expect(200);
    let got = srv
        .call(
            "GET",
            &format!("/api/sessions/{sid}/notes"),
            Some(&patient.access),
            None,
        )
        .await;
    assert_eq!(got.expect(200)["pain"][0]["score"], 3.0);
    // Pain 3 raises nothing.
    let alerts = srv
        .call("GET", "/api/physio/alerts", Some(&physio.access), None)
        .await;
    assert_eq!(alerts.expect(200)["data"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn pose_data_in_pieces_reads_back_in_order_with_repetitions() {
    let srv = start().await;
    let physio = srv.signup("physiotherapist").await;
    let stranger = srv.signup("physiotherapist").await;
    let patient = srv.signup("patient").await;
    srv.link(&physio, &patient).await;
    let sid = srv.session(&patient).await;
    let tok = Some(patient.access.as_str());
    let piece = |part: u32, from: usize| {
        let frames: Vec<_> = (from..from + 3)
            .map(|i| {
                let mut f = common::frame(i);
                f["frame_number"] = json!(i);
                f
            })
            .collect();
        json!({"frames": frames, "part": part, "parts": 2})
    };
    // Piece 1 first, then piece 0 twice (a retry): 6 frames, in recording order.
    let first = srv
        .call(
            "POST",
            &format!("/api/sessions/{sid}/data"),
            tok,
            Some(piece(1, 3)),
        )
        .await;
    assert_eq!(first.expect(201)["complete"], false);
    assert_eq!(first.body["status"], "pending");
    srv.call(
        "POST",
        &format!("/api/sessions/{sid}/data"),
        tok,
        Some(piece(0, 0)),
    )
    .await
    .expect(201);
    let mut last = piece(0, 0);
    last["repetitions"] = json!([{"index": 0, "start_ms": 0, "end_ms": 900, "min_angle": 80.0,
        "max_angle": 170.0, "partial": false, "confidence": 0.9, "side": "left"}]);
    last["form_issues"] = json!([{"timestamp_ms": 400, "issue": {"type": "KNEE_VALGUS",
        "joint": "knee_left", "message": "knee in", "severity": "MEDIUM"}}]);
    let done = srv
        .call(
            "POST",
            &format!("/api/sessions/{sid}/data"),
            tok,
            Some(last),
        )
        .await;
    assert_eq!(done.expect(201)["frames_stored"], 6);
    assert_eq!(done.body["complete"], true);
    assert_eq!(done.body["status"], "review_pending");

    let p = Some(physio.access.as_str());
    let page = srv
        .call(
            "GET",
            &format!("/api/sessions/{sid}/data?per_page=4"),
            p,
            None,
        )
        .await;
    let body = page.expect(200).clone();
    let numbers: Vec<_> = body["frames"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["frame_number"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers, vec![0, 1, 2, 3]);
    assert_eq!(body["pagination"]["total_items"], 6);
    assert_eq!(body["repetitions"][0]["confidence"], 0.9);
    assert_eq!(body["form_issues"][0]["timestamp_ms"], 400);
    let second = srv
        .call(
            "GET",
            &format!("/api/sessions/{sid}/data?page=2&per_page=4"),
            p,
            None,
        )
        .await;
    assert_eq!(second.expect(200)["frames"].as_array().unwrap().len(), 2);
    srv.call(
        "GET",
        &format!("/api/sessions/{sid}/data"),
        Some(&stranger.access),
        None,
    )
    .await
    .expect(404);
    srv.call(
        "POST",
        &format!("/api/sessions/{sid}/data"),
        tok,
        Some(json!({"frames": [common::frame(0)], "part": 2, "parts": 2})),
    )
    .await
    .expect(400);
}
