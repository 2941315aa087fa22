// A new purchase order, drafted by hand: supplier, the warehouse it delivers to, the
// currency, and its lines (part, quantity, agreed unit price, expected date), each
// part scanned like goods in (Enter moves on to the quantity). The service's message
// for a field, `lines[2].part_number` say, stands beside that field; the draft opens
// once it is made.
import { useRef, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate } from "react-router";
import { catalog } from "../../api/client";
import { Field, FormProblem } from "../../components/Field";
import { useAction } from "../../components/useAction";
import { today } from "./purchasing";
import { SupplierSelect, WarehouseSelect, partNumber, scanned } from "./common";

type Row = { key: number; part: string; qty: string; unitPrice: string; expectedDate: string };

const FIELDS = ["part_number", "qty", "unit_price", "expected_date"] as const;

export function NewPurchaseOrderPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const action = useAction();
  const [supplier, setSupplier] = useState("");
  const [warehouse, setWarehouse] = useState("");
  const [currency, setCurrency] = useState("EUR");
  const nextKey = useRef(1);
  const blank = (expectedDate = ""): Row => ({ key: nextKey.current++, part: "", qty: "", unitPrice: "", expectedDate });
  const [rows, setRows] = useState<Row[]>(() => [blank()]);
  const firstDay = today();

  function change(key: number, patch: Partial<Row>) {
    setRows((rs) => rs.map((r) => (r.key === key ? { ...r, ...patch } : r)));
  }

  function add() {
    // A new line expects the same day as the one above it, until told otherwise.
    setRows((rs) => [...rs, blank(rs[rs.length - 1]?.expectedDate ?? "")]);
  }

  function remove(key: number) {
    // The refusal's `lines[i]` no longer point at the same rows.
    action.clear();
    setRows((rs) => rs.filter((r) => r.key !== key));
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    const body = {
      supplier,
      warehouse,
      currency: currency.trim().toUpperCase(),
      lines: rows.map((r) => ({
        part_number: partNumber(r.part),
        qty: Number(r.qty),
        unit_price: r.unitPrice.trim(),
        expected_date: r.expectedDate,
      })),
    };
    const po = await action.run(body, (key) =>
      catalog.POST("/api/v1/purchase-orders", { body, params: { header: { "Idempotency-Key": key } } }),
    );
    if (po) void navigate(`/warehouse/purchase-orders/${po.id}`, { state: { created: true } });
  }

  const shown = ["supplier", "warehouse", "currency", ...rows.flatMap((_, i) => FIELDS.map((f) => `lines[${i}].${f}`))];
  return (
    <section aria-labelledby="new-po-title">
      <p>
        <Link to="/warehouse/purchase-orders">{t("purchaseOrders.back")}</Link>
      </p>
      <h1 id="new-po-title">{t("purchaseOrders.newTitle")}</h1>
      <p className="hint">{t("purchaseOrders.scanHint")}</p>
      <form onSubmit={(e) => void submit(e)} className="card-form" aria-labelledby="new-po-title">
        <SupplierSelect value={supplier} onChange={setSupplier} label={t("purchaseOrders.supplier")} problem={action.problem} />
        <WarehouseSelect value={warehouse} onChange={setWarehouse} label={t("purchaseOrders.deliverTo")} problem={action.problem} />
        <Field
          label={t("purchaseOrders.currency")}
          name="currency"
          problem={action.problem}
          value={currency}
          onChange={(e) => setCurrency(e.target.value)}
          required
          maxLength={3}
          autoComplete="off"
        />
        {rows.map((r, i) => (
          <fieldset key={r.key} className="inline-form">
            <legend>{t("purchaseOrders.lineN", { n: i + 1 })}</legend>
            <Field
              label={t("stock.part")}
              name={`lines[${i}].part_number`}
              problem={action.problem}
              value={r.part}
              onChange={(e) => change(r.key, { part: e.target.value })}
              onKeyDown={scanned}
              required
              autoComplete="off"
            />
            <Field
              label={t("stock.qty")}
              name={`lines[${i}].qty`}
              problem={action.problem}
              type="number"
              min={1}
              value={r.qty}
              onChange={(e) => change(r.key, { qty: e.target.value })}
              required
            />
            <Field
              label={t("purchaseOrders.unitPrice")}
              name={`lines[${i}].unit_price`}
              problem={action.problem}
              inputMode="decimal"
              value={r.unitPrice}
              onChange={(e) => change(r.key, { unitPrice: e.target.value })}
              required
              autoComplete="off"
            />
            <Field
              label={t("purchaseOrders.expectedDate")}
              name={`lines[${i}].expected_date`}
              problem={action.problem}
              type="date"
              min={firstDay}
              value={r.expectedDate}
              onChange={(e) => change(r.key, { expectedDate: e.target.value })}
              required
            />
            {rows.length > 1 && (
              <button type="button" onClick={() => remove(r.key)} aria-label={t("purchaseOrders.removeLineN", { n: i + 1 })}>
                {t("purchaseOrders.removeLine")}
              </button>
            )}
          </fieldset>
        ))}
        <button type="button" onClick={add}>
          {t("purchaseOrders.addLine")}
        </button>
        <button type="submit" className="primary" disabled={action.busy}>
          {t("purchaseOrders.create")}
        </button>
        <FormProblem problem={action.problem} shown={shown} />
      </form>
    </section>
  );
}
