//! Clinical notes signed on a clinician's device (issue 19): the device drafts the note from the
//! session's measurements and the transcript, the clinician edits and signs it there, and the
//! signed note, never a draft, travels to the server, which keeps it unchanged. Corrections are
//! amendments, each with its author and time.
//!
//! The note's full document (its SOAP sections, every statement with its evidence) is the
//! drafting engine's own versioned JSON and travels as it is; seed 004's extracted fields travel
//! typed beside it ([`NoteSummary`]), for the care team's other devices and the server's
//! analytics. (`/api/sessions/{id}/notes` is the patient device's remarks of issue 15.) A test in `physalign-workspace` checks that every draft the engine makes gives a
//! summary the server accepts.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::pagination::Pagination;

/// Longest text of one summary entry, in characters.
pub const MAX_SUMMARY_TEXT: usize = 2000;
/// Most entries of one summary list.
pub const MAX_SUMMARY_ENTRIES: usize = 50;
/// Longest clinician's own notes and amendment text, in characters.
pub const MAX_NOTE_TEXT: usize = 20_000;
/// Largest note document, in bytes of JSON.
pub const MAX_DOCUMENT_BYTES: usize = 1024 * 1024;

physalign_domain::wire_enum! {
    /// Seed 004's mood labels (its 1-5 scale).
    #[derive(ToSchema)]
    pub enum SessionMood {
        /// 1.
        VeryLow = "very_low",
        /// 2.
        Low = "low",
        /// 3.
        Neutral = "neutral",
        /// 4.
        Positive = "positive",
        /// 5.
        VeryPositive = "very_positive",
    }
}

impl SessionMood {
    /// Its place on seed 004's scale, 1 (very low) to 5 (very positive).
    pub const fn score(self) -> u8 {
        match self {
            SessionMood::VeryLow => 1,
            SessionMood::Low => 2,
            SessionMood::Neutral => 3,
            SessionMood::Positive => 4,
            SessionMood::VeryPositive => 5,
        }
    }
}

physalign_domain::wire_enum! {
    /// Seed 004's direction of the mood over the visit.
    #[derive(ToSchema)]
    pub enum MoodTrajectory {
        /// Better later.
        Improving = "improving",
        /// Worse later.
        Declining = "declining",
        /// About the same.
        Stable = "stable",
        /// Up and down.
        Fluctuating = "fluctuating",
    }
}

/// Seed 004's extracted notes, as the clinician signed them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteSummary {
    /// Main subjects discussed.
    pub key_topics: Vec<String>,
    /// The subjects in a sentence or two.
    pub topic_summary: Option<String>,
    /// Strategies and techniques (the exercises with their dose).
    pub strategies: Vec<String>,
    /// Tasks for the patient.
    pub action_items: Vec<String>,
    /// The session's mood.
    #[schema(value_type = Option<String>)]
    pub session_mood: Option<SessionMood>,
    /// How the mood went.
    #[schema(value_type = Option<String>)]
    pub mood_trajectory: Option<MoodTrajectory>,
    /// The clinician's own summary.
    pub therapist_notes: String,
    /// A summary for the patient.
    pub patient_summary: Option<String>,
    /// Safety concerns.
    pub risk_flags: Vec<String>,
}

/// `POST /api/notes`: a note signed on the caller's device. The signing clinician is the
/// caller; the names are as the device showed them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSignedNoteRequest {
    /// Client-generated id; an existing id answers `409 NOTE_EXISTS`.
    pub id: Uuid,
    /// The session the note is about (of a patient in the caller's care).
    pub session_id: Uuid,
    /// The transcript it was drafted from (it stays on the device).
    pub transcript_id: Option<Uuid>,
    /// Who drafted it, as the device names them.
    pub drafted_by: String,
    /// When the draft was made.
    pub drafted_at: DateTime<Utc>,
    /// Who signed it, as the device names them.
    pub signed_by: String,
    /// When it was signed.
    pub signed_at: DateTime<Utc>,
    /// The drafting engine's document as signed (a JSON object).
    #[schema(value_type = Object)]
    pub document: serde_json::Value,
    /// Seed 004's fields of the signed note.
    pub summary: NoteSummary,
}

/// `POST /api/notes/{id}/amendments`: a correction to a signed note, written on the caller's
/// device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateNoteAmendmentRequest {
    /// Client-generated id; an existing id answers `409 NOTE_AMENDMENT_EXISTS`.
    pub id: Uuid,
    /// Who wrote it, as the device names them.
    pub author: String,
    /// The correction.
    pub text: String,
    /// When it was written.
    pub created_at: DateTime<Utc>,
}

/// A correction to a signed note.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct NoteAmendmentRecord {
    /// Amendment id.
    pub id: Uuid,
    /// The amended note.
    pub note_id: Uuid,
    /// Who wrote it, as their device named them.
    pub author: String,
    /// The user id of the clinician who sent it.
    pub author_user_id: Uuid,
    /// The correction.
    pub text: String,
    /// When it was written.
    pub created_at: DateTime<Utc>,
}

/// A signed note as the server keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SignedNoteRecord {
    /// Note id.
    pub id: Uuid,
    /// The session it is about.
    pub session_id: Uuid,
    /// That session's patient (`patients.id`).
    pub patient_id: Uuid,
    /// The transcript it was drafted from (on the device).
    pub transcript_id: Option<Uuid>,
    /// Who drafted it.
    pub drafted_by: String,
    /// When the draft was made.
    pub drafted_at: DateTime<Utc>,
    /// Who signed it, as their device named them.
    pub signed_by: String,
    /// The user id of the signing clinician.
    pub signed_by_user_id: Uuid,
    /// When it was signed.
    pub signed_at: DateTime<Utc>,
    /// The drafting engine's document.
    #[schema(value_type = Object)]
    pub document: serde_json::Value,
    /// Seed 004's fields.
    pub summary: NoteSummary,
    /// Corrections, oldest first.
    pub amendments: Vec<NoteAmendmentRecord>,
    /// When the server received it.
    pub received_at: DateTime<Utc>,
}

/// A page of signed notes.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SignedNoteList {
    /// Notes on this page, by the time the server received them (or their latest amendment).
    pub data: Vec<SignedNoteRecord>,
    /// Position of this page.
    pub pagination: Pagination,
}

/// Filters of `GET /api/notes`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SignedNoteQuery {
    /// 1-based page number (default 1).
    pub page: Option<u32>,
    /// Notes per page (default 20, at most 100).
    pub per_page: Option<u32>,
    /// Only this patient's notes.
    pub patient_id: Option<Uuid>,
    /// Only the notes about this session.
    pub session_id: Option<Uuid>,
    /// Only notes received or amended at or after this time (a device's pull cursor).
    pub changed_since: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_summary_with_an_unknown_field_or_mood_is_refused() {
        let mut summary = serde_json::json!({
            "key_topics": ["knee pain"], "topic_summary": "Knee pain on stairs.",
            "strategies": ["squats 3 x 10"], "action_items": ["squats daily"],
            "session_mood": "positive", "mood_trajectory": "improving",
            "therapist_notes": "", "patient_summary": null, "risk_flags": []
        });
        let parsed: NoteSummary = serde_json::from_value(summary.clone()).expect("parses");
        assert_eq!(parsed.session_mood, Some(SessionMood::Positive));
        assert_eq!(serde_json::to_value(&parsed).expect("serialises"), summary);
        summary["session_mood"] = serde_json::json!("cheerful");
        assert!(serde_json::from_value::<NoteSummary>(summary.clone()).is_err());
        summary["session_mood"] = serde_json::json!(null);
        summary["mood"] = serde_json::json!(3);
        assert!(serde_json::from_value::<NoteSummary>(summary).is_err());
    }
}
