//! Exercise analysis on pose frames.
//!
//! Per frame: joint angles from the world (3D) or image (2D) landmarks ([`kinematics`], with the
//! angle conventions in [`metric`]), One Euro smoothing and short-gap filling, a quality score.
//! Over time: repetitions with a hysteresis counter ([`reps`]) or timed holds ([`hold`]), range of
//! motion and symmetry per repetition, and debounced form issues from rules ([`rules`]). What to
//! measure, count and check for each exercise is data: the catalogue ([`catalogue`]), with
//! per-patient therapist overrides ([`overrides`]). [`SessionAnalyzer`] runs it incrementally.
//! [`goniometer`] reads one joint during a held position, as a clinician's goniometer would.

pub mod catalogue;
pub mod continuity;
pub mod error;
pub mod exercise;
pub mod functional_test;
pub mod geometry;
pub mod goniometer;
pub mod hold;
pub mod kinematics;
pub mod metric;
pub mod one_euro;
pub mod overrides;
pub mod quality;
pub mod reliability;
pub mod rep_stats;
pub mod report;
pub mod reps;
pub mod rules;
pub mod session;
pub mod side;
pub mod target;
pub mod track_file;
pub mod view;

pub use catalogue::Catalogue;
pub use error::AnalysisError;
pub use exercise::Exercise;
pub use kinematics::{AngleSource, FrameSize, KinematicsConfig};
pub use metric::{Metric, MetricValues, Source};
pub use overrides::{ExerciseOverrides, PatientOverrides};
pub use report::{FrameRecord, SessionReport};
pub use session::{AnalyzerConfig, FrameAnalysis, SessionAnalyzer};
pub use track_file::read_track;
pub use view::DetectedView;
