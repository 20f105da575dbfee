//! TypeScript declarations of every type that crosses to the window: command arguments and
//! results (the therapist's workspace, the outcome questionnaires and the clinic calendar
//! included), the `recorder`, `device-check` and `sync-status` events. Generated from these Rust
//! types by ts-rs into `ui/src/bindings/` (one file per type, committed), so the screens and the
//! engine cannot drift apart.
//!
//! Regenerate after changing any of them:
//! `PHYSALIGN_WRITE_BINDINGS=1 cargo test -p physalign-desktop --test bindings`;
//! without the variable the same test fails while the committed files are stale.

use crate::commands::calendar::{AppointmentBooking, AppointmentMoveRequest, CalendarView};
use crate::commands::devices::{DeviceCheckArgs, Devices};
use crate::commands::history::SessionSummary;
use crate::commands::outcomes::SavedQuestionnaire;
use crate::commands::recording::{ExerciseInfo, StartRequest};
use crate::commands::settings::{AppInfo, Consent, ProcessMetrics};
use crate::commands::sync::CareTeamMemberView;
use crate::commands::workspace::{ChartView, NewPatient, RegisteredPatientView, WorkspaceAccess};
use crate::error::CommandError;
use crate::settings::{Role, Settings};
use crate::state::LaunchMetrics;
use physalign_analysis::goniometer::GoniometerJoint;
use physalign_analysis::target::TargetStatus;
use physalign_outcomes::{Form, Instrument};
use physalign_recorder::camera::CameraDevice;
use physalign_recorder::device_check::{CheckEvent, Framing};
use physalign_recorder::history::{AngleSeries, HistoryEntry, SessionView};
use physalign_recorder::program::{ProgramEntry, ProgramItem};
use physalign_recorder::{LiveFrame, RecorderEvent, RecordingOutcome, SourceSpec};
use physalign_report::crisis::CrisisResources;
use physalign_store::{
    Appointment, ConflictResolution, NoShowMark, Preparation, ProgramItem as PrescribedItem,
    ProgramItemEdit, RecurrenceRule, SessionReview,
};
use physalign_sync::{LoginReport, SyncStatus};
use physalign_workspace::actions::{ProgramDraft, ReviewDraft};
use physalign_workspace::calendar::{CalendarSpan, PatientAgenda};
use physalign_workspace::compare::SessionComparison;
use physalign_workspace::lock::{LockStatus, Unlock};
use physalign_workspace::measurement::{ChartMeasurement, Measurement};
use physalign_workspace::outcomes::{OutcomeOverview, PlanChange, QuestionnaireAnswers};
use physalign_workspace::replay::SessionReplay;
use physalign_workspace::{PracticeMonitoring, RosterEntry, StartOfDay};
use std::path::{Path, PathBuf};
use ts_rs::{Config, ExportError, TS};

/// Where the committed declarations live: `ui/src/bindings/`.
pub fn committed_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/bindings")
}

/// Writes the declarations into `dir`, one `.ts` file per type (the types named here and every
/// type they contain). 64-bit integers are `number`: JSON gives the window nothing else.
pub fn export(dir: &Path) -> Result<(), ExportError> {
    let cfg = Config::new().with_out_dir(dir).with_large_int("number");
    macro_rules! export {
        ($($t:ty),* $(,)?) => {$( <$t>::export_all(&cfg)?; )*};
    }
    export!(
        // Command arguments and results.
        AppInfo,
        Settings,
        Role,
        LaunchMetrics,
        ProcessMetrics,
        Devices,
        CameraDevice,
        DeviceCheckArgs,
        ExerciseInfo,
        ProgramEntry,
        ProgramItem,
        StartRequest,
        SourceSpec,
        RecordingOutcome,
        HistoryEntry,
        SessionView,
        SessionSummary,
        CrisisResources,
        Consent,
        AngleSeries,
        SyncStatus,
        LoginReport,
        CareTeamMemberView,
        CommandError,
        // The therapist's workspace.
        WorkspaceAccess,
        StartOfDay,
        RosterEntry,
        ChartView,
        PracticeMonitoring,
        SessionReplay,
        SessionComparison,
        GoniometerJoint,
        Measurement,
        ChartMeasurement,
        ReviewDraft,
        SessionReview,
        ProgramDraft,
        ProgramItemEdit,
        PrescribedItem,
        NewPatient,
        RegisteredPatientView,
        LockStatus,
        Unlock,
        // Outcome questionnaires.
        Instrument,
        Form,
        OutcomeOverview,
        QuestionnaireAnswers,
        SavedQuestionnaire,
        PlanChange,
        // The clinic calendar.
        CalendarSpan,
        CalendarView,
        Appointment,
        AppointmentBooking,
        AppointmentMoveRequest,
        RecurrenceRule,
        NoShowMark,
        Preparation,
        ConflictResolution,
        PatientAgenda,
        // Events.
        RecorderEvent,
        LiveFrame,
        TargetStatus,
        CheckEvent,
        Framing,
    );
    Ok(())
}
