//! Today's program on a real SQLite file: the clinician's program items pulled by sync appear
//! with their dose and this week's adherence, and a session recorded for an item counts for it.
//! Ended items, items not yet started and the old pending-session prescriptions do not appear.

use chrono::{Duration, Utc};
use physalign_analysis::Catalogue;
use physalign_recorder::program::{todays_program, ProgramItem as PickedItem, ProgramOrigin};
use physalign_store::{NewSession, ProgramItem, ProgramItemStatus, SessionCompletion, Store};
use uuid::Uuid;

fn item(
    patient: Uuid,
    exercise: &str,
    status: ProgramItemStatus,
    starts_in_days: i64,
) -> ProgramItem {
    let now = Utc::now();
    ProgramItem {
        id: Uuid::new_v4(),
        patient_id: patient,
        exercise_id: exercise.into(),
        sets: Some(3),
        reps: Some(8),
        hold_seconds: None,
        target_angle: Some(95.0),
        tolerance: Some(10.0),
        side: None,
        per_week: Some(4),
        start_date: Some((now + Duration::days(starts_in_days)).date_naive()),
        end_date: None,
        instructions: Some("Slow on the way down.".into()),
        status,
        version: 1,
        created_at: now,
        updated_at: now,
    }
}

#[test]
fn prescribed_items_show_their_dose_and_adherence_and_a_recording_counts_for_its_item() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join("patient.sqlite")).expect("store");
    let catalogue = Catalogue::builtin().expect("catalogue");
    let patient = Uuid::new_v4();
    let squat = item(patient, "squat", ProgramItemStatus::Active, 0);
    let ended = item(patient, "lunge", ProgramItemStatus::Ended, -3);
    let later = item(patient, "bicep_curl", ProgramItemStatus::Active, 2);
    for i in [&squat, &ended, &later] {
        store.upsert_pulled_program_item(i).expect("pull item");
    }
    let picked = [PickedItem {
        exercise_id: "shoulder_abduction".into(),
        target_reps: Some(6),
        target_angle: None,
    }];

    let program = todays_program(&store, &catalogue, &picked).expect("program");
    let ids: Vec<_> = program.iter().map(|e| e.exercise_id.as_str()).collect();
    assert_eq!(ids, ["squat", "shoulder_abduction"], "{program:?}");
    let prescribed = &program[0];
    assert_eq!(prescribed.origin, ProgramOrigin::Prescribed);
    assert_eq!(prescribed.program_item_id, Some(squat.id));
    assert_eq!(
        (prescribed.sets, prescribed.target_reps, prescribed.per_week),
        (Some(3), Some(8), Some(4))
    );
    assert_eq!(prescribed.target_angle, Some(95.0));
    assert_eq!(
        prescribed.instructions.as_deref(),
        Some("Slow on the way down.")
    );
    assert_eq!(
        (prescribed.done_today, prescribed.done_this_week),
        (0, Some(0))
    );
    assert_eq!(program[1].origin, ProgramOrigin::Picked);
    assert_eq!(program[1].program_item_id, None);

    // A session recorded for the item (as the app starts it from Today) counts once it ends.
    let session = Uuid::new_v4();
    let started = Utc::now();
    let (_, linked) = store
        .create_session_for_item(
            &NewSession {
                id: session,
                patient_id: Some(patient),
                exercise_id: "squat".into(),
                source: "test".into(),
                started_at: started,
            },
            Some(squat.id),
        )
        .expect("session");
    assert_eq!(linked, Some(squat.id));
    store
        .complete_session(
            session,
            &SessionCompletion {
                ended_at: started + Duration::seconds(40),
                duration_seconds: 40.0,
                repetitions: Vec::new(),
                form_issues: Vec::new(),
                summary_statistics: serde_json::json!({}),
                pose_data: serde_json::json!({}),
                report: serde_json::json!({}),
            },
        )
        .expect("complete");
    let program = todays_program(&store, &catalogue, &picked).expect("program");
    assert_eq!(program[0].done_today, 1);
    assert_eq!(program[0].done_this_week, Some(1));
}
