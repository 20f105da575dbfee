//! `physalign login`: signs this device in to the central API for sync.

use crate::GlobalArgs;
use anyhow::{bail, Context};
use physalign_sync::{blocking, CredentialStore};
use std::io::BufRead;

/// Arguments of `physalign login`.
#[derive(Debug, clap::Args)]
pub struct LoginArgs {
    /// Base URL of the central API, e.g. `https://clinic.example/`.
    #[arg(long)]
    pub server: String,
    /// Account e-mail.
    #[arg(long)]
    pub email: String,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// The password from `PHYSALIGN_PASSWORD`, else the first line of standard input.
pub fn read_password() -> anyhow::Result<String> {
    if let Ok(password) = std::env::var("PHYSALIGN_PASSWORD") {
        if !password.is_empty() {
            return Ok(password);
        }
    }
    eprint!("Password (read from standard input): ");
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    let password = line.trim_end_matches(['\r', '\n']).to_string();
    if password.is_empty() {
        bail!("no password: set PHYSALIGN_PASSWORD or pipe it on standard input");
    }
    Ok(password)
}

/// Runs the subcommand.
pub fn run(args: LoginArgs, global: &GlobalArgs) -> anyhow::Result<()> {
    let password = read_password()?;
    let report = blocking::login(
        &global.db_path(),
        CredentialStore::new(CredentialStore::default_dir()),
        &args.server,
        &args.email,
        &password,
    )?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!(
            "logged in to {} as {} ({}); refresh token in {:?}",
            report.server_url, report.email, report.role, report.credential_backend
        );
    }
    Ok(())
}
