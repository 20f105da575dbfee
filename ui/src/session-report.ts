// The parts of a session's analysis report and clinical notes the summary shows. Rust sends both
// as untyped JSON (SessionView.report and .notes are serde_json::Value), so every field is checked
// here: a change on the Rust side shows as missing data, never as a broken screen.
import type { JsonValue } from "./bindings/serde_json/JsonValue";

/** A counted repetition with the engine's range of motion and the time of its peak. */
export interface CountedRep {
  number: number;
  rom: number | null;
  peakMs: number;
}

/** A pain score the patient said during the session. */
export interface PainSaid {
  score: number;
  bodyPart: string | null;
  quote: string;
}

type JsonObject = { [key in string]: JsonValue };

function object(v: JsonValue | undefined): JsonObject | null {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? v : null;
}

function list(v: JsonValue | undefined): JsonValue[] {
  return Array.isArray(v) ? v : [];
}

function numberOf(v: JsonValue | undefined): number | null {
  return typeof v === "number" ? v : null;
}

function textOf(v: JsonValue | undefined): string | null {
  return typeof v === "string" ? v : null;
}

/** The report's counted repetitions (partial ones have no number). */
export function countedReps(report: JsonValue | null): CountedRep[] {
  return list(object(report)?.rep_details).flatMap((item) => {
    const rep = object(item);
    const number = numberOf(rep?.number), peakMs = numberOf(rep?.peak_ms);
    return number === null || peakMs === null ? [] : [{ number, rom: numberOf(rep?.rom), peakMs }];
  });
}

/** The pain scores in the notes, leaving out denials ("no pain"). */
export function painsSaid(notes: JsonValue | null): PainSaid[] {
  return list(object(notes)?.pain_reports).flatMap((item) => {
    const pain = object(item);
    const score = numberOf(pain?.score);
    if (!pain || score === null || pain.denied === true) return [];
    return [{ score, bodyPart: textOf(pain.body_part), quote: textOf(pain.quote) ?? "" }];
  });
}
