// Warehouse: orders with reserved stock waiting to ship, emergency first, oldest
// first within a priority (the service's ship queue, page by page, of one warehouse
// or all); ship one with its carrier and tracking reference (one Idempotency-Key per
// submission, kept while its carrier and tracking stay the same).
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { catalog, orders } from "../api/client";
import type { components } from "../api/schema/orders";
import { FormProblem, TextField } from "../components/Field";
import { PagedList } from "../components/Paged";
import { useAction } from "../components/useAction";
import { usePaged } from "../components/usePaged";
import { formatDateTime, formatNumber } from "../i18n/format";
import { StatusBadge } from "./Orders";
import { WarehouseSelect } from "./warehouse/common";

type Order = components["schemas"]["OrderView"];

function ShipForm({ order, onShipped }: { order: Order; onShipped: () => void }) {
  const { t } = useTranslation();
  const [carrier, setCarrier] = useState("");
  const [tracking, setTracking] = useState("");
  const { busy, problem, run } = useAction();

  async function ship(event: FormEvent) {
    event.preventDefault();
    const body = { order_id: order.id, carrier, tracking_ref: tracking };
    const done = await run(body, (key) =>
      catalog.POST("/api/v1/shipments", { body, params: { header: { "Idempotency-Key": key } } }),
    );
    if (done) onShipped();
  }

  return (
    <form onSubmit={(e) => void ship(e)} className="inline-form" aria-label={`${t("ship.ship")} ${order.number}`}>
      <TextField id={`carrier-${order.id}`} label={t("ship.carrier")} field="carrier" problem={problem} value={carrier} onChange={setCarrier} required />
      <TextField id={`tracking-${order.id}`} label={t("ship.tracking")} field="tracking_ref" problem={problem} value={tracking} onChange={setTracking} required />
      <button type="submit" className="primary" disabled={busy}>
        {t("ship.ship")}
      </button>
      <FormProblem problem={problem} shown={["carrier", "tracking_ref"]} />
    </form>
  );
}

export function ShipQueuePage() {
  const { t } = useTranslation();
  const [shipped, setShipped] = useState<string | null>(null);
  const [warehouse, setWarehouse] = useState("");
  const queue = usePaged(
    (cursor) => orders.GET("/api/v1/ship-queue", { params: { query: { cursor, limit: 50, warehouse: warehouse || undefined } } }),
    [warehouse],
  );

  return (
    <section aria-labelledby="ship-title">
      <h1 id="ship-title">{t("ship.title")}</h1>
      <WarehouseSelect label={t("ship.warehouse")} value={warehouse} onChange={setWarehouse} all />
      {shipped && (
        <p role="status" className="notice">
          {shipped} · {t("ship.shipped")}
        </p>
      )}
      <PagedList list={queue} empty={t("ship.empty")}>
        <table>
          <thead>
            <tr>
              <th scope="col">{t("ship.order")}</th>
              <th scope="col">{t("orders.priority")}</th>
              <th scope="col">{t("orders.status")}</th>
              <th scope="col">{t("ship.warehouse")}</th>
              <th scope="col">{t("ship.part")}</th>
              <th scope="col">{t("orders.placedAt")}</th>
              <th scope="col">{t("ship.ship")}</th>
            </tr>
          </thead>
          <tbody>
            {queue.rows.map((o) => (
              <tr key={o.id}>
                <td>
                  {o.number} · {o.dealer_code}
                </td>
                <td>{t(`priority.${o.priority}`)}</td>
                <td>
                  <StatusBadge status={o.status} />
                </td>
                <td>{o.warehouse}</td>
                <td>
                  {o.lines
                    .filter((l) => l.reserved > 0)
                    .map((l) => `${l.reserved_part_number ?? l.part_number} × ${formatNumber(l.reserved)}`)
                    .join(", ")}
                </td>
                <td>{formatDateTime(o.placed_at)}</td>
                <td>
                  <ShipForm
                    order={o}
                    onShipped={() => {
                      setShipped(o.number);
                      queue.reload();
                    }}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </PagedList>
    </section>
  );
}
