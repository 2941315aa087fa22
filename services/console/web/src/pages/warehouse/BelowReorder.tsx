// Stock at or below its reorder point, with the backorders waiting for it: what to
// replenish first. CSV of the same list.
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { catalog } from "../../api/client";
import type { components } from "../../api/schema/catalog";
import { formatDateTime, formatNumber } from "../../i18n/format";
import { WarehouseReport } from "./common";

type Line = components["schemas"]["StockoutLine"];

function ReorderTable({ items }: { items: Line[] }) {
  const { t } = useTranslation();
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">{t("stock.warehouse")}</th>
          <th scope="col">{t("stock.part")}</th>
          <th scope="col" className="num">{t("stock.onHand")}</th>
          <th scope="col" className="num">{t("stock.available")}</th>
          <th scope="col" className="num">{t("stock.reorderPoint")}</th>
          <th scope="col" className="num">{t("stock.reorderQty")}</th>
          <th scope="col" className="num">{t("reorder.backordered")}</th>
          <th scope="col">{t("reorder.oldest")}</th>
        </tr>
      </thead>
      <tbody>
        {items.map((s) => (
          <tr key={`${s.warehouse}-${s.part_number}`}>
            <td>{s.warehouse}</td>
            <td>
              <Link to={`/warehouse/stock?warehouse=${s.warehouse}&part=${s.part_number}`}>{s.part_number}</Link>
            </td>
            <td className="num">{formatNumber(s.on_hand)}</td>
            <td className="num">{formatNumber(s.available)}</td>
            <td className="num">{formatNumber(s.reorder_point)}</td>
            <td className="num">{formatNumber(s.reorder_qty)}</td>
            <td className="num">{formatNumber(s.backordered)}</td>
            <td>{s.oldest_backorder_placed_at ? formatDateTime(s.oldest_backorder_placed_at) : "—"}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function BelowReorderPage() {
  const { t } = useTranslation();
  return (
    <WarehouseReport
      id="reorder-title"
      title={t("reorder.title")}
      empty={t("reorder.empty")}
      path="/reports/stockouts"
      load={(query) => catalog.GET("/api/v1/reports/stockouts", { params: { query: { ...query, format: "json" } } })}
      table={(items) => <ReorderTable items={items} />}
    />
  );
}
