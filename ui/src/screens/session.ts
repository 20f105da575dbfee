// After a session: repetitions, range of motion per repetition, the angle over time, form
// issues with their times, pain and notes from speech, and the sync state.
import { call } from "../ipc";
import { el, mount } from "../dom";
import { degrees, seconds, severityLabel, when, syncLabel } from "../format";
import { barChart, lineChart } from "../charts";
import { countedReps, painsSaid } from "../session-report";
import type { Screen } from "../router";

function stat(label: string, value: HTMLElement, extra: string | null = null): HTMLDivElement {
  return el("div", { class: "stat" }, el("span", { class: "label" }, label), value, extra ? el("span", {}, extra) : null);
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
    mount(root,
      el("h1", {}, `${e.exercise_name} — ${when(e.started_at)}`),
      el("div", { class: "stats" },
        stat("Repetitions", el("output", { id: "summary-reps", class: "big-number" }, e.reps ?? "–"), e.target_reps ? ` of ${e.target_reps}` : null),
        stat("Mean range of motion", el("output", { class: "big-number" }, degrees(e.mean_rom))),
        stat("Duration", el("output", { class: "big-number" }, seconds(e.duration_s))),
        stat("Pain", el("output", { class: "big-number" }, e.pain != null ? `${e.pain}/10` : "–")),
        stat("Sync", el("output", { id: "summary-sync" }, syncLabel(e.sync)))),
      el("h2", {}, "Range of motion per repetition"),
      barChart({ labels: counted.map((r) => `#${r.number}`), values: counted.map((r) => r.rom), unit: "°", title: "Range of motion per repetition" }),
      el("h2", {}, `${series.angle ?? "Joint"} angle over time`),
      lineChart({ xs: series.t_s, ys: series.degrees, unit: "°", xLabel: "seconds", title: "Joint angle over time",
        markers: counted.map((r) => ({ x: r.peakMs / 1000, label: `#${r.number}` })) }),
      el("h2", {}, "Form"),
      issues.length
        ? el("ul", { id: "form-issues" }, issues.map((i) => el("li", {}, `${seconds(i.timestamp_ms / 1000)} — ${severityLabel(i.issue.severity)}: ${i.issue.message}`)))
        : el("p", { id: "form-issues" }, "No form issues. Well done."),
      el("h2", {}, "What you said"),
      view.transcript ? el("blockquote", { id: "session-transcript" }, view.transcript) : el("p", { class: "muted" }, "No transcript for this session."),
      pains.length ? el("ul", {}, pains.map((p) => el("li", {}, `Pain ${p.score}/10${p.bodyPart ? ` (${p.bodyPart})` : ""}: “${p.quote}”`))) : null,
      el("p", {}, el("a", { href: "#/history" }, "← All sessions")),
    );
  },
};
