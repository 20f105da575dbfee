// The Rust side's commands and events by name, with their argument and result types: the one
// place that says what crosses the IPC boundary. Argument names are the commands' parameters in
// camelCase (Tauri's convention); the types come from the Rust structs.
import type { AngleSeries } from "./bindings/AngleSeries";
import type { AppInfo } from "./bindings/AppInfo";
import type { CheckEvent } from "./bindings/CheckEvent";
import type { Consent } from "./bindings/Consent";
import type { CrisisResources } from "./bindings/CrisisResources";
import type { DeviceCheckArgs } from "./bindings/DeviceCheckArgs";
import type { Devices } from "./bindings/Devices";
import type { ExerciseInfo } from "./bindings/ExerciseInfo";
import type { HistoryEntry } from "./bindings/HistoryEntry";
import type { LoginReport } from "./bindings/LoginReport";
import type { ProcessMetrics } from "./bindings/ProcessMetrics";
import type { ProgramEntry } from "./bindings/ProgramEntry";
import type { RecorderEvent } from "./bindings/RecorderEvent";
import type { RecordingOutcome } from "./bindings/RecordingOutcome";
import type { SessionSummary } from "./bindings/SessionSummary";
import type { Settings } from "./bindings/Settings";
import type { StartRequest } from "./bindings/StartRequest";
import type { SyncStatus } from "./bindings/SyncStatus";
import type { CareTeamMemberView } from "./bindings/CareTeamMemberView";
import type { ChartMeasurement } from "./bindings/ChartMeasurement";
import type { ChartView } from "./bindings/ChartView";
import type { GoniometerJoint } from "./bindings/GoniometerJoint";
import type { Measurement } from "./bindings/Measurement";
import type { LockStatus } from "./bindings/LockStatus";
import type { NewPatient } from "./bindings/NewPatient";
import type { PracticeMonitoring } from "./bindings/PracticeMonitoring";
import type { PrescribedItem } from "./bindings/PrescribedItem";
import type { ProgramDraft } from "./bindings/ProgramDraft";
import type { ProgramItemEdit } from "./bindings/ProgramItemEdit";
import type { RegisteredPatientView } from "./bindings/RegisteredPatientView";
import type { ReviewDraft } from "./bindings/ReviewDraft";
import type { RosterEntry } from "./bindings/RosterEntry";
import type { SessionComparison } from "./bindings/SessionComparison";
import type { SessionReplay } from "./bindings/SessionReplay";
import type { SessionReview } from "./bindings/SessionReview";
import type { StartOfDay } from "./bindings/StartOfDay";
import type { TranscriptRetention } from "./bindings/TranscriptRetention";
import type { Unlock } from "./bindings/Unlock";
import type { WorkspaceAccess } from "./bindings/WorkspaceAccess";
import type { Form } from "./bindings/Form";
import type { Instrument } from "./bindings/Instrument";
import type { OutcomeOverview } from "./bindings/OutcomeOverview";
import type { PlanChange } from "./bindings/PlanChange";
import type { QuestionnaireAnswers } from "./bindings/QuestionnaireAnswers";
import type { SavedQuestionnaire } from "./bindings/SavedQuestionnaire";
import type { Appointment } from "./bindings/Appointment";
import type { AppointmentBooking } from "./bindings/AppointmentBooking";
import type { AppointmentMoveRequest } from "./bindings/AppointmentMoveRequest";
import type { CalendarSpan } from "./bindings/CalendarSpan";
import type { CalendarView } from "./bindings/CalendarView";
import type { ConflictResolution } from "./bindings/ConflictResolution";
import type { NoShowMark } from "./bindings/NoShowMark";
import type { PatientAgenda } from "./bindings/PatientAgenda";
import type { Preparation } from "./bindings/Preparation";
import type { RecurrenceRule } from "./bindings/RecurrenceRule";

type NoArgs = undefined;

/** A session's id (a UUID; ts-rs writes Rust's SessionId as a string). */
export type SessionId = HistoryEntry["session_id"];

export interface Commands {
  app_info: { args: NoArgs; result: AppInfo };
  app_metrics: { args: NoArgs; result: ProcessMetrics };
  save_settings: { args: { settings: Settings }; result: Settings };
  consent_settings: { args: NoArgs; result: Consent };
  save_consent_settings: { args: { consent: Consent }; result: Consent };
  list_devices: { args: NoArgs; result: Devices };
  start_device_check: { args: { request: DeviceCheckArgs }; result: null };
  stop_device_check: { args: NoArgs; result: null };
  list_exercises: { args: NoArgs; result: ExerciseInfo[] };
  todays_program: { args: NoArgs; result: ProgramEntry[] };
  start_recording: { args: { request: StartRequest }; result: SessionId };
  pause_recording: { args: NoArgs; result: null };
  resume_recording: { args: NoArgs; result: null };
  stop_recording: { args: NoArgs; result: RecordingOutcome | null };
  session_history: { args: { limit?: number }; result: HistoryEntry[] };
  session_view: { args: { sessionId: SessionId }; result: SessionSummary | null };
  session_angles: { args: { sessionId: SessionId; maxPoints?: number }; result: AngleSeries };
  delete_transcript: { args: { sessionId: SessionId }; result: TranscriptRetention | null };
  keep_transcript: { args: { sessionId: SessionId; retentionDays: number | null }; result: TranscriptRetention };
  recent_crisis: { args: NoArgs; result: CrisisResources | null };
  acknowledge_crisis: { args: { sessionId: SessionId }; result: null };
  sync_status: { args: NoArgs; result: SyncStatus };
  sync_now: { args: NoArgs; result: SyncStatus };
  login: { args: { serverUrl: string; email: string; password: string; pin?: string | null }; result: LoginReport };
  sign_out: { args: NoArgs; result: string | null };
  care_team: { args: NoArgs; result: CareTeamMemberView[] };
  end_care: { args: { physiotherapistId: string }; result: null };
  // The therapist's workspace (refused by the engine on a patient's device and while locked).
  workspace_access: { args: NoArgs; result: WorkspaceAccess };
  workspace_today: { args: NoArgs; result: StartOfDay };
  workspace_roster: { args: { search?: string | null }; result: RosterEntry[] };
  workspace_chart: { args: { patientId: string }; result: ChartView };
  workspace_monitoring: { args: { to?: string | null }; result: PracticeMonitoring };
  workspace_replay: { args: { sessionId: SessionId }; result: SessionReplay };
  workspace_compare: { args: { first: SessionId; second: SessionId }; result: SessionComparison };
  workspace_measure: { args: { sessionId: SessionId; joint: GoniometerJoint }; result: Measurement };
  save_measurement: { args: { sessionId: SessionId; joint: GoniometerJoint }; result: ChartMeasurement };
  workspace_measurements: { args: { patientId: string }; result: ChartMeasurement[] };
  acknowledge_alert: { args: { alertId: string }; result: boolean };
  write_review: { args: { draft: ReviewDraft }; result: SessionReview };
  prescribe_item: { args: { draft: ProgramDraft }; result: PrescribedItem };
  edit_item: { args: { itemId: string; edit: ProgramItemEdit }; result: PrescribedItem };
  end_item: { args: { itemId: string }; result: PrescribedItem };
  register_patient: { args: { patient: NewPatient }; result: RegisteredPatientView };
  lock_status: { args: NoArgs; result: LockStatus };
  lock_activity: { args: NoArgs; result: LockStatus };
  lock_now: { args: NoArgs; result: LockStatus };
  unlock: { args: { unlock: Unlock }; result: LockStatus };
  set_lock_pin: { args: { pin: string }; result: LockStatus };
  set_lock_minutes: { args: { minutes: number }; result: LockStatus };
  // Outcome questionnaires: without a patient, the device's own patient's (a patient's device);
  // with one, a roster patient's on a clinician's device (refused while locked).
  outcome_overview: { args: { patientId: string | null }; result: OutcomeOverview };
  outcome_form: { args: { instrument: Instrument }; result: Form };
  record_questionnaire: { args: { patientId: string | null; answers: QuestionnaireAnswers }; result: SavedQuestionnaire };
  set_outcome_plan: { args: { patientId: string; change: PlanChange }; result: OutcomeOverview };
  // The clinic calendar: a clinician's (refused on a patient's device and while locked), every
  // change offline and queued for sync; the patient's own agenda on a patient's device.
  workspace_calendar: { args: { span: CalendarSpan; date?: string | null; zone?: string | null }; result: CalendarView };
  book_appointment: { args: { booking: AppointmentBooking }; result: Appointment };
  move_appointment: { args: { appointmentId: string; to: AppointmentMoveRequest }; result: Appointment };
  cancel_appointment: { args: { appointmentId: string; reason: string | null }; result: Appointment };
  recur_appointment: { args: { appointmentId: string; rule: RecurrenceRule }; result: Appointment[] };
  mark_no_show: { args: { appointmentId: string; mark: NoShowMark }; result: Appointment };
  prepare_appointment: { args: { appointmentId: string; preparation: Preparation }; result: Appointment };
  resolve_appointment_conflict: { args: { conflictId: number; resolution: ConflictResolution }; result: Appointment };
  patient_agenda: { args: NoArgs; result: PatientAgenda };
}

export type Command = keyof Commands;

/** Event names (src-tauri: RECORDER_EVENT, DEVICE_CHECK_EVENT, SYNC_EVENT) and payloads. */
export interface Events {
  recorder: RecorderEvent;
  "device-check": CheckEvent;
  "sync-status": SyncStatus;
}
