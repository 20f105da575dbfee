//! Physiotherapist workflow, the authorisation matrix (each role against own and others'
//! data) and the access log, against a real PostgreSQL.

mod common;

use common::{pose_upload, start, TestServer, User};
use serde_json::{json, Value};

#[tokio::test]
async fn physio_links_reviews_and_sees_analytics() {
    let srv = start().await;
    let physio = srv.signup("physiotherapist").await;
    let tok = Some(physio.access.as_str());

    // The clinician registers the patient; the patient claims the invitation.
    let registered = srv
        .register_patient(&physio, "patient-one@example.org")
        .await;
    let code = registered["invitation_code"].as_str().unwrap();
    let claimed = srv
        .claim(code, "patient-one@example.org", common::PASSWORD)
        .await;
    claimed.expect(200);
    let patient = srv
        .identity("patient-one@example.org".into(), &claimed)
        .await;
    assert_eq!(
        registered["patient_id"].as_str(),
        patient.profile_id.as_deref()
    );
    // Clinicians cannot link anyone themselves, by id or by e-mail.
    for body in [
        json!({"patient_id": patient.profile_id}),
        json!({"email": patient.email}),
        json!({"email": "nobody@example.org"}),
        json!({}),
    ] {
        let r = srv
            .call("POST", "/api/physio/patients", tok, Some(body))
            .await;
        assert!(r.status == 400 || r.status == 403, "{}", r.body);
    }

    let list = srv.call("GET", "/api/physio/patients", tok, None).await;
    list.expect(200);
    assert_eq!(list.body["pagination"]["total_items"], 1);
    assert_eq!(list.body["data"][0]["email"], patient.email.as_str());

    // The physio schedules a session for the patient; the patient records it.
    let created = srv
        .call(
            "POST",
            "/api/sessions",
            tok,
            Some(json!({"patient_id": patient.profile_id, "exercise_type": "squat"})),
        )
        .await;
    let id = created.expect(201)["session_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        srv.call("GET", "/api/physio/sessions", tok, None)
            .await
            .expect(200)["pagination"]["total_items"],
        0
    );
    srv.call(
        "POST",
        &format!("/api/sessions/{id}/data"),
        Some(&patient.access),
        Some(pose_upload(45)),
    )
    .await
    .expect(201);
    let queue = srv.call("GET", "/api/physio/sessions", tok, None).await;
    queue.expect(200);
    assert_eq!(queue.body["data"][0]["id"], id.as_str());

    // The minutes spent on a review: 1 to 480.
    for minutes in [0, 481] {
        let refused = srv
            .call(
                "POST",
                "/api/physio/reviews",
                tok,
                Some(json!({"session_id": id, "overall_assessment": "FAIR",
                            "minutes_spent": minutes})),
            )
            .await;
        refused.expect(400);
        assert_eq!(
            refused.body["error"]["details"][0]["field"],
            "minutes_spent"
        );
    }
    let review = srv
        .call(
            "POST",
            "/api/physio/reviews",
            tok,
            Some(json!({
                "session_id": id, "notes": "Good technique, minor adjustments", "overall_assessment": "FAIR",
                "minutes_spent": 14,
                "form_feedback": [{"timestamp": 1706630415000i64, "issue": "Excessive forward lean",
                                   "recommendation": "Engage core", "severity": "MEDIUM"}],
                "next_steps": {"recommended_exercises": ["glute_bridge", "wall_sit"], "frequency": "3 times per week",
                               "follow_up_date": "2026-02-06T10:00:00Z"}
            })),
        )
        .await;
    review.expect(201);
    assert_eq!(review.body["overall_assessment"], "FAIR");
    assert_eq!(review.body["minutes_spent"], 14);
    assert_eq!(
        review.body["physiotherapist_name"],
        format!("Test {}", physio.email.split('@').next().unwrap())
    );
    srv.call(
        "POST",
        "/api/physio/reviews",
        tok,
        Some(json!({"session_id": id, "overall_assessment": "SUPERB"})),
    )
    .await
    .expect(400);

    let detail = srv
        .call(
            "GET",
            &format!("/api/sessions/{id}"),
            Some(&patient.access),
            None,
        )
        .await;
    detail.expect(200);
    assert_eq!(detail.body["session"]["status"], "reviewed");
    assert_eq!(
        detail.body["review"]["form_feedback"][0]["issue"],
        "Excessive forward lean"
    );
    assert_eq!(
        detail.body["review"]["next_steps"]["recommended_exercises"],
        json!(["glute_bridge", "wall_sit"])
    );
    assert_eq!(
        srv.call("GET", "/api/physio/sessions", tok, None)
            .await
            .expect(200)["pagination"]["total_items"],
        0
    );

    let analytics = srv.call("GET", "/api/physio/analytics", tok, None).await;
    analytics.expect(200);
    let p = &analytics.body["patients"][0];
    assert_eq!(p["total_sessions"], 1);
    assert_eq!(p["reviewed_sessions"], 1);
    assert_eq!(p["assessments"]["FAIR"], 1);
    assert!((p["average_quality"].as_f64().unwrap() - 0.9).abs() < 1e-9);
    assert_eq!(p["exercises"][0]["exercise_type"], "squat");
}

/// Five callers around patient A's session.
struct Cast {
    a: User,
    b: User,
    p1: User,
    p2: User,
    admin: User,
}

async fn cast(srv: &TestServer) -> Cast {
    let a = srv.signup("patient").await;
    let b = srv.signup("patient").await;
    let p1 = srv.signup("physiotherapist").await;
    let p2 = srv.signup("physiotherapist").await;
    let admin = srv.admin().await;
    srv.link(&p1, &a).await;
    srv.link(&p2, &b).await;
    Cast {
        a,
        b,
        p1,
        p2,
        admin,
    }
}

/// Calls `method path` as each of A, B, P1, P2, admin and checks the statuses.
async fn matrix(
    srv: &TestServer,
    c: &Cast,
    method: &str,
    path: &str,
    body: Option<Value>,
    expected: [u16; 5],
) {
    let who = [
        ("A", &c.a),
        ("B", &c.b),
        ("P1", &c.p1),
        ("P2", &c.p2),
        ("admin", &c.admin),
    ];
    for ((name, user), want) in who.iter().zip(expected) {
        let r = srv
            .call(method, path, Some(&user.access), body.clone())
            .await;
        assert_eq!(r.status, want, "{method} {path} as {name}: {}", r.body);
        if want == 404 {
            // Indistinguishable from a record that does not exist.
            assert!(r.code().ends_with("NOT_FOUND"), "{}", r.body);
            assert!(!r
                .body
                .to_string()
                .contains(c.a.profile_id.as_deref().unwrap()));
        }
    }
}

#[tokio::test]
async fn authorisation_matrix() {
    let srv = start().await;
    let c = cast(&srv).await;
    let s = srv.session(&c.a).await;
    let sp = format!("/api/sessions/{s}");
    let a_pid = c.a.profile_id.clone().unwrap();

    // Reads and writes of A's session: A, P1 and admin yes; B and P2 cannot tell it exists.
    matrix(&srv, &c, "GET", &sp, None, [200, 404, 200, 404, 200]).await;
    matrix(
        &srv,
        &c,
        "PUT",
        &sp,
        Some(json!({"instructions": "slower"})),
        [200, 404, 200, 404, 200],
    )
    .await;
    matrix(
        &srv,
        &c,
        "POST",
        &format!("{sp}/data"),
        Some(pose_upload(3)),
        // Measured data comes from the device that recorded the session (issue 17): those
        // who may read it get 403, those who may not see it 404.
        [201, 404, 403, 404, 403],
    )
    .await;
    matrix(
        &srv,
        &c,
        "POST",
        "/api/upload/generate-url",
        Some(json!({"session_id": s})),
        [200, 404, 403, 404, 403],
    )
    .await;
    matrix(
        &srv,
        &c,
        "POST",
        "/api/physio/reviews",
        Some(json!({"session_id": s, "overall_assessment": "GOOD"})),
        [403, 404, 201, 404, 403],
    )
    .await;
    // Seed 000: clinician writes, reads for whoever sees the session.
    let progress = json!({"sessionId": s, "progressMetrics": {"skillScores": {"Depth": 80}}});
    matrix(
        &srv,
        &c,
        "POST",
        "/api/session/progress",
        Some(progress),
        [403, 404, 200, 404, 200],
    )
    .await;
    matrix(
        &srv,
        &c,
        "GET",
        &format!("/api/session/progress?sessionId={s}"),
        None,
        [200, 404, 200, 404, 200],
    )
    .await;
    matrix(
        &srv,
        &c,
        "POST",
        "/api/evaluation",
        Some(json!({"sessionId": s, "feedback": "ok", "rating": 4})),
        [403, 404, 201, 404, 201],
    )
    .await;
    matrix(
        &srv,
        &c,
        "GET",
        &format!("/api/evaluation?sessionId={s}"),
        None,
        [200, 404, 200, 404, 200],
    )
    .await;
    matrix(&srv, &c, "POST", "/api/session/snapshots", Some(json!({"sessionId": s, "snapshots": [{"timestamp": "2026-01-30T10:00:00Z", "value": 10}]})), [403, 404, 200, 404, 200]).await;
    matrix(
        &srv,
        &c,
        "GET",
        &format!("/api/session/snapshots?sessionId={s}"),
        None,
        [200, 404, 200, 404, 200],
    )
    .await;
    matrix(
        &srv,
        &c,
        "POST",
        "/api/session/skills",
        Some(json!({"sessionId": s, "skillScores": {"Depth": 70}})),
        [403, 404, 200, 404, 200],
    )
    .await;
    matrix(
        &srv,
        &c,
        "GET",
        &format!("/api/session/skills?sessionId={s}"),
        None,
        [200, 404, 200, 404, 200],
    )
    .await;
    matrix(
        &srv,
        &c,
        "POST",
        "/api/session/analytics",
        Some(json!({"sessionId": s, "analyticsData": {}})),
        [403, 404, 200, 404, 200],
    )
    .await;
    matrix(
        &srv,
        &c,
        "GET",
        &format!("/api/session/analytics?sessionId={s}"),
        None,
        [200, 404, 200, 404, 200],
    )
    .await;
    matrix(
        &srv,
        &c,
        "POST",
        "/api/session/comparison",
        Some(json!({"currentSessionId": s})),
        [403, 404, 201, 404, 201],
    )
    .await;

    // Creating sessions for A.
    let for_a = json!({"patient_id": a_pid, "exercise_type": "lunge"});
    matrix(
        &srv,
        &c,
        "POST",
        "/api/sessions",
        Some(for_a),
        [201, 403, 201, 404, 201],
    )
    .await;

    // Role-restricted areas.
    matrix(
        &srv,
        &c,
        "GET",
        "/api/physio/patients",
        None,
        [403, 403, 200, 200, 200],
    )
    .await;
    matrix(
        &srv,
        &c,
        "GET",
        "/api/physio/sessions",
        None,
        [403, 403, 200, 200, 200],
    )
    .await;
    matrix(
        &srv,
        &c,
        "GET",
        "/api/physio/analytics",
        None,
        [403, 403, 200, 200, 200],
    )
    .await;
    matrix(
        &srv,
        &c,
        "GET",
        &format!("/api/physio/analytics?patient_id={a_pid}"),
        None,
        [403, 403, 200, 404, 200],
    )
    .await;
    matrix(
        &srv,
        &c,
        "GET",
        "/api/patients/profile",
        None,
        [200, 200, 403, 403, 403],
    )
    .await;
    matrix(
        &srv,
        &c,
        "GET",
        "/api/patients/sessions",
        None,
        [200, 200, 403, 403, 403],
    )
    .await;

    // Lists never show other patients' sessions.
    let counts = [(&c.a, 4), (&c.b, 0), (&c.p1, 4), (&c.p2, 0), (&c.admin, 4)];
    for (user, want) in counts {
        let r = srv
            .call("GET", "/api/sessions", Some(&user.access), None)
            .await;
        assert_eq!(
            r.expect(200)["pagination"]["total_items"],
            want,
            "{}",
            user.email
        );
        let r = srv
            .call(
                "GET",
                &format!("/api/sessions?patient_id={a_pid}"),
                Some(&user.access),
                None,
            )
            .await;
        assert_eq!(r.expect(200)["pagination"]["total_items"], want);
    }
    let p2_patients = srv
        .call("GET", "/api/physio/patients", Some(&c.p2.access), None)
        .await;
    assert!(!p2_patients.body.to_string().contains(&a_pid));
    let p2_analytics = srv
        .call("GET", "/api/physio/analytics", Some(&c.p2.access), None)
        .await;
    assert!(!p2_analytics.body.to_string().contains(&a_pid));
    let p2_skills = srv
        .call(
            "GET",
            &format!("/api/session/skills?therapistId={}", c.p1.id),
            Some(&c.p2.access),
            None,
        )
        .await;
    assert_eq!(p2_skills.expect(200)["skills"], json!([]));
    let p2_cmp = srv
        .call(
            "GET",
            &format!("/api/session/comparison?therapistId={}", c.p1.id),
            Some(&c.p2.access),
            None,
        )
        .await;
    assert_eq!(p2_cmp.expect(200)["comparisons"], json!([]));

    // Deleting: the owning patient or an admin; the assigned physio may not.
    matrix(&srv, &c, "DELETE", &sp, None, [204, 404, 404, 404, 404]).await;
    let s2 = srv.session(&c.a).await;
    let r = srv
        .call(
            "DELETE",
            &format!("/api/sessions/{s2}"),
            Some(&c.p1.access),
            None,
        )
        .await;
    r.expect(403);
    srv.call(
        "DELETE",
        &format!("/api/sessions/{s2}"),
        Some(&c.admin.access),
        None,
    )
    .await
    .expect(204);

    // Admin links across physios; physios cannot link at all.
    let p2_pid = srv
        .call("GET", "/api/auth/me", Some(&c.p2.access), None)
        .await
        .body["profile_id"]
        .clone();
    srv.call(
        "POST",
        "/api/physio/patients",
        Some(&c.admin.access),
        Some(json!({"patient_id": a_pid})),
    )
    .await
    .expect(400);
    srv.call(
        "POST",
        "/api/physio/patients",
        Some(&c.p1.access),
        Some(json!({"patient_id": a_pid, "physiotherapist_id": p2_pid})),
    )
    .await
    .expect(403);
    srv.call(
        "POST",
        "/api/physio/patients",
        Some(&c.admin.access),
        Some(json!({"patient_id": a_pid, "physiotherapist_id": p2_pid})),
    )
    .await
    .expect(201);
    let s3 = srv.session(&c.a).await;
    srv.call(
        "GET",
        &format!("/api/sessions/{s3}"),
        Some(&c.p2.access),
        None,
    )
    .await
    .expect(200);
}

/// `(user_id, resource_type, resource_id, action, ip, user_agent)`.
type LogRow = (
    Option<uuid::Uuid>,
    String,
    Option<uuid::Uuid>,
    String,
    Option<String>,
    Option<String>,
);

#[tokio::test]
async fn access_log_records_reads_and_writes_of_patient_data() {
    let srv = start().await;
    let c = cast(&srv).await;
    let s = srv.session(&c.a).await;
    srv.call_with(
        "GET",
        &format!("/api/sessions/{s}"),
        Some(&c.p1.access),
        None,
        &[("user-agent", "clinic-tablet/1.0")],
    )
    .await
    .expect(200);
    srv.call(
        "POST",
        &format!("/api/sessions/{s}/data"),
        Some(&c.a.access),
        Some(pose_upload(2)),
    )
    .await
    .expect(201);
    srv.call("GET", "/api/patients/profile", Some(&c.a.access), None)
        .await
        .expect(200);

    let rows: Vec<LogRow> = sqlx::query_as(
        "SELECT user_id, resource_type, resource_id, action, host(ip_address), user_agent FROM access_logs ORDER BY timestamp",
    )
    .fetch_all(&srv.pool)
    .await
    .unwrap();
    let sid: uuid::Uuid = s.parse().unwrap();
    let p1: uuid::Uuid = c.p1.id.parse().unwrap();
    let a: uuid::Uuid = c.a.id.parse().unwrap();
    let find = |user: uuid::Uuid, rtype: &str, action: &str| {
        rows.iter()
            .find(|r| r.0 == Some(user) && r.1 == rtype && r.3 == action)
            .unwrap_or_else(|| panic!("no {rtype} {action} by {user} in {rows:?}"))
    };
    let read = find(p1, "exercise_session", "read");
    assert_eq!(read.2, Some(sid));
    assert_eq!(read.4.as_deref(), Some("127.0.0.1"));
    assert_eq!(read.5.as_deref(), Some("clinic-tablet/1.0"));
    assert_eq!(find(a, "pose_data", "create").2, Some(sid));
    find(a, "exercise_session", "create");
    assert_eq!(
        find(a, "patient_profile", "read").2.map(|x| x.to_string()),
        c.a.profile_id.clone()
    );
    // Refused requests are not served, so not logged as reads.
    srv.call(
        "GET",
        &format!("/api/sessions/{s}"),
        Some(&c.b.access),
        None,
    )
    .await
    .expect(404);
    let b: uuid::Uuid = c.b.id.parse().unwrap();
    let b_reads: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM access_logs WHERE user_id = $1 AND resource_type = 'exercise_session'")
        .bind(b)
        .fetch_one(&srv.pool)
        .await
        .unwrap();
    assert_eq!(b_reads, 0);
}
