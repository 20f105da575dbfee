//! Signed clinical notes (issue 19) against a real PostgreSQL: the clinician in the patient's
//! care sends what they signed, the care team and administrators read it back, nobody changes
//! it, corrections are amendments; replays, validation, and the note outliving its session.

mod common;

use common::care_teams;
use serde_json::{json, Value};
use uuid::Uuid;

fn note_body(session_id: &str) -> Value {
    json!({
        "id": Uuid::new_v4(),
        "session_id": session_id,
        "transcript_id": null,
        "drafted_by": "Clare Nician",
        "drafted_at": "2026-12-01T10:00:00Z",
        "signed_by": "Clare Nician",
        "signed_at": "2026-12-01T10:20:00Z",
        "document": {"drafter": "soap-rules-v1", "subjective": [{"text": "Knee pain 3/10."}]},
        "summary": {
            "key_topics": ["knee pain"], "topic_summary": "Knee pain on stairs.",
            "strategies": ["Squat: 3 x 10"], "action_items": ["Squats daily"],
            "session_mood": "positive", "mood_trajectory": "improving",
            "therapist_notes": "Progressing well.", "patient_summary": null, "risk_flags": []
        }
    })
}

#[tokio::test]
async fn the_care_team_keeps_signed_notes_and_amends_them_nobody_changes_them() {
    let t = care_teams().await;
    let srv = &t.srv;
    let session = srv.session(&t.patient).await;
    let body = note_body(&session);

    // Only a clinician in the patient's care sends a note; others learn nothing of the session.
    for (who, status) in [(&t.patient, 403), (&t.admin, 403), (&t.other_physio, 404)] {
        let r = srv
            .call("POST", "/api/notes", Some(&who.access), Some(body.clone()))
            .await;
        assert_eq!(r.status, status, "{:?}", r.body);
    }
    let created = srv
        .call(
            "POST",
            "/api/notes",
            Some(&t.physio.access),
            Some(body.clone()),
        )
        .await;
    let note = created.expect(201).clone();
    assert_eq!(note["patient_id"], t.patient.pid().as_str());
    assert_eq!(note["signed_by_user_id"], t.physio.id.as_str());
    assert_eq!(note["summary"]["session_mood"], "positive");
    assert_eq!(note["document"], body["document"]);
    // A replay (the device did not hear the answer) changes nothing.
    let again = srv
        .call(
            "POST",
            "/api/notes",
            Some(&t.physio.access),
            Some(body.clone()),
        )
        .await;
    again.expect(409);
    assert_eq!(again.code(), "NOTE_EXISTS");

    // An amendment, sent twice.
    let note_id = note["id"].as_str().unwrap().to_string();
    let amendment = json!({"id": Uuid::new_v4(), "author": "Clare Nician",
        "text": "Pain was 4/10, not 3/10.", "created_at": "2026-12-01T11:00:00Z"});
    let path = format!("/api/notes/{note_id}/amendments");
    srv.call(
        "POST",
        &path,
        Some(&t.physio.access),
        Some(amendment.clone()),
    )
    .await
    .expect(201);
    let r = srv
        .call(
            "POST",
            &path,
            Some(&t.physio.access),
            Some(amendment.clone()),
        )
        .await;
    assert_eq!((r.status, r.code()), (409, "NOTE_AMENDMENT_EXISTS"));
    let r = srv
        .call("POST", &path, Some(&t.other_physio.access), Some(amendment))
        .await;
    assert_eq!((r.status, r.code()), (404, "NOTES_NOT_FOUND"));

    // Read back by the care team and administrators, with the amendment; a device pulls what
    // changed since its cursor.
    for who in [&t.physio, &t.admin] {
        let list = srv.call("GET", "/api/notes", Some(&who.access), None).await;
        let data = list.expect(200)["data"].as_array().unwrap().clone();
        assert_eq!(data.len(), 1);
        assert_eq!(data[0]["amendments"][0]["text"], "Pain was 4/10, not 3/10.");
    }
    let other = srv
        .call("GET", "/api/notes", Some(&t.other_physio.access), None)
        .await;
    assert_eq!(other.expect(200)["data"], json!([]));
    srv.call("GET", "/api/notes", Some(&t.patient.access), None)
        .await
        .expect(403);
    let later = srv
        .call(
            "GET",
            "/api/notes?changed_since=2999-01-01T00:00:00Z",
            Some(&t.physio.access),
            None,
        )
        .await;
    assert_eq!(later.expect(200)["data"], json!([]));
    let by_session = srv
        .call(
            "GET",
            &format!("/api/notes?session_id={session}"),
            Some(&t.physio.access),
            None,
        )
        .await;
    assert_eq!(by_session.expect(200)["pagination"]["total_items"], 1);

    // The database keeps it as signed, whoever asks.
    for sql in [
        "UPDATE signed_notes SET summary = '{}'::jsonb",
        "DELETE FROM signed_notes",
        "UPDATE signed_note_amendments SET text = 'changed'",
        "DELETE FROM signed_note_amendments",
    ] {
        assert!(
            sqlx::query(sql).execute(&srv.pool).await.is_err(),
            "{sql} must be refused"
        );
    }
    // The clinical record outlives the session the patient deletes.
    srv.call(
        "DELETE",
        &format!("/api/sessions/{session}"),
        Some(&t.patient.access),
        None,
    )
    .await
    .expect(204);
    let list = srv
        .call("GET", "/api/notes", Some(&t.physio.access), None)
        .await;
    assert_eq!(list.expect(200)["pagination"]["total_items"], 1);
}

/// A change that makes a note body invalid.
type Spoil = Box<dyn Fn(&mut Value)>;

#[tokio::test]
async fn malformed_notes_are_refused_with_the_field() {
    let t = care_teams().await;
    let srv = &t.srv;
    let session = srv.session(&t.patient).await;
    let cases: Vec<(&str, Spoil)> = vec![
        (
            "document",
            Box::new(|b| b["document"] = json!("not an object")),
        ),
        ("signed_by", Box::new(|b| b["signed_by"] = json!("  "))),
        (
            "drafted_at",
            Box::new(|b| b["drafted_at"] = json!("2026-12-02T00:00:00Z")),
        ),
        (
            "signed_at",
            Box::new(|b| b["signed_at"] = json!("2999-01-01T00:00:00Z")),
        ),
        (
            "summary.key_topics",
            Box::new(|b| b["summary"]["key_topics"] = json!(vec!["x"; 51])),
        ),
    ];
    for (field, spoil) in cases {
        let mut body = note_body(&session);
        spoil(&mut body);
        let r = srv
            .call("POST", "/api/notes", Some(&t.physio.access), Some(body))
            .await;
        assert_eq!(r.status, 400, "{field}: {:?}", r.body);
        assert!(r.body.to_string().contains(field), "{field}: {:?}", r.body);
    }
    // An unknown mood or field is refused by the contract itself.
    let mut body = note_body(&session);
    body["summary"]["session_mood"] = json!("cheerful");
    srv.call("POST", "/api/notes", Some(&t.physio.access), Some(body))
        .await
        .expect(400);
    let mut body = note_body(&session);
    body["signature"] = json!("x");
    srv.call("POST", "/api/notes", Some(&t.physio.access), Some(body))
        .await
        .expect(400);
}
