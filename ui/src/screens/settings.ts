// Preferences, what the care team receives (the patient's consent, kept in the store where sync
// reads it), server sign-in and the sync state.
import { call } from "../ipc";
import type { Consent } from "../bindings/Consent";
import type { Devices } from "../bindings/Devices";
import type { SyncStatus } from "../bindings/SyncStatus";
import type { Vocabulary } from "../bindings/Vocabulary";
import { el, mount, type Child } from "../dom";
import { when } from "../format";
import { errorMessage, showingErrors, toast } from "../toast";
import { settings, state } from "../state";
import type { Screen } from "../router";
import { deviceFields, stopDeviceCheck } from "../devicecheck";
import { go } from "../router";
import { apply, clearScreen, isClinician, showNavigation, signedIn, stopWatching, workspace } from "../workspace";

/** The therapist's lock: PIN, idle time, lock now, sign out (which clears the screen). */
function therapistSection(idleMinutes: number): HTMLElement {
  const pin = el("input", { type: "password", id: "new-pin", inputmode: "numeric", autocomplete: "off", size: 8 });
  const setPin = el("button", { id: "set-pin" }, "Set PIN");
  setPin.addEventListener("click", showingErrors(async () => {
    await call("set_lock_pin", { pin: pin.value });
    pin.value = "";
    toast("PIN set.");
  }));
  const minutes = el("input", { type: "number", id: "lock-minutes", min: 1, max: 60, value: idleMinutes, size: 3 });
  const setMinutes = el("button", { id: "set-lock-minutes" }, "Save");
  setMinutes.addEventListener("click", showingErrors(async () => {
    const status = await call("set_lock_minutes", { minutes: Number(minutes.value) });
    toast(`Locks after ${status.idle_minutes} minutes without activity.`);
  }));
  const lockNow = el("button", { id: "lock-now" }, "Lock now");
  lockNow.addEventListener("click", showingErrors(async () => {
    apply(await call("lock_now"));
  }));
  const signOut = el("button", { id: "sign-out" }, "Sign out");
  signOut.addEventListener("click", showingErrors(async () => {
    await call("sign_out");
    // Nothing of the clinician's stays on the screen; their queued changes wait for their
    // next sign-in.
    stopWatching();
    clearScreen();
    workspace.access = null;
    showNavigation();
    toast("Signed out.");
    go("#/settings");
  }));
  return el("fieldset", { id: "therapist-lock" }, el("legend", {}, "Shared computer"),
    el("p", { class: "muted" }, `Signed in as ${workspace.access?.clinician?.email ?? "–"}. The workspace locks after a time without activity; your PIN or password opens it.`),
    el("div", { class: "form-row" }, el("label", {}, "New PIN", pin), setPin, el("label", {}, "Lock after (minutes)", minutes), setMinutes, lockNow, signOut));
}

function syncDetails(status: SyncStatus): Child[] {
  return [
    el("dl", {},
      el("dt", {}, "Server"), el("dd", {}, status.server_url ?? "None (working offline)"),
      el("dt", {}, "Waiting to upload"), el("dd", { id: "sync-pending" }, status.pending),
      el("dt", {}, "Uploaded"), el("dd", {}, status.done),
      el("dt", {}, "Failed"), el("dd", {}, status.failed),
      el("dt", {}, "Last attempt"), el("dd", {}, when(status.last_attempt_at)),
      status.login_required ? [el("dt", {}, "Sign-in needed"), el("dd", {}, status.login_required)] : null,
      status.last_error ? [el("dt", {}, "Last problem"), el("dd", {}, status.last_error)] : null),
    status.failed_entries.length
      ? el("ul", {}, status.failed_entries.map((f) => el("li", {}, `${f.entity_type}: ${f.reason ?? "refused"}`)))
      : null,
  ];
}

/** The two consent toggles; each change is saved at once and shown as stored. */
function consentSection(consent: Consent): HTMLElement {
  const notes = el("input", { type: "checkbox", id: "share-notes", checked: consent.share_notes });
  const transcript = el("input", { type: "checkbox", id: "share-transcript", checked: consent.share_transcript });
  let stored = consent;
  const show = (c: Consent) => { notes.checked = c.share_notes; transcript.checked = c.share_transcript; };
  const saveConsent = showingErrors(async () => {
    try {
      stored = await call("save_consent_settings", {
        consent: { ...stored, share_notes: notes.checked, share_transcript: transcript.checked },
      });
    } finally {
      // What is ticked is what is stored, also when saving failed.
      show(stored);
    }
    toast("Saved.");
  });
  notes.addEventListener("change", saveConsent);
  transcript.addEventListener("change", saveConsent);
  return el("fieldset", { id: "consent" }, el("legend", {}, "What your care team receives"),
    el("label", {}, notes, " Clinical notes from what you say (pain, mood, tasks, safety concerns)"), el("br"),
    el("label", {}, transcript, " The transcript of what you say"),
    el("p", { id: "consent-never", class: "muted" }, consent.never_leaves));
}

/** Who can see the patient's data (asked of the server), each with a way to end it. */
function careTeamSection(rerender: () => Promise<void>): HTMLElement {
  const list = el("div", { id: "care-team-list" }, el("p", { class: "muted" }, "Asking the clinic server…"));
  call("care_team")
    .then((team) => {
      list.replaceChildren(team.length
        ? el("ul", { class: "ws-list" }, team.map((m) => el("li", { "data-clinician": m.physiotherapist_id },
          el("strong", {}, m.name), ` · since ${when(m.since)} `,
          el("button", { class: "end-care", onclick: showingErrors(async () => {
            if (!window.confirm(`${m.name} will no longer see your sessions, notes or program. End this care relationship?`)) return;
            await call("end_care", { physiotherapistId: m.physiotherapist_id });
            toast(`${m.name} can no longer see your data.`);
            await rerender();
          }) }, "End this relationship"))))
        : el("p", {}, "No clinician can see your data."));
    })
    .catch((e: unknown) => { list.replaceChildren(el("p", { role: "status" }, errorMessage(e))); });
  return el("fieldset", { id: "care-team" }, el("legend", {}, "Who can see my data"), list);
}

/** The clinic's words for the speech recogniser: terms one per line, replacements one per line as
 * `heard = written`. The engine checks them when they are saved and says what it refuses. */
function vocabularyFields(current: Vocabulary): { section: HTMLElement; read: () => Vocabulary } {
  const terms = el("textarea", { id: "vocabulary-terms", rows: 4, cols: 40 });
  terms.value = current.terms.join("\n");
  const replacements = el("textarea", { id: "vocabulary-replacements", rows: 4, cols: 40 });
  replacements.value = current.replacements.map((r) => `${r.heard} = ${r.written}`).join("\n");
  const lines = (text: string) => text.split("\n").map((l) => l.trim()).filter((l) => l.length > 0);
  return {
    section: el("fieldset", { id: "vocabulary" }, el("legend", {}, "Speech vocabulary"),
      el("p", { class: "muted" }, "Names the transcription should know (exercises, anatomy, medicines, people), one per line, and exact corrections of what it writes, one per line as: heard = written."),
      el("label", {}, "Terms", el("br"), terms), el("br"),
      el("label", {}, "Corrections", el("br"), replacements)),
    read: () => ({
      terms: lines(terms.value),
      replacements: lines(replacements.value).map((line) => {
        const at = line.indexOf("=");
        return at < 0 ? { heard: line, written: "" } : { heard: line.slice(0, at).trim(), written: line.slice(at + 1).trim() };
      }),
    }),
  };
}

export const settingsScreen: Screen = {
  async render(root) {
    const rerender = () => settingsScreen.render(root, new URLSearchParams(), undefined);
    const status = await call("sync_status").catch((e: unknown) => errorMessage(e));
    const consent = await call("consent_settings").catch((e: unknown) => errorMessage(e));
    const draft = { ...settings() };
    const devices = (state.devices = await call("list_devices").catch((e: unknown): Devices =>
      ({ cameras: [], microphones: [], microphone_error: errorMessage(e) })));
    const fields = deviceFields(devices, draft);
    const spoken = el("input", { type: "checkbox", id: "spoken-cues", checked: draft.spoken_cues });
    const vocabulary = vocabularyFields(draft.vocabulary);
    const save = el("button", { id: "save-settings" }, "Save");
    save.addEventListener("click", showingErrors(async () => {
      draft.spoken_cues = spoken.checked;
      draft.vocabulary = vocabulary.read();
      fields.apply(draft);
      state.settings = await call("save_settings", { settings: draft });
      toast("Saved.");
    }));
    const known = typeof status === "string" ? null : status;
    const server = el("input", { type: "url", id: "server-url", value: draft.server_url ?? known?.server_url ?? "", size: 40 });
    const email = el("input", { type: "email", id: "email", value: known?.email ?? "", size: 30 });
    const password = el("input", { type: "password", id: "password", size: 24 });
    const pin = el("input", { type: "password", id: "pin", inputmode: "numeric", autocomplete: "off", size: 8 });
    const login = el("button", { id: "login" }, "Sign in");
    login.addEventListener("click", showingErrors(async () => {
      const report = await call("login", { serverUrl: server.value.trim(), email: email.value, password: password.value, pin: pin.value || null });
      state.settings = { ...settings(), role: report.role === "patient" ? "patient" : "therapist", server_url: report.server_url };
      await signedIn();
      toast("Signed in.");
      if (isClinician()) go("#/workspace");
      else await rerender();
    }));
    const syncNow = el("button", { id: "sync-now" }, "Sync now");
    syncNow.addEventListener("click", showingErrors(async () => {
      syncNow.disabled = true;
      try {
        await call("sync_now");
        await rerender();
      } finally {
        syncNow.disabled = false;
      }
    }));
    mount(root,
      el("h1", {}, "Settings"),
      fields.camera,
      fields.microphone,
      el("fieldset", {}, el("legend", {}, "During exercise"),
        el("label", {}, spoken, " Say form cues aloud (needs espeak-ng)")),
      vocabulary.section,
      save,
      typeof consent === "string" ? el("p", { id: "consent" }, consent) : consentSection(consent),
      !isClinician() && known?.role === "patient" ? careTeamSection(rerender) : null,
      el("fieldset", {}, el("legend", {}, "Clinic server"),
        el("label", {}, "Address ", server), el("br"), el("label", {}, "E-mail ", email), " ",
        el("label", {}, "Password ", password), " ",
        el("label", {}, "PIN (physiotherapists) ", pin), " ", login),
      isClinician() ? therapistSection(draft.lock_idle_minutes) : null,
      el("section", { id: "sync-status", "aria-label": "Sync" },
        el("h2", {}, "Sync"),
        typeof status === "string" ? el("p", {}, status) : syncDetails(status),
        syncNow),
    );
  },
  leave: stopDeviceCheck,
};
