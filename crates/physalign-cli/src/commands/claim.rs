//! `physalign claim`: accepts a clinician's invitation code and signs this device in as the
//! patient (needs the server).

use crate::commands::login::read_password;
use crate::GlobalArgs;
use physalign_sync::{blocking, CredentialStore};

/// Arguments of `physalign claim`.
#[derive(Debug, clap::Args)]
pub struct ClaimArgs {
    /// Base URL of the central API.
    #[arg(long)]
    pub server: String,
    /// The invitation code the clinician handed over.
    #[arg(long)]
    pub code: String,
    /// The patient's e-mail (a new account is made, or an existing one linked).
    #[arg(long)]
    pub email: String,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs the subcommand.
pub fn run(args: ClaimArgs, global: &GlobalArgs) -> anyhow::Result<()> {
    let password = read_password()?;
    let report = blocking::claim(
        &global.db_path(),
        CredentialStore::new(CredentialStore::default_dir()),
        &args.server,
        &args.code,
        &args.email,
        &password,
    )?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!(
            "invitation claimed: signed in to {} as {} ({})",
            report.server_url, report.email, report.role
        );
    }
    Ok(())
}
