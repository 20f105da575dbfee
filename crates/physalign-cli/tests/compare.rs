//! `physalign compare` on real sessions: two of the shared squat clips analysed through the real
//! pose model into one patient's sessions, a pain remark attached to each by `physalign notes`,
//! then compared; every number must be the one the engine stored. Also the clear errors: an
//! unknown session, two sessions of different patients, a session compared with itself. Needs
//! the provisioned pose models (tests/setup.sh) and `../shared/testdata` (skipped without it).

use chrono::Utc;
use physalign_store::{PulledSession, SessionStatus, Store};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use uuid::Uuid;

fn shared(clip: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata/videos")
        .join(clip);
    path.is_file().then_some(path).or_else(|| {
        eprintln!("skipped: ../shared/testdata not present");
        None
    })
}

fn physalign(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_physalign"))
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .expect("run physalign")
}

fn json_of(db: &Path, args: &[&str]) -> Value {
    let out = physalign(db, args);
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

/// Analyses `clip` as a squat session of `patient`; its session id.
fn analyse(db: &Path, clip: &Path, patient: Uuid) -> Uuid {
    let report = json_of(
        db,
        &[
            "analyze",
            clip.to_str().unwrap(),
            "--exercise",
            "squat",
            "--patient",
            &patient.to_string(),
            "--json",
        ],
    );
    report["session_id"]
        .as_str()
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("no session id in {report:#}"))
}

fn assert_close(got: &Value, want: f64, what: &str) {
    let got = got
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: {got} is not a number"));
    assert!((got - want).abs() < 1e-9, "{what}: {got} != {want}");
}

/// The compared session `shown` holds what the store holds of `id`.
fn assert_stored(store: &Store, shown: &Value, id: Uuid) {
    assert_eq!(shown["session_id"], id.to_string());
    let detail = store.get_session(id).unwrap().expect("stored session");
    let overview = store.session_overview(id).unwrap().expect("overview");
    assert_eq!(shown["exercise_id"], "squat");
    assert_eq!(shown["reps"], overview.reps, "full repetitions");
    assert!(overview.reps > 0, "the clip's squats were counted");
    let roms = shown["rep_rom"].as_array().expect("rep_rom");
    assert_eq!(roms.len(), detail.repetitions.len());
    for (shown, rep) in roms.iter().zip(&detail.repetitions) {
        assert_close(
            shown,
            f64::from(rep.max_angle) - f64::from(rep.min_angle),
            "repetition range of motion",
        );
    }
    assert_close(
        &shown["mean_rom"],
        overview.mean_rom.expect("mean range of motion"),
        "mean range of motion",
    );
    let mut kinds: BTreeMap<String, u64> = BTreeMap::new();
    for event in &detail.form_issues {
        *kinds.entry(event.issue.kind.clone()).or_default() += 1;
    }
    let shown_kinds: BTreeMap<String, u64> = shown["form_issues"]
        .as_array()
        .expect("form issues")
        .iter()
        .map(|i| {
            (
                i["kind"].as_str().unwrap().to_string(),
                i["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(shown_kinds, kinds, "form issues by kind");
    assert_close(&shown["pain"], overview.pain.expect("pain"), "pain");
    // The knee angle over time, from the stored frames.
    assert_eq!(shown["curve"]["angle"], "knee");
    let degrees = shown["curve"]["degrees"].as_array().expect("curve");
    assert!(degrees.len() > 50, "{} curve points", degrees.len());
    assert_eq!(
        degrees.len(),
        shown["curve"]["t_s"].as_array().unwrap().len()
    );
    let summary = &shown["curve_summary"];
    let measured: Vec<f64> = degrees.iter().filter_map(Value::as_f64).collect();
    let lowest = measured.iter().copied().fold(f64::INFINITY, f64::min);
    assert!((summary["min_deg"].as_f64().unwrap() - lowest).abs() < 1e-3);
    assert!(summary["max_deg"].as_f64().unwrap() > summary["min_deg"].as_f64().unwrap() + 40.0);
}

#[test]
fn two_real_sessions_of_one_patient_compare_with_the_stored_numbers() {
    let (Some(nowva), Some(postop)) = (shared("nowva_squats.mp4"), shared("postopcv_squat.mp4"))
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("clinic.sqlite");
    let patient = Uuid::new_v4();
    let earlier = analyse(&db, &nowva, patient);
    let later = analyse(&db, &postop, patient);
    for (session, remark) in [
        (
            earlier,
            "Starting now. My knee pain is about three out of ten.",
        ),
        (later, "My left knee hurts, five out of ten today."),
    ] {
        json_of(
            &db,
            &["notes", remark, "--session", &session.to_string(), "--json"],
        );
    }

    // Given later first: the comparison puts the earlier session first.
    let c = json_of(
        &db,
        &[
            "compare",
            &later.to_string(),
            &earlier.to_string(),
            "--json",
        ],
    );
    let store = Store::open(&db).unwrap();
    assert_eq!(c["patient_id"], patient.to_string());
    assert_eq!(c["same_exercise"], true);
    assert_stored(&store, &c["earlier"], earlier);
    assert_stored(&store, &c["later"], later);
    assert_close(&c["earlier"]["pain"], 3.0, "the first remark's pain");
    assert_close(&c["later"]["pain"], 5.0, "the second remark's pain");

    // The differences are later minus earlier.
    let (e, l) = (&c["earlier"], &c["later"]);
    assert_close(
        &c["change"]["rom_deg"],
        l["mean_rom"].as_f64().unwrap() - e["mean_rom"].as_f64().unwrap(),
        "range of motion change",
    );
    assert_eq!(
        c["change"]["reps"].as_i64().unwrap(),
        l["reps"].as_i64().unwrap() - e["reps"].as_i64().unwrap()
    );
    let issues = |s: &Value| -> i64 {
        s["form_issues"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["count"].as_i64().unwrap())
            .sum()
    };
    assert_eq!(
        c["change"]["form_issues"].as_i64().unwrap(),
        issues(l) - issues(e)
    );
    assert_close(&c["change"]["pain"], 2.0, "pain change");
    let summary = c["summary"].as_str().unwrap();
    assert!(summary.ends_with("pain up 2."), "{summary}");

    // The text form says the same.
    let out = physalign(&db, &["compare", &earlier.to_string(), &later.to_string()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!("earlier: {earlier}")),
        "earlier first: {text}"
    );
    assert!(text.contains(&format!("later: {later}")), "{text}");
    assert!(
        text.contains("range of motion per repetition: #1 "),
        "{text}"
    );
    assert!(text.contains("knee angle over time: "), "{text}");
    assert!(
        text.contains("pain: 3/10") && text.contains("pain: 5/10"),
        "{text}"
    );
    assert!(text.contains("change (later − earlier):"), "{text}");
    assert!(text.contains("  pain: +2"), "{text}");
    assert!(text.contains(summary), "{text}");
    let mean = |s: &Value| format!("mean {:.0}°", s["mean_rom"].as_f64().unwrap());
    assert!(text.contains(&mean(e)) && text.contains(&mean(l)), "{text}");
}

fn fails_with(db: &Path, args: &[&str], message: &str) {
    let out = physalign(db, args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{args:?} succeeded");
    assert!(out.stdout.is_empty(), "nothing on stdout when refused");
    assert!(stderr.contains(message), "{args:?}: {stderr}");
}

#[test]
fn unknown_sessions_and_sessions_of_two_patients_are_clear_errors() {
    let Some(clip) = shared("nowva_squats.mp4") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("clinic.sqlite");
    let recorded = analyse(&db, &clip, Uuid::new_v4());
    // Another patient's session, pulled by sync as a clinician's device holds it.
    let other = Uuid::new_v4();
    let store = Store::open(&db).unwrap();
    store
        .upsert_pulled_session(&PulledSession {
            id: other,
            patient_id: Some(Uuid::new_v4()),
            exercise_id: "squat".into(),
            status: SessionStatus::ReviewPending,
            started_at: Utc::now(),
            ended_at: Some(Utc::now()),
            duration_seconds: Some(30.0),
            program_item_id: None,
            summary_statistics: None,
            version: 1,
            updated_at: Utc::now(),
        })
        .unwrap();
    drop(store);

    let unknown = Uuid::new_v4();
    fails_with(
        &db,
        &["compare", &recorded.to_string(), &unknown.to_string()],
        &format!("session {unknown} is not on this device"),
    );
    fails_with(
        &db,
        &[
            "compare",
            &recorded.to_string(),
            &other.to_string(),
            "--json",
        ],
        "the two sessions are of different patients",
    );
    fails_with(
        &db,
        &["compare", &recorded.to_string(), &recorded.to_string()],
        "choose two different sessions",
    );
    fails_with(
        &db,
        &["compare", "not-a-session", &recorded.to_string()],
        "session \"not-a-session\"",
    );
}
