//! SQLCipher: keying a connection, and encrypting a plain database of an earlier version in
//! place, crash-safely (issue 17).
//!
//! A passphrase is stretched per file with the file's random 16-byte salt (its first 16 bytes)
//! by PBKDF2-HMAC-SHA512 with 256 000 rounds, SQLCipher 4's own derivation, and the result is
//! given to SQLCipher as a raw key with that salt. Doing the stretching here lets a process
//! derive the key once per file instead of once per connection (the frame writer and every
//! desktop command open their own). The salt is read through SQLite (`PRAGMA cipher_salt`), never
//! through a descriptor of our own: closing one would drop the POSIX locks that other
//! connections of this process hold on the file.

use crate::connection::permissions;
use crate::key::{DatabaseKey, Secret};
use crate::StoreError;
use rusqlite::{Connection, OpenFlags};
use sha2::{Digest, Sha256, Sha512};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use zeroize::Zeroizing;

/// The first 16 bytes of every unencrypted SQLite file; SQLCipher keeps its salt there instead.
const PLAIN_HEADER: [u8; 16] = *b"SQLite format 3\0";
/// SQLCipher 4's passphrase stretching: PBKDF2-HMAC-SHA512, this many rounds, 32-byte key.
const KDF_ROUNDS: u32 = 256_000;
/// Suffix of the encrypted copy being written beside a plain database.
const ENCRYPTING_SUFFIX: &str = "-encrypting";
/// Passphrase-derived keys kept per process (few files are ever open at once).
const KDF_CACHE_SIZE: usize = 8;

/// What a keyed connection found.
pub(crate) enum Unlocked {
    /// The key opens the file (or the file is new and will be encrypted with it).
    Open,
    /// The file is an unencrypted SQLite database of an earlier version.
    Plain,
}

/// Keys `conn`, freshly opened on `path` and not yet read, and checks that the key opens it.
pub(crate) fn unlock(
    conn: &Connection,
    path: &Path,
    key: &DatabaseKey,
) -> Result<Unlocked, StoreError> {
    match &key.secret {
        Secret::Raw(raw) => set_key(conn, &raw_key_literal(raw.as_slice(), None))?,
        Secret::Passphrase(passphrase) => {
            if file_is_empty(path)? {
                // A new file: SQLCipher picks the salt and stretches the passphrase itself, when
                // the first page is read or written, so a concurrent first open that writes first
                // wins the salt and this connection follows it.
                let literal = Zeroizing::new(format!("'{}'", passphrase.replace('\'', "''")));
                conn.execute_batch(&format!("PRAGMA key = {}", literal.as_str()))?;
            } else {
                let salt = read_salt(path)?;
                if salt == PLAIN_HEADER {
                    return Ok(Unlocked::Plain);
                }
                let derived = derived_key(passphrase, &salt);
                set_key(conn, &raw_key_literal(derived.as_slice(), Some(&salt)))?;
            }
        }
    }
    match conn.query_row("SELECT count(*) FROM sqlite_master", [], |row| {
        row.get::<_, i64>(0)
    }) {
        Ok(_) => Ok(Unlocked::Open),
        Err(e) if is_not_a_database(&e) => {
            if read_salt(path)? == PLAIN_HEADER {
                Ok(Unlocked::Plain)
            } else {
                Err(StoreError::KeyWrong {
                    path: path.to_path_buf(),
                })
            }
        }
        Err(e) => Err(e.into()),
    }
}

/// Encrypts the plain database at `path` with `key`, in place. Every step leaves either the plain
/// file intact under its name or the complete encrypted one there, so a kill at any point loses
/// nothing, and a later open finishes (or redoes) the job:
/// 1. under an exclusive lock on the directory (other openers wait, then find it encrypted),
///    the plain file leaves WAL mode, which folds the log into it and removes the log;
/// 2. a write lock on it is held while SQLCipher exports it into an encrypted file beside it,
///    owner-only from its creation, which is then synced;
/// 3. the encrypted file is renamed over the plain one (atomic) and the directory synced.
pub(crate) fn encrypt_in_place(path: &Path, key: &DatabaseKey) -> Result<(), StoreError> {
    let dir = match path.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(dir) => dir.to_path_buf(),
        None => PathBuf::from("."),
    };
    let dir_lock = std::fs::File::open(&dir).map_err(io("opening directory", &dir))?;
    dir_lock.lock().map_err(io("locking directory", &dir))?;
    if read_salt(path)? != PLAIN_HEADER {
        return Ok(()); // Another opener encrypted it while this one waited for the lock.
    }
    let encrypting = sibling(path, ENCRYPTING_SUFFIX);
    // A leftover of an interrupted encryption: the plain original is still intact.
    remove_if_present(&encrypting)?;
    remove_if_present(&sibling(&encrypting, "-journal"))?;

    let holder = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
    holder.busy_timeout(crate::connection::BUSY_TIMEOUT)?;
    let busy = || StoreError::PlainDatabaseBusy {
        path: path.to_path_buf(),
    };
    match holder.query_row("PRAGMA journal_mode = DELETE", [], |row| {
        row.get::<_, String>(0)
    }) {
        Ok(mode) if mode.eq_ignore_ascii_case("delete") => {}
        Ok(_) => return Err(busy()),
        Err(e) if is_busy(&e) => return Err(busy()),
        Err(e) => return Err(e.into()),
    }
    match holder.execute_batch("BEGIN IMMEDIATE") {
        Err(e) if is_busy(&e) => return Err(busy()),
        other => other?,
    }

    let target_key = new_file_key_literal(key)?;
    // CREATE: attached databases inherit it, and the encrypted copy is a new file.
    let exporter = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
    )?;
    exporter.busy_timeout(crate::connection::BUSY_TIMEOUT)?;
    let encrypting_text = encrypting.to_str().ok_or_else(|| StoreError::Invalid {
        what: "database path",
        detail: format!("{} is not UTF-8", path.display()),
    })?;
    exporter.execute(
        "ATTACH DATABASE ?1 AS encrypted KEY ?2",
        rusqlite::params![encrypting_text, target_key.as_str()],
    )?;
    // SQLite has just created it, still empty: owner-only before any data goes in.
    permissions::tighten_files(&encrypting)?;
    exporter.execute_batch("BEGIN")?;
    exporter.query_row("SELECT sqlcipher_export('encrypted')", [], |_| Ok(()))?;
    let version: i64 = exporter.query_row("PRAGMA main.user_version", [], |row| row.get(0))?;
    // PRAGMA takes no bound parameters; the value is an integer read from the file.
    exporter.execute_batch(&format!("PRAGMA encrypted.user_version = {version}"))?;
    exporter.execute_batch("COMMIT")?;
    let check: String = exporter.query_row("PRAGMA encrypted.quick_check", [], |row| row.get(0))?;
    if check != "ok" {
        return Err(StoreError::corrupt("encrypted copy", check));
    }
    exporter.execute_batch("DETACH DATABASE encrypted")?;
    drop(exporter);

    std::fs::File::open(&encrypting)
        .and_then(|file| file.sync_all())
        .map_err(io("syncing", &encrypting))?;
    std::fs::rename(&encrypting, path).map_err(io("replacing", path))?;
    dir_lock.sync_all().map_err(io("syncing directory", &dir))?;
    drop(holder);
    // Out of WAL mode the plain file had no log left; anything still named like one is stale.
    for suffix in ["-wal", "-shm"] {
        remove_if_present(&sibling(path, suffix))?;
    }
    tracing::info!(path = %path.display(), "encrypted the plain database in place");
    Ok(())
}

fn set_key(conn: &Connection, literal: &str) -> Result<(), StoreError> {
    let sql = Zeroizing::new(format!("PRAGMA key = \"{literal}\""));
    conn.execute_batch(&sql)?;
    Ok(())
}

/// SQLCipher's raw-key literal, `x'KEY'` or `x'KEYSALT'` in hex.
fn raw_key_literal(key: &[u8], salt: Option<&[u8; 16]>) -> Zeroizing<String> {
    let mut hex_text = Zeroizing::new(hex::encode(key));
    if let Some(salt) = salt {
        hex_text.push_str(&hex::encode(salt));
    }
    Zeroizing::new(format!("x'{}'", hex_text.as_str()))
}

/// The key literal for a new encrypted file: a raw key as is; a passphrase stretched with a fresh
/// random salt (as SQLCipher would on a new file).
fn new_file_key_literal(key: &DatabaseKey) -> Result<Zeroizing<String>, StoreError> {
    Ok(match &key.secret {
        Secret::Raw(raw) => raw_key_literal(raw.as_slice(), None),
        Secret::Passphrase(passphrase) => {
            let mut salt = [0u8; 16];
            getrandom::getrandom(&mut salt).map_err(|e| StoreError::Io {
                action: "drawing a salt for",
                path: PathBuf::new(),
                source: e.into(),
            })?;
            raw_key_literal(derived_key(passphrase, &salt).as_slice(), Some(&salt))
        }
    })
}

/// Passphrase-derived keys of this process, by passphrase digest and salt.
type KdfCacheEntry = ([u8; 32], [u8; 16], Zeroizing<[u8; 32]>);
static KDF_CACHE: Mutex<Vec<KdfCacheEntry>> = Mutex::new(Vec::new());

/// SQLCipher 4's key for `passphrase` and a file's `salt`, derived once per process.
fn derived_key(passphrase: &str, salt: &[u8; 16]) -> Zeroizing<[u8; 32]> {
    let digest: [u8; 32] = Sha256::digest(passphrase.as_bytes()).into();
    let mut cache = KDF_CACHE.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, _, key)) = cache.iter().find(|(d, s, _)| *d == digest && s == salt) {
        return key.clone();
    }
    let mut key = Zeroizing::new([0u8; 32]);
    pbkdf2::pbkdf2_hmac::<Sha512>(passphrase.as_bytes(), salt, KDF_ROUNDS, key.as_mut_slice());
    if cache.len() >= KDF_CACHE_SIZE {
        cache.remove(0);
    }
    cache.push((digest, *salt, key.clone()));
    key
}

/// The first 16 bytes of the file: SQLCipher's salt, or [`PLAIN_HEADER`] for a plain database.
/// Read by a throwaway SQLite connection keyed with any key, since `PRAGMA cipher_salt` reads
/// them without decrypting anything.
fn read_salt(path: &Path) -> Result<[u8; 16], StoreError> {
    let probe = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    set_key(&probe, &raw_key_literal(&[0u8; 32], None))?;
    let salt_hex: String = probe.query_row("PRAGMA cipher_salt", [], |row| row.get(0))?;
    let mut salt = [0u8; 16];
    hex::decode_to_slice(salt_hex.as_bytes(), &mut salt)
        .map_err(|e| StoreError::corrupt("database salt", e))?;
    Ok(salt)
}

fn file_is_empty(path: &Path) -> Result<bool, StoreError> {
    // Metadata only: no descriptor of our own on a file that SQLite holds locks on.
    Ok(std::fs::metadata(path)
        .map_err(io("reading database file", path))?
        .len()
        == 0)
}

fn is_not_a_database(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::NotADatabase)
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _)
        if matches!(f.code, rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked))
}

/// `path` with `suffix` appended to its file name (`x.db` and `-wal` give `x.db-wal`).
pub(crate) fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    name.into()
}

fn remove_if_present(path: &Path) -> Result<(), StoreError> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io("removing", path)(e)),
        _ => Ok(()),
    }
}

fn io<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> StoreError + 'a {
    move |source| StoreError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}
