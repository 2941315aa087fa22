// Purchase orders to suppliers, newest first, by status, supplier, warehouse and part
// (the filter lives in the address, so a link or the back button keeps it); each
// opens to its lines and the steps its status allows. Warehouse staff start a new
// one here; admins read.
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router";
import { catalog } from "../../api/client";
import { useMe } from "../../auth/session";
import { PagedList } from "../../components/Paged";
import { usePaged } from "../../components/usePaged";
import { formatDateTime, formatMoney, formatNumber } from "../../i18n/format";
import { STATUSES, type PurchaseOrderStatus } from "./purchasing";
import { SupplierSelect, WarehouseSelect, partNumber } from "./common";

const BADGE: Record<PurchaseOrderStatus, string> = {
  draft: "badge",
  sent: "badge",
  partially_received: "badge badge-soon",
  received: "badge badge-ok",
  cancelled: "badge badge-cancelled",
};

export function PurchaseOrderStatusBadge({ status }: { status: PurchaseOrderStatus }) {
  const { t } = useTranslation();
  return <span className={BADGE[status]}>{t(`purchaseOrderStatus.${status}`)}</span>;
}

function isStatus(value: string | null): value is PurchaseOrderStatus {
  return STATUSES.includes(value as PurchaseOrderStatus);
}

export function PurchaseOrdersPage() {
  const { t } = useTranslation();
  const me = useMe();
  const [params, setParams] = useSearchParams();
  const status = isStatus(params.get("status")) ? (params.get("status") as PurchaseOrderStatus) : undefined;
  const supplier = params.get("supplier") ?? "";
  const warehouse = params.get("warehouse") ?? "";
  const part = params.get("part") ?? "";
  const [typedPart, setTypedPart] = useState(part);

  function filter(name: string, value: string) {
    setParams(
      (p) => {
        const next = new URLSearchParams(p);
        if (value) next.set(name, value);
        else next.delete(name);
        return next;
      },
      { replace: true },
    );
  }

  function searchPart(event: FormEvent) {
    event.preventDefault();
    const part = partNumber(typedPart);
    setTypedPart(part);
    filter("part", part);
  }

  const list = usePaged(
    (cursor) =>
      catalog.GET("/api/v1/purchase-orders", {
        params: {
          query: {
            status,
            supplier: supplier || undefined,
            warehouse: warehouse || undefined,
            part_number: part || undefined,
            cursor,
            limit: 25,
          },
        },
      }),
    [status, supplier, warehouse, part],
  );

  return (
    <section aria-labelledby="purchase-orders-title">
      <h1 id="purchase-orders-title">{t("purchaseOrders.title")}</h1>
      {me.role === "warehouse" && (
        <p>
          <Link to="/warehouse/purchase-orders/new">{t("purchaseOrders.new")}</Link>
        </p>
      )}
      <form className="inline-form" onSubmit={searchPart} aria-label={t("purchaseOrders.filter")}>
        <label className="field">
          <span>{t("purchaseOrders.status")}</span>
          <select name="status" value={status ?? ""} onChange={(e) => filter("status", e.target.value)}>
            <option value="">{t("purchaseOrders.allStatuses")}</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`purchaseOrderStatus.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <SupplierSelect value={supplier} onChange={(v) => filter("supplier", v)} label={t("purchaseOrders.supplier")} all />
        <WarehouseSelect value={warehouse} onChange={(v) => filter("warehouse", v)} label={t("stock.warehouse")} all />
        <label className="field">
          <span>{t("stock.part")}</span>
          <input name="part_number" value={typedPart} onChange={(e) => setTypedPart(e.target.value)} autoComplete="off" />
        </label>
        <button type="submit">{t("purchaseOrders.search")}</button>
      </form>
      <PagedList list={list} empty={t("purchaseOrders.empty")}>
        <table>
          <thead>
            <tr>
              <th scope="col">{t("purchaseOrders.number")}</th>
              <th scope="col">{t("purchaseOrders.supplier")}</th>
              <th scope="col">{t("stock.warehouse")}</th>
              <th scope="col">{t("purchaseOrders.status")}</th>
              <th scope="col" className="num">{t("purchaseOrders.lines")}</th>
              <th scope="col" className="num">{t("purchaseOrders.total")}</th>
              <th scope="col">{t("purchaseOrders.created")}</th>
            </tr>
          </thead>
          <tbody>
            {list.rows.map((po) => (
              <tr key={po.id}>
                <td>
                  <Link to={`/warehouse/purchase-orders/${po.id}`}>{po.number}</Link>
                </td>
                <td>{po.supplier}</td>
                <td>{po.warehouse}</td>
                <td>
                  <PurchaseOrderStatusBadge status={po.status} />
                </td>
                <td className="num">{formatNumber(po.lines.length)}</td>
                <td className="num">{formatMoney(po.total, po.currency)}</td>
                <td>{formatDateTime(po.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </PagedList>
    </section>
  );
}
