//! Opening a connection with the pragmas every PhysAlign connection needs.

use crate::encryption::{self, Unlocked};
use crate::{DatabaseKey, StoreError};
use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use std::time::Duration;

/// How long a connection waits for another one's write lock before giving up with `SQLITE_BUSY`.
pub(crate) const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Opens (creating if needed) the encrypted database at `path` with `key`, and sets WAL,
/// `synchronous=NORMAL`, foreign keys and the busy timeout. A plain database of an earlier
/// version is first encrypted in place (see [`encryption::encrypt_in_place`]).
///
/// WAL lets the frame writer commit while readers read; `synchronous=NORMAL` in WAL mode only
/// risks the last commits on power loss, never corruption, and avoids an fsync per batch.
pub(crate) fn open_connection(path: &Path, key: &DatabaseKey) -> Result<Connection, StoreError> {
    let created_dir = permissions::create_private(path)?;
    let mut encrypted_here = false;
    let conn = loop {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        // SQLite has just created the file (still empty, nothing to read yet); owner-only before
        // WAL mode creates -wal and -shm, which take the main file's mode.
        permissions::tighten_files(path)?;
        if !created_dir {
            permissions::tighten_dir_of(path)?;
        }
        conn.busy_timeout(BUSY_TIMEOUT)?;
        match encryption::unlock(&conn, path, key)? {
            Unlocked::Open => break conn,
            Unlocked::Plain if !encrypted_here => {
                drop(conn);
                encryption::encrypt_in_place(path, key)?;
                encrypted_here = true;
            }
            Unlocked::Plain => {
                return Err(StoreError::Invalid {
                    what: "database encryption",
                    detail: format!(
                        "{} is still unencrypted after encrypting it",
                        path.display()
                    ),
                })
            }
        }
    };
    let mode = wal_mode(&conn)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Invalid {
            what: "journal mode",
            detail: format!("SQLite kept {mode:?} instead of WAL for {}", path.display()),
        });
    }
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // WAL mode has just created -wal and -shm; tighten them and any left by an older version.
    permissions::tighten_files(path)?;
    Ok(conn)
}

/// Switches the connection to WAL. Several first opens of a new file race to convert it, and
/// SQLite answers `SQLITE_BUSY` to the losers at once, without its busy handler (waiting could
/// deadlock); the conversion is retried within [`BUSY_TIMEOUT`]. Returns the mode SQLite kept.
fn wal_mode(conn: &Connection) -> Result<String, StoreError> {
    let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
    loop {
        match conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0)) {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::DatabaseBusy
                    && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(20));
            }
            other => return Ok(other?),
        }
    }
}

/// Owner-only permissions for the database directory and files: they hold health data, and a
/// shared clinic computer has other accounts (issue 17).
pub(crate) mod permissions {
    use crate::StoreError;
    use std::path::Path;

    /// Mode of the directory holding the database.
    pub const DIR_MODE: u32 = 0o700;
    /// Mode of the database file and its -wal, -shm and -journal files.
    pub const FILE_MODE: u32 = 0o600;
    /// Suffixes of the files SQLite keeps beside the database.
    pub const SIDE_FILES: [&str; 3] = ["-wal", "-shm", "-journal"];

    fn io<'a>(
        action: &'static str,
        path: &'a Path,
    ) -> impl FnOnce(std::io::Error) -> StoreError + 'a {
        move |source| StoreError::Io {
            action,
            path: path.to_path_buf(),
            source,
        }
    }

    /// Creates the database's directory (0700) when missing; says whether it did. The file
    /// itself is left to SQLite: opening and closing a descriptor of a database that another
    /// connection of this process holds would drop that connection's POSIX locks.
    #[cfg(unix)]
    pub fn create_private(path: &Path) -> Result<bool, StoreError> {
        use std::os::unix::fs::DirBuilderExt;
        match path.parent().filter(|p| !p.as_os_str().is_empty()) {
            Some(dir) if !dir.exists() => {
                std::fs::DirBuilder::new()
                    .recursive(true)
                    .mode(DIR_MODE)
                    .create(dir)
                    .map_err(io("creating directory", dir))?;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    /// Tightens the existing directory of the database at `path` (see [`tighten_dir`]).
    #[cfg(unix)]
    pub fn tighten_dir_of(path: &Path) -> Result<(), StoreError> {
        match path.parent().filter(|p| !p.as_os_str().is_empty()) {
            Some(dir) => tighten_dir(dir, path),
            None => Ok(()),
        }
    }

    /// Nothing to do where there are no Unix permissions.
    #[cfg(not(unix))]
    pub fn create_private(path: &Path) -> Result<bool, StoreError> {
        if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io("creating directory", dir))?;
        }
        Ok(false)
    }

    /// Nothing to do where there are no Unix permissions.
    #[cfg(not(unix))]
    pub fn tighten_dir_of(_path: &Path) -> Result<(), StoreError> {
        Ok(())
    }

    /// Tightens an existing directory to 0700 when it is this database's own: owned by the
    /// database file's owner, not a shared sticky directory such as `/tmp`, not the home
    /// directory and not a top-level system directory (a tool run as root and pointed at
    /// `/var/lib/x.sqlite` must not lock `/var/lib`: only paths three levels deep or more).
    #[cfg(unix)]
    fn tighten_dir(dir: &Path, db: &Path) -> Result<(), StoreError> {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        const STICKY: u32 = 0o1000;
        let meta = std::fs::metadata(dir).map_err(io("reading directory", dir))?;
        let db_owner = std::fs::metadata(db)
            .map_err(io("reading database file", db))?
            .uid();
        let mode = meta.permissions().mode();
        let canonical = std::fs::canonicalize(dir).map_err(io("reading directory", dir))?;
        let depth = canonical
            .components()
            .filter(|c| matches!(c, std::path::Component::Normal(_)))
            .count();
        let is_home = std::env::var_os("HOME")
            .and_then(|home| std::fs::canonicalize(home).ok())
            .is_some_and(|home| home == canonical);
        if mode & STICKY != 0 || meta.uid() != db_owner || depth < 3 || is_home {
            return Ok(());
        }
        if mode & 0o777 & !DIR_MODE != 0 {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(DIR_MODE))
                .map_err(io("restricting directory", dir))?;
        }
        Ok(())
    }

    /// Sets the database file and its -wal, -shm and -journal files to 0600 where looser.
    #[cfg(unix)]
    pub fn tighten_files(path: &Path) -> Result<(), StoreError> {
        use std::os::unix::fs::PermissionsExt;
        let mut files = vec![path.to_path_buf()];
        for suffix in SIDE_FILES {
            let mut name = path.as_os_str().to_owned();
            name.push(suffix);
            files.push(name.into());
        }
        for file in &files {
            let meta = match std::fs::metadata(file) {
                Ok(meta) => meta,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(io("reading database file", file)(e)),
            };
            if meta.permissions().mode() & 0o777 & !FILE_MODE != 0 {
                std::fs::set_permissions(file, std::fs::Permissions::from_mode(FILE_MODE))
                    .map_err(io("restricting database file", file))?;
            }
        }
        Ok(())
    }

    /// Nothing to do where there are no Unix permissions.
    #[cfg(not(unix))]
    pub fn tighten_files(_path: &Path) -> Result<(), StoreError> {
        Ok(())
    }
}
