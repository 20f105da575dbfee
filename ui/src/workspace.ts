// What the therapist's screens share: who is signed in (asked of the engine, which also refuses
// a patient's device), the words for alert kinds and grades, and the idle lock: activity is
// reported to the engine, which decides when the workspace locks; while locked the screen's
// content is removed and only the PIN or password opens it again.
import { call } from "./ipc";
import type { WorkspaceAccess } from "./bindings/WorkspaceAccess";
import type { AlertKind } from "./bindings/AlertKind";
import type { Grade } from "./bindings/Grade";
import type { LockStatus } from "./bindings/LockStatus";
import type { DataDays } from "./bindings/DataDays";
import type { ReviewTime } from "./bindings/ReviewTime";
import type { ReadinessCriterion } from "./bindings/ReadinessCriterion";
import type { PatientMonitoring } from "./bindings/PatientMonitoring";
import { el, mount } from "./dom";
import { errorMessage } from "./toast";
import { when } from "./format";
import { go } from "./router";

export const workspace: { access: WorkspaceAccess | null } = { access: null };

/** Asks the engine whether this device opens the workspace, and as whom. */
export async function refreshAccess(): Promise<WorkspaceAccess> {
  workspace.access = await call("workspace_access");
  return workspace.access;
}

/** Shows the navigation of the signed-in role. */
export function showNavigation(): void {
  const clinician = isClinician();
  for (const a of document.querySelectorAll<HTMLElement>("nav a[data-role]")) {
    a.hidden = (a.dataset.role === "therapist") !== clinician;
  }
}

/** After a sign-in: asks who it is, shows their navigation, and watches the lock for a clinician. */
export async function signedIn(): Promise<void> {
  await refreshAccess();
  showNavigation();
  if (isClinician()) watchLock();
}

/** Whether a clinician is signed in. */
export function isClinician(): boolean {
  return Boolean(workspace.access?.clinician);
}

const KIND_WORDS: Record<AlertKind, string> = {
  crisis: "⚠ Crisis",
  high_pain: "Pain 7 or more",
  falling_rom: "↘ Range of motion falling",
  missed_item: "Missed for a week",
  other: "Alert",
};

/** An alert kind in words (with a symbol: never colour alone). */
export function kindWords(kind: AlertKind): string {
  return KIND_WORDS[kind];
}

export const GRADES: { value: Grade; words: string }[] = [
  { value: "EXCELLENT", words: "Excellent" },
  { value: "GOOD", words: "Good" },
  { value: "FAIR", words: "Fair" },
  { value: "NEEDS_IMPROVEMENT", words: "Needs improvement" },
  { value: "POOR", words: "Poor" },
];

/** A stored grade in words. */
export function gradeWords(assessment: string): string {
  return GRADES.find((g) => g.value === assessment)?.words ?? assessment.replaceAll("_", " ").toLowerCase();
}

const DATA_DAYS_WORDS: Record<DataDays, string> = { under_2: "under 2 days", "2_to_15": "2–15 days", "16_or_more": "16 days or more" };
const REVIEW_TIME_WORDS: Record<ReviewTime, string> = { under_10: "under 10 min", "10_to_19": "10–19 min", "20_or_more": "20 min or more" };
const CRITERION_WORDS: Record<ReadinessCriterion, string> = {
  device_data_16: "Device data 16+ days",
  device_data_2_to_15: "Device data 2–15 days",
  management_20: "Management 20 min",
  management_10: "Management 10 min",
  interactive_contact: "Interactive contact",
};

/** A patient's days with data in words, with what is missing to the next threshold. */
export function dataDaysWords(m: PatientMonitoring): string {
  const short = m.days_short === null ? "" : ` · ${m.days_short} more for ${m.data_days === "under_2" ? "2" : "16"}`;
  return `${m.days_with_data} day${m.days_with_data === 1 ? "" : "s"} (${DATA_DAYS_WORDS[m.data_days]})${short}`;
}

/** A patient's review time in words, with what is missing to the next threshold. */
export function reviewTimeWords(m: PatientMonitoring): string {
  const short = m.minutes_short === null ? "" : ` · ${m.minutes_short} more for ${m.review_time === "under_10" ? "10" : "20"}`;
  return `${m.review_minutes} min in ${m.timed_reviews} review${m.timed_reviews === 1 ? "" : "s"} (${REVIEW_TIME_WORDS[m.review_time]})${short}`;
}

/** A patient's interactive contacts in words, with the latest. */
export function contactWords(m: PatientMonitoring): string {
  if (!m.interactive_contacts) return "none";
  return `${m.interactive_contacts} (last ${when(m.last_contact_at)})`;
}

/** What a period meets, in words ("Nothing yet" when nothing). */
export function readinessWords(m: PatientMonitoring): string {
  return m.readiness.length ? m.readiness.map((c) => `✓ ${CRITERION_WORDS[c]}`).join(", ") : "Nothing yet";
}

/** The exercise id in words, e.g. `shoulder_abduction` → "Shoulder abduction". */
export function exerciseWords(id: string): string {
  const words = id.replaceAll("_", " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

// ---- The idle lock -------------------------------------------------------------------------

const ACTIVITY_EVERY_MS = 15_000;
const POLL_EVERY_MS = 10_000;
let lastReport = 0;
let pollTimer: ReturnType<typeof setInterval> | undefined;
let watching = false;
let shown = false;

function reportActivity(): void {
  if (shown || !isClinician()) return;
  const now = Date.now();
  if (now - lastReport < ACTIVITY_EVERY_MS) return;
  lastReport = now;
  call("lock_activity").then(apply).catch(() => { /* the next poll tells */ });
}

/** Shows or hides the lock as the engine says. */
export function apply(status: LockStatus): void {
  if (status.locked && !shown) showLock(status);
}

/** Starts watching for activity and the lock (once). */
export function watchLock(): void {
  if (watching) return;
  watching = true;
  for (const event of ["keydown", "pointerdown", "wheel"]) document.addEventListener(event, reportActivity, { capture: true, passive: true });
  pollTimer = setInterval(() => {
    if (!isClinician() || shown) return;
    call("lock_status").then(apply).catch(() => { /* not signed in any more */ });
  }, POLL_EVERY_MS);
}

/** Stops watching (sign-out). */
export function stopWatching(): void {
  clearInterval(pollTimer);
  watching = false;
}

/** Clears what the screen showed (lock, sign-out): no patient data stays in the page. */
export function clearScreen(): void {
  const root = document.getElementById("app");
  if (root) mount(root);
}

function showLock(status: LockStatus): void {
  shown = true;
  clearScreen();
  const root = document.getElementById("app");
  const nav = document.querySelector("header nav");
  nav?.setAttribute("inert", "");
  if (!root) return;
  const pin = el("input", { type: "password", id: "unlock-pin", inputmode: "numeric", autocomplete: "off", size: 12 });
  const password = el("input", { type: "password", id: "unlock-password", autocomplete: "current-password", size: 24 });
  const message = el("p", { id: "unlock-status", role: "status" });
  const open = async (secret: { kind: "pin" | "password"; secret: string }) => {
    try {
      await call("unlock", { unlock: secret });
      shown = false;
      nav?.removeAttribute("inert");
      lastReport = Date.now();
      go(location.hash || "#/workspace");
    } catch (e) {
      message.textContent = errorMessage(e);
      (secret.kind === "pin" ? pin : password).value = "";
    }
  };
  const pinForm = el("form", { id: "unlock-pin-form", onsubmit: (e: Event) => { e.preventDefault(); void open({ kind: "pin", secret: pin.value }); } },
    el("label", {}, "PIN ", pin), " ", el("button", { type: "submit", class: "primary", id: "unlock-with-pin" }, "Unlock"));
  const passwordForm = el("form", { id: "unlock-password-form", onsubmit: (e: Event) => { e.preventDefault(); void open({ kind: "password", secret: password.value }); } },
    el("label", {}, "Password ", password), " ", el("button", { type: "submit", id: "unlock-with-password" }, "Unlock with password"));
  mount(root, el("section", { id: "lock-screen", class: "lock-screen", "aria-labelledby": "lock-heading" },
    el("h1", { id: "lock-heading" }, "Locked"),
    el("p", {}, `Locked after ${status.idle_minutes} minutes without activity. Patient information is hidden until you unlock.`),
    status.pin_usable ? pinForm : el("p", { class: "notice" }, "Enter your password (no PIN can open the lock now)."),
    passwordForm,
    message));
  // After the event that found the lock has done its own focus change (a click, a Tab).
  setTimeout(() => { (status.pin_usable ? pin : password).focus(); }, 0);
}

/** Whether the lock screen shows. */
export function lockShown(): boolean {
  return shown;
}
