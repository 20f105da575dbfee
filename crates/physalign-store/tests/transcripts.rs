//! Transcripts (whole and streamed), segments and clinical notes, with their outbox entries.

mod common;

use common::{new_session, t0, temp_store};
use physalign_store::outbox::{
    ENTITY_CLINICAL_NOTE, ENTITY_TRANSCRIPT, OP_APPEND_SEGMENT, OP_CREATE, OP_UPSERT,
};
use physalign_store::{SegmentRecord, StoreError, TranscriptRecord};
use serde_json::json;
use uuid::Uuid;

fn segment(i: i64, text: &str) -> SegmentRecord {
    SegmentRecord {
        start_ms: i * 2500,
        end_ms: i * 2500 + 2300,
        text: text.to_string(),
        confidence: if i % 2 == 0 { Some(0.87) } else { None },
        speaker: if i % 3 == 0 {
            Some("therapist".into())
        } else {
            None
        },
    }
}

fn transcript(session_id: Option<Uuid>) -> TranscriptRecord {
    TranscriptRecord {
        id: Uuid::new_v4(),
        session_id,
        text: "My left knee hurts when I squat. How long has it hurt? About two weeks.".into(),
        model: "ggml-base.en".into(),
        audio_seconds: 7.42,
        language: "en".into(),
        segments: vec![
            segment(0, " My left knee hurts when I squat."),
            segment(1, " How long has it hurt?"),
            segment(2, " About two weeks. Ünïcödé ✓"),
        ],
    }
}

#[test]
fn a_transcript_round_trips_with_its_segments() {
    let (_dir, _path, store) = temp_store();
    let session = store.create_session(&new_session("squat", t0())).unwrap();
    let record = transcript(Some(session));
    assert_eq!(store.save_transcript(&record).unwrap(), record.id);
    assert_eq!(
        store.get_transcript(record.id).unwrap(),
        Some(record.clone())
    );
    assert_eq!(
        store.transcripts_for_session(session).unwrap(),
        vec![record.id]
    );

    let entries = store.outbox_entries(record.id).unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].entity_type, ENTITY_TRANSCRIPT);
    assert_eq!(entries[0].operation, OP_CREATE);
    let uploaded: TranscriptRecord = serde_json::from_value(entries[0].payload.clone()).unwrap();
    assert_eq!(uploaded, record);

    // Saving again replaces text and segments and is queued as an upsert.
    let mut revised = record.clone();
    revised.text = "Revised.".into();
    revised.segments.truncate(1);
    revised.session_id = None;
    store.save_transcript(&revised).unwrap();
    assert_eq!(store.get_transcript(record.id).unwrap(), Some(revised));
    let ops: Vec<_> = store
        .outbox_entries(record.id)
        .unwrap()
        .into_iter()
        .map(|e| e.operation)
        .collect();
    assert_eq!(ops, [OP_CREATE, OP_UPSERT]);
}

#[test]
fn streamed_segments_append_in_order() {
    let (_dir, _path, store) = temp_store();
    let mut record = transcript(None);
    record.text = String::new();
    record.segments.clear();
    store.save_transcript(&record).unwrap();
    let parts = [" Bend your knees.", " Keep your back straight.", " Good."];
    for (i, text) in parts.iter().enumerate() {
        let seq = store
            .append_segment(record.id, &segment(i as i64, text))
            .unwrap();
        assert_eq!(seq, i as i64);
    }
    let stored = store.get_transcript(record.id).unwrap().unwrap();
    assert_eq!(
        stored.text,
        "Bend your knees. Keep your back straight. Good."
    );
    let expected: Vec<_> = parts
        .iter()
        .enumerate()
        .map(|(i, t)| segment(i as i64, t))
        .collect();
    assert_eq!(stored.segments, expected);

    let entries = store.outbox_entries(record.id).unwrap();
    let ops: Vec<_> = entries.iter().map(|e| e.operation.as_str()).collect();
    assert_eq!(
        ops,
        [
            OP_CREATE,
            OP_APPEND_SEGMENT,
            OP_APPEND_SEGMENT,
            OP_APPEND_SEGMENT
        ]
    );
    assert_eq!(entries[2].payload["seq"], 1);
    assert_eq!(entries[2].payload["segment"]["text"], parts[1]);
    // Only the create is deliverable until it is done: segments follow their transcript.
    assert_eq!(store.pending_outbox(10).unwrap().len(), 1);
}

#[test]
fn clinical_notes_save_and_replace() {
    let (_dir, _path, store) = temp_store();
    let record = transcript(None);
    store.save_transcript(&record).unwrap();
    assert!(store.clinical_notes(record.id).unwrap().is_none());

    let first = json!({"subjective": "left knee pain for two weeks", "pain_scale": 4,
                       "plan": ["wall sits", "glute bridges"]});
    let id = store.save_clinical_notes(record.id, &first).unwrap();
    let stored = store.clinical_notes(record.id).unwrap().unwrap();
    assert_eq!(
        (stored.id, stored.transcript_id, stored.version),
        (id, record.id, 1)
    );
    assert_eq!(stored.notes, first);

    let second = json!({"subjective": "pain down to 2/10"});
    assert_eq!(store.save_clinical_notes(record.id, &second).unwrap(), id);
    let replaced = store.clinical_notes(record.id).unwrap().unwrap();
    assert_eq!((replaced.notes, replaced.version), (second, 2));
    assert_eq!(replaced.created_at, stored.created_at);

    let entries = store.outbox_entries(id).unwrap();
    assert_eq!(entries.len(), 2);
    assert!(entries
        .iter()
        .all(|e| e.entity_type == ENTITY_CLINICAL_NOTE && e.operation == OP_UPSERT));
    assert_eq!(entries[1].payload["version"], 2);
}

#[test]
fn unknown_transcripts_are_errors() {
    let (_dir, _path, store) = temp_store();
    let missing = Uuid::new_v4();
    assert!(matches!(
        store.append_segment(missing, &segment(0, "x")),
        Err(StoreError::TranscriptNotFound(id)) if id == missing
    ));
    assert!(matches!(
        store.save_clinical_notes(missing, &json!({})),
        Err(StoreError::TranscriptNotFound(_))
    ));
    assert!(store.get_transcript(missing).unwrap().is_none());
    assert_eq!(store.outbox_counts().unwrap().pending, 0);
}
