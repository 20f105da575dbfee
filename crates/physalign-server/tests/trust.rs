//! Who may see whom (issue 15): clinician accounts only from an administrator, registration
//! with a single-use invitation code, the claim (new or existing account), the care team and
//! its end, against a real PostgreSQL.

mod common;

use common::{start, start_with, PASSWORD};
use serde_json::json;

#[tokio::test]
async fn clinicians_come_only_from_an_administrator() {
    let srv = start().await;
    let r = srv
        .call(
            "POST",
            "/api/auth/signup",
            None,
            Some(json!({"email": "doc@example.org", "password": PASSWORD, "first_name": "D", "last_name": "O", "role": "physiotherapist"})),
        )
        .await;
    r.expect(400);
    assert_eq!(r.body["error"]["details"][0]["field"], "role");

    // The library call behind `create-user`.
    let clinician = srv.clinician().await;
    let me = srv
        .call("GET", "/api/auth/me", Some(&clinician.access), None)
        .await;
    assert_eq!(me.expect(200)["role"], "physiotherapist");

    // The admin endpoint: admins only.
    let admin = srv.admin().await;
    let body = json!({"email": "doc2@example.org", "password": PASSWORD, "first_name": "Doc", "last_name": "Two", "role": "physiotherapist"});
    srv.call(
        "POST",
        "/api/admin/users",
        Some(&clinician.access),
        Some(body.clone()),
    )
    .await
    .expect(403);
    let patient = srv.signup("patient").await;
    srv.call(
        "POST",
        "/api/admin/users",
        Some(&patient.access),
        Some(body.clone()),
    )
    .await
    .expect(403);
    srv.call("POST", "/api/admin/users", None, Some(body.clone()))
        .await
        .expect(401);
    let created = srv
        .call("POST", "/api/admin/users", Some(&admin.access), Some(body))
        .await;
    assert!(created.expect(201)["user_id"].is_string());
    assert!(created.body["profile_id"].is_string());
    let doc2 = srv.login("doc2@example.org", PASSWORD).await;
    assert!(doc2.profile_id.is_some());
}

#[tokio::test]
async fn registration_and_claim_by_a_new_account() {
    let srv = start().await;
    let clinician = srv.clinician().await;
    let other = srv.clinician().await;
    let reg = srv.register_patient(&clinician, "new@example.org").await;
    let pid = reg["patient_id"].as_str().unwrap().to_string();
    let code = reg["invitation_code"].as_str().unwrap().to_string();
    assert_eq!(code.len(), 19);
    assert!(reg["expires_at"].is_string());
    // Only a hash is stored.
    let stored: String = sqlx::query_scalar("SELECT code_hash FROM patient_invitations")
        .fetch_one(&srv.pool)
        .await
        .unwrap();
    assert!(!stored.contains(&code));
    // The registering clinician sees the registered patient already; another does not.
    let list = srv
        .call("GET", "/api/physio/patients", Some(&clinician.access), None)
        .await;
    assert_eq!(list.expect(200)["data"][0]["patient_id"], pid.as_str());
    assert!(list.body["data"][0]["user_id"].is_null());
    let list = srv
        .call("GET", "/api/physio/patients", Some(&other.access), None)
        .await;
    assert_eq!(list.expect(200)["pagination"]["total_items"], 0);
    // Patients cannot register patients.
    let p = srv.signup("patient").await;
    srv.call(
        "POST",
        "/api/patients",
        Some(&p.access),
        Some(json!({"first_name": "A", "last_name": "B", "email": "x@example.org"})),
    )
    .await
    .expect(403);

    // Typed loosely: lower case, spaces for dashes.
    let typed = code.to_lowercase().replace('-', " ");
    let claimed = srv.claim(&typed, "new@example.org", PASSWORD).await;
    claimed.expect(200);
    assert_eq!(claimed.body["token_type"], "Bearer");
    let patient = srv.identity("new@example.org".into(), &claimed).await;
    assert_eq!(patient.profile_id.as_deref(), Some(pid.as_str()));
    let profile = srv
        .call("GET", "/api/patients/profile", Some(&patient.access), None)
        .await;
    assert_eq!(profile.expect(200)["first_name"], "Pat");
    assert_eq!(profile.body["date_of_birth"], "1980-02-03");
    // Single use.
    let again = srv.claim(&code, "another@example.org", PASSWORD).await;
    again.expect(401);
    assert_eq!(again.code(), "AUTHENTICATION_FAILED");
    // The patient can log in normally.
    srv.login("new@example.org", PASSWORD).await;
}

#[tokio::test]
async fn claim_by_an_existing_account_links_it_and_leaks_nothing() {
    let srv = start().await;
    let clinician = srv.clinician().await;
    let existing = srv.signup("patient").await;
    let own_session = srv.session(&existing).await;
    // Registering an e-mail that has an account answers the same shape.
    let reg = srv.register_patient(&clinician, &existing.email).await;
    let fresh = srv
        .register_patient(&clinician, "nobody-yet@example.org")
        .await;
    let keys = |v: &serde_json::Value| {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(keys(&reg), keys(&fresh));
    let pending = reg["patient_id"].as_str().unwrap().to_string();
    assert_ne!(Some(pending.as_str()), existing.profile_id.as_deref());
    // Before the claim the clinician cannot see the account's data.
    srv.call(
        "GET",
        &format!("/api/sessions/{own_session}"),
        Some(&clinician.access),
        None,
    )
    .await
    .expect(404);
    // A session recorded by the clinician for the registered record before the claim.
    let before = srv
        .call(
            "POST",
            "/api/sessions",
            Some(&clinician.access),
            Some(json!({"patient_id": pending, "exercise_type": "squat"})),
        )
        .await;
    let before = before.expect(201)["session_id"]
        .as_str()
        .unwrap()
        .to_string();

    let code = reg["invitation_code"].as_str().unwrap();
    // A wrong password for the existing account: the same error as a wrong code.
    let wrong_pw = srv.claim(code, &existing.email, "Wr0ng-Passw0rd!!").await;
    let wrong_code = srv
        .claim("AAAA-BBBB-CCCC-DDDD", &existing.email, PASSWORD)
        .await;
    assert_eq!(wrong_pw.status, 401);
    assert_eq!(wrong_pw.body, wrong_code.body);

    let claimed = srv.claim(code, &existing.email, PASSWORD).await;
    claimed.expect(200);
    let me = srv.identity(existing.email.clone(), &claimed).await;
    assert_eq!(me.profile_id, existing.profile_id);
    // The registered record was merged into the account's.
    let merged: Option<uuid::Uuid> =
        sqlx::query_scalar("SELECT into_patient_id FROM patient_merges WHERE from_patient_id = $1")
            .bind(pending.parse::<uuid::Uuid>().unwrap())
            .fetch_optional(&srv.pool)
            .await
            .unwrap();
    assert_eq!(merged.map(|u| u.to_string()), existing.profile_id.clone());
    // Now the clinician sees the account's sessions, including the one recorded before.
    for s in [&own_session, &before] {
        let r = srv
            .call(
                "GET",
                &format!("/api/sessions/{s}"),
                Some(&clinician.access),
                None,
            )
            .await;
        let body = r.expect(200).to_string();
        assert!(
            body.contains(existing.profile_id.as_deref().unwrap()),
            "{body}"
        );
    }
    let team = srv
        .call(
            "GET",
            "/api/patients/care-team",
            Some(&existing.access),
            None,
        )
        .await;
    assert_eq!(team.expect(200)["data"].as_array().unwrap().len(), 1);
    assert_eq!(
        team.body["data"][0]["physiotherapist_id"],
        clinician.profile_id.clone().unwrap().as_str()
    );
}

#[tokio::test]
async fn wrong_used_and_expired_codes_are_one_error() {
    let srv = start_with(|c| c.login_attempts_per_minute = 100).await;
    let clinician = srv.clinician().await;
    let a = srv.register_patient(&clinician, "a@example.org").await;
    let b = srv.register_patient(&clinician, "b@example.org").await;
    let code_a = a["invitation_code"].as_str().unwrap();
    let code_b = b["invitation_code"].as_str().unwrap();
    srv.claim(code_a, "a@example.org", PASSWORD)
        .await
        .expect(200);
    sqlx::query("UPDATE patient_invitations SET expires_at = NOW() - INTERVAL '1 minute' WHERE patient_id = $1::uuid")
        .bind(b["patient_id"].as_str().unwrap())
        .execute(&srv.pool)
        .await
        .unwrap();
    let used = srv.claim(code_a, "z@example.org", PASSWORD).await;
    let expired = srv.claim(code_b, "z@example.org", PASSWORD).await;
    let wrong = srv
        .claim("ZZZZ-ZZZZ-ZZZZ-ZZZZ", "z@example.org", PASSWORD)
        .await;
    let garbage = srv.claim("hello", "z@example.org", PASSWORD).await;
    for r in [&used, &expired, &wrong, &garbage] {
        r.expect(401);
        assert_eq!(r.body, used.body);
    }
    // No account was created by the failures.
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE email = 'z@example.org'")
        .fetch_one(&srv.pool)
        .await
        .unwrap();
    assert_eq!(n, 0);
}

#[tokio::test]
async fn claims_are_rate_limited_like_logins() {
    let srv = start_with(|c| c.login_attempts_per_minute = 3).await;
    for _ in 0..3 {
        srv.claim("ZZZZ-ZZZZ-ZZZZ-ZZZZ", "z@example.org", PASSWORD)
            .await
            .expect(401);
    }
    srv.claim("ZZZZ-ZZZZ-ZZZZ-ZZZZ", "z@example.org", PASSWORD)
        .await
        .expect(429);
}

#[tokio::test]
async fn ending_the_relationship_hides_everything_from_the_clinician() {
    let srv = start().await;
    let clinician = srv.clinician().await;
    let reg = srv.register_patient(&clinician, "p@example.org").await;
    let claimed = srv
        .claim(
            reg["invitation_code"].as_str().unwrap(),
            "p@example.org",
            PASSWORD,
        )
        .await;
    claimed.expect(200);
    let patient = srv.identity("p@example.org".into(), &claimed).await;
    let pid = patient.profile_id.clone().unwrap();
    let s = srv.session(&patient).await;
    let tok = Some(clinician.access.as_str());
    srv.call("GET", &format!("/api/sessions/{s}"), tok, None)
        .await
        .expect(200);

    let team = srv
        .call(
            "GET",
            "/api/patients/care-team",
            Some(&patient.access),
            None,
        )
        .await;
    let member = &team.expect(200)["data"][0];
    assert_eq!(member["first_name"], "Test");
    assert!(member["since"].is_string());
    let physio_id = member["physiotherapist_id"].as_str().unwrap().to_string();
    // Only the patient ends it.
    srv.call(
        "DELETE",
        &format!("/api/patients/care-team/{physio_id}"),
        tok,
        None,
    )
    .await
    .expect(403);
    srv.call(
        "DELETE",
        &format!("/api/patients/care-team/{physio_id}"),
        Some(&patient.access),
        None,
    )
    .await
    .expect(204);
    srv.call(
        "DELETE",
        &format!("/api/patients/care-team/{physio_id}"),
        Some(&patient.access),
        None,
    )
    .await
    .expect(404);
    let team = srv
        .call(
            "GET",
            "/api/patients/care-team",
            Some(&patient.access),
            None,
        )
        .await;
    assert_eq!(team.expect(200)["data"], json!([]));
    let ended: Option<chrono::DateTime<chrono::Utc>> =
        sqlx::query_scalar("SELECT ended_at FROM patient_physio_assignments")
            .fetch_one(&srv.pool)
            .await
            .unwrap();
    assert!(ended.is_some());

    srv.call("GET", &format!("/api/sessions/{s}"), tok, None)
        .await
        .expect(404);
    for path in [
        "/api/physio/patients".to_string(),
        "/api/physio/sessions".to_string(),
        "/api/physio/analytics".to_string(),
        "/api/sessions".to_string(),
        format!("/api/sessions?patient_id={pid}"),
        format!("/api/session/progress?sessionId={s}"),
        format!("/api/session/snapshots?patientId={pid}"),
    ] {
        let r = srv.call("GET", &path, tok, None).await;
        assert!(
            !(200..300).contains(&r.status) || !r.body.to_string().contains(&pid),
            "{path}: {}",
            r.body
        );
        assert!(!r.body.to_string().contains(&s), "{path}: {}", r.body);
    }
    srv.call(
        "GET",
        &format!("/api/physio/analytics?patient_id={pid}"),
        tok,
        None,
    )
    .await
    .expect(404);
}
