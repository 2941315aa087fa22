// One part in one warehouse: its stock (on hand, reserved, quarantined, available,
// reorder settings, bin) and its ledger, newest movement first. Opened by scanning
// the part, or from a report's link (`?warehouse=&part=`).
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useSearchParams } from "react-router";
import { catalog } from "../../api/client";
import { PagedList } from "../../components/Paged";
import { ErrorState, Loading } from "../../components/States";
import { useLoad } from "../../components/useLoad";
import { usePaged } from "../../components/usePaged";
import { formatDateTime, formatNumber } from "../../i18n/format";
import { WarehouseSelect, partNumber, type Stock } from "./common";

function StockFacts({ stock }: { stock: Stock }) {
  const { t } = useTranslation();
  const facts: [string, string][] = [
    [t("stock.onHand"), formatNumber(stock.on_hand)],
    [t("stock.reserved"), formatNumber(stock.reserved)],
    [t("stock.quarantined"), formatNumber(stock.quarantined)],
    [t("stock.available"), formatNumber(stock.available)],
    [t("stock.reorderPoint"), formatNumber(stock.reorder_point)],
    [t("stock.reorderQty"), formatNumber(stock.reorder_qty)],
    [t("stock.bin"), stock.bin ?? "—"],
  ];
  return (
    <dl className="facts" aria-label={t("stock.level")}>
      {facts.map(([term, value]) => (
        <div key={term} className="fact">
          <dt>{term}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function Ledger({ warehouse, part }: { warehouse: string; part: string }) {
  const { t } = useTranslation();
  const [stock, reload] = useLoad(
    () => catalog.GET("/api/v1/stock/{warehouse}/{part_number}", { params: { path: { warehouse, part_number: part } } }),
    [warehouse, part],
  );
  const moves = usePaged(
    (cursor) =>
      catalog.GET("/api/v1/stock/{warehouse}/{part_number}/movements", {
        params: { path: { warehouse, part_number: part }, query: { cursor, limit: 25 } },
      }),
    [warehouse, part],
  );
  return (
    <>
      <h2>
        {part} · {warehouse}
      </h2>
      {stock.kind === "loading" && <Loading />}
      {stock.kind === "error" && <ErrorState problem={stock.problem} onRetry={reload} />}
      {stock.kind === "done" && <StockFacts stock={stock.data} />}
      <h2>{t("ledger.title")}</h2>
      <PagedList list={moves} empty={t("ledger.empty")}>
        <table>
          <thead>
            <tr>
              <th scope="col">{t("ledger.when")}</th>
              <th scope="col">{t("ledger.kind")}</th>
              <th scope="col" className="num">{t("ledger.qty")}</th>
              <th scope="col">{t("ledger.reason")}</th>
              <th scope="col">{t("ledger.reference")}</th>
              <th scope="col">{t("ledger.actor")}</th>
            </tr>
          </thead>
          <tbody>
            {moves.rows.map((m) => (
              <tr key={m.id}>
                <td>{formatDateTime(m.created_at)}</td>
                <td>{t(`movement.${m.kind}`)}</td>
                <td className="num">{m.qty > 0 ? `+${formatNumber(m.qty)}` : formatNumber(m.qty)}</td>
                <td>{m.reason_code ? t(`adjustment.reason.${m.reason_code}`, { defaultValue: m.reason_code }) : ""}</td>
                <td>{m.reference}</td>
                <td>{m.actor}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </PagedList>
    </>
  );
}

export function StockLedgerPage() {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const [warehouse, setWarehouse] = useState(params.get("warehouse") ?? "");
  const [part, setPart] = useState(params.get("part") ?? "");
  const shown = { warehouse: params.get("warehouse") ?? "", part: params.get("part") ?? "" };

  function open(event: FormEvent) {
    event.preventDefault();
    setParams({ warehouse, part: partNumber(part) });
  }

  return (
    <section aria-labelledby="ledger-title">
      <h1 id="ledger-title">{t("ledger.pageTitle")}</h1>
      <form className="search" onSubmit={open}>
        <WarehouseSelect value={warehouse} onChange={setWarehouse} label={t("stock.warehouse")} />
        <label className="field">
          <span>{t("stock.part")}</span>
          <input name="part" value={part} onChange={(e) => setPart(e.target.value)} required autoComplete="off" />
        </label>
        <button type="submit" className="primary">
          {t("ledger.open")}
        </button>
      </form>
      {shown.warehouse && shown.part && <Ledger warehouse={shown.warehouse} part={shown.part} />}
    </section>
  );
}
