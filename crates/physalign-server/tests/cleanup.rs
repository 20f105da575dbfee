//! Seed 004's administrator clean-up (`/api/admin/cleanup/*`, issue 19) against a real
//! PostgreSQL and storage directory: status and dry runs count without removing, each step
//! removes only its own kind, the whole pass the rest; a pass running elsewhere is 409; only
//! administrators, and every call in the access log.

mod common;

use common::start_with;
use physalign_server::retention::LOCK_KEY;
use serde_json::json;

#[tokio::test]
async fn administrators_preview_and_run_the_clean_up_step_by_step() {
    let srv = start_with(|c| c.security.orphan_file_grace_secs = 0).await;
    let admin = srv.admin().await;
    let patient = srv.signup("patient").await;
    let physio = srv.clinician().await;

    // A deleted session's stored file, and an upload abandoned past its expiry.
    let deleted = srv.session(&patient).await;
    srv.store_pose_file(&patient.access, &deleted, &[5u8; 500])
        .await;
    srv.call(
        "DELETE",
        &format!("/api/sessions/{deleted}"),
        Some(&patient.access),
        None,
    )
    .await
    .expect(204);
    let folder = srv.storage.path().join("sessions").join(&deleted);
    assert!(folder.is_dir());
    let kept = srv.session(&patient).await;
    let upload = srv
        .call(
            "POST",
            "/api/uploads",
            Some(&patient.access),
            Some(
                json!({"session_id": kept, "kind": "pose_data", "size_bytes": 10,
                        "sha256": "0".repeat(64)}),
            ),
        )
        .await;
    let upload = upload.expect(201)["upload_id"]
        .as_str()
        .unwrap()
        .to_string();
    sqlx::query(
        "UPDATE resumable_uploads SET expires_at = NOW() - INTERVAL '1 hour' WHERE id = $1::uuid",
    )
    .bind(&upload)
    .execute(&srv.pool)
    .await
    .unwrap();
    let open_uploads = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM resumable_uploads WHERE status = 'open'")
            .fetch_one(&srv.pool)
            .await
            .unwrap()
    };

    for who in [&patient, &physio] {
        for (method, path) in [
            ("GET", "/api/admin/cleanup/status"),
            ("GET", "/api/admin/cleanup/config"),
            ("POST", "/api/admin/cleanup/all?dry_run=true"),
            ("POST", "/api/admin/cleanup/orphaned-files"),
        ] {
            let r = srv.call(method, path, Some(&who.access), None).await;
            assert_eq!(r.status, 403, "{method} {path}: {:?}", r.body);
        }
    }
    let r = srv
        .call(
            "POST",
            "/api/admin/cleanup/all?dry_run=maybe",
            Some(&admin.access),
            None,
        )
        .await;
    assert_eq!(r.status, 400, "{:?}", r.body);

    let config = srv
        .call(
            "GET",
            "/api/admin/cleanup/config",
            Some(&admin.access),
            None,
        )
        .await;
    let config = config.expect(200);
    assert_eq!(config["orphan_file_grace_secs"], 0);
    assert_eq!(config["transcript_retention_days"], 90);
    assert_eq!(config["access_log_retention_days"], 2190);

    let status = srv
        .call(
            "GET",
            "/api/admin/cleanup/status",
            Some(&admin.access),
            None,
        )
        .await;
    let status = status.expect(200).clone();
    assert_eq!(status["pending"]["orphaned_file_sessions"], 1, "{status}");
    assert_eq!(status["pending"]["failed_uploads"], 1, "{status}");
    assert_eq!(status["last_run"], serde_json::Value::Null);

    // Dry runs count their own kind and remove nothing.
    let dry = srv
        .call(
            "POST",
            "/api/admin/cleanup/orphaned-files?dry_run=true",
            Some(&admin.access),
            None,
        )
        .await;
    let dry = dry.expect(200).clone();
    assert_eq!(dry["operation"], "orphaned_files");
    assert_eq!(dry["dry_run"], true);
    assert_eq!(dry["counts"]["orphaned_file_sessions"], 1);
    assert_eq!(dry["counts"]["failed_uploads"], 0);
    let dry_all = srv
        .call(
            "POST",
            "/api/admin/cleanup/all?dry_run=true",
            Some(&admin.access),
            None,
        )
        .await;
    assert_eq!(dry_all.expect(200)["counts"], status["pending"]);
    assert!(folder.is_dir());
    assert_eq!(open_uploads().await, 1);

    // Another server runs a pass: a real run waits for it (409); a dry run does not.
    let mut other = srv.pool.acquire().await.unwrap();
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(LOCK_KEY)
        .execute(&mut *other)
        .await
        .unwrap();
    let busy = srv
        .call(
            "POST",
            "/api/admin/cleanup/orphaned-files",
            Some(&admin.access),
            None,
        )
        .await;
    assert_eq!(busy.status, 409, "{:?}", busy.body);
    srv.call(
        "POST",
        "/api/admin/cleanup/failed-sessions?dry_run=true",
        Some(&admin.access),
        None,
    )
    .await
    .expect(200);
    sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(LOCK_KEY)
        .execute(&mut *other)
        .await
        .unwrap();
    drop(other);

    // Each step removes its own kind only.
    let orphans = srv
        .call(
            "POST",
            "/api/admin/cleanup/orphaned-files",
            Some(&admin.access),
            None,
        )
        .await;
    assert_eq!(orphans.expect(200)["counts"]["orphaned_file_sessions"], 1);
    assert!(!folder.exists());
    assert_eq!(open_uploads().await, 1);
    let failed = srv
        .call(
            "POST",
            "/api/admin/cleanup/failed-sessions",
            Some(&admin.access),
            None,
        )
        .await;
    let failed = failed.expect(200).clone();
    assert_eq!(failed["operation"], "failed_uploads");
    assert_eq!(failed["counts"]["failed_uploads"], 1);
    assert_eq!(open_uploads().await, 0);
    let all = srv
        .call("POST", "/api/admin/cleanup/all", Some(&admin.access), None)
        .await;
    let all = all.expect(200).clone();
    assert_eq!(all["counts"]["orphaned_file_sessions"], 0);
    assert_eq!(all["counts"]["failed_uploads"], 0);
    let after = srv
        .call(
            "GET",
            "/api/admin/cleanup/status",
            Some(&admin.access),
            None,
        )
        .await;
    let after = after.expect(200).clone();
    assert_eq!(after["pending"]["orphaned_file_sessions"], 0);
    assert_eq!(after["pending"]["failed_uploads"], 0);

    // Every call of the administrator is in the access log, runs as deletions.
    let logged: Vec<(String, i64)> = sqlx::query_as(
        "SELECT action, COUNT(*) FROM access_logs
         WHERE resource_type = 'cleanup' AND user_id = $1::uuid GROUP BY action ORDER BY action",
    )
    .bind(&admin.id)
    .fetch_all(&srv.pool)
    .await
    .unwrap();
    assert_eq!(
        logged,
        [("delete".to_string(), 3), ("read".to_string(), 5)],
        "{logged:?}"
    );
}
