// Quality's actions on one claim, each a form sent once per Idempotency-Key with the
// service's problem+json shown beside the field it names: part receipt, findings,
// decision (within the approval limit, else the quality lead's), disposition.
import { useState, type FormEvent, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { inspection } from "../../api/client";
import { otherMessages, type Problem } from "../../api/problem";
import type { components } from "../../api/schema/inspection";
import { FieldError, invalidProps, TextField } from "../../components/Field";
import { ErrorState } from "../../components/States";
import { useAction } from "../../components/useAction";
import { formatMoney } from "../../i18n/format";
import type { Claim } from "./claims";

type CauseCode = components["schemas"]["CauseCode"];
type ReasonCode = components["schemas"]["ReasonCode"];
type Verdict = components["schemas"]["Verdict"];
type DispositionKind = components["schemas"]["DispositionKind"];

const CAUSES: CauseCode[] = ["supplier_defect", "assembly_defect", "misuse", "no_fault_found"];
const REASONS: ReasonCode[] = [
  "no_fault_found",
  "misuse",
  "part_not_returned",
  "labor_exceeds_standard",
  "not_covered",
  "expired_warranty",
  "usage_exceeded",
  "outside_submission_window",
  "duplicate_claim",
  "replacement_required",
  "currency_mismatch",
];

/** A form's frame: its heading, fields, the submit button and the problems no field shows. */
function ActionForm({
  id,
  title,
  submit,
  busy,
  problem,
  fields,
  onSubmit,
  after,
  children,
}: {
  id: string;
  title: string;
  submit: string;
  busy: boolean;
  problem: Problem | null;
  /** The request fields shown beside an input. */
  fields: string[];
  onSubmit: () => void;
  /** What the form adds to a problem (the decision: who decides instead). */
  after?: (problem: Problem) => ReactNode;
  children: ReactNode;
}) {
  const rest = otherMessages(problem, fields);
  const named = (problem?.errors ?? []).some((e) => fields.includes(e.field));
  return (
    <form
      aria-labelledby={id}
      className="action"
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        onSubmit();
      }}
    >
      <h3 id={id}>{title}</h3>
      {children}
      <button type="submit" className="primary" disabled={busy}>
        {submit}
      </button>
      {/* The service's own words say what to do next ("record findings first", the limit). */}
      {problem && !named && rest.length === 0 && (problem.detail && problem.status !== 0 ? (
        <p className="state-error" role="alert">
          {problem.detail}
        </p>
      ) : (
        <ErrorState problem={problem} />
      ))}
      {problem && after?.(problem)}
      {rest.length > 0 && (
        <ul className="field-error" role="alert">
          {rest.map((m) => (
            <li key={m}>{m}</li>
          ))}
        </ul>
      )}
    </form>
  );
}

type Done = () => void;
type ClaimParams = { path: { id: string }; header: { "Idempotency-Key": string } };

/** A claim action sent once per key; `onDone` after the service accepted it. */
function useClaimAction(claim: Claim, onDone: Done) {
  const { busy, problem, run } = useAction();
  const send = <T,>(body: unknown, post: (params: ClaimParams) => Promise<{ data?: T; error?: unknown; response: Response }>) =>
    void run(body, (key) => post({ path: { id: claim.id }, header: { "Idempotency-Key": key } })).then(
      (done) => done !== undefined && onDone(),
    );
  return { busy, problem, send };
}

export function ReceiptForm({ claim, onDone }: { claim: Claim; onDone: Done }) {
  const { t } = useTranslation();
  const [warehouse, setWarehouse] = useState("");
  const [quantity, setQuantity] = useState("1");
  const { busy, problem, send: act } = useClaimAction(claim, onDone);
  const send = () => {
    const body = { warehouse: warehouse.trim(), quantity: Number(quantity) };
    act(body, (params) => inspection.POST("/api/v1/claims/{id}/part-receipt", { params, body }));
  };
  return (
    <ActionForm
      id="receipt-title"
      title={t("quality.receipt.title")}
      submit={t("quality.receipt.submit")}
      busy={busy}
      problem={problem}
      fields={["warehouse", "quantity"]}
      onSubmit={send}
    >
      <p className="hint">{t("quality.receipt.hint")}</p>
      {/* A scanner types the warehouse's code and presses Enter: Enter submits the form. */}
      <TextField
        id="receipt-warehouse"
        label={t("quality.receipt.warehouse")}
        field="warehouse"
        problem={problem}
        value={warehouse}
        onChange={setWarehouse}
        required
        autoComplete="off"
      />
      <TextField
        id="receipt-quantity"
        label={t("quality.receipt.quantity")}
        field="quantity"
        problem={problem}
        type="number"
        min={1}
        className="qty"
        value={quantity}
        onChange={setQuantity}
        required
      />
    </ActionForm>
  );
}

export function FindingsForm({ claim, onDone }: { claim: Claim; onDone: Done }) {
  const { t } = useTranslation();
  const [failureMode, setFailureMode] = useState(claim.findings?.failure_mode ?? "");
  const [cause, setCause] = useState<CauseCode>((claim.findings?.cause_code as CauseCode | undefined) ?? "supplier_defect");
  // The part's supplier unless inspection finds another one responsible.
  const [supplier, setSupplier] = useState(claim.findings?.responsible_supplier ?? claim.supplier_code);
  const { busy, problem, send: act } = useClaimAction(claim, onDone);
  const send = () => {
    const body = { failure_mode: failureMode, cause_code: cause, responsible_supplier: supplier.trim() || null };
    act(body, (params) => inspection.POST("/api/v1/claims/{id}/findings", { params, body }));
  };
  return (
    <ActionForm
      id="findings-title"
      title={claim.findings ? t("quality.findings.amend") : t("quality.findings.title")}
      submit={t("quality.findings.submit")}
      busy={busy}
      problem={problem}
      fields={["failure_mode", "cause_code", "responsible_supplier"]}
      onSubmit={send}
    >
      <TextField
        id="findings-mode"
        label={t("quality.findings.failureMode")}
        field="failure_mode"
        problem={problem}
        value={failureMode}
        onChange={setFailureMode}
        required
      />
      <label htmlFor="findings-cause">{t("quality.findings.cause")}</label>
      <select
        id="findings-cause"
        value={cause}
        onChange={(e) => setCause(e.target.value as CauseCode)}
        {...invalidProps("findings-cause-error", problem, "cause_code")}
      >
        {CAUSES.map((c) => (
          <option key={c} value={c}>
            {t(`quality.cause.${c}`)}
          </option>
        ))}
      </select>
      <FieldError problem={problem} field="cause_code" id="findings-cause-error" />
      <TextField
        id="findings-supplier"
        label={t("quality.findings.supplier")}
        field="responsible_supplier"
        problem={problem}
        value={supplier}
        onChange={setSupplier}
      />
    </ActionForm>
  );
}

export function DecisionForm({
  claim,
  limit,
  lead,
  onDone,
}: {
  claim: Claim;
  /** The approval limit, once known. */
  limit: string | null;
  /** The quality lead decides any amount. */
  lead: boolean;
  onDone: Done;
}) {
  const { t } = useTranslation();
  const [verdict, setVerdict] = useState<Verdict>("approved");
  const [parts, setParts] = useState(claim.amounts.parts);
  const [labor, setLabor] = useState(claim.amounts.labor);
  const [reasons, setReasons] = useState<ReasonCode[]>([]);
  const { busy, problem, send: act } = useClaimAction(claim, onDone);
  const currency = claim.amounts.currency;
  const toLead = !lead && claim.above_approval_limit;
  const send = () => {
    const body = verdict === "partially_approved"
        ? { decision: verdict, approved_parts_amount: parts, approved_labor_amount: labor }
        : verdict === "rejected"
          ? { decision: verdict, reasons }
          : { decision: verdict };
    act(body, (params) => inspection.POST("/api/v1/claims/{id}/decision", { params, body }));
  };
  return (
    <ActionForm
      id="decision-title"
      title={t("quality.decision.title")}
      submit={t("quality.decision.submit")}
      busy={busy}
      problem={problem}
      fields={["decision", "approved_parts_amount", "approved_labor_amount", "reasons"]}
      onSubmit={send}
      after={(p) => p.status === 403 && !lead && <p role="note">{t("quality.decision.refused")}</p>}
    >
      <p>
        {limit === null
          ? t("quality.decision.limitUnknown")
          : t("quality.decision.limit", { limit: formatMoney(limit, currency) })}
      </p>
      {toLead && (
        <p className="notice-warn" role="note">
          {t("quality.decision.toLead", { total: formatMoney(claim.amounts.total, currency) })}
        </p>
      )}
      <fieldset>
        <legend>{t("quality.decision.verdict")}</legend>
        {(["approved", "partially_approved", "rejected"] as const).map((v) => (
          <label key={v} className="radio">
            <input type="radio" name="verdict" value={v} checked={verdict === v} onChange={() => setVerdict(v)} />{" "}
            {t(`quality.verdict.${v}`)}
          </label>
        ))}
      </fieldset>
      <FieldError problem={problem} field="decision" id="decision-verdict-error" />
      {verdict === "partially_approved" && (
        <>
          <TextField
            id="decision-parts"
            label={t("quality.decision.parts", { claimed: formatMoney(claim.amounts.parts, currency) })}
            field="approved_parts_amount"
            problem={problem}
            inputMode="decimal"
            value={parts}
            onChange={setParts}
            required
          />
          <TextField
            id="decision-labor"
            label={t("quality.decision.labor", { claimed: formatMoney(claim.amounts.labor, currency) })}
            field="approved_labor_amount"
            problem={problem}
            inputMode="decimal"
            value={labor}
            onChange={setLabor}
            required
          />
        </>
      )}
      {verdict === "rejected" && (
        <fieldset {...invalidProps("decision-reasons-error", problem, "reasons")}>
          <legend>{t("quality.decision.reasons")}</legend>
          {REASONS.map((r) => (
            <label key={r} className="check">
              <input
                type="checkbox"
                checked={reasons.includes(r)}
                onChange={(e) => setReasons((all) => (e.target.checked ? [...all, r] : all.filter((x) => x !== r)))}
              />{" "}
              {t(`quality.reason.${r}`)}
            </label>
          ))}
          <FieldError problem={problem} field="reasons" id="decision-reasons-error" />
        </fieldset>
      )}
    </ActionForm>
  );
}

export function DispositionForm({ claim, onDone }: { claim: Claim; onDone: Done }) {
  const { t } = useTranslation();
  const [kind, setKind] = useState<DispositionKind>("return_to_supplier");
  const { busy, problem, send: act } = useClaimAction(claim, onDone);
  const send = () => {
    const body = { disposition: kind };
    act(body, (params) => inspection.POST("/api/v1/claims/{id}/disposition", { params, body }));
  };
  return (
    <ActionForm
      id="disposition-title"
      title={t("quality.disposition.title")}
      submit={t("quality.disposition.submit")}
      busy={busy}
      problem={problem}
      fields={["disposition"]}
      onSubmit={send}
    >
      <fieldset>
        <legend>{t("quality.disposition.kind")}</legend>
        {(["return_to_supplier", "scrap"] as const).map((k) => (
          <label key={k} className="radio">
            <input type="radio" name="disposition" value={k} checked={kind === k} onChange={() => setKind(k)} />{" "}
            {t(`quality.dispositionKind.${k}`)}
          </label>
        ))}
      </fieldset>
      <FieldError problem={problem} field="disposition" id="disposition-kind-error" />
    </ActionForm>
  );
}
