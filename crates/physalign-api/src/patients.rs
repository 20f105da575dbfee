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
