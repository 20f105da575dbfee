//! Issue 18's sync test, against the real `physalign-server` on a real PostgreSQL: a week of
//! appointments booked and changed offline on a therapist's laptop while the server is down;
//! the same slots changed meanwhile from the same therapist's tablet. After sync everything is
//! reconciled: the laptop's changes are on the server, the two slots both devices changed are
//! kept as conflicts with both versions (never overwritten), and once resolved (keep mine on
//! one, take theirs on the other) both devices and the server show the same calendar.

mod support;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use physalign_store::{
    AppointmentKind, AppointmentMove, AppointmentStatus, ConflictResolution, NewAppointment,
    NoShowMark, Preparation, RecurrencePattern, RecurrenceRule, Store,
};
use physalign_sync::{CredentialStore, RunReport, SyncConfig, SyncWorker};
use serde_json::{json, Value};
use std::path::PathBuf;
use support::fixtures::{self, PASSWORD};
use support::server::ServerProcess;
use uuid::Uuid;

const ZONE: &str = "Europe/Berlin";

fn config() -> SyncConfig {
    SyncConfig {
        backoff_base: std::time::Duration::from_millis(20),
        backoff_max: std::time::Duration::from_millis(300),
        request_timeout: std::time::Duration::from_secs(10),
        ..SyncConfig::default()
    }
}

/// One of the therapist's devices: its own store file and credentials.
struct TherapistDevice {
    _dir: tempfile::TempDir,
    db: PathBuf,
    credentials: CredentialStore,
}

impl TherapistDevice {
    async fn sign_in(base: &str, email: &str) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("device.sqlite");
        let credentials = CredentialStore::file_only(dir.path().join("credentials"));
        let report = physalign_sync::login(&db, credentials.clone(), base, email, PASSWORD)
            .await
            .expect("login");
        assert_eq!(report.role, "physiotherapist");
        TherapistDevice {
            _dir: dir,
            db,
            credentials,
        }
    }

    fn store(&self) -> Store {
        Store::open(&self.db).expect("store")
    }

    async fn sync(&self) -> RunReport {
        let worker =
            SyncWorker::open(&self.db, self.credentials.clone(), config()).expect("worker");
        let report = worker
            .run_once(std::time::Duration::from_secs(5))
            .await
            .expect("sync");
        eprintln!("sync: {report:?}");
        report
    }

    /// (wall-clock start, status) of every appointment this device shows in the window.
    fn calendar(
        &self,
        from: NaiveDate,
        days: i64,
    ) -> Vec<(Uuid, NaiveDateTime, AppointmentStatus)> {
        let (from, to) = window(from, days);
        self.store()
            .appointments_between(from, to, None)
            .expect("calendar")
            .into_iter()
            .map(|a| (a.id, a.local_start, a.status))
            .collect()
    }
}

fn window(from: NaiveDate, days: i64) -> (chrono::DateTime<Utc>, chrono::DateTime<Utc>) {
    let start = from.and_time(NaiveTime::MIN).and_utc() - Duration::hours(2);
    (start, start + Duration::days(days))
}

fn at(date: NaiveDate, hour: u32, minute: u32) -> NaiveDateTime {
    date.and_time(NaiveTime::from_hms_opt(hour, minute, 0).expect("time"))
}

async fn send(
    method: reqwest::Method,
    base: &str,
    token: &str,
    path: &str,
    body: Value,
) -> (u16, Value) {
    let response = reqwest::Client::new()
        .request(method, format!("{base}{path}"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The server's appointments in the window: id -> (wall-clock start, status, version).
async fn server_calendar(
    base: &str,
    token: &str,
    from: NaiveDate,
    days: i64,
) -> Vec<(Uuid, NaiveDateTime, AppointmentStatus, i64)> {
    let (from, to) = window(from, days);
    let path = format!(
        "/api/appointments?from={}&to={}&per_page=100",
        from.format("%Y-%m-%dT%H:%M:%SZ"),
        to.format("%Y-%m-%dT%H:%M:%SZ")
    );
    let (status, body) = fixtures::get_json(base, token, &path).await;
    assert_eq!(status, 200, "{body}");
    body["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|a| {
            let start = chrono::DateTime::parse_from_rfc3339(a["startTime"].as_str().unwrap())
                .expect("startTime");
            (
                a["id"].as_str().unwrap().parse().unwrap(),
                start.naive_local(),
                a["status"].as_str().unwrap().parse().unwrap(),
                a["version"].as_i64().unwrap(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_week_booked_offline_on_two_devices_is_reconciled_with_conflicts_surfaced_and_resolved() {
    let url = support::pg::cluster().create_database("appointments_sync");
    let mut server = ServerProcess::start(&url, support::free_port(), 100_000);
    let base = server.url();
    let (clare, pat) = fixtures::care_team(&server).await;
    let (_, profile) = fixtures::get_json(&base, &pat, "/api/patients/profile").await;
    let patient: Uuid = profile["id"].as_str().expect("id").parse().expect("uuid");

    // Next week, Monday to Friday, in the clinic's zone.
    let today = Utc::now().date_naive();
    let monday = today + Duration::days(7 - i64::from(today.weekday().num_days_from_monday()));
    let day = |n: i64| monday + Duration::days(n);

    // Two appointments booked earlier (from the tablet) that both devices will change.
    let mut contested = Vec::new();
    for hour in [8, 17] {
        let (status, body) = send(
            reqwest::Method::POST,
            &base,
            &clare,
            "/api/appointments",
            json!({"clientId": patient, "startTime": at(day(1), hour, 0).format("%Y-%m-%dT%H:%M:%S").to_string(),
                   "timeZone": ZONE, "durationMinutes": 30, "type": "follow_up"}),
        )
        .await;
        assert_eq!(status, 201, "{body}");
        contested.push(body["id"].as_str().unwrap().parse::<Uuid>().unwrap());
    }
    let (moved_on_both, cancelled_vs_no_show) = (contested[0], contested[1]);

    let laptop = TherapistDevice::sign_in(&base, "clare@clinic.example").await;
    let tablet = TherapistDevice::sign_in(&base, "clare@clinic.example").await;
    assert!(laptop.sync().await.complete());
    assert!(tablet.sync().await.complete());
    assert_eq!(laptop.calendar(monday, 7).len(), 2);
    let pulled = laptop.store().appointment(moved_on_both).unwrap().unwrap();
    assert_eq!(pulled.version, 1);
    assert_eq!(pulled.client_name.as_deref(), Some("Pat Ient"));

    // The server goes away. On the laptop, a week is booked and changed offline.
    server.kill();
    let store = laptop.store();
    let mut week = Vec::new();
    for n in 0..5 {
        let booked = store
            .book_appointment(&NewAppointment {
                id: Uuid::new_v4(),
                patient_id: patient,
                local_start: at(day(n), 9, 0),
                time_zone: ZONE.into(),
                duration_minutes: 45,
                kind: AppointmentKind::Treatment,
                notes: Some(format!("day {n}")),
            })
            .expect("book");
        week.push(booked.id);
    }
    store
        .move_appointment(
            week[1],
            &AppointmentMove {
                local_start: at(day(1), 11, 30),
                time_zone: None,
                duration_minutes: Some(60),
            },
        )
        .expect("move");
    store
        .cancel_appointment(week[2], Some("clinic closed"))
        .expect("cancel");
    store
        .prepare_appointment(
            week[3],
            &Preparation {
                notes: Some("check knee flexion".into()),
                review_previous_session: true,
                focus_areas: vec!["knee".into()],
            },
        )
        .expect("prepare");
    store
        .mark_no_show(
            week[4],
            &NoShowMark {
                reason: Some("did not come".into()),
                apply_fee: true,
                fee_amount: Some(35.0),
                notify_client: true,
            },
        )
        .expect("no-show");
    // Monday's becomes weekly for three more weeks, minus the third.
    let series = store
        .recur_appointment(
            week[0],
            &RecurrenceRule {
                pattern: RecurrencePattern::Weekly,
                end_date: day(21),
                exceptions: vec![day(14)],
            },
        )
        .expect("recur");
    assert_eq!(series.len(), 3, "Monday plus two provisional occurrences");
    // The same slots as the tablet will change: one moved, one cancelled.
    store
        .move_appointment(
            moved_on_both,
            &AppointmentMove {
                local_start: at(day(1), 14, 0),
                time_zone: None,
                duration_minutes: None,
            },
        )
        .expect("move contested");
    store
        .cancel_appointment(cancelled_vs_no_show, None)
        .expect("cancel contested");
    drop(store);
    let offline = laptop.sync().await;
    assert!(!offline.complete());
    assert_eq!(offline.delivered, 0);
    assert_eq!(offline.pending_left, 12, "{offline:?}");
    assert_eq!(laptop.calendar(monday, 28).len(), 9);

    // The server is back; the tablet got there first with its own changes to the two slots.
    server.restart();
    let tablet_store = tablet.store();
    tablet_store
        .move_appointment(
            moved_on_both,
            &AppointmentMove {
                local_start: at(day(1), 15, 0),
                time_zone: None,
                duration_minutes: None,
            },
        )
        .expect("tablet move");
    tablet_store
        .mark_no_show(cancelled_vs_no_show, &NoShowMark::default())
        .expect("tablet no-show");
    drop(tablet_store);
    assert!(tablet.sync().await.complete());

    // The laptop syncs: everything arrives but the two slots, which are conflicts.
    let report = laptop.sync().await;
    assert_eq!(report.pending_left, 0, "{report:?}");
    assert_eq!(report.failed_total, 2, "{report:?}");
    let store = laptop.store();
    let conflicts = store.appointment_conflicts().expect("conflicts");
    assert_eq!(conflicts.len(), 2, "{conflicts:?}");
    let moved = conflicts
        .iter()
        .find(|c| c.appointment_id == moved_on_both)
        .expect("move conflict");
    assert_eq!(moved.mine.appointment.local_start, at(day(1), 14, 0));
    assert_eq!(moved.mine.base_version, 1);
    let theirs = moved.theirs.as_ref().expect("server copy");
    assert_eq!(theirs.local_start, at(day(1), 15, 0));
    assert_eq!(moved.server_version, Some(2));
    let cancelled = conflicts
        .iter()
        .find(|c| c.appointment_id == cancelled_vs_no_show)
        .expect("cancel conflict");
    assert_eq!(
        cancelled.mine.appointment.status,
        AppointmentStatus::Cancelled
    );
    assert_eq!(
        cancelled.theirs.as_ref().map(|a| a.status),
        Some(AppointmentStatus::NoShow)
    );
    // Until resolved, the laptop shows its own version; a pull does not overwrite it.
    assert_eq!(
        store
            .appointment(moved_on_both)
            .unwrap()
            .unwrap()
            .local_start,
        at(day(1), 14, 0)
    );

    // The server has the laptop's week: moves, cancellation, preparation, no-show with its fee,
    // and the series (created by the server, replacing the provisional occurrences).
    let on_server = server_calendar(&base, &clare, monday, 28).await;
    let find = |id: Uuid| {
        on_server
            .iter()
            .find(|a| a.0 == id)
            .unwrap_or_else(|| panic!("{id} not on the server: {on_server:?}"))
    };
    assert_eq!(find(week[1]).1, at(day(1), 11, 30));
    assert_eq!(find(week[2]).2, AppointmentStatus::Cancelled);
    assert_eq!(find(week[4]).2, AppointmentStatus::NoShow);
    assert_eq!(find(moved_on_both).1, at(day(1), 15, 0), "not overwritten");
    assert_eq!(find(cancelled_vs_no_show).2, AppointmentStatus::NoShow);
    let mondays: Vec<NaiveDateTime> = on_server
        .iter()
        .filter(|a| a.1.weekday() == chrono::Weekday::Mon)
        .map(|a| a.1)
        .collect();
    assert_eq!(
        mondays,
        [at(day(0), 9, 0), at(day(7), 9, 0), at(day(21), 9, 0)]
    );
    let (_, prepared) =
        fixtures::get_json(&base, &clare, &format!("/api/appointments/{}", week[3])).await;
    assert_eq!(
        prepared["preparation"]["preparationNotes"],
        "check knee flexion"
    );
    let (_, missed) =
        fixtures::get_json(&base, &clare, &format!("/api/appointments/{}", week[4])).await;
    assert_eq!(missed["noShow"]["feeAmount"], 35.0);
    let laptop_ids: Vec<Uuid> = laptop.calendar(monday, 28).iter().map(|a| a.0).collect();
    let server_ids: Vec<Uuid> = on_server.iter().map(|a| a.0).collect();
    assert_eq!(
        laptop_ids, server_ids,
        "the laptop shows the server's series"
    );

    // Resolved: the laptop keeps its move, and takes the tablet's no-show.
    store
        .resolve_appointment_conflict(moved.id, ConflictResolution::KeepMine)
        .expect("keep mine");
    let taken = store
        .resolve_appointment_conflict(cancelled.id, ConflictResolution::TakeTheirs)
        .expect("take theirs");
    assert_eq!(taken.status, AppointmentStatus::NoShow);
    assert!(store.appointment_conflicts().unwrap().is_empty());
    drop(store);
    assert!(laptop.sync().await.complete());
    assert!(tablet.sync().await.complete());

    // Reconciled: the server and both devices show the same week.
    let on_server = server_calendar(&base, &clare, monday, 28).await;
    let contested_now = on_server.iter().find(|a| a.0 == moved_on_both).unwrap();
    assert_eq!(
        contested_now.1,
        at(day(1), 14, 0),
        "the laptop's move, kept"
    );
    assert_eq!(contested_now.3, 3);
    let expected: Vec<(Uuid, NaiveDateTime, AppointmentStatus)> =
        on_server.iter().map(|a| (a.0, a.1, a.2)).collect();
    assert_eq!(laptop.calendar(monday, 28), expected);
    assert_eq!(tablet.calendar(monday, 28), expected);
    assert_eq!(expected.len(), 9);
}
