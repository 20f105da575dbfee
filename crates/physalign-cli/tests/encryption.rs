//! The command line opens the encrypted local database with the store's key resolution
//! (issue 17): a passphrase from `PHYSALIGN_DB_PASSPHRASE`, a clear error with none and no
//! keyring, another error for a wrong one; through the built binary on real files.

use physalign_store::{DatabaseKey, Store, PASSPHRASE_ENV};
use std::path::Path;
use std::process::{Command, Output};

/// `physalign --db DB consent ...` with `passphrase` as its only key source.
fn consent(db: &Path, passphrase: Option<&str>, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_physalign"));
    command
        .arg("--db")
        .arg(db)
        .arg("consent")
        .args(args)
        .env("PHYSALIGN_NO_KEYRING", "1")
        .env_remove(PASSPHRASE_ENV);
    if let Some(passphrase) = passphrase {
        command.env(PASSPHRASE_ENV, passphrase);
    }
    command.output().expect("run physalign")
}

#[test]
fn the_command_line_needs_the_key_and_says_how_to_give_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("patient.sqlite");

    let out = consent(&db, None, &["--json"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("no key for the local database")
            && stderr.contains("export PHYSALIGN_DB_PASSPHRASE="),
        "{stderr}"
    );
    assert!(!db.exists(), "a database was created without a key");

    let out = consent(
        &db,
        Some("the patient's own phrase"),
        &["--share-transcript", "no", "--json"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !std::fs::read(&db)
            .unwrap()
            .starts_with(b"SQLite format 3\0"),
        "the command line wrote a plain database"
    );

    let out = consent(&db, Some("another phrase"), &["--json"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("the database key is wrong"), "{stderr}");

    // The library (as the desktop app opens it) reads what the command line wrote.
    let key = DatabaseKey::from_passphrase("the patient's own phrase").unwrap();
    let store = Store::open_with_key(&db, key).unwrap();
    assert!(!store.consent_settings().unwrap().share_transcript);
}
