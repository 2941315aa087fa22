// The quality lead's goodwill pre-authorizations: the requests dealers sent (newest
// first, as the service lists them), each approved with the goodwill share the
// manufacturer pays or rejected with a reason for the dealer; decided ones for reference.
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { inspection } from "../../api/client";
import type { components } from "../../api/schema/inspection";
import { FieldWithMessages, FormProblem } from "../../components/Field";
import { PagedList } from "../../components/Paged";
import { useAction } from "../../components/useAction";
import { usePaged } from "../../components/usePaged";
import { fieldMessage } from "../../api/problem";
import { formatDateTime, formatMoney } from "../../i18n/format";
import { formatShare, PreauthStatusBadge, type Preauthorization } from "../claims/Preauthorizations";

type Status = components["schemas"]["PreauthStatus"];
const STATUSES: Status[] = ["requested", "approved", "rejected"];

function messages(problem: Parameters<typeof fieldMessage>[0], field: string): string[] {
  const m = fieldMessage(problem, field);
  return m ? [m] : [];
}

function ApproveForm({ p, onDecided }: { p: Preauthorization; onDecided: (p: Preauthorization) => void }) {
  const { t } = useTranslation();
  const [pct, setPct] = useState("");
  const [note, setNote] = useState("");
  const action = useAction();
  async function send(event: FormEvent) {
    event.preventDefault();
    const body = { goodwill_pct: pct.trim(), note: note.trim() || null };
    const done = await action.run({ id: p.id, ...body }, (key) =>
      inspection.POST("/api/v1/preauthorizations/{id}/approve", {
        params: { path: { id: p.id }, header: { "Idempotency-Key": key } },
        body,
      }),
    );
    if (done) onDecided(done);
  }
  return (
    <form className="inline-form" onSubmit={(e) => void send(e)} noValidate aria-label={t("quality.preauth.approveFor", { number: p.number })}>
      <FieldWithMessages
        id={`pa-${p.id}-pct`}
        label={t("quality.preauth.share")}
        inputMode="decimal"
        value={pct}
        required
        onChange={(e) => setPct(e.target.value)}
        messages={messages(action.problem, "goodwill_pct")}
      />
      <FieldWithMessages id={`pa-${p.id}-note`} label={t("quality.preauth.note")} value={note} onChange={(e) => setNote(e.target.value)} messages={messages(action.problem, "note")} />
      <button type="submit" className="primary" disabled={action.busy} aria-busy={action.busy}>
        {t("quality.preauth.approve")}
      </button>
      <FormProblem problem={action.problem} shown={["goodwill_pct", "note"]} />
    </form>
  );
}

function RejectForm({ p, onDecided }: { p: Preauthorization; onDecided: (p: Preauthorization) => void }) {
  const { t } = useTranslation();
  const [reason, setReason] = useState("");
  const action = useAction();
  async function send(event: FormEvent) {
    event.preventDefault();
    const body = { reason: reason.trim() };
    const done = await action.run({ id: p.id, ...body }, (key) =>
      inspection.POST("/api/v1/preauthorizations/{id}/reject", {
        params: { path: { id: p.id }, header: { "Idempotency-Key": key } },
        body,
      }),
    );
    if (done) onDecided(done);
  }
  return (
    <form className="inline-form" onSubmit={(e) => void send(e)} noValidate aria-label={t("quality.preauth.rejectFor", { number: p.number })}>
      <FieldWithMessages
        id={`pa-${p.id}-reason`}
        label={t("quality.preauth.reason")}
        value={reason}
        required
        onChange={(e) => setReason(e.target.value)}
        messages={messages(action.problem, "reason")}
      />
      <button type="submit" disabled={action.busy} aria-busy={action.busy}>
        {t("quality.preauth.reject")}
      </button>
      <FormProblem problem={action.problem} shown={["reason"]} />
    </form>
  );
}

function Request({ p, onDecided }: { p: Preauthorization; onDecided: (p: Preauthorization) => void }) {
  const { t } = useTranslation();
  const titleId = `pa-${p.id}-title`;
  return (
    <li>
      <section className="card-form" aria-labelledby={titleId}>
        <h2 id={titleId}>
          {p.number} · {p.dealer_code} <PreauthStatusBadge status={p.status} />
        </h2>
        <dl className="facts">
          <dt>{t("preauth.unit")}</dt>
          <dd>{p.unit_serial}</dd>
          <dt>{t("preauth.part")}</dt>
          <dd>{p.causal_part_number}</dd>
          <dt>{t("preauth.estimateTotal")}</dt>
          <dd>
            {t("quality.preauth.estimate", {
              total: formatMoney(p.estimate_total, p.currency),
              parts: formatMoney(p.estimate_parts, p.currency),
              labor: formatMoney(p.estimate_labor, p.currency),
            })}
          </dd>
          <dt>{t("preauth.requestedAt")}</dt>
          <dd>{formatDateTime(p.requested_at)}</dd>
          <dt>{t("preauth.description")}</dt>
          <dd className="prose">{p.description}</dd>
          {p.status !== "requested" && (
            <>
              {p.goodwill_pct && (
                <>
                  <dt>{t("preauth.share")}</dt>
                  <dd>{formatShare(p.goodwill_pct)}</dd>
                </>
              )}
              {p.decision_note && (
                <>
                  <dt>{t("preauth.decisionNote")}</dt>
                  <dd>{p.decision_note}</dd>
                </>
              )}
              <dt>{t("quality.preauth.decided")}</dt>
              <dd>
                {p.decided_by ?? ""} {p.decided_at ? formatDateTime(p.decided_at) : ""}
              </dd>
            </>
          )}
        </dl>
        {p.status === "requested" && (
          <>
            <ApproveForm p={p} onDecided={onDecided} />
            <RejectForm p={p} onDecided={onDecided} />
          </>
        )}
      </section>
    </li>
  );
}

export function PreauthorizationQueuePage() {
  const { t } = useTranslation();
  const [status, setStatus] = useState<Status>("requested");
  const [decided, setDecided] = useState<Preauthorization | null>(null);
  const list = usePaged(
    (cursor) => inspection.GET("/api/v1/preauthorizations", { params: { query: { status, limit: 25, cursor } } }),
    [status],
  );
  function onDecided(p: Preauthorization) {
    setDecided(p);
    list.reload();
  }
  return (
    <section aria-labelledby="pa-queue-title">
      <h1 id="pa-queue-title">{t("quality.preauth.title")}</h1>
      <p className="hint">{t("quality.preauth.intro")}</p>
      <label className="field narrow">
        <span>{t("quality.preauth.show")}</span>
        <select value={status} onChange={(e) => setStatus(e.target.value as Status)}>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {t(`preauth.status.${s}`)}
            </option>
          ))}
        </select>
      </label>
      {decided && (
        <p className="notice" role="status">
          {decided.status === "approved"
            ? t("quality.preauth.approved", { number: decided.number, share: formatShare(decided.goodwill_pct ?? "0") })
            : t("quality.preauth.rejected", { number: decided.number })}
        </p>
      )}
      <PagedList list={list} empty={t("quality.preauth.empty")}>
        <ul className="requests">
          {list.rows.map((p) => (
            <Request key={p.id} p={p} onDecided={onDecided} />
          ))}
        </ul>
      </PagedList>
    </section>
  );
}
