//! SOAP notes on a real encrypted SQLite file: a draft is edited, then signed; a signed note
//! cannot be changed or deleted, by the store's API nor by plain SQL (the schema's triggers
//! refuse it); corrections are amendments kept with their author and time.

mod common;

use chrono::Duration;
use common::{new_session, raw, t0, temp_store};
use physalign_store::{OutboxEntityKind, OutboxOperation, SoapNoteRow, StoreError};
use serde_json::json;

#[test]
fn a_signed_note_is_immutable_and_amendments_are_kept() {
    let (_dir, path, store) = temp_store();
    let session = store.create_session(&new_session("squat", t0())).unwrap();
    let draft = json!({ "subjective": [{ "text": "Knee pain 3/10." }] });
    let id = store
        .create_soap_note(session, None, &draft, "pt@example.org", t0())
        .unwrap();

    // A draft changes, and is not amended.
    let edited = json!({ "subjective": [{ "text": "Left knee pain 3/10." }] });
    let note = store
        .edit_soap_note(id, &edited, t0() + Duration::minutes(1))
        .unwrap();
    assert_eq!(note.document, edited);
    assert!(note.signed.is_none());
    assert!(matches!(
        store.amend_soap_note(id, "pt@example.org", "late entry", t0()),
        Err(StoreError::Invalid { .. })
    ));
    // Plain SQL cannot amend a draft either.
    let conn = raw(&path);
    let refused = conn.execute(
        "INSERT INTO soap_note_amendments (id, note_id, author, text, created_at)
         VALUES ('a', ?1, 'x', 'y', 'z')",
        [id.to_string()],
    );
    assert!(refused.is_err(), "an amendment of a draft was stored");

    assert!(
        store.outbox_entries(id).unwrap().is_empty(),
        "a draft never leaves the device"
    );
    let signed_at = t0() + Duration::minutes(5);
    let summary = json!({ "key_topics": ["knee pain"], "therapist_notes": "" });
    let note = store
        .sign_soap_note(id, "pt@example.org", &summary, signed_at)
        .unwrap();
    assert_eq!(note.summary.as_ref(), Some(&summary));
    // Signing queued the note's upload: what was signed, with its summary.
    let queued = store.outbox_entries(id).unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!(
        (queued[0].entity_type, queued[0].operation),
        (OutboxEntityKind::SoapNote, OutboxOperation::Create)
    );
    assert_eq!(queued[0].payload["document"], edited);
    assert_eq!(queued[0].payload["summary"], summary);
    assert_eq!(queued[0].payload["signed_by"], "pt@example.org");
    let signature = note.signed.clone().expect("signed");
    assert_eq!(
        (signature.by.as_str(), signature.at),
        ("pt@example.org", signed_at)
    );

    // The API refuses to edit or sign again.
    assert!(matches!(
        store.edit_soap_note(id, &draft, t0() + Duration::minutes(6)),
        Err(StoreError::Invalid { .. })
    ));
    assert!(matches!(
        store.sign_soap_note(
            id,
            "other@example.org",
            &summary,
            t0() + Duration::minutes(6)
        ),
        Err(StoreError::Invalid { .. })
    ));
    // And so does the database itself, to any code that bypasses the API.
    for sql in [
        "UPDATE soap_notes SET document = '{}' WHERE id = ?1",
        "UPDATE soap_notes SET signed_by = 'someone else' WHERE id = ?1",
        "UPDATE soap_notes SET signed_by = NULL, signed_at = NULL WHERE id = ?1",
        "UPDATE soap_notes SET summary = '{}' WHERE id = ?1",
        "DELETE FROM soap_notes WHERE id = ?1",
    ] {
        let err = conn
            .execute(sql, [id.to_string()])
            .expect_err("the trigger refuses a change of a signed note");
        assert!(err.to_string().contains("signed"), "{sql}: {err}");
    }
    let unchanged = store.soap_note(id).unwrap().expect("note");
    assert_eq!(unchanged.document, edited);
    assert_eq!(unchanged.signed, Some(signature));

    // Corrections are amendments, in order, with author and time, never changed.
    let first = store
        .amend_soap_note(
            id,
            "pt@example.org",
            "Pain was in the right knee.",
            t0() + Duration::hours(1),
        )
        .unwrap();
    store
        .amend_soap_note(
            id,
            "lead@example.org",
            "Reviewed.",
            t0() + Duration::hours(2),
        )
        .unwrap();
    assert!(store
        .amend_soap_note(id, "pt@example.org", "  ", t0())
        .is_err());
    let note = store.soap_note(id).unwrap().expect("note");
    let amendments: Vec<(&str, &str)> = note
        .amendments
        .iter()
        .map(|a| (a.author.as_str(), a.text.as_str()))
        .collect();
    assert_eq!(
        amendments,
        [
            ("pt@example.org", "Pain was in the right knee."),
            ("lead@example.org", "Reviewed.")
        ]
    );
    assert_eq!(note.amendments[0], first);
    let queued = store.outbox_entries(first.id).unwrap();
    assert_eq!(queued[0].entity_type, OutboxEntityKind::SoapNoteAmendment);
    assert_eq!(queued[0].payload["note_id"], id.to_string());
    assert_eq!(queued[0].payload["text"], "Pain was in the right knee.");
    assert_eq!(
        note.document, edited,
        "amending leaves the signed text as it was"
    );
    for sql in [
        "UPDATE soap_note_amendments SET text = 'rewritten' WHERE note_id = ?1",
        "DELETE FROM soap_note_amendments WHERE note_id = ?1",
    ] {
        assert!(
            conn.execute(sql, [id.to_string()]).is_err(),
            "{sql} succeeded"
        );
    }
    assert_eq!(store.soap_note(id).unwrap().unwrap().amendments.len(), 2);
    assert_eq!(store.session_soap_notes(session).unwrap().len(), 1);
}

#[test]
fn a_draft_can_be_deleted_by_sql_but_a_note_needs_a_session() {
    let (_dir, path, store) = temp_store();
    assert!(matches!(
        store.create_soap_note(
            uuid::Uuid::new_v4(),
            None,
            &json!({}),
            "pt@example.org",
            t0()
        ),
        Err(StoreError::SessionNotFound(_))
    ));
    let session = store.create_session(&new_session("squat", t0())).unwrap();
    let id = store
        .create_soap_note(session, None, &json!({}), "pt@example.org", t0())
        .unwrap();
    // Only signing freezes a note: a draft is still the clinician's to discard.
    raw(&path)
        .execute("DELETE FROM soap_notes WHERE id = ?1", [id.to_string()])
        .unwrap();
    assert!(store.soap_note(id).unwrap().is_none());
}

#[test]
fn a_note_pulled_from_the_server_arrives_signed_and_stays_as_it_was() {
    let (_dir, _path, store) = temp_store();
    let signed_at = t0() + Duration::minutes(20);
    let note_id = uuid::Uuid::new_v4();
    let pulled = SoapNoteRow {
        id: note_id,
        session_id: uuid::Uuid::new_v4(),
        transcript_id: None,
        document: json!({ "subjective": [] }),
        drafted_by: "Clare Nician".into(),
        created_at: t0(),
        updated_at: signed_at,
        signed: Some(physalign_store::Signature {
            by: "Clare Nician".into(),
            at: signed_at,
        }),
        summary: Some(json!({ "key_topics": [] })),
        amendments: vec![physalign_store::SoapNoteAmendment {
            id: uuid::Uuid::new_v4(),
            note_id,
            author: "Clare Nician".into(),
            text: "Pain 4/10.".into(),
            created_at: signed_at + Duration::hours(1),
        }],
    };
    assert!(store.upsert_pulled_soap_note(&pulled).unwrap());
    assert!(
        !store.upsert_pulled_soap_note(&pulled).unwrap(),
        "nothing new"
    );
    let kept = store.soap_note(note_id).unwrap().expect("kept");
    assert_eq!(kept, pulled);
    assert!(
        store.outbox_entries(note_id).unwrap().is_empty(),
        "a pulled note is not sent back"
    );
    // A later pull with a new amendment adds it.
    let mut amended = pulled.clone();
    amended.amendments.push(physalign_store::SoapNoteAmendment {
        id: uuid::Uuid::new_v4(),
        note_id,
        author: "Lead".into(),
        text: "Reviewed.".into(),
        created_at: signed_at + Duration::hours(2),
    });
    assert!(store.upsert_pulled_soap_note(&amended).unwrap());
    assert_eq!(
        store.soap_note(note_id).unwrap().unwrap().amendments.len(),
        2
    );
    let mut draft = pulled;
    draft.signed = None;
    assert!(store.upsert_pulled_soap_note(&draft).is_err());

    // Signing out clears the copy (the next person at a shared clinic computer sees none of
    // it) but never a note signed on this device.
    let session = store.create_session(&new_session("squat", t0())).unwrap();
    let local = store
        .create_soap_note(session, None, &json!({}), "pt@example.org", t0())
        .unwrap();
    store
        .sign_soap_note(local, "pt@example.org", &json!({}), t0())
        .unwrap();
    store.clear_sync_identity().unwrap();
    assert!(store.soap_note(note_id).unwrap().is_none());
    assert!(store.soap_note(local).unwrap().is_some());
}
