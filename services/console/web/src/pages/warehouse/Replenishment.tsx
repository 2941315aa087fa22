// Replenishment suggestions of one warehouse: per part what is available, in transit,
// on order and backordered against its reorder point or the window's demand, and how
// much to order (CSV of the same list). Warehouse staff select rows, change the
// quantity or the agreed price of each, and draft one purchase order per supplier in
// one step; admins read.
import { useState, type FormEvent, type InputHTMLAttributes } from "react";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router";
import { catalog } from "../../api/client";
import { fieldMessage, type Problem } from "../../api/problem";
import type { components } from "../../api/schema/catalog";
import { useMe } from "../../auth/session";
import { CsvDownload } from "../../components/CsvDownload";
import { Field, FieldMessages, FormProblem } from "../../components/Field";
import { Empty, ErrorState, Loading } from "../../components/States";
import { useAction } from "../../components/useAction";
import { useLoad } from "../../components/useLoad";
import { formatDateTime, formatMoney, formatNumber } from "../../i18n/format";
import { PurchaseOrderStatusBadge } from "./PurchaseOrders";
import { initialChoice, selectionLines, today, type Choice, type PurchaseOrder, type Suggestion } from "./purchasing";
import { WarehouseSelect } from "./common";

const DEFAULT_WINDOW = "30";
type Report = components["schemas"]["ReplenishmentOut"];

/** A number cell; the suggestion's own quantity stands out. */
function Num({ value, strong = false }: { value: number; strong?: boolean }) {
  return <td className={strong ? "num strong" : "num"}>{formatNumber(value)}</td>;
}

/** One input of a selected row, with the service's message for its `lines[i]` field. */
function RowInput({
  id,
  label,
  problem,
  field,
  ...input
}: { id: string; label: string; problem: Problem | null; field: string } & InputHTMLAttributes<HTMLInputElement>) {
  const message = field ? fieldMessage(problem, field) : undefined;
  return (
    <>
      <input
        id={id}
        aria-label={label}
        className="qty"
        aria-invalid={message ? true : undefined}
        aria-describedby={message ? `${id}-error` : undefined}
        {...input}
      />
      <FieldMessages id={`${id}-error`} messages={message ? [message] : []} />
    </>
  );
}

function Drafted({ orders }: { orders: PurchaseOrder[] }) {
  const { t } = useTranslation();
  return (
    <div role="status" className="notice">
      <p>{t("replenishment.drafted", { count: orders.length })}</p>
      <ul>
        {orders.map((po) => (
          <li key={po.id}>
            <Link to={`/warehouse/purchase-orders/${po.id}`}>{po.number}</Link> · {po.supplier} ·{" "}
            {t("replenishment.lineCount", { count: po.lines.length })} · {formatMoney(po.total, po.currency)}{" "}
            <PurchaseOrderStatusBadge status={po.status} />
          </li>
        ))}
      </ul>
      <p className="hint">{t("replenishment.draftedHint")}</p>
    </div>
  );
}

function Suggestions({ warehouse, windowDays, items }: { warehouse: string; windowDays: number; items: Suggestion[] }) {
  const { t } = useTranslation();
  const me = useMe();
  const writes = me.role === "warehouse";
  const action = useAction();
  const [chosen, setChosen] = useState<Record<string, Choice>>({});
  const [currency, setCurrency] = useState(() => items.find((s) => s.last_currency)?.last_currency ?? "EUR");
  const [expectedDate, setExpectedDate] = useState("");
  const [drafted, setDrafted] = useState<PurchaseOrder[] | null>(null);
  const [none, setNone] = useState(false);
  const { lines, index } = selectionLines(items, chosen);

  function select(s: Suggestion, on: boolean) {
    // The refusal's `lines[i]` no longer point at the same rows.
    action.clear();
    setNone(false);
    setChosen((c) => {
      const next = { ...c };
      if (on) next[s.part_number] = initialChoice(s);
      else delete next[s.part_number];
      return next;
    });
  }

  function change(part: string, patch: Partial<Choice>) {
    setChosen((c) => ({ ...c, [part]: { ...c[part]!, ...patch } }));
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    setDrafted(null);
    if (lines.length === 0) {
      setNone(true);
      return;
    }
    const body = { warehouse, window_days: windowDays, currency: currency.trim().toUpperCase(), expected_date: expectedDate, lines };
    const answer = await action.run(body, (key) =>
      catalog.POST("/api/v1/replenishment/purchase-orders", { body, params: { header: { "Idempotency-Key": key } } }),
    );
    if (answer) {
      setChosen({});
      setDrafted(answer.purchase_orders);
    }
  }

  const fieldOf = (part: string, name: string) => {
    const i = index.get(part);
    return i === undefined ? "" : `lines[${i}].${name}`;
  };
  const shown = ["currency", "expected_date", ...[...index.values()].flatMap((i) => ["part_number", "qty", "unit_price"].map((f) => `lines[${i}].${f}`))];

  const table = (
    <div className="scroll" tabIndex={0} role="region" aria-labelledby="replenishment-table-title">
      <table>
        <caption id="replenishment-table-title" className="visually-hidden">
          {t("replenishment.tableOf", { warehouse })}
        </caption>
        <thead>
          <tr>
            {writes && (
              <th scope="col">
                <span className="visually-hidden">{t("replenishment.select")}</span>
              </th>
            )}
            <th scope="col">{t("stock.part")}</th>
            <th scope="col">{t("purchaseOrders.supplier")}</th>
            <th scope="col" className="num">{t("stock.available")}</th>
            <th scope="col" className="num">{t("replenishment.inTransit")}</th>
            <th scope="col" className="num">{t("replenishment.onOrder")}</th>
            <th scope="col" className="num">{t("reorder.backordered")}</th>
            <th scope="col" className="num">{t("replenishment.demand", { days: windowDays })}</th>
            <th scope="col" className="num">{t("replenishment.reorder")}</th>
            <th scope="col" className="num">{t("replenishment.position")}</th>
            <th scope="col" className="num">{t("replenishment.cover")}</th>
            <th scope="col" className="num">{t("replenishment.suggested")}</th>
            <th scope="col" className="num">{t("replenishment.lastPrice")}</th>
            {writes && <th scope="col">{t("replenishment.orderQty")}</th>}
            {writes && <th scope="col">{t("purchaseOrders.unitPrice")}</th>}
          </tr>
        </thead>
        <tbody>
          {items.map((s) => {
            const choice = chosen[s.part_number];
            const partMessage = fieldMessage(action.problem, fieldOf(s.part_number, "part_number"));
            return (
              <tr key={s.part_number}>
                {writes && (
                  <td>
                    <input
                      type="checkbox"
                      checked={!!choice}
                      onChange={(e) => select(s, e.target.checked)}
                      aria-label={t("replenishment.selectPart", { part: s.part_number })}
                    />
                  </td>
                )}
                <td>
                  <Link to={`/warehouse/stock?warehouse=${warehouse}&part=${s.part_number}`}>{s.part_number}</Link>
                  <div className="hint">{s.description}</div>
                  {partMessage && <FieldMessages messages={[partMessage]} />}
                </td>
                <td>{s.supplier}</td>
                <Num value={s.available} />
                <Num value={s.in_transit} />
                <Num value={s.on_order} />
                <Num value={s.backordered} />
                <Num value={s.demand} />
                <td className="num">
                  {t("replenishment.reorderValues", { point: formatNumber(s.reorder_point), qty: formatNumber(s.reorder_qty) })}
                </td>
                <Num value={s.inventory_position} />
                <Num value={s.cover} />
                <Num value={s.suggested_qty} strong />
                <td className="num">{s.last_unit_price ? formatMoney(s.last_unit_price, s.last_currency ?? currency) : "—"}</td>
                {writes && (
                  <td>
                    {choice && (
                      <RowInput
                        id={`order-qty-${s.part_number}`}
                        label={t("replenishment.orderQtyOf", { part: s.part_number })}
                        problem={action.problem}
                        field={fieldOf(s.part_number, "qty")}
                        type="number"
                        min={1}
                        required
                        value={choice.qty}
                        onChange={(e) => change(s.part_number, { qty: e.target.value })}
                      />
                    )}
                  </td>
                )}
                {writes && (
                  <td>
                    {choice && (
                      <RowInput
                        id={`unit-price-${s.part_number}`}
                        label={t("replenishment.unitPriceOf", { part: s.part_number })}
                        problem={action.problem}
                        field={fieldOf(s.part_number, "unit_price")}
                        inputMode="decimal"
                        autoComplete="off"
                        placeholder={s.last_unit_price ? undefined : t("replenishment.noPriceYet")}
                        value={choice.unitPrice}
                        onChange={(e) => change(s.part_number, { unitPrice: e.target.value })}
                      />
                    )}
                  </td>
                )}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );

  if (!writes) return table;
  return (
    <form onSubmit={(e) => void submit(e)} aria-label={t("replenishment.orderForm")}>
      {table}
      <div className="inline-form">
        <Field
          label={t("purchaseOrders.currency")}
          name="currency"
          problem={action.problem}
          value={currency}
          onChange={(e) => setCurrency(e.target.value)}
          required
          maxLength={3}
          autoComplete="off"
        />
        <Field
          label={t("purchaseOrders.expectedDate")}
          name="expected_date"
          problem={action.problem}
          type="date"
          min={today()}
          value={expectedDate}
          onChange={(e) => setExpectedDate(e.target.value)}
          required
        />
        <button type="submit" className="primary" disabled={action.busy}>
          {t("replenishment.create")}
        </button>
        <p className="hint">{t("replenishment.selected", { count: lines.length })}</p>
      </div>
      {none && <FieldMessages messages={[t("replenishment.selectFirst")]} />}
      <FormProblem problem={action.problem} shown={shown} />
      {drafted && <Drafted orders={drafted} />}
    </form>
  );
}

export function ReplenishmentPage() {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const shownWarehouse = params.get("warehouse") ?? "";
  const shownWindow = params.get("window_days") ?? DEFAULT_WINDOW;
  const [warehouse, setWarehouse] = useState(shownWarehouse);
  const [windowDays, setWindowDays] = useState(shownWindow);

  function show(event: FormEvent) {
    event.preventDefault();
    setParams({ warehouse, window_days: windowDays.trim() || DEFAULT_WINDOW });
  }

  const query = { warehouse: shownWarehouse, window_days: Number(shownWindow) };
  const [report, reload] = useLoad(async (): Promise<{ data?: Report | null; error?: unknown; response: Response }> => {
    if (!shownWarehouse) return { data: null, response: new Response(null, { status: 200 }) };
    const answer = await catalog.GET("/api/v1/replenishment", { params: { query: { ...query, format: "json" } } });
    // The JSON form was asked for: a CSV string here would be the service's mistake.
    return { error: answer.error, response: answer.response, data: typeof answer.data === "string" ? undefined : answer.data };
  }, [shownWarehouse, shownWindow]);
  const windowProblem = report.kind === "error" ? fieldMessage(report.problem, "window_days") : undefined;

  return (
    <section aria-labelledby="replenishment-title">
      <h1 id="replenishment-title">{t("replenishment.title")}</h1>
      <p className="hint">{t("replenishment.intro")}</p>
      <form className="inline-form" onSubmit={show} aria-label={t("replenishment.filter")}>
        <WarehouseSelect value={warehouse} onChange={setWarehouse} label={t("stock.warehouse")} />
        <div className="field">
          <label htmlFor="window-days">{t("replenishment.windowDays")}</label>
          <input
            id="window-days"
            type="number"
            min={1}
            max={365}
            value={windowDays}
            onChange={(e) => setWindowDays(e.target.value)}
            className="qty"
            aria-invalid={windowProblem ? true : undefined}
            aria-describedby={windowProblem ? "window-days-error" : undefined}
          />
          <FieldMessages id="window-days-error" messages={windowProblem ? [windowProblem] : []} />
        </div>
        <button type="submit" className="primary">
          {t("replenishment.show")}
        </button>
        {shownWarehouse && (
          <CsvDownload
            service="catalog"
            path="/replenishment"
            query={{ warehouse: shownWarehouse, window_days: shownWindow }}
            filename={`replenishment-${shownWarehouse}.csv`}
            label={t("replenishment.title")}
          />
        )}
      </form>
      {!shownWarehouse && <p className="state">{t("replenishment.chooseWarehouse")}</p>}
      {report.kind === "loading" && <Loading />}
      {report.kind === "error" && !windowProblem && <ErrorState problem={report.problem} onRetry={reload} />}
      {report.kind === "done" && report.data && (
        <>
          <p className="hint">{t("stock.asOf", { time: formatDateTime(report.data.as_of) })}</p>
          {report.data.items.length === 0 ? (
            <Empty message={t("replenishment.empty", { warehouse: report.data.warehouse })} />
          ) : (
            // A new selection per list read: the rows it named may be gone.
            <Suggestions
              key={`${report.data.warehouse}-${report.data.window_days}-${report.data.as_of}`}
              warehouse={report.data.warehouse}
              windowDays={report.data.window_days}
              items={report.data.items}
            />
          )}
        </>
      )}
    </section>
  );
}
