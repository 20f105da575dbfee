//! Program items (issue 15) against a real PostgreSQL: prescribing, visibility, versions,
//! ending, session links and adherence.

mod common;

use chrono::{Datelike, Duration, Utc};
use common::start;
use serde_json::json;

fn item_body(patient_id: &str) -> serde_json::Value {
    json!({"patient_id": patient_id, "exercise_id": "Squat", "sets": 3, "reps": 10,
           "target_angle_deg": 90.0, "tolerance_deg": 10.0, "side": "both",
           "sessions_per_week": 3, "start_date": "2026-01-05", "instructions": "slowly"})
}

#[tokio::test]
async fn clinician_prescribes_patient_reads_others_see_nothing() {
    let srv = start().await;
    let physio = srv.signup("physiotherapist").await;
    let other_physio = srv.signup("physiotherapist").await;
    let patient = srv.signup("patient").await;
    let other_patient = srv.signup("patient").await;
    srv.link(&physio, &patient).await;
    let pid = patient.profile_id.clone().unwrap();

    // Only a clinician of the patient prescribes.
    srv.call(
        "POST",
        "/api/programs",
        Some(&patient.access),
        Some(item_body(&pid)),
    )
    .await
    .expect(403);
    let foreign = srv
        .call(
            "POST",
            "/api/programs",
            Some(&other_physio.access),
            Some(item_body(&pid)),
        )
        .await;
    foreign.expect(404);
    assert_eq!(foreign.code(), "PATIENT_NOT_FOUND");
    let mut bad = item_body(&pid);
    bad["sets"] = json!(0);
    srv.call("POST", "/api/programs", Some(&physio.access), Some(bad))
        .await
        .expect(400);

    let created = srv
        .call(
            "POST",
            "/api/programs",
            Some(&physio.access),
            Some(item_body(&pid)),
        )
        .await;
    let item = created.expect(201).clone();
    let id = item["id"].as_str().unwrap().to_string();
    assert_eq!(item["exercise_id"], "squat");
    assert_eq!(item["status"], "active");
    assert_eq!(item["side"], "both");
    assert_eq!(
        item["physiotherapist_id"],
        physio.profile_id.clone().unwrap().as_str()
    );
    assert_eq!(item["adherence"]["done_this_week"], 0);
    assert_eq!(item["adherence"]["target_per_week"], 3);
    assert_eq!(created.header("etag").as_deref(), Some("\"1\""));

    // The patient sees it; another patient and another clinician do not.
    let mine = srv
        .call("GET", "/api/programs", Some(&patient.access), None)
        .await;
    assert_eq!(mine.expect(200)["data"].as_array().unwrap().len(), 1);
    assert_eq!(mine.body["pagination"]["total_items"], 1);
    for outsider in [&other_patient, &other_physio] {
        let list = srv
            .call("GET", "/api/programs", Some(&outsider.access), None)
            .await;
        assert_eq!(list.expect(200)["data"].as_array().unwrap().len(), 0);
        let one = srv
            .call(
                "GET",
                &format!("/api/programs/{id}"),
                Some(&outsider.access),
                None,
            )
            .await;
        one.expect(404);
        assert_eq!(one.code(), "PROGRAM_ITEM_NOT_FOUND");
    }
    let filtered = srv
        .call(
            "GET",
            &format!("/api/programs?patient_id={pid}&status=ended"),
            Some(&physio.access),
            None,
        )
        .await;
    assert_eq!(filtered.expect(200)["data"].as_array().unwrap().len(), 0);

    // Versioned replacement.
    let mut change = item_body(&pid);
    change.as_object_mut().unwrap().remove("patient_id");
    change["sets"] = json!(4);
    let stale = srv
        .call_with(
            "PUT",
            &format!("/api/programs/{id}"),
            Some(&physio.access),
            Some(change.clone()),
            &[("If-Match", "\"7\"")],
        )
        .await;
    stale.expect(412);
    let updated = srv
        .call_with(
            "PUT",
            &format!("/api/programs/{id}"),
            Some(&physio.access),
            Some(change.clone()),
            &[("If-Match", "\"1\"")],
        )
        .await;
    assert_eq!(updated.expect(200)["sets"], 4);
    assert_eq!(updated.body["version"], 2);
    srv.call(
        "PUT",
        &format!("/api/programs/{id}"),
        Some(&patient.access),
        Some(change.clone()),
    )
    .await
    .expect(403);

    // Ending.
    let ended = srv
        .call(
            "POST",
            &format!("/api/programs/{id}/end"),
            Some(&physio.access),
            None,
        )
        .await;
    assert_eq!(ended.expect(200)["status"], "ended");
    assert!(ended.body["ended_at"].is_string());
    let again = srv
        .call(
            "DELETE",
            &format!("/api/programs/{id}"),
            Some(&physio.access),
            None,
        )
        .await;
    assert_eq!(again.expect(200)["version"], 3);
    let frozen = srv
        .call(
            "PUT",
            &format!("/api/programs/{id}"),
            Some(&physio.access),
            Some(change),
        )
        .await;
    frozen.expect(409);
    assert_eq!(frozen.code(), "PROGRAM_ITEM_ENDED");
}

#[tokio::test]
async fn adherence_counts_linked_sessions_by_iso_week_in_utc() {
    let srv = start().await;
    let physio = srv.signup("physiotherapist").await;
    let patient = srv.signup("patient").await;
    let other = srv.signup("patient").await;
    srv.link(&physio, &patient).await;
    let pid = patient.profile_id.clone().unwrap();
    let item = srv
        .call(
            "POST",
            "/api/programs",
            Some(&physio.access),
            Some(item_body(&pid)),
        )
        .await;
    let id = item.expect(201)["id"].as_str().unwrap().to_string();

    // Another patient cannot link their session to this item.
    let foreign = srv
        .call(
            "POST",
            "/api/sessions",
            Some(&other.access),
            Some(json!({"exercise_type": "squat", "program_item_id": id})),
        )
        .await;
    foreign.expect(404);
    assert_eq!(foreign.code(), "PROGRAM_ITEM_NOT_FOUND");

    let now = Utc::now();
    let today = now.date_naive();
    let monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
    let at = |d: chrono::NaiveDate, h: u32| d.and_hms_opt(h, 0, 0).unwrap().and_utc().to_rfc3339();
    // This week: two on Monday (two sessions, one day). Last week's Sunday: 30-day window
    // only. 40 days ago: neither. One without an end: not counted.
    let sessions = [
        (at(monday, 0), true),
        (at(monday, 1), true),
        (at(monday - Duration::days(1), 23), true),
        (at(today - Duration::days(40), 12), true),
        (at(monday, 2), false),
    ];
    for (start, ended) in &sessions {
        let mut body =
            json!({"exercise_type": "squat", "program_item_id": id, "start_time": start});
        if *ended {
            body["end_time"] = json!(start);
        }
        srv.call("POST", "/api/sessions", Some(&patient.access), Some(body))
            .await
            .expect(201);
    }
    // A session linked afterwards with PUT counts too (this week, today).
    let late = srv.session(&patient).await;
    let t = at(today, 0);
    srv.call(
        "PUT",
        &format!("/api/sessions/{late}"),
        Some(&patient.access),
        Some(json!({"program_item_id": id, "start_time": t, "end_time": t})),
    )
    .await
    .expect(200);
    let linked = srv
        .call(
            "GET",
            &format!("/api/sessions/{late}"),
            Some(&patient.access),
            None,
        )
        .await;
    assert_eq!(
        linked.expect(200)["session"]["program_item_id"],
        id.as_str()
    );

    let got = srv
        .call(
            "GET",
            &format!("/api/programs/{id}"),
            Some(&patient.access),
            None,
        )
        .await;
    let adherence = got.expect(200)["adherence"].clone();
    assert_eq!(adherence["done_this_week"], 3, "{adherence}");
    assert_eq!(adherence["week_start"], monday.to_string());
    // Monday (and today when it is Monday: the same day), last Sunday.
    let expected_days = if today == monday { 2 } else { 3 };
    assert_eq!(
        adherence["days_with_data_30d"], expected_days,
        "{adherence}"
    );
}

#[tokio::test]
async fn clinician_records_a_session_for_a_patient_in_care() {
    let srv = start().await;
    let physio = srv.signup("physiotherapist").await;
    let stranger = srv.signup("physiotherapist").await;
    let patient = srv.signup("patient").await;
    srv.link(&physio, &patient).await;
    let pid = patient.profile_id.clone().unwrap();
    let body = json!({"exercise_type": "squat", "patient_id": pid,
                      "start_time": "2026-01-05T10:00:00Z", "end_time": "2026-01-05T10:05:00Z"});
    let created = srv
        .call(
            "POST",
            "/api/sessions",
            Some(&physio.access),
            Some(body.clone()),
        )
        .await;
    let sid = created.expect(201)["session_id"]
        .as_str()
        .unwrap()
        .to_string();
    let got = srv
        .call(
            "GET",
            &format!("/api/sessions/{sid}"),
            Some(&patient.access),
            None,
        )
        .await;
    assert_eq!(
        got.expect(200)["session"]["physiotherapist_id"],
        physio.profile_id.clone().unwrap().as_str()
    );
    srv.call("POST", "/api/sessions", Some(&stranger.access), Some(body))
        .await
        .expect(404);
}
