// The live camera picture (with the skeleton and a word on framing) and the microphone level of
// the setup screens, so a patient sees both devices work before the first exercise.
import { call, on } from "./ipc.js";
import { el } from "./format.js";
import { drawFrame } from "./skeleton.js";

let active = null;

const PARTS = { head: "head", shoulders: "shoulders", hips: "hips", knees: "knees", feet: "feet" };

function framingText(framing) {
  if (!framing || framing.state === "no_person") return "Nobody in view yet: stand where you will exercise.";
  if (framing.state === "full_body") return "✓ Your whole body is in view.";
  const missing = framing.missing.map((m) => PARTS[m] || m);
  return `Step back or tilt the camera: your ${missing.join(", ")} ${missing.length > 1 ? "are" : "is"} out of view.`;
}

/** Stops the check the current screen started, if any. */
export async function stopDeviceCheck() {
  if (!active) return;
  const current = active;
  active = null;
  current.unlisten.then((f) => f());
  // A stop that overtook a start still running would leave the devices open.
  await current.started;
  await call("stop_device_check").catch(() => {});
}

/**
 * Builds the check's elements and starts it. `camera` is a source ({kind: "camera", index}) or
 * null; `microphone` is a device name, "" for the system default, or null for none.
 * Returns the elements to place: { picture, framing, level, hearing }.
 */
export function deviceCheck() {
  const canvas = el("canvas", { id: "camera-preview", width: 320, height: 240, "aria-label": "Camera picture with skeleton" });
  const framing = el("p", { id: "camera-framing", role: "status" }, "");
  const meter = el("meter", { id: "mic-level", min: -60, max: 0, low: -45, optimum: -20, value: -60, "aria-label": "Microphone level" });
  const hearing = el("p", { id: "mic-hearing", role: "status" }, "");
  const img = new Image();
  let lastLoud = 0;

  const onEvent = (ev) => {
    switch (ev.type) {
      case "camera_frame":
        img.onload = () => {
          if (canvas.width !== ev.preview.width) canvas.width = ev.preview.width;
          if (canvas.height !== ev.preview.height) canvas.height = ev.preview.height;
          drawFrame(canvas, img, ev.landmarks);
          canvas.dataset.drawn = String(Number(canvas.dataset.drawn || 0) + 1);
        };
        img.src = ev.preview.data_url;
        framing.textContent = framingText(ev.framing);
        framing.dataset.state = ev.framing.state;
        break;
      case "microphone_level": {
        meter.value = Math.max(-60, ev.rms_dbfs);
        const now = Date.now();
        if (ev.rms_dbfs > -45) lastLoud = now;
        // Said in words too: the meter's colour alone is not enough.
        const heard = now - lastLoud < 1500;
        hearing.textContent = heard ? `✓ Hearing you (${ev.device})` : `Listening on ${ev.device}: say something to test.`;
        hearing.dataset.state = heard ? "heard" : "quiet";
        break;
      }
      case "device_error":
        (ev.device === "camera" ? framing : hearing).textContent = `${ev.device === "camera" ? "Camera" : "Microphone"}: ${ev.message}`;
        (ev.device === "camera" ? framing : hearing).dataset.state = "error";
        break;
      case "camera_ended":
        framing.textContent = "The camera stopped.";
        break;
    }
  };

  async function start(camera, microphone) {
    await stopDeviceCheck();
    if (!camera && microphone == null) return;
    const unlisten = on("device-check", onEvent);
    const started = call("start_device_check", { request: { camera, listen: microphone != null, microphone: microphone || null } })
      .catch((e) => { hearing.textContent = e.message; });
    active = { unlisten, started };
    await started;
  }

  return { picture: canvas, framing, level: meter, hearing, start };
}

/**
 * The camera and microphone fieldsets of the setup screens: device choice, the live check and
 * the transcription switch. `apply(settings)` writes the choices into a settings object.
 */
export function deviceFields(devices, settings) {
  const check = deviceCheck();
  const camera = devices.cameras.length
    ? el("select", { id: "camera" }, devices.cameras.map((c) => el("option", { value: c.index, selected: settings.camera_index === c.index }, c.name)))
    : el("p", { id: "no-camera", class: "notice" }, "No camera found. You can still analyse recorded video files.");
  const mic = devices.microphones.length
    ? el("select", { id: "microphone" }, el("option", { value: "" }, "System default"),
      devices.microphones.map((m) => el("option", { value: m, selected: settings.microphone === m }, m)))
    : el("p", { id: "no-microphone", class: "notice" }, "No microphone found. Sessions are recorded without speech notes.");
  const transcribe = el("input", { type: "checkbox", id: "transcribe", disabled: devices.microphones.length === 0, checked: devices.microphones.length > 0 && settings.transcribe });
  const hasCamera = devices.cameras.length > 0, hasMic = devices.microphones.length > 0;

  const restart = () => check.start(
    hasCamera ? { kind: "camera", index: Number(camera.value) } : null,
    hasMic ? mic.value : null,
  );
  if (hasCamera) camera.addEventListener("change", restart);
  if (hasMic) mic.addEventListener("change", restart);
  // After the screen is in the document: events may come at once.
  queueMicrotask(restart);

  return {
    camera: el("fieldset", {}, el("legend", {}, "Camera"), camera,
      hasCamera ? el("div", { class: "device-check" }, check.picture, check.framing) : null),
    microphone: el("fieldset", {}, el("legend", {}, "Microphone"), mic,
      hasMic ? el("div", { class: "device-check" }, check.level, check.hearing) : null,
      el("label", {}, transcribe, " Transcribe what I say during exercises (stays on this computer)"),
      devices.microphone_error ? el("p", { class: "muted" }, devices.microphone_error) : null),
    apply(target) {
      target.camera_index = hasCamera ? Number(camera.value) : null;
      target.microphone = hasMic ? mic.value || null : null;
      target.transcribe = transcribe.checked;
    },
  };
}
