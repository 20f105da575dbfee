// Remote-monitoring readiness of the practice, as the engine computes it
// (physalign_workspace::monitoring): for each patient of the roster over the 30 days ending on
// a chosen day (today unless `?to=YYYY-MM-DD`), the days with measured home data, the clinician
// review minutes, the interactive contacts and what the period meets, with the totals per
// criterion first. The rows come in the engine's order (by name); the screen decides nothing.
import { call } from "../ipc";
import type { PatientMonitoring } from "../bindings/PatientMonitoring";
import type { PracticeMonitoring } from "../bindings/PracticeMonitoring";
import { el, mount } from "../dom";
import { go, type Screen } from "../router";
import { contactWords, dataDaysWords, readinessWords, reviewTimeWords } from "../workspace";

function row(m: PatientMonitoring): HTMLTableRowElement {
  return el("tr", { "data-patient": m.patient_id },
    el("th", { scope: "row" }, el("a", { href: `#/patient/${m.patient_id}` }, `${m.last_name}, ${m.first_name}`)),
    el("td", {}, dataDaysWords(m)),
    el("td", {}, reviewTimeWords(m)),
    el("td", {}, contactWords(m)),
    el("td", { class: "readiness" }, readinessWords(m)));
}

function totals(p: PracticeMonitoring): HTMLElement {
  const t = p.totals;
  const item = (label: string, n: number) => [el("dt", {}, label), el("dd", { class: "num" }, String(n))];
  return el("dl", { id: "monitoring-totals", class: "facts" },
    item("Patients", t.patients),
    item("Device data 16+ days", t.device_data_16),
    item("Device data 2–15 days", t.device_data_2_to_15),
    item("Management 20 min (with a contact)", t.management_20),
    item("Management 10 min (with a contact)", t.management_10),
    item("Interactive contact", t.interactive_contact));
}

function table(p: PracticeMonitoring): HTMLElement {
  if (!p.patients.length) return el("p", { id: "monitoring" }, "No patients on this computer yet: sign in and sync.");
  return el("table", { id: "monitoring" },
    el("caption", { class: "muted" }, `${p.patients.length} patient${p.patients.length === 1 ? "" : "s"}, by name`),
    el("thead", {}, el("tr", {}, ["Patient", "Days with data", "Review time", "Interactive contacts", "Meets"].map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, p.patients.map(row)));
}

export const monitoring: Screen = {
  async render(root, params) {
    const to = params.get("to");
    const practice = await call("workspace_monitoring", { to: to || null });
    const day = el("input", { type: "date", id: "monitoring-to", value: practice.period.to, required: true });
    const form = el("form", { id: "monitoring-period", class: "form-row" },
      el("label", {}, "Period ending on ", day), " ",
      el("button", { type: "submit" }, "Show"));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      go(day.value ? `#/monitoring?to=${day.value}` : "#/monitoring");
    });
    mount(root,
      el("h1", {}, "Remote monitoring"),
      el("p", { id: "monitoring-period-text" }, `The 30 days from ${practice.period.from} to ${practice.period.to} (days in ${practice.period.time_zone}).`),
      form,
      totals(practice),
      table(practice),
      el("details", {},
        el("summary", {}, "What is counted"),
        el("ul", {},
          el("li", {}, "Days with data: days on which a home session ended (sessions recorded here in clinic are visits, not remote data)."),
          el("li", {}, "Review time: the minutes recorded with the reviews written on this computer in the period."),
          el("li", {}, "Interactive contact: a completed appointment in the period; missed, cancelled and not yet held ones do not count, nor do written reviews."),
          el("li", {}, "Management time counts only with an interactive contact. The figures are for checking, not a claim."))));
  },
};
