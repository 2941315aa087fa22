import { describe, expect, it } from "vitest";
import { consoleHolds, entityLink, mergeLists, sumUnread, topicChange, type Notification } from "./merge";

let next = 1;
function n(created_at: string, extra: Partial<Notification> = {}): Notification {
  return {
    id: next++,
    message_id: crypto.randomUUID(),
    topic: "order.shipped",
    summary: "shipped",
    entity_type: "order",
    entity_id: "o-1",
    data: {},
    created_at,
    read_at: null,
    ...extra,
  };
}

describe("sumUnread", () => {
  it("adds the counts of every service", () => {
    const ok = (value: number) => ({ ok: true as const, value });
    expect(sumUnread({ orders: ok(2), inspection: ok(1), recovery: ok(0), catalog: ok(4) })).toEqual({
      unread: 7,
      complete: true,
      answered: 4,
    });
  });

  it("counts what answered when a service fails or has not answered yet", () => {
    expect(sumUnread({ orders: { ok: true, value: 3 }, inspection: { ok: false } })).toEqual({
      unread: 3,
      complete: false,
      answered: 1,
    });
    expect(sumUnread({})).toEqual({ unread: 0, complete: false, answered: 0 });
  });
});

describe("mergeLists", () => {
  it("merges the services' lists newest first", () => {
    const a = n("2026-12-03T10:00:00Z");
    const b = n("2026-12-03T12:00:00Z");
    const c = n("2026-12-03T11:00:00Z");
    const merged = mergeLists({ orders: { items: [b, a] }, inspection: { items: [c] } });
    expect(merged.items.map((x) => [x.service, x.id])).toEqual([
      ["orders", b.id],
      ["inspection", c.id],
      ["orders", a.id],
    ]);
    expect(merged.more).toBe(false);
  });

  it("orders equal moments by service, then by id newest first", () => {
    const t = "2026-12-03T10:00:00Z";
    const o1 = n(t, { id: 1 });
    const o2 = n(t, { id: 2 });
    const i1 = n(t, { id: 1 });
    const merged = mergeLists({ inspection: { items: [i1] }, orders: { items: [o1, o2] } });
    expect(merged.items.map((x) => `${x.service}:${x.id}`)).toEqual(["orders:2", "orders:1", "inspection:1"]);
  });

  it("stops where a service with more pages may still hold newer ones than the rest", () => {
    // Orders has more pages after 11:00; inspection's 10:00 could be older than what
    // orders has not sent yet, so it waits for the next page.
    const o12 = n("2026-12-03T12:00:00Z");
    const o11 = n("2026-12-03T11:00:00Z");
    const i1130 = n("2026-12-03T11:30:00Z");
    const i10 = n("2026-12-03T10:00:00Z");
    const merged = mergeLists({
      orders: { items: [o12, o11], next_cursor: "c" },
      inspection: { items: [i1130, i10], next_cursor: null },
    });
    expect(merged.items.map((x) => x.id)).toEqual([o12.id, i1130.id, o11.id]);
    expect(merged.more).toBe(true);
  });

  it("leaves out a service that did not answer", () => {
    const merged = mergeLists({ orders: undefined, recovery: { items: [n("2026-12-03T10:00:00Z")] } });
    expect(merged.items.map((x) => x.service)).toEqual(["recovery"]);
  });
});

describe("entityLink", () => {
  const about = (entity_type: string, entity_id = "abc", data: Record<string, unknown> = {}) => ({
    service: "orders" as const,
    entity_type,
    entity_id,
    data,
  });

  it("links an order to the dealer's order page, and nobody else's", () => {
    expect(entityLink("dealer", about("order", "0193-x"))).toBe("/orders/0193-x");
    expect(entityLink("warehouse", about("order"))).toBeNull();
  });

  it("links a claim to the dealer's or the inspector's claim page", () => {
    expect(entityLink("dealer", about("claim", "c1"))).toBe("/claims/c1");
    expect(entityLink("quality", about("claim", "c1"))).toBe("/quality/claims/c1");
    expect(entityLink("quality_lead", about("claim", "c1"))).toBe("/quality/claims/c1");
    expect(entityLink("finance", about("claim", "c1"))).toBeNull();
  });

  it("links stock to the part's ledger for the warehouse", () => {
    expect(entityLink("warehouse", about("stock_level", "WH1/P-1", { warehouse: "WH1", part_number: "P-1" }))).toBe(
      "/warehouse/stock?warehouse=WH1&part=P-1",
    );
    expect(entityLink("dealer", about("stock_level", "x", { part_number: "P-1" }))).toBeNull();
  });

  it("has no link for what the console has no page for", () => {
    expect(entityLink("admin", about("queue", "orders.dead"))).toBeNull();
  });

  it("escapes the id into the path", () => {
    expect(entityLink("dealer", about("order", "a/b"))).toBe("/orders/a%2Fb");
  });
});

describe("topicChange", () => {
  const subs = [
    { id: "a", topics: ["order.shipped"], url: null, dealer_code: "D001" },
    { id: "b", topics: ["order.shipped", "order.backorder_filled"], url: null, dealer_code: "D001" },
    { id: "w", topics: ["order.shipped"], url: "https://erp.example/hook", dealer_code: "D001" },
  ];

  it("subscribes a topic no console subscription holds", () => {
    expect(topicChange([], "order.shipped", true)).toEqual({ add: [{ topics: ["order.shipped"] }], remove: [] });
    expect(topicChange(subs, "order.shipped", true)).toEqual({ add: [], remove: [] });
    // A webhook's topic is not the console's: subscribing in the console adds one.
    expect(topicChange([subs[2]!], "order.shipped", true).add).toHaveLength(1);
  });

  it("unsubscribes every console subscription holding it, keeping their other topics and the webhooks", () => {
    expect(topicChange(subs, "order.shipped", false)).toEqual({
      add: [{ topics: ["order.backorder_filled"], dealer_code: "D001" }],
      remove: ["a", "b"],
    });
  });

  it("says whether the console holds a topic", () => {
    expect(consoleHolds(subs, "order.backorder_filled")).toBe(true);
    expect(consoleHolds([subs[2]!], "order.shipped")).toBe(false);
  });
});
