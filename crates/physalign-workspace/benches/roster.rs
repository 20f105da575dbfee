//! Roster benchmark: a clinician's store with 500 patients and 20,000 pulled sessions (40 each,
//! 6 repetitions per session, two program items per patient, half the sessions reviewed, one
//! open alert in ten patients), filled through the store's public API as sync fills it. Prints
//! the time to build the roster (alerts and adherence included), the start of the day, and one
//! patient's chart (sessions with reviews, program with adherence, alerts); median and slowest
//! of several runs, and one JSON line. The budget: roster under 300 ms, chart under
//! 500 ms.
//!
//! `cargo bench -p physalign-workspace --bench roster`

#[path = "../tests/common/mod.rs"]
mod common;

use chrono::Duration;
use common::{alert, now, patient, pulled_item, pulled_review, pulled_session, store_roster};
use physalign_store::Store;
use physalign_workspace::Workspace;
use std::time::Instant;

const PATIENTS: usize = 500;
const SESSIONS_PER_PATIENT: usize = 40;
const RUNS: usize = 7;

/// Median and slowest of `RUNS` timings of `f`, in milliseconds.
fn time<T>(mut f: impl FnMut() -> T) -> (f64, f64) {
    let mut ms: Vec<f64> = (0..RUNS)
        .map(|_| {
            let started = Instant::now();
            std::hint::black_box(f());
            started.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    ms.sort_by(f64::total_cmp);
    (ms[RUNS / 2], ms[RUNS - 1])
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    // PHYSALIGN_BENCH_DB keeps the filled file for a look at query plans.
    let path = std::env::var_os("PHYSALIGN_BENCH_DB").map_or_else(
        || dir.path().join("clinic.sqlite"),
        std::path::PathBuf::from,
    );
    let store = Store::open(&path).expect("open store");
    let filling = Instant::now();
    let roster: Vec<_> = (0..PATIENTS)
        .map(|i| patient(&format!("First{i:03}"), &format!("Last{i:03}")))
        .collect();
    store_roster(&store, &roster);
    let mut alerts = Vec::new();
    for (i, p) in roster.iter().enumerate() {
        let items = [
            pulled_item(&store, p.patient_id, "squat", now() - Duration::days(90)),
            pulled_item(&store, p.patient_id, "bridge", now() - Duration::days(90)),
        ];
        for s in 0..SESSIONS_PER_PATIENT {
            // Every other day over 80 days; ranges wander with the patient and the session.
            let started = now() - Duration::days(80) + Duration::days(2 * s as i64)
                - Duration::hours(i as i64 % 24);
            let base = 80.0 + (i % 17) as f64 + ((s * 7 + i) % 11) as f64;
            let exercise = if s % 2 == 0 { "squat" } else { "bridge" };
            let roms = [base - 2.0, base - 1.0, base, base + 1.0, base + 2.0, base];
            let item = (s % 3 != 0).then_some(items[s % 2]);
            let id = pulled_session(&store, p.patient_id, exercise, started, &roms, item);
            if s % 2 == 0 {
                pulled_review(&store, id, started + Duration::hours(5));
            }
            if i % 10 == 0 && s == SESSIONS_PER_PATIENT - 1 {
                alerts.push(alert(p.patient_id, id, "high_pain", started, false));
            }
        }
    }
    store.replace_alerts(&alerts).expect("alerts");
    let fill_s = filling.elapsed().as_secs_f64();
    let sessions = PATIENTS * SESSIONS_PER_PATIENT;
    println!("filled {PATIENTS} patients, {sessions} sessions in {fill_s:.1} s");

    let ws = Workspace::new(&store, now());
    let chart_patient = roster[PATIENTS / 2].patient_id;
    let (roster_ms, roster_max) = time(|| ws.roster(None).expect("roster"));
    let (search_ms, search_max) = time(|| ws.roster(Some("last25")).expect("search"));
    let (today_ms, today_max) = time(|| ws.start_of_day().expect("today"));
    let (chart_ms, chart_max) = time(|| ws.patient_chart(chart_patient).expect("chart"));
    let today = ws.start_of_day().expect("today");
    let chart = ws.patient_chart(chart_patient).expect("chart");
    println!(
        "roster ({PATIENTS} patients):      median {roster_ms:7.1} ms, slowest {roster_max:7.1} ms (budget 300 ms)"
    );
    println!("roster search:             median {search_ms:7.1} ms, slowest {search_max:7.1} ms");
    println!(
        "start of day:              median {today_ms:7.1} ms, slowest {today_max:7.1} ms ({} queued, {} alerts, {} patients)",
        today.review_queue.len(),
        today.alerts.len(),
        today.patients.len()
    );
    println!(
        "patient chart ({} sessions): median {chart_ms:7.1} ms, slowest {chart_max:7.1} ms (budget 500 ms)",
        chart.sessions.len()
    );
    println!(
        "{{\"patients\":{PATIENTS},\"sessions\":{sessions},\"roster_ms\":{roster_ms:.2},\"roster_max_ms\":{roster_max:.2},\"search_ms\":{search_ms:.2},\"start_of_day_ms\":{today_ms:.2},\"chart_ms\":{chart_ms:.2},\"chart_max_ms\":{chart_max:.2}}}"
    );
}
