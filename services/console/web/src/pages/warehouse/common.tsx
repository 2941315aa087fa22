// What the warehouse pages share: the warehouse and supplier pickers, the report
// frame, and part-number inputs made
// for a keyboard-wedge barcode scanner (it types the code and presses Enter: Enter
// moves on to the next field instead of submitting a half-filled form).
import { useState, type KeyboardEvent, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { catalog } from "../../api/client";
import type { Problem } from "../../api/problem";
import type { components } from "../../api/schema/catalog";
import { CsvDownload } from "../../components/CsvDownload";
import { FieldError, invalidProps } from "../../components/Field";
import { Empty, ErrorState, Loading } from "../../components/States";
import { useLoad } from "../../components/useLoad";
import { formatDateTime } from "../../i18n/format";

export type Stock = components["schemas"]["StockOut"];

/** The active warehouses, as options; `all` adds a first "all warehouses" choice. */
export function WarehouseSelect({
  value,
  onChange,
  label,
  name = "warehouse",
  all = false,
  problem = null,
}: {
  value: string;
  onChange: (code: string) => void;
  label: string;
  name?: string;
  all?: boolean;
  /** A refusal whose message for `name` stands beside the choice. */
  problem?: Problem | null;
}) {
  const { t } = useTranslation();
  const [warehouses] = useLoad(() => catalog.GET("/api/v1/warehouses"), []);
  const options = warehouses.kind === "done" ? warehouses.data.filter((w) => w.active) : [];
  const errorId = `${name}-error`;
  return (
    <label className="field">
      <span>{label}</span>
      <select name={name} value={value} onChange={(e) => onChange(e.target.value)} required={!all} {...invalidProps(errorId, problem, name)}>
        {all ? <option value="">{t("stock.allWarehouses")}</option> : <option value="">{t("stock.chooseWarehouse")}</option>}
        {options.map((w) => (
          <option key={w.code} value={w.code}>
            {w.code} · {w.name}
          </option>
        ))}
      </select>
      <FieldError id={errorId} problem={problem} field={name} />
    </label>
  );
}

/** The suppliers (active ones only unless `all`, where a first choice is "all
 *  suppliers"), as options. */
export function SupplierSelect({
  value,
  onChange,
  label,
  name = "supplier",
  all = false,
  problem = null,
}: {
  value: string;
  onChange: (code: string) => void;
  label: string;
  name?: string;
  all?: boolean;
  problem?: Problem | null;
}) {
  const { t } = useTranslation();
  const [suppliers] = useLoad(() => catalog.GET("/api/v1/suppliers", { params: { query: { limit: 200 } } }), []);
  const options = suppliers.kind === "done" ? suppliers.data.items.filter((s) => all || s.active) : [];
  const errorId = `${name}-error`;
  return (
    <label className="field">
      <span>{label}</span>
      <select name={name} value={value} onChange={(e) => onChange(e.target.value)} required={!all} {...invalidProps(errorId, problem, name)}>
        <option value="">{all ? t("purchaseOrders.allSuppliers") : t("purchaseOrders.chooseSupplier")}</option>
        {options.map((s) => (
          <option key={s.code} value={s.code}>
            {s.code} · {s.name}
          </option>
        ))}
      </select>
      <FieldError id={errorId} problem={problem} field={name} />
    </label>
  );
}

/** Enter in a scanned field focuses the next field of its form. */
export function scanned(event: KeyboardEvent<HTMLInputElement>): void {
  if (event.key !== "Enter") return;
  event.preventDefault();
  const form = event.currentTarget.form;
  if (!form) return;
  const fields = Array.from(form.elements).filter(
    (e): e is HTMLInputElement | HTMLSelectElement => e instanceof HTMLInputElement || e instanceof HTMLSelectElement,
  );
  fields[fields.indexOf(event.currentTarget) + 1]?.focus();
}

/** Part numbers are upper case; a scanner may send them as typed. */
export function partNumber(value: string): string {
  return value.trim().toUpperCase();
}

type Report<T> = { as_of: string; items: T[] };
type ReportAnswer<T> = { data?: Report<T> | string; error?: unknown; response: Response };

/** A warehouse report (JSON, or CSV for the download): the warehouse filter, the CSV
 *  link of the same filter, its states, and `table` for its items. */
export function WarehouseReport<T>({
  id,
  title,
  empty,
  path,
  load,
  table,
}: {
  id: string;
  title: string;
  empty: string;
  path: "/reports/backorders" | "/reports/stockouts";
  load: (query: { warehouse?: string }) => Promise<ReportAnswer<T>>;
  table: (items: T[]) => ReactNode;
}) {
  const { t } = useTranslation();
  const [warehouse, setWarehouse] = useState("");
  const query = { warehouse: warehouse || undefined };
  const [report, reload] = useLoad(async () => {
    const answer = await load(query);
    // The JSON form was asked for: a CSV string here would be the service's mistake.
    return typeof answer.data === "string" ? { ...answer, data: undefined } : { ...answer, data: answer.data };
  }, [warehouse]);
  return (
    <section aria-labelledby={id}>
      <h1 id={id}>{title}</h1>
      <div className="search">
        <WarehouseSelect value={warehouse} onChange={setWarehouse} label={t("stock.warehouse")} all />
        <CsvDownload service="catalog" path={path} query={query} filename={`${path.split("/").pop()}.csv`} label={title} />
      </div>
      {report.kind === "loading" && <Loading />}
      {report.kind === "error" && <ErrorState problem={report.problem} onRetry={reload} />}
      {report.kind === "done" && report.data.items.length === 0 && <Empty message={empty} />}
      {report.kind === "done" && report.data.items.length > 0 && (
        <>
          <p className="hint">{t("stock.asOf", { time: formatDateTime(report.data.as_of) })}</p>
          {table(report.data.items)}
        </>
      )}
    </section>
  );
}
