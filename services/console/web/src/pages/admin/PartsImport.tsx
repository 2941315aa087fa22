// Parts (admin): import the catalog from CSV (a file or pasted text). The whole file
// is checked first: if any row is wrong nothing is written and every bad row is
// listed with its line and column; otherwise the counts of what changed.
import { useState, type ChangeEvent, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { catalog } from "../../api/client";
import type { components } from "../../api/schema/catalog";
import { ErrorState } from "../../components/States";
import { useAction } from "../../components/useAction";
import { formatNumber } from "../../i18n/format";

type Imported = components["schemas"]["ImportOut"];

export function PartsImportPage() {
  const { t } = useTranslation();
  const action = useAction();
  const [csv, setCsv] = useState("");
  const [result, setResult] = useState<Imported | null>(null);
  const rows = csv.trim() ? csv.trim().split(/\r?\n/).length - 1 : 0;

  async function pick(event: ChangeEvent<HTMLInputElement>) {
    const file = event.target.files?.[0];
    if (file) setCsv(await file.text());
  }

  async function send(event: FormEvent) {
    event.preventDefault();
    setResult(null);
    const done = await action.run(csv, (key) =>
      catalog.POST("/api/v1/parts/import", {
        body: csv,
        bodySerializer: (body: string) => body,
        headers: { "Content-Type": "text/csv" },
        params: { header: { "Idempotency-Key": key } },
      }),
    );
    if (done) setResult(done);
  }

  const problem = action.problem;
  return (
    <section aria-labelledby="import-title">
      <h1 id="import-title">{t("admin.importTitle")}</h1>
      <p className="hint">{t("admin.importHint")}</p>
      <form onSubmit={(e) => void send(e)} className="card-form" aria-label={t("admin.importTitle")}>
        <label className="field">
          <span>{t("admin.importFile")}</span>
          <input type="file" accept=".csv,text/csv" onChange={(e) => void pick(e)} />
        </label>
        <label className="field">
          <span>{t("admin.importText")}</span>
          <textarea name="csv" rows={8} value={csv} onChange={(e) => setCsv(e.target.value)} spellCheck={false} />
        </label>
        <button type="submit" className="primary" disabled={action.busy || rows === 0}>
          {action.busy ? t("admin.importing", { rows: formatNumber(rows) }) : t("admin.import", { rows: formatNumber(rows) })}
        </button>
      </form>
      {result && (
        <p role="status" className="notice">
          {t("admin.imported", {
            rows: formatNumber(result.rows),
            created: formatNumber(result.created),
            updated: formatNumber(result.updated),
            unchanged: formatNumber(result.unchanged),
            prices: formatNumber(result.prices_added),
          })}
        </p>
      )}
      {problem && !problem.errors?.length && <ErrorState problem={problem} />}
      {problem?.errors?.length ? (
        <div role="alert">
          <p className="state-error">{t("admin.importRefused", { count: problem.errors.length })}</p>
          <table>
            <thead>
              <tr>
                <th scope="col">{t("admin.importWhere")}</th>
                <th scope="col">{t("admin.importWhat")}</th>
              </tr>
            </thead>
            <tbody>
              {problem.errors.map((e) => (
                <tr key={`${e.field}-${e.message}`}>
                  <td>{e.field}</td>
                  <td>{e.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
