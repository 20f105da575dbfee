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
    /// An asset name that the manifest does not list.
    #[error("unknown asset {name:?}; the manifest lists: {expected}")]
    UnknownAsset {
        /// The name given.
        name: String,
        /// The asset names and file names in the manifest.
        expected: String,
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

impl ManifestEntry {
    /// File name of the provisioned file, e.g. `astronaut.png`.
    pub fn file_name(&self) -> &str {
        self.output.rsplit('/').next().unwrap_or(&self.output)
    }
}

/// The parsed manifest.
#[derive(Debug, Clone, Deserialize)]
pub struct Manifest {
    /// Every model and runtime library that provisioning produces.
    #[serde(rename = "model")]
    pub models: Vec<ManifestEntry>,
    /// Test assets (images, videos) that provisioning puts beside the models.
    #[serde(rename = "asset", default)]
    pub assets: Vec<ManifestEntry>,
}

impl Manifest {
    /// Parses the compiled-in manifest.
    pub fn load() -> Result<Self, ModelError> {
        Ok(toml::from_str(MANIFEST_TOML)?)
    }

    /// The asset with this manifest name (`astronaut`) or file name (`astronaut.png`).
    pub fn asset(&self, name: &str) -> Option<&ManifestEntry> {
        self.assets
            .iter()
            .find(|a| a.name == name || a.file_name() == name)
    }
}

static BUNDLED_DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();

/// Registers the models an installed app ships beside its binary (e.g. the `.deb`'s
/// resources): they are used for any file the user's cache does not hold, so an installed app
/// works on a machine that never ran provisioning. Only the first call counts.
pub fn use_bundled_models(dir: PathBuf) {
    let _ = BUNDLED_DIR.set(dir);
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

/// `relative` under the models directory, or else under the bundled models.
fn provisioned(relative: &str, what: &str) -> Result<PathBuf, ModelError> {
    let path = models_dir().join(relative);
    if !path.is_file() {
        if let Some(bundled) = BUNDLED_DIR.get().map(|d| d.join(relative)) {
            if bundled.is_file() {
                return Ok(bundled);
            }
        }
    }
    existing(path, what, "PHYSALIGN_MODELS_DIR")
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
    match std::env::var_os(ENV).filter(|p| !p.is_empty()) {
        Some(p) => existing(PathBuf::from(p), "ONNX Runtime library", ENV),
        None => provisioned("onnxruntime/libonnxruntime.so", "ONNX Runtime library"),
    }
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
    provisioned("pose/pose_detection.onnx", "pose detector model")
}

/// The BlazePose landmark model of the given variant (ONNX): the pruned model provisioning
/// makes (no segmentation branch, the other outputs verified identical) where it exists, else
/// the converted model (an older cache, or an installed app that ships only that).
pub fn pose_landmarker(variant: PoseVariant) -> Result<PathBuf, ModelError> {
    let what = format!("pose landmark model ({variant})");
    provisioned(
        &format!("pose/pose_landmark_{}.pruned.onnx", variant.name()),
        &what,
    )
    .or_else(|_| pose_landmarker_converted(variant))
}

/// The landmark model as converted from TFLite, segmentation branch included.
pub fn pose_landmarker_converted(variant: PoseVariant) -> Result<PathBuf, ModelError> {
    provisioned(
        &format!("pose/pose_landmark_{}.onnx", variant.name()),
        &format!("pose landmark model ({variant})"),
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
    provisioned(
        &format!("whisper/ggml-{name}.bin"),
        &format!("Whisper model {name}"),
    )
}

/// A provisioned test asset, by manifest name (`astronaut`, `pose2sim_cam01`) or file name
/// (`astronaut.png`, `pose2sim_cam01.mp4`).
pub fn asset(name: &str) -> Result<PathBuf, ModelError> {
    let manifest = Manifest::load()?;
    let entry = manifest
        .asset(name)
        .ok_or_else(|| ModelError::UnknownAsset {
            name: name.to_string(),
            expected: manifest
                .assets
                .iter()
                .map(|a| format!("{} ({})", a.name, a.file_name()))
                .collect::<Vec<_>>()
                .join(", "),
        })?;
    existing(
        models_dir().join(&entry.output),
        &format!("test asset {}", entry.name),
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

    #[test]
    fn pose_runtime_and_asset_entries_carry_real_sha256() {
        let manifest = Manifest::load().expect("manifest parses");
        let ours = manifest
            .models
            .iter()
            .filter(|m| !m.name.starts_with("whisper"))
            .chain(&manifest.assets);
        for entry in ours {
            assert_eq!(entry.sha256.len(), 64, "{}: {}", entry.name, entry.sha256);
            assert!(
                entry.sha256.bytes().all(|b| b.is_ascii_hexdigit()),
                "{}",
                entry.name
            );
        }
    }

    #[test]
    fn assets_are_found_by_name_or_file_name_and_unknown_ones_are_listed() {
        let manifest = Manifest::load().expect("manifest parses");
        let by_name = manifest.asset("astronaut").expect("astronaut listed");
        let by_file = manifest.asset("pose2sim_cam01.mp4").expect("video listed");
        assert_eq!(by_name.output, "assets/astronaut.png");
        assert_eq!(by_file.name, "pose2sim_cam01");
        let err = asset("moon.png").unwrap_err().to_string();
        assert!(err.contains("astronaut (astronaut.png)"), "{err}");
        assert!(err.contains("pose2sim_cam01 (pose2sim_cam01.mp4)"), "{err}");
    }

    /// Hex SHA256 of a file.
    fn sha256_hex(path: &std::path::Path) -> String {
        use sha2::{Digest, Sha256};
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        hex::encode(Sha256::digest(bytes))
    }

    #[test]
    fn provisioned_cache_matches_the_manifest() {
        let Ok(library) = onnxruntime_library() else {
            eprintln!("skipped: models not provisioned (run `bash models/provision.sh`)");
            return;
        };
        let manifest = Manifest::load().expect("manifest parses");
        let find = |name: &str| {
            manifest
                .models
                .iter()
                .chain(&manifest.assets)
                .find(|m| m.name == name)
                .unwrap_or_else(|| panic!("{name} in manifest"))
        };
        if std::env::var_os("PHYSALIGN_ORT_LIB").is_none() {
            assert_eq!(sha256_hex(&library), find("onnxruntime").sha256);
        }
        for name in ["astronaut", "pose2sim_cam01"] {
            let path = asset(name).expect("provisioned asset");
            assert_eq!(sha256_hex(&path), find(name).sha256, "{name}");
        }
        assert_eq!(
            asset("astronaut.png").expect("by file name"),
            asset("astronaut").expect("by name")
        );
        let detector = pose_detector().expect("detector provisioned");
        let mut models = vec![detector];
        for variant in PoseVariant::ALL {
            let pruned = pose_landmarker(variant).expect("landmark model provisioned");
            // Provisioning prunes every landmark model; the product runs the pruned one.
            assert!(
                pruned.to_string_lossy().ends_with(".pruned.onnx"),
                "{}",
                pruned.display()
            );
            models.push(pruned);
            models.push(pose_landmarker_converted(variant).expect("converted model kept"));
        }
        for model in models {
            // Provisioning writes a stamp only after the ONNX model matched its TFLite original
            // (a pruned model: after its outputs matched the converted model's).
            let stamp = model.with_extension("onnx.stamp");
            let stamp = std::fs::read_to_string(&stamp)
                .unwrap_or_else(|e| panic!("{}: {e}", stamp.display()));
            let recorded = format!("onnx={}", sha256_hex(&model));
            assert!(stamp.lines().any(|l| l == recorded), "{}", model.display());
        }
        assert!(licence_dir().join("mediapipe-LICENSE.txt").is_file());
        assert!(licence_dir().join("onnxruntime-LICENSE.txt").is_file());
    }
}
