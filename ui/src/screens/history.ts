// Past sessions and progress over time.
import { call } from "../ipc";
import type { HistoryEntry } from "../bindings/HistoryEntry";
import { el, mount } from "../dom";
import { degrees, seconds, when, syncLabel } from "../format";
import { lineChart } from "../charts";
import type { Screen } from "../router";

const COLUMNS = ["Date", "Exercise", "Repetitions", "Range of motion", "Pain", "Duration", "Sync"];

function row(s: HistoryEntry): HTMLTableRowElement {
  return el("tr", {},
    el("td", {}, el("a", { href: `#/session/${s.session_id}` }, when(s.started_at))),
    el("td", {}, s.exercise_name),
    el("td", { class: "num" }, s.reps ?? "–", s.target_reps ? ` / ${s.target_reps}` : ""),
    el("td", { class: "num" }, degrees(s.mean_rom)),
    el("td", { class: "num" }, s.pain != null ? `${s.pain}/10` : "–"),
    el("td", { class: "num" }, seconds(s.duration_s)),
    el("td", {}, s.status === "recording" ? "Recording…" : syncLabel(s.sync)));
}

/** Charts over the finished sessions, oldest first; a trend needs two of them. */
function progress(sessions: HistoryEntry[]): HTMLElement | null {
  const done = sessions.filter((s) => s.status !== "recording").reverse();
  if (done.length < 2) return null;
  const xs = done.map((_, i) => i + 1);
  return el("section", { class: "progress" },
    el("h2", {}, "Progress"),
    lineChart({ xs, ys: done.map((s) => s.mean_rom), unit: "°", xLabel: "session", title: "Mean range of motion per session" }),
    lineChart({ xs, ys: done.map((s) => s.reps), xLabel: "session", title: "Repetitions per session" }),
    lineChart({ xs, ys: done.map((s) => s.pain), unit: "/10", xLabel: "session", title: "Pain per session" }));
}

export const history: Screen = {
  async render(root) {
    const sessions = await call("session_history", { limit: 200 });
    mount(root,
      el("h1", {}, "History"),
      sessions.length
        ? el("table", { id: "history" },
            el("thead", {}, el("tr", {}, COLUMNS.map((h) => el("th", { scope: "col" }, h)))),
            el("tbody", {}, sessions.map(row)))
        : el("p", { id: "history-empty" }, "No sessions yet."),
      progress(sessions),
    );
  },
};
