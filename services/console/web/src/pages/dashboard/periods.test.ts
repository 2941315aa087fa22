// Weeks start on Monday (UTC), follow each other without gap, and the last one ends now.
import { describe, expect, it } from "vitest";
import { weeks } from "./periods";

describe("weeks", () => {
  it("are whole weeks from Monday, the current one ending now", () => {
    const now = new Date("2026-12-02T10:30:00Z"); // a Wednesday
    const w = weeks(3, now);
    expect(w.map((p) => p.label)).toEqual(["2026-11-16", "2026-11-23", "2026-11-30"]);
    expect(w[0]!.to).toBe(w[1]!.from);
    expect(w[2]!.to).toBe(now.toISOString());
  });

  it("on a Monday start that very day", () => {
    expect(weeks(1, new Date("2026-11-30T00:00:00Z"))[0]!.label).toBe("2026-11-30");
  });
});
