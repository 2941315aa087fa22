// Quality's work queues: claims whose old part is awaited (age, return deadline,
// overdue marked) and claims waiting for inspection, each paged from the service
// oldest first (the claim that has waited longest is the next to work on).
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { inspection } from "../../api/client";
import { PagedFooter } from "../../components/Paged";
import { Empty } from "../../components/States";
import { usePaged } from "../../components/usePaged";
import { formatDateTime, formatMoney, formatNumber } from "../../i18n/format";
import { ClaimBadge } from "./ClaimBadge";
import { ageInDays, isOverdue, waitingSince, type ClaimStatus } from "./claims";

/** One status's claims, a page at a time. */
export function ClaimQueue({
  status,
  title,
  empty,
  deadline = false,
  aboveLimit,
}: {
  status: ClaimStatus;
  title: string;
  empty: string;
  /** Show the return deadline and mark overdue parts. */
  deadline?: boolean;
  /** Only claims above the approval limit (the approvals queue), as the service decides it. */
  aboveLimit?: boolean;
}) {
  const { t } = useTranslation();
  const queue = usePaged(
    (cursor) =>
      inspection.GET("/api/v1/claims", {
        params: { query: { status, above_approval_limit: aboveLimit, order: "oldest", cursor, limit: 25 } },
      }),
    [status, aboveLimit],
  );
  const rows = queue.rows;
  const id = `queue-${status}`;
  return (
    <section aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {queue.state.kind === "done" && rows.length === 0 && !queue.hasMore && <Empty message={empty} />}
      {rows.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">{t("quality.claim")}</th>
              <th scope="col">{t("quality.dealer")}</th>
              <th scope="col">{t("quality.part")}</th>
              <th scope="col" className="num">{t("quality.total")}</th>
              <th scope="col">{t("quality.statusLabel")}</th>
              <th scope="col">{t("quality.waitingSince")}</th>
              <th scope="col" className="num">{t("quality.ageDays")}</th>
              {deadline && <th scope="col">{t("quality.returnDeadline")}</th>}
            </tr>
          </thead>
          <tbody>
            {rows.map((c) => (
              <tr key={c.id}>
                <td>
                  <Link to={`/quality/claims/${c.id}`}>{c.number}</Link>
                </td>
                <td>{c.dealer_code}</td>
                <td>
                  {c.causal_part_number} · {c.supplier_code}
                </td>
                <td className="num">{formatMoney(c.amounts.total, c.amounts.currency)}</td>
                <td>
                  <ClaimBadge status={c.status} />
                </td>
                <td>{formatDateTime(waitingSince(c))}</td>
                <td className="num">{formatNumber(ageInDays(waitingSince(c)))}</td>
                {deadline && (
                  <td>
                    {c.return_deadline ? formatDateTime(c.return_deadline) : "—"}{" "}
                    {isOverdue(c) && <span className="badge badge-overdue">{t("quality.overdue")}</span>}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <PagedFooter list={queue} />
    </section>
  );
}

export function QueuesPage() {
  const { t } = useTranslation();
  return (
    <section aria-labelledby="queues-title">
      <h1 id="queues-title">{t("quality.queues.title")}</h1>
      <p>{t("quality.queues.oldestFirst")}</p>
      <ClaimQueue status="awaiting_part" title={t("quality.queues.awaitingPart")} empty={t("quality.queues.awaitingPartEmpty")} deadline />
      <ClaimQueue status="part_received" title={t("quality.queues.received")} empty={t("quality.queues.receivedEmpty")} />
      <ClaimQueue status="under_inspection" title={t("quality.queues.underInspection")} empty={t("quality.queues.underInspectionEmpty")} />
      <ClaimQueue status="submitted" title={t("quality.queues.noReturn")} empty={t("quality.queues.noReturnEmpty")} />
    </section>
  );
}
