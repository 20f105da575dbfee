//! What a report is drawn from: the engine's session report plus the stored signals it needs.

use physalign_analysis::report::RepDetail;
use physalign_analysis::reps::CycleOutcome;
use physalign_analysis::SessionReport;

/// Everything a report shows about one recorded session.
#[derive(Debug, Clone)]
pub struct SessionDocument {
    /// The engine's analysis of the session.
    pub report: SessionReport,
    /// The stored session's id, when it was stored.
    pub session_id: Option<String>,
    /// Where the frames came from (a file name or a camera).
    pub source: String,
    /// When the recording started, as the store keeps it (RFC 3339).
    pub recorded_at: Option<String>,
    /// The joint angle the repetition counter followed, over time.
    pub angle: AngleTrace,
    /// The body at the working position of the fullest repetition, when one was found.
    pub skeleton: Option<SkeletonSnapshot>,
}

/// A joint angle over time.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AngleTrace {
    /// The angle's name, e.g. `knee`.
    pub name: Option<String>,
    /// Seconds from the start of the recording.
    pub t_s: Vec<f64>,
    /// Degrees; `None` where the joint could not be measured.
    pub degrees: Vec<Option<f32>>,
}

/// The landmarks of one frame, for drawing the skeleton.
#[derive(Debug, Clone, PartialEq)]
pub struct SkeletonSnapshot {
    /// Seconds from the start of the recording.
    pub t_s: f64,
    /// The 33 landmarks as `[x, y, visibility]`, x and y normalised to the frame (0..1).
    pub landmarks: Vec<[f32; 3]>,
    /// Frame width in pixels (for the aspect ratio).
    pub frame_width: u32,
    /// Frame height in pixels.
    pub frame_height: u32,
    /// What the picture shows, e.g. "the deepest point of repetition 3".
    pub caption: String,
}

impl SessionDocument {
    /// The full repetition with the largest range of motion: its working position is the one
    /// worth a picture. `None` when no full repetition was counted.
    pub fn fullest_repetition(report: &SessionReport) -> Option<&RepDetail> {
        report
            .rep_details
            .iter()
            .filter(|r| r.outcome == CycleOutcome::Full)
            .max_by(|a, b| a.rom.unwrap_or(0.0).total_cmp(&b.rom.unwrap_or(0.0)))
    }
}
