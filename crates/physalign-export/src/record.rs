//! A patient's record as the local store holds it, gathered once for every export format: who
//! the patient is, their sessions with repetitions, holds, pain and reviews, their program, and
//! the clinicians involved. Only that patient's rows are read; another patient's never are.

use crate::ExportError;
use chrono::{DateTime, NaiveDate, Utc};
use physalign_analysis::hold::Hold;
use physalign_analysis::Catalogue;
use physalign_api::auth::Role;
use physalign_api::patients::PatientProfile;
use physalign_outcomes::Responses;
use physalign_store::sync_state::RemoteRecordKind;
use physalign_store::{
    GoniometerRecord, ProgramItem, SessionDetail, SessionOverview, SessionReview, Store,
};
use physalign_workspace::curve::session_angle;
use serde::Deserialize;
use std::collections::BTreeSet;
use uuid::Uuid;

/// Who the record is about.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Subject {
    /// PhysAlign's patient id, when this device knows it (a clinician's roster, or the patient's
    /// own profile pulled by sync).
    pub patient_id: Option<Uuid>,
    /// The patient's account id, on their own device.
    pub user_id: Option<Uuid>,
    /// Whether this is the patient's own device (sessions recorded here belong to them even
    /// without a patient id).
    pub own_device: bool,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Date of birth.
    pub birth_date: Option<NaiveDate>,
}

/// A clinician named in the record.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ClinicianRef {
    /// Their PhysAlign user id.
    pub user_id: Uuid,
    /// Their e-mail, when known (the clinician signed in on this device).
    pub email: Option<String>,
}

/// Which side a pain statement was about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PainSide {
    /// Left.
    Left,
    /// Right.
    Right,
    /// Both.
    Both,
}

/// A pain rating said in a session (the session's clinical notes), not denied.
#[derive(Debug, Clone, PartialEq)]
pub struct PainRating {
    /// 0–10.
    pub score: f64,
    /// The body part said, e.g. `knee`.
    pub body_part: Option<String>,
    /// The side said.
    pub side: Option<PainSide>,
    /// Hedged or a range ("about 3", "3 or 4").
    pub approximate: bool,
}

/// One session of the record with everything measured in it.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionRecord {
    /// The session as the lists show it.
    pub overview: SessionOverview,
    /// Its row, repetitions and form issues.
    pub detail: SessionDetail,
    /// The exercise's name.
    pub exercise_name: String,
    /// The joint angle the repetitions measured, e.g. `knee` or `knee_left`.
    pub angle: Option<String>,
    /// Timed holds.
    pub holds: Vec<Hold>,
    /// Pain ratings said in it.
    pub pain: Vec<PainRating>,
    /// Clinicians' reviews, newest first.
    pub reviews: Vec<SessionReview>,
}

/// A completed outcome measure.
#[derive(Debug, Clone, PartialEq)]
pub struct OutcomeRecord {
    /// The response's id.
    pub id: Uuid,
    /// The instrument and the answers in form order.
    pub responses: Responses,
    /// When it was answered.
    pub authored: DateTime<Utc>,
}

/// A patient's record.
#[derive(Debug, Clone, PartialEq)]
pub struct PatientRecord {
    /// Who.
    pub subject: Subject,
    /// Sessions, oldest first.
    pub sessions: Vec<SessionRecord>,
    /// Camera goniometer readings of held positions taken in clinic, oldest first.
    pub goniometer: Vec<GoniometerRecord>,
    /// Completed outcome measures, oldest first.
    pub outcomes: Vec<OutcomeRecord>,
    /// Program items with their exercises' names.
    pub program: Vec<(ProgramItem, String)>,
    /// The clinician signed in on this device, when one is.
    pub signed_in_clinician: Option<ClinicianRef>,
}

impl PatientRecord {
    /// The clinicians involved: the one signed in here and every reviewer, once each.
    pub fn clinicians(&self) -> Vec<ClinicianRef> {
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        if let Some(c) = &self.signed_in_clinician {
            seen.insert(c.user_id);
            out.push(c.clone());
        }
        let reviewers = self
            .sessions
            .iter()
            .flat_map(|s| &s.reviews)
            .map(|r| r.physiotherapist_id);
        let takers = self.goniometer.iter().map(|g| g.taken_by);
        for id in reviewers.chain(takers).flatten() {
            if seen.insert(id) {
                out.push(ClinicianRef {
                    user_id: id,
                    email: None,
                });
            }
        }
        out
    }
}

/// The `pain_reports` of a clinical-notes document, as the notes extractor writes them.
#[derive(Debug, Deserialize)]
struct NotesPain {
    #[serde(default)]
    pain_reports: Vec<PainStatement>,
}

#[derive(Debug, Deserialize)]
struct PainStatement {
    #[serde(default)]
    body_part: Option<String>,
    #[serde(default)]
    laterality: Option<PainSide>,
    #[serde(default)]
    score: Option<f64>,
    #[serde(default)]
    approximate: bool,
    #[serde(default)]
    denied: bool,
}

fn pain_ratings(session: Uuid, notes: &serde_json::Value) -> Result<Vec<PainRating>, ExportError> {
    let notes: NotesPain =
        serde_json::from_value(notes.clone()).map_err(|e| ExportError::StoredData {
            what: "clinical notes",
            session,
            detail: e.to_string(),
        })?;
    Ok(notes
        .pain_reports
        .into_iter()
        .filter(|p| !p.denied)
        .filter_map(|p| {
            let score = p.score.filter(|s| (0.0..=10.0).contains(s))?;
            Some(PainRating {
                score,
                body_part: p.body_part,
                side: p.laterality,
                approximate: p.approximate,
            })
        })
        .collect())
}

fn holds_of(session: Uuid, report: Option<&serde_json::Value>) -> Result<Vec<Hold>, ExportError> {
    match report.and_then(|r| r.get("holds")) {
        None | Some(serde_json::Value::Null) => Ok(Vec::new()),
        Some(holds) => serde_json::from_value(holds.clone()).map_err(|e| ExportError::StoredData {
            what: "session report holds",
            session,
            detail: e.to_string(),
        }),
    }
}

/// Whose record to export: the patient named, or (`None`) this device's own patient.
///
/// On a patient's own device (signed in as a patient, or never signed in) `patient` may be
/// omitted; a named patient must then be the device's own. A clinician's device needs it.
pub fn resolve_subject(store: &Store, patient: Option<Uuid>) -> Result<Subject, ExportError> {
    let identity = store.sync_identity()?;
    let role = identity
        .as_ref()
        .and_then(|i| i.role.as_deref())
        .and_then(Role::parse);
    let own_device = match (&identity, role) {
        (None, _) => patient.is_none(),
        (Some(_), Some(Role::Patient)) => true,
        (Some(_), _) => false,
    };
    if !own_device {
        let Some(id) = patient else {
            return Err(ExportError::PatientRequired);
        };
        let roster = store.care_patients()?;
        let on_roster = roster.iter().find(|p| p.patient.patient_id == id);
        let known = on_roster.is_some()
            || !store.session_overviews(Some(id))?.is_empty()
            || !store.program_items(Some(id))?.is_empty();
        if !known {
            return Err(ExportError::PatientNotFound(id));
        }
        return Ok(Subject {
            patient_id: Some(id),
            first_name: on_roster.map(|p| p.patient.first_name.clone()),
            last_name: on_roster.map(|p| p.patient.last_name.clone()),
            email: on_roster.and_then(|p| p.patient.email.clone()),
            ..Subject::default()
        });
    }
    let profile: Option<PatientProfile> = store
        .remote_records(RemoteRecordKind::PatientProfile)?
        .into_iter()
        .find_map(|r| serde_json::from_value(r.record).ok());
    let user_id = identity.as_ref().and_then(|i| i.user_id);
    let subject = Subject {
        patient_id: profile.as_ref().map(|p| p.id),
        user_id,
        own_device: true,
        first_name: profile.as_ref().and_then(|p| p.first_name.clone()),
        last_name: profile.as_ref().and_then(|p| p.last_name.clone()),
        email: profile
            .as_ref()
            .map(|p| p.email.clone())
            .or_else(|| identity.as_ref().map(|i| i.email.clone())),
        phone: profile.as_ref().and_then(|p| p.phone.clone()),
        birth_date: profile.as_ref().and_then(|p| p.date_of_birth),
    };
    if let Some(id) = patient {
        if Some(id) != subject.patient_id && Some(id) != subject.user_id {
            return Err(ExportError::NotThisDevicesPatient(id));
        }
    }
    Ok(subject)
}

/// Whether a row with `patient_id` belongs to `subject`.
fn belongs(subject: &Subject, patient_id: Option<Uuid>) -> bool {
    match patient_id {
        None => subject.own_device,
        Some(id) => {
            Some(id) == subject.patient_id || (subject.own_device && (Some(id) == subject.user_id))
        }
    }
}

/// The record of `patient` (or of this device's own patient) from the store.
pub fn load_record(
    store: &Store,
    catalogue: &Catalogue,
    patient: Option<Uuid>,
) -> Result<PatientRecord, ExportError> {
    let subject = resolve_subject(store, patient)?;
    let overviews = if subject.own_device {
        store.session_overviews(None)?
    } else {
        store.session_overviews(subject.patient_id)?
    };
    let exercise_name = |id: &str| {
        catalogue
            .get(id)
            .map(|e| e.name.clone())
            .unwrap_or_else(|_| id.to_string())
    };
    let mut sessions = Vec::new();
    // Oldest first.
    for overview in overviews.into_iter().rev() {
        if !belongs(&subject, overview.patient_id) {
            continue;
        }
        let id = overview.session_id;
        let detail = store.get_session(id)?.ok_or(ExportError::Store(
            physalign_store::StoreError::SessionNotFound(id),
        ))?;
        let (_, notes) = store.session_transcript_and_notes(id)?;
        let pain = notes
            .as_ref()
            .map(|n| pain_ratings(id, n))
            .transpose()?
            .unwrap_or_default();
        let holds = holds_of(id, detail.session.report.as_ref())?;
        sessions.push(SessionRecord {
            exercise_name: exercise_name(&overview.exercise_id),
            angle: session_angle(store, catalogue, id, &overview.exercise_id)?,
            reviews: store.session_reviews(id)?,
            overview,
            detail,
            holds,
            pain,
        });
    }
    let items = if subject.own_device {
        store.program_items(None)?
    } else {
        store.program_items(subject.patient_id)?
    };
    let program = items
        .into_iter()
        .filter(|item| {
            // A patient's own device holds only their items, whatever id sync gave them.
            subject.own_device && subject.patient_id.is_none()
                || belongs(&subject, Some(item.patient_id))
        })
        .map(|item| {
            let name = exercise_name(&item.exercise_id);
            (item, name)
        })
        .collect();
    let mut goniometer = match subject.patient_id {
        Some(id) => store.goniometer_readings(id)?,
        None => Vec::new(),
    };
    goniometer.reverse();
    let outcomes = match subject.patient_id {
        Some(id) => store
            .outcome_responses(id)?
            .into_iter()
            .map(|response| OutcomeRecord {
                id: response.taken.id,
                responses: Responses {
                    instrument: response.taken.instrument,
                    answers: response.taken.answers,
                },
                authored: response.taken.completed_at,
            })
            .collect(),
        None => Vec::new(),
    };
    let identity = store.sync_identity()?;
    let signed_in_clinician = identity.and_then(|i| {
        let role = i.role.as_deref().and_then(Role::parse)?;
        (role != Role::Patient).then_some(())?;
        Some(ClinicianRef {
            user_id: i.user_id?,
            email: Some(i.email),
        })
    });
    Ok(PatientRecord {
        subject,
        sessions,
        goniometer,
        outcomes,
        program,
        signed_in_clinician,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn denied_and_unscored_pain_is_left_out() {
        let notes = serde_json::json!({"pain_reports": [
            {"score": 3.0, "body_part": "knee", "laterality": "left", "approximate": false,
             "denied": false, "quote": "left knee 3 out of 10"},
            {"score": 7.0, "denied": true, "quote": "no pain"},
            {"body_part": "back", "quote": "my back"},
        ]});
        let ratings = pain_ratings(Uuid::nil(), &notes).unwrap();
        assert_eq!(ratings.len(), 1);
        assert_eq!(ratings[0].score, 3.0);
        assert_eq!(ratings[0].side, Some(PainSide::Left));
    }
}
