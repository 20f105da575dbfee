//! The clinician's start of the day on a real SQLite file filled as sync fills it: the review
//! queue, open alerts of each kind in order, the roster with search, adherence and counts, and
//! today's patients.

mod common;

use chrono::Duration;
use common::{ago, now, prepare_day, pulled_item, pulled_review, pulled_session};
use physalign_store::{NewSession, RecordOrigin, SessionCompletion, Store};
use physalign_workspace::{AlertKind, AlertSource, Workspace, WorkspaceError};
use uuid::Uuid;

fn temp_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join("clinic.sqlite")).expect("open");
    (dir, store)
}

#[test]
fn every_alert_kind_appears_in_order_and_acknowledged_ones_do_not() {
    let (_dir, store) = temp_store();
    let day = prepare_day(&store);
    let ws = Workspace::new(&store, now());
    let alerts = ws.alerts().unwrap();
    let kinds: Vec<AlertKind> = alerts.iter().map(|a| a.kind).collect();
    assert_eq!(
        kinds,
        [
            AlertKind::Crisis,
            AlertKind::HighPain,
            AlertKind::FallingRom,
            AlertKind::MissedItem
        ],
        "{alerts:#?}"
    );

    let crisis = &alerts[0];
    assert_eq!(crisis.source, AlertSource::Server);
    assert_eq!(crisis.patient_id, Some(day.ada.patient_id));
    assert_eq!(crisis.session_id, Some(day.ada_crisis_session));
    assert!(crisis.alert_id.is_some());

    let pain = &alerts[1];
    assert_eq!(pain.patient_id, Some(day.grace.patient_id));
    assert_eq!(pain.session_id, Some(day.grace_pain_session));

    // Alan's falling range of motion points to his latest session, with the evidence.
    let rom = &alerts[2];
    assert_eq!(rom.source, AlertSource::Device);
    assert_eq!(rom.patient_id, Some(day.alan.patient_id));
    assert_eq!(rom.session_id, Some(day.alan_sessions[2]));
    let trend = rom.rom_trend.as_ref().expect("evidence");
    assert_eq!(trend.session_ids, day.alan_sessions);
    assert_eq!(trend.mean_rom, [100.0, 90.0, 80.0]);
    assert!((trend.drop_deg - 20.0).abs() < 1e-9);
    assert!(rom.message.contains("squat"), "{}", rom.message);

    // Edsger's item, prescribed 30 days ago and never done, points to the item.
    let missed = &alerts[3];
    assert_eq!(missed.patient_id, Some(day.edsger.patient_id));
    assert_eq!(missed.program_item_id, Some(day.edsger_item));
    assert_eq!(missed.session_id, None);
    assert_eq!(missed.raised_at, ago(23, 0));
    assert!(missed.message.contains("30 days"), "{}", missed.message);

    // Alan's acknowledged pain alert is not shown; acknowledging Ada's here removes it at once.
    assert!(alerts
        .iter()
        .all(|a| !(a.kind == AlertKind::HighPain && a.patient_id == Some(day.alan.patient_id))));
    store.acknowledge_alert(crisis.alert_id.unwrap()).unwrap();
    let kinds: Vec<AlertKind> = ws.alerts().unwrap().iter().map(|a| a.kind).collect();
    assert_eq!(
        kinds,
        [
            AlertKind::HighPain,
            AlertKind::FallingRom,
            AlertKind::MissedItem
        ]
    );
}

#[test]
fn falling_range_needs_three_sessions_beyond_the_noise() {
    let (_dir, store) = temp_store();
    let day = prepare_day(&store);
    let ws = Workspace::new(&store, now());
    let falling: Vec<_> = ws
        .alerts()
        .unwrap()
        .into_iter()
        .filter(|a| a.kind == AlertKind::FallingRom)
        .collect();
    // Ada fell 30 degrees but over two sessions; Grace's three fell by 3 degrees (noise).
    assert_eq!(falling.len(), 1);
    assert_eq!(falling[0].patient_id, Some(day.alan.patient_id));

    // A fourth session of Alan's back up ends the trend.
    pulled_session(
        &store,
        day.alan.patient_id,
        "squat",
        ago(0, 2),
        &[89.0, 90.0, 91.0],
        None,
    );
    assert!(ws
        .alerts()
        .unwrap()
        .iter()
        .all(|a| a.kind != AlertKind::FallingRom));

    // A third falling session of Ada's beyond the noise starts one.
    pulled_session(
        &store,
        day.ada.patient_id,
        "squat",
        ago(0, 1),
        &[59.0, 60.0, 61.0],
        None,
    );
    let falling: Vec<_> = ws
        .alerts()
        .unwrap()
        .into_iter()
        .filter(|a| a.kind == AlertKind::FallingRom)
        .collect();
    assert_eq!(falling.len(), 1);
    assert_eq!(falling[0].patient_id, Some(day.ada.patient_id));
    assert_eq!(
        falling[0].rom_trend.as_ref().unwrap().mean_rom,
        [100.0, 70.0, 60.0]
    );

    // Whose repetitions vary more than the drop: noise for that person.
    let wobbly = Uuid::new_v4();
    let mut roster: Vec<_> = store
        .care_patients()
        .unwrap()
        .into_iter()
        .map(|p| p.patient)
        .collect();
    roster.push(physalign_store::CarePatient {
        patient_id: wobbly,
        first_name: "Wobbly".into(),
        last_name: "Knees".into(),
        email: None,
    });
    common::store_roster(&store, &roster);
    for (d, rom) in [(5, 100.0), (4, 96.0), (3, 92.0)] {
        pulled_session(
            &store,
            wobbly,
            "lunge",
            ago(d, 0),
            &[rom - 15.0, rom, rom + 15.0],
            None,
        );
    }
    assert!(ws
        .alerts()
        .unwrap()
        .iter()
        .all(|a| a.patient_id != Some(wobbly)));
}

#[test]
fn an_item_is_missed_after_a_week_without_a_linked_session_while_active() {
    let (_dir, store) = temp_store();
    let day = prepare_day(&store);
    let alan = day.alan.patient_id;
    // Prescribed six days ago: not missed yet; eight days ago: missed.
    let fresh = pulled_item(&store, alan, "lunge", ago(6, 0));
    let old = pulled_item(&store, alan, "calf_raise", ago(8, 0));
    // Done nine days ago, not since: missed; done yesterday: not.
    let done_long_ago = pulled_item(&store, alan, "bridge", ago(20, 0));
    pulled_session(&store, alan, "bridge", ago(12, 0), &[], Some(done_long_ago));
    let last_done = pulled_session(&store, alan, "bridge", ago(9, 0), &[], Some(done_long_ago));
    let done_lately = pulled_item(&store, alan, "plank", ago(20, 0));
    pulled_session(&store, alan, "plank", ago(1, 0), &[], Some(done_lately));
    // Ended by the clinician: never missed.
    let ended = pulled_item(&store, alan, "row", ago(20, 0));
    store.end_program_item(ended).unwrap();

    // A patient no longer on the roster.
    let stranger = pulled_item(&store, Uuid::new_v4(), "squat", ago(30, 0));

    let alerts = Workspace::new(&store, now()).alerts().unwrap();
    // Each points to its item, and to the item's latest session when it had one.
    let long_ago = alerts
        .iter()
        .find(|a| a.program_item_id == Some(done_long_ago))
        .expect("missed");
    assert_eq!(long_ago.session_id, Some(last_done));
    assert!(
        long_ago.message.contains("no session for 9 days"),
        "{}",
        long_ago.message
    );
    let missed: Vec<Uuid> = alerts
        .into_iter()
        .filter(|a| a.kind == AlertKind::MissedItem)
        .filter_map(|a| a.program_item_id)
        .collect();
    assert!(missed.contains(&old));
    assert!(missed.contains(&done_long_ago));
    assert!(missed.contains(&day.edsger_item));
    assert!(!missed.contains(&fresh));
    assert!(!missed.contains(&done_lately));
    assert!(!missed.contains(&ended));
    assert!(!missed.contains(&day.grace_item));
    assert!(!missed.contains(&stranger), "not on the roster");
    // Newest first within the kind: done_long_ago (due 2 days ago), old (1 day ago) ...
    assert_eq!(missed.len(), 3);
    assert_eq!(missed[0], old);
    assert_eq!(missed[1], done_long_ago);
}

#[test]
fn the_review_queue_is_unreviewed_sessions_of_the_roster_oldest_first() {
    let (_dir, store) = temp_store();
    let day = prepare_day(&store);
    let ws = Workspace::new(&store, now());
    let queue = ws.review_queue().unwrap();
    let ids: Vec<Uuid> = queue.iter().map(|e| e.session_id).collect();
    assert_eq!(ids, day.unreviewed);
    assert!(queue.windows(2).all(|w| w[0].started_at <= w[1].started_at));
    assert_eq!(queue[0].first_name, "Grace");
    assert!(queue.iter().all(|e| e.origin == RecordOrigin::Pulled));

    // A session recorded here in clinic for a patient joins; one still recording does not.
    let clinic = NewSession {
        id: Uuid::new_v4(),
        patient_id: Some(day.edsger.patient_id),
        exercise_id: "plank".into(),
        source: "camera:0".into(),
        started_at: ago(0, 3),
    };
    store.create_session(&clinic).unwrap();
    let recording = NewSession {
        id: Uuid::new_v4(),
        started_at: ago(0, 2),
        ..clinic.clone()
    };
    store.create_session(&recording).unwrap();
    assert!(!ws
        .review_queue()
        .unwrap()
        .iter()
        .any(|e| e.session_id == clinic.id || e.session_id == recording.id));
    store
        .complete_session(
            clinic.id,
            &SessionCompletion {
                ended_at: ago(0, 3) + Duration::minutes(2),
                duration_seconds: 120.0,
                repetitions: common::reps(&[30.0], None),
                form_issues: vec![],
                summary_statistics: serde_json::json!({}),
                pose_data: serde_json::json!({}),
                report: serde_json::json!({}),
            },
        )
        .unwrap();
    let queue = ws.review_queue().unwrap();
    let last = queue.last().unwrap();
    assert_eq!(last.session_id, clinic.id);
    assert_eq!(last.origin, RecordOrigin::Local);

    // Reviewing one takes it off.
    pulled_review(&store, day.unreviewed[0], now());
    assert!(ws
        .review_queue()
        .unwrap()
        .iter()
        .all(|e| e.session_id != day.unreviewed[0]));
}

#[test]
fn the_roster_searches_names_and_counts_alerts_and_adherence() {
    let (_dir, store) = temp_store();
    let day = prepare_day(&store);
    let ws = Workspace::new(&store, now());
    let roster = ws.roster(None).unwrap();
    let names: Vec<&str> = roster.iter().map(|r| r.last_name.as_str()).collect();
    assert_eq!(names, ["Dijkstra", "Hopper", "Lovelace", "Turing"]);

    let row = |id: Uuid| roster.iter().find(|r| r.patient_id == id).unwrap();
    let grace = row(day.grace.patient_id);
    assert_eq!(grace.alerts_open, 1);
    assert_eq!(grace.alerts_total, 1);
    assert_eq!(grace.adherence_this_week.done, 1);
    assert_eq!(grace.adherence_this_week.target, 3);
    assert_eq!(grace.adherence_this_week.items, 1);
    assert_eq!(grace.last_session_at, Some(ago(1, 0)));
    let alan = row(day.alan.patient_id);
    assert_eq!(alan.alerts_open, 0, "his server alert is acknowledged");
    assert_eq!(alan.alerts_total, 1, "falling range of motion");
    let edsger = row(day.edsger.patient_id);
    assert_eq!(edsger.alerts_total, 1);
    assert_eq!(edsger.adherence_this_week.done, 0);
    assert_eq!(edsger.last_session_at, None);

    let found = |s: &str| -> Vec<String> {
        ws.roster(Some(s))
            .unwrap()
            .into_iter()
            .map(|r| r.first_name)
            .collect()
    };
    assert_eq!(found("LOVE"), ["Ada"]);
    assert_eq!(found("gra"), ["Grace"]);
    assert_eq!(found("a"), ["Edsger", "Grace", "Ada", "Alan"]);
    assert!(found("nobody").is_empty());
    assert_eq!(found("").len(), 4);
}

#[test]
fn todays_patients_are_those_active_in_the_last_week_most_recent_first() {
    let (_dir, store) = temp_store();
    let day = prepare_day(&store);
    let today = Workspace::new(&store, now()).start_of_day().unwrap();
    let ids: Vec<Uuid> = today.patients.iter().map(|p| p.entry.patient_id).collect();
    assert_eq!(
        ids,
        [
            day.grace.patient_id,
            day.ada.patient_id,
            day.alan.patient_id
        ]
    );
    assert_eq!(today.patients[0].last_activity_at, ago(1, 0));
    assert_eq!(today.review_queue.len(), day.unreviewed.len());
    assert_eq!(today.alerts.len(), 4);

    // Eight days later no session is recent, but Grace's item became missed two days before.
    let later = Workspace::new(&store, now() + Duration::days(8))
        .start_of_day()
        .unwrap();
    let ids: Vec<Uuid> = later.patients.iter().map(|p| p.entry.patient_id).collect();
    assert_eq!(ids, [day.grace.patient_id]);
    assert_eq!(
        later.patients[0].last_activity_at,
        ago(1, 0) + Duration::days(7)
    );
    // A month later nothing is recent.
    let quiet = Workspace::new(&store, now() + Duration::days(30))
        .start_of_day()
        .unwrap();
    assert!(quiet.patients.is_empty());
}

#[test]
fn the_chart_holds_one_patients_program_sessions_reviews_and_alerts() {
    let (_dir, store) = temp_store();
    let day = prepare_day(&store);
    let ws = Workspace::new(&store, now());
    let chart = ws.patient_chart(day.alan.patient_id).unwrap();
    assert_eq!(chart.sessions.len(), 3);
    assert_eq!(
        chart.sessions[0].session_id, day.alan_sessions[2],
        "newest first"
    );
    assert!(chart.sessions[2].review.is_some());
    assert_eq!(chart.alerts.len(), 1);
    assert_eq!(chart.patient.alerts_total, 1);

    let chart = ws.patient_chart(day.grace.patient_id).unwrap();
    assert_eq!(chart.program.len(), 1);
    assert_eq!(chart.program[0].adherence.done_this_week, 1);
    assert_eq!(chart.program[0].missed_since, None);
    // The roster's one-query count is the store's adherence, item by item.
    assert_eq!(
        chart.patient.adherence_this_week.done,
        chart
            .program
            .iter()
            .map(|p| p.adherence.done_this_week)
            .sum::<i64>()
    );

    assert!(matches!(
        ws.patient_chart(Uuid::new_v4()),
        Err(WorkspaceError::PatientNotFound(_))
    ));
}
