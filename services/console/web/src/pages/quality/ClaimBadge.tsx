// A claim's status as a badge, in the reader's language.
import { useTranslation } from "react-i18next";
import type { ClaimStatus } from "./claims";

export function ClaimBadge({ status }: { status: ClaimStatus }) {
  const { t } = useTranslation();
  return <span className={`badge badge-claim-${status}`}>{t(`quality.status.${status}`)}</span>;
}
