//! The idle lock of a shared clinic computer: after a configurable time without activity
//! (default five minutes) the workspace locks, and only the signed-in clinician's PIN (set at
//! sign-in) or password opens it again. While locked the workspace's views are refused by the
//! engine, not only covered by the window.
//!
//! Secrets are never kept: the PIN and the password are stored as salted Argon2id hashes (PHC
//! strings) in a file readable by the owner only, one entry per clinician (so another
//! clinician's sign-in neither sees nor replaces them). After [`MAX_PIN_ATTEMPTS`] wrong PINs the
//! PIN stops opening the lock; the password still does.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use uuid::Uuid;

/// Idle time before the lock, unless configured.
pub const DEFAULT_IDLE_MINUTES: u32 = 5;
/// Shortest idle time that can be configured.
pub const MIN_IDLE_MINUTES: u32 = 1;
/// Longest idle time that can be configured.
pub const MAX_IDLE_MINUTES: u32 = 60;
/// Wrong PINs after which only the password opens the lock.
pub const MAX_PIN_ATTEMPTS: u32 = 5;
/// Digits a PIN has at least.
pub const MIN_PIN_DIGITS: usize = 4;
/// Digits a PIN has at most.
pub const MAX_PIN_DIGITS: usize = 12;

/// What can go wrong with the lock.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// The workspace is locked: unlock it first.
    #[error("the workspace is locked: enter your PIN or password")]
    Locked,
    /// A PIN of the wrong shape.
    #[error("a PIN is {MIN_PIN_DIGITS} to {MAX_PIN_DIGITS} digits")]
    BadPin,
    /// An idle time out of range.
    #[error("the idle time is {MIN_IDLE_MINUTES} to {MAX_IDLE_MINUTES} minutes")]
    BadIdleTime,
    /// The PIN or password given does not match.
    #[error("wrong PIN or password")]
    WrongSecret,
    /// Too many wrong PINs: only the password opens the lock now.
    #[error("too many wrong PINs: enter your password")]
    PinDisabled,
    /// No PIN was set for this clinician (the password still works).
    #[error("no PIN is set on this computer: enter your password")]
    NoPin,
    /// Nothing to check the password against (signed in before this computer kept it).
    #[error("this computer cannot check your password offline: sign in again")]
    NoPassword,
    /// Hashing failed.
    #[error("hashing the secret: {0}")]
    Hash(String),
    /// Reading or writing the secrets file failed.
    #[error("lock secrets {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
    /// The secrets file is damaged.
    #[error("lock secrets {path} are damaged: {detail}")]
    Damaged {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
}

/// How the clinician opens the lock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", content = "secret", rename_all = "snake_case")]
pub enum Unlock {
    /// The PIN set at sign-in.
    Pin(String),
    /// The account's password.
    Password(String),
}

/// The lock as the window shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LockStatus {
    /// Whether the workspace is locked.
    pub locked: bool,
    /// Configured idle time in minutes.
    pub idle_minutes: u32,
    /// Seconds of inactivity left before the lock (0 when locked).
    pub seconds_left: u32,
    /// Whether a PIN can open the lock (one is set and not disabled by wrong attempts).
    pub pin_usable: bool,
}

/// The idle rule: when the last activity was, and whether the lock is on.
#[derive(Debug, Clone)]
pub struct IdleLock {
    idle: Duration,
    last_activity: DateTime<Utc>,
    locked: bool,
    wrong_pins: u32,
}

/// Checks that `minutes` is a configurable idle time.
pub fn check_idle_minutes(minutes: u32) -> Result<u32, LockError> {
    if (MIN_IDLE_MINUTES..=MAX_IDLE_MINUTES).contains(&minutes) {
        Ok(minutes)
    } else {
        Err(LockError::BadIdleTime)
    }
}

impl IdleLock {
    /// An open lock that closes after `idle_minutes` without activity from `now`.
    pub fn new(idle_minutes: u32, now: DateTime<Utc>) -> Result<Self, LockError> {
        Ok(Self {
            idle: Duration::minutes(i64::from(check_idle_minutes(idle_minutes)?)),
            last_activity: now,
            locked: false,
            wrong_pins: 0,
        })
    }

    /// Configured idle time in minutes.
    pub fn idle_minutes(&self) -> u32 {
        u32::try_from(self.idle.num_minutes()).unwrap_or(DEFAULT_IDLE_MINUTES)
    }

    /// Changes the idle time (counted from the last activity).
    pub fn set_idle_minutes(&mut self, minutes: u32) -> Result<(), LockError> {
        self.idle = Duration::minutes(i64::from(check_idle_minutes(minutes)?));
        Ok(())
    }

    /// Locks when the idle time has passed; returns whether it is locked.
    pub fn is_locked(&mut self, now: DateTime<Utc>) -> bool {
        if !self.locked && now - self.last_activity >= self.idle {
            self.locked = true;
        }
        self.locked
    }

    /// `Err(Locked)` while locked: what every workspace view checks first.
    pub fn check(&mut self, now: DateTime<Utc>) -> Result<(), LockError> {
        if self.is_locked(now) {
            Err(LockError::Locked)
        } else {
            Ok(())
        }
    }

    /// The user did something: the idle time starts again (not while locked: only unlocking
    /// opens it).
    pub fn activity(&mut self, now: DateTime<Utc>) {
        if !self.is_locked(now) {
            self.last_activity = now;
        }
    }

    /// Locks at once ("lock now").
    pub fn lock(&mut self) {
        self.locked = true;
    }

    /// The status for the window; `pin_set` says whether the clinician has a PIN.
    pub fn status(&mut self, now: DateTime<Utc>, pin_set: bool) -> LockStatus {
        let locked = self.is_locked(now);
        let left = if locked {
            0
        } else {
            (self.idle - (now - self.last_activity))
                .num_seconds()
                .max(0)
        };
        LockStatus {
            locked,
            idle_minutes: self.idle_minutes(),
            seconds_left: u32::try_from(left).unwrap_or(u32::MAX),
            pin_usable: pin_set && self.wrong_pins < MAX_PIN_ATTEMPTS,
        }
    }

    /// Opens the lock with `unlock`, checked against `secrets` of `user`; a wrong PIN counts
    /// towards [`MAX_PIN_ATTEMPTS`], the right password resets the count.
    pub fn unlock(
        &mut self,
        secrets: &LockSecrets,
        user: Uuid,
        unlock: &Unlock,
        now: DateTime<Utc>,
    ) -> Result<(), LockError> {
        match unlock {
            Unlock::Pin(pin) => {
                if self.wrong_pins >= MAX_PIN_ATTEMPTS {
                    return Err(LockError::PinDisabled);
                }
                if !secrets.verify_pin(user, pin)? {
                    self.wrong_pins += 1;
                    return Err(if self.wrong_pins >= MAX_PIN_ATTEMPTS {
                        LockError::PinDisabled
                    } else {
                        LockError::WrongSecret
                    });
                }
            }
            Unlock::Password(password) => {
                if !secrets.verify_password(user, password)? {
                    return Err(LockError::WrongSecret);
                }
            }
        }
        self.wrong_pins = 0;
        self.locked = false;
        self.last_activity = now;
        Ok(())
    }
}

/// One clinician's stored hashes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Entry {
    pin: Option<String>,
    password: Option<String>,
}

/// The lock's hashes on disk, by clinician.
#[derive(Debug, Clone)]
pub struct LockSecrets {
    path: PathBuf,
}

fn hash(secret: &str) -> Result<String, LockError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(secret.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| LockError::Hash(e.to_string()))
}

fn matches(stored: &str, secret: &str) -> Result<bool, LockError> {
    let parsed = PasswordHash::new(stored).map_err(|e| LockError::Hash(e.to_string()))?;
    Ok(Argon2::default()
        .verify_password(secret.as_bytes(), &parsed)
        .is_ok())
}

/// Checks the shape of a PIN: digits only, [`MIN_PIN_DIGITS`] to [`MAX_PIN_DIGITS`].
pub fn check_pin(pin: &str) -> Result<(), LockError> {
    let ok = (MIN_PIN_DIGITS..=MAX_PIN_DIGITS).contains(&pin.chars().count())
        && pin.chars().all(|c| c.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(LockError::BadPin)
    }
}

impl LockSecrets {
    /// The secrets kept in `path` (created on the first write).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn read(&self) -> Result<BTreeMap<Uuid, Entry>, LockError> {
        match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| LockError::Damaged {
                path: self.path.clone(),
                detail: e.to_string(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
            Err(source) => Err(LockError::Io {
                path: self.path.clone(),
                source,
            }),
        }
    }

    fn write(&self, entries: &BTreeMap<Uuid, Entry>) -> Result<(), LockError> {
        let io = |source| LockError::Io {
            path: self.path.clone(),
            source,
        };
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let tmp = self.path.with_extension("tmp");
        let bytes =
            serde_json::to_vec_pretty(entries).map_err(|e| LockError::Hash(e.to_string()))?;
        write_private(&tmp, &bytes).map_err(io)?;
        std::fs::rename(&tmp, &self.path).map_err(io)
    }

    fn update(&self, user: Uuid, f: impl FnOnce(&mut Entry)) -> Result<(), LockError> {
        let mut entries = self.read()?;
        f(entries.entry(user).or_default());
        self.write(&entries)
    }

    /// Sets (or replaces) `user`'s PIN.
    pub fn set_pin(&self, user: Uuid, pin: &str) -> Result<(), LockError> {
        check_pin(pin)?;
        let hashed = hash(pin)?;
        self.update(user, |e| e.pin = Some(hashed))
    }

    /// Keeps a hash of `user`'s password, so the lock can check it offline.
    pub fn remember_password(&self, user: Uuid, password: &str) -> Result<(), LockError> {
        let hashed = hash(password)?;
        self.update(user, |e| e.password = Some(hashed))
    }

    /// Whether `user` has a PIN.
    pub fn has_pin(&self, user: Uuid) -> Result<bool, LockError> {
        Ok(self.read()?.get(&user).is_some_and(|e| e.pin.is_some()))
    }

    /// Whether `pin` is `user`'s PIN.
    pub fn verify_pin(&self, user: Uuid, pin: &str) -> Result<bool, LockError> {
        let entries = self.read()?;
        let stored = entries
            .get(&user)
            .and_then(|e| e.pin.as_deref())
            .ok_or(LockError::NoPin)?;
        matches(stored, pin)
    }

    /// Whether `password` is `user`'s password.
    pub fn verify_password(&self, user: Uuid, password: &str) -> Result<bool, LockError> {
        let entries = self.read()?;
        let stored = entries
            .get(&user)
            .and_then(|e| e.password.as_deref())
            .ok_or(LockError::NoPassword)?;
        matches(stored, password)
    }

    /// Forgets `user`'s hashes (at sign-out).
    pub fn forget(&self, user: Uuid) -> Result<(), LockError> {
        let mut entries = self.read()?;
        if entries.remove(&user).is_some() {
            self.write(&entries)?;
        }
        Ok(())
    }
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_780_000_000 + seconds, 0).expect("time")
    }

    #[test]
    fn it_locks_after_the_idle_time_and_activity_starts_it_again() {
        let mut lock = IdleLock::new(DEFAULT_IDLE_MINUTES, at(0)).expect("lock");
        assert!(!lock.is_locked(at(299)));
        lock.activity(at(200));
        assert!(
            !lock.is_locked(at(499)),
            "activity at 200 s moves the lock to 500 s"
        );
        assert_eq!(lock.status(at(440), false).seconds_left, 60);
        assert!(lock.is_locked(at(500)));
        assert!(matches!(lock.check(at(501)), Err(LockError::Locked)));
        lock.activity(at(502));
        assert!(lock.is_locked(at(503)), "activity does not open a lock");
        assert!(matches!(
            IdleLock::new(0, at(0)),
            Err(LockError::BadIdleTime)
        ));
        assert!(matches!(
            IdleLock::new(61, at(0)),
            Err(LockError::BadIdleTime)
        ));
    }

    #[test]
    fn pins_and_passwords_are_kept_as_salted_hashes_and_open_the_lock() {
        let dir = tempfile::tempdir().expect("dir");
        let secrets = LockSecrets::new(dir.path().join("lock.json"));
        let (ana, ben) = (Uuid::new_v4(), Uuid::new_v4());
        assert!(matches!(
            secrets.set_pin(ana, "12a4"),
            Err(LockError::BadPin)
        ));
        assert!(matches!(
            secrets.set_pin(ana, "123"),
            Err(LockError::BadPin)
        ));
        secrets.set_pin(ana, "2468").expect("pin");
        secrets
            .remember_password(ana, "Correct-Horse-9")
            .expect("password");
        secrets
            .set_pin(ben, "2468")
            .expect("same pin, other clinician");
        let text = std::fs::read_to_string(secrets.path()).expect("file");
        assert!(!text.contains("2468") && !text.contains("Correct-Horse-9"));
        assert!(text.contains("$argon2id$"));
        let hashes: Vec<&str> = text.matches("$argon2id$").collect();
        assert_eq!(hashes.len(), 3);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(secrets.path())
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }

        let mut lock = IdleLock::new(5, at(0)).expect("lock");
        lock.lock();
        assert!(matches!(
            lock.unlock(&secrets, ana, &Unlock::Pin("1111".into()), at(1)),
            Err(LockError::WrongSecret)
        ));
        lock.unlock(&secrets, ana, &Unlock::Pin("2468".into()), at(2))
            .expect("right pin");
        assert!(!lock.is_locked(at(3)));
        lock.lock();
        lock.unlock(
            &secrets,
            ana,
            &Unlock::Password("Correct-Horse-9".into()),
            at(4),
        )
        .expect("password");
        // Ben has no password kept here.
        lock.lock();
        assert!(matches!(
            lock.unlock(&secrets, ben, &Unlock::Password("x".into()), at(5)),
            Err(LockError::NoPassword)
        ));
        secrets.forget(ben).expect("forget");
        assert!(!secrets.has_pin(ben).expect("read"));
        assert!(secrets.has_pin(ana).expect("read"));
    }

    #[test]
    fn too_many_wrong_pins_leave_only_the_password() {
        let dir = tempfile::tempdir().expect("dir");
        let secrets = LockSecrets::new(dir.path().join("lock.json"));
        let user = Uuid::new_v4();
        secrets.set_pin(user, "1357").expect("pin");
        secrets
            .remember_password(user, "pw-long-enough")
            .expect("pw");
        let mut lock = IdleLock::new(5, at(0)).expect("lock");
        lock.lock();
        for i in 1..MAX_PIN_ATTEMPTS {
            assert!(matches!(
                lock.unlock(
                    &secrets,
                    user,
                    &Unlock::Pin("0000".into()),
                    at(i64::from(i))
                ),
                Err(LockError::WrongSecret)
            ));
        }
        assert!(matches!(
            lock.unlock(&secrets, user, &Unlock::Pin("0000".into()), at(10)),
            Err(LockError::PinDisabled)
        ));
        assert!(!lock.status(at(11), true).pin_usable);
        assert!(matches!(
            lock.unlock(&secrets, user, &Unlock::Pin("1357".into()), at(12)),
            Err(LockError::PinDisabled)
        ));
        lock.unlock(
            &secrets,
            user,
            &Unlock::Password("pw-long-enough".into()),
            at(13),
        )
        .expect("password");
        assert!(lock.status(at(14), true).pin_usable);
    }
}
