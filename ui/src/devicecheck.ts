// The live camera picture (with the skeleton and a word on framing) and the microphone level of
// the setup screens, so a patient sees both devices work before the first exercise.
import { call, on } from "./ipc";
import type { BodyPart } from "./bindings/BodyPart";
import type { CheckEvent } from "./bindings/CheckEvent";
import type { Devices } from "./bindings/Devices";
import type { Framing } from "./bindings/Framing";
import type { Settings } from "./bindings/Settings";
import type { SourceSpec } from "./bindings/SourceSpec";
import { el } from "./dom";
import { errorMessage } from "./toast";
import { drawFrame } from "./skeleton";

interface RunningCheck {
  unlisten: Promise<() => void>;
  started: Promise<unknown>;
}

let active: RunningCheck | null = null;

// A new body part in the engine's vocabulary fails to compile here until it has its words.
const PART_WORDS: Record<BodyPart, string> = { head: "head", shoulders: "shoulders", hips: "hips", knees: "knees", feet: "feet" };

function framingText(framing: Framing): string {
  switch (framing.state) {
    case "no_person": return "Nobody in view yet: stand where you will exercise.";
    case "full_body": return "✓ Your whole body is in view.";
    case "partial": {
      const missing = framing.missing.map((part) => PART_WORDS[part]);
      return `Step back or tilt the camera: your ${missing.join(", ")} ${missing.length > 1 ? "are" : "is"} out of view.`;
    }
  }
}

/** Stops the check the current screen started, if any. */
export async function stopDeviceCheck(): Promise<void> {
  if (!active) return;
  const current = active;
  active = null;
  void current.unlisten.then((f) => { f(); });
  // A stop that overtook a start still running would leave the devices open.
  await current.started;
  await call("stop_device_check").catch(() => { /* nothing left to stop */ });
}

export interface DeviceCheck {
  picture: HTMLCanvasElement;
  framing: HTMLParagraphElement;
  level: HTMLMeterElement;
  hearing: HTMLParagraphElement;
  /** (Re)starts the check: `camera` to show, or null; `microphone` a name, "" for the default, null for none. */
  start(camera: SourceSpec | null, microphone: string | null): Promise<void>;
}

/** Builds the check's elements; `start` runs it. */
export function deviceCheck(): DeviceCheck {
  const canvas = el("canvas", { id: "camera-preview", width: 320, height: 240, "aria-label": "Camera picture with skeleton" });
  const framing = el("p", { id: "camera-framing", role: "status" }, "");
  const meter = el("meter", { id: "mic-level", min: -60, max: 0, low: -45, optimum: -20, value: -60, "aria-label": "Microphone level" });
  const hearing = el("p", { id: "mic-hearing", role: "status" }, "");
  const img = new Image();
  let lastLoud = 0;
  const showError = (line: HTMLElement, text: string) => { line.textContent = text; line.classList.add("error"); };

  const onEvent = (ev: CheckEvent) => {
    switch (ev.type) {
      case "camera_frame":
        img.onload = () => {
          if (canvas.width !== ev.preview.width) canvas.width = ev.preview.width;
          if (canvas.height !== ev.preview.height) canvas.height = ev.preview.height;
          drawFrame(canvas, img, ev.landmarks);
        };
        img.src = ev.preview.data_url;
        framing.textContent = framingText(ev.framing);
        framing.classList.remove("error");
        break;
      case "microphone_level": {
        meter.value = Math.max(-60, ev.rms_dbfs);
        const now = Date.now();
        if (ev.rms_dbfs > -45) lastLoud = now;
        // Said in words too: the meter's colour alone is not enough.
        hearing.textContent = now - lastLoud < 1500 ? `✓ Hearing you (${ev.device})` : `Listening on ${ev.device}: say something to test.`;
        hearing.classList.remove("error");
        break;
      }
      case "device_error":
        if (ev.device === "camera") showError(framing, `Camera: ${ev.message}`);
        else showError(hearing, `Microphone: ${ev.message}`);
        break;
      case "camera_ended":
        framing.textContent = "The camera stopped.";
        break;
    }
  };

  async function start(camera: SourceSpec | null, microphone: string | null): Promise<void> {
    await stopDeviceCheck();
    if (!camera && microphone == null) return;
    const unlisten = on("device-check", onEvent);
    const started = call("start_device_check", { request: { camera, listen: microphone != null, microphone: microphone || null } })
      .catch((e: unknown) => { showError(hearing, errorMessage(e)); });
    active = { unlisten, started };
    await started;
  }

  return { picture: canvas, framing, level: meter, hearing, start };
}

export interface DeviceFields {
  camera: HTMLFieldSetElement;
  microphone: HTMLFieldSetElement;
  /** Writes the choices into `target`. */
  apply(target: Settings): void;
}

/** The camera and microphone fieldsets of the setup screens: device choice, the live check and the transcription switch. */
export function deviceFields(devices: Devices, settings: Settings): DeviceFields {
  const check = deviceCheck();
  const hasCamera = devices.cameras.length > 0, hasMic = devices.microphones.length > 0;
  const camera = el("select", { id: "camera" }, devices.cameras.map((c) => el("option", { value: c.index, selected: settings.camera_index === c.index }, c.name)));
  const mic = el("select", { id: "microphone" }, el("option", { value: "" }, "System default"),
    devices.microphones.map((m) => el("option", { value: m, selected: settings.microphone === m }, m)));
  const transcribe = el("input", { type: "checkbox", id: "transcribe", disabled: !hasMic, checked: hasMic && settings.transcribe });

  const restart = () => check.start(
    hasCamera ? { kind: "camera", index: Number(camera.value) } : null,
    hasMic ? mic.value : null,
  );
  camera.addEventListener("change", () => { void restart(); });
  mic.addEventListener("change", () => { void restart(); });
  // After the screen is in the document: events may come at once.
  queueMicrotask(() => { void restart(); });

  return {
    camera: el("fieldset", {}, el("legend", {}, "Camera"),
      hasCamera
        ? [camera, el("div", { class: "device-check" }, check.picture, check.framing)]
        : el("p", { id: "no-camera", class: "notice" }, "No camera found. You can still analyse recorded video files.")),
    microphone: el("fieldset", {}, el("legend", {}, "Microphone"),
      hasMic
        ? [mic, el("div", { class: "device-check" }, check.level, check.hearing)]
        : el("p", { id: "no-microphone", class: "notice" }, "No microphone found. Sessions are recorded without speech notes."),
      el("label", {}, transcribe, " Transcribe what I say during exercises (stays on this computer)"),
      devices.microphone_error ? el("p", { class: "muted" }, devices.microphone_error) : null),
    apply(target) {
      target.camera_index = hasCamera ? Number(camera.value) : null;
      target.microphone = hasMic ? mic.value || null : null;
      target.transcribe = transcribe.checked;
    },
  };
}
