//! A session as the clinician reviews it: the skeleton replayed from the stored landmarks (no
//! video ever leaves the patient's device) with the followed joint angle at every frame, the
//! repetitions, the form issues at their moments, and the transcript with the sentences that
//! report pain marked (at their moment when the recording kept it).

use crate::curve::{named_angle, session_angle, stride_for};
use crate::WorkspaceError;
use physalign_analysis::Catalogue;
use physalign_store::{FormIssueEvent, RepetitionRecord, SessionOverview, Store};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Frames sent for a replay at most (two minutes at 30 frames a second); a longer session is
/// thinned evenly and replays at a lower rate.
pub const MAX_REPLAY_FRAMES: usize = 3600;

/// One frame of the replay.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReplayFrame {
    /// Milliseconds from the start of the recording.
    pub t_ms: i64,
    /// The 33 image landmarks as `[x, y, visibility]`, normalised to the picture (empty when
    /// nobody was in view).
    pub landmarks: Vec<[f32; 3]>,
    /// The followed angle in degrees, when measured.
    pub angle: Option<f32>,
}

/// A sentence of what the patient said.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TranscriptLine {
    /// When it was said, from the start of the recording (none for a transcript pulled as text).
    pub start_ms: Option<i64>,
    /// What was said.
    pub text: String,
    /// The pain score reported in it (a denial such as "no pain" is not one).
    pub pain: Option<f64>,
}

/// A session ready for the review screen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SessionReplay {
    /// The session as the lists show it (with its latest review).
    pub session: SessionOverview,
    /// The joint angle followed.
    pub angle: Option<String>,
    /// Frames per second of the replay (the recording's own, unless it was thinned).
    pub fps: f64,
    /// The frames, in time order.
    pub frames: Vec<ReplayFrame>,
    /// Every repetition (partial ones included), by index.
    pub repetitions: Vec<RepetitionRecord>,
    /// Form issues at their moments.
    pub form_issues: Vec<FormIssueEvent>,
    /// What the patient said, sentence by sentence.
    pub transcript: Vec<TranscriptLine>,
}

/// Pain reports of a clinical-notes document as `(quote, score)`, denials left out.
fn pain_quotes(notes: Option<&serde_json::Value>) -> Vec<(String, f64)> {
    notes
        .and_then(|n| n.get("pain_reports"))
        .and_then(|r| r.as_array())
        .map(|reports| {
            reports
                .iter()
                .filter(|r| r.get("denied").and_then(|d| d.as_bool()) != Some(true))
                .filter_map(|r| {
                    let score = r.get("score")?.as_f64()?;
                    let quote = r.get("quote")?.as_str()?.trim().to_lowercase();
                    (!quote.is_empty()).then_some((quote, score))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Splits text into sentences (at `.`, `!`, `?`), keeping each one's punctuation.
fn sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for c in text.chars() {
        current.push(c);
        if matches!(c, '.' | '!' | '?') {
            let s = current.trim();
            if !s.is_empty() {
                out.push(s.to_string());
            }
            current.clear();
        }
    }
    let rest = current.trim();
    if !rest.is_empty() {
        out.push(rest.to_string());
    }
    out
}

/// The transcript as lines with pain marked: timed segments when the recording kept them, else
/// the text's sentences. A line reports pain when it holds a pain report's quote, or the quote
/// holds it.
pub fn transcript_lines(
    segments: &[(i64, String)],
    text: Option<&str>,
    notes: Option<&serde_json::Value>,
) -> Vec<TranscriptLine> {
    let pains = pain_quotes(notes);
    let pain_of = |line: &str| {
        let lower = line.trim().to_lowercase();
        let needle = lower.trim_end_matches(['.', '!', '?']);
        pains
            .iter()
            .filter(|(quote, _)| {
                let quote = quote.trim_end_matches(['.', '!', '?']);
                !needle.is_empty() && (lower.contains(quote) || quote.contains(needle))
            })
            .map(|(_, score)| *score)
            .reduce(f64::max)
    };
    if !segments.is_empty() {
        return segments
            .iter()
            .map(|(start, line)| TranscriptLine {
                start_ms: Some(*start),
                text: line.trim().to_string(),
                pain: pain_of(line),
            })
            .collect();
    }
    text.map(sentences)
        .unwrap_or_default()
        .into_iter()
        .map(|line| TranscriptLine {
            start_ms: None,
            pain: pain_of(&line),
            text: line,
        })
        .collect()
}

/// The replay of `session_id`, at most [`MAX_REPLAY_FRAMES`] frames.
pub fn session_replay(
    store: &Store,
    catalogue: &Catalogue,
    session_id: Uuid,
) -> Result<SessionReplay, WorkspaceError> {
    let session = store
        .session_overview(session_id)?
        .ok_or(WorkspaceError::SessionNotFound(session_id))?;
    let detail = store
        .get_session(session_id)?
        .ok_or(WorkspaceError::SessionNotFound(session_id))?;
    let angle = session_angle(store, catalogue, session_id, &session.exercise_id)?;
    let total = usize::try_from(store.frame_count(session_id)?.max(0)).unwrap_or(0);
    let stride = stride_for(total, MAX_REPLAY_FRAMES);
    let mut frames = Vec::with_capacity(total.min(MAX_REPLAY_FRAMES));
    let mut n = 0usize;
    store.for_each_frame(session_id, |frame| {
        if n.is_multiple_of(stride) {
            frames.push(ReplayFrame {
                t_ms: frame.timestamp_ms,
                landmarks: frame
                    .landmarks
                    .iter()
                    .map(|l| [l.x, l.y, l.visibility])
                    .collect(),
                angle: angle.as_deref().and_then(|a| named_angle(&frame.angles, a)),
            });
        }
        n += 1;
        Ok(())
    })?;
    let fps = match (frames.first(), frames.last()) {
        (Some(a), Some(b)) if b.t_ms > a.t_ms && frames.len() > 1 => {
            (frames.len() - 1) as f64 * 1000.0 / (b.t_ms - a.t_ms) as f64
        }
        _ => 30.0,
    };
    let (text, notes) = store.session_transcript_and_notes(session_id)?;
    // The latest transcript's timed segments (one recorded here keeps them; pulled text has none).
    let segments: Vec<(i64, String)> = match store.transcripts_for_session(session_id)?.last() {
        Some(id) => store
            .get_transcript(*id)?
            .map(|t| {
                t.segments
                    .into_iter()
                    .map(|s| (s.start_ms, s.text))
                    .collect()
            })
            .unwrap_or_default(),
        None => Vec::new(),
    };
    Ok(SessionReplay {
        transcript: transcript_lines(&segments, text.as_deref(), notes.as_ref()),
        session,
        angle,
        fps,
        frames,
        repetitions: detail.repetitions,
        form_issues: detail.form_issues,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pain_remarks_are_marked_in_the_sentences_of_a_pulled_transcript() {
        let notes = json!({"pain_reports": [
            {"score": 6.0, "quote": "My knee hurts, six out of ten.", "denied": false},
            {"score": 0.0, "quote": "No pain in the back.", "denied": true}
        ]});
        let lines = transcript_lines(
            &[],
            Some("Starting now. My knee hurts, six out of ten. No pain in the back."),
            Some(&notes),
        );
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0].pain, None);
        assert_eq!(lines[1].pain, Some(6.0));
        assert_eq!(lines[2].pain, None, "a denial is not a pain remark");
        assert!(lines.iter().all(|l| l.start_ms.is_none()));
    }

    #[test]
    fn timed_segments_keep_their_moment() {
        let notes = json!({"pain_reports": [{"score": 3.0, "quote": "knee pain is 3 out of 10"}]});
        let lines = transcript_lines(
            &[
                (1200, "OK here we go".into()),
                (5400, " My knee pain is 3 out of 10 ".into()),
            ],
            None,
            Some(&notes),
        );
        assert_eq!(lines[1].start_ms, Some(5400));
        assert_eq!(lines[1].text, "My knee pain is 3 out of 10");
        assert_eq!(lines[1].pain, Some(3.0));
        assert_eq!(lines[0].pain, None);
    }
}
