//! A clinician's device as sync leaves it, built through the store's public API: the roster,
//! pulled sessions with repetitions, reviews, alerts and program items. Shared by the tests, the
//! benchmark and the command line's test of `physalign today`.
#![allow(dead_code)]

use chrono::{DateTime, Duration, TimeZone, Utc};
use physalign_domain::BodySide;
use physalign_store::{
    CarePatient, ClinicalAlert, ProgramItem, ProgramItemStatus, PulledSession, RepetitionRecord,
    SessionReview, SessionStatus, Store,
};
use serde_json::json;
use uuid::Uuid;

/// The instant the tests compute the workspace for: Friday 20 March 2026, noon UTC.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 20, 12, 0, 0).unwrap()
}

/// `now` minus `days` days and `hours` hours.
pub fn ago(days: i64, hours: i64) -> DateTime<Utc> {
    now() - Duration::days(days) - Duration::hours(hours)
}

/// A roster patient (not stored).
pub fn patient(first: &str, last: &str) -> CarePatient {
    CarePatient {
        patient_id: Uuid::new_v4(),
        first_name: first.into(),
        last_name: last.into(),
        email: Some(format!("{}@example.org", first.to_lowercase())),
    }
}

/// Replaces the roster with `patients`, as sync does.
pub fn store_roster(store: &Store, patients: &[CarePatient]) {
    let rows: Vec<_> = patients
        .iter()
        .map(|p| (p.clone(), json!({"patient_id": p.patient_id})))
        .collect();
    store.replace_care_patients(&rows).expect("roster");
}

/// Repetitions whose range of motion (max − min) is each of `roms`.
pub fn reps(roms: &[f64], side: Option<BodySide>) -> Vec<RepetitionRecord> {
    roms.iter()
        .enumerate()
        .map(|(i, rom)| RepetitionRecord {
            index: i as u32,
            start_ms: i as i64 * 2000,
            end_ms: i as i64 * 2000 + 1500,
            min_angle: 60.0,
            max_angle: 60.0 + *rom as f32,
            eccentric_ms: 700,
            concentric_ms: 800,
            symmetry: None,
            partial: false,
            form_issues: vec![],
            confidence: Some(0.9),
            side,
        })
        .collect()
}

/// A pulled, ended home session of `patient` with repetitions of the given ranges.
pub fn pulled_session(
    store: &Store,
    patient: Uuid,
    exercise: &str,
    started: DateTime<Utc>,
    roms: &[f64],
    item: Option<Uuid>,
) -> Uuid {
    let id = Uuid::new_v4();
    store
        .upsert_pulled_session(&PulledSession {
            id,
            patient_id: Some(patient),
            exercise_id: exercise.into(),
            status: SessionStatus::ReviewPending,
            started_at: started,
            ended_at: Some(started + Duration::seconds(90)),
            duration_seconds: Some(90.0),
            program_item_id: item,
            summary_statistics: None,
            version: 1,
            updated_at: started,
        })
        .expect("pulled session");
    if !roms.is_empty() {
        store
            .replace_pulled_analysis(id, &reps(roms, None), &[])
            .expect("repetitions");
    }
    id
}

/// A pulled review of `session`.
pub fn pulled_review(store: &Store, session: Uuid, at: DateTime<Utc>) {
    let review = SessionReview {
        id: Uuid::new_v4(),
        session_id: session,
        physiotherapist_id: Some(Uuid::new_v4()),
        assessment: "GOOD".into(),
        notes: Some("steady".into()),
        next_steps: None,
        reviewed_at: at,
        origin: physalign_store::RecordOrigin::Pulled,
    };
    store
        .upsert_pulled_review(&review, &json!({"id": review.id}))
        .expect("review");
}

/// A server alert as sync stores it.
pub fn alert(
    patient: Uuid,
    session: Uuid,
    kind: &str,
    at: DateTime<Utc>,
    acknowledged: bool,
) -> (ClinicalAlert, serde_json::Value) {
    let id = Uuid::new_v4();
    (
        ClinicalAlert {
            id,
            patient_id: Some(patient),
            session_id: Some(session),
            kind: kind.into(),
            message: format!("{kind} in the session"),
            created_at: at,
            acknowledged_at: acknowledged.then_some(at + Duration::hours(1)),
        },
        json!({"id": id, "kind": kind}),
    )
}

/// A pulled active program item created at `created`.
pub fn pulled_item(store: &Store, patient: Uuid, exercise: &str, created: DateTime<Utc>) -> Uuid {
    let item = ProgramItem {
        id: Uuid::new_v4(),
        patient_id: patient,
        exercise_id: exercise.into(),
        sets: Some(3),
        reps: Some(10),
        hold_seconds: None,
        target_angle: Some(90.0),
        tolerance: Some(10.0),
        side: None,
        per_week: Some(3),
        start_date: None,
        end_date: None,
        instructions: None,
        status: ProgramItemStatus::Active,
        version: 1,
        created_at: created,
        updated_at: created,
    };
    store.upsert_pulled_program_item(&item).expect("item");
    item.id
}

/// What [`prepare_day`] stored, to check against.
pub struct Day {
    /// Ada Lovelace: a crisis alert on `ada_crisis_session`, two falling sessions (not three).
    pub ada: CarePatient,
    /// Grace Hopper: high pain on `grace_pain_session`, three sessions whose drop is noise, an
    /// item done once this week.
    pub grace: CarePatient,
    /// Alan Turing: three falling squat sessions, an acknowledged pain alert.
    pub alan: CarePatient,
    /// Edsger Dijkstra: an item prescribed a month ago, never done.
    pub edsger: CarePatient,
    /// The session of Ada's crisis alert.
    pub ada_crisis_session: Uuid,
    /// The session of Grace's pain alert.
    pub grace_pain_session: Uuid,
    /// Alan's squat sessions, oldest first.
    pub alan_sessions: Vec<Uuid>,
    /// Edsger's missed item.
    pub edsger_item: Uuid,
    /// Grace's item (done this week).
    pub grace_item: Uuid,
    /// Sessions without a review, oldest first.
    pub unreviewed: Vec<Uuid>,
}

/// A clinician's device at the start of [`now`]'s day.
pub fn prepare_day(store: &Store) -> Day {
    let ada = patient("Ada", "Lovelace");
    let grace = patient("Grace", "Hopper");
    let alan = patient("Alan", "Turing");
    let edsger = patient("Edsger", "Dijkstra");
    store_roster(
        store,
        &[ada.clone(), grace.clone(), alan.clone(), edsger.clone()],
    );

    // Ada: two falling sessions only; the later raised a crisis alert.
    let ada_1 = pulled_session(
        store,
        ada.patient_id,
        "squat",
        ago(4, 0),
        &[99.0, 100.0, 101.0],
        None,
    );
    let ada_crisis_session = pulled_session(
        store,
        ada.patient_id,
        "squat",
        ago(2, 0),
        &[69.0, 70.0, 71.0],
        None,
    );

    // Grace: a drop of 3 degrees over three sessions is noise; one session linked to her item.
    let grace_item = pulled_item(store, grace.patient_id, "bridge", ago(20, 0));
    let g1 = pulled_session(
        store,
        grace.patient_id,
        "bridge",
        ago(6, 0),
        &[99.0, 100.0, 101.0],
        None,
    );
    let g2 = pulled_session(
        store,
        grace.patient_id,
        "bridge",
        ago(5, 0),
        &[98.0, 99.0, 100.0],
        None,
    );
    let grace_pain_session = pulled_session(
        store,
        grace.patient_id,
        "bridge",
        ago(1, 0),
        &[96.0, 97.0, 98.0],
        Some(grace_item),
    );

    // Alan: three falling squat sessions well beyond the noise, all reviewed but the last.
    let alan_sessions: Vec<Uuid> = [(10, 100.0), (8, 90.0), (3, 80.0)]
        .iter()
        .map(|(days, rom)| {
            pulled_session(
                store,
                alan.patient_id,
                "squat",
                ago(*days, 0),
                &[rom - 1.0, *rom, rom + 1.0],
                None,
            )
        })
        .collect();
    pulled_review(store, alan_sessions[0], ago(9, 0));
    pulled_review(store, alan_sessions[1], ago(7, 0));
    pulled_review(store, g1, ago(5, 12));

    // Edsger: an item a month old, never done.
    let edsger_item = pulled_item(store, edsger.patient_id, "plank", ago(30, 0));

    // Someone no longer on the roster: never queued.
    pulled_session(store, Uuid::new_v4(), "squat", ago(1, 0), &[80.0], None);

    store
        .replace_alerts(&[
            alert(
                ada.patient_id,
                ada_crisis_session,
                "crisis",
                ago(2, 0),
                false,
            ),
            alert(
                grace.patient_id,
                grace_pain_session,
                "high_pain",
                ago(1, 0),
                false,
            ),
            alert(
                alan.patient_id,
                alan_sessions[2],
                "high_pain",
                ago(3, 0),
                true,
            ),
        ])
        .expect("alerts");

    Day {
        unreviewed: vec![
            g2,
            ada_1,
            alan_sessions[2],
            ada_crisis_session,
            grace_pain_session,
        ],
        ada,
        grace,
        alan,
        edsger,
        ada_crisis_session,
        grace_pain_session,
        alan_sessions,
        edsger_item,
        grace_item,
    }
}
