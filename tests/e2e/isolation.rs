//! Each service connects with its own role, which reaches only its own schema.

use aftersales_e2e::config;
use aftersales_testkit::provision::{connect, provision_service};
use aftersales_testkit::util::unique_name;
use aftersales_testkit::{TEST_DATABASE, servers};
use diesel_async::SimpleAsyncConnection;

fn role_url(admin_url: &str, role: &str) -> String {
    admin_url.replacen("://postgres@", &format!("://{role}:{role}@"), 1)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_service_role_cannot_read_another_services_schema() {
    let admin = servers().await.pg_admin_url.clone();
    let prefix = unique_name();
    let catalog_role = format!("{prefix}_catalog");
    let orders_role = format!("{prefix}_orders");
    for role in [&catalog_role, &orders_role] {
        provision_service(&admin, TEST_DATABASE, role, role, &format!("{role}_app"))
            .await
            .unwrap();
    }

    // Each service migrates its schema as its own role, exactly as in production:
    // no DATABASE_SCHEMA, the role's search_path decides.
    let mut catalog_cfg = config(
        catalog::NAME,
        &role_url(&admin, &catalog_role),
        "unused",
        "amqp://unused",
    );
    catalog_cfg.database_schema = None;
    aftersales_web::service::migrate(&catalog::spec(), &catalog_cfg.connection_url())
        .await
        .expect("catalog migrates its own schema with its own role");

    let mut own = connect(&role_url(&admin, &catalog_role)).await.unwrap();
    own.batch_execute("SELECT count(*) FROM outbox")
        .await
        .expect("a role reads its own schema");

    let mut other = connect(&role_url(&admin, &orders_role)).await.unwrap();
    let err = other
        .batch_execute(&format!("SELECT count(*) FROM {catalog_role}.outbox"))
        .await
        .expect_err("the orders role must not read the catalog schema");
    assert!(err.to_string().contains("permission denied"), "{err}");
    let err = other
        .batch_execute("CREATE TABLE public.smuggled (id int)")
        .await
        .expect_err("no role may write to the public schema");
    assert!(err.to_string().contains("permission denied"), "{err}");

    let mut su = connect(&admin).await.unwrap();
    su.batch_execute(&format!(
        "DROP SCHEMA {catalog_role} CASCADE; DROP SCHEMA {orders_role} CASCADE; \
         DROP OWNED BY {catalog_role}, {orders_role}, {catalog_role}_app, {orders_role}_app; \
         DROP ROLE {catalog_role}, {orders_role}, {catalog_role}_app, {orders_role}_app;"
    ))
    .await
    .unwrap();
}
