//! Database provisioning shared by the task runner (`cargo xtask up`) and the tests
//! that prove each service role reaches only its own schema.

use anyhow::{Context, bail};
use diesel::sql_types::Bool;
use diesel_async::{AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};

use crate::util::with_database;

/// Opens one connection as the services do (`aftersales_messaging::tls`: the URL may
/// carry `?options=...` and TLS settings such as `sslmode`).
pub async fn connect(url: &str) -> anyhow::Result<AsyncPgConnection> {
    aftersales_messaging::tls::connect_pg(url)
        .await
        .with_context(|| format!("cannot connect to {url}"))
}

/// Runs one `SELECT <bool expression>`.
pub async fn query_bool(conn: &mut AsyncPgConnection, expr: &str) -> anyhow::Result<bool> {
    diesel::select(diesel::dsl::sql::<Bool>(expr))
        .get_result::<bool>(conn)
        .await
        .with_context(|| format!("SELECT {expr}"))
}

/// Checks that `name` is a plain lowercase SQL identifier (`[a-z_][a-z0-9_]*`, at
/// most 63 bytes), so it can be spliced into DDL without quoting.
pub fn check_identifier(name: &str) -> anyhow::Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 63
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !ok {
        bail!("{name:?} is not a plain lowercase SQL identifier");
    }
    Ok(())
}

/// A SQL string literal.
pub fn sql_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Creates database `db` unless it exists. `admin_url` points to any database of the
/// server as a superuser. Safe against concurrent callers.
pub async fn ensure_database(admin_url: &str, db: &str) -> anyhow::Result<()> {
    check_identifier(db)?;
    let mut conn = connect(&with_database(admin_url, "postgres")).await?;
    let exists = format!(
        "EXISTS (SELECT 1 FROM pg_database WHERE datname = {})",
        sql_literal(db)
    );
    if query_bool(&mut conn, &exists).await? {
        return Ok(());
    }
    if let Err(e) = conn.batch_execute(&format!("CREATE DATABASE {db}")).await {
        // A concurrent caller may have won the race.
        if !query_bool(&mut conn, &exists).await? {
            return Err(e).with_context(|| format!("CREATE DATABASE {db}"));
        }
    }
    Ok(())
}

/// Provisions one service in database `db` (which must exist): a LOGIN role
/// `service` with `password`, a schema `service` owned by it, the role's
/// `search_path` set to it, `public` closed to everyone, and CONNECT on `db` only
/// for the roles granted it. Idempotent; re-running updates the password.
///
/// `admin_url` is a superuser URL to any database of the server; the function
/// connects to `db` on that server.
pub async fn provision_service(
    admin_url: &str,
    db: &str,
    service: &str,
    password: &str,
) -> anyhow::Result<()> {
    check_identifier(db)?;
    check_identifier(service)?;
    let pw = sql_literal(password);
    let sql = format!(
        r#"
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{service}') THEN
        BEGIN
            CREATE ROLE {service} LOGIN PASSWORD {pw};
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END;
    END IF;
END
$$;
ALTER ROLE {service} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD {pw};
CREATE SCHEMA IF NOT EXISTS {service} AUTHORIZATION {service};
ALTER SCHEMA {service} OWNER TO {service};
REVOKE ALL ON SCHEMA public FROM PUBLIC;
REVOKE ALL ON DATABASE {db} FROM PUBLIC;
GRANT CONNECT ON DATABASE {db} TO {service};
ALTER ROLE {service} SET search_path = {service};
"#
    );
    let url = with_database(admin_url, db);
    // Concurrent provisioning (parallel tests) can collide on catalog rows; retry.
    let mut last = None;
    for attempt in 0..5 {
        let mut conn = connect(&url).await?;
        match conn.batch_execute(&sql).await {
            Ok(()) => return Ok(()),
            Err(e) => {
                last = Some(e);
                tokio::time::sleep(std::time::Duration::from_millis(50 * (attempt + 1))).await;
            }
        }
    }
    Err(last.expect("at least one attempt"))
        .with_context(|| format!("provisioning service {service} in database {db}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers() {
        assert!(check_identifier("catalog").is_ok());
        assert!(check_identifier("t_0a1b2c3d4e5f").is_ok());
        assert!(check_identifier("_x1").is_ok());
        assert!(check_identifier("").is_err());
        assert!(check_identifier("1abc").is_err());
        assert!(check_identifier("Catalog").is_err());
        assert!(check_identifier("a;drop").is_err());
        assert!(check_identifier(&"a".repeat(64)).is_err());
    }

    #[test]
    fn literals() {
        assert_eq!(sql_literal("it's"), "'it''s'");
    }
}
