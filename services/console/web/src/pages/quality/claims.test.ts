import { describe, expect, it } from "vitest";
import { ageInDays, isOverdue, nextSteps, waitingSince, type Claim } from "./claims";

const claim = (fields: Partial<Claim>) =>
  ({ status: "awaiting_part", submitted_at: "2026-11-01T10:00:00Z", amounts: { total: "100.00" }, ...fields }) as Claim;
const now = new Date("2026-11-11T09:00:00Z");

describe("quality's reading of a claim", () => {
  it("counts whole days waited, from the part's arrival once received", () => {
    expect(ageInDays("2026-11-01T10:00:00Z", now)).toBe(9);
    expect(ageInDays("2026-11-11T08:00:00Z", now)).toBe(0);
    const received = claim({ receipt: { received_at: "2026-11-10T09:00:00Z", quantity: 1, warehouse: "WH1" } });
    expect(ageInDays(waitingSince(received), now)).toBe(1);
  });

  it("marks a part overdue only while it is awaited after its deadline", () => {
    expect(isOverdue(claim({ return_deadline: "2026-11-10T00:00:00Z" }), now)).toBe(true);
    expect(isOverdue(claim({ return_deadline: "2026-11-12T00:00:00Z" }), now)).toBe(false);
    expect(isOverdue(claim({ status: "part_received", return_deadline: "2026-11-10T00:00:00Z" }), now)).toBe(false);
    expect(isOverdue(claim({ return_deadline: null }), now)).toBe(false);
  });

  it("offers the steps in the order the process allows", () => {
    expect(nextSteps(claim({}))).toEqual(["receive"]);
    expect(nextSteps(claim({ status: "part_received" }))).toEqual(["findings"]);
    expect(nextSteps(claim({ status: "under_inspection" }))).toEqual(["findings", "decide"]);
    const receipt = { received_at: "2026-11-10T09:00:00Z", quantity: 1, warehouse: "WH1" };
    expect(nextSteps(claim({ status: "approved", receipt }))).toEqual(["dispose"]);
    expect(nextSteps(claim({ status: "approved", receipt: null }))).toEqual(["none"]);
    expect(nextSteps(claim({ status: "closed", receipt }))).toEqual(["none"]);
  });
});
