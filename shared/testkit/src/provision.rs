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

/// Runs one `SELECT <bigint expression>`.
pub async fn query_i64(conn: &mut AsyncPgConnection, expr: &str) -> anyhow::Result<i64> {
    diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(expr))
        .get_result::<i64>(conn)
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

/// Provisions one service in database `db` (which must exist) with two LOGIN roles:
/// `service`, which owns the schema `service` and runs the migrations, and
/// `<service>_app`, which the service runs as and which may only use the schema's tables,
/// sequences and functions (read, insert, update, delete: never create, alter or drop).
/// Both get `search_path` set to the schema, `public` is closed to everyone, and CONNECT
/// on `db` goes only to the roles granted it. Idempotent; re-running updates the
/// passwords and extends the app role's grants to tables created since.
///
/// `admin_url` is a superuser URL to any database of the server; the function
/// connects to `db` on that server.
pub async fn provision_service(
    admin_url: &str,
    db: &str,
    service: &str,
    owner_password: &str,
    app_password: &str,
) -> anyhow::Result<()> {
    check_identifier(db)?;
    check_identifier(service)?;
    let app = aftersales_web::config::app_role(service);
    check_identifier(&app)?;
    let sql = format!(
        "{owner}{app_role}
ALTER ROLE {service} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE;
CREATE SCHEMA IF NOT EXISTS {service} AUTHORIZATION {service};
ALTER SCHEMA {service} OWNER TO {service};
REVOKE ALL ON SCHEMA public FROM PUBLIC;
REVOKE ALL ON DATABASE {db} FROM PUBLIC;
GRANT CONNECT ON DATABASE {db} TO {service}, {app};
ALTER ROLE {service} SET search_path = {service};
ALTER ROLE {app} SET search_path = {service};
GRANT USAGE ON SCHEMA {service} TO {app};
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {service} TO {app};
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {service} TO {app};
ALTER DEFAULT PRIVILEGES FOR ROLE {service} IN SCHEMA {service}
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {app};
ALTER DEFAULT PRIVILEGES FOR ROLE {service} IN SCHEMA {service}
    GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {app};
",
        owner = login_role(service, owner_password),
        app_role = login_role(&app, app_password),
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

/// SQL creating LOGIN role `role` unless it exists (concurrent callers tolerated), then
/// setting its password. `role` must have passed [`check_identifier`].
fn login_role(role: &str, password: &str) -> String {
    let pw = sql_literal(password);
    format!(
        r#"
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN
        BEGIN
            CREATE ROLE {role} LOGIN PASSWORD {pw};
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END;
    END IF;
END
$$;
ALTER ROLE {role} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD {pw};
"#
    )
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
