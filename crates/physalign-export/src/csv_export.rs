//! A [`PatientRecord`] as two CSV files for a spreadsheet: `sessions.csv` (one row per session)
//! and `measurements.csv` (one row per repetition's range of motion, timed hold and pain
//! rating). Angles are written as stored (the shortest decimal of the stored number), times in
//! RFC 3339 UTC.

use crate::bundle::{decimal, fhir_time, goniometer_sides, range_of_motion};
use crate::codes::{Joint, Laterality};
use crate::record::{PainSide, PatientRecord, SessionRecord};
use crate::ExportError;
use std::path::{Path, PathBuf};

/// The file names written in the output directory.
pub const SESSIONS_FILE: &str = "sessions.csv";
/// See [`SESSIONS_FILE`].
pub const MEASUREMENTS_FILE: &str = "measurements.csv";

/// Columns of `sessions.csv`.
pub const SESSION_COLUMNS: &[&str] = &[
    "session_id",
    "patient_id",
    "exercise_id",
    "exercise_name",
    "status",
    "origin",
    "started_at",
    "ended_at",
    "duration_s",
    "full_reps",
    "partial_reps",
    "mean_rom_deg",
    "holds",
    "max_pain",
    "program_item_id",
    "latest_review",
];

/// Columns of `measurements.csv`.
pub const MEASUREMENT_COLUMNS: &[&str] = &[
    "session_id",
    "measure",
    "index",
    "joint",
    "side",
    "start_ms",
    "end_ms",
    "value",
    "unit",
    "min_angle_deg",
    "max_angle_deg",
    "partial",
    "confidence",
];

physalign_domain::wire_enum! {
    /// What a row of `measurements.csv` measures (its `measure` column).
    pub enum MeasureKind {
        /// A repetition's range of motion (max − min angle), degrees.
        RangeOfMotion = "range_of_motion",
        /// A timed hold's time in the target range, seconds.
        Hold = "hold",
        /// A pain rating said in the session, 0–10.
        Pain = "pain",
        /// A camera goniometer reading of a held position taken in clinic, degrees.
        Goniometer = "goniometer",
    }
}

fn opt<T: ToString>(value: Option<T>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

fn session_row(s: &SessionRecord) -> Vec<String> {
    let row = &s.detail.session;
    let full = s.detail.repetitions.iter().filter(|r| !r.partial).count();
    let partial = s.detail.repetitions.len() - full;
    let max_pain = s.pain.iter().map(|p| p.score).reduce(f64::max);
    vec![
        row.id.to_string(),
        opt(row.patient_id),
        row.exercise_id.clone(),
        s.exercise_name.clone(),
        row.status.as_str().to_string(),
        s.overview.origin.as_str().to_string(),
        fhir_time(row.started_at),
        opt(row.ended_at.map(fhir_time)),
        opt(row.duration_seconds),
        full.to_string(),
        partial.to_string(),
        opt(s.overview.mean_rom.map(|r| (r * 1000.0).round() / 1000.0)),
        s.holds.len().to_string(),
        opt(max_pain),
        opt(s.overview.program_item_id),
        opt(s.reviews.first().map(|r| r.assessment.clone())),
    ]
}

fn measurement_rows(s: &SessionRecord) -> Vec<Vec<String>> {
    let session = s.detail.session.id.to_string();
    let angle = s.angle.as_deref();
    let joint = angle.and_then(Joint::of_angle).map(Joint::name);
    let angle_side = angle.and_then(Laterality::of_angle);
    let mut rows = Vec::new();
    for rep in &s.detail.repetitions {
        let side = rep.side.map(Laterality::of_side).or(angle_side);
        rows.push(vec![
            session.clone(),
            MeasureKind::RangeOfMotion.as_str().into(),
            rep.index.to_string(),
            opt(joint),
            opt(side.map(Laterality::adjective)),
            rep.start_ms.to_string(),
            rep.end_ms.to_string(),
            range_of_motion(rep.min_angle, rep.max_angle).to_string(),
            "deg".into(),
            rep.min_angle.to_string(),
            rep.max_angle.to_string(),
            rep.partial.to_string(),
            opt(rep.confidence.map(decimal)),
        ]);
    }
    for (i, hold) in s.holds.iter().enumerate() {
        rows.push(vec![
            session.clone(),
            MeasureKind::Hold.as_str().into(),
            i.to_string(),
            opt(joint),
            opt(angle_side.map(Laterality::adjective)),
            hold.start_ms.to_string(),
            hold.end_ms.to_string(),
            hold.time_in_range_s.to_string(),
            "s".into(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ]);
    }
    for (i, pain) in s.pain.iter().enumerate() {
        rows.push(vec![
            session.clone(),
            MeasureKind::Pain.as_str().into(),
            i.to_string(),
            opt(pain.body_part.clone()),
            opt(pain.side.map(|side| match side {
                PainSide::Left => "left",
                PainSide::Right => "right",
                PainSide::Both => "both",
            })),
            String::new(),
            String::new(),
            pain.score.to_string(),
            "score_0_10".into(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ]);
    }
    rows
}

fn write_file(
    path: &Path,
    header: &[&str],
    rows: impl IntoIterator<Item = Vec<String>>,
) -> Result<(), ExportError> {
    let mut writer = csv::Writer::from_path(path).map_err(|source| ExportError::Csv {
        path: path.to_path_buf(),
        source,
    })?;
    let csv_err = |source| ExportError::Csv {
        path: path.to_path_buf(),
        source,
    };
    writer.write_record(header).map_err(csv_err)?;
    for row in rows {
        writer.write_record(&row).map_err(csv_err)?;
    }
    writer.flush().map_err(|source| ExportError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Writes `sessions.csv` and `measurements.csv` into `dir` (created if needed); returns their
/// paths.
pub fn write_csv(record: &PatientRecord, dir: &Path) -> Result<Vec<PathBuf>, ExportError> {
    std::fs::create_dir_all(dir).map_err(|source| ExportError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let sessions = dir.join(SESSIONS_FILE);
    write_file(
        &sessions,
        SESSION_COLUMNS,
        record.sessions.iter().map(session_row),
    )?;
    let measurements = dir.join(MEASUREMENTS_FILE);
    let goniometer = record.goniometer.iter().flat_map(|g| {
        goniometer_sides(&g.reading)
            .into_iter()
            .enumerate()
            .map(move |(i, side)| {
                vec![
                    opt(g.session_id),
                    MeasureKind::Goniometer.as_str().into(),
                    i.to_string(),
                    g.joint.clone(),
                    opt(side.side),
                    String::new(),
                    String::new(),
                    opt(side.angle_deg),
                    "deg".into(),
                    String::new(),
                    String::new(),
                    String::new(),
                    opt(side.confidence.map(decimal)),
                ]
            })
    });
    write_file(
        &measurements,
        MEASUREMENT_COLUMNS,
        record
            .sessions
            .iter()
            .flat_map(measurement_rows)
            .chain(goniometer),
    )?;
    Ok(vec![sessions, measurements])
}
