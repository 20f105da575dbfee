//! Saving transcripts and clinical notes in the local store (physalign-store), next to the
//! exercise session they belong to. Each save also queues the upload for sync (the store does).

use crate::notes::ClinicalNotes;
use crate::transcribe::{Segment, Transcript};
use crate::SpeechError;
use physalign_store::{SegmentRecord, Store, TranscriptRecord};
pub use uuid::Uuid;

/// Parses a session id given on the command line or by the app.
pub fn parse_session_id(text: &str) -> Result<Uuid, SpeechError> {
    Uuid::parse_str(text.trim()).map_err(|_| SpeechError::InvalidSessionId(text.to_string()))
}

fn segment_record(s: &Segment) -> SegmentRecord {
    SegmentRecord {
        start_ms: i64::try_from(s.start_ms).unwrap_or(i64::MAX),
        end_ms: i64::try_from(s.end_ms).unwrap_or(i64::MAX),
        text: s.text.clone(),
        confidence: Some(s.confidence),
        speaker: s.speaker.clone(),
    }
}

fn record(id: Uuid, session: Option<Uuid>, t: &Transcript) -> TranscriptRecord {
    TranscriptRecord {
        id,
        session_id: session,
        text: t.text.clone(),
        model: format!("ggml-{}", t.model),
        audio_seconds: t.audio_seconds,
        language: t.language.clone(),
        segments: t.segments.iter().map(segment_record).collect(),
    }
}

/// Saves a finished transcript; returns its new id.
pub fn save_transcript(
    store: &Store,
    transcript: &Transcript,
    session: Option<Uuid>,
) -> Result<Uuid, SpeechError> {
    Ok(store.save_transcript(&record(Uuid::new_v4(), session, transcript))?)
}

/// Saves the clinical notes of a stored transcript; returns the notes' id.
pub fn save_notes(
    store: &Store,
    transcript_id: Uuid,
    notes: &ClinicalNotes,
) -> Result<Uuid, SpeechError> {
    let value = serde_json::to_value(notes)
        .map_err(|e| SpeechError::Stream(format!("cannot serialise notes: {e}")))?;
    Ok(store.save_clinical_notes(transcript_id, &value)?)
}

/// A transcript that is stored while it streams: created empty, one row per recognised segment,
/// then replaced by the final version.
#[derive(Debug)]
pub struct LiveTranscript {
    id: Uuid,
    session: Option<Uuid>,
}

impl LiveTranscript {
    /// Creates the (empty) transcript row.
    pub fn begin(
        store: &Store,
        session: Option<Uuid>,
        model: &str,
        language: &str,
    ) -> Result<Self, SpeechError> {
        let empty = Transcript::from_segments(Vec::new(), 0.0, 0.0, model, language);
        let id = store.save_transcript(&record(Uuid::new_v4(), session, &empty))?;
        Ok(Self { id, session })
    }

    /// The transcript id.
    pub fn id(&self) -> Uuid {
        self.id
    }

    /// Appends a segment as soon as it is recognised.
    pub fn append(&self, store: &Store, segment: &Segment) -> Result<(), SpeechError> {
        store.append_segment(self.id, &segment_record(segment))?;
        Ok(())
    }

    /// Replaces the streamed rows by the final transcript.
    pub fn finish(self, store: &Store, transcript: &Transcript) -> Result<Uuid, SpeechError> {
        Ok(store.save_transcript(&record(self.id, self.session, transcript))?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notes::{NoteExtractor, RuleBasedExtractor};

    fn transcript() -> Transcript {
        let seg = |s: u64, text: &str| Segment {
            start_ms: s,
            end_ms: s + 1_500,
            text: text.into(),
            confidence: 0.8,
            speaker: Some("left".into()),
        };
        Transcript::from_segments(
            vec![
                seg(0, "My knee pain is a 3 out of 10."),
                seg(2_000, "I did 3 sets of 10 squats."),
            ],
            4.0,
            0.5,
            "tiny.en",
            "en",
        )
    }

    #[test]
    fn transcript_segments_and_notes_land_in_a_real_sqlite_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("device.sqlite")).unwrap();
        let t = transcript();
        let id = save_transcript(&store, &t, None).unwrap();
        let notes = RuleBasedExtractor.extract(&t.text);
        save_notes(&store, id, &notes).unwrap();

        let back = store.get_transcript(id).unwrap().expect("stored");
        assert_eq!(back.text, t.text);
        assert_eq!(back.model, "ggml-tiny.en");
        assert_eq!(back.segments.len(), 2);
        assert_eq!(back.segments[1].start_ms, 2_000);
        assert_eq!(back.segments[0].speaker.as_deref(), Some("left"));
        let stored_notes = store.clinical_notes(id).unwrap().expect("notes");
        assert_eq!(stored_notes.notes["pain_reports"][0]["score"], 3.0);
    }

    #[test]
    fn streamed_segments_are_appended_then_replaced_by_the_final_transcript() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("device.sqlite")).unwrap();
        let t = transcript();
        let live = LiveTranscript::begin(&store, None, "tiny.en", "en").unwrap();
        live.append(&store, &t.segments[0]).unwrap();
        let partial = store.get_transcript(live.id()).unwrap().unwrap();
        assert_eq!(partial.segments.len(), 1);
        assert_eq!(partial.text, "My knee pain is a 3 out of 10.");
        let id = live.finish(&store, &t).unwrap();
        let done = store.get_transcript(id).unwrap().unwrap();
        assert_eq!(done.segments.len(), 2);
        assert_eq!(done.text, t.text);
    }

    #[test]
    fn unknown_session_and_bad_ids_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("device.sqlite")).unwrap();
        assert!(matches!(
            parse_session_id("nope"),
            Err(SpeechError::InvalidSessionId(_))
        ));
        let err = save_transcript(&store, &transcript(), Some(Uuid::new_v4())).unwrap_err();
        assert!(matches!(err, SpeechError::Store(_)), "{err}");
    }
}
