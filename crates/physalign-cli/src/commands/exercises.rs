//! `physalign exercises`: the exercise catalogue.

use super::analyze::{load_catalogue, print_stdout};
use crate::GlobalArgs;
use physalign_analysis::exercise::Mode;
use std::fmt::Write as _;
use std::path::PathBuf;

/// Arguments of `physalign exercises`.
#[derive(Debug, clap::Args)]
pub struct ExercisesArgs {
    /// Print the full definitions as JSON.
    #[arg(long)]
    pub json: bool,
    /// Extra or replacement exercise definitions (a directory of TOML/JSON files).
    #[arg(long)]
    pub exercises_dir: Option<PathBuf>,
}

/// Runs the subcommand.
pub fn run(args: ExercisesArgs, _global: &GlobalArgs) -> anyhow::Result<()> {
    let catalogue = load_catalogue(args.exercises_dir.as_deref())?;
    if args.json {
        let all: Vec<_> = catalogue.iter().collect();
        return print_stdout(&format!("{}\n", serde_json::to_string_pretty(&all)?));
    }
    let mut out = String::new();
    writeln!(
        out,
        "{:<20} {:<30} {:<6} {:<6} {:<40} {:>8} RULES",
        "ID", "NAME", "VIEW", "MODE", "FOLLOWS (rest > work deg)", "TARGET"
    )?;
    for ex in catalogue.iter() {
        let follows = match ex.mode {
            Mode::Reps => ex.signals.first().map_or_else(String::new, |s| {
                format!("{} {:?} ({} > {})", s.metric, s.combine, s.rest, s.work).to_lowercase()
            }),
            Mode::Hold => ex.hold.as_ref().map_or_else(String::new, |h| {
                h.conditions
                    .iter()
                    .map(|c| format!("{} {}..{}", c.metric, c.min, c.max))
                    .collect::<Vec<_>>()
                    .join(", ")
            }),
        };
        let target = match ex.mode {
            Mode::Reps => ex
                .target_rom
                .as_ref()
                .map_or_else(|| "-".to_string(), |t| format!("{} deg", t.angle)),
            Mode::Hold => ex
                .hold
                .as_ref()
                .map_or_else(|| "-".to_string(), |h| format!("{} s", h.target_s)),
        };
        let rules: Vec<&str> = ex.rules.iter().map(|r| r.id.as_str()).collect();
        writeln!(
            out,
            "{:<20} {:<30} {:<6} {:<6} {:<40} {:>8} {}",
            ex.id,
            ex.name,
            ex.view.as_str(),
            format!("{:?}", ex.mode).to_lowercase(),
            follows,
            target,
            rules.join(",")
        )?;
    }
    print_stdout(&out)
}
