// Today's program: prescribed and picked exercises with their targets.
import { call } from "../ipc.js";
import { el, degrees, toast } from "../format.js";
import { state, go } from "../main.js";

export async function render(root) {
  const [program, exercises] = await Promise.all([call("todays_program"), call("list_exercises")]);
  const list = el("ul", { id: "program", class: "cards" },
    program.map((p) =>
      el("li", { class: "card" },
        el("h2", {}, p.name),
        el("p", {}, p.instructions || p.description),
        el("p", { class: "targets" },
          p.target_reps ? el("span", {}, `${p.target_reps} repetitions`) : null,
          p.target_angle != null ? el("span", {}, ` · reach ${degrees(p.target_angle)}`) : null,
          el("span", {}, ` · camera: ${p.camera_view}`)),
        el("p", { class: "done" }, p.done_today ? `✓ Done ${p.done_today}× today` : "Not done yet today"),
        el("p", { class: "muted" }, p.origin === "prescribed" ? "Prescribed by your physiotherapist" : "Chosen by you"),
        el("button", { class: "primary", "data-exercise": p.exercise_id, onclick: () => { state.selectedExercise = p.exercise_id; go(`#/record?exercise=${p.exercise_id}`); } }, `Start ${p.name}`))));

  const picker = el("select", { id: "add-exercise", "aria-label": "Exercise to add" },
    exercises.map((e) => el("option", { value: e.id }, e.name)));
  const reps = el("input", { type: "number", id: "add-reps", min: 1, max: 100, value: 10, "aria-label": "Target repetitions" });
  const add = el("button", { id: "add" }, "Add to my program");
  add.addEventListener("click", async () => {
    const settings = { ...state.settings, program: [...state.settings.program.filter((p) => p.exercise_id !== picker.value), { exercise_id: picker.value, target_reps: Number(reps.value) || null, target_angle: null }] };
    try {
      state.settings = await call("save_settings", { settings });
      render(root);
    } catch (e) { toast(e.message); }
  });
  root.replaceChildren(
    el("h1", {}, "Today's program"),
    program.length ? list : el("p", {}, "Nothing planned yet. Add an exercise below."),
    el("fieldset", {}, el("legend", {}, "Add an exercise from the catalogue"), picker, " ", el("label", {}, "Repetitions ", reps), " ", add),
  );
}
