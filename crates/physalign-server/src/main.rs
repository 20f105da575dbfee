//! `physalign-server`: the PhysAlign central REST API.

use anyhow::Context;
use clap::{Parser, Subcommand};
use physalign_api::auth::Role;
use physalign_server::config::ServerConfig;
use physalign_server::state::AppState;
use physalign_server::{accounts, app, db, retention, routes};

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
    /// Create an account of any role: clinicians and administrators exist only this way (or
    /// through an administrator's `POST /api/admin/users`). The password comes from
    /// `PHYSALIGN_PASSWORD` or, when that is unset, one line on standard input.
    CreateUser {
        /// `physiotherapist`, `admin` or `patient`.
        #[arg(long, value_enum)]
        role: RoleArg,
        /// Login e-mail.
        #[arg(long)]
        email: String,
        /// Given name.
        #[arg(long, default_value = "")]
        first_name: String,
        /// Family name.
        #[arg(long, default_value = "")]
        last_name: String,
    },
    /// Create an administrator account (kept for existing scripts; `create-user --role admin`).
    CreateAdmin {
        /// Login e-mail.
        #[arg(long)]
        email: String,
        /// Password: 12+ characters with upper case, lower case, digit and symbol.
        #[arg(long, env = "PHYSALIGN_ADMIN_PASSWORD", hide_env_values = true)]
        password: String,
    },
}

/// The roles `create-user` creates.
#[derive(Clone, Copy, clap::ValueEnum)]
enum RoleArg {
    /// A clinician.
    Physiotherapist,
    /// An administrator.
    Admin,
    /// A patient (in nobody's care until an administrator assigns one).
    Patient,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Self {
        match r {
            RoleArg::Physiotherapist => Role::Physiotherapist,
            RoleArg::Admin => Role::Admin,
            RoleArg::Patient => Role::Patient,
        }
    }
}

/// `PHYSALIGN_PASSWORD`, or one line of standard input without its line end.
fn password_from_env_or_stdin() -> anyhow::Result<String> {
    if let Ok(pw) = std::env::var("PHYSALIGN_PASSWORD") {
        return Ok(pw);
    }
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
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
    let serving = matches!(cli.command, None | Some(Command::Serve));
    // Refuse a clear-text listener on the network before touching the database.
    if serving {
        config.check_listen()?;
    }
    // A certificate that cannot serve is found before the database too.
    let tls = match config.tls_files() {
        Some((cert, key)) if serving => Some(physalign_server::tls::server_config(cert, key)?),
        _ => None,
    };
    let pool = db::connect(&config)
        .await
        .context("connecting to the database")?;
    db::migrate(&pool).await.context("applying migrations")?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Migrate => {
            println!("migrations applied");
        }
        Command::CreateUser {
            role,
            email,
            first_name,
            last_name,
        } => {
            let password = password_from_env_or_stdin()?;
            let role = Role::from(role);
            let user = accounts::create_user(
                &pool,
                accounts::NewUser {
                    email: &email,
                    password: &password,
                    first_name: &first_name,
                    last_name: &last_name,
                    role,
                },
            )
            .await?;
            println!(
                "{} {email} created with id {}{}",
                role.as_str(),
                user.user_id,
                user.profile_id
                    .map(|p| format!(" (profile {p})"))
                    .unwrap_or_default()
            );
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
            tracing::info!(address = %listener.local_addr()?, https = tls.is_some(), "physalign-server listening");
            let security = &state.config.security;
            let drain = std::time::Duration::from_secs(security.shutdown_drain_secs);
            let cleanup = (security.retention_interval_secs > 0).then(|| {
                tokio::spawn(retention::run_periodically(
                    state.clone(),
                    std::time::Duration::from_secs(security.retention_interval_secs),
                ))
            });
            let aggregation = (state.config.analytics_interval_secs > 0).then(|| {
                tokio::spawn(physalign_server::aggregation::run_periodically(
                    state.pool.clone(),
                    std::time::Duration::from_secs(state.config.analytics_interval_secs),
                ))
            });
            let stop = app::termination_signal();
            let drained = match tls {
                Some(tls) => {
                    let listener = physalign_server::tls::listener(listener, tls);
                    app::serve_with_drain(listener, state, stop, drain).await?
                }
                None => app::serve_with_drain(listener, state, stop, drain).await?,
            };
            for task in [cleanup, aggregation].into_iter().flatten() {
                task.abort();
            }
            tracing::info!(drained, "physalign-server stopped");
        }
    }
    Ok(())
}
