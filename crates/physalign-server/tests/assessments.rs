//! Goniometer readings in a patient's chart (issue 16) against a real PostgreSQL: who writes,
//! who reads, replays, validation.

mod common;

use common::care_teams;
use serde_json::{json, Value};
use uuid::Uuid;

fn reading_body(patient_id: &str, session_id: Option<&str>) -> Value {
    json!({
        "id": Uuid::new_v4(),
        "patient_id": patient_id,
        "session_id": session_id,
        "taken_at": "2026-12-01T10:15:00Z",
        "reading": {
            "joint": "knee", "plane": "sagittal", "view": "oblique",
            "sides": [
                {"side": "left", "angle_deg": 162.0, "source": "image", "image_angle_deg": 162.0,
                 "world_angle_deg": 158.5, "spread_deg": 2.0, "tilt_deg": 12.0,
                 "confidence": 0.75, "hold_start_ms": 1500, "held_s": 1.5, "warnings": []},
                {"side": "right", "angle_deg": 145.0, "source": "world", "image_angle_deg": null,
                 "world_angle_deg": 145.0, "spread_deg": 6.5, "tilt_deg": 35.0,
                 "confidence": 0.5, "hold_start_ms": 1500, "held_s": 0.5,
                 "warnings": ["not_steady", "foreshortened"]}
            ]
        }
    })
}

#[tokio::test]
async fn the_care_team_saves_readings_the_patient_and_team_read_them_nobody_else() {
    let t = care_teams().await;
    let srv = &t.srv;
    let pid = t.patient.pid();
    let session = srv.session(&t.patient).await;
    let body = reading_body(&pid, Some(&session));

    // Only a clinician in the patient's care writes; others learn nothing about the patient.
    srv.call(
        "POST",
        "/api/goniometer-readings",
        Some(&t.patient.access),
        Some(body.clone()),
    )
    .await
    .expect(403);
    let foreign = srv
        .call(
            "POST",
            "/api/goniometer-readings",
            Some(&t.other_physio.access),
            Some(body.clone()),
        )
        .await;
    foreign.expect(404);
    assert_eq!(foreign.code(), "PATIENT_NOT_FOUND");

    let created = srv
        .call(
            "POST",
            "/api/goniometer-readings",
            Some(&t.physio.access),
            Some(body.clone()),
        )
        .await;
    let record = created.expect(201).clone();
    assert_eq!(record["id"], body["id"]);
    assert_eq!(record["taken_by"], t.physio.id.as_str());
    assert_eq!(
        record["reading"], body["reading"],
        "the reading is kept as the device sent it"
    );

    // A replay of the same id (no idempotency record left) is a clear conflict, not a copy.
    let replay = srv
        .call(
            "POST",
            "/api/goniometer-readings",
            Some(&t.physio.access),
            Some(body.clone()),
        )
        .await;
    replay.expect(409);
    assert_eq!(replay.code(), "GONIOMETER_READING_EXISTS");

    // The patient and the care team read it; the other clinician and patient do not.
    for reader in [&t.patient, &t.physio, &t.admin] {
        let list = srv
            .call(
                "GET",
                "/api/goniometer-readings",
                Some(&reader.access),
                None,
            )
            .await;
        let data = list.expect(200)["data"].as_array().unwrap().clone();
        assert_eq!(data.len(), 1, "{} sees the reading", reader.email);
        assert_eq!(data[0]["id"], body["id"]);
        assert_eq!(list.body["pagination"]["total_items"], 1);
    }
    for outsider in [&t.other_patient, &t.other_physio] {
        let list = srv
            .call(
                "GET",
                "/api/goniometer-readings",
                Some(&outsider.access),
                None,
            )
            .await;
        assert_eq!(list.expect(200)["data"], json!([]), "{}", outsider.email);
        let filtered = srv
            .call(
                "GET",
                &format!("/api/goniometer-readings?patient_id={pid}"),
                Some(&outsider.access),
                None,
            )
            .await;
        assert_eq!(filtered.expect(200)["data"], json!([]));
    }
}

#[tokio::test]
async fn malformed_readings_and_another_patients_session_are_refused() {
    let t = care_teams().await;
    let srv = &t.srv;
    let pid = t.patient.pid();
    let post = |body: Value| {
        srv.call(
            "POST",
            "/api/goniometer-readings",
            Some(&t.physio.access),
            Some(body),
        )
    };

    let mut unknown_warning = reading_body(&pid, None);
    unknown_warning["reading"]["sides"][0]["warnings"] = json!(["blurry"]);
    post(unknown_warning).await.expect(400);

    let mut angle = reading_body(&pid, None);
    angle["reading"]["sides"][0]["angle_deg"] = json!(400.0);
    let reply = post(angle).await;
    reply.expect(400);
    assert_eq!(
        reply.body["error"]["details"][0]["field"],
        "reading.sides[0].angle_deg"
    );

    let mut twice = reading_body(&pid, None);
    twice["reading"]["sides"][1]["side"] = json!("left");
    post(twice).await.expect(400);

    let mut extra = reading_body(&pid, None);
    extra["taken_by"] = json!(t.other_physio.id);
    post(extra).await.expect(400);

    // A session of someone else's patient cannot be the source of this patient's reading.
    let foreign_session = srv.session(&t.other_patient).await;
    let reply = post(reading_body(&pid, Some(&foreign_session))).await;
    reply.expect(400);
    assert_eq!(reply.body["error"]["details"][0]["field"], "session_id");

    // A session the server has not received yet is accepted (it may arrive later).
    post(reading_body(&pid, Some(&Uuid::new_v4().to_string())))
        .await
        .expect(201);
}
