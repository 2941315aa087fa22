//! Which of a service's migrations its database still lacks.
//!
//! A service runs as a role that may only read and write its tables; the schema belongs
//! to another role, which `<service> migrate` runs as (in Kubernetes, the migration Job).
//! So `serve` first asks what is missing: nothing, and it starts; something, and it applies
//! it only if its role may (the local stack, where one role does both), else it waits for
//! the migration to be run, saying which one.

use std::collections::HashSet;

use diesel::migration::MigrationSource;
use diesel::pg::Pg;
use diesel::sql_types::{Bool, Text};
use diesel_async::RunQueryDsl;
use diesel_migrations::EmbeddedMigrations;

use crate::db::DbError;

#[derive(diesel::QueryableByName)]
struct Applied {
    #[diesel(sql_type = Text)]
    version: String,
}

/// The names of the migrations of `sets` not recorded as applied in the schema `url`
/// reaches, in order. Reads only: any role that may read the schema may ask.
pub async fn pending(
    url: &str,
    sets: &[&'static EmbeddedMigrations],
) -> Result<Vec<String>, DbError> {
    // Through the pool's own opener: the URL may ask for TLS (`sslmode`, `sslrootcert`).
    let mut conn = aftersales_messaging::tls::connect_pg(url).await?;
    let recorded = diesel::select(diesel::dsl::sql::<Bool>(
        "to_regclass('__diesel_schema_migrations') IS NOT NULL",
    ))
    .get_result::<bool>(&mut conn)
    .await?;
    let applied: HashSet<String> = if recorded {
        diesel::sql_query("SELECT version FROM __diesel_schema_migrations")
            .load::<Applied>(&mut conn)
            .await?
            .into_iter()
            .map(|a| a.version)
            .collect()
    } else {
        HashSet::new()
    };
    let mut missing = Vec::new();
    for set in sets {
        let migrations = MigrationSource::<Pg>::migrations(*set)
            .map_err(|e| DbError::Migration(e.to_string()))?;
        for migration in migrations {
            let name = migration.name();
            if !applied.contains(&name.version().to_string()) {
                missing.push(name.to_string());
            }
        }
    }
    Ok(missing)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shared sets run into every service schema and share its
    /// `__diesel_schema_migrations`: a version used twice would mark the second
    /// migration applied without running it (a missing table at the first request).
    #[test]
    fn the_shared_migration_sets_use_distinct_versions() {
        let mut seen = HashSet::new();
        for set in [
            &aftersales_messaging::MIGRATIONS,
            &crate::idempotency::MIGRATIONS,
        ] {
            for migration in MigrationSource::<Pg>::migrations(set).unwrap() {
                let name = migration.name().to_string();
                assert!(
                    seen.insert(migration.name().version().to_string()),
                    "{name} reuses a version"
                );
            }
        }
    }
}
