import { describe, expect, it } from "vitest";
import type { components } from "../../api/schema/recovery";
import { daysLeft, groupWorklist, sumAmounts } from "./worklist";

type Line = components["schemas"]["LineView"];

const line = (id: string, supplier: string, decided_at: string, amount: string, closes: string | null, currency = "EUR") =>
  ({ id, supplier_code: supplier, decided_at, amount, claim_window_closes_on: closes, currency }) as Line;
const today = new Date("2026-03-10T15:00:00Z");

describe("the claim window", () => {
  it("counts the days left until its last day (UTC), that day included", () => {
    expect(daysLeft("2026-03-10", today)).toBe(0);
    expect(daysLeft("2026-03-11", today)).toBe(1);
    expect(daysLeft("2026-03-09", today)).toBe(-1);
  });
});

describe("the recovery worklist", () => {
  it("groups per supplier and currency, soonest deadline first, lines without agreement last", () => {
    const groups = groupWorklist(
      [
        line("a1", "ACME", "2026-03-01T10:00:00Z", "10.10", "2026-05-30"),
        line("v1", "VALEO", "2026-02-01T10:00:00Z", "0.20", "2026-03-03"),
        line("v2", "VALEO", "2026-03-09T10:00:00Z", "0.10", "2026-04-08"),
        line("v3", "VALEO", "2026-03-09T10:00:00Z", "5.00", null),
        line("u1", "VALEO", "2026-03-09T10:00:00Z", "7.00", "2026-04-08", "USD"),
      ],
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
