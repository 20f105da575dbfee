// The chart's outcome measures (issue 19), as the engine computes them
// (physalign_workspace::outcomes): the patient's outcome plan (which questionnaires, intake and
// discharge days) with its form, what is due now, and per instrument the scores over time as a
// line chart (with the MCID around the first score as a band) and a table as its text
// alternative, the trend in words and the schedule, each with a way to enter the patient's answers.
import { call } from "./ipc";
import type { Instrument } from "./bindings/Instrument";
import type { InstrumentOutcomes } from "./bindings/InstrumentOutcomes";
import type { OutcomeOverview } from "./bindings/OutcomeOverview";
import { el, mount } from "./dom";
import { when } from "./format";
import { lineChart } from "./charts";
import { go } from "./router";
import { errorMessage, toast } from "./toast";
import { INSTRUMENTS, dueList, occasionWords, questionnaireHash, respondentWords, scoreOf, scoreUnit, statusWords, trendWords } from "./outcomes";

function enterButton(instrument: Instrument, name: string, patientId: string): HTMLButtonElement {
  return el("button", { class: "enter-answers", "data-instrument": instrument, onclick: () => { go(questionnaireHash(instrument, patientId)); } }, `Enter ${name} answers`);
}

/** The plan's schedule of one instrument in words. */
function scheduleWords(o: InstrumentOutcomes): string | null {
  if (!o.schedule?.occasions.length) return null;
  return o.schedule.occasions.map((s) =>
    `${occasionWords(s.kind)} ${s.due}: ${statusWords(s.status)}${s.completed_on && s.completed_on !== s.due ? ` (${s.completed_on})` : ""}`).join(" · ");
}

function instrumentSection(o: InstrumentOutcomes, patientId: string): HTMLElement {
  const id = `outcome-${o.instrument}`;
  const schedule = scheduleWords(o);
  const better = o.direction === "lower_is_better" ? "lower is better" : "higher is better";
  const first = o.trend?.first.value;
  const band = first === undefined ? null
    : { low: Math.max(0, first - o.mcid), high: Math.min(o.max, first + o.mcid), label: `within the MCID (${o.mcid}) of the first score` };
  const psfs = o.instrument === "psfs";
  return el("section", { class: "outcome-series", "data-instrument": o.instrument, "aria-labelledby": `${id}-heading` },
    el("h3", { id: `${id}-heading` }, o.name, o.planned ? null : el("span", { class: "muted" }, " (not in the plan)")),
    el("p", { class: "outcome-trend" }, trendWords(o)),
    schedule ? el("p", { class: "outcome-schedule" }, `Schedule: ${schedule}`) : null,
    o.points.length
      ? [lineChart({ xs: o.points.map((_, i) => i + 1), ys: o.points.map((p) => p.score), unit: scoreUnit(o.instrument, o.max), xLabel: "questionnaire",
        title: `${o.name}: score per questionnaire, 0 to ${o.max} (${better})`, band }),
      el("table", { class: "outcome-table" },
        el("caption", { class: "muted" }, "The same as a table"),
        el("thead", {}, el("tr", {}, ["Date", "Score", "Answered by", psfs ? "Activities" : null].filter((h): h is string => h !== null).map((h) => el("th", { scope: "col" }, h)))),
        el("tbody", {}, o.points.map((p) => el("tr", {},
          el("th", { scope: "row" }, when(p.completed_at)),
          el("td", { class: "num" }, scoreOf(p.score, o.max)),
          el("td", {}, respondentWords(p.respondent)),
          psfs ? el("td", {}, p.activities.join(", ")) : null))))]
      : null,
    el("p", {}, enterButton(o.instrument, o.name, patientId)));
}

/** The plan form: the instruments asked, the intake day and the optional discharge day. */
function planForm(overview: OutcomeOverview, saved: (next: OutcomeOverview) => void): HTMLElement {
  const plan = overview.plan;
  const boxes = INSTRUMENTS.map((i) => el("input", { type: "checkbox", name: "plan-instrument", value: i.value, checked: plan?.instruments.includes(i.value) ?? false }));
  const start = el("input", { type: "date", id: "outcome-start", required: true, value: plan?.started_on ?? overview.today });
  const discharge = el("input", { type: "date", id: "outcome-discharge", value: plan?.discharge_on ?? "" });
  const status = el("p", { id: "outcome-plan-status", role: "status" });
  const form = el("form", { id: "outcome-plan" },
    el("fieldset", {},
      el("legend", {}, "Questionnaires asked (at intake, every 30 days and at discharge)"),
      el("div", { class: "form-row" }, INSTRUMENTS.map((i, k) => el("label", { class: "check" }, boxes[k], ` ${i.name}`)))),
    el("div", { class: "form-row" }, el("label", {}, "Intake", start), el("label", {}, "Discharge (optional)", discharge)),
    el("p", {}, el("button", { type: "submit", class: "primary", id: "outcome-plan-save" }, "Save the plan")),
    status);
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const instruments = INSTRUMENTS.filter((_, k) => boxes[k]?.checked).map((i) => i.value);
    call("set_outcome_plan", { patientId: overview.patient_id, change: { instruments, started_on: start.value, discharge_on: discharge.value || null } })
      .then((next) => {
        toast("Outcome plan saved; it is sent at the next sync.");
        saved(next);
      })
      .catch((e: unknown) => { status.textContent = errorMessage(e); toast(errorMessage(e)); });
  });
  return el("div", {},
    plan ? el("p", { class: "muted", id: "outcome-plan-text" }, `Plan last changed ${when(plan.updated_at)}.`)
      : el("p", { class: "muted", id: "outcome-plan-text" }, "No outcome plan yet: choose the questionnaires and the intake day."),
    form);
}

/** Any questionnaire, planned or not, entered in clinic. */
function otherEntry(patientId: string): HTMLElement {
  const pick = el("select", { id: "outcome-other" }, INSTRUMENTS.map((i) => el("option", { value: i.value }, i.name)));
  return el("p", { class: "form-row" },
    el("label", {}, "Another questionnaire", pick),
    el("button", { id: "outcome-other-enter", onclick: () => {
      const chosen = INSTRUMENTS.find((i) => i.value === pick.value);
      if (chosen) go(questionnaireHash(chosen.value, patientId));
    } }, "Enter answers"));
}

function contents(overview: OutcomeOverview, redraw: (next: OutcomeOverview) => void): HTMLElement[] {
  const patientId = overview.patient_id;
  return [
    el("h3", {}, "Outcome plan"),
    planForm(overview, redraw),
    el("h3", {}, "Due now"),
    overview.due.length ? dueList(overview.due, "outcome-due", "Enter answers for", patientId) : el("p", { id: "outcome-due" }, "Nothing due now."),
    overview.instruments.length
      ? el("div", { id: "outcome-series" }, overview.instruments.map((o) => instrumentSection(o, patientId)))
      : el("p", { id: "outcome-series" }, "No questionnaires yet."),
    otherEntry(patientId),
  ];
}

/** The chart's "Outcome measures" section; `overview` failed with `error` when null. */
export function outcomeSection(overview: OutcomeOverview | null, error: string | null): HTMLElement {
  const body = el("div", { id: "chart-outcomes-body" });
  const draw = (next: OutcomeOverview) => { mount(body, contents(next, draw)); };
  if (overview) draw(overview);
  else mount(body, el("p", { class: "notice" }, `The outcome measures cannot be shown: ${error ?? "unknown error"}`));
  return el("section", { id: "chart-outcomes", "aria-labelledby": "chart-outcomes-heading" },
    el("h2", { id: "chart-outcomes-heading" }, "Outcome measures"),
    body);
}
