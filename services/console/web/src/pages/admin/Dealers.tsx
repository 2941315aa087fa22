// Dealers (admin): the list with tier, discount and labor rate, and a new dealer.
import { useTranslation } from "react-i18next";
import { orders } from "../../api/client";
import type { components } from "../../api/schema/orders";
import { CreateForm } from "../../components/CreateForm";
import { PagedList } from "../../components/Paged";
import { usePaged } from "../../components/usePaged";
import { formatMoney } from "../../i18n/format";

type Tier = components["schemas"]["Tier"];
const TIERS: Tier[] = ["standard", "silver", "gold", "platinum"];

export function DealersPage() {
  const { t } = useTranslation();
  const list = usePaged((cursor) => orders.GET("/api/v1/dealers", { params: { query: { cursor, limit: 50 } } }), []);
  return (
    <section aria-labelledby="dealers-title">
      <h1 id="dealers-title">{t("admin.dealers")}</h1>
      <CreateForm
        title={t("admin.newDealer")}
        fields={[
          { name: "code", label: t("admin.code"), hint: "D004" },
          { name: "name", label: t("admin.name") },
          { name: "tier", label: t("admin.tier"), options: TIERS.map((x) => ({ value: x, label: t(`admin.tiers.${x}`) })) },
          { name: "labor_rate", label: t("admin.laborRate"), hint: "85.00" },
          { name: "currency", label: t("admin.currency"), initial: "EUR" },
          { name: "home_warehouse", label: t("admin.homeWarehouse"), hint: "WH1" },
        ]}
        submit={(v, key) =>
          orders.POST("/api/v1/dealers", {
            body: {
              code: v.code!,
              name: v.name!,
              tier: v.tier as Tier,
              labor_rate: v.labor_rate!,
              currency: v.currency!,
              home_warehouse: v.home_warehouse!,
            },
            params: { header: { "Idempotency-Key": key } },
          })
        }
        created={(d) => d.code}
        onCreated={list.reload}
      />
      <PagedList list={list} empty={t("admin.none")}>
        <table>
          <thead>
            <tr>
              <th scope="col">{t("admin.code")}</th>
              <th scope="col">{t("admin.name")}</th>
              <th scope="col">{t("admin.tier")}</th>
              <th scope="col" className="num">{t("admin.discount")}</th>
              <th scope="col" className="num">{t("admin.laborRate")}</th>
              <th scope="col">{t("admin.homeWarehouse")}</th>
              <th scope="col">{t("admin.active")}</th>
            </tr>
          </thead>
          <tbody>
            {list.rows.map((d) => (
              <tr key={d.code}>
                <td>{d.code}</td>
                <td>{d.name}</td>
                <td>{t(`admin.tiers.${d.tier}`)}</td>
                <td className="num">{d.discount_pct} %</td>
                <td className="num">{formatMoney(d.labor_rate, d.currency)}</td>
                <td>{d.home_warehouse}</td>
                <td>{d.active ? t("admin.yes") : t("admin.no")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </PagedList>
    </section>
  );
}
