// The quality lead's monthly feedback: per month and supplier, the parts with the most
// claims, as a table with its CSV.
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { inspection } from "../../api/client";
import type { components } from "../../api/schema/inspection";
import { FieldError, invalidProps } from "../../components/Field";
import { CsvDownload } from "../../components/CsvDownload";
import { Empty, ErrorState, Loading } from "../../components/States";
import { useLoad } from "../../components/useLoad";
import { formatNumber } from "../../i18n/format";

type FailingPart = components["schemas"]["FailingPart"];

function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** The first day of the month five months back, to today: six months. */
function lastSixMonths(now = new Date()): { from: string; to: string } {
  return { from: isoDay(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 5, 1))), to: isoDay(now) };
}

export function TopFailingPartsPage() {
  const { t } = useTranslation();
  const [draft, setDraft] = useState(() => ({ ...lastSixMonths(), limit: "5" }));
  const [query, setQuery] = useState(draft);
  const [report, reload] = useLoad(async () => {
    const answer = await inspection.GET("/api/v1/reports/top-failing-parts", {
      params: { query: { from: query.from, to: query.to, limit: Number(query.limit) } },
    });
    // The operation also offers CSV; asked without `format`, the service answers JSON.
    const rows: FailingPart[] | undefined = Array.isArray(answer.data) ? answer.data : undefined;
    return { ...answer, data: rows };
  }, [query]);
  const problem = report.kind === "error" ? report.problem : null;
  const named = (problem?.errors ?? []).some((e) => ["from", "to", "limit"].includes(e.field));
  function show(event: FormEvent) {
    event.preventDefault();
    setQuery(draft);
  }
  return (
    <section aria-labelledby="top-title">
      <h1 id="top-title">{t("quality.top.title")}</h1>
      <form className="search" onSubmit={show} aria-label={t("quality.top.filter")}>
        <label>
          {t("quality.top.from")}{" "}
          <input
            type="date"
            value={draft.from}
            onChange={(e) => setDraft({ ...draft, from: e.target.value })}
            required
            {...invalidProps("top-from-error", problem, "from")}
          />
        </label>
        <FieldError problem={problem} field="from" id="top-from-error" />
        <label>
          {t("quality.top.to")}{" "}
          <input
            type="date"
            value={draft.to}
            onChange={(e) => setDraft({ ...draft, to: e.target.value })}
            required
            {...invalidProps("top-to-error", problem, "to")}
          />
        </label>
        <FieldError problem={problem} field="to" id="top-to-error" />
        <label>
          {t("quality.top.perSupplier")}{" "}
          <input
            type="number"
            className="qty"
            min={1}
            max={50}
            value={draft.limit}
            onChange={(e) => setDraft({ ...draft, limit: e.target.value })}
            required
            {...invalidProps("top-limit-error", problem, "limit")}
          />
        </label>
        <FieldError problem={problem} field="limit" id="top-limit-error" />
        <button type="submit" className="primary">
          {t("quality.top.show")}
        </button>
      </form>
      {report.kind === "loading" && <Loading />}
      {problem && !named && <ErrorState problem={problem} onRetry={reload} />}
      {report.kind === "done" && report.data.length === 0 && <Empty message={t("quality.top.empty")} />}
      {report.kind === "done" && report.data.length > 0 && (
        <>
          <CsvDownload
            service="inspection"
            path="/reports/top-failing-parts"
            label={t("quality.top.title")}
            query={{ from: query.from, to: query.to, limit: query.limit }}
            filename={`top-failing-parts-${query.from}-${query.to}.csv`}
          />
          <table>
            <caption className="visually-hidden">{t("quality.top.title")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("quality.top.month")}</th>
                <th scope="col">{t("quality.top.supplier")}</th>
                <th scope="col" className="num">{t("quality.top.rank")}</th>
                <th scope="col">{t("quality.partNumber")}</th>
                <th scope="col" className="num">{t("quality.top.claims")}</th>
              </tr>
            </thead>
            <tbody>
              {report.data.map((row) => (
                <tr key={`${row.month}-${row.supplier_code}-${row.rank}-${row.part_number}`}>
                  <td>{row.month}</td>
                  <td>{row.supplier_code}</td>
                  <td className="num">{formatNumber(row.rank)}</td>
                  <td>{row.part_number}</td>
                  <td className="num">{formatNumber(row.claims)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
