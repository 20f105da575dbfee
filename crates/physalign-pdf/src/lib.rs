//! PhysAlign's PDF reports, drawn from plain data so the device (offline, from its local store)
//! and the server's export (from its database) print the same documents:
//!
//! - [`progress_report_pdf`]: a patient's progress over a period as a referrer or payer expects
//!   it: identification, diagnosis and goals, program and adherence, range of motion per joint
//!   against the targets with charts, outcome measures with their change against the MCID, the
//!   pain trend, the clinician's reviews and notes, the plan;
//! - [`session_note_pdf`]: one session's measurements, repetitions, form issues, pain remarks,
//!   transcript excerpt and the clinician's review.
//!
//! Every page carries the patient's name, date of birth and id in its header and "page n of N"
//! in its footer. The type is DejaVu Sans, embedded (subset) from the `dejavu` crate: nothing is
//! looked up on the machine. No network, no model: this crate only lays out and draws.

#![warn(missing_docs)]

mod chart;
pub mod compose;
mod error;
mod fonts;
mod layout;
pub mod model;
mod note;
mod progress;
mod words;

pub use error::PdfError;
pub use model::{
    AdherenceSummary, NoteFormIssue, NoteRepetition, PainRemark, PatientIdentity, ProgramLine,
    ProgressReport, Provenance, ReviewLine, RomPoint, RomSeries, SessionNote,
};
pub use note::{session_note_pdf, NOTE_SECTIONS};
pub use progress::{progress_report_pdf, NO_OUTCOMES, PROGRESS_SECTIONS};
