// Router and shared state. Screens render into #app; the hash says which one.
import { call, on } from "./ipc.js";
import { toast } from "./format.js";
import { stopDeviceCheck } from "./devicecheck.js";
import * as welcome from "./screens/welcome.js";
import * as today from "./screens/today.js";
import * as record from "./screens/record.js";
import * as session from "./screens/session.js";
import * as history from "./screens/history.js";
import * as settingsScreen from "./screens/settings.js";

/** What every screen may read: settings, devices, the last choices. */
export const state = { settings: null, devices: null, selectedExercise: null, lastVideo: "" };

const routes = { welcome, today, record, session, history, settings: settingsScreen };

export function go(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

async function route() {
  const root = document.getElementById("app");
  const [path, query] = (location.hash || "#/today").slice(2).split("?");
  const [name, arg] = path.split("/");
  const screen = routes[name] || today;
  if (!state.settings?.role && screen !== welcome) return go("#/welcome");
  document.querySelectorAll("[data-nav]").forEach((a) => a.setAttribute("aria-current", a.dataset.nav === name ? "page" : "false"));
  document.body.dataset.screen = name || "today";
  // The setup screens' camera and microphone check ends with them.
  await stopDeviceCheck();
  try {
    await screen.render(root, new URLSearchParams(query || ""), arg);
    root.focus({ preventScroll: true });
  } catch (e) {
    toast(e.message);
  }
}

function showSync(status) {
  const badge = document.getElementById("sync-badge");
  if (!status.server_url) badge.textContent = "Offline – no server";
  else if (status.login_required) badge.textContent = "Sign in needed";
  else if (status.failed > 0) badge.textContent = `Sync: ${status.failed} failed`;
  else if (status.pending > 0) badge.textContent = `Sync: ${status.pending} waiting`;
  else badge.textContent = "Synced ✓";
}

async function boot() {
  const info = await call("app_info");
  state.settings = info.settings;
  window.addEventListener("hashchange", route);
  document.addEventListener("keydown", (e) => {
    if (document.body.dataset.screen === "record") record.keydown(e);
  });
  on("sync-status", showSync);
  call("sync_status").then(showSync).catch(() => {});
  if (info.first_run) location.hash = "#/welcome";
  await route();
  document.body.dataset.ready = "true";
}

boot().catch((e) => toast(`Cannot start: ${e.message}`));
