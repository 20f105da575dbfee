//! `physalign measure VIDEO --joint knee`: a camera goniometer reading of a held position.

use crate::GlobalArgs;
use anyhow::Context;
use physalign_analysis::goniometer::{
    read_hold, GoniometerJoint, GoniometerReading, GoniometerSettings, MovementPlane, SideReading,
};
use physalign_analysis::{FrameSize, Source};
use physalign_vision::{track_video, PoseConfig, PoseVariant};
use std::path::PathBuf;

/// Arguments of `physalign measure`.
#[derive(Debug, clap::Args)]
pub struct MeasureArgs {
    /// Video of the held position (mp4, mov, webm, mkv).
    pub video: PathBuf,
    /// The joint: knee, hip, elbow, ankle, shoulder_abduction, shoulder_flexion, hip_abduction.
    #[arg(long)]
    pub joint: GoniometerJoint,
    /// Seconds the position must be held for a reading.
    #[arg(long, default_value_t = GoniometerSettings::default().window_s)]
    pub hold_s: f64,
    /// Print the reading as JSON.
    #[arg(long)]
    pub json: bool,
    /// Landmark model: lite, full or heavy.
    #[arg(long, default_value = "full")]
    pub model: PoseVariant,
    /// Inference threads per model.
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
}

/// Runs the subcommand.
pub fn run(args: MeasureArgs, _global: &GlobalArgs) -> anyhow::Result<()> {
    if !(args.hold_s.is_finite() && args.hold_s > 0.0) {
        anyhow::bail!("--hold-s must be a positive number of seconds");
    }
    let config = PoseConfig {
        variant: args.model,
        threads: args.threads,
    };
    let mut frames = Vec::new();
    let mut reported = 0;
    let summary = track_video(&args.video, &config, |frame, progress| {
        frames.push(frame.clone());
        let decile = (progress.fraction() * 10.0) as u32;
        if decile > reported {
            reported = decile;
            eprintln!("measuring: {}%", decile * 10);
        }
    })
    .with_context(|| format!("tracking the pose in {}", args.video.display()))?;
    let settings = GoniometerSettings {
        window_s: args.hold_s,
        ..GoniometerSettings::default()
    };
    let size = FrameSize::new(summary.width, summary.height);
    let reading = read_hold(&frames, size, args.joint, &settings);
    if args.json {
        crate::commands::analyze::print_stdout(&serde_json::to_string_pretty(&reading)?)
    } else {
        crate::commands::analyze::print_stdout(&describe(&reading))
    }
}

/// The reading in words, one line per side.
fn describe(reading: &GoniometerReading) -> String {
    let plane = match reading.plane {
        MovementPlane::Sagittal => "seen true from the side",
        MovementPlane::Frontal => "seen true from the front",
    };
    let mut out = format!(
        "{} ({plane}; camera view: {})\n",
        reading.joint,
        reading.view.as_str()
    );
    for side in &reading.sides {
        out.push_str(&format!(
            "  {:<6} {}\n",
            format!("{}:", side.side.suffix()),
            side_line(side)
        ));
    }
    out
}

fn side_line(side: &SideReading) -> String {
    let Some(angle) = side.angle_deg else {
        return format!("no reading: {}", warnings(side));
    };
    let mut line = format!("{angle:.0}°");
    match side.source {
        Some(Source::World) => {
            if let Some(pictured) = side.image_angle_deg {
                line.push_str(&format!(" in 3-D (on the picture {pictured:.0}°)"));
            }
        }
        _ => {
            if let Some(world) = side.world_angle_deg {
                line.push_str(&format!(" on the picture (3-D estimate {world:.0}°)"));
            }
        }
    }
    line.push_str(&format!(
        ", held {:.1} s, spread {:.1}°, confidence {:.2}",
        side.held_s,
        side.spread_deg.unwrap_or_default(),
        side.confidence
    ));
    if side.reliable() {
        line.push_str(": reliable");
    } else {
        line.push_str(&format!(": NOT reliable: {}", warnings(side)));
    }
    line
}

fn warnings(side: &SideReading) -> String {
    side.warnings
        .iter()
        .map(|w| w.message())
        .collect::<Vec<_>>()
        .join("; ")
}
