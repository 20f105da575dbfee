//! Seed 002's transcript retention on the device (issue 19): transcripts are purged 90 days
//! after their session unless saved (indefinitely, or for a number of days), deletable on
//! request; deletions and saves are queued for the server, purges are not (the server purges by
//! the same rule), and what the server removed is applied without queueing anything.

mod common;

use chrono::Duration;
use common::{new_session, t0, temp_store};
use physalign_store::{
    OutboxOperation, RemoteTranscriptRetention, SegmentRecord, Store, StoreError, TranscriptRecord,
    TranscriptRemoval,
};
use serde_json::json;
use uuid::Uuid;

/// A session started `days` after t0 with a two-segment transcript and its notes.
fn session_with_transcript(store: &Store, days: i64) -> (Uuid, Uuid) {
    let session = store
        .create_session(&new_session("squat", t0() + Duration::days(days)))
        .unwrap();
    let transcript = TranscriptRecord {
        id: Uuid::new_v4(),
        session_id: Some(session),
        text: "Knee pain three out of ten. Easier than last week.".into(),
        model: "ggml-tiny.en".into(),
        audio_seconds: 4.2,
        language: "en".into(),
        segments: vec![
            SegmentRecord {
                start_ms: 0,
                end_ms: 2100,
                text: "Knee pain three out of ten.".into(),
                confidence: None,
                speaker: None,
            },
            SegmentRecord {
                start_ms: 2100,
                end_ms: 4200,
                text: "Easier than last week.".into(),
                confidence: None,
                speaker: None,
            },
        ],
    };
    store.save_transcript(&transcript).unwrap();
    store
        .save_clinical_notes(transcript.id, &json!({"pain_reports": [{"score": 3}]}))
        .unwrap();
    (session, transcript.id)
}

fn text_of(store: &Store, transcript: Uuid) -> (String, usize) {
    let t = store.get_transcript(transcript).unwrap().unwrap();
    (t.text, t.segments.len())
}

/// The retention entries queued for the session (its creation is queued too).
fn operations(store: &Store, session: Uuid) -> Vec<OutboxOperation> {
    store
        .outbox_entries(session)
        .unwrap()
        .into_iter()
        .map(|e| e.operation)
        .filter(|o| *o != OutboxOperation::Create)
        .collect()
}

#[test]
fn transcripts_are_purged_ninety_days_after_the_session_unless_saved() {
    let (_dir, _path, store) = temp_store();
    let (plain, plain_t) = session_with_transcript(&store, 0);
    let (forever, forever_t) = session_with_transcript(&store, 0);
    let (year, year_t) = session_with_transcript(&store, 0);
    let (later, later_t) = session_with_transcript(&store, 60);

    let r = store.transcript_retention(plain).unwrap().unwrap();
    assert_eq!(r.purge_at, Some(t0() + Duration::days(90)));
    assert!(!r.saved && r.removed.is_none());
    let saved = store.save_session_transcript(forever, None).unwrap();
    assert!(saved.saved && saved.purge_at.is_none());
    let saved = store.save_session_transcript(year, Some(365)).unwrap();
    assert_eq!(saved.purge_at, Some(t0() + Duration::days(365)));
    // A save shorter than the automatic retention would shorten it: refused.
    assert!(matches!(
        store.save_session_transcript(later, Some(30)),
        Err(StoreError::Invalid { .. })
    ));
    // Saves travel to the server.
    assert_eq!(
        operations(&store, year),
        vec![OutboxOperation::SaveTranscript]
    );

    assert!(store
        .purge_expired_transcripts(t0() + Duration::days(89))
        .unwrap()
        .is_empty());
    let purged = store
        .purge_expired_transcripts(t0() + Duration::days(91))
        .unwrap();
    assert_eq!(purged, vec![plain]);
    // The words and their timing are gone; the clinical notes drawn from them stay.
    assert_eq!(text_of(&store, plain_t), (String::new(), 0));
    let (_, notes) = store.session_transcript_and_notes(plain).unwrap();
    assert_eq!(notes.unwrap()["pain_reports"][0]["score"], 3);
    let r = store.transcript_retention(plain).unwrap().unwrap();
    assert_eq!(r.removed, Some(TranscriptRemoval::Purged));
    assert_eq!(r.purge_at, None);
    // A purge is not sent: the server purges by the same rule.
    assert!(operations(&store, plain).is_empty());
    // Once gone, it stays gone: a new transcript for the session is refused.
    let again = TranscriptRecord {
        id: Uuid::new_v4(),
        session_id: Some(plain),
        text: "again".into(),
        model: "m".into(),
        audio_seconds: 1.0,
        language: "en".into(),
        segments: vec![],
    };
    assert!(matches!(
        store.save_transcript(&again),
        Err(StoreError::TranscriptRemoved {
            reason: TranscriptRemoval::Purged,
            ..
        })
    ));

    let mut purged = store
        .purge_expired_transcripts(t0() + Duration::days(366))
        .unwrap();
    purged.sort();
    let mut expected = vec![year, later];
    expected.sort();
    assert_eq!(purged, expected);
    assert_eq!(text_of(&store, year_t).1, 0);
    assert_eq!(text_of(&store, later_t).1, 0);
    assert_eq!(text_of(&store, forever_t).1, 2, "saved indefinitely");
}

#[test]
fn a_deletion_is_queued_once_and_a_removal_from_the_server_is_applied_quietly() {
    let (_dir, _path, store) = temp_store();
    let (mine, mine_t) = session_with_transcript(&store, 0);
    store.delete_session_transcript(mine).unwrap();
    assert_eq!(text_of(&store, mine_t), (String::new(), 0));
    assert_eq!(
        store.transcript_retention(mine).unwrap().unwrap().removed,
        Some(TranscriptRemoval::Deleted)
    );
    assert_eq!(
        operations(&store, mine),
        vec![OutboxOperation::DeleteTranscript]
    );
    // Twice: refused, nothing more queued; saving a deleted one is refused too.
    assert!(matches!(
        store.delete_session_transcript(mine),
        Err(StoreError::TranscriptRemoved { .. })
    ));
    assert!(matches!(
        store.save_session_transcript(mine, None),
        Err(StoreError::TranscriptRemoved { .. })
    ));
    assert_eq!(operations(&store, mine).len(), 1);
    // A session without a transcript has nothing to delete.
    let bare = store.create_session(&new_session("squat", t0())).unwrap();
    assert!(matches!(
        store.delete_session_transcript(bare),
        Err(StoreError::SessionHasNoTranscript(id)) if id == bare
    ));
    assert_eq!(store.transcript_retention(bare).unwrap(), None);

    // Deleted on the server (the patient's other device): removed here, nothing queued.
    let (theirs, theirs_t) = session_with_transcript(&store, 0);
    let at = t0() + Duration::days(3);
    store
        .apply_remote_transcript_retention(
            theirs,
            RemoteTranscriptRetention::Removed {
                reason: TranscriptRemoval::Deleted,
                at,
            },
        )
        .unwrap();
    assert_eq!(text_of(&store, theirs_t).1, 0);
    let r = store.transcript_retention(theirs).unwrap().unwrap();
    assert_eq!(
        (r.removed, r.removed_at),
        (Some(TranscriptRemoval::Deleted), Some(at))
    );
    assert!(operations(&store, theirs).is_empty());
    // Saved on the server: kept here beyond 90 days too.
    let (kept, kept_t) = session_with_transcript(&store, 0);
    store
        .apply_remote_transcript_retention(kept, RemoteTranscriptRetention::Saved { until: None })
        .unwrap();
    store
        .purge_expired_transcripts(t0() + Duration::days(400))
        .unwrap();
    assert_eq!(text_of(&store, kept_t).1, 2);
    assert!(operations(&store, kept).is_empty());
}
