// Labor operations (admin): the flat-rate hours a claim's labor is paid at, and a
// new operation.
import { useTranslation } from "react-i18next";
import { inspection } from "../../api/client";
import { CreateForm } from "../../components/CreateForm";
import { PagedList } from "../../components/Paged";
import { usePaged } from "../../components/usePaged";

export function LaborOperationsPage() {
  const { t } = useTranslation();
  const list = usePaged((cursor) => inspection.GET("/api/v1/labor-operations", { params: { query: { cursor, limit: 50 } } }), []);
  return (
    <section aria-labelledby="labor-title">
      <h1 id="labor-title">{t("admin.laborOperations")}</h1>
      <CreateForm
        title={t("admin.newOperation")}
        fields={[
          { name: "code", label: t("admin.code") },
          { name: "description", label: t("admin.description") },
          { name: "standard_hours", label: t("admin.standardHours"), hint: "1.50" },
        ]}
        submit={(v, key) =>
          inspection.POST("/api/v1/labor-operations", {
            body: { code: v.code!, description: v.description!, standard_hours: v.standard_hours! },
            params: { header: { "Idempotency-Key": key } },
          })
        }
        created={(o) => o.code}
        onCreated={list.reload}
      />
      <PagedList list={list} empty={t("admin.none")}>
        <table>
          <thead>
            <tr>
              <th scope="col">{t("admin.code")}</th>
              <th scope="col">{t("admin.description")}</th>
              <th scope="col" className="num">{t("admin.standardHours")}</th>
            </tr>
          </thead>
          <tbody>
            {list.rows.map((o) => (
              <tr key={o.code}>
                <td>{o.code}</td>
                <td>{o.description}</td>
                <td className="num">{o.standard_hours}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </PagedList>
    </section>
  );
}
