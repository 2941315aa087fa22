// Dealer: my claims (paginated, with status, reasons and the old part's return
// deadline) and one claim with its lines, amounts, status, reasons, deadline and history.
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";
import { inspection } from "../../api/client";
import type { components } from "../../api/schema/inspection";
import { History } from "../../components/History";
import { ErrorState, Loading } from "../../components/States";
import { useLoad } from "../../components/useLoad";
import { PagedList } from "../../components/Paged";
import { usePaged } from "../../components/usePaged";
import { formatDate, formatDateTime, formatMoney, formatNumber } from "../../i18n/format";
import { ClaimLines } from "./ClaimLines";

type Claim = components["schemas"]["ClaimView"];
type ReasonCode = components["schemas"]["ReasonCode"];

function ClaimStatusBadge({ status }: { status: Claim["status"] }) {
  const { t } = useTranslation();
  return <span className={`badge badge-claim-${status}`}>{t(`claims.status.${status}`)}</span>;
}

function Reasons({ reasons }: { reasons: ReasonCode[] }) {
  const { t } = useTranslation();
  if (reasons.length === 0) return <>—</>;
  return (
    <ul className="reasons">
      {reasons.map((r) => (
        <li key={r}>{t(`claims.reason.${r}`)}</li>
      ))}
    </ul>
  );
}

/** The return deadline, when the old part must still come back. */
function Deadline({ claim }: { claim: Claim }) {
  const { t } = useTranslation();
  if (!claim.return_deadline) return <>—</>;
  if (claim.receipt) return <>{t("claims.partReceived", { at: formatDateTime(claim.receipt.received_at) })}</>;
  return <time dateTime={claim.return_deadline}>{formatDateTime(claim.return_deadline)}</time>;
}

export function ClaimsPage() {
  const { t } = useTranslation();
  const list = usePaged(
    (cursor) => inspection.GET("/api/v1/claims", { params: { query: { limit: 25, cursor } } }),
    [],
  );

  return (
    <section aria-labelledby="claims-title">
      <h1 id="claims-title">{t("claims.title")}</h1>
      <p>
        <Link to="/claims/new">{t("nav.newClaim")}</Link>
      </p>
      <PagedList list={list} empty={t("claims.empty")}>
        <table>
          <thead>
            <tr>
              <th scope="col">{t("claims.number")}</th>
              <th scope="col">{t("claims.unit")}</th>
              <th scope="col">{t("claims.causalPart")}</th>
              <th scope="col">{t("claims.statusLabel")}</th>
              <th scope="col">{t("claims.reasons")}</th>
              <th scope="col" className="num">{t("claims.total")}</th>
              <th scope="col">{t("claims.returnDeadline")}</th>
              <th scope="col">{t("claims.submittedAt")}</th>
            </tr>
          </thead>
          <tbody>
            {list.rows.map((c) => (
              <tr key={c.id}>
                <td>
                  <Link to={`/claims/${c.id}`}>{c.number}</Link>
                </td>
                <td>{c.unit_serial}</td>
                <td>{c.causal_part_number}</td>
                <td>
                  <ClaimStatusBadge status={c.status} />
                </td>
                <td>
                  <Reasons reasons={c.reasons} />
                </td>
                <td className="num">{formatMoney(c.amounts.total, c.amounts.currency)}</td>
                <td>
                  <Deadline claim={c} />
                </td>
                <td>{formatDateTime(c.submitted_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </PagedList>
    </section>
  );
}

export function ClaimPage() {
  const { t } = useTranslation();
  const { id = "" } = useParams();
  const [claim, reload] = useLoad(() => inspection.GET("/api/v1/claims/{id}", { params: { path: { id } } }), [id]);

  if (claim.kind === "loading") return <Loading />;
  if (claim.kind === "error") {
    const missing = claim.problem.status === 404 || claim.problem.status === 400;
    return (
      <section>
        <h1>{missing ? t("state.notFound") : t("claims.title")}</h1>
        {missing ? <p>{t("claims.notFound")}</p> : <ErrorState problem={claim.problem} onRetry={reload} />}
        <Link to="/claims">{t("claims.back")}</Link>
      </section>
    );
  }
  const c = claim.data;
  return (
    <section aria-labelledby="claim-title">
      <p>
        <Link to="/claims">{t("claims.back")}</Link>
      </p>
      <h1 id="claim-title">
        {t("claims.number")} {c.number} <ClaimStatusBadge status={c.status} />
      </h1>
      <dl className="facts">
        <dt>{t("claims.unit")}</dt>
        <dd>{c.unit_serial}</dd>
        <dt>{t("claims.causalPart")}</dt>
        <dd>{c.causal_part_number}</dd>
        <dt>{t("claims.failureDate")}</dt>
        <dd>{formatDate(c.failure_date)}</dd>
        <dt>{t("claims.repairDate")}</dt>
        <dd>{formatDate(c.repair_date)}</dd>
        <dt>{t("claims.usageAtFailure")}</dt>
        <dd>{formatNumber(c.usage_at_failure)}</dd>
        <dt>{t("claims.complaint")}</dt>
        <dd>{c.complaint}</dd>
        <dt>{t("claims.cause")}</dt>
        <dd>{c.cause}</dd>
        <dt>{t("claims.correction")}</dt>
        <dd>{c.correction}</dd>
        <dt>{t("claims.reasons")}</dt>
        <dd>
          <Reasons reasons={c.reasons} />
        </dd>
        <dt>{t("claims.returnDeadline")}</dt>
        <dd>
          <Deadline claim={c} />
        </dd>
        <dt>{t("claims.submittedAt")}</dt>
        <dd>{formatDateTime(c.submitted_at)}</dd>
        {c.decision && (
          <>
            <dt>{t("claims.approvedParts")}</dt>
            <dd>{formatMoney(c.decision.approved_parts_amount, c.amounts.currency)}</dd>
            <dt>{t("claims.approvedLabor")}</dt>
            <dd>{formatMoney(c.decision.approved_labor_amount, c.amounts.currency)}</dd>
          </>
        )}
        <dt>{t("claims.total")}</dt>
        <dd>{formatMoney(c.amounts.total, c.amounts.currency)}</dd>
      </dl>
      <h2>{t("claims.lines")}</h2>
      <ClaimLines parts={c.parts} labor={c.labor} amounts={c.amounts} />
      <History service="inspection" entityType="claim" entityId={c.id} version={c} />
    </section>
  );
}
