import { describe, expect, it } from "vitest";
import {
  canCancel,
  canReceive,
  canReschedule,
  canSend,
  overReceipt,
  receiptRequest,
  today,
  wholeNumber,
  type PurchaseOrderLine,
} from "./purchasing";

const line = (open: number) => ({ line_no: 1, open }) as PurchaseOrderLine;

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
