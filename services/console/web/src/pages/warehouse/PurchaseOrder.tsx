// One purchase order: its header and lines (ordered, received, still open, agreed
// price, expected date) and, for warehouse staff, the steps its status allows: send
// a draft, cancel what has not arrived, move a line's expected date, receive a
// delivery line by line (more than is open only with a reason). Each step's refusal
// (a 409 when the order changed meanwhile, a 422 for a field) stands beside it. Below,
// for an administrator, the order's history.
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, useLocation, useParams } from "react-router";
import { catalog } from "../../api/client";
import { fieldMessage } from "../../api/problem";
import { useMe } from "../../auth/session";
import { Field, FieldError, FieldMessages, FormProblem, invalidProps } from "../../components/Field";
import { History } from "../../components/History";
import { ErrorState, Loading } from "../../components/States";
import { useAction, type Action } from "../../components/useAction";
import { useLoad } from "../../components/useLoad";
import { formatDate, formatDateTime, formatMoney, formatNumber } from "../../i18n/format";
import { PurchaseOrderStatusBadge } from "./PurchaseOrders";
import {
  canCancel,
  canReceive,
  canReschedule,
  canSend,
  overReceipt,
  receiptRequest,
  today,
  type PurchaseOrder,
  type PurchaseOrderLine,
} from "./purchasing";

/** A refused step: its message, and after a 409 (the order changed meanwhile) a way
 *  to see the order as it is now. */
function Refusal({ action, shown, onReload }: { action: Action; shown: string[]; onReload: () => void }) {
  const { t } = useTranslation();
  if (!action.problem) return null;
  return (
    <>
      <FormProblem problem={action.problem} shown={shown} />
      {action.problem.status === 409 && (
        <button type="button" className="link" onClick={onReload}>
          {t("purchaseOrder.reload")}
        </button>
      )}
    </>
  );
}

type Changed = (po: PurchaseOrder, notice: string) => void;

function Steps({ po, onChanged, onReload }: { po: PurchaseOrder; onChanged: Changed; onReload: () => void }) {
  const { t } = useTranslation();
  const sending = useAction();
  const cancelling = useAction();

  async function send() {
    const done = await sending.run(["send", po.id], (key) =>
      catalog.POST("/api/v1/purchase-orders/{id}/send", { params: { path: { id: po.id }, header: { "Idempotency-Key": key } } }),
    );
    if (done) onChanged(done, t("purchaseOrder.sent", { number: done.number, supplier: done.supplier }));
  }

  async function cancel() {
    if (!window.confirm(t("purchaseOrder.cancelConfirm", { number: po.number }))) return;
    const done = await cancelling.run(["cancel", po.id], (key) =>
      catalog.POST("/api/v1/purchase-orders/{id}/cancel", { params: { path: { id: po.id }, header: { "Idempotency-Key": key } } }),
    );
    if (done) onChanged(done, t("purchaseOrder.cancelled", { number: done.number }));
  }

  if (!canSend(po.status) && !canCancel(po.status)) return null;
  return (
    <div className="search" role="group" aria-label={t("purchaseOrder.steps")}>
      {canSend(po.status) && (
        <div>
          <button type="button" className="primary" disabled={sending.busy} onClick={() => void send()}>
            {t("purchaseOrder.send")}
          </button>
          <Refusal action={sending} shown={[]} onReload={onReload} />
        </div>
      )}
      {canCancel(po.status) && (
        <div>
          <button type="button" className="danger" disabled={cancelling.busy} onClick={() => void cancel()}>
            {t("purchaseOrder.cancel")}
          </button>
          <Refusal action={cancelling} shown={[]} onReload={onReload} />
        </div>
      )}
    </div>
  );
}

/** A new expected date for one line. */
function Reschedule({
  po,
  line,
  onChanged,
  onReload,
}: {
  po: PurchaseOrder;
  line: PurchaseOrderLine;
  onChanged: Changed;
  onReload: () => void;
}) {
  const { t } = useTranslation();
  const action = useAction();
  const [date, setDate] = useState(line.expected_date);
  const id = `reschedule-${line.line_no}`;

  async function submit(event: FormEvent) {
    event.preventDefault();
    const body = { expected_date: date };
    const done = await action.run([po.id, line.line_no, body], (key) =>
      catalog.POST("/api/v1/purchase-orders/{id}/lines/{line_no}/reschedule", {
        body,
        params: { path: { id: po.id, line_no: line.line_no }, header: { "Idempotency-Key": key } },
      }),
    );
    if (done) onChanged(done, t("purchaseOrder.rescheduled", { n: line.line_no, date: formatDate(date) }));
  }

  return (
    <form className="inline-form" onSubmit={(e) => void submit(e)} aria-label={t("purchaseOrder.rescheduleLine", { n: line.line_no })}>
      <label htmlFor={id}>
        {t("purchaseOrder.newDate")}
        <input
          id={id}
          type="date"
          min={today()}
          value={date}
          onChange={(e) => setDate(e.target.value)}
          required
          {...invalidProps(`${id}-error`, action.problem, "expected_date")}
        />
      </label>
      <button type="submit" disabled={action.busy || date === line.expected_date}>
        {t("purchaseOrder.reschedule")}
      </button>
      <FieldError id={`${id}-error`} problem={action.problem} field="expected_date" />
      <Refusal action={action} shown={["expected_date"]} onReload={onReload} />
    </form>
  );
}

function Lines({ po, writes, onChanged, onReload }: { po: PurchaseOrder; writes: boolean; onChanged: Changed; onReload: () => void }) {
  const { t } = useTranslation();
  const rescheduling = writes && po.lines.some((l) => canReschedule(po.status, l));
  return (
    <table aria-labelledby="po-lines-title">
      <thead>
        <tr>
          <th scope="col">{t("purchaseOrder.line")}</th>
          <th scope="col">{t("stock.part")}</th>
          <th scope="col" className="num">{t("purchaseOrder.ordered")}</th>
          <th scope="col" className="num">{t("purchaseOrder.received")}</th>
          <th scope="col" className="num">{t("purchaseOrder.open")}</th>
          <th scope="col" className="num">{t("purchaseOrders.unitPrice")}</th>
          <th scope="col">{t("purchaseOrders.expectedDate")}</th>
          {rescheduling && <th scope="col">{t("purchaseOrder.reschedule")}</th>}
        </tr>
      </thead>
      <tbody>
        {po.lines.map((l) => (
          <tr key={l.line_no}>
            <td>{l.line_no}</td>
            <td>
              <Link to={`/warehouse/stock?warehouse=${po.warehouse}&part=${l.part_number}`}>{l.part_number}</Link>
            </td>
            <td className="num">{formatNumber(l.qty)}</td>
            <td className="num">{formatNumber(l.received)}</td>
            <td className="num">{formatNumber(l.open)}</td>
            <td className="num">{formatMoney(l.unit_price, po.currency)}</td>
            <td>
              <time dateTime={l.expected_date}>{formatDate(l.expected_date)}</time>
            </td>
            {rescheduling && (
              <td>
                {canReschedule(po.status, l) && (
                  // A new form per date shown: after a change it starts from the new date.
                  <Reschedule key={l.expected_date} po={po} line={l} onChanged={onChanged} onReload={onReload} />
                )}
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

type Entry = { qty: string; reason: string };

/** A delivery: per line what arrived (lines left empty are not in it), a reason for
 *  any line that takes more than it still expects, and the delivery note. */
function Receive({ po, onChanged, onReload }: { po: PurchaseOrder; onChanged: Changed; onReload: () => void }) {
  const { t } = useTranslation();
  const action = useAction();
  const [entries, setEntries] = useState<Record<number, Entry>>({});
  const [note, setNote] = useState("");
  const [nothing, setNothing] = useState(false);
  // Which line each `lines[i]` of the last receipt sent was: a refusal stays beside
  // its line while the other quantities change.
  const [sent, setSent] = useState<Map<number, number>>(new Map());
  const entry = (lineNo: number): Entry => entries[lineNo] ?? { qty: "", reason: "" };
  const set = (lineNo: number, patch: Partial<Entry>) => setEntries((es) => ({ ...es, [lineNo]: { ...entry(lineNo), ...patch } }));
  const { body, index } = receiptRequest(
    po.lines.map((l) => ({ line_no: l.line_no, ...entry(l.line_no) })),
    note,
  );

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (body.lines.length === 0) {
      setNothing(true);
      return;
    }
    setNothing(false);
    setSent(index);
    const done = await action.run([po.id, body], (key) =>
      catalog.POST("/api/v1/purchase-orders/{id}/receipts", {
        body,
        params: { path: { id: po.id }, header: { "Idempotency-Key": key } },
      }),
    );
    if (done) {
      setEntries({});
      setNote("");
      const units = body.lines.reduce((sum, l) => sum + l.qty, 0);
      onChanged(done, t("purchaseOrder.receivedNotice", { count: units, number: done.number, status: t(`purchaseOrderStatus.${done.status}`) }));
    }
  }

  // The service names `lines[i]` of the receipt sent; each belongs to one line shown.
  const fieldOf = (lineNo: number, name: string) => {
    const i = sent.get(lineNo);
    return i === undefined ? "" : `lines[${i}].${name}`;
  };
  const shown = ["delivery_note", ...[...sent.values()].flatMap((i) => ["qty", "over_receipt_reason", "line_no"].map((f) => `lines[${i}].${f}`))];
  return (
    <form className="card-form" onSubmit={(e) => void submit(e)} aria-labelledby="po-receive-title">
      <h2 id="po-receive-title">{t("purchaseOrder.receiveTitle")}</h2>
      <p className="hint">{t("purchaseOrder.receiveHint")}</p>
      {po.lines.map((l) => {
        const e = entry(l.line_no);
        const over = overReceipt(e.qty, l.open);
        const qtyField = fieldOf(l.line_no, "qty");
        const qtyId = `receive-${l.line_no}-qty`;
        const qtyMessages = [fieldMessage(action.problem, qtyField), fieldMessage(action.problem, fieldOf(l.line_no, "line_no"))].filter(
          (m): m is string => !!m,
        );
        const reasonField = fieldOf(l.line_no, "over_receipt_reason");
        const reasonMessage = fieldMessage(action.problem, reasonField);
        return (
          <fieldset key={l.line_no} className="inline-form">
            <legend>{t("purchaseOrder.receiveLine", { n: l.line_no, part: l.part_number, open: formatNumber(l.open) })}</legend>
            <div className="field">
              <label htmlFor={qtyId}>
                {t("purchaseOrder.qtyReceived")}
                <input
                  id={qtyId}
                  type="number"
                  min={0}
                  inputMode="numeric"
                  value={e.qty}
                  onChange={(ev) => set(l.line_no, { qty: ev.target.value })}
                  aria-invalid={qtyMessages.length > 0 ? true : undefined}
                  aria-describedby={qtyMessages.length > 0 ? `${qtyId}-error` : undefined}
                />
              </label>
              <FieldMessages id={`${qtyId}-error`} messages={qtyMessages} />
            </div>
            {over && (
              <div className="field">
                <label htmlFor={`receive-${l.line_no}-reason`}>
                  {t("purchaseOrder.overReceiptReason")}
                  <input
                    id={`receive-${l.line_no}-reason`}
                    value={e.reason}
                    onChange={(ev) => set(l.line_no, { reason: ev.target.value })}
                    maxLength={100}
                    autoComplete="off"
                    aria-invalid={reasonMessage ? true : undefined}
                    aria-describedby={`receive-${l.line_no}-over`}
                  />
                </label>
                <span id={`receive-${l.line_no}-over`} className={reasonMessage ? "field-error" : "hint"}>
                  {reasonMessage ?? t("purchaseOrder.overReceiptHint", { over: formatNumber(Number(e.qty) - l.open) })}
                </span>
              </div>
            )}
          </fieldset>
        );
      })}
      <Field
        label={t("purchaseOrder.deliveryNote")}
        name="delivery_note"
        problem={action.problem}
        value={note}
        onChange={(e) => setNote(e.target.value)}
        maxLength={100}
        autoComplete="off"
      />
      <button type="submit" className="primary" disabled={action.busy}>
        {t("purchaseOrder.receive")}
      </button>
      {nothing && <FieldMessages messages={[t("purchaseOrder.receiveNothing")]} />}
      <Refusal action={action} shown={shown} onReload={onReload} />
    </form>
  );
}

function PurchaseOrderView({ initial, onReload }: { initial: PurchaseOrder; onReload: () => void }) {
  const { t } = useTranslation();
  const me = useMe();
  const location = useLocation();
  const created = (location.state as { created?: boolean } | null)?.created === true;
  const [po, setPo] = useState(initial);
  const [notice, setNotice] = useState<string | null>(created ? t("purchaseOrder.created", { number: initial.number }) : null);
  const writes = me.role === "warehouse";

  function changed(next: PurchaseOrder, message: string) {
    setPo(next);
    setNotice(message);
  }

  return (
    <section aria-labelledby="po-title">
      <p>
        <Link to="/warehouse/purchase-orders">{t("purchaseOrders.back")}</Link>
      </p>
      <h1 id="po-title">
        {t("purchaseOrder.title", { number: po.number })} <PurchaseOrderStatusBadge status={po.status} />
      </h1>
      {notice && (
        <p role="status" className="notice">
          {notice}
        </p>
      )}
      <dl className="facts" aria-label={t("purchaseOrder.header")}>
        <dt>{t("purchaseOrders.supplier")}</dt>
        <dd>{po.supplier}</dd>
        <dt>{t("purchaseOrders.deliverTo")}</dt>
        <dd>{po.warehouse}</dd>
        <dt>{t("purchaseOrders.total")}</dt>
        <dd>{formatMoney(po.total, po.currency)}</dd>
        <dt>{t("purchaseOrders.created")}</dt>
        <dd>
          {formatDateTime(po.created_at)} · {po.created_by}
        </dd>
        <dt>{t("purchaseOrder.updated")}</dt>
        <dd>{formatDateTime(po.updated_at)}</dd>
      </dl>
      {writes && <Steps po={po} onChanged={changed} onReload={onReload} />}
      <h2 id="po-lines-title">{t("purchaseOrders.lines")}</h2>
      <Lines po={po} writes={writes} onChanged={changed} onReload={onReload} />
      {writes && canReceive(po.status) && <Receive key={po.version} po={po} onChanged={changed} onReload={onReload} />}
      {/* Warehouse staff may not read the audit trail: History shows itself to admins only here. */}
      <History service="catalog" entityType="purchase_order" entityId={po.id} version={po.version} />
    </section>
  );
}

export function PurchaseOrderPage() {
  const { t } = useTranslation();
  const { id = "" } = useParams();
  const [po, reload] = useLoad(() => catalog.GET("/api/v1/purchase-orders/{id}", { params: { path: { id } } }), [id]);
  if (po.kind === "loading") return <Loading />;
  if (po.kind === "error") {
    return (
      <section aria-labelledby="po-title">
        <p>
          <Link to="/warehouse/purchase-orders">{t("purchaseOrders.back")}</Link>
        </p>
        <h1 id="po-title">{t("purchaseOrders.title")}</h1>
        {po.problem.status === 404 ? <p>{t("purchaseOrder.notFound")}</p> : <ErrorState problem={po.problem} onRetry={reload} />}
      </section>
    );
  }
  // A new view per version read: a reload after a refusal shows the order as it is.
  return <PurchaseOrderView key={`${po.data.id}-${po.data.version}`} initial={po.data} onReload={reload} />;
}
