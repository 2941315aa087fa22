// The three states every page shows besides its data: loading, empty, error.
import { useTranslation } from "react-i18next";
import type { Problem } from "../api/problem";

export function Loading() {
  const { t } = useTranslation();
  return (
    <p className="state" role="status" aria-live="polite">
      {t("state.loading")}
    </p>
  );
}

export function Empty({ message }: { message: string }) {
  return <p className="state state-empty">{message}</p>;
}

export function ErrorState({ problem, onRetry }: { problem: Problem; onRetry?: () => void }) {
  const { t } = useTranslation();
  const message =
    problem.status === 0
      ? t("state.offline")
      : problem.status === 403
        ? // The service says why (an approval limit, a role): more use than a generic refusal.
          (problem.detail ?? t("state.forbidden"))
        : problem.status === 404
          ? t("state.notFound")
          : (problem.detail ?? t("state.failed", { status: problem.status }));
  return (
    <div className="state state-error" role="alert">
      <p>{message}</p>
      {onRetry && (
        <button type="button" onClick={onRetry}>
          {t("state.retry")}
        </button>
      )}
    </div>
  );
}
