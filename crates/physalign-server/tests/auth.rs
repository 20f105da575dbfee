//! Sign-up, login, refresh rotation with reuse detection, logout, login lockout and the
//! general rate limit, against a real PostgreSQL.

mod common;

use common::{start, start_with, PASSWORD};
use serde_json::json;

#[tokio::test]
async fn signup_login_me_logout() {
    let srv = start().await;
    let user = srv.signup("physiotherapist").await;
    let me = srv
        .call("GET", "/api/auth/me", Some(&user.access), None)
        .await;
    me.expect(200);
    assert_eq!(me.body["role"], "physiotherapist");
    assert_eq!(me.body["email"], user.email.as_str());
    assert!(me.body["profile_id"].is_string());

    let login = srv
        .call(
            "POST",
            "/api/auth/login",
            None,
            Some(json!({"email": user.email.to_uppercase(), "password": PASSWORD})),
        )
        .await;
    login.expect(200);
    assert_eq!(login.body["token_type"], "Bearer");
    assert_eq!(login.body["expires_in"], 900);
    let refresh = login.body["refresh_token"].as_str().unwrap().to_string();

    srv.call(
        "POST",
        "/api/auth/logout",
        None,
        Some(json!({"refresh_token": refresh})),
    )
    .await
    .expect(204);
    let after = srv
        .call(
            "POST",
            "/api/auth/refresh",
            None,
            Some(json!({"refresh_token": refresh})),
        )
        .await;
    after.expect(401);
    assert_eq!(after.code(), "INVALID_REFRESH_TOKEN");

    // Clinician accounts are never self-service, in either spelling (seed 004 says
    // "therapist"): 400 on `role`, and no account is created.
    for role in ["therapist", "physiotherapist"] {
        let r = srv
            .call(
                "POST",
                "/api/auth/signup",
                None,
                Some(json!({"email": "t@example.org", "password": PASSWORD, "first_name": "T", "last_name": "T", "role": role})),
            )
            .await;
        r.expect(400);
        assert_eq!(r.code(), "VALIDATION_ERROR");
        assert_eq!(r.body["error"]["details"][0]["field"], "role");
    }
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users WHERE email = 't@example.org')")
            .fetch_one(&srv.pool)
            .await
            .unwrap();
    assert!(!exists);
}

#[tokio::test]
async fn signup_validation() {
    let srv = start().await;
    let base = json!({"email": "a@example.org", "password": PASSWORD, "first_name": "A", "last_name": "B", "role": "patient"});
    let with = |k: &str, v: serde_json::Value| {
        let mut b = base.clone();
        b[k] = v;
        b
    };
    let admin = srv
        .call(
            "POST",
            "/api/auth/signup",
            None,
            Some(with("role", json!("admin"))),
        )
        .await;
    admin.expect(400);
    assert_eq!(admin.body["error"]["details"][0]["field"], "role");
    let weak = srv
        .call(
            "POST",
            "/api/auth/signup",
            None,
            Some(with("password", json!("short"))),
        )
        .await;
    weak.expect(400);
    assert_eq!(weak.body["error"]["details"][0]["field"], "password");
    srv.call(
        "POST",
        "/api/auth/signup",
        None,
        Some(with("email", json!("not-an-email"))),
    )
    .await
    .expect(400);
    srv.call(
        "POST",
        "/api/auth/signup",
        None,
        Some(with("first_name", json!("  "))),
    )
    .await
    .expect(400);
    srv.call("POST", "/api/auth/signup", None, Some(base.clone()))
        .await
        .expect(201);
    let dup = srv
        .call(
            "POST",
            "/api/auth/signup",
            None,
            Some(with("email", json!("A@Example.org"))),
        )
        .await;
    dup.expect(409);
    assert_eq!(dup.code(), "EMAIL_TAKEN");
}

#[tokio::test]
async fn tokens_are_checked() {
    let srv = start().await;
    let r = srv.call("GET", "/api/auth/me", None, None).await;
    r.expect(401);
    assert_eq!(r.code(), "UNAUTHORIZED");
    assert_eq!(r.header("www-authenticate").as_deref(), Some("Bearer"));
    let r = srv.call("GET", "/api/auth/me", Some("garbage"), None).await;
    r.expect(401);
    assert_eq!(r.code(), "INVALID_TOKEN");
    let other =
        physalign_server::auth::jwt::JwtKeys::new(b"some-other-secret-some-other-secret", 60);
    let forged = other
        .issue(
            &physalign_server::auth::AuthUser {
                user_id: uuid::Uuid::new_v4(),
                role: physalign_api::auth::Role::Admin,
                profile_id: None,
            },
            uuid::Uuid::new_v4(),
            chrono::Utc::now() + chrono::Duration::seconds(60),
        )
        .unwrap()
        .token;
    srv.call("GET", "/api/sessions", Some(&forged), None)
        .await
        .expect(401);
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_family() {
    let srv = start().await;
    let user = srv.signup("patient").await;
    let first = user.refresh.clone();
    let r1 = srv
        .call(
            "POST",
            "/api/auth/refresh",
            None,
            Some(json!({"refresh_token": first})),
        )
        .await;
    r1.expect(200);
    let second = r1.body["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(second, first);
    srv.call(
        "GET",
        "/api/auth/me",
        r1.body["access_token"].as_str(),
        None,
    )
    .await
    .expect(200);

    // GET form (seed 003) rotates as well.
    let r2 = srv
        .call_with(
            "GET",
            "/api/auth/refresh",
            None,
            None,
            &[("x-refresh-token", &second)],
        )
        .await;
    r2.expect(200);
    let third = r2.body["refresh_token"].as_str().unwrap().to_string();

    // Replaying an old token: reuse detected, the whole family revoked, including the newest.
    let reuse = srv
        .call(
            "POST",
            "/api/auth/refresh",
            None,
            Some(json!({"refresh_token": first})),
        )
        .await;
    reuse.expect(401);
    assert_eq!(reuse.code(), "REFRESH_TOKEN_REUSED");
    let newest = srv
        .call(
            "POST",
            "/api/auth/refresh",
            None,
            Some(json!({"refresh_token": third})),
        )
        .await;
    newest.expect(401);

    // Other logins of the same user are other families and keep working.
    let login = srv
        .call(
            "POST",
            "/api/auth/login",
            None,
            Some(json!({"email": user.email, "password": PASSWORD})),
        )
        .await;
    let independent = login.body["refresh_token"].as_str().unwrap().to_string();
    srv.call(
        "POST",
        "/api/auth/refresh",
        None,
        Some(json!({"refresh_token": independent})),
    )
    .await
    .expect(200);

    // Only hashes are stored.
    let stored: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM refresh_tokens WHERE token_hash = $1")
            .bind(&independent)
            .fetch_one(&srv.pool)
            .await
            .unwrap();
    assert_eq!(stored, 0);
}

#[tokio::test]
async fn login_lockout_counts_failures_per_account_and_address_only() {
    let srv = start().await;
    let user = srv.signup("patient").await;
    let bystander = srv.signup("patient").await;
    // Successful logins do not count.
    for _ in 0..8 {
        srv.call(
            "POST",
            "/api/auth/login",
            None,
            Some(json!({"email": user.email, "password": PASSWORD})),
        )
        .await
        .expect(200);
    }
    for _ in 0..5 {
        let r = srv
            .call(
                "POST",
                "/api/auth/login",
                None,
                Some(json!({"email": user.email, "password": "Wrong-Password-1"})),
            )
            .await;
        r.expect(401);
        assert_eq!(r.code(), "AUTHENTICATION_FAILED");
    }
    let locked = srv
        .call(
            "POST",
            "/api/auth/login",
            None,
            Some(json!({"email": user.email, "password": PASSWORD})),
        )
        .await;
    locked.expect(429);
    assert_eq!(locked.code(), "RATE_LIMIT_EXCEEDED");
    assert!(
        locked
            .header("retry-after")
            .unwrap()
            .parse::<u64>()
            .unwrap()
            >= 1
    );
    assert_eq!(locked.header("x-ratelimit-limit").as_deref(), Some("5"));
    assert_eq!(locked.header("x-ratelimit-remaining").as_deref(), Some("0"));
    // Another account from the same address is unaffected.
    srv.call(
        "POST",
        "/api/auth/login",
        None,
        Some(json!({"email": bystander.email, "password": PASSWORD})),
    )
    .await
    .expect(200);
    // Unknown accounts fail the same way.
    srv.call(
        "POST",
        "/api/auth/login",
        None,
        Some(json!({"email": "nobody@example.org", "password": PASSWORD})),
    )
    .await
    .expect(401);
}

#[tokio::test]
async fn general_rate_limit_answers_429_with_headers() {
    let srv = start_with(|c| c.rate_limit_per_minute = 10).await;
    let user = srv.signup("patient").await; // signup and me use the anonymous and user budgets
    let mut last = None;
    for i in 0..20 {
        let r = srv
            .call("GET", "/api/sessions", Some(&user.access), None)
            .await;
        if r.status == 429 {
            last = Some((i, r));
            break;
        }
        let remaining: u32 = r.header("x-ratelimit-remaining").unwrap().parse().unwrap();
        assert!(remaining < 10);
        assert_eq!(r.header("x-ratelimit-limit").as_deref(), Some("10"));
        let reset: i64 = r.header("x-ratelimit-reset").unwrap().parse().unwrap();
        assert!(reset > chrono::Utc::now().timestamp() - 1);
    }
    let (i, r) = last.expect("limit reached");
    assert!(i <= 9, "limited after {i} requests");
    r.expect(429);
    assert_eq!(
        r.body["error"]["details"]["retry_after_seconds"]
            .as_u64()
            .map(|s| s >= 1),
        Some(true)
    );
    assert!(r.header("retry-after").is_some());
    // Health checks are not limited.
    srv.call("GET", "/health", None, None).await.expect(200);
    // Another user has their own budget.
    let other = srv.signup("patient").await;
    srv.call("GET", "/api/sessions", Some(&other.access), None)
        .await
        .expect(200);
}

/// A refresh answer lost on the way (issue 17): the device sends the same token with the same
/// retry key again and stays signed in; the pair it never received stops working, and whoever
/// presents it ends the sign-in. Without the key, or once the new token was used, it is reuse.
#[tokio::test]
async fn a_lost_refresh_answer_is_retried_with_its_key_not_taken_for_theft() {
    let srv = start().await;
    let user = srv.signup("patient").await;
    let refresh = |token: &str, key: Option<&str>| {
        let mut body = json!({"refresh_token": token});
        if let Some(key) = key {
            body["retry_key"] = json!(key);
        }
        srv.call("POST", "/api/auth/refresh", None, Some(body))
    };
    let key = "device-retry-key-0001";

    // The first answer is "lost": the device never sees `lost`.
    let first = refresh(&user.refresh, Some(key)).await;
    first.expect(200);
    let lost = first.body["refresh_token"].as_str().unwrap().to_string();
    let retried = refresh(&user.refresh, Some(key)).await;
    retried.expect(200);
    let kept = retried.body["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(kept, lost);
    srv.call(
        "GET",
        "/api/auth/me",
        retried.body["access_token"].as_str(),
        None,
    )
    .await
    .expect(200);

    // A second retry after the new pair is in use is reuse; so is another key.
    let next = refresh(&kept, Some("device-retry-key-0002")).await;
    next.expect(200);
    let current = next.body["refresh_token"].as_str().unwrap().to_string();
    let other_key = srv.signup("patient").await;
    let first_other = refresh(&other_key.refresh, Some(key)).await;
    first_other.expect(200);
    let wrong = refresh(&other_key.refresh, Some("someone-elses-key-01")).await;
    wrong.expect(401);
    assert_eq!(wrong.code(), "REFRESH_TOKEN_REUSED");

    // The pair whose answer was lost was never delivered: presenting it ends the sign-in.
    let stolen = refresh(&lost, None).await;
    stolen.expect(401);
    assert_eq!(stolen.code(), "REFRESH_TOKEN_REUSED");
    refresh(&current, Some("device-retry-key-0003"))
        .await
        .expect(401);

    // A key of the wrong length is refused before any token is touched.
    let fresh = srv.signup("patient").await;
    refresh(&fresh.refresh, Some("short")).await.expect(400);
    refresh(&fresh.refresh, None).await.expect(200);
}
