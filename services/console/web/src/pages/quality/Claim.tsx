// Quality's claim page: the claim's facts and lines, what inspection recorded so far,
// the next action the process allows (receipt, findings, decision, disposition) and
// the claim's history.
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";
import { inspection } from "../../api/client";
import { useMe } from "../../auth/session";
import { History } from "../../components/History";
import { Empty, ErrorState, Loading } from "../../components/States";
import { useLoad } from "../../components/useLoad";
import { formatDateTime, formatMoney, formatNumber } from "../../i18n/format";
import { DecisionForm, DispositionForm, FindingsForm, ReceiptForm } from "./Actions";
import { ClaimBadge } from "./ClaimBadge";
import { ageInDays, isOverdue, nextSteps, waitingSince, type Claim } from "./claims";

function Facts({ claim: c }: { claim: Claim }) {
  const { t } = useTranslation();
  const money = (amount: string) => formatMoney(amount, c.amounts.currency);
  return (
    <dl className="facts">
      <dt>{t("quality.dealer")}</dt>
      <dd>{c.dealer_code}</dd>
      <dt>{t("quality.unit")}</dt>
      <dd>{c.unit_serial}</dd>
      <dt>{t("quality.part")}</dt>
      <dd>
        {c.causal_part_number} · {c.supplier_code}
      </dd>
      <dt>{t("quality.failureDate")}</dt>
      <dd>{c.failure_date}</dd>
      <dt>{t("quality.repairDate")}</dt>
      <dd>{c.repair_date}</dd>
      <dt>{t("quality.usage")}</dt>
      <dd>{formatNumber(c.usage_at_failure)}</dd>
      <dt>{t("quality.complaint")}</dt>
      <dd>{c.complaint}</dd>
      <dt>{t("quality.dealerCause")}</dt>
      <dd>{c.cause}</dd>
      <dt>{t("quality.correction")}</dt>
      <dd>{c.correction}</dd>
      <dt>{t("quality.submittedAt")}</dt>
      <dd>{formatDateTime(c.submitted_at)}</dd>
      <dt>{t("quality.ageDays")}</dt>
      <dd>{formatNumber(ageInDays(waitingSince(c)))}</dd>
      <dt>{t("quality.returnDeadline")}</dt>
      <dd>
        {c.return_required && c.return_deadline ? formatDateTime(c.return_deadline) : t("quality.noReturn")}{" "}
        {isOverdue(c) && <span className="badge badge-overdue">{t("quality.overdue")}</span>}
      </dd>
      <dt>{t("quality.claimed")}</dt>
      <dd>
        {money(c.amounts.total)} ({t("quality.partsAmount")} {money(c.amounts.parts)}, {t("quality.laborAmount")}{" "}
        {money(c.amounts.labor)})
      </dd>
      {c.receipt && (
        <>
          <dt>{t("quality.received")}</dt>
          <dd>
            {formatDateTime(c.receipt.received_at)} · {c.receipt.warehouse} × {formatNumber(c.receipt.quantity)}
          </dd>
        </>
      )}
      {c.findings && (
        <>
          <dt>{t("quality.findingsLabel")}</dt>
          <dd>
            {c.findings.failure_mode} · {t(`quality.cause.${c.findings.cause_code}`)} · {c.findings.responsible_supplier}
          </dd>
        </>
      )}
      {c.decision && (
        <>
          <dt>{t("quality.decisionLabel")}</dt>
          <dd>
            {t(`quality.verdict.${c.decision.decision}`)} ·{" "}
            {money(c.decision.approved_parts_amount)} + {money(c.decision.approved_labor_amount)} ·{" "}
            {c.decision.decided_by} · {formatDateTime(c.decision.decided_at)}
          </dd>
        </>
      )}
      {c.reasons.length > 0 && (
        <>
          <dt>{t("quality.reasons")}</dt>
          <dd>{c.reasons.map((r) => t(`quality.reason.${r}`)).join(", ")}</dd>
        </>
      )}
      {c.disposition && (
        <>
          <dt>{t("quality.dispositionLabel")}</dt>
          <dd>
            {t(`quality.dispositionKind.${c.disposition.disposition}`)} · {formatDateTime(c.disposition.disposed_at)}
          </dd>
        </>
      )}
    </dl>
  );
}

function Lines({ claim: c }: { claim: Claim }) {
  const { t } = useTranslation();
  const money = (amount: string) => formatMoney(amount, c.amounts.currency);
  return (
    <>
      <h2>{t("quality.partLines")}</h2>
      {c.parts.length === 0 ? (
        <Empty message={t("quality.noPartLines")} />
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">{t("quality.line")}</th>
              <th scope="col">{t("quality.partNumber")}</th>
              <th scope="col" className="num">{t("quality.qty")}</th>
              <th scope="col" className="num">{t("quality.unitPrice")}</th>
              <th scope="col" className="num">{t("quality.amount")}</th>
            </tr>
          </thead>
          <tbody>
            {c.parts.map((l) => (
              <tr key={l.line_no}>
                <td>{l.line_no}</td>
                <td>{l.part_number}</td>
                <td className="num">{formatNumber(l.qty)}</td>
                <td className="num">{formatMoney(l.unit_price, l.currency)}</td>
                <td className="num">{formatMoney(l.amount, l.currency)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>{t("quality.laborLines")}</h2>
      {c.labor.length === 0 ? (
        <Empty message={t("quality.noLaborLines")} />
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">{t("quality.line")}</th>
              <th scope="col">{t("quality.operation")}</th>
              <th scope="col" className="num">{t("quality.claimedHours")}</th>
              <th scope="col" className="num">{t("quality.standardHours")}</th>
              <th scope="col" className="num">{t("quality.paidHours")}</th>
              <th scope="col" className="num">{t("quality.rate")}</th>
              <th scope="col" className="num">{t("quality.amount")}</th>
            </tr>
          </thead>
          <tbody>
            {c.labor.map((l) => (
              <tr key={l.line_no}>
                <td>{l.line_no}</td>
                <td>{l.operation_code}</td>
                <td className="num">{l.claimed_hours}</td>
                <td className="num">{l.standard_hours}</td>
                <td className="num">{l.paid_hours}</td>
                <td className="num">{money(l.rate)}</td>
                <td className="num">{money(l.amount)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

export function ClaimPage() {
  const { t } = useTranslation();
  const me = useMe();
  const { id = "" } = useParams();
  const [claim, reload] = useLoad(() => inspection.GET("/api/v1/claims/{id}", { params: { path: { id } } }), [id]);
  const [limit] = useLoad(() => inspection.GET("/api/v1/approval-limit"), []);
  const back = (
    <p>
      <Link to="/quality">{t("quality.queues.back")}</Link>
    </p>
  );
  if (claim.kind === "loading") return <Loading />;
  if (claim.kind === "error") {
    return (
      <section>
        {back}
        <h1>{claim.problem.status === 404 ? t("state.notFound") : t("quality.claim")}</h1>
        <ErrorState problem={claim.problem} onRetry={reload} />
      </section>
    );
  }
  const c = claim.data;
  // After an action the service answers the claim: read it again for the next step.
  const done = () => reload();
  return (
    <section aria-labelledby="claim-title">
      {back}
      <h1 id="claim-title">
        {t("quality.claim")} {c.number} <ClaimBadge status={c.status} />
      </h1>
      <Facts claim={c} />
      <Lines claim={c} />
      <h2>{t("quality.next")}</h2>
      {nextSteps(c).map((step) => {
        switch (step) {
          case "receive":
            return <ReceiptForm key={step} claim={c} onDone={done} />;
          case "findings":
            return <FindingsForm key={`${step}-${c.status}`} claim={c} onDone={done} />;
          case "decide":
            return (
              <DecisionForm
                key={step}
                claim={c}
                limit={limit.kind === "done" ? limit.data.approval_limit : null}
                lead={me.role === "quality_lead"}
                onDone={done}
              />
            );
          case "dispose":
            return <DispositionForm key={step} claim={c} onDone={done} />;
          default:
            return <Empty key={step} message={t("quality.nothingToDo")} />;
        }
      })}
      <History service="inspection" entityType="claim" entityId={c.id} version={c} />
    </section>
  );
}
