// What the finance screens share: the days left in a claim window, a recovery line's
// columns, a claim's status and its reconciliation figures.
import { Fragment } from "react";
import { useTranslation } from "react-i18next";
import type { components } from "../../api/schema/recovery";
import { formatDateTime, formatMoney, formatNumber } from "../../i18n/format";

type Line = components["schemas"]["LineView"];
type Figures = components["schemas"]["FiguresView"];

/** "12 days left", "last day", "3 days overdue", or "no agreement". */
export function DaysLeft({ days, lastDay }: { days: number | null; lastDay?: string | null }) {
  const { t } = useTranslation();
  if (days === null) return <span className="muted">{t("finance.window.none")}</span>;
  const text =
    days < 0
      ? t("finance.window.overdue", { count: -days, days: formatNumber(-days) })
      : days === 0
        ? t("finance.window.lastDay")
        : t("finance.window.left", { count: days, days: formatNumber(days) });
  return (
    <span className={days < 0 ? "badge badge-overdue" : days <= 7 ? "badge badge-soon" : undefined} title={lastDay ?? undefined}>
      {text}
    </span>
  );
}

/** A recovery line's columns, in a table of lines. */
export const LineSummary = {
  Head() {
    const { t } = useTranslation();
    return (
      <>
        <th scope="col">{t("finance.line.claim")}</th>
        <th scope="col">{t("finance.line.part")}</th>
        <th scope="col">{t("finance.line.decidedAt")}</th>
        <th scope="col" className="num">{t("finance.line.parts")}</th>
        <th scope="col" className="num">{t("finance.line.labor")}</th>
        <th scope="col" className="num">{t("finance.line.amount")}</th>
      </>
    );
  },
  Cells({ line }: { line: Line }) {
    return (
      <>
        <td>{line.claim_number}</td>
        <td>{line.causal_part_number}</td>
        <td>{formatDateTime(line.decided_at)}</td>
        <td className="num">{formatMoney(line.parts_amount, line.currency)}</td>
        <td className="num">{formatMoney(line.labor_amount, line.currency)}</td>
        <td className="num">{line.amount ? formatMoney(line.amount, line.currency) : "—"}</td>
      </>
    );
  },
};

export function ClaimStatus({ status }: { status: components["schemas"]["ClaimStatus"] }) {
  const { t } = useTranslation();
  return <span className={`badge badge-rc-${status}`}>{t(`finance.claimStatus.${status}`)}</span>;
}

export const FIGURES = ["claimed", "accepted", "rejected", "pending", "credited", "written_off", "outstanding"] as const;

/** A claim's figures as a definition list. */
export function FiguresList({ figures, currency }: { figures: Figures; currency: string }) {
  const { t } = useTranslation();
  return (
    <dl className="facts">
      {FIGURES.map((f) => (
        <Fragment key={f}>
          <dt>{t(`finance.figures.${f}`)}</dt>
          <dd>{formatMoney(figures[f], currency)}</dd>
        </Fragment>
      ))}
    </dl>
  );
}
