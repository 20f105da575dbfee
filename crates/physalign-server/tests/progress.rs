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
