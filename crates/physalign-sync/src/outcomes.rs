//! Outcome measures on the wire (issue 19): questionnaires filled in offline uploaded with their
//! client id (the server scores them again by the same rules), plans changed offline sent with
//! the time of the change (the later change wins on both sides), and both pulled for every
//! patient the account sees, so the patient's app shows what is due and the clinician's chart
//! shows the trend whoever entered the answers.

use crate::client::Request;
use crate::pull::{get, parse, PullError};
use crate::step::{classify, local, Context, StepError};
use chrono::{DateTime, NaiveDate, Utc};
use physalign_api::auth::Role;
use physalign_api::outcomes::{
    CreateOutcomeResponseRequest, OutcomePlanList, OutcomePlanRecord, OutcomeResponseList,
    OutcomeResponseRecord,
};
use physalign_api::ErrorCode;
use physalign_store::{Instrument, NewOutcomeResponse, OutboxEntry, OutcomePlan, Respondent};
use reqwest::Method;
use serde::Deserialize;
use serde_json::{json, Value};
use uuid::Uuid;

const PER_PAGE: u32 = 100;

/// A plan change as the outbox keeps it: the `PUT` body plus the patient of the path.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PlanChange {
    patient_id: Uuid,
    instruments: Vec<Instrument>,
    started_on: NaiveDate,
    discharge_on: Option<NaiveDate>,
    updated_at: DateTime<Utc>,
}

/// Uploads a questionnaire. The payload is checked against the API's request first, so one
/// this build cannot describe fails alone with its reason; 409 `OUTCOME_RESPONSE_EXISTS` is an
/// earlier upload of this device and counts as delivered.
pub(crate) async fn deliver_response(
    ctx: &Context,
    entry: &OutboxEntry,
    key: &str,
) -> Result<Option<Value>, StepError> {
    let request: CreateOutcomeResponseRequest = serde_json::from_value(entry.payload.clone())
        .map_err(|e| StepError::Failed(format!("outbox payload is not a questionnaire: {e}")))?;
    let body = serde_json::to_value(&request).map_err(local)?;
    let created = crate::deliver::post_new(
        ctx,
        "save questionnaire",
        "/api/outcome-responses",
        &body,
        key,
        ErrorCode::OutcomeResponseExists,
    )
    .await?;
    Ok(created.is_none().then(|| json!("already on server")))
}

/// Sends a plan change. The server answers with the plan it keeps, which is a newer one when
/// another device changed it later; that answer is kept here too.
pub(crate) async fn deliver_plan(
    ctx: &Context,
    entry: &OutboxEntry,
    key: &str,
) -> Result<Option<Value>, StepError> {
    let change: PlanChange = serde_json::from_value(entry.payload.clone())
        .map_err(|e| StepError::Failed(format!("outbox payload is not an outcome plan: {e}")))?;
    let body = json!({
        "instruments": change.instruments,
        "started_on": change.started_on,
        "discharge_on": change.discharge_on,
        "updated_at": change.updated_at,
    });
    let path = format!("/api/patients/{}/outcome-plan", change.patient_id);
    let response = ctx
        .api
        .send(
            Method::PUT,
            &Request {
                path: &path,
                json: Some(&body),
                idempotency_key: Some(key),
                ..Request::default()
            },
        )
        .await?;
    let response = classify("save outcome plan", response)?;
    let kept: OutcomePlanRecord = serde_json::from_slice(&response.body)
        .map_err(|e| StepError::Failed(format!("unreadable outcome plan answer: {e}")))?;
    let newer_elsewhere = kept.updated_at > change.updated_at;
    ctx.db(|s| s.upsert_pulled_outcome_plan(&stored_plan(&kept)))
        .map_err(local)?;
    Ok(newer_elsewhere.then(|| json!("a newer plan from another device is kept")))
}

/// A questionnaire from the server as the store keeps it.
pub fn stored_response(record: &OutcomeResponseRecord) -> NewOutcomeResponse {
    NewOutcomeResponse {
        id: record.id,
        patient_id: record.patient_id,
        instrument: record.instrument,
        answers: record.answers.clone(),
        activities: record.activities.clone(),
        completed_at: record.completed_at,
        respondent: match record.entered_by_role {
            Role::Patient => Respondent::Patient,
            Role::Physiotherapist | Role::Admin => Respondent::Clinician,
        },
        entered_by: Some(record.entered_by),
    }
}

/// A plan from the server as the store keeps it.
pub fn stored_plan(record: &OutcomePlanRecord) -> OutcomePlan {
    OutcomePlan {
        patient_id: record.patient_id,
        instruments: record.instruments.clone(),
        started_on: record.started_on,
        discharge_on: record.discharge_on,
        updated_at: record.updated_at,
        updated_by: Some(record.updated_by),
    }
}

/// Questionnaires and plans of the patients the account sees; questionnaires never change, so
/// only new ones count; a plan counts when it replaced this device's.
pub(crate) async fn pull(ctx: &Context) -> Result<usize, PullError> {
    let mut stored = 0;
    let mut page = 1u32;
    loop {
        let path = format!("/api/outcome-responses?page={page}&per_page={PER_PAGE}");
        let list: OutcomeResponseList = parse(&path, &get(ctx, &path).await?)?;
        for record in &list.data {
            let local = stored_response(record);
            if ctx.db(|s| s.upsert_pulled_outcome_response(&local, record.score, record.max))? {
                stored += 1;
            }
        }
        if list.data.is_empty() || u64::from(page) >= list.pagination.total_pages {
            break;
        }
        page += 1;
    }
    let mut page = 1u32;
    loop {
        let path = format!("/api/outcome-plans?page={page}&per_page={PER_PAGE}");
        let list: OutcomePlanList = parse(&path, &get(ctx, &path).await?)?;
        for record in &list.data {
            let plan = stored_plan(record);
            let unchanged = ctx.db(|s| s.outcome_plan(plan.patient_id))?.as_ref() == Some(&plan);
            if !unchanged && ctx.db(|s| s.upsert_pulled_outcome_plan(&plan))? {
                stored += 1;
            }
        }
        if list.data.is_empty() || u64::from(page) >= list.pagination.total_pages {
            break;
        }
        page += 1;
    }
    Ok(stored)
}
