// The recovery worklist: the days left until each line's claim window closes (the
// last day is the service's `claim_window_closes_on`), and the open lines grouped per
// supplier and currency, soonest first.
import type { components } from "../../api/schema/recovery";

type Line = components["schemas"]["LineView"];

const DAY_MS = 86_400_000;

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
export function groupWorklist(lines: Line[], today: Date = new Date()): SupplierGroup[] {
  const groups = new Map<string, SupplierGroup>();
  for (const line of lines) {
    const lastDay = line.claim_window_closes_on ?? null;
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
