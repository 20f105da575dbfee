//! Patient-reported outcome measures in the chart and on the patient's Today (issue 19):
//! per instrument, the scores over time with their trend against the MCID, the published
//! severity band of the latest, and, for the instruments of the patient's outcome plan, the
//! schedule (intake, every 30 days, discharge) with what is due or overdue now.
//!
//! Everything is read from the local store, offline; the rules are `physalign-outcomes`'
//! (scoring, MCID, schedule windows). The day a questionnaire counts for is its UTC day, as
//! for the monitoring's days with data; the schedule's windows (a week each side) absorb the
//! difference from a local day. Both the clinician's chart and the patient's own app use this
//! module: nothing here needs a clinician signed in, and what a device holds is already
//! limited to the patients its account sees.

use crate::WorkspaceError;
use chrono::{DateTime, NaiveDate, Utc};
use physalign_outcomes::{
    disability_band, DatedScore, Direction, DisabilityBand, Instrument, Occasion, OccasionStatus,
    Schedule, Trend,
};
use physalign_store::{
    sync_state::RemoteRecordKind, NewOutcomeResponse, OutcomePlan, OutcomeResponse, Respondent,
    Store,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One completed questionnaire in the chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OutcomePoint {
    /// The questionnaire's id.
    pub id: Uuid,
    /// When it was completed.
    pub completed_at: DateTime<Utc>,
    /// Its score on the instrument's scale.
    pub score: f64,
    /// Who answered.
    pub respondent: Respondent,
    /// PSFS: the activities named.
    pub activities: Vec<String>,
}

/// One instrument's scores and, when planned, its schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct InstrumentOutcomes {
    /// The instrument.
    pub instrument: Instrument,
    /// Its printed name (e.g. "KOOS JR").
    pub name: String,
    /// Which way is better.
    pub direction: Direction,
    /// Its highest score (the lowest is 0).
    pub max: f64,
    /// Its minimal clinically important difference.
    pub mcid: f64,
    /// Whether the outcome plan asks for it.
    pub planned: bool,
    /// The questionnaires, oldest first.
    pub points: Vec<OutcomePoint>,
    /// First to latest against the MCID; none before the first questionnaire.
    pub trend: Option<Trend>,
    /// The latest score's published severity band (ODI, NDI).
    pub latest_band: Option<DisabilityBand>,
    /// The plan's schedule as of today (planned instruments only).
    pub schedule: Option<Schedule>,
}

/// A questionnaire to fill in now: due or overdue on the plan's schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DueQuestionnaire {
    /// The instrument.
    pub instrument: Instrument,
    /// Its printed name.
    pub name: String,
    /// The occasion (intake, follow-up, discharge) with its due day and status.
    pub occasion: Occasion,
}

/// A patient's outcome plan as the chart shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PlanView {
    /// The instruments asked.
    pub instruments: Vec<Instrument>,
    /// The intake day.
    pub started_on: NaiveDate,
    /// The discharge day, when known.
    pub discharge_on: Option<NaiveDate>,
    /// When it was last changed.
    pub updated_at: DateTime<Utc>,
}

/// A patient's outcome measures: the plan, every instrument with a plan or a questionnaire,
/// and what is due now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OutcomeOverview {
    /// The patient.
    pub patient_id: Uuid,
    /// The day the schedule is computed for.
    pub today: NaiveDate,
    /// The outcome plan, when one is kept.
    pub plan: Option<PlanView>,
    /// Planned instruments in the plan's order, then the others answered, by name.
    pub instruments: Vec<InstrumentOutcomes>,
    /// Due and overdue questionnaires, earliest due first.
    pub due: Vec<DueQuestionnaire>,
}

/// The patient this device belongs to, from the profile the sync pulled; none on a clinician's
/// device or before the first sync.
pub fn own_patient_id(store: &Store) -> Result<Option<Uuid>, WorkspaceError> {
    Ok(store
        .remote_records(RemoteRecordKind::PatientProfile)?
        .into_iter()
        .find_map(|record| {
            record
                .record
                .get("id")
                .and_then(serde_json::Value::as_str)
                .and_then(|id| Uuid::parse_str(id).ok())
        }))
}

/// The UTC day a questionnaire counts for.
fn day_of(response: &OutcomeResponse) -> NaiveDate {
    response.taken.completed_at.date_naive()
}

fn summarise(
    instrument: Instrument,
    responses: &[&OutcomeResponse],
    plan: Option<&OutcomePlan>,
    today: NaiveDate,
) -> Result<InstrumentOutcomes, WorkspaceError> {
    let scores: Vec<DatedScore> = responses
        .iter()
        .map(|r| DatedScore {
            date: day_of(r),
            value: r.score,
        })
        .collect();
    let trend = if scores.is_empty() {
        None
    } else {
        Some(
            Trend::from_scores(instrument, &scores).map_err(|e| WorkspaceError::Invalid {
                what: "outcome scores",
                detail: e.to_string(),
            })?,
        )
    };
    let planned = plan.is_some_and(|p| p.instruments.contains(&instrument));
    let schedule = match plan.filter(|_| planned) {
        Some(plan) => {
            let completed: Vec<NaiveDate> = scores.iter().map(|s| s.date).collect();
            Some(
                Schedule::build(plan.started_on, &completed, plan.discharge_on, today).map_err(
                    |e| WorkspaceError::Invalid {
                        what: "outcome plan",
                        detail: e.to_string(),
                    },
                )?,
            )
        }
        None => None,
    };
    Ok(InstrumentOutcomes {
        instrument,
        name: instrument.display_name().to_string(),
        direction: instrument.direction(),
        max: instrument.max_score(),
        mcid: instrument.mcid(),
        planned,
        latest_band: responses
            .last()
            .and_then(|r| disability_band(instrument, r.score)),
        points: responses
            .iter()
            .map(|r| OutcomePoint {
                id: r.taken.id,
                completed_at: r.taken.completed_at,
                score: r.score,
                respondent: r.taken.respondent,
                activities: r.taken.activities.clone(),
            })
            .collect(),
        trend,
        schedule,
    })
}

/// A patient's outcome measures as of `today`.
pub fn outcome_overview(
    store: &Store,
    patient_id: Uuid,
    today: NaiveDate,
) -> Result<OutcomeOverview, WorkspaceError> {
    let plan = store.outcome_plan(patient_id)?;
    let responses = store.outcome_responses(patient_id)?;
    let mut order: Vec<Instrument> = plan
        .as_ref()
        .map(|p| p.instruments.clone())
        .unwrap_or_default();
    let mut others: Vec<Instrument> = responses
        .iter()
        .map(|r| r.taken.instrument)
        .filter(|i| !order.contains(i))
        .collect();
    others.sort_by_key(|i| i.display_name());
    others.dedup();
    order.extend(others);

    let mut instruments = Vec::with_capacity(order.len());
    let mut due = Vec::new();
    for instrument in order {
        let of_instrument: Vec<&OutcomeResponse> = responses
            .iter()
            .filter(|r| r.taken.instrument == instrument)
            .collect();
        let summary = summarise(instrument, &of_instrument, plan.as_ref(), today)?;
        if let Some(schedule) = &summary.schedule {
            due.extend(
                schedule
                    .occasions
                    .iter()
                    .filter(|o| matches!(o.status, OccasionStatus::Due | OccasionStatus::Overdue))
                    .map(|occasion| DueQuestionnaire {
                        instrument,
                        name: summary.name.clone(),
                        occasion: occasion.clone(),
                    }),
            );
        }
        instruments.push(summary);
    }
    due.sort_by_key(|d| d.occasion.due);
    Ok(OutcomeOverview {
        patient_id,
        today,
        plan: plan.map(|p| PlanView {
            instruments: p.instruments,
            started_on: p.started_on,
            discharge_on: p.discharge_on,
            updated_at: p.updated_at,
        }),
        instruments,
        due,
    })
}

/// The trends of a patient's questionnaires completed between `from` and `to` (UTC days,
/// inclusive), one per instrument in name order: the outcomes section of a progress report.
pub fn period_trends(
    store: &Store,
    patient_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Trend>, WorkspaceError> {
    let responses = store.outcome_responses(patient_id)?;
    let mut instruments: Vec<Instrument> = responses.iter().map(|r| r.taken.instrument).collect();
    instruments.sort_by_key(|i| i.display_name());
    instruments.dedup();
    let mut trends = Vec::new();
    for instrument in instruments {
        let scores: Vec<DatedScore> = responses
            .iter()
            .filter(|r| r.taken.instrument == instrument)
            .filter(|r| (from..=to).contains(&day_of(r)))
            .map(|r| DatedScore {
                date: day_of(r),
                value: r.score,
            })
            .collect();
        if scores.is_empty() {
            continue;
        }
        trends.push(Trend::from_scores(instrument, &scores).map_err(|e| {
            WorkspaceError::Invalid {
                what: "outcome scores",
                detail: e.to_string(),
            }
        })?);
    }
    Ok(trends)
}

/// What a questionnaire needs besides the answers: who it is about and who answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct QuestionnaireAnswers {
    /// The instrument filled in.
    pub instrument: Instrument,
    /// The answers in form order; `null` is an unanswered item.
    pub answers: Vec<Option<u8>>,
    /// PSFS: the activities named, in the order of their ratings.
    #[serde(default)]
    pub activities: Vec<String>,
}

/// Keeps a questionnaire filled in on this device (and queues its upload). On a patient's
/// device it is the patient's own (`patient_id` must be none or their own); on a clinician's,
/// `patient_id` names a patient of the roster and the clinician enters the patient's answers.
pub fn record_questionnaire(
    store: &Store,
    patient_id: Option<Uuid>,
    answers: QuestionnaireAnswers,
    now: DateTime<Utc>,
) -> Result<OutcomeResponse, WorkspaceError> {
    let identity = store.sync_identity()?;
    let user = identity.as_ref().and_then(|i| i.user_id);
    let clinician = identity
        .as_ref()
        .and_then(|i| i.role.as_deref())
        .and_then(physalign_api::auth::Role::parse)
        .is_some_and(crate::access::may_open_workspace);
    let (patient_id, respondent) = if clinician {
        let Some(patient_id) = patient_id else {
            return Err(WorkspaceError::Invalid {
                what: "patient",
                detail: "this device is a clinician's: name the patient".into(),
            });
        };
        crate::access::require_care_patient(store, patient_id)?;
        (patient_id, Respondent::Clinician)
    } else {
        let own = own_patient_id(store)?.ok_or_else(|| WorkspaceError::Invalid {
            what: "patient",
            detail: "this device does not know its patient yet: sign in and sync once".into(),
        })?;
        if patient_id.is_some_and(|id| id != own) {
            return Err(WorkspaceError::Invalid {
                what: "patient",
                detail: "a patient fills in their own questionnaires only".into(),
            });
        }
        (own, Respondent::Patient)
    };
    let activities: Vec<String> = answers
        .activities
        .iter()
        .map(|a| a.trim().to_string())
        .collect();
    Ok(store.save_outcome_response(&NewOutcomeResponse {
        id: Uuid::now_v7(),
        patient_id,
        instrument: answers.instrument,
        answers: answers.answers,
        activities,
        completed_at: now,
        respondent,
        entered_by: user,
    })?)
}

/// A plan as a clinician sets it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PlanChange {
    /// The instruments asked, each once.
    pub instruments: Vec<Instrument>,
    /// The intake day.
    pub started_on: NaiveDate,
    /// The discharge day, planned or actual.
    pub discharge_on: Option<NaiveDate>,
}

/// Sets a roster patient's outcome plan on a clinician's device (and queues its upload).
pub fn set_outcome_plan(
    store: &Store,
    patient_id: Uuid,
    change: PlanChange,
    now: DateTime<Utc>,
) -> Result<(), WorkspaceError> {
    let clinician = crate::access::require_care_patient(store, patient_id)?;
    Ok(store.save_outcome_plan(&OutcomePlan {
        patient_id,
        instruments: change.instruments,
        started_on: change.started_on,
        discharge_on: change.discharge_on,
        updated_at: now,
        updated_by: Some(clinician.user_id),
    })?)
}
