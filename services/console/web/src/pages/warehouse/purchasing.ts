// What the purchasing screens work out without the service: which actions a purchase
// order's status allows (`domain::purchase_order` says the same), today as the
// service counts days (UTC), and the requests built from the rows on screen, with
// the row each `lines[i]` of a refusal points back to.
import type { components } from "../../api/schema/catalog";

export type PurchaseOrder = components["schemas"]["PurchaseOrderOut"];
export type PurchaseOrderLine = components["schemas"]["PurchaseOrderLineOut"];
export type PurchaseOrderStatus = components["schemas"]["PurchaseOrderStatus"];
export type Suggestion = components["schemas"]["SuggestionOut"];
type ReceiptLine = components["schemas"]["ReceiptLineIn"];
type Selected = components["schemas"]["SelectedIn"];

export const STATUSES: PurchaseOrderStatus[] = ["draft", "sent", "partially_received", "received", "cancelled"];

/** A draft is sent; a draft or an order still bringing goods may be cancelled. */
export const canSend = (s: PurchaseOrderStatus) => s === "draft";
export const canCancel = (s: PurchaseOrderStatus) => s === "draft" || s === "sent" || s === "partially_received";
/** Only what the supplier has (sent, partly delivered) is received against. */
export const canReceive = (s: PurchaseOrderStatus) => s === "sent" || s === "partially_received";
/** A line's date moves while the order is open and the line still expects units. */
export const canReschedule = (s: PurchaseOrderStatus, line: PurchaseOrderLine) => canCancel(s) && line.open > 0;

/** Today's date as the service counts it (UTC), `2026-12-03`. */
export function today(now: Date = new Date()): string {
  return now.toISOString().slice(0, 10);
}

/** A whole quantity typed into a field, or null when it is empty or not one. */
export function wholeNumber(typed: string): number | null {
  const trimmed = typed.trim();
  if (!/^\d+$/.test(trimmed)) return null;
  return Number(trimmed);
}

/** Whether `typed` units of a line take more than it still expects. */
export function overReceipt(typed: string, open: number): boolean {
  const qty = wholeNumber(typed);
  return qty !== null && qty > open;
}

export type ReceiptEntry = { line_no: number; qty: string; reason: string };

/** The receipt for the lines given a quantity (the others are not in this delivery),
 *  and, per line number, the index the service's `lines[i]` refers to. */
export function receiptRequest(
  entries: ReceiptEntry[],
  deliveryNote: string,
): { body: { lines: ReceiptLine[]; delivery_note: string | null }; index: Map<number, number> } {
  const lines: ReceiptLine[] = [];
  const index = new Map<number, number>();
  for (const e of entries) {
    const qty = wholeNumber(e.qty);
    if (qty === null || qty === 0) continue;
    index.set(e.line_no, lines.length);
    lines.push({ line_no: e.line_no, qty, over_receipt_reason: e.reason.trim() || null });
  }
  return { body: { lines, delivery_note: deliveryNote.trim() || null }, index };
}

export type Choice = { qty: string; unitPrice: string };

/** The selected suggestions as `POST /replenishment/purchase-orders` lines, in the
 *  table's order, and the index of each part in them. An empty price leaves the last
 *  agreed one to the service, and so does an empty quantity the suggested one (the
 *  field starts with the suggestion and may not be left empty). */
export function selectionLines(
  suggestions: Suggestion[],
  chosen: Record<string, Choice>,
): { lines: Selected[]; index: Map<string, number> } {
  const lines: Selected[] = [];
  const index = new Map<string, number>();
  for (const s of suggestions) {
    const choice = chosen[s.part_number];
    if (!choice) continue;
    index.set(s.part_number, lines.length);
    lines.push({
      part_number: s.part_number,
      qty: wholeNumber(choice.qty),
      unit_price: choice.unitPrice.trim() || null,
    });
  }
  return { lines, index };
}

/** What a suggestion's row starts with once selected: the suggested quantity and the
 *  last price agreed with its supplier. */
export function initialChoice(s: Suggestion): Choice {
  return { qty: String(s.suggested_qty), unitPrice: s.last_unit_price ?? "" };
}
