//! Therapist overrides per patient, merged over a catalogue exercise without code changes.
//!
//! A file (TOML or JSON) holds per-exercise settings:
//!
//! ```toml
//! patient_id = "p-123"
//! [exercises.squat]
//! target_angle = 100        # after knee surgery: reach 100 degrees, not 90
//! work = 125                # count a repetition from 125 degrees
//! target_reps = 8
//! disabled_rules = ["heel_lift"]
//! ```

use crate::error::AnalysisError;
use crate::exercise::{Exercise, TargetRom};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// Overrides for one exercise. Absent fields keep the catalogue value.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExerciseOverrides {
    /// Target angle of the range of motion (first signal's angle).
    pub target_angle: Option<f32>,
    /// Tolerance on the target angle.
    pub target_tolerance: Option<f32>,
    /// Rest threshold of the first signal.
    pub rest: Option<f32>,
    /// Leave-rest threshold of the first signal.
    pub leave: Option<f32>,
    /// Working-position threshold of the first signal.
    pub work: Option<f32>,
    /// Prescribed repetitions.
    pub target_reps: Option<u32>,
    /// Prescribed hold time in seconds.
    pub target_hold_s: Option<f32>,
    /// Shortest accepted repetition in seconds.
    pub min_rep_duration_s: Option<f32>,
    /// Longest accepted repetition in seconds.
    pub max_rep_duration_s: Option<f32>,
    /// Rule ids to switch off for this patient.
    pub disabled_rules: Vec<String>,
}

/// A patient's overrides file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PatientOverrides {
    /// Whose overrides these are (informational).
    pub patient_id: Option<String>,
    /// Overrides by exercise id.
    pub exercises: BTreeMap<String, ExerciseOverrides>,
}

impl PatientOverrides {
    /// Reads a `.toml` or `.json` overrides file.
    pub fn load(path: &Path) -> Result<Self, AnalysisError> {
        let text = std::fs::read_to_string(path).map_err(|source| AnalysisError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let origin = path.display().to_string();
        match path.extension().and_then(|e| e.to_str()) {
            Some("toml") => {
                toml::from_str(&text).map_err(|source| AnalysisError::Toml { origin, source })
            }
            Some("json") => {
                serde_json::from_str(&text).map_err(|source| AnalysisError::Json { origin, source })
            }
            _ => Err(AnalysisError::UnsupportedFormat(path.to_path_buf())),
        }
    }

    /// The overrides for one exercise (empty when none are given).
    pub fn for_exercise(&self, id: &str) -> ExerciseOverrides {
        self.exercises.get(id).cloned().unwrap_or_default()
    }
}

impl ExerciseOverrides {
    /// `exercise` with these overrides applied, validated again.
    pub fn apply(&self, exercise: &Exercise) -> Result<Exercise, AnalysisError> {
        let mut ex = exercise.clone();
        if let Some(signal) = ex.signals.first_mut() {
            signal.rest = self.rest.unwrap_or(signal.rest);
            signal.leave = self.leave.unwrap_or(signal.leave);
            signal.work = self.work.unwrap_or(signal.work);
        }
        if let Some(angle) = self.target_angle {
            let tolerance = self
                .target_tolerance
                .or(ex.target_rom.as_ref().map(|t| t.tolerance))
                .unwrap_or(10.0);
            ex.target_rom = Some(TargetRom { angle, tolerance });
        } else if let (Some(t), Some(tol)) = (ex.target_rom.as_mut(), self.target_tolerance) {
            t.tolerance = tol;
        }
        if let Some(n) = self.target_reps {
            ex.reps.target = Some(n);
        }
        if let (Some(h), Some(s)) = (ex.hold.as_mut(), self.target_hold_s) {
            h.target_s = s;
        }
        if let Some(s) = self.min_rep_duration_s {
            ex.reps.min_duration_s = s;
        }
        if let Some(s) = self.max_rep_duration_s {
            ex.reps.max_duration_s = s;
        }
        ex.rules.retain(|r| !self.disabled_rules.contains(&r.id));
        ex.validate()
            .map_err(|reason| AnalysisError::InvalidExercise {
                id: ex.id.clone(),
                origin: "therapist overrides".into(),
                reason,
            })?;
        Ok(ex)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Catalogue;

    #[test]
    fn overrides_file_changes_targets_without_code() {
        let dir = std::env::temp_dir().join(format!("physalign-ovr-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("patient.toml");
        std::fs::write(
            &path,
            "patient_id = \"p-1\"\n[exercises.squat]\ntarget_angle = 100\nwork = 125\n\
             target_reps = 8\ndisabled_rules = [\"heel_lift\"]\n",
        )
        .unwrap();
        let overrides = PatientOverrides::load(&path).unwrap();
        let catalogue = Catalogue::builtin().unwrap();
        let squat = overrides
            .for_exercise("squat")
            .apply(catalogue.get("squat").unwrap())
            .unwrap();
        assert_eq!(squat.target_rom.as_ref().unwrap().angle, 100.0);
        assert_eq!(squat.signals[0].work, 125.0);
        assert_eq!(squat.reps.target, Some(8));
        assert!(squat.rules.iter().all(|r| r.id != "heel_lift"));
        assert!(squat.rules.iter().any(|r| r.id == "knee_valgus"));

        // Thresholds that contradict each other are refused, not silently used.
        let bad = ExerciseOverrides {
            work: Some(170.0),
            ..Default::default()
        };
        assert!(bad.apply(catalogue.get("squat").unwrap()).is_err());

        std::fs::write(
            dir.join("bad.toml"),
            "[exercises.squat]\ntarget_angel = 1\n",
        )
        .unwrap();
        assert!(PatientOverrides::load(&dir.join("bad.toml")).is_err());
        assert!(PatientOverrides::load(&dir.join("missing.toml")).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
