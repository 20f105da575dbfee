//! The exercise catalogue: built-in definitions compiled in from `exercises/*.toml`, plus extra
//! or replacement definitions loaded from a directory at run time.

use crate::error::AnalysisError;
use crate::exercise::Exercise;
use std::collections::BTreeMap;
use std::path::Path;

/// The built-in definitions: (file name, TOML text).
const BUILTIN: &[(&str, &str)] = &[
    ("squat.toml", include_str!("../exercises/squat.toml")),
    ("lunge.toml", include_str!("../exercises/lunge.toml")),
    (
        "side_lunge.toml",
        include_str!("../exercises/side_lunge.toml"),
    ),
    (
        "sit_to_stand.toml",
        include_str!("../exercises/sit_to_stand.toml"),
    ),
    (
        "knee_extension.toml",
        include_str!("../exercises/knee_extension.toml"),
    ),
    (
        "heel_raise.toml",
        include_str!("../exercises/heel_raise.toml"),
    ),
    (
        "glute_bridge.toml",
        include_str!("../exercises/glute_bridge.toml"),
    ),
    (
        "bicep_curl.toml",
        include_str!("../exercises/bicep_curl.toml"),
    ),
    (
        "elbow_flexion.toml",
        include_str!("../exercises/elbow_flexion.toml"),
    ),
    (
        "shoulder_abduction.toml",
        include_str!("../exercises/shoulder_abduction.toml"),
    ),
    (
        "shoulder_flexion.toml",
        include_str!("../exercises/shoulder_flexion.toml"),
    ),
    ("push_up.toml", include_str!("../exercises/push_up.toml")),
    ("wall_sit.toml", include_str!("../exercises/wall_sit.toml")),
    ("plank.toml", include_str!("../exercises/plank.toml")),
    (
        "mini_squat.toml",
        include_str!("../exercises/mini_squat.toml"),
    ),
    (
        "hip_abduction.toml",
        include_str!("../exercises/hip_abduction.toml"),
    ),
    (
        "neck_rotation.toml",
        include_str!("../exercises/neck_rotation.toml"),
    ),
    (
        "straight_leg_raise.toml",
        include_str!("../exercises/straight_leg_raise.toml"),
    ),
    ("step_up.toml", include_str!("../exercises/step_up.toml")),
    (
        "single_leg_balance.toml",
        include_str!("../exercises/single_leg_balance.toml"),
    ),
    (
        "chair_stand_30s.toml",
        include_str!("../exercises/chair_stand_30s.toml"),
    ),
    (
        "five_times_sit_to_stand.toml",
        include_str!("../exercises/five_times_sit_to_stand.toml"),
    ),
    (
        "timed_up_and_go.toml",
        include_str!("../exercises/timed_up_and_go.toml"),
    ),
    ("gait.toml", include_str!("../exercises/gait.toml")),
];

/// Exercises by id.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    exercises: BTreeMap<String, Exercise>,
}

/// Parses and validates one exercise definition (TOML or JSON by `origin`'s extension).
pub fn parse_exercise(origin: &str, text: &str) -> Result<Exercise, AnalysisError> {
    let exercise: Exercise = if origin.ends_with(".json") {
        serde_json::from_str(text).map_err(|source| AnalysisError::Json {
            origin: origin.to_string(),
            source,
        })?
    } else {
        toml::from_str(text).map_err(|source| AnalysisError::Toml {
            origin: origin.to_string(),
            source,
        })?
    };
    exercise
        .validate()
        .map_err(|reason| AnalysisError::InvalidExercise {
            id: exercise.id.clone(),
            origin: origin.to_string(),
            reason,
        })?;
    Ok(exercise)
}

impl Catalogue {
    /// The built-in exercises.
    pub fn builtin() -> Result<Self, AnalysisError> {
        let mut catalogue = Self::default();
        for (name, text) in BUILTIN {
            catalogue.insert(parse_exercise(name, text)?);
        }
        Ok(catalogue)
    }

    /// The built-in exercises, then every `*.toml` / `*.json` in `dir` added or replacing by id.
    pub fn with_dir(dir: &Path) -> Result<Self, AnalysisError> {
        let mut catalogue = Self::builtin()?;
        catalogue.load_dir(dir)?;
        Ok(catalogue)
    }

    /// Adds or replaces exercises from the definition files in `dir` (sorted by file name).
    pub fn load_dir(&mut self, dir: &Path) -> Result<(), AnalysisError> {
        let io = |source| AnalysisError::Io {
            path: dir.to_path_buf(),
            source,
        };
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .map_err(io)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                matches!(
                    p.extension().and_then(|e| e.to_str()),
                    Some("toml" | "json")
                )
            })
            .collect();
        paths.sort();
        for path in paths {
            let text = std::fs::read_to_string(&path).map_err(|source| AnalysisError::Io {
                path: path.clone(),
                source,
            })?;
            self.insert(parse_exercise(&path.display().to_string(), &text)?);
        }
        Ok(())
    }

    /// Adds or replaces one exercise.
    pub fn insert(&mut self, exercise: Exercise) {
        self.exercises.insert(exercise.id.clone(), exercise);
    }

    /// The exercise with this id.
    pub fn get(&self, id: &str) -> Result<&Exercise, AnalysisError> {
        self.exercises
            .get(id)
            .ok_or_else(|| AnalysisError::UnknownExercise {
                id: id.to_string(),
                known: self.ids().collect::<Vec<_>>().join(", "),
            })
    }

    /// All exercise ids, sorted.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.exercises.keys().map(String::as_str)
    }

    /// All exercises, sorted by id.
    pub fn iter(&self) -> impl Iterator<Item = &Exercise> {
        self.exercises.values()
    }

    /// Number of exercises.
    pub fn len(&self) -> usize {
        self.exercises.len()
    }

    /// Whether the catalogue is empty.
    pub fn is_empty(&self) -> bool {
        self.exercises.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exercise::Mode;

    #[test]
    fn builtin_catalogue_has_the_required_exercises() {
        let c = Catalogue::builtin().unwrap();
        for id in [
            "squat",
            "lunge",
            "side_lunge",
            "sit_to_stand",
            "knee_extension",
            "heel_raise",
            "glute_bridge",
            "bicep_curl",
            "elbow_flexion",
            "shoulder_abduction",
            "shoulder_flexion",
            "push_up",
            "wall_sit",
            "plank",
            "mini_squat",
            "hip_abduction",
            "neck_rotation",
            "straight_leg_raise",
            "step_up",
            "single_leg_balance",
            "chair_stand_30s",
            "five_times_sit_to_stand",
            "timed_up_and_go",
            "gait",
        ] {
            assert!(c.get(id).is_ok(), "{id} missing");
        }
        assert_eq!(c.get("wall_sit").unwrap().mode, Mode::Hold);
        assert_eq!(c.get("plank").unwrap().mode, Mode::Hold);
        assert!(matches!(
            c.get("jumping_jack"),
            Err(AnalysisError::UnknownExercise { .. })
        ));
    }

    #[test]
    fn directory_files_add_and_replace_exercises() {
        let dir = std::env::temp_dir().join(format!("physalign-cat-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let squat = BUILTIN[0]
            .1
            .replace("name = \"Squat\"", "name = \"Box squat\"");
        std::fs::write(dir.join("squat.toml"), squat).unwrap();
        let mut step: serde_json::Value =
            serde_json::to_value(Catalogue::builtin().unwrap().get("lunge").unwrap()).unwrap();
        step["id"] = "forward_lunge".into();
        std::fs::write(dir.join("forward_lunge.json"), step.to_string()).unwrap();
        std::fs::write(dir.join("notes.txt"), "ignored").unwrap();
        let c = Catalogue::with_dir(&dir).unwrap();
        assert_eq!(c.get("squat").unwrap().name, "Box squat");
        assert!(c.get("forward_lunge").is_ok());
        assert_eq!(c.len(), BUILTIN.len() + 1);

        std::fs::write(dir.join("broken.toml"), "id = \"broken\"\nname = 3").unwrap();
        let err = Catalogue::with_dir(&dir).unwrap_err().to_string();
        assert!(err.contains("broken.toml"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn inconsistent_thresholds_are_rejected() {
        let bad = BUILTIN[0].1.replacen("leave = 145", "leave = 175", 1);
        assert_ne!(bad, BUILTIN[0].1, "the test edit must apply");
        let err = parse_exercise("bad.toml", &bad).unwrap_err().to_string();
        assert!(err.contains("monotonic"), "{err}");
    }
}
