// Measurement mode, the camera goniometer: the engine reads a joint's angle on both sides from a
// recorded hold, with its confidence and what makes it unreliable; the therapist saves it in the
// patient's chart. The screens only lay out what the engine returned.
import { call } from "./ipc";
import type { GoniometerJoint } from "./bindings/GoniometerJoint";
import type { Measurement } from "./bindings/Measurement";
import type { ChartMeasurement } from "./bindings/ChartMeasurement";
import { el } from "./dom";
import { degrees, seconds, when } from "./format";
import { errorMessage, toast } from "./toast";

const JOINTS: { value: GoniometerJoint; words: string }[] = [
  { value: "knee", words: "Knee" },
  { value: "hip", words: "Hip" },
  { value: "elbow", words: "Elbow" },
  { value: "ankle", words: "Ankle" },
  { value: "shoulder_flexion", words: "Shoulder flexion" },
  { value: "shoulder_abduction", words: "Shoulder abduction" },
  { value: "hip_abduction", words: "Hip abduction" },
];

function jointWords(joint: GoniometerJoint): string {
  return JOINTS.find((j) => j.value === joint)?.words ?? joint;
}

/** The joint a session's followed angle names (`knee_left` → knee), else the knee. */
function jointOf(angle: string | null): GoniometerJoint {
  const name = (angle ?? "").replace(/_(left|right)$/, "");
  return JOINTS.find((j) => j.value === name)?.value ?? "knee";
}

/** Both sides of a reading: angle, confidence, how long held, and the engine's advice. */
export function readingTable(m: Measurement, id: string): HTMLElement {
  const { reading, verdicts } = m;
  return el("table", { id, class: "measurement" },
    el("caption", { class: "muted" }, `${jointWords(reading.joint)}, camera ${reading.view.replace(/_/g, " ")}`),
    el("thead", {}, el("tr", {}, ["Side", "Angle", "Read from", "Held", "Confidence", "Reliable"].map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, reading.sides.map((side, i) => {
      const verdict = verdicts[i];
      return el("tr", { "data-side": side.side, class: verdict?.reliable ? null : "unreliable" },
        el("th", { scope: "row" }, side.side),
        el("td", { class: "num" }, degrees(side.angle_deg)),
        el("td", {}, side.source === "image" ? "the picture" : side.source === "world" ? "3-D estimate" : "–"),
        el("td", { class: "num" }, seconds(side.held_s)),
        el("td", { class: "num" }, `${Math.round(side.confidence * 100)}%`),
        el("td", {}, verdict?.reliable ? "✓ yes" : `⚠ no: ${verdict?.advice.join("; ") || "no angle"}`));
    })));
}

/** Measurement mode on a recorded hold: pick the joint, read, save in the chart. */
export function measurementPanel(sessionId: string, angle: string | null, saved: () => Promise<void>): HTMLElement {
  const joint = el("select", { id: "measure-joint" }, JOINTS.map((j) => el("option", { value: j.value, selected: j.value === jointOf(angle) }, j.words)));
  const result = el("div", { id: "measure-result", "aria-live": "polite" });
  const read = el("button", { type: "button", id: "measure-read" }, "Read the angle");
  const save = el("button", { type: "button", id: "measure-save", class: "primary", disabled: true }, "Save in the chart");
  read.addEventListener("click", () => {
    save.disabled = true;
    result.replaceChildren(el("p", { class: "muted" }, "Reading the held position…"));
    call("workspace_measure", { sessionId, joint: joint.value as GoniometerJoint })
      .then((m) => {
        result.replaceChildren(readingTable(m, "measure-reading"));
        save.disabled = !m.reading.sides.some((s) => s.angle_deg != null);
      })
      .catch((err: unknown) => { result.replaceChildren(el("p", { role: "alert" }, errorMessage(err))); });
  });
  save.addEventListener("click", () => {
    call("save_measurement", { sessionId, joint: joint.value as GoniometerJoint })
      .then(async () => {
        toast(`${jointWords(joint.value as GoniometerJoint)} angle saved in the chart.`);
        await saved();
      })
      .catch((err: unknown) => { result.append(el("p", { role: "alert" }, errorMessage(err))); });
  });
  return el("fieldset", { id: "measurement" },
    el("legend", {}, "Measure a held position (camera goniometer)"),
    el("p", { class: "muted" }, "For a recording in which the patient holds the position still for a second or more. Film across the movement: from the side for flexion, from the front for abduction."),
    el("label", {}, "Joint ", joint), " ", read, " ", save,
    result);
}

/** The chart's saved readings, newest first. */
export function measurementList(items: ChartMeasurement[]): HTMLElement {
  if (!items.length) return el("p", { id: "chart-measurements", class: "muted" }, "No goniometer readings saved yet.");
  return el("div", { id: "chart-measurements" }, items.map((item) => el("section", { "data-measurement": item.id },
    el("h3", {}, `${jointWords(item.measurement.reading.joint)} — ${when(item.taken_at)}`,
      item.session_id ? [" · ", el("a", { href: `#/review/${item.session_id}` }, "the recording")] : null),
    readingTable(item.measurement, `measurement-${item.id}`))));
}
