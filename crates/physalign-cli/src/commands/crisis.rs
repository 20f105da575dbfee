//! The crisis resources in the terminal, as the report crate words them: printed above
//! everything else by `notes` and `analyze --audio` whenever what was said carries a crisis flag.

use physalign_report::crisis::CrisisResources;

/// The resources as a block of lines that stands out in a terminal (and in a pasted log).
pub fn render(resources: &CrisisResources) -> String {
    let rule = "!".repeat(72);
    let mut out = format!(
        "{rule}\n!! {}\n!! {}\n",
        resources.headline, resources.intro
    );
    for (n, step) in resources.steps.iter().enumerate() {
        out.push_str(&format!("!!  {}. {}\n", n + 1, step.text));
    }
    out.push_str(&rule);
    out.push('\n');
    out
}
