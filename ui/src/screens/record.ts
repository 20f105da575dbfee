// The recording screen: live video with the skeleton, the repetition counter, the joint angle
// against its target range, form cues, and the live transcript.
import { call, on } from "../ipc";
import type { SessionId } from "../ipc-api";
import type { Devices } from "../bindings/Devices";
import type { LiveFrame } from "../bindings/LiveFrame";
import type { RecorderEvent } from "../bindings/RecorderEvent";
import type { SourceSpec } from "../bindings/SourceSpec";
import type { TargetStatus } from "../bindings/TargetStatus";
import { el, mount } from "../dom";
import { degrees, phaseLabel } from "../format";
import { errorMessage, showingErrors, toast } from "../toast";
import { drawFrame } from "../skeleton";
import { state } from "../state";
import { go, type Screen } from "../router";

let unlisten: Promise<() => void> | null = null;

/** The engine's verdict on the target angle, in words (never by colour alone). */
function targetVerdict(target: TargetStatus): string {
  switch (target.state) {
    case "no_target": return "";
    case "not_measured": return "angle not seen";
    case "reached": return "✓ reached";
    case "approaching": return `keep going (${Math.round(target.remaining_deg)}° to go)`;
  }
}

async function devicesOnce(): Promise<Devices> {
  state.devices ??= await call("list_devices").catch((): Devices => ({ cameras: [], microphones: [], microphone_error: null }));
  return state.devices;
}

const KEYS: Record<string, string> = { r: "start", p: "pause", s: "stop" };

export const record: Screen = {
  async render(root, params) {
    const exerciseId = params.get("exercise") ?? state.selectedExercise ?? "squat";
    const program = await call("todays_program").catch(() => []);
    const itemId = params.get("item");
    const entry = program.find((p) => (itemId ? p.program_item_id === itemId : p.exercise_id === exerciseId));
    const item = {
      exercise_id: exerciseId, name: entry?.name ?? exerciseId, target_reps: entry?.target_reps ?? null,
      target_angle: entry?.target_angle ?? null, program_item_id: entry?.program_item_id ?? null,
    };
    // Recording in clinic: the session belongs to the patient chosen first (the engine checks
    // that they are on the signed-in clinician's roster).
    const patientId = params.get("patient");
    const forPatient = patientId ? (await call("workspace_chart", { patientId })).chart.patient : null;
    const devices = await devicesOnce();
    const firstCamera = devices.cameras[0];

    const canvas = el("canvas", { id: "preview", width: 640, height: 480, "aria-label": "Camera view with skeleton" });
    const reps = el("output", { id: "rep-count", class: "big-number", "aria-live": "polite" }, "0");
    const target = el("span", { id: "rep-target", class: "target-text" }, item.target_reps ? `of ${item.target_reps}` : "");
    // Per side, for exercises the engine counts per side (alternating legs, neck rotation).
    const bySide = el("div", { id: "reps-by-side", class: "target-text" }, "");
    const angle = el("output", { id: "angle-value", class: "big-number" }, "–");
    const range = el("div", { id: "angle-range", class: "range-text" }, "Target range: –");
    const phase = el("div", { id: "phase", class: "phase" }, "Waiting to start");
    const cues = el("ul", { id: "cues", class: "cues", "aria-live": "polite" });
    const fps = el("span", { id: "fps" }, "");
    const progress = el("progress", { id: "file-progress", max: 1, value: 0, hidden: true });
    const transcript = el("ol", { id: "transcript", class: "transcript", "aria-live": "polite" });
    const status = el("p", { id: "record-status", role: "status" }, firstCamera ? "" : "No camera found. You can analyse a video file instead.");

    const sourceCamera = el("input", { type: "radio", name: "source", id: "source-camera", value: "camera", disabled: !firstCamera, checked: Boolean(firstCamera) });
    const sourceFile = el("input", { type: "radio", name: "source", id: "source-file", value: "file", checked: !firstCamera });
    const filePath = el("input", { type: "text", id: "video-path", size: 48, placeholder: "/path/to/exercise-video.mp4", "aria-label": "Video file path", value: state.lastVideo });
    const asLive = el("input", { type: "checkbox", id: "play-live", checked: true });

    const start = el("button", { id: "start", class: "primary", accesskey: "r" }, "Start (R)");
    const pause = el("button", { id: "pause", disabled: true, accesskey: "p" }, "Pause (P)");
    const stop = el("button", { id: "stop", disabled: true, accesskey: "s" }, "Stop (S)");

    let sessionId: SessionId | null = null;
    let paused = false;
    // The target as the engine announced it; only shown, never compared with the angle here.
    let targetText = "";
    const img = new Image();

    const finish = (id: SessionId | null) => {
      start.disabled = false; pause.disabled = true; stop.disabled = true;
      if (id) go(forPatient ? `#/review/${id}` : `#/session/${id}`);
    };

    const showFrame = (f: LiveFrame) => {
      reps.textContent = String(f.analysis.reps);
      const sides = f.analysis.reps_by_side;
      bySide.textContent = sides ? `left ${sides.left} · right ${sides.right}` : "";
      angle.textContent = degrees(f.analysis.primary_angle);
      angle.dataset.target = f.target.state;
      const verdict = targetVerdict(f.target);
      range.textContent = verdict ? `${targetText} — ${verdict}` : targetText;
      phase.textContent = phaseLabel(f.analysis.phase);
      for (const cue of f.analysis.cues) {
        cues.prepend(el("li", {}, cue));
        while (cues.children.length > 4) cues.lastElementChild?.remove();
      }
      fps.textContent = `${Math.round(f.fps)} frames/s`;
      if (f.progress != null) { progress.hidden = false; progress.value = f.progress; }
      const preview = f.preview;
      if (preview) {
        img.onload = () => {
          if (canvas.width !== preview.width) canvas.width = preview.width;
          if (canvas.height !== preview.height) canvas.height = preview.height;
          drawFrame(canvas, img, f.landmarks);
        };
        img.src = preview.data_url;
      } else {
        drawFrame(canvas, null, f.landmarks);
      }
    };

    const onEvent = (ev: RecorderEvent) => {
      if (sessionId && "session_id" in ev && ev.session_id !== sessionId && ev.type !== "frame") return;
      switch (ev.type) {
        case "started":
          targetText = ev.target_angle != null
            ? `Target: ${degrees(ev.target_angle)}${ev.target_tolerance != null ? ` (± ${Math.round(ev.target_tolerance)}°)` : ""}`
            : "No target angle";
          range.textContent = targetText;
          if (ev.target_reps) target.textContent = `of ${ev.target_reps}`;
          phase.textContent = "Recording";
          break;
        case "frame":
          showFrame(ev);
          break;
        case "transcript":
          transcript.append(el("li", {}, ev.text));
          break;
        case "paused":
          phase.textContent = "Paused"; pause.textContent = "Resume (P)"; paused = true;
          break;
        case "resumed":
          phase.textContent = "Recording"; pause.textContent = "Pause (P)"; paused = false;
          break;
        case "warning":
          toast(ev.message);
          break;
        case "finished":
          phase.textContent = ev.interrupted ? `Stopped early: ${ev.interrupted}` : "Finished";
          reps.textContent = String(ev.reps);
          finish(ev.session_id);
          break;
      }
    };
    if (unlisten) (await unlisten)();
    unlisten = on("recorder", onEvent);

    start.addEventListener("click", () => void (async () => {
      const path = filePath.value.trim();
      let source: SourceSpec;
      if (sourceFile.checked || !firstCamera) {
        if (!path) { toast("Enter the path of a video file."); filePath.focus(); return; }
        source = { kind: "video_file", path, real_time: asLive.checked };
      } else {
        source = { kind: "camera", index: state.settings?.camera_index ?? firstCamera.index };
      }
      state.lastVideo = path;
      start.disabled = true;
      status.textContent = "Starting…";
      try {
        sessionId = await call("start_recording", {
          request: {
            source, exercise_id: item.exercise_id, target_reps: item.target_reps, target_angle: item.target_angle,
            program_item_id: item.program_item_id, patient_id: forPatient?.patient_id ?? null,
          },
        });
        status.textContent = "";
        pause.disabled = false; stop.disabled = false;
        stop.focus();
      } catch (e) {
        status.textContent = errorMessage(e);
        start.disabled = false;
      }
    })());
    pause.addEventListener("click", showingErrors(async () => {
      await call(paused ? "resume_recording" : "pause_recording");
    }));
    stop.addEventListener("click", showingErrors(async () => {
      stop.disabled = true;
      const outcome = await call("stop_recording");
      finish(outcome?.session_id ?? sessionId);
    }));

    mount(root,
      el("div", { class: "record-header" },
        el("h1", {}, forPatient ? `Record in clinic: ${item.name} for ${forPatient.first_name} ${forPatient.last_name}` : `Record: ${item.name}`),
        el("div", { class: "controls" }, start, pause, stop)),
      status,
      el("div", { class: "record-layout" },
        el("section", { class: "video-panel", "aria-label": "Video" }, canvas, progress, fps),
        el("section", { class: "live-panel", "aria-label": "Live results" },
          el("div", { class: "counter" }, el("span", { class: "label" }, "Repetitions"), reps, target, bySide),
          el("div", { class: "counter" }, el("span", { class: "label" }, "Joint angle"), angle, range),
          phase,
          el("h2", {}, "Cues"), cues),
        el("aside", { class: "transcript-panel", "aria-label": "What you said" },
          el("h2", {}, "What you said"), transcript,
          state.settings?.transcribe ? null : el("p", { class: "muted" }, "Live transcription is off (Settings)."))),
      el("fieldset", { class: "source" },
        el("legend", {}, "Source"),
        el("label", {}, sourceCamera, firstCamera ? ` Camera: ${firstCamera.name}` : " Camera (no camera found)"),
        el("label", {}, sourceFile, " Video file: "), filePath,
        el("label", {}, asLive, " Play at normal speed (like a camera)")),
    );
  },

  keydown(e) {
    if (e.target instanceof HTMLInputElement) return;
    const id = KEYS[e.key.toLowerCase()];
    const button = id ? document.getElementById(id) : null;
    if (button instanceof HTMLButtonElement && !button.disabled) { e.preventDefault(); button.click(); }
  },
};
