// Warranty policies (admin): the terms per part category (or for one part, which
// then wins over its category), and a new policy.
import { useTranslation } from "react-i18next";
import { inspection } from "../../api/client";
import { CreateForm, type Values } from "../../components/CreateForm";
import { PagedList } from "../../components/Paged";
import { usePaged } from "../../components/usePaged";
import { formatNumber } from "../../i18n/format";

function policy(v: Values) {
  return {
    category: v.category || null,
    part_number: v.part_number || null,
    terms: {
      warranty_months: Number(v.warranty_months),
      usage_limit: v.usage_limit ? Number(v.usage_limit) : null,
      core_replace_only_months: Number(v.core_replace_only_months),
      submission_window_days: Number(v.submission_window_days),
      return_required: v.return_required === "true",
      return_deadline_days: Number(v.return_deadline_days),
    },
  };
}

export function PoliciesPage() {
  const { t } = useTranslation();
  const list = usePaged((cursor) => inspection.GET("/api/v1/policies", { params: { query: { cursor, limit: 50 } } }), []);
  return (
    <section aria-labelledby="policies-title">
      <h1 id="policies-title">{t("admin.policies")}</h1>
      <CreateForm
        title={t("admin.newPolicy")}
        fields={[
          { name: "category", label: t("admin.category"), required: false },
          { name: "part_number", label: t("admin.partNumber"), required: false },
          { name: "warranty_months", label: t("admin.warrantyMonths"), type: "number", initial: "24" },
          { name: "usage_limit", label: t("admin.usageLimit"), type: "number", required: false },
          { name: "core_replace_only_months", label: t("admin.coreMonths"), type: "number", initial: "0" },
          { name: "submission_window_days", label: t("admin.submissionDays"), type: "number", initial: "30" },
          { name: "return_required", label: t("admin.returnRequired"), type: "checkbox", initial: "true" },
          { name: "return_deadline_days", label: t("admin.returnDays"), type: "number", initial: "30" },
        ]}
        submit={(v, key) => inspection.POST("/api/v1/policies", { body: policy(v), params: { header: { "Idempotency-Key": key } } })}
        created={(p) => p.category ?? p.part_number ?? ""}
        onCreated={list.reload}
      />
      <PagedList list={list} empty={t("admin.none")}>
        <table>
          <thead>
            <tr>
              <th scope="col">{t("admin.appliesTo")}</th>
              <th scope="col" className="num">{t("admin.warrantyMonths")}</th>
              <th scope="col" className="num">{t("admin.usageLimit")}</th>
              <th scope="col" className="num">{t("admin.coreMonths")}</th>
              <th scope="col" className="num">{t("admin.submissionDays")}</th>
              <th scope="col">{t("admin.returnRequired")}</th>
              <th scope="col" className="num">{t("admin.returnDays")}</th>
            </tr>
          </thead>
          <tbody>
            {list.rows.map((p) => (
              <tr key={p.id}>
                <td>{p.part_number ? `${t("admin.partNumber")} ${p.part_number}` : `${t("admin.category")} ${p.category}`}</td>
                <td className="num">{formatNumber(p.warranty_months)}</td>
                <td className="num">{p.usage_limit == null ? "—" : formatNumber(p.usage_limit)}</td>
                <td className="num">{formatNumber(p.core_replace_only_months)}</td>
                <td className="num">{formatNumber(p.submission_window_days)}</td>
                <td>{p.return_required ? t("admin.yes") : t("admin.no")}</td>
                <td className="num">{formatNumber(p.return_deadline_days)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </PagedList>
    </section>
  );
}
