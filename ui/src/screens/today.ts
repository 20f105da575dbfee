// Today's program: prescribed and picked exercises with their targets, under the crisis
// resources while a recent session carries a crisis flag the patient has not acknowledged (the
// engine decides both the rule and the words: recent_crisis), the outcome questionnaires the
// physiotherapist's plan asks for now (due or overdue; none before the device knows its patient),
// and the clinic's appointments ahead and the therapy goals as last synced (patient_agenda).
import { call } from "../ipc";
import type { ProgramEntry } from "../bindings/ProgramEntry";
import { el, mount } from "../dom";
import { degrees } from "../format";
import { crisisPanel } from "../crisis";
import type { CrisisResources } from "../bindings/CrisisResources";
import { showingErrors } from "../toast";
import { settings, state } from "../state";
import { go, type Screen } from "../router";
import type { OutcomeOverview } from "../bindings/OutcomeOverview";
import { dueList } from "../outcomes";
import type { PatientAgenda } from "../bindings/PatientAgenda";
import { dateWords, goalWords, kindWords, localDate, statusWords, timeSpan } from "../appointments";

/** The crisis resources with a button to say they were read (the session summary keeps them). */
function crisisSection(resources: CrisisResources, rerender: () => Promise<void>): HTMLElement {
  const sessionId = resources.session_id;
  const read = sessionId
    ? el("button", { id: "crisis-acknowledge", onclick: showingErrors(async () => {
      await call("acknowledge_crisis", { sessionId });
      await rerender();
    }) }, "I have read this")
    : null;
  return crisisPanel(resources, "today-crisis", read);
}

function card(p: ProgramEntry): HTMLLIElement {
  return el("li", { class: "card" },
    el("h2", {}, p.name),
    el("p", {}, p.instructions || p.description),
    el("p", { class: "targets" },
      p.sets && p.target_reps ? el("span", {}, `${p.sets} × ${p.target_reps} repetitions`)
        : p.target_reps ? el("span", {}, `${p.target_reps} repetitions`) : null,
      p.hold_seconds ? el("span", {}, ` · hold ${p.hold_seconds} s`) : null,
      p.target_angle != null ? el("span", {}, ` · reach ${degrees(p.target_angle)}`) : null,
      el("span", {}, ` · camera: ${p.camera_view}`)),
    el("p", { class: "done" }, p.done_today ? `✓ Done ${p.done_today}× today` : "Not done yet today"),
    p.per_week ? el("p", { class: "week" }, `This week: ${p.done_this_week ?? 0} of ${p.per_week} sessions`) : null,
    el("p", { class: "muted" }, p.origin === "prescribed" ? "Prescribed by your physiotherapist" : "Chosen by you"),
    el("button", { class: "primary", "data-exercise": p.exercise_id, onclick: () => {
      state.selectedExercise = p.exercise_id;
      // A prescribed item's recording is linked to it (adherence counts it).
      go(`#/record?exercise=${p.exercise_id}${p.program_item_id ? `&item=${p.program_item_id}` : ""}`);
    } }, `Start ${p.name}`));
}

/** The questionnaires due now, each with a button to fill it in; nothing when none is due. */
function questionnairesSection(overview: OutcomeOverview | null): HTMLElement | null {
  if (!overview?.due.length) return null;
  return el("section", { id: "questionnaires", "aria-labelledby": "questionnaires-heading" },
    el("h2", { id: "questionnaires-heading" }, "Questionnaires due"),
    el("p", { class: "muted" }, "Your physiotherapist asks these to see how you are doing; each takes a few minutes."),
    dueList(overview.due, "questionnaires-due", "Fill in"));
}

/** The next appointments (date and time on the clinic's clock, in its zone) and the goals with
 * their progress; nothing when there is neither. */
function agendaSection(agenda: PatientAgenda | null): HTMLElement | null {
  if (!agenda || (!agenda.appointments.length && !agenda.goals.length)) return null;
  return el("section", { id: "agenda", "aria-labelledby": "agenda-heading" },
    el("h2", { id: "agenda-heading" }, "Appointments and goals"),
    agenda.appointments.length
      ? el("ul", { id: "agenda-appointments", class: "ws-list" }, agenda.appointments.map((a) =>
        el("li", { "data-appointment": a.id, "data-status": a.status },
          el("strong", {}, `${dateWords(localDate(a))}, ${timeSpan(a)}`),
          el("span", { class: "muted" }, ` (${a.time_zone})`),
          ` · ${kindWords(a.kind)} · ${statusWords(a.status)}`)))
      : el("p", { class: "muted" }, "No appointments booked."),
    agenda.goals.length
      ? el("ul", { id: "agenda-goals", class: "ws-list" }, agenda.goals.map((g) =>
        el("li", { "data-goal": g.id, "data-status": g.status },
          el("strong", {}, g.goal), ` · ${goalWords(g.status)} · ${g.progress}%`,
          g.target_date ? el("span", { class: "muted" }, ` · by ${g.target_date}`) : null,
          el("progress", { max: 100, value: g.progress, "aria-label": `${g.goal}: ${g.progress}% of the way` }))))
      : null);
}

export const today: Screen = {
  async render(root) {
    const rerender = () => today.render(root, new URLSearchParams(), undefined);
    // Before its first sync the device does not know its patient (nor their plan): Today shows
    // the rest as always.
    const outcomes = call("outcome_overview", { patientId: null }).catch(() => null);
    // The appointments and goals come with sync; without them Today is the same as before.
    const agenda = call("patient_agenda").catch(() => null);
    const [program, exercises, crisis, overview, appointments] = await Promise.all([call("todays_program"), call("list_exercises"), call("recent_crisis"), outcomes, agenda]);
    const picker = el("select", { id: "add-exercise", "aria-label": "Exercise to add" },
      exercises.map((e) => el("option", { value: e.id }, e.name)));
    const reps = el("input", { type: "number", id: "add-reps", min: 1, max: 100, value: 10, "aria-label": "Target repetitions" });
    const add = el("button", { id: "add" }, "Add to my program");
    add.addEventListener("click", showingErrors(async () => {
      const current = settings();
      const others = current.program.filter((p) => p.exercise_id !== picker.value);
      const item = { exercise_id: picker.value, target_reps: Number(reps.value) || null, target_angle: null };
      state.settings = await call("save_settings", { settings: { ...current, program: [...others, item] } });
      await rerender();
    }));
    mount(root,
      crisis ? crisisSection(crisis, rerender) : null,
      el("h1", {}, "Today's program"),
      program.length ? el("ul", { id: "program", class: "cards" }, program.map(card)) : el("p", {}, "Nothing planned yet. Add an exercise below."),
      questionnairesSection(overview),
      agendaSection(appointments),
      el("fieldset", {}, el("legend", {}, "Add an exercise from the catalogue"), picker, " ", el("label", {}, "Repetitions ", reps), " ", add),
    );
  },
};
