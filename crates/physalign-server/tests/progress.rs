//! Seed 000's progress endpoints: happy paths and validation (400 missing fields, 404 unknown
//! session), against a real PostgreSQL.

mod common;

use common::start;
use serde_json::json;

#[tokio::test]
async fn progress_snapshots_skills_analytics_comparison_evaluation() {
    let srv = start().await;
    let physio = srv.signup("physiotherapist").await;
    let patient = srv.signup("patient").await;
    srv.link(&physio, &patient).await;
    let s1 = srv.session(&patient).await;
    let s2 = srv.session(&patient).await;
    let tok = Some(physio.access.as_str());

    let metrics = json!({"totalMessages": 42, "therapistMessages": 21, "clientMessages": 21, "sessionDuration": 3600,
        "activeTime": 3000, "skillScores": {"Active Listening": 85, "Empathy": 78}, "responseTime": 2.5,
        "conversationFlow": 88, "milestonesReached": ["introduction", "exploration"]});
    let r = srv
        .call("POST", "/api/session/progress", tok, Some(json!({"sessionId": s1, "progressMetrics": metrics, "evaluationFeedback": "steady"})))
        .await;
    assert_eq!(
        r.expect(200).clone(),
        json!({"success": true, "sessionId": s1})
    );
    let got = srv
        .call(
            "GET",
            &format!("/api/session/progress?sessionId={s1}&includeFeedback=true"),
            tok,
            None,
        )
        .await;
    got.expect(200);
    assert_eq!(got.body["progressMetrics"]["skillScores"]["Empathy"], 78.0);
    assert_eq!(got.body["progressMetrics"]["totalMessages"], 42);
    // Issue 15: sessionDuration, activeTime and conversationFlow are computed by the server
    // from the session's uploaded data, never echoed from the body; s1 has none, so null.
    assert!(got.body["progressMetrics"]["sessionDuration"].is_null());
    assert!(got.body["progressMetrics"]["conversationFlow"].is_null());
    assert_eq!(got.body["feedback"][0]["feedback"], "steady");
    assert_eq!(got.body["feedback"][0]["therapistId"], physio.id.as_str());
    let no_fb = srv
        .call(
            "GET",
            &format!("/api/session/progress?sessionId={s1}"),
            tok,
            None,
        )
        .await;
    assert!(no_fb.expect(200).get("feedback").is_none());

    let snaps = json!({"sessionId": s1, "snapshots": [{"timestamp": "2026-01-30T10:00:00Z", "value": 25}, {"timestamp": "2026-01-30T10:05:00Z", "value": 50}]});
    srv.call("POST", "/api/session/snapshots", tok, Some(snaps))
        .await
        .expect(200);
    let got = srv
        .call(
            "GET",
            &format!("/api/session/snapshots?sessionId={s1}"),
            tok,
            None,
        )
        .await;
    got.expect(200);
    assert_eq!(got.body["snapshots"].as_array().unwrap().len(), 2);
    assert_eq!(got.body["snapshots"][1]["value"], 50.0);
    let names: Vec<&str> = got.body["milestones"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["milestoneName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["exploration", "introduction"]);
    // The alias path serves the same data.
    srv.call(
        "GET",
        &format!("/api/session/progress/snapshots?sessionId={s1}"),
        tok,
        None,
    )
    .await
    .expect(200);

    let r = srv
        .call(
            "POST",
            "/api/session/skills",
            tok,
            Some(json!({"sessionId": s1, "skillScores": {"Empathy": 70}})),
        )
        .await;
    assert_eq!(r.expect(200)["therapistId"], physio.id.as_str());
    srv.call(
        "POST",
        "/api/session/skills",
        tok,
        Some(json!({"sessionId": s2, "skillScores": {"Empathy": 80}})),
    )
    .await
    .expect(200);
    let skills = srv
        .call(
            "GET",
            &format!("/api/session/skills?therapistId={}", physio.id),
            tok,
            None,
        )
        .await;
    skills.expect(200);
    assert_eq!(skills.body["skills"][0]["skillName"], "Empathy");
    assert_eq!(skills.body["skills"][0]["currentScore"], 80.0);
    assert_eq!(skills.body["skills"][0]["practiceSessions"], 2);

    let analytics = json!({"sessionId": s1, "analyticsData": {
        "sessionMetrics": [{"date": "2025-01-01", "sessions": 1}],
        "skillProgress": [{"skill": "Active Listening", "score": 85, "trend": "up"}],
        "summaryStats": [{"value": 1, "label": "Total Sessions"}],
        "progressSnapshots": [{"timestamp": "2020-01-01T00:00:00Z", "value": 5}, {"timestamp": chrono::Utc::now().to_rfc3339(), "value": 60}]}});
    srv.call("POST", "/api/session/analytics", tok, Some(analytics))
        .await
        .expect(200);
    let got = srv
        .call(
            "GET",
            &format!("/api/session/analytics?sessionId={s1}&timeRange=7d"),
            tok,
            None,
        )
        .await;
    got.expect(200);
    assert_eq!(
        got.body["analyticsData"]["skillProgress"][0]["skill"],
        "Active Listening"
    );
    assert_eq!(
        got.body["analyticsData"]["progressSnapshots"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    srv.call(
        "GET",
        &format!("/api/session/analytics?sessionId={s1}&timeRange=2w"),
        tok,
        None,
    )
    .await
    .expect(400);

    let cmp = json!({"therapistId": physio.id, "currentSessionId": s2, "previousSessionId": s1, "improvementScore": 85,
        "metrics": {"progressImprovement": 10, "skillScoreImprovement": 5, "responseTimeImprovement": 0.5}});
    let r = srv
        .call("POST", "/api/session/comparison", tok, Some(cmp))
        .await;
    r.expect(201);
    assert!(r.body["comparisonId"].is_string());
    let got = srv
        .call(
            "GET",
            &format!("/api/session/comparison?sessionId={s1}"),
            tok,
            None,
        )
        .await;
    got.expect(200);
    assert_eq!(got.body["comparisons"][0]["trend"], "improving");
    assert_eq!(got.body["comparisons"][0]["previousSessionId"], s1.as_str());

    let r = srv
        .call(
            "POST",
            "/api/evaluation",
            tok,
            Some(json!({"sessionId": s1, "feedback": "clear cues", "rating": 5, "comments": "ok"})),
        )
        .await;
    r.expect(201);
    let got = srv
        .call("GET", &format!("/api/evaluation?sessionId={s1}"), tok, None)
        .await;
    got.expect(200);
    assert_eq!(got.body["evaluations"][0]["rating"], 5);
    assert_eq!(
        got.body["evaluations"][0]["evaluatorId"],
        physio.id.as_str()
    );
}

#[tokio::test]
async fn progress_validation() {
    let srv = start().await;
    let physio = srv.signup("physiotherapist").await;
    let patient = srv.signup("patient").await;
    srv.link(&physio, &patient).await;
    let s = srv.session(&patient).await;
    let tok = Some(physio.access.as_str());
    let unknown = uuid::Uuid::new_v4().to_string();

    let missing = srv
        .call(
            "POST",
            "/api/session/progress",
            tok,
            Some(json!({"sessionId": s})),
        )
        .await;
    missing.expect(400);
    assert_eq!(
        missing.body["error"]["details"][0]["field"],
        "progressMetrics"
    );
    let r = srv
        .call(
            "POST",
            "/api/session/progress",
            tok,
            Some(json!({"progressMetrics": {}})),
        )
        .await;
    assert_eq!(r.expect(400)["error"]["details"][0]["field"], "sessionId");
    srv.call(
        "POST",
        "/api/session/progress",
        tok,
        Some(json!({"sessionId": unknown, "progressMetrics": {}})),
    )
    .await
    .expect(404);
    srv.call(
        "POST",
        "/api/session/progress",
        tok,
        Some(json!({"sessionId": s, "progressMetrics": {"skillScores": {"x": 101}}})),
    )
    .await
    .expect(400);
    let r = srv.call("GET", "/api/session/progress", tok, None).await;
    assert_eq!(r.expect(400)["error"]["details"][0]["field"], "sessionId");
    srv.call(
        "GET",
        &format!("/api/session/progress?sessionId={unknown}"),
        tok,
        None,
    )
    .await
    .expect(404);
    srv.call(
        "GET",
        &format!("/api/session/progress?sessionId={s}"),
        tok,
        None,
    )
    .await
    .expect(404);

    srv.call(
        "POST",
        "/api/session/snapshots",
        tok,
        Some(json!({"sessionId": s})),
    )
    .await
    .expect(400);
    srv.call("POST", "/api/session/snapshots", tok, Some(json!({"sessionId": unknown, "snapshots": [{"timestamp": "2026-01-30T10:00:00Z", "value": 1}]}))).await.expect(404);
    srv.call("GET", "/api/session/snapshots", tok, None)
        .await
        .expect(400);
    srv.call(
        "GET",
        &format!("/api/session/snapshots?sessionId={unknown}"),
        tok,
        None,
    )
    .await
    .expect(404);

    srv.call(
        "POST",
        "/api/session/skills",
        tok,
        Some(json!({"sessionId": s})),
    )
    .await
    .expect(400);
    srv.call(
        "POST",
        "/api/session/skills",
        tok,
        Some(json!({"sessionId": unknown, "skillScores": {"a": 1}})),
    )
    .await
    .expect(404);
    srv.call("GET", "/api/session/skills", tok, None)
        .await
        .expect(400);
    srv.call(
        "GET",
        &format!("/api/session/skills?sessionId={unknown}"),
        tok,
        None,
    )
    .await
    .expect(404);

    srv.call(
        "POST",
        "/api/session/analytics",
        tok,
        Some(json!({"sessionId": s})),
    )
    .await
    .expect(400);
    srv.call(
        "POST",
        "/api/session/analytics",
        tok,
        Some(json!({"sessionId": s, "analyticsData": {"sessionMetrics": [1]}})),
    )
    .await
    .expect(400);
    srv.call("GET", "/api/session/analytics", tok, None)
        .await
        .expect(400);
    srv.call(
        "GET",
        &format!("/api/session/analytics?sessionId={unknown}"),
        tok,
        None,
    )
    .await
    .expect(404);

    srv.call(
        "POST",
        "/api/session/comparison",
        tok,
        Some(json!({"therapistId": physio.id})),
    )
    .await
    .expect(400);
    srv.call(
        "POST",
        "/api/session/comparison",
        tok,
        Some(json!({"therapistId": physio.id, "currentSessionId": unknown})),
    )
    .await
    .expect(404);
    srv.call("GET", "/api/session/comparison", tok, None)
        .await
        .expect(400);

    srv.call(
        "POST",
        "/api/evaluation",
        tok,
        Some(json!({"sessionId": s})),
    )
    .await
    .expect(400);
    srv.call(
        "POST",
        "/api/evaluation",
        tok,
        Some(json!({"sessionId": s, "feedback": "x", "rating": 6})),
    )
    .await
    .expect(400);
    srv.call(
        "POST",
        "/api/evaluation",
        tok,
        Some(json!({"sessionId": unknown, "feedback": "x"})),
    )
    .await
    .expect(404);
    srv.call("GET", "/api/evaluation", tok, None)
        .await
        .expect(400);
    srv.call(
        "GET",
        &format!("/api/evaluation?sessionId={unknown}"),
        tok,
        None,
    )
    .await
    .expect(404);
}

/// Issue 15: a home session's progress comes from what the server holds (the uploaded
/// repetition table, frames and session times), not from a client's progress body. Units:
/// seconds, counts, degrees, quality 0..100.
#[tokio::test]
async fn progress_of_a_home_session_is_computed_by_the_server() {
    let srv = start().await;
    let physio = srv.signup("physiotherapist").await;
    let patient = srv.signup("patient").await;
    srv.link(&physio, &patient).await;
    let reply = srv
        .call(
            "POST",
            "/api/sessions",
            Some(&patient.access),
            Some(
                json!({"exercise_type": "squat", "start_time": "2026-02-02T10:00:00Z",
                "end_time": "2026-02-02T10:05:30Z"}),
            ),
        )
        .await;
    let s = reply.expect(201)["session_id"]
        .as_str()
        .unwrap()
        .to_string();
    let p = Some(physio.access.as_str());
    let me = Some(patient.access.as_str());

    // No data and no progress yet: nothing to show.
    srv.call(
        "GET",
        &format!("/api/session/progress?sessionId={s}"),
        p,
        None,
    )
    .await
    .expect(404);

    // The patient uploads 10 frames (quality 0.9) and a known repetition table: ranges of
    // motion 90 and 70 degrees (full, left and right) and 30 degrees (partial, left).
    let mut upload = common::pose_upload(10);
    upload["repetitions"] = json!([
        {"index": 0, "start_ms": 0, "end_ms": 1000, "min_angle": 80.0, "max_angle": 170.0,
         "partial": false, "confidence": 0.9, "side": "left"},
        {"index": 1, "start_ms": 1200, "end_ms": 2000, "min_angle": 90.0, "max_angle": 160.0,
         "partial": false, "confidence": 0.7, "side": "right"},
        {"index": 2, "start_ms": 2100, "end_ms": 2500, "min_angle": 100.0, "max_angle": 130.0,
         "partial": true, "confidence": 0.5, "side": "left"}
    ]);
    srv.call("POST", &format!("/api/sessions/{s}/data"), me, Some(upload))
        .await
        .expect(201);
    let expected = json!({
        "repetitions": 3.0, "fullRepetitions": 2.0, "partialRepetitions": 1.0,
        "rangeOfMotionDeg": 80.0, "maxRangeOfMotionDeg": 90.0,
        "rangeOfMotionDegLeft": 90.0, "rangeOfMotionDegRight": 70.0,
        "quality": 90.0, "repetitionConfidence": 70.0
    });

    // Readable at once, by the patient too, before any clinician wrote progress.
    let got = srv
        .call(
            "GET",
            &format!("/api/session/progress?sessionId={s}"),
            me,
            None,
        )
        .await;
    let m = &got.expect(200)["progressMetrics"];
    assert_eq!(m["skillScores"], expected);
    assert_eq!(m["sessionDuration"], 330.0);
    assert_eq!(m["activeTime"], 2.2);
    assert_eq!(m["conversationFlow"], 90.0);

    // A clinician's device sends lying numbers: they are ignored (and named in a header);
    // what the server does not compute (messages, a clinician's own skill, milestones) is kept.
    let lie = json!({"sessionId": s, "progressMetrics": {
        "sessionDuration": 9999, "activeTime": 9999, "conversationFlow": 100, "totalMessages": 4,
        "skillScores": {"repetitions": 50, "rangeOfMotionDeg": 170, "quality": 100, "Depth": 60},
        "milestonesReached": ["first full squat"]}});
    let r = srv
        .call("POST", "/api/session/progress", p, Some(lie))
        .await;
    assert_eq!(
        r.expect(200).clone(),
        json!({"success": true, "sessionId": s})
    );
    let ignored = r.header("x-ignored-fields").expect("ignored fields named");
    for field in [
        "progressMetrics.sessionDuration",
        "progressMetrics.activeTime",
        "progressMetrics.conversationFlow",
        "progressMetrics.skillScores.repetitions",
        "progressMetrics.skillScores.rangeOfMotionDeg",
        "progressMetrics.skillScores.quality",
    ] {
        assert!(
            ignored.split(',').any(|f| f == field),
            "{field} in {ignored}"
        );
    }
    for tok in [p, me] {
        let got = srv
            .call(
                "GET",
                &format!("/api/session/progress?sessionId={s}"),
                tok,
                None,
            )
            .await;
        let m = &got.expect(200)["progressMetrics"];
        let mut skills = expected.clone();
        skills["Depth"] = json!(60.0);
        assert_eq!(m["skillScores"], skills);
        assert_eq!(m["sessionDuration"], 330.0);
        assert_eq!(m["activeTime"], 2.2);
        assert_eq!(m["conversationFlow"], 90.0);
        assert_eq!(m["totalMessages"], 4);
        assert_eq!(m["milestonesReached"], json!(["first full squat"]));
    }

    // A new upload (a corrected table) moves the numbers; the clinician's entries stay.
    let mut upload = common::pose_upload(4);
    upload["repetitions"] = json!([{"index": 0, "start_ms": 0, "end_ms": 1500,
        "min_angle": 60.0, "max_angle": 160.0, "partial": false}]);
    srv.call("POST", &format!("/api/sessions/{s}/data"), me, Some(upload))
        .await
        .expect(201);
    let got = srv
        .call(
            "GET",
            &format!("/api/session/progress?sessionId={s}"),
            p,
            None,
        )
        .await;
    let m = &got.expect(200)["progressMetrics"];
    assert_eq!(m["skillScores"]["repetitions"], 1.0);
    assert_eq!(m["skillScores"]["rangeOfMotionDeg"], 100.0);
    assert_eq!(m["skillScores"]["Depth"], 60.0);
    assert!(m["skillScores"].get("rangeOfMotionDegLeft").is_none());
    assert!(m["skillScores"].get("repetitionConfidence").is_none());
    assert_eq!(m["activeTime"], 1.5);
}

/// Without a repetition table the range of motion is that of the primary angle over the
/// frames; a session without any uploaded data shows only what a clinician wrote, and never
/// a client's numbers for what the server computes.
#[tokio::test]
async fn progress_without_repetitions_or_data() {
    let srv = start().await;
    let physio = srv.signup("physiotherapist").await;
    let patient = srv.signup("patient").await;
    srv.link(&physio, &patient).await;
    let p = Some(physio.access.as_str());
    let s = srv.session(&patient).await;
    let mut upload = common::pose_upload(10);
    upload["summary_statistics"]["primary_angle"] = json!("knee_right");
    srv.call(
        "POST",
        &format!("/api/sessions/{s}/data"),
        Some(&patient.access),
        Some(upload),
    )
    .await
    .expect(201);
    let got = srv
        .call(
            "GET",
            &format!("/api/session/progress?sessionId={s}"),
            p,
            None,
        )
        .await;
    let m = &got.expect(200)["progressMetrics"];
    // knee_right runs 88..97 degrees over frames 0..9.
    assert_eq!(m["skillScores"]["rangeOfMotionDeg"], 9.0);
    assert!(m["skillScores"].get("repetitions").is_none());
    assert!(m["activeTime"].is_null());
    // 10 frames 66 ms apart, no session times: the frames' span.
    assert_eq!(m["sessionDuration"], 0.59);

    let bare = srv.session(&patient).await;
    srv.call(
        "POST",
        "/api/session/progress",
        p,
        Some(json!({"sessionId": bare, "progressMetrics": {"activeTime": 50, "skillScores": {"quality": 99, "Depth": 70}}})),
    )
    .await
    .expect(200);
    let got = srv
        .call(
            "GET",
            &format!("/api/session/progress?sessionId={bare}"),
            p,
            None,
        )
        .await;
    let m = &got.expect(200)["progressMetrics"];
    assert_eq!(m["skillScores"], json!({"Depth": 70.0}));
    assert!(m["activeTime"].is_null());
}
