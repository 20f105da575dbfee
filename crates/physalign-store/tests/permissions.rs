//! The database directory is 0700 and its files 0600, on creation and when a looser existing
//! directory or file is opened (issue 17), checked on real files.
#![cfg(unix)]

use physalign_store::Store;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn side(db: &Path, suffix: &str) -> std::path::PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(suffix);
    name.into()
}

#[test]
fn a_new_database_is_private() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("data").join("physalign");
    let db = dir.join("physalign.sqlite");
    let store = Store::open(&db).unwrap();
    // Write something so that the WAL holds data.
    store.consent_settings().unwrap();
    assert_eq!(mode(&dir), 0o700, "directory");
    assert_eq!(mode(&db), 0o600, "database");
    for suffix in ["-wal", "-shm"] {
        let file = side(&db, suffix);
        assert!(file.exists(), "{suffix} exists in WAL mode");
        assert_eq!(mode(&file), 0o600, "{suffix}");
    }
}

#[test]
fn an_existing_looser_database_is_tightened_when_opened() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("shared");
    let db = dir.join("physalign.sqlite");
    drop(Store::open(&db).unwrap());
    // As an older version or a careless copy would have left them.
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    let journal = side(&db, "-journal");
    std::fs::write(&journal, b"").unwrap();
    std::fs::set_permissions(&journal, std::fs::Permissions::from_mode(0o666)).unwrap();
    for suffix in ["-wal", "-shm"] {
        let file = side(&db, suffix);
        if file.exists() {
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
    }

    let store = Store::open(&db).unwrap();
    store.consent_settings().unwrap();
    assert_eq!(mode(&dir), 0o700, "directory");
    assert_eq!(mode(&db), 0o600, "database");
    for suffix in ["-wal", "-shm", "-journal"] {
        let file = side(&db, suffix);
        if file.exists() {
            assert_eq!(mode(&file), 0o600, "{suffix}");
        }
    }
    assert!(
        store.schema_version().unwrap() > 0,
        "still the same database"
    );
}

#[test]
fn a_shared_sticky_directory_is_left_alone() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("tmp-like");
    std::fs::create_dir(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o1777)).unwrap();
    let db = dir.join("physalign.sqlite");
    drop(Store::open(&db).unwrap());
    assert_eq!(
        std::fs::metadata(&dir).unwrap().permissions().mode() & 0o7777,
        0o1777
    );
    assert_eq!(mode(&db), 0o600, "the file is still private");
}
