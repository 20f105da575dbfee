// How numbers, times and engine states are written for the patient.
import type { CounterPhase } from "./bindings/CounterPhase";
import type { Severity } from "./bindings/Severity";
import type { SyncState } from "./bindings/SyncState";

export function seconds(s: number | null | undefined): string {
  if (s === null || s === undefined) return "–";
  const m = Math.floor(s / 60);
  const r = Math.round(s % 60);
  return m > 0 ? `${m} min ${r} s` : `${r} s`;
}

export function degrees(v: number | null | undefined): string {
  return v === null || v === undefined ? "–" : `${Math.round(v)}°`;
}

export function when(iso: string | null | undefined): string {
  if (!iso) return "–";
  return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

const SYNC_LABELS: Record<SyncState, string> = { pending: "Waiting to sync", synced: "Synced", failed: "Sync failed" };

export function syncLabel(state: SyncState): string {
  return SYNC_LABELS[state];
}

const SEVERITY_LABELS: Record<Severity, string> = { LOW: "Minor", MEDIUM: "Moderate", HIGH: "Serious" };

export function severityLabel(severity: Severity): string {
  return SEVERITY_LABELS[severity];
}

const PHASE_LABELS: Record<CounterPhase, string> = { unknown: "Finding your position", rest: "At rest", outward: "Moving", return: "Coming back" };

/** Where the repetition counter is in the movement. */
export function phaseLabel(phase: CounterPhase): string {
  return PHASE_LABELS[phase];
}
