//! One module per subcommand.

pub mod alerts;
#[cfg(feature = "vision")]
pub mod analyze;
pub mod claim;
pub mod clinical_json;
pub mod consent;
#[cfg(any(feature = "vision", feature = "speech"))]
pub mod crisis;
#[cfg(feature = "vision")]
pub mod eval;
#[cfg(feature = "vision")]
pub mod exercises;
pub mod export;
pub mod login;
pub mod logout;
#[cfg(feature = "vision")]
pub mod measure;
#[cfg(feature = "speech")]
pub mod notes;
pub mod outcome;
pub mod patients;
#[cfg(feature = "vision")]
pub mod pose;
pub mod prescribe;
pub mod program;
#[cfg(feature = "vision")]
pub mod record;
pub mod review;
pub mod session;
pub mod sessions;
pub mod sync;
pub mod today;
#[cfg(feature = "vision")]
pub mod track;
#[cfg(feature = "speech")]
pub mod transcribe;
