//! Where the device keeps its tokens: the OS keyring (Secret Service) when there is one, else a
//! ChaCha20-Poly1305 encrypted file whose random key sits in a separate 0600 file.
//!
//! Headless machines (CI, kiosks, this kind of server) have no keyring daemon, so the file is a
//! first-class backend, not an afterthought. The key file and the token files live in one 0700
//! directory outside the database, so copying the database never copies the credentials.

use crate::SyncError;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fs::{self, OpenOptions};
use std::io::{ErrorKind, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Keyring service name.
const KEYRING_SERVICE: &str = "physalign";
/// Environment variable that overrides the credentials directory.
pub const CREDENTIALS_DIR_ENV: &str = "PHYSALIGN_CREDENTIALS_DIR";
/// Environment variable that, when `1`, skips the OS keyring (e.g. tests on a desktop).
pub const NO_KEYRING_ENV: &str = "PHYSALIGN_NO_KEYRING";
const KEY_FILE: &str = "credentials.key";
const NONCE_LEN: usize = 12;

/// The tokens of one signed-in account.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct Tokens {
    /// Long-lived, rotated on every refresh.
    pub refresh_token: String,
    /// Short-lived bearer token, kept so a restart does not need a refresh.
    pub access_token: Option<String>,
    /// When the access token stops working.
    pub access_expires_at: Option<DateTime<Utc>>,
    /// The retry key of a refresh sent with this refresh token whose answer never arrived:
    /// sent again with it, the server knows the device is retrying (see `ApiClient`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_refresh_key: Option<String>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("access_expires_at", &self.access_expires_at)
            .finish_non_exhaustive()
    }
}

/// Which backend holds the tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    /// The desktop keyring (Secret Service).
    OsKeyring,
    /// The encrypted file fallback.
    EncryptedFile,
}

/// Reads and writes [`Tokens`] per account.
#[derive(Debug, Clone)]
pub struct CredentialStore {
    dir: PathBuf,
    use_keyring: bool,
}

impl CredentialStore {
    /// A store in `dir`, trying the OS keyring first unless `PHYSALIGN_NO_KEYRING=1`.
    pub fn new(dir: PathBuf) -> Self {
        let use_keyring = std::env::var(NO_KEYRING_ENV).map_or(true, |v| v != "1");
        CredentialStore { dir, use_keyring }
    }

    /// A store that never touches the OS keyring.
    pub fn file_only(dir: PathBuf) -> Self {
        CredentialStore {
            dir,
            use_keyring: false,
        }
    }

    /// `$PHYSALIGN_CREDENTIALS_DIR`, else the user's local data directory `physalign/credentials`.
    pub fn default_dir() -> PathBuf {
        if let Some(dir) = std::env::var_os(CREDENTIALS_DIR_ENV) {
            return PathBuf::from(dir);
        }
        dirs::data_local_dir()
            .unwrap_or_else(|| PathBuf::from("."))
            .join("physalign")
            .join("credentials")
    }

    /// The directory holding the key and token files.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Stores `tokens` for `account`; returns the backend that took them.
    pub fn save(&self, account: &str, tokens: &Tokens) -> Result<Backend, SyncError> {
        let secret = serde_json::to_string(tokens)?;
        if self.use_keyring && keyring_set(account, &secret).is_ok() {
            // One copy only, so a stale file can never shadow a newer keyring entry.
            let _ = fs::remove_file(self.token_path(account));
            return Ok(Backend::OsKeyring);
        }
        self.write_encrypted(account, secret.as_bytes())?;
        Ok(Backend::EncryptedFile)
    }

    /// The tokens of `account`, if any are stored.
    pub fn load(&self, account: &str) -> Result<Option<Tokens>, SyncError> {
        if self.use_keyring {
            if let Ok(Some(secret)) = keyring_get(account) {
                return serde_json::from_str(&secret)
                    .map(Some)
                    .map_err(|e| SyncError::Credentials(format!("keyring entry unreadable: {e}")));
            }
        }
        let Some(plain) = self.read_encrypted(account)? else {
            return Ok(None);
        };
        serde_json::from_slice(&plain)
            .map(Some)
            .map_err(|e| SyncError::Credentials(format!("credentials file unreadable: {e}")))
    }

    /// Forgets the tokens of `account` in every backend.
    pub fn delete(&self, account: &str) -> Result<(), SyncError> {
        if self.use_keyring {
            let _ = keyring::Entry::new(KEYRING_SERVICE, account)
                .and_then(|entry| entry.delete_credential());
        }
        match fs::remove_file(self.token_path(account)) {
            Err(e) if e.kind() != ErrorKind::NotFound => Err(SyncError::Credentials(format!(
                "removing {}: {e}",
                self.token_path(account).display()
            ))),
            _ => Ok(()),
        }
    }

    fn token_path(&self, account: &str) -> PathBuf {
        let digest = Sha256::digest(account.as_bytes());
        self.dir
            .join(format!("token-{}.enc", hex::encode(&digest[..12])))
    }

    fn ensure_dir(&self) -> Result<(), SyncError> {
        fs::create_dir_all(&self.dir).map_err(|e| io_error("creating", &self.dir, e))?;
        fs::set_permissions(&self.dir, fs::Permissions::from_mode(0o700))
            .map_err(|e| io_error("restricting", &self.dir, e))
    }

    /// The file key: created once with 32 random bytes and mode 0600, refused if others can
    /// read it (then it may have leaked and must not protect new tokens).
    fn key(&self, create: bool) -> Result<Option<Key>, SyncError> {
        let path = self.dir.join(KEY_FILE);
        match fs::read(&path) {
            Ok(bytes) => {
                let mode = fs::metadata(&path)
                    .map_err(|e| io_error("reading", &path, e))?
                    .permissions()
                    .mode();
                if mode & 0o077 != 0 {
                    return Err(SyncError::Credentials(format!(
                        "{} is readable by others (mode {:o}); delete it and log in again",
                        path.display(),
                        mode & 0o777
                    )));
                }
                if bytes.len() != 32 {
                    return Err(SyncError::Credentials(format!(
                        "{} is not a 32-byte key",
                        path.display()
                    )));
                }
                Ok(Some(*Key::from_slice(&bytes)))
            }
            Err(e) if e.kind() == ErrorKind::NotFound && create => {
                self.ensure_dir()?;
                let key = ChaCha20Poly1305::generate_key(&mut OsRng);
                let mut file = OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(0o600)
                    .open(&path)
                    .map_err(|e| io_error("creating", &path, e))?;
                file.write_all(key.as_slice())
                    .and_then(|()| file.sync_all())
                    .map_err(|e| io_error("writing", &path, e))?;
                Ok(Some(key))
            }
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_error("reading", &path, e)),
        }
    }

    fn write_encrypted(&self, account: &str, plain: &[u8]) -> Result<(), SyncError> {
        let key = self
            .key(true)?
            .ok_or_else(|| SyncError::Credentials("no key".into()))?;
        let cipher = ChaCha20Poly1305::new(&key);
        let nonce = ChaCha20Poly1305::generate_nonce(&mut OsRng);
        // The account is authenticated data: a file copied to another account's name fails.
        let sealed = cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plain,
                    aad: account.as_bytes(),
                },
            )
            .map_err(|_| SyncError::Credentials("encryption failed".into()))?;
        let path = self.token_path(account);
        let tmp = path.with_extension("tmp");
        let mut file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)
            .map_err(|e| io_error("creating", &tmp, e))?;
        file.write_all(nonce.as_slice())
            .and_then(|()| file.write_all(&sealed))
            .and_then(|()| file.sync_all())
            .map_err(|e| io_error("writing", &tmp, e))?;
        // Rename is atomic: a crash leaves the old token or the new one, never half of one.
        fs::rename(&tmp, &path).map_err(|e| io_error("replacing", &path, e))
    }

    fn read_encrypted(&self, account: &str) -> Result<Option<Vec<u8>>, SyncError> {
        let path = self.token_path(account);
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_error("reading", &path, e)),
        };
        let Some(key) = self.key(false)? else {
            return Err(SyncError::Credentials(format!(
                "{} exists but the key file is gone; log in again",
                path.display()
            )));
        };
        if bytes.len() < NONCE_LEN {
            return Err(SyncError::Credentials(format!(
                "{} is truncated",
                path.display()
            )));
        }
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        ChaCha20Poly1305::new(&key)
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: account.as_bytes(),
                },
            )
            .map(Some)
            .map_err(|_| {
                SyncError::Credentials(format!(
                    "{} does not decrypt with this device's key; log in again",
                    path.display()
                ))
            })
    }
}

fn keyring_set(account: &str, secret: &str) -> Result<(), keyring::Error> {
    let entry = keyring::Entry::new(KEYRING_SERVICE, account)?;
    entry.set_password(secret)?;
    // Read back: a keyring that accepts writes but cannot return them is no keyring.
    match entry.get_password() {
        Ok(stored) if stored == secret => Ok(()),
        Ok(_) => Err(keyring::Error::NoEntry),
        Err(e) => Err(e),
    }
}

fn keyring_get(account: &str) -> Result<Option<String>, keyring::Error> {
    match keyring::Entry::new(KEYRING_SERVICE, account)?.get_password() {
        Ok(secret) => Ok(Some(secret)),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(e) => Err(e),
    }
}

fn io_error(action: &str, path: &Path, e: std::io::Error) -> SyncError {
    SyncError::Credentials(format!("{action} {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(refresh: &str) -> Tokens {
        Tokens {
            refresh_token: refresh.into(),
            access_token: Some("access".into()),
            access_expires_at: None,
            pending_refresh_key: None,
        }
    }

    #[test]
    fn encrypted_file_round_trips_and_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let store = CredentialStore::file_only(dir.path().join("creds"));
        assert_eq!(store.load("a@x").unwrap(), None);
        assert_eq!(
            store.save("a@x", &tokens("r1")).unwrap(),
            Backend::EncryptedFile
        );
        assert_eq!(
            store.save("a@x", &tokens("r2")).unwrap(),
            Backend::EncryptedFile
        );
        assert_eq!(store.load("a@x").unwrap(), Some(tokens("r2")));
        assert_eq!(store.load("b@x").unwrap(), None);
        let key_mode = fs::metadata(store.dir().join(KEY_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(key_mode & 0o777, 0o600);
        let token_file = store.token_path("a@x");
        let raw = fs::read(&token_file).unwrap();
        assert!(
            !String::from_utf8_lossy(&raw).contains("r2"),
            "token stored in clear"
        );
        store.delete("a@x").unwrap();
        assert_eq!(store.load("a@x").unwrap(), None);
    }

    #[test]
    fn tampered_or_moved_file_and_leaky_key_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = CredentialStore::file_only(dir.path().to_path_buf());
        store.save("a@x", &tokens("r1")).unwrap();
        // Another account's name: the authenticated data no longer matches.
        fs::copy(store.token_path("a@x"), store.token_path("b@x")).unwrap();
        assert!(matches!(store.load("b@x"), Err(SyncError::Credentials(_))));
        let mut raw = fs::read(store.token_path("a@x")).unwrap();
        let last = raw.len() - 1;
        raw[last] ^= 1;
        fs::write(store.token_path("a@x"), &raw).unwrap();
        assert!(matches!(store.load("a@x"), Err(SyncError::Credentials(_))));
        fs::set_permissions(dir.path().join(KEY_FILE), fs::Permissions::from_mode(0o644)).unwrap();
        let err = store.save("c@x", &tokens("r")).unwrap_err().to_string();
        assert!(err.contains("readable by others"), "{err}");
    }

    #[test]
    fn keyring_absent_falls_back_to_the_file() {
        // This machine has no Secret Service: `new` must still store and load.
        let dir = tempfile::tempdir().unwrap();
        let store = CredentialStore::new(dir.path().to_path_buf());
        let backend = store.save("k@x", &tokens("r9")).unwrap();
        assert_eq!(store.load("k@x").unwrap(), Some(tokens("r9")));
        println!("credential backend on this machine: {backend:?}");
        store.delete("k@x").unwrap();
        assert_eq!(store.load("k@x").unwrap(), None);
    }
}
