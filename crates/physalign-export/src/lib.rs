//! A patient's record leaving the device, for a referrer, a payer or another system:
//!
//! * a **FHIR R4 Bundle** ([`bundle::build_bundle`], typed resources in [`fhir`], codes with
//!   their code systems in [`codes`]);
//! * **CSV** of sessions and measurements ([`csv_export::write_csv`]).
//!
//! Both start from one [`PatientRecord`] read from the local store ([`load_record`]): only the
//! named patient's sessions, program and reviews, never another patient's. On a patient's own
//! device the patient may go unnamed; a clinician's device needs the patient's id.
//!
//! The crate needs no inference runtime (no ONNX Runtime, no Whisper), so the server can reuse
//! it for its exports.

#![warn(missing_docs)]

pub mod bundle;
pub mod codes;
pub mod csv_export;
pub mod fhir;
pub mod record;

pub use bundle::build_bundle;
pub use csv_export::write_csv;
pub use fhir::Bundle;
pub use record::{load_record, PatientRecord};

use physalign_analysis::Catalogue;
use physalign_store::Store;
use std::path::{Path, PathBuf};
use uuid::Uuid;

/// What can go wrong exporting.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The local store failed.
    #[error(transparent)]
    Store(#[from] physalign_store::StoreError),
    /// The exercise catalogue could not be read.
    #[error("exercise catalogue: {0}")]
    Catalogue(#[from] physalign_analysis::AnalysisError),
    /// A clinician's device holds several patients: which one?
    #[error("this device is a clinician's: name the patient with --patient ID")]
    PatientRequired,
    /// No patient with this id on this device.
    #[error("patient {0} is not on this device (not on the roster, no sessions, no program)")]
    PatientNotFound(Uuid),
    /// A patient's own device asked for someone else's record.
    #[error("this is a patient's own device; it holds no record of patient {0}")]
    NotThisDevicesPatient(Uuid),
    /// A stored document could not be read.
    #[error("session {session}: stored {what} unreadable: {detail}")]
    StoredData {
        /// What was read.
        what: &'static str,
        /// The session it belongs to.
        session: Uuid,
        /// Why it failed.
        detail: String,
    },
    /// Writing a CSV file failed.
    #[error("writing {path}: {source}")]
    Csv {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: csv::Error,
    },
    /// Writing a file failed.
    #[error("writing {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Serialising the Bundle failed.
    #[error("serialising the FHIR Bundle: {0}")]
    Json(#[from] serde_json::Error),
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportSummary {
    /// The files written.
    pub files: Vec<PathBuf>,
    /// Sessions exported.
    pub sessions: usize,
    /// Resources in the Bundle (FHIR export only).
    pub resources: usize,
}

/// The joint an exercise of `catalogue` works, from the angle it follows.
pub fn exercise_joint(catalogue: &Catalogue, exercise_id: &str) -> Option<codes::Joint> {
    physalign_workspace::curve::exercise_angle(catalogue, exercise_id)
        .and_then(|(angle, _)| codes::Joint::of_angle(&angle))
}

/// Exports `patient`'s record (or this device's own patient's) as a FHIR R4 Bundle to `out`
/// (pretty JSON).
pub fn export_fhir(
    store: &Store,
    catalogue: &Catalogue,
    patient: Option<Uuid>,
    out: &Path,
) -> Result<ExportSummary, ExportError> {
    let record = load_record(store, catalogue, patient)?;
    let bundle = build_bundle(
        &record,
        &|exercise| exercise_joint(catalogue, exercise),
        chrono::Utc::now(),
    );
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|source| ExportError::Io {
            path: parent.to_path_buf(),
            source,
        })?;
    }
    let json = serde_json::to_vec_pretty(&bundle)?;
    std::fs::write(out, json).map_err(|source| ExportError::Io {
        path: out.to_path_buf(),
        source,
    })?;
    Ok(ExportSummary {
        files: vec![out.to_path_buf()],
        sessions: record.sessions.len(),
        resources: bundle.entry.len(),
    })
}

/// Exports `patient`'s record (or this device's own patient's) as CSV files into `dir`.
pub fn export_csv(
    store: &Store,
    catalogue: &Catalogue,
    patient: Option<Uuid>,
    dir: &Path,
) -> Result<ExportSummary, ExportError> {
    let record = load_record(store, catalogue, patient)?;
    let files = write_csv(&record, dir)?;
    Ok(ExportSummary {
        files,
        sessions: record.sessions.len(),
        resources: 0,
    })
}
