// Preferences, server sign-in and the sync state.
import { call } from "../ipc.js";
import { el, when, toast } from "../format.js";
import { state } from "../main.js";
import { deviceFields } from "../devicecheck.js";

export async function render(root) {
  const status = await call("sync_status").catch((e) => ({ error: e.message }));
  const settings = { ...state.settings };
  const devices = (state.devices = await call("list_devices").catch((e) => ({ cameras: [], microphones: [], microphone_error: e.message })));
  const fields = deviceFields(devices, settings);
  const spoken = el("input", { type: "checkbox", id: "spoken-cues", checked: settings.spoken_cues });
  const save = el("button", { id: "save-settings" }, "Save");
  save.addEventListener("click", async () => {
    settings.spoken_cues = spoken.checked;
    fields.apply(settings);
    try { state.settings = await call("save_settings", { settings }); toast("Saved."); } catch (e) { toast(e.message); }
  });
  const server = el("input", { type: "url", id: "server-url", value: settings.server_url || status.server_url || "", size: 40 });
  const email = el("input", { type: "email", id: "email", value: status.email || "", size: 30 });
  const password = el("input", { type: "password", id: "password", size: 24 });
  const login = el("button", { id: "login" }, "Sign in");
  login.addEventListener("click", async () => {
    try {
      await call("login", { serverUrl: server.value.trim(), email: email.value, password: password.value });
      toast("Signed in."); render(root);
    } catch (e) { toast(e.message); }
  });
  const syncNow = el("button", { id: "sync-now" }, "Sync now");
  syncNow.addEventListener("click", async () => {
    syncNow.disabled = true;
    try { await call("sync_now"); render(root); } catch (e) { toast(e.message); syncNow.disabled = false; }
  });
  root.replaceChildren(
    el("h1", {}, "Settings"),
    fields.camera,
    fields.microphone,
    el("fieldset", {}, el("legend", {}, "During exercise"),
      el("label", {}, spoken, " Say form cues aloud (needs espeak-ng)"), el("br"), save),
    el("fieldset", {}, el("legend", {}, "Clinic server"),
      el("label", {}, "Address ", server), el("br"), el("label", {}, "E-mail ", email), " ",
      el("label", {}, "Password ", password), " ", login),
    el("section", { id: "sync-status", "aria-label": "Sync" },
      el("h2", {}, "Sync"),
      status.error ? el("p", {}, status.error) : el("dl", {},
        el("dt", {}, "Server"), el("dd", {}, status.server_url || "None (working offline)"),
        el("dt", {}, "Waiting to upload"), el("dd", { id: "sync-pending" }, String(status.pending)),
        el("dt", {}, "Uploaded"), el("dd", {}, String(status.done)),
        el("dt", {}, "Failed"), el("dd", {}, String(status.failed)),
        el("dt", {}, "Last attempt"), el("dd", {}, when(status.last_attempt_at)),
        status.login_required ? [el("dt", {}, "Sign-in needed"), el("dd", {}, status.login_required)] : null,
        status.last_error ? [el("dt", {}, "Last problem"), el("dd", {}, status.last_error)] : null),
      (status.failed_entries || []).length ? el("ul", {}, status.failed_entries.map((f) => el("li", {}, `${f.entity_type}: ${f.reason || "refused"}`))) : null,
      syncNow),
  );
}
