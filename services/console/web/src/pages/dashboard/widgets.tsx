// The dashboard's figures, each against its target where the source documents set
// one: the 24 h parts fill rate (target 90 %), backorder aging, claim cycle time,
// approval rate, old-part return compliance, and the supplier recovery rate. Each
// reads the services' own reports (a dealer's are its own figures only).
import { useMemo } from "react";
import { useTranslation } from "react-i18next";
import { catalog, inspection, orders, recovery } from "../../api/client";
import { ChartFigure } from "../../components/Chart";
import { ErrorState, Loading } from "../../components/States";
import { useLoad } from "../../components/useLoad";
import { formatNumber, formatPercent } from "../../i18n/format";
import { weeks, type Period } from "./periods";

/** The 24 h fill rate the source documents set as the network's target: of the order
 *  lines (requests), those filled within 24 h (`fill_rate_24h`, by request). */
export const FILL_RATE_TARGET = 0.9;
const WEEKS = 8;

type Answer<T> = { data?: T | string; error?: unknown; response: Response };

/** One report per period, all or nothing (CSV answers are not asked for). */
async function perPeriod<T>(periods: Period[], load: (p: Period) => Promise<Answer<T>>) {
  const answers = await Promise.all(periods.map(load));
  const failed = answers.find((a) => !a.response.ok || a.data === undefined || typeof a.data === "string");
  if (failed) return { error: failed.error, response: failed.response };
  return { data: answers.map((a) => a.data as T), response: answers[0]!.response };
}

const hours = (v: number) => formatNumber(Math.round(v * 10) / 10);
/** A decimal string from a report (`"0.9250"`), or nothing when the period had none. */
const rate = (v: string | null | undefined) => (v == null ? null : Number(v));

export function FillRateWidget() {
  const { t } = useTranslation();
  const periods = useMemo(() => weeks(WEEKS), []);
  const [state, reload] = useLoad(
    () => perPeriod(periods, (p) => orders.GET("/api/v1/reports/fill-rate", { params: { query: { from: p.from, to: p.to, format: "json" } } })),
    [periods],
  );
  if (state.kind === "loading") return <Loading />;
  if (state.kind === "error") return <ErrorState problem={state.problem} onRetry={reload} />;
  return (
    <ChartFigure
      title={t("dashboard.fillRate")}
      labels={periods.map((p) => p.label)}
      series={[
        // By request (order lines filled within 24 h): the rate the 90 % target is set for.
        { label: t("dashboard.filledWithin24h"), values: state.data.map((r) => rate(r.overall.fill_rate_24h)), kind: "line" },
        { label: t("dashboard.shippedWithin24h"), values: state.data.map((r) => rate(r.overall.shipped_within_24h_rate)), kind: "line" },
        { label: t("dashboard.reservedAtPlacement"), values: state.data.map((r) => rate(r.overall.reserved_at_placement_rate)), kind: "line" },
        { label: t("dashboard.target"), values: periods.map(() => FILL_RATE_TARGET), kind: "line", target: true },
      ]}
      format={formatPercent}
      csvName="fill-rate"
    />
  );
}

/** Age buckets of open backorders, in hours since placement. */
const BUCKETS: [string, number][] = [
  ["dashboard.age24h", 24],
  ["dashboard.age3d", 72],
  ["dashboard.age7d", 168],
  ["dashboard.ageOlder", Number.POSITIVE_INFINITY],
];

export function BackorderAgingWidget() {
  const { t } = useTranslation();
  const [state, reload] = useLoad(() => catalog.GET("/api/v1/reports/backorders", { params: { query: { format: "json" } } }), []);
  if (state.kind === "loading") return <Loading />;
  if (state.kind === "error") return <ErrorState problem={state.problem} onRetry={reload} />;
  const items = typeof state.data === "string" ? [] : state.data.items;
  const units = BUCKETS.map(([, upTo], i) => {
    const above = i === 0 ? -1 : BUCKETS[i - 1]![1];
    return items.filter((b) => b.age_hours > above && b.age_hours <= upTo).reduce((sum, b) => sum + b.qty, 0);
  });
  return (
    <ChartFigure
      title={t("dashboard.backorderAging")}
      labels={BUCKETS.map(([label]) => t(label))}
      series={[{ label: t("dashboard.unitsBackordered"), values: units }]}
      format={formatNumber}
      csvName="backorder-aging"
    />
  );
}

export function ClaimsWidgets() {
  const { t } = useTranslation();
  const periods = useMemo(() => weeks(WEEKS), []);
  const [state, reload] = useLoad(
    () => perPeriod(periods, (p) => inspection.GET("/api/v1/reports/claims", { params: { query: { from: p.from, to: p.to, format: "json" } } })),
    [periods],
  );
  if (state.kind === "loading") return <Loading />;
  if (state.kind === "error") return <ErrorState problem={state.problem} onRetry={reload} />;
  const labels = periods.map((p) => p.label);
  return (
    <>
      <ChartFigure
        title={t("dashboard.cycleTime")}
        labels={labels}
        series={[
          { label: t("dashboard.avgHours"), values: state.data.map((r) => rate(r.avg_cycle_hours)), kind: "line" },
          { label: t("dashboard.p90Hours"), values: state.data.map((r) => rate(r.p90_cycle_hours)), kind: "line" },
        ]}
        format={hours}
        csvName="claim-cycle-time"
      />
      <ChartFigure
        title={t("dashboard.approvalAndReturns")}
        labels={labels}
        series={[
          { label: t("dashboard.approvalRate"), values: state.data.map((r) => rate(r.approval_rate)), kind: "line" },
          { label: t("dashboard.returnCompliance"), values: state.data.map((r) => rate(r.return_compliance)), kind: "line" },
        ]}
        format={formatPercent}
        csvName="approval-and-returns"
      />
    </>
  );
}

export function RecoveryWidget() {
  const { t } = useTranslation();
  const [state, reload] = useLoad(() => recovery.GET("/api/v1/reports/reconciliation", { params: { query: { format: "json" } } }), []);
  if (state.kind === "loading") return <Loading />;
  if (state.kind === "error") return <ErrorState problem={state.problem} onRetry={reload} />;
  const rows = typeof state.data === "string" ? [] : state.data.suppliers;
  return (
    <ChartFigure
      title={t("dashboard.recoveryRate")}
      labels={rows.map((r) => `${r.supplier_code ?? ""} (${r.currency})`)}
      series={[{ label: t("dashboard.recovered"), values: rows.map((r) => rate(r.recovery_rate)) }]}
      format={formatPercent}
      csvName="recovery-rate"
    />
  );
}
