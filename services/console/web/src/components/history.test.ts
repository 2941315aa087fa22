import { describe, expect, it } from "vitest";
import { actionLabel, actorLabel, changesOf, DASH, formatChange, formatValue, type Lookup, type Translate } from "./history";
import en from "../i18n/en/history.json";
import zh from "../i18n/zh-CN/history.json";
import enCommon from "../i18n/en/common.json";

// The English catalog as `t` and `lookup` would answer it (i18next's `{{name}}` filled in).
const tree = { ...enCommon, ...en } as unknown as Record<string, unknown>;
const lookup: Lookup = (key) => {
  const found = key.split(".").reduce<unknown>((node, k) => (node as Record<string, unknown> | undefined)?.[k], tree);
  return typeof found === "string" ? found : undefined;
};
const t: Translate = (key, options = {}) =>
  (lookup(key) ?? key).replace(/\{\{(\w+)\}\}/g, (_, name: string) => String(options[name]));

describe("an audit record's changes", () => {
  it("are its fields in order, each before and after", () => {
    expect(
      changesOf({
        status: { before: "submitted", after: "reserved" },
        number: { before: null, after: "ORD-1" },
        expected_date: { after: "2024-06-01" },
      }),
    ).toEqual([
      { field: "status", before: "submitted", after: "reserved" },
      { field: "number", before: null, after: "ORD-1" },
      { field: "expected_date", before: null, after: "2024-06-01" },
    ]);
  });

  it("take a field not written as before/after as its new value, and nothing else as none", () => {
    expect(changesOf({ note: "hello" })).toEqual([{ field: "note", before: null, after: "hello" }]);
    expect(changesOf(null)).toEqual([]);
    expect(changesOf([1, 2])).toEqual([]);
    expect(changesOf("status")).toEqual([]);
  });

  it("read as 'field: before → after', nothing as a dash", () => {
    expect(formatChange({ field: "status", before: "reserved", after: "cancel_requested" })).toBe(
      "status: reserved → cancel_requested",
    );
    expect(formatChange({ field: "number", before: null, after: "ORD-7" })).toBe(`number: ${DASH} → ORD-7`);
  });
});

describe("a changed value", () => {
  it("shows nothing as a dash and plain values as they are", () => {
    expect(formatValue(null)).toBe(DASH);
    expect(formatValue(undefined)).toBe(DASH);
    expect(formatValue("115.00")).toBe("115.00");
    expect(formatValue(3)).toBe("3");
    expect(formatValue(false)).toBe("false");
    expect(formatValue("")).toBe('""');
  });

  it("shows lists and objects compactly on one line", () => {
    expect(formatValue([1, "a", null])).toBe(`[1, a, ${DASH}]`);
    expect(formatValue({ reserved: 2, backordered: 0, expected_date: null })).toBe(
      `{reserved: 2, backordered: 0, expected_date: ${DASH}}`,
    );
    expect(formatValue([{ line_no: 1, part_number: "AL-3001", qty: 2 }])).toBe("[{line_no: 1, part_number: AL-3001, qty: 2}]");
    expect(formatValue([])).toBe("[]");
    expect(formatValue({})).toBe("{}");
  });

  it("shows a timestamp through the date-time format given, a calendar date as it is", () => {
    const dateTime = (iso: string) => `<${iso.slice(0, 10)}>`;
    expect(formatValue("2024-06-01T10:20:30.123456Z", dateTime)).toBe("<2024-06-01>");
    expect(formatValue("2024-06-01T10:20:30+02:00", dateTime)).toBe("<2024-06-01>");
    expect(formatValue({ at: "2024-06-01T10:20:30Z" }, dateTime)).toBe("{at: <2024-06-01>}");
    expect(formatValue("2024-06-01", dateTime)).toBe("2024-06-01");
    expect(formatValue("2024-06-01T10:20:30Z")).toBe("2024-06-01T10:20:30Z");
  });
});

describe("what was done", () => {
  it("is the action in words", () => {
    expect(actionLabel("order.placed", lookup)).toBe("Order placed");
    expect(actionLabel("claim.part_received", lookup)).toBe("Old part received");
  });

  it("is left to the caller (who shows the action itself) for an action not translated", () => {
    expect(actionLabel("order.teleported", lookup)).toBeUndefined();
    expect(actionLabel("order", lookup)).toBeUndefined();
    expect(actionLabel("", lookup)).toBeUndefined();
  });

  it("names every action in both languages", () => {
    const actions = (catalog: typeof en) =>
      Object.entries(catalog.history.action).flatMap(([entity, verbs]) => Object.keys(verbs).map((v) => `${entity}.${v}`));
    expect(actions(zh as typeof en).sort()).toEqual(actions(en).sort());
    expect(actions(en)).toEqual(expect.arrayContaining(["order.placed", "order.cancelled", "claim.approved", "purchase_order.sent"]));
  });
});

describe("who acted", () => {
  it("is a user's subject with their role, and a dealer's user's dealer", () => {
    expect(actorLabel({ actor_kind: "user", actor: "quality-lead", actor_role: "quality_lead" }, t, lookup)).toBe(
      "quality-lead (Quality lead)",
    );
    expect(
      actorLabel({ actor_kind: "user", actor: "dealer-d001", actor_role: "dealer", actor_dealer: "D001" }, t, lookup),
    ).toBe("dealer-d001 (Dealer · D001)");
    expect(actorLabel({ actor_kind: "user", actor: "svc", actor_role: "robot" }, t, lookup)).toBe("svc (robot)");
    expect(actorLabel({ actor_kind: "user", actor: "someone" }, t, lookup)).toBe("someone");
  });

  it("is an event's producer, or a job by its name", () => {
    expect(actorLabel({ actor_kind: "event", actor: "catalog" }, t, lookup)).toBe("Catalog event");
    expect(actorLabel({ actor_kind: "event", actor: "billing" }, t, lookup)).toBe("billing event");
    expect(actorLabel({ actor_kind: "job", actor: "return-deadlines" }, t, lookup)).toBe("Job return-deadlines");
    expect(actorLabel({ actor_kind: "robot", actor: "r2" }, t, lookup)).toBe("r2");
  });
});
