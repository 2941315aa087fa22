// Suppliers (admin): the list, a new supplier, and deactivating one (kept for its
// history; its parts keep it).
import { useTranslation } from "react-i18next";
import { catalog } from "../../api/client";
import type { components } from "../../api/schema/catalog";
import { CreateForm } from "../../components/CreateForm";
import { FormProblem } from "../../components/Field";
import { PagedList } from "../../components/Paged";
import { useAction } from "../../components/useAction";
import { usePaged } from "../../components/usePaged";
import { formatDateTime } from "../../i18n/format";

type Supplier = components["schemas"]["SupplierOut"];

function Deactivate({ supplier, onDone }: { supplier: Supplier; onDone: () => void }) {
  const { t } = useTranslation();
  const action = useAction();
  if (!supplier.active) return null;
  async function go() {
    const done = await action.run(supplier.code, (key) =>
      catalog.POST("/api/v1/suppliers/{code}/deactivate", {
        params: { path: { code: supplier.code }, header: { "Idempotency-Key": key, "If-Match": `"v${supplier.version}"` } },
      }),
    );
    if (done) onDone();
  }
  return (
    <>
      <button type="button" className="danger" disabled={action.busy} onClick={() => void go()} aria-label={`${t("admin.deactivate")} ${supplier.code}`}>
        {t("admin.deactivate")}
      </button>
      <FormProblem problem={action.problem} shown={[]} />
    </>
  );
}

export function SuppliersPage() {
  const { t } = useTranslation();
  const list = usePaged((cursor) => catalog.GET("/api/v1/suppliers", { params: { query: { cursor, limit: 50 } } }), []);
  return (
    <section aria-labelledby="suppliers-title">
      <h1 id="suppliers-title">{t("admin.suppliers")}</h1>
      <CreateForm
        title={t("admin.newSupplier")}
        fields={[
          { name: "code", label: t("admin.code") },
          { name: "name", label: t("admin.name") },
        ]}
        submit={(v, key) => catalog.POST("/api/v1/suppliers", { body: { code: v.code!, name: v.name! }, params: { header: { "Idempotency-Key": key } } })}
        created={(s) => s.code}
        onCreated={list.reload}
      />
      <PagedList list={list} empty={t("admin.none")}>
        <table>
          <thead>
            <tr>
              <th scope="col">{t("admin.code")}</th>
              <th scope="col">{t("admin.name")}</th>
              <th scope="col">{t("admin.active")}</th>
              <th scope="col">{t("admin.updated")}</th>
              <th scope="col">{t("admin.actions")}</th>
            </tr>
          </thead>
          <tbody>
            {list.rows.map((s) => (
              <tr key={s.code}>
                <td>{s.code}</td>
                <td>{s.name}</td>
                <td>{s.active ? t("admin.yes") : t("admin.no")}</td>
                <td>{formatDateTime(s.updated_at)}</td>
                <td>
                  <Deactivate supplier={s} onDone={list.reload} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </PagedList>
    </section>
  );
}
