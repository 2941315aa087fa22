// The start page's dashboard: each role sees the figures of its own work.
import { useTranslation } from "react-i18next";
import type { Role } from "../../auth/session";
import { BackorderAgingWidget, ClaimsWidgets, FillRateWidget, RecoveryWidget } from "./widgets";

const WIDGETS: Record<Role, (() => React.JSX.Element)[]> = {
  dealer: [FillRateWidget, ClaimsWidgets],
  warehouse: [FillRateWidget, BackorderAgingWidget],
  quality: [ClaimsWidgets],
  quality_lead: [ClaimsWidgets],
  finance: [RecoveryWidget],
  admin: [FillRateWidget, BackorderAgingWidget, ClaimsWidgets, RecoveryWidget],
};

export function Dashboard({ role }: { role: Role }) {
  const { t } = useTranslation();
  return (
    <section aria-labelledby="dashboard-title" className="dashboard">
      <h2 id="dashboard-title">{t("dashboard.title")}</h2>
      <div className="charts">
        {WIDGETS[role].map((Widget) => (
          <Widget key={Widget.name} />
        ))}
      </div>
    </section>
  );
}
