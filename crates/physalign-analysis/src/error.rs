//! Errors of the analysis crate.

use std::path::PathBuf;

/// What can go wrong while loading the catalogue, overrides or tracks.
#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A TOML exercise or override file does not parse.
    #[error("{origin}: {source}")]
    Toml {
        /// File or built-in name.
        origin: String,
        /// The parse error.
        source: toml::de::Error,
    },
    /// A JSON file does not parse.
    #[error("{origin}: {source}")]
    Json {
        /// File name (and line for JSON lines).
        origin: String,
        /// The parse error.
        source: serde_json::Error,
    },
    /// An exercise definition parses but makes no sense.
    #[error("exercise {id:?} ({origin}): {reason}")]
    InvalidExercise {
        /// Exercise id.
        id: String,
        /// File or built-in name.
        origin: String,
        /// What is wrong.
        reason: String,
    },
    /// An exercise id that is not in the catalogue.
    #[error("unknown exercise {id:?}; known: {known}")]
    UnknownExercise {
        /// The id asked for.
        id: String,
        /// The ids available.
        known: String,
    },
    /// A file whose extension says neither TOML nor JSON.
    #[error("{0}: expected a .toml or .json file")]
    UnsupportedFormat(PathBuf),
}
