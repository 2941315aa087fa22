//! `text_enum!`: a domain enum as a TEXT column, read, written and refused.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use crate::migrated_db;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Colour {
    Red,
    Green,
}

impl Colour {
    fn as_str(self) -> &'static str {
        match self {
            Colour::Red => "red",
            Colour::Green => "green",
        }
    }

    fn parse(value: &str) -> Option<Colour> {
        match value {
            "red" => Some(Colour::Red),
            "green" => Some(Colour::Green),
            _ => None,
        }
    }
}

aftersales_web::text_enum!(Colour);

diesel::table! {
    paints (id) {
        id -> Int4,
        colour -> Text,
        trim -> Nullable<Text>,
    }
}

#[derive(Debug, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = paints)]
struct Paint {
    id: i32,
    colour: Colour,
    trim: Option<Colour>,
}

#[tokio::test]
async fn an_enum_column_round_trips_and_an_unknown_value_is_an_error() {
    let db = migrated_db().await;
    let mut conn = db.conn().await;
    diesel::sql_query("CREATE TABLE paints (id int4 PRIMARY KEY, colour text NOT NULL, trim text)")
        .execute(&mut conn)
        .await
        .unwrap();

    let rows = vec![
        Paint {
            id: 1,
            colour: Colour::Red,
            trim: None,
        },
        Paint {
            id: 2,
            colour: Colour::Green,
            trim: Some(Colour::Red),
        },
    ];
    diesel::insert_into(paints::table)
        .values(&rows)
        .execute(&mut conn)
        .await
        .unwrap();
    let read: Vec<Paint> = paints::table
        .order(paints::id)
        .select(Paint::as_select())
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(read, rows);
    let green: Vec<i32> = paints::table
        .filter(paints::colour.eq(Colour::Green))
        .select(paints::id)
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(green, vec![2]);

    // A value the enum does not know is an error that names it, never a default.
    diesel::sql_query("INSERT INTO paints VALUES (3, 'blue', NULL)")
        .execute(&mut conn)
        .await
        .unwrap();
    let err = paints::table
        .select(Paint::as_select())
        .load::<Paint>(&mut conn)
        .await
        .unwrap_err();
    assert!(
        format!("{err:?}").contains(r#"\"blue\" is not a Colour"#),
        "{err:?}"
    );
}
