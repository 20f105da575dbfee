//! The therapist's workspace at clinic scale (issue 16's budget): 500 patients and 20,000 pulled
//! sessions in a real, SQLCipher-encrypted store open the roster in under 300 ms and a patient
//! chart in under 500 ms, and a session's replay keeps up with the recording's frame rate.
//!
//! Run it in release, after `source tests/env.sh`:
//!
//! ```sh
//! cargo bench -p physalign-workspace --bench roster
//! ```
//!
//! The store is filled as years of home sessions leave it: every patient follows two exercises
//! of the catalogue (squat, glute bridge, knee extension, shoulder abduction; the one-sided ones
//! alternate sides) every other day for 80 days, 8 to 12 repetitions a session whose range of
//! motion improves with noise (one patient in 23 falls over the last sessions), a partial last
//! repetition now and then, form issues, a pain remark in three sessions of four (transcript and
//! clinical notes, pain easing with recovery), reviews of the older sessions, server alerts for
//! pain of 7 or more and a few crisis remarks, and two program items per patient. The rows are
//! written in one transaction on a second connection keyed with the same passphrase (what the
//! store's own writes would do one commit at a time, in seconds instead of a minute); the chart
//! patient's latest sessions also get their pose frames at 30 frames a second, stored through
//! [`Store::store_pulled_frames`] as sync stores them. A read-back through the store's API
//! checks that the rows are the ones it reads.
//!
//! Each timing is taken the way the desktop app serves a screen: a fresh [`Store`] opened for
//! the command (cold page cache), the workspace's answer, and its JSON for the window. Printed:
//! median and 95th percentile over [`RUNS`] runs of the roster, a search, the start of the day,
//! the patient chart with its progress charts, and the replay of a 30 frames/s session with
//! the rate at which it delivers frames against the recording's; then the same numbers as one
//! JSON line. `PHYSALIGN_BENCH_DB=path` keeps the filled file (for query plans).

#[path = "../tests/common/mod.rs"]
mod common;

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use physalign_domain::{FormIssue, Landmark, LandmarkType, Severity};
use physalign_store::{DatabaseKey, FrameRecord, Store};
use physalign_workspace::replay::session_replay;
use physalign_workspace::{Catalogue, Workspace};
use rusqlite::params;
use serde_json::json;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;
use uuid::Uuid;

const PATIENTS: usize = 500;
const SESSIONS_PER_PATIENT: usize = 40;
/// Timed runs of each screen (the 95th percentile is the 20th of 21).
const RUNS: usize = 21;
/// The frame rate of the stored recordings.
const FPS: i64 = 30;
/// The chart patient's latest sessions stored with their pose frames.
const FRAMED_SESSIONS: usize = 10;
/// The benchmark's own throwaway passphrase (the environment's is not needed).
const PASSPHRASE: &str = "physalign-bench-throwaway-passphrase";
const ROSTER_BUDGET_MS: f64 = 300.0;
const CHART_BUDGET_MS: f64 = 500.0;

/// Deterministic pseudo-random numbers (splitmix64): the same store on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in 0..1.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `lo..hi`.
    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    /// Roughly normal (sum of uniforms), mean 0, standard deviation `sd`.
    fn normal(&mut self, sd: f64) -> f64 {
        ((0..4).map(|_| self.unit()).sum::<f64>() - 2.0) * sd * 3f64.sqrt()
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    fn uuid(&mut self) -> Uuid {
        uuid::Builder::from_random_bytes(
            ((u128::from(self.next()) << 64) | u128::from(self.next())).to_le_bytes(),
        )
        .into_uuid()
    }
}

/// How an exercise of the catalogue moves, for realistic repetitions and frames.
struct Movement {
    exercise_id: &'static str,
    /// The angle the catalogue follows (frames carry `{angle}_left` and `{angle}_right`).
    angle: &'static str,
    /// Resting angle, degrees.
    rest: f64,
    /// Working angle at the start of recovery and at its end.
    work: (f64, f64),
    /// One side at a time.
    sided: bool,
    target: f64,
    /// Form issues it raises: kind, joint, message.
    issues: &'static [(&'static str, &'static str, &'static str)],
    body_part: &'static str,
}

static MOVEMENTS: [Movement; 4] = [
    Movement {
        exercise_id: "squat",
        angle: "knee",
        rest: 168.0,
        work: (118.0, 88.0),
        sided: false,
        target: 90.0,
        issues: &[
            (
                "KNEE_VALGUS",
                "knee_left",
                "Left knee moving inward; push knees out over the toes",
            ),
            ("DEPTH", "knee", "Go a little deeper if it is comfortable"),
        ],
        body_part: "knee",
    },
    Movement {
        exercise_id: "glute_bridge",
        angle: "hip",
        rest: 128.0,
        work: (150.0, 170.0),
        sided: false,
        target: 165.0,
        issues: &[("ASYMMETRY", "hip", "Keep your hips level as you lift")],
        body_part: "lower back",
    },
    Movement {
        exercise_id: "knee_extension",
        angle: "knee",
        rest: 100.0,
        work: (142.0, 172.0),
        sided: true,
        target: 170.0,
        issues: &[("TRUNK_LEAN", "trunk", "Sit upright against the backrest")],
        body_part: "knee",
    },
    Movement {
        exercise_id: "shoulder_abduction",
        angle: "shoulder_abduction",
        rest: 25.0,
        work: (95.0, 150.0),
        sided: true,
        target: 150.0,
        issues: &[
            (
                "TRUNK_LEAN",
                "trunk",
                "Keep your body upright; do not lean to the side",
            ),
            (
                "SHRUG",
                "shoulder",
                "Keep your shoulder down, away from your ear",
            ),
        ],
        body_part: "shoulder",
    },
];

/// The two exercises each patient follows, by patient index.
const PROGRAMS: [(usize, usize); 4] = [(0, 1), (2, 0), (3, 1), (2, 3)];

fn text_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

fn id_text(id: Uuid) -> String {
    id.hyphenated().to_string()
}

/// One stored repetition (for the frames of the sessions that keep them).
struct Rep {
    start_ms: i64,
    end_ms: i64,
    min: f64,
    max: f64,
}

/// A session whose frames are stored after the bulk fill.
struct Framed {
    session_id: Uuid,
    movement: &'static Movement,
    side: Option<&'static str>,
    duration_ms: i64,
    reps: Vec<Rep>,
}

/// What the fill produced, for the timings and the read-back.
struct Filled {
    chart_patient: Uuid,
    framed: Vec<Framed>,
    /// A session, its repetitions' mean range of motion and its pain, to read back.
    check: (Uuid, f64, Option<f64>),
    sessions: usize,
    repetitions: usize,
    reviews: usize,
    alerts: usize,
}

/// Writes the roster, program, sessions, repetitions, form issues, transcripts with pain,
/// reviews and alerts in one transaction.
fn fill(path: &Path, now: DateTime<Utc>) -> rusqlite::Result<Filled> {
    let mut conn = rusqlite::Connection::open(path)?;
    conn.pragma_update(None, "key", PASSPHRASE)?;
    // Room for the whole file: random ids otherwise evict, re-encrypt and re-read index pages.
    conn.pragma_update(None, "cache_size", -512 * 1024)?;
    let tx = conn.transaction()?;
    let mut rng = Rng(16);
    let fetched = text_time(now);
    let chart_index = PATIENTS / 2;
    let mut out = Filled {
        chart_patient: Uuid::nil(),
        framed: Vec::new(),
        check: (Uuid::nil(), 0.0, None),
        sessions: 0,
        repetitions: 0,
        reviews: 0,
        alerts: 0,
    };
    let mut patient_stmt = tx.prepare(
        "INSERT INTO care_patients (patient_id, first_name, last_name, email, record, fetched_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    let mut item_stmt = tx.prepare(
        "INSERT INTO program_items (id, patient_id, exercise_id, sets, reps, hold_seconds,
             target_angle, tolerance, side, per_week, start_date, end_date, instructions, status,
             version, created_at, updated_at, origin)
         VALUES (?1, ?2, ?3, 3, 10, NULL, ?4, 10.0, NULL, 3, NULL, NULL, ?5, 'active', 1, ?6, ?6,
                 'pulled')",
    )?;
    let mut session_stmt = tx.prepare(
        "INSERT INTO exercise_sessions (id, patient_id, exercise_id, source, status, started_at,
             ended_at, duration_seconds, summary_statistics, created_at, updated_at, version,
             origin, program_item_id)
         VALUES (?1, ?2, ?3, 'server', ?4, ?5, ?6, ?7, NULL, ?8, ?5, 1, 'pulled', ?9)",
    )?;
    let mut rep_stmt = tx.prepare(
        "INSERT INTO repetitions (id, session_id, rep_index, start_ms, end_ms, min_angle,
             max_angle, eccentric_ms, concentric_ms, symmetry, partial, form_issues, confidence,
             side)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, '[]', ?12, ?13)",
    )?;
    let mut issue_stmt = tx.prepare(
        "INSERT INTO form_issue_events (id, session_id, seq, timestamp_ms, issue_type, joint,
             message, severity)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    let mut transcript_stmt = tx.prepare(
        "INSERT INTO transcripts (id, session_id, text, model, audio_seconds, language,
             created_at, updated_at)
         VALUES (?1, ?2, ?3, 'server', 0, '', ?4, ?4)",
    )?;
    let mut notes_stmt = tx.prepare(
        "INSERT INTO clinical_notes (id, transcript_id, notes, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?4)",
    )?;
    let mut review_stmt = tx.prepare(
        "INSERT INTO session_reviews (id, session_id, physiotherapist_id, assessment, notes,
             next_steps, reviewed_at, origin, record)
         VALUES (?1, ?2, ?3, ?4, ?5, NULL, ?6, 'pulled', ?7)",
    )?;
    let mut alert_stmt = tx.prepare(
        "INSERT INTO clinical_alerts (id, patient_id, session_id, kind, message, created_at,
             acknowledged_at, record)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    let therapist = rng.uuid();
    for i in 0..PATIENTS {
        let patient = rng.uuid();
        if i == chart_index {
            out.chart_patient = patient;
        }
        patient_stmt.execute(params![
            id_text(patient),
            format!("First{i:03}"),
            format!("Last{i:03}"),
            format!("patient{i:03}@example.org"),
            json!({"patient_id": patient}).to_string(),
            fetched,
        ])?;
        let (a, b) = PROGRAMS[i % PROGRAMS.len()];
        let program: Vec<(&'static Movement, Uuid)> = [a, b]
            .iter()
            .map(|&m| {
                let item = rng.uuid();
                let movement = &MOVEMENTS[m];
                item_stmt.execute(params![
                    id_text(item),
                    id_text(patient),
                    movement.exercise_id,
                    movement.target,
                    "Slowly, within comfort",
                    text_time(now - Duration::days(85)),
                ])?;
                Ok((movement, item))
            })
            .collect::<rusqlite::Result<_>>()?;
        let falling = i % 23 == 7;
        let gain = rng.range(0.6, 1.1);
        let pain_start = rng.range(3.0, 7.0);
        let crisis = i % 167 == 42;
        for s in 0..SESSIONS_PER_PATIENT {
            let (movement, item) = program[s % 2];
            let side = movement
                .sided
                .then_some(if (s / 2) % 2 == 0 { "left" } else { "right" });
            let started = now - Duration::days(80)
                + Duration::days(2 * s as i64)
                + Duration::hours((i % 9) as i64)
                + Duration::minutes(rng.range(0.0, 50.0) as i64);
            let progress = s as f64 / (SESSIONS_PER_PATIENT - 1) as f64;
            let (w0, w1) = movement.work;
            let mut work = w0 + (w1 - w0) * (progress * gain).min(1.0);
            if falling && s + 6 >= SESSIONS_PER_PATIENT {
                // The last three sessions of each exercise lose range, well beyond the noise.
                let back = (s + 6 - SESSIONS_PER_PATIENT) / 2 + 1;
                work -= (w1 - w0).signum() * 7.0 * back as f64;
            }
            let count = 8 + (rng.next() % 5) as usize;
            let rep_ms = rng.range(2600.0, 3600.0) as i64;
            let session = rng.uuid();
            let session_key = id_text(session);
            let duration_ms = 6000 + count as i64 * (rep_ms + 400);
            let reviewed = started < now - Duration::days(12) && rng.chance(0.92);
            session_stmt.execute(params![
                session_key,
                id_text(patient),
                movement.exercise_id,
                if reviewed {
                    "reviewed"
                } else {
                    "review_pending"
                },
                text_time(started),
                text_time(started + Duration::milliseconds(duration_ms)),
                duration_ms as f64 / 1000.0,
                text_time(started + Duration::milliseconds(duration_ms + 60_000)),
                rng.chance(0.9).then(|| id_text(item)),
            ])?;
            out.sessions += 1;
            let mut reps = Vec::with_capacity(count);
            let mut rom_sum = 0.0;
            for k in 0..count {
                let partial = k + 1 == count && rng.chance(0.15);
                let reach = work + rng.normal(3.0);
                let reach = if partial {
                    movement.rest + (reach - movement.rest) * 0.55
                } else {
                    reach
                };
                let rest = movement.rest + rng.normal(2.0);
                let (min, max) = if reach < rest {
                    (reach, rest)
                } else {
                    (rest, reach)
                };
                let start_ms = 3000 + k as i64 * (rep_ms + 400);
                let end_ms = start_ms + rep_ms;
                rom_sum += max - min;
                rep_stmt.execute(params![
                    id_text(rng.uuid()),
                    session_key,
                    k as i64,
                    start_ms,
                    end_ms,
                    min,
                    max,
                    rep_ms * 45 / 100,
                    rep_ms * 55 / 100,
                    (!movement.sided).then(|| rng.range(0.88, 0.99)),
                    partial,
                    rng.range(0.7, 0.97),
                    side,
                ])?;
                reps.push(Rep {
                    start_ms,
                    end_ms,
                    min,
                    max,
                });
            }
            out.repetitions += count;
            let issues = (rng.next() % 4) as usize;
            for seq in 0..issues.saturating_sub(1) {
                let (kind, joint, message) =
                    movement.issues[(rng.next() as usize) % movement.issues.len()];
                issue_stmt.execute(params![
                    id_text(rng.uuid()),
                    session_key,
                    seq as i64,
                    3000 + rng.range(0.0, (duration_ms - 6000) as f64) as i64,
                    kind,
                    joint,
                    message,
                    if rng.chance(0.3) { "HIGH" } else { "MEDIUM" },
                ])?;
            }
            let spike = rng.chance(0.015);
            let pain = rng.chance(0.75).then(|| {
                let base = pain_start * (1.0 - 0.6 * progress) + rng.normal(0.8);
                let score = if spike { rng.range(7.0, 9.0) } else { base };
                score.round().clamp(0.0, 10.0)
            });
            let crisis_here = crisis && s + 1 == SESSIONS_PER_PATIENT;
            if pain.is_some() || crisis_here {
                let transcript = rng.uuid();
                let mut said = format!("Starting the {} now.", movement.exercise_id);
                let mut reports = Vec::new();
                if let Some(score) = pain {
                    let quote =
                        format!("My {} pain is about {score} out of 10.", movement.body_part);
                    said.push(' ');
                    said.push_str(&quote);
                    reports.push(json!({"body_part": movement.body_part, "score": score,
                                        "quote": quote, "denied": false}));
                }
                if crisis_here {
                    said.push_str(" Some days I just want to end it all.");
                }
                said.push_str(" That was the last one.");
                let at = text_time(started + Duration::milliseconds(duration_ms));
                transcript_stmt.execute(params![id_text(transcript), session_key, said, at])?;
                notes_stmt.execute(params![
                    id_text(rng.uuid()),
                    id_text(transcript),
                    json!({"pain_reports": reports, "summary": said}).to_string(),
                    at,
                ])?;
            }
            if reviewed {
                let review = rng.uuid();
                review_stmt.execute(params![
                    id_text(review),
                    session_key,
                    id_text(therapist),
                    if rng.chance(0.8) {
                        "GOOD"
                    } else {
                        "NEEDS_IMPROVEMENT"
                    },
                    "Steady progress; keep the tempo slow.",
                    text_time(started + Duration::hours(20)),
                    json!({"id": review, "session_id": session}).to_string(),
                ])?;
                out.reviews += 1;
            }
            let alert = if crisis_here {
                Some(("crisis", "Crisis language heard in the session"))
            } else if pain.is_some_and(|p| p >= 7.0) {
                Some(("high_pain", "Pain of 7 or more out of 10 reported"))
            } else {
                None
            };
            if let Some((kind, message)) = alert {
                let id = rng.uuid();
                let raised = started + Duration::milliseconds(duration_ms + 120_000);
                let acknowledged = (kind != "crisis" && rng.chance(0.6))
                    .then(|| text_time(raised + Duration::hours(6)));
                alert_stmt.execute(params![
                    id_text(id),
                    id_text(patient),
                    session_key,
                    kind,
                    message,
                    text_time(raised),
                    acknowledged,
                    json!({"id": id, "kind": kind}).to_string(),
                ])?;
                out.alerts += 1;
            }
            if i == chart_index && s + FRAMED_SESSIONS >= SESSIONS_PER_PATIENT {
                out.framed.push(Framed {
                    session_id: session,
                    movement,
                    side,
                    duration_ms,
                    reps,
                });
            } else if i == chart_index + 1 && s + 1 == SESSIONS_PER_PATIENT {
                out.check = (session, rom_sum / count as f64, pain);
            }
        }
    }
    drop((
        patient_stmt,
        item_stmt,
        session_stmt,
        rep_stmt,
        issue_stmt,
        transcript_stmt,
        notes_stmt,
        review_stmt,
        alert_stmt,
    ));
    tx.commit()?;
    Ok(out)
}

/// The angle of a framed session at `t_ms`: resting between repetitions, along a half sine
/// to the working angle and back within one.
fn angle_at(session: &Framed, t_ms: i64) -> f64 {
    let rest_is_max = session.movement.work.0 < session.movement.rest;
    for rep in &session.reps {
        if t_ms >= rep.start_ms && t_ms <= rep.end_ms {
            let phase = (t_ms - rep.start_ms) as f64 / (rep.end_ms - rep.start_ms) as f64;
            let lift = (phase * std::f64::consts::PI).sin();
            return if rest_is_max {
                rep.max - (rep.max - rep.min) * lift
            } else {
                rep.min + (rep.max - rep.min) * lift
            };
        }
    }
    session.movement.rest
}

/// Frame `n` of a framed session: 33 image and 33 world landmarks moving with the angle, with
/// jitter, the followed angle on both sides (the resting side still for a one-sided exercise)
/// and the other joints, a form issue now and then.
fn frame(session: &Framed, n: i64, rng: &mut Rng) -> FrameRecord {
    let t_ms = n * 1000 / FPS;
    let movement = session.movement;
    let angle = angle_at(session, t_ms);
    let span = (movement.work.1 - movement.rest).abs().max(1.0);
    let depth = ((angle - movement.rest).abs() / span) as f32;
    let landmarks = LandmarkType::ALL
        .iter()
        .enumerate()
        .map(|(i, &kind)| Landmark {
            kind,
            x: 0.35 + i as f32 * 0.009 + rng.normal(0.002) as f32,
            y: 0.12
                + i as f32 * 0.024
                + depth * 0.12 * (i as f32 / 33.0)
                + rng.normal(0.002) as f32,
            z: -0.2 + rng.normal(0.05) as f32,
            visibility: rng.range(0.8, 0.99) as f32,
            presence: 1.0,
        })
        .collect();
    let world_landmarks = LandmarkType::ALL
        .iter()
        .enumerate()
        .map(|(i, &kind)| Landmark {
            kind,
            x: -0.3 + i as f32 * 0.02 + rng.normal(0.005) as f32,
            y: -0.8 + i as f32 * 0.05 + depth * 0.25,
            z: rng.normal(0.05) as f32,
            visibility: rng.range(0.8, 0.99) as f32,
            presence: 1.0,
        })
        .collect();
    let mut angles = BTreeMap::new();
    for side in ["left", "right"] {
        let moving = session.side.is_none_or(|s| s == side);
        let value = if moving { angle } else { movement.rest };
        angles.insert(
            format!("{}_{side}", movement.angle),
            (value + rng.normal(1.0)) as f32,
        );
        for other in ["elbow", "hip", "ankle", "wrist"] {
            if other != movement.angle {
                angles.insert(format!("{other}_{side}"), rng.range(150.0, 175.0) as f32);
            }
        }
    }
    angles.insert("trunk_lean".into(), rng.range(0.0, 8.0) as f32);
    let form_issues = if n % 97 == 40 {
        let (kind, joint, message) = movement.issues[0];
        vec![FormIssue {
            kind: kind.into(),
            joint: joint.into(),
            message: message.into(),
            severity: Severity::Medium,
        }]
    } else {
        Vec::new()
    };
    FrameRecord {
        frame_number: n,
        timestamp_ms: t_ms,
        landmarks,
        world_landmarks,
        angles,
        quality_score: rng.range(0.8, 0.97) as f32,
        form_issues,
    }
}

/// Median and 95th percentile (nearest rank) of `RUNS` timings of `f`, in milliseconds; the
/// last run's answer.
fn time<T>(mut f: impl FnMut() -> T) -> (f64, f64, T) {
    let mut last = None;
    let mut ms: Vec<f64> = (0..RUNS)
        .map(|_| {
            let started = Instant::now();
            let answer = std::hint::black_box(f());
            let elapsed = started.elapsed().as_secs_f64() * 1000.0;
            last = Some(answer);
            elapsed
        })
        .collect();
    ms.sort_by(f64::total_cmp);
    let p95 = ms[(RUNS * 95).div_ceil(100).clamp(1, RUNS) - 1];
    (ms[RUNS / 2], p95, last.expect("at least one run"))
}

fn verdict(ms: f64, budget: f64) -> &'static str {
    if ms < budget {
        "within"
    } else {
        "OVER"
    }
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    // PHYSALIGN_BENCH_DB keeps the filled file for a look at query plans.
    let path = std::env::var_os("PHYSALIGN_BENCH_DB").map_or_else(
        || dir.path().join("clinic.sqlite"),
        std::path::PathBuf::from,
    );
    let key = || DatabaseKey::from_passphrase(PASSPHRASE).expect("passphrase");
    let open = || Store::open_with_key(&path, key()).expect("open store");
    let now = common::now();
    let catalogue = Catalogue::builtin().expect("catalogue");

    let filling = Instant::now();
    drop(open()); // creates the file with every migration applied
    let filled = fill(&path, now).expect("bulk fill");
    let bulk_s = filling.elapsed().as_secs_f64();
    let store = open();
    let mut rng = Rng(99);
    let mut frames_stored = 0usize;
    for session in &filled.framed {
        let frames: Vec<FrameRecord> = (0..session.duration_ms * FPS / 1000)
            .map(|n| frame(session, n, &mut rng))
            .collect();
        frames_stored += frames.len();
        store
            .store_pulled_frames(session.session_id, &frames)
            .expect("frames");
    }
    println!(
        "filled {PATIENTS} patients, {} sessions, {} repetitions, {} reviews, {} alerts in one \
         transaction in {bulk_s:.1} s; {frames_stored} pose frames of {} sessions in {:.1} s; \
         file {:.0} MiB",
        filled.sessions,
        filled.repetitions,
        filled.reviews,
        filled.alerts,
        filled.framed.len(),
        filling.elapsed().as_secs_f64() - bulk_s,
        store.storage_bytes().expect("size") as f64 / (1024.0 * 1024.0),
    );
    // The rows are the ones the store reads.
    let (check_id, check_rom, check_pain) = filled.check;
    let overview = store
        .session_overview(check_id)
        .expect("read back")
        .expect("the session is there");
    assert!((overview.mean_rom.expect("range of motion") - check_rom).abs() < 1e-6);
    assert_eq!(overview.pain, check_pain);
    drop(store);

    let chart_patient = filled.chart_patient;
    let (roster_ms, roster_p95, roster) = time(|| {
        let store = open();
        let roster = Workspace::new(&store, now).roster(None).expect("roster");
        serde_json::to_vec(&roster).expect("json").len()
    });
    let (search_ms, search_p95, _) = time(|| {
        let store = open();
        let found = Workspace::new(&store, now)
            .roster(Some("last25"))
            .expect("search");
        serde_json::to_vec(&found).expect("json").len()
    });
    let (today_ms, today_p95, today) = time(|| {
        let store = open();
        let today = Workspace::new(&store, now).start_of_day().expect("today");
        serde_json::to_vec(&today).expect("json");
        (
            today.review_queue.len(),
            today.alerts.len(),
            today.patients.len(),
        )
    });
    let (chart_ms, chart_p95, chart) = time(|| {
        let store = open();
        let workspace = Workspace::new(&store, now);
        let chart = workspace.patient_chart(chart_patient).expect("chart");
        let progress = workspace.progress(&catalogue, &chart).expect("progress");
        serde_json::to_vec(&(&chart, &progress)).expect("json");
        (chart.sessions.len(), progress.len())
    });
    // The same screens on a connection already warm (the app opens one per command).
    let warm = open();
    let workspace = Workspace::new(&warm, now);
    let (warm_roster_ms, _, _) = time(|| workspace.roster(None).expect("roster").len());
    let (warm_chart_ms, _, _) = time(|| {
        let chart = workspace.patient_chart(chart_patient).expect("chart");
        workspace
            .progress(&catalogue, &chart)
            .expect("progress")
            .len()
    });
    drop(warm);

    let replayed = filled.framed.last().expect("a framed session");
    let (replay_ms, replay_p95, (frames, replay_fps, bytes)) = time(|| {
        let store = open();
        let replay = session_replay(&store, &catalogue, replayed.session_id).expect("replay");
        let bytes = serde_json::to_vec(&replay).expect("json").len();
        (replay.frames.len(), replay.fps, bytes)
    });
    let recorded_frames = usize::try_from(replayed.duration_ms * FPS / 1000).unwrap_or(0);
    let recorded_s = replayed.duration_ms as f64 / 1000.0;
    let delivered_fps = frames as f64 / (replay_p95 / 1000.0);
    assert_eq!(frames, recorded_frames, "every recorded frame is replayed");

    println!(
        "roster ({roster} JSON bytes):     median {roster_ms:6.1} ms, p95 {roster_p95:6.1} ms \
         (budget {ROSTER_BUDGET_MS} ms: {}; warm connection {warm_roster_ms:.1} ms)",
        verdict(roster_p95, ROSTER_BUDGET_MS)
    );
    println!("roster search \"last25\":      median {search_ms:6.1} ms, p95 {search_p95:6.1} ms");
    println!(
        "start of day:               median {today_ms:6.1} ms, p95 {today_p95:6.1} ms \
         ({} queued, {} alerts, {} patients)",
        today.0, today.1, today.2
    );
    println!(
        "patient chart + progress:   median {chart_ms:6.1} ms, p95 {chart_p95:6.1} ms \
         (budget {CHART_BUDGET_MS} ms: {}; {} sessions, {} progress series; warm connection \
         {warm_chart_ms:.1} ms)",
        verdict(chart_p95, CHART_BUDGET_MS),
        chart.0,
        chart.1
    );
    println!(
        "replay ({frames} frames, {recorded_s:.0} s recorded at {FPS} frames/s; {:.1} MiB JSON): \
         ready in median {replay_ms:.1} ms, p95 {replay_p95:.1} ms = {delivered_fps:.0} frames/s \
         delivered, {:.0}x the recording's rate; plays at {replay_fps:.1} frames/s",
        bytes as f64 / (1024.0 * 1024.0),
        delivered_fps / FPS as f64,
    );
    println!(
        "{{\"patients\":{PATIENTS},\"sessions\":{},\"fill_s\":{bulk_s:.2},\"roster_ms\":{roster_ms:.2},\"roster_p95_ms\":{roster_p95:.2},\"search_ms\":{search_ms:.2},\"start_of_day_ms\":{today_ms:.2},\"chart_ms\":{chart_ms:.2},\"chart_p95_ms\":{chart_p95:.2},\"replay_ms\":{replay_ms:.2},\"replay_p95_ms\":{replay_p95:.2},\"replay_frames\":{frames},\"replay_fps\":{replay_fps:.2},\"recording_fps\":{FPS},\"replay_delivered_fps\":{delivered_fps:.0}}}",
        filled.sessions
    );
}
