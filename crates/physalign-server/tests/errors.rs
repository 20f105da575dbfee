//! Health, documentation, and malformed input: every bad request is a 4xx in the error format,
//! never a 500 (including a property test over request bodies).

mod common;

use common::{assert_error_format, start, start_with, TestServer};
use proptest::prelude::*;
use serde_json::{json, Value};

#[tokio::test]
async fn health_and_docs() {
    let srv = start().await;
    let h = srv.call("GET", "/health", None, None).await;
    assert_eq!(h.expect(200)["status"], "ok");
    // Administrators only (issue 17).
    srv.call("GET", "/health/detailed", None, None)
        .await
        .expect(401);
    let patient = srv.signup("patient").await;
    srv.call("GET", "/health/detailed", Some(&patient.access), None)
        .await
        .expect(403);
    let admin = srv.admin().await;
    let d = srv
        .call("GET", "/health/detailed", Some(&admin.access), None)
        .await;
    d.expect(200);
    assert_eq!(d.body["database"]["status"], "ok");
    assert!(d.body["database"]["latency_ms"].as_f64().unwrap() >= 0.0);

    let doc = srv.call("GET", "/openapi.json", None, None).await;
    doc.expect(200);
    assert!(doc.body["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/sessions/{session_id}/data",
        "/api/physio/reviews",
        "/api/session/progress",
        "/api/auth/refresh",
    ] {
        assert!(
            doc.body["paths"][path].is_object(),
            "{path} missing from OpenAPI"
        );
    }
    assert!(doc.body["components"]["schemas"]["PoseDataUpload"].is_object());
    assert!(doc.body["components"]["securitySchemes"]["bearer"].is_object());
    let page = srv
        .http
        .get(format!("{}/docs", srv.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("/api/sessions/{session_id}/data"));
    assert!(
        !page.contains("<script src="),
        "docs page must not load external assets"
    );
}

#[tokio::test]
async fn router_level_errors_use_the_error_format() {
    let srv = start().await;
    let r = srv.call("GET", "/nope", None, None).await;
    r.expect(404);
    let r = srv.call("PATCH", "/api/sessions", None, None).await;
    r.expect(405);
}

/// Method, path, content type, body, expected status, expected code.
type Case = (
    &'static str,
    &'static str,
    Option<&'static str>,
    Vec<u8>,
    u16,
    &'static str,
);

#[tokio::test]
async fn malformed_requests_are_4xx_in_error_format() {
    let srv = start_with(|c| c.body_limit_bytes = 64 * 1024).await;
    let patient = srv.signup("patient").await;
    let tok = Some(patient.access.as_str());
    let json_ct = Some("application/json");
    let cases: Vec<Case> = vec![
        (
            "POST",
            "/api/sessions",
            json_ct,
            b"{\"exercise_type\": ".to_vec(),
            400,
            "INVALID_JSON",
        ),
        (
            "POST",
            "/api/sessions",
            json_ct,
            b"not json".to_vec(),
            400,
            "INVALID_JSON",
        ),
        (
            "POST",
            "/api/sessions",
            json_ct,
            b"".to_vec(),
            400,
            "INVALID_JSON",
        ),
        (
            "POST",
            "/api/sessions",
            json_ct,
            b"{\"exercise_type\": 5}".to_vec(),
            400,
            "VALIDATION_ERROR",
        ),
        (
            "POST",
            "/api/sessions",
            json_ct,
            b"{\"exercise_type\": \"squat\", \"colour\": 1}".to_vec(),
            400,
            "VALIDATION_ERROR",
        ),
        (
            "POST",
            "/api/sessions",
            json_ct,
            b"{\"exercise_type\": \"squat\", \"estimated_duration\": \"long\"}".to_vec(),
            400,
            "VALIDATION_ERROR",
        ),
        (
            "POST",
            "/api/sessions",
            json_ct,
            b"{\"exercise_type\": \"squat\", \"id\": \"not-a-uuid\"}".to_vec(),
            400,
            "VALIDATION_ERROR",
        ),
        (
            "POST",
            "/api/sessions",
            json_ct,
            b"[]".to_vec(),
            400,
            "VALIDATION_ERROR",
        ),
        (
            "POST",
            "/api/sessions",
            json_ct,
            b"{\"exercise_type\": \"squat\"} {}".to_vec(),
            400,
            "INVALID_JSON",
        ),
        (
            "POST",
            "/api/sessions",
            None,
            b"{\"exercise_type\": \"squat\"}".to_vec(),
            415,
            "UNSUPPORTED_MEDIA_TYPE",
        ),
        (
            "POST",
            "/api/sessions",
            Some("text/plain"),
            b"{\"exercise_type\": \"squat\"}".to_vec(),
            415,
            "UNSUPPORTED_MEDIA_TYPE",
        ),
        (
            "POST",
            "/api/sessions",
            json_ct,
            vec![b' '; 100 * 1024],
            413,
            "PAYLOAD_TOO_LARGE",
        ),
        (
            "GET",
            "/api/sessions/not-a-uuid",
            None,
            vec![],
            400,
            "INVALID_PATH_PARAMETER",
        ),
        (
            "PUT",
            "/api/sessions/123",
            json_ct,
            b"{}".to_vec(),
            400,
            "INVALID_PATH_PARAMETER",
        ),
        (
            "GET",
            "/api/sessions?page=abc",
            None,
            vec![],
            400,
            "INVALID_QUERY_PARAMETER",
        ),
        (
            "GET",
            "/api/sessions?unknown=1",
            None,
            vec![],
            400,
            "INVALID_QUERY_PARAMETER",
        ),
        (
            "GET",
            "/api/session/progress?sessionId=xyz",
            None,
            vec![],
            400,
            "INVALID_QUERY_PARAMETER",
        ),
        (
            "POST",
            "/api/sessions",
            json_ct,
            b"{\"exercise_type\": \"squat\", \"estimated_duration\": 99999999999}".to_vec(),
            400,
            "VALIDATION_ERROR",
        ),
        (
            "POST",
            "/api/sessions",
            json_ct,
            b"{\"exercise_type\": \"\\ud800\"}".to_vec(),
            400,
            "INVALID_JSON",
        ),
    ];
    for (method, path, ct, body, status, code) in cases {
        let r = srv.raw(method, path, tok, ct, body.clone()).await;
        assert_eq!(
            r.status,
            status,
            "{method} {path} {:?}: {}",
            String::from_utf8_lossy(&body[..body.len().min(80)]),
            r.body
        );
        assert_error_format(&r);
        assert_eq!(r.code(), code, "{method} {path}: {}", r.body);
    }
    // Field-level details name the field.
    let r = srv
        .raw(
            "POST",
            "/api/sessions",
            tok,
            json_ct,
            b"{\"exercise_type\": \"squat\", \"colour\": 1}".to_vec(),
        )
        .await;
    assert_eq!(r.body["error"]["details"][0]["field"], "colour");
    let r = srv
        .raw("POST", "/api/sessions", tok, json_ct, b"{}".to_vec())
        .await;
    assert_eq!(r.body["error"]["details"][0]["field"], "exercise_type");
    // A body over the limit is refused with an idempotency key too (buffered by the middleware).
    let r = srv
        .call_with(
            "POST",
            "/api/sessions",
            tok,
            Some(json!({"exercise_type": "x".repeat(100 * 1024)})),
            &[("idempotency-key", "big")],
        )
        .await;
    r.expect(413);
}

/// Sends `body` and asserts a non-5xx answer in the error format if it is an error.
async fn no_server_error(srv: &TestServer, token: &str, method: &str, path: &str, body: &[u8]) {
    let r = srv
        .raw(
            method,
            path,
            Some(token),
            Some("application/json"),
            body.to_vec(),
        )
        .await;
    assert!(
        r.status < 500,
        "{method} {path} {:?} -> {} {}",
        String::from_utf8_lossy(body),
        r.status,
        r.body
    );
    if r.status >= 400 {
        assert_error_format(&r);
    }
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        "[a-zA-Z0-9_ -]{0,12}".prop_map(Value::String),
        Just(json!("2026-01-30T10:00:00Z")),
        Just(json!("00000000-0000-0000-0000-000000000000")),
        Just(json!("LEFT_SHOULDER")),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("exercise_type".to_string()),
                    Just("frames".to_string()),
                    Just("timestamp".to_string()),
                    Just("landmarks".to_string()),
                    Just("angles".to_string()),
                    Just("quality_score".to_string()),
                    Just("session_id".to_string()),
                    Just("sessionId".to_string()),
                    Just("overall_assessment".to_string()),
                    Just("patient_id".to_string()),
                    Just("status".to_string()),
                    Just("snapshots".to_string()),
                    "[a-z_]{1,8}",
                ],
                inner,
                0..5
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn body_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        json_value().prop_map(|v| serde_json::to_vec(&v).unwrap_or_default()),
        prop::collection::vec(any::<u8>(), 0..64),
        json_value().prop_map(|v| {
            let mut b = serde_json::to_vec(&v).unwrap_or_default();
            b.truncate(b.len() / 2);
            b
        }),
    ]
}

#[test]
fn property_no_request_body_causes_a_server_error() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (srv, token, session) = rt.block_on(async {
        let srv = start().await;
        let patient = srv.signup("physiotherapist").await;
        let owner = srv.signup("patient").await;
        srv.link(&patient, &owner).await;
        let session = srv.session(&owner).await;
        (srv, patient.access, session)
    });
    let endpoints: Vec<(&str, String)> = vec![
        ("POST", "/api/sessions".into()),
        ("PUT", format!("/api/sessions/{session}")),
        ("POST", format!("/api/sessions/{session}/data")),
        ("POST", "/api/physio/reviews".into()),
        ("POST", "/api/physio/patients".into()),
        ("POST", "/api/upload/generate-url".into()),
        ("POST", "/api/session/progress".into()),
        ("POST", "/api/session/snapshots".into()),
        ("POST", "/api/session/skills".into()),
        ("POST", "/api/session/analytics".into()),
        ("POST", "/api/session/comparison".into()),
        ("POST", "/api/evaluation".into()),
        ("POST", "/api/auth/login".into()),
        ("POST", "/api/auth/refresh".into()),
        ("POST", "/api/auth/signup".into()),
        ("POST", "/api/auth/claim".into()),
        ("POST", "/api/patients".into()),
        ("POST", "/api/admin/users".into()),
    ];
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 200,
        ..ProptestConfig::default()
    });
    runner
        .run(&(0..endpoints.len(), body_bytes()), |(i, body)| {
            let (method, path) = &endpoints[i];
            rt.block_on(no_server_error(&srv, &token, method, path, &body));
            Ok(())
        })
        .unwrap();
    // Well-formed bodies with hostile values too.
    let hostile = [
        json!({"exercise_type": "squat", "estimated_duration": -5}),
        json!({"exercise_type": "\u{0000}nul"}),
        json!({"frames": [{"timestamp": 0, "landmarks": [{"type": "NOSE", "x": 1e38, "y": -1e38, "z": 0, "visibility": 2}]}]}),
        json!({"frames": [{"timestamp": i64::MAX, "landmarks": [], "angles": {"k": 1e300}}]}),
        json!({"frames": [{"timestamp": 1, "landmarks": [], "frame_number": i32::MAX, "quality_score": 0.999}]}),
        json!({"sessionId": session, "snapshots": [{"timestamp": "2026-01-30T10:00:00Z", "value": 1e308}]}),
    ];
    for body in hostile {
        for (method, path) in &endpoints[..3] {
            rt.block_on(no_server_error(
                &srv,
                &token,
                method,
                path,
                &serde_json::to_vec(&body).unwrap(),
            ));
        }
        rt.block_on(no_server_error(
            &srv,
            &token,
            "POST",
            "/api/session/snapshots",
            &serde_json::to_vec(&body).unwrap(),
        ));
    }
    drop(srv);
}
