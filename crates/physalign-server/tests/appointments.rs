//! Appointments (issue 18, seed 001) against a real PostgreSQL: booking in clinic wall-clock
//! time, visibility, moves and cancels, recurring series across a daylight-saving change with
//! exceptions, the no-show policy with and without a fee, preparation notes, idempotency.

mod common;

use common::{care_teams, start, CareTeams, User};
use serde_json::{json, Value};

async fn book(c: &CareTeams, start_time: &str, zone: &str) -> Value {
    c.srv
        .call(
            "POST",
            "/api/appointments",
            Some(&c.physio.access),
            Some(
                json!({"clientId": c.patient.pid(), "startTime": start_time, "timeZone": zone,
                        "durationMinutes": 45, "type": "treatment", "notes": "knee"}),
            ),
        )
        .await
        .expect(201)
        .clone()
}

#[tokio::test]
async fn booking_answers_the_wall_clock_time_with_its_offset() {
    let c = care_teams().await;
    let a = book(&c, "2026-03-20T10:00:00", "Europe/Berlin").await;
    assert_eq!(a["startTime"], "2026-03-20T10:00:00+01:00");
    assert_eq!(a["endTime"], "2026-03-20T10:45:00+01:00");
    assert_eq!(a["timeZone"], "Europe/Berlin");
    assert_eq!(a["status"], "scheduled");
    assert_eq!(a["type"], "treatment");
    assert_eq!(a["therapistId"], c.physio.pid().as_str());
    assert_eq!(a["client"]["email"], c.patient.email.as_str());
    assert_eq!(a["client"]["totalSessions"], 0);
    // With an offset: the instant is kept, shown in the zone's offset of that day (summer).
    let summer = book(&c, "2026-07-01T08:00:00Z", "Europe/Berlin").await;
    assert_eq!(summer["startTime"], "2026-07-01T10:00:00+02:00");
    // Without a zone: the practice's (Europe/London by default, then as an admin sets it).
    let body = json!({"clientId": c.patient.pid(), "startTime": "2026-07-01T09:00",
                      "durationMinutes": 30, "type": "follow_up"});
    let london = c
        .srv
        .call(
            "POST",
            "/api/appointments",
            Some(&c.physio.access),
            Some(body.clone()),
        )
        .await;
    assert_eq!(london.expect(201)["startTime"], "2026-07-01T09:00:00+01:00");
    c.srv
        .call(
            "PUT",
            "/api/practice/settings",
            Some(&c.physio.access),
            Some(json!({"timeZone": "America/New_York", "currency": "USD"})),
        )
        .await
        .expect(403);
    let settings = c
        .srv
        .call(
            "PUT",
            "/api/practice/settings",
            Some(&c.admin.access),
            Some(json!({"timeZone": "America/New_York", "currency": "USD", "noShowFee": 40.0})),
        )
        .await;
    assert_eq!(settings.expect(200)["currency"], "USD");
    let ny = c
        .srv
        .call(
            "POST",
            "/api/appointments",
            Some(&c.physio.access),
            Some(body),
        )
        .await;
    assert_eq!(ny.expect(201)["startTime"], "2026-07-01T09:00:00-04:00");

    // Field errors use the envelope and name the field.
    for (field, bad) in [
        ("timeZone", json!({"timeZone": "Mars/Base"})),
        ("startTime", json!({"startTime": "tomorrow"})),
        ("durationMinutes", json!({"durationMinutes": 0})),
    ] {
        let mut body = json!({"clientId": c.patient.pid(), "startTime": "2026-07-01T09:00",
                              "timeZone": "Europe/Berlin", "durationMinutes": 30, "type": "treatment"});
        for (k, v) in bad.as_object().unwrap() {
            body[k] = v.clone();
        }
        let reply = c
            .srv
            .call(
                "POST",
                "/api/appointments",
                Some(&c.physio.access),
                Some(body),
            )
            .await;
        reply.expect(400);
        assert_eq!(reply.body["error"]["details"][0]["field"], field);
    }
    let bad_type = c
        .srv
        .call(
            "POST",
            "/api/appointments",
            Some(&c.physio.access),
            Some(
                json!({"clientId": c.patient.pid(), "startTime": "2026-07-01T09:00",
                        "durationMinutes": 30, "type": "party"}),
            ),
        )
        .await;
    bad_type.expect(400);
}

#[tokio::test]
async fn visibility_follows_care_relationships() {
    let c = care_teams().await;
    let a = book(&c, "2026-05-04T09:00:00", "Europe/Berlin").await;
    let id = a["id"].as_str().unwrap();
    let path = format!("/api/appointments/{id}");

    // Booking: only for one's own patients; patients never.
    let foreign = c
        .srv
        .call(
            "POST",
            "/api/appointments",
            Some(&c.other_physio.access),
            Some(
                json!({"clientId": c.patient.pid(), "startTime": "2026-05-04T09:00",
                        "durationMinutes": 30, "type": "treatment"}),
            ),
        )
        .await;
    foreign.expect(404);
    assert_eq!(foreign.code(), "PATIENT_NOT_FOUND");
    c.srv
        .call(
            "POST",
            "/api/appointments",
            Some(&c.patient.access),
            Some(
                json!({"clientId": c.patient.pid(), "startTime": "2026-05-04T09:00",
                        "durationMinutes": 30, "type": "treatment"}),
            ),
        )
        .await
        .expect(403);
    // An admin books naming the therapist.
    let by_admin = c
        .srv
        .call(
            "POST",
            "/api/appointments",
            Some(&c.admin.access),
            Some(
                json!({"clientId": c.other_patient.pid(), "therapistId": c.other_physio.pid(),
                        "startTime": "2026-05-05T09:00", "timeZone": "Europe/Berlin",
                        "durationMinutes": 30, "type": "initial_assessment"}),
            ),
        )
        .await;
    by_admin.expect(201);

    // Reading: the patient and the own clinician and admin; others 404.
    for reader in [&c.patient, &c.physio, &c.admin] {
        c.srv
            .call("GET", &path, Some(&reader.access), None)
            .await
            .expect(200);
    }
    for outsider in [&c.other_patient, &c.other_physio] {
        let r = c.srv.call("GET", &path, Some(&outsider.access), None).await;
        r.expect(404);
        assert_eq!(r.code(), "APPOINTMENT_NOT_FOUND");
    }
    let count = |user: &User| {
        let token = user.access.clone();
        let srv = &c.srv;
        async move {
            srv.call("GET", "/api/appointments", Some(&token), None)
                .await
                .expect(200)["pagination"]["total_items"]
                .as_u64()
                .unwrap()
        }
    };
    assert_eq!(count(&c.patient).await, 1);
    assert_eq!(count(&c.physio).await, 1);
    assert_eq!(count(&c.other_physio).await, 1);
    assert_eq!(count(&c.other_patient).await, 1);
    assert_eq!(count(&c.admin).await, 2);

    // Writing: a patient who sees it gets 403; another clinician 404.
    c.srv
        .call(
            "PUT",
            &path,
            Some(&c.patient.access),
            Some(json!({"notes": "x"})),
        )
        .await
        .expect(403);
    c.srv
        .call(
            "PUT",
            &path,
            Some(&c.other_physio.access),
            Some(json!({"notes": "x"})),
        )
        .await
        .expect(404);
    c.srv
        .call(
            "POST",
            &format!("{path}/no-show-policy"),
            Some(&c.other_physio.access),
            Some(json!({"applyFee": false})),
        )
        .await
        .expect(404);

    // Once the patient ends the care relationship, the clinician no longer reaches it.
    c.srv
        .call(
            "DELETE",
            &format!("/api/patients/care-team/{}", c.physio.pid()),
            Some(&c.patient.access),
            None,
        )
        .await
        .expect(204);
    c.srv
        .call("GET", &path, Some(&c.physio.access), None)
        .await
        .expect(404);
    c.srv
        .call(
            "PUT",
            &path,
            Some(&c.physio.access),
            Some(json!({"notes": "x"})),
        )
        .await
        .expect(404);
    assert_eq!(count(&c.physio).await, 0);
    assert_eq!(count(&c.patient).await, 1);
}

#[tokio::test]
async fn list_filters_and_paginates() {
    let c = care_teams().await;
    for day in 1..=5 {
        book(&c, &format!("2026-06-0{day}T09:00:00"), "Europe/Berlin").await;
    }
    let page = c
        .srv
        .call(
            "GET",
            "/api/appointments?from=2026-06-02T00:00:00Z&to=2026-06-05T00:00:00Z&per_page=2&page=2",
            Some(&c.physio.access),
            None,
        )
        .await;
    let body = page.expect(200);
    assert_eq!(body["pagination"]["total_items"], 3);
    assert_eq!(body["pagination"]["total_pages"], 2);
    assert_eq!(body["data"].as_array().unwrap().len(), 1);
    assert_eq!(body["data"][0]["startTime"], "2026-06-04T09:00:00+02:00");
    let by_client = c
        .srv
        .call(
            "GET",
            &format!(
                "/api/appointments?clientId={}&therapistId={}&status=scheduled",
                c.patient.pid(),
                c.physio.pid()
            ),
            Some(&c.physio.access),
            None,
        )
        .await;
    assert_eq!(by_client.expect(200)["pagination"]["total_items"], 5);
    let none = c
        .srv
        .call(
            "GET",
            "/api/appointments?status=no-show",
            Some(&c.physio.access),
            None,
        )
        .await;
    assert_eq!(none.expect(200)["pagination"]["total_items"], 0);
    c.srv
        .call(
            "GET",
            "/api/appointments?status=late",
            Some(&c.physio.access),
            None,
        )
        .await
        .expect(400);
}

#[tokio::test]
async fn moving_cancelling_and_versions() {
    let c = care_teams().await;
    let a = book(&c, "2026-03-02T10:00:00", "Europe/Berlin").await;
    let path = format!("/api/appointments/{}", a["id"].as_str().unwrap());
    let got = c.srv.call("GET", &path, Some(&c.physio.access), None).await;
    assert_eq!(got.header("etag").as_deref(), Some("\"1\""));
    let moved = c
        .srv
        .call_with(
            "PUT",
            &path,
            Some(&c.physio.access),
            Some(json!({"startTime": "2026-03-03T14:30", "durationMinutes": 60})),
            &[("If-Match", "\"1\"")],
        )
        .await;
    let moved = moved.expect(200).clone();
    assert_eq!(moved["startTime"], "2026-03-03T14:30:00+01:00");
    assert_eq!(moved["durationMinutes"], 60);
    assert_eq!(moved["notes"], "knee");
    assert_eq!(moved["version"], 2);
    // A stale version (another device moved it) is 412 with the current version.
    let stale = c
        .srv
        .call_with(
            "PUT",
            &path,
            Some(&c.physio.access),
            Some(json!({"startTime": "2026-03-04T08:00"})),
            &[("If-Match", "\"1\"")],
        )
        .await;
    stale.expect(412);
    assert_eq!(stale.body["error"]["details"]["current_version"], 2);
    // A new zone alone keeps the wall-clock time.
    let rezoned = c
        .srv
        .call(
            "PUT",
            &path,
            Some(&c.physio.access),
            Some(json!({"timeZone": "Europe/London"})),
        )
        .await;
    assert_eq!(
        rezoned.expect(200)["startTime"],
        "2026-03-03T14:30:00+00:00"
    );

    let cancelled = c
        .srv
        .call(
            "POST",
            &format!("{path}/cancel"),
            Some(&c.physio.access),
            Some(json!({"reason": "client ill"})),
        )
        .await;
    let cancelled = cancelled.expect(200).clone();
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(cancelled["cancelReason"], "client ill");
    // Cancelling again answers it unchanged; DELETE is the same cancel.
    let again = c
        .srv
        .call("DELETE", &path, Some(&c.physio.access), None)
        .await;
    assert_eq!(again.expect(200)["version"], cancelled["version"]);
    let edit = c
        .srv
        .call(
            "PUT",
            &path,
            Some(&c.physio.access),
            Some(json!({"notes": "late"})),
        )
        .await;
    edit.expect(409);
    assert_eq!(edit.code(), "APPOINTMENT_NOT_SCHEDULED");
    // Still listed: cancelled appointments are kept.
    let list = c
        .srv
        .call(
            "GET",
            "/api/appointments?status=cancelled",
            Some(&c.patient.access),
            None,
        )
        .await;
    assert_eq!(list.expect(200)["pagination"]["total_items"], 1);
}

#[tokio::test]
async fn recurring_series_keeps_wall_clock_across_dst_skips_exceptions_and_is_idempotent() {
    let c = care_teams().await;
    // Berlin goes to summer time on Sunday 29 March 2026: a Thursday 10:00 series spans it.
    let a = book(&c, "2026-03-12T10:00:00", "Europe/Berlin").await;
    let id = a["id"].as_str().unwrap().to_string();
    let path = format!("/api/appointments/{id}/recurring");
    let pattern =
        json!({"pattern": "weekly", "endDate": "2026-04-16", "exceptions": ["2026-04-02"]});
    let series = c
        .srv
        .call("POST", &path, Some(&c.physio.access), Some(pattern.clone()))
        .await;
    let series = series.expect(200).clone();
    assert_eq!(series["seriesId"], id.as_str());
    // 19 Mar, 26 Mar, (2 Apr excepted), 9 Apr, 16 Apr.
    assert_eq!(series["created"], 4);
    let starts: Vec<&str> = series["occurrences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["startTime"].as_str().unwrap())
        .collect();
    assert_eq!(
        starts,
        [
            "2026-03-12T10:00:00+01:00",
            "2026-03-19T10:00:00+01:00",
            "2026-03-26T10:00:00+01:00",
            "2026-04-09T10:00:00+02:00",
            "2026-04-16T10:00:00+02:00",
        ]
    );
    // The instants differ by the clock change: 09:00 UTC before, 08:00 UTC after.
    let utc: Vec<String> = sqlx::query_scalar(
        "SELECT to_char(start_time AT TIME ZONE 'UTC', 'MM-DD HH24:MI') FROM appointments
         WHERE series_id = $1::uuid ORDER BY start_time",
    )
    .bind(&id)
    .fetch_all(&c.srv.pool)
    .await
    .unwrap();
    assert_eq!(
        utc,
        [
            "03-12 09:00",
            "03-19 09:00",
            "03-26 09:00",
            "04-09 08:00",
            "04-16 08:00"
        ]
    );

    // Move one occurrence: only that one changes.
    let third = series["occurrences"][2]["id"].as_str().unwrap().to_string();
    c.srv
        .call(
            "PUT",
            &format!("/api/appointments/{third}"),
            Some(&c.physio.access),
            Some(json!({"startTime": "2026-03-27T15:00:00"})),
        )
        .await
        .expect(200);
    // The same pattern again (another idempotency key or none): nothing new, the moved
    // occurrence stays where it was moved to.
    let again = c
        .srv
        .call("POST", &path, Some(&c.physio.access), Some(pattern.clone()))
        .await;
    let again = again.expect(200).clone();
    assert_eq!(again["created"], 0);
    let starts: Vec<&str> = again["occurrences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["startTime"].as_str().unwrap())
        .collect();
    assert_eq!(
        starts,
        [
            "2026-03-12T10:00:00+01:00",
            "2026-03-19T10:00:00+01:00",
            "2026-03-27T15:00:00+01:00",
            "2026-04-09T10:00:00+02:00",
            "2026-04-16T10:00:00+02:00",
        ]
    );
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM appointments")
        .fetch_one(&c.srv.pool)
        .await
        .unwrap();
    assert_eq!(total, 5);
    // A later exception cancels the scheduled occurrence on that date, leaving the others.
    let with_exception = json!({"pattern": "weekly", "endDate": "2026-04-16",
                                "exceptions": ["2026-04-02", "2026-04-09"]});
    let excepted = c
        .srv
        .call("POST", &path, Some(&c.physio.access), Some(with_exception))
        .await;
    let statuses: Vec<&str> = excepted.expect(200)["occurrences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        [
            "scheduled",
            "scheduled",
            "scheduled",
            "cancelled",
            "scheduled"
        ]
    );

    // Monthly across the autumn change in New York keeps 18:00 local.
    let ny = book(&c, "2026-10-20T18:00:00", "America/New_York").await;
    let monthly = c
        .srv
        .call(
            "POST",
            &format!("/api/appointments/{}/recurring", ny["id"].as_str().unwrap()),
            Some(&c.physio.access),
            Some(json!({"pattern": "monthly", "endDate": "2026-12-31"})),
        )
        .await;
    let starts: Vec<String> = monthly.expect(200)["occurrences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["startTime"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        starts,
        [
            "2026-10-20T18:00:00-04:00",
            "2026-11-20T18:00:00-05:00",
            "2026-12-20T18:00:00-05:00",
        ]
    );
    // Biweekly; an end before the start is refused on the field.
    let bad = c
        .srv
        .call(
            "POST",
            &path,
            Some(&c.physio.access),
            Some(json!({"pattern": "biweekly", "endDate": "2026-01-01"})),
        )
        .await;
    bad.expect(400);
    assert_eq!(bad.body["error"]["details"][0]["field"], "endDate");
    c.srv
        .call("POST", &path, Some(&c.patient.access), Some(pattern))
        .await
        .expect(403);
}

#[tokio::test]
async fn no_show_with_and_without_fee() {
    let c = care_teams().await;
    c.srv
        .call(
            "PUT",
            "/api/practice/settings",
            Some(&c.admin.access),
            Some(json!({"timeZone": "Europe/Berlin", "currency": "CHF"})),
        )
        .await
        .expect(200);
    let with_fee = book(&c, "2026-04-01T09:00:00", "Europe/Berlin").await;
    let without_fee = book(&c, "2026-04-02T09:00:00", "Europe/Berlin").await;
    let policy = |a: &Value| {
        format!(
            "/api/appointments/{}/no-show-policy",
            a["id"].as_str().unwrap()
        )
    };

    // A fee needs a positive amount (the practice has no standard fee here).
    for body in [
        json!({"reason": "x", "applyFee": true}),
        json!({"reason": "x", "applyFee": true, "feeAmount": 0}),
        json!({"reason": "x", "applyFee": true, "feeAmount": -5}),
        json!({"reason": "x", "applyFee": false, "feeAmount": 5}),
    ] {
        let r = c
            .srv
            .call(
                "POST",
                &policy(&with_fee),
                Some(&c.physio.access),
                Some(body),
            )
            .await;
        r.expect(400);
        assert_eq!(r.body["error"]["details"][0]["field"], "feeAmount");
    }
    let charged = c
        .srv
        .call_with(
            "POST",
            &policy(&with_fee),
            Some(&c.physio.access),
            Some(
                json!({"reason": "did not come", "applyFee": true, "feeAmount": 35.5,
                        "notifyClient": true}),
            ),
            &[("Idempotency-Key", "no-show-1")],
        )
        .await;
    let charged = charged.expect(200).clone();
    assert_eq!(charged["status"], "no-show");
    assert_eq!(charged["noShow"]["feeAmount"], 35.5);
    assert_eq!(charged["noShow"]["feeCurrency"], "CHF");
    assert_eq!(charged["noShow"]["reason"], "did not come");
    assert_eq!(charged["noShow"]["clientNotified"], true);
    // The retry with the same key replays; applying it again changes nothing.
    let replay = c
        .srv
        .call_with(
            "POST",
            &policy(&with_fee),
            Some(&c.physio.access),
            Some(
                json!({"reason": "did not come", "applyFee": true, "feeAmount": 35.5,
                        "notifyClient": true}),
            ),
            &[("Idempotency-Key", "no-show-1")],
        )
        .await;
    assert_eq!(
        replay.header("idempotent-replayed").as_deref(),
        Some("true")
    );
    assert_eq!(replay.body, charged);
    let twice = c
        .srv
        .call(
            "POST",
            &policy(&with_fee),
            Some(&c.physio.access),
            Some(
                json!({"reason": "again", "applyFee": true, "feeAmount": 50, "notifyClient": true}),
            ),
        )
        .await;
    assert_eq!(twice.expect(200)["noShow"], charged["noShow"]);

    let plain = c
        .srv
        .call(
            "POST",
            &policy(&without_fee),
            Some(&c.physio.access),
            Some(json!({"reason": "forgot", "applyFee": false, "notifyClient": false})),
        )
        .await;
    let plain = plain.expect(200).clone();
    assert_eq!(plain["status"], "no-show");
    assert_eq!(plain["noShow"]["feeAmount"], Value::Null);
    assert_eq!(plain["noShow"]["feeCurrency"], Value::Null);

    // One notification, for the fee, listed for the patient and their clinician only.
    let mine = c
        .srv
        .call("GET", "/api/notifications", Some(&c.patient.access), None)
        .await;
    let mine = mine.expect(200).clone();
    assert_eq!(mine["pagination"]["total_items"], 1);
    assert_eq!(mine["data"][0]["kind"], "no_show");
    assert_eq!(mine["data"][0]["status"], "queued");
    assert_eq!(mine["data"][0]["appointmentId"], with_fee["id"]);
    let message = mine["data"][0]["message"].as_str().unwrap();
    assert!(message.contains("35.50 CHF"), "{message}");
    assert!(message.contains("1 April 2026 at 09:00"), "{message}");
    let clinician = c
        .srv
        .call("GET", "/api/notifications", Some(&c.physio.access), None)
        .await;
    assert_eq!(clinician.expect(200)["pagination"]["total_items"], 1);
    let other = c
        .srv
        .call(
            "GET",
            "/api/notifications",
            Some(&c.other_physio.access),
            None,
        )
        .await;
    assert_eq!(other.expect(200)["pagination"]["total_items"], 0);

    // The practice's standard fee is used when none is given.
    c.srv
        .call(
            "PUT",
            "/api/practice/settings",
            Some(&c.admin.access),
            Some(json!({"timeZone": "Europe/Berlin", "currency": "EUR", "noShowFee": 25})),
        )
        .await
        .expect(200);
    let standard = book(&c, "2026-04-03T09:00:00", "Europe/Berlin").await;
    let std_fee = c
        .srv
        .call(
            "POST",
            &policy(&standard),
            Some(&c.physio.access),
            Some(json!({"applyFee": true})),
        )
        .await;
    let std_fee = std_fee.expect(200).clone();
    assert_eq!(std_fee["noShow"]["feeAmount"], 25.0);
    assert_eq!(std_fee["noShow"]["feeCurrency"], "EUR");
    // A cancelled appointment cannot become a no-show.
    let cancelled = book(&c, "2026-04-04T09:00:00", "Europe/Berlin").await;
    let cpath = format!("/api/appointments/{}", cancelled["id"].as_str().unwrap());
    c.srv
        .call("DELETE", &cpath, Some(&c.physio.access), None)
        .await
        .expect(200);
    let r = c
        .srv
        .call(
            "POST",
            &policy(&cancelled),
            Some(&c.physio.access),
            Some(json!({"applyFee": false})),
        )
        .await;
    r.expect(409);
}

#[tokio::test]
async fn preparation_notes_and_idempotent_booking() {
    let c = care_teams().await;
    let a = book(&c, "2026-04-01T09:00:00", "Europe/Berlin").await;
    let path = format!(
        "/api/appointments/{}/preparation",
        a["id"].as_str().unwrap()
    );
    let prepared = c
        .srv
        .call(
            "PUT",
            &path,
            Some(&c.physio.access),
            Some(
                json!({"preparationNotes": "check flexion", "reviewPreviousSession": true,
                        "focusAreas": ["knee flexion", "gait"]}),
            ),
        )
        .await;
    let prepared = prepared.expect(200).clone();
    assert_eq!(prepared["preparation"]["preparationNotes"], "check flexion");
    assert_eq!(prepared["preparation"]["reviewPreviousSession"], true);
    assert_eq!(
        prepared["preparation"]["focusAreas"],
        json!(["knee flexion", "gait"])
    );
    // The patient reads it with the appointment but does not write it.
    let seen = c
        .srv
        .call(
            "GET",
            &format!("/api/appointments/{}", a["id"].as_str().unwrap()),
            Some(&c.patient.access),
            None,
        )
        .await;
    assert_eq!(seen.expect(200)["preparation"]["focusAreas"][1], "gait");
    c.srv
        .call(
            "PUT",
            &path,
            Some(&c.patient.access),
            Some(json!({"preparationNotes": "x"})),
        )
        .await
        .expect(403);
    let bad = c
        .srv
        .call(
            "PUT",
            &path,
            Some(&c.physio.access),
            Some(json!({"focusAreas": [""]})),
        )
        .await;
    bad.expect(400);
    assert_eq!(bad.body["error"]["details"][0]["field"], "focusAreas[0]");

    // A device's create with its own id and an idempotency key: the retry replays, a second
    // create with the same id is 409.
    let body = json!({"id": "6f1f7c1e-9a57-4bd4-8c7a-3d0f0f7f0a11", "clientId": c.patient.pid(),
                      "startTime": "2026-04-08T09:00", "timeZone": "Europe/Berlin",
                      "durationMinutes": 30, "type": "follow_up"});
    let first = c
        .srv
        .call_with(
            "POST",
            "/api/appointments",
            Some(&c.physio.access),
            Some(body.clone()),
            &[("Idempotency-Key", "k1")],
        )
        .await;
    first.expect(201);
    let retry = c
        .srv
        .call_with(
            "POST",
            "/api/appointments",
            Some(&c.physio.access),
            Some(body.clone()),
            &[("Idempotency-Key", "k1")],
        )
        .await;
    assert_eq!(retry.status, 201);
    assert_eq!(retry.body, first.body);
    let dup = c
        .srv
        .call(
            "POST",
            "/api/appointments",
            Some(&c.physio.access),
            Some(body),
        )
        .await;
    dup.expect(409);
    assert_eq!(dup.code(), "APPOINTMENT_EXISTS");
}

#[tokio::test]
async fn openapi_documents_the_appointment_endpoints() {
    let srv = start().await;
    let doc = srv.call("GET", "/openapi.json", None, None).await;
    doc.expect(200);
    for (path, method) in [
        ("/api/appointments", "post"),
        ("/api/appointments", "get"),
        ("/api/appointments/{appointment_id}", "put"),
        ("/api/appointments/{appointment_id}/cancel", "post"),
        ("/api/appointments/{appointment_id}/recurring", "post"),
        ("/api/appointments/{appointment_id}/no-show-policy", "post"),
        ("/api/appointments/{appointment_id}/preparation", "put"),
        ("/api/practice/settings", "put"),
        ("/api/notifications", "get"),
    ] {
        assert!(
            doc.body["paths"][path][method].is_object(),
            "{method} {path} missing from OpenAPI"
        );
    }
    for schema in [
        "Appointment",
        "CreateAppointmentRequest",
        "RecurringRequest",
        "NoShowRequest",
    ] {
        assert!(
            doc.body["components"]["schemas"][schema].is_object(),
            "{schema}"
        );
    }
}
