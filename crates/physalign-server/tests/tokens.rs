//! Tokens on the real server and PostgreSQL (issue 17): `/api/auth/*` never goes through the
//! idempotency store, and access tokens carry and are checked for this server's issuer and
//! audience.

mod common;

use common::{start, PASSWORD};
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
    let base = json!({"sub": user.id, "role": "patient", "pid": user.profile_id, "iat": now, "exp": now + 600, "typ": "access"});
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
    ] {
        let r = srv.call("GET", "/api/auth/me", Some(&forged), None).await;
        r.expect(401);
        assert_eq!(r.code(), "INVALID_TOKEN");
    }
}
