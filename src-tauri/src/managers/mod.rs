//! The long-lived parts of the app that own a lifecycle, registered with Tauri's `.manage()`:
//! the camera and microphone ([`CaptureManager`]: a recording or the device check, never both)
//! and background sync ([`SyncManager`]). Commands only call into them.

mod capture;
mod sync;

pub use capture::CaptureManager;
pub use sync::{StatusSink, SyncManager};
