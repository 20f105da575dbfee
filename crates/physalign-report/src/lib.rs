//! A recorded session told to people rather than programs. The engine has decided everything
//! (repetitions, range of motion, form issues); this crate only words and draws it:
//!
//! - [`summary::render`]: the few lines a terminal shows after `physalign analyze`;
//! - [`html::render`]: a self-contained HTML page (no scripts, no external files) with the joint
//!   angle over time, the repetitions marked, the skeleton at the working position, the
//!   per-repetition table and the form issues with their times;
//! - [`verdict::verdict`]: the one line on how it went, shared by both;
//! - [`screen::measurement_view`]: the desktop summary screen's trust verdict, sides and
//!   repetition table, worded here and only laid out by the window;
//! - [`crisis`]: the crisis resources the patient's device shows, offline, when a session's
//!   notes carry a crisis flag, and whether the care team has been told.

#![warn(missing_docs)]

pub mod crisis;
pub mod document;
mod escape;
pub mod html;
pub mod measurement;
pub mod review;
pub mod screen;
pub mod summary;
mod svg_chart;
mod svg_skeleton;
pub mod verdict;

pub use document::{AngleTrace, SessionDocument, SkeletonSnapshot};
