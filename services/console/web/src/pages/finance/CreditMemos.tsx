// Finance: credit memos, the supplier's payments, recorded with its memo number and
// spread by the service over the supplier's outstanding accepted amounts; the list of
// memos recorded, with what each paid.
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router";
import { recovery } from "../../api/client";
import type { components } from "../../api/schema/recovery";
import { FieldError, FormProblem, invalidProps } from "../../components/Field";
import { PagedFooter } from "../../components/Paged";
import { Empty, ErrorState, Loading } from "../../components/States";
import { usePaged } from "../../components/usePaged";
import { useAction } from "../../components/useAction";
import { useLoad } from "../../components/useLoad";
import { formatDate, formatMoney } from "../../i18n/format";
import { sumAmounts } from "./worklist";

type Claim = components["schemas"]["ClaimView"];
const FIELDS = ["supplier_code", "reference", "amount", "currency", "memo_date"] as const;
type Field = (typeof FIELDS)[number];
const today = () => new Date().toISOString().slice(0, 10);

/** The form; with `pays`, a memo for that one claim, filled with what it has outstanding. */
function RecordMemo({ pays, onRecorded }: { pays?: Claim; onRecorded: () => void }) {
  const { t } = useTranslation();
  const [memo, setMemo] = useState<Record<Field, string>>({
    supplier_code: pays?.supplier_code ?? "",
    reference: "",
    amount: pays?.figures.outstanding ?? "",
    currency: pays?.currency ?? "EUR",
    memo_date: today(),
  });
  const [recorded, setRecorded] = useState<string | null>(null);
  const record = useAction();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const done = await record.run([memo, pays?.id], (key) =>
      recovery.POST("/api/v1/credit-memos", {
        params: { header: { "Idempotency-Key": key } },
        body: { ...memo, recovery_claim_ids: pays ? [pays.id] : undefined },
      }),
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
    <section aria-labelledby="memo-record">
      <h2 id="memo-record">{t("finance.memo.record")}</h2>
      <p className="hint">
        {pays ? (
          <>
            {t("finance.memo.pays")} <Link to={`/finance/claims/${pays.id}`}>{pays.number}</Link>
          </>
        ) : (
          t("finance.memo.paysOldest")
        )}
      </p>
      <form onSubmit={(e) => void submit(e)} className="inline-form" aria-labelledby="memo-record">
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
    </section>
  );
}

export function CreditMemosPage() {
  const { t } = useTranslation();
  const [search] = useSearchParams();
  const claimId = search.get("claim");
  // The claim the memo pays, when the claim's page sent us here; null for any claims.
  const [pays, reloadPays] = useLoad<Claim | null>(
    async () =>
      claimId
        ? recovery.GET("/api/v1/recovery-claims/{id}", { params: { path: { id: claimId } } })
        : { data: null, response: new Response(null, { status: 200 }) },
    [claimId],
  );
  const [supplier, setSupplier] = useState("");
  const memos = usePaged(
    (cursor) =>
      recovery.GET("/api/v1/credit-memos", { params: { query: { supplier: supplier || undefined, limit: 25, cursor } } }),
    [supplier],
  );
  return (
    <section aria-labelledby="memos-title">
      <h1 id="memos-title">{t("finance.memo.title")}</h1>
      {claimId && pays.kind === "loading" && <Loading />}
      {pays.kind === "error" && <ErrorState problem={pays.problem} onRetry={reloadPays} />}
      {(!claimId || pays.kind === "done") && (
        <RecordMemo
          key={pays.kind === "done" ? (pays.data?.id ?? "") : ""}
          pays={pays.kind === "done" ? (pays.data ?? undefined) : undefined}
          onRecorded={memos.reload}
        />
      )}
      <h2>{t("finance.memo.list")}</h2>
      <div className="search">
        <label>
          {t("finance.supplier")}{" "}
          <input value={supplier} onChange={(e) => setSupplier(e.target.value.trim().toUpperCase())} />
        </label>
      </div>
      {memos.state.kind === "done" && memos.rows.length === 0 && <Empty message={t("finance.memo.empty")} />}
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
      <PagedFooter list={memos} />
    </section>
  );
}

function sumAllocations(allocations: { amount: string }[]): string {
  return sumAmounts(allocations.map((a) => a.amount));
}
