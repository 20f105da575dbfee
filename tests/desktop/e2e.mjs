// End-to-end test of the real desktop app: tauri-driver starts the built binary in a real
// window (Xvfb), and this script uses it as a patient would: first run, today's program, a
// squat session recorded from a real clip (played at its own speed, like a camera), the live
// counter reaching the hand count, stop, the summary, the history. Screenshots of every screen
// go to docs/screenshots/; measurements are printed as JSON.
//
// Environment: PHYSALIGN_APP (the binary), PHYSALIGN_CLIP and PHYSALIGN_CLIP_REPS (the clip and
// its true count), PHYSALIGN_DRIVER (tauri-driver URL), PHYSALIGN_SCREENSHOTS (output folder).
import fs from "node:fs";
import path from "node:path";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { WebDriver, sleep } from "./webdriver.mjs";

const app = process.env.PHYSALIGN_APP;
const clip = process.env.PHYSALIGN_CLIP;
const trueReps = Number(process.env.PHYSALIGN_CLIP_REPS);
const shots = process.env.PHYSALIGN_SCREENSHOTS;
// The stand-in microphone: a PulseAudio null sink whose monitor is the default source.
const micSink = process.env.PHYSALIGN_MIC_SINK;
const speechClip = process.env.PHYSALIGN_SPEECH_CLIP;
const withMicrophone = Boolean(micSink && speechClip && fs.existsSync(speechClip));
// Speech during the recording needs a clip longer than the sentence.
const speechWords = process.env.PHYSALIGN_SPEECH_WORDS ? new RegExp(process.env.PHYSALIGN_SPEECH_WORDS, "i") : null;
const speakWhileRecording = withMicrophone && trueReps > 0 && speechWords !== null;
const speak = () => spawn("paplay", [`--device=${micSink}`, speechClip], { stdio: "ignore" });
assert.ok(app && fs.existsSync(app), `PHYSALIGN_APP must name the built app (got ${app})`);
assert.ok(clip && fs.existsSync(clip), `PHYSALIGN_CLIP must name a video (got ${clip})`);
assert.ok(Number.isInteger(trueReps), "PHYSALIGN_CLIP_REPS must be the clip's repetition count");

const wd = new WebDriver(process.env.PHYSALIGN_DRIVER || "http://127.0.0.1:4444");
const measured = {};
const t0 = Date.now();
const step = (what) => console.error(`${((Date.now() - t0) / 1000).toFixed(1)} s: ${what}`);

async function shot(name) {
  if (!shots) return;
  await sleep(300); // let the last paint land
  fs.mkdirSync(shots, { recursive: true });
  const file = path.join(shots, `${name}.png`);
  if (process.env.DISPLAY) {
    // The X display as it is: WebKitWebDriver's own screenshot takes about a minute per shot
    // under Xvfb.
    execFileSync("ffmpeg", ["-v", "error", "-y", "-f", "x11grab", "-draw_mouse", "0", "-video_size", "1280x800",
      "-i", process.env.DISPLAY, "-frames:v", "1", file]);
  } else {
    fs.writeFileSync(file, await wd.screenshot());
  }
  console.error(`screenshot ${name}.png`);
}

async function invoke(cmd, args = {}) {
  return wd.execAsync(
    "const done = arguments[arguments.length - 1];" +
      "window.__TAURI_INTERNALS__.invoke(arguments[0], arguments[1]).then(done, (e) => done({ error: String(e && e.message || e) }));",
    [cmd, args],
  );
}

try {
  // Hash navigation counts as a page load to WebKitWebDriver, which would wait a minute for it
  // after each click; the test waits for what it needs itself.
  await wd.start({ alwaysMatch: { pageLoadStrategy: "none", "tauri:options": { application: app } } });
  step("app started");
  // #app is busy while a screen renders.
  await wd.waitFor("#app[aria-busy=false]", 60000);
  step("window ready");

  // First run.
  await wd.waitFor("#finish-setup");
  const welcome = await wd.text("#app");
  assert.match(welcome, /No camera found/, "this machine has no camera: the first run must say so");
  if (withMicrophone) {
    // The microphone check: speech played into the stand-in microphone moves the level meter.
    await wd.waitFor("#mic-level");
    const voice = speak();
    await wd.until(() => wd.exec("return /Hearing you/.test(document.querySelector('#mic-hearing')?.textContent ?? '')"),
      20000, "the microphone check to hear the speech");
    measured.microphone_check = await wd.text("#mic-hearing");
    await shot("01-first-run");
    voice.kill();
    await wd.click("#transcribe");
    assert.equal(await wd.exec("return document.querySelector('#transcribe').checked"), true);
  } else {
    if (!micSink) assert.match(welcome, /No microphone found/);
    await shot("01-first-run");
  }
  await wd.click("#role-patient");
  step("role chosen");
  await wd.click("#finish-setup");
  step("setup finished");

  // Today's program.
  await wd.waitFor("#program");
  step("today shown");
  assert.match(await wd.text("#program"), /Squat/);
  await shot("02-today");
  step("today screenshot");
  await wd.click("button[data-exercise=squat]");
  step("exercise chosen");

  // Record from the clip at its own speed.
  await wd.waitFor("#start");
  step("record screen");
  await wd.click("#source-file");
  await wd.type("#video-path", clip);
  step("clip typed");
  // The clip ends about a second after its last repetition and the summary then replaces the
  // record screen, so polls alone could miss the last count: an observer of the test's own,
  // installed before the start, notes every count the screen shows as it shows it.
  await wd.exec(
    "const seen = window.__e2eSeen = { reps: 0, phrases: 0, firstFrame: false };" +
      "const app = document.getElementById('app');" +
      "new MutationObserver(() => {" +
      "  const reps = app.querySelector('#rep-count');" +
      "  if (!reps) return;" +
      "  seen.reps = Math.max(seen.reps, Number(reps.textContent) || 0);" +
      "  if (app.querySelector('#fps')?.textContent) seen.firstFrame = true;" +
      "  seen.phrases = app.querySelectorAll('#transcript li').length;" +
      "}).observe(app, { subtree: true, childList: true, characterData: true });");
  await wd.click("#start");
  step("recording started");
  if (speakWhileRecording) {
    // Speak once the recording runs (the transcriber loads alongside the first frames).
    await wd.until(() => wd.exec("return window.__e2eSeen.firstFrame"), 30000, "the first analysed frame");
    await sleep(500);
    speak();
  }
  let midShot = false;
  const fpsSeen = [];
  // One script per poll: which screen shows, the frame rate it shows, and whether the video
  // canvas has a picture (transparent until the first preview; the skeleton covers little).
  const live = () => wd.exec(
    "const c = document.querySelector('#preview');" +
      "let opaque = 0, error = null;" +
      "try {" +
      "  const px = c ? c.getContext('2d').getImageData(0, 0, c.width, c.height).data : [];" +
      "  for (let i = 3; i < px.length; i += 4) if (px[i] > 0) opaque += 1;" +
      "} catch (e) { error = String(e); }" +
      "return { recording: Boolean(document.querySelector('#rep-count'))," +
      " summary: Boolean(document.querySelector('#summary-reps')), reps: window.__e2eSeen.reps," +
      " fps: parseFloat(document.querySelector('#fps')?.textContent ?? '') || 0," +
      " share: c ? opaque / (c.width * c.height) : 0, error };");
  await wd.until(async () => {
    const now = await live();
    if (now.fps > 0) fpsSeen.push(now.fps);
    if (!midShot && now.reps >= Math.min(2, trueReps) && (trueReps > 0 || now.share > 0) && now.recording) {
      assert.ok(now.share > 0.9, `the live video is drawn (share of the canvas painted ${now.share}${now.error ? `, ${now.error}` : ""})`);
      measured.video_canvas_painted = now.share;
      midShot = true;
      await shot("03-recording");
    }
    return (trueReps > 0 && now.reps >= trueReps) || now.summary;
  }, 120000, `the repetition counter to reach ${trueReps}`);
  const seen = await wd.exec("return window.__e2eSeen");
  const maxReps = seen.reps;
  if (withMicrophone) measured.live_transcript_phrases = seen.phrases;
  // The fallback clip (no exercise in it) lasts under two seconds: a poll may miss its frames.
  if (trueReps > 0) assert.ok(midShot, "the live video was seen drawn with the skeleton while recording");
  assert.equal(maxReps, trueReps, "the live counter reaches the hand-counted repetitions");
  measured.live_reps = maxReps;
  fpsSeen.sort((a, b) => a - b);
  measured.live_fps_median = fpsSeen[Math.floor(fpsSeen.length / 2)] ?? null;
  if (await wd.exec("return Boolean(document.querySelector('#rep-count'))")) {
    await wd.click("#stop");
  }

  step("counter reached the hand count");
  // The summary.
  await wd.waitFor("#summary-reps", 60000);
  assert.equal(await wd.text("#summary-reps"), String(trueReps));
  if (speakWhileRecording) {
    // What was said during the exercise is transcribed on the device and kept with the session.
    const said = await wd.text("#session-transcript");
    measured.transcript = said;
    assert.match(said, speechWords, "the speech played into the microphone is in the session's transcript");
  }
  await shot("04-summary");

  // History.
  await wd.click("nav a[href='#/history']");
  await wd.waitFor("#history");
  const history = await wd.text("#history");
  assert.match(history, /Squat/);
  assert.match(history, new RegExp(`\\b${trueReps}\\b`));
  await shot("05-history");

  await wd.click("nav a[href='#/settings']");
  await wd.waitFor("#sync-status");
  assert.match(await wd.text("#sync-status"), /working offline/);
  // What the care team receives: a toggle saves the consent where sync reads it, at once.
  assert.match(await wd.text("#consent"), /video and audio never leave this device/i);
  assert.equal((await invoke("consent_settings")).share_transcript, true, "shared by default");
  await wd.click("#share-transcript");
  for (let i = 0; i < 50 && (await invoke("consent_settings")).share_transcript; i++) await sleep(100);
  assert.equal((await invoke("consent_settings")).share_transcript, false, "the toggle reached the store");
  await shot("06-settings");

  step("screens done");
  // The strict policy (no inline styles or scripts) blocked nothing the screens needed.
  assert.equal(await wd.exec("return document.documentElement.dataset.cspViolations ?? '0'"), "0",
    `content security policy violations, the last: ${await wd.exec("return document.documentElement.dataset.cspLastViolation ?? ''")}`);
  const metrics = await invoke("app_metrics");
  measured.launch_to_first_frame_ms = metrics.launch?.launch_to_first_frame_ms ?? null;
  assert.ok(measured.launch_to_first_frame_ms > 0, "the recording analysed frames");
  measured.model_warm_up_ms = metrics.launch?.model_warm_up_ms ?? null;
  measured.app_rss_mib = metrics.rss_kib ? Math.round(metrics.rss_kib / 1024) : null;
  measured.app_peak_rss_mib = metrics.peak_rss_kib ? Math.round(metrics.peak_rss_kib / 1024) : null;
  const sessions = await invoke("session_history", { limit: 10 });
  assert.equal(sessions.length, 1, "exactly one session stored");
  assert.equal(sessions[0].reps, trueReps);
  console.log(JSON.stringify({ e2e: "passed", ...measured }));
} finally {
  await wd.quit();
}
