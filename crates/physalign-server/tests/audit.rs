//! The access log on the real server and PostgreSQL (issue 17): sign-ins (successful and
//! failed), sign-outs, refresh reuse, refusals and deletions are recorded with user, address,
//! time and patient; the application cannot change or remove a row; an administrator lists it
//! by patient, page by page.

mod common;

use common::{care_teams, start, PASSWORD};
use serde_json::{json, Value};

#[derive(Debug, sqlx::FromRow)]
struct Row {
    user_id: Option<uuid::Uuid>,
    resource_id: Option<uuid::Uuid>,
    patient_id: Option<uuid::Uuid>,
    ip: Option<String>,
    status_code: Option<i16>,
    request_path: Option<String>,
    recent: bool,
}

/// The rows with `action`, oldest first.
async fn rows(pool: &sqlx::PgPool, action: &str) -> Vec<Row> {
    sqlx::query_as(
        "SELECT user_id, resource_id, patient_id, host(ip_address) AS ip, status_code, request_path,
                timestamp > NOW() - INTERVAL '1 minute' AS recent
         FROM access_logs WHERE action = $1 ORDER BY timestamp",
    )
    .bind(action)
    .fetch_all(pool)
    .await
    .unwrap()
}

fn uuid(text: &str) -> uuid::Uuid {
    text.parse().unwrap()
}

#[tokio::test]
async fn sign_ins_sign_outs_and_refresh_reuse_are_logged() {
    let srv = start().await;
    let user = srv.signup("patient").await;
    let login = |password: &str| {
        srv.call(
            "POST",
            "/api/auth/login",
            None,
            Some(json!({"email": user.email, "password": password})),
        )
    };
    login("Wr0ng-Passw0rd!!").await.expect(401);
    // An e-mail without an account: logged without a user.
    srv.call(
        "POST",
        "/api/auth/login",
        None,
        Some(json!({"email": "nobody@example.org", "password": PASSWORD})),
    )
    .await
    .expect(401);
    let failed = rows(&srv.pool, "login_failed").await;
    assert_eq!(failed.len(), 2, "{failed:?}");
    assert_eq!(failed[0].user_id, Some(uuid(&user.id)));
    assert_eq!(failed[0].status_code, Some(401));
    assert_eq!(failed[0].ip.as_deref(), Some("127.0.0.1"));
    assert!(failed[0].recent);
    assert_eq!(failed[1].user_id, None);

    let ok = login(PASSWORD).await;
    ok.expect(200);
    let logins = rows(&srv.pool, "login").await;
    // The sign-up's session, then this login's.
    assert_eq!(logins.len(), 2);
    assert!(logins
        .iter()
        .all(|r| r.user_id == Some(uuid(&user.id)) && r.resource_id.is_some()));

    // Refresh reuse: the first token of the sign-up, used twice.
    let body = json!({"refresh_token": user.refresh});
    srv.call("POST", "/api/auth/refresh", None, Some(body.clone()))
        .await
        .expect(200);
    srv.call("POST", "/api/auth/refresh", None, Some(body))
        .await
        .expect(401);
    let reuse = rows(&srv.pool, "refresh_reuse").await;
    assert_eq!(reuse.len(), 1);
    assert_eq!(reuse[0].user_id, Some(uuid(&user.id)));
    assert_eq!(reuse[0].resource_id, logins[0].resource_id);

    srv.call(
        "POST",
        "/api/auth/logout",
        None,
        Some(json!({"refresh_token": ok.body["refresh_token"]})),
    )
    .await
    .expect(204);
    let logout = rows(&srv.pool, "logout").await;
    assert_eq!(logout.len(), 1);
    assert_eq!(logout[0].user_id, Some(uuid(&user.id)));
    assert_eq!(logout[0].resource_id, logins[1].resource_id);
    assert_eq!(logout[0].ip.as_deref(), Some("127.0.0.1"));
}

#[tokio::test]
async fn refusals_on_patient_data_are_logged_with_whose_data_it_was() {
    let t = care_teams().await;
    let srv = &t.srv;
    let session = srv.session(&t.patient).await;
    let path = format!("/api/sessions/{session}");
    // 404: another clinician's attempt on this patient's session.
    srv.call("GET", &path, Some(&t.other_physio.access), None)
        .await
        .expect(404);
    // 401: nobody signed in.
    srv.call("GET", &path, None, None).await.expect(401);
    // 403: a patient on a clinician's list.
    srv.call("GET", "/api/physio/patients", Some(&t.patient.access), None)
        .await
        .expect(403);
    let denied = rows(&srv.pool, "denied").await;
    assert_eq!(denied.len(), 3, "{denied:?}");
    let pid = Some(uuid(&t.patient.pid()));
    assert_eq!(denied[0].user_id, Some(uuid(&t.other_physio.id)));
    assert_eq!(denied[0].status_code, Some(404));
    assert_eq!(denied[0].patient_id, pid);
    assert_eq!(denied[0].resource_id, Some(uuid(&session)));
    assert_eq!(denied[0].request_path.as_deref(), Some(path.as_str()));
    assert_eq!(denied[0].ip.as_deref(), Some("127.0.0.1"));
    assert_eq!(
        (
            denied[1].user_id,
            denied[1].status_code,
            denied[1].patient_id
        ),
        (None, Some(401), pid)
    );
    assert_eq!(
        (denied[2].user_id, denied[2].status_code),
        (Some(uuid(&t.patient.id)), Some(403))
    );
    // What was allowed is not a refusal.
    srv.call("GET", &path, Some(&t.physio.access), None)
        .await
        .expect(200);
    assert_eq!(rows(&srv.pool, "denied").await.len(), 3);
}

#[tokio::test]
async fn a_deletion_is_logged_with_its_patient_after_the_record_is_gone() {
    let srv = start().await;
    let patient = srv.signup("patient").await;
    let session = srv.session(&patient).await;
    srv.call(
        "DELETE",
        &format!("/api/sessions/{session}"),
        Some(&patient.access),
        None,
    )
    .await
    .expect(204);
    let deleted = rows(&srv.pool, "delete").await;
    assert_eq!(deleted.len(), 1);
    assert_eq!(deleted[0].user_id, Some(uuid(&patient.id)));
    assert_eq!(deleted[0].resource_id, Some(uuid(&session)));
    assert_eq!(deleted[0].patient_id, Some(uuid(&patient.pid())));
}

#[tokio::test]
async fn the_application_cannot_change_or_remove_the_access_log() {
    let srv = start().await;
    srv.signup("patient").await;
    let before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM access_logs")
        .fetch_one(&srv.pool)
        .await
        .unwrap();
    assert!(before > 0);
    for statement in [
        "UPDATE access_logs SET user_id = NULL",
        "UPDATE access_logs SET timestamp = NOW() - INTERVAL '1 year'",
        "DELETE FROM access_logs",
        "TRUNCATE access_logs",
    ] {
        let err = sqlx::query(statement)
            .execute(&srv.pool)
            .await
            .expect_err(statement);
        let code = err
            .as_database_error()
            .and_then(|e| e.code())
            .map(|c| c.to_string());
        assert_eq!(code.as_deref(), Some("42501"), "{statement}: {err}");
    }
    let after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM access_logs")
        .fetch_one(&srv.pool)
        .await
        .unwrap();
    assert_eq!(after, before);
}

#[tokio::test]
async fn an_administrator_lists_the_log_of_one_patient_page_by_page() {
    let t = care_teams().await;
    let srv = &t.srv;
    // Three reads of the patient's session by their clinician, one of the other patient's.
    let session = srv.session(&t.patient).await;
    for _ in 0..3 {
        srv.call(
            "GET",
            &format!("/api/sessions/{session}"),
            Some(&t.physio.access),
            None,
        )
        .await
        .expect(200);
    }
    let other = srv.session(&t.other_patient).await;
    srv.call(
        "GET",
        &format!("/api/sessions/{other}"),
        Some(&t.other_physio.access),
        None,
    )
    .await
    .expect(200);
    let pid = t.patient.pid();
    let list = |query: String, token: String| async move {
        srv.call(
            "GET",
            &format!("/api/admin/access-logs?{query}"),
            Some(&token),
            None,
        )
        .await
    };
    // Administrators only.
    list(format!("patient_id={pid}"), t.physio.access.clone())
        .await
        .expect(403);
    let first = list(
        format!("patient_id={pid}&per_page=2"),
        t.admin.access.clone(),
    )
    .await;
    let first = first.expect(200).clone();
    let total = first["pagination"]["total_items"].as_u64().unwrap();
    // The session's creation and the three reads at least; none of the other patient's.
    assert!(total >= 4, "{first}");
    assert_eq!(first["data"].as_array().unwrap().len(), 2);
    assert_eq!(
        first["pagination"]["total_pages"].as_u64(),
        Some(total.div_ceil(2))
    );
    let second = list(
        format!("patient_id={pid}&per_page=2&page=2"),
        t.admin.access.clone(),
    )
    .await;
    assert_eq!(second.expect(200)["data"].as_array().unwrap().len(), 2);
    // Everything at once: the earlier listings of this patient's log are in it now.
    let r = list(
        format!("patient_id={pid}&per_page=100"),
        t.admin.access.clone(),
    )
    .await;
    let whole = r.expect(200).clone();
    let all: Vec<Value> = whole["data"].as_array().unwrap().clone();
    assert_eq!(whole["pagination"]["total_items"].as_u64(), Some(total + 2));
    assert_eq!(all.len() as u64, total + 2);
    assert_eq!(
        all.iter()
            .filter(|e| e["resource_type"] == "access_log")
            .count(),
        2
    );
    let reads = all
        .iter()
        .filter(|e| {
            e["action"] == "read"
                && e["resource_type"] == "exercise_session"
                && e["user_id"] == t.physio.id.as_str()
                && e["ip_address"] == "127.0.0.1"
                && e["timestamp"].is_string()
        })
        .count();
    assert_eq!(reads, 3);
    // Newest first.
    let times: Vec<&str> = all
        .iter()
        .map(|e| e["timestamp"].as_str().unwrap())
        .collect();
    let parsed: Vec<chrono::DateTime<chrono::Utc>> =
        times.iter().map(|t| t.parse().unwrap()).collect();
    assert!(parsed.windows(2).all(|w| w[0] >= w[1]));
    // Reading the log is itself logged.
    let logged: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM access_logs WHERE resource_type = 'access_log' AND user_id = $1::uuid",
    )
    .bind(&t.admin.id)
    .fetch_one(&srv.pool)
    .await
    .unwrap();
    assert!(logged >= 1);
    list("per_page=500".into(), t.admin.access.clone())
        .await
        .expect(400);
}
