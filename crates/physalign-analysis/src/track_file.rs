//! Pose tracks saved as JSON lines (one `PoseFrame` per line, as `physalign track --json-lines`
//! prints them), so analysis can be re-run without the model.

use crate::error::AnalysisError;
use physalign_domain::PoseFrame;
use std::io::BufRead;
use std::path::Path;

/// Reads every frame of a JSON-lines track; blank lines are skipped.
pub fn read_track(path: &Path) -> Result<Vec<PoseFrame>, AnalysisError> {
    let io = |source| AnalysisError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut frames = Vec::new();
    for (n, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(io)?;
        if line.trim().is_empty() {
            continue;
        }
        let frame = serde_json::from_str(&line).map_err(|source| AnalysisError::Json {
            origin: format!("{}:{}", path.display(), n + 1),
            source,
        })?;
        frames.push(frame);
    }
    Ok(frames)
}
