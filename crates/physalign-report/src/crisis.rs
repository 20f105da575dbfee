//! What the patient's device shows when a session's notes carry a crisis flag (self-harm or
//! suicide language, detected by the speech crate): what to do now, and whether the care team
//! has been told. Everything here works offline: no phone number of any particular country is
//! given (the patient's local emergency number is), and the care team is said to be notified
//! only once the notes have actually been delivered.
//!
//! The command line and the desktop window print and lay out [`CrisisResources`] as decided
//! here; neither words anything of its own.

use chrono::{DateTime, Duration, Utc};
use physalign_store::{OutboxOperation, OutboxStatus, RecordOrigin, Store, StoreError};
use serde::Serialize;
use uuid::Uuid;

/// How many days a crisis flag keeps the resources on the patient's start screen.
pub const RECENT_DAYS: i64 = 7;

/// How many of the latest sessions [`recent_crisis`] looks through (a week of sessions is far
/// fewer; the bound keeps the start screen quick on a long history).
const RECENT_SESSIONS_SCANNED: usize = 200;

/// Whether the care team knows of the crisis flag, as far as this device can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum CareTeamNotice {
    /// The notes with the flag were delivered (or came from the server): the care team has an
    /// alert.
    Notified,
    /// Queued: the notes go when this device is next online and signed in.
    WhenOnline,
    /// The patient's consent settings keep notes on this device: the app does not tell the care
    /// team.
    NotShared,
    /// Sending the notes failed for good: the care team has not been told.
    DeliveryFailed,
    /// The text was not part of a recorded session, so it stays on this device.
    NotSent,
}

/// What kind of help a step points to, so that the window can give each its look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum CrisisStepKind {
    /// Emergency services: danger now.
    Emergency,
    /// A crisis line of the patient's country.
    CrisisLine,
    /// Someone the patient trusts, with them now.
    TrustedPerson,
    /// Making the surroundings safer.
    SafeSurroundings,
    /// The patient's own care team.
    CareTeam,
}

/// One thing to do, in the order given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CrisisStep {
    /// What kind of help it is.
    pub kind: CrisisStepKind,
    /// The step, one or two sentences.
    pub text: String,
}

/// The crisis resources as shown: a headline, the steps in order and whether the care team
/// knows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CrisisResources {
    /// One line above everything else.
    pub headline: String,
    /// Why this shows, in one sentence.
    pub intro: String,
    /// What to do now, most urgent first (the last one is about the care team).
    pub steps: Vec<CrisisStep>,
    /// Whether the care team knows.
    pub care_team: CareTeamNotice,
    /// The session whose notes carry the flag; `None` for text outside a session.
    pub session_id: Option<Uuid>,
    /// When that session started.
    pub flagged_at: Option<DateTime<Utc>>,
}

/// The resources, with the care-team step worded for `care_team`.
pub fn resources(care_team: CareTeamNotice) -> CrisisResources {
    let step = |kind, text: &str| CrisisStep {
        kind,
        text: text.to_string(),
    };
    CrisisResources {
        headline: "You don't have to face this alone — help is available now".into(),
        intro: "Something you said sounded like you may be thinking about harming yourself or \
                ending your life."
            .into(),
        steps: vec![
            step(
                CrisisStepKind::Emergency,
                "If you are in danger or might act on these thoughts, call your local emergency \
                 number now or go to the nearest emergency department.",
            ),
            step(
                CrisisStepKind::CrisisLine,
                "Call or text a crisis line in your country: they are free and confidential, and \
                 many answer at any hour.",
            ),
            step(
                CrisisStepKind::TrustedPerson,
                "Tell someone you trust how you feel, and ask them to stay with you.",
            ),
            step(
                CrisisStepKind::SafeSurroundings,
                "Put away anything you could use to hurt yourself, such as medicines or sharp \
                 objects.",
            ),
            step(CrisisStepKind::CareTeam, care_team_text(care_team)),
        ],
        care_team,
        session_id: None,
        flagged_at: None,
    }
}

/// The care-team step: never claims more than the device knows.
fn care_team_text(notice: CareTeamNotice) -> &'static str {
    match notice {
        CareTeamNotice::Notified => {
            "Your care team has been sent what you said in this session. They may not read it \
             straight away: do not wait for them if you need help now."
        }
        CareTeamNotice::WhenOnline => {
            "Your care team will be told when this device is next online and signed in. Do not \
             wait for them if you need help now."
        }
        CareTeamNotice::NotShared => {
            "Your settings keep your notes on this device, so your care team has not been told. \
             Please tell them yourself."
        }
        CareTeamNotice::DeliveryFailed => {
            "Sending this to your care team did not work, so they have not been told. Please \
             tell them yourself."
        }
        CareTeamNotice::NotSent => {
            "This was not part of a recorded session, so it stays on this device and your care \
             team has not been told. Please tell them yourself."
        }
    }
}

/// Whether stored clinical notes carry a crisis flag (the speech crate's `crisis_alert`, the
/// same field sync reads).
pub fn notes_flag_crisis(notes: &serde_json::Value) -> bool {
    notes.get("crisis_alert").is_some_and(|v| !v.is_null())
}

/// The resources for a session whose latest notes carry a crisis flag; `None` when they do not
/// (or the session has no notes).
pub fn session_crisis(
    store: &Store,
    session_id: Uuid,
) -> Result<Option<CrisisResources>, StoreError> {
    let (_, notes) = store.session_transcript_and_notes(session_id)?;
    if !notes.as_ref().is_some_and(notes_flag_crisis) {
        return Ok(None);
    }
    let started = store.get_session(session_id)?.map(|d| d.session.started_at);
    let mut out = resources(care_team_notice(store, session_id)?);
    out.session_id = Some(session_id);
    out.flagged_at = started;
    Ok(Some(out))
}

/// Whether the care team knows of `session_id`'s notes: from where the session came from, the
/// patient's consent and the delivery of its `notes` outbox entries.
pub fn care_team_notice(store: &Store, session_id: Uuid) -> Result<CareTeamNotice, StoreError> {
    // Notes pulled from the server are already there.
    if store.session_origin(session_id)? == Some(RecordOrigin::Pulled) {
        return Ok(CareTeamNotice::Notified);
    }
    if !store.consent_settings()?.share_notes {
        return Ok(CareTeamNotice::NotShared);
    }
    let statuses: Vec<OutboxStatus> = store
        .outbox_entries(session_id)?
        .into_iter()
        .filter(|e| e.operation == OutboxOperation::Notes)
        .map(|e| e.status)
        .collect();
    // The latest notes are those of the last entry; earlier deliveries carried older notes.
    Ok(match statuses.last() {
        Some(OutboxStatus::Done) => CareTeamNotice::Notified,
        Some(OutboxStatus::Failed) => CareTeamNotice::DeliveryFailed,
        // Pending, or not queued yet because the session is still being recorded (its notes
        // are queued when it completes).
        Some(OutboxStatus::Pending) | None => CareTeamNotice::WhenOnline,
    })
}

/// The resources for the most recent session of the last [`RECENT_DAYS`] days whose notes
/// carry a crisis flag the patient has not acknowledged (`acknowledged` lists the sessions whose
/// resources the patient has read and closed); `None` when there is none.
pub fn recent_crisis(
    store: &Store,
    now: DateTime<Utc>,
    acknowledged: &[Uuid],
) -> Result<Option<CrisisResources>, StoreError> {
    let since = now - Duration::days(RECENT_DAYS);
    for session in store.list_sessions(RECENT_SESSIONS_SCANNED, 0)? {
        // Newest first: past the window, nothing older counts.
        if session.started_at < since {
            break;
        }
        if acknowledged.contains(&session.id) {
            continue;
        }
        if let Some(found) = session_crisis(store, session.id)? {
            return Ok(Some(found));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_steps_start_with_the_local_emergency_number_and_end_with_the_care_team() {
        let r = resources(CareTeamNotice::WhenOnline);
        assert_eq!(r.steps[0].kind, CrisisStepKind::Emergency);
        assert!(r.steps[0].text.contains("local emergency number"));
        let last = r.steps.last().expect("steps");
        assert_eq!(last.kind, CrisisStepKind::CareTeam);
        assert!(last
            .text
            .contains("will be told when this device is next online"));
        // No country's numbers are made up: the device does not know where the patient is.
        assert!(!r
            .steps
            .iter()
            .any(|s| s.text.chars().any(|c| c.is_ascii_digit())));
    }

    #[test]
    fn only_a_delivery_says_the_care_team_was_notified() {
        for notice in [
            CareTeamNotice::WhenOnline,
            CareTeamNotice::NotShared,
            CareTeamNotice::DeliveryFailed,
            CareTeamNotice::NotSent,
        ] {
            assert!(
                !care_team_text(notice).contains("has been sent"),
                "{notice:?}"
            );
        }
        assert!(care_team_text(CareTeamNotice::Notified).contains("has been sent"));
    }

    #[test]
    fn the_flag_is_the_crisis_alert_field() {
        assert!(notes_flag_crisis(
            &json!({"crisis_alert": {"keywords_matched": ["suicidal"]}})
        ));
        assert!(!notes_flag_crisis(&json!({"crisis_alert": null})));
        assert!(!notes_flag_crisis(&json!({"risk_flags": []})));
    }
}
