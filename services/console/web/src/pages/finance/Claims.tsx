// Finance: recovery claims, a list by status and one claim: its lines and figures,
// lines added or removed while draft, submission, the supplier's answer per line and
// write-offs of what the supplier will not pay; the claim's history.
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";
import { recovery } from "../../api/client";
import type { components } from "../../api/schema/recovery";
import { FieldError, FormProblem, invalidProps } from "../../components/Field";
import { History } from "../../components/History";
import { PagedFooter } from "../../components/Paged";
import { Empty, ErrorState, Loading } from "../../components/States";
import { usePaged } from "../../components/usePaged";
import { useAction } from "../../components/useAction";
import { useLoad } from "../../components/useLoad";
import { formatDateTime, formatMoney, formatNumber } from "../../i18n/format";
import { ClaimStatus, FiguresList, LineSummary } from "./common";
import { WriteOffList } from "./WriteOffs";

type Claim = components["schemas"]["ClaimView"];
type Status = components["schemas"]["ClaimStatus"];
type Outcome = components["schemas"]["Outcome"];
type LineResponse = components["schemas"]["LineResponse"];
const STATUSES: Status[] = ["draft", "submitted", "responded", "settled"];

export function ClaimsPage() {
  const { t } = useTranslation();
  const [status, setStatus] = useState<Status | "">("");
  const claims = usePaged(
    (cursor) =>
      recovery.GET("/api/v1/recovery-claims", { params: { query: { status: status || undefined, limit: 25, cursor } } }),
    [status],
  );
  return (
    <section aria-labelledby="claims-title">
      <h1 id="claims-title">{t("finance.claims.title")}</h1>
      <div className="search">
        <label>
          {t("finance.claims.status")}{" "}
          <select value={status} onChange={(e) => setStatus(e.target.value as Status | "")}>
            <option value="">{t("finance.claims.anyStatus")}</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`finance.claimStatus.${s}`)}
              </option>
            ))}
          </select>
        </label>
      </div>
      {claims.state.kind === "done" && claims.rows.length === 0 && <Empty message={t("finance.claims.empty")} />}
      {claims.rows.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">{t("finance.claims.number")}</th>
              <th scope="col">{t("finance.supplier")}</th>
              <th scope="col">{t("finance.claims.status")}</th>
              <th scope="col" className="num">{t("finance.claims.lines")}</th>
              <th scope="col" className="num">{t("finance.line.amount")}</th>
              <th scope="col" className="num">{t("finance.figures.outstanding")}</th>
              <th scope="col">{t("finance.claims.createdAt")}</th>
            </tr>
          </thead>
          <tbody>
            {claims.rows.map((c) => (
              <tr key={c.id}>
                <td>
                  <Link to={`/finance/claims/${c.id}`}>{c.number}</Link>
                </td>
                <td>{c.supplier_code}</td>
                <td>
                  <ClaimStatus status={c.status} />
                </td>
                <td className="num">{formatNumber(c.lines.length)}</td>
                <td className="num">{formatMoney(c.amount, c.currency)}</td>
                <td className="num">{formatMoney(c.figures.outstanding, c.currency)}</td>
                <td>{formatDateTime(c.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <PagedFooter list={claims} />
    </section>
  );
}

/** Open lines of the claim's supplier and currency, to add to the draft. */
function AddLines({ claim, onChanged }: { claim: Claim; onChanged: (c: Claim) => void }) {
  const { t } = useTranslation();
  const [selected, setSelected] = useState<string[]>([]);
  const add = useAction();
  const open = usePaged(
    (cursor) =>
      recovery.GET("/api/v1/recovery-lines", {
        params: { query: { status: "open", supplier: claim.supplier_code, limit: 50, cursor } },
      }),
    [claim.supplier_code, claim.lines.length],
  );
  const candidates = open.rows.filter((l) => l.currency === claim.currency);

  async function submit() {
    const done = await add.run(selected, (key) =>
      recovery.POST("/api/v1/recovery-claims/{id}/lines", {
        params: { path: { id: claim.id }, header: { "Idempotency-Key": key } },
        body: { line_ids: selected },
      }),
    );
    if (done) {
      setSelected([]);
      onChanged(done);
    }
  }

  return (
    <section aria-labelledby="add-lines">
      <h2 id="add-lines">{t("finance.claim.addLines")}</h2>
      {open.state.kind === "done" && candidates.length === 0 && <Empty message={t("finance.claim.noOpenLines")} />}
      {candidates.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">
                <span className="visually-hidden">{t("finance.claim.pick")}</span>
              </th>
              <LineSummary.Head />
            </tr>
          </thead>
          <tbody>
            {candidates.map((l) => (
              <tr key={l.id}>
                <td>
                  <input
                    type="checkbox"
                    checked={selected.includes(l.id)}
                    onChange={(e) => setSelected((s) => (e.target.checked ? [...s, l.id] : s.filter((x) => x !== l.id)))}
                    aria-label={t("finance.worklist.select", { claim: l.claim_number })}
                  />
                </td>
                <LineSummary.Cells line={l} />
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <PagedFooter list={open} />
      {candidates.length > 0 && (
        <button type="button" disabled={selected.length === 0 || add.busy} onClick={() => void submit()}>
          {t("finance.claim.add", { count: selected.length })}
        </button>
      )}
      {add.problem && <ErrorState problem={add.problem} />}
    </section>
  );
}

type Draft = { outcome: Outcome | ""; amount: string; reason: string };

/** One answer per line still waiting for the supplier; the answered lines are sent. */
function Responses({ claim, onChanged }: { claim: Claim; onChanged: (c: Claim) => void }) {
  const { t } = useTranslation();
  const waiting = claim.lines.filter((l) => !l.response);
  const [answers, setAnswers] = useState<Record<string, Draft>>({});
  const record = useAction();
  const [sent, setSent] = useState<string[]>([]);

  const answer = (id: string): Draft => answers[id] ?? { outcome: "", amount: "", reason: "" };
  const set = (id: string, change: Partial<Draft>) => setAnswers((a) => ({ ...a, [id]: { ...answer(id), ...change } }));

  async function submit(event: FormEvent) {
    event.preventDefault();
    const chosen = waiting.filter((l) => answer(l.id).outcome);
    const responses: LineResponse[] = chosen.map((l) => {
      const a = answer(l.id);
      return {
        line_id: l.id,
        outcome: a.outcome as Outcome,
        accepted_amount: a.outcome === "partially_accepted" ? a.amount : undefined,
        reason: a.outcome === "rejected" ? a.reason : undefined,
      };
    });
    setSent(chosen.map((l) => l.id));
    const done = await record.run(responses, (key) =>
      recovery.POST("/api/v1/recovery-claims/{id}/responses", {
        params: { path: { id: claim.id }, header: { "Idempotency-Key": key } },
        body: { responses },
      }),
    );
    if (done) {
      setAnswers({});
      onChanged(done);
    }
  }

  if (waiting.length === 0) return null;
  // The service names fields by their place in the request: `responses[2].reason`.
  const field = (id: string, name: string) => `responses[${sent.indexOf(id)}].${name}`;
  const shown = sent.flatMap((id) => ["line_id", "accepted_amount", "reason"].map((n) => field(id, n)));
  const chosenCount = waiting.filter((l) => answer(l.id).outcome).length;
  return (
    <form onSubmit={(e) => void submit(e)} aria-labelledby="responses-title">
      <h2 id="responses-title">{t("finance.claim.responses")}</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">{t("finance.line.claim")}</th>
            <th scope="col" className="num">{t("finance.line.amount")}</th>
            <th scope="col">{t("finance.response.outcome")}</th>
            <th scope="col">{t("finance.response.acceptedAmount")}</th>
            <th scope="col">{t("finance.response.reason")}</th>
          </tr>
        </thead>
        <tbody>
          {waiting.map((l) => {
            const a = answer(l.id);
            const ids = { outcome: `outcome-${l.id}`, amount: `amount-${l.id}`, reason: `reason-${l.id}` };
            return (
              <tr key={l.id}>
                <td>{l.claim_number}</td>
                <td className="num">{l.amount ? formatMoney(l.amount, l.currency) : "—"}</td>
                <td>
                  <select
                    value={a.outcome}
                    onChange={(e) => set(l.id, { outcome: e.target.value as Outcome | "" })}
                    aria-label={t("finance.response.outcomeFor", { claim: l.claim_number })}
                    {...invalidProps(`${ids.outcome}-error`, record.problem, field(l.id, "line_id"))}
                  >
                    <option value="">{t("finance.response.none")}</option>
                    <option value="accepted">{t("finance.outcome.accepted")}</option>
                    <option value="partially_accepted">{t("finance.outcome.partially_accepted")}</option>
                    <option value="rejected">{t("finance.outcome.rejected")}</option>
                  </select>
                  <FieldError id={`${ids.outcome}-error`} problem={record.problem} field={field(l.id, "line_id")} />
                </td>
                <td>
                  {a.outcome === "partially_accepted" && (
                    <>
                      <input
                        inputMode="decimal"
                        value={a.amount}
                        onChange={(e) => set(l.id, { amount: e.target.value })}
                        aria-label={t("finance.response.acceptedAmountFor", { claim: l.claim_number })}
                        {...invalidProps(`${ids.amount}-error`, record.problem, field(l.id, "accepted_amount"))}
                        required
                      />
                      <FieldError id={`${ids.amount}-error`} problem={record.problem} field={field(l.id, "accepted_amount")} />
                    </>
                  )}
                </td>
                <td>
                  {a.outcome === "rejected" && (
                    <>
                      <input
                        value={a.reason}
                        onChange={(e) => set(l.id, { reason: e.target.value })}
                        aria-label={t("finance.response.reasonFor", { claim: l.claim_number })}
                        {...invalidProps(`${ids.reason}-error`, record.problem, field(l.id, "reason"))}
                        required
                      />
                      <FieldError id={`${ids.reason}-error`} problem={record.problem} field={field(l.id, "reason")} />
                    </>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <button type="submit" className="primary" disabled={chosenCount === 0 || record.busy}>
        {t("finance.claim.recordResponses", { count: chosenCount })}
      </button>
      <FormProblem problem={record.problem} shown={shown} />
    </form>
  );
}

/** Writes off what the supplier will not pay (all that is outstanding when no amount). */
function WriteOff({ claim, onDone }: { claim: Claim; onDone: () => void }) {
  const { t } = useTranslation();
  const [amount, setAmount] = useState("");
  const [reason, setReason] = useState("");
  const write = useAction();
  const [done, setDone] = useState<string | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const w = await write.run([amount, reason], (key) =>
      recovery.POST("/api/v1/write-offs", {
        params: { header: { "Idempotency-Key": key } },
        body: { recovery_claim_id: claim.id, amount: amount || undefined, reason },
      }),
    );
    if (w) {
      setDone(formatMoney(w.amount, claim.currency));
      setAmount("");
      setReason("");
      onDone();
    }
  }

  return (
    <section aria-labelledby="write-off-title">
      <h2 id="write-off-title">{t("finance.writeOff.title")}</h2>
      <form onSubmit={(e) => void submit(e)} className="inline-form" aria-labelledby="write-off-title">
        <label>
          {t("finance.writeOff.amount")}
          <input
            inputMode="decimal"
            value={amount}
            onChange={(e) => setAmount(e.target.value)}
            placeholder={claim.figures.outstanding}
            {...invalidProps("write-off-amount-error", write.problem, "amount")}
          />
        </label>
        <FieldError id="write-off-amount-error" problem={write.problem} field="amount" />
        <label>
          {t("finance.writeOff.reason")}
          <input value={reason} onChange={(e) => setReason(e.target.value)} required {...invalidProps("write-off-reason-error", write.problem, "reason")} />
        </label>
        <FieldError id="write-off-reason-error" problem={write.problem} field="reason" />
        <button type="submit" disabled={write.busy}>
          {t("finance.writeOff.submit")}
        </button>
        {done && (
          <p role="status" className="notice">
            {t("finance.writeOff.done", { amount: done })}
          </p>
        )}
        <FormProblem problem={write.problem} shown={["amount", "reason"]} />
      </form>
    </section>
  );
}

export function ClaimPage() {
  const { t } = useTranslation();
  const { id = "" } = useParams();
  const [loaded, reload] = useLoad(() => recovery.GET("/api/v1/recovery-claims/{id}", { params: { path: { id } } }), [id]);
  // The claim as the last action answered it, until the page loads it again.
  const [latest, setLatest] = useState<Claim | null>(null);
  const submit = useAction();
  const remove = useAction();

  if (loaded.kind === "loading") return <Loading />;
  if (loaded.kind === "error") {
    return (
      <section>
        <h1>{loaded.problem.status === 404 ? t("state.notFound") : t("finance.claims.title")}</h1>
        <ErrorState problem={loaded.problem} onRetry={loaded.problem.status === 404 ? undefined : reload} />
        <Link to="/finance/claims">{t("finance.claim.back")}</Link>
      </section>
    );
  }
  const claim = latest && latest.id === loaded.data.id ? latest : loaded.data;
  const refresh = () => {
    setLatest(null);
    reload();
  };

  async function submitClaim() {
    const done = await submit.run(claim.id, (key) =>
      recovery.POST("/api/v1/recovery-claims/{id}/submit", {
        params: { path: { id: claim.id }, header: { "Idempotency-Key": key } },
      }),
    );
    if (done) setLatest(done);
  }

  async function removeLine(lineId: string) {
    const done = await remove.run(lineId, () =>
      recovery.DELETE("/api/v1/recovery-claims/{id}/lines/{line_id}", {
        params: { path: { id: claim.id, line_id: lineId } },
      }),
    );
    if (done) setLatest(done);
  }

  const draft = claim.status === "draft";
  const payable = (claim.status === "submitted" || claim.status === "responded") && Number(claim.figures.outstanding) > 0;
  return (
    <section aria-labelledby="claim-title">
      <p>
        <Link to="/finance/claims">{t("finance.claim.back")}</Link>
      </p>
      <h1 id="claim-title">
        {t("finance.claim.title", { number: claim.number })} <ClaimStatus status={claim.status} />
      </h1>
      <dl className="facts">
        <dt>{t("finance.supplier")}</dt>
        <dd>{claim.supplier_code}</dd>
        <dt>{t("finance.line.amount")}</dt>
        <dd>{formatMoney(claim.amount, claim.currency)}</dd>
        <dt>{t("finance.claims.createdAt")}</dt>
        <dd>{formatDateTime(claim.created_at)}</dd>
        {claim.submitted_at && (
          <>
            <dt>{t("finance.claim.submittedAt")}</dt>
            <dd>{formatDateTime(claim.submitted_at)}</dd>
          </>
        )}
        {claim.responded_at && (
          <>
            <dt>{t("finance.claim.respondedAt")}</dt>
            <dd>{formatDateTime(claim.responded_at)}</dd>
          </>
        )}
        {claim.settled_at && (
          <>
            <dt>{t("finance.claim.settledAt")}</dt>
            <dd>{formatDateTime(claim.settled_at)}</dd>
          </>
        )}
      </dl>
      <h2>{t("finance.claim.figures")}</h2>
      {draft ? <p className="hint">{t("finance.claim.draftFigures")}</p> : <FiguresList figures={claim.figures} currency={claim.currency} />}
      <h2>{t("finance.claims.lines")}</h2>
      <table>
        <thead>
          <tr>
            <LineSummary.Head />
            <th scope="col">{t("finance.response.outcome")}</th>
            <th scope="col" className="num">{t("finance.response.acceptedAmount")}</th>
            {draft && (
              <th scope="col">
                <span className="visually-hidden">{t("finance.claim.remove")}</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {claim.lines.map((l) => (
            <tr key={l.id}>
              <LineSummary.Cells line={l} />
              <td>
                {l.response ? (
                  <>
                    {t(`finance.outcome.${l.response.outcome}`)}
                    {l.response.reason ? ` · ${l.response.reason}` : ""}
                  </>
                ) : (
                  <span className="muted">{t(`finance.lineStatus.${l.status}`)}</span>
                )}
              </td>
              <td className="num">{l.response ? formatMoney(l.response.accepted_amount, l.currency) : "—"}</td>
              {draft && (
                <td>
                  <button
                    type="button"
                    className="link"
                    disabled={remove.busy}
                    onClick={() => void removeLine(l.id)}
                    aria-label={t("finance.claim.removeLine", { claim: l.claim_number })}
                  >
                    {t("finance.claim.remove")}
                  </button>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      {remove.problem && <ErrorState problem={remove.problem} />}
      {draft && (
        <>
          <button type="button" className="primary" disabled={submit.busy || claim.lines.length === 0} onClick={() => void submitClaim()}>
            {t("finance.claim.submit")}
          </button>
          {submit.problem && <ErrorState problem={submit.problem} />}
          <AddLines claim={claim} onChanged={setLatest} />
        </>
      )}
      {(claim.status === "submitted" || claim.status === "responded") && <Responses claim={claim} onChanged={setLatest} />}
      {payable && (
        <p>
          <Link to={`/finance/credit-memos?claim=${claim.id}`}>{t("finance.claim.recordMemo")}</Link>
        </p>
      )}
      {payable && <WriteOff claim={claim} onDone={refresh} />}
      {!draft && (
        <section aria-labelledby="claim-write-offs">
          <h2 id="claim-write-offs">{t("finance.writeOffs.ofClaim")}</h2>
          <WriteOffList filter={{ recovery_claim: claim.id }} after={claim.figures} />
        </section>
      )}
      <History service="recovery" entityType="recovery_claim" entityId={claim.id} version={claim} />
    </section>
  );
}
