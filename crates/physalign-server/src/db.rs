//! Connection pool and migrations.

use std::time::Duration;

use sqlx::postgres::{PgPool, PgPoolOptions};

use crate::config::ServerConfig;

/// Migrations in `migrations/postgres`, applied at start.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/postgres");

/// Opens the pool described by `config`.
pub async fn connect(config: &ServerConfig) -> Result<PgPool, sqlx::Error> {
    PgPoolOptions::new()
        .max_connections(config.db_pool_max.max(1))
        .min_connections(config.db_pool_min)
        .acquire_timeout(Duration::from_secs(10))
        .connect(&config.database_url)
        .await
}

/// Applies the migrations in `migrations/postgres` that are not applied yet.
pub async fn migrate(pool: &PgPool) -> Result<(), sqlx::migrate::MigrateError> {
    MIGRATOR.run(pool).await
}
