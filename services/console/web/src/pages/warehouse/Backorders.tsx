// Backorders with their age, emergency and oldest first, and when each is expected
// from the purchase orders sent: what the warehouse owes dealers. CSV of the same
// list.
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { catalog } from "../../api/client";
import type { components } from "../../api/schema/catalog";
import { formatDate, formatDateTime, formatNumber } from "../../i18n/format";
import { WarehouseReport } from "./common";

type Backorder = components["schemas"]["BackorderLine"];

/** The day the line's units are expected; a dash, read out as such, while nothing on
 *  order covers them. */
function ExpectedDate({ date }: { date?: string | null }) {
  const { t } = useTranslation();
  if (!date) {
    return (
      <>
        <span aria-hidden="true">—</span>
        <span className="visually-hidden">{t("backorders.noExpectedDate")}</span>
      </>
    );
  }
  return <time dateTime={date}>{formatDate(date)}</time>;
}

function BackorderTable({ items }: { items: Backorder[] }) {
  const { t } = useTranslation();
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">{t("backorders.order")}</th>
          <th scope="col">{t("backorders.dealer")}</th>
          <th scope="col">{t("orders.priority")}</th>
          <th scope="col">{t("stock.warehouse")}</th>
          <th scope="col">{t("stock.part")}</th>
          <th scope="col" className="num">{t("stock.qty")}</th>
          <th scope="col">{t("backorders.placedAt")}</th>
          <th scope="col" className="num">{t("backorders.age")}</th>
          <th scope="col">{t("backorders.expectedDate")}</th>
        </tr>
      </thead>
      <tbody>
        {items.map((b) => (
          <tr key={`${b.order_id}-${b.line_no}`}>
            <td>{b.order_number}</td>
            <td>{b.dealer_code}</td>
            <td>{t(`priority.${b.priority}`)}</td>
            <td>{b.warehouse}</td>
            <td>
              <Link to={`/warehouse/stock?warehouse=${b.warehouse}&part=${b.reserved_part_number}`}>{b.reserved_part_number}</Link>
            </td>
            <td className="num">{formatNumber(b.qty)}</td>
            <td>{formatDateTime(b.placed_at)}</td>
            <td className="num">
              {b.age_days > 0 ? t("backorders.days", { count: b.age_days }) : t("backorders.hours", { count: b.age_hours })}
            </td>
            <td>
              <ExpectedDate date={b.expected_date} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function BackordersPage() {
  const { t } = useTranslation();
  return (
    <WarehouseReport
      id="backorders-title"
      title={t("backorders.title")}
      empty={t("backorders.empty")}
      path="/reports/backorders"
      load={(query) => catalog.GET("/api/v1/reports/backorders", { params: { query: { ...query, format: "json" } } })}
      table={(items) => <BackorderTable items={items} />}
    />
  );
}
