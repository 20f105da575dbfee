//! Authorisation over every route of the OpenAPI document (so routes added later are covered):
//! patient A's records requested by patient B, B's clinician and an unverified sign-up never
//! answer a success that names or touches them, and A's session, pose data, care team, program
//! item, alerts, outcome plan and questionnaires read the same after the walk as before it (a
//! write answering 204 would show there); the old link-by-e-mail path links nobody. As a
//! control that the walk can fail, the same read routes answer A, A's clinician and an
//! administrator.

mod common;

use common::{pose_upload, start, User};
use serde_json::{json, Value};

#[tokio::test]
async fn no_route_leaks_a_patients_records_to_outsiders() {
    let srv = start().await;
    let admin = srv.admin().await;
    let ca = srv.clinician().await;
    let cb = srv.clinician().await;
    let claim = |c: &User, email: &'static str| {
        let srv = &srv;
        let c = c.clone();
        async move {
            let reg = srv.register_patient(&c, email).await;
            let r = srv
                .claim(
                    reg["invitation_code"].as_str().unwrap(),
                    email,
                    common::PASSWORD,
                )
                .await;
            r.expect(200);
            srv.identity(email.into(), &r).await
        }
    };
    let a = claim(&ca, "a@example.org").await;
    let b = claim(&cb, "b@example.org").await;
    let stranger = srv.signup("patient").await;
    let pa = a.profile_id.clone().unwrap();
    let s = srv.session(&a).await;
    srv.call(
        "POST",
        &format!("/api/sessions/{s}/data"),
        Some(&a.access),
        Some(pose_upload(10)),
    )
    .await
    .expect(201);

    let item = srv
        .call(
            "POST",
            "/api/programs",
            Some(&ca.access),
            Some(json!({
                "patient_id": pa, "exercise_id": "squat", "sets": 2, "reps": 8,
                "sessions_per_week": 3, "start_date": "2026-12-01"
            })),
        )
        .await;
    let item = item.expect(201)["id"]
        .as_str()
        .expect("program item id")
        .to_string();
    // A's outcome plan and a questionnaire A filled in (issue 19).
    srv.call(
        "PUT",
        &format!("/api/patients/{pa}/outcome-plan"),
        Some(&ca.access),
        Some(json!({"instruments": ["nprs"], "started_on": "2026-12-01",
                    "updated_at": "2026-12-01T09:00:00Z"})),
    )
    .await
    .expect(200);
    let outcome = srv
        .call(
            "POST",
            "/api/outcome-responses",
            Some(&a.access),
            Some(
                json!({"id": uuid::Uuid::new_v4(), "patient_id": pa, "instrument": "nprs",
                        "answers": [6], "completed_at": "2026-12-01T10:00:00Z"}),
            ),
        )
        .await;
    let outcome = outcome.expect(201)["id"]
        .as_str()
        .expect("questionnaire id")
        .to_string();
    // What A's side sees of A's records before the outsiders' walk; a write that answers
    // without naming A (a 204, say) would still show here afterwards.
    let views = [
        (a.clone(), format!("/api/sessions/{s}")),
        (a.clone(), format!("/api/sessions/{s}/data")),
        (a.clone(), "/api/patients/care-team".to_string()),
        (ca.clone(), format!("/api/programs?patient_id={pa}")),
        (a.clone(), format!("/api/programs/{item}")),
        (ca.clone(), "/api/physio/alerts".to_string()),
        (a.clone(), format!("/api/patients/{pa}/outcome-plan")),
        (
            ca.clone(),
            format!("/api/outcome-responses?patient_id={pa}"),
        ),
    ];
    let mut before = Vec::new();
    for (user, path) in &views {
        let r = srv.call("GET", path, Some(&user.access), None).await;
        before.push((r.status, stable(r.body)));
    }

    let doc = srv.call("GET", "/openapi.json", None, None).await;
    let paths = doc.expect(200)["paths"].as_object().unwrap().clone();
    assert!(paths.len() > 20, "too few routes: {}", paths.len());
    let secrets = [
        s.clone(),
        pa.clone(),
        a.email.clone(),
        item.clone(),
        outcome.clone(),
    ];
    let bodies = [
        json!({}),
        json!({"session_id": s, "patient_id": pa}),
        json!({"sessionId": s, "patientId": pa}),
        json!({"email": a.email}),
        json!({"patient_id": pa, "exercise_type": "squat"}),
    ];
    let mut checked = 0;
    for (template, ops) in &paths {
        let path = template
            .replace("{physiotherapist_id}", ca.profile_id.as_deref().unwrap())
            .replace("{patient_id}", &pa)
            .replace("{program_item_id}", &item);
        // Every other parameter names A's session (or is simply unknown).
        let path = regex_lite_replace(&path, &s);
        let names_a = path.contains(&s) || path.contains(&pa) || path.contains(&item);
        for method in ops.as_object().unwrap().keys() {
            let method = method.to_uppercase();
            let queries = [
                "".to_string(),
                format!("?patient_id={pa}"),
                format!("?sessionId={s}&patientId={pa}"),
            ];
            for (who, user) in [("B", &b), ("B's clinician", &cb), ("sign-up", &stranger)] {
                for q in &queries {
                    let with_body = matches!(method.as_str(), "POST" | "PUT" | "PATCH");
                    let list: Vec<Option<Value>> = if with_body {
                        bodies.iter().cloned().map(Some).collect()
                    } else {
                        vec![None]
                    };
                    for body in list {
                        let url = format!("{path}{q}");
                        let r = srv
                            .call(&method, &url, Some(&user.access), body.clone())
                            .await;
                        checked += 1;
                        assert!(r.status < 500, "{method} {url} as {who}: {}", r.body);
                        if (200..300).contains(&r.status) {
                            let text = r.body.to_string();
                            assert!(
                                !names_a && !secrets.iter().any(|x| text.contains(x.as_str())),
                                "LEAK {method} {url} as {who} ({body:?}): {} {text}",
                                r.status
                            );
                        }
                    }
                }
            }
        }
    }
    assert!(checked > 100);
    for ((user, path), (status, body)) in views.iter().zip(&before) {
        let r = srv.call("GET", path, Some(&user.access), None).await;
        assert_eq!(
            (r.status, &stable(r.body)),
            (*status, body),
            "{path} changed during the outsiders' walk"
        );
    }
    // Positive control: the read routes naming A's records open to A's side of the care
    // relationship (some answer 404 only because that record kind was never uploaded).
    let reads: Vec<String> = paths
        .iter()
        .filter(|(_, ops)| ops.get("get").is_some())
        .map(|(template, _)| {
            regex_lite_replace(
                &template
                    .replace("{physiotherapist_id}", ca.profile_id.as_deref().unwrap())
                    .replace("{patient_id}", &pa),
                &s,
            )
        })
        .filter(|path| path.contains(&s) || path.contains(&pa))
        .collect();
    let mut opened = Vec::new();
    for (who, user) in [("A", &a), ("A's clinician", &ca), ("admin", &admin)] {
        let mut ok = 0;
        for path in &reads {
            let r = srv.call("GET", path, Some(&user.access), None).await;
            assert!(r.status < 500, "GET {path} as {who}: {}", r.body);
            ok += usize::from((200..300).contains(&r.status));
        }
        opened.push((who, ok));
    }
    println!(
        "authz: {checked} outsider calls over {} routes, 0 leaks; read routes naming A ({}) \
         answered {opened:?}",
        paths.len(),
        reads.len()
    );
    // At least the session and its pose data; transcript and notes were never uploaded here.
    // The clinician and the administrator read the same; A one fewer: the analytics of A's
    // progress are for clinicians.
    for (who, ok) in &opened {
        assert!(
            *ok >= 2,
            "{who} reads only {ok} of {} routes on A's records",
            reads.len()
        );
    }
    assert_eq!(
        opened[1].1, opened[2].1,
        "A's clinician and admin read different routes"
    );
    assert_eq!(
        opened[0].1 + 1,
        opened[1].1,
        "A and A's clinician: {opened:?}"
    );
    // A's record is intact and still visible to A's clinician, and only to them.
    srv.call("GET", &format!("/api/sessions/{s}"), Some(&ca.access), None)
        .await
        .expect(200);
    srv.call(
        "GET",
        &format!("/api/sessions/{s}"),
        Some(&admin.access),
        None,
    )
    .await
    .expect(200);
    let team = srv
        .call("GET", "/api/patients/care-team", Some(&a.access), None)
        .await;
    assert_eq!(team.expect(200)["data"].as_array().unwrap().len(), 1);
    let cb_list = srv
        .call("GET", "/api/physio/patients", Some(&cb.access), None)
        .await;
    assert!(!cb_list.expect(200).to_string().contains(&pa));
    // The old link-by-e-mail path: refused for clinicians, and links nobody.
    for c in [&ca, &cb] {
        let r = srv
            .call(
                "POST",
                "/api/physio/patients",
                Some(&c.access),
                Some(json!({"email": a.email})),
            )
            .await;
        assert!(r.status == 400 || r.status == 403, "{}", r.body);
    }
    let cb_list = srv
        .call("GET", "/api/physio/patients", Some(&cb.access), None)
        .await;
    assert!(!cb_list.expect(200).to_string().contains(&pa));
}

/// The answer without the moment it was computed (`as_of`), which changes on every read.
fn stable(mut value: Value) -> Value {
    match &mut value {
        Value::Object(map) => {
            map.remove("as_of");
            for v in map.values_mut() {
                *v = stable(v.take());
            }
        }
        Value::Array(items) => {
            for v in items.iter_mut() {
                *v = stable(v.take());
            }
        }
        _ => {}
    }
    value
}

/// Replaces every remaining `{param}` of a path template with `value`.
fn regex_lite_replace(path: &str, value: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        match rest[start..].find('}') {
            Some(end) => {
                out.push_str(value);
                rest = &rest[start + end + 1..];
            }
            None => {
                rest = &rest[start..];
                break;
            }
        }
    }
    out.push_str(rest);
    out
}
