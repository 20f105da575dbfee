// Desktop benchmark: a long recording in the real app (a clip looped to PHYSALIGN_BENCH_MINUTES
// and played at its own speed, like a camera), printing the time from launch to the first
// analysed frame, the frame rate shown live, and the resident memory of the app and its WebKit
// processes sampled every 10 s.
import fs from "node:fs";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { WebDriver, sleep } from "./webdriver.mjs";

const minutes = Number(process.env.PHYSALIGN_BENCH_MINUTES || 5);
const work = process.env.PHYSALIGN_WORK;
const long = path.join(work, "long.mp4");
const loops = Math.ceil((minutes * 60) / 12);
execFileSync("ffmpeg", ["-v", "error", "-y", "-stream_loop", String(loops), "-i", process.env.PHYSALIGN_CLIP,
  "-t", String(minutes * 60), "-c", "copy", long]);

function rssMiB(namePattern) {
  let total = 0;
  for (const pid of fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
      if (!namePattern.test(cmd)) continue;
      const m = fs.readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+)/);
      if (m) total += Number(m[1]);
    } catch { /* the process ended */ }
  }
  return Math.round(total / 1024);
}

const wd = new WebDriver(process.env.PHYSALIGN_DRIVER);
try {
  await wd.start({ alwaysMatch: { pageLoadStrategy: "none", "tauri:options": { application: process.env.PHYSALIGN_APP } } });
  await wd.waitFor("#app[aria-busy=false]", 60000);
  await wd.click("#role-patient");
  await wd.click("#finish-setup");
  await wd.click("button[data-exercise=squat]");
  await wd.click("#source-file");
  await wd.type("#video-path", long);
  await wd.click("#start");
  const samples = [];
  const fps = [];
  const end = Date.now() + minutes * 60 * 1000 + 20000;
  while (Date.now() < end) {
    await sleep(10000);
    const recording = await wd.exec("return Boolean(document.querySelector('#rep-count'))");
    const f = parseFloat(await wd.exec("return (document.querySelector('#fps')||{}).textContent || ''"));
    if (Number.isFinite(f)) fps.push(f);
    samples.push({ app: rssMiB(/physalign-desktop/), webkit: rssMiB(/WebKit(Web|Network)Process/) });
    if (!recording) break;
  }
  const metrics = await wd.execAsync("const d = arguments[arguments.length-1]; window.__TAURI_INTERNALS__.invoke('app_metrics', {}).then(d, e => d({error: String(e)}))");
  const apps = samples.map((s) => s.app);
  const webkit = samples.map((s) => s.webkit);
  fps.sort((a, b) => a - b);
  console.log(JSON.stringify({
    minutes,
    launch_to_first_frame_ms: metrics.launch?.launch_to_first_frame_ms,
    live_fps_median: fps[Math.floor(fps.length / 2)],
    live_fps_min: fps[0],
    app_rss_mib_first: apps[0], app_rss_mib_last: apps.at(-1), app_rss_mib_max: Math.max(...apps),
    webkit_rss_mib_max: Math.max(...webkit),
    samples: samples.length,
  }));
} finally {
  await wd.quit();
}
