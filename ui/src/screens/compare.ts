// Two sessions of one patient side by side, as the engine compared them on this computer: the
// angle curves overlaid (told apart by line pattern and legend), the range of motion of every
// repetition, the form issues and the pain, and what changed in one sentence.
import { call } from "../ipc";
import type { ComparedSession } from "../bindings/ComparedSession";
import { el, mount } from "../dom";
import { degrees, when } from "../format";
import { overlayChart } from "../charts";
import type { Screen } from "../router";
import { exerciseWords } from "../workspace";

const signed = (v: number | null, unit = ""): string => (v == null ? "–" : `${v > 0 ? "+" : ""}${Math.round(v)}${unit}`);

function issues(s: ComparedSession): string {
  return s.form_issues.length ? s.form_issues.map((i) => `${i.message} (${i.count}×)`).join("; ") : "none";
}

export const compare: Screen = {
  async render(root, params, id) {
    const other = params.get("with");
    if (!id || !other) { mount(root, el("h1", {}, "Choose two sessions to compare"), el("p", {}, "Pick two sessions in a patient's chart.")); return; }
    const c = await call("workspace_compare", { first: id, second: other });
    const { earlier: a, later: b } = c;
    const label = (s: ComparedSession) => `${exerciseWords(s.exercise_id)}, ${when(s.started_at)}`;
    const most = Math.max(a.rep_rom.length, b.rep_rom.length);
    mount(root,
      el("h1", {}, "Two sessions compared"),
      el("p", { id: "compare-summary", class: "notice" }, c.summary),
      c.same_exercise ? null : el("p", { class: "notice" }, "These are two different exercises: their curves are not directly comparable."),
      el("table", { id: "compare-stats", class: "compare-stats" },
        el("thead", {}, el("tr", {}, el("th", { scope: "col" }, ""), el("th", { scope: "col" }, `Earlier: ${label(a)}`), el("th", { scope: "col" }, `Later: ${label(b)}`), el("th", { scope: "col" }, "Change"))),
        el("tbody", {},
          el("tr", {}, el("th", { scope: "row" }, "Repetitions"), el("td", {}, a.reps), el("td", {}, b.reps), el("td", {}, signed(c.change.reps))),
          el("tr", {}, el("th", { scope: "row" }, "Mean range of motion"), el("td", {}, degrees(a.mean_rom)), el("td", {}, degrees(b.mean_rom)), el("td", {}, signed(c.change.rom_deg, "°"))),
          el("tr", {}, el("th", { scope: "row" }, "Form issues"), el("td", {}, issues(a)), el("td", {}, issues(b)), el("td", {}, signed(c.change.form_issues))),
          el("tr", {}, el("th", { scope: "row" }, "Pain"), el("td", {}, a.pain != null ? `${a.pain}/10` : "–"), el("td", {}, b.pain != null ? `${b.pain}/10` : "–"), el("td", {}, signed(c.change.pain))))),
      el("h2", {}, "Angle over time"),
      overlayChart({ title: `${a.curve.angle ?? "Joint"} angle over time: earlier (solid) and later (dashed)`, unit: "°", xLabel: "seconds",
        series: [{ name: `Earlier (solid) ${when(a.started_at)}`, xs: a.curve.t_s, ys: a.curve.degrees }, { name: `Later (dashed) ${when(b.started_at)}`, xs: b.curve.t_s, ys: b.curve.degrees }] }),
      el("h2", {}, "Range of motion per repetition"),
      el("table", { id: "compare-reps" },
        el("thead", {}, el("tr", {}, ["Repetition", "Earlier", "Later"].map((h) => el("th", { scope: "col" }, h)))),
        el("tbody", {}, Array.from({ length: most }, (_, i) => el("tr", {},
          el("th", { scope: "row" }, `#${i + 1}`),
          el("td", { class: "num" }, degrees(a.rep_rom[i] ?? null)),
          el("td", { class: "num" }, degrees(b.rep_rom[i] ?? null)))))),
      c.patient_id ? el("p", {}, el("a", { href: `#/patient/${c.patient_id}` }, "← Back to the chart")) : null,
    );
  },
};
