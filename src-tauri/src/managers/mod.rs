//! The long-lived parts of the app that own a lifecycle, registered with Tauri's `.manage()`:
//! the camera and microphone ([`CaptureManager`]: a recording or the device check, never both)
//! background sync ([`SyncManager`]) and the workspace's idle lock ([`LockManager`]). Commands only call into them.

mod capture;
mod lock;
mod sync;

pub use capture::CaptureManager;
pub use lock::LockManager;
pub use sync::{StatusSink, SyncManager};
