// Finance: credit memos, the supplier's payments, recorded with its memo number and
// spread by the service over the supplier's outstanding accepted amounts; the list of
// memos recorded, with what each paid.
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { recovery } from "../../api/client";
import { FieldError, FormProblem, invalidProps } from "../../components/FieldError";
import { Empty, ErrorState, Loading } from "../../components/States";
import { useCursorPages } from "../../components/useCursorPages";
import { useKeyedAction } from "../../components/useKeyedAction";
import { formatDate, formatMoney } from "../../i18n/format";
import { sumAmounts } from "./worklist";

const FIELDS = ["supplier_code", "reference", "amount", "currency", "memo_date"] as const;
type Field = (typeof FIELDS)[number];
const today = () => new Date().toISOString().slice(0, 10);

function RecordMemo({ onRecorded }: { onRecorded: () => void }) {
  const { t } = useTranslation();
  const [memo, setMemo] = useState<Record<Field, string>>({
    supplier_code: "",
    reference: "",
    amount: "",
    currency: "EUR",
    memo_date: today(),
  });
  const [recorded, setRecorded] = useState<string | null>(null);
  const record = useKeyedAction();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const done = await record.run((key) =>
      recovery.POST("/api/v1/credit-memos", { params: { header: { "Idempotency-Key": key } }, body: memo }),
    );
    if (done) {
      setRecorded(`${done.supplier_code} ${done.reference} · ${formatMoney(done.amount, done.currency)}`);
      setMemo((m) => ({ ...m, reference: "", amount: "" }));
      onRecorded();
    }
  }

  const input = (field: Field, props: { type?: string; inputMode?: "decimal"; maxLength?: number } = {}) => (
    <>
      <label>
        {t(`finance.memo.${field}`)}
        <input
          {...props}
          value={memo[field]}
          onChange={(e) => setMemo((m) => ({ ...m, [field]: e.target.value }))}
          required
          {...invalidProps(`memo-${field}-error`, record.problem, field)}
        />
      </label>
      <FieldError id={`memo-${field}-error`} problem={record.problem} field={field} />
    </>
  );

  return (
    <form onSubmit={(e) => void submit(e)} className="inline-form" aria-labelledby="memo-record">
      <h2 id="memo-record">{t("finance.memo.record")}</h2>
      {input("supplier_code")}
      {input("reference")}
      {input("amount", { inputMode: "decimal" })}
      {input("currency", { maxLength: 3 })}
      {input("memo_date", { type: "date" })}
      <button type="submit" className="primary" disabled={record.busy}>
        {t("finance.memo.submit")}
      </button>
      {recorded && (
        <p role="status" className="notice">
          {t("finance.memo.recorded", { memo: recorded })}
        </p>
      )}
      <FormProblem problem={record.problem} shown={[...FIELDS]} />
    </form>
  );
}

export function CreditMemosPage() {
  const { t } = useTranslation();
  const [supplier, setSupplier] = useState("");
  const memos = useCursorPages(
    (cursor) =>
      recovery.GET("/api/v1/credit-memos", { params: { query: { supplier: supplier || undefined, limit: 25, cursor } } }),
    [supplier],
  );
  return (
    <section aria-labelledby="memos-title">
      <h1 id="memos-title">{t("finance.memo.title")}</h1>
      <RecordMemo onRecorded={memos.reload} />
      <h2>{t("finance.memo.list")}</h2>
      <div className="search">
        <label>
          {t("finance.supplier")}{" "}
          <input value={supplier} onChange={(e) => setSupplier(e.target.value.trim().toUpperCase())} />
        </label>
      </div>
      {memos.page.kind === "error" && <ErrorState problem={memos.page.problem} onRetry={memos.reload} />}
      {memos.page.kind === "done" && memos.rows.length === 0 && <Empty message={t("finance.memo.empty")} />}
      {memos.rows.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">{t("finance.memo.memo_date")}</th>
              <th scope="col">{t("finance.supplier")}</th>
              <th scope="col">{t("finance.memo.reference")}</th>
              <th scope="col" className="num">{t("finance.memo.amount")}</th>
              <th scope="col" className="num">{t("finance.memo.allocated")}</th>
            </tr>
          </thead>
          <tbody>
            {memos.rows.map((m) => (
              <tr key={m.id}>
                <td>{formatDate(m.memo_date)}</td>
                <td>{m.supplier_code}</td>
                <td>{m.reference}</td>
                <td className="num">{formatMoney(m.amount, m.currency)}</td>
                <td className="num">{formatMoney(sumAllocations(m.allocations), m.currency)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {memos.page.kind === "loading" && <Loading />}
      {memos.more && (
        <button type="button" onClick={memos.more}>
          {t("finance.more")}
        </button>
      )}
    </section>
  );
}

function sumAllocations(allocations: { amount: string }[]): string {
  return sumAmounts(allocations.map((a) => a.amount));
}
