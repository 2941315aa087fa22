use aftersales_web::Role;
use chrono::Duration;

use crate::support::{Svc, admin, dealer, part, token};

#[tokio::test(flavor = "multi_thread")]
async fn price_book_follows_part_upserted_and_prices_for_the_callers_tier() {
    let svc = Svc::start().await;
    svc.create_dealer("D001", "gold", "EUR").await;
    let first = svc.add_part("BRK-1", "100.005", true).await;

    let (status, price) = svc
        .call("GET", "/price-book?part=BRK-1", Some(&dealer("D001")), None)
        .await;
    assert_eq!(status, 200, "{price}");
    assert_eq!(price["tier"], "gold");
    assert_eq!(price["list_price"], "100.0050");
    assert_eq!(price["discount_pct"], "10");
    assert_eq!(price["net_unit_price"], "90.0045");

    // Admin: standard tier unless asked.
    let (_, price) = svc
        .call("GET", "/price-book?part=BRK-1", Some(&admin()), None)
        .await;
    assert_eq!(price["net_unit_price"], "100.0050");
    let (_, price) = svc
        .call(
            "GET",
            "/price-book?part=BRK-1&tier=platinum",
            Some(&admin()),
            None,
        )
        .await;
    assert_eq!(price["net_unit_price"], "85.0043");

    // A newer price replaces it; an older event delivered late does not.
    svc.add_part("BRK-1", "120", true).await;
    let mut late = aftersales_messaging::Envelope::new(
        "catalog",
        &part("BRK-1", "50", false),
        uuid::Uuid::new_v4(),
    )
    .unwrap();
    late.occurred_at = first.occurred_at - Duration::hours(1);
    svc.publish_envelope(&late).await;
    assert!(svc.consumed(&late).await);
    let (_, price) = svc
        .call("GET", "/price-book?part=BRK-1", Some(&admin()), None)
        .await;
    assert_eq!(price["list_price"], "120.0000");
    assert_eq!(price["active"], true);

    assert_eq!(
        svc.call("GET", "/price-book?part=NOPE", Some(&admin()), None)
            .await
            .0,
        404
    );
    assert_eq!(
        svc.call("GET", "/price-book", Some(&admin()), None).await.0,
        400
    );
    assert_eq!(
        svc.call(
            "GET",
            "/price-book?part=BRK-1",
            Some(&token(Role::Finance, None)),
            None
        )
        .await
        .0,
        403
    );
    assert_eq!(
        svc.call("GET", "/price-book?part=BRK-1", None, None)
            .await
            .0,
        401
    );
    // A dealer token whose dealer is not registered.
    assert_eq!(
        svc.call("GET", "/price-book?part=BRK-1", Some(&dealer("D999")), None)
            .await
            .0,
        422
    );
}
