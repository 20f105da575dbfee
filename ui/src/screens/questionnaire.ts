// An outcome questionnaire to fill in (`#/questionnaire/<instrument>`, the patient's own; with
// `?patient=<id>`, a roster patient's answers entered by the clinician in clinic). The form is the
// engine's (physalign_outcomes::form): title, instructions, the period the answers describe and
// every item with its answers, each shown with its number. Any item may be skipped (sent as null):
// the engine applies the instrument's published missing-item rule and its refusal is shown as it
// comes, with the answers kept. The PSFS names 3 to 5 activities, each rated 0 to 10; only the
// named ones are sent, in order (prefilled from the last PSFS, to rate the same ones again).
import { call } from "../ipc";
import type { AnswerOption } from "../bindings/AnswerOption";
import type { Form } from "../bindings/Form";
import type { FormItem } from "../bindings/FormItem";
import type { Instrument } from "../bindings/Instrument";
import { el, mount } from "../dom";
import { go, type Screen } from "../router";
import { errorMessage, toast } from "../toast";
import { isInstrument, scoreOf } from "../outcomes";

/** One item's answer as the form holds it. */
type Answered = () => number | null;

function optionText(o: AnswerOption): string {
  return o.label ? `${o.value} — ${o.label}` : String(o.value);
}

/** An item's answers as radio buttons (in a row for a numeric scale, whose points other than
 * its ends have no words) and a skip choice. */
function answerChoices(item: FormItem, name: string, what: string): { node: HTMLElement; answer: Answered } {
  const scale = item.options.slice(1, -1).every((o) => !o.label) && item.options.length > 6;
  const radios = item.options.map((o) => el("input", { type: "radio", name, value: o.value }));
  const skip = el("input", { type: "radio", name, value: "", class: "skip" });
  const node = el("div", { class: scale ? "scale-options" : "choices" },
    item.options.map((o, k) => el("label", { class: "choice" }, radios[k], ` ${optionText(o)}`)),
    el("label", { class: "choice skip-choice" }, skip, ` Skip ${what}`));
  return { node, answer: () => { const chosen = radios.find((r) => r.checked); return chosen ? Number(chosen.value) : null; } };
}

/** The PSFS slots: an activity name and its rating each; only named activities count. */
function activitySlots(form: Form, previous: string[]): { nodes: HTMLElement[]; read(): { answers: (number | null)[]; activities: string[] } } {
  const slots = form.items.map((item, index) => {
    const name = el("input", { type: "text", class: "activity-name", id: `activity-${index}`, maxlength: 120, size: 40, value: previous[index] ?? "", autocomplete: "off" });
    const rating = answerChoices(item, `item-${index}`, "the rating");
    const node = el("fieldset", { class: "questionnaire-item", "data-item": index },
      el("legend", {}, item.label),
      el("label", { class: "activity-label" }, "Activity ", name),
      el("p", { class: "item-question" }, item.prompt),
      rating.node);
    return { node, name, rating };
  });
  return {
    nodes: slots.map((s) => s.node),
    read() {
      const named = slots.filter((s) => s.name.value.trim() !== "");
      return { answers: named.map((s) => s.rating.answer()), activities: named.map((s) => s.name.value.trim()) };
    },
  };
}

/** The items, each in its fieldset, with the shared question shown when it changes. */
function itemList(form: Form): { nodes: HTMLElement[]; read(): { answers: (number | null)[]; activities: string[] } } {
  const nodes: HTMLElement[] = [];
  const answers: Answered[] = [];
  let prompt = "";
  form.items.forEach((item, index) => {
    if (item.prompt !== prompt) {
      prompt = item.prompt;
      nodes.push(el("h2", { class: "item-prompt" }, prompt));
    }
    const choices = answerChoices(item, `item-${index}`, "this question");
    answers.push(choices.answer);
    nodes.push(el("fieldset", { class: "questionnaire-item", "data-item": index }, el("legend", {}, `${index + 1}. ${item.label}`), choices.node));
  });
  return { nodes, read: () => ({ answers: answers.map((a) => a()), activities: [] }) };
}

/** The activities of the patient's last PSFS, to rate the same ones again (none when unknown). */
async function lastActivities(patientId: string | null): Promise<string[]> {
  try {
    const overview = await call("outcome_overview", { patientId });
    const psfs = overview.instruments.find((i) => i.instrument === "psfs");
    return psfs?.points.at(-1)?.activities ?? [];
  } catch {
    return [];
  }
}

export const questionnaire: Screen = {
  async render(root, params, arg) {
    if (!isInstrument(arg)) { mount(root, el("h1", {}, "Questionnaire not found")); return; }
    const instrument: Instrument = arg;
    const patientId = params.get("patient");
    const back = patientId ? `#/patient/${patientId}` : "#/today";
    const form = await call("outcome_form", { instrument });
    const items = form.names_activities ? activitySlots(form, await lastActivities(patientId)) : itemList(form);
    const submit = el("button", { type: "submit", class: "primary", id: "questionnaire-submit" }, patientId ? "Save the answers" : "Send my answers");
    const node = el("form", { id: "questionnaire", class: "questionnaire", "data-instrument": instrument },
      ...items.nodes,
      el("p", { class: "form-row" }, submit, el("a", { href: back, id: "questionnaire-cancel" }, "Cancel")));
    node.addEventListener("submit", (ev) => {
      ev.preventDefault();
      submit.disabled = true;
      const { answers, activities } = items.read();
      call("record_questionnaire", { patientId, answers: { instrument, answers, activities } })
        .then((saved) => {
          toast(`${saved.name} ${scoreOf(saved.score, saved.max)} — saved; it is sent at the next sync.`);
          go(back);
        })
        .catch((e: unknown) => {
          // The answers stay as they are: the message says which rule refused them.
          toast(errorMessage(e));
          submit.disabled = false;
        });
    });
    mount(root,
      el("h1", { id: "questionnaire-title" }, form.title),
      patientId ? el("p", { class: "notice", id: "questionnaire-for" }, "You are entering the patient's own answers, in clinic: read each question to them as written.") : null,
      el("p", { id: "questionnaire-instructions" }, form.instructions),
      el("p", { id: "questionnaire-recall" }, "The answers describe ", el("strong", {}, form.recall_period), ". Any question may be skipped."),
      node);
  },
};
