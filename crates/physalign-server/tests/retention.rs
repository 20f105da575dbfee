//! Retention on the real server and PostgreSQL (issue 17): one clean-up pass removes expired
//! idempotency keys, ended sessions with their refresh tokens and expired refresh tokens, and
//! expires abandoned uploads with their bytes, leaving everything current alone; a pass skips
//! while another server holds the advisory lock.

mod common;

use common::{start, PASSWORD};
use physalign_server::retention::{self, Pass, LOCK_KEY};
use physalign_server::storage::{DiskStaging, UploadStaging};
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
    let staging = UploadStaging::Disk(DiskStaging::new(staging_dir.clone()));
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
        retention::run_once(&srv.pool, &staging, 24 * 3600)
            .await
            .unwrap(),
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

    let Pass::Ran(swept) = retention::run_once(&srv.pool, &staging, 24 * 3600)
        .await
        .unwrap()
    else {
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
