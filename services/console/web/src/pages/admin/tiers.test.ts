import { describe, expect, it } from "vitest";
import { effectiveFrom } from "./tiers";

describe("effectiveFrom", () => {
  it("leaves an empty moment out: the discount starts now", () => {
    expect(effectiveFrom("")).toBeUndefined();
    expect(effectiveFrom("   ")).toBeUndefined();
  });

  it("sends the local date and time as the same instant in UTC", () => {
    const local = "2030-06-01T08:30";
    expect(effectiveFrom(local)).toBe(new Date(2030, 5, 1, 8, 30).toISOString());
    expect(effectiveFrom(local)).toMatch(/^2030-06-01T\d\d:30:00\.000Z$/);
  });

  it("sends what is not a date as typed, for the service to name", () => {
    expect(effectiveFrom("soon")).toBe("soon");
  });
});
