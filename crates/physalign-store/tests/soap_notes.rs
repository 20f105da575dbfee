//! SOAP notes on a real encrypted SQLite file: a draft is edited, then signed; a signed note
//! cannot be changed or deleted, by the store's API nor by plain SQL (the schema's triggers
//! refuse it); corrections are amendments kept with their author and time.

mod common;

use chrono::Duration;
use common::{new_session, raw, t0, temp_store};
use physalign_store::StoreError;
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

    let signed_at = t0() + Duration::minutes(5);
    let note = store
        .sign_soap_note(id, "pt@example.org", signed_at)
        .unwrap();
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
        store.sign_soap_note(id, "other@example.org", t0() + Duration::minutes(6)),
        Err(StoreError::Invalid { .. })
    ));
    // And so does the database itself, to any code that bypasses the API.
    for sql in [
        "UPDATE soap_notes SET document = '{}' WHERE id = ?1",
        "UPDATE soap_notes SET signed_by = 'someone else' WHERE id = ?1",
        "UPDATE soap_notes SET signed_by = NULL, signed_at = NULL WHERE id = ?1",
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
