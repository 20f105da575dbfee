// How the clinic calendar's appointments and goals are written, for the therapist's calendar and
// the patient's Today alike. Times are the clinic's wall clock in the appointment's zone as the
// engine keeps them (`local_start`), never converted by this computer's own zone.
import type { Appointment } from "./bindings/Appointment";
import type { AppointmentKind } from "./bindings/AppointmentKind";
import type { AppointmentStatus } from "./bindings/AppointmentStatus";
import type { GoalStatus } from "./bindings/GoalStatus";
import type { RecurrencePattern } from "./bindings/RecurrencePattern";

/** The kinds of session, in the order the booking form offers them. */
export const KINDS: { value: AppointmentKind; words: string }[] = [
  { value: "follow_up", words: "Follow-up" },
  { value: "initial_assessment", words: "Initial assessment" },
  { value: "treatment", words: "Treatment" },
  { value: "reassessment", words: "Reassessment" },
  { value: "telehealth", words: "Telehealth" },
];

/** How often a series repeats, in words. */
export const PATTERNS: { value: RecurrencePattern; words: string }[] = [
  { value: "weekly", words: "Every week" },
  { value: "biweekly", words: "Every two weeks" },
  { value: "monthly", words: "Every month" },
];

// Symbols as well as words: never colour alone.
const STATUS_WORDS: Record<AppointmentStatus, string> = {
  scheduled: "Scheduled",
  completed: "✓ Took place",
  cancelled: "✗ Cancelled",
  "no-show": "⊘ Did not come",
};

const GOAL_WORDS: Record<GoalStatus, string> = { active: "Working on it", completed: "✓ Reached", paused: "Paused" };

/** An appointment's kind in words. */
export function kindWords(kind: AppointmentKind): string {
  return KINDS.find((k) => k.value === kind)?.words ?? kind;
}

/** An appointment's status in words. */
export function statusWords(status: AppointmentStatus): string {
  return STATUS_WORDS[status];
}

/** A goal's status in words. */
export function goalWords(status: GoalStatus): string {
  return GOAL_WORDS[status];
}

/** The wall-clock date part of `local_start` ("2026-03-30T09:00:00" → "2026-03-30"). */
export function localDate(a: Appointment): string {
  return a.local_start.slice(0, 10);
}

/** The wall-clock time part of `local_start`, "HH:MM". */
export function localTime(a: Appointment): string {
  return a.local_start.slice(11, 16);
}

/** Start and end on the clinic's wall clock, e.g. "09:00–09:45". */
export function timeSpan(a: Appointment): string {
  // Read as UTC only to add minutes on the wall clock; nothing is converted.
  const start = new Date(`${a.local_start.slice(0, 16)}:00Z`);
  if (Number.isNaN(start.getTime())) return localTime(a);
  const end = new Date(start.getTime() + a.duration_minutes * 60_000);
  return `${localTime(a)}–${end.toISOString().slice(11, 16)}`;
}

/** A calendar date ("YYYY-MM-DD") in words, e.g. "Monday, 30 March 2026". */
export function dateWords(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  if (Number.isNaN(d.getTime())) return date;
  return d.toLocaleDateString(undefined, { weekday: "long", day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
}

/** `date` ("YYYY-MM-DD") moved by `days` days. */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  if (Number.isNaN(d.getTime())) return date;
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}
