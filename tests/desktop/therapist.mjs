// End-to-end test of the therapist's workspace in the real desktop app against a real server on
// a real PostgreSQL: the therapist signs in (with a PIN for the idle lock) and registers a
// patient; the patient's device (the command line) claims the invitation, records two sessions
// from clips (one with a spoken crisis remark) and syncs; the app pulls them and shows the
// crisis alert, the review queue, the replay with its chart; the therapist writes a review,
// compares the two sessions and prescribes a program item. Then the server stops: another
// review and a program change are made offline and an appointment is booked in the calendar, the
// lock closes and opens with the PIN; the server returns, sync delivers them, and the patient's
// device receives the review and the program change (checked through the command line). Screenshots of every therapist screen go to PHYSALIGN_SCREENSHOTS.
//
// Environment (tests/desktop/run.sh): PHYSALIGN_APP, PHYSALIGN_DRIVER, PHYSALIGN_SERVER_BIN,
// PHYSALIGN_CLI, PHYSALIGN_DATABASE_URL, PHYSALIGN_CLIPS (two videos, ':'-separated),
// PHYSALIGN_WORK, PHYSALIGN_SCREENSHOTS.
import fs from "node:fs";
import path from "node:path";
import assert from "node:assert/strict";
import net from "node:net";
import { execFileSync, spawn } from "node:child_process";
import { WebDriver, sleep } from "./webdriver.mjs";

const app = process.env.PHYSALIGN_APP;
const serverBin = process.env.PHYSALIGN_SERVER_BIN;
const cli = process.env.PHYSALIGN_CLI;
const databaseUrl = process.env.PHYSALIGN_DATABASE_URL;
const clips = (process.env.PHYSALIGN_CLIPS ?? "").split(":").filter(Boolean);
const work = process.env.PHYSALIGN_WORK;
const shots = process.env.PHYSALIGN_SCREENSHOTS;
for (const [name, value] of Object.entries({ app, serverBin, cli, databaseUrl, work })) {
  assert.ok(value, `${name} must be set`);
}
assert.equal(clips.length, 2, "two clips for the patient's two sessions");

const PASSWORD = "Correct horse battery staple 42";
const PIN = "482615";
const JWT = "therapist-e2e-secret-0123456789abcdefghijklmnop";
const THERAPIST = "clare@clinic.example";
const PATIENT = "pat@home.example";
const storage = path.join(work, "server-storage");
const t0 = Date.now();
const step = (what) => console.error(`therapist ${((Date.now() - t0) / 1000).toFixed(1)} s: ${what}`);

async function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = /** @type {net.AddressInfo} */ (s.address());
      s.close(() => resolve(port));
    });
  });
}

const port = await freePort();
const serverUrl = `http://127.0.0.1:${port}`;
let server = null;

async function startServer() {
  server = spawn(serverBin, ["--database-url", databaseUrl, "--listen", `127.0.0.1:${port}`, "--jwt-secret", JWT,
    "--storage-dir", storage, "--rate-limit-per-minute", "100000", "--login-attempts-per-minute", "1000"],
  { stdio: ["ignore", "ignore", fs.openSync(path.join(work, "server.log"), "a")], env: { ...process.env, RUST_LOG: "warn" } });
  for (let i = 0; i < 300; i++) {
    const ok = await fetch(`${serverUrl}/health`).then((r) => r.ok, () => false);
    if (ok) return;
    await sleep(100);
  }
  throw new Error("physalign-server did not answer /health");
}

async function stopServer() {
  if (!server) return;
  const exited = new Promise((r) => server.once("exit", r));
  server.kill("SIGKILL");
  await exited;
  server = null;
}

/** The patient's device: the command line on its own database and credentials. */
function patient(args) {
  const out = execFileSync(cli, ["--db", path.join(work, "patient", "physalign.sqlite"), ...args], {
    env: { ...process.env, PHYSALIGN_CREDENTIALS_DIR: path.join(work, "patient", "credentials"), PHYSALIGN_NO_KEYRING: "1",
      PHYSALIGN_PASSWORD: PASSWORD, PHYSALIGN_LOG: "error" },
    encoding: "utf8", maxBuffer: 64 << 20,
  });
  return args.includes("--json") ? JSON.parse(out) : out;
}

const wd = new WebDriver(process.env.PHYSALIGN_DRIVER);

async function shot(name) {
  if (!shots) return;
  await sleep(300);
  fs.mkdirSync(shots, { recursive: true });
  const file = path.join(shots, `${name}.png`);
  execFileSync("ffmpeg", ["-v", "error", "-y", "-f", "x11grab", "-draw_mouse", "0", "-video_size", "1280x800",
    "-i", process.env.DISPLAY, "-frames:v", "1", file]);
  console.error(`screenshot ${name}.png`);
}

async function invoke(cmd, args = {}) {
  return wd.execAsync(
    "const done = arguments[arguments.length - 1];" +
      "window.__TAURI_INTERNALS__.invoke(arguments[0], arguments[1]).then(done, (e) => done({ refused: String(e && e.message || e) }));",
    [cmd, args],
  );
}

async function go(hash, selector) {
  await wd.exec("location.hash = arguments[0]", [hash]);
  await wd.waitFor(`#app[aria-busy=false] ${selector}`, 30000);
}

/** "Sync now" until nothing is left to send (a failed attempt backs off for a while). */
async function syncUntilDone(what, timeoutMs = 120000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await invoke("sync_now");
    if (!status.refused && status.pending === 0 && status.failed === 0) return status;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(status)}`);
    await sleep(1000);
  }
}

const measured = {};
try {
  fs.mkdirSync(storage, { recursive: true });
  execFileSync(serverBin, ["--database-url", databaseUrl, "--jwt-secret", JWT, "create-user", "--role", "physiotherapist",
    "--email", THERAPIST, "--first-name", "Clare", "--last-name", "Nician"], { env: { ...process.env, PHYSALIGN_PASSWORD: PASSWORD }, stdio: "ignore" });
  await startServer();
  step("server up");

  await wd.start({ alwaysMatch: { pageLoadStrategy: "none", "tauri:options": { application: app } } });
  await wd.waitFor("#app[aria-busy=false]", 60000);
  // First run: the therapist signs in; the account's role makes the workspace the home.
  await wd.waitFor("#finish-setup");
  await wd.click("#role-therapist");
  await wd.type("#server-url", serverUrl);
  await wd.type("#email", THERAPIST);
  await wd.type("#password", PASSWORD);
  await wd.type("#pin", PIN);
  await wd.click("#finish-setup");
  await wd.waitFor("#app[aria-busy=false] #ws-queue", 60000);
  step("signed in: start of the day");
  assert.equal(await wd.exec("return document.querySelector('nav a[href=\"#/today\"]').hidden"), true, "the therapist's navigation");

  // Register the patient (needs the network) and hand over the code.
  await go("#/roster", "#register-form");
  await wd.type("#new-first-name", "Pat");
  await wd.type("#new-last-name", "Ient");
  await wd.type("#new-email", PATIENT);
  await wd.click("#register-patient");
  await wd.waitFor("#invitation-code", 30000);
  const code = (await wd.text("#invitation-code")).trim();
  assert.ok(code.length >= 6, `an invitation code: ${code}`);
  await shot("08-therapist-roster");
  step("patient registered");

  // The patient's device: claim, two sessions (the second with a spoken crisis remark), sync.
  fs.mkdirSync(path.join(work, "patient"), { recursive: true });
  patient(["claim", "--server", serverUrl, "--code", code, "--email", PATIENT, "--json"]);
  const remark = path.join(work, "patient", "remark.wav");
  execFileSync("espeak-ng", ["-s", "140", "-w", remark, "My knee pain is four out of ten. Honestly some days I just want to end it all."]);
  const first = patient(["analyze", clips[0], "--exercise", "squat", "--json"]);
  const second = patient(["analyze", clips[1], "--exercise", "squat", "--audio", remark, "--json"]);
  patient(["sync", "--once"]);
  step("the patient's two sessions synced");
  measured.patient_sessions = [first.session_id ?? first.id ?? null, second.session_id ?? second.id ?? null];

  // The app pulls them: the crisis alert first, one click from its session.
  await syncUntilDone("pulling the patient's sessions");
  await go("#/workspace", "#ws-alerts");
  await wd.until(async () => {
    const has = await wd.exec("return Boolean(document.querySelector('#ws-alerts li[data-kind=crisis]'))");
    if (!has) { await invoke("sync_now"); await go("#/workspace", "#ws-alerts"); }
    return has;
  }, 60000, "the crisis alert").catch(async (e) => {
    console.error("patient's sync:", patient(["sync", "--status", "--json"]));
    console.error("therapist's sync:", JSON.stringify(await invoke("sync_status")));
    console.error("therapist's day:", JSON.stringify(await invoke("workspace_today")).slice(0, 3000));
    console.error("start screen:", (await wd.text("#app")).slice(0, 1500));
    throw e;
  });
  const alertText = await wd.text("#ws-alerts li[data-kind=crisis]");
  assert.match(alertText, /Crisis/);
  assert.match(alertText, /Pat Ient/);
  assert.equal(await wd.exec("return document.querySelectorAll('#ws-queue li').length"), 2, "both sessions wait for review");
  await shot("07-therapist-start");
  step("crisis alert and review queue");

  // Replay the session the alert points to, with its chart; write the review.
  await wd.click("#ws-alerts li[data-kind=crisis] a.open-session");
  await wd.waitFor("#app[aria-busy=false] #replay-canvas", 30000);
  const frames = await wd.exec("return Number(document.querySelector('#replay-position').max)");
  assert.ok(frames > 1000, `the replay spans the recording (${frames} ms)`);
  await wd.click("#replay-play");
  await sleep(2500);
  const readout = await wd.text("#replay-readout");
  assert.match(readout, /knee \d+°/, `the replay shows the angle in step: ${readout}`);
  assert.match(await wd.text("#review-transcript"), /end it all/i);
  await shot("09-therapist-review");
  await wd.exec("document.querySelector('#review-assessment').value = 'NEEDS_IMPROVEMENT'");
  await wd.type("#review-notes", "Good depth. We will call you today about what you said.");
  await wd.type("#review-next", "Three sessions this week");
  await wd.click("#review-save");
  await wd.until(() => wd.exec("return /Review saved/.test(document.querySelector('#review-status')?.textContent ?? '')"), 20000, "the review saved");
  const reviewedSession = await wd.exec("return location.hash.split('/')[2]");
  step("first review written");

  // Measurement mode on the same recording: the engine's goniometer reading of the knee, both
  // sides with their verdicts, saved in the chart (which opens).
  await wd.click("#measure-read");
  await wd.waitFor("#measure-reading", 60000);
  measured.goniometer = await wd.text("#measure-reading");
  assert.match(measured.goniometer, /left/);
  await shot("13-therapist-measurement");
  await wd.click("#measure-save");
  await wd.waitFor("#app[aria-busy=false] #chart-measurements section", 30000);
  step("goniometer reading saved in the chart");

  // The chart: compare the two sessions, prescribe a program item.
  await wd.waitFor("#app[aria-busy=false] #chart-sessions", 30000);
  await shot("10-therapist-chart");
  await wd.exec("for (const b of document.querySelectorAll('.compare-pick')) b.click()");
  await wd.click("#compare-selected");
  await wd.waitFor("#app[aria-busy=false] #compare-summary", 30000);
  assert.match(await wd.text("#compare-summary"), /range of motion/);
  measured.comparison = await wd.text("#compare-summary");
  await shot("11-therapist-compare");
  await wd.exec("document.querySelector('#app a[href^=\"#/patient/\"]').click()");
  await wd.waitFor("#app[aria-busy=false] #program-builder", 30000);
  await wd.exec("document.querySelector('#builder-exercise').value = 'squat'; document.querySelector('#builder-exercise').dispatchEvent(new Event('change'))");
  await wd.type("#builder-sets", "3");
  await wd.type("#builder-reps", "8");
  await wd.type("#builder-target", "90");
  await wd.type("#builder-tolerance", "10");
  await wd.type("#builder-instructions", "Hold the kitchen counter.");
  await wd.click("#builder-prescribe");
  await wd.waitFor("#app[aria-busy=false] #program-items tbody tr", 30000);
  await syncUntilDone("delivering the review and the prescription");
  step("compared, prescribed, delivered");

  // Outcome measures: the plan (ODI and NPRS from today), then the intake ODI the patient
  // answers in clinic, entered through the questionnaire; the chart shows its score and trend.
  await wd.exec("for (const b of document.querySelectorAll('input[name=plan-instrument]')) b.checked = ['odi', 'nprs'].includes(b.value)");
  await wd.click("#outcome-plan-save");
  await wd.waitFor("#app[aria-busy=false] #outcome-due button.fill-in[data-instrument=odi]", 30000);
  await wd.click("#outcome-due button.fill-in[data-instrument=odi]");
  await wd.waitFor("#app[aria-busy=false] #questionnaire fieldset.questionnaire-item", 30000);
  // 19 of 50 points: ODI 38 %.
  await wd.exec("const answers = [1, 2, 3, 2, 1, 0, 4, 2, 1, 3];" +
    "document.querySelectorAll('#questionnaire fieldset.questionnaire-item').forEach((f, i) => f.querySelector(`input[type=radio][value=\"${answers[i]}\"]`).click())");
  await shot("14-therapist-questionnaire");
  await wd.click("#questionnaire-submit");
  await wd.waitFor("#app[aria-busy=false] .outcome-series[data-instrument=odi] .outcome-trend", 30000);
  measured.outcome_trend = await wd.text(".outcome-series[data-instrument=odi] .outcome-trend");
  assert.match(measured.outcome_trend, /38/);
  assert.match(await wd.text("#outcome-due"), /NPRS/, "the NPRS intake is still due");
  await wd.exec("document.querySelector('#chart-outcomes').scrollIntoView()");
  await shot("15-therapist-outcomes");
  await syncUntilDone("delivering the outcome plan and the questionnaire");
  step("outcome plan and intake questionnaire");

  // The network goes: another review and a program change, offline.
  await stopServer();
  const chart = await invoke("workspace_chart", { patientId: await wd.exec("return location.hash.split('/')[2]") });
  const other = chart.chart.sessions.find((s) => s.session_id !== reviewedSession);
  await go(`#/review/${other.session_id}`, "#review-form");
  await wd.type("#review-notes", "Written offline in clinic.");
  await wd.click("#review-save");
  await wd.until(() => wd.exec("return /Review saved/.test(document.querySelector('#review-status')?.textContent ?? '')"), 20000, "the offline review saved");
  const itemId = chart.chart.program[0].item.id;
  await wd.exec(`document.querySelector('tr[data-item="${itemId}"] input[aria-label="Repetitions of squat"]').value = '12'`);
  await wd.click(`button.edit-item[data-item="${itemId}"]`);
  await wd.until(async () => (await invoke("workspace_chart", { patientId: chart.chart.patient.patient_id })).chart.program[0].item.reps === 12, 20000, "the offline edit");
  // The clinic calendar, offline too: the patient booked through the form (the clinic's wall
  // clock in its zone) shows in the day, waiting for sync.
  const patientId = chart.chart.patient.patient_id;
  await go("#/calendar", "#calendar-book");
  await wd.exec("const s = document.querySelector('#book-patient'); s.value = arguments[0]; s.dispatchEvent(new Event('change'))", [patientId]);
  await wd.exec("document.querySelector('#book-time').value = '23:00'; document.querySelector('#book-zone').value = 'Europe/Berlin'");
  await wd.exec("document.querySelector('#book-kind').value = 'treatment'");
  await wd.click("#book-submit");
  await wd.until(() => wd.exec("return /Booked .* it is sent at the next sync/.test(document.querySelector('#toast')?.textContent ?? '')"), 20000, "the booking");
  await wd.waitFor(`#app[aria-busy=false] #calendar-day li.appointment a[href="#/patient/${patientId}"]`, 30000);
  const booked = await wd.text("#calendar-day li.appointment");
  assert.match(booked, /23:00–23:45/, `the clinic's time: ${booked}`);
  assert.match(booked, /Pat Ient/);
  assert.match(booked, /Not synced yet/);
  measured.calendar_entry = booked.split("\n")[0];
  await shot("16-therapist-calendar");
  const offline = await invoke("sync_now");
  assert.ok(offline.pending >= 3, `the offline changes wait: ${JSON.stringify(offline)}`);
  step("offline changes queued (review, program change, appointment)");

  // The idle lock: nothing of the patient shows until the PIN opens it.
  await go("#/settings", "#lock-now");
  await wd.click("#lock-now");
  await wd.waitFor("#lock-screen", 10000);
  assert.doesNotMatch(await wd.text("#app"), /Ient/);
  assert.match(String((await invoke("workspace_today")).refused), /locked/, "the engine refuses while locked");
  await shot("12-therapist-lock");
  await wd.type("#unlock-pin", PIN);
  await wd.click("#unlock-with-pin");
  await wd.waitFor("#app[aria-busy=false] #therapist-lock", 20000);
  step("locked and unlocked");

  // The server returns: both changes reach the server, then the patient's device.
  await startServer();
  await syncUntilDone("delivering the offline changes");
  patient(["sync", "--once"]);
  const program = patient(["program", "--json"]);
  const rx = program.find((p) => p.program_item_id === itemId);
  assert.ok(rx, `the prescription reached the patient: ${JSON.stringify(program)}`);
  assert.equal(rx.reps, 12, "the offline change reached the patient");
  const sessions = patient(["sessions", "--json"]);
  const reviewed = sessions.filter((s) => s.review);
  assert.equal(reviewed.length, 2, `both reviews reached the patient: ${JSON.stringify(sessions.map((s) => s.review))}`);
  measured.reviews_on_patient_device = reviewed.map((s) => s.review.assessment ?? s.review.grade ?? null);
  step("the patient's device has both");

  // The patient's device has the plan and the clinic's ODI; its NPRS intake, filled in at
  // home, reaches the therapist's chart.
  const atHome = patient(["outcome", "chart", "--json"]);
  assert.deepEqual([...(atHome.plan?.instruments ?? [])].sort(), ["nprs", "odi"], JSON.stringify(atHome));
  assert.deepEqual(atHome.due.map((d) => d.instrument), ["nprs"]);
  patient(["outcome", "record", "NPRS", "--answers", "4"]);
  patient(["sync", "--once"]);
  let outcomes = null;
  await wd.until(async () => {
    await invoke("sync_now");
    outcomes = await invoke("outcome_overview", { patientId: chart.chart.patient.patient_id });
    return outcomes.instruments?.find((i) => i.instrument === "nprs")?.points?.length > 0;
  }, 60000, "the patient's questionnaire in the chart").catch((e) => {
    console.error("patient's sync:", JSON.stringify(patient(["sync", "--status", "--json"])));
    console.error("overview:", JSON.stringify(outcomes));
    throw e;
  });
  const nprs = outcomes.instruments.find((i) => i.instrument === "nprs");
  assert.equal(nprs.points[0].respondent, "patient", JSON.stringify(outcomes));
  assert.equal(outcomes.due.length, 0);
  measured.outcomes = outcomes.instruments.map((i) => `${i.name} ${i.trend?.latest.value}`);
  step("the patient's questionnaire reached the chart");
  assert.equal(await wd.exec("return document.documentElement.dataset.cspViolations ?? '0'"), "0",
    `content security policy violations in the workspace, the last: ${await wd.exec("return document.documentElement.dataset.cspLastViolation ?? ''")}`);
  console.log(JSON.stringify({ therapist_e2e: "passed", seconds: Math.round((Date.now() - t0) / 1000), ...measured }));
} finally {
  await wd.quit();
  await stopServer();
}
