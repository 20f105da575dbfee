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

/// The schema files as released at version 1 (frozen copies; see the fixtures' README).
const V1_CORE: &str = include_str!("fixtures/schema-v1/0001_initial.sql");
const V1_SYNC: &str = include_str!("fixtures/schema-v1/0100_sync_state.sql");
const V1_RECORDINGS: &str = include_str!("fixtures/schema-v1/0200_recordings.sql");

/// A database as the version-1 code left it: `Store::open` applied the core file and set
/// `user_version = 1`; the sync client and the recording engine added their tables on demand.
fn version_1_database(path: &std::path::Path, extras: &[&str]) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;")
        .unwrap();
    conn.execute_batch(&format!(
        "BEGIN; {V1_CORE} PRAGMA user_version = 1; COMMIT;"
    ))
    .unwrap();
    for sql in extras {
        conn.execute_batch(sql).unwrap();
    }
    conn
}

fn table_names(path: &std::path::Path) -> Vec<String> {
    let conn = raw(path);
    let mut stmt = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn a_fresh_store_and_a_migrated_version_1_store_have_the_same_schema() {
    let (_dir, fresh, store) = temp_store();
    drop(store);
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("v1.db");
    drop(version_1_database(&old, &[V1_SYNC, V1_RECORDINGS]));
    drop(Store::open(&old).unwrap());
    assert_eq!(table_names(&old), table_names(&fresh));
    // Every table of every crate comes from Store::open alone.
    for table in [
        "sync_identity",
        "sync_uploads",
        "offline_reviews",
        "recordings",
    ] {
        assert!(table_names(&fresh).iter().any(|t| t == table), "{table}");
    }
}

#[test]
fn a_version_1_store_without_sync_or_recording_tables_migrates() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1-core-only.db");
    drop(version_1_database(&path, &[]));
    let store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    // The sync client's and the recording engine's tables are there without any set-up call.
    assert_eq!(store.sync_identity().unwrap(), None);
    assert!(store.unfinished_recordings().unwrap().is_empty());
    assert!(store.integrity_check().unwrap().is_empty());
}

/// A clinic's device after version 1: a synced session, a transcript and notes whose uploads
/// failed for good (no endpoint), a segment append stuck behind them, a partly sent entry.
#[test]
fn a_version_1_store_keeps_its_data_and_loses_its_undeliverable_entries() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1-used.db");
    let session = uuid::Uuid::new_v4();
    let transcript = uuid::Uuid::new_v4();
    let notes = uuid::Uuid::new_v4();
    let conn = version_1_database(&path, &[V1_SYNC, V1_RECORDINGS]);
    let t = "2026-01-30T10:00:00.000000000Z";
    conn.execute(
        "INSERT INTO exercise_sessions (id, exercise_id, source, status, started_at, created_at,
             updated_at) VALUES (?1, 'squat', 'camera:0', 'completed', ?2, ?2, ?2)",
        rusqlite::params![session.to_string(), t],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO transcripts (id, session_id, text, model, audio_seconds, language,
             created_at, updated_at) VALUES (?1, ?2, 'knee pain 3 out of 10', 'ggml-tiny.en', 4.0,
             'en', ?3, ?3)",
        rusqlite::params![transcript.to_string(), session.to_string(), t],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO clinical_notes (id, transcript_id, notes, created_at, updated_at)
         VALUES (?1, ?2, '{\"pain_reports\":[{\"score\":3}]}', ?3, ?3)",
        rusqlite::params![notes.to_string(), transcript.to_string(), t],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO recordings (session_id, frame_width, frame_height, finished, updated_at)
         VALUES (?1, 640, 480, 1, ?2)",
        rusqlite::params![session.to_string(), t],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO sync_identity (id, server_url, email, logged_in_at)
         VALUES (1, 'http://clinic.example', 'pat@example.org', ?1)",
        [t],
    )
    .unwrap();
    let entries = [
        ("exercise_session", session, "create", "done", None),
        ("exercise_session", session, "complete", "done", None),
        (
            "transcript",
            transcript,
            "create",
            "failed",
            Some("transcript upload not possible: the central API has no transcript endpoint yet"),
        ),
        ("transcript", transcript, "append_segment", "pending", None),
        (
            "clinical_note",
            notes,
            "upsert",
            "failed",
            Some("clinical_note upload not possible: the central API has no clinical_note endpoint yet"),
        ),
    ];
    for (kind, id, operation, status, error) in entries {
        conn.execute(
            "INSERT INTO outbox (entity_type, entity_id, operation, payload, idempotency_key,
                 created_at, next_attempt_at, status, last_error, attempts)
             VALUES (?1, ?2, ?3, '{}', ?4, ?5, ?5, ?6, ?7, 1)",
            rusqlite::params![
                kind,
                id.to_string(),
                operation,
                uuid::Uuid::new_v4().to_string(),
                t,
                status,
                error
            ],
        )
        .unwrap();
    }
    conn.execute(
        "INSERT INTO sync_progress (outbox_id, step, detail, updated_at)
         SELECT id, 1, '{}', ?1 FROM outbox WHERE entity_type = 'transcript' LIMIT 1",
        [t],
    )
    .unwrap();
    drop(conn);

    let store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    let counts = store.outbox_counts().unwrap();
    assert_eq!((counts.pending, counts.failed, counts.done), (0, 0, 2));
    assert!(store.failed_outbox(100).unwrap().is_empty());
    assert!(store.pending_outbox(100).unwrap().is_empty());
    // The transcript and notes themselves stay, as do the session, its recording and the login.
    let kept = store.get_transcript(transcript).unwrap().unwrap();
    assert_eq!(kept.text, "knee pain 3 out of 10");
    assert_eq!(store.clinical_notes(transcript).unwrap().unwrap().id, notes);
    assert!(store.get_session(session).unwrap().is_some());
    assert!(store.recording(session).unwrap().unwrap().finished);
    assert_eq!(
        store.sync_identity().unwrap().unwrap().email,
        "pat@example.org"
    );
    let progress_rows: i64 = raw(&path)
        .query_row("SELECT count(*) FROM sync_progress", [], |r| r.get(0))
        .unwrap();
    assert_eq!(progress_rows, 0);
    assert!(store.integrity_check().unwrap().is_empty());
}
