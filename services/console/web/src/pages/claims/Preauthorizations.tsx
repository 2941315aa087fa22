// Dealer: goodwill pre-authorizations — ask the manufacturer beforehand to cover a
// repair outside warranty (the unit, the part expected to have failed, an estimate and
// why), and the list of the dealer's requests with what the quality lead decided.
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { inspection } from "../../api/client";
import { fieldMessage, otherMessages, type Problem } from "../../api/problem";
import type { components } from "../../api/schema/inspection";
import { FieldMessages, FieldWithMessages } from "../../components/Field";
import { PagedList } from "../../components/Paged";
import { useAction } from "../../components/useAction";
import { usePaged } from "../../components/usePaged";
import i18n from "../../i18n";
import { formatDateTime, formatMoney } from "../../i18n/format";

export type Preauthorization = components["schemas"]["PreauthorizationView"];

const FIELDS = ["unit_serial", "causal_part_number", "estimate_parts", "estimate_labor", "description"];

/** The status as a badge, in the words of the catalogs (`preauth.status.*`). */
export function PreauthStatusBadge({ status }: { status: Preauthorization["status"] }) {
  const { t } = useTranslation();
  const tone = status === "approved" ? "badge-ok" : status === "rejected" ? "badge-overdue" : "badge-soon";
  return <span className={`badge ${tone}`}>{t(`preauth.status.${status}`)}</span>;
}

/** The goodwill share as the service wrote it (`60.00`), as a percentage. */
export function formatShare(pct: string): string {
  return new Intl.NumberFormat(i18n.language || "zh-CN", { style: "percent", maximumFractionDigits: 2 }).format(Number(pct) / 100);
}

function RequestForm({ onRequested }: { onRequested: (p: Preauthorization) => void }) {
  const { t } = useTranslation();
  const empty = { unit_serial: "", causal_part_number: "", estimate_parts: "", estimate_labor: "", description: "" };
  const [values, setValues] = useState(empty);
  const { busy, problem: answered, run } = useAction();
  const set = (field: keyof typeof empty) => (value: string) => setValues((v) => ({ ...v, [field]: value }));

  // An unknown unit (or another dealer's) is a 404 without a field: it is the unit's.
  const problem: Problem | null =
    answered?.status === 404
      ? { ...answered, errors: [{ field: "unit_serial", message: answered.detail ?? t("preauth.unknownUnit") }] }
      : answered;
  const errors = (field: string) => {
    const m = fieldMessage(problem, field);
    return m ? [m] : [];
  };
  const others = otherMessages(problem, FIELDS);

  async function send(event: FormEvent) {
    event.preventDefault();
    const body = {
      unit_serial: values.unit_serial.trim().toUpperCase(),
      causal_part_number: values.causal_part_number.trim().toUpperCase(),
      estimate_parts: values.estimate_parts.trim(),
      estimate_labor: values.estimate_labor.trim(),
      description: values.description.trim(),
    };
    const created = await run(body, (key) =>
      inspection.POST("/api/v1/preauthorizations", { body, params: { header: { "Idempotency-Key": key } } }),
    );
    if (created) {
      setValues(empty);
      onRequested(created);
    }
  }

  return (
    <form className="card-form" onSubmit={(e) => void send(e)} noValidate aria-labelledby="preauth-request-title">
      <h2 id="preauth-request-title">{t("preauth.request")}</h2>
      <FieldWithMessages id="preauth-unit" label={t("preauth.unit")} value={values.unit_serial} required onChange={(e) => set("unit_serial")(e.target.value)} messages={errors("unit_serial")} />
      <FieldWithMessages
        id="preauth-part"
        label={t("preauth.part")}
        value={values.causal_part_number}
        required
        onChange={(e) => set("causal_part_number")(e.target.value)}
        messages={errors("causal_part_number")}
      />
      <FieldWithMessages
        id="preauth-parts"
        label={t("preauth.estimateParts")}
        inputMode="decimal"
        value={values.estimate_parts}
        required
        onChange={(e) => set("estimate_parts")(e.target.value)}
        messages={errors("estimate_parts")}
      />
      <FieldWithMessages
        id="preauth-labor"
        label={t("preauth.estimateLabor")}
        inputMode="decimal"
        value={values.estimate_labor}
        required
        onChange={(e) => set("estimate_labor")(e.target.value)}
        messages={errors("estimate_labor")}
      />
      <div className="field">
        <label htmlFor="preauth-description">{t("preauth.description")}</label>
        <textarea
          id="preauth-description"
          rows={4}
          value={values.description}
          required
          onChange={(e) => set("description")(e.target.value)}
          aria-invalid={errors("description").length > 0 ? true : undefined}
          aria-describedby={errors("description").length > 0 ? "preauth-description-error" : "preauth-description-hint"}
        />
        <span id="preauth-description-hint" className="hint">
          {t("preauth.descriptionHint")}
        </span>
        <FieldMessages id="preauth-description-error" messages={errors("description")} />
      </div>
      <button type="submit" className="primary" disabled={busy} aria-busy={busy}>
        {t("preauth.send")}
      </button>
      {problem && (!problem.errors?.length || others.length > 0) && (
        <div role="alert" className="state state-error">
          {!problem.errors?.length && <p>{problem.detail ?? t("preauth.failed")}</p>}
          {others.map((m) => (
            <p key={m}>{m}</p>
          ))}
        </div>
      )}
    </form>
  );
}

export function PreauthorizationsPage() {
  const { t } = useTranslation();
  const [requested, setRequested] = useState<Preauthorization | null>(null);
  const list = usePaged(
    (cursor) => inspection.GET("/api/v1/preauthorizations", { params: { query: { limit: 25, cursor } } }),
    [],
  );
  function onRequested(p: Preauthorization) {
    setRequested(p);
    list.reload();
  }
  return (
    <section aria-labelledby="preauth-title">
      <h1 id="preauth-title">{t("preauth.title")}</h1>
      <p className="hint">{t("preauth.intro")}</p>
      <RequestForm onRequested={onRequested} />
      {requested && (
        <p className="notice" role="status">
          {t("preauth.requested", { number: requested.number })}
        </p>
      )}
      <h2 id="preauth-list-title">{t("preauth.mine")}</h2>
      <PagedList list={list} empty={t("preauth.empty")}>
        <div className="scroll" tabIndex={0} role="region" aria-labelledby="preauth-list-title">
          <table aria-labelledby="preauth-list-title">
            <thead>
              <tr>
                <th scope="col">{t("preauth.number")}</th>
                <th scope="col">{t("preauth.unit")}</th>
                <th scope="col">{t("preauth.part")}</th>
                <th scope="col" className="num">{t("preauth.estimateTotal")}</th>
                <th scope="col">{t("preauth.statusLabel")}</th>
                <th scope="col" className="num">{t("preauth.share")}</th>
                <th scope="col">{t("preauth.decisionNote")}</th>
                <th scope="col">{t("preauth.requestedAt")}</th>
                <th scope="col">
                  <span className="visually-hidden">{t("preauth.fileClaim")}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.rows.map((p) => (
                <tr key={p.id}>
                  <th scope="row">{p.number}</th>
                  <td>{p.unit_serial}</td>
                  <td>{p.causal_part_number}</td>
                  <td className="num">{formatMoney(p.estimate_total, p.currency)}</td>
                  <td>
                    <PreauthStatusBadge status={p.status} />
                  </td>
                  <td className="num">{p.goodwill_pct ? formatShare(p.goodwill_pct) : ""}</td>
                  <td>{p.decision_note ?? ""}</td>
                  <td>{formatDateTime(p.requested_at)}</td>
                  <td>
                    {p.status === "approved" && (
                      <Link
                        to={`/claims/new?unit=${encodeURIComponent(p.unit_serial)}&preauthorization=${p.id}`}
                        aria-label={t("preauth.fileClaimFor", { number: p.number })}
                      >
                        {t("preauth.fileClaim")}
                      </Link>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </PagedList>
    </section>
  );
}
