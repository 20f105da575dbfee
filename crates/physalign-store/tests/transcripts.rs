//! Transcripts (whole and streamed), segments and clinical notes. They stay on the device: the
//! central API has no endpoint for them yet, so nothing is queued for upload.

mod common;

use common::{new_session, t0, temp_store};
use physalign_store::{OutboxCounts, SegmentRecord, StoreError, TranscriptRecord};
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

    assert!(store.outbox_entries(record.id).unwrap().is_empty());

    // Saving again replaces text and segments.
    let mut revised = record.clone();
    revised.text = "Revised.".into();
    revised.segments.truncate(1);
    revised.session_id = None;
    store.save_transcript(&revised).unwrap();
    assert_eq!(store.get_transcript(record.id).unwrap(), Some(revised));
    assert!(store.outbox_entries(record.id).unwrap().is_empty());
    // Only the session's own creation is queued.
    assert_eq!(store.outbox_counts().unwrap().pending, 1);
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

    assert!(store.outbox_entries(record.id).unwrap().is_empty());
    assert_eq!(store.outbox_counts().unwrap(), OutboxCounts::default());
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

    assert!(store.outbox_entries(id).unwrap().is_empty());
    assert_eq!(store.outbox_counts().unwrap(), OutboxCounts::default());
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

/// The defect of issue 13: a session transcribed with the microphone left `transcript` and
/// `clinical_note` outbox entries that could never be delivered. Stored the way the recording
/// engine does it (physalign-speech's `LiveTranscript`: an empty transcript, one append per
/// recognised segment, the final transcript; then the notes, revised once), in a real file.
#[test]
fn a_transcribed_session_queues_nothing_undeliverable() {
    let (_dir, path, store) = temp_store();
    let session = store.create_session(&new_session("squat", t0())).unwrap();
    let mut live = transcript(Some(session));
    let last = live.clone();
    live.text = String::new();
    live.segments.clear();
    store.save_transcript(&live).unwrap();
    for (i, part) in last.segments.iter().enumerate() {
        store
            .append_segment(live.id, &segment(i as i64, &part.text))
            .unwrap();
    }
    store.save_transcript(&last).unwrap();
    store
        .save_clinical_notes(last.id, &json!({"pain_reports": [{"score": 3.0}]}))
        .unwrap();
    let notes = store
        .save_clinical_notes(last.id, &json!({"pain_reports": [{"score": 2.0}]}))
        .unwrap();
    drop(store);

    let store = physalign_store::Store::open(&path).unwrap();
    assert_eq!(store.get_transcript(last.id).unwrap(), Some(last.clone()));
    assert_eq!(store.clinical_notes(last.id).unwrap().unwrap().id, notes);
    assert!(store.outbox_entries(last.id).unwrap().is_empty());
    assert!(store.outbox_entries(notes).unwrap().is_empty());
    // What is queued is the session's creation, and the central API accepts it.
    let queued = store.outbox_entries(session).unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!(
        store.outbox_counts().unwrap(),
        OutboxCounts {
            pending: 1,
            failed: 0,
            done: 0,
            other_identities: 0,
        }
    );
    assert!(store.failed_outbox(100).unwrap().is_empty());
}
