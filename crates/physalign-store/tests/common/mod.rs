//! Shared helpers for the store's integration tests and benchmark: real database files in temp
//! directories and realistic, deterministic pose frames.
#![allow(dead_code)]

use chrono::{DateTime, TimeZone, Utc};
use physalign_domain::{FormIssue, Landmark, LandmarkType, Severity};
use physalign_store::{FrameRecord, NewSession, Store};
use std::collections::BTreeMap;
use std::path::PathBuf;
use uuid::Uuid;

/// The 16 joint angles the analysis engine reports per frame.
pub const ANGLE_NAMES: [&str; 16] = [
    "elbow_left",
    "elbow_right",
    "shoulder_left",
    "shoulder_right",
    "hip_left",
    "hip_right",
    "knee_left",
    "knee_right",
    "ankle_left",
    "ankle_right",
    "trunk_lean",
    "neck_flexion",
    "knee_valgus_left",
    "knee_valgus_right",
    "wrist_left",
    "wrist_right",
];

/// A fresh store in its own temp dir (the dir must outlive the store).
pub fn temp_store() -> (tempfile::TempDir, PathBuf, Store) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("device").join("physalign.db");
    let store = Store::open(&path).expect("open store");
    (dir, path, store)
}

pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 30, 10, 0, 0).unwrap()
}

pub fn new_session(exercise: &str, started_at: DateTime<Utc>) -> NewSession {
    NewSession {
        id: Uuid::new_v4(),
        patient_id: Some(Uuid::new_v4()),
        exercise_id: exercise.to_string(),
        source: "testdata/squat.mp4".to_string(),
        started_at,
    }
}

/// Deterministic noise in -0.5..0.5 from a frame and channel (splitmix64).
fn noise(frame: i64, channel: u64) -> f32 {
    let mut z = (frame as u64)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(channel.wrapping_mul(0xBF58_476D_1CE4_E5B9));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 40) as f32 / (1u64 << 24) as f32 - 0.5
}

/// Frame `n` of a 30 fps squat: 33 image and 33 world landmarks moving with a 3 s rep cycle
/// plus jitter, 16 angles, and a form issue on every 15th frame.
pub fn realistic_frame(n: i64) -> FrameRecord {
    let t = n as f32 / 30.0;
    let depth = (t * std::f32::consts::TAU / 3.0).sin() * 0.5 + 0.5;
    let landmarks = LandmarkType::ALL
        .iter()
        .enumerate()
        .map(|(i, &kind)| Landmark {
            kind,
            x: 0.3 + i as f32 * 0.012 + noise(n, i as u64) * 0.004,
            y: 0.1 + i as f32 * 0.025 + depth * 0.15 + noise(n, 100 + i as u64) * 0.004,
            z: -0.2 + noise(n, 200 + i as u64) * 0.3,
            visibility: 0.75 + noise(n, 300 + i as u64) * 0.5,
            presence: if i % 11 == 0 {
                0.9 + noise(n, 400) * 0.1
            } else {
                1.0
            },
        })
        .collect();
    let world_landmarks = LandmarkType::ALL
        .iter()
        .enumerate()
        .map(|(i, &kind)| Landmark {
            kind,
            x: -0.4 + i as f32 * 0.025 + noise(n, 500 + i as u64) * 0.01,
            y: -0.7 + i as f32 * 0.045 + depth * 0.3,
            z: noise(n, 600 + i as u64) * 0.2,
            visibility: 0.75 + noise(n, 300 + i as u64) * 0.5,
            presence: 1.0,
        })
        .collect();
    let angles: BTreeMap<String, f32> = ANGLE_NAMES
        .iter()
        .enumerate()
        .map(|(i, name)| {
            (
                name.to_string(),
                90.0 + depth * 80.0 + i as f32 * 1.7 + noise(n, 700 + i as u64) * 3.0,
            )
        })
        .collect();
    let form_issues = if n % 15 == 0 {
        vec![FormIssue {
            kind: "KNEE_VALGUS".to_string(),
            joint: "knee_left".to_string(),
            message: "Left knee moving inward; push knees out over the toes".to_string(),
            severity: Severity::Medium,
        }]
    } else {
        Vec::new()
    };
    FrameRecord {
        frame_number: n,
        timestamp_ms: n * 1000 / 30,
        landmarks,
        world_landmarks,
        angles,
        quality_score: (0.85 + noise(n, 800) * 0.2).clamp(0.0, 1.0),
        form_issues,
    }
}

/// A raw connection for inspecting what the store wrote, keyed with the tests' passphrase by
/// SQLCipher's own `PRAGMA key` (so it also checks that the store stretches a passphrase the
/// way SQLCipher does).
pub fn raw(path: &std::path::Path) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(path).expect("raw connection");
    let passphrase = std::env::var(physalign_store::PASSPHRASE_ENV)
        .expect("the tests need PHYSALIGN_DB_PASSPHRASE (tests/setup.sh sets it)");
    conn.pragma_update(None, "key", &passphrase)
        .expect("keying the raw connection");
    conn
}
