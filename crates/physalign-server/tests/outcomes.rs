//! Patient-reported outcome measures (issue 19) against a real PostgreSQL: who enters and reads
//! questionnaires, the server's own score, the published rules' refusals, replays, lists, and
//! the outcome plan (who sets it, the later edit stays, who reads it, the sync's pull).

mod common;

use chrono::{Duration, Utc};
use common::{care_teams, CareTeams, Reply, TestServer, PASSWORD};
use physalign_outcomes::Instrument;
use serde_json::{json, Value};
use uuid::Uuid;

/// A questionnaire of `patient_id` completed `days_ago` days ago.
fn questionnaire(patient_id: &str, instrument: &str, answers: Value, days_ago: i64) -> Value {
    json!({
        "id": Uuid::new_v4(),
        "patient_id": patient_id,
        "instrument": instrument,
        "answers": answers,
        "completed_at": (Utc::now() - Duration::days(days_ago)).to_rfc3339(),
    })
}

fn data(reply: &Value) -> Vec<Value> {
    reply["data"].as_array().cloned().unwrap_or_default()
}

async fn post(srv: &TestServer, token: &str, body: Value) -> Reply {
    srv.call("POST", "/api/outcome-responses", Some(token), Some(body))
        .await
}

async fn get(srv: &TestServer, token: &str, path: &str) -> Reply {
    srv.call("GET", path, Some(token), None).await
}

async fn put(srv: &TestServer, token: &str, path: &str, body: Value) -> Reply {
    srv.call("PUT", path, Some(token), Some(body)).await
}

/// The patients whose plans `token`'s caller pulls, sorted.
async fn pulled_plans(srv: &TestServer, token: &str) -> Vec<String> {
    let reply = get(srv, token, "/api/outcome-plans").await;
    let mut patients: Vec<String> = data(reply.expect(200))
        .iter()
        .filter_map(|r| r["patient_id"].as_str().map(str::to_string))
        .collect();
    patients.sort();
    patients
}

#[tokio::test]
async fn patients_and_their_clinicians_enter_questionnaires_the_server_scores_them() {
    let t = care_teams().await;
    let srv = &t.srv;
    let pid = t.patient.pid();

    // The patient's own KOOS JR, scored by the published table.
    let koos = questionnaire(&pid, "koos_jr", json!([1, 2, 1, 0, 2, 1, 1]), 0);
    let created = post(srv, &t.patient.access, koos.clone()).await;
    let record = created.expect(201).clone();
    let expected = physalign_outcomes::score(
        Instrument::KoosJr,
        &[
            Some(1),
            Some(2),
            Some(1),
            Some(0),
            Some(2),
            Some(1),
            Some(1),
        ],
    )
    .expect("scores");
    assert_eq!(record["id"], koos["id"]);
    assert_eq!(record["instrument"], "koos_jr");
    assert_eq!(record["score"].as_f64(), Some(expected.value));
    assert_eq!(record["max"].as_f64(), Some(100.0));
    assert_eq!(record["entered_by"], t.patient.id.as_str());
    assert_eq!(record["entered_by_role"], "patient");
    assert_eq!(record["activities"], json!([]));

    // The clinician in the patient's care enters an ODI in clinic: 23 of 50 is 46 %.
    let odi = questionnaire(&pid, "odi", json!([3, 3, 2, 2, 3, 2, 2, 2, 2, 2]), 0);
    let record = post(srv, &t.physio.access, odi.clone())
        .await
        .expect(201)
        .clone();
    assert_eq!(record["score"].as_f64(), Some(46.0));
    assert_eq!(record["entered_by"], t.physio.id.as_str());
    assert_eq!(record["entered_by_role"], "physiotherapist");

    // Nobody else enters one for this patient; administrators enter no clinical data.
    for outsider in [&t.other_physio, &t.other_patient] {
        let reply = post(
            srv,
            &outsider.access,
            questionnaire(&pid, "nprs", json!([4]), 0),
        )
        .await;
        reply.expect(404);
        assert_eq!(reply.code(), "PATIENT_NOT_FOUND", "{}", outsider.email);
    }
    let reply = post(
        srv,
        &t.admin.access,
        questionnaire(&pid, "nprs", json!([4]), 0),
    )
    .await;
    reply.expect(403);
    assert_eq!(reply.code(), "FORBIDDEN");

    // The score is the server's: a client's is not even accepted.
    let mut scored = questionnaire(&pid, "nprs", json!([4]), 0);
    scored["score"] = json!(0.0);
    post(srv, &t.patient.access, scored).await.expect(400);

    // An incomplete KOOS JR: refused with the published rule in words.
    let incomplete = questionnaire(&pid, "koos_jr", json!([1, 2, null, 0, 2, 1, 1]), 0);
    let reply = post(srv, &t.patient.access, incomplete).await;
    reply.expect(400);
    assert_eq!(reply.code(), "VALIDATION_ERROR");
    assert_eq!(reply.body["error"]["details"][0]["field"], "answers");
    let message = reply.body["error"]["message"].as_str().unwrap_or("");
    assert!(
        message.contains("KOOS JR: only 6 of 7 items answered")
            && message.contains("every item must be answered"),
        "{message}"
    );
    let reply = post(
        srv,
        &t.patient.access,
        questionnaire(&pid, "odi", json!([3, 3, 2, 2, 3, 2, 2, 2, 2, 6]), 0),
    )
    .await;
    reply.expect(400);
    assert_eq!(reply.body["error"]["details"][0]["field"], "answers[9]");
    post(
        srv,
        &t.patient.access,
        questionnaire(&pid, "quickdash", json!([1, 2, 3]), 0),
    )
    .await
    .expect(400);

    // A PSFS keeps the activities the patient named, one per rating.
    let mut psfs = questionnaire(&pid, "psfs", json!([3, 5, 7]), 0);
    psfs["activities"] = json!(["Climb stairs", "Kneel to garden", "Run for the bus"]);
    let record = post(srv, &t.patient.access, psfs.clone())
        .await
        .expect(201)
        .clone();
    assert_eq!(record["activities"], psfs["activities"]);
    assert_eq!(record["score"].as_f64(), Some(5.0));
    let listed = srv
        .call(
            "GET",
            "/api/outcome-responses?instrument=psfs",
            Some(&t.physio.access),
            None,
        )
        .await;
    let listed = data(listed.expect(200));
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["activities"], psfs["activities"]);
    assert_eq!(listed[0]["answers"], json!([3, 5, 7]));
    for (activities, why) in [
        (
            json!(["Climb stairs", "Kneel"]),
            "fewer activities than ratings",
        ),
        (json!(["Climb stairs", "   ", "Run"]), "a blank activity"),
        (json!(["a", "b", "c", "d", "e", "f"]), "more than five"),
        (json!(["x".repeat(121), "b", "c"]), "a name too long"),
    ] {
        let mut body = questionnaire(&pid, "psfs", json!([3, 5, 7]), 0);
        body["activities"] = activities;
        let reply = post(srv, &t.patient.access, body).await;
        assert_eq!(reply.status, 400, "{why}: {}", reply.body);
    }
    let mut nprs = questionnaire(&pid, "nprs", json!([4]), 0);
    nprs["activities"] = json!(["Climb stairs"]);
    post(srv, &t.patient.access, nprs).await.expect(400);

    // Completed in the future (beyond a device clock's slack): refused.
    let mut ahead = questionnaire(&pid, "nprs", json!([4]), 0);
    ahead["completed_at"] = json!((Utc::now() + Duration::hours(1)).to_rfc3339());
    let reply = post(srv, &t.patient.access, ahead).await;
    reply.expect(400);
    assert_eq!(reply.body["error"]["details"][0]["field"], "completed_at");

    // The same id again is a clear conflict (the device takes it as delivered), not a copy.
    let replay = post(srv, &t.patient.access, koos.clone()).await;
    replay.expect(409);
    assert_eq!(replay.code(), "OUTCOME_RESPONSE_EXISTS");

    // Behind an idempotency key, a retried send gets the original answer back.
    let keyed = questionnaire(&pid, "nprs", json!([6]), 0);
    let key = Uuid::new_v4().to_string();
    let headers = [("idempotency-key", key.as_str())];
    let first = srv
        .call_with(
            "POST",
            "/api/outcome-responses",
            Some(&t.patient.access),
            Some(keyed.clone()),
            &headers,
        )
        .await;
    first.expect(201);
    let again = srv
        .call_with(
            "POST",
            "/api/outcome-responses",
            Some(&t.patient.access),
            Some(keyed),
            &headers,
        )
        .await;
    again.expect(201);
    assert_eq!(again.body, first.body);
    assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));

    // Each creation is in the access log with its patient.
    let logged: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM access_logs WHERE resource_type = 'outcome_response'
         AND action = 'create' AND patient_id = $1::uuid",
    )
    .bind(&pid)
    .fetch_one(&srv.pool)
    .await
    .expect("count");
    assert_eq!(logged, 4, "KOOS JR, ODI, PSFS and the keyed NPRS");
}

#[tokio::test]
async fn lists_filter_page_and_show_each_caller_only_whom_they_see() {
    let t = care_teams().await;
    let srv = &t.srv;
    let pid = t.patient.pid();
    for (days_ago, pain) in [(3, 7), (2, 5), (1, 4)] {
        post(
            srv,
            &t.patient.access,
            questionnaire(&pid, "nprs", json!([pain]), days_ago),
        )
        .await
        .expect(201);
    }
    post(
        srv,
        &t.physio.access,
        questionnaire(&pid, "ndi", json!([2, 2, 2, 2, 2, 2, 2, 2, 2, 2]), 5),
    )
    .await
    .expect(201);
    post(
        srv,
        &t.other_patient.access,
        questionnaire(&t.other_patient.pid(), "nprs", json!([2]), 0),
    )
    .await
    .expect(201);
    let list = |query: &str| format!("/api/outcome-responses{query}");

    // The patient's own, newest first.
    let own = get(srv, &t.patient.access, &list("")).await;
    let rows = data(own.expect(200));
    let pains: Vec<Value> = rows.iter().map(|r| r["answers"][0].clone()).collect();
    assert_eq!(pains, [json!(4), json!(5), json!(7), json!(2)]);
    assert_eq!(rows[3]["instrument"], "ndi");
    assert_eq!(own.body["pagination"]["total_items"], 4);

    // Filtered by instrument, and paginated.
    let nprs = get(srv, &t.patient.access, &list("?instrument=nprs")).await;
    assert_eq!(data(nprs.expect(200)).len(), 3);
    let page = get(srv, &t.patient.access, &list("?per_page=3&page=2")).await;
    let rows = data(page.expect(200));
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["instrument"], "ndi");
    assert_eq!(page.body["pagination"]["total_pages"], 2);
    get(srv, &t.patient.access, &list("?instrument=sf36"))
        .await
        .expect(400);
    get(srv, &t.patient.access, &list("?per_page=0"))
        .await
        .expect(400);

    // The care team sees their patient's; the other team and patient see only theirs.
    let team = get(srv, &t.physio.access, &list("")).await;
    assert_eq!(data(team.expect(200)).len(), 4);
    let other = get(
        srv,
        &t.physio.access,
        &list(&format!("?patient_id={}", t.other_patient.pid())),
    )
    .await;
    assert_eq!(data(other.expect(200)), Vec::<Value>::new());
    for outsider in [&t.other_physio, &t.other_patient] {
        let rows = data(get(srv, &outsider.access, &list("")).await.expect(200));
        assert_eq!(rows.len(), 1, "{}", outsider.email);
        assert_eq!(rows[0]["patient_id"], t.other_patient.pid().as_str());
        let filtered = get(srv, &outsider.access, &list(&format!("?patient_id={pid}"))).await;
        assert_eq!(data(filtered.expect(200)), Vec::<Value>::new());
    }
    // Administrators read them all.
    let all = get(srv, &t.admin.access, &list("")).await;
    assert_eq!(all.expect(200)["pagination"]["total_items"], 5);
    let mine = get(
        srv,
        &t.admin.access,
        &list(&format!("?patient_id={pid}&instrument=ndi")),
    )
    .await;
    assert_eq!(data(mine.expect(200)).len(), 1);
}

fn plan(instruments: Value, started_on: &str, discharge_on: Option<&str>, at: &str) -> Value {
    json!({"instruments": instruments, "started_on": started_on, "discharge_on": discharge_on,
           "updated_at": at})
}

#[tokio::test]
async fn the_care_team_sets_the_plan_and_the_later_edit_stays() {
    let t = care_teams().await;
    let CareTeams {
        srv,
        physio,
        other_physio,
        patient,
        other_patient,
        admin,
    } = &t;
    let path = format!("/api/patients/{}/outcome-plan", patient.pid());

    // No plan yet.
    let none = srv.call("GET", &path, Some(&patient.access), None).await;
    none.expect(404);
    assert_eq!(none.code(), "NOT_FOUND");

    let first = plan(
        json!(["odi", "nprs"]),
        "2026-03-01",
        None,
        "2026-03-01T09:00:00Z",
    );
    let stored = put(srv, &physio.access, &path, first)
        .await
        .expect(200)
        .clone();
    assert_eq!(stored["patient_id"], patient.pid().as_str());
    assert_eq!(stored["instruments"], json!(["odi", "nprs"]));
    assert_eq!(stored["discharge_on"], Value::Null);
    assert_eq!(stored["updated_by"], physio.id.as_str());

    // The patient, their clinician and an administrator read it; others learn nothing.
    for reader in [&patient, &physio, &admin] {
        let read = srv.call("GET", &path, Some(&reader.access), None).await;
        assert_eq!(read.expect(200), &stored, "{}", reader.email);
    }
    for outsider in [&other_physio, &other_patient] {
        let read = srv.call("GET", &path, Some(&outsider.access), None).await;
        read.expect(404);
        assert_eq!(read.code(), "PATIENT_NOT_FOUND");
    }

    // An older offline edit arriving late keeps the newer plan, and is answered with it.
    let stale = plan(
        json!(["koos_jr"]),
        "2026-02-01",
        None,
        "2026-02-28T09:00:00Z",
    );
    assert_eq!(
        put(srv, &physio.access, &path, stale).await.expect(200),
        &stored
    );
    // The same edit sent again changes nothing either.
    let same = plan(json!(["odi"]), "2026-03-01", None, "2026-03-01T09:00:00Z");
    assert_eq!(
        put(srv, &physio.access, &path, same).await.expect(200),
        &stored
    );
    // A later edit wins: discharge planned, NPRS dropped.
    let later = plan(
        json!(["odi"]),
        "2026-03-01",
        Some("2026-05-01"),
        "2026-03-20T16:30:00Z",
    );
    let newer = put(srv, &physio.access, &path, later)
        .await
        .expect(200)
        .clone();
    assert_eq!(newer["instruments"], json!(["odi"]));
    assert_eq!(newer["discharge_on"], "2026-05-01");
    assert_eq!(newer["updated_at"], "2026-03-20T16:30:00Z");
    let read = srv.call("GET", &path, Some(&patient.access), None).await;
    assert_eq!(read.expect(200), &newer);

    // Refused: an instrument twice, discharge before intake, an unknown instrument, a time
    // ahead of the server's clock.
    let twice = put(
        srv,
        &physio.access,
        &path,
        plan(
            json!(["odi", "nprs", "odi"]),
            "2026-03-01",
            None,
            "2026-03-21T09:00:00Z",
        ),
    )
    .await;
    twice.expect(400);
    assert_eq!(twice.body["error"]["details"][0]["field"], "instruments[2]");
    let backwards = put(
        srv,
        &physio.access,
        &path,
        plan(
            json!(["odi"]),
            "2026-03-01",
            Some("2026-02-01"),
            "2026-03-21T09:00:00Z",
        ),
    )
    .await;
    backwards.expect(400);
    assert_eq!(
        backwards.body["error"]["details"][0]["field"],
        "discharge_on"
    );
    put(
        srv,
        &physio.access,
        &path,
        plan(json!(["sf36"]), "2026-03-01", None, "2026-03-21T09:00:00Z"),
    )
    .await
    .expect(400);
    let ahead = (Utc::now() + Duration::hours(1)).to_rfc3339();
    put(
        srv,
        &physio.access,
        &path,
        plan(json!(["odi"]), "2026-03-01", None, &ahead),
    )
    .await
    .expect(400);

    // Only a clinician in the patient's care sets it.
    let body = plan(json!(["ndi"]), "2026-03-01", None, "2026-03-22T09:00:00Z");
    for (caller, status) in [(&patient, 403), (&admin, 403), (&other_physio, 404)] {
        let reply = put(srv, &caller.access, &path, body.clone()).await;
        assert_eq!(reply.status, status, "{}: {}", caller.email, reply.body);
    }
    let read = srv.call("GET", &path, Some(&patient.access), None).await;
    assert_eq!(read.expect(200), &newer, "nothing changed");

    // An empty list is a plan asking no questionnaire.
    let off = put(
        srv,
        &physio.access,
        &path,
        plan(json!([]), "2026-03-01", None, "2026-03-23T09:00:00Z"),
    )
    .await;
    assert_eq!(off.expect(200)["instruments"], json!([]));

    // The sync's pull: each caller gets the plans of the patients they see.
    let other_path = format!("/api/patients/{}/outcome-plan", other_patient.pid());
    let none = srv
        .call("GET", &other_path, Some(&other_physio.access), None)
        .await;
    assert_eq!(none.status, 404);
    assert_eq!(none.code(), "NOT_FOUND");
    srv.call(
        "PUT",
        &other_path,
        Some(&other_physio.access),
        Some(plan(
            json!(["quickdash"]),
            "2026-04-01",
            None,
            "2026-04-01T09:00:00Z",
        )),
    )
    .await
    .expect(200);
    assert_eq!(pulled_plans(srv, &patient.access).await, [patient.pid()]);
    assert_eq!(pulled_plans(srv, &physio.access).await, [patient.pid()]);
    assert_eq!(
        pulled_plans(srv, &other_physio.access).await,
        [other_patient.pid()]
    );
    assert_eq!(
        pulled_plans(srv, &other_patient.access).await,
        [other_patient.pid()]
    );
    let mut everyone = vec![patient.pid(), other_patient.pid()];
    everyone.sort();
    assert_eq!(pulled_plans(srv, &admin.access).await, everyone);
    let page = srv
        .call(
            "GET",
            "/api/outcome-plans?per_page=1&page=2",
            Some(&admin.access),
            None,
        )
        .await;
    assert_eq!(data(page.expect(200)).len(), 1);
    assert_eq!(page.body["pagination"]["total_items"], 2);
    srv.call(
        "GET",
        "/api/outcome-plans?per_page=101",
        Some(&admin.access),
        None,
    )
    .await
    .expect(400);

    // Every change and read is in the access log with its patient.
    let updates: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM access_logs WHERE resource_type = 'outcome_plan'
         AND action = 'update' AND patient_id = $1::uuid",
    )
    .bind(patient.pid())
    .fetch_one(&srv.pool)
    .await
    .expect("count");
    assert_eq!(updates, 3, "the first plan, the later edit, the empty list");
}

#[tokio::test]
async fn a_claim_merging_a_registered_record_keeps_its_questionnaires_and_the_later_plan() {
    let t = care_teams().await;
    let srv = &t.srv;
    // The account's own clinician set a plan; another clinician registered the same person
    // later, set a newer plan and entered a questionnaire for the registered record.
    srv.call(
        "PUT",
        &format!("/api/patients/{}/outcome-plan", t.patient.pid()),
        Some(&t.physio.access),
        Some(plan(
            json!(["nprs"]),
            "2026-03-01",
            None,
            "2026-03-01T09:00:00Z",
        )),
    )
    .await
    .expect(200);
    let registered = srv
        .register_patient(&t.other_physio, &t.patient.email)
        .await;
    let pending = registered["patient_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    srv.call(
        "PUT",
        &format!("/api/patients/{pending}/outcome-plan"),
        Some(&t.other_physio.access),
        Some(plan(
            json!(["odi"]),
            "2026-03-10",
            None,
            "2026-03-10T09:00:00Z",
        )),
    )
    .await
    .expect(200);
    srv.call(
        "POST",
        "/api/outcome-responses",
        Some(&t.other_physio.access),
        Some(questionnaire(
            &pending,
            "odi",
            json!([3, 3, 2, 2, 3, 2, 2, 2, 2, 2]),
            1,
        )),
    )
    .await
    .expect(201);

    // Both records also have a medical history (one per patient, like the plan): the later
    // stays, and both changes are kept.
    for (who, patient, allergy) in [
        (&t.physio, t.patient.pid(), "penicillin"),
        (&t.other_physio, pending.clone(), "latex"),
    ] {
        srv.call(
            "PUT",
            &format!("/api/clients/{patient}/medical-history"),
            Some(&who.access),
            Some(json!({"allergies": [allergy]})),
        )
        .await
        .expect(200);
    }

    let code = registered["invitation_code"].as_str().unwrap_or_default();
    srv.claim(code, &t.patient.email, PASSWORD)
        .await
        .expect(200);
    let history = srv
        .call(
            "GET",
            &format!("/api/clients/{}/medical-history", t.patient.pid()),
            Some(&t.physio.access),
            None,
        )
        .await;
    assert_eq!(history.expect(200)["allergies"], json!(["latex"]));
    let changes: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM medical_history_changes WHERE patient_id = $1::uuid",
    )
    .bind(t.patient.pid())
    .fetch_one(&srv.pool)
    .await
    .expect("count");
    assert_eq!(changes, 2);

    let plan_now = srv
        .call(
            "GET",
            &format!("/api/patients/{}/outcome-plan", t.patient.pid()),
            Some(&t.patient.access),
            None,
        )
        .await;
    assert_eq!(plan_now.expect(200)["instruments"], json!(["odi"]));
    let own = srv
        .call(
            "GET",
            "/api/outcome-responses?instrument=odi",
            Some(&t.patient.access),
            None,
        )
        .await;
    let rows = data(own.expect(200));
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["patient_id"], t.patient.pid().as_str());
}

#[tokio::test]
async fn openapi_documents_the_outcome_endpoints() {
    let srv = common::start().await;
    let doc = srv.call("GET", "/openapi.json", None, None).await;
    doc.expect(200);
    for (path, method) in [
        ("/api/outcome-responses", "post"),
        ("/api/outcome-responses", "get"),
        ("/api/patients/{patient_id}/outcome-plan", "put"),
        ("/api/patients/{patient_id}/outcome-plan", "get"),
        ("/api/outcome-plans", "get"),
    ] {
        assert!(
            doc.body["paths"][path][method].is_object(),
            "{method} {path} missing from OpenAPI"
        );
    }
    for schema in [
        "CreateOutcomeResponseRequest",
        "OutcomeResponseRecord",
        "OutcomeResponseList",
        "PutOutcomePlanRequest",
        "OutcomePlanRecord",
        "OutcomePlanList",
    ] {
        assert!(
            doc.body["components"]["schemas"][schema].is_object(),
            "{schema}"
        );
    }
}
