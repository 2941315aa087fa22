// Finance: reconciliation (claimed = accepted + rejected + pending; accepted = credited
// + written off + outstanding, per supplier and currency, with whether it balances) and
// aging of outstanding amounts, as tables with their CSV.
import { Fragment, useState, type FormEvent, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { recovery } from "../../api/client";
import type { Problem } from "../../api/problem";
import type { components } from "../../api/schema/recovery";
import { CsvDownload } from "../../components/CsvDownload";
import { FieldError, FormProblem, invalidProps } from "../../components/Field";
import { Empty, Loading } from "../../components/States";
import { useLoad, type Loaded } from "../../components/useLoad";
import { formatDate, formatMoney, formatPercent } from "../../i18n/format";
import { FIGURES } from "./common";

export type Filter = { supplier?: string; from?: string; to?: string };
const FIELDS = ["supplier", "from", "to"] as const;
const LABELS = {
  form: "finance.reports.filter",
  supplier: "finance.supplier",
  from: "finance.reports.from",
  to: "finance.reports.to",
} as const;

/** A supplier-and-period filter form (the reports', or with other `labels` another
 *  list's); a filter the service refuses is named beside its input. */
export function Filters({
  onApply,
  problem,
  labels = LABELS,
}: {
  onApply: (f: Filter) => void;
  problem: Problem | null;
  labels?: Record<"form" | (typeof FIELDS)[number], string>;
}) {
  const { t } = useTranslation();
  const [draft, setDraft] = useState<Record<(typeof FIELDS)[number], string>>({ supplier: "", from: "", to: "" });
  function apply(event: FormEvent) {
    event.preventDefault();
    onApply({ supplier: draft.supplier || undefined, from: draft.from || undefined, to: draft.to || undefined });
  }
  return (
    <form onSubmit={apply} className="inline-form" aria-label={t(labels.form)}>
      {FIELDS.map((field) => (
        <Fragment key={field}>
          <label>
            {t(labels[field])}
            <input
              type={field === "supplier" ? "text" : "date"}
              value={draft[field]}
              onChange={(e) => {
                const value = field === "supplier" ? e.target.value.trim().toUpperCase() : e.target.value;
                setDraft((d) => ({ ...d, [field]: value }));
              }}
              {...invalidProps(`report-${field}`, problem, field)}
            />
          </label>
          <FieldError id={`report-${field}`} problem={problem} field={field} />
        </Fragment>
      ))}
      <button type="submit">{t("finance.reports.apply")}</button>
      <FormProblem problem={problem} shown={[...FIELDS]} />
    </form>
  );
}

type Row = { supplier_code?: string | null; currency: string };
type Column<R> = { key: string; head: string; num?: boolean; cell: (r: R) => ReactNode };

/** One report's rows per supplier and currency, then the overall row of each currency. */
function SupplierTable<R extends Row>({ rows, columns }: { rows: R[]; columns: Column<R>[] }) {
  const { t } = useTranslation();
  return (
    <div className="scroll">
      <table>
        <thead>
          <tr>
            <th scope="col">{t("finance.supplier")}</th>
            <th scope="col">{t("finance.currency")}</th>
            {columns.map((c) => (
              <th key={c.key} scope="col" className={c.num ? "num" : undefined}>
                {c.head}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={`${r.supplier_code ?? ""} ${r.currency}`} className={r.supplier_code ? undefined : "total"}>
              <th scope="row">{r.supplier_code ?? t("finance.reports.all")}</th>
              <td>{r.currency}</td>
              {columns.map((c) => (
                <td key={c.key} className={c.num ? "num" : undefined}>
                  {c.cell(r)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

type ReconciliationRow = components["schemas"]["ReconciliationRow"];

function Reconciliation({ filter, report }: { filter: Filter; report: Loaded<components["schemas"]["ReconciliationReport"]> }) {
  const { t } = useTranslation();
  const columns: Column<ReconciliationRow>[] = [
    ...FIGURES.map((f) => ({ key: f, head: t(`finance.figures.${f}`), num: true, cell: (r: ReconciliationRow) => formatMoney(r[f], r.currency) })),
    {
      key: "rate",
      head: t("finance.reports.recoveryRate"),
      num: true,
      cell: (r) => (r.recovery_rate ? formatPercent(r.recovery_rate) : "—"),
    },
    {
      key: "balanced",
      head: t("finance.reports.balanced"),
      cell: (r) => (
        <span className={r.balanced ? "badge badge-ok" : "badge badge-overdue"}>
          {r.balanced ? t("finance.reports.yes") : t("finance.reports.no")}
        </span>
      ),
    },
  ];
  return (
    <section aria-labelledby="reconciliation-title">
      <h2 id="reconciliation-title">{t("finance.reports.reconciliation")}</h2>
      <p className="hint">{t("finance.reports.identities")}</p>
      <CsvDownload service="recovery" path="/reports/reconciliation" query={filter} filename="reconciliation.csv" label={t("finance.reports.reconciliation")} />
      {report.kind === "loading" && <Loading />}
      {report.kind === "done" && report.data.suppliers.length === 0 && <Empty message={t("finance.reports.empty")} />}
      {report.kind === "done" && report.data.suppliers.length > 0 && (
        <SupplierTable rows={[...report.data.suppliers, ...report.data.overall]} columns={columns} />
      )}
    </section>
  );
}

const BUCKETS = ["days_0_30", "days_31_60", "days_61_90", "over_90", "outstanding"] as const;
type AgingRow = components["schemas"]["AgingRow"];

function Aging({ filter, report }: { filter: Filter; report: Loaded<components["schemas"]["AgingReport"]> }) {
  const { t } = useTranslation();
  const columns: Column<AgingRow>[] = BUCKETS.map((b) => ({
    key: b,
    head: t(`finance.aging.${b}`),
    num: true,
    cell: (r: AgingRow) => formatMoney(r[b], r.currency),
  }));
  return (
    <section aria-labelledby="aging-title">
      <h2 id="aging-title">{t("finance.reports.aging")}</h2>
      <CsvDownload service="recovery" path="/reports/aging" query={filter} filename="aging.csv" label={t("finance.reports.aging")} />
      {report.kind === "loading" && <Loading />}
      {report.kind === "done" && <p className="hint">{t("finance.reports.asOf", { date: formatDate(report.data.as_of) })}</p>}
      {report.kind === "done" && report.data.suppliers.length === 0 && <Empty message={t("finance.reports.nothingOutstanding")} />}
      {report.kind === "done" && report.data.suppliers.length > 0 && (
        <SupplierTable rows={[...report.data.suppliers, ...report.data.overall]} columns={columns} />
      )}
    </section>
  );
}

/** The JSON report: the CSV form of the answer is the download link's, not the page's. */
function json<T>(answer: { data?: T | string; error?: unknown; response: Response }): {
  data?: T;
  error?: unknown;
  response: Response;
} {
  const { data, ...rest } = answer;
  return { ...rest, data: typeof data === "string" ? undefined : data };
}

export function ReportsPage() {
  const { t } = useTranslation();
  const [filter, setFilter] = useState<Filter>({});
  const deps = [filter.supplier, filter.from, filter.to];
  const [reconciliation, reloadReconciliation] = useLoad(
    () => recovery.GET("/api/v1/reports/reconciliation", { params: { query: filter } }).then(json),
    deps,
  );
  const [aging, reloadAging] = useLoad(
    () => recovery.GET("/api/v1/reports/aging", { params: { query: filter } }).then(json),
    deps,
  );
  // Both reports take the same filter: one refusal is shown once, beside the form.
  const problem = reconciliation.kind === "error" ? reconciliation.problem : aging.kind === "error" ? aging.problem : null;
  return (
    <section aria-labelledby="reports-title">
      <h1 id="reports-title">{t("finance.reports.title")}</h1>
      <Filters onApply={setFilter} problem={problem} />
      {problem && (
        <button
          type="button"
          onClick={() => {
            reloadReconciliation();
            reloadAging();
          }}
        >
          {t("state.retry")}
        </button>
      )}
      <Reconciliation filter={filter} report={reconciliation} />
      <Aging filter={filter} report={aging} />
    </section>
  );
}
