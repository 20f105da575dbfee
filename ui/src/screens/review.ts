// A session reviewed by the therapist: the skeleton replayed from the stored landmarks at the
// recording's frame rate, in step with the angle chart (a cursor follows the replay), the
// repetitions marked, the form issues on the timeline, the per-repetition table, the transcript
// with the pain remarks marked at their moment; then the review (assessment, notes, form
// feedback, next steps, the minutes spent: prefilled with the time this screen has been open,
// rounded up to the minute, until the therapist types their own) and, from it, the program.
// Space plays or pauses, ← and → step.
import { call } from "../ipc";
import type { SessionReplay } from "../bindings/SessionReplay";
import type { ReplayFrame } from "../bindings/ReplayFrame";
import type { Grade } from "../bindings/Grade";
import { el, mount } from "../dom";
import { degrees, seconds, severityLabel, when } from "../format";
import { lineChart } from "../charts";
import { drawFrame } from "../skeleton";
import { errorMessage, toast } from "../toast";
import type { Screen } from "../router";
import { GRADES, exerciseWords, gradeWords } from "../workspace";
import { programBuilder, programTable } from "../program";
import { measurementPanel } from "../measurement";

let stopPlayback: (() => void) | null = null;
/** What the last save said, shown again once the screen is drawn anew. */
let saved: string | null = null;
let keyHandler: ((e: KeyboardEvent) => void) | null = null;
/** Keeps the minutes field following the time on the screen until it is edited. */
let minutesTimer: ReturnType<typeof setInterval> | undefined;
const MINUTES_EVERY_MS = 5_000;

/** Whole minutes since `openedAt` (performance.now()), rounded up, at least 1. */
function minutesSince(openedAt: number): number {
  return Math.max(1, Math.ceil((performance.now() - openedAt) / 60_000));
}

/** The minutes typed: a whole number, or null when the field is empty (the engine checks the range). */
function minutesValue(input: HTMLInputElement): number | null {
  const text = input.value.trim();
  if (text === "") return null;
  const n = Number(text);
  return Number.isFinite(n) ? Math.round(n) : null;
}

/** The frame shown at `tMs`: the last one at or before it. */
function frameAt(frames: ReplayFrame[], tMs: number): number {
  let lo = 0, hi = frames.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((frames[mid]?.t_ms ?? 0) <= tMs) lo = mid; else hi = mid - 1;
  }
  return lo;
}

function replayPanel(r: SessionReplay): HTMLElement {
  const frames = r.frames;
  const canvas = el("canvas", { id: "replay-canvas", width: 480, height: 360, role: "img", "aria-label": "The patient's skeleton, replayed from the stored landmarks" });
  const first = frames[0]?.t_ms ?? 0;
  const last = frames[frames.length - 1]?.t_ms ?? 0;
  const slider = el("input", { type: "range", id: "replay-position", min: first, max: Math.max(first, last), step: 1, value: first, "aria-label": "Position in the session" });
  const readout = el("output", { id: "replay-readout" });
  const play = el("button", { id: "replay-play", class: "primary" }, "Play");
  const back = el("button", { id: "replay-back", "aria-label": "One frame back" }, "◀");
  const forward = el("button", { id: "replay-forward", "aria-label": "One frame forward" }, "▶");
  const xs = frames.map((f) => f.t_ms / 1000);
  const chart = lineChart({ xs, ys: frames.map((f) => f.angle), unit: "°", xLabel: "seconds", title: `${r.angle ?? "Joint"} angle over time, repetitions numbered, form issues marked ▲`,
    markers: r.repetitions.map((rep) => ({ x: (rep.start_ms + rep.end_ms) / 2000, label: `#${rep.index + 1}` })),
    ticks: r.form_issues.map((f) => ({ x: f.timestamp_ms / 1000, label: `${seconds(f.timestamp_ms / 1000)}: ${f.issue.message}` })) });
  chart.id = "replay-chart";
  const cursor = document.createElementNS("http://www.w3.org/2000/svg", "line");
  cursor.setAttribute("class", "cursor");
  chart.append(cursor);
  const [x0, x1] = [xs[0] ?? 0, xs[xs.length - 1] ?? 1];
  let index = 0;
  const show = (i: number) => {
    index = Math.max(0, Math.min(frames.length - 1, i));
    const f = frames[index];
    if (!f) { readout.textContent = "No stored frames: the skeleton cannot be replayed."; return; }
    const ctx = canvas.getContext("2d");
    ctx?.clearRect(0, 0, canvas.width, canvas.height);
    drawFrame(canvas, null, f.landmarks);
    slider.value = String(f.t_ms);
    const rep = r.repetitions.find((x) => f.t_ms >= x.start_ms && f.t_ms <= x.end_ms);
    readout.textContent = `${(f.t_ms / 1000).toFixed(1)} s · ${r.angle ?? "angle"} ${degrees(f.angle)}${rep ? ` · repetition ${rep.index + 1}` : ""}`;
    const x = 40 + ((f.t_ms / 1000 - x0) / Math.max(1e-9, x1 - x0)) * (640 - 80);
    for (const [k, v] of [["x1", x], ["x2", x], ["y1", 40], ["y2", 200]] as const) cursor.setAttribute(k, String(v));
  };
  let raf = 0;
  let playing = false;
  const pause = () => { playing = false; cancelAnimationFrame(raf); play.textContent = "Play"; };
  const start = () => {
    if (frames.length < 2) return;
    if (index >= frames.length - 1) show(0);
    playing = true;
    play.textContent = "Pause";
    const t0 = performance.now() - ((frames[index]?.t_ms ?? first) - first);
    const tick = (now: number) => {
      if (!playing) return;
      const t = first + (now - t0);
      show(frameAt(frames, t));
      if (t >= last) { pause(); return; }
      raf = requestAnimationFrame(tick);
    };
    raf = requestAnimationFrame(tick);
  };
  const toggle = () => { if (playing) pause(); else start(); };
  play.addEventListener("click", toggle);
  back.addEventListener("click", () => { pause(); show(index - 1); });
  forward.addEventListener("click", () => { pause(); show(index + 1); });
  slider.addEventListener("input", () => { pause(); show(frameAt(frames, Number(slider.value))); });
  stopPlayback = pause;
  keyHandler = (e) => {
    const target = e.target as HTMLElement | null;
    if (target && ["INPUT", "TEXTAREA", "SELECT", "BUTTON"].includes(target.tagName)) return;
    if (e.key === " ") { e.preventDefault(); toggle(); }
    else if (e.key === "ArrowLeft") { pause(); show(index - 1); }
    else if (e.key === "ArrowRight") { pause(); show(index + 1); }
  };
  const seek = (ms: number) => { pause(); show(frameAt(frames, ms)); };
  queueMicrotask(() => { show(0); });
  return el("section", { class: "replay-layout", "aria-labelledby": "replay-heading" },
    el("div", {},
      el("h2", { id: "replay-heading" }, "Replay"),
      canvas,
      el("div", { class: "replay-controls" }, back, play, forward, slider),
      el("p", {}, readout, el("span", { class: "muted" }, ` · ${Math.round(r.fps)} frames/s · Space plays, ← → step`))),
    el("div", {},
      el("h2", {}, "Angle over time"),
      chart,
      r.form_issues.length
        ? el("ul", { id: "review-issues" }, r.form_issues.map((f) => el("li", {},
          el("button", { class: "seek", onclick: () => { seek(f.timestamp_ms); } }, seconds(f.timestamp_ms / 1000)),
          ` ${severityLabel(f.issue.severity)}: ${f.issue.message}`)))
        : el("p", { id: "review-issues" }, "No form issues.")),
    el("div", {},
      el("h2", {}, "What the patient said"),
      r.transcript.length
        ? el("ul", { id: "review-transcript", class: "transcript-lines" }, r.transcript.map((line) => el("li", { class: line.pain != null ? "pain" : null },
          line.start_ms != null ? el("button", { class: "seek", onclick: () => { seek(line.start_ms ?? 0); } }, seconds(line.start_ms / 1000)) : null,
          line.pain != null ? el("strong", {}, ` Pain ${line.pain}/10: `) : " ",
          line.text)))
        : el("p", { id: "review-transcript", class: "muted" }, "No transcript for this session.")));
}

function repetitionTable(r: SessionReplay): HTMLElement {
  if (!r.repetitions.length) return el("p", { id: "review-repetitions" }, "No repetitions measured.");
  return el("table", { id: "review-repetitions" },
    el("caption", { class: "muted" }, "Each repetition"),
    el("thead", {}, el("tr", {}, ["Repetition", "Time", "Range of motion", "Lowest", "Highest", "Side", "Confidence", "Full"].map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, r.repetitions.map((rep) => el("tr", { class: rep.partial ? "not-counted" : null },
      el("th", { scope: "row" }, `#${rep.index + 1}`),
      el("td", { class: "num" }, `${(rep.start_ms / 1000).toFixed(1)}–${(rep.end_ms / 1000).toFixed(1)} s`),
      el("td", { class: "num" }, degrees(rep.max_angle - rep.min_angle)),
      el("td", { class: "num" }, degrees(rep.min_angle)),
      el("td", { class: "num" }, degrees(rep.max_angle)),
      el("td", {}, rep.side ?? "–"),
      el("td", { class: "num" }, rep.confidence != null ? `${Math.round(rep.confidence * 100)}%` : "–"),
      el("td", {}, rep.partial ? "partial" : "✓")))));
}

function reviewForm(r: SessionReplay, openedAt: number, done: () => Promise<void>): HTMLElement {
  const grade = el("select", { id: "review-assessment" }, GRADES.map((g) => el("option", { value: g.value, selected: g.value === "GOOD" }, g.words)));
  const notes = el("textarea", { id: "review-notes", rows: 3 });
  const feedback = el("textarea", { id: "review-feedback", rows: 2, placeholder: "One remark per line, e.g. “Knees cave in on the way up”" });
  const next = el("textarea", { id: "review-next", rows: 2 });
  const minutes = el("input", { type: "number", id: "review-minutes", min: 1, max: 480, step: 1, inputmode: "numeric", value: minutesSince(openedAt),
    "aria-describedby": "review-minutes-help" });
  let minutesEdited = false;
  minutes.addEventListener("input", () => { minutesEdited = true; clearInterval(minutesTimer); });
  clearInterval(minutesTimer);
  minutesTimer = setInterval(() => {
    if (!minutes.isConnected) { clearInterval(minutesTimer); return; }
    if (!minutesEdited) minutes.value = String(minutesSince(openedAt));
  }, MINUTES_EVERY_MS);
  const status = el("p", { id: "review-status", role: "status" }, saved);
  saved = null;
  const form = el("form", { id: "review-form" },
    el("label", {}, "Assessment ", grade),
    el("label", {}, "Notes for the patient", notes),
    el("label", {}, "Form feedback", feedback),
    el("label", {}, "Next steps", next),
    el("label", {}, "Minutes spent ", minutes),
    el("p", { id: "review-minutes-help", class: "muted" }, "The time this review has been open, rounded up; change it to the time you spent. Counted as review time for remote monitoring; empty records none."),
    el("p", {}, el("button", { type: "submit", class: "primary", id: "review-save" }, "Save the review")),
    status);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const lines = feedback.value.split("\n").map((l) => l.trim()).filter((l) => l !== "");
    if (!minutesEdited) minutes.value = String(minutesSince(openedAt));
    call("write_review", { draft: {
      session_id: r.session.session_id, assessment: grade.value as Grade, notes: notes.value.trim() || null,
      form_feedback: lines.map((issue) => ({ timestamp_ms: null, issue, recommendation: null })), next_steps: next.value.trim() || null,
      minutes_spent: minutesValue(minutes),
    } })
      .then(async (review) => {
        saved = `Review saved (${gradeWords(review.assessment)}); it is sent at the next sync.`;
        toast(saved);
        await done();
      })
      .catch((err: unknown) => { status.textContent = errorMessage(err); });
  });
  return el("fieldset", { id: "review" }, el("legend", {}, "Your review"), form);
}

export const review: Screen = {
  async render(root, _params, id) {
    if (!id) { mount(root, el("h1", {}, "Session not found")); return; }
    const openedAt = performance.now();
    const rerender = () => review.render(root, new URLSearchParams(), id);
    const r = await call("workspace_replay", { sessionId: id });
    const patientId = r.session.patient_id;
    const [view, exercises] = await Promise.all([
      patientId ? call("workspace_chart", { patientId }) : Promise.resolve(null),
      call("list_exercises"),
    ]);
    const name = view ? `${view.chart.patient.first_name} ${view.chart.patient.last_name}` : "Session";
    const s = r.session;
    mount(root,
      el("h1", {}, `${name}: ${exerciseWords(s.exercise_id)} — ${when(s.started_at)}`),
      el("p", { id: "review-summary" }, `${s.reps} repetitions · mean range of motion ${degrees(s.mean_rom)} · pain ${s.pain != null ? `${s.pain}/10` : "not said"}`,
        s.review ? ` · latest review: ${gradeWords(s.review.assessment)}` : " · not reviewed yet",
        view ? [" · ", el("a", { href: `#/patient/${view.chart.patient.patient_id}` }, "Open the chart")] : null),
      replayPanel(r),
      el("h2", {}, "Repetitions"),
      repetitionTable(r),
      patientId ? measurementPanel(r.session.session_id, r.angle, () => { location.hash = `#/patient/${patientId}`; return Promise.resolve(); }) : null,
      reviewForm(r, openedAt, rerender),
      view ? [el("h2", {}, "Change the program"), programTable(view.chart.program, rerender), programBuilder(view.chart.patient.patient_id, exercises, rerender)] : null,
    );
  },
  keydown(e) { keyHandler?.(e); },
  leave() {
    stopPlayback?.();
    stopPlayback = null;
    keyHandler = null;
    clearInterval(minutesTimer);
    return Promise.resolve();
  },
};
