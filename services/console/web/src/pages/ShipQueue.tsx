// Warehouse: orders with reserved stock waiting to ship, emergency first, oldest
// first within a priority; ship one with its carrier and tracking reference (one
// Idempotency-Key per submission, kept while its carrier and tracking stay the same).
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { catalog, orders } from "../api/client";
import { fieldMessage } from "../api/problem";
import type { components } from "../api/schema/orders";
import { Empty, ErrorState, Loading } from "../components/States";
import { useAction } from "../components/useAction";
import { useLoad } from "../components/useLoad";
import { formatDateTime, formatNumber } from "../i18n/format";
import { StatusBadge } from "./Orders";
import { shippingOrder } from "./shipping";

type Order = components["schemas"]["OrderView"];
const SHIPPABLE = ["reserved", "partially_reserved", "partially_shipped"] as const;

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

  const id = order.number;
  const carrierError = fieldMessage(problem, "carrier");
  const trackingError = fieldMessage(problem, "tracking_ref");
  return (
    <form onSubmit={(e) => void ship(e)} className="inline-form" aria-label={`${t("ship.ship")} ${id}`}>
      <label>
        {t("ship.carrier")}
        <input value={carrier} onChange={(e) => setCarrier(e.target.value)} required aria-invalid={carrierError ? true : undefined} />
      </label>
      {carrierError && <span className="field-error">{carrierError}</span>}
      <label>
        {t("ship.tracking")}
        <input value={tracking} onChange={(e) => setTracking(e.target.value)} required aria-invalid={trackingError ? true : undefined} />
      </label>
      {trackingError && <span className="field-error">{trackingError}</span>}
      <button type="submit" className="primary" disabled={busy}>
        {t("ship.ship")}
      </button>
      {problem && !carrierError && !trackingError && <ErrorState problem={problem} />}
    </form>
  );
}

export function ShipQueuePage() {
  const { t } = useTranslation();
  const [shipped, setShipped] = useState<string | null>(null);
  const [queue, reload] = useLoad(async () => {
    const pages = await Promise.all(
      SHIPPABLE.map((status) => orders.GET("/api/v1/orders", { params: { query: { status, limit: 100 } } })),
    );
    const failed = pages.find((p) => !p.data);
    if (failed) return failed;
    const items = pages.flatMap((p) => p.data?.items ?? []).sort(shippingOrder);
    return { data: items, response: pages[0]!.response };
  }, []);

  return (
    <section aria-labelledby="ship-title">
      <h1 id="ship-title">{t("ship.title")}</h1>
      {shipped && (
        <p role="status" className="notice">
          {shipped} · {t("ship.shipped")}
        </p>
      )}
      {queue.kind === "loading" && <Loading />}
      {queue.kind === "error" && <ErrorState problem={queue.problem} onRetry={reload} />}
      {queue.kind === "done" && queue.data.length === 0 && <Empty message={t("ship.empty")} />}
      {queue.kind === "done" && queue.data.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">{t("ship.order")}</th>
              <th scope="col">{t("orders.priority")}</th>
              <th scope="col">{t("orders.status")}</th>
              <th scope="col">{t("ship.warehouse")}</th>
              <th scope="col">{t("ship.part")}</th>
              <th scope="col">{t("ship.reservedAt")}</th>
              <th scope="col">{t("ship.ship")}</th>
            </tr>
          </thead>
          <tbody>
            {queue.data.map((o) => (
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
                      reload();
                    }}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
