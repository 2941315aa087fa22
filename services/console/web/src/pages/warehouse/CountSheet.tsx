// The cycle-count sheet of one warehouse: every stocked part with its bin, a field
// for what was counted, and the variance the count booked (the expected quantity is
// not shown before counting, so the count is blind).
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { catalog } from "../../api/client";
import type { components } from "../../api/schema/catalog";
import { Field, FormProblem } from "../../components/Field";
import { PagedList } from "../../components/Paged";
import { useAction } from "../../components/useAction";
import { usePaged } from "../../components/usePaged";
import { formatNumber } from "../../i18n/format";
import { WarehouseSelect, type Stock } from "./common";

type Count = components["schemas"]["CountOut"];

function CountRow({ stock }: { stock: Stock }) {
  const { t } = useTranslation();
  const action = useAction();
  const [counted, setCounted] = useState("");
  const [done, setDone] = useState<Count | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const body = { warehouse: stock.warehouse, part_number: stock.part_number, counted: Number(counted) };
    const count = await action.run(body, (key) =>
      catalog.POST("/api/v1/counts", { body, params: { header: { "Idempotency-Key": key } } }),
    );
    if (count) setDone(count);
  }

  return (
    <tr>
      <td>{stock.part_number}</td>
      <td>{stock.bin ?? "—"}</td>
      <td>
        {done ? (
          <span role="status" className={done.variance === 0 ? "notice" : "warn"}>
            {t("count.result", {
              counted: formatNumber(done.counted),
              expected: formatNumber(done.expected),
              variance: done.variance > 0 ? `+${formatNumber(done.variance)}` : formatNumber(done.variance),
            })}
          </span>
        ) : (
          <form className="inline-form" onSubmit={(e) => void submit(e)} aria-label={t("count.formOf", { part: stock.part_number })}>
            <Field
              label={t("count.counted")}
              name="counted"
              problem={action.problem}
              type="number"
              min={0}
              value={counted}
              onChange={(e) => setCounted(e.target.value)}
              required
            />
            <button type="submit" disabled={action.busy}>
              {t("count.record")}
            </button>
            <FormProblem problem={action.problem} shown={["counted"]} />
          </form>
        )}
      </td>
    </tr>
  );
}

export function CountSheetPage() {
  const { t } = useTranslation();
  const [warehouse, setWarehouse] = useState("");
  const stock = usePaged(
    (cursor) => catalog.GET("/api/v1/stock", { params: { query: { warehouse, cursor, limit: 50 } } }),
    [warehouse],
  );
  return (
    <section aria-labelledby="count-title">
      <h1 id="count-title">{t("count.title")}</h1>
      <div className="search">
        <WarehouseSelect value={warehouse} onChange={setWarehouse} label={t("stock.warehouse")} />
      </div>
      {warehouse && (
        <PagedList list={stock} empty={t("count.empty")}>
          <table>
            <thead>
              <tr>
                <th scope="col">{t("stock.part")}</th>
                <th scope="col">{t("stock.bin")}</th>
                <th scope="col">{t("count.counted")}</th>
              </tr>
            </thead>
            <tbody>
              {stock.rows.map((s) => (
                <CountRow key={`${s.warehouse}-${s.part_number}`} stock={s} />
              ))}
            </tbody>
          </table>
        </PagedList>
      )}
    </section>
  );
}
