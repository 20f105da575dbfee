//! Retention on the real server and PostgreSQL (issue 17): one clean-up pass removes expired
//! idempotency keys, ended sessions with their refresh tokens and expired refresh tokens,
//! expires abandoned uploads with their bytes, removes ended lockouts, the files of deleted
//! sessions and access log rows past their retention, leaving everything current alone; a pass
//! skips while another server holds the advisory lock.

mod common;

use common::{start, PASSWORD};
use physalign_server::retention::{Pass, RetentionPolicy, Swept, LOCK_KEY};
use serde_json::json;
use sha2::{Digest, Sha256};

async fn count(pool: &sqlx::PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

async fn exec(pool: &sqlx::PgPool, sql: &str) {
    sqlx::query(sql).execute(pool).await.unwrap();
}

#[tokio::test]
async fn a_pass_removes_what_expired_and_skips_while_another_server_runs_one() {
    let srv = start().await;
    let staging_dir = srv.storage.path().join(".resumable");
    let staged = |id: &str| staging_dir.join(format!("{id}.part"));
    let gone = srv.signup("patient").await;
    let stale = srv.signup("patient").await;
    let kept = srv.signup("patient").await;

    // An idempotency key from two days ago, and a fresh one.
    for (key, user) in [("old-key", &gone), ("new-key", &kept)] {
        srv.call_with(
            "POST",
            "/api/sessions",
            Some(&user.access),
            Some(json!({"exercise_type": "squat"})),
            &[("idempotency-key", key)],
        )
        .await
        .expect(201);
    }
    exec(
        &srv.pool,
        "UPDATE idempotency_keys SET created_at = NOW() - INTERVAL '2 days' WHERE idempotency_key = 'old-key'",
    )
    .await;
    // A sign-in that ended two days ago, and an open one whose first refresh token expired.
    srv.call(
        "POST",
        "/api/auth/logout",
        None,
        Some(json!({"refresh_token": gone.refresh})),
    )
    .await
    .expect(204);
    sqlx::query(
        "UPDATE auth_sessions SET revoked_at = NOW() - INTERVAL '2 days' WHERE user_id = $1::uuid",
    )
    .bind(&gone.id)
    .execute(&srv.pool)
    .await
    .unwrap();
    let r = srv
        .call(
            "POST",
            "/api/auth/refresh",
            None,
            Some(json!({"refresh_token": stale.refresh})),
        )
        .await;
    let stale_next = r.expect(200)["refresh_token"].as_str().unwrap().to_string();
    sqlx::query(
        "UPDATE refresh_tokens SET expires_at = NOW() - INTERVAL '2 days'
         WHERE user_id = $1::uuid AND used_at IS NOT NULL",
    )
    .bind(&stale.id)
    .execute(&srv.pool)
    .await
    .unwrap();
    // An upload abandoned past its expiry, with bytes staged, and a current one.
    let session = srv.session(&kept).await;
    let file = vec![7u8; 64];
    let mut uploads = Vec::new();
    for _ in 0..2 {
        let r = srv
            .call(
                "POST",
                "/api/uploads",
                Some(&kept.access),
                Some(
                    json!({"session_id": session, "kind": "pose_data", "size_bytes": file.len(),
                            "sha256": hex::encode(Sha256::digest(&file))}),
                ),
            )
            .await;
        uploads.push(r.expect(201)["upload_id"].as_str().unwrap().to_string());
    }
    sqlx::query(
        "UPDATE resumable_uploads SET expires_at = NOW() - INTERVAL '1 hour' WHERE id = $1::uuid",
    )
    .bind(&uploads[0])
    .execute(&srv.pool)
    .await
    .unwrap();
    assert!(staged(&uploads[0]).exists());

    // Another server holds the lock: this pass does nothing.
    let mut other = srv.pool.acquire().await.unwrap();
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(LOCK_KEY)
        .execute(&mut *other)
        .await
        .unwrap();
    assert_eq!(
        srv.retention_pass(&RetentionPolicy::default()).await,
        Pass::Busy
    );
    assert_eq!(
        count(
            &srv.pool,
            "SELECT COUNT(*) FROM idempotency_keys WHERE idempotency_key = 'old-key'"
        )
        .await,
        1
    );
    sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(LOCK_KEY)
        .execute(&mut *other)
        .await
        .unwrap();
    drop(other);

    let Pass::Ran(swept) = srv.retention_pass(&RetentionPolicy::default()).await else {
        panic!("the lock was free");
    };
    assert_eq!(swept.idempotency_keys, 1, "{swept:?}");
    assert_eq!(swept.sessions, 1, "{swept:?}");
    assert_eq!(swept.refresh_tokens, 1, "{swept:?}");
    assert_eq!(swept.uploads, 1, "{swept:?}");
    assert_eq!(
        count(
            &srv.pool,
            "SELECT COUNT(*) FROM idempotency_keys WHERE idempotency_key = 'new-key'"
        )
        .await,
        1
    );
    let gone_rows: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM auth_sessions WHERE user_id = $1::uuid)
              + (SELECT COUNT(*) FROM refresh_tokens WHERE user_id = $1::uuid)",
    )
    .bind(&gone.id)
    .fetch_one(&srv.pool)
    .await
    .unwrap();
    assert_eq!(gone_rows, 0);
    let status: String =
        sqlx::query_scalar("SELECT status FROM resumable_uploads WHERE id = $1::uuid")
            .bind(&uploads[0])
            .fetch_one(&srv.pool)
            .await
            .unwrap();
    assert_eq!(status, "expired");
    assert!(!staged(&uploads[0]).exists());
    assert!(staged(&uploads[1]).exists());
    // What is current still works.
    srv.call(
        "POST",
        "/api/auth/refresh",
        None,
        Some(json!({"refresh_token": stale_next})),
    )
    .await
    .expect(200);
    srv.call(
        "POST",
        "/api/auth/refresh",
        None,
        Some(json!({"refresh_token": kept.refresh})),
    )
    .await
    .expect(200);
    srv.login(&gone.email, PASSWORD).await;
    let r = srv
        .call(
            "GET",
            &format!("/api/uploads/{}", uploads[1]),
            Some(&kept.access),
            None,
        )
        .await;
    assert_eq!(r.expect(200)["status"], "open");
}

#[tokio::test]
async fn deleted_sessions_files_ended_lockouts_and_old_access_log_rows_go_and_nothing_else() {
    let srv = start().await;
    let patient = srv.signup("patient").await;
    let kept = srv.session(&patient).await;
    let deleted = srv.session(&patient).await;
    for session in [&kept, &deleted] {
        srv.store_pose_file(&patient.access, session, &[3u8; 1000])
            .await;
    }
    let folder = |id: &str| srv.storage.path().join("sessions").join(id);
    assert!(folder(&deleted).is_dir());
    srv.call(
        "DELETE",
        &format!("/api/sessions/{deleted}"),
        Some(&patient.access),
        None,
    )
    .await
    .expect(204);
    let stored = |id: String| {
        let pool = srv.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM stored_files WHERE session_id = $1::uuid",
            )
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    assert_eq!(
        stored(deleted.clone()).await,
        1,
        "counted against the quota"
    );

    // Lockouts: one that ended (last failure two days ago), one still locking, one fresh; a
    // sign-in address unused for a year.
    exec(
        &srv.pool,
        "INSERT INTO login_lockouts (email_hash, failures, locked_until, last_failure_at) VALUES
           (repeat('a', 64), 4, NULL, NOW() - INTERVAL '2 days'),
           (repeat('b', 64), 12, NOW() + INTERVAL '1 hour', NOW() - INTERVAL '2 days'),
           (repeat('c', 64), 1, NULL, NOW())",
    )
    .await;
    sqlx::query(
        "INSERT INTO login_known_addresses (user_id, address, last_success_at)
         VALUES ($1::uuid, '203.0.113.9', NOW() - INTERVAL '1 year')",
    )
    .bind(&patient.id)
    .execute(&srv.pool)
    .await
    .unwrap();
    // Access log rows of seven years, two years and half a year ago.
    for (path, age) in [
        ("/seven", "7 years"),
        ("/two", "2 years"),
        ("/half", "6 months"),
    ] {
        sqlx::query(&format!(
            "INSERT INTO access_logs (resource_type, action, request_path, timestamp)
             VALUES ('exercise_session', 'read', $1, NOW() - INTERVAL '{age}')"
        ))
        .bind(path)
        .execute(&srv.pool)
        .await
        .unwrap();
    }
    let logged = |path: &'static str| {
        let pool = srv.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM access_logs WHERE request_path = $1")
                .bind(path)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    // Outside the clean-up nothing may remove even the oldest row, and the clean-up's own
    // switch does not reach a row younger than a year.
    assert!(
        sqlx::query("DELETE FROM access_logs WHERE request_path = '/seven'")
            .execute(&srv.pool)
            .await
            .is_err()
    );
    let mut tx = srv.pool.begin().await.unwrap();
    sqlx::query("SET LOCAL physalign.access_log_retention = 'on'")
        .execute(&mut *tx)
        .await
        .unwrap();
    assert!(
        sqlx::query("DELETE FROM access_logs WHERE request_path = '/half'")
            .execute(&mut *tx)
            .await
            .is_err()
    );
    drop(tx);

    // Within the grace period a deleted session's files stay; the default retention (six
    // years) removes only the seven-year-old row.
    let Pass::Ran(swept) = srv.retention_pass(&RetentionPolicy::default()).await else {
        panic!("the lock was free");
    };
    assert_eq!(swept.orphan_sessions, 0, "{swept:?}");
    assert_eq!(swept.login_lockouts, 2, "{swept:?}");
    assert_eq!(swept.access_log_rows, 1, "{swept:?}");
    assert!(folder(&deleted).is_dir());
    assert_eq!(
        (
            logged("/seven").await,
            logged("/two").await,
            logged("/half").await
        ),
        (0, 1, 1)
    );
    assert_eq!(
        count(&srv.pool, "SELECT COUNT(*) FROM login_lockouts").await,
        2
    );
    assert_eq!(
        count(
            &srv.pool,
            "SELECT COUNT(*) FROM login_known_addresses WHERE address = '203.0.113.9'"
        )
        .await,
        0
    );

    // Past the grace period, with a one-year retention.
    let policy = RetentionPolicy {
        orphan_file_grace_secs: 0,
        access_log_retention_days: 365,
        ..RetentionPolicy::default()
    };
    // The administrator's preview counts what the pass then removes (rate-limit windows aside:
    // they end with the clock).
    let preview = srv.retention_preview(&policy).await;
    let Pass::Ran(swept) = srv.retention_pass(&policy).await else {
        panic!("the lock was free");
    };
    assert_eq!(
        Swept {
            rate_limit_counters: 0,
            ..preview
        },
        Swept {
            rate_limit_counters: 0,
            ..swept
        }
    );
    assert_eq!(swept.orphan_sessions, 1, "{swept:?}");
    assert_eq!(swept.access_log_rows, 1, "{swept:?}");
    assert!(!folder(&deleted).exists());
    assert_eq!(stored(deleted.clone()).await, 0, "the quota is freed");
    assert!(folder(&kept).join("pose_data").is_file());
    assert_eq!(stored(kept.clone()).await, 1);
    assert_eq!((logged("/two").await, logged("/half").await), (0, 1));
    // The kept session's file is still served.
    srv.call(
        "GET",
        &format!("/api/sessions/{kept}"),
        Some(&patient.access),
        None,
    )
    .await
    .expect(200);
}
