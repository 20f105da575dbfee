//! `physalign care-team [--end PHYSIOTHERAPIST_ID]`: on a patient's device, who can see their
//! data, and ending a care relationship. Both need the server (an ended relationship must take
//! effect there at once).

use crate::GlobalArgs;
use physalign_sync::CredentialStore;
use uuid::Uuid;

/// Arguments of `physalign care-team`.
#[derive(Debug, clap::Args)]
pub struct CareTeamArgs {
    /// End the relationship with this clinician (the id the list shows); they see nothing more.
    #[arg(long)]
    pub end: Option<Uuid>,
    /// Print the care team as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs the subcommand.
pub fn run(args: CareTeamArgs, global: &GlobalArgs) -> anyhow::Result<()> {
    let credentials = || CredentialStore::new(CredentialStore::default_dir());
    if let Some(id) = args.end {
        physalign_sync::blocking::end_care(&global.db_path(), credentials(), id)?;
        eprintln!("ended the care relationship with {id}");
    }
    let team = physalign_sync::blocking::care_team(&global.db_path(), credentials())?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&team)?);
    } else if team.is_empty() {
        println!("nobody in a care team can see your data");
    } else {
        for member in &team {
            let name = [member.first_name.as_deref(), member.last_name.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            println!(
                "{} {} (since {})",
                member.physiotherapist_id,
                if name.is_empty() {
                    "a physiotherapist"
                } else {
                    &name
                },
                member.since.format("%Y-%m-%d")
            );
        }
    }
    Ok(())
}
