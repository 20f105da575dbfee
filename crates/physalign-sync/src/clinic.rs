//! What needs the server at once, not the outbox: registering a patient (the invitation code is
//! the server's answer), a patient's care team (who can see their data, and ending a
//! relationship: it must take effect on the server now, not at the next sync) and signing out.

use crate::client::{http_error, ApiClient, Request, RequestError};
use crate::credentials::CredentialStore;
use crate::SyncError;
use physalign_api::patients::{
    CareTeam, CareTeamMember, RegisterPatientRequest, RegisteredPatient,
};
use physalign_store::{CarePatient, Store};
use reqwest::Method;
use std::path::Path;
use std::time::Duration;
use uuid::Uuid;

fn request_error(url: &str, e: RequestError) -> SyncError {
    match e {
        RequestError::Network(detail) => SyncError::Unreachable {
            url: url.to_string(),
            detail,
        },
        RequestError::LoginRequired(detail) => SyncError::LoginRequired(detail),
        RequestError::Local(e) => e,
    }
}

/// Registers a patient for the signed-in clinician (`POST /api/patients`) and adds them to this
/// device's roster. Needs the server: the invitation code is made there.
pub async fn register_patient(
    db: &Path,
    credentials: CredentialStore,
    request: &RegisterPatientRequest,
) -> Result<RegisteredPatient, SyncError> {
    let store = Store::open(db)?;
    let identity = store.sync_identity()?.ok_or(SyncError::NotLoggedIn)?;
    let api = ApiClient::new(
        &identity.server_url,
        &identity.email,
        credentials,
        Duration::from_secs(30),
    )?;
    let body = serde_json::to_value(request)?;
    let response = api
        .send(
            Method::POST,
            &Request {
                path: "/api/patients",
                json: Some(&body),
                ..Request::default()
            },
        )
        .await
        .map_err(|e| request_error(api.base_url(), e))?;
    if !response.status.is_success() {
        return Err(http_error("registering the patient", &response));
    }
    let registered: RegisteredPatient = response.json()?;
    store.add_care_patient(
        &CarePatient {
            patient_id: registered.patient_id,
            first_name: request.first_name.clone(),
            last_name: request.last_name.clone(),
            email: Some(request.email.clone()),
        },
        &serde_json::to_value(&registered)?,
    )?;
    Ok(registered)
}

/// The signed-in account's API client.
fn signed_in_client(store: &Store, credentials: CredentialStore) -> Result<ApiClient, SyncError> {
    let identity = store.sync_identity()?.ok_or(SyncError::NotLoggedIn)?;
    ApiClient::new(
        &identity.server_url,
        &identity.email,
        credentials,
        Duration::from_secs(30),
    )
}

/// Who can see the signed-in patient's data (`GET /api/patients/care-team`): every clinician
/// with an active relationship, oldest first. Needs the server.
pub async fn care_team(
    db: &Path,
    credentials: CredentialStore,
) -> Result<Vec<CareTeamMember>, SyncError> {
    let store = Store::open(db)?;
    let api = signed_in_client(&store, credentials)?;
    let mut members = Vec::new();
    for page in 1.. {
        let path = format!("/api/patients/care-team?page={page}&per_page=100");
        let response = api
            .send(
                Method::GET,
                &Request {
                    path: &path,
                    ..Request::default()
                },
            )
            .await
            .map_err(|e| request_error(api.base_url(), e))?;
        if !response.status.is_success() {
            return Err(http_error("reading the care team", &response));
        }
        let team: CareTeam = response.json()?;
        let fetched = team.data.len();
        members.extend(team.data);
        if fetched == 0 || u64::from(team.pagination.page) >= team.pagination.total_pages {
            break;
        }
    }
    Ok(members)
}

/// Ends the signed-in patient's relationship with a clinician
/// (`DELETE /api/patients/care-team/{id}`): from then on that clinician sees nothing of them.
/// Needs the server, so that it takes effect at once.
pub async fn end_care(
    db: &Path,
    credentials: CredentialStore,
    physiotherapist_id: Uuid,
) -> Result<(), SyncError> {
    let store = Store::open(db)?;
    let api = signed_in_client(&store, credentials)?;
    let path = format!("/api/patients/care-team/{physiotherapist_id}");
    let response = api
        .send(
            Method::DELETE,
            &Request {
                path: &path,
                ..Request::default()
            },
        )
        .await
        .map_err(|e| request_error(api.base_url(), e))?;
    if !response.status.is_success() {
        return Err(http_error("ending the care relationship", &response));
    }
    Ok(())
}

/// Signs this device out: forgets the identity and its tokens and clears what the server sent
/// (see `Store::clear_sync_identity`). Queued entries stay for that identity's next sign-in.
/// Returns the e-mail signed out, if anyone was signed in.
pub fn logout(db: &Path, credentials: &CredentialStore) -> Result<Option<String>, SyncError> {
    let store = Store::open(db)?;
    let identity = store.sync_identity()?;
    if let Some(identity) = &identity {
        let account = crate::client::account_name(&identity.server_url, &identity.email);
        credentials.delete(&account)?;
    }
    store.clear_sync_identity()?;
    Ok(identity.map(|i| i.email))
}
