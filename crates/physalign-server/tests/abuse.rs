//! Abuse limits on the real server and PostgreSQL (issue 17): credential lengths checked before
//! any work on every route, rate limiters that never remember a read and forget past windows, the per-account
//! lockout with back-off that spares the clinician's usual address, the per-address failure
//! limit, the cap on password hashing, pagination of every list, and uploads streamed to disk
//! under a cap and a per-user quota, replaced files kept as earlier versions.

mod common;

use std::io::{Read, Write};
use std::time::Duration;

use common::{start_with, TestServer, User, PASSWORD};
use serde_json::{json, Value};

fn behind_local_proxy(c: &mut physalign_server::config::ServerConfig) {
    c.behind_proxy = true;
    c.trusted_proxies = vec!["127.0.0.0/8".parse().expect("range")];
}

async fn login_from(srv: &TestServer, email: &str, password: &str, from: &str) -> common::Reply {
    srv.call_with(
        "POST",
        "/api/auth/login",
        None,
        Some(json!({"email": email, "password": password})),
        &[("x-forwarded-for", from)],
    )
    .await
}

async fn limits(srv: &TestServer, admin: &User) -> Value {
    let r = srv
        .call("GET", "/health/detailed", Some(&admin.access), None)
        .await;
    r.expect(200)["limits"].clone()
}

#[tokio::test]
async fn credential_lengths_are_refused_before_any_work_on_every_route() {
    let srv = start_with(|c| c.login_attempts_per_minute = 2).await;
    let admin = srv.admin().await;
    let clinician = srv.clinician().await;
    let long_email = format!("{}@example.org", "a".repeat(243)); // 255 bytes
    let long_password = format!("Aa1!{}", "x".repeat(253)); // 257 bytes
    let huge_password = format!("Aa1!{}", "x".repeat(1_000_000));
    let cases: Vec<(&str, &str, Option<&str>, Value)> = vec![
        (
            "/api/auth/login",
            "email",
            None,
            json!({"email": long_email, "password": PASSWORD}),
        ),
        (
            "/api/auth/login",
            "password",
            None,
            json!({"email": "a@example.org", "password": long_password}),
        ),
        (
            "/api/auth/login",
            "password",
            None,
            json!({"email": "a@example.org", "password": huge_password}),
        ),
        (
            "/api/auth/signup",
            "email",
            None,
            json!({"email": long_email, "password": PASSWORD, "first_name": "A", "last_name": "B", "role": "patient"}),
        ),
        (
            "/api/auth/signup",
            "password",
            None,
            json!({"email": "b@example.org", "password": long_password, "first_name": "A", "last_name": "B", "role": "patient"}),
        ),
        (
            "/api/auth/claim",
            "email",
            None,
            json!({"invitation_code": "ZZZZ-ZZZZ-ZZZZ-ZZZZ", "email": long_email, "password": PASSWORD}),
        ),
        (
            "/api/auth/claim",
            "password",
            None,
            json!({"invitation_code": "ZZZZ-ZZZZ-ZZZZ-ZZZZ", "email": "c@example.org", "password": long_password}),
        ),
        (
            "/api/admin/users",
            "email",
            Some(admin.access.as_str()),
            json!({"email": long_email, "password": PASSWORD, "first_name": "A", "last_name": "B", "role": "physiotherapist"}),
        ),
        (
            "/api/admin/users",
            "password",
            Some(admin.access.as_str()),
            json!({"email": "d@example.org", "password": long_password, "first_name": "A", "last_name": "B", "role": "physiotherapist"}),
        ),
        (
            "/api/patients",
            "email",
            Some(clinician.access.as_str()),
            json!({"email": long_email, "first_name": "A", "last_name": "B"}),
        ),
    ];
    for (path, field, token, body) in cases {
        let started = std::time::Instant::now();
        let r = srv.call("POST", path, token, Some(body)).await;
        r.expect(400);
        assert_eq!(r.code(), "VALIDATION_ERROR", "{path}: {}", r.body);
        assert_eq!(
            r.body["error"]["details"][0]["field"], field,
            "{path}: {}",
            r.body
        );
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{path} did work"
        );
    }
    // None of them counted as a failed sign-in or touched the lockout.
    assert_eq!(limits(&srv, &admin).await["login_limiter_keys"], 0);
    let lockouts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM login_lockouts")
        .fetch_one(&srv.pool)
        .await
        .unwrap();
    assert_eq!(lockouts, 0);
    // 254 bytes is still an address.
    let longest = format!("{}@example.org", "a".repeat(242));
    let r = srv
        .call(
            "POST",
            "/api/auth/signup",
            None,
            Some(json!({"email": longest, "password": PASSWORD, "first_name": "A", "last_name": "B", "role": "patient"})),
        )
        .await;
    r.expect(201);
}

#[tokio::test]
async fn limiters_never_remember_a_read_and_forget_past_windows() {
    let srv = start_with(behind_local_proxy).await;
    let admin = srv.admin().await;
    let patient = srv.signup("patient").await;
    // Successful sign-ins from 30 addresses: checked against the limits, never stored in them.
    for i in 0..30 {
        login_from(&srv, &patient.email, PASSWORD, &format!("198.51.100.{i}"))
            .await
            .expect(200);
    }
    assert_eq!(limits(&srv, &admin).await["login_limiter_keys"], 0);
    // Failures are counted in PostgreSQL (shared by every replica): one key per account and
    // address, one per address.
    for i in 0..120 {
        login_from(
            &srv,
            &format!("nobody{i}@example.org"),
            "Wrong-Password-1",
            &format!("203.0.113.{i}"),
        )
        .await
        .expect(401);
    }
    assert_eq!(limits(&srv, &admin).await["login_limiter_keys"], 240);
    // Requests from 300 IPv4 and 300 IPv6 addresses (of 300 different /64s).
    for i in 0..300 {
        srv.call_with(
            "GET",
            "/api/auth/me",
            None,
            None,
            &[("x-forwarded-for", &format!("192.0.2.{}", i % 250))],
        )
        .await;
        srv.call_with(
            "GET",
            "/api/auth/me",
            None,
            None,
            &[("x-forwarded-for", &format!("2001:db8:{i:x}::1"))],
        )
        .await;
    }
    let l = limits(&srv, &admin).await;
    assert!(l["request_limiter_keys"].as_u64().unwrap() >= 550, "{l}");
    // Once their minute is over, the clean-up drops them all.
    let counted: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM rate_limit_counters")
        .fetch_one(&srv.pool)
        .await
        .unwrap();
    sqlx::query(
        "UPDATE rate_limit_counters SET window_start = window_start - INTERVAL '61 seconds'",
    )
    .execute(&srv.pool)
    .await
    .unwrap();
    let pass = srv.retention_pass(&Default::default()).await;
    let physalign_server::retention::Pass::Ran(swept) = pass else {
        panic!("the lock was free");
    };
    assert_eq!(swept.rate_limit_counters, counted as u64);
    let l = limits(&srv, &admin).await;
    assert_eq!(l["login_limiter_keys"], 0);
    // The count starts afresh: the account and address may fail again.
    login_from(
        &srv,
        "nobody1@example.org",
        "Wrong-Password-1",
        "203.0.113.1",
    )
    .await
    .expect(401);
}

#[tokio::test]
async fn lockout_backs_off_but_spares_the_clinicians_usual_address() {
    let srv = start_with(|c| {
        behind_local_proxy(c);
        c.login_attempts_per_minute = 1000;
        c.security.login_failures_per_address_per_minute = 1000;
        c.security.lockout_threshold = 3;
        c.security.lockout_base_secs = 1;
        c.security.lockout_max_secs = 4;
    })
    .await;
    let clinician = srv.clinician().await;
    let clinic = "203.0.113.10";
    login_from(&srv, &clinician.email, PASSWORD, clinic)
        .await
        .expect(200);
    // An attacker guesses from several addresses.
    for i in 0..3 {
        login_from(
            &srv,
            &clinician.email,
            "Wrong-Password-1",
            &format!("198.51.100.{i}"),
        )
        .await
        .expect(401);
    }
    // Locked now, even with the right password, from anywhere new...
    let locked = login_from(&srv, &clinician.email, PASSWORD, "198.51.100.99").await;
    locked.expect(429);
    assert_eq!(locked.code(), "RATE_LIMIT_EXCEEDED");
    assert!(locked.header("retry-after").is_some());
    // ...but not at the clinic.
    login_from(&srv, &clinician.email, PASSWORD, clinic)
        .await
        .expect(200);
    // The success reset the count; a fresh run of failures locks again, then backs off.
    for i in 0..3 {
        login_from(
            &srv,
            &clinician.email,
            "Wrong-Password-1",
            &format!("198.51.100.{i}"),
        )
        .await
        .expect(401);
    }
    tokio::time::sleep(Duration::from_millis(1100)).await;
    login_from(&srv, &clinician.email, "Wrong-Password-1", "198.51.100.7")
        .await
        .expect(401);
    let r = login_from(&srv, &clinician.email, PASSWORD, "198.51.100.99").await;
    r.expect(429);
    let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!(retry >= 2, "the second lock is longer: {retry}");
    // An e-mail without an account locks the same way: nothing tells which exist.
    for i in 0..3 {
        login_from(
            &srv,
            "ghost@example.org",
            "Wrong-Password-1",
            &format!("198.51.100.{i}"),
        )
        .await
        .expect(401);
    }
    login_from(&srv, "ghost@example.org", PASSWORD, "198.51.100.99")
        .await
        .expect(429);
    // Only the hash of an e-mail is kept.
    let stored: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM login_lockouts WHERE email_hash LIKE '%@%'")
            .fetch_one(&srv.pool)
            .await
            .unwrap();
    assert_eq!(stored, 0);
}

#[tokio::test]
async fn one_address_cannot_spray_many_accounts_nor_block_others() {
    let srv = start_with(|c| {
        behind_local_proxy(c);
        c.security.login_failures_per_address_per_minute = 5;
    })
    .await;
    let victims: Vec<User> = futures::future::join_all((0..6).map(|_| srv.signup("patient"))).await;
    for v in &victims[..5] {
        login_from(&srv, &v.email, "Wrong-Password-1", "198.51.100.1")
            .await
            .expect(401);
    }
    // A sixth account from the same address: refused before any check.
    login_from(&srv, &victims[5].email, "Wrong-Password-1", "198.51.100.1")
        .await
        .expect(429);
    // Everybody else's address is unaffected, and so are the accounts.
    for v in &victims {
        login_from(&srv, &v.email, PASSWORD, "198.51.100.2")
            .await
            .expect(200);
    }
}

#[tokio::test]
async fn password_hashing_runs_in_a_capped_number_of_slots() {
    let srv = start_with(|c| {
        c.login_attempts_per_minute = 1000;
        c.security.password_hash_concurrency = 1;
        c.security.password_hash_wait_ms = 1;
    })
    .await;
    let admin = srv.admin().await;
    let l = limits(&srv, &admin).await;
    assert_eq!(l["password_hash_slots"], 1);
    let patient = srv.signup("patient").await;
    let replies = futures::future::join_all((0..8).map(|_| {
        srv.call(
            "POST",
            "/api/auth/login",
            None,
            Some(json!({"email": patient.email, "password": PASSWORD})),
        )
    }))
    .await;
    let ok = replies.iter().filter(|r| r.status == 200).count();
    let busy: Vec<_> = replies.iter().filter(|r| r.status == 503).collect();
    assert!(ok >= 1, "someone got through");
    assert!(
        !busy.is_empty(),
        "eight at once over one slot: some must wait"
    );
    for r in busy {
        assert_eq!(r.code(), "SERVICE_UNAVAILABLE");
        assert_eq!(r.header("retry-after").as_deref(), Some("1"));
    }
    assert_eq!(limits(&srv, &admin).await["password_hash_slots_free"], 1);
}

#[tokio::test]
async fn every_list_is_paginated() {
    let srv = common::start().await;
    let clinician = srv.clinician().await;
    let patient = srv.signup("patient").await;
    srv.link(&clinician, &patient).await;
    let session = srv.session(&patient).await;
    let snapshots: Vec<Value> = (0..25)
        .map(|i| json!({"timestamp": format!("2024-01-01T00:{i:02}:00Z"), "value": i}))
        .collect();
    srv.call(
        "POST",
        "/api/session/snapshots",
        Some(&clinician.access),
        Some(json!({"sessionId": session, "snapshots": snapshots})),
    )
    .await
    .expect(200);
    for i in 0..23 {
        srv.call(
            "POST",
            "/api/evaluation",
            Some(&clinician.access),
            Some(json!({"sessionId": session, "feedback": format!("note {i}")})),
        )
        .await
        .expect(201);
    }
    for i in 0..21 {
        srv.call(
            "POST",
            "/api/session/progress",
            Some(&clinician.access),
            Some(json!({"sessionId": session, "progressMetrics": {}, "evaluationFeedback": format!("fb {i}")})),
        )
        .await
        .expect(200);
    }
    let check = |body: &Value, list: &str, pagination: &str, len: usize, total: u64| {
        assert_eq!(
            body[list].as_array().map(Vec::len),
            Some(len),
            "{list}: {body}"
        );
        assert_eq!(body[pagination]["total_items"], total, "{list}: {body}");
    };
    let r = srv
        .call(
            "GET",
            &format!("/api/session/snapshots?sessionId={session}&page=3&per_page=10"),
            Some(&patient.access),
            None,
        )
        .await;
    check(r.expect(200), "snapshots", "pagination", 5, 25);
    assert_eq!(r.body["snapshots"][0]["value"], 20.0);
    let r = srv
        .call(
            "GET",
            &format!("/api/evaluation?sessionId={session}"),
            Some(&patient.access),
            None,
        )
        .await;
    check(r.expect(200), "evaluations", "pagination", 20, 23);
    let r = srv
        .call(
            "GET",
            &format!("/api/evaluation?sessionId={session}&page=2"),
            Some(&patient.access),
            None,
        )
        .await;
    check(r.expect(200), "evaluations", "pagination", 3, 23);
    let r = srv
        .call(
            "GET",
            &format!("/api/session/progress?sessionId={session}&includeFeedback=true&per_page=5"),
            Some(&patient.access),
            None,
        )
        .await;
    check(r.expect(200), "feedback", "feedbackPagination", 5, 21);
    let r = srv
        .call(
            "GET",
            "/api/physio/analytics?per_page=1",
            Some(&clinician.access),
            None,
        )
        .await;
    check(r.expect(200), "patients", "pagination", 1, 1);
    let r = srv
        .call(
            "GET",
            "/api/patients/care-team",
            Some(&patient.access),
            None,
        )
        .await;
    check(r.expect(200), "data", "pagination", 1, 1);
    // Pages have bounds.
    for path in [
        format!("/api/session/snapshots?sessionId={session}&per_page=101"),
        format!("/api/evaluation?sessionId={session}&page=0"),
        "/api/patients/care-team?per_page=1000".to_string(),
    ] {
        srv.call("GET", &path, Some(&patient.access), None)
            .await
            .expect(400);
    }
}

async fn upload_url(srv: &TestServer, user: &User, session: &str) -> String {
    let r = srv
        .call(
            "POST",
            "/api/upload/generate-url",
            Some(&user.access),
            Some(json!({"session_id": session, "kind": "video"})),
        )
        .await;
    let url = r.expect(200)["upload_url"].as_str().unwrap().to_string();
    url.strip_prefix(&srv.base).unwrap().to_string()
}

/// Sends a PUT by hand: the head and the first `part` bytes, then waits for `between` before the
/// rest, and returns the status line.
fn slow_put(base: &str, path: &str, body: &[u8], part: usize, between: Duration) -> String {
    let addr = base.strip_prefix("http://").unwrap();
    let mut tcp = std::net::TcpStream::connect(addr).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(
        tcp,
        "PUT {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    tcp.write_all(&body[..part]).unwrap();
    tcp.flush().unwrap();
    std::thread::sleep(between);
    let _ = tcp.write_all(&body[part..]);
    let mut answer = String::new();
    let _ = tcp.read_to_string(&mut answer);
    answer.lines().next().unwrap_or("").to_string()
}

#[tokio::test]
async fn uploads_stream_to_disk_in_capped_slots_within_a_quota_and_keep_versions() {
    let srv = start_with(|c| {
        c.upload_limit_bytes = 4000;
        c.security.upload_quota_bytes = 5000;
        c.security.upload_concurrency = 1;
        c.security.upload_wait_ms = 200;
    })
    .await;
    let patient = srv.signup("patient").await;
    let session = srv.session(&patient).await;
    let path = upload_url(&srv, &patient, &session).await;
    let first = vec![b'a'; 3000];
    // Streamed: while the body is half sent, half of it is already in a file on disk and the
    // only upload slot is taken (a second upload waits, then is turned away).
    let (base, p, body) = (srv.base.clone(), path.clone(), first.clone());
    let slow =
        std::thread::spawn(move || slow_put(&base, &p, &body, 1500, Duration::from_millis(1500)));
    tokio::time::sleep(Duration::from_millis(700)).await;
    let incoming = srv.storage.path().join(".incoming");
    let partial: Vec<u64> = std::fs::read_dir(&incoming)
        .unwrap()
        .flatten()
        .map(|e| e.metadata().unwrap().len())
        .collect();
    assert_eq!(
        partial,
        vec![1500],
        "the first half is on disk before the rest arrives"
    );
    let other = srv.session(&patient).await;
    let other_path = upload_url(&srv, &patient, &other).await;
    let busy = srv.raw("PUT", &other_path, None, None, b"x".to_vec()).await;
    busy.expect(503);
    assert!(busy.header("retry-after").is_some());
    let status = tokio::task::spawn_blocking(move || slow.join().unwrap())
        .await
        .unwrap();
    assert!(status.contains("200"), "{status}");
    assert_eq!(
        std::fs::read_dir(&incoming).unwrap().count(),
        0,
        "nothing left behind"
    );

    // Over the per-file limit, declared or not.
    srv.raw("PUT", &path, None, None, vec![b'b'; 4001])
        .await
        .expect(413);
    // A replacement that fits the quota: the first version is kept beside it.
    let second = vec![b'c'; 1500];
    srv.raw("PUT", &path, None, None, second.clone())
        .await
        .expect(200);
    let dir = srv.storage.path().join(format!("sessions/{session}"));
    assert_eq!(std::fs::read(dir.join("video")).unwrap(), second);
    let versions: Vec<(String, Option<chrono::DateTime<chrono::Utc>>)> = sqlx::query_as(
        "SELECT storage_key, superseded_at FROM stored_files WHERE session_id = $1::uuid ORDER BY created_at",
    )
    .bind(&session)
    .fetch_all(&srv.pool)
    .await
    .unwrap();
    assert_eq!(versions.len(), 2);
    assert!(versions[0].1.is_some() && versions[1].1.is_none());
    assert_eq!(
        std::fs::read(srv.storage.path().join(&versions[0].0)).unwrap(),
        first
    );
    // 4500 of 5000 bytes are used: another 1000 does not fit, by URL or resumable.
    let r = srv.raw("PUT", &path, None, None, vec![b'd'; 1000]).await;
    r.expect(413);
    assert_eq!(r.code(), "UPLOAD_QUOTA_EXCEEDED");
    let r = srv
        .call(
            "POST",
            "/api/uploads",
            Some(&patient.access),
            Some(json!({"session_id": session, "kind": "pose_data", "size_bytes": 1000, "sha256": "0".repeat(64)})),
        )
        .await;
    r.expect(413);
    assert_eq!(r.code(), "UPLOAD_QUOTA_EXCEEDED");
    // Another user has their own quota.
    let other_patient = srv.signup("patient").await;
    let theirs = srv.session(&other_patient).await;
    let their_path = upload_url(&srv, &other_patient, &theirs).await;
    srv.raw("PUT", &their_path, None, None, vec![b'e'; 1000])
        .await
        .expect(200);
}
