// Goods in and corrections: a receipt (a supplier delivery) and an adjustment (a
// signed change with its reason). Both take a scanned part number; each answers with
// the new stock level and keeps the form's warehouse for the next scan.
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { catalog } from "../../api/client";
import type { components } from "../../api/schema/catalog";
import { Field, FormProblem } from "../../components/Field";
import { useAction } from "../../components/useAction";
import { formatNumber } from "../../i18n/format";
import { WarehouseSelect, partNumber, scanned, type Stock } from "./common";

type Reason = components["schemas"]["AdjustmentReason"];
const REASONS: Reason[] = ["damaged", "lost", "found", "expired", "data_correction", "other"];
const SHOWN = ["warehouse", "part_number", "qty", "delta", "reason", "reference"];

function Done({ stock }: { stock: Stock }) {
  const { t } = useTranslation();
  return (
    <p role="status" className="notice">
      {t("moves.done", {
        part: stock.part_number,
        warehouse: stock.warehouse,
        onHand: formatNumber(stock.on_hand),
        available: formatNumber(stock.available),
      })}
    </p>
  );
}

function ReceiptForm() {
  const { t } = useTranslation();
  const action = useAction();
  const [warehouse, setWarehouse] = useState("");
  const [part, setPart] = useState("");
  const [qty, setQty] = useState("");
  const [reference, setReference] = useState("");
  const [done, setDone] = useState<Stock | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setDone(null);
    const body = { warehouse, part_number: partNumber(part), qty: Number(qty), reference: reference || null };
    const stock = await action.run(body, (key) =>
      catalog.POST("/api/v1/receipts", { body, params: { header: { "Idempotency-Key": key } } }),
    );
    if (stock) {
      setDone(stock);
      setPart("");
      setQty("");
    }
  }

  return (
    <form onSubmit={(e) => void submit(e)} className="card-form" aria-labelledby="receipt-title">
      <h2 id="receipt-title">{t("moves.receipt")}</h2>
      <WarehouseSelect value={warehouse} onChange={setWarehouse} label={t("stock.warehouse")} />
      <Field label={t("stock.part")} name="part_number" problem={action.problem} value={part} onChange={(e) => setPart(e.target.value)} onKeyDown={scanned} required autoComplete="off" />
      <Field label={t("stock.qty")} name="qty" problem={action.problem} type="number" min={1} value={qty} onChange={(e) => setQty(e.target.value)} required />
      <Field label={t("moves.reference")} name="reference" problem={action.problem} value={reference} onChange={(e) => setReference(e.target.value)} />
      <button type="submit" className="primary" disabled={action.busy}>
        {t("moves.receive")}
      </button>
      <FormProblem problem={action.problem} shown={SHOWN} />
      {done && <Done stock={done} />}
    </form>
  );
}

function AdjustmentForm() {
  const { t } = useTranslation();
  const action = useAction();
  const [warehouse, setWarehouse] = useState("");
  const [part, setPart] = useState("");
  const [delta, setDelta] = useState("");
  const [reason, setReason] = useState<Reason>("damaged");
  const [reference, setReference] = useState("");
  const [done, setDone] = useState<Stock | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setDone(null);
    const body = { warehouse, part_number: partNumber(part), delta: Number(delta), reason, reference: reference || null };
    const stock = await action.run(body, (key) =>
      catalog.POST("/api/v1/adjustments", { body, params: { header: { "Idempotency-Key": key } } }),
    );
    if (stock) {
      setDone(stock);
      setPart("");
      setDelta("");
    }
  }

  return (
    <form onSubmit={(e) => void submit(e)} className="card-form" aria-labelledby="adjust-title">
      <h2 id="adjust-title">{t("moves.adjustment")}</h2>
      <WarehouseSelect value={warehouse} onChange={setWarehouse} label={t("stock.warehouse")} />
      <Field label={t("stock.part")} name="part_number" problem={action.problem} value={part} onChange={(e) => setPart(e.target.value)} onKeyDown={scanned} required autoComplete="off" />
      <Field label={t("moves.delta")} name="delta" problem={action.problem} type="number" value={delta} onChange={(e) => setDelta(e.target.value)} required />
      <Field label={t("moves.reason")} name="reason" problem={action.problem}>
        <select name="reason" value={reason} onChange={(e) => setReason(e.target.value as Reason)}>
          {REASONS.map((r) => (
            <option key={r} value={r}>
              {t(`adjustment.reason.${r}`)}
            </option>
          ))}
        </select>
      </Field>
      <Field label={t("moves.reference")} name="reference" problem={action.problem} value={reference} onChange={(e) => setReference(e.target.value)} />
      <button type="submit" className="primary" disabled={action.busy}>
        {t("moves.adjust")}
      </button>
      <FormProblem problem={action.problem} shown={SHOWN} />
      {done && <Done stock={done} />}
    </form>
  );
}

export function StockMovesPage() {
  const { t } = useTranslation();
  return (
    <section aria-labelledby="moves-title">
      <h1 id="moves-title">{t("moves.title")}</h1>
      <p className="hint">{t("moves.scanHint")}</p>
      <div className="two-forms">
        <ReceiptForm />
        <AdjustmentForm />
      </div>
    </section>
  );
}
