//! The OpenAPI document, generated from the handlers' annotations.

use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::routes::{
    admin, analytics, appointments, assessments, auth, cleanup, clients, clinic_sessions, clinical,
    export, health, notes, outcomes, patients, physio, pose_data, programs, progress,
    resumable_upload, sessions, signed_upload, templates, transcripts,
};

/// All operations of the API.
#[derive(OpenApi)]
#[openapi(
    info(title = "PhysAlign central API", description = "Sessions, pose data, reviews and progress metrics. Conventions: crates/physalign-server/API.md."),
    paths(
        health::health, health::detailed,
        auth::signup, auth::claim, auth::login, auth::refresh_post, auth::refresh_get, auth::logout, auth::change_password, auth::me,
        patients::get_profile, patients::update_profile, patients::list_own_sessions,
        patients::register, patients::care_team, patients::end_care,
        admin::create_user, admin::deactivate_user, admin::activate_user, admin::list_access_logs,
        cleanup::orphaned_files, cleanup::failed_sessions, cleanup::all, cleanup::status, cleanup::config,
        sessions::create, sessions::list, sessions::get_one, sessions::update, sessions::delete, sessions::upload_data,
        pose_data::read, transcripts::put_transcript, transcripts::get_transcript,
        transcripts::delete_transcript, transcripts::save_transcript, clinical::put_notes, clinical::get_notes,
        clinical::list_alerts, clinical::acknowledge,
        programs::create, programs::list, programs::get_one, programs::update, programs::end,
        assessments::create, assessments::list,
        outcomes::create, outcomes::list, outcomes::put_plan, outcomes::get_plan, outcomes::list_plans,
        notes::create, notes::amend, notes::list,
        signed_upload::generate_url, signed_upload::receive,
        resumable_upload::create, resumable_upload::status, resumable_upload::append, resumable_upload::complete,
        physio::list_patients, physio::link_patient, physio::review_queue, physio::create_review, physio::analytics,
        progress::store_progress, progress::get_progress, progress::store_snapshots, progress::get_snapshots,
        progress::store_skills, progress::get_skills, progress::store_analytics, progress::get_analytics,
        progress::store_comparison, progress::get_comparisons, progress::store_evaluation, progress::get_evaluations,
        appointments::create, appointments::list, appointments::get_one, appointments::update,
        appointments::cancel, appointments::cancel_delete, appointments::recurring,
        appointments::no_show_policy, appointments::preparation, appointments::get_settings,
        appointments::put_settings, appointments::list_notifications,
        clients::get_medical_history, clients::put_medical_history, clients::medical_history_changes,
        clients::list_goals, clients::get_goal, clients::create_goal, clients::update_goal,
        clients::get_emergency_contact, clients::put_emergency_contact, clients::session_summary,
        templates::list, templates::get_one, templates::create, templates::replace, templates::delete,
        clinic_sessions::start, clinic_sessions::progress, clinic_sessions::session_stats,
        analytics::overview, analytics::patient_progress, analytics::session_trends, analytics::common_topics,
        export::session_notes, export::progress_report, export::list, export::status, export::remove,
        export::download,
    ),
    components(schemas(physalign_api::ErrorBody, physalign_api::FieldError)),
    modifiers(&BearerAuth),
    tags(
        (name = "health"), (name = "auth"), (name = "patients"), (name = "sessions"),
        (name = "upload"), (name = "physio"), (name = "progress"), (name = "programs"), (name = "assessments"), (name = "outcomes"), (name = "notes"), (name = "admin"),
        (name = "appointments"), (name = "clients"), (name = "templates"), (name = "analytics"), (name = "export"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}
