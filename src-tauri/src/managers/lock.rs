//! The idle lock of the running app: one [`IdleLock`] for the clinician signed in now (another
//! clinician's sign-in starts a fresh one), and where their PIN and password hashes are kept.
//! The rule (idle time, attempts, hashing) is the engine's (`physalign_workspace::lock`); this
//! only holds it for the app's lifetime, under one lock.

use chrono::Utc;
use physalign_workspace::lock::{IdleLock, LockError, LockSecrets, LockStatus, Unlock};
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};
use uuid::Uuid;

struct Held {
    user: Option<Uuid>,
    lock: IdleLock,
}

/// Owns the idle lock.
pub struct LockManager {
    secrets: LockSecrets,
    held: Mutex<Held>,
}

impl std::fmt::Debug for LockManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LockManager")
            .field("secrets", &self.secrets.path())
            .finish_non_exhaustive()
    }
}

impl LockManager {
    /// A manager keeping hashes in `secrets`, locking after `idle_minutes` (out of range: the
    /// default).
    pub fn new(secrets: PathBuf, idle_minutes: u32) -> Self {
        let lock = IdleLock::new(idle_minutes, Utc::now()).unwrap_or_else(|_| {
            IdleLock::new(physalign_workspace::lock::DEFAULT_IDLE_MINUTES, Utc::now())
                .expect("the default idle time is valid")
        });
        Self {
            secrets: LockSecrets::new(secrets),
            held: Mutex::new(Held { user: None, lock }),
        }
    }

    /// Where the hashes are kept.
    pub fn secrets(&self) -> &LockSecrets {
        &self.secrets
    }

    // A panic while holding the lock leaves the state intact: keep using it.
    fn held(&self, user: Uuid) -> MutexGuard<'_, Held> {
        let mut held = self
            .held
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if held.user != Some(user) {
            // Another clinician: their own lock, open from now on.
            let minutes = held.lock.idle_minutes();
            if let Ok(fresh) = IdleLock::new(minutes, Utc::now()) {
                held.lock = fresh;
            }
            held.user = Some(user);
        }
        held
    }

    /// `Err(Locked)` while `user`'s workspace is locked.
    pub fn check(&self, user: Uuid) -> Result<(), LockError> {
        self.held(user).lock.check(Utc::now())
    }

    /// Activity of `user`: the idle time starts again.
    pub fn activity(&self, user: Uuid) -> LockStatus {
        let mut held = self.held(user);
        held.lock.activity(Utc::now());
        self.status_of(&mut held, user)
    }

    fn status_of(&self, held: &mut Held, user: Uuid) -> LockStatus {
        let pin_set = self.secrets.has_pin(user).unwrap_or(false);
        held.lock.status(Utc::now(), pin_set)
    }

    /// The lock's status for `user`.
    pub fn status(&self, user: Uuid) -> LockStatus {
        let mut held = self.held(user);
        self.status_of(&mut held, user)
    }

    /// Locks now.
    pub fn lock_now(&self, user: Uuid) -> LockStatus {
        let mut held = self.held(user);
        held.lock.lock();
        self.status_of(&mut held, user)
    }

    /// Opens the lock with a PIN or the password.
    pub fn unlock(&self, user: Uuid, unlock: &Unlock) -> Result<LockStatus, LockError> {
        let mut held = self.held(user);
        held.lock.unlock(&self.secrets, user, unlock, Utc::now())?;
        Ok(self.status_of(&mut held, user))
    }

    /// Changes the idle time.
    pub fn set_idle_minutes(&self, user: Uuid, minutes: u32) -> Result<LockStatus, LockError> {
        let mut held = self.held(user);
        held.lock.set_idle_minutes(minutes)?;
        Ok(self.status_of(&mut held, user))
    }

    /// Forgets who held the lock (sign-out).
    pub fn release(&self) {
        let mut held = self
            .held
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        held.user = None;
    }
}
