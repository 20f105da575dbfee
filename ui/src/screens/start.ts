// The therapist's start of the day, as the engine decides it (physalign-workspace): open alerts
// crisis first, each one click from its session; the review queue oldest first; today's
// patients. Alerts raised by the server are acknowledged here (offline; sync sends it).
import { call } from "../ipc";
import type { WorkspaceAlert } from "../bindings/WorkspaceAlert";
import type { ReviewQueueEntry } from "../bindings/ReviewQueueEntry";
import type { TodayPatient } from "../bindings/TodayPatient";
import { el, mount } from "../dom";
import { when } from "../format";
import { showingErrors, toast } from "../toast";
import type { Screen } from "../router";
import { exerciseWords, kindWords } from "../workspace";

function alertItem(a: WorkspaceAlert, names: Map<string, string>, rerender: () => Promise<void>): HTMLLIElement {
  const who = a.patient_id ? names.get(a.patient_id) ?? "A patient" : "A patient";
  const ack = a.source === "server" && a.alert_id
    ? el("button", { class: "ack", "data-alert": a.alert_id, onclick: showingErrors(async () => {
      await call("acknowledge_alert", { alertId: a.alert_id ?? "" });
      toast("Alert acknowledged; it is sent at the next sync.");
      await rerender();
    }) }, "Acknowledge")
    : null;
  const open = a.session_id
    ? el("a", { href: `#/review/${a.session_id}`, class: "open-session" }, "Open the session")
    : a.patient_id ? el("a", { href: `#/patient/${a.patient_id}` }, "Open the chart") : null;
  return el("li", { class: `alert alert-${a.kind}`, "data-kind": a.kind },
    el("span", { class: "alert-kind" }, kindWords(a.kind)), " ",
    el("strong", {}, who), `: ${a.message}`,
    el("span", { class: "muted" }, ` · ${when(a.raised_at)}`), " ",
    open, " ", ack);
}

function queueItem(s: ReviewQueueEntry): HTMLLIElement {
  return el("li", {},
    el("a", { href: `#/review/${s.session_id}` }, `${s.first_name} ${s.last_name} — ${exerciseWords(s.exercise_id)}`),
    el("span", { class: "muted" }, ` · ${when(s.started_at)}${s.origin === "pulled" ? " · home session" : " · recorded here"}`));
}

function patientItem(p: TodayPatient): HTMLLIElement {
  const week = p.adherence_this_week;
  return el("li", {},
    el("a", { href: `#/patient/${p.patient_id}` }, `${p.first_name} ${p.last_name}`),
    el("span", { class: "muted" }, ` · last activity ${when(p.last_activity_at)} · this week ${week.done} of ${week.target} sessions`),
    p.alerts_total ? el("span", {}, ` · ${p.alerts_total} open alert${p.alerts_total === 1 ? "" : "s"}`) : null);
}

/** What the screen shows now, to redraw it only when a sync changed it. */
let shown: { root: HTMLElement; data: string } | null = null;

export const start: Screen = {
  async render(root) {
    const rerender = () => start.render(root, new URLSearchParams(), undefined);
    const [day, roster] = await Promise.all([call("workspace_today"), call("workspace_roster", {})]);
    shown = { root, data: JSON.stringify([day, roster]) };
    const names = new Map(roster.map((p) => [p.patient_id, `${p.first_name} ${p.last_name}`]));
    mount(root,
      el("h1", {}, "Start of the day"),
      el("p", {}, el("a", { href: "#/calendar", id: "ws-calendar-link" }, "Today's appointments"), " · ",
        el("a", { href: "#/monitoring", id: "ws-monitoring-link" }, "Remote monitoring readiness of your patients (30 days)")),
      el("div", { class: "ws-grid" },
        el("section", { "aria-labelledby": "ws-alerts-heading" },
          el("h2", { id: "ws-alerts-heading" }, `Open alerts (${day.alerts.length})`),
          day.alerts.length
            ? el("ul", { id: "ws-alerts", class: "ws-list" }, day.alerts.map((a) => alertItem(a, names, rerender)))
            : el("p", { id: "ws-alerts" }, "No open alerts.")),
        el("section", { "aria-labelledby": "ws-queue-heading" },
          el("h2", { id: "ws-queue-heading" }, `Review queue (${day.review_queue.length}), oldest first`),
          day.review_queue.length
            ? el("ol", { id: "ws-queue", class: "ws-list" }, day.review_queue.map(queueItem))
            : el("p", { id: "ws-queue" }, "Every session is reviewed.")),
        el("section", { "aria-labelledby": "ws-patients-heading" },
          el("h2", { id: "ws-patients-heading" }, "Today's patients"),
          el("p", { class: "muted" }, "Patients active in the last 7 days."),
          day.patients.length
            ? el("ul", { id: "ws-patients", class: "ws-list" }, day.patients.map(patientItem))
            : el("p", { id: "ws-patients" }, "Nobody was active this week."))),
    );
  },
  // New alerts and sessions appear without the therapist reloading; an unchanged day is not
  // redrawn (focus stays where it was).
  async synced() {
    if (!shown) return;
    const { root, data } = shown;
    const [day, roster] = await Promise.all([call("workspace_today"), call("workspace_roster", {})]);
    if (JSON.stringify([day, roster]) !== data && root.isConnected) await start.render(root, new URLSearchParams(), undefined);
  },
  leave() {
    shown = null;
    return Promise.resolve();
  },
};
