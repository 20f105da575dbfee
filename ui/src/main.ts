// Start-up: loads the settings, wires the screens to the router and the sync badge to its event.
import { call, on } from "./ipc";
import type { SyncStatus } from "./bindings/SyncStatus";
import { notifySynced, startRouter } from "./router";
import { state } from "./state";
import { toast } from "./toast";
import { welcome } from "./screens/welcome";
import { today } from "./screens/today";
import { record } from "./screens/record";
import { session } from "./screens/session";
import { history } from "./screens/history";
import { settingsScreen } from "./screens/settings";
import { start } from "./screens/start";
import { roster } from "./screens/roster";
import { patient } from "./screens/patient";
import { review } from "./screens/review";
import { compare } from "./screens/compare";
import { monitoring } from "./screens/monitoring";
import { calendar } from "./screens/calendar";
import { questionnaire } from "./screens/questionnaire";
import { apply, isClinician, refreshAccess, showNavigation, watchLock } from "./workspace";

// Anything the content security policy blocks (an inline style, a script from elsewhere) is a
// bug: logged, and counted on the root element where the desktop test looks.
document.addEventListener("securitypolicyviolation", (event) => {
  const root = document.documentElement;
  root.dataset.cspViolations = String(Number(root.dataset.cspViolations ?? "0") + 1);
  const what = `${event.violatedDirective} ${event.blockedURI} at ${event.sourceFile}:${event.lineNumber} ${event.sample}`;
  root.dataset.cspLastViolation = what;
  console.error(`blocked by the content security policy: ${what}`);
});

/** The therapist's screens: the engine refuses them to anyone but a signed-in clinician. */
const THERAPIST_SCREENS = new Set(["workspace", "roster", "patient", "review", "compare", "monitoring", "calendar"]);

function syncBadgeText(status: SyncStatus): string {
  if (!status.server_url) return "Offline – no server";
  if (status.login_required) return "Sign in needed";
  if (status.failed > 0) return `Sync: ${status.failed} failed`;
  if (status.pending > 0) return `Sync: ${status.pending} waiting`;
  return "Synced ✓";
}

/** When the last sync succeeded (undefined before the first status), to tell a new sync from
 * the same status again. */
let lastSyncSuccess: string | null | undefined;

function showSync(status: SyncStatus): void {
  const badge = document.getElementById("sync-badge");
  if (badge) badge.textContent = syncBadgeText(status);
  if (status.last_success_at === lastSyncSuccess) return;
  const first = lastSyncSuccess === undefined;
  lastSyncSuccess = status.last_success_at;
  if (!first && status.last_success_at) notifySynced();
}

async function boot(): Promise<void> {
  const info = await call("app_info");
  state.settings = info.settings;
  void on("sync-status", showSync);
  call("sync_status").then(showSync).catch(() => { /* the badge keeps saying offline */ });
  if (info.first_run) location.hash = "#/welcome";
  // The role comes from the signed-in identity, as the engine reads it.
  const access = await refreshAccess().catch(() => null);
  showNavigation();
  if (access?.clinician) {
    watchLock();
    if (access.lock) apply(access.lock);
  }
  await startRouter({
    screens: { welcome, today, record, session, history, settings: settingsScreen, workspace: start, roster, patient, review, compare, monitoring, calendar, questionnaire },
    home: isClinician() ? "workspace" : "today",
    // Nothing but the first-run screen makes sense before the user said who they are; the
    // therapist's screens are a clinician's (the engine refuses them anyway).
    redirect: (name) => {
      if (!state.settings?.role && name !== "welcome") return "#/welcome";
      if (THERAPIST_SCREENS.has(name) && !isClinician()) return "#/today";
      if (name === "today" && isClinician()) return "#/workspace";
      return null;
    },
  });
}

boot().catch((e: unknown) => { toast(`Cannot start: ${e instanceof Error ? e.message : String(e)}`); });
