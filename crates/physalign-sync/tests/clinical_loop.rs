//! The clinical loop end to end, through the `physalign` command line as a person runs it, with
//! two devices (two databases, two credential folders) and the real server on a real PostgreSQL:
//! a clinician registers a patient, the patient claims the invitation on their own device and
//! records offline, the clinician sees it all and answers (review, program) offline, the patient
//! sees the answer and records the program item, and both devices agree on adherence. A second
//! clinician sees nothing at any step; after the patient ends the relationship, the first
//! clinician sees nothing new. Needs the provisioned pose and Whisper models and `espeak-ng`.

mod support;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use support::cli::{as_array, CliDevice};
use support::fixtures::{self, PASSWORD};
use support::server::{binaries, ServerProcess};

/// One device, driven through the command line, and the server it signs in to.
struct Device {
    cli: CliDevice,
    server: String,
}

impl std::ops::Deref for Device {
    type Target = CliDevice;

    fn deref(&self) -> &CliDevice {
        &self.cli
    }
}

impl Device {
    fn new(server: &str) -> Self {
        Device {
            cli: CliDevice::new(),
            server: server.to_string(),
        }
    }

    fn login(&self, email: &str) {
        self.json(&["login", "--server", &self.server, "--email", email]);
    }

    fn sync(&self) {
        self.run(&["sync", "--once", "--max-wait-secs", "60"]);
    }

    fn sessions(&self, patient: Option<&str>) -> Vec<Value> {
        let mut args = vec!["sessions"];
        if let Some(patient) = patient {
            args.extend(["--patient", patient]);
        }
        as_array(self.json(&args))
    }
}

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/samples/nowva_squats.mp4")
}

/// A spoken remark, as a patient would make it during a session.
fn spoken(dir: &Path, sentence: &str) -> PathBuf {
    let wav = dir.join("remark.wav");
    let status = Command::new("espeak-ng")
        .args(["-s", "140", "-w"])
        .arg(&wav)
        .arg(sentence)
        .status()
        .expect("espeak-ng (installed by tests/setup.sh)");
    assert!(status.success());
    wav
}

fn session_ids(sessions: &[Value]) -> Vec<String> {
    let mut ids: Vec<String> = sessions
        .iter()
        .map(|s| s["session_id"].as_str().expect("session_id").to_string())
        .collect();
    ids.sort();
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_the_patient_records_reaches_their_clinician_and_what_the_clinician_decides_reaches_the_patient(
) {
    let url = support::pg::cluster().create_database("clinical_loop");
    let server = ServerProcess::start(&url, support::free_port(), 100_000);
    let base = server.url();
    server.create_clinician("clare@clinic.example");
    server.create_clinician("other@clinic.example");

    let clinician = Device::new(&base);
    clinician.login("clare@clinic.example");
    let other = Device::new(&base);
    other.login("other@clinic.example");

    // The clinician registers the patient (needs the network) and hands over the code.
    let added = clinician.json(&[
        "patients",
        "add",
        "--first-name",
        "Pat",
        "--last-name",
        "Ient",
        "--email",
        "pat@home.example",
    ]);
    let patient_id = added["patient_id"]
        .as_str()
        .expect("patient_id")
        .to_string();
    let code = added["invitation_code"].as_str().expect("invitation_code");
    assert!(added["expires_at"].is_string(), "{added}");

    // The patient claims it on their own device.
    let patient = Device::new(&base);
    patient.json(&[
        "claim",
        "--server",
        &base,
        "--code",
        code,
        "--email",
        "pat@home.example",
    ]);
    // A code works once.
    let (_, cli) = binaries();
    let again = Command::new(cli)
        .arg("--db")
        .arg(patient.dir.path().join("second.sqlite"))
        .args([
            "claim",
            "--server",
            &base,
            "--code",
            code,
            "--email",
            "x@home.example",
        ])
        .env(
            "PHYSALIGN_CREDENTIALS_DIR",
            patient.dir.path().join("creds2"),
        )
        .env("PHYSALIGN_NO_KEYRING", "1")
        .env("PHYSALIGN_PASSWORD", PASSWORD)
        .output()
        .expect("run physalign claim");
    assert!(
        !again.status.success(),
        "a used invitation code was accepted"
    );

    // Two sessions offline, one with a spoken pain remark; then sync.
    let video = sample();
    let video = video.to_str().expect("utf-8 path");
    let first = patient.json(&["analyze", video, "--exercise", "squat"]);
    let remark = spoken(
        patient.dir.path(),
        "My knee pain is eight out of ten today.",
    );
    let second = patient.json(&[
        "analyze",
        video,
        "--exercise",
        "squat",
        "--audio",
        remark.to_str().expect("utf-8 path"),
    ]);
    let _ = (first, second);
    let own = patient.sessions(None);
    assert_eq!(own.len(), 2, "{own:?}");
    patient.sync();

    // The clinician's device sees both sessions with what they hold.
    clinician.sync();
    let roster = as_array(clinician.json(&["patients"]));
    assert_eq!(roster.len(), 1, "{roster:?}");
    assert_eq!(roster[0]["patient_id"], patient_id.as_str());
    let seen = clinician.sessions(Some(&patient_id));
    assert_eq!(session_ids(&seen), session_ids(&own));
    for session in &seen {
        assert_eq!(session["reps"], 5, "{session}");
        assert!(
            session["mean_rom"].as_f64().unwrap_or(0.0) > 30.0,
            "{session}"
        );
        assert!(session["review"].is_null(), "{session}");
    }
    let spoken_session = seen
        .iter()
        .find(|s| s["has_transcript"] == true)
        .unwrap_or_else(|| panic!("no session with a transcript: {seen:?}"));
    assert_eq!(spoken_session["pain"], 8, "{spoken_session}");
    let spoken_id = spoken_session["session_id"]
        .as_str()
        .expect("id")
        .to_string();
    let detail = clinician.json(&["session", &spoken_id]);
    assert!(
        detail["transcript"]
            .to_string()
            .to_lowercase()
            .contains("pain"),
        "{detail}"
    );
    assert!(detail["frames"].as_u64().unwrap_or(0) > 30, "{detail}");
    assert_eq!(detail["rep_details"].as_array().map(Vec::len), Some(5));
    // Pain 8 of 10 is an alert for the care team.
    let alerts = as_array(clinician.json(&["alerts"]));
    assert!(!alerts.is_empty(), "no alert for pain 8/10");

    // The other clinician sees nothing.
    other.sync();
    assert!(as_array(other.json(&["patients"])).is_empty());
    assert!(other.sessions(None).is_empty());
    assert!(as_array(other.json(&["alerts"])).is_empty());
    let other_token = fixtures::login(&base, "other@clinic.example").await;
    let (status, _) =
        fixtures::get_json(&base, &other_token, &format!("/api/sessions/{spoken_id}")).await;
    assert_eq!(status, 404, "another clinician read the session");

    // The clinician answers offline: a review and a program item; then sync.
    clinician.json(&[
        "review",
        &spoken_id,
        "--assessment",
        "needs-improvement",
        "--notes",
        "Depth is good; keep the knees over the toes.",
        "--next-steps",
        "Three sessions a week.",
    ]);
    let item = clinician.json(&[
        "prescribe",
        "--patient",
        &patient_id,
        "--exercise",
        "squat",
        "--sets",
        "2",
        "--reps",
        "5",
        "--per-week",
        "3",
    ]);
    let item_id = item["program_item_id"]
        .as_str()
        .expect("program_item_id")
        .to_string();
    clinician.sync();

    // The patient sees the review with its session and the program, records the item.
    patient.sync();
    let own = patient.sessions(None);
    let reviewed = own
        .iter()
        .find(|s| s["session_id"] == spoken_id.as_str())
        .expect("the reviewed session");
    assert!(
        reviewed["review"].to_string().contains("Depth is good"),
        "{reviewed}"
    );
    // The grade arrives as the clinician gave it, not folded into another.
    assert!(
        reviewed["review"].to_string().contains("NEEDS_IMPROVEMENT"),
        "{reviewed}"
    );
    let program = as_array(patient.json(&["program"]));
    assert_eq!(program.len(), 1, "{program:?}");
    assert_eq!(program[0]["program_item_id"], item_id.as_str());
    assert_eq!(program[0]["done_this_week"], 0);
    // The only active squat item: the session is linked to it without naming it.
    patient.json(&["analyze", video, "--exercise", "squat"]);
    let program = as_array(patient.json(&["program"]));
    assert_eq!(program[0]["done_this_week"], 1, "{program:?}");
    patient.sync();

    // Both devices agree on adherence.
    clinician.sync();
    let theirs = as_array(clinician.json(&["program", "--patient", &patient_id]));
    assert_eq!(theirs.len(), 1, "{theirs:?}");
    for key in ["done_this_week", "days_with_data_30d", "per_week", "status"] {
        assert_eq!(
            theirs[0][key], program[0][key],
            "{key}: {theirs:?} vs {program:?}"
        );
    }
    assert_eq!(clinician.sessions(Some(&patient_id)).len(), 3);

    // The patient sees who can see their data and ends the relationship from their own device;
    // the clinician sees nothing new from then on.
    let team = patient.json(&["care-team"]);
    let members = team.as_array().expect("the care team");
    assert_eq!(members.len(), 1, "{team}");
    assert_eq!(members[0]["first_name"], "Clare", "{team}");
    let clinician_id = members[0]["physiotherapist_id"]
        .as_str()
        .expect("physiotherapist_id")
        .to_string();
    let left = patient.json(&["care-team", "--end", &clinician_id]);
    assert_eq!(left, serde_json::json!([]), "nobody can see the data now");
    let again = patient.output(&["care-team", "--end", &clinician_id]);
    assert!(!again.status.success(), "ending it twice is refused");
    let after = patient.json(&["analyze", video, "--exercise", "squat"]);
    let _ = after;
    patient.sync();
    clinician.sync();
    let visible = clinician.sessions(Some(&patient_id));
    assert!(
        visible.len() <= 3,
        "the clinician saw a session recorded after the relationship ended: {visible:?}"
    );
    let newest = patient.sessions(None);
    assert_eq!(newest.len(), 4);
    let new_ids: Vec<String> = session_ids(&newest)
        .into_iter()
        .filter(|id| !session_ids(&visible).contains(id))
        .collect();
    assert_eq!(new_ids.len(), 1);
    let clinician_token = fixtures::login(&base, "clare@clinic.example").await;
    let (status, _) = fixtures::get_json(
        &base,
        &clinician_token,
        &format!("/api/sessions/{}", new_ids[0]),
    )
    .await;
    assert_eq!(status, 404, "the former clinician read a new session");
}
