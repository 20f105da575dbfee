// Past sessions and progress over time.
import { call } from "../ipc.js";
import { el, degrees, seconds, when, syncLabel } from "../format.js";
import { lineChart } from "../charts.js";

export async function render(root) {
  const sessions = await call("session_history", { limit: 200 });
  const done = sessions.filter((s) => s.status !== "recording").slice().reverse();
  const xs = done.map((_, i) => i + 1);
  const rows = sessions.map((s) =>
    el("tr", {},
      el("td", {}, el("a", { href: `#/session/${s.session_id}` }, when(s.started_at))),
      el("td", {}, s.exercise_name),
      el("td", { class: "num" }, s.reps ?? "–", s.target_reps ? ` / ${s.target_reps}` : ""),
      el("td", { class: "num" }, degrees(s.mean_rom)),
      el("td", { class: "num" }, s.pain != null ? `${s.pain}/10` : "–"),
      el("td", { class: "num" }, seconds(s.duration_s)),
      el("td", {}, s.status === "recording" ? "Recording…" : syncLabel(s.sync))));
  root.replaceChildren(
    el("h1", {}, "History"),
    sessions.length
      ? el("table", { id: "history" },
          el("thead", {}, el("tr", {}, ["Date", "Exercise", "Repetitions", "Range of motion", "Pain", "Duration", "Sync"].map((h) => el("th", { scope: "col" }, h)))),
          el("tbody", {}, rows))
      : el("p", { id: "history-empty" }, "No sessions yet."),
    done.length > 1 ? el("section", { class: "progress" },
      el("h2", {}, "Progress"),
      lineChart({ xs, ys: done.map((s) => s.mean_rom), unit: "°", xLabel: "session", title: "Mean range of motion per session" }),
      lineChart({ xs, ys: done.map((s) => s.reps), xLabel: "session", title: "Repetitions per session" }),
      lineChart({ xs, ys: done.map((s) => s.pain), unit: "/10", xLabel: "session", title: "Pain per session" })) : null,
  );
}
