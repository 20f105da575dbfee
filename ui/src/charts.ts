// Charts as inline SVG: no library, readable without colour (values are labelled, markers
// differ in shape), and they scale with the window.
const NS = "http://www.w3.org/2000/svg";

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}, text?: string): SVGElementTagNameMap[K] {
  const n = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, String(v));
  if (text !== undefined) n.textContent = text;
  return n;
}

type Value = number | null;

export interface BarChart {
  labels: string[];
  values: Value[];
  unit?: string;
  title: string;
  target?: number;
}

/** Bars with their value written on top, e.g. range of motion per repetition. */
export function barChart({ labels, values, unit = "", title, target }: BarChart): SVGSVGElement {
  const w = 640, h = 240, pad = 36;
  const max = Math.max(1, ...values.filter((v): v is number => v != null), target ?? 0) * 1.15;
  const root = svg("svg", { viewBox: `0 0 ${w} ${h}`, role: "img", "aria-label": title, class: "chart" });
  root.append(svg("title", {}, title));
  const bw = (w - 2 * pad) / Math.max(1, values.length);
  values.forEach((v, i) => {
    const x = pad + i * bw + bw * 0.15;
    const bh = v == null ? 0 : ((h - 2 * pad) * v) / max;
    root.append(svg("rect", { x, y: h - pad - bh, width: bw * 0.7, height: bh, class: "bar" }));
    root.append(svg("text", { x: x + bw * 0.35, y: h - pad - bh - 6, "text-anchor": "middle", class: "value" }, v == null ? "–" : `${Math.round(v)}${unit}`));
    root.append(svg("text", { x: x + bw * 0.35, y: h - pad + 18, "text-anchor": "middle", class: "axis" }, labels[i] ?? ""));
  });
  if (target) {
    const y = h - pad - ((h - 2 * pad) * target) / max;
    root.append(svg("line", { x1: pad, x2: w - pad, y1: y, y2: y, class: "target" }));
    root.append(svg("text", { x: w - pad, y: y - 4, "text-anchor": "end", class: "axis" }, `target ${Math.round(target)}${unit}`));
  }
  return root;
}

export interface LineChart {
  xs: number[];
  ys: Value[];
  title: string;
  unit?: string;
  xLabel?: string;
  markers?: { x: number; label: string }[];
  /** A band of values drawn behind the line and labelled, e.g. a prescribed target. */
  band?: { low: number; high: number; label: string } | null;
  /** Marks drawn below the line at the given x, e.g. form issues (shape, not colour). */
  ticks?: { x: number; label: string }[];
}

/** A line over time with optional point markers, e.g. the knee angle of a session. */
export function lineChart({ xs, ys, title, unit = "", xLabel = "", markers = [], band = null, ticks = [] }: LineChart): SVGSVGElement {
  const w = 640, h = 240, pad = 40;
  const pts = xs.flatMap((x, i): [number, number][] => { const y = ys[i]; return y == null ? [] : [[x, y]]; });
  const root = svg("svg", { viewBox: `0 0 ${w} ${h}`, role: "img", "aria-label": title, class: "chart" });
  root.append(svg("title", {}, title));
  if (pts.length === 0) {
    root.append(svg("text", { x: w / 2, y: h / 2, "text-anchor": "middle", class: "axis" }, "No data"));
    return root;
  }
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const yv = pts.map((p) => p[1]).concat(band ? [band.low, band.high] : []);
  const [y0, y1] = [Math.min(...yv) - 5, Math.max(...yv) + 5];
  const sx = (x: number) => pad + ((x - x0) / Math.max(1e-9, x1 - x0)) * (w - 2 * pad);
  const sy = (y: number) => h - pad - ((y - y0) / Math.max(1e-9, y1 - y0)) * (h - 2 * pad);
  if (band) {
    root.append(svg("rect", { x: pad, y: sy(band.high), width: w - 2 * pad, height: Math.max(1, sy(band.low) - sy(band.high)), class: "band" }));
    root.append(svg("text", { x: w - pad - 4, y: sy(band.high) + 14, "text-anchor": "end", class: "axis" }, band.label));
  }
  for (const t of ticks) {
    const mark = svg("text", { x: sx(t.x), y: h - pad + 16, "text-anchor": "middle", class: "tick" }, "▲");
    mark.append(svg("title", {}, t.label));
    root.append(mark);
  }
  let d = "";
  let gap = true;
  xs.forEach((x, i) => {
    const y = ys[i];
    if (y == null) { gap = true; return; }
    d += `${gap ? "M" : "L"}${sx(x).toFixed(1)},${sy(y).toFixed(1)} `;
    gap = false;
  });
  root.append(svg("path", { d, class: "line" }));
  if (pts.length <= 40) {
    for (const [x, y] of pts) root.append(svg("circle", { cx: sx(x), cy: sy(y), r: 4, class: "point" }));
  }
  for (const m of markers) {
    root.append(svg("text", { x: sx(m.x), y: pad - 8, "text-anchor": "middle", class: "marker" }, m.label));
  }
  root.append(svg("text", { x: pad - 6, y: sy(y1) + 4, "text-anchor": "end", class: "axis" }, `${Math.round(y1)}${unit}`));
  root.append(svg("text", { x: pad - 6, y: sy(y0) + 4, "text-anchor": "end", class: "axis" }, `${Math.round(y0)}${unit}`));
  root.append(svg("text", { x: w - pad, y: h - 8, "text-anchor": "end", class: "axis" }, xLabel));
  return root;
}

export interface OverlaySeries {
  name: string;
  xs: number[];
  ys: Value[];
}

/** Two or more lines on the same axes, told apart by dash pattern and a legend, not colour alone. */
export function overlayChart({ series, title, unit = "", xLabel = "" }: { series: OverlaySeries[]; title: string; unit?: string; xLabel?: string }): SVGSVGElement {
  const w = 640, h = 260, pad = 40;
  const root = svg("svg", { viewBox: `0 0 ${w} ${h}`, role: "img", "aria-label": title, class: "chart" });
  root.append(svg("title", {}, title));
  const all = series.flatMap((s) => s.xs.flatMap((x, i): [number, number][] => { const y = s.ys[i]; return y == null ? [] : [[x, y]]; }));
  if (all.length === 0) {
    root.append(svg("text", { x: w / 2, y: h / 2, "text-anchor": "middle", class: "axis" }, "No data"));
    return root;
  }
  const [x0, x1] = [Math.min(...all.map((p) => p[0])), Math.max(...all.map((p) => p[0]))];
  const [y0, y1] = [Math.min(...all.map((p) => p[1])) - 5, Math.max(...all.map((p) => p[1])) + 5];
  const sx = (x: number) => pad + ((x - x0) / Math.max(1e-9, x1 - x0)) * (w - 2 * pad);
  const sy = (y: number) => h - pad - ((y - y0) / Math.max(1e-9, y1 - y0)) * (h - 2 * pad);
  series.forEach((s, k) => {
    let d = "";
    let gap = true;
    s.xs.forEach((x, i) => {
      const y = s.ys[i];
      if (y == null) { gap = true; return; }
      d += `${gap ? "M" : "L"}${sx(x).toFixed(1)},${sy(y).toFixed(1)} `;
      gap = false;
    });
    root.append(svg("path", { d, class: `line series-${k}` }));
    root.append(svg("line", { x1: pad + k * 220, x2: pad + k * 220 + 30, y1: 14, y2: 14, class: `line series-${k}` }));
    root.append(svg("text", { x: pad + k * 220 + 36, y: 18, class: "axis" }, s.name));
  });
  root.append(svg("text", { x: pad - 6, y: sy(y1) + 4, "text-anchor": "end", class: "axis" }, `${Math.round(y1)}${unit}`));
  root.append(svg("text", { x: pad - 6, y: sy(y0) + 4, "text-anchor": "end", class: "axis" }, `${Math.round(y0)}${unit}`));
  root.append(svg("text", { x: w - pad, y: h - 8, "text-anchor": "end", class: "axis" }, xLabel));
  return root;
}
