// Interim copies of the Rust types that cross the IPC boundary, written by hand from the Rust
// sources until the ts-rs bindings (src/bindings/) are generated; then this file goes.

export type Uuid = string;

export type Role = "patient" | "therapist";

export interface ProgramItem {
  exercise_id: string;
  target_reps: number | null;
  target_angle: number | null;
}

export interface Settings {
  role: Role | null;
  server_url: string | null;
  camera_index: number | null;
  microphone: string | null;
  transcribe: boolean;
  spoken_cues: boolean;
  whisper_model: string;
  program: ProgramItem[];
}

export interface LaunchMetrics {
  launch_to_first_frame_ms: number | null;
  model_warm_up_ms: number | null;
  recovered_sessions: number;
}

export interface AppInfo {
  version: string;
  first_run: boolean;
  settings: Settings;
  database: string;
  pose_ready: boolean;
  metrics: LaunchMetrics;
}

export interface ProcessMetrics {
  launch: LaunchMetrics;
  rss_kib: number | null;
  peak_rss_kib: number | null;
}

export interface CameraDevice {
  index: number;
  name: string;
  description: string;
}

export interface Devices {
  cameras: CameraDevice[];
  microphones: string[];
  microphone_error: string | null;
}

export type SourceSpec =
  | { kind: "camera"; index: number }
  | { kind: "video_file"; path: string; real_time: boolean };

export interface DeviceCheckArgs {
  camera: SourceSpec | null;
  listen: boolean;
  microphone: string | null;
}

export type ExerciseMode = "reps" | "hold";

export interface ExerciseInfo {
  id: string;
  name: string;
  description: string;
  mode: ExerciseMode;
  target_angle: number | null;
}

export type ProgramOrigin = "prescribed" | "picked";

export interface ProgramEntry {
  exercise_id: string;
  name: string;
  description: string;
  instructions: string | null;
  scheduled_at: string | null;
  origin: ProgramOrigin;
  target_reps: number | null;
  target_angle: number | null;
  camera_view: string;
  done_today: number;
}

export interface StartRequest extends ProgramItem {
  source: SourceSpec;
}

export interface RecordingOutcome {
  session_id: Uuid;
  frames: number;
  reps: number;
  interrupted: string | null;
  transcript_id: Uuid | null;
}

export type SessionStatus = "pending" | "recording" | "processing" | "review_pending" | "reviewed" | "completed";

export type SyncState = "pending" | "synced" | "failed";

export interface HistoryEntry {
  session_id: Uuid;
  exercise_id: string;
  exercise_name: string;
  source: string;
  status: SessionStatus;
  started_at: string;
  duration_s: number | null;
  reps: number | null;
  target_reps: number | null;
  mean_rom: number | null;
  best_rom: number | null;
  form_issues: number;
  pain: number | null;
  sync: SyncState;
}

export type Severity = "LOW" | "MEDIUM" | "HIGH";

export interface TimedIssue {
  timestamp_ms: number;
  rule_id: string;
  type: string;
  joint: string;
  message: string;
  severity: Severity;
  rep?: number;
}

/** The parts of the analysis report the summary shows. */
export interface RepDetail {
  number: number | null;
  peak_ms: number;
  rom: number | null;
}

export interface SessionReport {
  rep_details: RepDetail[];
  form_issues: TimedIssue[];
}

export interface PainReport {
  body_part: string | null;
  score: number | null;
  denied: boolean;
  quote: string;
}

export interface ClinicalNotes {
  pain_reports: PainReport[];
}

export interface SessionView {
  entry: HistoryEntry;
  report: SessionReport | null;
  transcript: string | null;
  notes: ClinicalNotes | null;
}

export interface AngleSeries {
  angle: string | null;
  t_s: number[];
  degrees: (number | null)[];
}

export interface FailedEntry {
  id: number;
  entity_type: string;
  entity_id: Uuid;
  operation: string;
  attempts: number;
  reason: string | null;
}

export interface ConflictSummary {
  id: number;
  entity_type: string;
  entity_id: Uuid;
  local_version: number | null;
  server_version: number | null;
  server_copy_saved: boolean;
}

export interface SyncStatus {
  server_url: string | null;
  email: string | null;
  role: string | null;
  login_required: string | null;
  pending: number;
  failed: number;
  done: number;
  failed_entries: FailedEntry[];
  conflicts: ConflictSummary[];
  last_success_at: string | null;
  last_attempt_at: string | null;
  last_error: string | null;
  pulled_sessions: number;
  pulled_reviews: number;
}

export interface LoginReport {
  server_url: string;
  email: string;
  user_id: Uuid;
  role: string;
}

export interface PreviewImage {
  width: number;
  height: number;
  data_url: string;
}

export interface SourceInfo {
  width: number;
  height: number;
  fps: number;
  duration_ms: number | null;
  estimated_frames: number | null;
}

export type CounterPhase = "unknown" | "rest" | "outward" | "return";

export type Landmark = [number, number, number];

export interface FrameAnalysis {
  timestamp_ms: number;
  angles: Record<string, number | null>;
  quality: number;
  primary_angle: number | null;
  progress: number | null;
  phase: CounterPhase;
  reps: number;
  events: unknown[];
  issues: TimedIssue[];
  cues: string[];
  hold_s: number | null;
}

/** The engine's verdict on the target angle (crates/physalign-analysis/src/target.rs). */
export type TargetStatus =
  | { state: "no_target" }
  | { state: "not_measured" }
  | { state: "reached" }
  | { state: "approaching"; remaining_deg: number };

export interface LiveFrame {
  session_id: Uuid;
  frame_number: number;
  analysis: FrameAnalysis;
  /** Optional only until the Rust side sends it (the shell engineer is adding it). */
  target?: TargetStatus;
  landmarks: Landmark[];
  preview: PreviewImage | null;
  fps: number;
  progress: number | null;
  since_start_ms: number;
}

export type RecorderEvent =
  | {
      type: "started";
      session_id: Uuid;
      source: SourceInfo;
      exercise_id: string;
      exercise_name: string;
      target_reps: number | null;
      target_angle: number | null;
      target_tolerance: number | null;
      startup_ms: number;
    }
  | ({ type: "frame" } & LiveFrame)
  | { type: "transcript"; session_id: Uuid; start_ms: number; end_ms: number; text: string }
  | { type: "paused"; session_id: Uuid }
  | { type: "resumed"; session_id: Uuid }
  | { type: "finished"; session_id: Uuid; reps: number; frames: number; interrupted: string | null }
  | { type: "warning"; message: string };

export type BodyPart = "head" | "shoulders" | "hips" | "knees" | "feet";

export type Framing =
  | { state: "no_person" }
  | { state: "partial"; missing: BodyPart[] }
  | { state: "full_body" };

export type CheckedDevice = "camera" | "microphone";

export type CheckEvent =
  | { type: "camera_frame"; preview: PreviewImage; landmarks: Landmark[]; framing: Framing; fps: number }
  | { type: "microphone_level"; device: string; rms_dbfs: number; peak: number }
  | { type: "device_error"; device: CheckedDevice; message: string }
  | { type: "camera_ended" };
