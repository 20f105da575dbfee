//! `physalign report progress|note` end to end: a patient's own device built through the store's
//! public API (their profile as sync pulls it, a program of two exercises, four weeks of squat and
//! bridge sessions with repetitions, form issues, what was said and the clinician's reviews), plus
//! today's session analysed by the real pose model from the committed sample video; a clinician's
//! device with a roster. Both PDFs are rendered to pictures with `pdftoppm` and read back with
//! `pdftotext`, page by page: the sections, the patient on every page, "page n of N", and the
//! numbers equal to the stored measurements.
//!
//! Needs poppler-utils and the provisioned pose models (tests/setup.sh). With
//! `PHYSALIGN_REPORT_SAMPLES=DIR` the PDFs and their page pictures are copied to DIR (how
//! `docs/reports/` is made).

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use physalign_domain::{FormIssue, Severity};
use physalign_store::sync_state::{RemoteRecord, RemoteRecordKind, SyncIdentity};
use physalign_store::{
    FormIssueEvent, NewSession, ProgramItem, ProgramItemStatus, RecordOrigin, RepetitionRecord,
    SessionCompletion, SessionReview, Store, TranscriptRecord,
};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use uuid::Uuid;

fn physalign(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_physalign"))
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .expect("run physalign")
}

fn ok(out: Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn tool(name: &str, args: &[&str]) -> String {
    let out = Command::new(name)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{name} (poppler-utils, tests/setup.sh): {e}"));
    assert!(
        out.status.success(),
        "{name} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The text of each page, in reading order.
fn pages(pdf: &Path) -> Vec<String> {
    let info = tool("pdfinfo", &[pdf.to_str().unwrap()]);
    let count: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("page count");
    (1..=count)
        .map(|n| {
            let n = n.to_string();
            tool(
                "pdftotext",
                &["-layout", "-f", &n, "-l", &n, pdf.to_str().unwrap(), "-"],
            )
        })
        .collect()
}

/// Renders every page to PNG as a reader's viewer would; returns the pictures.
fn render(pdf: &Path, dpi: u32) -> Vec<PathBuf> {
    let dir = pdf.with_extension("pages");
    std::fs::create_dir_all(&dir).unwrap();
    let prefix = dir.join("page");
    tool(
        "pdftoppm",
        &[
            "-png",
            "-r",
            &dpi.to_string(),
            pdf.to_str().unwrap(),
            prefix.to_str().unwrap(),
        ],
    );
    let mut pngs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
        .collect();
    pngs.sort();
    for png in &pngs {
        let bytes = std::fs::read(png).unwrap();
        assert_eq!(&bytes[1..4], b"PNG", "{}", png.display());
        assert!(bytes.len() > 5_000, "{} looks empty", png.display());
    }
    pngs
}

/// Copies the PDF and its pictures where `PHYSALIGN_REPORT_SAMPLES` says.
fn keep_sample(pdf: &Path, name: &str) {
    let Some(dir) = std::env::var_os("PHYSALIGN_REPORT_SAMPLES") else {
        return;
    };
    let dir = PathBuf::from(dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(pdf, dir.join(format!("{name}.pdf"))).unwrap();
    for (i, png) in render(pdf, 60).iter().enumerate() {
        std::fs::copy(png, dir.join(format!("{name}-page{}.png", i + 1))).unwrap();
    }
}

fn sample_video() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/samples/nowva_squats.mp4")
}

fn days_ago(days: i64, hour: u32) -> DateTime<Utc> {
    let today = Utc::now().date_naive();
    Utc.from_utc_datetime(
        &(today - Duration::days(days))
            .and_hms_opt(hour, 15, 0)
            .unwrap(),
    )
}

/// A session recorded on the device: created, then completed with `reps`.
fn session(
    store: &Store,
    exercise: &str,
    started: DateTime<Utc>,
    reps: &[RepetitionRecord],
    issues: &[FormIssueEvent],
) -> Uuid {
    let id = store
        .create_session(&NewSession {
            id: Uuid::new_v4(),
            patient_id: None,
            exercise_id: exercise.into(),
            source: "camera:0".into(),
            started_at: started,
        })
        .unwrap();
    store
        .complete_session(
            id,
            &SessionCompletion {
                ended_at: started + Duration::seconds(70),
                duration_seconds: 70.0,
                repetitions: reps.to_vec(),
                form_issues: issues.to_vec(),
                summary_statistics: json!({}),
                pose_data: json!({}),
                report: json!({}),
            },
        )
        .unwrap();
    id
}

fn rep(
    index: u32,
    min: f32,
    max: f32,
    partial: bool,
    issue: Option<&FormIssue>,
) -> RepetitionRecord {
    RepetitionRecord {
        index,
        start_ms: i64::from(index) * 5000 + 800,
        end_ms: i64::from(index) * 5000 + 3900,
        min_angle: min,
        max_angle: max,
        eccentric_ms: 1500,
        concentric_ms: 1300,
        symmetry: None,
        partial,
        form_issues: issue.into_iter().cloned().collect(),
        confidence: Some(0.86),
        side: None,
    }
}

fn valgus() -> FormIssue {
    FormIssue {
        kind: "KNEE_VALGUS".into(),
        joint: "knee_right".into(),
        message: "Keep your right knee over your toes".into(),
        severity: Severity::Medium,
    }
}

fn said(store: &Store, session: Uuid, text: &str, notes: serde_json::Value) {
    let transcript = store
        .save_transcript(&TranscriptRecord {
            id: Uuid::new_v4(),
            session_id: Some(session),
            text: text.into(),
            model: "ggml-tiny.en".into(),
            audio_seconds: 40.0,
            language: "en".into(),
            segments: vec![],
        })
        .unwrap();
    store.save_clinical_notes(transcript, &notes).unwrap();
}

fn pain_notes(score: f64, quote: &str, tasks: &[&str]) -> serde_json::Value {
    json!({
        "key_topics": ["knee"],
        "pain_reports": [{"body_part": "knee", "laterality": "right", "score": score,
                          "approximate": false, "denied": false, "quote": quote}],
        "exercises": [],
        "session_mood": "positive",
        "mood_score": 4,
        "action_items": tasks,
        "risk_flags": [],
        "crisis_alert": null,
        "extractor": "rules-v1"
    })
}

fn review(
    store: &Store,
    session: Uuid,
    at: DateTime<Utc>,
    grade: &str,
    notes: &str,
    plan: serde_json::Value,
) {
    let review = SessionReview {
        id: Uuid::new_v4(),
        session_id: session,
        physiotherapist_id: Some(Uuid::new_v4()),
        assessment: grade.into(),
        notes: Some(notes.into()),
        next_steps: Some(plan),
        reviewed_at: at,
        origin: RecordOrigin::Pulled,
    };
    store
        .upsert_pulled_review(&review, &json!({"id": review.id}))
        .unwrap();
}

fn item(
    exercise: &str,
    target: f64,
    tolerance: f64,
    started: NaiveDate,
    instructions: &str,
) -> ProgramItem {
    let created = Utc.from_utc_datetime(&started.and_hms_opt(9, 0, 0).unwrap());
    ProgramItem {
        id: Uuid::new_v4(),
        patient_id: Uuid::new_v4(),
        exercise_id: exercise.into(),
        sets: Some(3),
        reps: Some(10),
        hold_seconds: None,
        target_angle: Some(target),
        tolerance: Some(tolerance),
        side: None,
        per_week: Some(3),
        start_date: Some(started),
        end_date: None,
        instructions: Some(instructions.into()),
        status: ProgramItemStatus::Active,
        version: 1,
        created_at: created,
        updated_at: created,
    }
}

/// What the patient's device holds, to check the reports against.
struct PatientDevice {
    _dir: tempfile::TempDir,
    db: PathBuf,
    profile_id: Uuid,
    /// Squat sessions before today: (id, the repetitions' smallest angles).
    squats: Vec<(Uuid, Vec<f32>)>,
    /// Today's session, analysed from the sample video.
    analysed: Uuid,
}

/// Ada Lovelace's laptop, six weeks after a right knee replacement: squats and bridges three
/// times a week for four weeks, getting deeper, pain falling; today's squats analysed from the
/// committed sample by the real pose model.
fn patient_device() -> PatientDevice {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ada.sqlite");
    let profile_id = Uuid::new_v4();
    let mut squats = Vec::new();
    {
        let store = Store::open(&db).unwrap();
        store
            .set_sync_identity(&SyncIdentity {
                server_url: "http://127.0.0.1:9".into(),
                email: "ada.lovelace@example.org".into(),
                user_id: Some(Uuid::new_v4()),
                role: Some("patient".into()),
                logged_in_at: Utc::now(),
                login_required_reason: None,
            })
            .unwrap();
        store
            .upsert_remote_record(&RemoteRecord {
                kind: RemoteRecordKind::PatientProfile,
                id: profile_id.to_string(),
                version: Some(3),
                updated_at: None,
                record: json!({
                    "id": profile_id,
                    "email": "ada.lovelace@example.org",
                    "first_name": "Ada",
                    "last_name": "Lovelace",
                    "date_of_birth": "1958-12-10",
                    "medical_conditions": [
                        "Right total knee replacement (6 weeks ago)",
                        "Osteoarthritis of the left knee, mild"
                    ],
                }),
            })
            .unwrap();
        let start = Utc::now().date_naive() - Duration::days(34);
        for program in [
            item("squat", 90.0, 10.0, start, "Slow and controlled, down to a chair height; stop if the knee pain goes above 5 of 10."),
            item("glute_bridge", 170.0, 8.0, start, "Squeeze the buttocks, hold for two seconds at the top."),
        ] {
            store.upsert_pulled_program_item(&program).unwrap();
        }
        // Twelve squat sessions: the deepest knee angle goes from about 118 to 94 degrees.
        let plan = [
            (27, 118.0, 5.0),
            (25, 116.0, 5.0),
            (23, 113.0, 4.0),
            (20, 110.0, 4.0),
            (18, 108.0, 4.0),
            (16, 105.0, 3.0),
            (13, 103.0, 3.0),
            (11, 101.0, 3.0),
            (9, 99.0, 2.0),
            (6, 97.0, 2.0),
            (4, 95.0, 2.0),
            (2, 94.0, 1.0),
        ];
        for (n, (days, depth, pain)) in plan.iter().enumerate() {
            let issue = valgus();
            let mins: Vec<f32> = (0..8).map(|i| *depth as f32 + (i % 3) as f32).collect();
            let reps: Vec<RepetitionRecord> = mins
                .iter()
                .enumerate()
                .map(|(i, min)| {
                    let with_issue = n < 4 && i == 5;
                    rep(
                        i as u32,
                        *min,
                        171.0,
                        n < 2 && i == 7,
                        with_issue.then_some(&issue),
                    )
                })
                .collect();
            let issues: Vec<FormIssueEvent> = if n < 4 {
                vec![FormIssueEvent {
                    timestamp_ms: 26_400,
                    issue: valgus(),
                }]
            } else {
                vec![]
            };
            let id = session(&store, "squat", days_ago(*days, 8), &reps, &issues);
            let quote = format!("My right knee is about {pain} out of 10 today.");
            said(
                &store,
                id,
                &format!("{quote} I will keep icing it after the exercises."),
                pain_notes(*pain, &quote, &["Ice the knee after the exercises"]),
            );
            if n % 3 == 0 {
                review(
                    &store,
                    id,
                    days_ago(*days - 1, 17),
                    if n < 6 { "FAIR" } else { "GOOD" },
                    if n < 6 {
                        "Depth improving; right knee drifts inward on some repetitions."
                    } else {
                        "Good depth and control; knee alignment now steady."
                    },
                    json!({"frequency": "Three sessions a week", "recommended_exercises": ["squat", "glute_bridge"]}),
                );
            }
            squats.push((id, mins));
        }
        // Bridges: the hip opens from about 152 to 168 degrees.
        for (days, top) in [
            (26, 152.0),
            (19, 156.0),
            (12, 161.0),
            (5, 166.0),
            (1, 168.0),
        ] {
            let reps: Vec<RepetitionRecord> = (0..10)
                .map(|i| rep(i, 132.0, top + (i % 2) as f32, false, None))
                .collect();
            session(&store, "glute_bridge", days_ago(days, 18), &reps, &[]);
        }
    }
    // Today's squats: the committed sample through the real pose model into this device.
    let sample = sample_video();
    ok(
        physalign(
            &db,
            &["analyze", sample.to_str().unwrap(), "--exercise", "squat"],
        ),
        "analyze",
    );
    let store = Store::open(&db).unwrap();
    let analysed = store
        .session_overviews(None)
        .unwrap()
        .into_iter()
        .find(|s| s.exercise_id == "squat" && s.frames > 0)
        .expect("the analysed session")
        .session_id;
    let quote = "Knee pain maybe 2 out of 10, it feels much looser than last week.";
    said(
        &store,
        analysed,
        &format!("{quote} I managed all five squats. I will do the bridges this evening."),
        pain_notes(2.0, quote, &["Do the bridges this evening"]),
    );
    review(
        &store,
        analysed,
        Utc::now(),
        "GOOD",
        "Full depth on all five repetitions, steady tempo.",
        json!({"frequency": "Three sessions a week", "recommended_exercises": ["squat"],
               "follow_up_date": (Utc::now().date_naive() + Duration::days(14)).to_string()}),
    );
    PatientDevice {
        _dir: dir,
        db,
        profile_id,
        squats,
        analysed,
    }
}

fn assert_on_every_page(pages: &[String], needle: &str) {
    for (i, page) in pages.iter().enumerate() {
        assert!(
            page.contains(needle),
            "page {} lacks {needle:?}:\n{page}",
            i + 1
        );
        assert!(
            page.contains(&format!("Page {} of {}", i + 1, pages.len())),
            "page {} has no page number:\n{page}",
            i + 1
        );
    }
}

#[test]
fn the_progress_report_and_the_session_note_of_a_patients_own_device() {
    let device = patient_device();
    let dir = device.db.parent().unwrap();
    // Two KOOS JR questionnaires of the patient's: at intake and now, past the MCID of 14.
    {
        let store = Store::open(&device.db).unwrap();
        for (days, answers) in [(25, [1, 2, 1, 0, 2, 1, 1]), (1, [0; 7])] {
            store
                .save_outcome_response(&physalign_store::NewOutcomeResponse {
                    id: Uuid::new_v4(),
                    patient_id: device.profile_id,
                    instrument: physalign_store::Instrument::KoosJr,
                    answers: answers.map(Some).to_vec(),
                    activities: vec![],
                    completed_at: days_ago(days, 9),
                    respondent: physalign_store::Respondent::Patient,
                    entered_by: None,
                })
                .unwrap();
        }
    }

    // The progress report, `--patient` omitted on the patient's own device.
    let progress = dir.join("progress.pdf");
    let stdout = ok(
        physalign(
            &device.db,
            &["report", "progress", "--out", progress.to_str().unwrap()],
        ),
        "report progress",
    );
    assert!(stdout.contains("progress.pdf"), "{stdout}");
    let text = pages(&progress);
    assert!(
        (3..=8).contains(&text.len()),
        "{} pages: {text:#?}",
        text.len()
    );
    assert_eq!(render(&progress, 50).len(), text.len());
    assert_on_every_page(&text, "Ada Lovelace");
    assert_on_every_page(&text, "DOB 1958-12-10");
    let all = text.join("\n");
    for section in physalign_pdf::PROGRESS_SECTIONS {
        assert!(all.contains(section), "{section} missing:\n{all}");
    }
    assert!(!all.contains(physalign_pdf::NO_OUTCOMES), "{all}");
    // Raw sum 8 of 28 is 66.0 on KOOS JR's interval scale; 100 now.
    assert!(all.contains("KOOS JR (0–100, higher"), "{all}");
    assert!(all.contains("66 ("), "{all}");
    assert!(all.contains("+34.0"), "{all}");
    assert!(all.contains("improved by at least the"), "{all}");
    assert!(all.contains("Right total knee replacement"), "{all}");
    assert!(all.contains(&device.profile_id.to_string()), "{all}");
    // The angle reached per squat session is the mean of its repetitions' deepest angles.
    for (_, mins) in &device.squats {
        let mean = mins.iter().map(|m| f64::from(*m)).sum::<f64>() / mins.len() as f64;
        assert!(all.contains(&format!("{mean:.0}°")), "{mean:.0}° missing");
    }
    // The target band, the adherence table, the reviews and the pain said.
    assert!(all.contains("90° ± 10°"), "{all}");
    assert!(all.contains("Squat"), "{all}");
    assert!(all.to_lowercase().contains("glute bridge"), "{all}");
    assert!(all.contains("Depth improving"), "{all}");
    assert!(
        all.contains("My right knee is about 5 out of 10 today."),
        "{all}"
    );
    assert!(all.contains("Ice the knee after the exercises"), "{all}");
    keep_sample(&progress, "progress-report");

    // The note of today's analysed session.
    let note = dir.join("note.pdf");
    ok(
        physalign(
            &device.db,
            &[
                "report",
                "note",
                &device.analysed.to_string(),
                "--out",
                note.to_str().unwrap(),
            ],
        ),
        "report note",
    );
    let text = pages(&note);
    assert!((1..=4).contains(&text.len()), "{} pages", text.len());
    assert_eq!(render(&note, 50).len(), text.len());
    assert_on_every_page(&text, "Ada Lovelace");
    let all = text.join("\n");
    for section in physalign_pdf::NOTE_SECTIONS {
        assert!(all.contains(section), "{section} missing:\n{all}");
    }
    assert!(all.contains(&device.analysed.to_string()), "{all}");
    // Every repetition's numbers as stored.
    let store = Store::open(&device.db).unwrap();
    let detail = store.get_session(device.analysed).unwrap().unwrap();
    assert_eq!(detail.repetitions.len(), 5, "the sample's five squats");
    for r in &detail.repetitions {
        for value in [r.min_angle, r.max_angle, r.max_angle - r.min_angle] {
            assert!(
                all.contains(&format!("{:.0}°", value)),
                "{value:.0}° of repetition {} missing:\n{all}",
                r.index + 1
            );
        }
        assert!(all.contains(&format!("#{}", r.index + 1)), "{all}");
    }
    assert!(all.contains("5 full, 0 partial"), "{all}");
    assert!(all.contains("Knee pain maybe 2 out of 10"), "{all}");
    assert!(all.contains("Full depth on all five repetitions"), "{all}");
    assert!(all.contains("Good"), "{all}");
    keep_sample(&note, "session-note");
}

#[test]
fn a_clinicians_device_names_the_patient_and_refuses_unknown_ones() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("clinic.sqlite");
    let grace = Uuid::new_v4();
    {
        let store = Store::open(&db).unwrap();
        store
            .set_sync_identity(&SyncIdentity {
                server_url: "http://127.0.0.1:9".into(),
                email: "physio@example.org".into(),
                user_id: Some(Uuid::new_v4()),
                role: Some("physiotherapist".into()),
                logged_in_at: Utc::now(),
                login_required_reason: None,
            })
            .unwrap();
        let patient = physalign_store::CarePatient {
            patient_id: grace,
            first_name: "Grace".into(),
            last_name: "Hopper".into(),
            email: Some("grace@example.org".into()),
        };
        store
            .replace_care_patients(&[(patient, json!({"patient_id": grace}))])
            .unwrap();
    }
    let out = dir.path().join("grace.pdf");
    let out_s = out.to_str().unwrap();
    // A clinician's device must be told whose report.
    let refused = physalign(&db, &["report", "progress", "--out", out_s]);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("--patient"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    let stranger = Uuid::new_v4().to_string();
    let refused = physalign(
        &db,
        &["report", "progress", "--patient", &stranger, "--out", out_s],
    );
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("roster"));
    let backwards = physalign(
        &db,
        &[
            "report",
            "progress",
            "--patient",
            &grace.to_string(),
            "--from",
            "2026-03-10",
            "--to",
            "2026-03-01",
            "--out",
            out_s,
        ],
    );
    assert!(!backwards.status.success());
    // Nothing recorded in the period: every section still there, saying so.
    ok(
        physalign(
            &db,
            &[
                "report",
                "progress",
                "--patient",
                &grace.to_string(),
                "--from",
                "2026-03-01",
                "--to",
                "2026-03-30",
                "--out",
                out_s,
            ],
        ),
        "report progress --patient",
    );
    let text = pages(&out);
    assert_on_every_page(&text, "Grace Hopper");
    let all = text.join("\n");
    for section in physalign_pdf::PROGRESS_SECTIONS {
        assert!(all.contains(section), "{section} missing:\n{all}");
    }
    assert!(all.contains(physalign_pdf::NO_OUTCOMES), "{all}");
    assert!(all.contains("2026-03-01 to 2026-03-30"), "{all}");
    let missing = physalign(
        &db,
        &[
            "report",
            "note",
            &Uuid::new_v4().to_string(),
            "--out",
            out_s,
        ],
    );
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("not on this device"));
}
