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
    sql: &'static str,
}

/// Every migration, in order. Append only; never edit a released one.
const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    sql: include_str!("../../../migrations/sqlite/0001_initial.sql"),
}];

/// The schema version this build creates.
pub const SCHEMA_VERSION: i64 = 1;

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
        tracing::info!(version = migration.version, "applying sqlite migration");
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
}
