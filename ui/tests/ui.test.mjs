// @ts-check
// UI tests: the built front end (dist/) in headless Debian Chromium, with the Tauri bridge
// replaced by tauri-mock.js. They check what the patient sees and which commands are sent. The
// mock's answers and events are typed with the app's IPC types (tests/mock-types.ts), so they
// cannot drift from what Rust sends.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, "..", "dist");
const mockScript = fs.readFileSync(path.join(here, "tauri-mock.js"), "utf8");
/** @type {Record<string, string>} */
const types = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css" };

/** @typedef {import("./mock-types").MockResponses} MockResponses */
/** @typedef {import("./mock-types").RecorderEvent} RecorderEvent */
/** @typedef {import("./mock-types").CheckEvent} CheckEvent */

/** @type {http.Server} */
let server;
/** @type {import("playwright-core").Browser} */
let browser;
/** @type {string} */
let base;

before(async () => {
  assert.ok(fs.existsSync(path.join(dist, "index.html")), "run `npm run build` first");
  server = http.createServer((req, res) => {
    const file = path.join(dist, decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname));
    if (!file.startsWith(dist) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": types[path.extname(file)] || "application/octet-stream" });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise((r) => { server.listen(0, "127.0.0.1", () => { r(null); }); });
  const address = /** @type {import("node:net").AddressInfo} */ (server.address());
  base = `http://127.0.0.1:${address.port}/index.html`;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
});

after(async () => {
  await browser?.close();
  server?.close();
});

/** @type {import("./mock-types").Settings} */
const SETTINGS = { role: "patient", server_url: null, camera_index: null, microphone: null, transcribe: false, spoken_cues: false, whisper_model: "tiny.en", program: [{ exercise_id: "squat", target_reps: 5, target_angle: null }], lock_idle_minutes: 5,
  vocabulary: { terms: ["TheraBand"], replacements: [{ heard: "thera band", written: "TheraBand" }] } };
/** @type {import("./mock-types").ProgramEntry[]} */
const PROGRAM = [{ exercise_id: "squat", name: "Squat", description: "Bend the knees.", instructions: null, scheduled_at: null, origin: "picked", target_reps: 5, target_angle: 90, camera_view: "side", done_today: 0, program_item_id: null, sets: null, hold_seconds: null, per_week: null, done_this_week: null }];
/** @type {import("./mock-types").ExerciseInfo[]} */
const EXERCISES = [{ id: "squat", name: "Squat", description: "", mode: "reps", target_angle: 90 }, { id: "bicep_curl", name: "Bicep curl", description: "", mode: "reps", target_angle: 50 }];
/** @type {import("./mock-types").SyncStatus} */
const SYNC = { server_url: null, email: null, role: null, login_required: null, pending: 2, failed: 0, done: 0, failed_entries: [], conflicts: [], last_success_at: null, last_attempt_at: null, last_error: null, pulled_sessions: 0, pulled_reviews: 0 };
const SESSION_ID = "0b7f3a3e-7a51-4b8e-9d53-2f2f5c1e0a11";
const METRICS = { launch_to_first_frame_ms: null, model_warm_up_ms: null, recovered_sessions: 0 };
/** @type {import("./mock-types").HistoryEntry} */
const ENTRY = { session_id: SESSION_ID, exercise_id: "squat", exercise_name: "Squat", source: "/v.mp4", status: "review_pending", started_at: "2026-12-02T10:00:00Z", duration_s: 12.1, reps: 5, target_reps: 5, mean_rom: 72.4, best_rom: 80.1, form_issues: 1, pain: 3, sync: "pending" };

/** @type {import("./mock-types").Consent} */
const CONSENT = { share_notes: true, share_transcript: true, never_leaves: "Video and audio never leave this device." };

/**
 * The engine's crisis resources (physalign_report::crisis::resources) for a session whose notes
 * are not yet delivered.
 * @type {import("./mock-types").CrisisResources}
 */
const CRISIS = {
  headline: "You don't have to face this alone — help is available now",
  intro: "Something you said sounded like you may be thinking about harming yourself or ending your life.",
  steps: [
    { kind: "emergency", text: "If you are in danger or might act on these thoughts, call your local emergency number now or go to the nearest emergency department." },
    { kind: "crisis_line", text: "Call or text a crisis line in your country: they are free and confidential, and many answer at any hour." },
    { kind: "trusted_person", text: "Tell someone you trust how you feel, and ask them to stay with you." },
    { kind: "safe_surroundings", text: "Put away anything you could use to hurt yourself, such as medicines or sharp objects." },
    { kind: "care_team", text: "Your care team will be told when this device is next online and signed in. Do not wait for them if you need help now." },
  ],
  care_team: "when_online",
  session_id: "0b7f3a3e-7a51-4b8e-9d53-2f2f5c1e0a11",
  flagged_at: "2026-12-02T10:00:00Z",
};

/** @type {import("./mock-types").SessionDetail} */
const DETAIL = {
  session: { id: SESSION_ID, patient_id: null, exercise_id: "squat", source: "/v.mp4", status: "review_pending", started_at: ENTRY.started_at,
    ended_at: "2026-12-02T10:00:12Z", duration_seconds: 12.1, summary_statistics: null, pose_data: null, report: null, frame_count: 365,
    created_at: ENTRY.started_at, updated_at: ENTRY.started_at, version: 1 },
  repetitions: [],
  form_issues: [{ timestamp_ms: 4200, issue: { type: "knee_valgus", joint: "knee", severity: "MEDIUM", message: "Knees cave inward" } }],
};

/**
 * The session's transcript under the 90-day retention: deleted automatically 90 days after it.
 * @type {import("./mock-types").TranscriptRetention}
 */
const RETENTION = { session_id: SESSION_ID, saved: false, purge_at: "2027-03-02T10:00:12Z", removed: null, removed_at: null };

/** @param {MockResponses} overrides @returns {MockResponses} */
function responses(overrides = {}) {
  return {
    app_info: { version: "0.1.0", first_run: false, settings: SETTINGS, database: "/tmp/x.sqlite", pose_ready: true, metrics: METRICS },
    list_devices: { cameras: [], microphones: [], microphone_error: null },
    list_exercises: EXERCISES,
    todays_program: PROGRAM,
    sync_status: SYNC,
    save_settings: (a) => a.settings,
    session_history: [ENTRY, { ...ENTRY, session_id: "11111111-2222-3333-4444-555555555555", started_at: "2026-12-01T10:00:00Z", reps: 4, mean_rom: 60, pain: 5, sync: "synced" }],
    session_view: {
      entry: ENTRY,
      detail: DETAIL,
      // Untyped JSON on the Rust side (serde_json::Value): the parts the summary reads.
      report: { rep_details: [1, 2, 3, 4, 5].map((n) => ({ number: n, rom: 60 + n * 3, peak_ms: n * 2000 })) },
      transcript: "My knee pain is 3 out of 10.",
      notes: { pain_reports: [{ score: 3, denied: false, body_part: "knee", quote: "My knee pain is 3 out of 10." }] },
      measurement: null,
      crisis: null,
      review: null,
      transcript_retention: RETENTION,
    },
    // What the engine answers once the transcript is deleted or kept (store::TranscriptRetention).
    delete_transcript: { ...RETENTION, purge_at: null, removed: "deleted", removed_at: "2026-12-03T09:30:00Z" },
    keep_transcript: { ...RETENTION, saved: true, purge_at: null },
    recent_crisis: null,
    consent_settings: CONSENT,
    session_angles: { angle: "knee", t_s: [0, 1, 2, 3, 4], degrees: [170, 120, 90, 130, 168] },
    workspace_access: { clinician: null, refused: "sign in as a physiotherapist to open the workspace", lock: null },
    // A device before its first sync does not know its patient (physalign_workspace::outcomes).
    outcome_overview: { error: "patient: this device does not know its patient yet: sign in and sync once" },
    ...overrides,
  };
}

/** @param {MockResponses} [overrides] */
async function open(overrides) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  /** @type {string[]} */
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.addInitScript(mockScript);
  await page.addInitScript((r) => {
    // Functions do not cross into the page: rebuild the two that compute answers.
    window.__mock.responses = { ...r, save_settings: (a) => a.settings,
      save_consent_settings: (a) => ({ ...a.consent, never_leaves: "Video and audio never leave this device." }) };
  }, JSON.parse(JSON.stringify(responses(overrides))));
  await page.goto(base);
  // #app is busy while a screen renders.
  await page.waitForSelector("#app[aria-busy=false]");
  return { page, errors };
}

/**
 * The recorder's `started` event for the squat session.
 * @param {Partial<Extract<RecorderEvent, { type: "started" }>>} fields
 * @returns {RecorderEvent}
 */
function started(fields) {
  return { type: "started", session_id: SESSION_ID, source: { width: 640, height: 480, fps: 30, duration_ms: 12000, estimated_frames: 360 },
    exercise_id: "squat", exercise_name: "Squat", target_reps: 5, target_angle: 90, target_tolerance: 10, startup_ms: 40, ...fields };
}

/**
 * A live frame with the engine's verdict on the target angle.
 * @param {Partial<import("./mock-types").FrameAnalysis>} analysis
 * @param {import("./mock-types").TargetStatus} target
 * @returns {RecorderEvent}
 */
function frame(analysis, target) {
  /** @type {[number, number, number][]} */
  const landmarks = Array.from({ length: 33 }, (_, i) => [0.3 + (i % 5) * 0.1, 0.1 + i * 0.025, 0.9]);
  return { type: "frame", session_id: SESSION_ID, frame_number: 10, landmarks, preview: null, fps: 29.6, progress: 0.4, since_start_ms: 400, target,
    analysis: { timestamp_ms: 333, angles: {}, quality: 0.9, primary_angle: null, progress: 0.9, phase: "outward", reps: 0, events: [], issues: [], cues: [], hold_s: null,
      reps_by_side: null, view: "side", active_side: "both", confidence: 0.9, framing: null, ...analysis } };
}

/**
 * The calls of `cmd` the page made so far, with their arguments.
 * @template {keyof import("./mock-types").Commands} C
 * @param {import("playwright-core").Page} page @param {C} cmd
 * @returns {Promise<Extract<import("./mock-types").MockCall, { cmd: C }>[]>}
 */
const calls = (page, cmd) => page.evaluate((c) => /** @type {any} */ (window.__mock.calls.filter((x) => x.cmd === c)), cmd);

/** The text of `selector` ("" when absent). @param {import("playwright-core").Page} page @param {string} selector */
const text = async (page, selector) => (await page.textContent(selector)) ?? "";

/** Delivers a recorder event to the page, as Rust would. @param {import("playwright-core").Page} page @param {RecorderEvent} event */
const emitRecorder = (page, event) => page.evaluate((e) => { window.__mock.emit("recorder", e); }, event);

/** Delivers a device-check event to the page. @param {import("playwright-core").Page} page @param {CheckEvent} event */
const emitCheck = (page, event) => page.evaluate((e) => { window.__mock.emit("device-check", e); }, event);

test("first run asks for the role and says clearly that there is no camera or microphone", async () => {
  const { page, errors } = await open({ app_info: { version: "0.1.0", first_run: true, settings: { ...SETTINGS, role: null }, database: "", pose_ready: false, metrics: METRICS } });
  await page.waitForSelector("#no-camera");
  assert.match(await text(page, "#no-camera"), /No camera found/);
  assert.match(await text(page, "#no-microphone"), /No microphone found/);
  await page.check("#role-therapist");
  await page.click("#finish-setup");
  await page.waitForSelector("#program");
  const saved = await calls(page, "save_settings");
  assert.equal(saved.length, 1);
  assert.equal(saved[0].args.settings.role, "therapist");
  assert.equal(saved[0].args.settings.camera_index, null);
  assert.deepEqual(errors, []);
  await page.close();
});

test("first run shows the chosen camera live with framing advice and the microphone level, and ends the check on leaving", async () => {
  const { page, errors } = await open({
    app_info: { version: "0.1.0", first_run: true, settings: { ...SETTINGS, role: null }, database: "", pose_ready: true, metrics: METRICS },
    list_devices: { cameras: [{ index: 0, name: "Integrated Webcam", description: "" }, { index: 2, name: "USB Camera", description: "" }], microphones: ["pulse", "default"], microphone_error: null },
    start_device_check: null,
    stop_device_check: null,
  });
  await page.waitForSelector("#camera-preview");
  await page.waitForFunction(() => window.__mock.calls.some((c) => c.cmd === "start_device_check"));
  let starts = await calls(page, "start_device_check");
  assert.deepEqual(starts[starts.length - 1].args.request, { camera: { kind: "camera", index: 0 }, listen: true, microphone: null });

  // A 2x2 black JPEG stands in for the camera picture.
  const jpeg = "data:image/jpeg;base64,/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRofHh0aHBwgJC4nICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDL/wAALCAACAAIBAREA/8QAFAABAAAAAAAAAAAAAAAAAAAACf/EABQQAQAAAAAAAAAAAAAAAAAAAAD/2gAIAQEAAD8AKp//2Q==";
  // Landmarks too uncertain to draw, so the skeleton leaves the picture's pixels alone.
  /** @type {[number, number, number][]} */
  const landmarks = Array.from({ length: 33 }, () => [0.5, 0.5, 0.2]);
  await emitCheck(page, { type: "camera_frame", preview: { width: 2, height: 2, data_url: jpeg }, landmarks, framing: { state: "partial", missing: ["feet"] }, fps: 10 });
  // The picture itself is on the canvas, which was transparent before it.
  await page.waitForFunction(() => {
    const canvas = /** @type {HTMLCanvasElement} */ (document.querySelector("#camera-preview"));
    return canvas.width === 2 && canvas.getContext("2d")?.getImageData(0, 0, 1, 1).data[3] === 255;
  });
  assert.match(await text(page, "#camera-framing"), /feet is out of view/);
  await emitCheck(page, { type: "microphone_level", device: "pulse", rms_dbfs: -70, peak: 0 });
  assert.match(await text(page, "#mic-hearing"), /say something to test/);
  await emitCheck(page, { type: "microphone_level", device: "pulse", rms_dbfs: -20, peak: 0.4 });
  assert.match(await text(page, "#mic-hearing"), /Hearing you/);

  // Choosing another camera restarts the check with it.
  await page.selectOption("#camera", "2");
  await page.waitForFunction(() => window.__mock.calls.filter((c) => c.cmd === "start_device_check").length >= 2);
  starts = await calls(page, "start_device_check");
  assert.deepEqual(starts[starts.length - 1].args.request.camera, { kind: "camera", index: 2 });

  await page.click("#finish-setup");
  await page.waitForSelector("#program");
  assert.ok((await calls(page, "stop_device_check")).length >= 1, "leaving the screen releases the devices");
  const saved = (await calls(page, "save_settings"))[0].args.settings;
  assert.equal(saved.camera_index, 2);
  assert.deepEqual(errors, []);
  await page.close();
});

test("today's program shows targets and starts the recording screen", async () => {
  const { page } = await open();
  await page.waitForSelector("#program");
  const card = await text(page, "#program");
  assert.match(card, /5 repetitions/);
  assert.match(card, /reach 90°/);
  await page.click("button[data-exercise=squat]");
  await page.waitForSelector("#start");
  assert.match(await text(page, "#record-status"), /No camera found/);
  assert.equal(await page.isChecked("#source-file"), true);
  assert.equal(await page.isDisabled("#source-camera"), true);
  assert.equal(await page.locator("#questionnaires").count(), 0, "no questionnaires before the device knows its patient");
  await page.close();
});

test("recording from a file shows the live counter, angle against target, cues, and ends on the summary", async () => {
  const { page, errors } = await open({ start_recording: SESSION_ID, pause_recording: null, resume_recording: null, stop_recording: null });
  await page.goto(base + "#/record?exercise=squat");
  await page.waitForSelector("#start");
  await page.fill("#video-path", "/videos/squat.mp4");
  await page.uncheck("#play-live");
  await page.click("#start");
  await page.waitForFunction(() => !document.querySelector("#stop")?.hasAttribute("disabled"));
  const [start] = await calls(page, "start_recording");
  assert.deepEqual(start.args.request.source, { kind: "video_file", path: "/videos/squat.mp4", real_time: false });
  assert.equal(start.args.request.exercise_id, "squat");
  assert.equal(start.args.request.target_reps, 5);

  await emitRecorder(page, started({ target_angle: 90, target_tolerance: 10 }));
  await emitRecorder(page, frame({ primary_angle: 95.2, reps: 3, cues: ["Keep your knees over your toes"] }, { state: "reached" }));
  await page.waitForFunction(() => document.querySelector("#rep-count")?.textContent === "3");
  assert.match(await text(page, "#angle-value"), /95°/);
  assert.match(await text(page, "#angle-range"), /Target: 90° \(± 10°\) — ✓ reached/, "reaching the target is said in words, not only colour");
  assert.match(await text(page, "#cues"), /knees over your toes/);
  assert.match(await text(page, "#fps"), /30 frames\/s/);
  await emitRecorder(page, { type: "transcript", session_id: SESSION_ID, start_ms: 0, end_ms: 1800, text: "My knee pain is 3 out of 10." });
  assert.match(await text(page, "#transcript"), /3 out of 10/);

  // Keyboard: P pauses.
  await page.focus("#app");
  await page.keyboard.press("p");
  await page.waitForFunction(() => window.__mock.calls.some((c) => c.cmd === "pause_recording"));

  await emitRecorder(page, { type: "finished", session_id: SESSION_ID, reps: 5, frames: 365, interrupted: null });
  await page.waitForSelector("#summary-reps");
  assert.equal(await text(page, "#summary-reps"), "5");
  assert.match(await text(page, "#form-issues"), /Moderate: Knees cave inward/);
  assert.match(await text(page, "#session-transcript"), /3 out of 10/);
  assert.match(await text(page, "#summary-sync"), /Waiting to sync/);
  assert.deepEqual(errors, []);
  await page.close();
});

test("a prescribed program item shows its dose and this week's sessions, and its recording is started for it", async () => {
  const itemId = "5f0c8f0e-1d4b-4a57-9b8a-0c6f1d2e3a44";
  const lunge = { ...PROGRAM[0], exercise_id: "lunge", name: "Lunge", origin: /** @type {const} */ ("prescribed"),
    program_item_id: itemId, sets: 3, target_reps: 8, per_week: 4, done_this_week: 1, instructions: "Hold the rail." };
  const { page, errors } = await open({ todays_program: [lunge, PROGRAM[0]], start_recording: SESSION_ID });
  await page.waitForSelector("#program");
  const card = await text(page, "#program li:first-child");
  assert.match(card, /3 × 8 repetitions/);
  assert.match(card, /This week: 1 of 4 sessions/);
  assert.match(card, /Hold the rail\./);
  assert.match(card, /Prescribed by your physiotherapist/);
  await page.click('#program button[data-exercise="lunge"]');
  await page.waitForSelector("#start");
  await page.fill("#video-path", "/videos/lunge.mp4");
  await page.click("#start");
  await page.waitForFunction(() => !document.querySelector("#stop")?.hasAttribute("disabled"));
  const [start] = await calls(page, "start_recording");
  assert.equal(start.args.request.exercise_id, "lunge");
  assert.equal(start.args.request.program_item_id, itemId);
  assert.equal(start.args.request.target_reps, 8);
  assert.deepEqual(errors, []);
  await page.close();
});

test("the record screen shows the engine's verdict on the target angle, also for an angle that rises to its target", async () => {
  const abduction = { ...PROGRAM[0], exercise_id: "shoulder_abduction", name: "Shoulder abduction", target_angle: 160 };
  const { page, errors } = await open({ todays_program: [abduction], start_recording: SESSION_ID });
  await page.goto(base + "#/record?exercise=shoulder_abduction");
  await page.waitForSelector("#start");
  await page.fill("#video-path", "/videos/abduction.mp4");
  await page.click("#start");
  await page.waitForFunction(() => !document.querySelector("#stop")?.hasAttribute("disabled"));
  await emitRecorder(page, started({ exercise_id: "shoulder_abduction", exercise_name: "Shoulder abduction", target_angle: 160, target_tolerance: 15 }));
  // The arm hangs at 40°: far from 160°, although 40 is below the target.
  await emitRecorder(page, frame({ primary_angle: 40 }, { state: "approaching", remaining_deg: 105 }));
  await page.waitForFunction(() => document.querySelector("#angle-value")?.textContent === "40°");
  const hanging = await text(page, "#angle-range");
  assert.doesNotMatch(hanging, /reached/);
  assert.match(hanging, /keep going \(105° to go\)/);
  await emitRecorder(page, frame({ primary_angle: 150 }, { state: "reached" }));
  await page.waitForFunction(() => document.querySelector("#angle-value")?.textContent === "150°");
  assert.match(await text(page, "#angle-range"), /Target: 160° \(± 15°\) — ✓ reached/);
  await emitRecorder(page, frame({ primary_angle: null }, { state: "not_measured" }));
  await page.waitForFunction(() => document.querySelector("#angle-value")?.textContent === "–");
  assert.match(await text(page, "#angle-range"), /angle not seen/);
  assert.deepEqual(errors, []);
  await page.close();
});

test("an exercise counted per side shows each side's count and the engine's framing cue", async () => {
  const hips = { ...PROGRAM[0], exercise_id: "hip_abduction", name: "Standing hip abduction", target_angle: null };
  const { page, errors } = await open({ todays_program: [hips], start_recording: SESSION_ID });
  await page.goto(base + "#/record?exercise=hip_abduction");
  await page.waitForSelector("#start");
  await page.fill("#video-path", "/videos/hips.mp4");
  await page.click("#start");
  await page.waitForFunction(() => !document.querySelector("#stop")?.hasAttribute("disabled"));
  await emitRecorder(page, started({ exercise_id: "hip_abduction", exercise_name: "Standing hip abduction", target_angle: null, target_tolerance: null }));
  await emitRecorder(page, frame({ reps: 3, reps_by_side: { left: 1, right: 2 }, framing: "show_whole_leg",
    cues: ["Move so your whole leg is visible, feet included"] }, { state: "no_target" }));
  await page.waitForFunction(() => document.querySelector("#rep-count")?.textContent === "3");
  assert.equal(await text(page, "#reps-by-side"), "left 1 · right 2");
  assert.match(await text(page, "#cues"), /whole leg is visible/);
  assert.deepEqual(errors, []);
  await page.close();
});

test("a video that cannot be read gives its message and the start button back", async () => {
  const { page } = await open({ start_recording: { error: "cannot read the video /tmp/broken.mp4: Invalid data found when processing input" } });
  await page.goto(base + "#/record?exercise=squat");
  await page.waitForSelector("#start");
  await page.fill("#video-path", "/tmp/broken.mp4");
  await page.click("#start");
  await page.waitForFunction(() => /cannot read the video/.test(document.querySelector("#record-status")?.textContent ?? ""));
  assert.equal(await page.isDisabled("#start"), false);
  assert.equal(await page.isDisabled("#stop"), true);
  await page.close();
});

test("history lists sessions with sync state and draws progress", async () => {
  const { page } = await open();
  await page.goto(base + "#/history");
  await page.waitForSelector("#history");
  const rows = await page.$$eval("#history tbody tr", (trs) => trs.map((t) => t.textContent));
  assert.equal(rows.length, 2);
  assert.match(rows[0], /Waiting to sync/);
  assert.match(rows[1], /Synced/);
  assert.equal(await page.locator("svg.chart").count(), 3);
  await page.click(`#history a[href="#/session/${SESSION_ID}"]`);
  await page.waitForSelector("#summary-reps");
  await page.close();
});

/**
 * What the engine says about a standing hip abduction filmed from the front with the feet cut
 * off (physalign_report::screen::measurement_view): less reliable, why, where to put the camera,
 * counted per side, one repetition measured with little confidence, the last one cut off.
 * @type {import("./mock-types").MeasurementView}
 */
const HIP_MEASUREMENT = {
  trust: {
    verdict: "less_reliable", view: "front", headline: "Measured from the front: hip abduction angle less reliable",
    reasons: ["The joints were out of view much of the time."],
    framing_warning: "Next time: move so your whole leg is visible, feet included.",
  },
  sides: { active: "both", counts: { left: 3, right: 2 }, text: "Left 3 · right 2" },
  functional_test: null,
  repetitions: [
    ...[["1", "Left", 0.91], ["2", "Right", 0.88], ["3", "Left", 0.42], ["4", "Right", 0.86], ["5", "Left", 0.9]].map(([label, side, c], i) => ({
      label: String(label), counted: true, outcome: /** @type {const} */ ("full"), start_s: i * 3, end_s: i * 3 + 2.5, rom: 30 + i,
      side: String(side), confidence: Number(c), confidence_text: Number(c) < 0.5 ? `${Math.round(Number(c) * 100)}% (uncertain)` : `${Math.round(Number(c) * 100)}%`,
      uncertain: Number(c) < 0.5,
    })),
    { label: "unfinished", counted: false, outcome: "unfinished", start_s: 15, end_s: 16.2, rom: 12, side: "Right", confidence: 0.8, confidence_text: "80%", uncertain: false },
  ],
};

test("the summary shows the engine's trust verdict, the framing advice, the sides and each repetition's confidence", async () => {
  const entry = { ...ENTRY, exercise_id: "hip_abduction", exercise_name: "Standing hip abduction", reps: 5, target_reps: null };
  const base_view = /** @type {import("./mock-types").SessionSummary} */ (responses().session_view);
  const { page, errors } = await open({ session_view: { ...base_view, entry, measurement: HIP_MEASUREMENT } });
  await page.goto(base + `#/session/${SESSION_ID}`);
  await page.waitForSelector("#summary-trust");
  assert.equal(await text(page, "#summary-trust-headline"), "Measured from the front: hip abduction angle less reliable");
  assert.match(await text(page, "#summary-trust"), /out of view much of the time/);
  assert.equal(await text(page, "#summary-framing"), "Next time: move so your whole leg is visible, feet included.");
  assert.equal(await page.getAttribute("#summary-trust", "class"), "trust trust-less_reliable");
  assert.equal(await text(page, "#summary-sides"), "Left 3 · right 2");
  assert.equal(await page.locator("#summary-test").count(), 0, "not a functional test");

  const header = await page.$$eval("#summary-repetitions thead th", (ths) => ths.map((t) => t.textContent));
  assert.deepEqual(header, ["Repetition", "Time", "Range of motion", "Side", "Confidence"]);
  const rows = await page.$$eval("#summary-repetitions tbody tr", (trs) =>
    trs.map((tr) => ({ cells: [...tr.children].map((c) => c.textContent), cls: tr.className })));
  assert.equal(rows.length, 6);
  assert.deepEqual(rows[0].cells, ["#1", "0.0–2.5 s", "30°", "Left", "91%"]);
  assert.deepEqual(rows[2].cells, ["#3", "6.0–8.5 s", "32°", "Left", "42% (uncertain)"]);
  assert.equal(rows[2].cls, "uncertain", "an uncertain repetition is marked beyond its words");
  assert.deepEqual(rows[5].cells, ["unfinished", "15.0–16.2 s", "12°", "Right", "80%"]);
  assert.equal(rows[5].cls, "not-counted");
  assert.doesNotMatch(await text(page, "#app"), /null|undefined|NaN/);
  assert.deepEqual(errors, []);
  await page.close();
});

test("a reliable side-on functional test shows its score and no side column", async () => {
  /** @type {import("./mock-types").MeasurementView} */
  const measurement = {
    trust: { verdict: "reliable", view: "side", headline: "Side view — knee angles reliable", reasons: [], framing_warning: null },
    sides: null,
    functional_test: "5 stands in 11.4 s",
    repetitions: [{ label: "1", counted: true, outcome: "full", start_s: 0.4, end_s: 2.6, rom: 78, side: null, confidence: 0.93, confidence_text: "93%", uncertain: false }],
  };
  const base_view = /** @type {import("./mock-types").SessionSummary} */ (responses().session_view);
  const { page, errors } = await open({ session_view: { ...base_view, measurement } });
  await page.goto(base + `#/session/${SESSION_ID}`);
  await page.waitForSelector("#summary-trust");
  assert.equal(await text(page, "#summary-trust-headline"), "Side view — knee angles reliable");
  assert.equal(await page.locator("#summary-framing").count(), 0);
  assert.equal(await page.locator("#summary-sides").count(), 0);
  assert.equal(await text(page, "#summary-test"), "5 stands in 11.4 s");
  const header = await page.$$eval("#summary-repetitions thead th", (ths) => ths.map((t) => t.textContent));
  assert.deepEqual(header, ["Repetition", "Time", "Range of motion", "Confidence"]);
  assert.deepEqual(errors, []);
  await page.close();
});

test("history with a single finished session shows its row and nothing else under the table", async () => {
  const { page } = await open({ session_history: [ENTRY] });
  await page.goto(base + "#/history");
  await page.waitForSelector("#history");
  assert.doesNotMatch(await text(page, "#app"), /null|undefined/);
  assert.equal(await page.locator("svg.chart").count(), 0, "a trend needs two sessions");
  await page.close();
});

test("a session whose report and notes are missing or of another shape still shows its summary", async () => {
  const view = { entry: ENTRY, detail: { ...DETAIL, form_issues: [] }, transcript: null, measurement: null, crisis: null, review: null, transcript_retention: null };
  for (const [report, notes] of [[null, null], [{ rep_details: "none" }, { pain_reports: [{ score: "3" }] }]]) {
    const { page, errors } = await open({ session_view: { ...view, report, notes } });
    await page.goto(base + `#/session/${SESSION_ID}`);
    await page.waitForSelector("#summary-reps");
    assert.equal(await text(page, "#summary-reps"), "5");
    assert.match(await text(page, "#form-issues"), /No form issues/);
    assert.doesNotMatch(await text(page, "#app"), /null|undefined|NaN/);
    assert.deepEqual(errors, []);
    await page.close();
  }
});

test("every screen is reachable by keyboard alone", async () => {
  const { page } = await open();
  await page.waitForSelector("#program");
  // Tab from the start of the page to the History link and follow it.
  let reached = false;
  for (let i = 0; i < 12 && !reached; i++) {
    await page.keyboard.press("Tab");
    reached = await page.evaluate(() => document.activeElement?.getAttribute("href") === "#/history");
  }
  assert.ok(reached, "History link reachable with Tab");
  await page.keyboard.press("Enter");
  await page.waitForSelector("#history");
  await page.close();
});

test("a session whose notes carry a crisis flag shows the engine's crisis resources before anything else", async () => {
  const base_view = /** @type {import("./mock-types").SessionSummary} */ (responses().session_view);
  const { page, errors } = await open({ session_view: { ...base_view, crisis: CRISIS } });
  await page.goto(base + `#/session/${SESSION_ID}`);
  await page.waitForSelector("#summary-crisis");
  assert.equal(await page.getAttribute("#summary-crisis", "role"), "alert");
  assert.equal(await text(page, "#summary-crisis-headline"), CRISIS.headline);
  const kinds = await page.$$eval("#summary-crisis li", (lis) => lis.map((li) => li.getAttribute("data-kind")));
  assert.deepEqual(kinds, ["emergency", "crisis_line", "trusted_person", "safe_surroundings", "care_team"]);
  assert.match(await text(page, "#summary-crisis"), /call your local emergency number/);
  assert.match(await text(page, "#summary-crisis"), /will be told when this device is next online/);
  const first = await page.evaluate(() => document.querySelector("#app")?.firstElementChild?.id);
  assert.equal(first, "summary-crisis", "above the session's numbers");
  assert.deepEqual(errors, []);
  await page.close();
});

test("the clinician's review is shown with the session it reviews, its grade in the engine's words", async () => {
  const base_view = { entry: ENTRY, detail: DETAIL, transcript: null, notes: null, report: null, measurement: null, crisis: null, transcript_retention: null };
  /** @type {import("./mock-types").ReviewView} */
  const review = { assessment: "NEEDS_IMPROVEMENT", grade: "Needs improvement", notes: "Keep the knees over the toes.",
    next_steps: "Three sessions a week. · Follow-up: 2026-12-20", reviewed_at: "2026-12-03T09:00:00Z", written_here: false };
  const { page, errors } = await open({ session_view: { ...base_view, review } });
  await page.goto(base + `#/session/${SESSION_ID}`);
  await page.waitForSelector("#summary-review");
  assert.equal(await text(page, "#summary-review-grade"), "Needs improvement");
  assert.equal(await text(page, "#summary-review-notes"), "Keep the knees over the toes.");
  assert.match(await text(page, "#summary-review-plan"), /Three sessions a week/);
  assert.doesNotMatch(await text(page, "#summary-review"), /not yet sent/);
  await page.close();
  // No review yet: no panel.
  const second = await open({ session_view: { ...base_view, review: null } });
  await second.page.goto(base + `#/session/${SESSION_ID}`);
  await second.page.waitForSelector("#summary-reps");
  assert.equal(await second.page.locator("#summary-review").count(), 0);
  assert.deepEqual([...errors, ...second.errors], []);
  await second.page.close();
});

test("a session without a crisis flag shows no crisis panel", async () => {
  const { page, errors } = await open();
  await page.goto(base + `#/session/${SESSION_ID}`);
  await page.waitForSelector("#summary-reps");
  assert.equal(await page.locator("#summary-crisis").count(), 0);
  assert.equal(await page.locator("#today-crisis").count(), 0);
  assert.deepEqual(errors, []);
  await page.close();
});

test("a session's transcript says when it is deleted automatically, and the patient keeps or deletes it", async () => {
  const { page, errors } = await open();
  await page.goto(base + `#/session/${SESSION_ID}`);
  await page.waitForSelector("#session-transcript");
  assert.match(await text(page, "#transcript-retention"), /^Deleted automatically on .*2027 unless you keep it\.$/);
  await page.click("#transcript-keep");
  await page.waitForSelector("#transcript-keep", { state: "detached" });
  assert.equal(await text(page, "#transcript-retention"), "Kept until you delete it.");
  // Deleting takes a second, explicit step.
  await page.click("#transcript-delete");
  assert.equal(await page.locator("#session-transcript").count(), 1, "nothing deleted on the first click");
  await page.click("#transcript-delete-confirm");
  await page.waitForSelector("#session-transcript", { state: "detached" });
  assert.match(await text(page, "#transcript-retention"), /^Transcript deleted on .*2026\.$/);
  assert.deepEqual(await calls(page, "keep_transcript"), [{ cmd: "keep_transcript", args: { sessionId: SESSION_ID, retentionDays: null } }]);
  assert.deepEqual(await calls(page, "delete_transcript"), [{ cmd: "delete_transcript", args: { sessionId: SESSION_ID } }]);
  assert.deepEqual(errors, []);
  await page.close();
});

test("a purged transcript is gone: only the fact is shown, with no choices", async () => {
  const base_view = /** @type {import("./mock-types").SessionSummary} */ (responses().session_view);
  const purged = { ...RETENTION, purge_at: null, removed: /** @type {const} */ ("purged"), removed_at: "2027-03-02T11:00:00Z" };
  const { page, errors } = await open({ session_view: { ...base_view, transcript: null, transcript_retention: purged } });
  await page.goto(base + `#/session/${SESSION_ID}`);
  await page.waitForSelector("#transcript-retention");
  assert.match(await text(page, "#transcript-retention"), /^Transcript deleted automatically on .*2027: transcripts are kept 90 days unless you keep them\.$/);
  assert.equal(await page.locator("#transcript-delete, #transcript-keep, #session-transcript").count(), 0);
  assert.deepEqual(errors, []);
  await page.close();
});

test("today shows a recent crisis flag's resources until the patient has read them", async () => {
  const { page, errors } = await open({ recent_crisis: CRISIS, acknowledge_crisis: null });
  await page.waitForSelector("#today-crisis");
  assert.equal(await text(page, "#today-crisis-headline"), CRISIS.headline);
  assert.match(await text(page, "#today-crisis"), /call your local emergency number/);
  assert.equal(await page.locator("#program").count(), 1, "the program is still there");
  // Once acknowledged the engine no longer returns them.
  await page.evaluate(() => { window.__mock.responses.recent_crisis = null; });
  await page.click("#crisis-acknowledge");
  await page.waitForFunction(() => !document.querySelector("#today-crisis"));
  const acks = await calls(page, "acknowledge_crisis");
  assert.deepEqual(acks.map((a) => a.args), [{ sessionId: CRISIS.session_id }]);
  assert.deepEqual(errors, []);
  await page.close();
});

test("settings say what the care team receives and each toggle saves the consent", async () => {
  const { page, errors } = await open();
  await page.goto(base + "#/settings");
  await page.waitForSelector("#consent");
  assert.match(await text(page, "#consent legend"), /What your care team receives/);
  assert.equal(await text(page, "#consent-never"), "Video and audio never leave this device.");
  assert.equal(await page.isChecked("#share-notes"), true);
  assert.equal(await page.isChecked("#share-transcript"), true);
  await page.uncheck("#share-transcript");
  await page.waitForFunction(() => window.__mock.calls.some((c) => c.cmd === "save_consent_settings"));
  let saved = await calls(page, "save_consent_settings");
  assert.equal(saved[0].args.consent.share_transcript, false);
  assert.equal(saved[0].args.consent.share_notes, true);
  await page.uncheck("#share-notes");
  await page.waitForFunction(() => window.__mock.calls.filter((c) => c.cmd === "save_consent_settings").length === 2);
  saved = await calls(page, "save_consent_settings");
  assert.deepEqual({ notes: saved[1].args.consent.share_notes, transcript: saved[1].args.consent.share_transcript }, { notes: false, transcript: false });
  assert.equal(await page.isChecked("#share-notes"), false, "shown as stored");
  assert.deepEqual(errors, []);
  await page.close();
});

test("a signed-in patient sees in settings who can see their data and can end a relationship", async () => {
  const clinicianId = "12121212-1111-4222-8333-444444444444";
  const { page, errors } = await open({
    sync_status: { ...SYNC, server_url: "http://127.0.0.1:8080", email: "pat@home.example", role: "patient" },
  });
  // The server's answer changes once the relationship ends.
  await page.evaluate((id) => {
    let team = [{ physiotherapist_id: id, name: "Clare Nician", since: "2026-11-01T09:00:00Z" }];
    window.__mock.responses.care_team = () => team;
    window.__mock.responses.end_care = () => { team = []; return null; };
  }, clinicianId);
  page.on("dialog", (d) => { void d.accept(); });
  await page.goto(base + "#/settings");
  await page.waitForSelector("#care-team li");
  assert.match(await text(page, "#care-team li"), /Clare Nician · since/);
  await page.click("#care-team button.end-care");
  await page.waitForFunction(() => window.__mock.calls.some((c) => c.cmd === "end_care"));
  assert.deepEqual((await calls(page, "end_care"))[0].args, { physiotherapistId: clinicianId });
  await page.waitForFunction(() => /No clinician can see your data/.test(document.querySelector("#care-team")?.textContent ?? ""));
  assert.deepEqual(errors, []);
  await page.close();
});

test("offline, the care team says it needs the network", async () => {
  const { page, errors } = await open({
    sync_status: { ...SYNC, server_url: "http://127.0.0.1:8080", email: "pat@home.example", role: "patient" },
    care_team: { error: "Who can see your data is kept on the clinic's server: connect to the network and try again." },
  });
  await page.goto(base + "#/settings");
  await page.waitForFunction(() => /connect to the network/.test(document.querySelector("#care-team")?.textContent ?? ""));
  assert.deepEqual(errors, []);
  await page.close();
});

test("a consent change that cannot be saved goes back to what is stored", async () => {
  const { page } = await open();
  await page.goto(base + "#/settings");
  await page.waitForSelector("#consent");
  await page.evaluate(() => { window.__mock.responses.save_consent_settings = { error: "database is locked" }; });
  // A click, not uncheck(): the box is put back at once, which uncheck() takes for a failure.
  await page.click("#share-notes");
  await page.waitForFunction(() => window.__mock.calls.some((c) => c.cmd === "save_consent_settings"));
  await page.waitForFunction(() => /** @type {HTMLInputElement} */ (document.querySelector("#share-notes")).checked);
  await page.close();
});

test("settings edit the speech vocabulary and show what the engine refuses in it", async () => {
  const { page, errors } = await open();
  await page.goto(base + "#/settings");
  await page.waitForSelector("#vocabulary");
  assert.equal(await page.inputValue("#vocabulary-terms"), "TheraBand");
  assert.equal(await page.inputValue("#vocabulary-replacements"), "thera band = TheraBand");
  await page.fill("#vocabulary-terms", "TheraBand\n\n  naproxen  ");
  await page.fill("#vocabulary-replacements", "thera band = TheraBand\nnap rock sen=naproxen");
  await page.click("#save-settings");
  await page.waitForFunction(() => window.__mock.calls.some((c) => c.cmd === "save_settings"));
  const saved = (await calls(page, "save_settings"))[0].args.settings.vocabulary;
  assert.deepEqual(saved, { terms: ["TheraBand", "naproxen"], replacements: [
    { heard: "thera band", written: "TheraBand" }, { heard: "nap rock sen", written: "naproxen" }] });
  // A line without "=" reaches the engine as it is; its refusal is shown as it says it.
  await page.evaluate(() => { window.__mock.responses.save_settings = { error: "Speech vocabulary: replacement 1: 1 to 100 characters." }; });
  await page.fill("#vocabulary-replacements", "knee");
  await page.click("#save-settings");
  await page.waitForFunction(() => /replacement 1: 1 to 100 characters/.test(document.body.textContent ?? ""));
  assert.deepEqual(errors, []);
  await page.close();
});

// ---- The therapist's workspace ----------------------------------------------------------------

const PATIENT_ID = "6a1b9d2e-4c3f-4e5a-8b7c-9d0e1f2a3b4c";
const OLD_SESSION = "aaaaaaaa-1111-4222-8333-444444444444";
const NEW_SESSION = "bbbbbbbb-1111-4222-8333-444444444444";
const ALERT_ID = "cccccccc-1111-4222-8333-444444444444";
const ITEM_ID = "dddddddd-1111-4222-8333-444444444444";
const CLINICIAN = { user_id: "eeeeeeee-1111-4222-8333-444444444444", email: "pt@example.org", server_url: "http://127.0.0.1:8080" };
/** @type {import("./mock-types").LockStatus} */
const OPEN_LOCK = { locked: false, idle_minutes: 5, seconds_left: 300, pin_usable: true };
const THERAPIST = { app_info: { version: "0.1.0", first_run: false, settings: { ...SETTINGS, role: /** @type {const} */ ("therapist") }, database: "", pose_ready: true, metrics: METRICS },
  workspace_access: { clinician: CLINICIAN, refused: null, lock: OPEN_LOCK }, lock_status: OPEN_LOCK, lock_activity: OPEN_LOCK };
/** @type {import("./mock-types").RosterEntry} */
const ADA = { patient_id: PATIENT_ID, first_name: "Ada", last_name: "Lovelace", email: "ada@example.org", last_session_at: "2026-12-05T09:00:00Z",
  alerts_open: 1, alerts_total: 2, adherence_this_week: { done: 1, target: 3, items: 1 } };
/** @type {import("./mock-types").StartOfDay} */
const DAY = {
  alerts: [
    { kind: "crisis", source: "server", alert_id: ALERT_ID, patient_id: PATIENT_ID, session_id: NEW_SESSION, program_item_id: null, exercise_id: null,
      message: "Crisis language in a session", raised_at: "2026-12-05T09:05:00Z", rom_trend: null },
    { kind: "missed_item", source: "device", alert_id: null, patient_id: PATIENT_ID, session_id: null, program_item_id: ITEM_ID, exercise_id: "lunge",
      message: "lunge: no session for 8 days", raised_at: "2026-12-04T00:00:00Z", rom_trend: null },
  ],
  review_queue: [
    { session_id: OLD_SESSION, patient_id: PATIENT_ID, first_name: "Ada", last_name: "Lovelace", exercise_id: "squat", started_at: "2026-12-03T09:00:00Z",
      ended_at: "2026-12-03T09:01:00Z", status: "review_pending", origin: "pulled", program_item_id: null },
    { session_id: NEW_SESSION, patient_id: PATIENT_ID, first_name: "Ada", last_name: "Lovelace", exercise_id: "squat", started_at: "2026-12-05T09:00:00Z",
      ended_at: "2026-12-05T09:01:00Z", status: "review_pending", origin: "pulled", program_item_id: null },
  ],
  patients: [{ ...ADA, last_activity_at: "2026-12-05T09:05:00Z" }],
};
/** @type {import("./mock-types").SessionOverview} */
const OVERVIEW = { session_id: NEW_SESSION, patient_id: PATIENT_ID, exercise_id: "squat", status: "review_pending", started_at: "2026-12-05T09:00:00Z",
  origin: "pulled", program_item_id: null, reps: 2, mean_rom: 88, pain: 6, has_transcript: true, frames: 60, review: null };
/** @type {import("./mock-types").PrescribedItem} */
const ITEM = { id: ITEM_ID, patient_id: PATIENT_ID, exercise_id: "squat", sets: 3, reps: 8, hold_seconds: null, target_angle: 90, tolerance: 10, side: "both",
  per_week: 3, start_date: "2026-12-01", end_date: null, instructions: "Hold the rail", status: "active", version: 1,
  created_at: "2026-12-01T09:00:00Z", updated_at: "2026-12-01T09:00:00Z" };
/**
 * Remote-monitoring figures as the engine computes them (physalign_workspace::monitoring).
 * @type {import("./mock-types").PatientMonitoring}
 */
const ADA_MONITORING = { patient_id: PATIENT_ID, first_name: "Ada", last_name: "Lovelace", period: { from: "2026-11-06", to: "2026-12-05", time_zone: "Europe/Berlin" },
  days_with_data: 16, data_days: "16_or_more", last_data_day: "2026-12-05", days_short: null, review_minutes: 22, timed_reviews: 3, review_time: "20_or_more",
  minutes_short: null, interactive_contacts: 1, last_contact_at: "2026-12-02T15:00:00Z", readiness: ["device_data_16", "management_20", "interactive_contact"] };
/** @type {import("./mock-types").ChartView} */
const CHART = {
  chart: { patient: ADA, alerts: [DAY.alerts[0]], sessions: [OVERVIEW, { ...OVERVIEW, session_id: OLD_SESSION, started_at: "2026-12-03T09:00:00Z", mean_rom: 62, pain: null,
    review: { id: "ffffffff-1111-4222-8333-444444444444", session_id: OLD_SESSION, physiotherapist_id: null, assessment: "GOOD", notes: "Steady.", next_steps: null, reviewed_at: "2026-12-04T09:00:00Z", origin: "local" } }],
    program: [{ item: ITEM, adherence: { done_this_week: 1, days_with_data_30d: 4 }, last_session_at: "2026-12-05T09:00:00Z", missed_since: null }] },
  progress: [{ exercise_id: "squat", exercise_name: "Squat", joint: "knee", side: null, target: { angle: 90, low: 80, high: 100 },
    points: [{ session_id: OLD_SESSION, started_at: "2026-12-03T09:00:00Z", reached_deg: 108, rom_deg: 62, reps: 2, pain: null, in_band: false },
      { session_id: NEW_SESSION, started_at: "2026-12-05T09:00:00Z", reached_deg: 84, rom_deg: 88, reps: 2, pain: 6, in_band: true }] }],
  monitoring: ADA_MONITORING,
};
/** @type {import("./mock-types").SessionReplay} */
const REPLAY = {
  session: OVERVIEW, angle: "knee", fps: 30,
  frames: Array.from({ length: 60 }, (_, n) => ({ t_ms: n * 33, angle: 170 - n, landmarks: Array.from({ length: 33 }, (_, i) => /** @type {[number, number, number]} */ ([0.3 + (i % 5) * 0.1, 0.1 + i * 0.025, 0.9])) })),
  repetitions: [{ index: 0, start_ms: 0, end_ms: 900, min_angle: 82, max_angle: 170, eccentric_ms: 400, concentric_ms: 500, symmetry: null, partial: false, form_issues: [], confidence: 0.92, side: null },
    { index: 1, start_ms: 1000, end_ms: 1900, min_angle: 80, max_angle: 170, eccentric_ms: 400, concentric_ms: 500, symmetry: null, partial: true, form_issues: [], confidence: 0.4, side: null }],
  form_issues: [{ timestamp_ms: 1200, issue: { type: "knee_valgus", joint: "knee", severity: "MEDIUM", message: "Knees cave inward" } }],
  transcript: [{ start_ms: 300, text: "Going down now.", pain: null }, { start_ms: 1500, text: "My knee hurts, six out of ten.", pain: 6 }],
};
/** @type {import("./mock-types").SessionComparison} */
const COMPARISON = {
  patient_id: PATIENT_ID, same_exercise: true,
  earlier: { session_id: OLD_SESSION, exercise_id: "squat", started_at: "2026-12-03T09:00:00Z", reps: 2, rep_rom: [60, 64], mean_rom: 62, form_issues: [], pain: null,
    curve: { angle: "knee", t_s: [0, 1, 2], degrees: [170, 108, 170] } },
  later: { session_id: NEW_SESSION, exercise_id: "squat", started_at: "2026-12-05T09:00:00Z", reps: 2, rep_rom: [85, 91], mean_rom: 88,
    form_issues: [{ kind: "KNEE_VALGUS", message: "Knees cave inward", count: 1 }], pain: 6, curve: { angle: "knee", t_s: [0, 1, 2], degrees: [170, 82, 170] } },
  change: { rom_deg: 26, reps: 0, form_issues: 1, pain: null },
  summary: "range of motion up 26°; same repetitions; 1 more form issues; pain not reported in both.",
};

test("a therapist's home is the start of the day: alerts crisis first, one click from the session, the review queue oldest first", async () => {
  const { page, errors } = await open({ ...THERAPIST, workspace_today: DAY, workspace_roster: [ADA], acknowledge_alert: true, workspace_replay: REPLAY, workspace_chart: CHART, workspace_measurements: [] });
  await page.waitForSelector("#ws-alerts");
  assert.equal(await page.isVisible('nav a[href="#/workspace"]'), true);
  assert.equal(await page.isVisible('nav a[href="#/today"]'), false, "the patient's screens are not the therapist's navigation");
  const kinds = await page.$$eval("#ws-alerts li", (lis) => lis.map((li) => li.getAttribute("data-kind")));
  assert.deepEqual(kinds, ["crisis", "missed_item"]);
  assert.match(await text(page, "#ws-alerts li:first-child"), /⚠ Crisis.*Ada Lovelace/, "the kind is said in words, not only colour");
  const queue = await page.$$eval("#ws-queue a", (as) => as.map((a) => a.getAttribute("href")));
  assert.deepEqual(queue, [`#/review/${OLD_SESSION}`, `#/review/${NEW_SESSION}`]);
  assert.match(await text(page, "#ws-patients"), /Ada Lovelace.*this week 1 of 3 sessions/);
  await page.click(`#ws-alerts button[data-alert="${ALERT_ID}"]`);
  await page.waitForFunction(() => window.__mock.calls.some((c) => c.cmd === "acknowledge_alert"));
  assert.deepEqual((await calls(page, "acknowledge_alert"))[0].args, { alertId: ALERT_ID });
  await page.click("#ws-alerts li:first-child a.open-session");
  await page.waitForSelector("#replay-canvas");
  assert.equal(new URL(page.url()).hash, `#/review/${NEW_SESSION}`);
  assert.deepEqual(errors, []);
  await page.close();
});

test("the start of the day shows what a sync brought without a reload, and is not redrawn when nothing changed", async () => {
  const quiet = { ...DAY, alerts: [], review_queue: [] };
  const { page, errors } = await open({ ...THERAPIST, workspace_today: quiet, workspace_roster: [ADA] });
  await page.waitForSelector("#ws-alerts");
  assert.equal(await text(page, "#ws-alerts"), "No open alerts.");
  const before = await calls(page, "workspace_today");
  // A sync that brought nothing: the screen asks, finds the same day, keeps its elements.
  await page.evaluate(() => { document.querySelector("#ws-alerts")?.setAttribute("data-marker", "kept"); });
  await page.evaluate((s) => { window.__mock.emit("sync-status", { ...s, last_success_at: "2026-12-05T09:06:00Z" }); }, SYNC);
  await page.waitForFunction((n) => window.__mock.calls.filter((c) => c.cmd === "workspace_today").length > n, before.length);
  assert.equal(await page.getAttribute("#ws-alerts", "data-marker"), "kept");
  // The next sync pulled the crisis alert: it appears.
  await page.evaluate((day) => { window.__mock.responses.workspace_today = day; }, DAY);
  await page.evaluate((s) => { window.__mock.emit("sync-status", { ...s, last_success_at: "2026-12-05T09:07:00Z" }); }, SYNC);
  await page.waitForSelector("#ws-alerts li[data-kind=crisis]");
  assert.deepEqual(errors, []);
  await page.close();
});

test("a patient's device shows no workspace: its screens lead back to Today", async () => {
  const { page, errors } = await open();
  await page.goto(base + "#/workspace");
  await page.waitForSelector("#program");
  assert.equal(new URL(page.url()).hash, "#/today");
  assert.equal(await page.isVisible('nav a[href="#/roster"]'), false);
  assert.equal((await calls(page, "workspace_today")).length, 0);
  assert.deepEqual(errors, []);
  await page.close();
});

test("the roster searches by name and says plainly that registering needs the network", async () => {
  const { page, errors } = await open({ ...THERAPIST, workspace_roster: [ADA],
    register_patient: { error: "Registering a patient needs the clinic server, which cannot be reached now. Try again when this computer is online; everything else works offline." } });
  await page.goto(base + "#/roster");
  await page.waitForSelector("#roster");
  const row = await text(page, "#roster tbody tr");
  assert.match(row, /Lovelace, Ada/);
  assert.match(row, /1 of 3/);
  assert.match(row, /2 open/);
  await page.fill("#roster-search", "love");
  await page.waitForFunction(() => window.__mock.calls.some((c) => c.cmd === "workspace_roster" && c.args.search === "love"));
  await page.fill("#new-first-name", "Grace");
  await page.fill("#new-last-name", "Hopper");
  await page.fill("#new-email", "grace@example.org");
  await page.click("#register-patient");
  await page.waitForSelector("#register-error");
  assert.match(await text(page, "#register-error"), /needs the clinic server/);
  await page.evaluate(() => { window.__mock.responses.register_patient = { patient_id: "12345678-1111-4222-8333-444444444444", invitation_code: "K7QF-29XM", expires_at: "2026-12-20T09:00:00Z" }; });
  await page.click("#register-patient");
  await page.waitForSelector("#invitation-code");
  assert.equal(await text(page, "#invitation-code"), "K7QF-29XM");
  const reg = await calls(page, "register_patient");
  assert.deepEqual(reg[1].args.patient, { first_name: "Grace", last_name: "Hopper", email: "grace@example.org", date_of_birth: null });
  assert.deepEqual(errors, []);
  await page.close();
});

test("the patient chart shows the program with adherence, progress against the target band with a table, and prescribes and compares", async () => {
  const { page, errors } = await open({ ...THERAPIST, workspace_chart: CHART, workspace_measurements: [], prescribe_item: ITEM, edit_item: ITEM, end_item: { ...ITEM, status: "ended" }, workspace_compare: COMPARISON });
  await page.goto(base + `#/patient/${PATIENT_ID}`);
  await page.waitForSelector("#program-items");
  assert.equal(await text(page, "#chart-name"), "Ada Lovelace");
  const item = await text(page, "#program-items tbody tr");
  assert.match(item, /3 × 8 repetitions/);
  assert.match(item, /target 90° ± 10°/);
  assert.match(item, /4 days/);
  const rows = await page.$$eval(".progress-table tbody tr", (trs) => trs.map((t) => [...t.children].map((c) => c.textContent)));
  assert.deepEqual(rows.map((r) => [r[1], r[2]]), [["108°", "✗ no"], ["84°", "✓ yes"]], "in the band or not is said in words");
  assert.equal(await page.locator(".progress-series svg.chart rect.band").count(), 1);
  assert.match(await text(page, "#chart-sessions"), /Good: Steady\./);

  await page.selectOption("#builder-exercise", "bicep_curl");
  await page.fill("#builder-reps", "12");
  await page.fill("#builder-target", "50");
  await page.fill("#builder-tolerance", "8");
  await page.selectOption("#builder-side", "left");
  await page.fill("#builder-instructions", "Slowly");
  await page.click("#builder-prescribe");
  await page.waitForFunction(() => window.__mock.calls.some((c) => c.cmd === "prescribe_item"));
  const [rx] = await calls(page, "prescribe_item");
  assert.equal(rx.args.draft.exercise_id, "bicep_curl");
  assert.equal(rx.args.draft.reps, 12);
  assert.equal(rx.args.draft.tolerance, 8);
  assert.equal(rx.args.draft.side, "left");
  assert.equal(rx.args.draft.instructions, "Slowly");

  await page.fill(`tr[data-item="${ITEM_ID}"] input[aria-label="Repetitions of squat"]`, "10");
  await page.click(`button.edit-item[data-item="${ITEM_ID}"]`);
  await page.waitForFunction(() => window.__mock.calls.some((c) => c.cmd === "edit_item"));
  const [edit] = await calls(page, "edit_item");
  assert.deepEqual(edit.args, { itemId: ITEM_ID, edit: { sets: null, reps: 10, hold_seconds: null, target_angle: null, per_week: null, end_date: null, instructions: null } }, "only what changed");

  assert.equal(await page.isDisabled("#compare-selected"), true);
  for (const box of await page.$$(".compare-pick")) await box.check();
  await page.click("#compare-selected");
  await page.waitForSelector("#compare-summary");
  assert.match(await text(page, "#compare-summary"), /range of motion up 26°/);
  assert.deepEqual(errors, []);
  await page.close();
});

test("a session review replays the skeleton in step with the chart, marks pain in the transcript and saves the review", async () => {
  const { page, errors } = await open({ ...THERAPIST, workspace_replay: REPLAY, workspace_chart: CHART, write_review: CHART.chart.sessions[1].review ?? undefined, end_item: { ...ITEM, status: "ended" } });
  await page.goto(base + `#/review/${NEW_SESSION}`);
  await page.waitForSelector("#replay-canvas");
  await page.waitForFunction(() => /0\.0 s · knee 170°/.test(document.querySelector("#replay-readout")?.textContent ?? ""));
  const painted = await page.evaluate(() => {
    const c = /** @type {HTMLCanvasElement} */ (document.querySelector("#replay-canvas"));
    const px = c.getContext("2d")?.getImageData(0, 0, c.width, c.height).data ?? [];
    let n = 0;
    for (let i = 3; i < px.length; i += 4) if (px[i] > 0) n += 1;
    return n;
  });
  assert.ok(painted > 100, "the skeleton is drawn from the stored landmarks");
  // Keyboard: → steps a frame, Space plays to the end.
  await page.focus("#app");
  await page.keyboard.press("ArrowRight");
  assert.match(await text(page, "#replay-readout"), /^0\.0 s · knee 169°/);
  await page.keyboard.press(" ");
  await page.waitForFunction(() => /1\.9 s · knee 111°/.test(document.querySelector("#replay-readout")?.textContent ?? ""), null, { timeout: 5000 });
  assert.equal(await text(page, "#replay-play"), "Play", "stops at the end");
  assert.equal(await page.locator("#replay-chart text.marker").count(), 2, "the repetitions are numbered on the chart");
  assert.equal(await page.locator("#replay-chart text.tick").count(), 1, "the form issue is on the timeline");
  const rows = await page.$$eval("#review-repetitions tbody tr", (trs) => trs.map((t) => [...t.children].map((c) => c.textContent)));
  assert.deepEqual(rows[1], ["#2", "1.0–1.9 s", "90°", "80°", "170°", "–", "40%", "partial"]);
  assert.match(await text(page, "#review-transcript li.pain"), /Pain 6\/10: My knee hurts/);
  // The form issue's time seeks the replay.
  await page.click("#review-issues button.seek");
  assert.match(await text(page, "#replay-readout"), /^1\.2 s/);

  await page.selectOption("#review-assessment", "NEEDS_IMPROVEMENT");
  await page.fill("#review-notes", "Deeper than last time.");
  await page.fill("#review-feedback", "Knees cave in\n\nSlow down at the bottom");
  await page.fill("#review-next", "Three times a week");
  // The minutes spent start as the time the screen has been open, rounded up; the therapist corrects them.
  assert.equal(await page.inputValue("#review-minutes"), "1");
  await page.fill("#review-minutes", "14");
  await page.click("#review-save");
  await page.waitForFunction(() => window.__mock.calls.some((c) => c.cmd === "write_review"));
  const [saved] = await calls(page, "write_review");
  assert.deepEqual(saved.args.draft, { session_id: NEW_SESSION, assessment: "NEEDS_IMPROVEMENT", notes: "Deeper than last time.",
    form_feedback: [{ timestamp_ms: null, issue: "Knees cave in", recommendation: null }, { timestamp_ms: null, issue: "Slow down at the bottom", recommendation: null }],
    next_steps: "Three times a week", minutes_spent: 14 });
  await page.waitForFunction(() => /Review saved \(Good\)/.test(document.querySelector("#review-status")?.textContent ?? ""));
  // The program can be changed from the review.
  await page.click(`button.end-item[data-item="${ITEM_ID}"]`);
  await page.waitForFunction(() => window.__mock.calls.some((c) => c.cmd === "end_item"));
  assert.deepEqual(errors, []);
  await page.close();
});

test("the monitoring list shows the engine's days, minutes and contacts per patient, reached from the start of the day, and the chart shows the patient's", async () => {
  const GRACE_ID = "77777777-1111-4222-8333-444444444444";
  /** @type {import("./mock-types").PracticeMonitoring} */
  const practice = {
    period: ADA_MONITORING.period,
    totals: { patients: 2, device_data_16: 1, device_data_2_to_15: 1, management_20: 1, management_10: 0, interactive_contact: 1 },
    patients: [
      { ...ADA_MONITORING, patient_id: GRACE_ID, first_name: "Grace", last_name: "Hopper", days_with_data: 15, data_days: "2_to_15", last_data_day: "2026-12-04",
        days_short: 1, review_minutes: 9, timed_reviews: 1, review_time: "under_10", minutes_short: 1, interactive_contacts: 0, last_contact_at: null,
        readiness: ["device_data_2_to_15"] },
      ADA_MONITORING,
    ],
  };
  const { page, errors } = await open({ ...THERAPIST, workspace_today: DAY, workspace_roster: [ADA], workspace_monitoring: practice, workspace_chart: CHART,
    workspace_measurements: [] });
  await page.waitForSelector("#ws-alerts");
  assert.equal(await page.isVisible('nav a[href="#/monitoring"]'), true);
  await page.click("#ws-monitoring-link");
  await page.waitForSelector("#monitoring");
  assert.equal((await calls(page, "workspace_monitoring"))[0].args.to, null, "today's period unless one is chosen");
  assert.match(await text(page, "#monitoring-period-text"), /2026-11-06 to 2026-12-05 \(days in Europe\/Berlin\)/);
  const rows = await page.$$eval("#monitoring tbody tr", (trs) => trs.map((t) => [...t.children].map((c) => c.textContent)));
  assert.equal(rows.length, 2);
  assert.deepEqual(rows[0]?.slice(0, 4), ["Hopper, Grace", "15 days (2–15 days) · 1 more for 16", "9 min in 1 review (under 10 min) · 1 more for 10", "none"], "in the engine's order");
  assert.equal(rows[0]?.[4], "✓ Device data 2–15 days");
  assert.equal(rows[1]?.[0], "Lovelace, Ada");
  assert.equal(rows[1]?.[1], "16 days (16 days or more)");
  assert.equal(rows[1]?.[2], "22 min in 3 reviews (20 min or more)");
  assert.match(rows[1]?.[3] ?? "", /^1 \(last /);
  assert.equal(rows[1]?.[4], "✓ Device data 16+ days, ✓ Management 20 min, ✓ Interactive contact");
  const totals = await page.$$eval("#monitoring-totals dd", (dds) => dds.map((d) => d.textContent));
  assert.deepEqual(totals, ["2", "1", "1", "1", "0", "1"]);
  // Another period: the engine is asked for it.
  await page.fill("#monitoring-to", "2026-11-30");
  await page.click("#monitoring-period button");
  await page.waitForFunction(() => window.__mock.calls.filter((c) => c.cmd === "workspace_monitoring").length === 2);
  assert.equal((await calls(page, "workspace_monitoring"))[1].args.to, "2026-11-30");
  // The patient's own figures in the chart.
  await page.waitForSelector("#monitoring");
  await page.click(`#monitoring tr[data-patient="${PATIENT_ID}"] a`);
  await page.waitForSelector("#chart-monitoring");
  assert.equal(await text(page, "#chart-monitoring-days"), "16 days (16 days or more)");
  assert.equal(await text(page, "#chart-monitoring-minutes"), "22 min in 3 reviews (20 min or more)");
  assert.match(await text(page, "#chart-monitoring-contacts"), /^1 \(last /);
  assert.equal(await text(page, "#chart-monitoring-readiness"), "✓ Device data 16+ days, ✓ Management 20 min, ✓ Interactive contact");
  assert.deepEqual(errors, []);
  await page.close();
});

/** @type {import("./mock-types").Measurement} */
const KNEE_READING = {
  reading: { joint: "knee", plane: "sagittal", view: "side", sides: [
    { side: "left", angle_deg: 94.6, source: "image", image_angle_deg: 94.6, world_angle_deg: 97.1, spread_deg: 1.8, tilt_deg: 6, confidence: 0.97,
      hold_start_ms: 400, held_s: 1.9, warnings: [] },
    { side: "right", angle_deg: 101.2, source: "world", image_angle_deg: 88, world_angle_deg: 101.2, spread_deg: 2.4, tilt_deg: 41, confidence: 0.62,
      hold_start_ms: 400, held_s: 1.9, warnings: ["low_confidence", "foreshortened"] }] },
  verdicts: [{ side: "left", reliable: true, advice: [] },
    { side: "right", reliable: false, advice: ["the joint was hard to see", "the limb points towards the camera: turn the person so the limb lies across the picture"] }],
};

test("measurement mode reads the held joint on both sides with the engine's advice, saves it, and the chart lists it", async () => {
  const saved = { id: "99999999-1111-4222-8333-444444444444", session_id: NEW_SESSION, taken_at: "2026-12-05T09:10:00Z", measurement: KNEE_READING };
  const { page, errors } = await open({ ...THERAPIST, workspace_replay: REPLAY, workspace_chart: CHART, workspace_measure: KNEE_READING, save_measurement: saved,
    workspace_measurements: [saved] });
  await page.goto(base + `#/review/${NEW_SESSION}`);
  await page.waitForSelector("#measurement");
  assert.equal(await page.inputValue("#measure-joint"), "knee", "the joint the session followed");
  assert.equal(await page.isDisabled("#measure-save"), true, "nothing to save before a reading");
  await page.click("#measure-read");
  await page.waitForSelector("#measure-reading");
  const [read] = await calls(page, "workspace_measure");
  assert.deepEqual(read.args, { sessionId: NEW_SESSION, joint: "knee" });
  const rows = await page.$$eval("#measure-reading tbody tr", (trs) => trs.map((t) => [...t.children].map((c) => c.textContent)));
  assert.deepEqual(rows[0], ["left", "95°", "the picture", "2 s", "97%", "✓ yes"]);
  assert.match(rows[1]?.[5] ?? "", /^⚠ no: the joint was hard to see; the limb points towards the camera/);
  assert.equal(await page.getAttribute("#measure-reading tr[data-side=right]", "class"), "unreliable", "not by colour alone: the words say it too");
  await page.click("#measure-save");
  await page.waitForSelector("#chart-measurements section");
  assert.match(await text(page, "#chart-measurements h3"), /^Knee — /);
  assert.equal(await page.locator("#chart-measurements tbody tr").count(), 2);
  assert.match(await page.getAttribute("#record-in-clinic", "href") ?? "", new RegExp(`#/record\\?patient=${PATIENT_ID}`));
  assert.deepEqual(errors, []);
  await page.close();
});

test("the comparison shows both sessions, the change in words and the overlaid curves told apart by pattern", async () => {
  const { page, errors } = await open({ ...THERAPIST, workspace_compare: COMPARISON });
  await page.goto(base + `#/compare/${NEW_SESSION}?with=${OLD_SESSION}`);
  await page.waitForSelector("#compare-stats");
  const [cmp] = await calls(page, "workspace_compare");
  assert.deepEqual(cmp.args, { first: NEW_SESSION, second: OLD_SESSION });
  assert.match(await text(page, "#compare-stats"), /Mean range of motion62°88°\+26°/);
  assert.match(await text(page, "#compare-stats"), /Knees cave inward \(1×\)/);
  const reps = await page.$$eval("#compare-reps tbody tr", (trs) => trs.map((t) => t.textContent));
  assert.deepEqual(reps, ["#160°85°", "#264°91°"]);
  assert.equal(await page.locator("svg.chart path.series-1").count(), 1);
  assert.match(await page.getAttribute("svg.chart", "aria-label") ?? "", /earlier \(solid\) and later \(dashed\)/);
  assert.deepEqual(errors, []);
  await page.close();
});

test("the idle lock hides the patient's data and opens with the PIN", async () => {
  const { page, errors } = await open({ ...THERAPIST, workspace_today: DAY, workspace_roster: [ADA], unlock: OPEN_LOCK });
  await page.waitForSelector("#ws-alerts");
  // The engine says the idle time has passed.
  await page.evaluate(() => { window.__mock.responses.lock_activity = { locked: true, idle_minutes: 5, seconds_left: 0, pin_usable: true }; });
  await page.mouse.click(640, 780);
  await page.waitForSelector("#lock-screen");
  assert.doesNotMatch(await text(page, "#app"), /Lovelace|Crisis/, "nothing of the patient stays on the screen");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "unlock-pin");
  await page.keyboard.type("4826");
  await page.keyboard.press("Enter");
  await page.waitForSelector("#ws-alerts");
  assert.deepEqual((await calls(page, "unlock"))[0].args, { unlock: { kind: "pin", secret: "4826" } });
  assert.deepEqual(errors, []);
  await page.close();
});

// ---- Outcome questionnaires -----------------------------------------------------------------

const OWN_PATIENT = "77777777-1111-4222-8333-444444444444";
/**
 * The engine's ODI form (physalign_outcomes::form), its statements shortened.
 * @type {import("./mock-types").Form}
 */
const ODI_FORM = {
  instrument: "odi", title: "Oswestry Disability Index (ODI)", recall_period: "today",
  instructions: "In each section choose the one statement that most closely describes you today.",
  items: Array.from({ length: 10 }, (_, i) => ({ prompt: "Choose the one statement that most closely describes you today.", label: `Section ${i + 1}`,
    options: [0, 1, 2, 3, 4, 5].map((value) => ({ value, label: `statement ${value} of section ${i + 1}` })) })),
  names_activities: false,
};
/** @type {import("./mock-types").Form} */
const PSFS_FORM = {
  instrument: "psfs", title: "Patient-Specific Functional Scale (PSFS)", recall_period: "today",
  instructions: "Name 3 to 5 important activities that you are unable to do, or have difficulty doing, because of your problem.",
  items: [1, 2, 3, 4, 5].map((n) => ({ prompt: "Today, how well are you able to do this activity?", label: `Activity ${n}`,
    options: Array.from({ length: 11 }, (_, value) => ({ value, label: value === 0 ? "Unable to perform" : value === 10 ? "Able to perform at the level before the problem" : "" })) })),
  names_activities: true,
};
/** @type {import("./mock-types").OutcomeOverview} */
const OWN_OUTCOMES = {
  patient_id: OWN_PATIENT, today: "2026-12-05",
  plan: { instruments: ["odi", "psfs"], started_on: "2026-11-01", discharge_on: null, updated_at: "2026-11-01T09:00:00Z" },
  instruments: [
    { instrument: "odi", name: "ODI", direction: "lower_is_better", max: 100, mcid: 10, planned: true, points: [], trend: null, latest_band: null, schedule: null },
    { instrument: "psfs", name: "PSFS", direction: "higher_is_better", max: 10, mcid: 2, planned: true, trend: null, latest_band: null, schedule: null,
      points: [{ id: "88888888-1111-4222-8333-444444444444", completed_at: "2026-11-01T09:00:00Z", score: 4, respondent: "patient", activities: ["Climbing stairs", "Running"] }] },
  ],
  due: [
    { instrument: "odi", name: "ODI", occasion: { kind: "intake", due: "2026-11-01", status: "overdue", completed_on: null } },
    { instrument: "psfs", name: "PSFS", occasion: { kind: "follow_up", due: "2026-12-01", status: "due", completed_on: null } },
  ],
};
/** @type {import("./mock-types").SavedQuestionnaire} */
const SAVED_ODI = { id: "99999999-2222-4222-8333-444444444444", patient_id: OWN_PATIENT, instrument: "odi", name: "ODI", score: 40, max: 100,
  completed_at: "2026-12-05T10:00:00Z", respondent: "patient" };

test("today lists the questionnaires due, and the form sends every answer with a skipped one as null, keeping them when refused", async () => {
  const { page, errors } = await open({ outcome_overview: OWN_OUTCOMES, outcome_form: ODI_FORM,
    record_questionnaire: { error: "patient: ODI: only 7 of 10 items answered; at most 2 of the 10 sections may be unanswered" } });
  await page.waitForSelector("#questionnaires-due");
  const due = await page.$$eval("#questionnaires-due li", (lis) => lis.map((li) => li.querySelector(".due-words")?.textContent));
  assert.deepEqual(due, ["ODI — intake, due 2026-11-01 (overdue)", "PSFS — follow-up, due 2026-12-01"]);
  assert.deepEqual((await calls(page, "outcome_overview"))[0].args, { patientId: null });
  await page.click("#questionnaires-due button[data-instrument=odi]");
  await page.waitForSelector("#questionnaire");
  assert.equal(new URL(page.url()).hash, "#/questionnaire/odi");
  assert.deepEqual((await calls(page, "outcome_form"))[0].args, { instrument: "odi" });
  assert.equal(await text(page, "#questionnaire-title"), "Oswestry Disability Index (ODI)");
  assert.match(await text(page, "#questionnaire-recall"), /describe today/);
  assert.equal(await page.locator("#questionnaire-for").count(), 0, "the patient's own");
  assert.equal(await page.locator("h2.item-prompt").count(), 1, "the shared question once");
  assert.match(await text(page, 'fieldset[data-item="0"] legend'), /^1\. Section 1$/);
  assert.match(await text(page, 'fieldset[data-item="0"]'), /0 — statement 0 of section 1/, "each answer with its number");

  // Seven answers and three left out: the engine refuses, the answers stay.
  for (let i = 0; i < 7; i++) await page.check(`fieldset[data-item="${i}"] input[value="${i % 6}"]`);
  await page.click("#questionnaire-submit");
  await page.waitForFunction(() => /only 7 of 10 items answered/.test(document.querySelector("#toast")?.textContent ?? ""));
  assert.equal(new URL(page.url()).hash, "#/questionnaire/odi", "still on the form");
  assert.equal(await page.isChecked('fieldset[data-item="3"] input[value="3"]'), true);
  assert.equal(await page.isDisabled("#questionnaire-submit"), false);

  // Two more answered and the last one skipped on purpose.
  await page.check('fieldset[data-item="7"] input[value="1"]');
  await page.check('fieldset[data-item="8"] input[value="2"]');
  await page.check('fieldset[data-item="9"] input.skip');
  await page.evaluate((saved) => { window.__mock.responses.record_questionnaire = saved; }, SAVED_ODI);
  await page.click("#questionnaire-submit");
  await page.waitForSelector("#program");
  assert.equal(new URL(page.url()).hash, "#/today", "back to Today");
  assert.match(await text(page, "#toast"), /^ODI 40 of 100/);
  const sent = await calls(page, "record_questionnaire");
  assert.equal(sent.length, 2);
  assert.deepEqual(sent[1].args, { patientId: null, answers: { instrument: "odi", answers: [0, 1, 2, 3, 4, 5, 0, 1, 2, null], activities: [] } });
  assert.deepEqual(sent[0].args.answers.answers, [0, 1, 2, 3, 4, 5, 0, null, null, null]);
  assert.deepEqual(errors, []);
  await page.close();
});

test("the PSFS names the last activities again and sends only the named ones' ratings, in order", async () => {
  const { page, errors } = await open({ outcome_overview: OWN_OUTCOMES, outcome_form: PSFS_FORM,
    record_questionnaire: { ...SAVED_ODI, instrument: "psfs", name: "PSFS", score: 5.333333, max: 10 } });
  await page.goto(base + "#/questionnaire/psfs");
  await page.waitForSelector("#questionnaire");
  assert.equal(await page.inputValue("#activity-0"), "Climbing stairs", "the activities of the last PSFS");
  assert.equal(await page.inputValue("#activity-1"), "Running");
  assert.match(await text(page, 'fieldset[data-item="0"]'), /0 — Unable to perform/);
  await page.fill("#activity-2", "  Gardening ");
  await page.check('fieldset[data-item="0"] input[value="4"]');
  await page.check('fieldset[data-item="1"] input[value="5"]');
  await page.check('fieldset[data-item="2"] input[value="7"]');
  // A rating without an activity named is not sent.
  await page.check('fieldset[data-item="4"] input[value="9"]');
  await page.click("#questionnaire-submit");
  await page.waitForSelector("#program");
  const [sent] = await calls(page, "record_questionnaire");
  assert.deepEqual(sent.args.answers, { instrument: "psfs", answers: [4, 5, 7], activities: ["Climbing stairs", "Running", "Gardening"] });
  assert.match(await text(page, "#toast"), /^PSFS 5\.3 of 10/);
  assert.deepEqual(errors, []);
  await page.close();
});

/** @type {import("./mock-types").InstrumentOutcomes} */
const ADA_ODI = {
  instrument: "odi", name: "ODI", direction: "lower_is_better", max: 100, mcid: 10, planned: true,
  points: [
    { id: "a1111111-1111-4222-8333-444444444444", completed_at: "2026-11-01T09:00:00Z", score: 52, respondent: "clinician", activities: [] },
    { id: "a2222222-1111-4222-8333-444444444444", completed_at: "2026-12-02T09:00:00Z", score: 38, respondent: "patient", activities: [] },
  ],
  trend: { instrument: "odi", first: { date: "2026-11-01", value: 52 }, latest: { date: "2026-12-02", value: 38 },
    change: { instrument: "odi", from: 52, to: 38, difference: -14, mcid: 10, class: "improved" }, passes_mcid: true, points: 2 },
  latest_band: "moderate",
  schedule: { occasions: [
    { kind: "intake", due: "2026-11-01", status: "completed", completed_on: "2026-11-01" },
    { kind: "follow_up", due: "2026-12-01", status: "completed", completed_on: "2026-12-02" },
    { kind: "follow_up", due: "2026-12-31", status: "upcoming", completed_on: null }] },
};
/** @type {import("./mock-types").OutcomeOverview} */
const ADA_OUTCOMES = {
  patient_id: PATIENT_ID, today: "2026-12-05",
  plan: { instruments: ["odi", "nprs"], started_on: "2026-11-01", discharge_on: null, updated_at: "2026-11-01T09:00:00Z" },
  instruments: [ADA_ODI,
    { instrument: "nprs", name: "NPRS", direction: "lower_is_better", max: 10, mcid: 2, planned: true, points: [], trend: null, latest_band: null,
      schedule: { occasions: [{ kind: "intake", due: "2026-12-04", status: "due", completed_on: null }] } }],
  due: [{ instrument: "nprs", name: "NPRS", occasion: { kind: "intake", due: "2026-12-04", status: "due", completed_on: null } }],
};

test("the chart shows the outcome measures with the trend in words and a table, and saves the plan", async () => {
  const replanned = { ...ADA_OUTCOMES, plan: { instruments: /** @type {import("./mock-types").Commands["set_outcome_plan"]["args"]["change"]["instruments"]} */ (["odi", "ndi"]),
    started_on: "2026-11-01", discharge_on: "2027-02-01", updated_at: "2026-12-05T10:00:00Z" }, instruments: [ADA_ODI], due: [] };
  const { page, errors } = await open({ ...THERAPIST, workspace_chart: CHART, workspace_measurements: [], outcome_overview: ADA_OUTCOMES,
    set_outcome_plan: replanned, outcome_form: ODI_FORM });
  await page.goto(base + `#/patient/${PATIENT_ID}`);
  await page.waitForSelector("#chart-outcomes");
  assert.deepEqual((await calls(page, "outcome_overview"))[0].args, { patientId: PATIENT_ID });
  const odi = '.outcome-series[data-instrument="odi"]';
  assert.equal(await text(page, `${odi} .outcome-trend`),
    "ODI 52 → 38 (−14 points over 2 questionnaires, lower is better; MCID 10): ≥ MCID improvement. Latest: moderate disability.");
  assert.match(await text(page, `${odi} .outcome-schedule`), /intake 2026-11-01: ✓ done · follow-up 2026-12-01: ✓ done \(2026-12-02\) · follow-up 2026-12-31: upcoming/);
  assert.equal(await page.locator(`${odi} svg.chart path.line`).count(), 1);
  assert.equal(await page.locator(`${odi} svg.chart rect.band`).count(), 1, "the MCID around the first score");
  const rows = await page.$$eval(`${odi} .outcome-table tbody tr`, (trs) => trs.map((t) => [...t.children].slice(1).map((c) => c.textContent)));
  assert.deepEqual(rows, [["52 of 100", "a clinician, in clinic"], ["38 of 100", "the patient"]]);
  assert.match(await text(page, '.outcome-series[data-instrument="nprs"] .outcome-trend'), /NPRS: no questionnaire yet/);
  assert.match(await text(page, "#outcome-due"), /NPRS — intake, due 2026-12-04/);

  // The plan as kept, changed and saved.
  const checked = await page.$$eval('#outcome-plan input[name="plan-instrument"]:checked', (xs) => xs.map((x) => /** @type {HTMLInputElement} */ (x).value));
  assert.deepEqual(checked, ["nprs", "odi"]);
  assert.equal(await page.inputValue("#outcome-start"), "2026-11-01");
  await page.uncheck('#outcome-plan input[value="nprs"]');
  await page.check('#outcome-plan input[value="ndi"]');
  await page.fill("#outcome-discharge", "2027-02-01");
  await page.click("#outcome-plan-save");
  await page.waitForFunction(() => document.querySelector("#outcome-due")?.textContent === "Nothing due now.");
  const [plan] = await calls(page, "set_outcome_plan");
  assert.deepEqual(plan.args, { patientId: PATIENT_ID, change: { instruments: ["odi", "ndi"], started_on: "2026-11-01", discharge_on: "2027-02-01" } });
  assert.equal(await page.inputValue("#outcome-discharge"), "2027-02-01", "redrawn from the engine's answer");

  // Entering the patient's answers in clinic.
  await page.click(`${odi} button.enter-answers`);
  await page.waitForSelector("#questionnaire");
  assert.equal(new URL(page.url()).hash, `#/questionnaire/odi?patient=${PATIENT_ID}`);
  assert.match(await text(page, "#questionnaire-for"), /entering the patient's own answers/);
  for (let i = 0; i < 10; i++) await page.check(`fieldset[data-item="${i}"] input[value="2"]`);
  /** @type {import("./mock-types").SavedQuestionnaire} */
  const enteredOdi = { ...SAVED_ODI, patient_id: PATIENT_ID, respondent: "clinician" };
  await page.evaluate((saved) => { window.__mock.responses.record_questionnaire = saved; }, enteredOdi);
  await page.click("#questionnaire-submit");
  await page.waitForSelector("#chart-outcomes");
  assert.equal(new URL(page.url()).hash, `#/patient/${PATIENT_ID}`, "back to the chart");
  const [entered] = await calls(page, "record_questionnaire");
  assert.equal(entered.args.patientId, PATIENT_ID);
  assert.deepEqual(entered.args.answers.answers, [2, 2, 2, 2, 2, 2, 2, 2, 2, 2]);
  assert.deepEqual(errors, []);
  await page.close();
});

// ---- The clinic calendar ----------------------------------------------------------------------

const GRACE_ID = "77777777-1111-4222-8333-444444444444";
const NINE_ID = "a0a0a0a0-1111-4222-8333-444444444444";
const HALF_TEN_ID = "b0b0b0b0-1111-4222-8333-444444444444";
/**
 * Ada's appointment on Monday 30 March 2026 at 09:00 in Berlin, booked here and not yet synced.
 * @type {import("./mock-types").Appointment}
 */
const NINE = { id: NINE_ID, patient_id: PATIENT_ID, therapist_id: null, client_name: "Ada Lovelace", local_start: "2026-03-30T09:00:00", time_zone: "Europe/Berlin",
  start_at: "2026-03-30T07:00:00Z", duration_minutes: 45, kind: "follow_up", notes: "Bring the knee brace", status: "scheduled", series_id: null, provisional: false,
  preparation: { notes: "Check the squat depth", review_previous_session: true, focus_areas: ["knee"] }, no_show: null, cancel_reason: null, session_id: null,
  version: 0, origin: "local", updated_at: "2026-03-27T10:00:00Z" };
/** Grace's at 10:30, pulled from the server, with a conflict found by sync. @type {import("./mock-types").Appointment} */
const HALF_TEN = { ...NINE, id: HALF_TEN_ID, patient_id: GRACE_ID, client_name: "Grace Hopper", local_start: "2026-03-30T10:30:00", start_at: "2026-03-30T08:30:00Z",
  duration_minutes: 30, kind: "initial_assessment", notes: null, preparation: null, version: 2, origin: "pulled" };
/** @type {import("./mock-types").CalendarView} */
const CAL_DAY = {
  span: "day", time_zone: "Europe/Berlin", today: "2026-03-30",
  days: [{ date: "2026-03-30", entries: [
    { appointment: NINE, patient_name: "Ada Lovelace", previous_session: { id: OLD_SESSION, exercise_id: "squat", started_at: "2026-03-27T09:00:00Z" }, pending_sync: true, conflicted: false },
    { appointment: HALF_TEN, patient_name: "Grace Hopper", previous_session: null, pending_sync: false, conflicted: true },
  ] }],
  conflicts: [{ id: 7, appointment_id: HALF_TEN_ID, change: "move", mine: { ...HALF_TEN, local_start: "2026-03-30T11:00:00" }, theirs: { ...HALF_TEN, version: 3 },
    detected_at: "2026-03-30T06:00:00Z" }],
};
const WEEK_DATES = ["2026-03-30", "2026-03-31", "2026-04-01", "2026-04-02", "2026-04-03", "2026-04-04", "2026-04-05"];
/** @type {import("./mock-types").CalendarView} */
const CAL_WEEK = { ...CAL_DAY, span: "week", conflicts: [],
  days: WEEK_DATES.map((date, i) => ({ date, entries: i === 0 ? CAL_DAY.days[0].entries : i === 3 ? [{ appointment: { ...NINE, id: "c0c0c0c0-1111-4222-8333-444444444444",
    local_start: "2026-04-02T14:00:00", status: "cancelled", cancel_reason: "ill" }, patient_name: "Ada Lovelace", previous_session: null, pending_sync: true, conflicted: false }] : [] })) };
const GRACE = { ...ADA, patient_id: GRACE_ID, first_name: "Grace", last_name: "Hopper" };

test("the calendar shows a clinic day's appointments with their marks, and books, cancels and settles a conflict", async () => {
  const { page, errors } = await open({ ...THERAPIST, workspace_today: DAY, workspace_roster: [ADA, GRACE], workspace_calendar: CAL_DAY,
    book_appointment: { ...NINE, id: "d0d0d0d0-1111-4222-8333-444444444444", patient_id: GRACE_ID, client_name: "Grace Hopper", local_start: "2026-03-31T14:15:00" },
    cancel_appointment: { ...NINE, status: "cancelled", cancel_reason: "Patient is ill" }, resolve_appointment_conflict: HALF_TEN });
  await page.waitForSelector("#ws-alerts");
  assert.equal(await page.isVisible('nav a[href="#/calendar"]'), true, "in the therapist's navigation");
  await page.click('nav a[href="#/calendar"]');
  await page.waitForSelector("#calendar-day");
  assert.deepEqual((await calls(page, "workspace_calendar"))[0].args, { span: "day", date: null, zone: null }, "today in the clinic's zone unless asked");
  assert.match(await text(page, "#calendar-range"), /2026.*\(today\).*times in Europe\/Berlin/);

  const items = await page.$$eval("#calendar-day li.appointment", (lis) => lis.map((li) => li.getAttribute("data-appointment")));
  assert.deepEqual(items, [NINE_ID, HALF_TEN_ID], "in the engine's order");
  const nine = `li.appointment[data-appointment="${NINE_ID}"]`;
  assert.equal(await text(page, `${nine} .appointment-time`), "09:00–09:45", "the clinic's wall clock");
  assert.equal(await page.getAttribute(`${nine} a.appointment-patient`, "href"), `#/patient/${PATIENT_ID}`);
  assert.equal(await text(page, `${nine} .appointment-patient`), "Ada Lovelace");
  assert.equal(await text(page, `${nine} .appointment-kind`), "Follow-up · 45 min");
  assert.equal(await text(page, `${nine} .appointment-status`), "Scheduled");
  assert.match(await text(page, `${nine} .appointment-head`), /⟳ Not synced yet/);
  assert.match(await text(page, `${nine} .appointment-notes`), /Bring the knee brace/);
  assert.match(await text(page, `${nine} .preparation`), /Check the squat depth · look at the previous session first · focus: knee/);
  assert.equal(await page.getAttribute(`${nine} .previous-session a`, "href"), `#/review/${OLD_SESSION}`);
  assert.match(await text(page, `${nine} .previous-session`), /Previous session: .*\(Squat\)/);
  assert.equal(await page.getAttribute(`${nine} a.record-in-clinic`, "href"), `#/record?patient=${PATIENT_ID}`);
  const halfTen = `li.appointment[data-appointment="${HALF_TEN_ID}"]`;
  assert.equal(await text(page, `${halfTen} .appointment-time`), "10:30–11:00");
  assert.match(await text(page, `${halfTen} .appointment-head`), /⚠ Conflict/);
  assert.doesNotMatch(await text(page, `${halfTen} .appointment-head`), /Not synced yet/);
  assert.match(await text(page, "#calendar-conflicts"), /Your move of Grace Hopper's appointment.*Yours: 2026-03-30 11:00–11:30.*The server's: 2026-03-30 10:30–11:00/s);

  // Booking: the patient from the roster, the clinic's date, time and zone.
  assert.equal(await page.inputValue("#book-date"), "2026-03-30", "the day shown");
  assert.equal(await page.inputValue("#book-zone"), "Europe/Berlin");
  await page.selectOption("#book-patient", GRACE_ID);
  await page.fill("#book-date", "2026-03-31");
  await page.fill("#book-time", "14:15");
  await page.fill("#book-minutes", "30");
  await page.selectOption("#book-kind", "reassessment");
  await page.fill("#book-notes", "  After the scan ");
  await page.click("#book-submit");
  await page.waitForFunction(() => window.__mock.calls.some((c) => c.cmd === "book_appointment"));
  assert.deepEqual((await calls(page, "book_appointment"))[0].args, { booking: { patient_id: GRACE_ID, local_start: "2026-03-31T14:15", time_zone: "Europe/Berlin",
    duration_minutes: 30, kind: "reassessment", notes: "After the scan" } });
  await page.waitForFunction(() => location.hash === "#/calendar?date=2026-03-31&span=day");
  assert.match(await text(page, "#toast"), /Booked Grace Hopper on 2026-03-31 at 14:15; it is sent at the next sync/);
  await page.waitForFunction(() => window.__mock.calls.filter((c) => c.cmd === "workspace_calendar").length === 2);
  assert.deepEqual((await calls(page, "workspace_calendar"))[1].args, { span: "day", date: "2026-03-31", zone: null });
  await page.waitForSelector("#calendar-day");

  // Cancelling sends the reason; a refusal is the engine's words in the toast.
  await page.click(`${nine} details.action-cancel summary`);
  await page.fill(`${nine} .cancel-form input[name=reason]`, "Patient is ill");
  await page.click(`${nine} .cancel-form button[type=submit]`);
  await page.waitForFunction(() => window.__mock.calls.some((c) => c.cmd === "cancel_appointment"));
  assert.deepEqual((await calls(page, "cancel_appointment"))[0].args, { appointmentId: NINE_ID, reason: "Patient is ill" });
  await page.waitForFunction(() => /Cancelled; it is sent at the next sync/.test(document.querySelector("#toast")?.textContent ?? ""));
  await page.evaluate(() => { window.__mock.responses.mark_no_show = { error: "fee: an amount is only taken when the fee applies" }; });
  await page.click(`${nine} details.action-no-show summary`);
  await page.fill(`${nine} .no-show-form input[name=fee]`, "25");
  await page.check(`${nine} .no-show-form input[name=notify]`);
  await page.click(`${nine} .no-show-form button[type=submit]`);
  await page.waitForFunction(() => /only taken when the fee applies/.test(document.querySelector("#toast")?.textContent ?? ""));
  assert.deepEqual((await calls(page, "mark_no_show"))[0].args, { appointmentId: NINE_ID, mark: { reason: null, apply_fee: false, fee_amount: 25, notify_client: true } });

  // The conflict: take the server's copy.
  await page.click('#calendar-conflicts button.take-theirs[data-conflict="7"]');
  await page.waitForFunction(() => window.__mock.calls.some((c) => c.cmd === "resolve_appointment_conflict"));
  assert.deepEqual((await calls(page, "resolve_appointment_conflict"))[0].args, { conflictId: 7, resolution: "take_theirs" });
  assert.deepEqual(errors, []);
  await page.close();
});

test("the chart books an appointment for its patient in the calendar", async () => {
  const { page, errors } = await open({ ...THERAPIST, workspace_chart: CHART, workspace_measurements: [], workspace_roster: [GRACE, ADA], workspace_calendar: CAL_DAY });
  await page.goto(base + `#/patient/${PATIENT_ID}`);
  await page.waitForSelector("#chart-book");
  await page.click("#chart-book");
  await page.waitForSelector("#calendar-book");
  assert.equal(await page.inputValue("#book-patient"), PATIENT_ID, "the chart's patient is chosen");
  assert.deepEqual(errors, []);
  await page.close();
});

test("the calendar's week shows seven days Monday first, each leading to its day, and moves by a week", async () => {
  const { page, errors } = await open({ ...THERAPIST, workspace_roster: [ADA], workspace_calendar: CAL_WEEK,
    recur_appointment: [NINE, { ...NINE, id: "e0e0e0e0-1111-4222-8333-444444444444", local_start: "2026-04-06T09:00:00", provisional: true }] });
  await page.goto(base + "#/calendar?date=2026-04-01&span=week");
  await page.waitForSelector("#calendar-week");
  assert.deepEqual((await calls(page, "workspace_calendar"))[0].args, { span: "week", date: "2026-04-01", zone: null });
  assert.equal(await page.inputValue("#book-date"), "2026-04-01", "the day asked for");
  const days = await page.$$eval("#calendar-week section.calendar-weekday", (ss) => ss.map((s) => [s.getAttribute("data-date"), s.querySelectorAll("li").length]));
  assert.deepEqual(days, WEEK_DATES.map((d, i) => [d, i === 0 ? 2 : i === 3 ? 1 : 0]));
  assert.match(await text(page, '#calendar-week section[data-date="2026-04-02"] li'), /14:00–14:45 Ada Lovelace Follow-up ✗ Cancelled ⟳ Not synced yet/);
  assert.equal(await page.getAttribute("#calendar-span-week", "aria-current"), "true");
  assert.equal(await page.getAttribute("#calendar-span-day", "aria-current"), "false");
  assert.equal(await page.getAttribute("#calendar-next", "href"), "#/calendar?date=2026-04-08&span=week");
  assert.equal(await page.getAttribute("#calendar-prev", "href"), "#/calendar?date=2026-03-25&span=week");
  await page.click("#calendar-next");
  await page.waitForFunction(() => window.__mock.calls.filter((c) => c.cmd === "workspace_calendar").length === 2);
  assert.deepEqual((await calls(page, "workspace_calendar"))[1].args, { span: "week", date: "2026-04-08", zone: null });

  // A day of the week opens the day, whose appointment repeats weekly until a date.
  await page.evaluate((day) => { window.__mock.responses.workspace_calendar = day; }, CAL_DAY);
  await page.click('#calendar-week section[data-date="2026-03-30"] h2 a');
  await page.waitForSelector("#calendar-day");
  assert.equal(new URL(page.url()).hash, "#/calendar?date=2026-03-30&span=day");
  const nine = `li.appointment[data-appointment="${NINE_ID}"]`;
  await page.click(`${nine} details.action-repeat summary`);
  await page.selectOption(`${nine} .repeat-form select[name=pattern]`, "biweekly");
  await page.fill(`${nine} .repeat-form input[name=until]`, "2026-05-25");
  await page.click(`${nine} .repeat-form button[type=submit]`);
  await page.waitForFunction(() => window.__mock.calls.some((c) => c.cmd === "recur_appointment"));
  assert.deepEqual((await calls(page, "recur_appointment"))[0].args, { appointmentId: NINE_ID, rule: { pattern: "biweekly", end_date: "2026-05-25", exceptions: [] } });
  await page.waitForFunction(() => /1 more appointment until 2026-05-25/.test(document.querySelector("#toast")?.textContent ?? ""));
  assert.deepEqual(errors, []);
  await page.close();
});

test("today shows the patient's next appointments on the clinic's clock and their goals with progress", async () => {
  const { page, errors } = await open({ patient_agenda: {
    appointments: [{ ...NINE, local_start: "2026-12-07T09:00:00", status: "scheduled" }, { ...HALF_TEN, local_start: "2026-12-14T10:30:00", kind: "telehealth", status: "cancelled" }],
    goals: [{ id: "f1f1f1f1-1111-4222-8333-444444444444", patient_id: PATIENT_ID, goal: "Climb the stairs without pain", status: "active", progress: 40, target_date: "2027-01-31" },
      { id: "f2f2f2f2-1111-4222-8333-444444444444", patient_id: PATIENT_ID, goal: "Walk 2 km", status: "completed", progress: 100, target_date: null }] } });
  await page.waitForSelector("#agenda");
  assert.equal(await text(page, "#agenda-heading"), "Appointments and goals");
  const appointments = await page.$$eval("#agenda-appointments li", (lis) => lis.map((li) => li.textContent));
  assert.equal(appointments.length, 2);
  assert.match(appointments[0] ?? "", /2026.*09:00–09:45 \(Europe\/Berlin\) · Follow-up · Scheduled/);
  assert.match(appointments[1] ?? "", /10:30–11:00 \(Europe\/Berlin\) · Telehealth · ✗ Cancelled/);
  const goals = await page.$$eval("#agenda-goals li", (lis) => lis.map((li) => li.textContent));
  assert.deepEqual(goals, ["Climb the stairs without pain · Working on it · 40% · by 2027-01-31", "Walk 2 km · ✓ Reached · 100%"]);
  assert.equal(await page.getAttribute("#agenda-goals li:first-child progress", "value"), "40");
  assert.equal(await page.locator("#program").count(), 1, "the program is still there");
  assert.deepEqual(errors, []);
  await page.close();
});

test("today without an agenda (before the first sync) shows no appointments section", async () => {
  const { page, errors } = await open({ patient_agenda: { error: "This device is a clinician's: the calendar shows the practice's appointments." } });
  await page.waitForSelector("#program");
  assert.equal((await calls(page, "patient_agenda")).length, 1);
  assert.equal(await page.locator("#agenda").count(), 0);
  assert.deepEqual(errors, []);
  await page.close();
});
