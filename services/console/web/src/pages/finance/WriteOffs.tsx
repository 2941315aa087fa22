// Finance: the write-offs recorded (what a supplier will not pay, given up with a
// reason), newest first, by supplier and the day written off; a claim's page lists
// its own below the form that writes off.
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { recovery } from "../../api/client";
import type { operations } from "../../api/schema/recovery";
import { PagedList } from "../../components/Paged";
import { usePaged } from "../../components/usePaged";
import { formatDateTime, formatMoney } from "../../i18n/format";
import { Filters } from "./Reports";

type Query = NonNullable<operations["list_write_offs"]["parameters"]["query"]>;

type Filter = Omit<Query, "cursor" | "limit">;

/** The write-offs `filter` selects, a page at a time; `after` changes when one is added. */
function useWriteOffs(filter: Filter, after?: unknown) {
  return usePaged(
    (cursor) => recovery.GET("/api/v1/write-offs", { params: { query: { ...filter, limit: 25, cursor } } }),
    [filter, after],
  );
}

/** The write-offs `filter` selects, as a table (a claim's, below its write-off form). */
export function WriteOffList({ filter, after }: { filter: Filter; after?: unknown }) {
  return <WriteOffTable list={useWriteOffs(filter, after)} />;
}

function WriteOffTable({ list }: { list: ReturnType<typeof useWriteOffs> }) {
  const { t } = useTranslation();
  return (
    <PagedList list={list} empty={t("finance.writeOffs.empty")}>
      <div className="scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">{t("finance.writeOffs.at")}</th>
              <th scope="col">{t("finance.writeOffs.claim")}</th>
              <th scope="col">{t("finance.supplier")}</th>
              <th scope="col" className="num">{t("finance.writeOffs.amount")}</th>
              <th scope="col">{t("finance.writeOff.reason")}</th>
            </tr>
          </thead>
          <tbody>
            {list.rows.map((w) => (
              <tr key={w.id}>
                <td>{formatDateTime(w.created_at)}</td>
                <td>
                  <Link to={`/finance/claims/${w.recovery_claim_id}`}>{w.recovery_claim_number}</Link>
                </td>
                <td>{w.supplier_code}</td>
                <td className="num">{formatMoney(w.amount, w.currency)}</td>
                <td>{w.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </PagedList>
  );
}

const LABELS = {
  form: "finance.writeOffs.filter",
  supplier: "finance.supplier",
  from: "finance.writeOffs.from",
  to: "finance.writeOffs.to",
} as const;

export function WriteOffsPage() {
  const { t } = useTranslation();
  const [filter, setFilter] = useState<Filter>({});
  const list = useWriteOffs(filter);
  // A period the service refuses is named beside its field, not as the list's error.
  const problem = list.state.kind === "error" ? list.state.problem : null;
  return (
    <section aria-labelledby="write-offs-title">
      <h1 id="write-offs-title">{t("finance.writeOffs.title")}</h1>
      <p className="hint">{t("finance.writeOffs.intro")}</p>
      <Filters onApply={setFilter} problem={problem} labels={LABELS} />
      <WriteOffTable list={list} />
    </section>
  );
}
