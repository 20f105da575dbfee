//! Finding a quoted sentence in a stored transcript: the span of segments that holds it, with
//! their start and end times. A quote that is not in the transcript has no evidence, and the
//! drafter drops what it supports.

use super::TranscriptSpan;
use physalign_store::TranscriptRecord;
use uuid::Uuid;

/// A transcript's text folded for matching (ASCII case and runs of whitespace ignored), with a
/// way back to the original text and its segments.
pub(crate) struct QuoteLocator {
    transcript_id: Uuid,
    /// The segments' texts joined by one space.
    text: String,
    /// Byte range in `text` and start/end milliseconds of each segment.
    segments: Vec<(usize, usize, i64, i64)>,
    folded: String,
    /// For each byte of `folded`, the byte of `text` it came from.
    origin: Vec<usize>,
}

fn fold(text: &str) -> (String, Vec<usize>) {
    let mut folded = String::with_capacity(text.len());
    let mut origin = Vec::with_capacity(text.len());
    let mut in_space = true;
    for (at, c) in text.char_indices() {
        if c.is_whitespace() {
            if !in_space {
                folded.push(' ');
                origin.push(at);
            }
            in_space = true;
            continue;
        }
        in_space = false;
        let c = c.to_ascii_lowercase();
        let mut buf = [0u8; 4];
        for _ in c.encode_utf8(&mut buf).bytes() {
            origin.push(at);
        }
        folded.push(c);
    }
    if folded.ends_with(' ') {
        folded.pop();
        origin.pop();
    }
    (folded, origin)
}

impl QuoteLocator {
    /// Indexes a stored transcript; one without segments (typed text) is one span over its
    /// whole audio length.
    pub(crate) fn new(transcript: &TranscriptRecord) -> Self {
        let mut text = String::new();
        let mut segments = Vec::new();
        let pieces: Vec<(&str, i64, i64)> = if transcript.segments.is_empty() {
            vec![(
                transcript.text.as_str(),
                0,
                (transcript.audio_seconds * 1000.0).round() as i64,
            )]
        } else {
            transcript
                .segments
                .iter()
                .map(|s| (s.text.as_str(), s.start_ms, s.end_ms))
                .collect()
        };
        for (piece, start_ms, end_ms) in pieces {
            let piece = piece.trim();
            if piece.is_empty() {
                continue;
            }
            if !text.is_empty() {
                text.push(' ');
            }
            let from = text.len();
            text.push_str(piece);
            segments.push((from, text.len(), start_ms, end_ms));
        }
        let (folded, origin) = fold(&text);
        Self {
            transcript_id: transcript.id,
            text,
            segments,
            folded,
            origin,
        }
    }

    /// The span holding `quote`, if the transcript says it.
    pub(crate) fn locate(&self, quote: &str) -> Option<TranscriptSpan> {
        let (needle, _) = fold(quote);
        if needle.is_empty() {
            return None;
        }
        let at = self.folded.find(&needle)?;
        let from = self.origin[at];
        let last = self.origin[at + needle.len() - 1];
        let to = last + self.text[last..].chars().next().map_or(1, char::len_utf8);
        let touched: Vec<&(usize, usize, i64, i64)> = self
            .segments
            .iter()
            .filter(|(s, e, _, _)| *s < to && *e > from)
            .collect();
        let first = touched.first()?;
        let last = touched.last()?;
        Some(TranscriptSpan {
            transcript_id: self.transcript_id,
            start_ms: first.2,
            end_ms: last.3,
            quote: self.text[from..to].to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use physalign_store::SegmentRecord;

    fn transcript(segments: &[(&str, i64, i64)]) -> TranscriptRecord {
        TranscriptRecord {
            id: Uuid::nil(),
            session_id: None,
            text: String::new(),
            model: "test".into(),
            audio_seconds: 10.0,
            language: "en".into(),
            segments: segments
                .iter()
                .map(|(text, start_ms, end_ms)| SegmentRecord {
                    start_ms: *start_ms,
                    end_ms: *end_ms,
                    text: text.to_string(),
                    confidence: None,
                    speaker: None,
                })
                .collect(),
        }
    }

    #[test]
    fn a_quote_across_segments_spans_both_and_keeps_the_transcripts_words() {
        let t = transcript(&[
            (" How is the knee?", 0, 1500),
            (" My left  knee hurts, about", 1500, 3000),
            (" three out of ten. Fine otherwise.", 3000, 5000),
        ]);
        let span = QuoteLocator::new(&t)
            .locate("my left knee hurts, about three out of ten.")
            .expect("found");
        assert_eq!((span.start_ms, span.end_ms), (1500, 5000));
        assert_eq!(span.quote, "My left  knee hurts, about three out of ten.");
    }

    #[test]
    fn a_quote_the_transcript_does_not_hold_has_no_span() {
        let t = transcript(&[("Knee is fine.", 0, 900)]);
        let locator = QuoteLocator::new(&t);
        assert!(locator.locate("Knee is sore.").is_none());
        assert!(locator.locate("  ").is_none());
        assert_eq!(locator.locate("knee IS fine").map(|s| s.end_ms), Some(900));
    }
}
