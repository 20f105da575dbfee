//! Tokens on the real server and PostgreSQL (issue 17): `/api/auth/*` never goes through the
//! idempotency store; access tokens carry and are checked for this server's issuer and
//! audience; they die with their session (logout, password change, deactivation) and no
//! session outlives its absolute lifetime.

mod common;

use common::{start, start_with, PASSWORD};
use jsonwebtoken::{encode, EncodingKey, Header};
use serde_json::json;

const SECRET: &[u8] = b"test-secret-test-secret-test-secret-0123";

#[tokio::test]
async fn auth_routes_bypass_the_idempotency_store() {
    let srv = start().await;
    let user = srv.signup("patient").await;
    let key = [("idempotency-key", "same-key")];
    let login = || {
        srv.call_with(
            "POST",
            "/api/auth/login",
            None,
            Some(json!({"email": user.email, "password": PASSWORD})),
            &key,
        )
    };
    let first = login().await;
    let second = login().await;
    first.expect(200);
    second.expect(200);
    assert_eq!(second.header("idempotent-replayed"), None);
    assert_ne!(first.body["refresh_token"], second.body["refresh_token"]);
    // A refresh repeated with its key is a reuse, not a replay of the new tokens.
    let refresh = json!({"refresh_token": first.body["refresh_token"]});
    srv.call_with(
        "POST",
        "/api/auth/refresh",
        None,
        Some(refresh.clone()),
        &key,
    )
    .await
    .expect(200);
    let again = srv
        .call_with("POST", "/api/auth/refresh", None, Some(refresh), &key)
        .await;
    again.expect(401);
    assert_eq!(again.code(), "REFRESH_TOKEN_REUSED");
    // No token was ever kept in a stored response.
    let stored: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM idempotency_keys WHERE request_path LIKE '/api/auth/%'",
    )
    .fetch_one(&srv.pool)
    .await
    .unwrap();
    assert_eq!(stored, 0);
    // Elsewhere the store still applies.
    let body = json!({"exercise_type": "squat"});
    let a = srv
        .call_with(
            "POST",
            "/api/sessions",
            Some(&user.access),
            Some(body.clone()),
            &key,
        )
        .await;
    let b = srv
        .call_with(
            "POST",
            "/api/sessions",
            Some(&user.access),
            Some(body),
            &key,
        )
        .await;
    assert_eq!(a.body["session_id"], b.expect(201)["session_id"]);
    assert_eq!(b.header("idempotent-replayed").as_deref(), Some("true"));
}

#[tokio::test]
async fn access_tokens_name_and_are_checked_for_issuer_and_audience() {
    let srv = start().await;
    let user = srv.signup("patient").await;
    // The server's own token says who issued it and for whom.
    let payload = user.access.split('.').nth(1).unwrap();
    use base64::Engine;
    let claims: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(claims["iss"], "physalign-server");
    assert_eq!(claims["aud"], "physalign-api");
    // Signed with the right key but minted for another audience, by another issuer, or
    // naming neither: refused.
    let now = chrono::Utc::now().timestamp();
    let base = json!({"sub": user.id, "role": "patient", "pid": user.profile_id, "sid": claims["sid"], "iat": now, "exp": now + 600, "typ": "access"});
    let with = |extra: serde_json::Value| {
        let mut c = base.clone();
        for (k, v) in extra.as_object().unwrap() {
            c[k] = v.clone();
        }
        encode(&Header::default(), &c, &EncodingKey::from_secret(SECRET)).unwrap()
    };
    let good = with(json!({"iss": "physalign-server", "aud": "physalign-api"}));
    srv.call("GET", "/api/auth/me", Some(&good), None)
        .await
        .expect(200);
    for forged in [
        with(json!({"iss": "physalign-server", "aud": "another-service"})),
        with(json!({"iss": "someone-else", "aud": "physalign-api"})),
        with(json!({})),
        // Before sessions (issue 17) tokens named none: nothing could revoke them.
        with(json!({"iss": "physalign-server", "aud": "physalign-api", "sid": null})),
    ] {
        let r = srv.call("GET", "/api/auth/me", Some(&forged), None).await;
        r.expect(401);
        assert_eq!(r.code(), "INVALID_TOKEN");
    }
}

/// `GET /api/auth/me` with `access`: the status and error code.
async fn me_status(srv: &common::TestServer, access: &str) -> (u16, String) {
    let r = srv.call("GET", "/api/auth/me", Some(access), None).await;
    (r.status, r.code().to_string())
}

async fn refresh(srv: &common::TestServer, token: &str) -> common::Reply {
    srv.call(
        "POST",
        "/api/auth/refresh",
        None,
        Some(json!({"refresh_token": token})),
    )
    .await
}

#[tokio::test]
async fn logout_ends_the_access_token_of_its_session_only() {
    let srv = start().await;
    let user = srv.signup("patient").await;
    let other = srv.login(&user.email, PASSWORD).await;
    assert_eq!(me_status(&srv, &user.access).await.0, 200);
    srv.call(
        "POST",
        "/api/auth/logout",
        None,
        Some(json!({"refresh_token": user.refresh})),
    )
    .await
    .expect(204);
    // Still within its 15 minutes, but its session ended.
    assert_eq!(
        me_status(&srv, &user.access).await,
        (401, "SESSION_REVOKED".to_string())
    );
    let data = srv
        .call("GET", "/api/sessions", Some(&user.access), None)
        .await;
    data.expect(401);
    assert_eq!(data.code(), "SESSION_REVOKED");
    refresh(&srv, &user.refresh).await.expect(401);
    // The same account's other sign-in is untouched.
    assert_eq!(me_status(&srv, &other.access).await.0, 200);
    refresh(&srv, &other.refresh).await.expect(200);
}

#[tokio::test]
async fn a_session_ended_elsewhere_is_refused_within_the_cache_time() {
    // Another replica revoking the session (straight in the database here): this server
    // notices at the latest when its cached answer is older than the cache time.
    let srv = start_with(|c| c.security.session_cache_secs = 1).await;
    let user = srv.signup("patient").await;
    let other = srv.signup("patient").await;
    assert_eq!(me_status(&srv, &user.access).await.0, 200);
    assert_eq!(me_status(&srv, &other.access).await.0, 200);
    sqlx::query("UPDATE auth_sessions SET revoked_at = NOW(), revoked_reason = 'logout' WHERE user_id = $1::uuid")
        .bind(&user.id)
        .execute(&srv.pool)
        .await
        .unwrap();
    // An account deactivated in the database is refused the same way.
    sqlx::query("UPDATE users SET is_active = FALSE WHERE id = $1::uuid")
        .bind(&other.id)
        .execute(&srv.pool)
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    for access in [&user.access, &other.access] {
        assert_eq!(
            me_status(&srv, access).await,
            (401, "SESSION_REVOKED".to_string())
        );
    }
}

#[tokio::test]
async fn an_administrator_deactivates_and_reactivates_an_account() {
    let srv = start().await;
    let admin = srv.admin().await;
    let patient = srv.signup("patient").await;
    let second = srv.login(&patient.email, PASSWORD).await;
    let path = format!("/api/admin/users/{}/deactivate", patient.id);
    // Only administrators, never themselves, only existing accounts.
    let r = srv.call("POST", &path, Some(&patient.access), None).await;
    r.expect(403);
    let r = srv
        .call(
            "POST",
            &format!("/api/admin/users/{}/deactivate", admin.id),
            Some(&admin.access),
            None,
        )
        .await;
    r.expect(409);
    let r = srv
        .call(
            "POST",
            &format!("/api/admin/users/{}/deactivate", uuid::Uuid::new_v4()),
            Some(&admin.access),
            None,
        )
        .await;
    r.expect(404);
    assert_eq!(r.code(), "USER_NOT_FOUND");

    let r = srv.call("POST", &path, Some(&admin.access), None).await;
    let body = r.expect(200);
    assert_eq!(body["is_active"], false);
    assert_eq!(body["sessions_revoked"], 2);
    for access in [&patient.access, &second.access] {
        assert_eq!(
            me_status(&srv, access).await,
            (401, "SESSION_REVOKED".to_string())
        );
    }
    refresh(&srv, &second.refresh).await.expect(401);
    let login = srv
        .call(
            "POST",
            "/api/auth/login",
            None,
            Some(json!({"email": patient.email, "password": PASSWORD})),
        )
        .await;
    login.expect(403);
    assert_eq!(login.code(), "ACCOUNT_BLOCKED");

    let r = srv
        .call(
            "POST",
            &format!("/api/admin/users/{}/activate", patient.id),
            Some(&admin.access),
            None,
        )
        .await;
    assert_eq!(r.expect(200)["is_active"], true);
    let back = srv.login(&patient.email, PASSWORD).await;
    assert_eq!(me_status(&srv, &back.access).await.0, 200);
    // Reactivation does not bring the ended sessions back.
    assert_eq!(me_status(&srv, &patient.access).await.0, 401);
}

#[tokio::test]
async fn a_password_change_keeps_this_sign_in_and_ends_the_others() {
    let srv = start().await;
    let here = srv.signup("patient").await;
    let elsewhere = srv.login(&here.email, PASSWORD).await;
    let change = |current: &str, new: &str| {
        srv.call(
            "POST",
            "/api/auth/change-password",
            Some(&here.access),
            Some(json!({"current_password": current, "new_password": new})),
        )
    };
    const NEW: &str = "An0ther-Passw0rd!";
    let r = change("Wr0ng-Passw0rd!!", NEW).await;
    r.expect(401);
    assert_eq!(r.code(), "AUTHENTICATION_FAILED");
    let r = change(PASSWORD, "short").await;
    r.expect(400);
    assert_eq!(r.body["error"]["details"][0]["field"], "new_password");
    change(PASSWORD, PASSWORD).await.expect(400);
    // Unauthenticated: no.
    srv.call(
        "POST",
        "/api/auth/change-password",
        None,
        Some(json!({"current_password": PASSWORD, "new_password": NEW})),
    )
    .await
    .expect(401);
    assert_eq!(me_status(&srv, &elsewhere.access).await.0, 200);

    change(PASSWORD, NEW).await.expect(204);
    assert_eq!(me_status(&srv, &here.access).await.0, 200);
    refresh(&srv, &here.refresh).await.expect(200);
    assert_eq!(
        me_status(&srv, &elsewhere.access).await,
        (401, "SESSION_REVOKED".to_string())
    );
    refresh(&srv, &elsewhere.refresh).await.expect(401);
    let old = srv
        .call(
            "POST",
            "/api/auth/login",
            None,
            Some(json!({"email": here.email, "password": PASSWORD})),
        )
        .await;
    old.expect(401);
    srv.login(&here.email, NEW).await;
}

#[tokio::test]
async fn no_refresh_extends_a_session_beyond_its_absolute_lifetime() {
    let srv = start_with(|c| {
        c.security.session_max_lifetime_secs = 3;
        c.security.session_cache_secs = 0;
    })
    .await;
    let user = srv.signup("patient").await;
    let r = refresh(&srv, &user.refresh).await;
    let body = r.expect(200).clone();
    // Neither the access token nor the next refresh token outlives the session.
    assert!(body["expires_in"].as_u64().unwrap() <= 3, "{body}");
    let beyond: bool = sqlx::query_scalar(
        "SELECT bool_or(t.expires_at > s.expires_at) FROM refresh_tokens t
         JOIN auth_sessions s ON s.id = t.family_id WHERE t.user_id = $1::uuid",
    )
    .bind(&user.id)
    .fetch_one(&srv.pool)
    .await
    .unwrap();
    assert!(!beyond);
    let access = body["access_token"].as_str().unwrap().to_string();
    let next = body["refresh_token"].as_str().unwrap().to_string();
    tokio::time::sleep(std::time::Duration::from_millis(3200)).await;
    let r = refresh(&srv, &next).await;
    r.expect(401);
    assert!(
        ["SESSION_EXPIRED", "REFRESH_TOKEN_EXPIRED"].contains(&r.code()),
        "{}",
        r.body
    );
    // Inside the token check's 5 s leeway, the session check refuses it.
    assert_eq!(
        me_status(&srv, &access).await,
        (401, "SESSION_EXPIRED".to_string())
    );
}

/// A `PUT` of `body` to the upload URL `path` (as handed out) on `srv`: the status.
async fn put_upload(srv: &common::TestServer, path: &str, body: &[u8]) -> u16 {
    srv.http
        .put(format!("{}{path}", srv.base))
        .header("content-type", "application/octet-stream")
        .body(body.to_vec())
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn upload_path(srv: &common::TestServer, user: &common::User, session: &str) -> String {
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

#[tokio::test]
async fn rotating_the_token_and_upload_url_keys_signs_nobody_out() {
    const NEW_SECRET: &str = "rotated-secret-rotated-secret-0123456789";
    const UPLOAD_SECRET: &str = "upload-url-secret-upload-url-secret-0123";
    let before = start().await;
    let patient = before.signup("patient").await;
    let session = before.session(&patient).await;
    let handed_out = upload_path(&before, &patient, &session).await;

    // The next release of the server: a new token secret, the old one kept as previous, and
    // upload URLs under a key of their own.
    let old = String::from_utf8(SECRET.to_vec()).unwrap();
    let rotated = common::start_on(before.database_url.clone(), |c| {
        c.jwt_secret = Some(NEW_SECRET.into());
        c.jwt_previous_secrets = vec![old.clone()];
        c.upload_url_secret = Some(UPLOAD_SECRET.into());
    })
    .await;
    assert_eq!(me_status(&rotated, &patient.access).await.0, 200);
    let r = refresh(&rotated, &patient.refresh).await;
    let fresh_access = r.expect(200)["access_token"].as_str().unwrap().to_string();
    let fresh_refresh = r.body["refresh_token"].as_str().unwrap().to_string();
    assert_eq!(me_status(&rotated, &fresh_access).await.0, 200);
    // Signed with the new key: a server that knows only the old one refuses it.
    assert_eq!(
        me_status(&before, &fresh_access).await,
        (401, "INVALID_TOKEN".into())
    );
    // An upload URL handed out before the switch still works; new ones carry the new key.
    assert!(
        (200..300).contains(&put_upload(&rotated, &handed_out, b"first").await),
        "an upload URL from before the rotation"
    );
    let new_path = upload_path(&rotated, &patient, &session).await;
    assert_ne!(new_path, handed_out);
    assert!((200..300).contains(&put_upload(&rotated, &new_path, b"second").await));
    assert_eq!(put_upload(&before, &new_path, b"third").await, 403);

    // Once the old secret is dropped, what it signed is refused, and the device carries on
    // with the pair the rotated server gave it.
    let dropped = common::start_on(before.database_url.clone(), |c| {
        c.jwt_secret = Some(NEW_SECRET.into());
        c.upload_url_secret = Some(UPLOAD_SECRET.into());
    })
    .await;
    assert_eq!(
        me_status(&dropped, &patient.access).await,
        (401, "INVALID_TOKEN".into())
    );
    assert_eq!(put_upload(&dropped, &handed_out, b"late").await, 403);
    assert_eq!(me_status(&dropped, &fresh_access).await.0, 200);
    refresh(&dropped, &fresh_refresh).await.expect(200);

    // A previous secret is held to the same length rule as the current one.
    let mut weak =
        physalign_server::config::ServerConfig::new(before.database_url.clone(), NEW_SECRET);
    weak.jwt_previous_secrets = vec!["short".into()];
    assert!(physalign_server::state::AppState::new(weak, before.pool.clone()).is_err());
}
