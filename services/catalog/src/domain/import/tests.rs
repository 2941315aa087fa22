//! Parsing and planning of import files.

use super::*;
use chrono::TimeZone;
use proptest::prelude::*;

const HEADER: &str = "part_number,description,category,unit_of_measure,list_price,currency,supplier_code,warranty_months,core,returnable,superseded_by,effective_from\n";

fn parse_ok(body: &str) -> Parsed {
    parse(body.as_bytes()).unwrap()
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 6, 1, 12, 0, 0).unwrap()
}

fn known() -> Known {
    Known {
        suppliers: [("SUP1".to_owned(), true), ("OLD".to_owned(), false)].into(),
        ..Known::default()
    }
}

#[test]
fn reads_quoted_cells_and_defaults() {
    let p = parse_ok(&format!(
        "{HEADER}bp-1,\"Pad, front \"\"ceramic\"\"\",brakes,,12.50,,sup1,24,yes,0,,\n"
    ));
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    let r = &p.rows[0];
    assert_eq!(r.line, 2);
    assert_eq!(r.part_number.as_str(), "BP-1");
    assert_eq!(r.data.description, "Pad, front \"ceramic\"");
    assert_eq!(r.data.unit_of_measure, "EA");
    assert_eq!(r.data.currency, "EUR");
    assert_eq!(r.data.supplier_code, "SUP1");
    assert!(r.data.core && !r.data.returnable);
    assert_eq!(r.effective_from, None);
}

#[test]
fn columns_in_any_order_and_optional_ones_absent() {
    let p = parse_ok(
        "list_price,part_number,supplier_code,description,category,warranty_months\n1,A,SUP1,d,c,0\n",
    );
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    assert_eq!(p.rows[0].price.get(), Decimal::ONE);
}

#[test]
fn every_bad_field_of_every_row_is_named_with_its_line() {
    let p = parse_ok(&format!(
        "{HEADER}A,ok,c,EA,1.00,EUR,SUP1,12,n,n,,\nB,ok,c,EA,-1,eur,SUP1,300,maybe,n,,yesterday\nC,ok,c,EA,1.00,EUR,SUP1,12\nA,dup,c,EA,1.00,EUR,SUP1,12,n,n,,\n"
    ));
    let fields: Vec<String> = p.errors.iter().map(RowError::field).collect();
    assert_eq!(
        fields,
        [
            "line 3: list_price",
            "line 3: currency",
            "line 3: warranty_months",
            "line 3: core",
            "line 3: effective_from",
            "line 4: row",
            "line 5: part_number",
        ]
    );
    assert_eq!(p.rows.len(), 1);
    assert!(p.numbers.contains("B"));
}

#[test]
fn header_problems_are_line_one() {
    let p = parse_ok("part_number,descr,category\nA,b,c\n");
    let fields: Vec<String> = p.errors.iter().map(RowError::field).collect();
    assert!(fields.contains(&"line 1: descr".to_owned()), "{fields:?}");
    assert!(
        fields.contains(&"line 1: list_price".to_owned()),
        "{fields:?}"
    );
    assert!(p.rows.is_empty());
}

#[test]
fn malformed_files() {
    assert!(parse(b"").is_err());
    assert!(parse(b"part_number,description\n\xff\xfe\n").is_err());
    assert!(parse(HEADER.as_bytes()).is_err());
}

#[test]
fn dates() {
    assert_eq!(
        effective_from("2024-05-01").unwrap(),
        Some(Utc.with_ymd_and_hms(2024, 5, 1, 0, 0, 0).unwrap())
    );
    assert_eq!(
        effective_from("2024-05-01T10:00:00+02:00").unwrap(),
        Some(Utc.with_ymd_and_hms(2024, 5, 1, 8, 0, 0).unwrap())
    );
    assert!(effective_from("01/05/2024").is_err());
    // Dates PostgreSQL cannot store, or RFC 3339 cannot write back, are the row's error.
    for outside in ["-5000-01-01", "+10000-01-01", "9999-12-31T23:00:00-02:00"] {
        let e = effective_from(outside).unwrap_err();
        assert!(e.0.contains("0000 to 9999"), "{outside}: {e:?}");
    }
}

fn plan_of(body: &str, known: &Known) -> Result<Vec<Planned>, Vec<RowError>> {
    let p = parse_ok(&format!("{HEADER}{body}"));
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    plan(p.rows, &p.numbers, known, now(), 50)
}

#[test]
fn references_are_checked_against_catalog_and_file() {
    let mut k = known();
    k.links.insert("X".into(), "Y".into());
    k.successors.insert("X".into());
    let err = plan_of(
        "A,d,c,EA,1,EUR,NOPE,0,,,,\nB,d,c,EA,1,EUR,OLD,0,,,,\nC,d,c,EA,1,EUR,SUP1,0,,,ZZZ,\nD,d,c,EA,1,EUR,SUP1,0,,,E,\nE,d,c,EA,1,EUR,SUP1,0,,,D,\nY,d,c,EA,1,EUR,SUP1,0,,,X,\n",
        &k,
    )
    .unwrap_err();
    let fields: Vec<String> = err.iter().map(RowError::field).collect();
    assert_eq!(
        fields,
        [
            "line 2: supplier_code",
            "line 3: supplier_code",
            "line 4: superseded_by",
            "line 5: superseded_by",
            "line 6: superseded_by",
            "line 7: superseded_by",
        ]
    );
    // A chain within the file, pointing forward, is fine.
    let ok = plan_of(
        "A,d,c,EA,1,EUR,SUP1,0,,,B,\nB,d,c,EA,1,EUR,SUP1,0,,,X,\n",
        &k,
    )
    .unwrap();
    assert_eq!(summary(&ok).created, 2);
}

#[test]
fn existing_parts_update_keep_or_add_a_price() {
    let data = PartData {
        description: "d".into(),
        category: "c".into(),
        unit_of_measure: "EA".into(),
        currency: "EUR".into(),
        supplier_code: "SUP1".into(),
        warranty_months: 0,
        core: false,
        returnable: false,
        superseded_by: None,
    };
    let jan = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
    let mut k = known();
    for pn in ["A", "B", "C", "D"] {
        k.parts.insert(
            pn.into(),
            Existing {
                data: data.clone(),
                active: pn != "D",
                prices: vec![(jan, Decimal::ONE)],
            },
        );
    }
    let planned = plan_of(
        "A,d,c,EA,1,EUR,SUP1,0,,,,\nB,new,c,EA,1,EUR,SUP1,0,,,,\nC,d,c,EA,2,EUR,SUP1,0,,,,\nD,d,c,EA,1.5,EUR,SUP1,0,,,,2024-07-01\n",
        &k,
    )
    .unwrap();
    let a: Vec<_> = planned
        .iter()
        .map(|p| (p.action, p.add_price, p.price_now, p.changed()))
        .collect();
    assert_eq!(
        a,
        [
            (Action::Keep, false, Some(Decimal::ONE), false),
            (Action::Update, false, Some(Decimal::ONE), true),
            (Action::Keep, true, Some(Decimal::TWO), true),
            // A future price changes the history, not the price in force.
            (Action::Keep, true, Some(Decimal::ONE), true),
        ]
    );
    assert!(!planned[3].active);
    assert_eq!(
        summary(&planned),
        Summary {
            created: 0,
            updated: 3,
            unchanged: 1,
            prices_added: 2
        }
    );
    // Same instant, other price: contradicts the history.
    let err = plan_of("A,d,c,EA,3,EUR,SUP1,0,,,,2024-01-01\n", &k).unwrap_err();
    assert_eq!(err[0].field(), "line 2: list_price");
    let err = plan_of("A,d,c,EA,1,USD,SUP1,0,,,,\n", &k).unwrap_err();
    assert_eq!(err[0].field(), "line 2: currency");
    let err = plan_of("NEW,d,c,EA,1,EUR,SUP1,0,,,,2030-01-01\n", &k).unwrap_err();
    assert_eq!(err[0].field(), "line 2: effective_from");
}

proptest! {
    #[test]
    fn any_generated_file_of_valid_rows_parses_back(n in 1usize..40, price in 1u32..100_000) {
        let mut body = HEADER.to_owned();
        for i in 0..n {
            body.push_str(&format!("P{i},\"desc, {i}\",cat,EA,{}.{:02},EUR,SUP1,{},true,false,,\n", price, i % 100, i % 240));
        }
        let p = parse(body.as_bytes()).unwrap();
        prop_assert!(p.errors.is_empty());
        prop_assert_eq!(p.rows.len(), n);
        prop_assert_eq!(p.rows[n - 1].line, n as u64 + 1);
    }
}
