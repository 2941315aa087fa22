// Dealer: find parts (catalog search) and see the own net price (the price book
// answers with the dealer's tier) and availability per warehouse, then put them in the cart.
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { catalog, orders } from "../api/client";
import { toProblem, type Problem } from "../api/problem";
import type { components as Catalog } from "../api/schema/catalog";
import type { components as Orders } from "../api/schema/orders";
import { useCart } from "../cart";
import { Empty, ErrorState, Loading } from "../components/States";
import { formatMoney } from "../i18n/format";

type Part = Catalog["schemas"]["PartOut"];
type Price = Orders["schemas"]["PriceView"];
type WarehouseBand = Catalog["schemas"]["WarehouseBand"];
interface Row {
  part: Part;
  price: Price | null;
  /** `null` when availability could not be had: the search still shows prices. */
  bands: WarehouseBand[] | null;
}

type Search = { kind: "idle" } | { kind: "loading" } | { kind: "error"; problem: Problem } | { kind: "done"; rows: Row[] };

/** A part number prefix when the text looks like one, else words of the description. */
function searchQuery(text: string): { prefix?: string; q?: string } {
  const trimmed = text.trim();
  return /^[A-Za-z0-9]+-?[A-Za-z0-9-]*$/.test(trimmed) && /\d/.test(trimmed)
    ? { prefix: trimmed.toUpperCase() }
    : { q: trimmed };
}

export function PartsPage() {
  const { t } = useTranslation();
  const cart = useCart();
  const [text, setText] = useState("");
  const [search, setSearch] = useState<Search>({ kind: "idle" });
  const [qty, setQty] = useState<Record<string, number>>({});
  const [added, setAdded] = useState<string | null>(null);

  async function run(event?: FormEvent) {
    event?.preventDefault();
    if (!text.trim()) return;
    setSearch({ kind: "loading" });
    setAdded(null);
    try {
      const found = await catalog.GET("/api/v1/parts", { params: { query: { ...searchQuery(text), limit: 20 } } });
      if (!found.data) return setSearch({ kind: "error", problem: toProblem(found.error, found.response.status) });
      const numbers = found.data.items.map((part) => part.part_number);
      // One request for the whole page (at most 50 parts), beside the prices.
      const [availability, rows] = await Promise.all([
        numbers.length > 0
          ? catalog.GET("/api/v1/availability", { params: { query: { part_number: numbers } } })
          : null,
        Promise.all(
          found.data.items.map(async (part) => {
            const price = await orders.GET("/api/v1/price-book", { params: { query: { part: part.part_number } } });
            return { part, price: price.data ?? null };
          }),
        ),
      ]);
      const bands = new Map((availability?.data?.items ?? []).map((a) => [a.part_number, a.warehouses]));
      setSearch({
        kind: "done",
        rows: rows.map((row): Row => ({ ...row, bands: bands.get(row.part.part_number) ?? null })),
      });
      return;
    } catch (e) {
      setSearch({ kind: "error", problem: toProblem(e) });
    }
  }

  return (
    <section aria-labelledby="parts-title">
      <h1 id="parts-title">{t("parts.title")}</h1>
      <form role="search" onSubmit={(e) => void run(e)} className="search">
        <label htmlFor="part-query">{t("parts.query")}</label>
        <input
          id="part-query"
          value={text}
          onChange={(e) => setText(e.target.value)}
          autoFocus
          autoComplete="off"
          aria-describedby="part-hint"
        />
        <button type="submit" className="primary">
          {t("parts.search")}
        </button>
        <p id="part-hint" className="hint">
          {t("parts.hint")}
        </p>
      </form>
      {added && (
        <p role="status" className="notice">
          {t("parts.added", { part: added })} <Link to="/cart">{t("nav.cart")}</Link>
        </p>
      )}
      {search.kind === "loading" && <Loading />}
      {search.kind === "error" && <ErrorState problem={search.problem} onRetry={() => void run()} />}
      {search.kind === "done" && search.rows.length === 0 && <Empty message={t("parts.empty")} />}
      {search.kind === "done" && search.rows.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">{t("parts.partNumber")}</th>
              <th scope="col">{t("parts.description")}</th>
              <th scope="col" className="num">{t("parts.listPrice")}</th>
              <th scope="col" className="num">{t("parts.discount")}</th>
              <th scope="col" className="num">{t("parts.netPrice")}</th>
              <th scope="col">{t("parts.availability")}</th>
              <th scope="col">{t("parts.quantity")}</th>
              <th scope="col"><span className="visually-hidden">{t("parts.add")}</span></th>
            </tr>
          </thead>
          <tbody>
            {search.rows.map(({ part, price, bands }) => {
              const orderable = price !== null && price.active;
              const n = qty[part.part_number] ?? 1;
              return (
                <tr key={part.part_number}>
                  <td>{part.part_number}</td>
                  <td>
                    {part.description}
                    {price?.superseded_by && <div className="hint">{t("parts.superseded", { part: price.superseded_by })}</div>}
                    {price && !price.active && <div className="hint">{t("parts.inactive")}</div>}
                  </td>
                  <td className="num">{price ? formatMoney(price.list_price, price.currency) : t("parts.noPrice")}</td>
                  <td className="num">{price ? `${price.discount_pct} %` : ""}</td>
                  <td className="num strong">{price ? formatMoney(price.net_unit_price, price.currency) : ""}</td>
                  <td>
                    {bands === null ? (
                      <span className="hint">{t("parts.availabilityUnknown")}</span>
                    ) : bands.length === 0 ? (
                      <span className="hint">{t("parts.noWarehouse")}</span>
                    ) : (
                      <ul className="bands">
                        {bands.map((b) => (
                          <li key={b.warehouse}>
                            {b.name}: <span className={`badge band-${b.band}`}>{t(`parts.band.${b.band}`)}</span>
                          </li>
                        ))}
                      </ul>
                    )}
                  </td>
                  <td>
                    <input
                      type="number"
                      min={1}
                      max={100000}
                      value={n}
                      aria-label={t("cart.qty_label", { part: part.part_number })}
                      onChange={(e) => setQty({ ...qty, [part.part_number]: Number(e.target.value) })}
                      disabled={!orderable}
                      className="qty"
                    />
                  </td>
                  <td>
                    <button
                      type="button"
                      disabled={!orderable || !(n >= 1)}
                      onClick={() => {
                        cart.add({ part_number: part.part_number, description: part.description, qty: n });
                        setAdded(part.part_number);
                      }}
                    >
                      {t("parts.add")}
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
