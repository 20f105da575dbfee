//! Patient-reported outcome measures (issue 19): the questionnaires filled in on this device or
//! pulled from the care team's other devices, and each patient's outcome plan.
//!
//! The schema is `migrations/sqlite/1500_outcome_measures.sql`. A questionnaire is scored by
//! `physalign-outcomes` before it is kept (a set of answers its published rules refuse is never
//! stored) and queued for upload in the same transaction; it never changes afterwards, so a
//! pulled copy never conflicts. A plan edited here is queued too; between this device's plan
//! and a pulled one the later `updated_at` wins, as on the server.

use crate::outbox::{enqueue, OutboxEntityKind, OutboxOperation};
use crate::sql_values::{parse_opt_uuid, parse_text, parse_time, parse_uuid, time_text, uuid_text};
use crate::{Store, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use physalign_outcomes::{score, Instrument, MAX_ACTIVITIES, MAX_ACTIVITY_CHARS};
use rusqlite::{params, Connection, OptionalExtension};
use uuid::Uuid;

physalign_domain::wire_enum! {
    /// Who answered a questionnaire's items: the patient on their app, or a clinician entering
    /// the patient's answers in clinic.
    #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
    pub enum Respondent {
        /// The patient, on their own device.
        Patient = "patient",
        /// A clinician, entering the patient's answers.
        Clinician = "clinician",
    }
}

/// A questionnaire as it is taken, before it is scored.
#[derive(Debug, Clone, PartialEq)]
pub struct NewOutcomeResponse {
    /// Client-generated id.
    pub id: Uuid,
    /// The patient it is about.
    pub patient_id: Uuid,
    /// The instrument.
    pub instrument: Instrument,
    /// The answers in form order; `None` is an unanswered item.
    pub answers: Vec<Option<u8>>,
    /// PSFS only: the activities the patient named, in the order of their ratings.
    pub activities: Vec<String>,
    /// When it was completed.
    pub completed_at: DateTime<Utc>,
    /// Who answered.
    pub respondent: Respondent,
    /// The signed-in user who entered it, when someone is signed in.
    pub entered_by: Option<Uuid>,
}

/// A kept questionnaire with its score.
#[derive(Debug, Clone, PartialEq)]
pub struct OutcomeResponse {
    /// The questionnaire as taken.
    pub taken: NewOutcomeResponse,
    /// Its score by the instrument's published rules (0 to `max`).
    pub score: f64,
    /// The instrument's highest score.
    pub max: f64,
    /// Whether it was pulled from another device (`false`: taken on this one).
    pub pulled: bool,
}

/// A patient's outcome plan: which questionnaires are asked during the current episode of care.
#[derive(Debug, Clone, PartialEq)]
pub struct OutcomePlan {
    /// The patient.
    pub patient_id: Uuid,
    /// The instruments asked, each once.
    pub instruments: Vec<Instrument>,
    /// The intake day.
    pub started_on: NaiveDate,
    /// The discharge day, planned or actual.
    pub discharge_on: Option<NaiveDate>,
    /// When it was last changed.
    pub updated_at: DateTime<Utc>,
    /// Who last changed it, when known.
    pub updated_by: Option<Uuid>,
}

/// Scores a questionnaire and checks its activity names; the refusal names the broken rule.
fn scored(taken: &NewOutcomeResponse) -> Result<(f64, f64), StoreError> {
    let invalid = |detail: String| StoreError::Invalid {
        what: "outcome questionnaire",
        detail,
    };
    let result =
        score(taken.instrument, &taken.answers).map_err(|error| invalid(error.to_string()))?;
    if !taken.activities.is_empty() {
        if taken.instrument != Instrument::Psfs {
            return Err(invalid(format!(
                "only the PSFS names activities, not the {}",
                taken.instrument.display_name()
            )));
        }
        if taken.activities.len() != taken.answers.len() {
            return Err(invalid(format!(
                "{} activities for {} ratings",
                taken.activities.len(),
                taken.answers.len()
            )));
        }
        if taken.activities.len() > MAX_ACTIVITIES
            || taken
                .activities
                .iter()
                .any(|name| name.trim().is_empty() || name.chars().count() > MAX_ACTIVITY_CHARS)
        {
            return Err(invalid(format!(
                "at most {MAX_ACTIVITIES} activities, each named in 1 to {MAX_ACTIVITY_CHARS} characters"
            )));
        }
    }
    Ok((result.value, result.max))
}

fn insert_response(conn: &Connection, response: &OutcomeResponse) -> Result<bool, StoreError> {
    let taken = &response.taken;
    let inserted = conn.execute(
        "INSERT INTO outcome_responses (id, patient_id, instrument, answers, activities, score,
             max_score, completed_at, respondent, entered_by, origin)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT (id) DO NOTHING",
        params![
            uuid_text(taken.id),
            uuid_text(taken.patient_id),
            taken.instrument.as_str(),
            serde_json::to_string(&taken.answers).map_err(|e| StoreError::corrupt("answers", e))?,
            serde_json::to_string(&taken.activities)
                .map_err(|e| StoreError::corrupt("activities", e))?,
            response.score,
            response.max,
            time_text(taken.completed_at),
            taken.respondent.as_str(),
            taken.entered_by.map(uuid_text),
            if response.pulled { "pulled" } else { "local" },
        ],
    )?;
    Ok(inserted == 1)
}

/// What the upload of a questionnaire carries (the outbox payload): the central API's request,
/// without the score (the server scores it itself) or who entered it (the signed-in caller).
fn response_payload(taken: &NewOutcomeResponse) -> serde_json::Value {
    let mut payload = serde_json::json!({
        "id": taken.id,
        "patient_id": taken.patient_id,
        "instrument": taken.instrument,
        "answers": taken.answers,
        "completed_at": time_text(taken.completed_at),
    });
    if !taken.activities.is_empty() {
        payload["activities"] = serde_json::json!(taken.activities);
    }
    payload
}

/// What the upload of a plan carries: the central API's `PUT …/outcome-plan` body plus the
/// patient it is for (the path).
fn plan_payload(plan: &OutcomePlan) -> serde_json::Value {
    serde_json::json!({
        "patient_id": plan.patient_id,
        "instruments": plan.instruments,
        "started_on": plan.started_on,
        "discharge_on": plan.discharge_on,
        "updated_at": time_text(plan.updated_at),
    })
}

fn check_plan(plan: &OutcomePlan) -> Result<(), StoreError> {
    let invalid = |detail: String| StoreError::Invalid {
        what: "outcome plan",
        detail,
    };
    if let Some(discharge) = plan.discharge_on {
        if discharge < plan.started_on {
            return Err(invalid(format!(
                "discharge {discharge} is before intake {}",
                plan.started_on
            )));
        }
    }
    for (at, instrument) in plan.instruments.iter().enumerate() {
        if plan.instruments[..at].contains(instrument) {
            return Err(invalid(format!(
                "{} is listed twice",
                instrument.display_name()
            )));
        }
    }
    Ok(())
}

/// Writes a plan unless the kept one is newer; `true` when written.
fn upsert_plan(conn: &Connection, plan: &OutcomePlan, pulled: bool) -> Result<bool, StoreError> {
    let written = conn.execute(
        "INSERT INTO outcome_plans (patient_id, instruments, started_on, discharge_on, updated_at,
             updated_by, origin)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (patient_id) DO UPDATE SET
             instruments = excluded.instruments, started_on = excluded.started_on,
             discharge_on = excluded.discharge_on, updated_at = excluded.updated_at,
             updated_by = excluded.updated_by, origin = excluded.origin
         WHERE excluded.updated_at >= outcome_plans.updated_at",
        params![
            uuid_text(plan.patient_id),
            serde_json::to_string(&plan.instruments)
                .map_err(|e| StoreError::corrupt("instruments", e))?,
            plan.started_on.to_string(),
            plan.discharge_on.map(|day| day.to_string()),
            time_text(plan.updated_at),
            plan.updated_by.map(uuid_text),
            if pulled { "pulled" } else { "local" },
        ],
    )?;
    Ok(written == 1)
}

fn parse_day(what: &'static str, text: &str) -> Result<NaiveDate, StoreError> {
    text.parse()
        .map_err(|e| StoreError::corrupt(what, format!("{text:?}: {e}")))
}

fn parse_json_column<T: serde::de::DeserializeOwned>(
    what: &'static str,
    text: &str,
) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::corrupt(what, e))
}

impl Store {
    /// Scores a questionnaire taken on this device, keeps it and queues its upload, in one
    /// transaction; returns it with its score. Answers the instrument's rules refuse, and an id
    /// already kept, are refused and nothing is written.
    pub fn save_outcome_response(
        &self,
        taken: &NewOutcomeResponse,
    ) -> Result<OutcomeResponse, StoreError> {
        let (score, max) = scored(taken)?;
        let response = OutcomeResponse {
            taken: taken.clone(),
            score,
            max,
            pulled: false,
        };
        let tx = self.write_transaction()?;
        if !insert_response(&tx, &response)? {
            return Err(StoreError::Invalid {
                what: "outcome questionnaire",
                detail: format!("{} is already saved", taken.id),
            });
        }
        enqueue(
            &tx,
            OutboxEntityKind::OutcomeResponse,
            taken.id,
            OutboxOperation::Create,
            &response_payload(taken),
            Utc::now(),
        )?;
        tx.commit()?;
        Ok(response)
    }

    /// Keeps a questionnaire pulled from the server with the server's score; `false` when it
    /// was already here.
    pub fn upsert_pulled_outcome_response(
        &self,
        taken: &NewOutcomeResponse,
        score: f64,
        max: f64,
    ) -> Result<bool, StoreError> {
        insert_response(
            &self.conn,
            &OutcomeResponse {
                taken: taken.clone(),
                score,
                max,
                pulled: true,
            },
        )
    }

    /// A patient's questionnaires, oldest first.
    pub fn outcome_responses(&self, patient_id: Uuid) -> Result<Vec<OutcomeResponse>, StoreError> {
        let mut statement = self.conn.prepare(
            "SELECT id, patient_id, instrument, answers, activities, score, max_score,
                    completed_at, respondent, entered_by, origin
             FROM outcome_responses WHERE patient_id = ?1 ORDER BY completed_at, id",
        )?;
        let rows = statement.query_map([uuid_text(patient_id)], |row| {
            Ok((
                (
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, String>(4)?,
                ),
                (
                    row.get::<_, f64>(5)?,
                    row.get::<_, f64>(6)?,
                    row.get::<_, String>(7)?,
                    row.get::<_, String>(8)?,
                    row.get::<_, Option<String>>(9)?,
                    row.get::<_, String>(10)?,
                ),
            ))
        })?;
        rows.map(|row| {
            let (
                (id, patient, instrument, answers, activities),
                (score, max, completed_at, respondent, entered_by, origin),
            ) = row?;
            Ok(OutcomeResponse {
                taken: NewOutcomeResponse {
                    id: parse_uuid("outcome_responses.id", &id)?,
                    patient_id: parse_uuid("outcome_responses.patient_id", &patient)?,
                    instrument: parse_text("outcome_responses.instrument", &instrument)?,
                    answers: parse_json_column("outcome_responses.answers", &answers)?,
                    activities: parse_json_column("outcome_responses.activities", &activities)?,
                    completed_at: parse_time("outcome_responses.completed_at", &completed_at)?,
                    respondent: parse_text("outcome_responses.respondent", &respondent)?,
                    entered_by: parse_opt_uuid("outcome_responses.entered_by", entered_by)?,
                },
                score,
                max,
                pulled: origin == "pulled",
            })
        })
        .collect()
    }

    /// Saves a patient's plan edited on this device and queues its upload, in one transaction.
    /// Refused: an instrument listed twice, a discharge before intake, and an edit older than
    /// the plan already kept (changed meanwhile on another device).
    pub fn save_outcome_plan(&self, plan: &OutcomePlan) -> Result<(), StoreError> {
        check_plan(plan)?;
        let tx = self.write_transaction()?;
        if !upsert_plan(&tx, plan, false)? {
            return Err(StoreError::Invalid {
                what: "outcome plan",
                detail: "a newer plan is kept (changed on another device); reopen it".into(),
            });
        }
        enqueue(
            &tx,
            OutboxEntityKind::OutcomePlan,
            plan.patient_id,
            OutboxOperation::Update,
            &plan_payload(plan),
            Utc::now(),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Keeps a plan pulled from the server unless this device's is newer; `true` when kept.
    pub fn upsert_pulled_outcome_plan(&self, plan: &OutcomePlan) -> Result<bool, StoreError> {
        upsert_plan(&self.conn, plan, true)
    }

    /// A patient's plan, if one is kept.
    pub fn outcome_plan(&self, patient_id: Uuid) -> Result<Option<OutcomePlan>, StoreError> {
        let row = self
            .conn
            .query_row(
                "SELECT instruments, started_on, discharge_on, updated_at, updated_by
                 FROM outcome_plans WHERE patient_id = ?1",
                [uuid_text(patient_id)],
                |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, Option<String>>(2)?,
                        row.get::<_, String>(3)?,
                        row.get::<_, Option<String>>(4)?,
                    ))
                },
            )
            .optional()?;
        row.map(
            |(instruments, started, discharge, updated_at, updated_by)| {
                Ok(OutcomePlan {
                    patient_id,
                    instruments: parse_json_column("outcome_plans.instruments", &instruments)?,
                    started_on: parse_day("outcome_plans.started_on", &started)?,
                    discharge_on: discharge
                        .map(|day| parse_day("outcome_plans.discharge_on", &day))
                        .transpose()?,
                    updated_at: parse_time("outcome_plans.updated_at", &updated_at)?,
                    updated_by: parse_opt_uuid("outcome_plans.updated_by", updated_by)?,
                })
            },
        )
        .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DatabaseKey;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_with_key(
            &dir.path().join("outcomes.sqlite"),
            DatabaseKey::from_raw([3; 32]),
        )
        .unwrap();
        (dir, store)
    }

    fn odi(patient_id: Uuid, completed_at: &str, answers: Vec<Option<u8>>) -> NewOutcomeResponse {
        NewOutcomeResponse {
            id: Uuid::new_v4(),
            patient_id,
            instrument: Instrument::Odi,
            answers,
            activities: Vec::new(),
            completed_at: completed_at.parse().unwrap(),
            respondent: Respondent::Patient,
            entered_by: None,
        }
    }

    #[test]
    fn a_questionnaire_is_scored_kept_and_queued_and_a_refused_one_leaves_nothing() {
        let (_dir, store) = store();
        let patient = Uuid::new_v4();
        // ODI: 10 sections 0-5; one unanswered section shrinks the denominator to 45.
        let later = odi(
            patient,
            "2026-12-08T09:00:00Z",
            vec![
                Some(2),
                Some(2),
                Some(2),
                None,
                Some(2),
                Some(2),
                Some(2),
                Some(2),
                Some(2),
                Some(1),
            ],
        );
        let first = odi(patient, "2026-11-01T09:00:00Z", vec![Some(3); 10]);
        let kept_later = store.save_outcome_response(&later).unwrap();
        assert!((kept_later.score - 17.0 / 45.0 * 100.0).abs() < 1e-9);
        assert_eq!(kept_later.max, 100.0);
        store.save_outcome_response(&first).unwrap();
        let kept = store.outcome_responses(patient).unwrap();
        assert_eq!(
            kept.iter().map(|r| r.taken.id).collect::<Vec<_>>(),
            vec![first.id, later.id]
        );
        assert_eq!(kept[0].score, 60.0);
        assert_eq!(kept[1].taken, later);
        assert!(!kept[1].pulled);

        // The upload is the API's request: no score, no author.
        let queued = store.outbox_entries(later.id).unwrap();
        assert_eq!(queued.len(), 1);
        assert_eq!(queued[0].entity_type, OutboxEntityKind::OutcomeResponse);
        assert_eq!(queued[0].payload["instrument"], "odi");
        assert_eq!(queued[0].payload["answers"][3], serde_json::Value::Null);
        assert!(queued[0].payload.get("score").is_none());

        // Three unanswered ODI sections break its missing-item rule: refused, nothing kept.
        let mut too_sparse = odi(patient, "2026-12-08T10:00:00Z", vec![Some(1); 10]);
        too_sparse.answers[0..3].fill(None);
        let error = store.save_outcome_response(&too_sparse).unwrap_err();
        assert!(error.to_string().contains("at most 2"), "{error}");
        assert!(store.outbox_entries(too_sparse.id).unwrap().is_empty());
        // Activities belong to the PSFS only; the same id twice is refused.
        let mut named = odi(patient, "2026-12-08T10:00:00Z", vec![Some(1); 10]);
        named.activities = vec!["stairs".into(); 10];
        assert!(store.save_outcome_response(&named).is_err());
        assert!(store.save_outcome_response(&later).is_err());
        assert_eq!(store.outcome_responses(patient).unwrap().len(), 2);

        // A pulled questionnaire is kept once with the server's score and queues nothing.
        let pulled = odi(patient, "2026-11-15T09:00:00Z", vec![Some(2); 10]);
        assert!(store
            .upsert_pulled_outcome_response(&pulled, 40.0, 100.0)
            .unwrap());
        assert!(!store
            .upsert_pulled_outcome_response(&pulled, 40.0, 100.0)
            .unwrap());
        assert!(store.outbox_entries(pulled.id).unwrap().is_empty());
        assert!(store.outcome_responses(patient).unwrap()[1].pulled);
    }

    #[test]
    fn the_later_plan_wins_between_this_device_and_a_pulled_one() {
        let (_dir, store) = store();
        let patient = Uuid::new_v4();
        let plan = OutcomePlan {
            patient_id: patient,
            instruments: vec![Instrument::KoosJr, Instrument::Nprs],
            started_on: "2026-11-01".parse().unwrap(),
            discharge_on: None,
            updated_at: "2026-11-01T10:00:00Z".parse().unwrap(),
            updated_by: None,
        };
        store.save_outcome_plan(&plan).unwrap();
        assert_eq!(store.outcome_plan(patient).unwrap(), Some(plan.clone()));
        let queued = store.outbox_entries(patient).unwrap();
        assert_eq!(queued[0].entity_type, OutboxEntityKind::OutcomePlan);
        assert_eq!(
            queued[0].payload["instruments"],
            serde_json::json!(["koos_jr", "nprs"])
        );

        // An older plan from the server does not replace this device's newer edit; a newer one
        // does.
        let older = OutcomePlan {
            instruments: vec![Instrument::Odi],
            updated_at: "2026-10-01T10:00:00Z".parse().unwrap(),
            ..plan.clone()
        };
        assert!(!store.upsert_pulled_outcome_plan(&older).unwrap());
        let newer = OutcomePlan {
            discharge_on: Some("2027-01-15".parse().unwrap()),
            updated_at: "2026-12-01T10:00:00Z".parse().unwrap(),
            updated_by: Some(Uuid::new_v4()),
            ..plan.clone()
        };
        assert!(store.upsert_pulled_outcome_plan(&newer).unwrap());
        assert_eq!(store.outcome_plan(patient).unwrap(), Some(newer));
        // A stale local edit, a twice-listed instrument and a discharge before intake are refused.
        assert!(store.save_outcome_plan(&plan).is_err());
        let twice = OutcomePlan {
            instruments: vec![Instrument::Nprs, Instrument::Nprs],
            updated_at: Utc::now(),
            ..plan.clone()
        };
        assert!(store.save_outcome_plan(&twice).is_err());
        let backwards = OutcomePlan {
            discharge_on: Some("2026-10-01".parse().unwrap()),
            updated_at: Utc::now(),
            ..plan
        };
        assert!(store.save_outcome_plan(&backwards).is_err());
        assert_eq!(store.outbox_entries(patient).unwrap().len(), 1);
    }
}
