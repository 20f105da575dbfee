// First run: who uses this device, an optional server, and the devices to record with.
import { call } from "../ipc.js";
import { el, toast } from "../format.js";
import { state, go } from "../main.js";
import { deviceFields } from "../devicecheck.js";

export async function render(root) {
  const devices = (state.devices = await call("list_devices").catch((e) => ({ cameras: [], microphones: [], microphone_error: e.message })));
  const settings = { ...state.settings };
  const role = (value, label, hint) =>
    el("label", { class: "choice" },
      el("input", { type: "radio", name: "role", value, id: `role-${value}`, checked: settings.role === value || (!settings.role && value === "patient") }),
      el("strong", {}, label), el("span", { class: "muted" }, hint));

  const fields = deviceFields(devices, settings);
  const server = el("input", { type: "url", id: "server-url", placeholder: "https://clinic.example (optional)", value: settings.server_url || "", size: 40 });
  const email = el("input", { type: "email", id: "email", placeholder: "you@example.com", size: 30 });
  const password = el("input", { type: "password", id: "password", size: 24 });

  const done = el("button", { id: "finish-setup", class: "primary" }, "Continue");
  done.addEventListener("click", async () => {
    settings.role = root.querySelector("input[name=role]:checked").value;
    fields.apply(settings);
    settings.server_url = server.value.trim() || null;
    try {
      if (settings.server_url && email.value) {
        await call("login", { serverUrl: settings.server_url, email: email.value, password: password.value });
      }
      state.settings = await call("save_settings", { settings });
      go("#/today");
    } catch (e) {
      toast(e.message);
    }
  });

  root.replaceChildren(
    el("h1", {}, "Welcome to PhysAlign"),
    el("p", {}, "Everything works on this computer, without a network. Your sessions stay here until you choose a server."),
    el("fieldset", {}, el("legend", {}, "Who uses this computer?"),
      role("patient", "I am a patient", " – I do my exercises at home."),
      role("therapist", "I am a physiotherapist", " – I review my patients' sessions.")),
    fields.camera,
    fields.microphone,
    el("fieldset", {}, el("legend", {}, "Clinic server (optional)"),
      el("label", {}, "Address ", server), el("br"),
      el("label", {}, "E-mail ", email), " ", el("label", {}, "Password ", password)),
    done,
  );
  root.querySelector("input[name=role]").focus();
}
