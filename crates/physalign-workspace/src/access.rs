//! Who may open the workspace: the account signed in on this device, as the server named its
//! role at sign-in. A patient's device holds only their own data, but the workspace's views (the
//! roster, other patients' charts, reviews, prescriptions) are a clinician's: they are refused
//! here, in the engine, whatever the window shows.

use crate::WorkspaceError;
use physalign_api::auth::Role;
use physalign_store::Store;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The clinician signed in on this device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Clinician {
    /// The server's user id (the key of their queued changes and of their lock PIN).
    pub user_id: Uuid,
    /// The account's e-mail.
    pub email: String,
    /// The server they signed in to.
    pub server_url: String,
}

/// Whether a role may use the workspace: physiotherapists, and administrators (who see
/// everything on the server too).
pub fn may_open_workspace(role: Role) -> bool {
    matches!(role, Role::Physiotherapist | Role::Admin)
}

/// The signed-in clinician, or why the workspace is refused: nobody signed in, or an account
/// whose role is not a clinician's (a patient, or a role this build does not know).
pub fn require_clinician(store: &Store) -> Result<Clinician, WorkspaceError> {
    let identity = store.sync_identity()?.ok_or(WorkspaceError::NotSignedIn)?;
    let role_text = identity.role.clone().unwrap_or_default();
    let allowed = Role::parse(&role_text).is_some_and(may_open_workspace);
    let user_id = identity.user_id.filter(|_| allowed);
    match user_id {
        Some(user_id) => Ok(Clinician {
            user_id,
            email: identity.email,
            server_url: identity.server_url,
        }),
        None => Err(WorkspaceError::NotAClinician {
            role: if role_text.is_empty() {
                "unknown".into()
            } else {
                role_text
            },
        }),
    }
}

/// The signed-in clinician, when `patient_id` is on their roster: whom a session recorded in
/// clinic may belong to (a patient's device records only its own sessions).
pub fn require_care_patient(store: &Store, patient_id: Uuid) -> Result<Clinician, WorkspaceError> {
    let clinician = require_clinician(store)?;
    let on_roster = store
        .care_patients()?
        .iter()
        .any(|p| p.patient.patient_id == patient_id);
    if on_roster {
        Ok(clinician)
    } else {
        Err(WorkspaceError::PatientNotFound(patient_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_clinicians_and_administrators_open_the_workspace() {
        assert!(may_open_workspace(Role::Physiotherapist));
        assert!(may_open_workspace(Role::Admin));
        assert!(!may_open_workspace(Role::Patient));
    }
}
