//! Dealer scorecards (`domain::scorecard`): one per dealer and month, counted from
//! the claims, the returned parts, the campaigns and the orders' placements and
//! shipments this service keeps.

use std::collections::BTreeMap;

use aftersales_web::ApiError;
use chrono::{NaiveDate, Utc};
use diesel_async::AsyncPgConnection;

use super::campaigns::{CampaignFile, affected_units};
use crate::db;
use crate::domain::scorecard::{
    CampaignUnit, KeptLine, Month, Scorecard, Tally, campaign_counts, order_fill,
};

/// The scorecards of `months` (consecutive, oldest first), by dealer then month: of
/// `dealer` only when given, else of every dealer known here.
pub async fn scorecards(
    c: &mut AsyncPgConnection,
    months: &[Month],
    dealer: Option<&str>,
) -> Result<Vec<Scorecard>, ApiError> {
    let (Some(&first), Some(&last)) = (months.first(), months.last()) else {
        return Ok(Vec::new());
    };
    let (from, to) = (first.start(), last.end());
    let dealers = match dealer {
        Some(d) => vec![d.to_owned()],
        None => db::read_models::dealer_codes(c).await?,
    };
    let mut tallies: BTreeMap<(String, Month), Tally> = BTreeMap::new();
    for r in db::scorecards::decided(c, from, to, dealer).await? {
        let t = tally(&mut tallies, r.dealer_code, r.month);
        t.decided = r.decided;
        t.rejected = r.rejected;
        t.cycle_seconds = r.cycle_seconds;
    }
    for r in db::scorecards::returns(c, from, to, dealer, Utc::now()).await? {
        let t = tally(&mut tallies, r.dealer_code, r.month);
        t.returns_due = r.due;
        t.returned_on_time = r.on_time;
    }
    let lines = db::scorecards::fill_lines(c, from, to, dealer).await?;
    for order in lines.chunk_by(|a, b| a.order_id == b.order_id) {
        let Some(first) = order.first() else {
            continue;
        };
        let kept: Vec<KeptLine> = order
            .iter()
            .map(|r| KeptLine {
                ordered: r.ordered,
                shipped: r.shipped,
                shipped_within_24h: r.shipped_within_24h,
            })
            .collect();
        let on_lines =
            |of: fn(&db::scorecards::FillLineRow) -> i64| order.iter().map(of).sum::<i64>();
        let fill = order_fill(
            &kept,
            first.order_shipped - on_lines(|r| r.shipped),
            first.order_shipped_within_24h - on_lines(|r| r.shipped_within_24h),
            first.cancelled,
        );
        let t = tally(&mut tallies, first.dealer_code.clone(), first.month);
        t.fill = t.fill.plus(fill);
    }
    let units = campaign_units(c, first.first_day(), last.last_day(), dealer).await?;
    for &month in months {
        for (d, (affected, completed)) in campaign_counts(&units, month) {
            let t = tally(&mut tallies, d.to_owned(), month.first_day());
            t.campaign_units = affected;
            t.campaign_completed = completed;
        }
    }
    let mut cards = Vec::with_capacity(dealers.len() * months.len());
    for d in dealers {
        for &month in months {
            let t = tallies.remove(&(d.clone(), month)).unwrap_or_default();
            cards.push(Scorecard::new(d.clone(), month, t));
        }
    }
    Ok(cards)
}

fn tally(
    tallies: &mut BTreeMap<(String, Month), Tally>,
    dealer: String,
    month: NaiveDate,
) -> &mut Tally {
    tallies.entry((dealer, Month::of(month))).or_default()
}

/// The units affected by campaigns running at some day in `[first, last]` (of `dealer`
/// if given), each with when its campaign claim was filed.
async fn campaign_units(
    c: &mut AsyncPgConnection,
    first: NaiveDate,
    last: NaiveDate,
    dealer: Option<&str>,
) -> Result<Vec<CampaignUnit>, ApiError> {
    let mut all = Vec::new();
    for row in db::campaigns::list(c).await? {
        if row.valid_from > last || row.valid_to < first {
            continue;
        }
        let file = CampaignFile::of(row)?;
        let runs = (file.campaign.valid_from, file.campaign.valid_to);
        all.extend(
            affected_units(c, &file, dealer)
                .await?
                .into_iter()
                .map(|a| CampaignUnit {
                    dealer_code: a.unit.dealer_code,
                    registered_at: a.unit.registered_at,
                    runs,
                    claimed_at: a.claimed_at,
                }),
        );
    }
    Ok(all)
}
