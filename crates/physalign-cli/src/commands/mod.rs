//! One module per subcommand.

#[cfg(feature = "vision")]
pub mod analyze;
#[cfg(feature = "vision")]
pub mod eval;
#[cfg(feature = "vision")]
pub mod exercises;
pub mod login;
#[cfg(feature = "speech")]
pub mod notes;
#[cfg(feature = "vision")]
pub mod pose;
#[cfg(feature = "vision")]
pub mod record;
pub mod sync;
#[cfg(feature = "vision")]
pub mod track;
#[cfg(feature = "speech")]
pub mod transcribe;
