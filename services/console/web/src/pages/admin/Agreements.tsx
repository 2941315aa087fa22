// Supplier recovery agreements (admin, finance): what share of an approved claim's
// parts and labor a supplier pays back, its handling fee and claim window, from a
// start date; agreements of one supplier never overlap.
import { useTranslation } from "react-i18next";
import { recovery } from "../../api/client";
import { CreateForm } from "../../components/CreateForm";
import { PagedList } from "../../components/Paged";
import { usePaged } from "../../components/usePaged";
import { formatMoney, formatNumber } from "../../i18n/format";

export function AgreementsPage() {
  const { t } = useTranslation();
  const list = usePaged((cursor) => recovery.GET("/api/v1/agreements", { params: { query: { cursor, limit: 50 } } }), []);
  return (
    <section aria-labelledby="agreements-title">
      <h1 id="agreements-title">{t("admin.agreements")}</h1>
      <CreateForm
        title={t("admin.newAgreement")}
        fields={[
          { name: "supplier_code", label: t("admin.supplier") },
          { name: "valid_from", label: t("admin.validFrom"), type: "date" },
          { name: "valid_to", label: t("admin.validTo"), type: "date", required: false },
          { name: "parts_recovery_pct", label: t("admin.partsPct"), hint: "80" },
          { name: "labor_recovery_pct", label: t("admin.laborPct"), hint: "50" },
          { name: "handling_fee", label: t("admin.handlingFee"), hint: "25.00" },
          { name: "currency", label: t("admin.currency"), initial: "EUR" },
          { name: "claim_window_days", label: t("admin.claimWindow"), type: "number", initial: "365" },
        ]}
        submit={(v, key) =>
          recovery.POST("/api/v1/agreements", {
            body: {
              supplier_code: v.supplier_code!,
              valid_from: v.valid_from!,
              valid_to: v.valid_to || null,
              parts_recovery_pct: v.parts_recovery_pct!,
              labor_recovery_pct: v.labor_recovery_pct!,
              handling_fee: v.handling_fee!,
              currency: v.currency!,
              claim_window_days: Number(v.claim_window_days),
            },
            params: { header: { "Idempotency-Key": key } },
          })
        }
        created={(a) => a.supplier_code}
        onCreated={list.reload}
      />
      <PagedList list={list} empty={t("admin.none")}>
        <table>
          <thead>
            <tr>
              <th scope="col">{t("admin.supplier")}</th>
              <th scope="col">{t("admin.validFrom")}</th>
              <th scope="col">{t("admin.validTo")}</th>
              <th scope="col" className="num">{t("admin.partsPct")}</th>
              <th scope="col" className="num">{t("admin.laborPct")}</th>
              <th scope="col" className="num">{t("admin.handlingFee")}</th>
              <th scope="col" className="num">{t("admin.claimWindow")}</th>
            </tr>
          </thead>
          <tbody>
            {list.rows.map((a) => (
              <tr key={a.id}>
                <td>{a.supplier_code}</td>
                <td>{a.valid_from}</td>
                <td>{a.valid_to ?? "—"}</td>
                <td className="num">{a.parts_recovery_pct} %</td>
                <td className="num">{a.labor_recovery_pct} %</td>
                <td className="num">{formatMoney(a.handling_fee, a.currency)}</td>
                <td className="num">{formatNumber(a.claim_window_days)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </PagedList>
    </section>
  );
}
