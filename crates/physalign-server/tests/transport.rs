//! Transport safeguards on the real server (issue 17): security headers on every response, the
//! bind rule, and `X-Forwarded-For` believed only from a trusted proxy.

mod common;

use common::{start, start_with};
use std::process::Command;

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let srv = start().await;
    let patient = srv.signup("patient").await;
    for (path, token) in [
        ("/health", None),
        ("/health/detailed", None),
        ("/openapi.json", None),
        ("/api/auth/me", Some(patient.access.as_str())),
        ("/api/auth/me", None),
        ("/no/such/route", None),
    ] {
        let reply = srv.call("GET", path, token, None).await;
        assert_eq!(
            reply.header("x-content-type-options").as_deref(),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(
            reply.header("cache-control").as_deref(),
            Some("no-store"),
            "{path}"
        );
        assert_eq!(
            reply.header("strict-transport-security"),
            None,
            "plain loopback: no HSTS on {path}"
        );
    }
}

#[tokio::test]
async fn behind_a_proxy_the_server_sends_hsts() {
    let srv = start_with(|c| {
        c.behind_proxy = true;
        c.trusted_proxies = vec!["127.0.0.0/8".parse().expect("range")];
    })
    .await;
    let reply = srv.call("GET", "/health", None, None).await;
    let hsts = reply.header("strict-transport-security").expect("HSTS");
    assert!(hsts.starts_with("max-age="), "{hsts}");
}

/// Anonymous requests are limited per client address (ten times `rate_limit_per_minute`), which
/// shows the address the server believed.
async fn anonymous_until_limited(srv: &common::TestServer, forwarded_for: &str) -> u16 {
    let mut last = 0;
    for _ in 0..11 {
        last = srv
            .call_with(
                "GET",
                "/api/auth/me",
                None,
                None,
                &[("x-forwarded-for", forwarded_for)],
            )
            .await
            .status;
    }
    last
}

#[tokio::test]
async fn forwarded_for_counts_only_from_a_trusted_proxy() {
    let trusted = start_with(|c| {
        c.rate_limit_per_minute = 1;
        c.behind_proxy = true;
        c.trusted_proxies = vec!["127.0.0.0/8".parse().expect("range")];
    })
    .await;
    assert_eq!(anonymous_until_limited(&trusted, "203.0.113.9").await, 429);
    // Another client behind the same proxy has its own allowance.
    let other = trusted
        .call_with(
            "GET",
            "/api/auth/me",
            None,
            None,
            &[("x-forwarded-for", "203.0.113.10")],
        )
        .await;
    assert_eq!(other.status, 401, "not limited: {}", other.body);

    // Not behind a proxy: the header is the caller's own text, and changing it gains nothing.
    let direct = start_with(|c| c.rate_limit_per_minute = 1).await;
    assert_eq!(anonymous_until_limited(&direct, "203.0.113.9").await, 429);
    let spoofed = direct
        .call_with(
            "GET",
            "/api/auth/me",
            None,
            None,
            &[("x-forwarded-for", "203.0.113.10")],
        )
        .await;
    assert_eq!(spoofed.status, 429);
}

fn server(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_physalign-server"))
        .args(args)
        // Never reached: the bind rule is checked before the database.
        .env("DATABASE_URL", "postgres://127.0.0.1:1/none")
        .env(
            "PHYSALIGN_JWT_SECRET",
            "test-secret-test-secret-test-secret-0123",
        )
        .env_remove("PHYSALIGN_LISTEN")
        .env_remove("PHYSALIGN_BEHIND_PROXY")
        .env_remove("PHYSALIGN_TRUSTED_PROXY")
        .output()
        .expect("run physalign-server")
}

#[test]
fn the_server_refuses_a_clear_text_network_listener() {
    for listen in ["0.0.0.0:0", "192.0.2.10:8080"] {
        let out = server(&["--listen", listen]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{listen}: {stderr}");
        assert!(stderr.contains("refusing to listen"), "{stderr}");
        assert!(stderr.contains("--trusted-proxy"), "{stderr}");
    }
    let out = server(&["--listen", "0.0.0.0:0", "--behind-proxy"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("--behind-proxy needs --trusted-proxy"),
        "{stderr}"
    );
    let out = server(&["--listen", "0.0.0.0:0", "--trusted-proxy", "10.0.0.0/33"]);
    assert!(!out.status.success(), "a bad range is refused");

    // Behind a named proxy the rule passes, and the server goes on to its database (absent here).
    let out = server(&[
        "--listen",
        "0.0.0.0:0",
        "--behind-proxy",
        "--trusted-proxy",
        "10.0.0.0/8",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(!stderr.contains("refusing to listen"), "{stderr}");
    assert!(stderr.contains("database"), "{stderr}");
}
