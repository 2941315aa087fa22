//! Finding 9, least privilege in the database: a service runs as a role that may read and
//! write its tables and nothing else; the role that owns the schema runs the migrations.
//! On the old code there was one role per service, owner and user at once, so a service
//! (or whoever took it over) could drop its own tables.

use aftersales_e2e::{config, launch};
use aftersales_testkit::provision::{connect, provision_service};
use aftersales_testkit::tokens::admin;
use aftersales_testkit::util::unique_name;
use aftersales_testkit::{TEST_DATABASE, TestVhost, servers};
use aftersales_web::service::{StartError, migrate, start};
use diesel_async::SimpleAsyncConnection;
use serde_json::json;

fn login(admin_url: &str, role: &str) -> String {
    admin_url.replacen("://postgres@", &format!("://{role}:{role}@"), 1)
}

/// Drops what [`provision_service`] made for `schema` when the test ends, however it ends.
struct Provisioned {
    admin: String,
    schema: String,
}

impl Drop for Provisioned {
    fn drop(&mut self) {
        let (admin, s) = (self.admin.clone(), self.schema.clone());
        let sql = format!(
            "DROP SCHEMA IF EXISTS {s} CASCADE; DROP OWNED BY {s}, {s}_app; \
             DROP ROLE {s}; DROP ROLE {s}_app;"
        );
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                if let Ok(mut su) = connect(&admin).await {
                    let _ = su.batch_execute(&sql).await;
                }
            });
        })
        .join();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_service_runs_as_a_role_that_cannot_change_its_schema() {
    let admin_url = servers().await.pg_admin_url.clone();
    let vhost = TestVhost::new().await;
    // The schema and owner role get a unique name so tests run in parallel; the service
    // is catalog all the same.
    let schema = unique_name();
    let app = aftersales_web::config::app_role(&schema);
    provision_service(&admin_url, TEST_DATABASE, &schema, &schema, &app)
        .await
        .unwrap();
    let _cleanup = Provisioned {
        admin: admin_url.clone(),
        schema: schema.clone(),
    };

    // Before the migration Job ran, the app role cannot start the service: it says what
    // is missing and what to run, instead of serving against a schema without tables.
    let mut cfg = config(
        catalog::NAME,
        &login(&admin_url, &app),
        "unused",
        &vhost.amqp_url(),
    );
    cfg.database_schema = None;
    let err = match start(
        catalog::spec(),
        cfg.clone(),
        aftersales_messaging::contracts::topology_v1(),
    )
    .await
    {
        Ok(_) => panic!("the app role must not be able to migrate"),
        Err(e) => e,
    };
    assert!(matches!(err, StartError::NotMigrated { .. }), "{err}");
    assert!(err.to_string().contains("run `catalog migrate`"), "{err}");

    migrate(&catalog::spec(), &login(&admin_url, &schema))
        .await
        .expect("the owner migrates");
    let catalog = launch(catalog::spec(), cfg).await;

    // It serves reads and writes as the app role...
    let http = aftersales_web::http_client::builder().build().unwrap();
    let created = http
        .post(catalog.url("/api/v1/suppliers"))
        .bearer_auth(admin())
        .json(&json!({"code": "SUP-DB", "name": "Roles Ltd"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        created.status().as_u16(),
        201,
        "{}",
        created.text().await.unwrap()
    );
    let listed = http
        .get(catalog.url("/api/v1/suppliers"))
        .bearer_auth(admin())
        .send()
        .await
        .unwrap();
    assert_eq!(listed.status().as_u16(), 200);

    // ...and that role cannot drop, alter, truncate or create anything.
    let mut as_app = connect(&login(&admin_url, &app)).await.unwrap();
    for ddl in [
        "DROP TABLE outbox",
        "TRUNCATE suppliers",
        "ALTER TABLE suppliers ADD COLUMN smuggled int",
        "CREATE TABLE smuggled (id int)",
    ] {
        let err = as_app.batch_execute(ddl).await.expect_err(ddl).to_string();
        assert!(
            err.contains("permission denied") || err.contains("must be owner"),
            "{ddl}: {err}"
        );
    }
    catalog.running.stop().await;
}
