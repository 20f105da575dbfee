// After a session: repetitions, range of motion per repetition, the angle over time, form
// issues with their times, pain and notes from speech, and the sync state.
import { call } from "../ipc.js";
import { el, degrees, seconds, when, syncLabel } from "../format.js";
import { barChart, lineChart } from "../charts.js";

export async function render(root, params, id) {
  const [view, series] = await Promise.all([
    call("session_view", { sessionId: id }),
    call("session_angles", { sessionId: id, maxPoints: 400 }),
  ]);
  if (!view) {
    root.replaceChildren(el("h1", {}, "Session not found"));
    return;
  }
  const e = view.entry;
  const report = view.report || {};
  const counted = (report.rep_details || []).filter((r) => r.number != null);
  const pains = (view.notes?.pain_reports || []).filter((p) => !p.denied && p.score != null);
  root.replaceChildren(
    el("h1", {}, `${e.exercise_name} — ${when(e.started_at)}`),
    el("div", { class: "stats" },
      el("div", { class: "stat" }, el("span", { class: "label" }, "Repetitions"), el("output", { id: "summary-reps", class: "big-number" }, e.reps ?? "–"), e.target_reps ? el("span", {}, ` of ${e.target_reps}`) : null),
      el("div", { class: "stat" }, el("span", { class: "label" }, "Mean range of motion"), el("output", { class: "big-number" }, degrees(e.mean_rom))),
      el("div", { class: "stat" }, el("span", { class: "label" }, "Duration"), el("output", { class: "big-number" }, seconds(e.duration_s))),
      el("div", { class: "stat" }, el("span", { class: "label" }, "Pain"), el("output", { class: "big-number" }, e.pain != null ? `${e.pain}/10` : "–")),
      el("div", { class: "stat" }, el("span", { class: "label" }, "Sync"), el("output", { id: "summary-sync" }, syncLabel(e.sync)))),
    el("h2", {}, "Range of motion per repetition"),
    barChart({ labels: counted.map((r) => `#${r.number}`), values: counted.map((r) => r.rom), unit: "°", title: "Range of motion per repetition" }),
    el("h2", {}, `${series.angle || "Joint"} angle over time`),
    lineChart({ xs: series.t_s, ys: series.degrees, unit: "°", xLabel: "seconds", title: "Joint angle over time",
      markers: counted.map((r) => ({ x: r.peak_ms / 1000, label: `#${r.number}` })) }),
    el("h2", {}, "Form"),
    (report.form_issues || []).length
      ? el("ul", { id: "form-issues" }, report.form_issues.map((i) => el("li", {}, `${seconds(i.timestamp_ms / 1000)} — ${i.severity}: ${i.message}`)))
      : el("p", { id: "form-issues" }, "No form issues. Well done."),
    el("h2", {}, "What you said"),
    view.transcript ? el("blockquote", { id: "session-transcript" }, view.transcript) : el("p", { class: "muted" }, "No transcript for this session."),
    pains.length ? el("ul", {}, pains.map((p) => el("li", {}, `Pain ${p.score}/10${p.body_part ? ` (${p.body_part})` : ""}: “${p.quote}”`))) : null,
    el("p", {}, el("a", { href: "#/history" }, "← All sessions")),
  );
}
