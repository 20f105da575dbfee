// The program of one patient as the therapist changes it: each item with its dose and
// adherence, edit (only the fields changed are sent) or end it, and the program builder (pick
// from the catalogue, sets × repetitions or hold time, target angle and tolerance, side,
// sessions per week, dates, instructions). The engine checks every value; errors show as they
// come back.
import { call } from "./ipc";
import type { ChartProgramItem } from "./bindings/ChartProgramItem";
import type { ExerciseInfo } from "./bindings/ExerciseInfo";
import type { ProgramItemEdit } from "./bindings/ProgramItemEdit";
import type { ItemSide } from "./bindings/ItemSide";
import { el } from "./dom";
import { degrees, when } from "./format";
import { errorMessage, toast } from "./toast";
import { exerciseWords } from "./workspace";

const num = (input: HTMLInputElement): number | null => (input.value.trim() === "" ? null : Number(input.value));

function dose(i: ChartProgramItem["item"]): string {
  const parts = [
    i.sets && i.reps ? `${i.sets} × ${i.reps} repetitions` : i.reps ? `${i.reps} repetitions` : null,
    i.hold_seconds ? `${i.sets ? `${i.sets} × ` : ""}hold ${i.hold_seconds} s` : null,
    i.target_angle != null ? `target ${degrees(i.target_angle)}${i.tolerance != null ? ` ± ${Math.round(i.tolerance)}°` : ""}` : null,
    i.side ? `side: ${i.side}` : null,
    i.per_week ? `${i.per_week}× a week` : null,
  ];
  return parts.filter((p): p is string => p !== null).join(" · ");
}

/** One item with its adherence and, while active, its edit and end controls. */
function itemRow(p: ChartProgramItem, changed: () => Promise<void>): HTMLTableRowElement {
  const i = p.item;
  const active = i.status === "active";
  const sets = el("input", { type: "number", min: 1, max: 50, size: 3, value: i.sets ?? "", "aria-label": `Sets of ${i.exercise_id}` });
  const reps = el("input", { type: "number", min: 1, max: 500, size: 3, value: i.reps ?? "", "aria-label": `Repetitions of ${i.exercise_id}` });
  const perWeek = el("input", { type: "number", min: 1, max: 21, size: 3, value: i.per_week ?? "", "aria-label": `Sessions per week of ${i.exercise_id}` });
  const target = el("input", { type: "number", min: 0, max: 360, size: 4, value: i.target_angle ?? "", "aria-label": `Target angle of ${i.exercise_id}` });
  const save = el("button", { class: "edit-item", "data-item": i.id }, "Save changes");
  save.addEventListener("click", () => {
    const edit: ProgramItemEdit = { sets: null, reps: null, hold_seconds: null, target_angle: null, per_week: null, end_date: null, instructions: null };
    if (num(sets) !== i.sets) edit.sets = num(sets);
    if (num(reps) !== i.reps) edit.reps = num(reps);
    if (num(perWeek) !== i.per_week) edit.per_week = num(perWeek);
    if (num(target) !== i.target_angle) edit.target_angle = num(target);
    call("edit_item", { itemId: i.id, edit })
      .then(async () => { toast(`${exerciseWords(i.exercise_id)} changed; it is sent at the next sync.`); await changed(); })
      .catch((e: unknown) => { toast(errorMessage(e)); });
  });
  const end = el("button", { class: "end-item", "data-item": i.id }, "End");
  end.addEventListener("click", () => {
    call("end_item", { itemId: i.id })
      .then(async () => { toast(`${exerciseWords(i.exercise_id)} ended; it is sent at the next sync.`); await changed(); })
      .catch((e: unknown) => { toast(errorMessage(e)); });
  });
  return el("tr", { "data-item": i.id, class: active ? null : "not-counted" },
    el("th", { scope: "row" }, exerciseWords(i.exercise_id), i.instructions ? el("div", { class: "muted" }, i.instructions) : null),
    el("td", {}, dose(i)),
    el("td", { class: "num" }, `${p.adherence.done_this_week}${i.per_week ? ` of ${i.per_week}` : ""}`),
    el("td", { class: "num" }, `${p.adherence.days_with_data_30d} days`),
    el("td", {}, active ? (p.missed_since ? `Missed since ${when(p.missed_since)}` : "Active") : "Ended"),
    el("td", {}, active ? el("div", { class: "form-row" },
      el("label", {}, "Sets", sets), el("label", {}, "Reps", reps), el("label", {}, "Per week", perWeek), el("label", {}, "Target °", target), save, end) : null));
}

/** The program table with adherence per item. */
export function programTable(items: ChartProgramItem[], changed: () => Promise<void>): HTMLElement {
  if (!items.length) return el("p", { id: "program-items" }, "No program yet: prescribe an exercise below.");
  return el("table", { id: "program-items" },
    el("caption", { class: "muted" }, "The program, with adherence per item"),
    el("thead", {}, el("tr", {}, ["Exercise", "Dose", "Sessions this week", "Days with data (30 d)", "Status", "Change"].map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, items.map((p) => itemRow(p, changed))));
}

const SIDES: ItemSide[] = ["both", "left", "right", "each"];

/** The program builder for `patientId`. */
export function programBuilder(patientId: string, exercises: ExerciseInfo[], changed: () => Promise<void>): HTMLElement {
  const exercise = el("select", { id: "builder-exercise" }, exercises.map((e) => el("option", { value: e.id }, `${e.name}${e.mode === "hold" ? " (hold)" : ""}`)));
  const sets = el("input", { type: "number", id: "builder-sets", min: 1, max: 50, value: 3, size: 3 });
  const reps = el("input", { type: "number", id: "builder-reps", min: 1, max: 500, value: 10, size: 3 });
  const hold = el("input", { type: "number", id: "builder-hold", min: 1, max: 3600, size: 4 });
  const target = el("input", { type: "number", id: "builder-target", min: 0, max: 360, size: 4 });
  const tolerance = el("input", { type: "number", id: "builder-tolerance", min: 0, max: 90, size: 3 });
  const side = el("select", { id: "builder-side" }, el("option", { value: "" }, "—"), SIDES.map((s) => el("option", { value: s }, s)));
  const perWeek = el("input", { type: "number", id: "builder-per-week", min: 1, max: 21, value: 3, size: 3 });
  const from = el("input", { type: "date", id: "builder-from" });
  const to = el("input", { type: "date", id: "builder-to" });
  const instructions = el("textarea", { id: "builder-instructions", rows: 2 });
  const status = el("p", { id: "builder-status", role: "status" });
  const isHold = () => exercises.find((e) => e.id === exercise.value)?.mode === "hold";
  const syncMode = () => {
    reps.disabled = isHold();
    hold.disabled = !isHold();
    const e = exercises.find((x) => x.id === exercise.value);
    if (e?.target_angle != null && target.value === "") target.placeholder = String(e.target_angle);
  };
  exercise.addEventListener("change", syncMode);
  syncMode();
  const submit = el("button", { type: "submit", class: "primary", id: "builder-prescribe" }, "Prescribe");
  const form = el("form", { id: "program-builder" },
    el("div", { class: "form-row" }, el("label", {}, "Exercise", exercise), el("label", {}, "Sets", sets), el("label", {}, "Repetitions", reps), el("label", {}, "or hold (s)", hold)),
    el("div", { class: "form-row" }, el("label", {}, "Target angle (°)", target), el("label", {}, "Tolerance (± °)", tolerance), el("label", {}, "Side", side), el("label", {}, "Sessions per week", perWeek)),
    el("div", { class: "form-row" }, el("label", {}, "From", from), el("label", {}, "Until", to)),
    el("label", {}, "Instructions for the patient", instructions),
    el("p", {}, submit), status);
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const chosen = side.value === "" ? null : (side.value as ItemSide);
    call("prescribe_item", { draft: {
      patient_id: patientId, exercise_id: exercise.value, sets: num(sets) ?? 1,
      reps: isHold() ? null : num(reps), hold_seconds: isHold() ? num(hold) : null,
      target_angle: num(target), tolerance: num(tolerance), side: chosen, per_week: num(perWeek) ?? 1,
      start_date: from.value || null, end_date: to.value || null, instructions: instructions.value.trim() || null,
    } })
      .then(async (item) => {
        status.textContent = `${exerciseWords(item.exercise_id)} prescribed; it is sent at the next sync.`;
        toast(status.textContent);
        await changed();
      })
      .catch((e: unknown) => { status.textContent = errorMessage(e); });
  });
  return el("fieldset", { id: "builder" }, el("legend", {}, "Prescribe an exercise"), form);
}
