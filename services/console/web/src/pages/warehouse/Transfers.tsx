// Stock moved between warehouses: request one (from, to, part, quantity), then
// dispatch it at the sending warehouse and receive it at the other (or cancel it
// before it leaves). The list filters by status, newest first.
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { catalog } from "../../api/client";
import type { components } from "../../api/schema/catalog";
import { Field, FormProblem } from "../../components/Field";
import { PagedList } from "../../components/Paged";
import { useAction } from "../../components/useAction";
import { usePaged } from "../../components/usePaged";
import { formatDateTime, formatNumber } from "../../i18n/format";
import { WarehouseSelect, partNumber, scanned } from "./common";

type Transfer = components["schemas"]["TransferOut"];
type Status = components["schemas"]["TransferStatus"];
const STATUSES: Status[] = ["requested", "in_transit", "received", "cancelled"];
type Step = "dispatch" | "receive" | "cancel";
const STEPS: Record<Status, Step[]> = {
  requested: ["dispatch", "cancel"],
  in_transit: ["receive"],
  received: [],
  cancelled: [],
};

function RequestForm({ onRequested }: { onRequested: (t: Transfer) => void }) {
  const { t } = useTranslation();
  const action = useAction();
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [part, setPart] = useState("");
  const [qty, setQty] = useState("");

  async function submit(event: FormEvent) {
    event.preventDefault();
    const body = { from_warehouse: from, to_warehouse: to, part_number: partNumber(part), qty: Number(qty) };
    const transfer = await action.run(body, (key) =>
      catalog.POST("/api/v1/transfers", { body, params: { header: { "Idempotency-Key": key } } }),
    );
    if (transfer) {
      setPart("");
      setQty("");
      onRequested(transfer);
    }
  }

  return (
    <form onSubmit={(e) => void submit(e)} className="card-form" aria-labelledby="transfer-request">
      <h2 id="transfer-request">{t("transfers.request")}</h2>
      <WarehouseSelect value={from} onChange={setFrom} label={t("transfers.from")} name="from_warehouse" />
      <WarehouseSelect value={to} onChange={setTo} label={t("transfers.to")} name="to_warehouse" />
      <Field label={t("stock.part")} name="part_number" problem={action.problem} value={part} onChange={(e) => setPart(e.target.value)} onKeyDown={scanned} required autoComplete="off" />
      <Field label={t("stock.qty")} name="qty" problem={action.problem} type="number" min={1} value={qty} onChange={(e) => setQty(e.target.value)} required />
      <button type="submit" className="primary" disabled={action.busy}>
        {t("transfers.requestButton")}
      </button>
      <FormProblem problem={action.problem} shown={["part_number", "qty"]} />
    </form>
  );
}

function Steps({ transfer, onDone }: { transfer: Transfer; onDone: () => void }) {
  const { t } = useTranslation();
  const action = useAction();
  async function take(step: Step) {
    const path = `/api/v1/transfers/{id}/${step}` as const;
    const done = await action.run([transfer.id, step], (key) =>
      catalog.POST(path, { params: { path: { id: transfer.id }, header: { "Idempotency-Key": key } } }),
    );
    if (done) onDone();
  }
  return (
    <>
      {STEPS[transfer.status].map((step) => (
        <button
          key={step}
          type="button"
          className={step === "cancel" ? "danger" : undefined}
          disabled={action.busy}
          onClick={() => void take(step)}
          aria-label={`${t(`transfers.${step}`)} ${transfer.part_number} ${transfer.from_warehouse} → ${transfer.to_warehouse}`}
        >
          {t(`transfers.${step}`)}
        </button>
      ))}
      <FormProblem problem={action.problem} shown={[]} />
    </>
  );
}

export function TransfersPage() {
  const { t } = useTranslation();
  const [status, setStatus] = useState<Status | "">("");
  const [notice, setNotice] = useState<string | null>(null);
  const list = usePaged(
    (cursor) => catalog.GET("/api/v1/transfers", { params: { query: { status: status || undefined, cursor, limit: 25 } } }),
    [status],
  );
  return (
    <section aria-labelledby="transfers-title">
      <h1 id="transfers-title">{t("transfers.title")}</h1>
      <RequestForm
        onRequested={(tr) => {
          setNotice(t("transfers.requested", { part: tr.part_number, qty: formatNumber(tr.qty) }));
          list.reload();
        }}
      />
      {notice && (
        <p role="status" className="notice">
          {notice}
        </p>
      )}
      <div className="search">
        <label className="field">
          <span>{t("transfers.status")}</span>
          <select value={status} onChange={(e) => setStatus(e.target.value as Status | "")}>
            <option value="">{t("transfers.allStatuses")}</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`transferStatus.${s}`)}
              </option>
            ))}
          </select>
        </label>
      </div>
      <PagedList list={list} empty={t("transfers.empty")}>
        <table>
          <thead>
            <tr>
              <th scope="col">{t("transfers.from")}</th>
              <th scope="col">{t("transfers.to")}</th>
              <th scope="col">{t("stock.part")}</th>
              <th scope="col" className="num">{t("stock.qty")}</th>
              <th scope="col">{t("transfers.status")}</th>
              <th scope="col">{t("transfers.updated")}</th>
              <th scope="col">{t("transfers.actions")}</th>
            </tr>
          </thead>
          <tbody>
            {list.rows.map((tr) => (
              <tr key={tr.id}>
                <td>{tr.from_warehouse}</td>
                <td>{tr.to_warehouse}</td>
                <td>{tr.part_number}</td>
                <td className="num">{formatNumber(tr.qty)}</td>
                <td>{t(`transferStatus.${tr.status}`)}</td>
                <td>{formatDateTime(tr.updated_at)}</td>
                <td>
                  <Steps transfer={tr} onDone={list.reload} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </PagedList>
    </section>
  );
}
