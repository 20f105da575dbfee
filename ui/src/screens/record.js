// The recording screen: live video with the skeleton, the repetition counter, the joint angle
// against its target range, form cues, and the live transcript.
import { call, on } from "../ipc.js";
import { el, degrees, toast } from "../format.js";
import { drawFrame } from "../skeleton.js";
import { state, go } from "../main.js";

let unlisten = null;

export async function render(root, params) {
  const exerciseId = params.get("exercise") || state.selectedExercise || "squat";
  const program = await call("todays_program").catch(() => []);
  const item = program.find((p) => p.exercise_id === exerciseId) || { exercise_id: exerciseId, name: exerciseId };
  const devices = state.devices || (state.devices = await call("list_devices").catch(() => ({ cameras: [], microphones: [] })));
  const hasCamera = devices.cameras.length > 0;

  const canvas = el("canvas", { id: "preview", width: 640, height: 480, "aria-label": "Camera view with skeleton" });
  const reps = el("output", { id: "rep-count", class: "big-number", "aria-live": "polite" }, "0");
  const target = el("span", { id: "rep-target", class: "target-text" }, item.target_reps ? `of ${item.target_reps}` : "");
  const angle = el("output", { id: "angle-value", class: "big-number" }, "–");
  const range = el("div", { id: "angle-range", class: "range-text" }, "Target range: –");
  const phase = el("div", { id: "phase", class: "phase" }, "Waiting to start");
  const cues = el("ul", { id: "cues", class: "cues", "aria-live": "polite" });
  const fps = el("span", { id: "fps" }, "");
  const progress = el("progress", { id: "file-progress", max: 1, value: 0, hidden: true });
  const transcript = el("ol", { id: "transcript", class: "transcript", "aria-live": "polite" });
  const status = el("p", { id: "record-status", role: "status" }, hasCamera ? "" : "No camera found. You can analyse a video file instead.");

  const sourceCamera = el("input", { type: "radio", name: "source", id: "source-camera", value: "camera", disabled: !hasCamera, checked: hasCamera });
  const sourceFile = el("input", { type: "radio", name: "source", id: "source-file", value: "file", checked: !hasCamera });
  const filePath = el("input", { type: "text", id: "video-path", size: 48, placeholder: "/path/to/exercise-video.mp4", "aria-label": "Video file path", value: state.lastVideo || "" });
  const asLive = el("input", { type: "checkbox", id: "play-live", checked: true });

  const start = el("button", { id: "start", class: "primary", accesskey: "r" }, "Start (R)");
  const pause = el("button", { id: "pause", disabled: true, accesskey: "p" }, "Pause (P)");
  const stop = el("button", { id: "stop", disabled: true, accesskey: "s" }, "Stop (S)");

  let sessionId = null;
  let paused = false;
  let targetAngle = null, tolerance = 10;
  const img = new Image();

  const finish = (id) => {
    start.disabled = false; pause.disabled = true; stop.disabled = true;
    if (id) go(`#/session/${id}`);
  };

  const onEvent = (ev) => {
    if (sessionId && ev.session_id && ev.session_id !== sessionId && ev.type !== "frame") return;
    switch (ev.type) {
      case "started":
        targetAngle = ev.target_angle; tolerance = ev.target_tolerance ?? 10;
        range.textContent = targetAngle != null ? `Target: ${degrees(targetAngle)} (± ${Math.round(tolerance)}°)` : "No target angle";
        if (ev.target_reps) target.textContent = `of ${ev.target_reps}`;
        phase.textContent = "Recording";
        break;
      case "frame": {
        const f = ev;
        reps.textContent = String(f.analysis.reps);
        // Kept on <body>, which outlives the screen: the end-to-end test reads the live count
        // even when the clip ends and the summary replaces this screen between two of its polls.
        document.body.dataset.liveReps = String(f.analysis.reps);
        document.body.dataset.liveFps = String(f.fps);
        const a = f.analysis.primary_angle;
        angle.textContent = degrees(a);
        if (a != null && targetAngle != null) {
          const reached = a <= targetAngle + tolerance;
          angle.dataset.state = reached ? "reached" : "not-reached";
          range.textContent = `Target: ${degrees(targetAngle)} (± ${Math.round(tolerance)}°) — ${reached ? "✓ reached" : "keep going"}`;
        }
        phase.textContent = `Phase: ${f.analysis.phase}`;
        for (const cue of f.analysis.cues) {
          cues.prepend(el("li", {}, cue));
          while (cues.children.length > 4) cues.lastChild.remove();
        }
        fps.textContent = `${Math.round(f.fps)} frames/s`;
        if (f.progress != null) { progress.hidden = false; progress.value = f.progress; }
        if (f.preview) {
          img.onload = () => {
            if (canvas.width !== f.preview.width) canvas.width = f.preview.width;
            if (canvas.height !== f.preview.height) canvas.height = f.preview.height;
            drawFrame(canvas, img, f.landmarks);
            // Counted for the end-to-end test, which checks that video is really shown.
            canvas.dataset.drawn = String(Number(canvas.dataset.drawn || 0) + 1);
          };
          img.onerror = () => { canvas.dataset.failed = String(Number(canvas.dataset.failed || 0) + 1); };
          img.src = f.preview.data_url;
        } else {
          drawFrame(canvas, null, f.landmarks);
        }
        break;
      }
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

  start.addEventListener("click", async () => {
    const useFile = sourceFile.checked;
    const path = filePath.value.trim();
    if (useFile && !path) { toast("Enter the path of a video file."); filePath.focus(); return; }
    const source = useFile
      ? { kind: "video_file", path, real_time: asLive.checked }
      : { kind: "camera", index: state.settings?.camera_index ?? devices.cameras[0].index };
    state.lastVideo = path;
    start.disabled = true;
    status.textContent = "Starting…";
    delete document.body.dataset.liveReps;
    delete document.body.dataset.liveFps;
    try {
      sessionId = await call("start_recording", {
        request: { source, exercise_id: item.exercise_id, target_reps: item.target_reps ?? null, target_angle: item.target_angle ?? null },
      });
      status.textContent = "";
      pause.disabled = false; stop.disabled = false;
      stop.focus();
    } catch (e) {
      status.textContent = e.message;
      start.disabled = false;
    }
  });
  pause.addEventListener("click", async () => {
    try { await call(paused ? "resume_recording" : "pause_recording"); } catch (e) { toast(e.message); }
  });
  stop.addEventListener("click", async () => {
    stop.disabled = true;
    try {
      const outcome = await call("stop_recording");
      finish(outcome?.session_id || sessionId);
    } catch (e) { toast(e.message); }
  });

  root.replaceChildren(
    el("div", { class: "record-header" },
      el("h1", {}, `Record: ${item.name}`),
      el("div", { class: "controls" }, start, pause, stop)),
    status,
    el("div", { class: "record-layout" },
      el("section", { class: "video-panel", "aria-label": "Video" }, canvas, progress, fps),
      el("section", { class: "live-panel", "aria-label": "Live results" },
        el("div", { class: "counter" }, el("span", { class: "label" }, "Repetitions"), reps, target),
        el("div", { class: "counter" }, el("span", { class: "label" }, "Joint angle"), angle, range),
        phase,
        el("h2", {}, "Cues"), cues),
      el("aside", { class: "transcript-panel", "aria-label": "What you said" },
        el("h2", {}, "What you said"), transcript,
        state.settings?.transcribe ? null : el("p", { class: "muted" }, "Live transcription is off (Settings)."))),
    el("fieldset", { class: "source" },
      el("legend", {}, "Source"),
      el("label", {}, sourceCamera, hasCamera ? ` Camera: ${devices.cameras[0].name}` : " Camera (no camera found)"),
      el("label", {}, sourceFile, " Video file: "), filePath,
      el("label", {}, asLive, " Play at normal speed (like a camera)")),
  );
}

export function keydown(e) {
  if (e.target.tagName === "INPUT") return;
  const k = e.key.toLowerCase();
  const id = { r: "start", p: "pause", s: "stop" }[k];
  const b = id && document.getElementById(id);
  if (b && !b.disabled) { e.preventDefault(); b.click(); }
}
