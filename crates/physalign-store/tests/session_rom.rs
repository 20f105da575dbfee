//! The per-session range-of-motion sums the workspace's roster reads (migration 0900): kept by
//! triggers on every write of a session's repetitions, equal to what the repetitions give, and
//! filled from the repetitions already stored when a file of schema version 8 migrates.

mod common;

use chrono::{Duration, Utc};
use common::{raw, temp_store};
use physalign_domain::BodySide;
use physalign_store::{
    CarePatient, PulledSession, RepetitionRecord, SessionRomSample, SessionStatus, Store,
};
use serde_json::json;
use uuid::Uuid;

fn rep(index: u32, min: f32, max: f32, side: Option<BodySide>) -> RepetitionRecord {
    RepetitionRecord {
        index,
        start_ms: i64::from(index) * 3000,
        end_ms: i64::from(index) * 3000 + 2500,
        min_angle: min,
        max_angle: max,
        eccentric_ms: 1200,
        concentric_ms: 1300,
        symmetry: None,
        partial: false,
        form_issues: vec![],
        confidence: Some(0.9),
        side,
    }
}

/// A roster patient with one pulled session; its id.
fn pulled(store: &Store, patient: Uuid, hours_ago: i64) -> Uuid {
    let id = Uuid::new_v4();
    let started = Utc::now() - Duration::hours(hours_ago);
    store
        .upsert_pulled_session(&PulledSession {
            id,
            patient_id: Some(patient),
            exercise_id: "knee_extension".into(),
            status: SessionStatus::ReviewPending,
            started_at: started,
            ended_at: Some(started + Duration::seconds(60)),
            duration_seconds: Some(60.0),
            program_item_id: None,
            summary_statistics: None,
            version: 1,
            updated_at: started,
        })
        .unwrap();
    id
}

fn on_roster(store: &Store, patient: Uuid) {
    let p = CarePatient {
        patient_id: patient,
        first_name: "Ada".into(),
        last_name: "Lovelace".into(),
        email: None,
    };
    store
        .replace_care_patients(&[(p, json!({"patient_id": patient}))])
        .unwrap();
}

/// Mean and sample standard deviation of the ranges of motion, as the store states them.
fn moments(roms: &[f64]) -> (f64, f64) {
    let n = roms.len() as f64;
    let mean = roms.iter().sum::<f64>() / n;
    let sd = (roms.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    (mean, sd)
}

fn sample(samples: &[SessionRomSample], session: Uuid, side: Option<BodySide>) -> SessionRomSample {
    samples
        .iter()
        .find(|s| s.session_id == session && s.side == side)
        .cloned()
        .unwrap_or_else(|| panic!("no sample of {session} {side:?}: {samples:#?}"))
}

fn assert_moments(s: &SessionRomSample, roms: &[f64]) {
    let (mean, sd) = moments(roms);
    assert_eq!(s.repetitions, roms.len() as i64);
    assert!((s.mean_rom - mean).abs() < 1e-9, "{} != {mean}", s.mean_rom);
    assert!((s.rom_sd - sd).abs() < 1e-6, "{} != {sd}", s.rom_sd);
}

fn summary_rows(path: &std::path::Path) -> i64 {
    raw(path)
        .query_row("SELECT count(*) FROM session_rom", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn the_sums_follow_every_write_of_the_repetitions() {
    let (_dir, path, store) = temp_store();
    let patient = Uuid::new_v4();
    on_roster(&store, patient);
    let session = pulled(&store, patient, 2);
    let left = Some(BodySide::Left);
    store
        .replace_pulled_analysis(
            session,
            &[
                rep(0, 95.0, 160.0, left),
                rep(1, 97.5, 158.0, left),
                rep(2, 92.0, 161.5, left),
                rep(3, 100.0, 150.0, Some(BodySide::Right)),
                rep(4, 101.0, 152.0, Some(BodySide::Right)),
            ],
            &[],
        )
        .unwrap();
    let samples = store.recent_rom_samples(Some(patient), 6).unwrap();
    assert_eq!(samples.len(), 2, "one per side");
    assert_moments(&sample(&samples, session, left), &[65.0, 60.5, 69.5]);
    assert_moments(
        &sample(&samples, session, Some(BodySide::Right)),
        &[50.0, 51.0],
    );

    // The server's analysis replaces the old one: only the new repetitions count.
    store
        .replace_pulled_analysis(
            session,
            &[rep(0, 90.0, 170.0, None), rep(1, 91.0, 168.0, None)],
            &[],
        )
        .unwrap();
    let samples = store.recent_rom_samples(Some(patient), 6).unwrap();
    assert_eq!(samples.len(), 1, "{samples:#?}");
    assert_moments(&sample(&samples, session, None), &[80.0, 77.0]);
    assert_eq!(summary_rows(&path), 1, "emptied sides leave no row");

    // A session without repetitions measures nothing; a deleted one leaves nothing behind.
    store.replace_pulled_analysis(session, &[], &[]).unwrap();
    assert!(store.recent_rom_samples(None, 6).unwrap().is_empty());
    let other = pulled(&store, patient, 1);
    store
        .replace_pulled_analysis(other, &[rep(0, 80.0, 150.0, None)], &[])
        .unwrap();
    assert_eq!(summary_rows(&path), 1);
    let conn = raw(&path);
    conn.pragma_update(None, "foreign_keys", "ON").unwrap();
    conn.execute(
        "DELETE FROM exercise_sessions WHERE id = ?1",
        [other.hyphenated().to_string()],
    )
    .unwrap();
    assert_eq!(summary_rows(&path), 0);
}

#[test]
fn a_version_8_file_gets_the_sums_of_the_repetitions_it_holds() {
    let (_dir, path, store) = temp_store();
    let patient = Uuid::new_v4();
    on_roster(&store, patient);
    let sessions: Vec<Uuid> = (0..3).map(|i| pulled(&store, patient, 10 - i)).collect();
    for (i, session) in sessions.iter().enumerate() {
        let reps: Vec<RepetitionRecord> = (0..4)
            .map(|k| rep(k, 70.0 + i as f32, 150.0 + k as f32 * 1.5, None))
            .collect();
        store.replace_pulled_analysis(*session, &reps, &[]).unwrap();
    }
    let before = store.recent_rom_samples(Some(patient), 6).unwrap();
    assert_eq!(before.len(), 3);
    drop(store);

    // Back to version 8: no summary table, no triggers, nor what later versions added (their
    // migrations run again on opening).
    raw(&path)
        .execute_batch(
            "DROP TRIGGER session_rom_insert; DROP TRIGGER session_rom_delete;
             DROP TRIGGER session_rom_update; DROP TABLE session_rom;
             DROP TABLE appointments; DROP TABLE therapy_goals;
             DROP TABLE soap_note_amendments; DROP TABLE soap_notes;
             DROP TABLE transcript_retention;
             DROP INDEX idx_session_reviews_timed;
             ALTER TABLE session_reviews DROP COLUMN minutes_spent;
             DROP TABLE outcome_responses; DROP TABLE outcome_plans;
             PRAGMA user_version = 8;",
        )
        .unwrap();
    let store = Store::open(&path).unwrap();
    assert_eq!(
        store.schema_version().unwrap(),
        physalign_store::SCHEMA_VERSION
    );
    assert_eq!(store.recent_rom_samples(Some(patient), 6).unwrap(), before);
}
