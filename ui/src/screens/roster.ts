// The roster: search by name, the last session, adherence this week and open alerts (the
// engine's numbers); register a new patient and show the invitation code, which needs the
// clinic server (said plainly when it cannot be reached).
import { call } from "../ipc";
import type { RosterEntry } from "../bindings/RosterEntry";
import { el, mount } from "../dom";
import { when } from "../format";
import { errorMessage } from "../toast";
import type { Screen } from "../router";

function row(p: RosterEntry): HTMLTableRowElement {
  const week = p.adherence_this_week;
  return el("tr", {},
    el("th", { scope: "row" }, el("a", { href: `#/patient/${p.patient_id}` }, `${p.last_name}, ${p.first_name}`)),
    el("td", {}, p.last_session_at ? when(p.last_session_at) : "never"),
    el("td", { class: "num" }, week.items ? `${week.done} of ${week.target}` : "no program"),
    el("td", { class: "num" }, p.alerts_total ? `${p.alerts_total} open` : "none"));
}

function table(patients: RosterEntry[], search: string): HTMLElement {
  if (!patients.length) return el("p", { id: "roster" }, search ? `No patient's name contains “${search}”.` : "No patients on this computer yet: sign in and sync, or register one below.");
  return el("table", { id: "roster" },
    el("caption", { class: "muted" }, `${patients.length} patient${patients.length === 1 ? "" : "s"}`),
    el("thead", {}, el("tr", {}, ["Patient", "Last session", "Sessions this week", "Alerts"].map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, patients.map(row)));
}

function registration(): HTMLElement {
  const first = el("input", { id: "new-first-name", required: true, autocomplete: "off" });
  const last = el("input", { id: "new-last-name", required: true, autocomplete: "off" });
  const email = el("input", { id: "new-email", type: "email", required: true, autocomplete: "off" });
  const status = el("div", { id: "register-status", role: "status" });
  const submit = el("button", { type: "submit", class: "primary", id: "register-patient" }, "Register and show the invitation code");
  const form = el("form", { id: "register-form" },
    el("p", { class: "muted" }, "Registering needs the clinic server: the invitation code is made there. Everything else here works offline."),
    el("div", { class: "form-row" },
      el("label", {}, "First name", first), el("label", {}, "Last name", last), el("label", {}, "E-mail", email)),
    submit, status);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    submit.disabled = true;
    status.textContent = "Registering…";
    call("register_patient", { patient: { first_name: first.value, last_name: last.value, email: email.value, date_of_birth: null } })
      .then((r) => {
        mount(status,
          el("p", {}, `${first.value} ${last.value} is registered. Give them this invitation code:`),
          el("p", { id: "invitation-code", class: "invitation-code" }, r.invitation_code),
          el("p", { class: "muted" }, `Valid until ${when(r.expires_at)}.`),
          el("a", { href: `#/patient/${r.patient_id}` }, "Open their chart"));
      })
      .catch((err: unknown) => { mount(status, el("p", { class: "notice", id: "register-error" }, errorMessage(err))); })
      .finally(() => { submit.disabled = false; });
  });
  return el("fieldset", {}, el("legend", {}, "Register a new patient"), form);
}

export const roster: Screen = {
  async render(root, params) {
    const search = params.get("q") ?? "";
    const patients = await call("workspace_roster", { search: search || null });
    const box = el("input", { type: "search", id: "roster-search", value: search, "aria-label": "Search patients by name", placeholder: "Search by name" });
    const results = el("div", { id: "roster-results" }, table(patients, search));
    let pending: ReturnType<typeof setTimeout> | undefined;
    box.addEventListener("input", () => {
      clearTimeout(pending);
      pending = setTimeout(() => {
        const q = box.value.trim();
        call("workspace_roster", { search: q || null })
          .then((list) => { mount(results, table(list, q)); })
          .catch((e: unknown) => { mount(results, el("p", {}, errorMessage(e))); });
      }, 150);
    });
    mount(root,
      el("h1", {}, "Patients"),
      el("label", {}, "Search ", box),
      results,
      registration());
    box.focus();
  },
};
