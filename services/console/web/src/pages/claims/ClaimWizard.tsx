// Dealer: the claim wizard. The dealer fills the claim, previews it (the service
// prices and checks it exactly as a submission would, storing nothing), sees the
// priced lines, the totals and every failing check beside its field, and submits.
// One Idempotency-Key per claim in hand: a double click files one claim. A claim may be
// filed under a service campaign or an approved goodwill pre-authorization (both
// optional; `?campaign=` and `?preauthorization=` choose one, as their pages link here).
import { useMemo, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useSearchParams } from "react-router";
import { inspection } from "../../api/client";
import { fieldMessage } from "../../api/problem";
import type { components } from "../../api/schema/inspection";
import { ErrorState, Loading } from "../../components/States";
import { useLoad } from "../../components/useLoad";
import { useAction } from "../../components/useAction";
import { formatDateTime, formatMoney } from "../../i18n/format";
import { FieldMessages, FieldWithMessages } from "../../components/Field";
import { ClaimLines } from "./ClaimLines";

type CreateClaim = components["schemas"]["CreateClaim"];
type Preview = components["schemas"]["ClaimPreviewView"];
type PartLine = { part_number: string; qty: string };
type LaborLine = { operation_code: string; hours: string };

// Pickers show the first page: a dealer with more units types the serial instead.
const PICK_LIMIT = 100;

function today(): string {
  return new Date().toISOString().slice(0, 10);
}

export function ClaimWizardPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [search] = useSearchParams();
  const [units] = useLoad(() => inspection.GET("/api/v1/units", { params: { query: { limit: PICK_LIMIT } } }), []);
  const [operations, reloadOperations] = useLoad(
    () => inspection.GET("/api/v1/labor-operations", { params: { query: { limit: PICK_LIMIT } } }),
    [],
  );

  // Approved pre-authorizations only: a claim may be filed under no other.
  const [approved] = useLoad(
    () => inspection.GET("/api/v1/preauthorizations", { params: { query: { status: "approved", limit: PICK_LIMIT } } }),
    [],
  );
  const [campaigns] = useLoad(() => inspection.GET("/api/v1/campaigns"), []);

  const [unit, setUnit] = useState(search.get("unit") ?? "");
  const [campaign, setCampaign] = useState(search.get("campaign") ?? "");
  const [preauthorization, setPreauthorization] = useState(search.get("preauthorization") ?? "");
  const [failureDate, setFailureDate] = useState("");
  const [repairDate, setRepairDate] = useState("");
  const [usage, setUsage] = useState("");
  const [complaint, setComplaint] = useState("");
  const [cause, setCause] = useState("");
  const [correction, setCorrection] = useState("");
  const [causal, setCausal] = useState("");
  const [parts, setParts] = useState<PartLine[]>([{ part_number: "", qty: "1" }]);
  const [labor, setLabor] = useState<LaborLine[]>([{ operation_code: "", hours: "" }]);

  const [preview, setPreview] = useState<{ body: string; result: Preview } | null>(null);
  // Two actions, so a preview never changes the submission's key (the same while
  // the claim in hand is, a retry after a lost answer files nothing twice); the form
  // shows the problem of the last one tried.
  const previewing = useAction();
  const submitting = useAction();
  const busy = previewing.busy || submitting.busy;
  const problem = submitting.problem ?? previewing.problem;

  const body: CreateClaim = useMemo(
    () => ({
      unit_serial: unit.trim(),
      failure_date: failureDate,
      repair_date: repairDate,
      usage_at_failure: Number(usage),
      complaint: complaint.trim(),
      cause: cause.trim(),
      correction: correction.trim(),
      causal_part_number: causal.trim().toUpperCase(),
      parts: parts
        .filter((p) => p.part_number.trim())
        .map((p) => ({ part_number: p.part_number.trim().toUpperCase(), qty: Number(p.qty) })),
      labor: labor.filter((l) => l.operation_code).map((l) => ({ operation_code: l.operation_code, hours: l.hours.trim() })),
      ...(campaign.trim() ? { campaign_code: campaign.trim().toUpperCase() } : {}),
      ...(preauthorization ? { preauthorization_id: preauthorization } : {}),
    }),
    [unit, failureDate, repairDate, usage, complaint, cause, correction, causal, parts, labor, campaign, preauthorization],
  );
  const shape = JSON.stringify(body);
  // A preview of other input than the form's is stale: it must be previewed again.
  const current = preview?.body === shape ? preview.result : null;

  /** The messages for `field`: the service's 422 and the current preview's checks. */
  function errors(field: string): string[] {
    const found: string[] = [];
    const m = fieldMessage(problem, field);
    if (m) found.push(m);
    if (field === "unit_serial" && problem?.status === 404) found.push(t("claims.wizard.unitNotFound"));
    for (const f of current?.failures ?? []) {
      if (f.field === field) found.push(`${t(`claims.reason.${f.code}`)}: ${f.message}`);
    }
    return found;
  }

  async function runPreview(event: FormEvent) {
    event.preventDefault();
    if (submitting.busy) return;
    submitting.clear();
    // Stores nothing: no Idempotency-Key is sent.
    const result = await previewing.run(body, () => inspection.POST("/api/v1/claims/preview", { body }));
    setPreview(result ? { body: shape, result } : null);
  }

  async function submit() {
    if (!current || previewing.busy) return;
    previewing.clear();
    const filed = await submitting.run(body, (key) =>
      inspection.POST("/api/v1/claims", { body, params: { header: { "Idempotency-Key": key } } }),
    );
    if (filed) void navigate(`/claims/${filed.id}`);
  }

  const setPart = (i: number, change: Partial<PartLine>) =>
    setParts((all) => all.map((p, j) => (j === i ? { ...p, ...change } : p)));
  const setLaborLine = (i: number, change: Partial<LaborLine>) =>
    setLabor((all) => all.map((l, j) => (j === i ? { ...l, ...change } : l)));

  const known = new Set([
    "unit_serial", "failure_date", "repair_date", "usage_at_failure", "complaint", "cause", "correction",
    "causal_part_number", "parts", "labor", "campaign_code", "preauthorization_id",
    ...parts.flatMap((_, i) => [`parts[${i}].part_number`, `parts[${i}].qty`]),
    ...labor.flatMap((_, i) => [`labor[${i}].operation_code`, `labor[${i}].hours`]),
  ]);
  const elsewhere = (problem?.errors ?? []).filter((e) => !known.has(e.field));

  return (
    <section aria-labelledby="wizard-title">
      <h1 id="wizard-title">{t("claims.wizard.title")}</h1>
      <form onSubmit={(e) => void runPreview(e)} noValidate>
        <fieldset>
          <legend>{t("claims.wizard.unitStep")}</legend>
          <div className="inline-form">
            <FieldWithMessages id="claim-unit" list="claim-units" label={t("claims.unit")} value={unit} onChange={(e) => setUnit(e.target.value)} messages={errors("unit_serial")} />
            {units.kind === "done" && (
              <datalist id="claim-units">
                {units.data.items.map((u) => (
                  <option key={u.serial} value={u.serial}>
                    {u.model}
                  </option>
                ))}
              </datalist>
            )}
            {units.kind === "done" && units.data.items.length === 0 && (
              <p className="hint">
                {t("claims.wizard.noUnits")} <Link to="/units">{t("nav.units")}</Link>
              </p>
            )}
            <FieldWithMessages id="claim-failure-date" type="date" max={today()} label={t("claims.failureDate")} value={failureDate} onChange={(e) => setFailureDate(e.target.value)} messages={errors("failure_date")} />
            <FieldWithMessages id="claim-repair-date" type="date" max={today()} label={t("claims.repairDate")} value={repairDate} onChange={(e) => setRepairDate(e.target.value)} messages={errors("repair_date")} />
            <FieldWithMessages id="claim-usage" type="number" min={0} label={t("claims.usageAtFailure")} value={usage} onChange={(e) => setUsage(e.target.value)} messages={errors("usage_at_failure")} />
          </div>
        </fieldset>
        <fieldset>
          <legend>{t("claims.wizard.underStep")}</legend>
          <div className="inline-form">
            <FieldWithMessages
              id="claim-campaign"
              list="claim-campaigns"
              label={t("claims.wizard.campaign")}
              value={campaign}
              onChange={(e) => setCampaign(e.target.value)}
              messages={errors("campaign_code")}
            />
            {campaigns.kind === "done" && (
              <datalist id="claim-campaigns">
                {campaigns.data.map((c) => (
                  <option key={c.code} value={c.code}>
                    {c.title}
                  </option>
                ))}
              </datalist>
            )}
            <div className="field">
              <label htmlFor="claim-preauthorization">
                {t("claims.wizard.preauthorization")}
                <select
                  id="claim-preauthorization"
                  value={preauthorization}
                  onChange={(e) => setPreauthorization(e.target.value)}
                  aria-invalid={errors("preauthorization_id").length > 0 ? true : undefined}
                  aria-describedby={errors("preauthorization_id").length > 0 ? "claim-preauthorization-error" : undefined}
                >
                  <option value="">{t("claims.wizard.noPreauthorization")}</option>
                  {approved.kind === "done" &&
                    approved.data.items.map((p) => (
                      <option key={p.id} value={p.id}>
                        {t("claims.wizard.preauthorizationOption", { number: p.number, unit: p.unit_serial, share: p.goodwill_pct ?? "" })}
                      </option>
                    ))}
                </select>
              </label>
              <FieldMessages id="claim-preauthorization-error" messages={errors("preauthorization_id")} />
            </div>
          </div>
        </fieldset>
        <fieldset>
          <legend>{t("claims.wizard.storyStep")}</legend>
          <div className="inline-form">
            <FieldWithMessages id="claim-complaint" label={t("claims.complaint")} value={complaint} onChange={(e) => setComplaint(e.target.value)} messages={errors("complaint")} />
            <FieldWithMessages id="claim-cause" label={t("claims.cause")} value={cause} onChange={(e) => setCause(e.target.value)} messages={errors("cause")} />
            <FieldWithMessages id="claim-correction" label={t("claims.correction")} value={correction} onChange={(e) => setCorrection(e.target.value)} messages={errors("correction")} />
            <FieldWithMessages id="claim-causal" label={t("claims.causalPart")} value={causal} onChange={(e) => setCausal(e.target.value)} messages={errors("causal_part_number")} />
          </div>
        </fieldset>
        <fieldset aria-describedby={errors("parts").length > 0 ? "claim-parts-error" : undefined}>
          <legend>{t("claims.parts")}</legend>
          <FieldMessages id="claim-parts-error" messages={errors("parts")} />
          {parts.map((p, i) => (
            <div className="inline-form" key={i}>
              <FieldWithMessages id={`claim-part-${i}`} label={t("claims.wizard.partNumber", { n: i + 1 })} value={p.part_number} onChange={(e) => setPart(i, { part_number: e.target.value })} messages={errors(`parts[${i}].part_number`)} />
              <FieldWithMessages id={`claim-part-${i}-qty`} type="number" min={1} label={t("claims.wizard.qty", { n: i + 1 })} value={p.qty} onChange={(e) => setPart(i, { qty: e.target.value })} messages={errors(`parts[${i}].qty`)} />
              <button type="button" onClick={() => setParts((all) => all.filter((_, j) => j !== i))} aria-label={t("claims.wizard.removePart", { n: i + 1 })}>
                {t("claims.wizard.remove")}
              </button>
            </div>
          ))}
          <button type="button" onClick={() => setParts((all) => [...all, { part_number: "", qty: "1" }])}>
            {t("claims.wizard.addPart")}
          </button>
        </fieldset>
        <fieldset aria-describedby={errors("labor").length > 0 ? "claim-labor-error" : undefined}>
          <legend>{t("claims.labor")}</legend>
          <FieldMessages id="claim-labor-error" messages={errors("labor")} />
          {operations.kind === "loading" && <Loading />}
          {operations.kind === "error" && <ErrorState problem={operations.problem} onRetry={reloadOperations} />}
          {labor.map((l, i) => (
            <div className="inline-form" key={i}>
              <div className="field">
                <label htmlFor={`claim-labor-${i}`}>
                  {t("claims.wizard.operation", { n: i + 1 })}
                  <select
                    id={`claim-labor-${i}`}
                    value={l.operation_code}
                    onChange={(e) => setLaborLine(i, { operation_code: e.target.value })}
                    aria-invalid={errors(`labor[${i}].operation_code`).length > 0 ? true : undefined}
                    aria-describedby={errors(`labor[${i}].operation_code`).length > 0 ? `claim-labor-${i}-error` : undefined}
                  >
                    <option value="">{t("claims.wizard.chooseOperation")}</option>
                    {operations.kind === "done" &&
                      operations.data.items.map((o) => (
                        <option key={o.code} value={o.code}>
                          {t("claims.wizard.operationOption", { code: o.code, description: o.description, hours: o.standard_hours })}
                        </option>
                      ))}
                  </select>
                </label>
                <FieldMessages id={`claim-labor-${i}-error`} messages={errors(`labor[${i}].operation_code`)} />
              </div>
              <FieldWithMessages id={`claim-labor-${i}-hours`} inputMode="decimal" label={t("claims.wizard.hours", { n: i + 1 })} value={l.hours} onChange={(e) => setLaborLine(i, { hours: e.target.value })} messages={errors(`labor[${i}].hours`)} />
              <button type="button" onClick={() => setLabor((all) => all.filter((_, j) => j !== i))} aria-label={t("claims.wizard.removeLabor", { n: i + 1 })}>
                {t("claims.wizard.remove")}
              </button>
            </div>
          ))}
          <button type="button" onClick={() => setLabor((all) => [...all, { operation_code: "", hours: "" }])}>
            {t("claims.wizard.addLabor")}
          </button>
        </fieldset>
        {problem && problem.status !== 422 && problem.status !== 404 && <ErrorState problem={problem} />}
        {problem?.status === 422 && (
          <div role="alert" className="state-error">
            <p>{t("claims.wizard.fix")}</p>
            {elsewhere.length > 0 && (
              <ul>
                {elsewhere.map((e) => (
                  <li key={e.field}>{`${e.field}: ${e.message}`}</li>
                ))}
              </ul>
            )}
          </div>
        )}
        <button type="submit" disabled={busy} aria-busy={busy}>
          {t("claims.wizard.preview")}
        </button>
      </form>

      {preview && !current && <p className="hint">{t("claims.wizard.stale")}</p>}
      {current && (
        <section aria-labelledby="preview-title" className="preview">
          <h2 id="preview-title">{t("claims.wizard.previewTitle")}</h2>
          {current.failures.length === 0 ? (
            <p className="notice" role="status">
              {t("claims.wizard.passes")}
            </p>
          ) : (
            <div role="alert" className="state-error">
              <p>{t("claims.wizard.fails", { count: current.failures.length })}</p>
              <ul>
                {current.failures.map((f) => (
                  <li key={f.code}>
                    <strong>{t(`claims.reason.${f.code}`)}</strong>: {f.message}
                  </li>
                ))}
              </ul>
            </div>
          )}
          <ClaimLines parts={current.parts} labor={current.labor} amounts={current.amounts} />
          <dl className="facts">
            <dt>{t("claims.total")}</dt>
            <dd>{formatMoney(current.amounts.total, current.amounts.currency)}</dd>
            {current.return_deadline && (
              <>
                <dt>{t("claims.returnDeadline")}</dt>
                <dd>{formatDateTime(current.return_deadline)}</dd>
              </>
            )}
          </dl>
          <button type="button" className="primary" disabled={busy} aria-busy={busy} onClick={() => void submit()}>
            {current.failures.length === 0 ? t("claims.wizard.submit") : t("claims.wizard.submitRejected")}
          </button>
        </section>
      )}
    </section>
  );
}
