// The quality lead's approvals queue: claims under inspection whose claimed total is
// above the approval limit (an inspector may not decide them), as inspection filters
// them by the decision's own rule.
import { useTranslation } from "react-i18next";
import { inspection } from "../../api/client";
import { ErrorState, Loading } from "../../components/States";
import { useLoad } from "../../components/useLoad";
import { formatNumber } from "../../i18n/format";
import { ClaimQueue } from "./Queues";

export function ApprovalsPage() {
  const { t } = useTranslation();
  const [limit, reload] = useLoad(() => inspection.GET("/api/v1/approval-limit"), []);
  return (
    <section aria-labelledby="approvals-title">
      <h1 id="approvals-title">{t("quality.approvals.title")}</h1>
      {limit.kind === "loading" && <Loading />}
      {limit.kind === "error" && <ErrorState problem={limit.problem} onRetry={reload} />}
      {limit.kind === "done" && (
        <>
          {/* The limit is in each claim's currency; the demo network's is EUR. */}
          <p>{t("quality.approvals.intro", { limit: formatNumber(Number(limit.data.approval_limit)) })}</p>
          <ClaimQueue
            status="under_inspection"
            title={t("quality.approvals.queue")}
            empty={t("quality.approvals.empty")}
            aboveLimit
          />
        </>
      )}
    </section>
  );
}

