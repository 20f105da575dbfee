// Types of the UI tests' stand-in for the Tauri bridge (tauri-mock.js): its answers and the events
// it delivers are checked against the same IPC types as the app (`npm run check`).
import type { Commands, Events } from "../src/ipc-api";

export type { Commands, Events };
export type { CheckEvent } from "../src/bindings/CheckEvent";
export type { Consent } from "../src/bindings/Consent";
export type { CrisisResources } from "../src/bindings/CrisisResources";
export type { ExerciseInfo } from "../src/bindings/ExerciseInfo";
export type { FrameAnalysis } from "../src/bindings/FrameAnalysis";
export type { HistoryEntry } from "../src/bindings/HistoryEntry";
export type { ProgramEntry } from "../src/bindings/ProgramEntry";
export type { ReviewView } from "../src/bindings/ReviewView";
export type { RecorderEvent } from "../src/bindings/RecorderEvent";
export type { SessionDetail } from "../src/bindings/SessionDetail";
export type { SessionSummary } from "../src/bindings/SessionSummary";
export type { MeasurementView } from "../src/bindings/MeasurementView";
export type { Settings } from "../src/bindings/Settings";
export type { SyncStatus } from "../src/bindings/SyncStatus";
export type { TargetStatus } from "../src/bindings/TargetStatus";
export type { TranscriptRetention } from "../src/bindings/TranscriptRetention";
export type { ChartView } from "../src/bindings/ChartView";
export type { PatientMonitoring } from "../src/bindings/PatientMonitoring";
export type { PracticeMonitoring } from "../src/bindings/PracticeMonitoring";
export type { Measurement } from "../src/bindings/Measurement";
export type { LockStatus } from "../src/bindings/LockStatus";
export type { PrescribedItem } from "../src/bindings/PrescribedItem";
export type { RosterEntry } from "../src/bindings/RosterEntry";
export type { SessionComparison } from "../src/bindings/SessionComparison";
export type { SessionOverview } from "../src/bindings/SessionOverview";
export type { SessionReplay } from "../src/bindings/SessionReplay";
export type { StartOfDay } from "../src/bindings/StartOfDay";
export type { Form } from "../src/bindings/Form";
export type { OutcomeOverview } from "../src/bindings/OutcomeOverview";
export type { InstrumentOutcomes } from "../src/bindings/InstrumentOutcomes";
export type { SavedQuestionnaire } from "../src/bindings/SavedQuestionnaire";
export type { Appointment } from "../src/bindings/Appointment";
export type { CalendarView } from "../src/bindings/CalendarView";
export type { PatientAgenda } from "../src/bindings/PatientAgenda";

/** A command's answer: its result, a function of its arguments, or the error it rejects with. */
export type MockAnswer<C extends keyof Commands> =
  | Commands[C]["result"]
  | ((args: Commands[C]["args"]) => Commands[C]["result"])
  | { error: string };

export type MockResponses = { [C in keyof Commands]?: MockAnswer<C> };

/** A command the page sent, with its arguments. */
export type MockCall = { [C in keyof Commands]: { cmd: C; args: Commands[C]["args"] } }[keyof Commands];

export interface MockBridge {
  calls: MockCall[];
  responses: MockResponses;
  emit<E extends keyof Events>(event: E, payload: Events[E]): void;
}

declare global {
  interface Window {
    __mock: MockBridge;
  }
}
