//! Encryption at rest (issue 17), on real files: the database, its write-ahead log and a
//! rollback journal hold no readable health data; a wrong key and a missing key are refused with
//! their own errors; a plain database of an earlier version is encrypted in place and keeps its
//! rows, also when a real process doing it is killed half way.

mod common;

use common::{new_session, raw, realistic_frame, t0, temp_store};
use physalign_store::{
    DatabaseKey, FrameWriterConfig, LandmarkEncoding, SegmentRecord, Store, StoreError,
    TranscriptRecord, PASSPHRASE_ENV,
};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// A remark the patient made, as the transcript stores it.
const PHRASE: &str = "sharp pain behind my left kneecap";
/// What a reader of the raw bytes must not find: the remark, a landmark name (the JSON landmark
/// encoding names each one) and a joint-angle name (the angles column is JSON).
const NEEDLES: [&str; 3] = [PHRASE, "LEFT_KNEE", "knee_left"];

fn side(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    name.into()
}

fn found_in(bytes: &[u8]) -> Vec<&'static str> {
    NEEDLES
        .into_iter()
        .filter(|needle| bytes.windows(needle.len()).any(|w| w == needle.as_bytes()))
        .collect()
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

fn is_plain(path: &Path) -> bool {
    read(path).starts_with(b"SQLite format 3\0")
}

/// A session with JSON-encoded landmarks and a transcript holding [`PHRASE`].
fn record_health_data(store: &Store, frames: i64) -> (Uuid, TranscriptRecord) {
    let session = store.create_session(&new_session("squat", t0())).unwrap();
    let config = FrameWriterConfig {
        landmark_encoding: LandmarkEncoding::Json,
        ..FrameWriterConfig::default()
    };
    let mut writer = store.frame_writer_with(session, config).unwrap();
    for n in 0..frames {
        writer.push(realistic_frame(n)).unwrap();
    }
    writer.finish().unwrap();
    let transcript = TranscriptRecord {
        id: Uuid::new_v4(),
        session_id: Some(session),
        text: format!("I have a {PHRASE} at the bottom of the squat."),
        model: "ggml-base.en".into(),
        audio_seconds: 3.2,
        language: "en".into(),
        segments: vec![SegmentRecord {
            start_ms: 0,
            end_ms: 3200,
            text: format!("I have a {PHRASE}"),
            confidence: Some(0.9),
            speaker: None,
        }],
    };
    store.save_transcript(&transcript).unwrap();
    (session, transcript)
}

fn assert_health_data(store: &Store, session: Uuid, transcript: &TranscriptRecord, frames: i64) {
    assert_eq!(
        store.get_transcript(transcript.id).unwrap().as_ref(),
        Some(transcript)
    );
    let stored = store.frames(session).unwrap();
    assert_eq!(stored.len(), frames as usize);
    for (n, frame) in stored.iter().enumerate() {
        assert_eq!(*frame, realistic_frame(n as i64));
    }
    assert_eq!(store.integrity_check().unwrap(), Vec::<String>::new());
}

/// An unencrypted copy of the encrypted database at `from` (SQLCipher's export with an empty
/// key), as an earlier version of PhysAlign would have left it.
fn plain_copy(from: &Path, to: &Path) {
    let conn = raw(from);
    conn.execute("ATTACH DATABASE ?1 AS plain KEY ''", [to.to_str().unwrap()])
        .unwrap();
    conn.query_row("SELECT sqlcipher_export('plain')", [], |_| Ok(()))
        .unwrap();
    let version: i64 = conn
        .query_row("PRAGMA main.user_version", [], |r| r.get(0))
        .unwrap();
    conn.execute_batch(&format!(
        "PRAGMA plain.user_version = {version}; DETACH DATABASE plain;"
    ))
    .unwrap();
}

#[test]
fn the_raw_database_wal_and_journal_hold_no_readable_health_data() {
    let (dir, path, store) = temp_store();
    let (session, transcript) = record_health_data(&store, 90);
    assert!(!is_plain(&path), "the file has SQLite's plain header");

    // While the store is open the latest writes sit in the write-ahead log.
    let wal = read(&side(&path, "-wal"));
    assert!(
        wal.len() > 64 * 1024,
        "the WAL holds the session ({} bytes)",
        wal.len()
    );
    assert_eq!(found_in(&wal), Vec::<&str>::new(), "readable in the WAL");
    assert_eq!(
        found_in(&read(&path)),
        Vec::<&str>::new(),
        "readable in the database"
    );
    let shm = side(&path, "-shm");
    assert_eq!(
        found_in(&read(&shm)),
        Vec::<&str>::new(),
        "readable in -shm"
    );
    // After a checkpoint the data is in the main file.
    store.checkpoint().unwrap();
    assert_eq!(
        found_in(&read(&path)),
        Vec::<&str>::new(),
        "readable after checkpoint"
    );
    drop(store);

    // A rollback journal holds the original pages of a transaction in flight: the transcript's
    // page, with the phrase, is copied there before the update overwrites it.
    let conn = raw(&path);
    let mode: String = conn
        .query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "delete");
    conn.execute_batch("BEGIN IMMEDIATE; UPDATE transcripts SET text = 'replaced';")
        .unwrap();
    let journal = read(&side(&path, "-journal"));
    assert!(!journal.is_empty(), "the journal holds the original pages");
    assert_eq!(
        found_in(&journal),
        Vec::<&str>::new(),
        "readable in the journal"
    );
    conn.execute_batch("ROLLBACK").unwrap();
    drop(conn);

    // The check can fail: the same data unencrypted shows every needle.
    let plain = dir.path().join("plain-copy.sqlite");
    plain_copy(&path, &plain);
    assert_eq!(found_in(&read(&plain)), NEEDLES.to_vec());

    let store = Store::open(&path).unwrap();
    assert_health_data(&store, session, &transcript, 90);
}

#[test]
fn a_wrong_key_is_refused_with_its_own_error() {
    let (_dir, path, store) = temp_store();
    record_health_data(&store, 5);
    drop(store);
    for key in [
        DatabaseKey::from_passphrase("not the passphrase").unwrap(),
        DatabaseKey::from_raw([7; 32]),
    ] {
        match Store::open_with_key(&path, key) {
            Err(StoreError::KeyWrong { path: reported }) => {
                assert_eq!(reported, path);
                let text = StoreError::KeyWrong { path: reported }.to_string();
                assert!(text.starts_with("the database key is wrong"), "{text}");
            }
            other => panic!("expected KeyWrong, got {other:?}"),
        }
    }
    // Refusing changed nothing: the right key still opens it.
    Store::open(&path).unwrap();
}

#[test]
fn a_raw_key_database_opens_only_with_that_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keyring.sqlite");
    let key = DatabaseKey::from_raw([42; 32]);
    let store = Store::open_with_key(&path, key.clone()).unwrap();
    let (session, transcript) = record_health_data(&store, 10);
    store.checkpoint().unwrap();
    drop(store);
    assert_eq!(found_in(&read(&path)), Vec::<&str>::new());
    assert!(matches!(
        Store::open(&path),
        Err(StoreError::KeyWrong { .. })
    ));
    let store = Store::open_with_key(&path, key).unwrap();
    assert_health_data(&store, session, &transcript, 10);
}

const NO_KEY_DB: &str = "PHYSALIGN_TEST_NO_KEY_DB";

/// The child half of `without_a_key_source_opening_says_how_to_set_a_passphrase`: opens a store
/// with the environment it was given and prints the error. Does nothing when run on its own.
#[test]
#[ignore = "run by without_a_key_source_opening_says_how_to_set_a_passphrase in a child process"]
fn no_key_child_opens_the_store() {
    let Ok(db) = std::env::var(NO_KEY_DB) else {
        return;
    };
    match Store::open(Path::new(&db)) {
        Err(StoreError::KeyUnavailable { .. }) => {}
        other => panic!("expected KeyUnavailable, got {other:?}"),
    }
    println!("error: {}", Store::open(Path::new(&db)).unwrap_err());
}

#[test]
fn without_a_key_source_opening_says_how_to_set_a_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no-key.sqlite");
    let output = Command::new(std::env::current_exe().unwrap())
        .args([
            "no_key_child_opens_the_store",
            "--exact",
            "--ignored",
            "--nocapture",
        ])
        .env(NO_KEY_DB, &path)
        .env_remove(PASSPHRASE_ENV)
        .env("PHYSALIGN_NO_KEYRING", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("no key for the local database")
            && stdout.contains("export PHYSALIGN_DB_PASSPHRASE="),
        "{stdout}"
    );
    // Nothing was written without a key.
    assert!(!path.exists());
}

#[test]
fn a_plain_database_is_encrypted_in_place_and_keeps_its_rows() {
    let (dir, path, store) = temp_store();
    let (session, transcript) = record_health_data(&store, 60);
    drop(store);
    let legacy = dir.path().join("legacy").join("physalign.sqlite");
    std::fs::create_dir_all(legacy.parent().unwrap()).unwrap();
    plain_copy(&path, &legacy);
    // As an earlier version left it: WAL mode, readable by anyone who has the file.
    let conn = rusqlite::Connection::open(&legacy).unwrap();
    conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))
        .unwrap();
    drop(conn);
    assert!(is_plain(&legacy));
    assert_eq!(found_in(&read(&legacy)), NEEDLES.to_vec());

    let store = Store::open(&legacy).unwrap();
    assert!(!is_plain(&legacy), "still plain after opening");
    assert_health_data(&store, session, &transcript, 60);
    store.checkpoint().unwrap();
    assert_eq!(found_in(&read(&legacy)), Vec::<&str>::new());
    assert!(
        !side(&legacy, "-encrypting").exists(),
        "temporary copy left"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&legacy).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    // The frame writer's own connection opens the encrypted file too.
    let more = store.create_session(&new_session("lunge", t0())).unwrap();
    let mut writer = store.frame_writer(more).unwrap();
    writer.push(realistic_frame(0)).unwrap();
    writer.finish().unwrap();
    assert_eq!(store.frame_count(more).unwrap(), 1);
}

const MIGRATE_DB: &str = "PHYSALIGN_TEST_MIGRATE_DB";

/// The child half of `a_process_killed_while_encrypting_loses_nothing`: opens (and so
/// encrypts) the plain database. Does nothing when run on its own.
#[test]
#[ignore = "run by a_process_killed_while_encrypting_loses_nothing in a child process"]
fn encrypting_child_opens_the_store() {
    let Ok(db) = std::env::var(MIGRATE_DB) else {
        return;
    };
    Store::open(Path::new(&db)).unwrap();
    println!("encrypted");
}

fn spawn_encrypting_child(path: &Path) -> std::process::Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "encrypting_child_opens_the_store",
            "--exact",
            "--ignored",
            "--nocapture",
        ])
        .env(MIGRATE_DB, path)
        .stdout(Stdio::null())
        .spawn()
        .unwrap()
}

/// Rows of the plain database at `path`, read without any key.
fn plain_frame_count(path: &Path) -> i64 {
    rusqlite::Connection::open(path)
        .unwrap()
        .query_row("SELECT count(*) FROM pose_frames", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn a_process_killed_while_encrypting_loses_nothing() {
    // Big enough that encrypting it takes a while: thousands of JSON-encoded frames.
    const FRAMES: i64 = 6000;
    let (dir, path, store) = temp_store();
    let (session, transcript) = record_health_data(&store, FRAMES);
    drop(store);
    let legacy = dir.path().join("legacy").join("physalign.sqlite");
    std::fs::create_dir_all(legacy.parent().unwrap()).unwrap();
    plain_copy(&path, &legacy);
    let encrypting = side(&legacy, "-encrypting");

    // Killed while the encrypted copy is being written.
    let mut child = spawn_encrypting_child(&legacy);
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::fs::metadata(&encrypting).map_or(0, |m| m.len()) < 1024 * 1024 {
        assert!(Instant::now() < deadline, "no encrypted copy appeared");
        assert!(
            child.try_wait().unwrap().is_none(),
            "child finished before it was killed"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(encrypting.exists(), "the interrupted copy is left over");
    assert!(
        is_plain(&legacy),
        "the original was replaced by a partial copy"
    );
    assert_eq!(plain_frame_count(&legacy), FRAMES, "the original lost rows");

    // Killed at later and later moments until one run gets to the end: whichever step a kill
    // interrupts, the file under the database's name is whole, plain or encrypted.
    let mut delay = Duration::from_millis(100);
    let mut kills = 1;
    loop {
        let mut child = spawn_encrypting_child(&legacy);
        std::thread::sleep(delay);
        let finished = child.try_wait().unwrap().is_some();
        if !finished {
            child.kill().unwrap();
            kills += 1;
        }
        child.wait().unwrap();
        if is_plain(&legacy) {
            assert_eq!(plain_frame_count(&legacy), FRAMES, "killed after {delay:?}");
        } else {
            eprintln!("encrypted after {kills} kills, the last run given {delay:?}");
            break;
        }
        assert!(delay < Duration::from_secs(60), "never finished encrypting");
        delay += Duration::from_millis(150);
    }

    let store = Store::open(&legacy).unwrap();
    assert_health_data(&store, session, &transcript, FRAMES);
    assert!(!encrypting.exists(), "the leftover copy was not removed");
    store.checkpoint().unwrap();
    assert_eq!(found_in(&read(&legacy)), Vec::<&str>::new());
}
