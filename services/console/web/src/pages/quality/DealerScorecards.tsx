// Dealer scorecards, the station assessment: per dealer and month the claims decided
// and the rejection rate, part-return compliance, the 24 h parts fill rate (by request,
// an order line being one request, and by quantity), the claim cycle time and campaign
// completion, as a table with its CSV. Quality, the quality
// lead and admins see every dealer (or the one they name); a dealer sees only itself
// (the service decides that, whatever the query says).
import { useState, type FormEvent, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { inspection } from "../../api/client";
import type { components } from "../../api/schema/inspection";
import { useMe } from "../../auth/session";
import { CsvDownload } from "../../components/CsvDownload";
import { FieldError, FormProblem, invalidProps } from "../../components/Field";
import { Empty, ErrorState, Loading } from "../../components/States";
import { useLoad } from "../../components/useLoad";
import { formatNumber, formatPercent } from "../../i18n/format";

type Scorecard = components["schemas"]["DealerScorecard"];

const FIELDS = ["from", "to", "dealer"];

function isoMonth(date: Date): string {
  return date.toISOString().slice(0, 7);
}

/** The month two months back to this one: the last three months (UTC, as the service counts). */
export function lastThreeMonths(now = new Date()): { from: string; to: string } {
  return { from: isoMonth(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 2, 1))), to: isoMonth(now) };
}

/** "—" for a figure the month had nothing to measure for, read out as "no data". */
function NoData() {
  const { t } = useTranslation();
  return (
    <>
      <span aria-hidden="true">—</span>
      <span className="visually-hidden">{t("quality.scorecards.noData")}</span>
    </>
  );
}

const rate = (value?: string | null): ReactNode => (value == null ? <NoData /> : formatPercent(value));
const hours = (value?: string | null): ReactNode => (value == null ? <NoData /> : formatNumber(Number(value)));

type Column = { key: string; group: string; head: string; cell: (s: Scorecard) => ReactNode };

export function DealerScorecardsPage() {
  const { t } = useTranslation();
  const me = useMe();
  const staff = me.role !== "dealer";
  const [draft, setDraft] = useState(() => ({ ...lastThreeMonths(), dealer: "" }));
  const [query, setQuery] = useState(draft);
  const [report, reload] = useLoad(async () => {
    const answer = await inspection.GET("/api/v1/reports/dealer-scorecards", {
      params: { query: { from: query.from, to: query.to, dealer: staff && query.dealer ? query.dealer : undefined } },
    });
    // The operation also offers CSV; asked without `format`, the service answers JSON.
    const rows: Scorecard[] | undefined = Array.isArray(answer.data) ? answer.data : undefined;
    return { ...answer, data: rows };
  }, [query]);
  const loadProblem = report.kind === "error" ? report.problem : null;
  // A dealer the service does not know is a 404 without a field: it is the dealer field's.
  const problem =
    loadProblem?.status === 404 && staff && query.dealer
      ? { ...loadProblem, errors: [{ field: "dealer", message: t("quality.scorecards.unknownDealer", { dealer: query.dealer }) }] }
      : loadProblem;
  const named = (problem?.errors ?? []).some((e) => FIELDS.includes(e.field));
  function show(event: FormEvent) {
    event.preventDefault();
    setQuery({ ...draft, dealer: draft.dealer.trim().toUpperCase() });
  }
  const number = (n: number) => formatNumber(n);
  const columns: Column[] = [
    { key: "decided", group: "claims", head: t("quality.scorecards.decided"), cell: (s) => number(s.claims_decided) },
    { key: "rejected", group: "claims", head: t("quality.scorecards.rejected"), cell: (s) => number(s.claims_rejected) },
    { key: "rejection", group: "claims", head: t("quality.scorecards.rejectionRate"), cell: (s) => rate(s.rejection_rate) },
    { key: "due", group: "returns", head: t("quality.scorecards.returnsDue"), cell: (s) => number(s.returns_due) },
    { key: "onTime", group: "returns", head: t("quality.scorecards.onTime"), cell: (s) => number(s.returned_on_time) },
    { key: "compliance", group: "returns", head: t("quality.scorecards.compliance"), cell: (s) => rate(s.return_compliance) },
    // An order line is one request: the rate by request is the fill rate (its 90 % target's);
    // the one by quantity beside it (the units themselves are in the CSV).
    { key: "lines", group: "fill", head: t("quality.scorecards.orderLines"), cell: (s) => number(s.order_lines) },
    { key: "filled", group: "fill", head: t("quality.scorecards.filled24h"), cell: (s) => number(s.order_lines_filled_within_24h) },
    { key: "fill", group: "fill", head: t("quality.scorecards.fillRate"), cell: (s) => rate(s.fill_rate_24h) },
    { key: "fillQty", group: "fill", head: t("quality.scorecards.fillRateByQuantity"), cell: (s) => rate(s.fill_rate_24h_by_quantity) },
    { key: "avg", group: "cycle", head: t("quality.scorecards.avgHours"), cell: (s) => hours(s.avg_cycle_hours) },
    { key: "p90", group: "cycle", head: t("quality.scorecards.p90Hours"), cell: (s) => hours(s.p90_cycle_hours) },
    { key: "campaignUnits", group: "campaigns", head: t("quality.scorecards.campaignUnits"), cell: (s) => number(s.campaign_units) },
    { key: "completed", group: "campaigns", head: t("quality.scorecards.completed"), cell: (s) => number(s.campaign_units_completed) },
    { key: "completion", group: "campaigns", head: t("quality.scorecards.completion"), cell: (s) => rate(s.campaign_completion) },
  ];
  const groups = ["claims", "returns", "fill", "cycle", "campaigns"];
  const csvQuery = { from: query.from, to: query.to, dealer: staff && query.dealer ? query.dealer : undefined };
  return (
    <section aria-labelledby="scorecards-title">
      <h1 id="scorecards-title">{staff ? t("quality.scorecards.title") : t("quality.scorecards.ownTitle")}</h1>
      <p className="hint">{t("quality.scorecards.intro")}</p>
      <form className="search" onSubmit={show} aria-label={t("quality.scorecards.filter")} noValidate>
        <label>
          {t("quality.scorecards.from")}{" "}
          <input
            type="month"
            value={draft.from}
            onChange={(e) => setDraft({ ...draft, from: e.target.value })}
            required
            {...invalidProps("scorecards-from-error", problem, "from")}
          />
        </label>
        <FieldError problem={problem} field="from" id="scorecards-from-error" />
        <label>
          {t("quality.scorecards.to")}{" "}
          <input
            type="month"
            value={draft.to}
            onChange={(e) => setDraft({ ...draft, to: e.target.value })}
            required
            {...invalidProps("scorecards-to-error", problem, "to")}
          />
        </label>
        <FieldError problem={problem} field="to" id="scorecards-to-error" />
        {staff && (
          <>
            <label>
              {t("quality.scorecards.dealer")}{" "}
              <input
                type="text"
                value={draft.dealer}
                placeholder={t("quality.scorecards.allDealers")}
                onChange={(e) => setDraft({ ...draft, dealer: e.target.value })}
                {...invalidProps("scorecards-dealer-error", problem, "dealer")}
              />
            </label>
            <FieldError problem={problem} field="dealer" id="scorecards-dealer-error" />
          </>
        )}
        <button type="submit" className="primary">
          {t("quality.scorecards.show")}
        </button>
        {named && <FormProblem problem={problem} shown={FIELDS} />}
      </form>
      {report.kind === "loading" && <Loading />}
      {problem && !named && <ErrorState problem={problem} onRetry={reload} />}
      {report.kind === "done" && report.data.length === 0 && <Empty message={t("quality.scorecards.empty")} />}
      {report.kind === "done" && report.data.length > 0 && (
        <>
          <CsvDownload
            service="inspection"
            path="/reports/dealer-scorecards"
            label={t("quality.scorecards.title")}
            query={csvQuery}
            filename={`dealer-scorecards-${query.from}-${query.to}.csv`}
          />
          {/* Wider than a tablet: the region scrolls, and takes the keyboard's focus to do so. */}
          <div className="scroll" tabIndex={0} role="region" aria-label={t("quality.scorecards.table")}>
            <table className="scorecards">
              <caption className="visually-hidden">{t("quality.scorecards.title")}</caption>
              <thead>
                <tr>
                  <td colSpan={2} />
                  {groups.map((g) => (
                    <th key={g} scope="colgroup" colSpan={columns.filter((c) => c.group === g).length}>
                      {t(`quality.scorecards.groups.${g}`)}
                    </th>
                  ))}
                </tr>
                <tr>
                  <th scope="col">{t("quality.scorecards.dealer")}</th>
                  <th scope="col">{t("quality.scorecards.month")}</th>
                  {columns.map((c) => (
                    <th key={c.key} scope="col" className="num">
                      {c.head}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {report.data.map((s) => (
                  <tr key={`${s.dealer_code}-${s.month}`}>
                    <th scope="row">{s.dealer_code}</th>
                    <td className="nowrap">{s.month}</td>
                    {columns.map((c) => (
                      <td key={c.key} className="num">
                        {c.cell(s)}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
