//! Domain types shared by the PhysAlign engine, the command line, the desktop app and the server.
//!
//! The JSON shapes follow seed 003 (`{"type":"LEFT_SHOULDER","x":..,"y":..,"z":..,"visibility":..}`),
//! so that what the device stores is what it uploads.

pub mod form;
pub mod landmark;
pub mod pose;
pub mod retention;
pub mod review_words;
pub mod session;
pub mod side;
pub mod vocabulary;
mod wire_enum;

pub use form::{FormIssue, Severity};
pub use landmark::{Landmark, LandmarkType, UnknownLandmark, LANDMARK_COUNT, SKELETON_BONES};
pub use pose::{PersonPose, PoseFrame};
pub use retention::TranscriptRemoval;
pub use session::SessionStatus;
pub use side::BodySide;
pub use wire_enum::UnknownValue;
