//! The key that opens the local database (issue 17: encryption at rest).
//!
//! Resolution, the same for the command line and the desktop app ([`DatabaseKey::resolve`]):
//! 1. `PHYSALIGN_DB_PASSPHRASE`, when set: a passphrase the user chose, stretched per database
//!    file exactly as SQLCipher stretches one (so the `sqlcipher` shell opens the file with
//!    `PRAGMA key = '...'` too). It is never written anywhere.
//! 2. Otherwise the OS keyring (Secret Service): a random 256-bit key, generated on first use
//!    and kept there (`PHYSALIGN_NO_KEYRING=1` skips it).
//! 3. With neither, [`StoreError::KeyUnavailable`], which says how to set a passphrase.

use crate::StoreError;
use std::sync::Mutex;
use zeroize::Zeroizing;

/// Environment variable holding the database passphrase (unattended use: tests, servers,
/// machines without a keyring).
pub const PASSPHRASE_ENV: &str = "PHYSALIGN_DB_PASSPHRASE";
/// Environment variable that, when `1`, skips the OS keyring (shared with the sync client).
pub const NO_KEYRING_ENV: &str = "PHYSALIGN_NO_KEYRING";
/// Keyring service and account of the generated database key.
const KEYRING_SERVICE: &str = "physalign-database";
const KEYRING_ACCOUNT: &str = "local-store";

/// Where a [`DatabaseKey`] came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySource {
    /// A passphrase (`PHYSALIGN_DB_PASSPHRASE` or given by the caller).
    Passphrase,
    /// A random key kept in the OS keyring.
    OsKeyring,
    /// A raw 256-bit key given by the caller.
    Raw,
}

/// Whether [`DatabaseKey::resolve_from`] may use the OS keyring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyringUse {
    /// Read the key from the keyring, generating and storing it on first use.
    Try,
    /// Never touch the keyring.
    Skip,
}

#[derive(Clone)]
pub(crate) enum Secret {
    /// Stretched per file with the file's salt (see `encryption`).
    Passphrase(Zeroizing<String>),
    /// Used as the cipher key directly.
    Raw(Zeroizing<[u8; 32]>),
}

/// The secret that opens the local database. Its `Debug` shows only where it came from.
#[derive(Clone)]
pub struct DatabaseKey {
    pub(crate) secret: Secret,
    source: KeySource,
}

impl std::fmt::Debug for DatabaseKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatabaseKey")
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

/// The keyring's key once read in this process: the desktop app opens a store per command, and
/// a D-Bus round trip each time would be wasted.
static KEYRING_KEY: Mutex<Option<Zeroizing<[u8; 32]>>> = Mutex::new(None);

impl DatabaseKey {
    /// A key from a passphrase; refused when empty.
    pub fn from_passphrase(passphrase: impl Into<String>) -> Result<Self, StoreError> {
        let passphrase = Zeroizing::new(passphrase.into());
        if passphrase.is_empty() {
            return Err(StoreError::KeyUnavailable {
                reason: format!("{PASSPHRASE_ENV} is set but empty"),
            });
        }
        // SQLCipher reads `x'...'` as a raw key, not a passphrase: refused, so that the file's
        // key never depends on which of the two opened it first.
        let lower = passphrase.to_ascii_lowercase();
        if lower.starts_with("x'") && lower.ends_with('\'') {
            return Err(StoreError::KeyUnavailable {
                reason: format!("{PASSPHRASE_ENV} looks like a raw key (x'...'), not a passphrase"),
            });
        }
        Ok(DatabaseKey {
            secret: Secret::Passphrase(passphrase),
            source: KeySource::Passphrase,
        })
    }

    /// A raw 256-bit cipher key.
    pub fn from_raw(key: [u8; 32]) -> Self {
        DatabaseKey {
            secret: Secret::Raw(Zeroizing::new(key)),
            source: KeySource::Raw,
        }
    }

    /// Where this key came from.
    pub fn source(&self) -> KeySource {
        self.source
    }

    /// The key from this process's environment: `PHYSALIGN_DB_PASSPHRASE`, else the OS keyring
    /// unless `PHYSALIGN_NO_KEYRING=1` (see the module documentation).
    pub fn resolve() -> Result<Self, StoreError> {
        let passphrase = std::env::var(PASSPHRASE_ENV).ok();
        let keyring = if std::env::var(NO_KEYRING_ENV).is_ok_and(|v| v == "1") {
            KeyringUse::Skip
        } else {
            KeyringUse::Try
        };
        Self::resolve_from(passphrase, keyring)
    }

    /// The key from the given passphrase, else from the keyring when allowed, else
    /// [`StoreError::KeyUnavailable`].
    pub fn resolve_from(
        passphrase: Option<String>,
        keyring: KeyringUse,
    ) -> Result<Self, StoreError> {
        if let Some(passphrase) = passphrase {
            return Self::from_passphrase(passphrase);
        }
        let reason = match keyring {
            KeyringUse::Skip => format!("the OS keyring is turned off ({NO_KEYRING_ENV}=1)"),
            KeyringUse::Try => match keyring_key() {
                Ok(key) => {
                    return Ok(DatabaseKey {
                        secret: Secret::Raw(key),
                        source: KeySource::OsKeyring,
                    })
                }
                Err(e) => format!("no OS keyring is available to keep a generated key ({e})"),
            },
        };
        Err(StoreError::KeyUnavailable { reason })
    }
}

/// The keyring's database key, generated and stored there on first use. A keyring that accepts
/// a key but cannot return it is no keyring: the key is read back before it is used, so that a
/// database is never encrypted with a key that is then lost.
fn keyring_key() -> Result<Zeroizing<[u8; 32]>, keyring::Error> {
    let mut cached = KEYRING_KEY.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(key) = cached.as_ref() {
        return Ok(key.clone());
    }
    let entry = keyring::Entry::new(KEYRING_SERVICE, KEYRING_ACCOUNT)?;
    let stored = match entry.get_password() {
        Ok(stored) => Zeroizing::new(stored),
        Err(keyring::Error::NoEntry) => {
            let mut key = Zeroizing::new([0u8; 32]);
            getrandom::getrandom(key.as_mut_slice())
                .map_err(|e| keyring::Error::PlatformFailure(Box::new(e)))?;
            let encoded = Zeroizing::new(hex::encode(key.as_slice()));
            entry.set_password(&encoded)?;
            Zeroizing::new(entry.get_password()?)
        }
        Err(e) => return Err(e),
    };
    let mut key = Zeroizing::new([0u8; 32]);
    hex::decode_to_slice(stored.as_bytes(), key.as_mut_slice())
        .map_err(|e| keyring::Error::BadEncoding(e.to_string().into_bytes()))?;
    *cached = Some(key.clone());
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_passphrase_wins_and_an_empty_one_is_refused() {
        let key = DatabaseKey::resolve_from(Some("correct horse".into()), KeyringUse::Skip)
            .expect("passphrase key");
        assert_eq!(key.source(), KeySource::Passphrase);
        assert!(!format!("{key:?}").contains("horse"), "{key:?}");
        for refused in ["", "x'00ff'"] {
            let err =
                DatabaseKey::resolve_from(Some(refused.into()), KeyringUse::Skip).unwrap_err();
            assert!(matches!(err, StoreError::KeyUnavailable { .. }), "{err}");
        }
    }

    #[test]
    fn the_keyring_keeps_one_key_or_the_error_names_it() {
        // A desktop session has a Secret Service; a headless machine (CI) has none.
        let started = std::time::Instant::now();
        match DatabaseKey::resolve_from(None, KeyringUse::Try) {
            Ok(key) => {
                assert_eq!(key.source(), KeySource::OsKeyring);
                let again = DatabaseKey::resolve_from(None, KeyringUse::Try).unwrap();
                let (Secret::Raw(first), Secret::Raw(second)) = (&key.secret, &again.secret) else {
                    panic!("a keyring key is a raw key");
                };
                assert_eq!(first.as_slice(), second.as_slice(), "one key, kept");
            }
            Err(StoreError::KeyUnavailable { reason }) => {
                assert!(reason.contains("no OS keyring"), "{reason}");
                println!("no keyring here ({:?}): {reason}", started.elapsed());
            }
            Err(other) => panic!("{other}"),
        }
    }

    #[test]
    fn with_neither_source_the_error_says_how_to_set_a_passphrase() {
        let err = DatabaseKey::resolve_from(None, KeyringUse::Skip).unwrap_err();
        assert!(matches!(err, StoreError::KeyUnavailable { .. }), "{err}");
        let text = err.to_string();
        assert!(text.contains("export PHYSALIGN_DB_PASSPHRASE="), "{text}");
    }
}
