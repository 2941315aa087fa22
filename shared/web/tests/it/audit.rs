//! The audit trail against a real PostgreSQL: records written in the caller's
//! transaction, sealed in commit order, verified, tampering found, append-only for
//! everyone but the owner's pruning.

use aftersales_testkit::TestDb;
use aftersales_web::Role;
use aftersales_web::audit::api::{Filter, load};
use aftersales_web::audit::chain::{Broken, prune, seal, verify};
use aftersales_web::audit::{Actor, Entry, Origin};
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use uuid::Uuid;

use crate::migrated_db;

fn dealer(code: &str) -> Origin {
    Origin {
        actor: Actor::User {
            subject: format!("user-{code}"),
            role: Role::Dealer,
            dealer: Some(code.to_owned()),
        },
        correlation_id: Some(Uuid::now_v7()),
    }
}

fn submitted(claim: &str, dealer: &str) -> Entry {
    Entry::new("claim.submitted", "claim", claim)
        .of_dealer(dealer)
        .change("status", None::<&str>, "submitted")
}

/// `n` records committed one transaction each.
async fn write(c: &mut AsyncPgConnection, n: usize) {
    for i in 0..n {
        let origin = dealer("D001");
        c.transaction(async |c| {
            origin
                .record(c, &[submitted(&format!("c-{i}"), "D001")])
                .await
        })
        .await
        .unwrap();
    }
}

/// Seals until `n` records are: a transaction running anywhere in the cluster (another
/// test's) holds sealing back until it ends.
async fn seal_all(c: &mut AsyncPgConnection, n: u64) {
    let mut sealed = 0;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while sealed < n {
        assert!(
            std::time::Instant::now() < deadline,
            "{sealed} of {n} sealed"
        );
        sealed += seal(c).await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(sealed, n);
}

async fn verified(c: &mut AsyncPgConnection) -> aftersales_web::audit::chain::Verified {
    verify(c)
        .await
        .unwrap()
        .unwrap_or_else(|b| panic!("broken: {b}"))
}

#[tokio::test]
async fn records_are_sealed_and_the_chain_verifies() {
    let db = migrated_db().await;
    let mut c = db.conn().await;
    write(&mut c, 5).await;
    let before = verified(&mut c).await;
    assert_eq!((before.links, before.unsealed), (0, 5));

    seal_all(&mut c, 5).await;
    assert_eq!(seal(&mut c).await.unwrap(), 0, "nothing is sealed twice");
    let after = verified(&mut c).await;
    assert_eq!(
        (after.links, after.unsealed, after.first_position),
        (5, 0, 1)
    );

    write(&mut c, 2).await;
    seal_all(&mut c, 2).await;
    let later = verified(&mut c).await;
    assert_eq!(later.links, 7);
    assert_ne!(later.head, after.head);
}

#[tokio::test]
async fn a_record_rolled_back_with_its_change_is_never_written() {
    let db = migrated_db().await;
    let mut c = db.conn().await;
    let origin = dealer("D001");
    let failed: Result<(), diesel::result::Error> = c
        .transaction(async |c| {
            origin.record(c, &[submitted("c-1", "D001")]).await?;
            Err(diesel::result::Error::RollbackTransaction)
        })
        .await;
    assert!(failed.is_err());
    assert!(
        load(&mut c, &Filter::default(), 10)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_transaction_still_running_holds_back_the_records_committed_after_it() {
    let db = migrated_db().await;
    let mut slow = db.conn().await;
    let mut c = db.conn().await;
    slow.batch_execute("BEGIN").await.unwrap();
    dealer("D001")
        .record(&mut slow, &[submitted("early", "D001")])
        .await
        .unwrap();
    write(&mut c, 2).await;

    // The running transaction's record would land behind these two: none is sealed.
    assert_eq!(seal(&mut c).await.unwrap(), 0);
    slow.batch_execute("COMMIT").await.unwrap();
    seal_all(&mut c, 3).await;
    let v = verified(&mut c).await;
    assert_eq!((v.links, v.unsealed), (3, 0));
}

#[tokio::test]
async fn sealers_racing_each_other_seal_every_record_once() {
    let db = migrated_db().await;
    let mut c = db.conn().await;
    write(&mut c, 30).await;
    let mut a = db.conn().await;
    let mut b = db.conn().await;
    let (x, y) = tokio::join!(seal(&mut a), seal(&mut b));
    let raced = x.unwrap() + y.unwrap();
    seal_all(&mut c, 30 - raced).await;
    assert_eq!(verified(&mut c).await.links, 30);
}

/// Runs `sql` with the append-only triggers out of the way, as only a superuser can.
async fn tamper(c: &mut AsyncPgConnection, sql: &str) {
    c.batch_execute(&format!(
        "SET session_replication_role = replica; {sql}; SET session_replication_role = origin"
    ))
    .await
    .unwrap();
}

async fn sealed_chain(db: &TestDb, n: usize) -> AsyncPgConnection {
    let mut c = db.conn().await;
    write(&mut c, n).await;
    seal_all(&mut c, n as u64).await;
    c
}

#[tokio::test]
async fn an_edited_record_is_named() {
    let db = migrated_db().await;
    let mut c = sealed_chain(&db, 4).await;
    tamper(
        &mut c,
        "UPDATE audit_log SET reason = 'approved by me' WHERE id = 3",
    )
    .await;
    let broken = verify(&mut c).await.unwrap().unwrap_err();
    assert_eq!(
        broken,
        Broken::Changed {
            position: 3,
            audit_id: 3
        }
    );
    assert!(broken.to_string().contains("audit record 3 was changed"));
}

#[tokio::test]
async fn a_deleted_record_is_named() {
    let db = migrated_db().await;
    let mut c = sealed_chain(&db, 4).await;
    tamper(&mut c, "DELETE FROM audit_log WHERE id = 2").await;
    assert_eq!(
        verify(&mut c).await.unwrap().unwrap_err(),
        Broken::Deleted {
            position: 2,
            audit_id: 2
        }
    );
}

#[tokio::test]
async fn a_removed_link_and_a_rewritten_link_are_named() {
    let db = migrated_db().await;
    let mut c = sealed_chain(&db, 4).await;
    tamper(&mut c, "DELETE FROM audit_chain WHERE position = 2").await;
    assert_eq!(
        verify(&mut c).await.unwrap().unwrap_err(),
        Broken::Gap {
            position: 2,
            found: 3
        }
    );

    let db = migrated_db().await;
    let mut c = sealed_chain(&db, 4).await;
    // A record edited and its own link's hash recomputed still breaks the next link.
    tamper(
        &mut c,
        "UPDATE audit_chain SET hash = sha256(hash) WHERE position = 2",
    )
    .await;
    assert_eq!(
        verify(&mut c).await.unwrap().unwrap_err(),
        Broken::Changed {
            position: 2,
            audit_id: 2
        }
    );
    tamper(
        &mut c,
        "UPDATE audit_chain SET hash = prev_hash WHERE position = 2",
    )
    .await;
    let broken = verify(&mut c).await.unwrap().unwrap_err();
    assert!(matches!(broken, Broken::Changed { position: 2, .. }));
}

#[tokio::test]
async fn a_record_slipped_in_behind_the_seal_is_named() {
    let db = migrated_db().await;
    let mut c = sealed_chain(&db, 3).await;
    tamper(
        &mut c,
        "INSERT INTO audit_log (tx, actor_kind, actor, action, entity_type, entity_id) \
         VALUES ('3'::xid8, 'user', 'mallory', 'claim.decided', 'claim', 'c-0')",
    )
    .await;
    assert_eq!(
        verify(&mut c).await.unwrap().unwrap_err(),
        Broken::Unchained { audit_id: 4 }
    );
}

#[tokio::test]
async fn nobody_may_update_or_delete_a_record() {
    let db = migrated_db().await;
    let mut c = sealed_chain(&db, 2).await;
    // Even a superuser is stopped by the triggers (only pruning, as the owner, passes).
    for sql in [
        "UPDATE audit_log SET reason = 'x'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
        "UPDATE audit_chain SET hash = prev_hash",
        "DELETE FROM audit_chain",
    ] {
        let err = c.batch_execute(sql).await.unwrap_err().to_string();
        assert!(err.contains("append-only"), "{sql}: {err}");
    }
    assert_eq!(verified(&mut c).await.links, 2);
}

#[tokio::test]
async fn the_runtime_role_may_insert_but_holds_no_update_or_delete() {
    use diesel_async::RunQueryDsl as _;
    let db = TestDb::new().await;
    let role = format!("{}_app", db.schema);
    let mut admin = db.conn().await;
    // As a deployment provisions it: the runtime role may connect (the provisioning of
    // other tests revokes CONNECT from PUBLIC) and gets every table's privileges from the
    // schema's default privileges, then the migrations run.
    admin
        .batch_execute(&format!(
            "CREATE ROLE {role} LOGIN PASSWORD 'app'; \
             DO $$ BEGIN EXECUTE format('GRANT CONNECT ON DATABASE %I TO {role}', current_database()); END $$; \
             GRANT USAGE ON SCHEMA {s} TO {role}; \
             ALTER DEFAULT PRIVILEGES IN SCHEMA {s} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}; \
             ALTER DEFAULT PRIVILEGES IN SCHEMA {s} GRANT USAGE, SELECT ON SEQUENCES TO {role}",
            s = db.schema
        ))
        .await
        .unwrap();
    aftersales_web::db::run_migrations(&db.url(), &[aftersales_web::MIGRATIONS])
        .await
        .unwrap();
    let url = as_user(&db.url(), &role, "app");
    let mut app = AsyncPgConnection::establish(&url).await.unwrap();
    write(&mut app, 1).await;
    for sql in ["UPDATE audit_log SET reason = 'x'", "DELETE FROM audit_log"] {
        let err = app.batch_execute(sql).await.unwrap_err().to_string();
        assert!(err.contains("permission denied"), "{sql}: {err}");
    }
    seal_all(&mut app, 1).await; // the sealer runs as this role
    drop(app);
    drop(db);
    let _ = diesel::sql_query(format!("DROP OWNED BY {role}; DROP ROLE {role}"))
        .execute(&mut admin)
        .await;
}

/// `url` signed in as `user`.
fn as_user(url: &str, user: &str, password: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap();
    let host = rest.split_once('@').map_or(rest, |(_, host)| host);
    format!("{scheme}://{user}:{password}@{host}")
}

#[tokio::test]
async fn pruning_anchors_the_chain_at_the_first_record_kept() {
    let db = migrated_db().await;
    let mut c = db.conn().await;
    // Three records from last year, two from now.
    write(&mut c, 3).await;
    tamper(&mut c, "UPDATE audit_log SET at = at - interval '1 year'").await;
    write(&mut c, 2).await;
    seal_all(&mut c, 5).await;
    let whole = verified(&mut c).await;

    let cutoff = chrono::Utc::now() - chrono::Duration::days(30);
    let pruned = prune(&mut c, cutoff).await.unwrap().unwrap();
    assert_eq!((pruned.records, pruned.anchor), (3, 4));
    let kept = verified(&mut c).await;
    assert_eq!((kept.first_position, kept.links), (4, 2));
    assert_eq!(kept.head, whole.head, "the kept links are the same links");
    assert_eq!(
        prune(&mut c, cutoff).await.unwrap(),
        None,
        "nothing more to prune"
    );

    // Pruning without an anchor (deleting the oldest kept link) is still found.
    tamper(&mut c, "DELETE FROM audit_chain WHERE position = 4").await;
    assert_eq!(
        verify(&mut c).await.unwrap().unwrap_err(),
        Broken::Gap {
            position: 4,
            found: 5
        }
    );
}

#[tokio::test]
async fn reads_filter_by_entity_actor_period_and_dealer_newest_first() {
    let db = migrated_db().await;
    let mut c = db.conn().await;
    let (d1, d2) = (dealer("D001"), dealer("D002"));
    d1.record(&mut c, &[submitted("c-1", "D001")])
        .await
        .unwrap();
    d2.record(&mut c, &[submitted("c-2", "D002")])
        .await
        .unwrap();
    let quality = Origin::request(
        &aftersales_web::Principal {
            sub: "q-1".into(),
            role: Role::Quality,
            dealer_code: None,
        },
        Uuid::now_v7(),
    );
    quality
        .record(
            &mut c,
            &[Entry::new("claim.decided", "claim", "c-1")
                .of_dealer("D001")
                .change("status", "submitted", "approved")
                .because("covered")],
        )
        .await
        .unwrap();

    let all = load(&mut c, &Filter::default(), 10).await.unwrap();
    assert_eq!(
        all.iter().map(|r| r.action.as_str()).collect::<Vec<_>>(),
        ["claim.decided", "claim.submitted", "claim.submitted"]
    );
    let c1 = Filter {
        entity_type: Some("claim".into()),
        entity_id: Some("c-1".into()),
        ..Filter::default()
    };
    let history = load(&mut c, &c1, 10).await.unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].actor, "q-1");
    assert_eq!(history[0].actor_role.as_deref(), Some("quality"));
    assert_eq!(history[0].reason.as_deref(), Some("covered"));
    assert_eq!(
        history[0].changes,
        serde_json::json!({"status": {"before": "submitted", "after": "approved"}})
    );
    let own = Filter {
        dealer: Some("D002".into()),
        ..Filter::default()
    };
    let seen = load(&mut c, &own, 10).await.unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].entity_id, "c-2");
    let by_actor = Filter {
        actor: Some("user-D001".into()),
        ..Filter::default()
    };
    assert_eq!(load(&mut c, &by_actor, 10).await.unwrap().len(), 1);
    let future = Filter {
        from: Some(chrono::Utc::now() + chrono::Duration::hours(1)),
        ..Filter::default()
    };
    assert!(load(&mut c, &future, 10).await.unwrap().is_empty());
    let older = Filter {
        before_id: Some(all[0].id),
        ..Filter::default()
    };
    assert_eq!(load(&mut c, &older, 10).await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_record_written_alone_is_stored_as_the_same_record_in_a_batch() {
    let db = migrated_db().await;
    let mut c = db.conn().await;
    let event = Origin {
        actor: Actor::Event {
            producer: "orders".into(),
            event_id: Uuid::now_v7(),
        },
        correlation_id: Some(Uuid::now_v7()),
    };
    let job = Origin::job("return-deadlines", None);
    let user = dealer("D001");
    let entries = [
        (&user, submitted("c-1", "D001").because("leaking seal")),
        (
            &event,
            Entry::new("order.allocated", "order", "o-1")
                .of_dealer("D002")
                .change("lines", serde_json::Value::Null, [1, 2]),
        ),
        (&job, Entry::new("claim.part_return_due", "claim", "c-2")),
    ];
    // Alone: one statement per record (the single-row form); then all three in one.
    for (origin, entry) in &entries {
        origin
            .record(&mut c, std::slice::from_ref(entry))
            .await
            .unwrap();
    }
    aftersales_web::audit::record(&mut c, entries.iter().map(|(o, e)| (*o, e)))
        .await
        .unwrap();

    let mut stored = load(&mut c, &Filter::default(), 10).await.unwrap();
    stored.reverse();
    assert_eq!(stored.len(), 6);
    let without_id_and_time = |r: &aftersales_web::audit::api::AuditRecord| {
        let mut r = r.clone();
        (r.id, r.at) = (0, chrono::DateTime::UNIX_EPOCH);
        r
    };
    for (alone, batched) in stored[..3].iter().zip(&stored[3..]) {
        assert_eq!(without_id_and_time(alone), without_id_and_time(batched));
    }
    assert_eq!(stored[0].reason.as_deref(), Some("leaking seal"));
    assert_eq!(stored[0].actor_dealer.as_deref(), Some("D001"));
    assert_eq!(stored[1].actor_kind, "event");
    assert_eq!(
        stored[1].changes["lines"]["after"],
        serde_json::json!([1, 2])
    );
    assert_eq!(
        (stored[2].actor_kind.as_str(), stored[2].actor.as_str()),
        ("job", "return-deadlines")
    );
    assert_eq!(stored[2].correlation_id, None);
}

/// A consumer's handler recording one entry per event, as the services' use cases do.
#[derive(Clone)]
struct Allocates;

impl aftersales_messaging::Handler for Allocates {
    async fn handle(
        &self,
        c: &mut AsyncPgConnection,
        event: &aftersales_messaging::Envelope,
    ) -> aftersales_messaging::Handled {
        let entry = Entry::new("order.allocated", "order", event.event_id);
        Origin::event(event).record(c, &[entry]).await?;
        Ok(())
    }
}

fn stock_reserved() -> aftersales_messaging::Envelope {
    aftersales_messaging::Envelope {
        event_id: Uuid::now_v7(),
        event_type: "catalog.stock_reserved".into(),
        schema_version: 1,
        occurred_at: chrono::Utc::now(),
        producer: "catalog".into(),
        correlation_id: Uuid::now_v7(),
        causation_id: None,
        payload: serde_json::json!({}),
    }
}

async fn records(c: &mut AsyncPgConnection) -> Vec<String> {
    let mut all = load(c, &Filter::default(), 100).await.unwrap();
    all.reverse();
    all.into_iter().map(|r| r.entity_id).collect()
}

/// What the consumer does with a batch (`apply_batch`): one transaction in the
/// handler's scope, each event handled, then the handler's end of the batch.
async fn apply(
    c: &mut AsyncPgConnection,
    handler: &aftersales_web::audit::Batched<Allocates>,
    events: &[aftersales_messaging::Envelope],
    fail_after_handling: bool,
) -> (Vec<String>, aftersales_messaging::Handled) {
    use aftersales_messaging::{Handler, HandlerError};
    let mut seen_before_the_end = Vec::new();
    let batch = c.transaction::<_, HandlerError, _>(async |c| {
        for event in events {
            handler.handle(c, event).await?;
        }
        seen_before_the_end = records(c).await;
        if fail_after_handling {
            return Err(HandlerError::Retry("the batch failed".into()));
        }
        handler.finish_batch(c).await
    });
    let outcome = handler.scope_batch(batch).await;
    (seen_before_the_end, outcome)
}

#[tokio::test]
async fn a_consumed_batch_writes_its_records_together_at_its_end_and_only_if_it_commits() {
    let db = migrated_db().await;
    let mut c = db.conn().await;
    let handler = aftersales_web::audit::Batched(Allocates);
    let events = [stock_reserved(), stock_reserved(), stock_reserved()];
    let ids: Vec<String> = events.iter().map(|e| e.event_id.to_string()).collect();

    // A batch that fails after its events were handled leaves no record behind, in
    // the database or in the gathering.
    let (_, failed) = apply(&mut c, &handler, &events[..2], true).await;
    assert!(failed.is_err());
    assert!(records(&mut c).await.is_empty());

    // Gathered while handling, written at the end, in the order of the events.
    let (before_the_end, applied) = apply(&mut c, &handler, &events, false).await;
    applied.unwrap();
    assert!(
        before_the_end.is_empty(),
        "written early: {before_the_end:?}"
    );
    assert_eq!(records(&mut c).await, ids);
    let stored = load(&mut c, &Filter::default(), 1).await.unwrap();
    assert_eq!(stored[0].actor_kind, "event");
    assert_eq!(stored[0].event_id, Some(events[2].event_id));

    // Outside a batch (a request, a job) a record is written at once.
    let request = dealer("D001");
    c.transaction(async |c| {
        request.record(c, &[submitted("c-1", "D001")]).await?;
        assert_eq!(records(c).await.len(), 4);
        diesel::QueryResult::Ok(())
    })
    .await
    .unwrap();
}
