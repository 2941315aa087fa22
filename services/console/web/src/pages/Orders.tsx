// Dealer: my orders (paged), and one order with its lines (a backordered one with when it is
// expected), shipments, timeline, cancel (with an optional reason) and its history.
import { useEffect, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";
import { orders } from "../api/client";
import { History } from "../components/History";
import { PagedList } from "../components/Paged";
import { useAction } from "../components/useAction";
import { ErrorState, Loading } from "../components/States";
import { useLoad } from "../components/useLoad";
import { usePaged } from "../components/usePaged";
import { formatDate, formatDateTime, formatMoney, formatNumber } from "../i18n/format";


export function StatusBadge({ status }: { status: string }) {
  const { t } = useTranslation();
  return <span className={`badge badge-${status}`}>{t(`status.${status}`)}</span>;
}

/** When a backordered line's units are expected; "—" (read out) while nothing on order
 * covers them; nothing for a line that waits for nothing. */
function ExpectedDate({ backordered, date }: { backordered: number; date?: string | null }) {
  const { t } = useTranslation();
  if (backordered === 0) return null;
  if (!date) {
    return (
      <>
        <span aria-hidden="true">—</span>
        <span className="visually-hidden">{t("orders.noExpectedDate")}</span>
      </>
    );
  }
  return <time dateTime={date}>{formatDate(date)}</time>;
}

export function OrdersPage() {
  const { t } = useTranslation();
  const list = usePaged((cursor) => orders.GET("/api/v1/orders", { params: { query: { limit: 25, cursor } } }), []);

  return (
    <section aria-labelledby="orders-title">
      <h1 id="orders-title">{t("orders.title")}</h1>
      <PagedList list={list} empty={t("orders.empty")}>
        <table>
          <thead>
            <tr>
              <th scope="col">{t("orders.number")}</th>
              <th scope="col">{t("orders.status")}</th>
              <th scope="col">{t("orders.priority")}</th>
              <th scope="col" className="num">{t("orders.total")}</th>
              <th scope="col">{t("orders.placedAt")}</th>
            </tr>
          </thead>
          <tbody>
            {list.rows.map((o) => (
              <tr key={o.id}>
                <td>
                  <Link to={`/orders/${o.id}`}>{o.number}</Link>
                </td>
                <td>
                  <StatusBadge status={o.status} />
                </td>
                <td>{t(`priority.${o.priority}`)}</td>
                <td className="num">{formatMoney(o.total, o.currency)}</td>
                <td>{formatDateTime(o.placed_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </PagedList>
    </section>
  );
}

const CANCELLABLE = ["submitted", "reserved", "partially_reserved", "backordered", "partially_shipped"];

export function OrderPage() {
  const { t } = useTranslation();
  const { id = "" } = useParams();
  const [order, reload] = useLoad(() => orders.GET("/api/v1/orders/{id}", { params: { path: { id } } }), [id]);
  const [timeline, reloadTimeline] = useLoad(
    () => orders.GET("/api/v1/orders/{id}/timeline", { params: { path: { id } } }),
    [id],
  );
  const cancelling = useAction();
  const [reason, setReason] = useState("");

  // Until catalog has allocated it, look again now and then.
  useEffect(() => {
    if (order.kind !== "done" || order.data.status !== "submitted") return;
    const timer = setTimeout(() => {
      reload();
      reloadTimeline();
    }, 1000);
    return () => clearTimeout(timer);
  }, [order, reload, reloadTimeline]);

  async function cancel(event: FormEvent) {
    event.preventDefault();
    if (!window.confirm(t("orders.cancelConfirm"))) return;
    // No body cancels without a reason; the reason is kept in the order's history.
    const why = reason.trim();
    const done = await cancelling.run(["cancel", id, why], (key) =>
      orders.POST("/api/v1/orders/{id}/cancel", {
        params: { path: { id }, header: { "Idempotency-Key": key } },
        ...(why ? { body: { reason: why } } : {}),
      }),
    );
    if (done) {
      setReason("");
      reload();
      reloadTimeline();
    }
  }

  if (order.kind === "loading") return <Loading />;
  if (order.kind === "error") {
    return (
      <section>
        <h1>{order.problem.status === 404 ? t("state.notFound") : t("orders.title")}</h1>
        {order.problem.status === 404 ? <p>{t("orders.notFound")}</p> : <ErrorState problem={order.problem} onRetry={reload} />}
        <Link to="/orders">{t("orders.back")}</Link>
      </section>
    );
  }
  const o = order.data;
  return (
    <section aria-labelledby="order-title">
      <p>
        <Link to="/orders">{t("orders.back")}</Link>
      </p>
      <h1 id="order-title">
        {t("orders.number")} {o.number} <StatusBadge status={o.status} />
      </h1>
      <dl className="facts">
        <dt>{t("orders.priority")}</dt>
        <dd>{t(`priority.${o.priority}`)}</dd>
        <dt>{t("orders.warehouse")}</dt>
        <dd>{o.warehouse}</dd>
        <dt>{t("orders.placedAt")}</dt>
        <dd>{formatDateTime(o.placed_at)}</dd>
        <dt>{t("orders.total")}</dt>
        <dd>{formatMoney(o.total, o.currency)}</dd>
      </dl>
      <h2 id="lines-title">{t("orders.lines")}</h2>
      <table aria-labelledby="lines-title">
        <thead>
          <tr>
            <th scope="col">{t("orders.line")}</th>
            <th scope="col">{t("parts.partNumber")}</th>
            <th scope="col" className="num">{t("orders.qty")}</th>
            <th scope="col" className="num">{t("orders.reserved")}</th>
            <th scope="col" className="num">{t("orders.backordered")}</th>
            <th scope="col" className="num">{t("orders.shipped")}</th>
            <th scope="col">{t("orders.expectedDate")}</th>
            <th scope="col" className="num">{t("orders.unitNet")}</th>
            <th scope="col" className="num">{t("orders.lineTotal")}</th>
          </tr>
        </thead>
        <tbody>
          {o.lines.map((l) => (
            <tr key={l.line_no}>
              <td>{l.line_no}</td>
              <td>{l.reserved_part_number && l.reserved_part_number !== l.part_number ? `${l.part_number} → ${l.reserved_part_number}` : l.part_number}</td>
              <td className="num">{formatNumber(l.qty)}</td>
              <td className="num">{formatNumber(l.reserved)}</td>
              <td className="num">{formatNumber(l.backordered)}</td>
              <td className="num">{formatNumber(l.shipped)}</td>
              <td>
                <ExpectedDate backordered={l.backordered} date={l.expected_date} />
              </td>
              <td className="num">{formatMoney(l.unit_net_price, o.currency)}</td>
              <td className="num">{formatMoney(l.line_total, o.currency)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2 id="shipments-title">{t("orders.shipments")}</h2>
      {o.shipments.length === 0 ? (
        <p className="hint">{t("orders.noShipments")}</p>
      ) : (
        <table aria-labelledby="shipments-title">
          <thead>
            <tr>
              <th scope="col">{t("orders.dispatchedAt")}</th>
              <th scope="col">{t("orders.carrier")}</th>
              <th scope="col">{t("orders.tracking")}</th>
              <th scope="col">{t("orders.shippedLines")}</th>
            </tr>
          </thead>
          <tbody>
            {o.shipments.map((s) => (
              <tr key={s.shipment_id}>
                <td>
                  <time dateTime={s.dispatched_at}>{formatDateTime(s.dispatched_at)}</time>
                </td>
                <td>{s.carrier}</td>
                <td>{s.tracking_ref}</td>
                <td>
                  {s.lines.length === 0
                    ? t("orders.units", { qty: formatNumber(s.qty) })
                    : s.lines.map((l) => (
                        <div key={`${l.line_no}-${l.part_number}`}>
                          {t("orders.shippedLine", { line: l.line_no, part: l.part_number, qty: formatNumber(l.qty) })}
                        </div>
                      ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {CANCELLABLE.includes(o.status) && !o.cancel_requested_at && (
        <form className="inline-form" aria-label={t("orders.cancel")} onSubmit={(e) => void cancel(e)}>
          <label htmlFor="cancel-reason">
            {t("orders.cancelReason")}
            <input
              id="cancel-reason"
              className="wide"
              value={reason}
              onChange={(e) => setReason(e.target.value)}
              maxLength={500}
              autoComplete="off"
            />
          </label>
          <button type="submit" className="danger" disabled={cancelling.busy}>
            {t("orders.cancel")}
          </button>
        </form>
      )}
      {cancelling.problem && <ErrorState problem={cancelling.problem} />}
      <h2>{t("orders.timeline")}</h2>
      {timeline.kind === "loading" && <Loading />}
      {timeline.kind === "error" && <ErrorState problem={timeline.problem} onRetry={reloadTimeline} />}
      {timeline.kind === "done" && (
        <ol className="timeline">
          {timeline.data.map((e) => (
            <li key={e.event_id}>
              <time dateTime={e.at}>{formatDateTime(e.at)}</time> <StatusBadge status={e.status} />
              {e.shipment && (
                <span className="hint">
                  {" "}
                  {t("orders.shippedWith", { carrier: e.shipment.carrier, tracking: e.shipment.tracking_ref })}
                </span>
              )}
            </li>
          ))}
        </ol>
      )}
      <History service="orders" entityType="order" entityId={o.id} version={[o.updated_at, o.status, o.cancel_requested_at]} />
    </section>
  );
}
