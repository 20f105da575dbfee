//! Schema migrations embedded from `migrations/sqlite/` and applied in order on open.
//!
//! The applied version lives in `PRAGMA user_version`. Pending migrations run in one IMMEDIATE
//! transaction that first re-reads the version, so two processes opening a fresh file at once
//! cannot both apply the same migration.

use crate::StoreError;
use rusqlite::{Connection, TransactionBehavior};

/// One migration: its version (1, 2, ...) and SQL.
struct Migration {
    version: i64,
    file: &'static str,
    sql: &'static str,
}

macro_rules! migration {
    ($version:literal, $file:literal) => {
        Migration {
            version: $version,
            file: $file,
            sql: include_str!(concat!("../../../migrations/sqlite/", $file)),
        }
    };
}

/// Every migration, in order: the one place the schema is created, for every crate. Append
/// only; never edit a released one.
///
/// Versions 2 and 3 were once applied on demand by the sync client and the recording engine
/// (`ensure_sync_schema`, `ensure_recording_schema`) on top of version 1; their SQL is
/// idempotent (`IF NOT EXISTS`), so a version-1 file that already holds their tables migrates.
const MIGRATIONS: &[Migration] = &[
    migration!(1, "0001_initial.sql"),
    migration!(2, "0100_sync_state.sql"),
    migration!(3, "0200_recordings.sql"),
    migration!(4, "0300_drop_undeliverable_outbox.sql"),
    migration!(5, "0400_clinical_loop.sql"),
    migration!(6, "0500_repetition_confidence_side.sql"),
    migration!(7, "0600_workspace_indexes.sql"),
    migration!(8, "0800_goniometer_readings.sql"),
    migration!(9, "0900_session_rom.sql"),
    migration!(10, "1000_appointments.sql"),
    migration!(11, "1100_soap_notes.sql"),
    migration!(12, "1200_signed_note_sync.sql"),
    migration!(13, "1300_transcript_retention.sql"),
    migration!(14, "1400_review_minutes.sql"),
    migration!(15, "1500_outcome_measures.sql"),
];

/// The schema version this build creates.
pub const SCHEMA_VERSION: i64 = 15;

/// Brings the database up to [`SCHEMA_VERSION`]; does nothing when it already is.
/// Returns the version found before migrating.
pub(crate) fn migrate(conn: &mut Connection) -> Result<i64, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found: i64 = tx.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::SchemaTooNew {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    for migration in MIGRATIONS.iter().filter(|m| m.version > found) {
        tracing::info!(
            version = migration.version,
            file = migration.file,
            "applying sqlite migration"
        );
        tx.execute_batch(migration.sql)?;
        // PRAGMA takes no bound parameters; the value is our own integer.
        tx.execute_batch(&format!("PRAGMA user_version = {}", migration.version))?;
    }
    tx.commit()?;
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_numbered_consecutively_and_end_at_schema_version() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version, i as i64 + 1);
            assert!(!m.sql.trim().is_empty());
        }
        assert_eq!(MIGRATIONS.last().map(|m| m.version), Some(SCHEMA_VERSION));
    }

    #[test]
    fn every_file_in_migrations_sqlite_is_applied_in_name_order() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../migrations/sqlite");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .expect("migrations/sqlite")
            .map(|entry| entry.expect("dir entry").file_name())
            .filter_map(|name| name.to_str().map(str::to_owned))
            .filter(|name| name.ends_with(".sql"))
            .collect();
        files.sort();
        let listed: Vec<&str> = MIGRATIONS.iter().map(|m| m.file).collect();
        assert_eq!(files, listed);
    }
}
