// Warehouses (admin): the list and a new warehouse (central or regional).
import { useTranslation } from "react-i18next";
import { catalog } from "../../api/client";
import type { components } from "../../api/schema/catalog";
import { CreateForm } from "../../components/CreateForm";
import { ErrorState, Loading } from "../../components/States";
import { useLoad } from "../../components/useLoad";

type Kind = components["schemas"]["WarehouseKind"];
const KINDS: Kind[] = ["central", "regional"];

export function WarehousesPage() {
  const { t } = useTranslation();
  const [list, reload] = useLoad(() => catalog.GET("/api/v1/warehouses"), []);
  return (
    <section aria-labelledby="warehouses-title">
      <h1 id="warehouses-title">{t("admin.warehouses")}</h1>
      <CreateForm
        title={t("admin.newWarehouse")}
        fields={[
          { name: "code", label: t("admin.code") },
          { name: "name", label: t("admin.name") },
          { name: "kind", label: t("admin.kind"), options: KINDS.map((k) => ({ value: k, label: t(`admin.warehouseKind.${k}`) })) },
        ]}
        submit={(v, key) =>
          catalog.POST("/api/v1/warehouses", {
            body: { code: v.code!, name: v.name!, kind: v.kind as Kind },
            params: { header: { "Idempotency-Key": key } },
          })
        }
        created={(w) => w.code}
        onCreated={reload}
      />
      {list.kind === "loading" && <Loading />}
      {list.kind === "error" && <ErrorState problem={list.problem} onRetry={reload} />}
      {list.kind === "done" && (
        <table>
          <thead>
            <tr>
              <th scope="col">{t("admin.code")}</th>
              <th scope="col">{t("admin.name")}</th>
              <th scope="col">{t("admin.kind")}</th>
              <th scope="col">{t("admin.active")}</th>
            </tr>
          </thead>
          <tbody>
            {list.data.map((w) => (
              <tr key={w.code}>
                <td>{w.code}</td>
                <td>{w.name}</td>
                <td>{t(`admin.warehouseKind.${w.kind}`, { defaultValue: w.kind })}</td>
                <td>{w.active ? t("admin.yes") : t("admin.no")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
