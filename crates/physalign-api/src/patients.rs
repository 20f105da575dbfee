//! `/api/patients/profile`.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// A patient's own profile. `version` is also sent as the `ETag`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PatientProfile {
    /// `patients.id`: the id sessions refer to.
    pub id: Uuid,
    /// The user account.
    pub user_id: Uuid,
    /// Login e-mail.
    pub email: String,
    /// Given name.
    pub first_name: Option<String>,
    /// Family name.
    pub last_name: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
    /// Date of birth.
    pub date_of_birth: Option<NaiveDate>,
    /// Conditions relevant to the exercises.
    pub medical_conditions: Vec<String>,
    /// Current medications.
    pub medications: Vec<String>,
    /// Free-form emergency contact.
    #[schema(value_type = Option<Object>)]
    pub emergency_contact: Option<serde_json::Value>,
    /// Whether the patient consented to data processing.
    pub consent_given: bool,
    /// When consent was given.
    pub consent_date: Option<DateTime<Utc>>,
    /// Increases on every change; compare with `If-Match`.
    pub version: i32,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// `PUT /api/patients/profile`: only the fields present are changed.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdatePatientProfile {
    /// Given name.
    pub first_name: Option<String>,
    /// Family name.
    pub last_name: Option<String>,
    /// Phone number (at most 20 characters).
    pub phone: Option<String>,
    /// Date of birth.
    pub date_of_birth: Option<NaiveDate>,
    /// Conditions relevant to the exercises.
    pub medical_conditions: Option<Vec<String>>,
    /// Current medications.
    pub medications: Option<Vec<String>>,
    /// Free-form emergency contact (a JSON object).
    #[schema(value_type = Option<Object>)]
    pub emergency_contact: Option<serde_json::Value>,
    /// Consent to data processing; setting it records `consent_date`.
    pub consent_given: Option<bool>,
}

/// `POST /api/patients`: a clinician registers a patient (seed 004's patient shape). The
/// record exists before anyone has an account for it; the answer's invitation code lets the
/// patient claim it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterPatientRequest {
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// The patient's e-mail (where the clinician would send the code; never looked up).
    pub email: String,
    /// Date of birth.
    #[serde(default)]
    pub date_of_birth: Option<NaiveDate>,
    /// Phone number (at most 20 characters).
    #[serde(default)]
    pub phone: Option<String>,
    /// Conditions relevant to the exercises.
    #[serde(default)]
    pub medical_conditions: Option<Vec<String>>,
    /// Current medications.
    #[serde(default)]
    pub medications: Option<Vec<String>>,
    /// Free-form emergency contact (a JSON object).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub emergency_contact: Option<serde_json::Value>,
    /// `physiotherapists.id` whose patient this is: required for administrators; a
    /// physiotherapist registers for themselves (another id is refused).
    #[serde(default)]
    pub physiotherapist_id: Option<Uuid>,
}

/// The answer to `POST /api/patients` (201). The same shape whether or not the e-mail
/// belongs to an account: the registration never reveals that.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RegisteredPatient {
    /// `patients.id` of the registered record (sessions recorded for the patient before the
    /// claim refer to it; see `API.md` on what happens when an existing account claims).
    pub patient_id: Uuid,
    /// The single-use code to hand to the patient (`XXXX-XXXX-XXXX-XXXX`); shown only here.
    pub invitation_code: String,
    /// When the code stops working (14 days).
    pub expires_at: DateTime<Utc>,
    /// Given name as registered.
    pub first_name: String,
    /// Family name as registered.
    pub last_name: String,
    /// E-mail as registered (lower-cased).
    pub email: String,
    /// `physiotherapists.id` of the inviting clinician.
    pub physiotherapist_id: Uuid,
}

/// One clinician who can see the patient's data.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CareTeamMember {
    /// `physiotherapists.id`: the id `DELETE /api/patients/care-team/{id}` takes.
    pub physiotherapist_id: Uuid,
    /// Given name.
    pub first_name: Option<String>,
    /// Family name.
    pub last_name: Option<String>,
    /// When the relationship (last) started.
    pub since: DateTime<Utc>,
}

/// `GET /api/patients/care-team`: everyone who can see the signed-in patient's data
/// (administrators aside).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CareTeam {
    /// One page of active relationships, oldest first.
    pub data: Vec<CareTeamMember>,
    /// Where the page sits.
    pub pagination: crate::pagination::Pagination,
}
