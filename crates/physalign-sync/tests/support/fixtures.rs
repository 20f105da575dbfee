//! Local recordings written through the real store API, server accounts, and the check that the
//! server holds exactly what the device recorded.

use chrono::{Duration as ChronoDuration, Utc};
use physalign_domain::{FormIssue, Landmark, LandmarkType, Severity};
use physalign_store::{
    FormIssueEvent, FrameRecord, NewSession, RepetitionRecord, SessionCompletion, Store,
};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::Path;
use uuid::Uuid;

/// Password of every test account.
pub const PASSWORD: &str = "Correct horse battery staple 42";

fn landmarks(t: f32) -> Vec<Landmark> {
    LandmarkType::ALL
        .iter()
        .enumerate()
        .map(|(i, kind)| Landmark {
            kind: *kind,
            x: 0.3 + 0.01 * i as f32,
            y: 0.2 + 0.02 * i as f32 + 0.05 * t.sin(),
            z: -0.1,
            visibility: 0.95,
            presence: 1.0,
        })
        .collect()
}

/// Records `count` completed sessions of `frames` frames each (squats at 30 fps) and returns
/// their ids, as the analysis engine would: create, frames through the frame writer, complete.
pub fn record_sessions(db: &Path, count: usize, frames: usize) -> Vec<Uuid> {
    let store = Store::open(db).expect("open store");
    let mut ids = Vec::new();
    for s in 0..count {
        let id = Uuid::new_v4();
        let started_at = Utc::now() - ChronoDuration::minutes(10 + s as i64);
        store
            .create_session(&NewSession {
                id,
                patient_id: None,
                exercise_id: if s % 2 == 0 { "squat" } else { "lunge" }.into(),
                source: format!("test:{s}"),
                started_at,
            })
            .expect("create session");
        let mut writer = store.frame_writer(id).expect("frame writer");
        let mut knee_min = f32::MAX;
        let mut knee_max = f32::MIN;
        let mut quality_sum = 0.0f64;
        for f in 0..frames {
            let t = f as f32 / 30.0;
            let knee = 120.0 + 50.0 * (t * 1.5).cos() + s as f32 * 0.1;
            knee_min = knee_min.min(knee);
            knee_max = knee_max.max(knee);
            let quality = 0.8 + 0.15 * ((f % 7) as f32 / 7.0);
            quality_sum += f64::from(quality);
            writer
                .push(FrameRecord {
                    frame_number: f as i64,
                    timestamp_ms: (f as i64 * 1000) / 30,
                    landmarks: landmarks(t),
                    world_landmarks: Vec::new(),
                    angles: BTreeMap::from([
                        ("knee_left".to_string(), knee),
                        ("hip_left".to_string(), knee - 20.0),
                    ]),
                    quality_score: quality,
                    form_issues: Vec::new(),
                })
                .expect("push frame");
        }
        writer.finish().expect("finish frames");
        let duration = frames as f64 / 30.0;
        let reps: Vec<RepetitionRecord> = (0..3)
            .map(|i| RepetitionRecord {
                index: i,
                start_ms: i64::from(i) * 1000,
                end_ms: i64::from(i) * 1000 + 900,
                min_angle: knee_min,
                max_angle: knee_max,
                eccentric_ms: 450,
                concentric_ms: 450,
                symmetry: Some(0.9),
                partial: i == 2,
                form_issues: Vec::new(),
                confidence: Some(0.5 + 0.1 * i as f32),
                side: (i == 1).then_some(physalign_domain::BodySide::Left),
            })
            .collect();
        store
            .complete_session(
                id,
                &SessionCompletion {
                    ended_at: started_at + ChronoDuration::milliseconds((duration * 1000.0) as i64),
                    duration_seconds: duration,
                    repetitions: reps,
                    form_issues: vec![FormIssueEvent {
                        timestamp_ms: 500,
                        issue: FormIssue {
                            kind: "knee_valgus".into(),
                            joint: "knee_left".into(),
                            message: "knee caves in".into(),
                            severity: Severity::Medium,
                        },
                    }],
                    summary_statistics: json!({
                        "total_frames": frames,
                        "average_quality": quality_sum / frames.max(1) as f64,
                        "peak_angles": {"knee_left_max": knee_max, "knee_left_min": knee_min},
                    }),
                    pose_data: json!({"frame_count": frames, "sampling_rate": 30.0, "angle_ranges": {}}),
                    report: json!({"reps": 2}),
                },
            )
            .expect("complete session");
        ids.push(id);
    }
    ids
}

/// Signs up a patient; returns an access token for checks.
pub async fn signup_patient(base_url: &str, email: &str) -> String {
    signup(base_url, email, "patient", "Pat", "Ient").await
}

async fn signup(base_url: &str, email: &str, role: &str, first: &str, last: &str) -> String {
    let response = reqwest::Client::new()
        .post(format!("{base_url}/api/auth/signup"))
        .json(
            &json!({"email": email, "password": PASSWORD, "first_name": first,
                      "last_name": last, "role": role}),
        )
        .send()
        .await
        .expect("signup request");
    assert!(
        response.status().is_success(),
        "signup: {}",
        response.status()
    );
    let body: Value = response.json().await.expect("signup body");
    body["access_token"]
        .as_str()
        .expect("access token")
        .to_string()
}

/// Registers the signed-up patient `patient_email` with the clinician holding `clinician_token`
/// the way a clinic does: the clinician invites (`POST /api/patients`) and the patient claims
/// the code with their existing account (`POST /api/auth/claim`).
pub async fn invite_and_claim(base_url: &str, clinician_token: &str, patient_email: &str) {
    let client = reqwest::Client::new();
    let response = client
        .post(format!("{base_url}/api/patients"))
        .bearer_auth(clinician_token)
        .json(&json!({"first_name": "Pat", "last_name": "Ient", "email": patient_email}))
        .send()
        .await
        .expect("invite request");
    assert_eq!(response.status(), 201, "invite");
    let body: Value = response.json().await.expect("invitation body");
    let code = body["invitation_code"].as_str().expect("invitation_code");
    let response = client
        .post(format!("{base_url}/api/auth/claim"))
        .json(&json!({"invitation_code": code, "email": patient_email, "password": PASSWORD}))
        .send()
        .await
        .expect("claim request");
    assert_eq!(response.status(), 200, "claim");
}

/// A care team on `server`: the clinician clare@clinic.example and the patient
/// pat@home.example, who signed up and claimed her invitation; their access tokens.
pub async fn care_team(server: &super::server::ServerProcess) -> (String, String) {
    let base = server.url();
    server.create_clinician("clare@clinic.example");
    let clinician = login(&base, "clare@clinic.example").await;
    signup_patient(&base, "pat@home.example").await;
    invite_and_claim(&base, &clinician, "pat@home.example").await;
    let patient = login(&base, "pat@home.example").await;
    (clinician, patient)
}

/// Logs in with the test password; returns an access token.
pub async fn login(base_url: &str, email: &str) -> String {
    let response = reqwest::Client::new()
        .post(format!("{base_url}/api/auth/login"))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .expect("login request");
    assert_eq!(response.status(), 200, "login");
    let body: Value = response.json().await.expect("token body");
    body["access_token"]
        .as_str()
        .expect("access token")
        .to_string()
}

/// GET with a bearer token, returning status and JSON body.
pub async fn get_json(base_url: &str, token: &str, path: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .get(format!("{base_url}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .expect("GET");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Asserts the server holds every local session exactly once, with the same summary, times and
/// downsampled frame count; returns the number checked.
pub async fn assert_server_matches_local(
    base_url: &str,
    token: &str,
    db: &Path,
    stride: usize,
) -> usize {
    let store = Store::open(db).expect("open store");
    let local = store.list_sessions(10_000, 0).expect("list local sessions");
    let (status, list) = get_json(base_url, token, "/api/sessions?per_page=1").await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(
        list["pagination"]["total_items"].as_u64(),
        Some(local.len() as u64),
        "server session count differs from local"
    );
    for row in &local {
        let detail = store
            .get_session(row.id)
            .expect("local detail")
            .expect("exists");
        let (status, remote) =
            get_json(base_url, token, &format!("/api/sessions/{}", row.id)).await;
        assert_eq!(
            status, 200,
            "session {} missing on server: {remote}",
            row.id
        );
        let expected = serde_json::to_value(physalign_sync::mapping::summary_statistics(&detail))
            .expect("summary json");
        assert_eq!(
            remote["session"]["summary_statistics"], expected,
            "summary of {}",
            row.id
        );
        assert_eq!(remote["session"]["exercise_type"], json!(row.exercise_id));
        let frames = store.frames(row.id).expect("frames");
        let sent = physalign_sync::mapping::downsample(&frames, stride).len();
        assert_eq!(
            remote["pose_data"]["frame_count"].as_u64(),
            Some(sent as u64),
            "frames of {}",
            row.id
        );
        let local_end = row.ended_at.expect("completed").timestamp_millis();
        let remote_end = remote["session"]["end_time"]
            .as_str()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.timestamp_millis());
        assert_eq!(
            remote_end.map(|t| t / 1000),
            Some(local_end / 1000),
            "end time of {}",
            row.id
        );
        // The repetition table arrives whole: confidence and side included.
        let (status, data) =
            get_json(base_url, token, &format!("/api/sessions/{}/data", row.id)).await;
        assert_eq!(status, 200, "{data}");
        let remote_reps: Vec<(Option<f64>, Option<String>)> = data["repetitions"]
            .as_array()
            .map(|reps| {
                reps.iter()
                    .map(|r| {
                        (
                            r["confidence"]
                                .as_f64()
                                .map(|c| (c * 100.0).round() / 100.0),
                            r["side"].as_str().map(str::to_string),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let local_reps: Vec<(Option<f64>, Option<String>)> = detail
            .repetitions
            .iter()
            .map(|r| {
                (
                    r.confidence.map(|c| (f64::from(c) * 100.0).round() / 100.0),
                    r.side.map(|s| s.as_str().to_string()),
                )
            })
            .collect();
        assert_eq!(remote_reps, local_reps, "repetition table of {}", row.id);
    }
    local.len()
}
