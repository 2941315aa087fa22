// Dealer: my units — register one (serial, model, in-service date, usage at sale)
// and the paginated list of the dealer's registered units.
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { inspection } from "../../api/client";
import { fieldMessage, otherMessages } from "../../api/problem";
import type { components } from "../../api/schema/inspection";
import { PagedList } from "../../components/Paged";
import { usePaged } from "../../components/usePaged";
import { useAction } from "../../components/useAction";
import { formatDate, formatDateTime, formatNumber } from "../../i18n/format";
import { FieldWithMessages } from "../../components/Field";

type Unit = components["schemas"]["UnitView"];
type UsageUnit = components["schemas"]["UsageUnit"];

const FIELDS = ["serial", "model", "in_service_date", "usage_at_sale", "usage_unit"];

function RegisterUnit({ onRegistered }: { onRegistered: (u: Unit) => void }) {
  const { t } = useTranslation();
  const [serial, setSerial] = useState("");
  const [model, setModel] = useState("");
  const [inService, setInService] = useState("");
  const [usage, setUsage] = useState("0");
  const [usageUnit, setUsageUnit] = useState<UsageUnit>("km");
  const { busy, problem, run } = useAction();

  async function register(event: FormEvent) {
    event.preventDefault();
    const body = {
      serial: serial.trim(),
      model: model.trim(),
      in_service_date: inService,
      usage_at_sale: Number(usage),
      usage_unit: usageUnit,
    };
    const unit = await run(body, (key) =>
      inspection.POST("/api/v1/units", { body, params: { header: { "Idempotency-Key": key } } }),
    );
    if (unit) {
      setSerial("");
      setModel("");
      onRegistered(unit);
    }
  }

  const errors = (field: string) => {
    const m = fieldMessage(problem, field);
    return m ? [m] : [];
  };
  const others = otherMessages(problem, FIELDS);
  return (
    <form className="inline-form" onSubmit={(e) => void register(e)} noValidate aria-labelledby="register-title">
      <h2 id="register-title" className="visually-hidden">
        {t("units.register")}
      </h2>
      <FieldWithMessages id="unit-serial" label={t("units.serial")} value={serial} required onChange={(e) => setSerial(e.target.value)} messages={errors("serial")} />
      <FieldWithMessages id="unit-model" label={t("units.model")} value={model} required onChange={(e) => setModel(e.target.value)} messages={errors("model")} />
      <FieldWithMessages
        id="unit-in-service"
        type="date"
        label={t("units.inServiceDate")}
        value={inService}
        required
        onChange={(e) => setInService(e.target.value)}
        messages={errors("in_service_date")}
      />
      <FieldWithMessages
        id="unit-usage"
        type="number"
        min={0}
        label={t("units.usageAtSale")}
        value={usage}
        onChange={(e) => setUsage(e.target.value)}
        messages={errors("usage_at_sale")}
      />
      <label htmlFor="unit-usage-unit">
        {t("units.usageUnit")}
        <select id="unit-usage-unit" value={usageUnit} onChange={(e) => setUsageUnit(e.target.value as UsageUnit)}>
          <option value="km">{t("units.unit.km")}</option>
          <option value="hours">{t("units.unit.hours")}</option>
        </select>
      </label>
      <button type="submit" className="primary" disabled={busy} aria-busy={busy}>
        {t("units.register")}
      </button>
      {problem && (
        <div role="alert" className="state-error">
          <p>{problem.status === 409 ? t("units.taken") : (problem.detail ?? t("units.failed"))}</p>
          {others.length > 0 && (
            <ul>
              {others.map((m) => (
                <li key={m}>{m}</li>
              ))}
            </ul>
          )}
        </div>
      )}
    </form>
  );
}

export function UnitsPage() {
  const { t } = useTranslation();
  const [registered, setRegistered] = useState<Unit | null>(null);
  const list = usePaged(
    (cursor) => inspection.GET("/api/v1/units", { params: { query: { limit: 25, cursor } } }),
    [],
  );

  function onRegistered(unit: Unit) {
    setRegistered(unit);
    list.reload();
  }

  return (
    <section aria-labelledby="units-title">
      <h1 id="units-title">{t("units.title")}</h1>
      <RegisterUnit onRegistered={onRegistered} />
      {registered && (
        <p className="notice" role="status">
          {t("units.registered", { serial: registered.serial })}{" "}
          <Link to={`/claims/new?unit=${encodeURIComponent(registered.serial)}`}>{t("units.fileClaim")}</Link>
        </p>
      )}
      <PagedList list={list} empty={t("units.empty")}>
        <table>
          <thead>
            <tr>
              <th scope="col">{t("units.serial")}</th>
              <th scope="col">{t("units.model")}</th>
              <th scope="col">{t("units.inServiceDate")}</th>
              <th scope="col" className="num">{t("units.usageAtSale")}</th>
              <th scope="col">{t("units.registeredAt")}</th>
              <th scope="col"><span className="visually-hidden">{t("units.fileClaim")}</span></th>
            </tr>
          </thead>
          <tbody>
            {list.rows.map((u) => (
              <tr key={u.serial}>
                <td>{u.serial}</td>
                <td>{u.model}</td>
                <td>{formatDate(u.in_service_date)}</td>
                <td className="num">
                  {formatNumber(u.usage_at_sale)} {t(`units.unit.${u.usage_unit}`)}
                </td>
                <td>{formatDateTime(u.registered_at)}</td>
                <td>
                  <Link to={`/claims/new?unit=${encodeURIComponent(u.serial)}`} aria-label={t("units.fileClaimFor", { serial: u.serial })}>
                    {t("units.fileClaim")}
                  </Link>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </PagedList>
    </section>
  );
}
