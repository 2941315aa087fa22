import { describe, expect, it } from "vitest";
import type { components } from "../../api/schema/recovery";
import { daysLeft, groupWorklist, sumAmounts, windowLastDay } from "./worklist";

type Line = components["schemas"]["LineView"];
type Agreement = components["schemas"]["AgreementView"];

const line = (id: string, supplier: string, decided_at: string, amount: string, agreement_id: string | null, currency = "EUR") =>
  ({ id, supplier_code: supplier, decided_at, amount, agreement_id, currency }) as Line;
const agreement = (id: string, claim_window_days: number) => ({ id, claim_window_days }) as Agreement;
const today = new Date("2026-03-10T15:00:00Z");

describe("the claim window", () => {
  it("ends window days after the decision's UTC day, that day included", () => {
    expect(windowLastDay("2026-03-01T23:30:00Z", 30)).toBe("2026-03-31");
    expect(daysLeft("2026-03-10", today)).toBe(0);
    expect(daysLeft("2026-03-11", today)).toBe(1);
    expect(daysLeft("2026-03-09", today)).toBe(-1);
  });
});

describe("the recovery worklist", () => {
  it("groups per supplier and currency, soonest deadline first, lines without agreement last", () => {
    const groups = groupWorklist(
      [
        line("a1", "ACME", "2026-03-01T10:00:00Z", "10.10", "long"),
        line("v1", "VALEO", "2026-02-01T10:00:00Z", "0.20", "short"),
        line("v2", "VALEO", "2026-03-09T10:00:00Z", "0.10", "short"),
        line("v3", "VALEO", "2026-03-09T10:00:00Z", "5.00", null),
        line("u1", "VALEO", "2026-03-09T10:00:00Z", "7.00", "short", "USD"),
      ],
      [agreement("short", 30), agreement("long", 90)],
      today,
    );
    expect(groups.map((g) => [g.key, g.soonest, g.total])).toEqual([
      ["VALEO EUR", -7, "5.30"],
      ["VALEO USD", 29, "7.00"],
      ["ACME EUR", 81, "10.10"],
    ]);
    expect(groups[0]!.lines.map((l) => [l.id, l.daysLeft])).toEqual([
      ["v1", -7],
      ["v2", 29],
      ["v3", null],
    ]);
  });

  it("sums money in cents", () => {
    expect(sumAmounts(["0.1", "0.2"])).toBe("0.30");
    expect(sumAmounts(["162.75", "-2.80", "1"])).toBe("160.95");
    expect(sumAmounts([])).toBe("0.00");
  });
});
