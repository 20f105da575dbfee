// The Rust side's commands and events by name, with their argument and result types: the one
// place that says what crosses the IPC boundary. Argument names are the commands' parameters in
// camelCase (Tauri's convention); the types come from the Rust structs.
import type {
  AngleSeries, AppInfo, CheckEvent, DeviceCheckArgs, Devices, ExerciseInfo, HistoryEntry, LoginReport,
  ProcessMetrics, ProgramEntry, RecorderEvent, RecordingOutcome, SessionView, Settings, StartRequest,
  SyncStatus, Uuid,
} from "./ipc-types";

type NoArgs = undefined;

export interface Commands {
  app_info: { args: NoArgs; result: AppInfo };
  app_metrics: { args: NoArgs; result: ProcessMetrics };
  save_settings: { args: { settings: Settings }; result: Settings };
  list_devices: { args: NoArgs; result: Devices };
  start_device_check: { args: { request: DeviceCheckArgs }; result: null };
  stop_device_check: { args: NoArgs; result: null };
  list_exercises: { args: NoArgs; result: ExerciseInfo[] };
  todays_program: { args: NoArgs; result: ProgramEntry[] };
  start_recording: { args: { request: StartRequest }; result: Uuid };
  pause_recording: { args: NoArgs; result: null };
  resume_recording: { args: NoArgs; result: null };
  stop_recording: { args: NoArgs; result: RecordingOutcome | null };
  session_history: { args: { limit?: number }; result: HistoryEntry[] };
  session_view: { args: { sessionId: Uuid }; result: SessionView | null };
  session_angles: { args: { sessionId: Uuid; maxPoints?: number }; result: AngleSeries };
  sync_status: { args: NoArgs; result: SyncStatus };
  sync_now: { args: NoArgs; result: SyncStatus };
  login: { args: { serverUrl: string; email: string; password: string }; result: LoginReport };
}

export type Command = keyof Commands;

/** Event names (src-tauri: RECORDER_EVENT, DEVICE_CHECK_EVENT, SYNC_EVENT) and payloads. */
export interface Events {
  recorder: RecorderEvent;
  "device-check": CheckEvent;
  "sync-status": SyncStatus;
}
