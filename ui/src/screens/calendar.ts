// The clinic calendar (issue 18), as the engine keeps it on this computer
// (physalign_workspace::calendar and the store's offline changes): a day or a week
// (`#/calendar?date=YYYY-MM-DD&span=day|week`) cut in the clinic's time zone, each appointment
// with its patient (one click to the chart), kind, length, status, whether it still waits for
// sync or met a conflict, the previous session and the preparation notes; booking, moving,
// cancelling, no-shows, repeating and preparing work with the network unplugged (sync sends them
// later); conflicts sync found are settled here. `&patient=<id>` (from the chart) chooses the
// patient to book. What may change when is the engine's decision:
// its refusals are shown as they come.
import { call } from "../ipc";
import type { Appointment } from "../bindings/Appointment";
import type { CalendarConflict } from "../bindings/CalendarConflict";
import type { CalendarDay } from "../bindings/CalendarDay";
import type { CalendarEntry } from "../bindings/CalendarEntry";
import type { CalendarSpan } from "../bindings/CalendarSpan";
import type { CalendarView } from "../bindings/CalendarView";
import type { ConflictChange } from "../bindings/ConflictChange";
import type { RecurrencePattern } from "../bindings/RecurrencePattern";
import type { RosterEntry } from "../bindings/RosterEntry";
import { el, mount, type Child } from "../dom";
import { when } from "../format";
import { go, type Screen } from "../router";
import { showingErrors, toast } from "../toast";
import { exerciseWords } from "../workspace";
import { KINDS, PATTERNS, addDays, dateWords, kindWords, localDate, localTime, statusWords, timeSpan } from "../appointments";

const SENT_LATER = "it is sent at the next sync.";

const CHANGE_WORDS: Record<ConflictChange, string> = {
  book: "Your booking",
  move: "Your move",
  cancel: "Your cancellation",
  repeat: "Your series",
  no_show: "Your no-show",
  prepare: "Your preparation notes",
};

function calendarHash(date: string, span: CalendarSpan): string {
  return `#/calendar?date=${date}&span=${span}`;
}

/** Nothing for a blank field (the engine keeps no empty reason or note). */
function optional(value: string): string | null {
  const t = value.trim();
  return t ? t : null;
}

/** The waiting-for-sync, conflict and provisional marks, in words with a symbol. */
function marks(e: CalendarEntry): Child[] {
  return [
    e.conflicted ? el("span", { class: "mark mark-conflict" }, "⚠ Conflict: settle it below") : null,
    e.pending_sync ? el("span", { class: "mark mark-pending" }, "⟳ Not synced yet") : null,
    e.appointment.provisional ? el("span", { class: "mark" }, "Part of a series: created at the next sync") : null,
  ];
}

/** What happened to the appointment, beyond its status: notes, cancel reason, the no-show. */
function details(a: Appointment): Child[] {
  const ns = a.no_show;
  return [
    a.notes ? el("p", { class: "appointment-notes" }, `Notes: ${a.notes}`) : null,
    a.status === "cancelled" && a.cancel_reason ? el("p", { class: "cancel-reason" }, `Why cancelled: ${a.cancel_reason}`) : null,
    ns ? el("p", { class: "no-show" }, [
      "Did not come",
      ns.reason ? `: ${ns.reason}` : "",
      ns.fee_amount != null ? ` · fee ${ns.fee_amount}${ns.fee_currency ? ` ${ns.fee_currency}` : ""}` : "",
      ns.client_notified ? " · the patient is told" : "",
    ].join("")) : null,
  ];
}

function preparationText(a: Appointment): HTMLElement | null {
  const p = a.preparation;
  if (!p || (!p.notes && !p.review_previous_session && !p.focus_areas.length)) return null;
  return el("div", { class: "preparation" },
    el("strong", {}, "Preparation: "),
    p.notes ?? "",
    p.review_previous_session ? el("span", {}, " · look at the previous session first") : null,
    p.focus_areas.length ? el("span", {}, ` · focus: ${p.focus_areas.join(", ")}`) : null);
}

/** One change of an appointment: a folded form that runs `send` and then `done`. */
function actionForm(name: string, label: string, a: Appointment, fields: Child[], submit: string,
  send: () => Promise<void>): HTMLDetailsElement {
  const form = el("form", { class: `action-form ${name}-form`, "data-appointment": a.id },
    el("div", { class: "form-row" }, fields),
    el("button", { type: "submit", class: name === "cancel" || name === "no-show" ? "danger" : "primary" }, submit));
  form.addEventListener("submit", showingErrors(async (ev) => {
    ev.preventDefault();
    await send();
  }));
  return el("details", { class: `action action-${name}` }, el("summary", {}, label), form);
}

function actions(a: Appointment, done: (message: string, date?: string) => Promise<void>): Child {
  if (a.provisional) return el("p", { class: "muted" }, "It can be changed once sync has created it on the server.");
  const appointmentId = a.id;
  const record = el("a", { class: "button record-in-clinic", href: `#/record?patient=${a.patient_id}` }, "Record in clinic");
  const prepare = (() => {
    const notes = el("textarea", { name: "notes", rows: 2, "aria-label": "Preparation notes" });
    notes.value = a.preparation?.notes ?? "";
    const review = el("input", { type: "checkbox", name: "review-previous", checked: a.preparation?.review_previous_session ?? false });
    const focus = el("input", { name: "focus", value: a.preparation?.focus_areas.join(", ") ?? "", placeholder: "knee, balance" });
    return actionForm("prepare", "Preparation notes", a, [
      el("label", {}, "Notes", notes),
      el("label", { class: "check" }, review, " Look at the previous session first"),
      el("label", {}, "Focus (comma-separated)", focus),
    ], "Save the notes", async () => {
      const focus_areas = focus.value.split(",").map((f) => f.trim()).filter(Boolean);
      await call("prepare_appointment", { appointmentId, preparation: { notes: optional(notes.value), review_previous_session: review.checked, focus_areas } });
      await done(`Preparation notes saved; ${SENT_LATER}`);
    });
  })();
  if (a.status !== "scheduled") return el("div", { class: "actions" }, record, prepare);

  const moveDate = el("input", { type: "date", name: "date", required: true, value: localDate(a) });
  const moveTime = el("input", { type: "time", name: "time", required: true, value: localTime(a) });
  const moveMinutes = el("input", { type: "number", name: "minutes", min: 5, max: 480, required: true, value: a.duration_minutes });
  const move = actionForm("move", "Move", a, [
    el("label", {}, "Date", moveDate), el("label", {}, `Time (${a.time_zone})`, moveTime), el("label", {}, "Minutes", moveMinutes),
  ], "Move it", async () => {
    const minutes = Number(moveMinutes.value);
    await call("move_appointment", { appointmentId, to: { local_start: `${moveDate.value}T${moveTime.value}`, time_zone: null,
      duration_minutes: minutes === a.duration_minutes ? null : minutes } });
    await done(`Moved to ${moveDate.value} ${moveTime.value}; ${SENT_LATER}`, moveDate.value);
  });

  const cancelReason = el("input", { name: "reason", maxlength: 1000 });
  const cancel = actionForm("cancel", "Cancel", a, [el("label", {}, "Why (optional)", cancelReason)], "Cancel the appointment", async () => {
    await call("cancel_appointment", { appointmentId, reason: optional(cancelReason.value) });
    await done(`Cancelled; ${SENT_LATER}`);
  });

  const noShowReason = el("input", { name: "reason", maxlength: 1000 });
  const fee = el("input", { type: "checkbox", name: "apply-fee" });
  const amount = el("input", { type: "number", name: "fee", min: 0.01, step: 0.01, placeholder: "standard fee" });
  const notify = el("input", { type: "checkbox", name: "notify" });
  const noShow = actionForm("no-show", "No-show", a, [
    el("label", {}, "Why (optional)", noShowReason),
    el("label", { class: "check" }, fee, " Charge the no-show fee"),
    el("label", {}, "Amount (optional)", amount),
    el("label", { class: "check" }, notify, " Tell the patient"),
  ], "Mark as not come", async () => {
    await call("mark_no_show", { appointmentId, mark: { reason: optional(noShowReason.value), apply_fee: fee.checked,
      fee_amount: amount.value ? Number(amount.value) : null, notify_client: notify.checked } });
    await done(`Marked as a no-show; ${SENT_LATER}`);
  });

  const pattern = el("select", { name: "pattern" }, PATTERNS.map((p) => el("option", { value: p.value }, p.words)));
  const until = el("input", { type: "date", name: "until", required: true, min: localDate(a), value: addDays(localDate(a), 28) });
  const repeat = actionForm("repeat", "Repeat", a, [el("label", {}, "How often", pattern), el("label", {}, "Until", until)], "Repeat it", async () => {
    const chosen: RecurrencePattern = PATTERNS.find((p) => p.value === pattern.value)?.value ?? "weekly";
    const series = await call("recur_appointment", { appointmentId, rule: { pattern: chosen, end_date: until.value, exceptions: [] } });
    const more = series.length - 1;
    await done(`${more} more appointment${more === 1 ? "" : "s"} until ${until.value}; ${SENT_LATER}`);
  });

  return el("div", { class: "actions" }, record, move, cancel, noShow, repeat, prepare);
}

function appointmentItem(e: CalendarEntry, zone: string, done: (message: string, date?: string) => Promise<void>): HTMLLIElement {
  const a = e.appointment;
  const previous = e.previous_session;
  return el("li", { class: `appointment status-${a.status}${e.conflicted ? " conflicted" : ""}`, "data-appointment": a.id, "data-status": a.status },
    el("p", { class: "appointment-head" },
      el("span", { class: "appointment-time" }, timeSpan(a), a.time_zone !== zone ? ` (${a.time_zone})` : ""), " ",
      el("a", { class: "appointment-patient", href: `#/patient/${a.patient_id}` }, e.patient_name), " ",
      el("span", { class: "appointment-kind" }, `${kindWords(a.kind)} · ${a.duration_minutes} min`), " ",
      el("span", { class: "appointment-status" }, statusWords(a.status)), " ",
      marks(e)),
    details(a),
    preparationText(a),
    el("p", { class: "previous-session" }, previous
      ? el("a", { href: `#/review/${previous.id}` }, `Previous session: ${when(previous.started_at)} (${exerciseWords(previous.exercise_id)})`)
      : el("span", { class: "muted" }, "No earlier session on this computer.")),
    actions(a, done));
}

function dayView(day: CalendarDay, zone: string, done: (message: string, date?: string) => Promise<void>): HTMLElement {
  return el("section", { id: "calendar-day", "data-date": day.date, "aria-label": dateWords(day.date) },
    day.entries.length
      ? el("ol", { class: "appointments ws-list" }, day.entries.map((e) => appointmentItem(e, zone, done)))
      : el("p", { class: "muted" }, "No appointments on this day."));
}

function weekView(view: CalendarView): HTMLElement {
  return el("div", { id: "calendar-week", class: "calendar-week" }, view.days.map((d) =>
    el("section", { class: "calendar-weekday", "data-date": d.date, "aria-labelledby": `week-${d.date}` },
      el("h2", { id: `week-${d.date}` }, el("a", { href: calendarHash(d.date, "day") }, dateWords(d.date)), d.date === view.today ? " (today)" : ""),
      d.entries.length
        ? el("ol", { class: "ws-list" }, d.entries.map((e) => el("li", { class: `week-entry status-${e.appointment.status}${e.conflicted ? " conflicted" : ""}`, "data-appointment": e.appointment.id, "data-status": e.appointment.status },
          el("span", { class: "appointment-time" }, timeSpan(e.appointment)), " ",
          el("a", { href: `#/patient/${e.appointment.patient_id}` }, e.patient_name), " ",
          el("span", { class: "muted" }, kindWords(e.appointment.kind)), " ",
          e.appointment.status === "scheduled" ? null : el("span", { class: "appointment-status" }, statusWords(e.appointment.status)), " ",
          marks(e))))
        : el("p", { class: "muted" }, "No appointments."))));
}

function copyWords(a: Appointment | null): string {
  if (!a) return "unknown (sync again to read it)";
  return `${localDate(a)} ${timeSpan(a)}, ${statusWords(a.status).toLowerCase()}`;
}

function conflictsSection(conflicts: CalendarConflict[], rerender: () => Promise<void>): HTMLElement | null {
  if (!conflicts.length) return null;
  const resolve = (c: CalendarConflict, resolution: "keep_mine" | "take_theirs", words: string) =>
    el("button", { class: resolution === "keep_mine" ? "keep-mine" : "take-theirs", "data-conflict": c.id, onclick: showingErrors(async () => {
      await call("resolve_appointment_conflict", { conflictId: c.id, resolution });
      toast(resolution === "keep_mine" ? `Your change is sent again at the next sync.` : "The server's copy is shown; your change is dropped.");
      await rerender();
    }) }, words);
  return el("section", { id: "calendar-conflicts", class: "notice", "aria-labelledby": "calendar-conflicts-heading" },
    el("h2", { id: "calendar-conflicts-heading" }, `⚠ Changed on another device too (${conflicts.length})`),
    el("ul", { class: "ws-list" }, conflicts.map((c) => el("li", { "data-conflict": c.id },
      el("p", {}, `${CHANGE_WORDS[c.change]} of ${c.mine.client_name ?? "a patient"}'s appointment met a change made elsewhere (found ${when(c.detected_at)}).`),
      el("p", {}, `Yours: ${copyWords(c.mine)}. The server's: ${copyWords(c.theirs)}.`),
      el("p", { class: "form-row" }, resolve(c, "keep_mine", "Keep mine"), resolve(c, "take_theirs", "Take theirs"))))));
}

function bookingForm(view: CalendarView, date: string, roster: RosterEntry[], chosen: string | null): HTMLElement {
  if (!roster.length) return el("p", { id: "calendar-book" }, "No patients on this computer yet: sign in and sync, or register one under Patients.");
  const patient = el("select", { id: "book-patient", required: true },
    roster.map((p) => el("option", { value: p.patient_id, selected: p.patient_id === chosen }, `${p.last_name}, ${p.first_name}`)));
  const day = el("input", { type: "date", id: "book-date", required: true, value: date });
  const time = el("input", { type: "time", id: "book-time", required: true, value: "09:00" });
  const zone = el("input", { id: "book-zone", required: true, value: view.time_zone, autocomplete: "off" });
  const minutes = el("input", { type: "number", id: "book-minutes", min: 5, max: 480, required: true, value: 45 });
  const kind = el("select", { id: "book-kind" }, KINDS.map((k) => el("option", { value: k.value }, k.words)));
  const notes = el("textarea", { id: "book-notes", rows: 2, maxlength: 4000 });
  const form = el("form", { id: "calendar-book" },
    el("div", { class: "form-row" },
      el("label", {}, "Patient", patient),
      el("label", {}, "Date", day),
      el("label", {}, "Time (clinic clock)", time),
      el("label", {}, "Time zone", zone),
      el("label", {}, "Minutes", minutes),
      el("label", {}, "Kind", kind)),
    el("label", { class: "stacked" }, "Notes (optional)", notes),
    el("p", {}, el("button", { type: "submit", class: "primary", id: "book-submit" }, "Book")));
  form.addEventListener("submit", showingErrors(async (ev) => {
    ev.preventDefault();
    const kindValue = KINDS.find((k) => k.value === kind.value)?.value ?? "follow_up";
    const booked = await call("book_appointment", { booking: { patient_id: patient.value, local_start: `${day.value}T${time.value}`,
      time_zone: zone.value.trim(), duration_minutes: Number(minutes.value), kind: kindValue, notes: optional(notes.value) } });
    toast(`Booked ${booked.client_name ?? "the patient"} on ${localDate(booked)} at ${localTime(booked)}; ${SENT_LATER}`);
    go(calendarHash(localDate(booked), "day"));
  }));
  return el("fieldset", { class: "booking" }, el("legend", {}, "Book an appointment"), form);
}

/** What the screen shows now, to redraw it after a sync only when something changed. */
let shown: { root: HTMLElement; params: URLSearchParams; data: string } | null = null;

function requested(params: URLSearchParams): { span: CalendarSpan; date: string | null; zone: string | null } {
  const date = params.get("date");
  return {
    span: params.get("span") === "week" ? "week" : "day",
    // Only a well-formed date goes to the engine; anything else shows today.
    date: date && /^\d{4}-\d{2}-\d{2}$/.test(date) ? date : null,
    zone: params.get("zone") || null,
  };
}

/** The calendar screen (`#/calendar`), a clinician's. */
export const calendar: Screen = {
  async render(root, params) {
    const rerender = () => calendar.render(root, params, undefined);
    const { span, date, zone } = requested(params);
    const [view, roster] = await Promise.all([call("workspace_calendar", { span, date, zone }), call("workspace_roster", {})]);
    shown = { root, params, data: JSON.stringify(view) };
    const anchor = date ?? view.today;
    const step = span === "week" ? 7 : 1;
    const first = view.days[0]?.date ?? anchor;
    const last = view.days[view.days.length - 1]?.date ?? anchor;
    const done = async (message: string, to?: string) => {
      toast(message);
      if (to && to !== anchor) go(calendarHash(to, span));
      else await rerender();
    };
    const jump = el("input", { type: "date", id: "calendar-date", value: anchor, "aria-label": "Go to the date" });
    const jumpForm = el("form", { id: "calendar-jump", class: "form-row" }, jump, el("button", { type: "submit" }, "Go"));
    jumpForm.addEventListener("submit", (ev) => {
      ev.preventDefault();
      if (jump.value) go(calendarHash(jump.value, span));
    });
    const unit = span === "week" ? "week" : "day";
    mount(root,
      el("h1", {}, "Calendar"),
      el("div", { class: "calendar-nav" },
        el("nav", { "aria-label": "Calendar dates", class: "form-row" },
          el("a", { class: "button", id: "calendar-prev", href: calendarHash(addDays(anchor, -step), span) }, `← Previous ${unit}`),
          el("a", { class: "button", id: "calendar-today", href: calendarHash(view.today, span) }, "Today"),
          el("a", { class: "button", id: "calendar-next", href: calendarHash(addDays(anchor, step), span) }, `Next ${unit} →`),
          el("a", { class: "button", id: "calendar-span-day", href: calendarHash(anchor, "day"), "aria-current": span === "day" ? "true" : "false" }, "Day"),
          el("a", { class: "button", id: "calendar-span-week", href: calendarHash(anchor, "week"), "aria-current": span === "week" ? "true" : "false" }, "Week")),
        jumpForm),
      el("p", { id: "calendar-range" },
        span === "week" ? `${dateWords(first)} to ${dateWords(last)}` : dateWords(first),
        first === view.today && span === "day" ? " (today)" : "",
        el("span", { class: "muted" }, ` · times in ${view.time_zone}`)),
      conflictsSection(view.conflicts, rerender),
      span === "week" ? weekView(view) : dayView(view.days[0] ?? { date: anchor, entries: [] }, view.time_zone, done),
      bookingForm(view, span === "day" ? first : anchor, roster, params.get("patient")),
    );
  },
  // A sync clears the "not synced yet" marks and brings others' changes; a screen being typed
  // into (a form open or focused) is left alone rather than redrawn under the clinician.
  async synced() {
    if (!shown) return;
    const { root, params, data } = shown;
    const { span, date, zone } = requested(params);
    const view = await call("workspace_calendar", { span, date, zone });
    const busy = root.querySelector("details.action[open]") !== null || (root.contains(document.activeElement) && document.activeElement !== root);
    if (JSON.stringify(view) !== data && root.isConnected && !busy) await calendar.render(root, params, undefined);
  },
  leave() {
    shown = null;
    return Promise.resolve();
  },
};
