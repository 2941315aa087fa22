// The recovery worklist's rules: the last day of each line's claim window and the days
// left until it, and the open lines grouped per supplier and currency, soonest first.
import type { components } from "../../api/schema/recovery";

type Line = components["schemas"]["LineView"];
type Agreement = components["schemas"]["AgreementView"];

const DAY_MS = 86_400_000;

/** The decision's UTC day plus the window: the last day the supplier still accepts the
 *  claim (the service's `window_passed` in domain/agreement.rs counts that day in). */
export function windowLastDay(decidedAt: string, windowDays: number): string {
  const decided = Date.parse(decidedAt.slice(0, 10) + "T00:00:00Z");
  return new Date(decided + windowDays * DAY_MS).toISOString().slice(0, 10);
}

/** Whole days from `today` (UTC) to `lastDay`; 0 on the last day, negative once passed. */
export function daysLeft(lastDay: string, today: Date = new Date()): number {
  const todayUtc = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  return Math.round((Date.parse(lastDay + "T00:00:00Z") - todayUtc) / DAY_MS);
}

export type WorkLine = Line & { lastDay: string | null; daysLeft: number | null };

export type SupplierGroup = {
  /** `supplier_code` and currency: one recovery claim holds one of each. */
  key: string;
  supplier: string;
  currency: string;
  lines: WorkLine[];
  /** Sum of the line amounts, as a decimal string with 2 places. */
  total: string;
  /** The fewest days left among the lines (null when no line has an agreement). */
  soonest: number | null;
};

function byDaysLeft(a: number | null, b: number | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a - b;
}

/** Sums decimal strings in cents, so 0.1 + 0.2 stays 0.30. */
export function sumAmounts(amounts: string[]): string {
  const cents = amounts.reduce((sum, a) => {
    const [whole = "0", frac = ""] = a.replace("-", "").split(".");
    const value = BigInt(whole) * 100n + BigInt((frac + "00").slice(0, 2));
    return a.startsWith("-") ? sum - value : sum + value;
  }, 0n);
  const sign = cents < 0n ? "-" : "";
  const abs = cents < 0n ? -cents : cents;
  return `${sign}${abs / 100n}.${(abs % 100n).toString().padStart(2, "0")}`;
}

/** Open lines per supplier and currency, the group with the fewest days left first and,
 *  inside a group, the line with the fewest days left first. */
export function groupWorklist(lines: Line[], agreements: Agreement[], today: Date = new Date()): SupplierGroup[] {
  const windows = new Map(agreements.map((a) => [a.id, a.claim_window_days]));
  const groups = new Map<string, SupplierGroup>();
  for (const line of lines) {
    const window = line.agreement_id ? windows.get(line.agreement_id) : undefined;
    const lastDay = window === undefined ? null : windowLastDay(line.decided_at, window);
    const work: WorkLine = { ...line, lastDay, daysLeft: lastDay === null ? null : daysLeft(lastDay, today) };
    const key = `${line.supplier_code} ${line.currency}`;
    const group = groups.get(key) ?? { key, supplier: line.supplier_code, currency: line.currency, lines: [], total: "0.00", soonest: null };
    group.lines.push(work);
    groups.set(key, group);
  }
  return [...groups.values()]
    .map((g) => {
      const sorted = [...g.lines].sort((a, b) => byDaysLeft(a.daysLeft, b.daysLeft) || a.decided_at.localeCompare(b.decided_at));
      return {
        ...g,
        lines: sorted,
        total: sumAmounts(sorted.map((l) => l.amount ?? "0")),
        soonest: sorted[0]?.daysLeft ?? null,
      };
    })
    .sort((a, b) => byDaysLeft(a.soonest, b.soonest) || a.key.localeCompare(b.key));
}
