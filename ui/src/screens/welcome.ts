// First run: who uses this device, an optional server, and the devices to record with.
import { call } from "../ipc";
import type { Devices } from "../bindings/Devices";
import type { Role } from "../bindings/Role";
import { el, mount } from "../dom";
import { errorMessage, showingErrors } from "../toast";
import { settings, state } from "../state";
import { go, type Screen } from "../router";
import { deviceFields, stopDeviceCheck } from "../devicecheck";
import { isClinician, signedIn } from "../workspace";

export const welcome: Screen = {
  async render(root) {
    const devices = (state.devices = await call("list_devices").catch((e: unknown): Devices =>
      ({ cameras: [], microphones: [], microphone_error: errorMessage(e) })));
    const draft = { ...settings() };
    const roleInput = (value: Role) =>
      el("input", { type: "radio", name: "role", value, id: `role-${value}`, checked: draft.role === value || (!draft.role && value === "patient") });
    const roles = { patient: roleInput("patient"), therapist: roleInput("therapist") };
    const role = (value: Role, label: string, hint: string) =>
      el("label", { class: "choice" }, roles[value], el("strong", {}, label), el("span", { class: "muted" }, hint));

    const fields = deviceFields(devices, draft);
    const server = el("input", { type: "url", id: "server-url", placeholder: "https://clinic.example (optional)", value: draft.server_url ?? "", size: 40 });
    const email = el("input", { type: "email", id: "email", placeholder: "you@example.com", size: 30 });
    const password = el("input", { type: "password", id: "password", size: 24 });
    const pin = el("input", { type: "password", id: "pin", inputmode: "numeric", autocomplete: "off", size: 8 });

    const done = el("button", { id: "finish-setup", class: "primary" }, "Continue");
    done.addEventListener("click", showingErrors(async () => {
      draft.role = roles.therapist.checked ? "therapist" : "patient";
      fields.apply(draft);
      draft.server_url = server.value.trim() || null;
      if (draft.server_url && email.value) {
        const report = await call("login", { serverUrl: draft.server_url, email: email.value, password: password.value, pin: pin.value || null });
        // The account's role, not the radio button, decides (a patient cannot open the workspace).
        draft.role = report.role === "patient" ? "patient" : "therapist";
        await signedIn();
      }
      state.settings = await call("save_settings", { settings: draft });
      go(isClinician() ? "#/workspace" : "#/today");
    }));

    mount(root,
      el("h1", {}, "Welcome to PhysAlign"),
      el("p", {}, "Everything works on this computer, without a network. Your sessions stay here until you choose a server."),
      el("fieldset", {}, el("legend", {}, "Who uses this computer?"),
        role("patient", "I am a patient", " – I do my exercises at home."),
        role("therapist", "I am a physiotherapist", " – I review my patients' sessions.")),
      fields.camera,
      fields.microphone,
      el("fieldset", {}, el("legend", {}, "Clinic server (optional)"),
        el("label", {}, "Address ", server), el("br"),
        el("label", {}, "E-mail ", email), " ", el("label", {}, "Password ", password), el("br"),
        el("label", {}, "PIN to unlock this computer (physiotherapists, 4–12 digits) ", pin)),
      done,
    );
    roles.patient.focus();
  },
  leave: stopDeviceCheck,
};
