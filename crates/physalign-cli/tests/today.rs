//! `physalign today --json` and `physalign patients --search` on a clinician's database
//! prepared as sync leaves it (the workspace crate's fixture), through the built binary.

#[path = "../../physalign-workspace/tests/common/mod.rs"]
mod common;

use common::{now, prepare_day};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn json_of(db: &Path, args: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_physalign"))
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .expect("run physalign");
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

#[test]
fn today_lists_the_queue_the_alerts_in_order_and_todays_patients() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("clinic.sqlite");
    let day = {
        let store = physalign_store::Store::open(&db).unwrap();
        prepare_day(&store)
    };
    let at = now().to_rfc3339();
    let today = json_of(&db, &["today", "--json", "--at", &at]);

    let queue: Vec<&str> = today["review_queue"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["session_id"].as_str().unwrap())
        .collect();
    let expected: Vec<String> = day.unreviewed.iter().map(|id| id.to_string()).collect();
    assert_eq!(queue, expected, "oldest first");

    let alerts = today["alerts"].as_array().unwrap();
    let kinds: Vec<&str> = alerts.iter().map(|a| a["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["crisis", "high_pain", "falling_rom", "missed_item"]);
    assert_eq!(alerts[0]["session_id"], day.ada_crisis_session.to_string());
    assert_eq!(alerts[0]["source"], "server");
    assert_eq!(alerts[2]["session_id"], day.alan_sessions[2].to_string());
    assert_eq!(alerts[2]["source"], "device");
    assert_eq!(alerts[3]["program_item_id"], day.edsger_item.to_string());

    let patients: Vec<&str> = today["patients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["last_name"].as_str().unwrap())
        .collect();
    assert_eq!(patients, ["Hopper", "Lovelace", "Turing"]);
    assert_eq!(today["patients"][0]["adherence_this_week"]["target"], 3);
}

#[test]
fn patients_search_keeps_the_released_keys() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("clinic.sqlite");
    let day = {
        let store = physalign_store::Store::open(&db).unwrap();
        prepare_day(&store)
    };
    let all = json_of(&db, &["patients", "--json"]);
    assert_eq!(all.as_array().unwrap().len(), 4);
    let found = json_of(&db, &["patients", "--search", "TUR", "--json"]);
    let rows = found.as_array().unwrap();
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(row["patient_id"], day.alan.patient_id.to_string());
    for key in [
        "patient_id",
        "first_name",
        "last_name",
        "email",
        "last_session_at",
        "alerts_open",
    ] {
        assert!(row.get(key).is_some(), "{key} kept");
    }
    assert_eq!(row["alerts_open"], 0, "his server alert is acknowledged");
    assert_eq!(row["alerts_total"], 1, "his range of motion is falling");
}
