//! Session templates (issue 18, seed 001 §9): a therapist's presets for common session types.
//! Field names are seed 001's (camelCase).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

pub use crate::appointments::SessionType;
use crate::pagination::Pagination;
use crate::programs::ProgramSide;

/// A program item a template carries: what to prescribe when the template is used (the
/// dose fields of `POST /api/programs`, without patient and dates).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TemplateProgramItem {
    /// Exercise catalogue id, e.g. `squat`.
    pub exercise_id: String,
    /// Sets per session, 1..=50.
    pub sets: u32,
    /// Repetitions per set, 1..=500.
    #[serde(default)]
    pub reps: Option<u32>,
    /// Hold time per repetition in seconds, 1..=3600.
    #[serde(default)]
    pub hold_seconds: Option<u32>,
    /// Target joint angle in degrees, 0..=360.
    #[serde(default)]
    pub target_angle_deg: Option<f64>,
    /// Side worked.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub side: Option<ProgramSide>,
    /// Sessions a week, 1..=21.
    pub sessions_per_week: u32,
    /// Instructions for the patient.
    #[serde(default)]
    pub instructions: Option<String>,
}

/// `POST /api/therapists/{therapistId}/session-templates` and `PUT …/{templateId}` (which
/// replaces every field).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SessionTemplateRequest {
    /// Client-generated id on create (offline devices); ignored by `PUT`.
    #[serde(default)]
    pub id: Option<Uuid>,
    /// Name (at most 200 characters).
    pub name: String,
    /// Kind of session.
    #[serde(rename = "type")]
    #[schema(value_type = String)]
    pub kind: SessionType,
    /// Goals a session of this kind usually has.
    #[serde(default)]
    pub default_goals: Vec<String>,
    /// Techniques usually used.
    #[serde(default)]
    pub common_techniques: Vec<String>,
    /// Length in minutes, 5..=480.
    pub duration: u32,
    /// Program items to prescribe with it.
    #[serde(default)]
    pub program_items: Vec<TemplateProgramItem>,
}

/// A stored template.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionTemplate {
    /// Template id.
    pub id: Uuid,
    /// `physiotherapists.id` of its owner.
    pub therapist_id: Uuid,
    /// Name.
    pub name: String,
    /// Kind of session.
    #[serde(rename = "type")]
    #[schema(value_type = String)]
    pub kind: SessionType,
    /// Default goals.
    pub default_goals: Vec<String>,
    /// Common techniques.
    pub common_techniques: Vec<String>,
    /// Length in minutes.
    pub duration: u32,
    /// Program items it carries.
    pub program_items: Vec<TemplateProgramItem>,
    /// Increases on every change.
    pub version: i32,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// `GET /api/therapists/{therapistId}/session-templates`: seed 001's `templates`, with the
/// standard pagination block.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SessionTemplateList {
    /// By name.
    pub templates: Vec<SessionTemplate>,
    /// Position of this page.
    pub pagination: Pagination,
}

/// Filters of the template list.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TemplateListQuery {
    /// 1-based page number (default 1).
    pub page: Option<u32>,
    /// Items per page (default 20, at most 100); `perPage` is accepted too.
    #[serde(rename = "per_page", alias = "perPage")]
    pub per_page: Option<u32>,
    /// Only this kind.
    #[serde(rename = "type")]
    #[param(value_type = Option<String>, rename = "type")]
    pub kind: Option<SessionType>,
}
