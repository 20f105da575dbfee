//! `physalign-server`: the PhysAlign central REST API.

use anyhow::Context;
use clap::{Parser, Subcommand};
use physalign_server::config::ServerConfig;
use physalign_server::state::AppState;
use physalign_server::{app, db, routes};

#[derive(Parser)]
#[command(
    name = "physalign-server",
    version,
    about = "PhysAlign central REST API on PostgreSQL"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    config: ServerConfig,
}

#[derive(Subcommand)]
enum Command {
    /// Run the API server (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Create an administrator account (admins cannot sign up).
    CreateAdmin {
        /// Login e-mail.
        #[arg(long)]
        email: String,
        /// Password: 12+ characters with upper case, lower case, digit and symbol.
        #[arg(long, env = "PHYSALIGN_ADMIN_PASSWORD", hide_env_values = true)]
        password: String,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .init();
    let cli = Cli::parse();
    let config = cli.config;
    let pool = db::connect(&config)
        .await
        .context("connecting to the database")?;
    db::migrate(&pool).await.context("applying migrations")?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Migrate => {
            println!("migrations applied");
        }
        Command::CreateAdmin { email, password } => {
            let id = routes::auth::create_admin(&pool, &email, &password).await?;
            println!("admin {email} created with id {id}");
        }
        Command::Serve => {
            let listen = config.listen;
            let state = AppState::new(config, pool)?;
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .with_context(|| format!("binding {listen}"))?;
            tracing::info!(address = %listener.local_addr()?, "physalign-server listening");
            app::serve(listener, state, async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await?;
        }
    }
    Ok(())
}
