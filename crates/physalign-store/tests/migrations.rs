//! Opening a store: schema creation, idempotent re-open, pragmas, refusal of newer schemas.

mod common;

use common::{new_session, raw, t0, temp_store};
use physalign_store::{Store, StoreError, SCHEMA_VERSION};

fn schema_sql(path: &std::path::Path) -> Vec<String> {
    let conn = raw(path);
    let mut stmt = conn
        .prepare("SELECT type || ' ' || name || ': ' || coalesce(sql, '') FROM sqlite_master ORDER BY type, name")
        .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn open_creates_directories_schema_and_pragmas() {
    let (_dir, path, store) = temp_store();
    assert!(path.exists());
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    let tables: Vec<String> = schema_sql(&path)
        .into_iter()
        .filter(|s| s.starts_with("table "))
        .collect();
    for table in [
        "exercise_sessions",
        "pose_frames",
        "repetitions",
        "form_issue_events",
        "transcripts",
        "transcript_segments",
        "clinical_notes",
        "outbox",
    ] {
        assert!(
            tables
                .iter()
                .any(|t| t.starts_with(&format!("table {table}:"))),
            "missing table {table} in {tables:?}"
        );
    }
    let conn = raw(&path);
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    assert!(store.integrity_check().unwrap().is_empty());
    assert!(store.storage_bytes().unwrap() > 0);
}

#[test]
fn reopening_is_idempotent_and_keeps_data() {
    let (_dir, path, store) = temp_store();
    let session = new_session("squat", t0());
    store.create_session(&session).unwrap();
    let schema_before = schema_sql(&path);
    drop(store);

    for _ in 0..3 {
        let store = Store::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
        assert_eq!(store.list_sessions(10, 0).unwrap().len(), 1);
        assert_eq!(store.outbox_counts().unwrap().pending, 1);
    }
    assert_eq!(schema_sql(&path), schema_before);
}

#[test]
fn foreign_keys_are_enforced() {
    let (_dir, _path, store) = temp_store();
    let missing = uuid::Uuid::new_v4();
    assert!(matches!(
        store.frame_writer(missing),
        Err(StoreError::SessionNotFound(id)) if id == missing
    ));
    // A transcript pointing at an unknown session is refused, not stored dangling.
    let transcript = physalign_store::TranscriptRecord {
        id: uuid::Uuid::new_v4(),
        session_id: Some(missing),
        text: String::new(),
        model: "m".into(),
        audio_seconds: 0.0,
        language: "en".into(),
        segments: vec![],
    };
    assert!(matches!(
        store.save_transcript(&transcript),
        Err(StoreError::SessionNotFound(_))
    ));
}

#[test]
fn a_newer_schema_is_refused() {
    let (_dir, path, store) = temp_store();
    drop(store);
    raw(&path)
        .execute_batch(&format!("PRAGMA user_version = {}", SCHEMA_VERSION + 1))
        .unwrap();
    match Store::open(&path) {
        Err(StoreError::SchemaTooNew { found, supported }) => {
            assert_eq!(found, SCHEMA_VERSION + 1);
            assert_eq!(supported, SCHEMA_VERSION);
        }
        other => panic!("expected SchemaTooNew, got {other:?}"),
    }
}

#[test]
fn simultaneous_first_opens_migrate_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("race.db");
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let path = path.clone();
            std::thread::spawn(move || Store::open(&path).map(|s| s.schema_version()))
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap().unwrap().unwrap(), SCHEMA_VERSION);
    }
}

#[test]
fn a_path_that_is_not_a_database_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("not-a-db");
    std::fs::write(
        &path,
        b"this is a text file, not SQLite, and it is long enough",
    )
    .unwrap();
    assert!(Store::open(&path).is_err());
    // A directory where the parent should be.
    let blocked = dir.path().join("not-a-db").join("physalign.db");
    assert!(matches!(Store::open(&blocked), Err(StoreError::Io { .. })));
}
