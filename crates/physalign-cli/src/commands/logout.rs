//! `physalign logout`: signs this device out. What the server sent is cleared; what this
//! identity queued waits for its next sign-in.

use crate::GlobalArgs;
use physalign_sync::CredentialStore;
use serde_json::json;

/// Arguments of `physalign logout`.
#[derive(Debug, clap::Args)]
pub struct LogoutArgs {
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs the subcommand.
pub fn run(args: LogoutArgs, global: &GlobalArgs) -> anyhow::Result<()> {
    let email = physalign_sync::logout(
        &global.db_path(),
        &CredentialStore::new(CredentialStore::default_dir()),
    )?;
    if args.json {
        println!("{}", json!({ "signed_out": email }));
    } else {
        match email {
            Some(email) => println!("signed out {email}"),
            None => println!("nobody was signed in"),
        }
    }
    Ok(())
}
