//! A client's clinical record and in-clinic sessions (issue 18, seed 001) against a real
//! PostgreSQL: medical history with its change log, therapy goals (with a measurable target),
//! emergency contact, session templates, starting a session from an appointment, progress
//! during it, therapist statistics and the client summary on hand-computed fixtures, and who
//! may do what.

mod common;

use chrono::Utc;
use common::{care_teams, frame, start, TestServer, User};
use serde_json::{json, Value};

#[tokio::test]
async fn medical_history_is_for_clinicians_and_keeps_every_change() {
    let c = care_teams().await;
    let path = format!("/api/clients/{}/medical-history", c.patient.pid());
    // Before any change: empty, version 0.
    let empty = c.srv.call("GET", &path, Some(&c.physio.access), None).await;
    assert_eq!(empty.expect(200)["version"], 0);
    assert_eq!(empty.body["currentMedications"], json!([]));
    // The patient does not read or write it; another clinician does not see it.
    c.srv
        .call("GET", &path, Some(&c.patient.access), None)
        .await
        .expect(403);
    c.srv
        .call(
            "PUT",
            &path,
            Some(&c.patient.access),
            Some(json!({"allergies": ["x"]})),
        )
        .await
        .expect(403);
    let outsider = c
        .srv
        .call("GET", &path, Some(&c.other_physio.access), None)
        .await;
    outsider.expect(404);
    assert_eq!(outsider.code(), "PATIENT_NOT_FOUND");

    let first = json!({"currentMedications": ["ibuprofen 400mg"], "allergies": ["penicillin"],
                       "previousTherapy": true, "previousTherapyDetails": "2019, lower back",
                       "medicalConditions": ["hypertension"], "hospitalizations": ["2021 ACL repair"]});
    let put = c
        .srv
        .call("PUT", &path, Some(&c.physio.access), Some(first.clone()))
        .await;
    let put = put.expect(200).clone();
    assert_eq!(put["version"], 1);
    assert_eq!(put["allergies"], json!(["penicillin"]));
    assert_eq!(put["previousTherapy"], true);
    assert_eq!(put["updatedBy"], c.physio.id.as_str());
    // The admin changes it with the current version; a stale one is 412.
    let mut second = first.clone();
    second["allergies"] = json!(["penicillin", "latex"]);
    c.srv
        .call_with(
            "PUT",
            &path,
            Some(&c.admin.access),
            Some(second.clone()),
            &[("If-Match", "\"1\"")],
        )
        .await
        .expect(200);
    c.srv
        .call_with(
            "PUT",
            &path,
            Some(&c.physio.access),
            Some(first.clone()),
            &[("If-Match", "\"1\"")],
        )
        .await
        .expect(412);
    let bad = c
        .srv
        .call(
            "PUT",
            &path,
            Some(&c.physio.access),
            Some(json!({"allergies": [""]})),
        )
        .await;
    bad.expect(400);
    assert_eq!(bad.body["error"]["details"][0]["field"], "allergies[0]");

    // Every change with who and when, newest first; the first has no "before".
    let changes = c
        .srv
        .call(
            "GET",
            &format!("{path}/changes"),
            Some(&c.physio.access),
            None,
        )
        .await;
    let changes = changes.expect(200).clone();
    assert_eq!(changes["pagination"]["total_items"], 2);
    assert_eq!(changes["data"][0]["version"], 2);
    assert_eq!(changes["data"][0]["changedBy"], c.admin.id.as_str());
    assert_eq!(
        changes["data"][0]["before"]["allergies"],
        json!(["penicillin"])
    );
    assert_eq!(
        changes["data"][0]["after"]["allergies"],
        json!(["penicillin", "latex"])
    );
    assert_eq!(changes["data"][1]["changedBy"], c.physio.id.as_str());
    assert_eq!(changes["data"][1]["before"], Value::Null);
    assert!(changes["data"][1]["changedAt"].is_string());
    // The patient record's lists follow.
    let profile = c
        .srv
        .call(
            "GET",
            "/api/patients/profile",
            Some(&c.patient.access),
            None,
        )
        .await;
    assert_eq!(
        profile.expect(200)["medications"],
        json!(["ibuprofen 400mg"])
    );
}

async fn upload(
    srv: &TestServer,
    patient: &User,
    start_time: &str,
    frames: usize,
    peak: f64,
) -> String {
    let created = srv
        .call(
            "POST",
            "/api/sessions",
            Some(&patient.access),
            Some(json!({"exercise_type": "squat", "start_time": start_time,
                        "end_time": start_time.replace("T10:00", "T10:10")})),
        )
        .await;
    let id = created.expect(201)["session_id"]
        .as_str()
        .unwrap()
        .to_string();
    srv.call(
        "POST",
        &format!("/api/sessions/{id}/data"),
        Some(&patient.access),
        Some(json!({"frames": (0..frames).map(frame).collect::<Vec<_>>(),
                    "summary_statistics": {"primary_angle": "knee_left",
                                           "peak_angles": {"knee_left_max": peak}}})),
    )
    .await
    .expect(201);
    id
}

#[tokio::test]
async fn goals_patient_reads_clinician_writes_and_measured_progress() {
    let c = care_teams().await;
    let path = format!("/api/clients/{}/therapy-goals", c.patient.pid());
    let created = c
        .srv
        .call(
            "POST",
            &path,
            Some(&c.physio.access),
            Some(json!({"goal": "Climb stairs without pain", "targetDate": "2026-12-31", "progress": 20})),
        )
        .await;
    let created = created.expect(201).clone();
    assert_eq!(created["status"], "active");
    assert_eq!(created["progress"], 20);
    assert_eq!(created["targetDate"], "2026-12-31");
    assert!(created["createdAt"].is_string());
    let gid = created["id"].as_str().unwrap().to_string();
    c.srv
        .call(
            "POST",
            &path,
            Some(&c.patient.access),
            Some(json!({"goal": "x"})),
        )
        .await
        .expect(403);
    c.srv
        .call(
            "POST",
            &path,
            Some(&c.other_physio.access),
            Some(json!({"goal": "x"})),
        )
        .await
        .expect(404);
    let bad = c
        .srv
        .call(
            "POST",
            &path,
            Some(&c.physio.access),
            Some(json!({"goal": "x", "progress": 101})),
        )
        .await;
    bad.expect(400);

    // A measurable target: knee flexion ≥ 120°, progress from the sessions' peak angles.
    upload(&c.srv, &c.patient, "2026-11-01T10:00:00Z", 10, 100.0).await;
    upload(&c.srv, &c.patient, "2026-11-08T10:00:00Z", 10, 110.0).await;
    let measured = c
        .srv
        .call(
            "POST",
            &path,
            Some(&c.physio.access),
            Some(json!({"goal": "Knee flexion to 120°",
                        "target": {"measure": "knee_left_max", "comparison": "at_least", "targetValue": 120}})),
        )
        .await;
    let measured = measured.expect(201).clone();
    // Baseline 100 (earliest session), current 110: half way.
    assert_eq!(measured["progress"], 50);
    assert_eq!(measured["currentValue"], 110.0);
    let mid = measured["id"].as_str().unwrap();
    let refused = c
        .srv
        .call(
            "PUT",
            &format!("{path}/{mid}"),
            Some(&c.physio.access),
            Some(json!({"progress": 90})),
        )
        .await;
    refused.expect(400);
    upload(&c.srv, &c.patient, "2026-11-15T10:00:00Z", 10, 121.0).await;

    // Update: only this goal, only the fields given; If-Match.
    let updated = c
        .srv
        .call_with(
            "PUT",
            &format!("{path}/{gid}"),
            Some(&c.physio.access),
            Some(json!({"status": "paused", "progress": 40})),
            &[("If-Match", "\"1\"")],
        )
        .await;
    let updated = updated.expect(200).clone();
    assert_eq!(updated["status"], "paused");
    assert_eq!(updated["progress"], 40);
    assert_eq!(updated["goal"], "Climb stairs without pain");
    c.srv
        .call_with(
            "PUT",
            &format!("{path}/{gid}"),
            Some(&c.physio.access),
            Some(json!({"progress": 50})),
            &[("If-Match", "\"1\"")],
        )
        .await
        .expect(412);

    // The patient reads their goals: the target met now reads 100; active first.
    let mine = c
        .srv
        .call("GET", &path, Some(&c.patient.access), None)
        .await;
    let mine = mine.expect(200).clone();
    assert_eq!(mine["pagination"]["total_items"], 2);
    assert_eq!(mine["goals"][0]["id"], mid);
    assert_eq!(mine["goals"][0]["progress"], 100);
    assert_eq!(mine["goals"][1]["status"], "paused");
    let paused = c
        .srv
        .call(
            "GET",
            &format!("{path}?status=paused"),
            Some(&c.patient.access),
            None,
        )
        .await;
    assert_eq!(paused.expect(200)["pagination"]["total_items"], 1);
    c.srv
        .call("GET", &path, Some(&c.other_patient.access), None)
        .await
        .expect(404);
    c.srv
        .call("GET", &path, Some(&c.admin.access), None)
        .await
        .expect(200);
}

#[tokio::test]
async fn emergency_contact_is_validated_and_the_patient_edits_only_their_own() {
    let c = care_teams().await;
    let path = format!("/api/clients/{}/emergency-contact", c.patient.pid());
    let contact = json!({"name": "Ann Smith", "relationship": "sister", "phone": "+44 20 7946 0958",
                         "alternatePhone": "(020) 7946-0000", "email": "Ann@Example.org"});
    let put = c
        .srv
        .call("PUT", &path, Some(&c.patient.access), Some(contact.clone()))
        .await;
    let put = put.expect(200).clone();
    assert_eq!(put["emergencyContact"]["email"], "ann@example.org");
    assert_eq!(put["emergencyContact"]["phone"], "+44 20 7946 0958");
    for (field, bad) in [
        ("phone", json!({"name": "A", "phone": "12"})),
        ("phone", json!({"name": "A", "phone": "call me"})),
        (
            "alternatePhone",
            json!({"name": "A", "phone": "0123456789", "alternatePhone": "+1 2"}),
        ),
        (
            "email",
            json!({"name": "A", "phone": "0123456789", "email": "nope"}),
        ),
        ("name", json!({"name": " ", "phone": "0123456789"})),
    ] {
        let r = c
            .srv
            .call("PUT", &path, Some(&c.patient.access), Some(bad))
            .await;
        r.expect(400);
        assert_eq!(r.body["error"]["details"][0]["field"], field);
    }
    // The clinician reads it (also with the appointment) and may correct it.
    let read = c.srv.call("GET", &path, Some(&c.physio.access), None).await;
    assert_eq!(read.expect(200)["emergencyContact"]["name"], "Ann Smith");
    c.srv
        .call("PUT", &path, Some(&c.physio.access), Some(contact.clone()))
        .await
        .expect(200);
    // Nobody else: another patient, another clinician.
    for outsider in [&c.other_patient, &c.other_physio] {
        c.srv
            .call("PUT", &path, Some(&outsider.access), Some(contact.clone()))
            .await
            .expect(404);
        c.srv
            .call("GET", &path, Some(&outsider.access), None)
            .await
            .expect(404);
    }
    let appt = c
        .srv
        .call(
            "POST",
            "/api/appointments",
            Some(&c.physio.access),
            Some(
                json!({"clientId": c.patient.pid(), "startTime": "2026-12-10T09:00",
                        "timeZone": "Europe/Berlin", "durationMinutes": 30, "type": "follow_up"}),
            ),
        )
        .await;
    assert_eq!(
        appt.expect(201)["client"]["emergencyContact"]["relationship"],
        "sister"
    );
}

fn template_body() -> Value {
    json!({"name": "Knee follow-up", "type": "follow_up", "defaultGoals": ["flexion 110°", "stairs"],
           "commonTechniques": ["manual therapy"], "duration": 40,
           "programItems": [{"exerciseId": "Squat", "sets": 3, "reps": 10, "sessionsPerWeek": 3}]})
}

#[tokio::test]
async fn templates_are_the_therapists_own() {
    let c = care_teams().await;
    let path = format!("/api/therapists/{}/session-templates", c.physio.pid());
    let created = c
        .srv
        .call("POST", &path, Some(&c.physio.access), Some(template_body()))
        .await;
    let created = created.expect(201).clone();
    assert_eq!(created["type"], "follow_up");
    assert_eq!(created["duration"], 40);
    assert_eq!(created["programItems"][0]["exerciseId"], "squat");
    let tid = created["id"].as_str().unwrap().to_string();
    let list = c.srv.call("GET", &path, Some(&c.physio.access), None).await;
    let list = list.expect(200).clone();
    assert_eq!(list["templates"].as_array().unwrap().len(), 1);
    assert_eq!(list["pagination"]["total_items"], 1);
    // Another clinician and patients: not theirs.
    c.srv
        .call("GET", &path, Some(&c.other_physio.access), None)
        .await
        .expect(404);
    c.srv
        .call("GET", &path, Some(&c.patient.access), None)
        .await
        .expect(403);
    c.srv
        .call("GET", &path, Some(&c.admin.access), None)
        .await
        .expect(200);
    let mut changed = template_body();
    changed["name"] = json!("Knee review");
    changed["duration"] = json!(0);
    let bad = c
        .srv
        .call(
            "PUT",
            &format!("{path}/{tid}"),
            Some(&c.physio.access),
            Some(changed.clone()),
        )
        .await;
    bad.expect(400);
    assert_eq!(bad.body["error"]["details"][0]["field"], "duration");
    changed["duration"] = json!(50);
    let put = c
        .srv
        .call(
            "PUT",
            &format!("{path}/{tid}"),
            Some(&c.physio.access),
            Some(changed),
        )
        .await;
    assert_eq!(put.expect(200)["name"], "Knee review");
    assert_eq!(put.body["version"], 2);
    c.srv
        .call(
            "DELETE",
            &format!("{path}/{tid}"),
            Some(&c.other_physio.access),
            None,
        )
        .await
        .expect(404);
    c.srv
        .call(
            "DELETE",
            &format!("{path}/{tid}"),
            Some(&c.physio.access),
            None,
        )
        .await
        .expect(204);
    let gone = c
        .srv
        .call(
            "PUT",
            &format!("{path}/{tid}"),
            Some(&c.physio.access),
            Some(template_body()),
        )
        .await;
    gone.expect(404);
    assert_eq!(gone.code(), "TEMPLATE_NOT_FOUND");
}

#[tokio::test]
async fn a_session_starts_from_an_appointment_and_records_progress() {
    let c = care_teams().await;
    let template = c
        .srv
        .call(
            "POST",
            &format!("/api/therapists/{}/session-templates", c.physio.pid()),
            Some(&c.physio.access),
            Some(template_body()),
        )
        .await
        .expect(201)
        .clone();
    let appt = c
        .srv
        .call(
            "POST",
            "/api/appointments",
            Some(&c.physio.access),
            Some(
                json!({"clientId": c.patient.pid(), "startTime": "2026-12-10T09:00",
                        "timeZone": "Europe/Berlin", "durationMinutes": 45, "type": "follow_up"}),
            ),
        )
        .await
        .expect(201)
        .clone();
    let body = json!({"appointmentId": appt["id"], "initialMood": 4, "clientConcerns": "stairs hurt",
                      "templateId": template["id"]});
    c.srv
        .call(
            "POST",
            "/api/sessions/start",
            Some(&c.patient.access),
            Some(body.clone()),
        )
        .await
        .expect(403);
    c.srv
        .call(
            "POST",
            "/api/sessions/start",
            Some(&c.other_physio.access),
            Some(body.clone()),
        )
        .await
        .expect(404);
    let started = c
        .srv
        .call(
            "POST",
            "/api/sessions/start",
            Some(&c.physio.access),
            Some(body.clone()),
        )
        .await;
    let started = started.expect(201).clone();
    let sid = started["session_id"].as_str().unwrap().to_string();
    assert_eq!(started["session"]["status"], "recording");
    assert_eq!(started["session"]["patient_id"], c.patient.pid().as_str());
    assert_eq!(started["session"]["estimated_duration"], 45 * 60);
    let p = &started["session"]["progress"];
    assert_eq!(p["moodStart"], 4.0);
    assert_eq!(p["sessionGoals"], json!(["flexion 110°", "stairs"]));
    assert_eq!(p["clientConcerns"], "stairs hurt");
    assert_eq!(p["appointmentId"], appt["id"]);
    // Starting again from the appointment answers the same session.
    let again = c
        .srv
        .call(
            "POST",
            "/api/sessions/start",
            Some(&c.physio.access),
            Some(body),
        )
        .await;
    assert_eq!(again.expect(200)["session_id"], sid.as_str());
    let linked = c
        .srv
        .call(
            "GET",
            &format!("/api/appointments/{}", appt["id"].as_str().unwrap()),
            Some(&c.physio.access),
            None,
        )
        .await;
    assert_eq!(linked.expect(200)["sessionId"], sid.as_str());

    let progress = json!({"progressNotes": "flexion 105° today", "goalsDiscussed": "stairs",
                          "clientMoodCurrent": 7, "techniquesUsed": ["manual therapy"],
                          "interventionsApplied": ["ice"], "homeworkAssigned": "squats 3x10"});
    let path = format!("/api/sessions/{sid}/progress");
    c.srv
        .call(
            "PUT",
            &path,
            Some(&c.patient.access),
            Some(progress.clone()),
        )
        .await
        .expect(403);
    c.srv
        .call(
            "PUT",
            &path,
            Some(&c.other_physio.access),
            Some(progress.clone()),
        )
        .await
        .expect(404);
    let bad = c
        .srv
        .call(
            "PUT",
            &path,
            Some(&c.physio.access),
            Some(json!({"clientMoodCurrent": 11})),
        )
        .await;
    bad.expect(400);
    assert_eq!(
        bad.body["error"]["details"][0]["field"],
        "clientMoodCurrent"
    );
    let put = c
        .srv
        .call("PUT", &path, Some(&c.physio.access), Some(progress))
        .await;
    let put = put.expect(200).clone();
    assert_eq!(put["session_id"], sid.as_str());
    assert_eq!(put["session"]["progress"]["moodEnd"], 7.0);
    assert_eq!(put["session"]["progress"]["moodStart"], 4.0);
    assert_eq!(
        put["session"]["progress"]["techniquesUsed"],
        json!(["manual therapy"])
    );
    // GET /api/sessions carries it, for the patient too.
    let list = c
        .srv
        .call("GET", "/api/sessions", Some(&c.patient.access), None)
        .await;
    let list = list.expect(200).clone();
    assert_eq!(
        list["data"][0]["progress"]["homeworkAssigned"],
        "squats 3x10"
    );
    assert_eq!(list["data"][0]["progress"]["goalsDiscussed"], "stairs");
    // A session without an appointment: the client is required.
    let r = c
        .srv
        .call(
            "POST",
            "/api/sessions/start",
            Some(&c.physio.access),
            Some(json!({"initialMood": 5})),
        )
        .await;
    r.expect(400);
    assert_eq!(r.body["error"]["details"][0]["field"], "clientId");
    let free = c
        .srv
        .call(
            "POST",
            "/api/sessions/start",
            Some(&c.physio.access),
            Some(json!({"clientId": c.patient.pid(), "initialMood": 5, "sessionGoals": ["gait"]})),
        )
        .await;
    assert_eq!(
        free.expect(201)["session"]["progress"]["sessionGoals"],
        json!(["gait"])
    );
}

/// Books, then sets the status the way the clinic would.
async fn appointment(
    srv: &TestServer,
    physio: &User,
    client: &User,
    start: &str,
    minutes: u32,
    status: &str,
) -> Value {
    let a = srv
        .call(
            "POST",
            "/api/appointments",
            Some(&physio.access),
            Some(
                json!({"clientId": client.pid(), "startTime": start, "timeZone": "Europe/Berlin",
                        "durationMinutes": minutes, "type": "treatment"}),
            ),
        )
        .await
        .expect(201)
        .clone();
    let path = format!("/api/appointments/{}", a["id"].as_str().unwrap());
    match status {
        "completed" => {
            srv.call(
                "PUT",
                &path,
                Some(&physio.access),
                Some(json!({"status": "completed"})),
            )
            .await
            .expect(200);
        }
        "cancelled" => {
            srv.call("DELETE", &path, Some(&physio.access), None)
                .await
                .expect(200);
        }
        "no-show" => {
            srv.call(
                "POST",
                &format!("{path}/no-show-policy"),
                Some(&physio.access),
                Some(json!({"applyFee": false})),
            )
            .await
            .expect(200);
        }
        _ => {}
    }
    a
}

#[tokio::test]
async fn statistics_on_a_hand_computed_fixture() {
    let c = care_teams().await;
    let (a, b) = (&c.patient, c.srv.signup("patient").await);
    let (cc, d) = (c.srv.signup("patient").await, c.srv.signup("patient").await);
    for p in [&b, &cc, &d] {
        c.srv.link(&c.physio, p).await;
    }
    let t = &c.physio;
    // Period 1-14 March 2026 (14 days): first half 1-7 March, second half 8-14 March, by the
    // clinic's calendar date in Europe/Berlin.
    appointment(&c.srv, t, a, "2026-03-02T09:00", 45, "completed").await; // A, 1st half, 45
    let a2 = appointment(&c.srv, t, a, "2026-03-09T09:00", 45, "scheduled").await; // A, 2nd half
    appointment(&c.srv, t, &b, "2026-03-03T09:00", 60, "completed").await; // B, 1st half, 60
    appointment(&c.srv, t, &b, "2026-03-08T00:30", 30, "completed").await; // B, 2nd half in Berlin (7 March 23:30 UTC), 30
    appointment(&c.srv, t, &b, "2026-03-10T09:00", 30, "cancelled").await;
    appointment(&c.srv, t, &cc, "2026-03-11T09:00", 30, "completed").await; // C, 2nd half, 30
    appointment(&c.srv, t, &cc, "2026-03-12T09:00", 30, "no-show").await;
    appointment(&c.srv, t, &d, "2026-03-04T09:00", 30, "completed").await; // D, 1st half, 30
    appointment(&c.srv, t, a, "2026-03-13T09:00", 45, "scheduled").await;
    // Outside the period, or another therapist's: not counted.
    appointment(&c.srv, t, a, "2026-02-28T09:00", 45, "completed").await;
    appointment(&c.srv, t, a, "2026-03-15T09:00", 45, "completed").await;
    appointment(
        &c.srv,
        &c.other_physio,
        &c.other_patient,
        "2026-03-05T09:00",
        45,
        "completed",
    )
    .await;
    // A's 9 March session was held from the appointment and lasted 30 minutes (recorded).
    let started = c
        .srv
        .call(
            "POST",
            "/api/sessions/start",
            Some(&t.access),
            Some(json!({"appointmentId": a2["id"]})),
        )
        .await
        .expect(201)
        .clone();
    c.srv
        .call(
            "PUT",
            &format!("/api/sessions/{}", started["session_id"].as_str().unwrap()),
            Some(&t.access),
            Some(json!({"duration_seconds": 1800})),
        )
        .await
        .expect(200);
    c.srv
        .call(
            "PUT",
            &format!("/api/appointments/{}", a2["id"].as_str().unwrap()),
            Some(&t.access),
            Some(json!({"status": "completed"})),
        )
        .await
        .expect(200);

    let path = format!(
        "/api/therapists/{}/session-stats?startDate=2026-03-01&endDate=2026-03-14",
        t.pid()
    );
    let stats = c.srv.call("GET", &path, Some(&t.access), None).await;
    let stats = stats.expect(200).clone();
    // In the period: A 2, 9, 13; B 3, 8, 10; C 11, 12; D 4 = 9 appointments.
    assert_eq!(stats["totalSessions"], 9);
    // Completed: A 2, A 9, B 3, B 8, C 11, D 4.
    assert_eq!(stats["completedSessions"], 6);
    assert_eq!(stats["cancelledSessions"], 1);
    assert_eq!(stats["noShows"], 1);
    // (45 + 30 recorded + 60 + 30 + 30 + 30) / 6 = 225 / 6 = 37.5 minutes.
    assert_eq!(stats["averageSessionDuration"], 37.5);
    // First half {A, B, D}; second half {A, B, C}; both: {A, B} -> 2/3.
    assert_eq!(stats["clientRetentionRate"], 0.67);
    // Visibility: the therapist and admins; another clinician 404, patients 403.
    c.srv
        .call("GET", &path, Some(&c.admin.access), None)
        .await
        .expect(200);
    c.srv
        .call("GET", &path, Some(&c.other_physio.access), None)
        .await
        .expect(404);
    c.srv
        .call("GET", &path, Some(&a.access), None)
        .await
        .expect(403);
    let bad = c
        .srv
        .call(
            "GET",
            &format!(
                "/api/therapists/{}/session-stats?startDate=2026-03-14&endDate=2026-03-01",
                t.pid()
            ),
            Some(&t.access),
            None,
        )
        .await;
    bad.expect(400);
    // A period with nothing in its first half: no retention rate.
    let late = c
        .srv
        .call(
            "GET",
            &format!(
                "/api/therapists/{}/session-stats?startDate=2026-03-09&endDate=2026-03-12",
                t.pid()
            ),
            Some(&t.access),
            None,
        )
        .await;
    let late = late.expect(200).clone();
    // 9-10 March first half: A 9 completed, B 10 cancelled; 11-12: C 11 completed -> 0 of {A}.
    assert_eq!(late["totalSessions"], 4);
    assert_eq!(late["clientRetentionRate"], 0.0);
}

#[tokio::test]
async fn client_summary_on_a_hand_computed_fixture() {
    let c = care_teams().await;
    let p = &c.patient;
    // Two home sessions: primary angle knee_left over 10 frames (90-99°, range 9°) and 20
    // frames (90-109°, range 19°); pain 6 then 4; topics.
    let s1 = upload(&c.srv, p, "2026-11-01T10:00:00Z", 10, 100.0).await;
    let s2 = upload(&c.srv, p, "2026-11-08T10:00:00Z", 20, 110.0).await;
    for (sid, pain, topics) in [
        (&s1, 6, json!(["Knee", "stairs"])),
        (&s2, 4, json!(["knee", "sleep"])),
    ] {
        c.srv
            .call(
                "PUT",
                &format!("/api/sessions/{sid}/notes"),
                Some(&p.access),
                Some(json!({"pain": [{"body_part": "knee", "score": pain}], "key_topics": topics})),
            )
            .await
            .expect(200);
    }
    // Two clinic sessions: mood 4 -> 7 and 5 -> 6.
    for (start, end) in [(4, 7), (5, 6)] {
        let s = c
            .srv
            .call(
                "POST",
                "/api/sessions/start",
                Some(&c.physio.access),
                Some(json!({"clientId": p.pid(), "initialMood": start})),
            )
            .await
            .expect(201)
            .clone();
        c.srv
            .call(
                "PUT",
                &format!(
                    "/api/sessions/{}/progress",
                    s["session_id"].as_str().unwrap()
                ),
                Some(&c.physio.access),
                Some(json!({"clientMoodCurrent": end})),
            )
            .await
            .expect(200);
    }
    let path = format!("/api/clients/{}/session-summary", p.pid());
    let summary = c.srv.call("GET", &path, Some(&c.physio.access), None).await;
    let summary = summary.expect(200).clone();
    assert_eq!(summary["totalSessions"], 4);
    assert_eq!(
        summary["lastSessionDate"],
        Utc::now().date_naive().to_string()
    );
    // ((7 - 4) + (6 - 5)) / 2 = 2.
    assert_eq!(summary["averageMoodImprovement"], 2.0);
    assert_eq!(summary["commonThemes"], json!(["knee", "sleep", "stairs"]));
    assert_eq!(summary["rangeOfMotionChange"], 10.0);
    assert_eq!(summary["painTrend"], -2.0);
    assert_eq!(summary["adherence"], Value::Null);
    assert_eq!(
        summary["progressSummary"],
        "4 sessions; range of motion +10° (9° → 19°); pain down 2.0 points."
    );
    c.srv
        .call("GET", &path, Some(&p.access), None)
        .await
        .expect(403);
    c.srv
        .call("GET", &path, Some(&c.other_physio.access), None)
        .await
        .expect(404);
    c.srv
        .call("GET", &path, Some(&c.admin.access), None)
        .await
        .expect(200);
}

#[tokio::test]
async fn openapi_documents_the_clinic_record_endpoints() {
    let srv = start().await;
    let doc = srv.call("GET", "/openapi.json", None, None).await;
    doc.expect(200);
    for (path, method) in [
        ("/api/clients/{client_id}/medical-history", "get"),
        ("/api/clients/{client_id}/medical-history", "put"),
        ("/api/clients/{client_id}/medical-history/changes", "get"),
        ("/api/clients/{client_id}/therapy-goals", "get"),
        ("/api/clients/{client_id}/therapy-goals", "post"),
        ("/api/clients/{client_id}/therapy-goals/{goal_id}", "put"),
        ("/api/clients/{client_id}/emergency-contact", "put"),
        ("/api/clients/{client_id}/session-summary", "get"),
        ("/api/therapists/{therapist_id}/session-templates", "post"),
        (
            "/api/therapists/{therapist_id}/session-templates/{template_id}",
            "delete",
        ),
        ("/api/therapists/{therapist_id}/session-stats", "get"),
        ("/api/sessions/start", "post"),
        ("/api/sessions/{session_id}/progress", "put"),
    ] {
        assert!(
            doc.body["paths"][path][method].is_object(),
            "{method} {path} missing from OpenAPI"
        );
    }
    for schema in [
        "MedicalHistory",
        "TherapyGoal",
        "SessionTemplate",
        "SessionStats",
        "SessionSummary",
        "ClinicProgress",
    ] {
        assert!(
            doc.body["components"]["schemas"][schema].is_object(),
            "{schema}"
        );
    }
}
