//! `POST /parts/import`: CSV parts and price lists, all or nothing.

use std::time::Instant;

use aftersales_web::Role;
use reqwest::Method;

use crate::support::{Svc, other_roles};

const HEADER: &str = "part_number,description,category,unit_of_measure,list_price,currency,supplier_code,warranty_months,core,returnable,superseded_by,effective_from";

fn row(pn: &str, price: &str, supplier: &str, successor: &str) -> String {
    format!(
        "{pn},\"Part {pn}, imported\",brakes,EA,{price},EUR,{supplier},24,false,true,{successor},"
    )
}

fn file(rows: &[String]) -> Vec<u8> {
    let mut body = String::from(HEADER);
    body.push('\n');
    for r in rows {
        body.push_str(r);
        body.push('\n');
    }
    body.into_bytes()
}

async fn import(svc: &Svc, role: Role, body: Vec<u8>) -> (reqwest::StatusCode, serde_json::Value) {
    svc.send_raw(role, Method::POST, "/parts/import", "text/csv", body)
        .await
}

async fn counts(svc: &Svc) -> (i64, i64, i64) {
    (
        svc.count("SELECT count(*) AS n FROM parts").await,
        svc.count("SELECT count(*) AS n FROM part_prices").await,
        svc.count("SELECT count(*) AS n FROM outbox WHERE event_type = 'catalog.part_upserted'")
            .await,
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn ten_thousand_rows_import_in_one_go_and_a_reimport_changes_nothing() {
    let svc = Svc::start().await;
    svc.seed().await;
    let n = 10_000;
    let mut rows: Vec<String> = (0..n)
        .map(|i| {
            // Every hundredth part is superseded by the next one, a part later in
            // the file; one by a part already in the catalog.
            let successor = match i {
                5 => "A".to_owned(),
                i if i % 100 == 0 => format!("P{:05}", i + 1),
                _ => String::new(),
            };
            row(
                &format!("P{i:05}"),
                &format!("{}.{:04}", 1 + i % 500, i % 10_000),
                "SUP1",
                &successor,
            )
        })
        .collect();
    // An existing part: new description and price.
    rows.push("A,Brake pad (imported),brakes,EA,11.00,EUR,SUP1,24,false,false,,".to_owned());
    let body = file(&rows);

    let started = Instant::now();
    let (s, b) = import(&svc, Role::Admin, body.clone()).await;
    let took = started.elapsed();
    assert_eq!(s, 200, "{b}");
    eprintln!(
        "csv import: {} rows in {:.2?} = {:.0} rows/s",
        rows.len(),
        took,
        rows.len() as f64 / took.as_secs_f64()
    );
    assert_eq!(b["created"], n);
    assert_eq!(b["updated"], 1);
    assert_eq!(b["unchanged"], 0);
    assert_eq!(b["prices_added"], n + 1);
    assert_eq!(
        counts(&svc).await,
        (3 + n as i64, 3 + n as i64 + 1, 3 + n as i64 + 1)
    );

    let (s, p) = svc.get(Role::Dealer, "/parts/P00100").await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["superseded_by"], "P00101");
    assert_eq!(p["description"], "Part P00100, imported");
    assert_eq!(p["returnable"], true);
    assert_eq!(p["list_price"], "101.0100");
    let (_, p) = svc.get(Role::Dealer, "/parts/P00005").await;
    assert_eq!(p["superseded_by"], "A");
    let (_, a) = svc.get(Role::Dealer, "/parts/A").await;
    assert_eq!(a["description"], "Brake pad (imported)");
    assert_eq!(a["list_price"], "11.0000");
    assert_eq!(a["version"], 2);
    let events = svc.outbox_envelopes("catalog.part_upserted").await;
    let last_a = events
        .iter()
        .rev()
        .find(|e| e.payload["part_number"] == "A")
        .unwrap();
    assert_eq!(last_a.payload["list_price"], "11.0000");

    // The same file again: nothing to change, nothing published.
    let (s, b) = import(&svc, Role::Admin, body).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        (
            b["created"].as_i64(),
            b["updated"].as_i64(),
            b["unchanged"].as_i64(),
            b["prices_added"].as_i64()
        ),
        (Some(0), Some(0), Some(n as i64 + 1), Some(0))
    );
    assert_eq!(
        counts(&svc).await,
        (3 + n as i64, 3 + n as i64 + 1, 3 + n as i64 + 1)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_with_bad_rows_names_every_one_and_writes_nothing() {
    let svc = Svc::start().await;
    svc.seed().await;
    let mut rows: Vec<String> = (0..30)
        .map(|i| row(&format!("Q{i:02}"), "5.00", "SUP1", ""))
        .collect();
    rows[3] = row("Q03", "abc", "SUP1", "");
    rows[10] = row("Q10", "5.00", "NOPE", "");
    rows[15] = "Q15,d,c,EA,5.00,EUR,SUP1,x,maybe,false,,".to_owned();
    rows[20] = row("Q20", "5.00", "SUP1", "GHOST");
    rows[25] = row("Q25", "5.00", "SUP1", "Q26");
    rows[26] = row("Q26", "5.00", "SUP1", "Q25");
    rows[28] = row("Q00", "5.00", "SUP1", "");
    let before = counts(&svc).await;

    let (s, b) = import(&svc, Role::Admin, file(&rows)).await;
    assert_eq!(s, 422, "{b}");
    let fields: Vec<&str> = b["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "line 5: list_price",
            "line 12: supplier_code",
            "line 17: warranty_months",
            "line 17: core",
            "line 22: superseded_by",
            "line 27: superseded_by",
            "line 28: superseded_by",
            "line 30: part_number",
        ],
        "{b}"
    );
    assert!(
        b["detail"].as_str().unwrap().contains("nothing imported"),
        "{b}"
    );
    assert_eq!(counts(&svc).await, before, "nothing written");
    let (s, _) = svc.get(Role::Admin, "/parts/Q01").await;
    assert_eq!(s, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn import_is_for_admins_and_needs_readable_csv() {
    let svc = Svc::start().await;
    svc.seed().await;
    let good = file(&[row("N1", "1.00", "SUP1", "")]);
    for role in other_roles(&[Role::Admin]) {
        let (s, b) = import(&svc, role, good.clone()).await;
        assert_eq!(s, 403, "{role:?}: {b}");
    }
    let (s, b) = svc
        .send_raw(
            Role::Admin,
            Method::POST,
            "/parts/import",
            "application/json",
            good.clone(),
        )
        .await;
    assert_eq!(s, 400, "{b}");
    assert_eq!(b["status"], 400);
    let (s, b) = import(&svc, Role::Admin, vec![0xff, 0xfe, b'\n']).await;
    assert_eq!(s, 400, "not UTF-8: {b}");
    let (s, b) = import(&svc, Role::Admin, format!("{HEADER}\n").into_bytes()).await;
    assert_eq!(s, 400, "no rows: {b}");
    let (s, b) = import(&svc, Role::Admin, b"part_number,descr\nN1,x\n".to_vec()).await;
    assert_eq!(s, 422, "{b}");
    let fields: Vec<&str> = b["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&"line 1: descr"), "{b}");
    assert!(fields.contains(&"line 1: list_price"), "{b}");
    let (s, b) = import(&svc, Role::Admin, file(&["N1,short,row".to_owned()])).await;
    assert_eq!(s, 422, "{b}");
    assert_eq!(b["errors"][0]["field"], "line 2: row");
    assert_eq!(counts(&svc).await.0, 3);

    // A part numbered IMPORT is still an ordinary part to read.
    let (s, b) = import(
        &svc,
        Role::Admin,
        file(&[row("IMPORT", "1.00", "SUP1", "")]),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = svc.get(Role::Dealer, "/parts/import").await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["part_number"], "IMPORT");
}
