// One patient's chart: profile, open alerts, the program with adherence per item (edit, end,
// prescribe), progress over time per exercise and side against the target band (charts with a
// table as their text alternative), the outcome measures (plan, what is due, scores with their
// trend), the sessions with their reviews, and two of them chosen to compare.
import { call } from "../ipc";
import type { ProgressSeries } from "../bindings/ProgressSeries";
import type { SessionOverview } from "../bindings/SessionOverview";
import { el, mount } from "../dom";
import { measurementList } from "../measurement";
import { degrees, when } from "../format";
import { lineChart } from "../charts";
import { go, type Screen } from "../router";
import { errorMessage, toast } from "../toast";
import { contactWords, dataDaysWords, exerciseWords, gradeWords, kindWords, readinessWords, reviewTimeWords } from "../workspace";
import type { PatientMonitoring } from "../bindings/PatientMonitoring";
import { programBuilder, programTable } from "../program";
import { outcomeSection } from "../outcome-chart";

function seriesTitle(s: ProgressSeries): string {
  return `${s.exercise_name}${s.side ? ` (${s.side})` : ""}${s.joint ? ` — ${s.joint} angle` : ""}`;
}

function progressSection(s: ProgressSeries, index: number): HTMLElement {
  const xs = s.points.map((_, i) => i + 1);
  const band = s.target ? { low: s.target.low, high: s.target.high, label: `target ${Math.round(s.target.angle)}° ± ${Math.round(s.target.high - s.target.angle)}°` } : null;
  return el("section", { class: "progress-series", "data-exercise": s.exercise_id, "aria-labelledby": `progress-${index}` },
    el("h3", { id: `progress-${index}` }, seriesTitle(s)),
    lineChart({ xs, ys: s.points.map((p) => p.reached_deg), unit: "°", xLabel: "session", title: `${seriesTitle(s)}: angle reached per session against the target band`, band }),
    el("table", { class: "progress-table" },
      el("caption", { class: "muted" }, "The same as a table"),
      el("thead", {}, el("tr", {}, ["Session", "Angle reached", "In target band", "Range of motion", "Repetitions", "Pain"].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, s.points.map((p) => el("tr", {},
        el("th", { scope: "row" }, el("a", { href: `#/review/${p.session_id}` }, when(p.started_at))),
        el("td", { class: "num" }, degrees(p.reached_deg)),
        el("td", {}, p.in_band === null ? "no target" : p.in_band ? "✓ yes" : "✗ no"),
        el("td", { class: "num" }, degrees(p.rom_deg)),
        el("td", { class: "num" }, p.reps),
        el("td", { class: "num" }, p.pain != null ? `${p.pain}/10` : "–"))))));
}

function sessionsTable(sessions: SessionOverview[]): HTMLElement {
  if (!sessions.length) return el("p", { id: "chart-sessions" }, "No sessions on this computer yet.");
  const picks: HTMLInputElement[] = [];
  const compare = el("button", { id: "compare-selected", disabled: true }, "Compare the two selected sessions");
  const update = () => {
    const chosen = picks.filter((p) => p.checked);
    compare.disabled = chosen.length !== 2;
  };
  compare.addEventListener("click", () => {
    const chosen = picks.filter((p) => p.checked).map((p) => p.value);
    if (chosen.length === 2) go(`#/compare/${chosen[0] ?? ""}?with=${chosen[1] ?? ""}`);
    else toast("Choose exactly two sessions.");
  });
  const rows = sessions.map((s) => {
    const pick = el("input", { type: "checkbox", value: s.session_id, class: "compare-pick", "aria-label": `Compare the session of ${when(s.started_at)}`, onchange: update });
    picks.push(pick);
    return el("tr", {},
      el("td", {}, pick),
      el("th", { scope: "row" }, el("a", { href: `#/review/${s.session_id}` }, when(s.started_at))),
      el("td", {}, exerciseWords(s.exercise_id)),
      el("td", { class: "num" }, s.reps),
      el("td", { class: "num" }, degrees(s.mean_rom)),
      el("td", { class: "num" }, s.pain != null ? `${s.pain}/10` : "–"),
      el("td", {}, s.review ? `${gradeWords(s.review.assessment)}${s.review.notes ? `: ${s.review.notes}` : ""}` : "Not reviewed"));
  });
  return el("div", { id: "chart-sessions" },
    el("table", {},
      el("thead", {}, el("tr", {}, ["Compare", "Session", "Exercise", "Repetitions", "Range of motion", "Pain", "Review and notes"].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, rows)),
    el("p", {}, compare));
}

function monitoringSection(m: PatientMonitoring): HTMLElement {
  return el("section", { "aria-labelledby": "chart-monitoring-heading" },
    el("h2", { id: "chart-monitoring-heading" }, "Remote monitoring"),
    el("p", { class: "muted" }, `The 30 days from ${m.period.from} to ${m.period.to}. `, el("a", { href: "#/monitoring" }, "All patients")),
    el("dl", { id: "chart-monitoring", class: "facts" },
      el("dt", {}, "Days with data"), el("dd", { id: "chart-monitoring-days" }, dataDaysWords(m)),
      el("dt", {}, "Review time"), el("dd", { id: "chart-monitoring-minutes" }, reviewTimeWords(m)),
      el("dt", {}, "Interactive contacts"), el("dd", { id: "chart-monitoring-contacts" }, contactWords(m)),
      el("dt", {}, "Meets"), el("dd", { id: "chart-monitoring-readiness" }, readinessWords(m))));
}

export const patient: Screen = {
  async render(root, _params, id) {
    if (!id) { mount(root, el("h1", {}, "Patient not found")); return; }
    const rerender = () => patient.render(root, new URLSearchParams(), id);
    // The outcome measures are a part of the chart: their failure is said there, not instead of it.
    const outcomes = call("outcome_overview", { patientId: id })
      .then((overview) => ({ overview, error: null }), (e: unknown) => ({ overview: null, error: errorMessage(e) }));
    const [view, exercises, measurements, outcome] = await Promise.all([
      call("workspace_chart", { patientId: id }), call("list_exercises"), call("workspace_measurements", { patientId: id }), outcomes]);
    const { chart, progress } = view;
    const p = chart.patient;
    mount(root,
      el("h1", { id: "chart-name" }, `${p.first_name} ${p.last_name}`),
      el("dl", { id: "chart-profile" },
        el("dt", {}, "E-mail"), el("dd", {}, p.email ?? "–"),
        el("dt", {}, "Last session"), el("dd", {}, p.last_session_at ? when(p.last_session_at) : "never"),
        el("dt", {}, "This week"), el("dd", {}, `${p.adherence_this_week.done} of ${p.adherence_this_week.target} sessions`)),
      el("p", {}, el("a", { id: "chart-book", class: "button", href: `#/calendar?patient=${p.patient_id}` }, "Book an appointment")),
      chart.alerts.length
        ? el("section", { "aria-labelledby": "chart-alerts-heading" }, el("h2", { id: "chart-alerts-heading" }, "Open alerts"),
          el("ul", { id: "chart-alerts", class: "ws-list" }, chart.alerts.map((a) => el("li", { class: `alert alert-${a.kind}` },
            el("span", { class: "alert-kind" }, kindWords(a.kind)), ` ${a.message} `,
            a.session_id ? el("a", { href: `#/review/${a.session_id}` }, "Open the session") : null))))
        : null,
      monitoringSection(view.monitoring),
      el("h2", {}, "Program"),
      programTable(chart.program, rerender),
      programBuilder(chart.patient.patient_id, exercises, rerender),
      el("h2", {}, "Progress over time"),
      progress.length ? el("div", { id: "chart-progress" }, progress.map(progressSection)) : el("p", { id: "chart-progress" }, "No measured sessions yet."),
      outcomeSection(outcome.overview, outcome.error),
      el("h2", {}, "Goniometer readings"),
      el("p", {}, el("a", { id: "record-in-clinic", class: "button", href: `#/record?patient=${p.patient_id}` }, "Record in clinic"),
        el("span", { class: "muted" }, " — the session is this patient's; to measure a joint, record the held position, then open the session and read it.")),
      measurementList(measurements),
      el("h2", {}, "Sessions, reviews and notes"),
      sessionsTable(chart.sessions),
    );
  },
};
