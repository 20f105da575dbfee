//! The per-request time limit (issue 17) on a real PostgreSQL: a request stuck behind a lock is
//! abandoned with a clear 503 to retry, its work rolled back and its idempotency claim released,
//! and the same request with the same key goes through once the lock is gone.

mod common;

use common::start_with;
use serde_json::json;
use std::time::Instant;

#[tokio::test]
async fn a_request_stuck_behind_a_lock_is_abandoned_rolled_back_and_can_be_retried() {
    let srv = start_with(|c| c.security.request_timeout_secs = 1).await;
    let patient = srv.signup("patient").await;
    let pid: uuid::Uuid = patient.pid().parse().expect("uuid");

    // Another transaction holds the patient's row.
    let mut holder = srv.pool.begin().await.expect("begin");
    sqlx::query("SELECT id FROM patients WHERE id = $1 FOR UPDATE")
        .bind(pid)
        .execute(&mut *holder)
        .await
        .expect("lock");

    let key = [("idempotency-key", "profile-change-1")];
    let body = json!({"first_name": "Renamed", "phone": "+44 20 7946 0000"});
    let started = Instant::now();
    let stuck = srv
        .call_with(
            "PUT",
            "/api/patients/profile",
            Some(&patient.access),
            Some(body.clone()),
            &key,
        )
        .await;
    let waited = started.elapsed();
    stuck.expect(503);
    assert_eq!(stuck.code(), "SERVICE_UNAVAILABLE");
    assert_eq!(stuck.header("retry-after").as_deref(), Some("1"));
    assert!(
        waited.as_secs_f64() < 10.0,
        "answered after {waited:?}, not at its limit"
    );

    // Nothing of the abandoned request was kept, not even its idempotency claim.
    holder.rollback().await.expect("release");
    let name: String = sqlx::query_scalar(
        "SELECT u.first_name FROM users u JOIN patients p ON p.user_id = u.id WHERE p.id = $1",
    )
    .bind(pid)
    .fetch_one(&srv.pool)
    .await
    .expect("name");
    assert_ne!(name, "Renamed");
    let claims: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM idempotency_keys WHERE idempotency_key = 'profile-change-1'",
    )
    .fetch_one(&srv.pool)
    .await
    .expect("claims");
    assert_eq!(claims, 0);

    // The retry with the same key runs afresh and succeeds.
    let retried = srv
        .call_with(
            "PUT",
            "/api/patients/profile",
            Some(&patient.access),
            Some(body),
            &key,
        )
        .await;
    retried.expect(200);
    assert_eq!(retried.body["first_name"], "Renamed");
}
