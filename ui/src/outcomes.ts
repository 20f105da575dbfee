// Outcome questionnaires in words, for the patient's Today and the clinician's chart: the
// instruments by name, scores "of" their maximum, the schedule's occasions, the trend against the
// MCID and the severity band, as the engine computed them (physalign_workspace::outcomes). The
// screen decides nothing: it only says what the engine decided.
import type { DisabilityBand } from "./bindings/DisabilityBand";
import type { DueQuestionnaire } from "./bindings/DueQuestionnaire";
import type { Instrument } from "./bindings/Instrument";
import type { InstrumentOutcomes } from "./bindings/InstrumentOutcomes";
import type { OccasionKind } from "./bindings/OccasionKind";
import type { OccasionStatus } from "./bindings/OccasionStatus";
import type { Respondent } from "./bindings/Respondent";
import { el } from "./dom";
import { go } from "./router";

/** Every instrument the engine scores, by its printed name, in the order the plan form lists them. */
export const INSTRUMENTS: { value: Instrument; name: string }[] = [
  { value: "nprs", name: "NPRS" },
  { value: "psfs", name: "PSFS" },
  { value: "koos_jr", name: "KOOS JR" },
  { value: "hoos_jr", name: "HOOS JR" },
  { value: "odi", name: "ODI" },
  { value: "ndi", name: "NDI" },
  { value: "quickdash", name: "QuickDASH" },
];

/** Whether `text` (e.g. a route's argument) names an instrument. */
export function isInstrument(text: string | undefined): text is Instrument {
  return INSTRUMENTS.some((i) => i.value === text);
}

/** An instrument's printed name, e.g. "KOOS JR". */
export function instrumentName(instrument: Instrument): string {
  return INSTRUMENTS.find((i) => i.value === instrument)?.name ?? instrument;
}

/** A score as written next to its maximum: whole points out of 100, tenths out of 10. */
export function scoreText(score: number, max: number): string {
  return max > 10 ? String(Math.round(score)) : String(Math.round(score * 10) / 10);
}

/** "38 of 100". */
export function scoreOf(score: number, max: number): string {
  return `${scoreText(score, max)} of ${max}`;
}

/** The unit a chart writes after a score: percentages for the ODI and NDI, "of 10" or "of 100" otherwise. */
export function scoreUnit(instrument: Instrument, max: number): string {
  return instrument === "odi" || instrument === "ndi" ? "%" : `/${max}`;
}

const KIND_WORDS: Record<OccasionKind, string> = { intake: "intake", follow_up: "follow-up", discharge: "discharge" };
const STATUS_WORDS: Record<OccasionStatus, string> = { completed: "✓ done", upcoming: "upcoming", due: "due now", overdue: "⚠ overdue", missed: "✗ missed" };
const RESPONDENT_WORDS: Record<Respondent, string> = { patient: "the patient", clinician: "a clinician, in clinic" };
const BAND_WORDS: Record<DisabilityBand, string> = {
  no_disability: "no disability", minimal: "minimal disability", mild: "mild disability", moderate: "moderate disability",
  severe: "severe disability", crippled: "crippled", bed_bound: "bed-bound", complete: "complete disability",
};

/** An occasion's kind in words: intake, follow-up, discharge. */
export function occasionWords(kind: OccasionKind): string {
  return KIND_WORDS[kind];
}

/** An occasion's status in words (with a symbol: never colour alone). */
export function statusWords(status: OccasionStatus): string {
  return STATUS_WORDS[status];
}

/** Who answered, in words. */
export function respondentWords(respondent: Respondent): string {
  return RESPONDENT_WORDS[respondent];
}

/** A published severity band in words, e.g. "moderate disability". */
export function bandWords(band: DisabilityBand): string {
  return BAND_WORDS[band];
}

/** A due questionnaire in words: "ODI — intake, due 2026-12-05 (overdue)". */
export function dueWords(d: DueQuestionnaire): string {
  return `${d.name} — ${occasionWords(d.occasion.kind)}, due ${d.occasion.due}${d.occasion.status === "overdue" ? " (overdue)" : ""}`;
}

/** The route of the questionnaire screen: the patient's own, or `patientId`'s entered in clinic. */
export function questionnaireHash(instrument: Instrument, patientId?: string): string {
  return `#/questionnaire/${instrument}${patientId ? `?patient=${patientId}` : ""}`;
}

/** The due questionnaires, each with a button that opens its form. */
export function dueList(due: DueQuestionnaire[], id: string, buttonWords: string, patientId?: string): HTMLElement {
  return el("ul", { id, class: "ws-list due-list" }, due.map((d) => el("li", { class: `due-${d.occasion.status}`, "data-instrument": d.instrument },
    el("span", { class: "due-words" }, dueWords(d)), " ",
    el("button", { class: "fill-in", "data-instrument": d.instrument, onclick: () => { go(questionnaireHash(d.instrument, patientId)); } }, `${buttonWords} ${d.name}`))));
}

function signed(n: number, max: number): string {
  const text = scoreText(Math.abs(n), max);
  return n > 0 ? `+${text}` : n < 0 ? `−${text}` : "±0";
}

/**
 * An instrument's trend in words: first → latest, the change, whether it reaches the MCID (in the
 * instrument's direction of better, as the engine classified it), and the latest severity band.
 */
export function trendWords(o: InstrumentOutcomes): string {
  const t = o.trend;
  if (!t) return `${o.name}: no questionnaire yet.`;
  const better = o.direction === "lower_is_better" ? "lower is better" : "higher is better";
  const band = o.latest_band ? ` Latest: ${bandWords(o.latest_band)}.` : "";
  if (t.points < 2) {
    return `${o.name} ${scoreOf(t.latest.value, o.max)} (${better}): one questionnaire so far, nothing to compare yet.${band}`;
  }
  const verdict = t.change.class === "improved" ? "≥ MCID improvement" : t.change.class === "worsened" ? "≥ MCID worsening" : "within MCID";
  return `${o.name} ${scoreText(t.first.value, o.max)} → ${scoreText(t.latest.value, o.max)} (${signed(t.change.difference, o.max)} points over ${t.points} questionnaires, ${better}; MCID ${scoreText(o.mcid, o.max)}): ${verdict}.${band}`;
}
