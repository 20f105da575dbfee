//! Locates the model files that `models/provision.sh` puts in the per-user cache.
//!
//! Weights never live in the repository: provisioning fetches them from package registries,
//! converts them and caches them under `$PHYSALIGN_MODELS_DIR`, or else
//! `$XDG_CACHE_HOME/physalign/models` (`~/.cache/physalign/models`). This crate only finds them and
//! says clearly what is missing; it never downloads.

use serde::Deserialize;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

/// The model manifest, compiled in so that the binary knows what provisioning promised.
pub const MANIFEST_TOML: &str = include_str!("../../../models/manifest.toml");

/// Errors while locating models.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// A provisioned file is not in the cache.
    #[error("{what} not found at {path}: run `bash models/provision.sh` first (or set {env})")]
    Missing {
        /// What was looked for.
        what: String,
        /// Where it was expected.
        path: PathBuf,
        /// The environment variable that overrides the location.
        env: &'static str,
    },
    /// A model variant name that does not exist.
    #[error("unknown {kind} model {name:?}; expected one of: {expected}")]
    UnknownVariant {
        /// Which family (pose, whisper).
        kind: &'static str,
        /// The name given.
        name: String,
        /// The accepted names.
        expected: &'static str,
    },
    /// The compiled-in manifest does not parse (a build defect).
    #[error("model manifest is malformed: {0}")]
    Manifest(#[from] toml::de::Error),
}

/// One entry of `models/manifest.toml`.
#[derive(Debug, Clone, Deserialize)]
pub struct ManifestEntry {
    /// Model name, e.g. `pose_landmark_full`.
    pub name: String,
    /// Registry package it comes from, e.g. `pypi:mediapipe`.
    pub package: String,
    /// Package version.
    pub version: String,
    /// Path of the source file inside the package.
    pub source_file: String,
    /// SHA256 of the source file.
    pub sha256: String,
    /// Licence of the weights.
    pub license: String,
    /// File name of the provisioned (converted) model inside the cache.
    pub output: String,
}

/// The parsed manifest.
#[derive(Debug, Clone, Deserialize)]
pub struct Manifest {
    /// Every model and runtime library that provisioning produces.
    #[serde(rename = "model")]
    pub models: Vec<ManifestEntry>,
}

impl Manifest {
    /// Parses the compiled-in manifest.
    pub fn load() -> Result<Self, ModelError> {
        Ok(toml::from_str(MANIFEST_TOML)?)
    }
}

/// The directory holding provisioned models.
pub fn models_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("PHYSALIGN_MODELS_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    dirs::cache_dir()
        .unwrap_or_else(|| PathBuf::from(".cache"))
        .join("physalign")
        .join("models")
}

fn existing(path: PathBuf, what: &str, env: &'static str) -> Result<PathBuf, ModelError> {
    if path.is_file() {
        Ok(path)
    } else {
        Err(ModelError::Missing {
            what: what.to_string(),
            path,
            env,
        })
    }
}

/// The ONNX Runtime shared library (`PHYSALIGN_ORT_LIB` overrides).
pub fn onnxruntime_library() -> Result<PathBuf, ModelError> {
    const ENV: &str = "PHYSALIGN_ORT_LIB";
    let path = match std::env::var_os(ENV).filter(|p| !p.is_empty()) {
        Some(p) => PathBuf::from(p),
        None => models_dir().join("onnxruntime").join("libonnxruntime.so"),
    };
    existing(path, "ONNX Runtime library", ENV)
}

/// BlazePose landmark model size: a speed/accuracy trade-off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PoseVariant {
    /// Fastest, least accurate.
    Lite,
    /// The default balance.
    #[default]
    Full,
    /// Most accurate, several times slower.
    Heavy,
}

impl PoseVariant {
    /// All variants, fastest first.
    pub const ALL: [PoseVariant; 3] = [Self::Lite, Self::Full, Self::Heavy];

    /// The name used on the command line and in file names.
    pub fn name(self) -> &'static str {
        match self {
            Self::Lite => "lite",
            Self::Full => "full",
            Self::Heavy => "heavy",
        }
    }
}

impl fmt::Display for PoseVariant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for PoseVariant {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|v| v.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| ModelError::UnknownVariant {
                kind: "pose",
                name: s.to_string(),
                expected: "lite, full, heavy",
            })
    }
}

/// The BlazePose person detector (ONNX).
pub fn pose_detector() -> Result<PathBuf, ModelError> {
    existing(
        models_dir().join("pose").join("pose_detection.onnx"),
        "pose detector model",
        "PHYSALIGN_MODELS_DIR",
    )
}

/// The BlazePose landmark model of the given variant (ONNX).
pub fn pose_landmarker(variant: PoseVariant) -> Result<PathBuf, ModelError> {
    existing(
        models_dir()
            .join("pose")
            .join(format!("pose_landmark_{}.onnx", variant.name())),
        &format!("pose landmark model ({variant})"),
        "PHYSALIGN_MODELS_DIR",
    )
}

/// A Whisper model in ggml format, by name (`tiny.en`, `base`).
pub fn whisper_model(name: &str) -> Result<PathBuf, ModelError> {
    if !matches!(name, "tiny.en" | "base") {
        return Err(ModelError::UnknownVariant {
            kind: "whisper",
            name: name.to_string(),
            expected: "tiny.en, base",
        });
    }
    existing(
        models_dir()
            .join("whisper")
            .join(format!("ggml-{name}.bin")),
        &format!("Whisper model {name}"),
        "PHYSALIGN_MODELS_DIR",
    )
}

/// Licence notices of the provisioned models, kept beside them by provisioning.
pub fn licence_dir() -> PathBuf {
    models_dir().join("licenses")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_parses_and_names_every_pose_variant() {
        let manifest = Manifest::load().expect("manifest parses");
        for v in PoseVariant::ALL {
            let name = format!("pose_landmark_{}", v.name());
            assert!(manifest.models.iter().any(|m| m.name == name), "{name}");
        }
        assert!(manifest.models.iter().any(|m| m.name == "pose_detection"));
    }

    #[test]
    fn variants_parse_case_insensitively_and_reject_unknown() {
        assert_eq!("FULL".parse::<PoseVariant>().unwrap(), PoseVariant::Full);
        let err = "huge".parse::<PoseVariant>().unwrap_err().to_string();
        assert!(err.contains("lite, full, heavy"), "{err}");
    }
}
