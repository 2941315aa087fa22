// Service campaigns (recalls): the list with each campaign's completion, a new one
// (admins), and one campaign's page — its scope and fix, completion per dealer and the
// units it affects with their campaign claim once filed. A dealer sees only its own
// units and completion (the service narrows both); quality, the lead and admins every
// dealer's. Each area opens the pages under its own path (`campaignsPath`).
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";
import { inspection } from "../../api/client";
import type { components } from "../../api/schema/inspection";
import { useMe, type Role } from "../../auth/session";
import { CreateForm, type Values } from "../../components/CreateForm";
import { Empty, ErrorState, Loading } from "../../components/States";
import { useLoad } from "../../components/useLoad";
import { formatDate, formatNumber, formatPercent } from "../../i18n/format";

type Campaign = components["schemas"]["CampaignView"];
type CompletionRow = components["schemas"]["CompletionRow"];

/** Where a role's area shows the campaigns. */
export function campaignsPath(role: Role): string {
  if (role === "dealer") return "/campaigns";
  if (role === "admin") return "/admin/campaigns";
  return "/quality/campaigns";
}

function Completion({ row }: { row: CompletionRow }) {
  const { t } = useTranslation();
  return (
    <>
      {t("campaigns.completedOf", { completed: formatNumber(row.completed), affected: formatNumber(row.affected) })}
      {row.completion_rate != null && ` · ${formatPercent(row.completion_rate)}`}
    </>
  );
}

/** A campaign's overall completion, loaded for its row of the list. */
function CompletionCell({ code }: { code: string }) {
  const { t } = useTranslation();
  const [report] = useLoad(() => inspection.GET("/api/v1/campaigns/{code}/completion", { params: { path: { code } } }), [code]);
  if (report.kind === "loading") return <span className="hint">{t("state.loading")}</span>;
  if (report.kind === "error") return <span className="field-error">{report.problem.detail ?? t("state.failed", { status: report.problem.status })}</span>;
  return <Completion row={report.data.overall} />;
}

function CreateCampaign({ onCreated }: { onCreated: () => void }) {
  const { t } = useTranslation();
  const optional = (v?: string) => (v && v.trim() ? v.trim() : null);
  function body(v: Values): components["schemas"]["CreateCampaign"] {
    const labor = optional(v["labor[0].operation_code"]);
    return {
      code: (v.code ?? "").trim().toUpperCase(),
      title: (v.title ?? "").trim(),
      models: (v.models ?? "")
        .split(",")
        .map((m) => m.trim())
        .filter(Boolean),
      serial_from: optional(v.serial_from),
      serial_to: optional(v.serial_to),
      in_service_from: optional(v.in_service_from),
      in_service_to: optional(v.in_service_to),
      valid_from: v.valid_from ?? "",
      valid_to: v.valid_to ?? "",
      parts: [{ part_number: (v["parts[0].part_number"] ?? "").trim().toUpperCase(), qty: Number(v["parts[0].qty"]) }],
      labor: labor ? [{ operation_code: labor.toUpperCase(), hours: (v["labor[0].hours"] ?? "").trim() }] : [],
    };
  }
  return (
    <CreateForm
      title={t("campaigns.new")}
      fields={[
        { name: "code", label: t("campaigns.code"), hint: "RC-2026-04" },
        { name: "title", label: t("campaigns.titleLabel") },
        { name: "models", label: t("campaigns.models"), hint: t("campaigns.modelsHint") },
        { name: "valid_from", label: t("campaigns.validFrom"), type: "date" },
        { name: "valid_to", label: t("campaigns.validTo"), type: "date" },
        { name: "serial_from", label: t("campaigns.serialFrom"), required: false },
        { name: "serial_to", label: t("campaigns.serialTo"), required: false },
        { name: "in_service_from", label: t("campaigns.inServiceFrom"), type: "date", required: false },
        { name: "in_service_to", label: t("campaigns.inServiceTo"), type: "date", required: false },
        { name: "parts[0].part_number", label: t("campaigns.fixPart") },
        { name: "parts[0].qty", label: t("campaigns.fixQty"), type: "number", initial: "1" },
        { name: "labor[0].operation_code", label: t("campaigns.fixOperation"), required: false },
        { name: "labor[0].hours", label: t("campaigns.fixHours"), required: false },
      ]}
      submit={(v, key) => inspection.POST("/api/v1/campaigns", { body: body(v), params: { header: { "Idempotency-Key": key } } })}
      created={(c) => c.code}
      onCreated={onCreated}
    />
  );
}

export function CampaignsPage() {
  const { t } = useTranslation();
  const me = useMe();
  const base = campaignsPath(me.role);
  const [list, reload] = useLoad(() => inspection.GET("/api/v1/campaigns"), []);
  return (
    <section aria-labelledby="campaigns-title">
      <h1 id="campaigns-title">{t("campaigns.title")}</h1>
      <p className="hint">{me.role === "dealer" ? t("campaigns.introDealer") : t("campaigns.intro")}</p>
      {me.role === "admin" && <CreateCampaign onCreated={reload} />}
      {list.kind === "loading" && <Loading />}
      {list.kind === "error" && <ErrorState problem={list.problem} onRetry={reload} />}
      {list.kind === "done" && list.data.length === 0 && <Empty message={t("campaigns.empty")} />}
      {list.kind === "done" && list.data.length > 0 && (
        <table aria-labelledby="campaigns-title">
          <thead>
            <tr>
              <th scope="col">{t("campaigns.code")}</th>
              <th scope="col">{t("campaigns.titleLabel")}</th>
              <th scope="col">{t("campaigns.models")}</th>
              <th scope="col">{t("campaigns.valid")}</th>
              <th scope="col">{me.role === "dealer" ? t("campaigns.ownCompletion") : t("campaigns.completion")}</th>
            </tr>
          </thead>
          <tbody>
            {list.data.map((c) => (
              <tr key={c.code}>
                <th scope="row">
                  <Link to={`${base}/${encodeURIComponent(c.code)}`}>{c.code}</Link>
                </th>
                <td>{c.title}</td>
                <td>{c.models.join(", ")}</td>
                <td className="nowrap">
                  {formatDate(c.valid_from)} – {formatDate(c.valid_to)}
                </td>
                <td>
                  <CompletionCell code={c.code} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Facts({ campaign }: { campaign: Campaign }) {
  const { t } = useTranslation();
  return (
    <dl className="facts">
      <dt>{t("campaigns.models")}</dt>
      <dd>{campaign.models.join(", ")}</dd>
      {campaign.serial_from && (
        <>
          <dt>{t("campaigns.serials")}</dt>
          <dd>
            {campaign.serial_from} – {campaign.serial_to}
          </dd>
        </>
      )}
      {campaign.in_service_from && campaign.in_service_to && (
        <>
          <dt>{t("campaigns.inService")}</dt>
          <dd>
            {formatDate(campaign.in_service_from)} – {formatDate(campaign.in_service_to)}
          </dd>
        </>
      )}
      <dt>{t("campaigns.valid")}</dt>
      <dd>
        {formatDate(campaign.valid_from)} – {formatDate(campaign.valid_to)}
      </dd>
      <dt>{t("campaigns.fix")}</dt>
      <dd>
        <ul className="bands">
          {campaign.parts.map((p) => (
            <li key={p.part_number}>{t("campaigns.fixPartLine", { part: p.part_number, qty: formatNumber(p.qty) })}</li>
          ))}
          {campaign.labor.map((l) => (
            <li key={l.operation_code}>{t("campaigns.fixLaborLine", { operation: l.operation_code, hours: formatNumber(Number(l.hours)) })}</li>
          ))}
        </ul>
      </dd>
    </dl>
  );
}

function CompletionTable({ code }: { code: string }) {
  const { t } = useTranslation();
  const [report, reload] = useLoad(() => inspection.GET("/api/v1/campaigns/{code}/completion", { params: { path: { code } } }), [code]);
  return (
    <section aria-labelledby="campaign-completion-title">
      <h2 id="campaign-completion-title">{t("campaigns.completion")}</h2>
      {report.kind === "loading" && <Loading />}
      {report.kind === "error" && <ErrorState problem={report.problem} onRetry={reload} />}
      {report.kind === "done" && (
        <table aria-labelledby="campaign-completion-title">
          <thead>
            <tr>
              <th scope="col">{t("campaigns.dealer")}</th>
              <th scope="col" className="num">{t("campaigns.affected")}</th>
              <th scope="col" className="num">{t("campaigns.completed")}</th>
              <th scope="col" className="num">{t("campaigns.rate")}</th>
            </tr>
          </thead>
          <tbody>
            {[...report.data.dealers, report.data.overall].map((r) => (
              <tr key={r.dealer_code ?? ""} className={r.dealer_code ? undefined : "total"}>
                <th scope="row">{r.dealer_code ?? t("campaigns.overall")}</th>
                <td className="num">{formatNumber(r.affected)}</td>
                <td className="num">{formatNumber(r.completed)}</td>
                <td className="num">{r.completion_rate != null ? formatPercent(r.completion_rate) : "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function UnitsTable({ code }: { code: string }) {
  const { t } = useTranslation();
  const me = useMe();
  const [units, reload] = useLoad(() => inspection.GET("/api/v1/campaigns/{code}/units", { params: { path: { code } } }), [code]);
  return (
    <section aria-labelledby="campaign-units-title">
      <h2 id="campaign-units-title">{t("campaigns.units")}</h2>
      {units.kind === "loading" && <Loading />}
      {units.kind === "error" && <ErrorState problem={units.problem} onRetry={reload} />}
      {units.kind === "done" && units.data.length === 0 && <Empty message={t("campaigns.noUnits")} />}
      {units.kind === "done" && units.data.length > 0 && (
        <table aria-labelledby="campaign-units-title">
          <thead>
            <tr>
              <th scope="col">{t("campaigns.serial")}</th>
              <th scope="col">{t("campaigns.dealer")}</th>
              <th scope="col">{t("campaigns.model")}</th>
              <th scope="col">{t("campaigns.inServiceDate")}</th>
              <th scope="col">{t("campaigns.claim")}</th>
            </tr>
          </thead>
          <tbody>
            {units.data.map((u) => (
              <tr key={u.serial}>
                <th scope="row">{u.serial}</th>
                <td>{u.dealer_code}</td>
                <td>{u.model}</td>
                <td>{formatDate(u.in_service_date)}</td>
                <td>
                  {u.claim_number ?? (
                    <>
                      <span className="hint">{t("campaigns.notFiled")}</span>
                      {/* The dealer files the campaign claim from here. */}
                      {me.role === "dealer" && (
                        <>
                          {" "}
                          <Link
                            to={`/claims/new?unit=${encodeURIComponent(u.serial)}&campaign=${encodeURIComponent(code)}`}
                            aria-label={t("campaigns.fileClaimFor", { serial: u.serial })}
                          >
                            {t("campaigns.fileClaim")}
                          </Link>
                        </>
                      )}
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function CampaignPage() {
  const { t } = useTranslation();
  const me = useMe();
  const { code = "" } = useParams();
  const [campaign, reload] = useLoad(() => inspection.GET("/api/v1/campaigns/{code}", { params: { path: { code } } }), [code]);
  return (
    <section aria-labelledby="campaign-title">
      <p>
        <Link to={campaignsPath(me.role)}>{t("campaigns.all")}</Link>
      </p>
      {campaign.kind === "loading" && <Loading />}
      {campaign.kind === "error" && (
        <>
          <h1 id="campaign-title">{code}</h1>
          <ErrorState problem={campaign.problem} onRetry={reload} />
        </>
      )}
      {campaign.kind === "done" && (
        <>
          <h1 id="campaign-title">
            {campaign.data.code} · {campaign.data.title}
          </h1>
          <Facts campaign={campaign.data} />
          <CompletionTable code={code} />
          <UnitsTable code={code} />
        </>
      )}
    </section>
  );
}
