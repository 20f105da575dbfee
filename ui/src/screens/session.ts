// After a session: repetitions, how far the measurement can be trusted and which side moved,
// range of motion and confidence per repetition, the angle over time, form issues with their
// times, pain and notes from speech, and the sync state. Every verdict and its wording comes
// from the engine (SessionSummary.measurement, and SessionSummary.crisis: the crisis resources
// when what was said carries a crisis flag, shown first; SessionSummary.review: the clinician's
// latest review); this screen only lays it out.
import { call } from "../ipc";
import { el, mount } from "../dom";
import { degrees, seconds, severityLabel, when, syncLabel } from "../format";
import { barChart, lineChart } from "../charts";
import { countedReps, painsSaid } from "../session-report";
import { crisisPanel } from "../crisis";
import { transcriptPanel } from "../transcript-retention";
import type { MeasurementView } from "../bindings/MeasurementView";
import type { RepetitionRow } from "../bindings/RepetitionRow";
import type { TrustView } from "../bindings/TrustView";
import type { ReviewView } from "../bindings/ReviewView";
import type { Screen } from "../router";

function stat(label: string, value: HTMLElement, extra: string | null = null): HTMLDivElement {
  return el("div", { class: "stat" }, el("span", { class: "label" }, label), value, extra ? el("span", {}, extra) : null);
}

/** The engine's trust verdict: a status line, its reasons, and what to change next time. */
function trustPanel(trust: TrustView): HTMLElement {
  return el("section", { id: "summary-trust", class: `trust trust-${trust.verdict}`, "aria-labelledby": "summary-trust-headline" },
    el("p", { id: "summary-trust-headline", class: "trust-headline" }, trust.headline),
    trust.reasons.length ? el("ul", { class: "trust-reasons" }, trust.reasons.map((r) => el("li", {}, r))) : null,
    trust.framing_warning ? el("p", { id: "summary-framing", class: "trust-framing", role: "note" }, trust.framing_warning) : null);
}

/** The clinician's latest review of this session, in the engine's words. */
function reviewPanel(review: ReviewView): HTMLElement {
  return el("section", { id: "summary-review", class: "review", "aria-labelledby": "summary-review-heading" },
    el("h2", { id: "summary-review-heading" }, "Your physiotherapist's review"),
    el("p", {}, el("strong", { id: "summary-review-grade" }, review.grade), ` · ${when(review.reviewed_at)}`,
      review.written_here ? el("span", { class: "muted" }, " · written on this device, not yet sent") : null),
    review.notes ? el("p", { id: "summary-review-notes" }, review.notes) : null,
    review.next_steps ? el("p", { id: "summary-review-plan" }, `Next: ${review.next_steps}`) : null);
}

function repetitionRow(rep: RepetitionRow, withSide: boolean): HTMLTableRowElement {
  return el("tr", { class: rep.uncertain ? "uncertain" : rep.counted ? null : "not-counted" },
    el("th", { scope: "row" }, rep.counted ? `#${rep.label}` : rep.label),
    el("td", { class: "num" }, `${rep.start_s.toFixed(1)}–${rep.end_s.toFixed(1)} s`),
    el("td", { class: "num" }, degrees(rep.rom)),
    withSide ? el("td", {}, rep.side ?? "–") : null,
    el("td", { class: "num" }, rep.confidence_text));
}

/** Every cycle the engine found, counted or not, with its confidence. */
function repetitionTable(m: MeasurementView): HTMLElement | null {
  if (!m.repetitions.length) return null;
  const withSide = m.repetitions.some((r) => r.side !== null);
  const columns = ["Repetition", "Time", "Range of motion", ...(withSide ? ["Side"] : []), "Confidence"];
  return el("table", { id: "summary-repetitions" },
    el("caption", { class: "muted" }, "Each repetition, with how confident the measurement is"),
    el("thead", {}, el("tr", {}, columns.map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, m.repetitions.map((r) => repetitionRow(r, withSide))));
}

export const session: Screen = {
  async render(root, _params, id) {
    if (!id) { mount(root, el("h1", {}, "Session not found")); return; }
    const [view, series] = await Promise.all([
      call("session_view", { sessionId: id }),
      call("session_angles", { sessionId: id, maxPoints: 400 }),
    ]);
    if (!view) { mount(root, el("h1", {}, "Session not found")); return; }
    const e = view.entry;
    const counted = countedReps(view.report);
    const issues = view.detail.form_issues;
    const pains = painsSaid(view.notes);
    const m = view.measurement;
    mount(root,
      view.crisis ? crisisPanel(view.crisis, "summary-crisis") : null,
      el("h1", {}, `${e.exercise_name} — ${when(e.started_at)}`),
      el("div", { class: "stats" },
        stat("Repetitions", el("output", { id: "summary-reps", class: "big-number" }, e.reps ?? "–"), e.target_reps ? ` of ${e.target_reps}` : null),
        stat("Mean range of motion", el("output", { class: "big-number" }, degrees(e.mean_rom))),
        stat("Duration", el("output", { class: "big-number" }, seconds(e.duration_s))),
        stat("Pain", el("output", { class: "big-number" }, e.pain != null ? `${e.pain}/10` : "–")),
        stat("Sync", el("output", { id: "summary-sync" }, syncLabel(e.sync))),
        m?.sides ? stat("Sides", el("output", { id: "summary-sides" }, m.sides.text)) : null,
        m?.functional_test ? stat("Test result", el("output", { id: "summary-test" }, m.functional_test)) : null),
      view.review ? reviewPanel(view.review) : null,
      m?.trust ? trustPanel(m.trust) : null,
      el("h2", {}, "Range of motion per repetition"),
      barChart({ labels: counted.map((r) => `#${r.number}`), values: counted.map((r) => r.rom), unit: "°", title: "Range of motion per repetition" }),
      el("h2", {}, `${series.angle ?? "Joint"} angle over time`),
      lineChart({ xs: series.t_s, ys: series.degrees, unit: "°", xLabel: "seconds", title: "Joint angle over time",
        markers: counted.map((r) => ({ x: r.peakMs / 1000, label: `#${r.number}` })) }),
      m && m.repetitions.length ? [el("h2", {}, "Repetitions"), repetitionTable(m)] : null,
      el("h2", {}, "Form"),
      issues.length
        ? el("ul", { id: "form-issues" }, issues.map((i) => el("li", {}, `${seconds(i.timestamp_ms / 1000)} — ${severityLabel(i.issue.severity)}: ${i.issue.message}`)))
        : el("p", { id: "form-issues" }, "No form issues. Well done."),
      el("h2", {}, "What you said"),
      transcriptPanel(id, view.transcript, view.transcript_retention),
      pains.length ? el("ul", {}, pains.map((p) => el("li", {}, `Pain ${p.score}/10${p.bodyPart ? ` (${p.bodyPart})` : ""}: “${p.quote}”`))) : null,
      el("p", {}, el("a", { href: "#/history" }, "← All sessions")),
    );
  },
};
