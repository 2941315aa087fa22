import { describe, expect, it } from "vitest";
import type { components } from "../api/schema/orders";
import { shippingOrder } from "./shipping";

type Order = components["schemas"]["OrderView"];
const order = (number: string, priority: "stock" | "emergency", placed_at: string) =>
  ({ number, priority, placed_at }) as Order;

describe("the shipping queue", () => {
  it("puts emergency orders first, then the oldest", () => {
    const sorted = [
      order("S-new", "stock", "2026-12-01T10:00:00Z"),
      order("E-new", "emergency", "2026-12-01T09:00:00Z"),
      order("S-old", "stock", "2026-11-30T10:00:00Z"),
      order("E-old", "emergency", "2026-11-29T10:00:00Z"),
    ].sort(shippingOrder);
    expect(sorted.map((o) => o.number)).toEqual(["E-old", "E-new", "S-old", "S-new"]);
  });
});
