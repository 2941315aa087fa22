// Finance: the recovery worklist, open lines per supplier and currency with the days
// left in the agreement's claim window (its last day as the service answers it;
// soonest first, overdue marked); the lines selected in one group become a draft
// recovery claim.
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";
import { recovery } from "../../api/client";
import { Empty, ErrorState, Loading } from "../../components/States";
import { usePaged } from "../../components/usePaged";
import { useAction } from "../../components/useAction";
import { formatDate, formatMoney } from "../../i18n/format";
import { groupWorklist, type SupplierGroup } from "./worklist";
import { DaysLeft, LineSummary } from "./common";

function Group({ group }: { group: SupplierGroup }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const draft = useAction();
  const headingId = `group-${group.key.replace(/\W/g, "-")}`;

  function toggle(id: string) {
    setSelected((s) => {
      const next = new Set(s);
      if (!next.delete(id)) next.add(id);
      return next;
    });
  }

  async function createDraft() {
    const claim = await draft.run([...selected], (key) =>
      recovery.POST("/api/v1/recovery-claims", {
        body: { line_ids: [...selected] },
        params: { header: { "Idempotency-Key": key } },
      }),
    );
    if (claim) navigate(`/finance/claims/${claim.id}`);
  }

  const all = group.lines.every((l) => selected.has(l.id));
  return (
    <section aria-labelledby={headingId} className="group">
      <h2 id={headingId}>
        {group.supplier} · {group.currency} · {formatMoney(group.total, group.currency)}
        {" · "}
        <DaysLeft days={group.soonest} />
      </h2>
      <table>
        <thead>
          <tr>
            <th scope="col">
              <input
                type="checkbox"
                checked={all}
                onChange={() => setSelected(all ? new Set() : new Set(group.lines.map((l) => l.id)))}
                aria-label={t("finance.worklist.selectAll", { supplier: group.supplier, currency: group.currency })}
              />
            </th>
            <LineSummary.Head />
            <th scope="col">{t("finance.line.window")}</th>
          </tr>
        </thead>
        <tbody>
          {group.lines.map((l) => (
            <tr key={l.id} className={l.daysLeft !== null && l.daysLeft < 0 ? "overdue" : undefined}>
              <td>
                <input
                  type="checkbox"
                  checked={selected.has(l.id)}
                  onChange={() => toggle(l.id)}
                  aria-label={t("finance.worklist.select", { claim: l.claim_number })}
                />
              </td>
              <LineSummary.Cells line={l} />
              <td>
                <DaysLeft days={l.daysLeft} lastDay={l.lastDay} />
                {l.lastDay && <span className="muted"> · {formatDate(l.lastDay)}</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <button type="button" className="primary" disabled={selected.size === 0 || draft.busy} onClick={() => void createDraft()}>
        {t("finance.worklist.draft", { count: selected.size })}
      </button>
      {draft.problem && <ErrorState problem={draft.problem} />}
    </section>
  );
}

export function WorklistPage() {
  const { t } = useTranslation();
  const lines = usePaged(
    (cursor) => recovery.GET("/api/v1/recovery-lines", { params: { query: { status: "open", limit: 200, cursor } } }),
    [],
  );
  const groups = useMemo(() => groupWorklist(lines.rows), [lines.rows]);
  const loading = lines.state.kind === "loading";

  return (
    <section aria-labelledby="worklist-title">
      <h1 id="worklist-title">{t("finance.worklist.title")}</h1>
      <p className="hint">{t("finance.worklist.intro")}</p>
      {lines.state.kind === "error" && <ErrorState problem={lines.state.problem} onRetry={lines.reload} />}
      {!loading && lines.state.kind === "done" && groups.length === 0 && <Empty message={t("finance.worklist.empty")} />}
      {groups.map((g) => (
        <Group key={g.key} group={g} />
      ))}
      {loading && <Loading />}
      {lines.hasMore && (
        <button type="button" onClick={lines.more}>
          {t("list.more")}
        </button>
      )}
    </section>
  );
}
