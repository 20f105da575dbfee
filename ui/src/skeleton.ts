// Draws the camera preview and the BlazePose skeleton on a canvas.
import type { LiveFrame } from "./bindings/LiveFrame";

/** `[x, y, visibility]`, x and y normalised to the picture. */
type Landmark = LiveFrame["landmarks"][number];

// BlazePose landmark pairs (face outline omitted: it is noise at a distance).
const BONES: readonly [number, number][] = [
  [11, 12], [11, 13], [13, 15], [12, 14], [14, 16], [11, 23], [12, 24], [23, 24],
  [23, 25], [25, 27], [27, 29], [29, 31], [27, 31], [24, 26], [26, 28], [28, 30], [30, 32], [28, 32],
  [15, 17], [15, 19], [15, 21], [16, 18], [16, 20], [16, 22],
];
const MIN_VISIBILITY = 0.5;

/** Draws `image` (if any) and the `landmarks` ([x, y, visibility], normalised) on `canvas`. */
export function drawFrame(canvas: HTMLCanvasElement, image: CanvasImageSource | null, landmarks: readonly Landmark[]): void {
  const ctx = canvas.getContext("2d");
  if (!ctx) return;
  const { width: w, height: h } = canvas;
  if (image) ctx.drawImage(image, 0, 0, w, h);
  if (landmarks.length < 33) return;
  const base = Math.max(3, w / 160);
  ctx.lineCap = "round";
  // White under a dark outline stays visible on any background, without relying on colour.
  for (const [stroke, width] of [["rgba(0,0,0,0.7)", base + 3], ["#ffffff", base]] as const) {
    ctx.strokeStyle = stroke;
    ctx.lineWidth = width;
    ctx.beginPath();
    for (const [a, b] of BONES) {
      const p = landmarks[a], q = landmarks[b];
      if (!p || !q || p[2] < MIN_VISIBILITY || q[2] < MIN_VISIBILITY) continue;
      ctx.moveTo(p[0] * w, p[1] * h);
      ctx.lineTo(q[0] * w, q[1] * h);
    }
    ctx.stroke();
  }
  ctx.fillStyle = "#ffcc00";
  for (const p of landmarks.slice(11)) {
    if (p[2] < MIN_VISIBILITY) continue;
    ctx.beginPath();
    ctx.arc(p[0] * w, p[1] * h, base, 0, 2 * Math.PI);
    ctx.fill();
  }
}
