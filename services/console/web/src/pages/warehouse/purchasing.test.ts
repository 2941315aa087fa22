import { describe, expect, it } from "vitest";
import {
  canCancel,
  canReceive,
  canReschedule,
  canSend,
  initialChoice,
  overReceipt,
  receiptRequest,
  selectionLines,
  today,
  wholeNumber,
  type PurchaseOrderLine,
  type Suggestion,
} from "./purchasing";

const line = (open: number) => ({ line_no: 1, open }) as PurchaseOrderLine;
const suggestion = (part_number: string, suggested_qty: number, last_unit_price: string | null = null) =>
  ({ part_number, suggested_qty, last_unit_price }) as Suggestion;

describe("a purchase order's actions", () => {
  it("follow its status as the service's transitions do", () => {
    expect(canSend("draft")).toBe(true);
    expect(canSend("sent")).toBe(false);
    expect(["draft", "sent", "partially_received", "received", "cancelled"].map((s) => canCancel(s as never))).toEqual([
      true,
      true,
      true,
      false,
      false,
    ]);
    expect(canReceive("draft")).toBe(false);
    expect(canReceive("sent")).toBe(true);
    expect(canReceive("partially_received")).toBe(true);
    expect(canReceive("received")).toBe(false);
  });

  it("reschedule only a line that still expects units of an open order", () => {
    expect(canReschedule("sent", line(3))).toBe(true);
    expect(canReschedule("sent", line(0))).toBe(false);
    expect(canReschedule("received", line(3))).toBe(false);
  });
});

describe("today", () => {
  it("is the UTC date, as the service counts days", () => {
    expect(today(new Date("2026-12-03T23:30:00-05:00"))).toBe("2026-12-04");
  });
});

describe("a receipt", () => {
  it("takes whole quantities only", () => {
    expect(wholeNumber(" 7 ")).toBe(7);
    expect(wholeNumber("")).toBeNull();
    expect(wholeNumber("2.5")).toBeNull();
    expect(wholeNumber("-1")).toBeNull();
  });

  it("is an over-receipt when more arrives than is open", () => {
    expect(overReceipt("8", 7)).toBe(true);
    expect(overReceipt("7", 7)).toBe(false);
    expect(overReceipt("", 0)).toBe(false);
  });

  it("sends the lines given a quantity and knows which line each lines[i] is", () => {
    const { body, index } = receiptRequest(
      [
        { line_no: 1, qty: "", reason: "" },
        { line_no: 2, qty: "0", reason: "" },
        { line_no: 3, qty: "9", reason: "  supplier sent a full box " },
        { line_no: 4, qty: "2", reason: "" },
      ],
      " DN-1 ",
    );
    expect(body).toEqual({
      lines: [
        { line_no: 3, qty: 9, over_receipt_reason: "supplier sent a full box" },
        { line_no: 4, qty: 2, over_receipt_reason: null },
      ],
      delivery_note: "DN-1",
    });
    expect(index.get(3)).toBe(0);
    expect(index.get(4)).toBe(1);
    expect(index.has(1)).toBe(false);
  });

  it("without a delivery note sends none", () => {
    expect(receiptRequest([{ line_no: 1, qty: "1", reason: "" }], "  ").body.delivery_note).toBeNull();
  });
});

describe("the replenishment selection", () => {
  it("starts a row with the suggestion and the last agreed price", () => {
    expect(initialChoice(suggestion("FL-5001", 12, "4.2000"))).toEqual({ qty: "12", unitPrice: "4.2000" });
    expect(initialChoice(suggestion("FL-5001", 12))).toEqual({ qty: "12", unitPrice: "" });
  });

  it("sends the selected rows in the table's order, an empty price left to the service", () => {
    const rows = [suggestion("AL-3001", 4), suggestion("BP-1001", 6), suggestion("FL-5001", 12)];
    const { lines, index } = selectionLines(rows, {
      "FL-5001": { qty: "10", unitPrice: "" },
      "AL-3001": { qty: "4", unitPrice: "250.00" },
    });
    expect(lines).toEqual([
      { part_number: "AL-3001", qty: 4, unit_price: "250.00" },
      { part_number: "FL-5001", qty: 10, unit_price: null },
    ]);
    expect(index.get("FL-5001")).toBe(1);
    expect(index.has("BP-1001")).toBe(false);
  });
});
